//! Accounts through the real server and a real SMTP server: registration, verification by the
//! mailed link, login, rotating refresh tokens, logout, password reset, limits, and forged tokens.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_tests::{PASSWORD, TestApp, token_in};
use serde_json::{Value, json};

const CODE_A: &str = "91500112MA0000000R";
const CODE_B: &str = "91500112MA0000001W";
const CODE_C: &str = "91500112MA00000020";

#[tokio::test]
async fn a_supplier_registers_verifies_by_the_mailed_link_and_logs_in() {
    let app = TestApp::spawn().await;
    let body = app
        .register("Li.Na@Supplier.example.cn", "supplier", CODE_A)
        .await;
    assert_eq!(body["user"]["email"], "li.na@supplier.example.cn");
    assert_eq!(body["user"]["email_verified"], false);
    assert_eq!(body["organization"]["kind"], "supplier");
    assert_eq!(body["organization"]["verified"], false);

    let mails = app.deliver_mail().await;
    assert_eq!(mails.len(), 1, "exactly one verification mail");
    let mail = &mails[0];
    assert_eq!(mail.to, vec!["li.na@supplier.example.cn".to_owned()]);
    assert!(
        mail.subject().unwrap().contains("验证"),
        "{:?}",
        mail.subject()
    );
    assert!(
        mail.header("List-Unsubscribe").is_none(),
        "security mail has no unsubscribe"
    );
    let token = token_in(&mail.body_text(), "/verify-email?token=").expect("link");
    assert!(mail.body_text().contains(&app.settings.server.public_url));

    // Unverified users can log in but not post (the policy says why).
    let session = app.login("li.na@supplier.example.cn", PASSWORD).await;
    let me: Value = app
        .get_as("/api/v1/me", &session.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email_verified"], false);
    assert_eq!(me["role"], "supplier");

    assert_eq!(
        app.post(
            "/api/v1/auth/verify-email",
            &json!({"token": token}),
            None,
            None
        )
        .await
        .status(),
        204
    );
    let again = app
        .post(
            "/api/v1/auth/verify-email",
            &json!({"token": token}),
            None,
            Some("en"),
        )
        .await;
    assert_eq!(again.status(), 422, "single use");
    let problem: Value = again.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "token");

    let me: Value = app
        .get_as("/api/v1/me", &session.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email_verified"], true);
}

#[tokio::test]
async fn the_verification_page_works_from_a_browser_link() {
    let app = TestApp::spawn().await;
    app.register("wang@oem.example.cn", "oem", CODE_A).await;
    let mail = app.deliver_mail().await.pop().unwrap();
    let token = token_in(&mail.body_text(), "/verify-email?token=").unwrap();
    let page = app
        .get(&format!("/verify-email?token={token}"), Some("en"))
        .await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Email verified"));
    let page = app.get(&format!("/verify-email?token={token}"), None).await;
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("链接无效或已过期"));
}

