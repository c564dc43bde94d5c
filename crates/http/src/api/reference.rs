//! Reference data: the category tree, regions, zones and certifications, as api.md lists them.
//! Served from the copy read from the database at start; it changes only with a new release.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, get, web};
use peitao_domain::{CategoryCode, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::ApiError;

fn cached(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(3600),
        ]))
        .json(body)
}

#[derive(Serialize)]
struct CategoryBody<'a> {
    code: &'a str,
    parent: Option<&'a str>,
    name_zh: &'a str,
    name_en: &'a str,
}

/// The whole category tree, parents before children.
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

#[derive(Deserialize)]
pub struct RegionQuery {
    parent: Option<String>,
}

#[derive(Serialize)]
struct RegionBody<'a> {
    code: &'a str,
    parent: Option<&'a str>,
    level: RegionLevel,
    name: &'a str,
    lat: f64,
    lon: f64,
}

/// Children of `parent`, or the provinces when no parent is given (a cascading picker's steps).
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

#[derive(Serialize)]
struct ZoneBody<'a> {
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    members: Vec<&'a str>,
}

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

#[derive(Serialize)]
struct CertificationBody<'a> {
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    kind: &'a str,
}

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
