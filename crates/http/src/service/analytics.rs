//! The association's desk: a zone's local supply rate (confirmed and potential, by category and
//! by month) and its chain gaps, for staff. Rows come from the database, qualification from the
//! matching index, the arithmetic from `peitao_domain::analytics`.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use peitao_auth::policy::Action;
use peitao_domain::analytics::{self, ConfirmedIntention, Gap, LocalSupply, OpenNeed};
use peitao_domain::matching::NeedProfile;
use peitao_domain::reference::Zone;
use peitao_domain::{CategoryCode, RegionCode};
use peitao_persistence::analytics as rows;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError, Text};
use crate::service::matching;

/// A zone's local supply.
#[derive(Debug, Clone)]
pub struct ZoneSupply {
    pub zone: Zone,
    pub supply: LocalSupply,
}

/// A zone's categories, gaps first.
#[derive(Debug, Clone)]
pub struct ZoneGaps {
    pub zone: Zone,
    pub gaps: Vec<Gap>,
}

fn zone_field(code: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::Validation(vec![FieldError {
        field: "zone".to_owned(),
        code: code.to_owned(),
        message: Text::fixed(zh, en),
    }])
}

/// The zone asked for, and its regions as codes.
fn zone_of(state: &AppState, asked: Option<&str>) -> Result<(Zone, Vec<RegionCode>), ApiError> {
    let code = asked
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .ok_or_else(|| {
            zone_field(
                "required",
                "请选择经济区(zone,见 GET /api/v1/zones)。",
                "zone is required (see GET /api/v1/zones).",
            )
        })?;
    let code = code.to_ascii_uppercase();
    let zone = state
        .reference
        .zones
        .iter()
        .find(|z| z.code == code)
        .cloned()
        .ok_or_else(|| {
            zone_field(
                "zone.unknown",
                "没有这个经济区代码(见 GET /api/v1/zones)。",
                "No zone has this code (see GET /api/v1/zones).",
            )
        })?;
    let regions = state.reference.zone_regions(&zone.code).unwrap_or_default();
    Ok((zone, regions))
}

fn codes(regions: &[RegionCode]) -> Vec<String> {
    regions.iter().map(|r| r.as_str().to_owned()).collect()
}

/// What qualification looks at: volume, unit and words never exclude a supplier.
fn profile(row: &rows::OpenNeedGroup) -> Option<NeedProfile> {
    Some(NeedProfile {
        category: CategoryCode::parse(&row.category_code).ok()?,
        delivery_region: RegionCode::parse(&row.delivery_region_code).ok()?,
        open: true,
        annual_volume: None,
        unit: None,
        required_certifications: serde_json::from_str(&row.required_certifications)
            .unwrap_or_default(),
        terms: Vec::new(),
    })
}

/// The zone's confirmed and potential local supply rates, by category and by month.
///
/// # Errors
/// 403 unless staff; 422 missing or unknown zone.
pub async fn local_supply(
    state: &AppState,
    caller: &AuthUser,
    zone: Option<&str>,
) -> Result<ZoneSupply, ApiError> {
    caller.authorize(Action::ViewAnalytics)?;
    let (zone, regions) = zone_of(state, zone)?;
    let region_codes = codes(&regions);
    let in_zone: HashSet<&str> = region_codes.iter().map(String::as_str).collect();
    let conn = state.db.conn();
    let confirmed: Vec<ConfirmedIntention> = rows::confirmed_into(conn, &region_codes)
        .await?
        .into_iter()
        .map(|r| ConfirmedIntention {
            local: in_zone.contains(r.supplier_region_code.as_str()),
            month: r
                .decided_at
                .map(|at| {
                    (at + chrono::Duration::hours(8))
                        .format("%Y-%m")
                        .to_string()
                })
                .unwrap_or_default(),
            category: r.category_code,
        })
        .collect();
    let open_rows = rows::open_need_groups_into(conn, &region_codes).await?;
    let today = matching::today(Utc::now());
    let open: Vec<OpenNeed> = state.matcher.read(|index| {
        let slots = index.region_slots(&regions);
        open_rows
            .iter()
            .map(|row| OpenNeed {
                category: row.category_code.clone(),
                local_supply: profile(row)
                    .and_then(|p| index.has_qualified_in(&p, &slots, today).ok())
                    .unwrap_or(false),
                needs: u64::try_from(row.needs).unwrap_or(0),
            })
            .collect()
    });
    Ok(ZoneSupply {
        zone,
        supply: analytics::local_supply(&confirmed, &open),
    })
}

/// Every category of the zone with its open needs and qualified local suppliers, gaps first.
///
/// # Errors
/// 403 unless staff; 422 missing or unknown zone.
pub async fn gaps(
    state: &AppState,
    caller: &AuthUser,
    zone: Option<&str>,
) -> Result<ZoneGaps, ApiError> {
    caller.authorize(Action::ViewAnalytics)?;
    let (zone, regions) = zone_of(state, zone)?;
    let demand: HashMap<String, u64> =
        rows::open_need_counts_into(state.db.conn(), &codes(&regions))
            .await?
            .into_iter()
            .map(|(category, n)| (category, u64::try_from(n).unwrap_or(0)))
            .collect();
    let categories: Vec<CategoryCode> = state
        .reference
        .categories
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let supply = state.matcher.read(|index| {
        let slots = index.region_slots(&regions);
        index
            .suppliers_related_in(&categories, &slots)
            .unwrap_or_else(|_| vec![0; categories.len()])
    });
    let gaps = categories
        .iter()
        .zip(supply)
        .map(|(c, n)| Gap {
            category: c.as_str().to_owned(),
            open_needs: demand.get(c.as_str()).copied().unwrap_or(0),
            local_suppliers: u64::try_from(n).unwrap_or(u64::MAX),
        })
        .collect();
    Ok(ZoneGaps {
        zone,
        gaps: analytics::rank_gaps(gaps),
    })
}

/// The gaps of every zone, for the category × zone map.
///
/// # Errors
/// 403 unless staff.
pub async fn gap_map(state: &AppState, caller: &AuthUser) -> Result<Vec<ZoneGaps>, ApiError> {
    let mut out = Vec::new();
    for zone in &state.reference.zones {
        out.push(gaps(state, caller, Some(&zone.code)).await?);
    }
    Ok(out)
}