#[tokio::test]
async fn every_bad_registration_field_is_named_in_both_languages_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let bad = json!({
        "email": "not-an-email",
        "password": "short",
        "display_name": "",
        "role": "staff",
        "organization": {"name": "X", "credit_code": "91500112MA0000000A", "region_code": "510000"}
    });
    let res = app.post("/api/v1/auth/register", &bad, None, None).await;
    assert_eq!(res.status(), 422);
    let zh: Value = res.json().await.unwrap();
    let fields: Vec<&str> = zh["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "email",
        "display_name",
        "role",
        "organization.name",
        "organization.credit_code",
        "organization.region_code",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let en: Value = app
        .post("/api/v1/auth/register", &bad, None, Some("en"))
        .await
        .json()
        .await
        .unwrap();
    let credit = en["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "organization.credit_code")
        .unwrap();
    assert_eq!(credit["code"], "credit_code.check_digit");
    assert!(credit["message"].as_str().unwrap().is_ascii());

    // A common password and one containing the email are refused too.
    let mut weak = json!({"email": "zhao.lei@x.example.cn", "password": "1234567890", "display_name": "赵磊", "role": "oem",
        "organization": {"name": "某整车企业", "credit_code": CODE_B, "region_code": "500112"}});
    let p: Value = app
        .post("/api/v1/auth/register", &weak, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["errors"][0]["code"], "password.common");
    weak["password"] = json!("my zhao.lei password");
    let p: Value = app
        .post("/api/v1/auth/register", &weak, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["errors"][0]["code"], "password.contains_email");

    assert!(
        app.deliver_mail().await.is_empty(),
        "no mail for refused registrations"
    );
    let res = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "zhao.lei@x.example.cn", "password": "my zhao.lei password"}),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_taken_email_or_company_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.register("first@a.example.cn", "supplier", CODE_A).await;
    let dup_email = json!({"email": "FIRST@a.example.cn", "password": PASSWORD, "display_name": "x", "role": "supplier",
        "organization": {"name": "另一家企业", "credit_code": CODE_B, "region_code": "500112"}});
    assert_eq!(
        app.post("/api/v1/auth/register", &dup_email, None, None)
            .await
            .status(),
        409
    );
    let dup_company = json!({"email": "second@a.example.cn", "password": PASSWORD, "display_name": "x", "role": "supplier",
        "organization": {"name": "同一家企业", "credit_code": CODE_A, "region_code": "500112"}});
    let res = app
        .post("/api/v1/auth/register", &dup_company, None, Some("en"))
        .await;
    assert_eq!(res.status(), 409);
    let p: Value = res.json().await.unwrap();
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("ask its administrator for an invitation"),
        "{p}"
    );
    let zh: Value = app
        .post("/api/v1/auth/register", &dup_company, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert!(zh["detail"].as_str().unwrap().contains("邀请"), "{zh}");
}

#[tokio::test]
async fn ten_failed_logins_lock_the_account_for_a_while_and_success_forgives() {
    let app = TestApp::spawn().await;
    app.register("lock@a.example.cn", "supplier", CODE_A).await;
    app.deliver_mail().await;
    app.mail.clear();
    let wrong = json!({"email": "lock@a.example.cn", "password": "wrong password!"});
    for _ in 0..9 {
        assert_eq!(
            app.post("/api/v1/auth/login", &wrong, None, None)
                .await
                .status(),
            401
        );
    }
    // A success before the tenth failure resets the count.
    app.login("lock@a.example.cn", PASSWORD).await;
    for _ in 0..10 {
        assert_eq!(
            app.post("/api/v1/auth/login", &wrong, None, None)
                .await
                .status(),
            401
        );
    }
    let res = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "lock@a.example.cn", "password": PASSWORD}),
            None,
            Some("en"),
        )
        .await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["title"], "Too many requests");
    // ASVS 6.3.5: the owner hears of it once, when the lock falls (nine failures said nothing).
    let mails = app.deliver_mail().await;
    assert_eq!(
        mails.len(),
        1,
        "{:?}",
        mails
            .iter()
            .map(peitao_tests::mail::ReceivedMail::subject)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        mails[0].subject().as_deref(),
        Some("【配套】密码错误次数过多，您的账号登录已暂停")
    );
    assert!(mails[0].to.iter().any(|t| t.contains("lock@a.example.cn")));
    assert!(mails[0].body_text().contains("/forgot-password"));
    // Unknown accounts answer like wrong passwords.
    assert_eq!(
        app.post(
            "/api/v1/auth/login",
            &json!({"email": "nobody@a.example.cn", "password": PASSWORD}),
            None,
            None
        )
        .await
        .status(),
        401
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let s = app.verified_user("rot@a.example.cn", "oem", CODE_A).await;
    let res = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": s.refresh_token}),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let next: Value = res.json().await.unwrap();
    let next_refresh = next["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(next_refresh, s.refresh_token);
    assert_eq!(next["token_type"], "Bearer");
    assert_eq!(next["expires_in"], 900);

    // The spent token again: refused, and its successor dies with it.
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": s.refresh_token}),
            None,
            None
        )
        .await
        .status(),
        401
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": next_refresh}),
            None,
            None
        )
        .await
        .status(),
        401
    );

    // Logout ends a fresh session's refresh token.
    let s2 = app.login("rot@a.example.cn", PASSWORD).await;
    assert_eq!(
        app.post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": s2.refresh_token}),
            None,
            None
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": s2.refresh_token}),
            None,
            None
        )
        .await
        .status(),
        401
    );
}

