//! /api/v1/analytics/*: the association's figures, as JSON or (with `Accept: text/csv` or
//! `?format=csv`) as CSV whose cells a spreadsheet never runs as formulas.

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, get, web};
use peitao_domain::analytics::{Gap, LocalSupply, Share};
use peitao_domain::reference::ReferenceData;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::csv_download;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::analytics;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(local_supply).service(gaps);
}

#[derive(OpenApi)]
#[openapi(paths(local_supply, gaps))]
pub struct ApiDoc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ZoneQuery {
    /// A zone code (GET /api/v1/zones).
    #[param(value_type = String, pattern = "\\S")]
    zone: Option<String>,
    /// `csv` for a CSV download (as `Accept: text/csv`).
    format: Option<String>,
    /// With CSV: `categories` (default) or `months`.
    table: Option<String>,
}

fn rate(s: Share) -> String {
    s.value().map(|v| format!("{v:.3}")).unwrap_or_default()
}

fn names(reference: &ReferenceData, code: &str) -> (String, String) {
    peitao_domain::CategoryCode::parse(code)
        .ok()
        .and_then(|c| reference.category(&c))
        .map_or_else(
            || (code.to_owned(), code.to_owned()),
            |c| (c.name_zh.clone(), c.name_en.clone()),
        )
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Share)]
struct ShareBody {
    of: u64,
    total: u64,
    rate: Option<f64>,
}

impl From<Share> for ShareBody {
    fn from(s: Share) -> Self {
        ShareBody {
            of: s.of,
            total: s.total,
            rate: s.value().map(|v| (v * 1000.0).round() / 1000.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CategorySupply)]
struct CategoryBody {
    category_code: String,
    name_zh: String,
    name_en: String,
    confirmed: ShareBody,
    potential: ShareBody,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MonthSupply)]
struct MonthBody {
    month: String,
    confirmed: ShareBody,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LocalSupply)]
struct LocalSupplyBody {
    zone: String,
    zone_name_zh: String,
    zone_name_en: String,
    /// Of the confirmed intentions on needs delivered into the zone, the share with a local supplier.
    confirmed_rate: Option<f64>,
    /// Of the zone's open needs, the share with a qualified supplier in the zone.
    potential_rate: Option<f64>,
    confirmed: ShareBody,
    potential: ShareBody,
    by_category: Vec<CategoryBody>,
    by_month: Vec<MonthBody>,
}

fn supply_body(
    reference: &ReferenceData,
    zone: &str,
    z: &analytics::ZoneSupply,
) -> LocalSupplyBody {
    let s: &LocalSupply = &z.supply;
    LocalSupplyBody {
        zone: zone.to_owned(),
        zone_name_zh: z.zone.name_zh.clone(),
        zone_name_en: z.zone.name_en.clone(),
        confirmed_rate: ShareBody::from(s.confirmed).rate,
        potential_rate: ShareBody::from(s.potential).rate,
        confirmed: s.confirmed.into(),
        potential: s.potential.into(),
        by_category: s
            .by_category
            .iter()
            .map(|c| {
                let (name_zh, name_en) = names(reference, &c.category);
                CategoryBody {
                    category_code: c.category.clone(),
                    name_zh,
                    name_en,
                    confirmed: c.confirmed.into(),
                    potential: c.potential.into(),
                }
            })
            .collect(),
        by_month: s
            .by_month
            .iter()
            .map(|m| MonthBody {
                month: m.month.clone(),
                confirmed: m.confirmed.into(),
            })
            .collect(),
    }
}

/// Staff: a zone's confirmed and potential local supply rates.
#[utoipa::path(
    tag = "analytics",
    summary = "Staff: a zone's local supply rates · 本地配套率",
    description = "JSON, or CSV with `Accept: text/csv` or `?format=csv` (`table=months` for the monthly table).",
    params(ZoneQuery),
    responses((status = 200, description = "The figures", content(
        (LocalSupplyBody = "application/json"),
        (String = "text/csv"),
    ))),
    security(("bearer" = []))
)]
#[get("/analytics/local-supply")]
async fn local_supply(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ZoneQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let z = analytics::local_supply(&state, &user, query.zone.as_deref()).await?;
    let code = z.zone.code.clone();
    if !csv_download::wanted(&req, query.format.as_deref()) {
        return Ok(HttpResponse::Ok().json(supply_body(&state.reference, &code, &z)));
    }
    local_supply_csv(&state.reference, &z, query.table.as_deref())
}

