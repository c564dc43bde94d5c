//! Reference data: the category tree, regions, zones and certifications, as api.md lists them.
//! Served from the copy read from the database at start; it changes only with a new release.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, get, web};
use peitao_domain::{CategoryCode, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(paths(categories, regions, zones, certifications))]
pub struct ApiDoc;

fn cached(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(3600),
        ]))
        .json(body)
}

#[derive(Serialize, ToSchema)]
#[schema(as = Category)]
struct CategoryBody<'a> {
    code: &'a str,
    parent: Option<&'a str>,
    name_zh: &'a str,
    name_en: &'a str,
}

/// The whole category tree, parents before children.
#[utoipa::path(
    tag = "reference",
    summary = "The category tree · 品类目录",
    responses((status = 200, description = "Every category, parents before children", body = [CategoryBody]))
)]
#[get("/categories")]
pub async fn categories(state: web::Data<AppState>) -> HttpResponse {
    let items: Vec<_> = state
        .reference
        .categories
        .iter()
        .map(|c| CategoryBody {
            code: c.code.as_str(),
            parent: c.parent.as_ref().map(CategoryCode::as_str),
            name_zh: &c.name_zh,
            name_en: &c.name_en,
        })
        .collect();
    cached(&items)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// A region's 6-digit code; leave out for the provinces.
    #[param(
        example = "500000",
        pattern = "^\\s*((1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4})?\\s*$"
    )]
    parent: Option<String>,
}

/// How far down the hierarchy a region is.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
#[schema(as = RegionLevel)]
enum RegionLevelSchema {
    Province,
    City,
    District,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Region)]
struct RegionBody<'a> {
    code: &'a str,
    parent: Option<&'a str>,
    #[schema(value_type = RegionLevelSchema)]
    level: RegionLevel,
    name: &'a str,
    lat: f64,
    lon: f64,
}

/// Children of `parent`, or the provinces when no parent is given (a cascading picker's steps).
#[utoipa::path(
    tag = "reference",
    summary = "Regions, one level at a time · 行政区划",
    params(RegionQuery),
    responses(
        (status = 200, description = "The children of `parent`, or the provinces", body = [RegionBody]),
        (status = 404, description = "`parent` is a well-formed code of no known region"),
    )
)]
#[get("/regions")]
pub async fn regions(
    state: web::Data<AppState>,
    query: web::Query<RegionQuery>,
) -> Result<HttpResponse, ApiError> {
    let parent = match query
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => {
            let code = RegionCode::parse(p).map_err(|e| ApiError::invalid("parent", &e))?;
            if state.reference.region(&code).is_none() {
                return Err(ApiError::NotFound);
            }
            Some(code)
        }
        None => None,
    };
    let items: Vec<_> = state
        .reference
        .regions
        .iter()
        .filter(|r| r.parent == parent)
        .map(|r| RegionBody {
            code: r.code.as_str(),
            parent: r.parent.as_ref().map(RegionCode::as_str),
            level: r.level,
            name: &r.name,
            lat: r.lat,
            lon: r.lon,
        })
        .collect();
    Ok(cached(&items))
}

#[derive(Serialize, ToSchema)]
#[schema(as = Zone)]
struct ZoneBody<'a> {
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    members: Vec<&'a str>,
}

#[utoipa::path(
    tag = "reference",
    summary = "Industrial zones · 产业区域",
    responses((status = 200, description = "Every zone with its member regions", body = [ZoneBody]))
)]
#[get("/zones")]
pub async fn zones(state: web::Data<AppState>) -> HttpResponse {
    let items: Vec<_> = state
        .reference
        .zones
        .iter()
        .map(|z| ZoneBody {
            code: &z.code,
            name_zh: &z.name_zh,
            name_en: &z.name_en,
            members: z.members.iter().map(RegionCode::as_str).collect(),
        })
        .collect();
    cached(&items)
}

#[derive(Serialize, ToSchema)]
#[schema(as = Certification)]
struct CertificationBody<'a> {
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    kind: &'a str,
}

#[utoipa::path(
    tag = "reference",
    summary = "Certifications · 资质目录",
    responses((status = 200, description = "Every certification the platform knows", body = [CertificationBody]))
)]
#[get("/certifications")]
pub async fn certifications(state: web::Data<AppState>) -> HttpResponse {
    let items: Vec<_> = state
        .reference
        .certifications
        .iter()
        .map(|c| CertificationBody {
            code: &c.code,
            name_zh: &c.name_zh,
            name_en: &c.name_en,
            kind: &c.kind,
        })
        .collect();
    cached(&items)
}