#[tokio::test]
async fn password_reset_is_single_use_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let s = app
        .verified_user("reset@a.example.cn", "supplier", CODE_A)
        .await;
    app.mail.clear();
    // Unknown emails get the same answer and no mail.
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset",
            &json!({"email": "ghost@a.example.cn"}),
            None,
            None
        )
        .await
        .status(),
        202
    );
    assert!(app.deliver_mail().await.is_empty());

    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset",
            &json!({"email": "reset@a.example.cn"}),
            None,
            None
        )
        .await
        .status(),
        202
    );
    let mail = app.deliver_mail().await.pop().expect("reset mail");
    let token = token_in(&mail.body_text(), "/reset-password?token=").unwrap();

    // A refused password changes nothing, so the link still works for a better one.
    let weak = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": "password1"}),
            None,
            None,
        )
        .await;
    assert_eq!(weak.status(), 422);
    let p: Value = weak.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "new_password");
    let fresh = "another sturdy passphrase";
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": fresh}),
            None,
            None
        )
        .await
        .status(),
        204
    );
    let reuse = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": fresh}),
            None,
            None,
        )
        .await;
    assert_eq!(reuse.status(), 422, "single use");

    // Every session ended, the access token in hand included; only the new password works.
    assert_eq!(
        app.get_as("/api/v1/me", &s.access_token).await.status(),
        401
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": s.refresh_token}),
            None,
            None
        )
        .await
        .status(),
        401
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/login",
            &json!({"email": "reset@a.example.cn", "password": PASSWORD}),
            None,
            None
        )
        .await
        .status(),
        401
    );
    app.login("reset@a.example.cn", fresh).await;
    // The owner is told, with a way back in should the reset not have been theirs.
    let told = app.deliver_mail().await;
    let changed = told
        .iter()
        .find(|m| m.subject().as_deref() == Some("【配套】您的密码已更改"))
        .expect("a password-changed mail");
    assert!(changed.to.iter().any(|t| t.contains("reset@a.example.cn")));
    assert!(changed.body_text().contains("/forgot-password"));
}

