//! /api/v1/needs: automakers' procurement needs (post, directory, one, edit, revisions, close).
//! Thin: each handler reads its input and calls `service::needs`, which also says who sees what.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::api::accounts::origin;
use crate::api::page::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::needs::{self, NeedChanges, NeedQuery, NeedView, NewNeed};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(one)
        .service(edit)
        .service(revisions)
        .service(close);
}

/// The caller when a token is sent, `None` when none is: the directory is public. A token that
/// is sent but not valid is a 401, never silently anonymous.
async fn viewer(req: &HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        Ok(Some(AuthUser::extract(req).await?))
    } else {
        Ok(None)
    }
}

#[derive(Debug, Serialize)]
struct OrganizationRef {
    id: Uuid,
    name: String,
    verified: bool,
}

#[derive(Debug, Serialize)]
struct PlantRef {
    id: Uuid,
    name: String,
}

/// A need as clients see it. `target_price` is present (possibly null) only for the owner's
/// members and staff, and absent for everyone else.
#[derive(Debug, Serialize)]
struct NeedBody {
    id: Uuid,
    organization: OrganizationRef,
    category_code: String,
    title: String,
    description: String,
    delivery_region_code: String,
    plant: Option<PlantRef>,
    annual_volume: Option<i64>,
    unit: Option<String>,
    sop_date: Option<NaiveDate>,
    respond_by: Option<NaiveDate>,
    required_certifications: Vec<String>,
    status: String,
    /// How many times the need was edited.
    revision: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_price: Option<Option<String>>,
}

impl From<NeedView> for NeedBody {
    fn from(v: NeedView) -> Self {
        let (n, o) = (v.row.need, v.row.organization);
        NeedBody {
            id: n.id,
            organization: OrganizationRef {
                id: o.id,
                name: o.name,
                verified: o.verified_at.is_some(),
            },
            plant: n
                .plant_id
                .zip(v.row.plant_name)
                .map(|(id, name)| PlantRef { id, name }),
            required_certifications: serde_json::from_str(&n.required_certifications)
                .unwrap_or_default(),
            target_price: v.shows_price.then_some(n.target_price),
            category_code: n.category_code,
            title: n.title,
            description: n.description,
            delivery_region_code: n.delivery_region_code,
            annual_volume: n.annual_volume,
            unit: n.unit,
            sop_date: n.sop_date,
            respond_by: n.respond_by,
            status: n.status,
            revision: v.row.revision,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

#[post("/needs")]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewNeed>,
) -> Result<HttpResponse, ApiError> {
    let need = needs::create(&state, &user, body.into_inner(), &origin(&req, &state)).await?;
    let body = NeedBody::from(need);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/needs/{}", body.id)))
        .json(body))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(flatten)]
    filters: NeedQuery,
    limit: Option<String>,
    cursor: Option<String>,
}

#[get("/needs")]
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&req).await?;
    let ListQuery {
        filters,
        limit,
        cursor,
    } = query.into_inner();
    let page = needs::list(
        &state,
        viewer.as_ref(),
        &filters,
        PageQuery { limit, cursor },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page.map(NeedBody::from)))
}

#[get("/needs/{id}")]
async fn one(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&req).await?;
    let need = needs::get(&state, viewer.as_ref(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(NeedBody::from(need)))
}

#[patch("/needs/{id}")]
async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<NeedChanges>,
) -> Result<HttpResponse, ApiError> {
    let need = needs::edit(
        &state,
        &user,
        id.into_inner(),
        body.into_inner(),
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(NeedBody::from(need)))
}

#[derive(Debug, Serialize)]
struct RevisionBody {
    id: Uuid,
    /// The need's revision this snapshot shows (0: as first posted).
    revision: i32,
    /// Who made the edit that replaced this version.
    changed_by: Option<Uuid>,
    /// When that edit was made.
    created_at: DateTime<Utc>,
    /// The need as it was.
    snapshot: serde_json::Value,
}

#[get("/needs/{id}/revisions")]
async fn revisions(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, before) = page.parse()?;
    let rows = needs::revisions(&state, &user, id.into_inner(), limit + 1, before).await?;
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.id,
        |r| RevisionBody {
            id: r.id,
            revision: r.revision,
            changed_by: r.changed_by,
            created_at: r.created_at,
            snapshot: serde_json::from_str(&r.snapshot).unwrap_or(serde_json::Value::Null),
        },
    );
    Ok(HttpResponse::Ok().json(page))
}

#[post("/needs/{id}/close")]
async fn close(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    needs::close(&state, &user, id.into_inner(), &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}
