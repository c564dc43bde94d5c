//! What access and purpose tokens share: HS256 only, a known `kid`, `iss` and `aud` checked,
//! and `exp`/`nbf` checked against the caller's clock so tests can move time.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::keys::KeySet;

/// Clock skew tolerated between instances, in seconds, for both `exp` and `nbf`.
pub const LEEWAY_SECS: i64 = 30;

/// The only algorithm we sign with, and so the only one we accept.
const ALGORITHM: Algorithm = Algorithm::HS256;
const ALGORITHM_NAME: &str = "HS256";

/// Why a token was not accepted. Clients get a bare 401 either way; the detail is for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Genuine, but past its `exp` (beyond the leeway). HTTP 401; the client should refresh.
    #[error("the token has expired")]
    Expired,
    /// Not acceptable, for the reason given. HTTP 401, without saying which check failed.
    #[error("the token is invalid: {0}")]
    Invalid(Rejection),
    /// We could not sign a token (a lifetime too long to represent, or a signing failure).
    /// HTTP 500; it is our fault, never the client's.
    #[error("could not issue a token: {0}")]
    Issue(String),
}

/// Which check an invalid token failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not three base64url parts, or a header or payload that is not JSON.
    #[error("malformed")]
    Malformed,
    /// `alg` is anything but HS256 (`none`, HS512, RS256 ...).
    #[error("algorithm not allowed")]
    Algorithm,
    /// No `kid` header.
    #[error("no key id")]
    MissingKid,
    /// A `kid` naming no key we hold (a retired key, or a forged id).
    #[error("unknown key id")]
    UnknownKid,
    /// The signature does not match the key the `kid` names.
    #[error("bad signature")]
    Signature,
    /// `iss` is not this deployment.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` is another kind of token (a purpose token shown as an access token, or the reverse).
    #[error("wrong audience")]
    Audience,
    /// `nbf` is in the future (beyond the leeway).
    #[error("not yet valid")]
    NotYetValid,
    /// A required claim is missing or has the wrong shape (an unknown role, say).
    #[error("bad claims")]
    Claims,
}

impl From<Rejection> for TokenError {
    fn from(reason: Rejection) -> Self {
        TokenError::Invalid(reason)
    }
}

/// The header fields we look at before trusting anything.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct TimeClaims {
    nbf: i64,
    exp: i64,
}

/// `now + ttl`, as a JWT `exp`.
pub(crate) fn expiry(now: i64, ttl: Duration) -> Result<i64, TokenError> {
    i64::try_from(ttl.as_secs())
        .ok()
        .and_then(|secs| now.checked_add(secs))
        .ok_or_else(|| TokenError::Issue(format!("a lifetime of {ttl:?} cannot be represented")))
}

/// Signs `claims` with the current key, naming it in the `kid` header.
pub(crate) fn sign<T: Serialize>(keys: &KeySet, claims: &T) -> Result<String, TokenError> {
    let key = keys.current();
    let mut header = Header::new(ALGORITHM);
    header.kid = Some(key.kid().to_owned());
    jsonwebtoken::encode(&header, claims, &key.encoding_key())
        .map_err(|e| TokenError::Issue(e.to_string()))
}

/// Verifies `token` fully and returns its claims as `T`.
///
/// Order matters: the algorithm and key are settled before the signature, the signature before
/// any claim is believed, and time last, so `Expired` is only ever said of a genuine token.
pub(crate) fn verify<T: DeserializeOwned>(
    keys: &KeySet,
    token: &str,
    issuer: &str,
    audience: &str,
    now: i64,
) -> Result<T, TokenError> {
    let header = read_header(token)?;
    // Pinned here rather than trusting the library's list alone: `alg` decides how the
    // signature is checked, so nothing but HS256 gets further.
    if header.alg != ALGORITHM_NAME {
        return Err(Rejection::Algorithm.into());
    }
    let kid = header.kid.ok_or(Rejection::MissingKid)?;
    let key = keys.find(&kid).ok_or(Rejection::UnknownKid)?;

    let mut validation = Validation::new(ALGORITHM);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    // The library reads the wall clock; we check time below against `now` instead.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;

    let data = jsonwebtoken::decode::<serde_json::Value>(token, &key.decoding_key(), &validation)
        .map_err(|e| reject(e.kind()))?;

    let times = TimeClaims::deserialize(&data.claims).map_err(|_| Rejection::Claims)?;
    if now >= times.exp.saturating_add(LEEWAY_SECS) {
        return Err(TokenError::Expired);
    }
    if times.nbf > now.saturating_add(LEEWAY_SECS) {
        return Err(Rejection::NotYetValid.into());
    }
    serde_json::from_value(data.claims).map_err(|_| Rejection::Claims.into())
}

fn read_header(token: &str) -> Result<RawHeader, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::Malformed.into());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| Rejection::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed.into())
}

fn reject(kind: &ErrorKind) -> TokenError {
    let reason = match kind {
        ErrorKind::InvalidSignature => Rejection::Signature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName => Rejection::Algorithm,
        ErrorKind::InvalidIssuer => Rejection::Issuer,
        ErrorKind::InvalidAudience => Rejection::Audience,
        ErrorKind::MissingRequiredClaim(_)
        | ErrorKind::InvalidClaimFormat(_)
        | ErrorKind::InvalidSubject => Rejection::Claims,
        // Time checks are switched off in the library; kept so a future default cannot slip by.
        ErrorKind::ExpiredSignature => return TokenError::Expired,
        ErrorKind::ImmatureSignature => Rejection::NotYetValid,
        _ => Rejection::Malformed,
    };
    TokenError::Invalid(reason)
}

/// Hand-built tokens for the tests of access and purpose tokens.
#[cfg(test)]
pub(crate) mod forge {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey};
    use serde_json::Value;

    pub(crate) fn b64_json(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    pub(crate) fn decode_part(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    /// Signs whatever header and claims it is given, with `secret` under `alg`.
    pub(crate) fn sign(header: &Value, claims: &Value, secret: &[u8], alg: Algorithm) -> String {
        let message = format!("{}.{}", b64_json(header), b64_json(claims));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &EncodingKey::from_secret(secret), alg)
                .unwrap();
        format!("{message}.{signature}")
    }

    /// The token's three parts, with the payload decoded.
    pub(crate) fn split(token: &str) -> (String, Value, String) {
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        (
            parts[0].to_owned(),
            decode_part(parts[1]),
            parts[2].to_owned(),
        )
    }
}
