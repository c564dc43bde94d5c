//! Start-up: connect, migrate, load reference data, build the app state and bind the server.
//! `main` and the black-box tests both go through `Application::build`.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use peitao_auth::password::{self, HashCost};
use peitao_domain::reference::ReferenceData;
use peitao_http::{AppState, HttpConfig};
use peitao_persistence::seed::demo::{self, DemoOutcome, DemoWorld};
use peitao_persistence::{Db, DbOptions, reference};
use tokio::sync::watch;

use crate::settings::Settings;
use crate::worker;

/// Connects to the configured database, migrates if configured, and loads the reference data
/// (an idempotent upsert), returning the copy read back from the database.
///
/// # Errors
/// Messages that name the setting to fix (`database.url` ...).
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<(Db, Arc<ReferenceData>)> {
    let options = DbOptions {
        max_connections: settings.database.max_connections,
        acquire_timeout: Duration::from_secs(settings.database.acquire_timeout_secs),
        ..DbOptions::default()
    };
    let db = Db::connect_with(&settings.database.url, &options).await?;
    if settings.database.migrate_on_start {
        db.migrate().await.context("applying database migrations")?;
    }
    let embedded = reference::embedded().context("reading the embedded reference data")?;
    reference::load(&db, &embedded)
        .await
        .context("loading reference data")?;
    let data = reference::read(&db)
        .await
        .context("reading reference data")?;
    Ok((db, Arc::new(data)))
}

/// What loading the demo world did, for printing.
#[derive(Debug)]
pub struct DemoReport {
    pub world: DemoWorld,
    pub outcome: DemoOutcome,
}

/// Loads the demo world into an empty database.
///
/// # Errors
/// If the demo file or the database refuses.
pub async fn load_demo(db: &Db, cost: HashCost) -> anyhow::Result<DemoReport> {
    let world = demo::embedded()?;
    let hash = password::hash(world.password.clone(), cost).await?;
    let outcome = demo::load(db, &world, &hash, chrono::Utc::now()).await?;
    Ok(DemoReport { world, outcome })
}

/// A bound, ready-to-run server plus the worker when configured.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    state: AppState,
    worker_interval: Option<Duration>,
}

impl Application {
    /// Builds everything `serve` runs. The listener is bound here, so `port()` is known before
    /// the server starts (port 0 picks a free one).
    ///
    /// # Errors
    /// Database or bind failures, with the setting named.
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let (db, reference) = prepare_database(settings).await?;
        Application::build_with(settings, db, reference)
    }

    /// As `build`, with a database already prepared (so `serve --demo` can seed first).
    ///
    /// # Errors
    /// Bind failures, with the address named.
    pub fn build_with(
        settings: &Settings,
        db: Db,
        reference: Arc<ReferenceData>,
    ) -> anyhow::Result<Application> {
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address)
            .with_context(|| format!("cannot listen on {address} (server.host, server.port)"))?;
        let port = listener.local_addr()?.port();
        let state = AppState {
            db,
            reference,
            config: Arc::new(HttpConfig {
                public_url: settings.server.public_url.clone(),
                body_limit_bytes: settings.server.body_limit_bytes,
                workers: settings.server.workers,
                shutdown_timeout: Duration::from_secs(settings.server.shutdown_timeout_secs),
            }),
        };
        let server = peitao_http::server(state.clone(), listener)?;
        let worker_interval = settings
            .worker
            .enabled
            .then(|| Duration::from_millis(settings.worker.poll_interval_ms));
        Ok(Application {
            port,
            server,
            state,
            worker_interval,
        })
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server gracefully (tests, and signal handling is built in).
    #[must_use]
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/Ctrl-C (or `handle().stop()`), letting in-flight requests finish,
    /// then stops the worker and closes the database pool.
    ///
    /// # Errors
    /// If the server fails while running.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = self
            .worker_interval
            .map(|interval| tokio::spawn(worker::run(self.state.db.clone(), interval, stop_rx)));
        let result = self.server.await;
        let _ = stop_tx.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        self.state.db.close().await;
        result
    }
}