#[tokio::test]
async fn forged_and_stale_tokens_are_refused() {
    use peitao_auth::access::{self, Subject};
    use peitao_auth::keys::KeySet;
    let app = TestApp::spawn().await;
    let s = app
        .verified_user("forge@a.example.cn", "supplier", CODE_A)
        .await;
    assert_eq!(
        app.get_as("/api/v1/me", &s.access_token).await.status(),
        200
    );

    let me: Value = app
        .get_as("/api/v1/me", &s.access_token)
        .await
        .json()
        .await
        .unwrap();
    let subject = Subject {
        user_id: peitao_domain::ids::UserId(me["id"].as_str().unwrap().parse().unwrap()),
        role: peitao_domain::user::Role::Staff,
        organization_id: None,
        session_id: uuid::Uuid::now_v7(),
    };
    let now = chrono::Utc::now().timestamp();
    let issuer = &app.settings.auth.issuer;
    let ttl = std::time::Duration::from_secs(900);
    let other_key = KeySet::new("an entirely different secret of enough length", &[]).unwrap();
    let forged_key = access::issue(&other_key, issuer, &subject, ttl, now).unwrap();
    let expired = access::issue(&app.state().keys, issuer, &subject, ttl, now - 3600).unwrap();
    let wrong_issuer =
        access::issue(&app.state().keys, "someone-else", &subject, ttl, now).unwrap();
    let mut tampered = s.access_token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let header_none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
    let payload = s.access_token.split('.').nth(1).unwrap();
    let alg_none = format!("{header_none}.{payload}.");
    for (what, token) in [
        ("other key", forged_key.as_str()),
        ("expired", &expired),
        ("wrong issuer", &wrong_issuer),
        ("tampered", &tampered),
        ("alg none", &alg_none),
        ("garbage", "x.y.z"),
    ] {
        let res = app.get_as("/api/v1/me", token).await;
        assert_eq!(res.status(), 401, "{what}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(app.get("/api/v1/me", None).await.status(), 401);

    // A deleted user's still-valid token is refused.
    use peitao_persistence::entities::user;
    use peitao_persistence::sea_orm::EntityTrait;
    user::Entity::delete_by_id(subject.user_id.0)
        .exec(app.db().conn())
        .await
        .unwrap();
    // Changed outside this process (straight in the database, as another instance would):
    // authentication's account cache holds what it read for at most a second.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(
        app.get_as("/api/v1/me", &s.access_token).await.status(),
        401
    );
}

#[tokio::test]
async fn my_account_settings_change_and_bad_values_are_named() {
    let app = TestApp::spawn().await;
    let s = app.verified_user("prefs@a.example.cn", "oem", CODE_C).await;
    let res = app
        .client
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&s.access_token)
        .json(&json!({"locale": "en", "email_frequency": "daily", "display_name": "Zhang Wei"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(
        (
            me["locale"].as_str(),
            me["email_frequency"].as_str(),
            me["display_name"].as_str()
        ),
        (Some("en"), Some("daily"), Some("Zhang Wei"))
    );

    let res = app
        .client
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&s.access_token)
        .header("Accept-Language", "en")
        .json(&json!({"locale": "fr", "email_frequency": "hourly"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["locale", "email_frequency"]);
    let me: Value = app
        .get_as("/api/v1/me", &s.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["email_frequency"], "daily",
        "a refused change changes nothing"
    );

    // Every change is in the audit log (read directly; the staff endpoint has its own test).
    let log = peitao_persistence::audit::list(app.db(), &Default::default(), 50)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "user.register",
        "user.verify_email",
        "user.login",
        "user.update",
    ] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
}

async fn staff_token(app: &TestApp, email: &str, role: peitao_domain::user::Role) -> String {
    app.staff_session(email, role).await.access_token
}

#[tokio::test]
async fn staff_deactivate_an_account_and_its_tokens_stop_at_once() {
    use peitao_domain::user::Role;
    let app = TestApp::spawn().await;
    let s = app
        .verified_user("bad.actor@a.example.cn", "supplier", CODE_A)
        .await;
    let me: Value = app
        .get_as("/api/v1/me", &s.access_token)
        .await
        .json()
        .await
        .unwrap();
    let id = me["id"].as_str().unwrap();
    let staff = staff_token(&app, "desk@assoc.example.cn", Role::Staff).await;
    let admin = staff_token(&app, "root@assoc.example.cn", Role::Admin).await;

    // A supplier may not; staff may.
    assert_eq!(
        app.post(
            &format!("/api/v1/users/{id}/deactivate"),
            &json!({}),
            Some(&s.access_token),
            None
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/users/{id}/deactivate"),
            &json!({}),
            Some(&staff),
            None
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.get_as("/api/v1/me", &s.access_token).await.status(),
        401,
        "the access token stops at once"
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": s.refresh_token}),
            None,
            None
        )
        .await
        .status(),
        401
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/login",
            &json!({"email": "bad.actor@a.example.cn", "password": PASSWORD}),
            None,
            None
        )
        .await
        .status(),
        401
    );

    // Staff may not lock out an administrator; an administrator may deactivate staff.
    let admin_id: Value = app.get_as("/api/v1/me", &admin).await.json().await.unwrap();
    let staff_id: Value = app.get_as("/api/v1/me", &staff).await.json().await.unwrap();
    assert_eq!(
        app.post(
            &format!(
                "/api/v1/users/{}/deactivate",
                admin_id["id"].as_str().unwrap()
            ),
            &json!({}),
            Some(&staff),
            None
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.post(
            &format!(
                "/api/v1/users/{}/deactivate",
                staff_id["id"].as_str().unwrap()
            ),
            &json!({}),
            Some(&admin),
            None
        )
        .await
        .status(),
        204
    );
    let log: Value = app
        .get_as("/api/v1/audit?entity=user", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "user.deactivate")
    );
}

#[tokio::test]
async fn an_admin_creates_staff_who_set_their_password_from_the_mail() {
    use peitao_domain::user::Role;
    let app = TestApp::spawn().await;
    let admin = staff_token(&app, "root@assoc.example.cn", Role::Admin).await;
    let staff = staff_token(&app, "desk@assoc.example.cn", Role::Staff).await;
    let body = json!({"email": "new.desk@assoc.example.cn", "display_name": "李娜"});
    assert_eq!(
        app.post("/api/v1/staff", &body, Some(&staff), None)
            .await
            .status(),
        403,
        "only admins create staff"
    );
    let res = app.post("/api/v1/staff", &body, Some(&admin), None).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["role"], "staff");
    assert_eq!(
        app.post("/api/v1/staff", &body, Some(&admin), None)
            .await
            .status(),
        409
    );
    let mail = app
        .deliver_mail()
        .await
        .pop()
        .expect("a mail to set the password");
    assert_eq!(mail.to, vec!["new.desk@assoc.example.cn".to_owned()]);
    let token = token_in(&mail.body_text(), "/reset-password?token=").unwrap();
    let chosen = "a staff passphrase of 2026";
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": chosen}),
            None,
            None
        )
        .await
        .status(),
        204
    );
    let s = app.login("new.desk@assoc.example.cn", chosen).await;
    assert_eq!(
        app.get_as("/api/v1/audit", &s.access_token).await.status(),
        200
    );
}

