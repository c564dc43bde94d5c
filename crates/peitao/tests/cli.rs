//! The `peitao` program as an operator uses it: real processes, real databases (SQLite, or
//! PostgreSQL with TEST_DATABASE_URL), real signals.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use peitao_persistence::testing::TestDatabase;

fn peitao(db_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peitao"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PEITAO_ENV", "test")
        .env("PEITAO_CONFIG_DIR", "/nonexistent/peitao-cli-test")
        .env("PEITAO__DATABASE__URL", db_url)
        .env("RUST_LOG", "warn");
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["worker", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "--help"],
        vec!["staff", "create", "--help"],
    ] {
        let out = peitao("sqlite::memory:").args(&args).output().unwrap();
        let (stdout, _) = text(&out);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout.contains("Usage: peitao"), "{args:?}: {stdout}");
    }
}

#[test]
fn a_misspelt_setting_stops_start_up_with_its_name() {
    let out = peitao("sqlite::memory:")
        .env("PEITAO__SERVER__PROT", "1")
        .arg("migrate")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("prot") && !stderr.contains("panicked"),
        "{stderr}"
    );

    let out = peitao("mysql://nope").arg("migrate").output().unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("database.url") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn an_s3_store_without_credentials_stops_start_up_naming_the_variable() {
    let out = peitao("sqlite::memory:")
        .env("PEITAO__ATTACHMENTS__STORE", "s3")
        .env("PEITAO__ATTACHMENTS__S3__ENDPOINT", "http://127.0.0.1:9")
        .env("PEITAO__ATTACHMENTS__S3__BUCKET", "peitao")
        .arg("serve")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("attachments.s3.access_key_id")
            && stderr.contains("PEITAO__ATTACHMENTS__S3__ACCESS_KEY_ID")
            && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[tokio::test]
async fn migrate_creates_a_missing_database_folder() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}/not/yet/there/p.db?mode=rwc",
        dir.path().display()
    );
    let out = peitao(&url).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(dir.path().join("not/yet/there/p.db").exists());
}

