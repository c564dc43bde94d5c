//! /api/v1/organizations: the public directory and profiles, profile edits, certifications,
//! OEM plants, and staff verification and suspension. Thin: each handler calls `service::organizations`.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use peitao_domain::RegionCode;
use peitao_persistence::entities::{organization, organization_certification, plant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::accounts::origin;
use super::page::Page;
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

#[derive(OpenApi)]
#[openapi(paths(
    directory,
    profile,
    update,
    replace_certifications,
    plants,
    add_plant,
    remove_plant,
    verify,
    suspend,
    reinstate
))]
pub struct ApiDoc;

/// The region's own name (渝北区), if the code is in the reference data.
fn region_name(state: &AppState, code: &str) -> Option<String> {
    let code = RegionCode::parse(code).ok()?;
    state.reference.region(&code).map(|r| r.name.clone())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
struct HeldBrief {
    code: String,
    expires_on: NaiveDate,
}

/// A directory entry: who and where, never contacts.
#[derive(Debug, Serialize, ToSchema)]
struct DirectoryItem {
    id: Uuid,
    /// `supplier` or `oem`.
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
#[utoipa::path(
    tag = "organizations",
    summary = "The public directory of organizations · 企业名录",
    description = "No login needed. Suspended organizations are never listed; contacts never shown.",
    params(DirectoryQuery),
    responses((status = 200, description = "One page of the directory", body = Page<DirectoryItem>))
)]
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

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HeldCertification)]
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

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Plant)]
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Profile)]
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
    /// Members and staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    suspension_reason: Option<Option<String>>,
    /// Members, staff, and a party with mutual interest only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    contact_email: Option<Option<String>>,
    /// As `contact_email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
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

/// `PATCH /organizations/{id}`: the fields that change (`null` clears an optional one).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ProfileChanges {
    /// 2 to 200 characters; cannot be cleared.
    #[schema(
        nullable = false,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 200
    )]
    name: Option<String>,
    /// Blank or `null` clears it; otherwise 2 to 200 characters.
    #[schema(
        pattern = r"^(\s*|[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*)$",
        max_length = 200
    )]
    name_en: Option<String>,
    /// A 6-digit region code of a city or district; cannot be cleared.
    #[schema(nullable = false, pattern = r"^(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4}$")]
    region_code: Option<String>,
    /// Blank or `null` clears it.
    #[schema(
        pattern = r"^(\s*|[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*)$",
        max_length = 300
    )]
    address: Option<String>,
    /// Blank or `null` clears it; line breaks and tabs are fine.
    #[schema(
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$",
        max_length = 10000
    )]
    description: Option<String>,
    /// As `description`.
    #[schema(
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$",
        max_length = 10000
    )]
    description_en: Option<String>,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    /// An `http://` or `https://` address (the server checks its form: 422 `website.invalid`).
    #[schema(max_length = 300)]
    website: Option<String>,
    /// `small`, `medium` or `large`; blank or `null` clears it.
    #[schema(pattern = r"^\s*(small|medium|large)?\s*$")]
    size: Option<String>,
    /// From 1900 to the current year (a year to come is a 422 `founded_year.future`).
    #[schema(minimum = 1900)]
    founded_year: Option<i32>,
}

/// One held certification, as sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct HeldInput {
    /// A code from GET /api/v1/certifications (an unknown one is a 422), each once.
    code: String,
    /// Blank or `null` for none; one line, at most 100 characters.
    #[schema(
        pattern = r"^(\s*|[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*)$",
        max_length = 100
    )]
    certificate_no: Option<String>,
    /// A day in the years 1900 to 2200.
    #[schema(pattern = "^(19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    expires_on: NaiveDate,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NewPlantInput {
    /// 2 to 200 characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 200
    )]
    name: String,
    /// Blank or `null` for none; otherwise 2 to 200 characters.
    #[schema(
        pattern = r"^(\s*|[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*)$",
        max_length = 200
    )]
    name_en: Option<String>,
    /// A 6-digit region code of a city or district.
    #[schema(pattern = r"^(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4}$")]
    region_code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ReasonInput {
    /// Line breaks and tabs are fine; other control characters are refused.
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$",
        max_length = 1000
    )]
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct OptionalReasonInput {
    /// Blank is the same as none; line breaks and tabs are fine.
    #[schema(
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$",
        max_length = 1000
    )]
    reason: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct PlantList {
    items: Vec<PlantBody>,
    /// Always null: the list comes whole.
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OrgPath {
    /// The organization's id.
    id: Uuid,
}

/// The profile; no login needed. An invalid or expired token is read as anonymous.
#[utoipa::path(
    tag = "organizations",
    summary = "An organization's profile · 企业资料",
    description = "Contacts (`contact_email`, `contact_phone`) only for its members, staff, or a party \
with mutual interest; `suspension_reason` only for members and staff. Keys a viewer may not see are \
left out. A bad or expired token is read as anonymous.",
    params(OrgPath),
    responses((status = 200, description = "The profile", body = ProfileBody)),
    security((), ("bearer" = []))
)]
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
#[utoipa::path(
    tag = "organizations",
    summary = "Members change the profile · 修改企业资料",
    description = "Only the fields sent change; `null` clears an optional one. Unknown fields are refused.",
    params(OrgPath),
    request_body = ProfileChanges,
    responses((status = 200, description = "The profile as the caller now sees it", body = ProfileBody)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "organizations",
    summary = "Replace the held certifications · 更新资质",
    params(OrgPath),
    request_body = Vec<HeldInput>,
    responses((status = 200, description = "The new set, each with `expired`", body = [HeldBody])),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "organizations",
    summary = "An automaker's plants · 主机厂工厂",
    params(OrgPath),
    responses((status = 200, description = "Every plant (empty for a supplier)", body = PlantList)),
    security((), ("bearer" = []))
)]
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
#[utoipa::path(
    tag = "organizations",
    summary = "Add a plant · 添加工厂",
    params(OrgPath),
    request_body = NewPlantInput,
    responses((status = 201, description = "The plant; its address in `Location`", body = PlantBody)),
    security(("bearer" = []))
)]
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlantPath {
    /// The organization's id.
    id: Uuid,
    /// The plant's id.
    plant_id: Uuid,
}

#[utoipa::path(
    tag = "organizations",
    summary = "Remove a plant · 删除工厂",
    params(PlantPath),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "organizations",
    summary = "Staff: give the verified badge · 核验企业",
    params(OrgPath),
    responses((status = 204, description = "Verified (also when it already was)")),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "organizations",
    summary = "Staff: suspend with a reason · 停用企业",
    params(OrgPath),
    request_body = ReasonInput,
    responses((status = 204, description = "Suspended (also when it already was)")),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "organizations",
    summary = "Staff: lift a suspension · 恢复企业",
    description = "The body `{reason?}` may be left out.",
    params(OrgPath),
    request_body = Option<OptionalReasonInput>,
    responses((status = 204, description = "Reinstated (also when it was not suspended)")),
    security(("bearer" = []))
)]
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
