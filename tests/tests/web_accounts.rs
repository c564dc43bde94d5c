//! The account pages through the real server, the way a browser without script uses them:
//! forms with CSRF tokens scraped from the page, cookies kept by hand, redirects followed one at
//! a time, mail read from the real SMTP server.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::Email;
use peitao_persistence::users;
use peitao_tests::visitor::Visitor;
use peitao_tests::{PASSWORD, TestApp, token_in};

const CODE_A: &str = "91500112MA0000000R";
const CODE_B: &str = "91500112MA0000001W";

async fn account(app: &TestApp, email: &str) -> Option<peitao_persistence::entities::user::Model> {
    users::find_by_email(app.db().conn(), &Email::parse(email).unwrap())
        .await
        .unwrap()
}

fn registration<'a>(
    token: &'a str,
    email: &'a str,
    credit_code: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("csrf_token", token),
        ("email", email),
        ("password", PASSWORD),
        ("display_name", "李娜"),
        ("role", "supplier"),
        ("organization_name", "重庆渝北精密铸造有限公司"),
        ("credit_code", credit_code),
        ("region_code", "500112"),
    ]
}

#[tokio::test]
async fn a_supplier_registers_verifies_logs_in_switches_to_english_and_logs_out() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app, "zh-CN,zh;q=0.9");
    let email = "li.na@supplier.example.cn";

    let form = v.get("/register").await;
    assert_eq!(form.status, 200);
    form.assert_clean();
    assert!(
        form.has("注册企业账号")
            && form.has("统一社会信用代码")
            && form.has("6 位数字，例如 500112")
    );
    assert!(
        form.has(r#"href="/login">登录</a>"#),
        "the header offers to log in"
    );
    let token = form.csrf();
    v.post("/register", &registration(&token, email, CODE_A))
        .await
        .assert_redirect("/register/done");
    let done = v.get("/register/done").await;
    assert!(
        done.has("请查收验证邮件") && done.has("验证邮件"),
        "{}",
        done.body
    );

    let mails = app.deliver_mail().await;
    let mail = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t == email))
        .expect("the verification mail");
    let link = token_in(&mail.body_text(), "/verify-email?token=").expect("a link in the mail");
    let verified = v.get(&format!("/verify-email?token={link}")).await;
    assert_eq!(verified.status, 200);
    assert!(verified.has("邮箱已验证"));

    v.log_in(email, PASSWORD).await;
    let mine = v.get("/account").await;
    assert_eq!(mine.status, 200);
    mine.assert_clean();
    assert_eq!(mine.content_language.as_deref(), Some("zh-CN"));
    for text in [
        "我的账号",
        email,
        "已验证",
        "零部件企业",
        "企业负责人",
        "重庆渝北精密铸造有限公司",
        CODE_A,
        "渝北区",
        "企业待认证",
        "退出登录",
    ] {
        assert!(mine.has(text), "{text} missing from the account page");
    }
    assert!(!mine.has("重新发送验证邮件"), "verified: no resend button");
    assert!(
        mine.has(r#"href="/account">我的账号</a>"#),
        "the header leads to the account"
    );

    let token = mine.csrf();
    let saved = v
        .post(
            "/account",
            &[
                ("csrf_token", &token),
                ("display_name", "Li Na"),
                ("locale", "en"),
                ("email_frequency", "daily"),
            ],
        )
        .await;
    saved.assert_redirect("/account?saved=1");
    let english = v.get("/account?saved=1").await;
    assert_eq!(english.content_language.as_deref(), Some("en"));
    for text in [
        r#"<html lang="en">"#,
        "My account",
        "Saved.",
        "Parts supplier",
        "Daily digest",
        "Log out",
    ] {
        assert!(
            english.has(text),
            "{text} missing from the English account page"
        );
    }
    assert!(english.has(r#"value="daily" checked"#) && english.has(r#"value="en" checked"#));
    let stored = account(&app, email).await.unwrap();
    assert_eq!(
        (
            stored.display_name.as_str(),
            stored.locale.as_str(),
            stored.email_frequency.as_str()
        ),
        ("Li Na", "en", "daily")
    );

    let old_session = v.cookies["peitao_session"].clone();
    let token = english.csrf();
    v.post("/logout", &[("csrf_token", &token)])
        .await
        .assert_redirect("/");
    assert!(
        !v.cookies.contains_key("peitao_session"),
        "the cookie is removed"
    );
    v.get("/account").await.assert_redirect("/login");

    // The old cookie, replayed, opens nothing: the session ended on the server.
    let mut replay = Visitor::new(&app, "zh-CN");
    replay
        .cookies
        .insert("peitao_session".to_owned(), old_session);
    replay.get("/account").await.assert_redirect("/login");
    replay
        .get("/account/members")
        .await
        .assert_redirect("/login");
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let email = "wang@supplier.example.cn";
    let mut v = Visitor::new(&app, "zh-CN");
    let token = v.get("/register").await.csrf();

    let mut without = registration("", email, CODE_A);
    without.remove(0);
    let refused = v.post("/register", &without).await;
    assert_eq!(refused.status, 403);
    assert!(refused.has("表单已过期或来源不明"), "{}", refused.body);
    assert_eq!(
        v.post(
            "/register",
            &registration("forged-token-forged-token-forged-token", email, CODE_A)
        )
        .await
        .status,
        403
    );
    // A token from the page is worth nothing to a visitor without the matching cookie.
    let mut stranger = Visitor::new(&app, "en");
    let refused = stranger
        .post("/register", &registration(&token, email, CODE_A))
        .await;
    assert_eq!(refused.status, 403);
    assert!(refused.has("This form has expired"));
    assert!(account(&app, email).await.is_none(), "no account was made");
    assert!(app.deliver_mail().await.is_empty(), "no mail was sent");

    app.register(email, "supplier", CODE_A).await;
    let refused = v
        .post("/login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        !v.cookies.contains_key("peitao_session"),
        "no session without the token"
    );
    v.log_in(email, PASSWORD).await;
    let real = v.get("/account").await.csrf();
    assert_eq!(
        v.post(
            "/account",
            &[("csrf_token", "nope"), ("display_name", "Mallory")]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        v.post("/account", &[("display_name", "Mallory")])
            .await
            .status,
        403
    );
    // The pre-login token no longer counts once there is a session.
    assert_eq!(
        v.post(
            "/account",
            &[("csrf_token", &token), ("display_name", "Mallory")]
        )
        .await
        .status,
        403
    );
    assert_eq!(account(&app, email).await.unwrap().display_name, "张伟");
    assert_eq!(
        v.post("/logout", &[("csrf_token", "nope")]).await.status,
        403
    );
    assert_eq!(
        v.post("/account/resend-verification", &[("csrf_token", "")])
            .await
            .status,
        403
    );
    assert_eq!(v.get("/account").await.status, 200, "still logged in");
    assert_ne!(real, "nope");
}

#[tokio::test]
async fn bad_registration_fields_are_shown_next_to_each_field_in_both_languages() {
    let app = TestApp::spawn().await;
    let bad = |token: String| {
        vec![
            ("csrf_token".to_owned(), token),
            ("email".to_owned(), "not-an-email".to_owned()),
            (
                "password".to_owned(),
                "secret-that-must-not-come-back".to_owned(),
            ),
            ("display_name".to_owned(), String::new()),
            ("organization_name".to_owned(), "X".to_owned()),
            ("credit_code".to_owned(), "91500112MA0000000A".to_owned()),
            ("region_code".to_owned(), "510000".to_owned()),
        ]
    };

    let mut zh = Visitor::new(&app, "zh-CN");
    let token = zh.get("/register").await.csrf();
    let page = zh.post_any("/register", &bad(token)).await;
    assert_eq!(page.status, 422);
    assert!(page.has("请修改下面标出的内容"));
    for field in [
        "email",
        "display_name",
        "role",
        "organization_name",
        "credit_code",
        "region_code",
    ] {
        assert!(
            page.field_error(field).is_some(),
            "no refusal next to {field}:\n{}",
            page.body
        );
    }
    assert_eq!(page.field_error("display_name").unwrap(), "请填写此项。");
    assert_eq!(page.field_error("role").unwrap(), "请选择企业类型。");
    assert!(
        page.field_error("organization_name")
            .unwrap()
            .starts_with("企业名称")
    );
    assert!(
        page.has(r#"value="not-an-email""#) && page.has(r#"value="91500112MA0000000A""#),
        "values are kept"
    );
    assert!(
        !page.has("secret-that-must-not-come-back"),
        "the password is never sent back"
    );
    assert!(page.has(r#"aria-invalid="true" aria-describedby="email-hint email-error""#));

    let mut en = Visitor::new(&app, "en");
    let token = en.get("/register").await.csrf();
    let page = en.post_any("/register", &bad(token)).await;
    assert_eq!(page.status, 422);
    assert_eq!(page.content_language.as_deref(), Some("en"));
    assert_eq!(
        page.field_error("display_name").unwrap(),
        "Please fill this in."
    );
    assert_eq!(
        page.field_error("role").unwrap(),
        "Choose the type of company."
    );
    assert!(
        page.field_error("organization_name")
            .unwrap()
            .starts_with("Company name")
    );
    assert!(page.has("Please correct the fields marked below."));
    assert!(account(&app, "not-an-email@example.cn").await.is_none());

    // A taken company is told next to its code.
    app.register("first@supplier.example.cn", "supplier", CODE_B)
        .await;
    let token = zh.get("/register").await.csrf();
    let page = zh
        .post(
            "/register",
            &registration(&token, "second@supplier.example.cn", CODE_B),
        )
        .await;
    assert_eq!(page.status, 409);
    assert!(
        page.field_error("credit_code")
            .unwrap()
            .contains("该企业已注册")
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer_until_the_limit() {
    let app = TestApp::spawn().await;
    app.register("zhao@oem.example.cn", "oem", CODE_A).await;
    let mut v = Visitor::new(&app, "zh-CN");
    let token = v.get("/login").await.csrf();
    let login = |email: &'static str, password: &'static str| {
        [
            ("csrf_token", token.clone()),
            ("email", email.to_owned()),
            ("password", password.to_owned()),
        ]
    };

    let wrong = v
        .post_any("/login", &login("zhao@oem.example.cn", "not the password"))
        .await;
    let unknown = v
        .post_any(
            "/login",
            &login("nobody@oem.example.cn", "not the password"),
        )
        .await;
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, 401);
        assert!(page.has("邮箱或密码不正确。"));
        assert!(page.has(r#"href="/forgot-password""#) && page.has(r#"href="/register""#));
    }
    assert!(
        unknown.has(r#"value="nobody@oem.example.cn""#),
        "the email is kept"
    );
    assert!(!v.cookies.contains_key("peitao_session"));

    let limit = app.settings.auth.login_max_failures;
    let mut last = wrong;
    for _ in 1..=limit {
        last = v
            .post_any("/login", &login("zhao@oem.example.cn", "not the password"))
            .await;
    }
    assert_eq!(last.status, 429, "{}", last.body);
    assert!(last.has("尝试次数过多，请等待"), "{}", last.body);
    // Even the right password waits now.
    assert_eq!(
        v.post_any("/login", &login("zhao@oem.example.cn", PASSWORD))
            .await
            .status,
        429
    );
    // ASVS 6.3.4: one lock for every way in; the API login waits as well.
    let api = app
        .post(
            "/api/v1/auth/login",
            &serde_json::json!({"email": "zhao@oem.example.cn", "password": PASSWORD}),
            None,
            None,
        )
        .await;
    assert_eq!(api.status(), 429);
    assert!(api.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_forgotten_password_gets_the_same_answer_whether_or_not_the_account_exists() {
    let app = TestApp::spawn().await;
    app.register("chen@supplier.example.cn", "supplier", CODE_A)
        .await;
    app.deliver_mail().await;
    app.mail.clear();
    let mut v = Visitor::new(&app, "en");
    for email in ["chen@supplier.example.cn", "nobody@supplier.example.cn"] {
        let token = v.get("/forgot-password").await.csrf();
        v.post(
            "/forgot-password",
            &[("csrf_token", &token), ("email", email)],
        )
        .await
        .assert_redirect("/forgot-password/sent");
        let sent = v.get("/forgot-password/sent").await;
        assert!(sent.has("If an account exists for that email, a link is on its way."));
    }
    let mails = app.deliver_mail().await;
    assert_eq!(mails.len(), 1);
    assert!(token_in(&mails[0].body_text(), "/reset-password?token=").is_some());
}

#[tokio::test]
async fn an_unverified_account_can_ask_for_the_mail_again() {
    let app = TestApp::spawn().await;
    let email = "sun@supplier.example.cn";
    app.register(email, "supplier", CODE_A).await;
    app.deliver_mail().await;
    let mut v = Visitor::new(&app, "zh-CN");
    v.log_in(email, PASSWORD).await;
    let page = v.get("/account").await;
    assert!(page.has("未验证") && page.has("重新发送验证邮件"));
    let token = page.csrf();
    v.post("/account/resend-verification", &[("csrf_token", &token)])
        .await
        .assert_redirect("/account?sent=1");
    assert!(v.get("/account?sent=1").await.has("验证邮件已发送"));
    let mails = app.deliver_mail().await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.to.iter().any(|t| t == email))
            .count(),
        2
    );
}

#[tokio::test]
async fn an_owner_invites_a_colleague_who_joins_through_the_page_and_can_be_removed() {
    let app = TestApp::spawn().await;
    let owner_email = "boss@supplier.example.cn";
    let colleague_email = "colleague@supplier.example.cn";
    app.verified_user(owner_email, "supplier", CODE_A).await;
    app.mail.clear();
    let mut owner = Visitor::new(&app, "zh-CN");
    owner.log_in(owner_email, PASSWORD).await;

    let members = owner.get("/account/members").await;
    assert_eq!(members.status, 200);
    members.assert_clean();
    assert!(
        members.has(r#"class="table-wrap""#) && members.has(owner_email) && members.has("负责人")
    );
    assert!(
        members.has(r#"action="/account/members/invite""#),
        "the owner may invite"
    );
    let token = members.csrf();
    let bad = owner
        .post(
            "/account/members/invite",
            &[("csrf_token", &token), ("email", "not-an-email")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.field_error("email").is_some());
    assert!(bad.has(r#"value="not-an-email""#));
    owner
        .post(
            "/account/members/invite",
            &[("csrf_token", &token), ("email", colleague_email)],
        )
        .await
        .assert_redirect("/account/members?invited=1");
    assert!(
        owner
            .get("/account/members?invited=1")
            .await
            .has("邀请邮件已发送")
    );

    let mails = app.deliver_mail().await;
    let mail = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t == colleague_email))
        .expect("the invitation");
    let invitation = token_in(&mail.body_text(), "/invitations/accept?token=").expect("a link");
    let mut colleague = Visitor::new(&app, "zh-CN");
    let path = format!("/invitations/accept?token={invitation}");
    let form = colleague.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.has("接受邀请"));
    let token = form.csrf();
    let short = colleague
        .post(
            "/invitations/accept",
            &[
                ("csrf_token", &token),
                ("token", &invitation),
                ("display_name", "刘洋"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(short.field_error("password").is_some(), "{}", short.body);
    assert!(short.has(r#"value="刘洋""#));
    colleague
        .post(
            "/invitations/accept",
            &[
                ("csrf_token", &token),
                ("token", &invitation),
                ("display_name", "刘洋"),
                ("password", PASSWORD),
            ],
        )
        .await
        .assert_redirect("/account");
    let mine = colleague.get("/account").await;
    assert!(mine.has(colleague_email) && mine.has("企业成员") && mine.has("已验证"));
    let theirs = colleague.get("/account/members").await;
    assert!(theirs.has(owner_email) && theirs.has(colleague_email));
    assert!(
        !theirs.has(r#"action="/account/members/invite""#) && !theirs.has("/remove"),
        "members only look"
    );
    assert!(theirs.has("只有企业负责人可以邀请或移除成员。"));
    let token = colleague.get("/account").await.csrf();
    let forged = colleague
        .post(
            "/account/members/invite",
            &[
                ("csrf_token", &token),
                ("email", "friend@supplier.example.cn"),
            ],
        )
        .await;
    assert_eq!(
        forged.status, 403,
        "a member may not invite, whatever the form says"
    );
    assert_eq!(
        colleague.get(&path).await.status,
        200,
        "the form shows, but the link is spent:"
    );
    let token = colleague.get("/account").await.csrf();
    let again = colleague
        .post(
            "/invitations/accept",
            &[
                ("csrf_token", &token),
                ("token", &invitation),
                ("display_name", "x"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 400);

    let list = owner.get("/account/members").await;
    let id = account(&app, colleague_email).await.unwrap().id;
    let action = format!("/account/members/{id}/remove");
    assert!(list.has(&action), "the owner can remove the colleague");
    let token = list.csrf();
    assert_eq!(
        owner.post(&action, &[("csrf_token", "nope")]).await.status,
        403
    );
    owner
        .post(&action, &[("csrf_token", &token)])
        .await
        .assert_redirect("/account/members?removed=1");
    let after = owner.get("/account/members?removed=1").await;
    assert!(after.has("已移除该成员") && !after.has(colleague_email));
    colleague.get("/account").await.assert_redirect("/login");
}

#[tokio::test]
async fn web_sessions_end_after_thirty_idle_minutes_or_twelve_hours() {
    use peitao_persistence::entities::web_session;
    use peitao_persistence::sea_orm::{EntityTrait, sea_query::Expr};
    let app = TestApp::spawn().await;
    app.verified_user("idle@a.example.cn", "supplier", "91500112MA00000033")
        .await;
    let now = chrono::Utc::now().timestamp_millis();
    for (what, column, ago_ms) in [
        (
            "idle 31 minutes",
            web_session::Column::LastSeenAtMs,
            31 * 60 * 1000,
        ),
        (
            "13 hours old",
            web_session::Column::CreatedAtMs,
            13 * 3600 * 1000,
        ),
    ] {
        let mut v = Visitor::new(&app, "zh-CN");
        v.log_in("idle@a.example.cn", PASSWORD).await;
        v.get("/account").await.assert_clean();
        web_session::Entity::update_many()
            .col_expr(column, Expr::value(now - ago_ms))
            .exec(app.db().conn())
            .await
            .unwrap();
        let page = v.get("/account").await;
        page.assert_redirect("/login");
        let _ = what;
    }
}

/// Every `<input …>` tag on the page whose name mentions a password.
fn password_inputs(body: &str) -> Vec<String> {
    body.match_indices("<input")
        .filter_map(|(at, _)| {
            let tag = &body[at..at + body[at..].find('>')? + 1];
            tag.contains("password\"").then(|| tag.to_owned())
        })
        .filter(|tag| tag.contains(" name=\"") && tag.contains("password\""))
        .collect()
}

/// ASVS 6.2.6, 6.2.7, 6.2.9: every password field is masked, names what a password manager
/// should fill, allows 128 characters, and nothing on the page could stop pasting into it.
#[tokio::test]
async fn every_password_field_is_masked_and_open_to_password_managers() {
    let app = TestApp::spawn().await;
    let email = "fields@a.example.cn";
    app.verified_user(email, "supplier", CODE_A).await;
    let mut v = Visitor::new(&app, "zh-CN");
    let mut pages = Vec::new();
    for path in ["/login", "/register", "/reset-password?token=whatever"] {
        let page = v.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        pages.push((path, page));
    }
    v.log_in(email, PASSWORD).await;
    pages.push(("/account", v.get("/account").await));
    for (path, page) in pages {
        page.assert_clean();
        let inputs = password_inputs(&page.body);
        assert!(!inputs.is_empty(), "{path} asks for a password");
        for input in inputs {
            assert!(input.contains(r#"type="password""#), "{path}: {input}");
            assert!(
                input.contains(r#"autocomplete="current-password""#)
                    || input.contains(r#"autocomplete="new-password""#),
                "{path}: {input}"
            );
            assert!(input.contains(r#"maxlength="128""#), "{path}: {input}");
            for banned in [
                "onpaste",
                "oncopy",
                "ondrop",
                "readonly",
                r#"autocomplete="off""#,
            ] {
                assert!(!input.contains(banned), "{path}: {input}");
            }
        }
    }
}

/// ASVS 6.2.2, 6.2.3, 7.4.3, 7.2.4: the account page changes the password with the current one;
/// this browser goes on under a new session token, every other browser and API login is out.
#[tokio::test]
async fn a_password_changed_on_the_account_page_renews_this_browser_and_signs_out_the_rest() {
    let app = TestApp::spawn().await;
    let email = "pw@a.example.cn";
    let fresh = "a brand new passphrase";
    let api = app.verified_user(email, "supplier", CODE_A).await;
    let mut here = Visitor::new(&app, "zh-CN");
    here.log_in(email, PASSWORD).await;
    let mut there = Visitor::new(&app, "en");
    there.log_in(email, PASSWORD).await;

    let page = here.get("/account").await;
    let page_session = here.cookies["peitao_session"].clone();
    assert!(page.has("修改密码") && page.has("当前密码"));
    let token = page.csrf();
    let wrong = here
        .post(
            "/account/password",
            &[
                ("csrf_token", token.as_str()),
                ("current_password", "not it at all"),
                ("new_password", fresh),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong
            .field_error("current_password")
            .is_some_and(|e| e.contains("当前密码不正确")),
        "{}",
        wrong.body
    );
    let weak = here
        .post(
            "/account/password",
            &[
                ("csrf_token", token.as_str()),
                ("current_password", PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.field_error("new_password").is_some(), "{}", weak.body);
    let forged = here
        .post(
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", fresh)],
        )
        .await;
    assert_eq!(forged.status, 403, "no CSRF token, no change");
    assert_eq!(
        there.get("/account").await.status,
        200,
        "nothing changed yet"
    );

    here.post(
        "/account/password",
        &[
            ("csrf_token", token.as_str()),
            ("current_password", PASSWORD),
            ("new_password", fresh),
        ],
    )
    .await
    .assert_redirect("/account?password=1");
    // A brand-new session token for this browser; the one before the change is dead.
    let before = page_session.clone();
    assert_ne!(here.cookies["peitao_session"], before);
    let mut replay = Visitor::new(&app, "zh-CN");
    replay.cookies.insert("peitao_session".into(), before);
    replay.get("/account").await.assert_redirect("/login");
    let after = here.get("/account?password=1").await;
    assert_eq!(after.status, 200);
    assert!(after.has("密码已修改"), "{}", after.body);
    there.get("/account").await.assert_redirect("/login");
    assert_eq!(
        app.get_as("/api/v1/me", &api.access_token).await.status(),
        401
    );
    let mut again = Visitor::new(&app, "zh-CN");
    again.log_in(email, fresh).await;
}

/// ASVS 7.2.4: logging in again (as anyone) replaces the browser's session token, and the one
/// held before is dead on the server, not merely forgotten by the browser.
#[tokio::test]
async fn logging_in_again_replaces_the_session_and_kills_the_old_token() {
    let app = TestApp::spawn().await;
    app.verified_user("first@a.example.cn", "supplier", CODE_A)
        .await;
    app.verified_user("second@b.example.cn", "oem", CODE_B)
        .await;
    let mut v = Visitor::new(&app, "zh-CN");
    v.log_in("first@a.example.cn", PASSWORD).await;
    let old = v.cookies["peitao_session"].clone();
    let token = v.get("/account").await.csrf();
    let res = v
        .post(
            "/login",
            &[
                ("csrf_token", token.as_str()),
                ("email", "second@b.example.cn"),
                ("password", PASSWORD),
            ],
        )
        .await;
    res.assert_redirect("/account");
    let new = v.cookies["peitao_session"].clone();
    assert_ne!(old, new);
    // ASVS 7.2.3: 256 random bits, base64url (the server keeps only their SHA-256).
    for token in [&old, &new] {
        assert_eq!(token.len(), 43, "{token}");
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
    assert!(v.get("/account").await.has("second@b.example.cn"));
    // The old token, replayed by someone who kept it, opens nothing.
    let mut replay = Visitor::new(&app, "zh-CN");
    replay.cookies.insert("peitao_session".into(), old);
    replay.get("/account").await.assert_redirect("/login");
}

/// ASVS 7.4.4: every page a logged-in visitor sees offers the way out in its header, and that
/// button really logs out.
#[tokio::test]
async fn every_page_offers_logging_out_to_a_logged_in_visitor() {
    let app = TestApp::spawn().await;
    let email = "leave@a.example.cn";
    app.verified_user(email, "supplier", CODE_A).await;
    let mut v = Visitor::new(&app, "zh-CN");
    let anonymous = v.get("/directory").await;
    assert!(!anonymous.has(r#"action="/logout""#), "nobody to log out");
    v.log_in(email, PASSWORD).await;
    // The pages that know the session (the home page is the same for everyone).
    for path in [
        "/account",
        "/account/members",
        "/directory",
        "/my/capabilities",
        "/capabilities/new",
        "/matches",
        "/intentions",
        "/events",
    ] {
        let page = v.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        page.assert_clean();
        let header = &page.body[..page.body.find("<main").unwrap()];
        assert!(
            header.contains(r#"<form class="log-out" method="post" action="/logout">"#)
                && header.contains("退出"),
            "{path} has no log-out in its header"
        );
    }
    let token = v.get("/directory").await.csrf();
    v.post("/logout", &[("csrf_token", &token)])
        .await
        .assert_redirect("/");
    v.get("/account").await.assert_redirect("/login");
}

/// The values of the checkboxes called `name` on the page.
fn checkbox_values(body: &str, name: &str) -> Vec<String> {
    let marker = format!(r#"<input type="checkbox" name="{name}" value=""#);
    body.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &body[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// ASVS 7.5.2: the account page lists the account's live logins — browsers and API logins —
/// and ends the chosen ones once the password is given again.
#[tokio::test]
async fn the_account_page_lists_live_logins_and_ends_chosen_ones_after_the_password() {
    let app = TestApp::spawn().await;
    let email = "devices@a.example.cn";
    let api = app.verified_user(email, "supplier", CODE_A).await;
    let mut here = Visitor::new(&app, "zh-CN");
    here.log_in(email, PASSWORD).await;
    let mut there = Visitor::new(&app, "en");
    there.log_in(email, PASSWORD).await;
    // Someone else's logins never show.
    app.verified_user("stranger@b.example.cn", "oem", CODE_B)
        .await;

    let page = here.get("/account").await;
    page.assert_clean();
    assert!(
        page.has("登录设备") && page.has("此浏览器"),
        "{}",
        page.body
    );
    let browsers = checkbox_values(&page.body, "browser");
    let logins = checkbox_values(&page.body, "api");
    assert_eq!(
        browsers.len(),
        1,
        "the other browser; this one is marked instead"
    );
    assert_eq!(logins.len(), 1, "the API login");
    let token = page.csrf();

    let none = here
        .post(
            "/account/sessions",
            &[
                ("csrf_token", token.as_str()),
                ("sessions_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(none.status, 422);
    assert!(none.has("请选择要退出的登录"), "{}", none.body);
    let wrong = here
        .post(
            "/account/sessions",
            &[
                ("csrf_token", token.as_str()),
                ("browser", browsers[0].as_str()),
                ("sessions_password", "not my password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong
            .field_error("sessions_password")
            .is_some_and(|e| e.contains("当前密码不正确")),
        "{}",
        wrong.body
    );
    let forged = here
        .post(
            "/account/sessions",
            &[
                ("browser", browsers[0].as_str()),
                ("sessions_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(there.get("/account").await.status, 200, "nothing ended yet");

    here.post(
        "/account/sessions",
        &[
            ("csrf_token", token.as_str()),
            ("browser", browsers[0].as_str()),
            ("sessions_password", PASSWORD),
        ],
    )
    .await
    .assert_redirect("/account?ended=1");
    there.get("/account").await.assert_redirect("/login");
    assert_eq!(
        app.get_as("/api/v1/me", &api.access_token).await.status(),
        200,
        "only what was chosen"
    );
    let after = here.get("/account?ended=1").await;
    assert!(after.has("所选登录已退出"));
    assert!(checkbox_values(&after.body, "browser").is_empty());

    here.post(
        "/account/sessions",
        &[
            ("csrf_token", token.as_str()),
            ("api", logins[0].as_str()),
            ("sessions_password", PASSWORD),
        ],
    )
    .await
    .assert_redirect("/account?ended=1");
    assert_eq!(
        app.get_as("/api/v1/me", &api.access_token).await.status(),
        401,
        "the API login's access token ends with it"
    );
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            &serde_json::json!({"refresh_token": api.refresh_token}),
            None,
            None,
        )
        .await;
    assert_eq!(refresh.status(), 401);
    assert_eq!(
        here.get("/account").await.status,
        200,
        "this browser goes on"
    );
}