#[tokio::test]
async fn seed_loads_reference_demo_and_synthetic_worlds() {
    let db = TestDatabase::create().await;
    let out = peitao(db.url())
        .args(["seed", "--demo", "--synthetic", "300", "--rng-seed", "7"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("3348 regions"), "{stdout}");
    assert!(stdout.contains("supplier@peitao.example"), "{stdout}");
    assert!(stdout.contains("300 suppliers"), "{stdout}");

    let conn = peitao_persistence::Db::connect(db.url()).await.unwrap();
    let orgs = count(&conn, "organizations").await;
    assert!(orgs >= 300 + 20, "{orgs}");
    let caps = count(&conn, "capabilities").await;
    assert!(caps >= 300 + 40, "{caps}");
    conn.close().await;

    // Seeding again keeps the demo as it is and adds a second synthetic batch without clashes.
    let out = peitao(db.url())
        .args(["seed", "--demo", "--synthetic", "10"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("not loaded again"), "{stdout}");
}

async fn count(db: &peitao_persistence::Db, table: &str) -> i64 {
    use peitao_persistence::sea_orm::{ConnectionTrait, Statement};
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.conn().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn staff_create(url: &str, email: &str, password: &str) -> Output {
    let mut child = peitao(url)
        .args([
            "staff",
            "create",
            "--email",
            email,
            "--display-name",
            "王芳",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn staff_accounts_are_created_from_the_command_line_with_a_piped_password() {
    let db = TestDatabase::create().await;
    let out = staff_create(
        db.url(),
        "Wang.Fang@Assoc.example.cn",
        "a long enough passphrase",
    );
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out)
            .0
            .contains("created staff wang.fang@assoc.example.cn"),
        "{:?}",
        text(&out)
    );

    let conn = peitao_persistence::Db::connect(db.url()).await.unwrap();
    let email = peitao_domain::Email::parse("wang.fang@assoc.example.cn").unwrap();
    assert_eq!(
        peitao_persistence::users::role_of(&conn, &email)
            .await
            .unwrap()
            .as_deref(),
        Some("staff")
    );
    conn.close().await;

    let again = staff_create(
        db.url(),
        "wang.fang@assoc.example.cn",
        "a long enough passphrase",
    );
    assert!(!again.status.success());
    assert!(
        text(&again).1.contains("already exists"),
        "{:?}",
        text(&again)
    );

    let weak = staff_create(db.url(), "li.lei@assoc.example.cn", "short");
    assert!(!weak.status.success());
    assert!(text(&weak).1.contains("password"), "{:?}", text(&weak));
}

#[tokio::test]
async fn serve_answers_then_stops_cleanly_on_sigterm() {
    let db = TestDatabase::create().await;
    let mut child = peitao(db.url())
        .arg("serve")
        .env("PEITAO__WORKER__ENABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    let body = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("ready"), "{body}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not stop after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
}

#[test]
fn the_demo_is_refused_in_production() {
    let out = peitao("sqlite::memory:")
        .env("PEITAO_ENV", "production")
        .env(
            "PEITAO__AUTH__JWT_SECRET",
            "a-production-secret-long-enough-for-hmac",
        )
        .args(["serve", "--demo"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("refused in production"), "{stderr}");
}

/// Starts `peitao serve` and returns it with its port.
fn start_serve(cmd: &mut Command) -> (std::process::Child, u16) {
    let mut child = cmd
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (child, port)
}

#[tokio::test]
async fn mail_committed_before_a_kill_9_is_delivered_after_restart() {
    let db = TestDatabase::create().await;
    let smtp = peitao_tests::mail::MailServer::start();
    let with_mail = |cmd: &mut Command| {
        cmd.env("PEITAO__MAIL__TRANSPORT", "smtp")
            .env("PEITAO__MAIL__SMTP_URL", smtp.smtp_url());
    };
    // A server whose worker is off: the registration commits its mail to the outbox, nothing sends it.
    let mut serve = peitao(db.url());
    with_mail(&mut serve);
    let (mut child, port) = start_serve(serve.env("PEITAO__WORKER__ENABLED", "false"));
    let res = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/register"))
        .json(&serde_json::json!({
            "email": "crash@a.example.cn", "password": "a sturdy passphrase 2026", "display_name": "王强", "role": "supplier",
            "organization": {"name": "崩溃测试企业", "credit_code": "91500112MA0000000R", "region_code": "500112"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    assert!(smtp.messages().is_empty());

    // Another process picks the outbox up.
    let mut worker_cmd = peitao(db.url());
    with_mail(&mut worker_cmd);
    let mut worker = worker_cmd
        .arg("worker")
        .env("PEITAO__WORKER__POLL_INTERVAL_MS", "100")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
    Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    let status = worker.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(mails[0].to, vec!["crash@a.example.cn".to_owned()]);
    assert!(mails[0].body_text().contains("/verify-email?token="));
}

/// The README's first command: the demo world loads, its logins are printed, its needs are
/// ranked and its history played (approvals, mutual interest, intentions), then it serves.
#[tokio::test]
async fn serve_demo_loads_a_world_with_a_history() {
    let db = TestDatabase::create().await;
    let mail = tempfile::tempdir().unwrap();
    let mut child = peitao(db.url())
        .env("PEITAO__SERVER__PORT", "0")
        .env("PEITAO__MAIL__TRANSPORT", "file")
        .env("PEITAO__MAIL__FILE_DIR", mail.path())
        .args(["serve", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let port: u16 = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
        printed.push(line);
    };
    let said = printed.join("\n");
    assert!(said.contains("staff@peitao.example"), "{said}");
    assert!(
        said.contains(
            "demo matches moderated: 12 approved, 4 mutually interested, 3 intentions confirmed"
        ),
        "{said}"
    );
    let page = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// ASVS 7.4.5: an operator ends one account's logins, or everyone's, from the command line; the
/// accounts stay, the sessions are revoked server-side, and the audit log says so.
#[tokio::test]
async fn an_operator_ends_one_accounts_logins_or_everyones() {
    use peitao_persistence::entities::{refresh_token, web_session};
    use peitao_persistence::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use peitao_persistence::{refresh, users, web_sessions};
    let db = TestDatabase::create().await;
    for email in ["a.li@assoc.example.cn", "b.wu@assoc.example.cn"] {
        let out = staff_create(db.url(), email, "a long enough passphrase");
        assert!(out.status.success(), "{:?}", text(&out));
    }
    let conn = peitao_persistence::Db::connect(db.url()).await.unwrap();
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for email in ["a.li@assoc.example.cn", "b.wu@assoc.example.cn"] {
        let email = peitao_domain::Email::parse(email).unwrap();
        let user = users::find_by_email(conn.conn(), &email)
            .await
            .unwrap()
            .unwrap();
        let token = |what: &str| format!("{what}-{}", user.id);
        web_sessions::create(
            conn.conn(),
            user.id,
            token("session"),
            token("csrf"),
            now.timestamp_millis(),
        )
        .await
        .unwrap();
        refresh::create(
            conn.conn(),
            user.id,
            uuid::Uuid::now_v7(),
            token("refresh"),
            now + chrono::Duration::days(30),
            now,
        )
        .await
        .unwrap();
        ids.push(user.id);
    }
    let live = |user: uuid::Uuid| {
        let conn = conn.conn().clone();
        async move {
            let browsers = web_session::Entity::find()
                .filter(web_session::Column::UserId.eq(user))
                .filter(web_session::Column::RevokedAt.is_null())
                .all(&conn)
                .await
                .unwrap()
                .len();
            let api = refresh_token::Entity::find()
                .filter(refresh_token::Column::UserId.eq(user))
                .filter(refresh_token::Column::RevokedAt.is_null())
                .all(&conn)
                .await
                .unwrap()
                .len();
            (browsers, api)
        }
    };
    assert_eq!((live(ids[0]).await, live(ids[1]).await), ((1, 1), (1, 1)));

    let out = peitao(db.url())
        .args(["sessions", "end", "--email", "A.Li@assoc.example.cn"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out)
            .0
            .contains("ended 1 browser sessions and 1 refresh tokens")
    );
    assert_eq!((live(ids[0]).await, live(ids[1]).await), ((0, 0), (1, 1)));

    let out = peitao(db.url())
        .args(["sessions", "end", "--all"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!((live(ids[0]).await, live(ids[1]).await), ((0, 0), (0, 0)));

    let unknown = peitao(db.url())
        .args(["sessions", "end", "--email", "ghost@assoc.example.cn"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).1.contains("no account"),
        "{:?}",
        text(&unknown)
    );
    let neither = peitao(db.url()).args(["sessions", "end"]).output().unwrap();
    assert!(!neither.status.success(), "--email or --all is required");
    let log = peitao_persistence::audit::list(&conn, &Default::default(), 50)
        .await
        .unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "sessions.end").count(),
        2,
        "{log:?}"
    );
    conn.close().await;
}
