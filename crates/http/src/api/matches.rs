//! /api/v1/needs/{id}/matches and /api/v1/capabilities/{id}/matches: ranked, explained pairs.
//! Thin: `service::matches` decides who sees which.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use peitao_persistence::matches::OemSide;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::matches;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(of_need).service(of_capability);
}

#[derive(OpenApi)]
#[openapi(paths(of_need, of_capability))]
pub struct ApiDoc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatusQuery {
    /// Staff: `proposed`, `approved`, `rejected` or `withdrawn` (default: all); others see
    /// approved ones only.
    #[param(pattern = "^(proposed|approved|rejected|withdrawn)$")]
    status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MatchedOem)]
struct OrganizationRef {
    id: Uuid,
    name: String,
    verified: bool,
    region_code: String,
    /// Share of its approved matches the OEM answered (null before any).
    responsiveness: Option<f64>,
    /// The OEM's intentions per need with an approved match (null before any).
    intentions_per_need: Option<f64>,
}

impl From<&peitao_persistence::entities::organization::Model> for OrganizationRef {
    fn from(o: &peitao_persistence::entities::organization::Model) -> Self {
        OrganizationRef {
            id: o.id,
            name: o.name.clone(),
            verified: o.verified_at.is_some(),
            region_code: o.region_code.clone(),
            responsiveness: None,
            intentions_per_need: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MatchedNeed)]
struct NeedRef {
    id: Uuid,
    title: String,
    category_code: String,
    delivery_region_code: String,
    respond_by: Option<NaiveDate>,
    status: String,
}

/// One match as the supplier (or staff) sees it from the capability.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CapabilityMatch)]
struct NeedMatch {
    id: Uuid,
    rank: Option<i32>,
    score: f64,
    status: String,
    need: NeedRef,
    organization: OrganizationRef,
    explanation: serde_json::Value,
    updated_at: DateTime<Utc>,
}

fn explanation(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

impl From<OemSide> for NeedMatch {
    fn from(m: OemSide) -> Self {
        NeedMatch {
            id: m.proposal.id,
            rank: m.proposal.rank,
            score: m.proposal.score,
            status: m.proposal.status,
            need: NeedRef {
                id: m.need.id,
                title: m.need.title,
                category_code: m.need.category_code,
                delivery_region_code: m.need.delivery_region_code,
                respond_by: m.need.respond_by,
                status: m.need.status,
            },
            organization: OrganizationRef::from(&m.oem),
            explanation: explanation(&m.proposal.explanation),
            updated_at: m.proposal.updated_at,
        }
    }
}

#[derive(Debug, Serialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct NeedMatchList {
    items: Vec<crate::service::match_views::SupplierMatch>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct CapabilityMatchList {
    items: Vec<NeedMatch>,
}

#[utoipa::path(
    tag = "matches",
    summary = "A need's ranked, explained matches · 需求的匹配",
    description = "The owner OEM sees approved matches; staff see every status (`?status=`).",
    params(("id" = Uuid, Path, description = "The need's id"), StatusQuery),
    responses((status = 200, description = "Best first", body = NeedMatchList)),
    security(("bearer" = []))
)]
#[get("/needs/{id}/matches")]
async fn of_need(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, ApiError> {
    let body =
        matches::of_need_body(&state, &user, id.into_inner(), query.status.as_deref()).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}

#[utoipa::path(
    tag = "matches",
    summary = "A capability's approved matches, ranked · 能力的匹配",
    params(("id" = Uuid, Path, description = "The capability's id"), StatusQuery),
    responses((status = 200, description = "Best first", body = CapabilityMatchList)),
    security(("bearer" = []))
)]
#[get("/capabilities/{id}/matches")]
async fn of_capability(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows =
        matches::of_capability(&state, &user, id.into_inner(), query.status.as_deref()).await?;
    let quality = matches::oem_lead_quality(&state, &rows).await?;
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    Ok(HttpResponse::Ok().json(Items {
        items: rows
            .into_iter()
            .map(|row| {
                let q = quality.get(&row.oem.id).copied().unwrap_or_default();
                let mut m = NeedMatch::from(row);
                m.organization.responsiveness = q.responsiveness.map(round);
                m.organization.intentions_per_need = q.intentions_per_need.map(round);
                m
            })
            .collect(),
    }))
}
