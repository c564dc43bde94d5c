//! Start-up: connect, migrate, load reference data, build the app state and bind the server.
//! `main` and the black-box tests both go through `Application::build`.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use peitao_auth::keys::KeySet;
use peitao_auth::password::{self, HashCost};
use peitao_domain::reference::ReferenceData;
use peitao_http::service::digest::DigestSchedule;
use peitao_http::service::matching::Matcher;
use peitao_http::service::search::Search;
use peitao_http::{AppState, AuthConfig, HttpConfig};
use peitao_notify::{Transport, TransportConfig, TransportKind};
use peitao_persistence::blobs::{Blobs, FsBlobStore, S3BlobStore};
use peitao_persistence::seed::demo::{self, DemoOutcome, DemoWorld};
use peitao_persistence::{Db, DbOptions, reference};
use tokio::sync::watch;

use crate::delivery::{Backoff, DeliveryConfig, host_of};
use crate::settings::{AttachmentStore, HashCostSetting, MailTransport, Settings};
use crate::worker::Worker;

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

/// The state every handler and the worker share, from the settings.
///
/// # Errors
/// Bad signing keys (named by their setting).
pub async fn app_state(
    settings: &Settings,
    db: Db,
    reference: Arc<ReferenceData>,
) -> anyhow::Result<AppState> {
    let matcher = Matcher::load(
        &db,
        &reference,
        settings.matcher.rules(),
        settings.matcher.top_k,
    )
    .await
    .context("building the matching index")?;
    let search = Search::load(&db)
        .await
        .context("building the search indexes")?;
    state_with(settings, db, reference, matcher, search)
}

/// The state of a `peitao worker` process: as [`app_state`] but with empty matching and search
/// indexes. No worker job ranks or searches, so building them (as large as a server's, and as slow
/// to read) only cost every worker memory and start-up time, and they were never refreshed.
///
/// # Errors
/// Bad signing keys (named by their setting).
pub fn worker_state(
    settings: &Settings,
    db: Db,
    reference: Arc<ReferenceData>,
) -> anyhow::Result<AppState> {
    let matcher = Matcher::empty(&reference, settings.matcher.rules(), settings.matcher.top_k);
    state_with(settings, db, reference, matcher, Search::default())
}

