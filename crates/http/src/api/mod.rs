//! The JSON API under /api/v1 (../shared/api.md is the contract).
//! Each module registers its own routes; handlers stay short and ask the lower crates.

use actix_web::web;

mod reference;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .service(reference::categories)
            .service(reference::regions)
            .service(reference::zones)
            .service(reference::certifications),
    );
}
