//! Cross-cutting request handling: problems rendered in the caller's language (and every bare
//! error status turned into one), request ids echoed to the client, and request metrics.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing_actix_web::RequestId;

use crate::error::ApiError;
use crate::locale::request_locale;

/// Renders `ApiError`s in the request's language, and gives any other error status that has no
/// document of its own (actix's 404/405, a panic's 500) a problem+json body.
pub async fn localize_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let locale = request_locale(req.request());
    let res = next.call(req).await?;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res.map_into_boxed_body());
    }
    let api_error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .cloned();
    let has_document = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.starts_with("text/html") || ct.starts_with("application/problem+json")
        });
    let problem = match api_error {
        Some(e) => e,
        None if has_document => return Ok(res.map_into_boxed_body()),
        None => ApiError::for_status(status),
    };
    let (req, old) = res.into_parts();
    let mut fresh = problem.to_response(locale);
    // Keep headers set on the way out (request id, security headers added later are fine too).
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && !fresh.headers().contains_key(name)
        {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, fresh).map_into_boxed_body())
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Echoes the request id that tracing-actix-web put on the request's log span, so a person
/// reporting a problem can quote it.
pub async fn echo_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let mut res = next.call(req).await?;
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut().insert(REQUEST_ID.clone(), id);
    }
    Ok(res)
}

/// Counts requests and times them by route pattern (not raw path, which would explode the
/// label set), method and status.
pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let labels = [
        ("method", method),
        ("route", route),
        ("status", res.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}
