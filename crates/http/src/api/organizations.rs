//! /api/v1/organizations: the public directory and profiles, profile edits, certifications,
//! OEM plants, and staff verification and suspension. Thin: each handler calls `service::organizations`.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use peitao_domain::RegionCode;
use peitao_persistence::entities::{organization, organization_certification, plant};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::accounts::origin;
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};
use crate::service::organizations::{self as service, DirectoryQuery, Profile};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(directory)
        .service(profile)
        .service(update)
        .service(replace_certifications)
        .service(plants)
        .service(add_plant)
        .service(remove_plant)
        .service(verify)
        .service(suspend)
        .service(reinstate);
}

/// The region's own name (渝北区), if the code is in the reference data.
fn region_name(state: &AppState, code: &str) -> Option<String> {
    let code = RegionCode::parse(code).ok()?;
    state.reference.region(&code).map(|r| r.name.clone())
}

#[derive(Debug, Clone, Serialize)]
struct HeldBrief {
    code: String,
    expires_on: NaiveDate,
}

/// A directory entry: who and where, never contacts.
#[derive(Debug, Serialize)]
struct DirectoryItem {
    id: Uuid,
    kind: String,
    name: String,
    name_en: Option<String>,
    region_code: String,
    region_name: Option<String>,
    verified: bool,
    /// Only those unexpired today.
    certifications: Vec<HeldBrief>,
}

/// The public directory; no login needed. Suspended organizations are never listed.
#[get("/organizations")]
pub async fn directory(
    state: web::Data<AppState>,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::directory(&state, &query).await?;
    let mut held: HashMap<Uuid, Vec<HeldBrief>> = HashMap::new();
    for c in page.certifications {
        held.entry(c.organization_id).or_default().push(HeldBrief {
            code: c.certification_code,
            expires_on: c.expires_on,
        });
    }
    let body = page.page.map(|o: organization::Model| DirectoryItem {
        region_name: region_name(&state, &o.region_code),
        verified: o.verified_at.is_some(),
        certifications: held.get(&o.id).cloned().unwrap_or_default(),
        id: o.id,
        kind: o.kind,
        name: o.name,
        name_en: o.name_en,
        region_code: o.region_code,
    });
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Serialize)]
struct HeldBody {
    code: String,
    certificate_no: Option<String>,
    expires_on: NaiveDate,
    expired: bool,
}

fn held_body(c: organization_certification::Model, today: NaiveDate) -> HeldBody {
    HeldBody {
        expired: c.expires_on < today,
        code: c.certification_code,
        certificate_no: c.certificate_no,
        expires_on: c.expires_on,
    }
}

#[derive(Debug, Serialize)]
struct PlantBody {
    id: Uuid,
    name: String,
    name_en: Option<String>,
    region_code: String,
    region_name: Option<String>,
}

fn plant_body(state: &AppState, p: plant::Model) -> PlantBody {
    PlantBody {
        region_name: region_name(state, &p.region_code),
        id: p.id,
        name: p.name,
        name_en: p.name_en,
        region_code: p.region_code,
    }
}

/// A profile. Keys the viewer may not see are left out (not sent as null): `contact_email` and
/// `contact_phone` for anyone but members and staff, `suspension_reason` likewise.
#[derive(Debug, Serialize)]
struct ProfileBody {
    id: Uuid,
    kind: String,
    name: String,
    name_en: Option<String>,
    credit_code: String,
    region_code: String,
    region_name: Option<String>,
    address: Option<String>,
    website: Option<String>,
    description: Option<String>,
    description_en: Option<String>,
    size: Option<String>,
    founded_year: Option<i32>,
    verified: bool,
    verified_at: Option<DateTime<Utc>>,
    suspended: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    suspension_reason: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_email: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_phone: Option<Option<String>>,
    certifications: Vec<HeldBody>,
    /// An automaker's plants; always empty for a supplier.
    plants: Vec<PlantBody>,
}

