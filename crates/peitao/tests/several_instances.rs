//! Several instances on one database, as a load balancer sees them: two `serve` processes (their
//! workers off) and two `worker` processes, behind a round-robin TCP proxy, mailing a real SMTP
//! server. Tokens, browser sessions and login limits work across servers, a change made on one
//! shows in the other's matches and search within seconds, and every mail arrives once although
//! two workers poll the outbox. PostgreSQL when TEST_DATABASE_URL is set, else one SQLite file.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use peitao_persistence::testing::TestDatabase;
use peitao_tests::mail::MailServer;
use peitao_tests::processes::{self, PROCESS_PASSWORD, need_body, token_mailed};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

const PASSWORD: &str = PROCESS_PASSWORD;

fn registration(email: &str, role: &str, n: u32) -> Value {
    processes::registration(email, role, n, "多实例测试企业", 'A')
}
/// `matcher.refresh_secs` for the servers: how often each rereads what the other changed.
const REFRESH_SECS: u64 = 1;
/// Registrations made at once to give both workers a queue to fight over.
const BURST: usize = 24;

/// `peitao` with the test configuration on `db_url`, mailing `smtp`.
fn peitao(db_url: &str, smtp: &MailServer) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peitao"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PEITAO_ENV", "test")
        .env("PEITAO_CONFIG_DIR", "/nonexistent/peitao-scale-test")
        .env("PEITAO__DATABASE__URL", db_url)
        // `peitao migrate` ran once before; instances must not race over the schema.
        .env("PEITAO__DATABASE__MIGRATE_ON_START", "false")
        .env("PEITAO__DATABASE__MAX_CONNECTIONS", "8")
        // Four processes on a CI machine running other tests: a slow moment is not an outage.
        .env("PEITAO__DATABASE__ACQUIRE_TIMEOUT_SECS", "10")
        .env("PEITAO__MAIL__TRANSPORT", "smtp")
        .env("PEITAO__MAIL__SMTP_URL", smtp.smtp_url())
        .env("PEITAO__MATCHER__REFRESH_SECS", REFRESH_SECS.to_string())
        .env("PEITAO__WORKER__POLL_INTERVAL_MS", "100")
        // Every request comes from the proxy's address: the per-IP limit is not under test here.
        .env("PEITAO__AUTH__IP_MAX_REQUESTS", "1000")
        .env("PEITAO__AUTH__LOGIN_MAX_FAILURES", "3")
        .env("RUST_LOG", "warn");
    cmd
}

/// The processes of the test; killed when it ends, however it ends.
#[derive(Default)]
struct Fleet(Vec<Child>);

impl Drop for Fleet {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Fleet {
    /// Starts `peitao serve` with its worker off; returns its port once it listens.
    fn serve(&mut self, mut cmd: Command) -> u16 {
        let mut child = cmd
            .arg("serve")
            .env("PEITAO__WORKER__ENABLED", "false")
            .env("PEITAO__SERVER__PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        self.0.push(child);
        let port = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines.by_ref() {});
        port
    }

    fn worker(&mut self, mut cmd: Command) {
        let child = cmd
            .arg("worker")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.0.push(child);
    }
}

/// A round-robin TCP proxy: each accepted connection goes to the next backend, bytes copied both
/// ways. Connection `n` goes to backend `n % backends`, so a client that opens one connection per
/// request (and nothing else using the proxy at the time) knows which backend answers.
struct Proxy {
    port: u16,
    accepted: Arc<AtomicUsize>,
    backends: usize,
}

impl Proxy {
    async fn start(backends: Vec<u16>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        let n = backends.len();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let backend = backends[counter.fetch_add(1, Ordering::SeqCst) % backends.len()];
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(("127.0.0.1", backend)).await {
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Proxy {
            port,
            accepted,
            backends: n,
        }
    }

    /// The backend the next connection goes to.
    fn next_backend(&self) -> usize {
        self.accepted.load(Ordering::SeqCst) % self.backends
    }
}

/// A client of the proxy that opens a new connection for every request, so requests alternate
/// between backends; `on(i)` first spends connections until the next one goes to backend `i`.
struct Client {
    http: reqwest::Client,
    proxy: Proxy,
    base: String,
}

impl Client {
    fn new(proxy: Proxy) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            base: format!("http://127.0.0.1:{}", proxy.port),
            proxy,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Makes the next request go to backend `i`.
    async fn on(&self, i: usize) -> &Client {
        while self.proxy.next_backend() != i {
            let res = self.http.get(self.url("/healthz")).send().await.unwrap();
            assert_eq!(res.status(), 200);
        }
        self
    }

