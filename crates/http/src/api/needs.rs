//! /api/v1/needs: automakers' procurement needs (post, directory, one, edit, revisions, close).
//! Thin: each handler reads its input and calls `service::needs`, which also says who sees what.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, OpenApi, ToSchema};
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

#[derive(OpenApi)]
#[openapi(paths(create, list, one, edit, revisions, close))]
pub struct ApiDoc;

/// The caller when a token is sent, `None` when none is: the directory is public. A token that
/// is sent but not valid is a 401, never silently anonymous.
async fn viewer(req: &HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        Ok(Some(AuthUser::extract(req).await?))
    } else {
        Ok(None)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NeedOrganization)]
struct OrganizationRef {
    id: Uuid,
    name: String,
    verified: bool,
}

#[derive(Debug, Serialize, ToSchema)]
struct PlantRef {
    id: Uuid,
    name: String,
}

/// A need as clients see it. `target_price` is present (possibly null) only for the owner's
/// members and staff, and absent for everyone else.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Need)]
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
    /// `open`, `closed` or `expired`.
    status: String,
    /// How many times the need was edited.
    revision: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// The owner's members and staff only (then possibly null); absent for everyone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
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

#[utoipa::path(
    tag = "needs",
    summary = "An automaker posts a need · 发布需求",
    description = "Status `open`. Needs a verified OEM member of an organization in good standing.",
    responses((status = 201, description = "The need; its address in `Location`", body = NeedBody)),
    security(("bearer" = []))
)]
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

const SEARCH_CURSOR: &str =
    "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{48})$";

impl IntoParams for ListQuery {
    fn into_params(parameter_in: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = NeedQuery::into_params(&parameter_in);
        params.extend(PageQuery::into_params(parameter_in));
        // With `q` the cursor is a ranking position, not an id.
        if let Some(cursor) = params.iter_mut().find(|p| p.name == "cursor") {
            cursor.description = Some(
                "`next_cursor` of the previous page (an id; with `q`, a 48-hex ranking position)."
                    .to_owned(),
            );
            cursor.schema = Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .pattern(Some(SEARCH_CURSOR))
                    .into(),
            );
        }
        params
    }
}

#[utoipa::path(
    tag = "needs",
    summary = "The directory of needs (ranked by `q` when given) · 需求目录",
    params(ListQuery),
    responses((status = 200, description = "One page", body = Page<NeedBody>)),
    security((), ("bearer" = []))
)]
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

#[utoipa::path(
    tag = "needs",
    summary = "One need · 需求详情",
    description = "`target_price` only for the owner's members and staff.",
    params(("id" = Uuid, Path, description = "The need's id")),
    responses((status = 200, description = "The need", body = NeedBody)),
    security((), ("bearer" = []))
)]
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

#[utoipa::path(
    tag = "needs",
    summary = "Edit a need · 修改需求",
    description = "Only the fields sent change; `null` clears an optional one. Each edit keeps a revision.",
    params(("id" = Uuid, Path, description = "The need's id")),
    responses(
        (status = 200, description = "The need as it now is", body = NeedBody),
        (status = 409, description = "The need is closed or expired"),
    ),
    security(("bearer" = []))
)]
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

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NeedRevision)]
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

#[utoipa::path(
    tag = "needs",
    summary = "Earlier versions of a need, newest first · 需求修订记录",
    params(("id" = Uuid, Path, description = "The need's id"), PageQuery),
    responses((status = 200, description = "One page of snapshots", body = Page<RevisionBody>)),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    tag = "needs",
    summary = "Close a need · 关闭需求",
    params(("id" = Uuid, Path, description = "The need's id")),
    responses((status = 204, description = "Closed")),
    security(("bearer" = []))
)]
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
