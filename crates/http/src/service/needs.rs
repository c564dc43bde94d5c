//! Automakers' needs: posting, the directory, one need, editing with a revision per edit, the
//! revision history, and closing. Who sees what:
//!
//! - The directory (`list`) shows open needs to everyone, anonymous callers included: it is what
//!   suppliers come for. Closed and expired needs are history: `status=closed|expired` lists them
//!   to staff (all organizations) and to an organization's members (their own only); anyone else
//!   gets an empty page, not an error, so a client need not know who may ask.
//! - One need (`get`) is shown whatever its status, so a link in an old mail still says "closed"
//!   rather than "not found".
//! - A suspended organization's needs leave every listing at once; by id they are 404 except to
//!   staff and the organization's own members.
//! - `target_price` only to the owner organization's members and staff (policy `ViewTargetPrice`);
//!   everyone else gets no such field at all.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use peitao_auth::policy::{self, Action};
use peitao_domain::ids::{OrganizationId, PlantId};
use peitao_domain::need::{self as rules, NeedFields, NeedForm, NeedRules, OwnPlant};
use peitao_domain::user::NeedStatus;
use peitao_domain::{CategoryCode, Invalid, RegionCode};
use peitao_persistence::StoreError;
use peitao_persistence::audit::{self, AuditEntry};
use peitao_persistence::entities::{need, need_revision, organization, plant};
use peitao_persistence::needs::{self, NeedFilter, NeedRow};
use peitao_persistence::sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::accounts::Origin;
use super::mailing;
use super::match_context::MatchContext;
use super::search::{self, Kind};
use super::validate::Fields;
use super::{begin, commit, matching};
use crate::AppState;
use crate::api::page::{Page, PageQuery, ranked_cursor};
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError, Text};
use peitao_domain::lifecycle::Side;
use peitao_notify::MailContent;
use peitao_persistence::matches;

/// A need as one caller may see it.
#[derive(Debug, Clone)]
pub struct NeedView {
    pub row: NeedRow,
    /// Whether this caller may see `target_price` (the owner's members and staff).
    pub shows_price: bool,
}

/// `POST /needs` (api.md), plus an optional `plant_id` naming one of the OEM's own plants.
/// Volumes and prices may come as JSON numbers or strings.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNeed {
    /// A category code from GET /api/v1/categories (an unknown one is a 422).
    #[schema(pattern = r"^[A-Za-z0-9_-]{1,24}(\.[A-Za-z0-9_-]{1,24}){0,3}$")]
    pub category_code: String,
    #[schema(pattern = "\\S", max_length = 200)]
    pub title: String,
    #[schema(max_length = 10000)]
    pub description: String,
    /// A 6-digit region code of a city or district (api.md lists it as required). A client
    /// may leave it out when it names a `plant_id`: the plant's region is used.
    #[serde(default)]
    #[schema(required = true, value_type = String, pattern = r"^(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4}$")]
    pub delivery_region_code: Option<String>,
    /// One of the organization's plants.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub plant_id: Option<String>,
    /// A whole number (a numeric string is read too).
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000_i64)]
    pub annual_volume: Option<Value>,
    #[serde(default)]
    #[schema(max_length = 20)]
    pub unit: Option<String>,
    /// Start of production.
    #[serde(default)]
    #[schema(value_type = Option<chrono::NaiveDate>)]
    pub sop_date: Option<String>,
    /// Answers wanted by this day.
    #[serde(default)]
    #[schema(value_type = Option<chrono::NaiveDate>)]
    pub respond_by: Option<String>,
    /// Certification codes suppliers must hold.
    #[serde(default)]
    pub required_certifications: Option<Vec<String>>,
    /// A decimal amount (number or string), at most two decimals and 10^12; shown to the owner
    /// and staff only.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^\s*(0*[0-9]{1,12}(\.[0-9]{1,2})?)?\s*$")]
    pub target_price: Option<Value>,
}