#[tokio::test]
async fn expired_links_and_tokens_meant_for_other_purposes_are_refused() {
    use peitao_persistence::entities::one_time_token;
    use peitao_persistence::sea_orm::{EntityTrait, sea_query::Expr};
    let app = TestApp::spawn().await;
    app.register("late@a.example.cn", "supplier", CODE_A).await;
    let mail = app.deliver_mail().await.pop().unwrap();
    let token = token_in(&mail.body_text(), "/verify-email?token=").unwrap();
    // A day and a bit later.
    one_time_token::Entity::update_many()
        .col_expr(
            one_time_token::Column::ExpiresAtMs,
            Expr::value(chrono::Utc::now().timestamp_millis() - 1),
        )
        .exec(app.db().conn())
        .await
        .unwrap();
    assert_eq!(
        app.post(
            "/api/v1/auth/verify-email",
            &json!({"token": token}),
            None,
            None
        )
        .await
        .status(),
        422
    );
    // The resend endpoint mails a fresh link that works.
    assert_eq!(
        app.post(
            "/api/v1/auth/verify-email/resend",
            &json!({"email": "late@a.example.cn"}),
            None,
            None
        )
        .await
        .status(),
        202
    );
    let mail = app.deliver_mail().await.pop().unwrap();
    let fresh = token_in(&mail.body_text(), "/verify-email?token=").unwrap();
    assert_ne!(fresh, token);
    assert_eq!(
        app.post(
            "/api/v1/auth/verify-email",
            &json!({"token": fresh}),
            None,
            None
        )
        .await
        .status(),
        204
    );

    // An unsubscribe token (another audience) is not an access token.
    let me = app.login("late@a.example.cn", PASSWORD).await;
    let user: Value = app
        .get_as("/api/v1/me", &me.access_token)
        .await
        .json()
        .await
        .unwrap();
    let unsubscribe = peitao_auth::purpose::issue_purpose(
        &app.state().keys,
        &app.settings.auth.issuer,
        peitao_auth::purpose::Purpose::Unsubscribe,
        user["id"].as_str().unwrap(),
        std::time::Duration::from_secs(3600),
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    assert_eq!(
        app.get_as("/api/v1/me", &unsubscribe).await.status(),
        401,
        "wrong audience"
    );
    // A refresh token is not an access token either.
    assert_eq!(
        app.get_as("/api/v1/me", &me.refresh_token).await.status(),
        401
    );
}

#[tokio::test]
async fn an_owner_invites_a_colleague_who_joins_and_can_be_removed() {
    let app = TestApp::spawn().await;
    let owner = app.verified_user("owner@a.example.cn", "oem", CODE_A).await;
    let me: Value = app
        .get_as("/api/v1/me", &owner.access_token)
        .await
        .json()
        .await
        .unwrap();
    let org = me["organization_id"].as_str().unwrap().to_owned();
    let outsider = app
        .verified_user("outsider@b.example.cn", "supplier", CODE_B)
        .await;

    let invite = json!({"email": "colleague@a.example.cn"});
    let path = format!("/api/v1/organizations/{org}/invitations");
    assert_eq!(
        app.post(&path, &invite, Some(&outsider.access_token), None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post(&path, &invite, Some(&owner.access_token), None)
            .await
            .status(),
        202
    );
    let mail = app.deliver_mail().await.pop().unwrap();
    assert_eq!(mail.to, vec!["colleague@a.example.cn".to_owned()]);
    let token = token_in(&mail.body_text(), "/invitations/accept?token=").unwrap();

    let weak = json!({"token": token, "display_name": "同事", "password": "123456789a"});
    assert_eq!(
        app.post("/api/v1/invitations/accept", &weak, None, None)
            .await
            .status(),
        422
    );
    let res = app
        .post(
            "/api/v1/invitations/accept",
            &json!({"token": token, "display_name": "同事", "password": PASSWORD}),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
    let joined: Value = res.json().await.unwrap();
    assert_eq!(joined["organization_id"].as_str(), Some(org.as_str()));
    assert_eq!(joined["role"], "oem");
    assert_eq!(joined["email_verified"], true);
    assert_eq!(
        app.post(
            "/api/v1/invitations/accept",
            &json!({"token": token, "display_name": "x", "password": PASSWORD}),
            None,
            None
        )
        .await
        .status(),
        422,
        "single use"
    );

    let colleague = app.login("colleague@a.example.cn", PASSWORD).await;
    let members: Value = app
        .get_as(
            &format!("/api/v1/organizations/{org}/members"),
            &colleague.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = members["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["org_role"], "owner");
    assert_eq!(
        app.get_as(
            &format!("/api/v1/organizations/{org}/members"),
            &outsider.access_token
        )
        .await
        .status(),
        404
    );
    // A member is not the owner: no inviting, no removing.
    assert_eq!(
        app.post(
            &path,
            &json!({"email": "third@a.example.cn"}),
            Some(&colleague.access_token),
            None
        )
        .await
        .status(),
        403
    );

    let colleague_id = joined["id"].as_str().unwrap();
    let remove = app
        .client
        .delete(app.url(&format!(
            "/api/v1/organizations/{org}/members/{colleague_id}"
        )))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(remove.status(), 204);
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": colleague.refresh_token}),
            None,
            None
        )
        .await
        .status(),
        401
    );
    let members: Value = app
        .get_as(
            &format!("/api/v1/organizations/{org}/members"),
            &owner.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
    // The owner cannot be removed this way.
    let owner_id = me["id"].as_str().unwrap();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/organizations/{org}/members/{owner_id}")))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn registering_one_address_over_and_over_is_limited() {
    let app = TestApp::spawn().await;
    let body = json!({"email": "again@a.example.cn", "password": PASSWORD, "display_name": "x", "role": "supplier",
        "organization": {"name": "反复注册", "credit_code": CODE_A, "region_code": "500112"}});
    assert_eq!(
        app.post("/api/v1/auth/register", &body, None, None)
            .await
            .status(),
        201
    );
    for _ in 0..4 {
        assert_eq!(
            app.post("/api/v1/auth/register", &body, None, None)
                .await
                .status(),
            409
        );
    }
    let res = app.post("/api/v1/auth/register", &body, None, None).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}

/// ASVS 6.2.2, 6.2.3, 7.4.3, 6.3.7: a password is changed with the current one; every other
/// session ends (its access tokens too), this one goes on, and the owner is told by mail.
#[tokio::test]
async fn changing_the_password_needs_the_current_one_ends_other_sessions_and_tells_the_owner() {
    let app = TestApp::spawn().await;
    let email = "change@a.example.cn";
    let here = app.verified_user(email, "supplier", CODE_A).await;
    let elsewhere = app.login(email, PASSWORD).await;
    app.mail.clear();
    let fresh = "a brand new passphrase 2027";

    // A wrong current password is named, in either language, and changes nothing.
    for (lang, text) in [
        ("zh-CN", "当前密码不正确"),
        ("en", "current password is not correct"),
    ] {
        let res = app
            .post(
                "/api/v1/me/password",
                &json!({"current_password": "not my password", "new_password": fresh}),
                Some(&here.access_token),
                Some(lang),
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "current_password", "{p}");
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(text),
            "{p}"
        );
    }
    // Without any current password, likewise.
    let (status, p) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/me/password",
            Some(&here.access_token),
            Some(&json!({"new_password": fresh})),
        )
        .await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (422, Some("current_password"))
    );
    // A new password that breaks the rules is named too.
    let (status, p) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/me/password",
            Some(&here.access_token),
            Some(&json!({"current_password": PASSWORD, "new_password": "password123"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "new_password");
    assert_eq!(p["errors"][0]["code"], "password.common");
    assert_eq!(
        app.get_as("/api/v1/me", &elsewhere.access_token)
            .await
            .status(),
        200,
        "nothing changed yet"
    );
    // Not without logging in.
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/me/password",
            None,
            Some(&json!({"current_password": PASSWORD, "new_password": fresh})),
        )
        .await;
    assert_eq!(status, 401);

    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/me/password",
            Some(&here.access_token),
            Some(&json!({"current_password": PASSWORD, "new_password": fresh})),
        )
        .await;
    assert_eq!(status, 204);

    // The other session is over at once: its access token and its refresh token.
    assert_eq!(
        app.get_as("/api/v1/me", &elsewhere.access_token)
            .await
            .status(),
        401
    );
    let app = &app;
    let refresh = |token: &str| {
        let body = json!({"refresh_token": token});
        async move {
            app.post("/api/v1/auth/refresh", &body, None, None)
                .await
                .status()
        }
    };
    assert_eq!(refresh(&elsewhere.refresh_token).await, 401);
    // This one goes on.
    assert_eq!(
        app.get_as("/api/v1/me", &here.access_token).await.status(),
        200
    );
    assert_eq!(refresh(&here.refresh_token).await, 200);
    // Only the new password logs in.
    let old = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": PASSWORD}),
            None,
            None,
        )
        .await;
    assert_eq!(old.status(), 401);
    app.login(email, fresh).await;

    // The owner is told, in their language, with the way to take the account back.
    let mails = app.deliver_mail().await;
    let told: Vec<_> = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(email)))
        .collect();
    assert_eq!(told.len(), 1, "one mail for one change");
    assert_eq!(told[0].subject().as_deref(), Some("【配套】您的密码已更改"));
    assert!(told[0].body_text().contains("/forgot-password"));
    assert!(
        told[0].header("List-Unsubscribe").is_none(),
        "security mail"
    );

    // The address, which recovery relies on, cannot be changed from a session at all (7.5.1).
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(&here.access_token),
            Some(&json!({"email": "thief@evil.example"})),
        )
        .await;
    assert!((400..500).contains(&status), "{status}");
    let me: Value = app
        .get_as("/api/v1/me", &here.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], email);

    // The change is in the audit log.
    let staff = staff_token(
        app,
        "auditor@assoc.example.cn",
        peitao_domain::user::Role::Staff,
    )
    .await;
    let log: Value = app
        .get_as("/api/v1/audit?entity=user", &staff)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "user.password_change"),
        "{log}"
    );
}

