//! `TestApp`: the whole application on a random loopback port with its own database (a temp
//! SQLite file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set) and its own SMTP server.

use std::path::PathBuf;

use peitao::settings::{Settings, Sources};
use peitao::startup::Application;
use peitao_http::AppState;
use peitao_persistence::Db;
use peitao_persistence::testing::TestDatabase;

use crate::mail::MailServer;

/// A running app for one test. Dropping it stops the server and removes its database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub mail: MailServer,
    pub settings: Settings,
    state: AppState,
    handle: actix_web::dev::ServerHandle,
    database: TestDatabase,
    /// This app's attachment store, removed with the app.
    files: tempfile::TempDir,
}

impl TestApp {
    /// Starts an app with the test configuration.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts an app after `adjust` has changed its settings (e.g. the body limit).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mail = MailServer::start();
        let database = TestDatabase::create().await;
        let url = database.url().to_owned();
        let files = tempfile::tempdir().expect("a temporary attachment folder");
        let vars = vec![
            (
                "PEITAO__ATTACHMENTS__DIR".to_owned(),
                files.path().display().to_string(),
            ),
            ("PEITAO__DATABASE__URL".to_owned(), url),
            ("PEITAO__SERVER__PORT".to_owned(), "0".to_owned()),
            ("PEITAO__MAIL__TRANSPORT".to_owned(), "smtp".to_owned()),
            ("PEITAO__MAIL__SMTP_URL".to_owned(), mail.smtp_url()),
        ];
        let sources = Sources {
            env: Some("test".to_owned()),
            // Only the compiled-in files: a developer's local config/ must not change test results.
            config_dir: Some(PathBuf::from("/nonexistent/peitao-test-config")),
            extra_file: None,
            vars,
        };
        let mut settings = Settings::load(&sources).expect("test settings load");
        adjust(&mut settings);
        let app = Application::build(&settings).await.expect("the app builds");
        let port = app.port();
        settings.server.port = port;
        let state = app.state().clone();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            mail,
            settings,
            state,
            handle,
            database,
            files,
        }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The app's database, for arranging and checking state directly.
    #[must_use]
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The folder of this app's attachment store.
    #[must_use]
    pub fn attachments_dir(&self) -> &std::path::Path {
        self.files.path()
    }

    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// GET with an optional Accept-Language.
    pub async fn get(&self, path: &str, lang: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        if let Some(lang) = lang {
            req = req.header("Accept-Language", lang);
        }
        req.send().await.expect("request sent")
    }

    /// GET and parse JSON, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let res = self.get(path, None).await;
        assert_eq!(res.status().as_u16(), status, "GET {path}");
        res.json().await.expect("JSON body")
    }

    /// A worker over this app's database and SMTP server, to drive step by step.
    #[must_use]
    pub fn worker(&self) -> peitao::worker::Worker {
        peitao::startup::build_worker(&self.settings, self.state.clone())
            .expect("the worker builds")
    }

    /// Runs worker passes until the outbox has nothing due, and returns what the SMTP server got.
    pub async fn deliver_mail(&self) -> Vec<crate::mail::ReceivedMail> {
        let worker = self.worker();
        for _ in 0..20 {
            let report = worker.step().await;
            if report.mail.sent + report.mail.retrying + report.mail.dead == 0 {
                break;
            }
        }
        self.mail.messages()
    }

    /// POST JSON with an optional bearer token and language.
    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
        token: Option<&str>,
        lang: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(lang) = lang {
            req = req.header("Accept-Language", lang);
        }
        req.send().await.expect("request sent")
    }

    /// Any request as `token` (anonymous with `None`) with an optional JSON body: status and body
    /// (null when the body is not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Registers a supplier (or OEM with `role = "oem"`) through the API; returns the response body.
    pub async fn register(&self, email: &str, role: &str, credit_code: &str) -> serde_json::Value {
        let body = serde_json::json!({
            "email": email,
            "password": PASSWORD,
            "display_name": "张伟",
            "role": role,
            "organization": {"name": format!("测试企业 {credit_code}"), "credit_code": credit_code, "region_code": "500112"}
        });
        let res = self.post("/api/v1/auth/register", &body, None, None).await;
        assert_eq!(
            res.status(),
            201,
            "register {email}: {}",
            res.text().await.unwrap_or_default()
        );
        res.json().await.expect("JSON")
    }

    /// Registers, follows the verification link from the mail, and logs in: a ready account.
    pub async fn verified_user(&self, email: &str, role: &str, credit_code: &str) -> Session {
        self.register(email, role, credit_code).await;
        let mails = self.deliver_mail().await;
        let mail = mails
            .iter()
            .rev()
            .find(|m| m.to.iter().any(|t| t.contains(email)))
            .expect("verification mail");
        let token = token_in(&mail.body_text(), "/verify-email?token=").expect("link in the mail");
        let res = self
            .post(
                "/api/v1/auth/verify-email",
                &serde_json::json!({"token": token}),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 204);
        self.login(email, PASSWORD).await
    }

    /// Creates an association staff or admin account (as `peitao staff create` would) and logs in.
    pub async fn staff_session(&self, email: &str, role: peitao_domain::user::Role) -> Session {
        let hash =
            peitao_auth::password::hash(PASSWORD.into(), peitao_auth::password::HashCost::Fast)
                .await
                .expect("hash");
        let staff = peitao_persistence::users::NewStaff {
            email: peitao_domain::Email::parse(email).expect("a valid email"),
            display_name: "协会工作人员".into(),
            password_hash: hash,
            role,
            locale: peitao_domain::Locale::ZhCn,
        };
        peitao_persistence::users::create_staff(self.db(), staff, chrono::Utc::now())
            .await
            .expect("staff created");
        self.login(email, PASSWORD).await
    }

    /// Logs in and returns the tokens.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let res = self
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"email": email, "password": password}),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 200, "login {email}");
        let body: serde_json::Value = res.json().await.expect("JSON");
        Session {
            access_token: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        }
    }

    /// True when the tests run against PostgreSQL.
    #[must_use]
    pub fn on_postgres(&self) -> bool {
        self.database.is_postgres()
    }
}

/// The password every test account uses.
pub const PASSWORD: &str = "a sturdy passphrase 2026";

/// A logged-in test user's tokens.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
}

/// The token that follows `marker` in a mail body (up to whitespace or a quote).
#[must_use]
pub fn token_in(body: &str, marker: &str) -> Option<String> {
    let start = body.find(marker)? + marker.len();
    let rest = &body[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the server winds down on its own threads. The database
        // is dropped after this, with the `database` field.
        drop(self.handle.stop(false));
    }
}
