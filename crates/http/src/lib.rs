//! The HTTP face of Peitao: the JSON API, the server-rendered pages and the operational endpoints.
//! Wiring only: handlers parse, ask the lower crates, and answer; business rules live below.

pub mod accounts_cache;
pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod locale;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod service;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web as aweb};
use peitao_auth::keys::KeySet;
use peitao_auth::password::HashCost;
use peitao_domain::reference::ReferenceData;
use peitao_persistence::Db;
use peitao_persistence::blobs::Blobs;
use tracing_actix_web::TracingLogger;

use crate::error::ApiError;

/// Settings the HTTP layer needs, taken from the binary's `Settings`.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// How the platform is reached from outside (links in mails and pages).
    pub public_url: String,
    pub body_limit_bytes: usize,
    /// Largest roster upload (the import routes only).
    pub import_limit_bytes: usize,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    pub shutdown_timeout: Duration,
    /// Use the first `X-Forwarded-For` address as the client's (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub auth: AuthConfig,
    /// Largest attachment accepted, in bytes (`attachments.max_bytes`).
    pub attachment_max_bytes: usize,
}

/// Token lifetimes, hashing cost and limits, from `auth.*`.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub issuer: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub hash_cost: HashCost,
    pub login_max_failures: u32,
    pub login_window: Duration,
    pub ip_max_requests: u32,
}

/// What every handler may reach. Cheap to clone: everything inside is shared.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub reference: Arc<ReferenceData>,
    pub config: Arc<HttpConfig>,
    /// Keys that sign and verify tokens (current plus those still honoured after a rotation).
    pub keys: Arc<KeySet>,
    /// Accounts as authentication last read them (one second at most).
    pub accounts: Arc<accounts_cache::AccountCache>,
    /// The matching index of this process, shared by every request and the worker.
    pub matcher: Arc<service::matching::Matcher>,
    /// The search indexes of this process (`q=` on the lists).
    pub search: Arc<service::search::Search>,
    /// Where attachment bytes are kept: a folder or an S3-compatible bucket.
    pub blobs: Arc<Blobs>,
    /// Hot pages kept briefly in memory (`service::recent`).
    pub pages: service::recent::Pages,
}

/// No script or style from anywhere but ourselves, no framing, no inline code, no `<base>`.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
     object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Sent when the platform is reached over https: browsers then refuse plain http to it (and its
/// subdomains) for a year.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The application: routes, extractor configuration and middleware. `main` and the tests both
/// build the server from this, so what tests see is what users get.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let body_limit = state.config.body_limit_bytes;
    let import_limit = state.config.import_limit_bytes;
    let mut security_headers = DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"));
    if state.config.public_url.starts_with("https://") {
        security_headers =
            security_headers.add((header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY));
    }
    App::new()
        .app_data(aweb::Data::new(state))
        .app_data(extract::json_config(body_limit))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .app_data(aweb::PayloadConfig::new(body_limit))
        .service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .configure(move |cfg| api::configure(cfg, import_limit))
        .configure(openapi::configure_docs)
        .configure(web::configure)
        .default_service(aweb::to(not_found))
        .wrap(from_fn(middleware::localize_problems))
        .wrap(security_headers)
        .wrap(Compress::default())
        .wrap(from_fn(middleware::record_metrics))
        .wrap(from_fn(middleware::echo_request_id))
        .wrap(TracingLogger::default())
}

/// Unknown paths: a problem for API clients, the 404 page for people. An API path that exists
/// with other methods (the OpenAPI document says which) is a 405 naming them in `Allow`.
async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(allowed) = openapi::allowed_methods(req.path()) {
        let mut res = ApiError::MethodNotAllowed.to_response(locale::request_locale(&req));
        if let Ok(value) = header::HeaderValue::from_str(&allowed) {
            res.headers_mut().insert(header::ALLOW, value);
        }
        return Ok(res);
    }
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && !req.path().starts_with("/api/") {
        Ok(web::not_found_handler(req).await)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Binds the server to an already-open listener (port 0 in tests), ready to be awaited.
/// SIGTERM and Ctrl-C stop accepting and let in-flight requests finish within the timeout.
///
/// # Errors
/// If the listener cannot be used.
pub fn server(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    let workers = state.config.workers;
    let shutdown = state.config.shutdown_timeout;
    ops::metrics_handle();
    let mut server = HttpServer::new(move || app(state.clone()))
        .shutdown_timeout(shutdown.as_secs())
        .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.run())
}