/// ASVS 6.3.1, 6.3.4: guessing the current password on the change form counts as failed logins,
/// so it cannot get past the login lock, and the lock holds there too.
#[tokio::test]
async fn guessing_the_current_password_counts_against_the_login_lock() {
    let app = TestApp::spawn().await;
    let email = "guess@a.example.cn";
    let s = app.verified_user(email, "supplier", CODE_A).await;
    let max = app.settings.auth.login_max_failures;
    for i in 0..max {
        let (status, _) = app
            .call(
                reqwest::Method::POST,
                "/api/v1/me/password",
                Some(&s.access_token),
                Some(&json!({"current_password": format!("guess number {i}"), "new_password": "a brand new passphrase"})),
            )
            .await;
        assert_eq!(status, 422, "guess {i}");
    }
    // Locked: even the right password now waits, on the form and at login.
    let res = app
        .post(
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
            Some(&s.access_token),
            None,
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let res = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": PASSWORD}),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 429);
}

/// ASVS 7.4.1, 7.3.2 (and 10.4.8): logging out ends the login's access tokens at once, not when
/// they expire; other logins are untouched; rotating a refresh token never extends its login.
#[tokio::test]
async fn logout_ends_the_access_token_at_once_and_refreshing_never_extends_a_login() {
    use peitao_persistence::entities::refresh_token;
    use peitao_persistence::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let email = "logout@a.example.cn";
    let first = app.verified_user(email, "supplier", CODE_A).await;
    let other = app.login(email, PASSWORD).await;

    // Rotate twice: each successor expires exactly when the login's first token did.
    let mut current = first.clone();
    for _ in 0..2 {
        let res = app
            .post(
                "/api/v1/auth/refresh",
                &json!({"refresh_token": current.refresh_token}),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        current.access_token = body["access_token"].as_str().unwrap().to_owned();
        current.refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let hash = peitao_auth::opaque::hash_opaque(&current.refresh_token);
    let latest = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let family = refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(latest.family_id))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(family.len(), 3);
    assert!(
        family
            .iter()
            .all(|t| t.expires_at_ms == latest.expires_at_ms),
        "a sliding expiry: {family:?}"
    );
    let days = app.settings.auth.refresh_token_days;
    let first_created = family.iter().map(|t| t.created_at).min().unwrap();
    assert!(
        latest.expires_at_ms <= first_created.timestamp_millis() + i64::from(days) * 86_400_000
    );

    // Both access tokens of the login (the first, the latest) work until logout, and stop with it.
    assert_eq!(
        app.get_as("/api/v1/me", &current.access_token)
            .await
            .status(),
        200
    );
    let res = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": current.refresh_token}),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    for token in [&current.access_token, &first.access_token] {
        let res = app.get_as("/api/v1/me", token).await;
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    // The other login goes on.
    assert_eq!(
        app.get_as("/api/v1/me", &other.access_token).await.status(),
        200
    );
}
