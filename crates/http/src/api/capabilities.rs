//! /api/v1/capabilities: suppliers post what they can make; anyone browses what is published.
//! Thin: each handler reads its input and calls `service::capabilities`.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use peitao_persistence::capabilities::{Listed, strings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::accounts::origin;
use super::page::Page;
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::capabilities::{self, CapabilityChanges, ListQuery, NewCapability};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(read)
        .service(update)
        .service(archive);
}

#[derive(OpenApi)]
#[openapi(paths(create, list, read, update, archive))]
pub struct ApiDoc;

/// The organization behind a capability, as much as anyone may know.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CapabilityOrganization)]
pub struct OrganizationRef {
    pub id: Uuid,
    pub name: String,
    pub verified: bool,
}

/// A capability as clients see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Capability)]
pub struct CapabilityBody {
    pub id: Uuid,
    pub organization: OrganizationRef,
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub products: Vec<String>,
    pub processes: Vec<String>,
    pub annual_capacity: Option<i64>,
    pub unit: Option<String>,
    pub min_order_qty: Option<i64>,
    pub lead_time_days: Option<i32>,
    pub served_region_codes: Vec<String>,
    /// `published`, `draft` or `archived`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Listed> for CapabilityBody {
    fn from(
        Listed {
            capability: c,
            organization: o,
        }: Listed,
    ) -> Self {
        CapabilityBody {
            id: c.id,
            organization: OrganizationRef {
                id: o.id,
                name: o.name,
                verified: o.verified_at.is_some(),
            },
            products: strings(&c.products),
            processes: strings(&c.processes),
            served_region_codes: strings(&c.served_region_codes),
            category_code: c.category_code,
            title: c.title,
            description: c.description,
            annual_capacity: c.annual_capacity,
            unit: c.unit,
            min_order_qty: c.min_order_qty,
            lead_time_days: c.lead_time_days,
            status: c.status,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// The caller when a token is sent (a bad one is 401, so clients refresh); anonymous otherwise.
async fn caller(req: &HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        AuthUser::extract(req).await.map(Some)
    } else {
        Ok(None)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CapabilityPath {
    /// The capability's id.
    id: Uuid,
}

/// 201 with the capability; published unless the body says `"status": "draft"`.
#[utoipa::path(
    tag = "capabilities",
    summary = "A supplier posts a capability · 发布能力",
    description = "Published unless the body says `\"status\": \"draft\"`. Needs a verified email.",
    responses((status = 201, description = "The capability; its address in `Location`", body = CapabilityBody)),
    security(("bearer" = []))
)]
#[post("/capabilities")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewCapability>,
) -> Result<HttpResponse, ApiError> {
    let listed =
        capabilities::create(&state, &user, body.into_inner(), &origin(&req, &state)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/capabilities/{}", listed.capability.id),
        ))
        .json(CapabilityBody::from(listed)))
}

/// Published capabilities of organizations in good standing, newest first, paged.
#[utoipa::path(
    tag = "capabilities",
    summary = "Published capabilities, newest first (or ranked by `q`) · 能力目录",
    params(ListQuery),
    responses((status = 200, description = "One page", body = Page<CapabilityBody>)),
    security((), ("bearer" = []))
)]
#[get("/capabilities")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = caller(&req).await?;
    let query = query.into_inner();
    if !query.lists_published() {
        return Ok(HttpResponse::Ok().json(body(
            capabilities::list(&state, user.as_ref(), &query).await?,
        )));
    }
    // The published directory is the same for every caller: its pages are kept briefly, by
    // their parsed query (see `service::recent`).
    let key = format!("{query:?}");
    let pages = state.pages.directory.clone();
    let state = state.into_inner();
    let page = pages
        .read_through(key, || async move {
            let page = capabilities::list(&state, None, &query).await?;
            serde_json::to_vec(&body(page))
                .map(Bytes::from)
                .map_err(|_| ApiError::Internal)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(Bytes::clone(&page)))
}

fn body(page: Page<Listed>) -> Page<CapabilityBody> {
    Page {
        items: page.items.into_iter().map(CapabilityBody::from).collect(),
        next_cursor: page.next_cursor,
    }
}

#[utoipa::path(
    tag = "capabilities",
    summary = "One capability · 能力详情",
    params(CapabilityPath),
    responses((status = 200, description = "The capability", body = CapabilityBody)),
    security((), ("bearer" = []))
)]
#[get("/capabilities/{id}")]
pub async fn read(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<CapabilityPath>,
) -> Result<HttpResponse, ApiError> {
    let user = caller(&req).await?;
    let listed = capabilities::get(&state, user.as_ref(), path.id).await?;
    Ok(HttpResponse::Ok().json(CapabilityBody::from(listed)))
}

#[utoipa::path(
    tag = "capabilities",
    summary = "Change a capability · 修改能力",
    params(CapabilityPath),
    responses((status = 200, description = "The capability as it now is", body = CapabilityBody)),
    security(("bearer" = []))
)]
#[patch("/capabilities/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<CapabilityPath>,
    body: web::Json<CapabilityChanges>,
) -> Result<HttpResponse, ApiError> {
    let listed = capabilities::update(
        &state,
        &user,
        path.id,
        body.into_inner(),
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CapabilityBody::from(listed)))
}

/// Archives the capability (204), also when it already was.
#[utoipa::path(
    tag = "capabilities",
    summary = "Archive a capability · 下架能力",
    params(CapabilityPath),
    responses((status = 204, description = "Archived (also when it already was)")),
    security(("bearer" = []))
)]
#[delete("/capabilities/{id}")]
pub async fn archive(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<CapabilityPath>,
) -> Result<HttpResponse, ApiError> {
    capabilities::archive(&state, &user, path.id, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}