fn profile_body(state: &AppState, p: Profile) -> ProfileBody {
    let o = p.organization;
    let today = p.today;
    ProfileBody {
        region_name: region_name(state, &o.region_code),
        verified: o.verified_at.is_some(),
        suspended: o.suspended_at.is_some(),
        suspension_reason: p.insider.then_some(o.suspension_reason),
        contact_email: p.show_contact.then_some(o.contact_email),
        contact_phone: p.show_contact.then_some(o.contact_phone),
        certifications: p
            .certifications
            .into_iter()
            .map(|c| held_body(c, today))
            .collect(),
        plants: p
            .plants
            .into_iter()
            .map(|pl| plant_body(state, pl))
            .collect(),
        id: o.id,
        kind: o.kind,
        name: o.name,
        name_en: o.name_en,
        credit_code: o.credit_code,
        region_code: o.region_code,
        address: o.address,
        website: o.website,
        description: o.description,
        description_en: o.description_en,
        size: o.size,
        founded_year: o.founded_year,
        verified_at: o.verified_at,
    }
}

#[derive(Debug, Deserialize)]
pub struct OrgPath {
    id: Uuid,
}

/// The profile; no login needed. An invalid or expired token is read as anonymous.
#[get("/organizations/{id}")]
pub async fn profile(
    state: web::Data<AppState>,
    viewer: Option<AuthUser>,
    path: web::Path<OrgPath>,
) -> Result<HttpResponse, ApiError> {
    let p = service::profile(&state, viewer.as_ref(), path.id).await?;
    let private = p.show_contact || p.insider;
    let mut res = HttpResponse::Ok();
    if private {
        res.insert_header((header::CACHE_CONTROL, "private, no-store"));
    }
    Ok(res.json(profile_body(&state, p)))
}

/// Members (and staff) change the profile; the answer is the profile as they now see it.
#[patch("/organizations/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let p = service::update(&state, &user, path.id, &body, &origin(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(profile_body(&state, p)))
}

/// Replaces the held certifications; answers the new set, each with `expired`.
#[put("/organizations/{id}/certifications")]
pub async fn replace_certifications(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let rows =
        service::replace_certifications(&state, &user, path.id, &body, &origin(&req, &state))
            .await?;
    let today = service::today();
    let items: Vec<HeldBody> = rows.into_iter().map(|c| held_body(c, today)).collect();
    Ok(HttpResponse::Ok().json(items))
}

/// An automaker's plants (public, like the profile); empty for a supplier.
#[get("/organizations/{id}/plants")]
pub async fn plants(
    state: web::Data<AppState>,
    viewer: Option<AuthUser>,
    path: web::Path<OrgPath>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::plants(&state, viewer.as_ref(), path.id).await?;
    let items: Vec<PlantBody> = rows.into_iter().map(|p| plant_body(&state, p)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": items, "next_cursor": null})))
}

/// 201 with the plant and its address in `Location`.
#[post("/organizations/{id}/plants")]
pub async fn add_plant(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let plant = service::add_plant(&state, &user, path.id, &body, &origin(&req, &state)).await?;
    let location = format!("/api/v1/organizations/{}/plants/{}", path.id, plant.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(plant_body(&state, plant)))
}

#[derive(Debug, Deserialize)]
pub struct PlantPath {
    id: Uuid,
    plant_id: Uuid,
}

#[delete("/organizations/{id}/plants/{plant_id}")]
pub async fn remove_plant(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<PlantPath>,
) -> Result<HttpResponse, ApiError> {
    service::remove_plant(&state, &user, path.id, path.plant_id, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Staff: the verified badge. 204, also when it was verified already.
#[post("/organizations/{id}/verify")]
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
) -> Result<HttpResponse, ApiError> {
    service::verify(&state, &user, path.id, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Staff: suspend with a reason. 204, also when it was suspended already.
#[post("/organizations/{id}/suspend")]
pub async fn suspend(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    service::suspend(&state, &user, path.id, &body, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Staff: lift a suspension; the body `{reason?}` may be left out. 204, also when not suspended.
#[post("/organizations/{id}/reinstate")]
pub async fn reinstate(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<OrgPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: Option<serde_json::Value> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(serde_json::from_slice(&body).map_err(|_| {
            ApiError::BadRequest(Text::fixed(
                "请求内容不是有效的 JSON。",
                "The body is not valid JSON.",
            ))
        })?)
    };
    service::reinstate(&state, &user, path.id, body.as_ref(), &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}