    /// Any JSON request as `token`: status and body (null when not JSON).
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The same request on `backend`.
    async fn call_on(
        &self,
        backend: usize,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        self.on(backend).await.call(method, path, token, body).await
    }
}

/// Registers through the proxy, follows the mailed link on the other backend, logs in on the
/// first: (access token, refresh token).
async fn verified_account(
    client: &Client,
    smtp: &MailServer,
    email: &str,
    role: &str,
    n: u32,
) -> (String, String) {
    let (status, body) = client
        .call_on(
            0,
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(&registration(email, role, n)),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let token = token_mailed(smtp, email, "/verify-email?token=").await;
    let (status, body) = client
        .call_on(
            1,
            Method::POST,
            "/api/v1/auth/verify-email",
            None,
            Some(&json!({"token": token})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    login(client, 0, email).await
}

async fn login(client: &Client, backend: usize, email: &str) -> (String, String) {
    let (status, body) = client
        .call_on(
            backend,
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(&json!({"email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "login {email}: {body}");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// Polls `check` (which gets the attempt number) until it holds or `within` passes; returns how
/// long it took.
async fn eventually<F, Fut>(what: &str, within: Duration, mut check: F) -> Duration
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    for attempt in 0.. {
        if check(attempt).await {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    unreachable!()
}

/// A browser's cookies, kept by hand (each request may reach another server).
#[derive(Default)]
struct Cookies(BTreeMap<String, String>);

impl Cookies {
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Keeps the response's cookies; returns status, Location and body.
    async fn absorb(&mut self, res: reqwest::Response) -> (u16, Option<String>, String) {
        for value in res.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (name, value) = text.split(';').next().unwrap().split_once('=').unwrap();
            if value.is_empty() || text.to_ascii_lowercase().contains("max-age=0") {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (status, location, res.text().await.unwrap())
    }

    async fn get(
        &mut self,
        client: &Client,
        backend: usize,
        path: &str,
    ) -> (u16, Option<String>, String) {
        let res = client
            .on(backend)
            .await
            .http
            .get(client.url(path))
            .header("Accept-Language", "zh-CN")
            .header("Cookie", self.header())
            .send()
            .await
            .unwrap();
        self.absorb(res).await
    }

    async fn post(
        &mut self,
        client: &Client,
        backend: usize,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let res = client
            .on(backend)
            .await
            .http
            .post(client.url(path))
            .header("Accept-Language", "zh-CN")
            .header("Cookie", self.header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.absorb(res).await
    }
}

fn csrf_field(page: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = page.find(marker).expect("a CSRF field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// The organizations with a `proposed` match on `need`, as staff see them on `backend`.
async fn proposed_on(client: &Client, backend: usize, staff: &str, need: &str) -> Vec<String> {
    let (status, body) = client
        .call_on(
            backend,
            Method::GET,
            &format!("/api/v1/needs/{need}/matches"),
            Some(staff),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "proposed")
        .map(|m| m["organization"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Capability titles that `q` finds, asked of `backend`.
async fn found_on(client: &Client, backend: usize, q: &str) -> Vec<String> {
    let (status, body) = client
        .call_on(
            backend,
            Method::GET,
            &format!("/api/v1/capabilities?q={q}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_and_two_workers_behind_a_round_robin_proxy_act_as_one() {
    let db = TestDatabase::create().await;
    let smtp = MailServer::start();
    let out = peitao(db.url(), &smtp).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut staff_cmd = peitao(db.url(), &smtp);
    let mut staff = staff_cmd
        .args([
            "staff",
            "create",
            "--email",
            "staff@assoc.example.cn",
            "--display-name",
            "王芳",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(staff.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(staff.wait().unwrap().success());

    let mut fleet = Fleet::default();
    let ports = vec![
        fleet.serve(peitao(db.url(), &smtp)),
        fleet.serve(peitao(db.url(), &smtp)),
    ];
    fleet.worker(peitao(db.url(), &smtp));
    fleet.worker(peitao(db.url(), &smtp));
    let client = Client::new(Proxy::start(ports).await);

    // (a) Accounts: registered on one server, verified on the other, tokens good on both.
    let supplier_email = "supplier@scale.example.cn";
    let (supplier, _) = verified_account(&client, &smtp, supplier_email, "supplier", 1).await;
    for backend in [0, 1, 0, 1] {
        let (status, me) = client
            .call_on(backend, Method::GET, "/api/v1/me", Some(&supplier), None)
            .await;
        assert_eq!(
            (status, me["email"].as_str()),
            (200, Some(supplier_email)),
            "backend {backend}"
        );
    }
    // A refresh token is spent once, whichever server sees it: reused on the other, it revokes
    // its family there and here.
    let (_, first_refresh) = login(&client, 1, supplier_email).await;
    let (status, pair) = client
        .call_on(
            0,
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": first_refresh})),
        )
        .await;
    assert_eq!(status, 200, "{pair}");
    let (access, second_refresh) = (
        pair["access_token"].as_str().unwrap().to_owned(),
        pair["refresh_token"].as_str().unwrap().to_owned(),
    );
    let (status, _) = client
        .call_on(1, Method::GET, "/api/v1/me", Some(&access), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = client
        .call_on(
            1,
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": first_refresh})),
        )
        .await;
    assert_eq!(
        status, 401,
        "a spent refresh token, reused on the other server"
    );
    let (status, _) = client
        .call_on(
            0,
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": second_refresh})),
        )
        .await;
    assert_eq!(status, 401, "its family was revoked on the other server");

    // The failed-login limit counts across servers: three failures spread over both, then 429 on
    // either.
    let wrong = json!({"email": "nobody@scale.example.cn", "password": "not the password 1"});
    for backend in [0, 1, 0] {
        let (status, _) = client
            .call_on(
                backend,
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&wrong),
            )
            .await;
        assert_eq!(status, 401, "backend {backend}");
    }
    for backend in [1, 0] {
        let (status, _) = client
            .call_on(
                backend,
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&wrong),
            )
            .await;
        assert_eq!(status, 429, "backend {backend}: the limit is shared");
    }

    // A browser: the login form from one server, posted to the other, the account page on both,
    // logged out on one and so on both.
    let mut browser = Cookies::default();
    let (status, _, page) = browser.get(&client, 0, "/login").await;
    assert_eq!(status, 200);
    let csrf = csrf_field(&page);
    let (status, location, body) = browser
        .post(
            &client,
            1,
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", supplier_email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/account")),
        "{body}"
    );
    assert!(browser.0.contains_key("peitao_session"));
    let mut account_csrf = String::new();
    for backend in [0, 1] {
        let (status, _, page) = browser.get(&client, backend, "/account").await;
        assert_eq!(status, 200, "backend {backend}");
        assert!(page.contains("用户1"), "backend {backend}: {page}");
        account_csrf = csrf_field(&page);
    }
    let session = browser.0["peitao_session"].clone();
    let (status, location, _) = browser
        .post(&client, 0, "/logout", &[("csrf_token", &account_csrf)])
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/")));
    // The cookie from before the logout, replayed on the other server: that session is over.
    browser.0.insert("peitao_session".to_owned(), session);
    let (status, location, _) = browser.get(&client, 1, "/account").await;
    assert_eq!((status, location.as_deref()), (303, Some("/login")));

    // (b) A change on one server reaches the other's matching index and search.
    let (oem, _) = verified_account(&client, &smtp, "oem@scale.example.cn", "oem", 2).await;
    let (_, me) = client
        .call_on(0, Method::GET, "/api/v1/me", Some(&supplier), None)
        .await;
    let supplier_org = me["organization_id"].as_str().unwrap().to_owned();
    let (staff_token, _) = login(&client, 1, "staff@assoc.example.cn").await;
    let (status, body) = client
        .call_on(
            0,
            Method::POST,
            "/api/v1/capabilities",
            Some(&supplier),
            Some(&json!({
                "category_code": "EDRIVE.BATTERY.PACK",
                "title": "Zeppelin battery housings",
                "description": "铝合金压铸电池壳体,一体化压铸,年产能 20 万套。",
                "annual_capacity": 200_000,
                "unit": "套",
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let published = Instant::now();
    // Posted on the other server at once: its index may not know the capability yet.
    let (status, body) = client
        .call_on(
            1,
            Method::POST,
            "/api/v1/needs",
            Some(&oem),
            Some(&need_body("电池包壳体采购")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let need = body["id"].as_str().unwrap().to_owned();
    let within = Duration::from_secs(REFRESH_SECS * 4 + 10);
    let matched = eventually("the new capability among the need's matches", within, |i| {
        let (client, staff_token, need, org) = (&client, &staff_token, &need, &supplier_org);
        async move {
            proposed_on(client, i % 2, staff_token, need)
                .await
                .contains(org)
        }
    })
    .await;
    eventually(
        "the new capability found by search on server 1",
        within,
        |_| {
            let client = &client;
            async move { found_on(client, 1, "zeppelin").await == ["Zeppelin battery housings"] }
        },
    )
    .await;
    let searched = published.elapsed();
    // Server 0 keeps that directory page too (published there, found at once).
    assert_eq!(
        found_on(&client, 0, "zeppelin").await,
        ["Zeppelin battery housings"]
    );
    eprintln!(
        "convergence after publishing on server 0: the need posted on server 1 right after had \
         it among its matches within {matched:?}; server 1's search found it within {searched:?}"
    );

    // Suspended on server 1: a need posted on server 0 at once must lose it once server 0 has
    // caught up, and search leaves it out everywhere.
    let (status, body) = client
        .call_on(
            1,
            Method::POST,
            &format!("/api/v1/organizations/{supplier_org}/suspend"),
            Some(&staff_token),
            Some(&json!({"reason": "虚假信息"})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = client
        .call_on(
            0,
            Method::POST,
            "/api/v1/needs",
            Some(&oem),
            Some(&need_body("第二批电池包壳体")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let second_need = body["id"].as_str().unwrap().to_owned();
    let dropped = eventually(
        "the suspended supplier out of the new need's matches",
        within,
        |i| {
            let (client, staff_token, need, org) =
                (&client, &staff_token, &second_need, &supplier_org);
            async move {
                !proposed_on(client, i % 2, staff_token, need)
                    .await
                    .contains(org)
            }
        },
    )
    .await;
    // Server 1, where the suspension was made, drops its kept directory pages at once; server 0
    // may serve the page it kept for up to its 5 s, then no server finds the supplier.
    assert!(found_on(&client, 1, "zeppelin").await.is_empty());
    let unlisted = eventually(
        "the suspended supplier out of server 0's directory",
        within,
        |_| {
            let client = &client;
            async move { found_on(client, 0, "zeppelin").await.is_empty() }
        },
    )
    .await;
    assert!(
        unlisted <= Duration::from_secs(6),
        "server 0 kept the page {unlisted:?}"
    );
    // The first need lost it on server 1 at once; server 0 may show its cached list (5 s) first.
    for backend in [0, 1] {
        eventually(
            "the first need's matches without the suspended supplier",
            within,
            |_| {
                let (client, staff_token, need, org) =
                    (&client, &staff_token, &need, &supplier_org);
                async move {
                    !proposed_on(client, backend, staff_token, need)
                        .await
                        .contains(org)
                }
            },
        )
        .await;
    }
    eprintln!(
        "convergence after suspending on server 1: server 0's need dropped it after {dropped:?}"
    );

    // (c) A burst of registrations through both servers: each verification mail once.
    let started = Instant::now();
    for n in 0..BURST {
        let n = u32::try_from(n).unwrap() + 100;
        let (status, body) = client
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(&registration(
                    &format!("burst{n}@scale.example.cn"),
                    "supplier",
                    n,
                )),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = client
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(&json!({"email": supplier_email})),
        )
        .await;
    assert_eq!(status, 202);

    // Every mail the outbox holds arrives, then a pause catches late duplicates.
    let conn = peitao_persistence::Db::connect(db.url()).await.unwrap();
    let queued = outbox_rows(&conn).await;
    assert!(queued.len() > BURST + 2, "{queued:?}");
    smtp.wait_for(queued.len(), Duration::from_secs(30)).await;
    eprintln!(
        "{} mails delivered by two workers {:?} after the burst began",
        queued.len(),
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut received: Vec<(String, String)> = smtp
        .messages()
        .iter()
        .map(|m| (m.to.join(","), m.subject().unwrap_or_default()))
        .collect();
    received.sort();
    let mut counts: BTreeMap<&(String, String), usize> = BTreeMap::new();
    for key in &received {
        *counts.entry(key).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let mut expected = outbox_rows(&conn).await;
    expected.sort();
    assert_eq!(received, expected, "what arrived is what the outbox held");
    conn.close().await;
    drop(fleet);
}

/// (recipient, subject) of every outbox row, all sent.
async fn outbox_rows(db: &peitao_persistence::Db) -> Vec<(String, String)> {
    use peitao_persistence::sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.conn().get_database_backend(),
            "SELECT recipient, subject, status FROM outbox".to_owned(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get::<String>("", "recipient").unwrap(),
                r.try_get::<String>("", "subject").unwrap(),
            )
        })
        .collect()
}

/// Instances started together on an empty database each migrate it (`database.migrate_on_start`):
/// one does, the others wait for it and find nothing left to do.
#[tokio::test]
async fn instances_migrating_at_once_all_succeed() {
    let db = TestDatabase::create().await;
    let smtp = MailServer::start();
    let children: Vec<Child> = (0..3)
        .map(|_| {
            peitao(db.url(), &smtp)
                .arg("migrate")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
