//! The JSON API under /api/v1 (../shared/api.md is the contract).
//! Each module registers its own routes; handlers stay short and ask the services.

use actix_web::web;
use utoipa::OpenApi as _;

pub mod accounts;
pub mod analytics;
mod attachments;
mod capabilities;
pub mod csv_download;
pub mod desk;
mod lifecycle;
pub mod match_body;
mod matches;
mod members;
mod needs;
mod notifications;
mod organizations;
pub mod page;
mod reference;
mod staff;

/// `import_limit` is the body limit of the roster import route (larger than the app's).
pub fn configure(cfg: &mut web::ServiceConfig, import_limit: usize) {
    cfg.service(
        web::scope("/api/v1")
            .service(crate::openapi::spec)
            .service(reference::categories)
            .service(reference::regions)
            .service(reference::zones)
            .service(reference::certifications)
            .service(accounts::register)
            .service(accounts::verify_email)
            .service(accounts::resend_verification)
            .service(accounts::login)
            .service(accounts::refresh)
            .service(accounts::logout)
            .service(accounts::password_reset)
            .service(accounts::password_reset_confirm)
            .service(accounts::me)
            .service(accounts::update_me)
            .service(accounts::change_password)
            .service(notifications::list)
            .service(notifications::mark_all_read)
            .service(notifications::mark_read)
            .service(members::list)
            .service(members::invite)
            .service(members::remove)
            .service(members::accept)
            .service(members::deactivate)
            .service(members::create_staff)
            .service(staff::audit_log)
            .service(staff::dead_mail)
            .service(staff::retry_mail)
            .configure(organizations::routes)
            .configure(capabilities::routes)
            .configure(needs::routes)
            .configure(matches::routes)
            .configure(lifecycle::routes)
            .configure(attachments::routes)
            .configure(analytics::routes)
            .configure(|cfg| desk::routes(cfg, import_limit)),
    );
}

/// The operations of every module (paths relative to /api/v1); `crate::openapi` completes it.
/// A module's `ApiDoc` lists its handlers next to its routes, so the two are read together.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = OpenV1::openapi();
    for part in [
        reference::ApiDoc::openapi(),
        accounts::ApiDoc::openapi(),
        notifications::ApiDoc::openapi(),
        members::ApiDoc::openapi(),
        staff::ApiDoc::openapi(),
        organizations::ApiDoc::openapi(),
        capabilities::ApiDoc::openapi(),
        needs::ApiDoc::openapi(),
        matches::ApiDoc::openapi(),
        lifecycle::ApiDoc::openapi(),
        attachments::ApiDoc::openapi(),
        analytics::ApiDoc::openapi(),
        desk::ApiDoc::openapi(),
    ] {
        doc.merge(part);
    }
    doc.paths.merge(desk::import_operation());
    doc
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(crate::openapi::spec))]
struct OpenV1;