fn state_with(
    settings: &Settings,
    db: Db,
    reference: Arc<ReferenceData>,
    matcher: Matcher,
    search: Search,
) -> anyhow::Result<AppState> {
    password::limit_hashing(settings.auth.hashing_threads);
    let keys = KeySet::new(
        &settings.auth.jwt_secret,
        &settings.auth.jwt_previous_secrets,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(AppState {
        db,
        reference,
        matcher: Arc::new(matcher),
        accounts: Arc::default(),
        search: Arc::new(search),
        keys: Arc::new(keys),
        blobs: Arc::new(blob_store(settings)?),
        pages: peitao_http::service::recent::Pages::default(),
        config: Arc::new(HttpConfig {
            public_url: settings.server.public_url.clone(),
            body_limit_bytes: settings.server.body_limit_bytes,
            import_limit_bytes: settings.server.import_limit_bytes,
            workers: settings.server.workers,
            shutdown_timeout: Duration::from_secs(settings.server.shutdown_timeout_secs),
            trust_forwarded_for: settings.server.trust_forwarded_for,
            attachment_max_bytes: settings.attachments.max_bytes,
            auth: AuthConfig {
                issuer: settings.auth.issuer.clone(),
                access_ttl: Duration::from_secs(u64::from(settings.auth.access_token_minutes) * 60),
                refresh_ttl: Duration::from_secs(
                    u64::from(settings.auth.refresh_token_days) * 24 * 3600,
                ),
                hash_cost: hash_cost(settings),
                login_max_failures: settings.auth.login_max_failures,
                login_window: Duration::from_secs(
                    u64::from(settings.auth.login_window_minutes) * 60,
                ),
                ip_max_requests: settings.auth.ip_max_requests,
            },
        }),
    })
}

/// The attachment store the settings choose. Nothing is sent to an S3 store here, so start-up
/// does not wait for it; an unreachable store shows as 503 on uploads and downloads.
///
/// # Errors
/// An S3 configuration the client refuses, named by its section.
pub fn blob_store(settings: &Settings) -> anyhow::Result<Blobs> {
    let attachments = &settings.attachments;
    Ok(match attachments.store {
        AttachmentStore::Fs => {
            tracing::info!(dir = %attachments.dir.display(), "attachments in a folder");
            Blobs::Fs(FsBlobStore::new(attachments.dir.clone()))
        }
        AttachmentStore::S3 => {
            let s3 = &attachments.s3;
            let store = S3BlobStore::new(&s3.config()).context("attachments.s3")?;
            tracing::info!(
                endpoint = %s3.endpoint,
                bucket = %s3.bucket,
                prefix = %s3.prefix,
                "attachments in an S3-compatible bucket"
            );
            Blobs::S3(store)
        }
    })
}

/// The argon2 cost the settings ask for.
#[must_use]
pub fn hash_cost(settings: &Settings) -> HashCost {
    match settings.auth.password_hash_cost {
        HashCostSetting::Owasp => HashCost::Owasp,
        HashCostSetting::Fast => HashCost::Fast,
    }
}

/// The background worker as configured: mail delivery, digests, expiring needs.
///
/// # Errors
/// A mail transport that cannot be built (named by its setting).
pub fn build_worker(settings: &Settings, state: AppState) -> anyhow::Result<Worker> {
    let transport = Transport::from_config(&TransportConfig {
        kind: match settings.mail.transport {
            MailTransport::Smtp => TransportKind::Smtp,
            MailTransport::File => TransportKind::File,
            MailTransport::Log => TransportKind::Log,
        },
        smtp_url: settings.mail.smtp_url.clone(),
        file_dir: settings.mail.file_dir.clone(),
        timeout: Duration::from_secs(settings.mail.smtp_timeout_secs),
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let zone = settings
        .mail
        .digest_timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("mail.digest_timezone is not a time zone"))?;
    Ok(Worker {
        state,
        transport: Arc::new(transport),
        delivery: DeliveryConfig {
            from: settings.mail.from.clone(),
            message_id_domain: host_of(&settings.server.public_url),
            max_attempts: settings.mail.max_attempts,
            batch: settings.worker.mail_batch,
            lease: Duration::from_secs(settings.worker.lease_secs),
            concurrency: settings.worker.mail_concurrency,
            backoff: Backoff {
                base: Duration::from_millis(settings.mail.retry_base_ms),
                cap: Duration::from_secs(settings.mail.retry_max_secs),
            },
        },
        digest: DigestSchedule {
            hour: settings.mail.digest_hour,
            zone,
        },
        interval: Duration::from_millis(settings.worker.poll_interval_ms),
        name: format!("{}-{}", host_name(), uuid::Uuid::new_v4().simple()),
        auto_approve: settings.moderation.auto_approve_verified,
    })
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
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

/// Keeps this instance's matching index level with changes other instances make.
async fn refresh_matcher(state: AppState, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) =
            peitao_http::service::matching::rematch_after_refresh(&state.db, &state.matcher).await
        {
            tracing::warn!(error = %e, "refreshing the matching index failed; trying again later");
        }
        if let Err(e) = state.search.refresh(&state.db).await {
            tracing::warn!(error = %e, "refreshing the search indexes failed; trying again later");
        }
    }
}

/// A bound, ready-to-run server plus the worker when configured.
pub struct Application {
    port: u16,
    matcher_refresh: Duration,
    server: actix_web::dev::Server,
    state: AppState,
    worker: Option<Worker>,
}

impl Application {
    /// Builds everything `serve` runs. The listener is bound here, so `port()` is known before
    /// the server starts (port 0 picks a free one).
    ///
    /// # Errors
    /// Database or bind failures, with the setting named.
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let (db, reference) = prepare_database(settings).await?;
        Application::build_with(settings, db, reference).await
    }

    /// As `build`, with a database already prepared (so `serve --demo` can seed first).
    ///
    /// # Errors
    /// Bind failures, with the address named.
    pub async fn build_with(
        settings: &Settings,
        db: Db,
        reference: Arc<ReferenceData>,
    ) -> anyhow::Result<Application> {
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address)
            .with_context(|| format!("cannot listen on {address} (server.host, server.port)"))?;
        let port = listener.local_addr()?.port();
        let state = app_state(settings, db, reference).await?;
        let server = peitao_http::server(state.clone(), listener)?;
        let worker = if settings.worker.enabled {
            Some(build_worker(settings, state.clone())?)
        } else {
            None
        };
        Ok(Application {
            port,
            matcher_refresh: Duration::from_secs(settings.matcher.refresh_secs),
            server,
            state,
            worker,
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
        let refresher = tokio::spawn(refresh_matcher(
            self.state.clone(),
            self.matcher_refresh,
            stop_rx.clone(),
        ));
        let worker = self.worker.map(|w| tokio::spawn(w.run(stop_rx)));
        let result = self.server.await;
        let _ = stop_tx.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        let _ = refresher.await;
        self.state.db.close().await;
        result
    }
}
