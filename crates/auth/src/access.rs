//! Access tokens: short-lived HS256 JWTs that say who is calling, sent as `Authorization: Bearer`.
//! Each names the login session it belongs to (`sid`, the refresh-token family), so the server
//! refuses it as soon as that session ends (logout, password change, reset, deactivation).

use std::time::Duration;

use peitao_domain::ids::{OrganizationId, UserId};
use peitao_domain::user::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::jwt;
pub use crate::jwt::{LEEWAY_SECS, Rejection, TokenError};
use crate::keys::KeySet;

/// The `aud` of every access token; purpose tokens carry another, so neither passes for the other.
pub const AUDIENCE: &str = "peitao-api";

/// How long an access token lives unless configuration says otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);

/// Whom a token is issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub user_id: UserId,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    /// The login session (refresh-token family) the token belongs to.
    pub session_id: Uuid,
}

/// What a verified access token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: UserId,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    /// Unix seconds.
    pub expires_at: i64,
    /// The token's unique id, for logs and a deny list should one ever be needed.
    pub jti: Uuid,
    /// The login session it belongs to: the server checks that this session still stands.
    pub session_id: Uuid,
}

/// The JSON payload as it travels.
#[derive(Serialize, Deserialize)]
struct Payload {
    iss: String,
    aud: String,
    sub: Uuid,
    role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org: Option<Uuid>,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: Uuid,
    /// Required: a token that names no session could not be cut off at logout.
    sid: Uuid,
}

/// Issues an access token for `subject`, valid from `now` for `ttl`.
///
/// # Errors
/// [`TokenError::Issue`] if `now + ttl` overflows or signing fails.
pub fn issue(
    keys: &KeySet,
    issuer: &str,
    subject: &Subject,
    ttl: Duration,
    now: i64,
) -> Result<String, TokenError> {
    let payload = Payload {
        iss: issuer.to_owned(),
        aud: AUDIENCE.to_owned(),
        sub: subject.user_id.0,
        role: subject.role.as_str().to_owned(),
        org: subject.organization_id.map(OrganizationId::into_uuid),
        iat: now,
        nbf: now,
        exp: jwt::expiry(now, ttl)?,
        jti: Uuid::new_v4(),
        sid: subject.session_id,
    };
    jwt::sign(keys, &payload)
}