/// A zone's local supply as CSV: the categories (with a total row), or `table = months`.
///
/// # Errors
/// Only if writing to memory fails.
pub fn local_supply_csv(
    reference: &ReferenceData,
    z: &analytics::ZoneSupply,
    table: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let code = z.zone.code.clone();
    let s = &z.supply;
    if table == Some("months") {
        let rows: Vec<Vec<String>> = s
            .by_month
            .iter()
            .map(|m| {
                vec![
                    m.month.clone(),
                    m.confirmed.of.to_string(),
                    m.confirmed.total.to_string(),
                    rate(m.confirmed),
                ]
            })
            .collect();
        return csv_download::table(
            &format!("local-supply-{code}-months"),
            &[
                "month",
                "confirmed_local",
                "confirmed_total",
                "confirmed_rate",
            ],
            &rows,
        );
    }
    let mut rows: Vec<Vec<String>> = s
        .by_category
        .iter()
        .map(|c| {
            let (zh, en) = names(reference, &c.category);
            vec![
                c.category.clone(),
                zh,
                en,
                c.confirmed.of.to_string(),
                c.confirmed.total.to_string(),
                rate(c.confirmed),
                c.potential.of.to_string(),
                c.potential.total.to_string(),
                rate(c.potential),
            ]
        })
        .collect();
    rows.push(vec![
        "*".to_owned(),
        "合计".to_owned(),
        "Total".to_owned(),
        s.confirmed.of.to_string(),
        s.confirmed.total.to_string(),
        rate(s.confirmed),
        s.potential.of.to_string(),
        s.potential.total.to_string(),
        rate(s.potential),
    ]);
    csv_download::table(
        &format!("local-supply-{code}"),
        &[
            "category_code",
            "name_zh",
            "name_en",
            "confirmed_local",
            "confirmed_total",
            "confirmed_rate",
            "open_needs_with_local_supply",
            "open_needs",
            "potential_rate",
        ],
        &rows,
    )
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Gap)]
struct GapBody {
    category_code: String,
    name_zh: String,
    name_en: String,
    open_needs: u64,
    local_suppliers: u64,
    /// Demand and no local supply.
    gap: bool,
}

fn gap_body(reference: &ReferenceData, g: &Gap) -> GapBody {
    let (name_zh, name_en) = names(reference, &g.category);
    GapBody {
        category_code: g.category.clone(),
        name_zh,
        name_en,
        open_needs: g.open_needs,
        local_suppliers: g.local_suppliers,
        gap: g.is_gap(),
    }
}

/// Staff: a zone's categories, open needs against qualified local suppliers, gaps first.
#[utoipa::path(
    tag = "analytics",
    summary = "Staff: a zone's categories, demand against local suppliers · 配套缺口",
    description = "Gaps first. JSON, or CSV with `Accept: text/csv` or `?format=csv`.",
    params(ZoneQuery),
    responses((status = 200, description = "One row per category", content(
        (Vec<GapBody> = "application/json"),
        (String = "text/csv"),
    ))),
    security(("bearer" = []))
)]
#[get("/analytics/gaps")]
async fn gaps(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ZoneQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let z = analytics::gaps(&state, &user, query.zone.as_deref()).await?;
    if !csv_download::wanted(&req, query.format.as_deref()) {
        let body: Vec<GapBody> = z
            .gaps
            .iter()
            .map(|g| gap_body(&state.reference, g))
            .collect();
        return Ok(HttpResponse::Ok()
            .content_type(ContentType::json())
            .json(body));
    }
    gaps_csv(&state.reference, &z)
}

/// A zone's gaps as CSV.
///
/// # Errors
/// Only if writing to memory fails.
pub fn gaps_csv(
    reference: &ReferenceData,
    z: &analytics::ZoneGaps,
) -> Result<HttpResponse, ApiError> {
    let rows: Vec<Vec<String>> = z
        .gaps
        .iter()
        .map(|g| {
            let b = gap_body(reference, g);
            vec![
                b.category_code,
                b.name_zh,
                b.name_en,
                b.open_needs.to_string(),
                b.local_suppliers.to_string(),
                b.gap.to_string(),
            ]
        })
        .collect();
    csv_download::table(
        &format!("gaps-{}", z.zone.code),
        &[
            "category_code",
            "name_zh",
            "name_en",
            "open_needs",
            "local_suppliers",
            "gap",
        ],
        &rows,
    )
}
