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
        let vars = vec![
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

    /// True when the tests run against PostgreSQL.
    #[must_use]
    pub fn on_postgres(&self) -> bool {
        self.database.is_postgres()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the server winds down on its own threads. The database
        // is dropped after this, with the `database` field.
        drop(self.handle.stop(false));
    }
}