/// `PATCH /needs/{id}`: only the fields sent change; `null` clears an optional field. Naming a
/// plant makes its region the delivery region, unless `delivery_region_code` is sent too (then
/// the two must agree); to deliver elsewhere than the plant, send `plant_id: null`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedChanges {
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, pattern = r"^[A-Za-z0-9_-]{1,24}(\.[A-Za-z0-9_-]{1,24}){0,3}$")]
    pub category_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = String, pattern = "\\S", max_length = 200)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, pattern = r"^\s*((1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4})?\s*$")]
    pub delivery_region_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<Uuid>)]
    pub plant_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000_i64)]
    pub annual_volume: Option<Option<Value>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, max_length = 20)]
    pub unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<chrono::NaiveDate>)]
    pub sop_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<chrono::NaiveDate>)]
    pub respond_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<Vec<String>>)]
    pub required_certifications: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, pattern = r"^\s*(0*[0-9]{1,12}(\.[0-9]{1,2})?)?\s*$")]
    pub target_price: Option<Option<Value>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`, via `default`).
fn sent<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The directory's filters (api.md: `GET /needs?organization=&category=&region=&zone=&certification=&status=&q=`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// An organization id: its needs only (empty: not given).
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub organization: Option<String>,
    /// A category code (its subcategories count too).
    #[param(pattern = "^(|[A-Za-z0-9_-]{1,24}(\\.[A-Za-z0-9_-]{1,24}){0,5})$")]
    pub category: Option<String>,
    /// A 6-digit delivery region code (regions under it count too).
    #[param(pattern = "^(|(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4})$")]
    pub region: Option<String>,
    /// A zone code.
    pub zone: Option<String>,
    /// A required certification code.
    pub certification: Option<String>,
    /// `open` (default), `closed` or `expired`.
    #[param(pattern = "^(|open|closed|expired)$")]
    pub status: Option<String>,
    /// Search words (Chinese or English); results come ranked.
    pub q: Option<String>,
}

/// A JSON number or string as the text the domain parses; anything else stays text that fails.
fn scalar(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(number_text(&n)),
        other => Some(other.to_string()),
    }
}

/// A JSON number as the domain reads it. `1200.0` and `1.2e3` are whole numbers to JSON (and
/// to JSON Schema's `integer`), but serde writes them out as `1200.0`, which the domain's
/// whole-number parsers refuse; so an integral float is written without its fraction.
pub(crate) fn number_text(n: &serde_json::Number) -> String {
    // Below 2^53 every integral f64 is exact, so the cast loses nothing.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match n.as_f64() {
        #[allow(clippy::cast_possible_truncation)]
        Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < EXACT => (x as i64).to_string(),
        _ => n.to_string(),
    }
}

/// Calendar days in China, as the worker counts them when it expires needs.
fn china_today(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

fn refused(refusals: Vec<rules::Refusal>) -> ApiError {
    ApiError::Validation(
        refusals
            .into_iter()
            .map(|r| FieldError::from_invalid(r.field, &r.invalid))
            .collect(),
    )
}

fn audit_entry(
    caller: &AuthUser,
    action: &str,
    id: Uuid,
    summary: Value,
    origin: &Origin,
) -> AuditEntry {
    super::audit_entry(
        Some(&caller.user),
        action,
        "need",
        Some(id.to_string()),
        summary,
        &origin.ip,
    )
}

fn is_staff_or_member(viewer: Option<&AuthUser>, organization_id: Uuid) -> bool {
    viewer.is_some_and(|v| {
        v.actor.role.is_staff() || v.actor.is_member_of(OrganizationId(organization_id))
    })
}

/// A suspended organization's needs exist only for staff and its own members.
fn visible(viewer: Option<&AuthUser>, organization: &organization::Model) -> bool {
    organization.suspended_at.is_none() || is_staff_or_member(viewer, organization.id)
}

fn view(row: NeedRow, viewer: Option<&AuthUser>) -> NeedView {
    let owner = OrganizationId(row.need.organization_id);
    let shows_price = viewer.is_some_and(|v| {
        policy::can(
            Some(&v.actor),
            Action::ViewTargetPrice {
                owner_organization_id: owner,
            },
        )
    });
    NeedView { row, shows_price }
}

fn suspended() -> ApiError {
    ApiError::Forbidden(Text::fixed(
        "贵企业已被行业协会暂停,暂不能发布或修改需求。",
        "Your organization is suspended by the association: it cannot post or edit needs for now.",
    ))
}

async fn organization_of<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<organization::Model, ApiError> {
    organization::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(StoreError::from)?
        .ok_or(ApiError::NotFound)
}

async fn own_plants<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> Result<Vec<OwnPlant>, ApiError> {
    Ok(choosable(&needs::plants_of(conn, organization_id).await?))
}

/// The plants a need may name. Plants are stored with a known region; one that no longer
/// parses cannot be chosen.
fn choosable(plants: &[plant::Model]) -> Vec<OwnPlant> {
    plants
        .iter()
        .filter_map(|p| {
            RegionCode::parse(&p.region_code)
                .ok()
                .map(|region_code| OwnPlant {
                    id: PlantId(p.id),
                    region_code,
                })
        })
        .collect()
}

/// The need as stored, in the shape everyone sees it (snapshots, audit summaries).
fn snapshot(n: &need::Model) -> Value {
    let certifications: Value =
        serde_json::from_str(&n.required_certifications).unwrap_or_else(|_| json!([]));
    json!({
        "category_code": n.category_code,
        "title": n.title,
        "description": n.description,
        "delivery_region_code": n.delivery_region_code,
        "plant_id": n.plant_id,
        "annual_volume": n.annual_volume,
        "unit": n.unit,
        "sop_date": n.sop_date,
        "respond_by": n.respond_by,
        "required_certifications": certifications,
        "target_price": n.target_price,
        "status": n.status,
        "updated_at": n.updated_at,
    })
}

/// The fields whose values differ, as (before, after) maps; `updated_at` does not count.
fn differences(before: &Value, after: &Value) -> (Map<String, Value>, Map<String, Value>) {
    let (mut was, mut now) = (Map::new(), Map::new());
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, old) in b {
            let new = a.get(key).unwrap_or(&Value::Null);
            if key != "updated_at" && old != new {
                was.insert(key.clone(), old.clone());
                now.insert(key.clone(), new.clone());
            }
        }
    }
    (was, now)
}

/// Posts a need for the caller's organization (an OEM's verified member).
///
/// # Errors
/// 403 for anyone but a verified OEM member (unverified: the verify-your-email problem) or a
/// suspended organization; 422 naming every bad field.
pub async fn create(
    state: &AppState,
    caller: &AuthUser,
    input: NewNeed,
    origin: &Origin,
) -> Result<NeedView, ApiError> {
    // Staff and organization-less accounts ask for nobody's organization and are refused by the policy.
    let organization_id = caller
        .actor
        .organization_id
        .unwrap_or(OrganizationId(Uuid::nil()));
    caller.authorize(Action::PostNeed { organization_id })?;
    let org = organization_of(state.db.conn(), organization_id.0).await?;
    if org.suspended_at.is_some() {
        return Err(suspended());
    }
    // Most needs name a delivery region rather than a plant: plants are read only when needed.
    let plants = if input
        .plant_id
        .as_deref()
        .is_some_and(|p| !p.trim().is_empty())
    {
        needs::plants_of(state.db.conn(), org.id).await?
    } else {
        Vec::new()
    };
    let now = Utc::now();
    let form = NeedForm {
        category_code: input.category_code,
        title: input.title,
        description: input.description,
        delivery_region_code: input.delivery_region_code,
        plant_id: input.plant_id,
        annual_volume: input.annual_volume.and_then(scalar),
        unit: input.unit,
        sop_date: input.sop_date,
        respond_by: input.respond_by,
        required_certifications: input.required_certifications.unwrap_or_default(),
        target_price: input.target_price.and_then(scalar),
    };
    let fields = rules::parse(
        &form,
        &NeedRules {
            reference: &state.reference,
            today: china_today(now),
            own_plants: &choosable(&plants),
            kept_respond_by: None,
        },
    )
    .map_err(refused)?;
    let txn = begin(state).await?;
    let need = needs::create(&txn, org.id, &fields, now).await?;
    audit::record(
        &txn,
        audit_entry(
            caller,
            "need.create",
            need.id,
            json!({"after": snapshot(&need)}),
            origin,
        ),
        now,
    )
    .await?;
    // Matched in the same transaction: the need never exists without its proposals.
    matching::match_new_need(&txn, &state.matcher, &need, now).await?;
    commit(txn).await?;
    state.matcher.views().forget(&need.id);
    state.search.file_need(&need);
    // Written just now: nothing to read back (no revisions yet, the plant among those read).
    let row = NeedRow {
        plant_name: need
            .plant_id
            .and_then(|id| plants.iter().find(|p| p.id == id))
            .map(|p| p.name.clone()),
        revision: 0,
        need,
        organization: org,
    };
    Ok(view(row, Some(caller)))
}

/// The filters read and expanded, or every refused one at once.
fn filter(
    state: &AppState,
    query: &NeedQuery,
    before: Option<Uuid>,
) -> Result<(NeedFilter, Option<String>), ApiError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut f = Fields::new();
    let organization = given(&query.organization).and_then(|o| {
        f.check(
            "organization",
            Uuid::parse_str(&o).map_err(|_| {
                Invalid::new(
                    "organization.invalid",
                    "organization 须为企业 id。",
                    "organization must be an organization id.",
                )
            }),
        )
    });
    let categories = given(&query.category).and_then(|c| {
        f.check(
            "category",
            CategoryCode::parse(&c).and_then(|code| {
                state
                    .reference
                    .category(&code)
                    .map(|_| state.reference.category_subtree(&code))
                    .ok_or(Invalid::new(
                        "category_code.unknown",
                        "没有这个品类代码。",
                        "No category has this code.",
                    ))
            }),
        )
    });
    let region = given(&query.region).and_then(|r| {
        f.check(
            "region",
            RegionCode::parse(&r).and_then(|code| {
                state
                    .reference
                    .region(&code)
                    .map(|_| state.reference.region_subtree(&code))
                    .ok_or(Invalid::new(
                        "region_code.unknown",
                        "没有这个行政区划代码。",
                        "No division has this code.",
                    ))
            }),
        )
    });
    let zone = given(&query.zone).and_then(|z| {
        f.check(
            "zone",
            state
                .reference
                .zone_regions(&z.to_ascii_uppercase())
                .ok_or(Invalid::new(
                    "zone.unknown",
                    "没有这个经济区代码(见 GET /api/v1/zones)。",
                    "No zone has this code (see GET /api/v1/zones).",
                )),
        )
    });
    let certification = given(&query.certification).and_then(|c| {
        let code = c.to_ascii_uppercase();
        f.check(
            "certification",
            state
                .reference
                .certification(&code)
                .map(|_| code.clone())
                .ok_or(Invalid::new(
                    "certification.unknown",
                    "没有这个认证代码(见 GET /api/v1/certifications)。",
                    "No certification has this code (see GET /api/v1/certifications).",
                )),
        )
    });
    let status = match given(&query.status) {
        Some(s) => f.check("status", NeedStatus::parse(&s)),
        None => Some(NeedStatus::Open),
    };
    let text = given(&query.q).and_then(|q| f.text("q", &q, 1, 100));
    f.finish()?;
    let delivery_regions = match (region, zone) {
        (Some(r), Some(z)) => {
            let in_zone: HashSet<RegionCode> = z.into_iter().collect();
            Some(
                r.into_iter()
                    .filter(|c| in_zone.contains(c))
                    .collect::<Vec<_>>(),
            )
        }
        (r, z) => r.or(z),
    };
    Ok(NeedFilter {
        organization,
        categories: categories.map(|c| c.iter().map(|c| c.as_str().to_owned()).collect()),
        delivery_regions: delivery_regions
            .map(|r| r.iter().map(|c| c.as_str().to_owned()).collect()),
        certification,
        status: status.unwrap_or(NeedStatus::Open),
        only: None,
        before,
    })
    .map(|filter| (filter, text))
}

/// A page of the directory: newest first, or with `q=` best ranked first.
///
/// # Errors
/// 422 naming each bad filter, a bad limit or cursor.
pub async fn list(
    state: &AppState,
    viewer: Option<&AuthUser>,
    query: &NeedQuery,
    page: PageQuery,
) -> Result<Page<NeedView>, ApiError> {
    let searching = query.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    let (limit, before, after) = if searching {
        let (limit, _) = PageQuery {
            limit: page.limit,
            cursor: None,
        }
        .parse()?;
        (limit, None, ranked_cursor(page.cursor.as_deref())?)
    } else {
        let (limit, before) = page.parse()?;
        (limit, before, None)
    };
    let (mut filter, text) = filter(state, query, before)?;
    let is_staff = viewer.is_some_and(|v| v.actor.role.is_staff());
    if filter.status != NeedStatus::Open && !is_staff {
        // History is for its owner: narrow to the caller's own organization, or to nothing.
        let own = viewer.and_then(|v| v.actor.organization_id).map(|o| o.0);
        match (own, filter.organization) {
            (Some(own), None) => filter.organization = Some(own),
            (Some(own), Some(asked)) if own == asked => {}
            _ => {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
        }
    }
    let conn = state.db.conn();
    let Some(text) = text else {
        let rows = needs::list(conn, &filter, limit + 1).await?;
        return Ok(Page::from_rows(
            rows,
            limit,
            |r| r.need.id,
            |r| view(r, viewer),
        ));
    };
    let rows = search::ranked(
        &state.search,
        Kind::Needs,
        &search::query_terms(&text),
        after,
        usize::try_from(limit + 1).unwrap_or(usize::MAX),
        None,
        |only, n| {
            let filter = NeedFilter {
                only,
                ..filter.clone()
            };
            async move { needs::list(conn, &filter, n).await }
        },
        |r: &NeedRow| r.need.id,
    )
    .await?;
    Ok(Page::from_ranked(rows, limit, |r| view(r, viewer)))
}

/// One need, as this caller may see it.
///
/// # Errors
/// 404 for an unknown need, or a suspended organization's to anyone but staff and its members.
pub async fn get(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: Uuid,
) -> Result<NeedView, ApiError> {
    let db = state.db.clone();
    let row = state
        .pages
        .needs
        .read_through(id, || async move {
            needs::find(db.conn(), id).await?.ok_or(ApiError::NotFound)
        })
        .await?;
    if !visible(viewer, &row.organization) {
        return Err(ApiError::NotFound);
    }
    Ok(view(NeedRow::clone(&row), viewer))
}

/// The stored need as the text form the parser reads, so an edit is checked by the same rules
/// as a new need.
fn stored_form(n: &need::Model) -> NeedForm {
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    NeedForm {
        category_code: n.category_code.clone(),
        title: n.title.clone(),
        description: n.description.clone(),
        delivery_region_code: Some(n.delivery_region_code.clone()),
        plant_id: n.plant_id.map(|p| p.to_string()),
        annual_volume: n.annual_volume.map(|v| v.to_string()),
        unit: n.unit.clone(),
        sop_date: date(n.sop_date),
        respond_by: date(n.respond_by),
        required_certifications: serde_json::from_str(&n.required_certifications)
            .unwrap_or_default(),
        target_price: n.target_price.clone(),
    }
}

fn merged(n: &need::Model, changes: NeedChanges) -> NeedForm {
    let mut form = stored_form(n);
    let region_sent = changes.delivery_region_code.is_some();
    if let Some(v) = changes.category_code {
        form.category_code = v.unwrap_or_default();
    }
    if let Some(v) = changes.title {
        form.title = v.unwrap_or_default();
    }
    if let Some(v) = changes.description {
        form.description = v.unwrap_or_default();
    }
    if let Some(v) = changes.delivery_region_code {
        form.delivery_region_code = v;
    }
    if let Some(v) = changes.plant_id {
        form.plant_id = v;
    }
    // With a plant, its region decides, unless the edit names a region itself (then they must agree).
    if form
        .plant_id
        .as_deref()
        .is_some_and(|p| !p.trim().is_empty())
        && !region_sent
    {
        form.delivery_region_code = None;
    }
    if let Some(v) = changes.annual_volume {
        form.annual_volume = v.and_then(scalar);
    }
    if let Some(v) = changes.unit {
        form.unit = v;
    }
    if let Some(v) = changes.sop_date {
        form.sop_date = v;
    }
    if let Some(v) = changes.respond_by {
        form.respond_by = v;
    }
    if let Some(v) = changes.required_certifications {
        form.required_certifications = v.unwrap_or_default();
    }
    if let Some(v) = changes.target_price {
        form.target_price = v.and_then(scalar);
    }
    form
}

/// Tells every supplier holding an approved match on this need that it changed (mail per each
/// member's preference, and in-app), in the edit's transaction: no edit without its notice.
async fn tell_matched_suppliers_need_changed(
    txn: &DatabaseTransaction,
    state: &AppState,
    need: &need::Model,
    revision: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for row in peitao_persistence::lifecycle::approved_of_need(txn, need.id).await? {
        let Some(ctx) = MatchContext::load(txn, row.id).await? else {
            continue;
        };
        let link = mailing::link(state, &ctx.page());
        let oem = ctx.oem.name.clone();
        ctx.tell_side(
            txn,
            state,
            Side::Supplier,
            &format!("{}:{revision}", need.id),
            |name| MailContent::NeedChanged {
                display_name: name.to_owned(),
                need_title: need.title.clone(),
                counterpart_name: oem.clone(),
                link: link.clone(),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Edits an open need: the previous version is kept as a revision, the change is audited.
///
/// # Errors
/// 404 unknown (or invisible); 403 not the owner's verified member (or a suspended owner);
/// 409 closed or expired; 422 naming every bad field.
pub async fn edit(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    changes: NeedChanges,
    origin: &Origin,
) -> Result<NeedView, ApiError> {
    let now = Utc::now();
    let txn = begin(state).await?;
    let before = needs::find_for_update(&txn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let org = organization_of(&txn, before.organization_id).await?;
    if !visible(Some(caller), &org) {
        return Err(ApiError::NotFound);
    }
    caller.authorize(Action::EditNeed {
        owner_organization_id: OrganizationId(org.id),
    })?;
    if org.suspended_at.is_some() && !caller.actor.role.is_staff() {
        return Err(suspended());
    }
    if before.status != NeedStatus::Open.as_str() {
        return Err(ApiError::Conflict(Text::fixed(
            "只有开放中的需求可以修改:该需求已关闭或已过期。",
            "Only an open need can be edited: this one is closed or expired.",
        )));
    }
    let plants = own_plants(&txn, org.id).await?;
    let fields: NeedFields = rules::parse(
        &merged(&before, changes),
        &NeedRules {
            reference: &state.reference,
            today: china_today(now),
            own_plants: &plants,
            kept_respond_by: before.respond_by,
        },
    )
    .map_err(refused)?;
    let was = snapshot(&before);
    let (changed_from, changed_to) =
        differences(&was, &snapshot(&needs::with_fields(&before, &fields, now)));
    if changed_to.is_empty() {
        // Nothing changed: no revision, no audit entry.
        let row = needs::find(&txn, id).await?.ok_or(ApiError::NotFound)?;
        commit(txn).await?;
        return Ok(view(row, Some(caller)));
    }
    let (after, revision) =
        needs::revise(&txn, &before, &was, &fields, caller.user.id, now).await?;
    audit::record(
        &txn,
        audit_entry(
            caller,
            "need.edit",
            id,
            json!({"revision": revision, "before": changed_from, "after": changed_to}),
            origin,
        ),
        now,
    )
    .await?;
    tell_matched_suppliers_need_changed(&txn, state, &after, revision, now).await?;
    matching::match_need(&txn, &state.matcher, &after, now).await?;
    let row = needs::find(&txn, id).await?.ok_or(ApiError::Internal)?;
    commit(txn).await?;
    state.matcher.views().forget(&id);
    state.pages.needs.forget(&id);
    state
        .search
        .after_change(state.db.conn(), Kind::Needs, id)
        .await;
    Ok(view(row, Some(caller)))
}

/// Closes a need; closing a need that is no longer open changes nothing and is not an error.
///
/// # Errors
/// 404 unknown (or invisible); 403 not the owner's verified member.
pub async fn close(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    origin: &Origin,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let txn = begin(state).await?;
    let need = needs::find_for_update(&txn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let org = organization_of(&txn, need.organization_id).await?;
    if !visible(Some(caller), &org) {
        return Err(ApiError::NotFound);
    }
    caller.authorize(Action::EditNeed {
        owner_organization_id: OrganizationId(org.id),
    })?;
    // Withdrawing a need is allowed even while suspended: it only takes something away.
    if needs::close(&txn, id, now).await? {
        matches::withdraw_need(&txn, id, now).await?;
        audit::record(
            &txn,
            audit_entry(
                caller,
                "need.close",
                id,
                json!({"before": {"status": need.status}, "after": {"status": NeedStatus::Closed.as_str()}}),
                origin,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    state.matcher.views().forget(&id);
    state.pages.needs.forget(&id);
    Ok(())
}

/// A page of a need's earlier versions, newest first (owner's members and staff: the snapshots
/// carry the target price, so whoever may see the price may see the history).
///
/// # Errors
/// 404 unknown (or invisible); 403 anyone else.
pub async fn revisions(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    limit: u64,
    before: Option<Uuid>,
) -> Result<Vec<need_revision::Model>, ApiError> {
    let row = needs::find(state.db.conn(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !visible(Some(caller), &row.organization) {
        return Err(ApiError::NotFound);
    }
    caller.authorize(Action::ViewTargetPrice {
        owner_organization_id: OrganizationId(row.organization.id),
    })?;
    Ok(needs::revisions(state.db.conn(), id, before, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_both_become_text() {
        assert_eq!(scalar(json!(120000)), Some("120000".to_owned()));
        assert_eq!(scalar(json!(12.5)), Some("12.5".to_owned()));
        assert_eq!(scalar(json!("9600.00")), Some("9600.00".to_owned()));
        assert_eq!(scalar(Value::Null), None);
        assert_eq!(scalar(json!(true)), Some("true".to_owned()));
    }

    #[test]
    fn a_patch_tells_null_from_absent() {
        let c: NeedChanges =
            serde_json::from_str(r#"{"unit": null, "title": "新标题"}"#).unwrap_or_default();
        assert_eq!(c.unit, Some(None));
        assert_eq!(c.title, Some(Some("新标题".to_owned())));
        assert_eq!(c.sop_date, None);
        assert!(serde_json::from_str::<NeedChanges>(r#"{"status": "closed"}"#).is_err());
    }

    #[test]
    fn differences_ignore_the_timestamp() {
        let before = json!({"title": "a", "unit": null, "updated_at": "x"});
        let after = json!({"title": "b", "unit": null, "updated_at": "y"});
        let (was, now) = differences(&before, &after);
        assert_eq!(Value::Object(was), json!({"title": "a"}));
        assert_eq!(Value::Object(now), json!({"title": "b"}));
    }
}