/// Verifies an access token at time `now` (unix seconds).
///
/// HS256 only, a `kid` naming a listed key, this `issuer`, the [`AUDIENCE`], `exp` and `nbf`
/// within [`LEEWAY_SECS`], and a role we know.
///
/// # Errors
/// [`TokenError::Expired`] for a genuine but expired token, [`TokenError::Invalid`] otherwise.
pub fn verify(
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: i64,
) -> Result<AccessClaims, TokenError> {
    let payload: Payload = jwt::verify(keys, token, issuer, AUDIENCE, now)?;
    let role = Role::parse(&payload.role).map_err(|_| Rejection::Claims)?;
    Ok(AccessClaims {
        user_id: UserId(payload.sub),
        role,
        organization_id: payload.org.map(OrganizationId),
        expires_at: payload.exp,
        jti: payload.jti,
        session_id: payload.sid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::forge;
    use crate::purpose::{self, Purpose};
    use jsonwebtoken::Algorithm;
    use serde_json::{Value, json};

    const ISSUER: &str = "peitao";
    const SECRET: &str = "access-test-secret-0123456789abcdef";
    const OTHER_SECRET: &str = "another-test-secret-0123456789abcdef";
    const NOW: i64 = 1_780_000_000;

    fn keys() -> KeySet {
        KeySet::new(SECRET, &[]).unwrap()
    }

    fn supplier() -> Subject {
        Subject {
            user_id: UserId(Uuid::from_u128(1)),
            role: Role::Supplier,
            organization_id: Some(OrganizationId(Uuid::from_u128(2))),
            session_id: Uuid::from_u128(7),
        }
    }

    fn token() -> String {
        issue(&keys(), ISSUER, &supplier(), DEFAULT_TTL, NOW).unwrap()
    }

    fn kid() -> String {
        keys().current().kid().to_owned()
    }

    /// A payload our own `issue` would write, for hand-built tokens to vary.
    fn good_claims() -> Value {
        json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": Uuid::from_u128(1), "role": "supplier",
            "iat": NOW, "nbf": NOW, "exp": NOW + 900, "jti": Uuid::from_u128(9),
            "sid": Uuid::from_u128(7),
        })
    }

    fn good_header() -> Value {
        json!({ "typ": "JWT", "alg": "HS256", "kid": kid() })
    }

    fn rejected(token: &str) -> TokenError {
        verify(&keys(), ISSUER, token, NOW).unwrap_err()
    }

    #[test]
    fn round_trip() {
        let claims = verify(&keys(), ISSUER, &token(), NOW).unwrap();
        assert_eq!(claims.user_id, supplier().user_id);
        assert_eq!(claims.role, Role::Supplier);
        assert_eq!(claims.organization_id, supplier().organization_id);
        assert_eq!(claims.expires_at, NOW + 15 * 60);
        assert_eq!(claims.session_id, Uuid::from_u128(7));

        let staff = Subject {
            user_id: UserId(Uuid::from_u128(3)),
            role: Role::Staff,
            organization_id: None,
            session_id: Uuid::from_u128(8),
        };
        let staff_token = issue(&keys(), ISSUER, &staff, DEFAULT_TTL, NOW).unwrap();
        let claims = verify(&keys(), ISSUER, &staff_token, NOW).unwrap();
        assert_eq!(claims.role, Role::Staff);
        assert_eq!(claims.organization_id, None);
    }

    #[test]
    fn carries_the_documented_claims_and_kid_header() {
        let (header, payload, _) = forge::split(&token());
        let header = forge::decode_part(&header);
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["kid"], kid());
        assert_eq!(payload["iss"], ISSUER);
        assert_eq!(payload["aud"], AUDIENCE);
        assert_eq!(payload["sub"], Uuid::from_u128(1).to_string());
        assert_eq!(payload["role"], "supplier");
        assert_eq!(payload["org"], Uuid::from_u128(2).to_string());
        assert_eq!(payload["iat"], NOW);
        assert_eq!(payload["nbf"], NOW);
        assert_eq!(payload["exp"], NOW + 900);
        assert_eq!(payload["sid"], Uuid::from_u128(7).to_string());
        let jti: Uuid = payload["jti"].as_str().unwrap().parse().unwrap();
        assert_eq!(jti.get_version_num(), 4);
    }

    #[test]
    fn every_token_has_its_own_jti() {
        let a = verify(&keys(), ISSUER, &token(), NOW).unwrap();
        let b = verify(&keys(), ISSUER, &token(), NOW).unwrap();
        assert_ne!(a.jti, b.jti);
    }

    #[test]
    fn hand_built_good_token_is_accepted() {
        // Guards the tests below: each varies exactly one thing from this token.
        let token = forge::sign(
            &good_header(),
            &good_claims(),
            SECRET.as_bytes(),
            Algorithm::HS256,
        );
        assert!(verify(&keys(), ISSUER, &token, NOW).is_ok());
    }

    #[test]
    fn tampered_payload_is_rejected() {
        let (header, mut payload, signature) = forge::split(&token());
        payload["role"] = json!("admin");
        let tampered = format!("{header}.{}.{signature}", forge::b64_json(&payload));
        assert_eq!(
            rejected(&tampered),
            TokenError::Invalid(Rejection::Signature)
        );
    }

    #[test]
    fn tampered_signature_is_rejected() {
        let (header, payload, signature) = forge::split(&token());
        let first = if signature.starts_with('A') { "B" } else { "A" };
        let tampered = format!(
            "{header}.{}.{first}{}",
            forge::b64_json(&payload),
            &signature[1..]
        );
        assert_eq!(
            rejected(&tampered),
            TokenError::Invalid(Rejection::Signature)
        );
    }

    #[test]
    fn alg_none_is_rejected() {
        let header = json!({ "typ": "JWT", "alg": "none", "kid": kid() });
        let unsigned = format!(
            "{}.{}.",
            forge::b64_json(&header),
            forge::b64_json(&good_claims())
        );
        assert_eq!(
            rejected(&unsigned),
            TokenError::Invalid(Rejection::Algorithm)
        );
        // Also with a signature part someone made up.
        assert_eq!(
            rejected(&format!("{unsigned}AAAA")),
            TokenError::Invalid(Rejection::Algorithm)
        );
    }

    #[test]
    fn other_algorithms_are_rejected_even_with_the_right_key() {
        let hs512 = json!({ "typ": "JWT", "alg": "HS512", "kid": kid() });
        let token = forge::sign(&hs512, &good_claims(), SECRET.as_bytes(), Algorithm::HS512);
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Algorithm));

        // RS256 with the HMAC secret as "public key": the classic confusion attack.
        let rs256 = json!({ "typ": "JWT", "alg": "RS256", "kid": kid() });
        let token = format!(
            "{}.{}.{}",
            forge::b64_json(&rs256),
            forge::b64_json(&good_claims()),
            forge::b64_json(&json!("not a signature"))
        );
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Algorithm));
    }

    #[test]
    fn another_key_under_our_kid_is_rejected() {
        let token = forge::sign(
            &good_header(),
            &good_claims(),
            OTHER_SECRET.as_bytes(),
            Algorithm::HS256,
        );
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Signature));
    }

    /// ASVS 9.1.3: keys come only from configuration; a header that carries its own key or
    /// points at one (`jwk`, `jku`, `x5u`) changes nothing.
    #[test]
    fn keys_named_or_embedded_in_the_header_are_ignored() {
        use base64::Engine as _;
        let attacker = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(OTHER_SECRET);
        let header = json!({
            "typ": "JWT", "alg": "HS256", "kid": kid(),
            "jwk": { "kty": "oct", "k": attacker },
            "jku": "https://evil.example/jwks.json",
            "x5u": "https://evil.example/cert.pem",
        });
        let token = forge::sign(
            &header,
            &good_claims(),
            OTHER_SECRET.as_bytes(),
            Algorithm::HS256,
        );
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Signature));
        // The same header over our own signature is fine: the extra fields were never read.
        let ours = forge::sign(&header, &good_claims(), SECRET.as_bytes(), Algorithm::HS256);
        assert!(verify(&keys(), ISSUER, &ours, NOW).is_ok());
    }

    #[test]
    fn unknown_or_missing_kid_is_rejected() {
        let header = json!({ "typ": "JWT", "alg": "HS256", "kid": "0123456789abcdef" });
        let token = forge::sign(&header, &good_claims(), SECRET.as_bytes(), Algorithm::HS256);
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::UnknownKid));

        let header = json!({ "typ": "JWT", "alg": "HS256" });
        let token = forge::sign(&header, &good_claims(), SECRET.as_bytes(), Algorithm::HS256);
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::MissingKid));
    }

    #[test]
    fn expired_after_the_leeway() {
        let token = token();
        let exp = NOW + 900;
        assert!(verify(&keys(), ISSUER, &token, exp - 1).is_ok());
        assert!(verify(&keys(), ISSUER, &token, exp + LEEWAY_SECS - 1).is_ok());
        assert_eq!(
            verify(&keys(), ISSUER, &token, exp + LEEWAY_SECS).unwrap_err(),
            TokenError::Expired
        );
        assert_eq!(
            verify(&keys(), ISSUER, &token, exp + 86_400).unwrap_err(),
            TokenError::Expired
        );
    }

    #[test]
    fn a_forged_token_is_invalid_not_expired() {
        // Time is only judged once the signature holds, so a forgery learns nothing from it.
        let mut claims = good_claims();
        claims["exp"] = json!(NOW - 86_400);
        let token = forge::sign(
            &good_header(),
            &claims,
            OTHER_SECRET.as_bytes(),
            Algorithm::HS256,
        );
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Signature));
    }

    #[test]
    fn not_yet_valid_beyond_the_leeway() {
        let token = token();
        assert!(verify(&keys(), ISSUER, &token, NOW - LEEWAY_SECS).is_ok());
        assert_eq!(
            verify(&keys(), ISSUER, &token, NOW - LEEWAY_SECS - 1).unwrap_err(),
            TokenError::Invalid(Rejection::NotYetValid)
        );
    }

    #[test]
    fn wrong_audience_is_rejected() {
        let mut claims = good_claims();
        claims["aud"] = json!("someone-else");
        let token = forge::sign(&good_header(), &claims, SECRET.as_bytes(), Algorithm::HS256);
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Audience));
    }

    #[test]
    fn wrong_issuer_is_rejected() {
        let other_deployment = issue(
            &keys(),
            "another-association",
            &supplier(),
            DEFAULT_TTL,
            NOW,
        )
        .unwrap();
        assert_eq!(
            rejected(&other_deployment),
            TokenError::Invalid(Rejection::Issuer)
        );
    }

    #[test]
    fn missing_claims_and_unknown_roles_are_rejected() {
        for claim in ["iss", "aud", "sub", "exp", "nbf", "role", "jti", "sid"] {
            let mut claims = good_claims();
            claims.as_object_mut().unwrap().remove(claim);
            let token = forge::sign(&good_header(), &claims, SECRET.as_bytes(), Algorithm::HS256);
            assert_eq!(
                rejected(&token),
                TokenError::Invalid(Rejection::Claims),
                "without {claim}"
            );
        }
        let mut claims = good_claims();
        claims["role"] = json!("superuser");
        let token = forge::sign(&good_header(), &claims, SECRET.as_bytes(), Algorithm::HS256);
        assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Claims));
    }

    #[test]
    fn garbage_is_malformed() {
        for garbage in ["", "abc", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30.e30"] {
            assert!(
                matches!(rejected(garbage), TokenError::Invalid(_)),
                "{garbage:?}"
            );
        }
        assert_eq!(rejected("a.b"), TokenError::Invalid(Rejection::Malformed));
    }

    #[test]
    fn purpose_tokens_are_not_access_tokens() {
        for purpose in Purpose::ALL {
            let token = purpose::issue_purpose(
                &keys(),
                ISSUER,
                *purpose,
                &Uuid::from_u128(1).to_string(),
                DEFAULT_TTL,
                NOW,
            )
            .unwrap();
            assert_eq!(rejected(&token), TokenError::Invalid(Rejection::Audience));
        }
    }

    #[test]
    fn rotation_keeps_old_tokens_until_the_old_key_is_dropped() {
        let before = KeySet::new(SECRET, &[]).unwrap();
        let old_token = issue(&before, ISSUER, &supplier(), DEFAULT_TTL, NOW).unwrap();

        // Rotated: a new current secret, the old one listed as previous.
        let rotated = KeySet::new(OTHER_SECRET, &[SECRET.to_owned()]).unwrap();
        assert!(verify(&rotated, ISSUER, &old_token, NOW).is_ok());
        // New tokens are signed with the new key and name it.
        let new_token = issue(&rotated, ISSUER, &supplier(), DEFAULT_TTL, NOW).unwrap();
        let (header, _, _) = forge::split(&new_token);
        assert_eq!(forge::decode_part(&header)["kid"], rotated.current().kid());
        assert!(verify(&rotated, ISSUER, &new_token, NOW).is_ok());

        // The old key dropped: its tokens are unknown, the new ones still fine.
        let after = KeySet::new(OTHER_SECRET, &[]).unwrap();
        assert_eq!(
            verify(&after, ISSUER, &old_token, NOW).unwrap_err(),
            TokenError::Invalid(Rejection::UnknownKid)
        );
        assert!(verify(&after, ISSUER, &new_token, NOW).is_ok());
    }

    #[test]
    fn absurd_ttl_is_an_issue_error_not_a_panic() {
        let err = issue(&keys(), ISSUER, &supplier(), Duration::MAX, NOW).unwrap_err();
        assert!(matches!(err, TokenError::Issue(_)));
    }
}
