//! Capabilities, what suppliers can make: post, read, change, archive and list them.
//! Fields are checked by `peitao_domain::capability`; who may do what by the policy; every change
//! is one transaction with its audit entry.
//!
//! Decisions:
//! - Anyone may read a published capability whose organization is not suspended. Drafts,
//!   archived capabilities and a suspended organization's capabilities are seen only by the
//!   organization's members and staff (`Action::EditCapability`); everyone else gets 404.
//! - Members change and archive their organization's capabilities; staff may too (they correct
//!   everything). Someone who may see a capability but not change it gets 403.
//! - PATCH sets the status to `draft` or `published` from any status, so an archived capability
//!   may be published again (re-listing last year's offer beats retyping it). Archiving is DELETE,
//!   which is idempotent: archiving an archived capability is a 204 and records nothing.
//! - `?status=draft|archived` lists only the caller's own organization's capabilities (staff:
//!   every organization's). Anonymous callers and other organizations' filters get an empty list,
//!   not a 403: a listing shows what the caller may see, and there is nothing of theirs to show.
//! - Listings never show a suspended organization's capabilities, whoever asks: the members and
//!   staff still open each one by id.

use chrono::{DateTime, Utc};
use peitao_auth::policy::{self, Action};
use peitao_domain::capability::{CapabilityInput, ValidCapability};
use peitao_domain::ids::OrganizationId;
use peitao_domain::matching::ListingFilter;
use peitao_domain::search::Position;
use peitao_domain::user::CapabilityStatus;
use peitao_domain::{CategoryCode, Invalid, RegionCode};
use peitao_persistence::StoreError;
use peitao_persistence::audit::{self, AuditEntry};
use peitao_persistence::capabilities::{self, ListFilter, Listed, strings};
use peitao_persistence::entities::capability;
use peitao_persistence::sea_orm::DatabaseTransaction;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use uuid::Uuid;

use super::accounts::Origin;
use super::search::{self, Kind};
use super::validate::Fields;
use super::{begin, commit, matching};
use crate::AppState;
use crate::api::page::{Page, PageQuery, ranked_cursor};
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};

/// Longest search text: enough for any phrase.
const Q_MAX: usize = 100;

/// What `POST /api/v1/capabilities` receives (api.md). Every field defaults, so a body missing
/// several of them gets one 422 naming each; numbers are read by hand for the same reason.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCapability {
    /// A category code from GET /api/v1/categories (an unknown one is a 422).
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^[A-Za-z0-9_-]{1,24}(\.[A-Za-z0-9_-]{1,24}){0,3}$"
    )]
    pub category_code: String,
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 200
    )]
    pub title: String,
    #[serde(default)]
    #[schema(
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$",
        max_length = 10000
    )]
    pub description: String,
    #[serde(default)]
    #[schema(inline, value_type = Option<Vec<ListItem>>, max_items = 50)]
    pub products: Option<Vec<String>>,
    #[serde(default)]
    #[schema(inline, value_type = Option<Vec<ListItem>>, max_items = 50)]
    pub processes: Option<Vec<String>>,
    /// A whole number (a numeric string is read too).
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000_i64)]
    pub annual_capacity: Option<Value>,
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$", max_length = 20)]
    pub unit: Option<String>,
    /// Not above `annual_capacity` when both are given (a 422 otherwise).
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000_i64)]
    pub min_order_qty: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 3650)]
    pub lead_time_days: Option<Value>,
    /// Region codes of cities or districts (a province or an unknown code is a 422).
    #[serde(default)]
    #[schema(inline, value_type = Option<Vec<RegionCodeItem>>, max_items = 100)]
    pub served_region_codes: Option<Vec<String>>,
    /// `published` (the default) or `draft`.
    #[serde(default)]
    #[schema(pattern = "^(published|draft)$")]
    pub status: Option<String>,
}

/// What `PATCH /api/v1/capabilities/{id}` receives: absent fields stay as they are; `null`
/// clears an optional one (`annual_capacity`, `unit`, `min_order_qty`, `lead_time_days`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapabilityChanges {
    #[schema(pattern = r"^[A-Za-z0-9_-]{1,24}(\.[A-Za-z0-9_-]{1,24}){0,3}$")]
    pub category_code: Option<String>,
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        max_length = 200
    )]
    pub title: Option<String>,
    #[schema(
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$",
        max_length = 10000
    )]
    pub description: Option<String>,
    #[schema(inline, value_type = Option<Vec<ListItem>>, max_items = 50)]
    pub products: Option<Vec<String>>,
    #[schema(inline, value_type = Option<Vec<ListItem>>, max_items = 50)]
    pub processes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000_i64)]
    pub annual_capacity: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$", max_length = 20)]
    pub unit: Option<Option<String>>,
    /// Not above the annual capacity (a 422 otherwise).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000_i64)]
    pub min_order_qty: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 3650)]
    pub lead_time_days: Option<Value>,
    #[schema(inline, value_type = Option<Vec<RegionCodeItem>>, max_items = 100)]
    pub served_region_codes: Option<Vec<String>>,
    /// `draft` or `published`.
    #[schema(pattern = "^(published|draft)$")]
    pub status: Option<String>,
}

/// One entry of `products` or `processes`: one line, 1 to 100 characters.
#[derive(utoipa::ToSchema)]
#[schema(
    pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
    max_length = 100
)]
#[allow(dead_code)] // documentation only
pub struct ListItem(String);

/// A 6-digit region code (GB/T 2260).
#[derive(utoipa::ToSchema)]
#[schema(pattern = r"^(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4}$")]
#[allow(dead_code)] // documentation only
pub struct RegionCodeItem(String);

/// A field that is present, even as `null`, is `Some`; only an absent one is `None`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A whole number as JSON sent it; `None` for null. `1000.0` and `1e3` are whole too; numbers
/// beyond i64 saturate so the domain's bound names them "too large". Anything else is refused here
/// so the 422 names the field (serde alone would only say "body").
fn whole(f: &mut Fields, field: &str, value: Option<&Value>) -> Option<i64> {
    match value {
        None | Some(Value::Null) => return None,
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Some(i);
            }
            if n.as_u64().is_some() {
                return Some(i64::MAX);
            }
            if let Some(x) = n.as_f64().filter(|x| x.is_finite() && x.fract() == 0.0) {
                // `as` saturates, which is what the bound check after this wants.
                return Some(x as i64);
            }
        }
        Some(_) => {}
    }
    f.push(
        field,
        "not_integer",
        Text::new(
            format!("{field} 须为整数。"),
            format!("{field} must be a whole number."),
        ),
    );
    None
}

/// Runs the domain parser and adds its refusals to `f`.
fn parse(f: &mut Fields, state: &AppState, input: &CapabilityInput) -> Option<ValidCapability> {
    match input.parse(&state.reference) {
        Ok(valid) => Some(valid),
        Err(errors) => {
            for (field, invalid) in errors {
                f.check::<()>(field, Err(invalid));
            }
            None
        }
    }
}

fn stored_status(row: &capability::Model) -> Result<CapabilityStatus, ApiError> {
    CapabilityStatus::parse(&row.status).map_err(|_| {
        tracing::error!(id = %row.id, status = %row.status, "capability with an unknown status");
        ApiError::Internal
    })
}

/// Whether `caller` may see this capability at all (see the module's decisions).
fn may_see(caller: Option<&AuthUser>, listed: &Listed) -> bool {
    let public = listed.capability.status == CapabilityStatus::Published.as_str()
        && listed.organization.suspended_at.is_none();
    public
        || caller.is_some_and(|c| {
            policy::can(
                Some(&c.actor),
                Action::EditCapability {
                    owner_organization_id: OrganizationId(listed.organization.id),
                },
            )
        })
}

/// The fields as they are stored, for the audit log.
fn snapshot(row: &capability::Model) -> serde_json::Map<String, Value> {
    let Value::Object(map) = json!({
        "category_code": row.category_code,
        "title": row.title,
        "description": row.description,
        "products": strings(&row.products),
        "processes": strings(&row.processes),
        "annual_capacity": row.annual_capacity,
        "unit": row.unit,
        "min_order_qty": row.min_order_qty,
        "lead_time_days": row.lead_time_days,
        "served_region_codes": strings(&row.served_region_codes),
        "status": row.status,
    }) else {
        return serde_json::Map::new();
    };
    map
}

/// Only what changed, before and after.
fn difference(before: &capability::Model, after: &capability::Model) -> Option<Value> {
    let (old, new) = (snapshot(before), snapshot(after));
    let mut was = serde_json::Map::new();
    let mut now = serde_json::Map::new();
    for (key, value) in new {
        let previous = old.get(&key).cloned().unwrap_or(Value::Null);
        if previous != value {
            was.insert(key.clone(), previous);
            now.insert(key, value);
        }
    }
    (!now.is_empty()).then(|| json!({"before": was, "after": now}))
}

fn entry(caller: &AuthUser, action: &str, id: Uuid, summary: Value, origin: &Origin) -> AuditEntry {
    super::audit_entry(
        Some(&caller.user),
        action,
        "capability",
        Some(id.to_string()),
        summary,
        &origin.ip,
    )
}

/// Posts a capability for the caller's organization: published unless `status` is `draft`.
///
/// # Errors
/// 403 unless a supplier member with a verified email (the problem says to verify); 422 naming
/// every bad field.
pub async fn create(
    state: &AppState,
    caller: &AuthUser,
    body: NewCapability,
    origin: &Origin,
) -> Result<Listed, ApiError> {
    // Staff have no organization: the nil id is nobody's, and the policy refuses it.
    let organization_id = caller
        .actor
        .organization_id
        .unwrap_or(OrganizationId(Uuid::nil()));
    caller.authorize(Action::PostCapability { organization_id })?;
    let mut f = Fields::new();
    let input = CapabilityInput {
        category_code: body.category_code,
        title: body.title,
        description: body.description,
        products: body.products.unwrap_or_default(),
        processes: body.processes.unwrap_or_default(),
        annual_capacity: whole(&mut f, "annual_capacity", body.annual_capacity.as_ref()),
        unit: body.unit,
        min_order_qty: whole(&mut f, "min_order_qty", body.min_order_qty.as_ref()),
        lead_time_days: whole(&mut f, "lead_time_days", body.lead_time_days.as_ref()),
        served_region_codes: body.served_region_codes.unwrap_or_default(),
        status: body.status,
    };
    let valid = parse(&mut f, state, &input);
    f.finish()?;
    let valid = valid.ok_or(ApiError::Internal)?;
    let status = valid.status_or(CapabilityStatus::Published);
    let now = Utc::now();
    let txn = begin(state).await?;
    let row = capabilities::create(&txn, organization_id.0, &valid, status, now).await?;
    audit::record(
        &txn,
        entry(
            caller,
            "capability.create",
            row.id,
            json!({"organization_id": organization_id.0, "after": snapshot(&row)}),
            origin,
        ),
        now,
    )
    .await?;
    let listed = capabilities::find(&txn, row.id)
        .await?
        .ok_or(ApiError::Internal)?;
    commit(txn).await?;
    matching::after_capability_change(state, row.id).await;
    Ok(listed)
}

/// One capability, if the caller may see it.
///
/// # Errors
/// 404 for an unknown id or one the caller may not see.
pub async fn get(
    state: &AppState,
    caller: Option<&AuthUser>,
    id: Uuid,
) -> Result<Listed, ApiError> {
    match capabilities::find(state.db.conn(), id).await? {
        Some(listed) if may_see(caller, &listed) => Ok(listed),
        _ => Err(ApiError::NotFound),
    }
}

/// Loads a capability for a change: 404 when the caller may not see it, 403 when they may see
/// but not change it.
async fn for_change(
    txn: &DatabaseTransaction,
    caller: &AuthUser,
    id: Uuid,
) -> Result<Listed, ApiError> {
    let listed = capabilities::find(txn, id)
        .await?
        .filter(|l| may_see(Some(caller), l))
        .ok_or(ApiError::NotFound)?;
    caller.authorize(Action::EditCapability {
        owner_organization_id: OrganizationId(listed.organization.id),
    })?;
    Ok(listed)
}

/// Changes the fields given; the result must pass the same rules as a new capability.
///
/// # Errors
/// 404 unknown or unseen; 403 not the organization's (or email unverified); 422 naming every bad field.
pub async fn update(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    changes: CapabilityChanges,
    origin: &Origin,
) -> Result<Listed, ApiError> {
    let txn = begin(state).await?;
    let current = for_change(&txn, caller, id).await?;
    let row = &current.capability;
    let mut f = Fields::new();
    let number = |f: &mut Fields, field, change: Option<Value>, stored: Option<i64>| match change {
        Some(value) => whole(f, field, Some(&value)),
        None => stored,
    };
    let input = CapabilityInput {
        category_code: changes
            .category_code
            .unwrap_or_else(|| row.category_code.clone()),
        title: changes.title.unwrap_or_else(|| row.title.clone()),
        description: changes
            .description
            .unwrap_or_else(|| row.description.clone()),
        products: changes.products.unwrap_or_else(|| strings(&row.products)),
        processes: changes.processes.unwrap_or_else(|| strings(&row.processes)),
        annual_capacity: number(
            &mut f,
            "annual_capacity",
            changes.annual_capacity,
            row.annual_capacity,
        ),
        unit: changes.unit.unwrap_or_else(|| row.unit.clone()),
        min_order_qty: number(
            &mut f,
            "min_order_qty",
            changes.min_order_qty,
            row.min_order_qty,
        ),
        lead_time_days: number(
            &mut f,
            "lead_time_days",
            changes.lead_time_days,
            row.lead_time_days.map(i64::from),
        ),
        served_region_codes: changes
            .served_region_codes
            .unwrap_or_else(|| strings(&row.served_region_codes)),
        status: changes.status,
    };
    let valid = parse(&mut f, state, &input);
    f.finish()?;
    let valid = valid.ok_or(ApiError::Internal)?;
    let status = valid.status_or(stored_status(row)?);
    let now = Utc::now();
    let updated = capabilities::update(&txn, id, &valid, status, now).await?;
    // An edit that changes nothing is no change: undone, and not audited.
    let Some(summary) = difference(row, &updated) else {
        txn.rollback().await.map_err(StoreError::from)?;
        return Ok(current);
    };
    audit::record(
        &txn,
        entry(caller, "capability.update", id, summary, origin),
        now,
    )
    .await?;
    commit(txn).await?;
    matching::after_capability_change(state, id).await;
    Ok(Listed {
        capability: updated,
        organization: current.organization,
    })
}

/// Archives a capability: it leaves every listing and matching. Idempotent.
///
/// # Errors
/// 404 unknown or unseen; 403 not the organization's (or email unverified).
pub async fn archive(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    origin: &Origin,
) -> Result<(), ApiError> {
    let txn = begin(state).await?;
    let current = for_change(&txn, caller, id).await?;
    let now = Utc::now();
    if capabilities::archive(&txn, id, now).await? {
        let summary = json!({
            "before": {"status": current.capability.status},
            "after": {"status": CapabilityStatus::Archived.as_str()},
        });
        audit::record(
            &txn,
            entry(caller, "capability.archive", id, summary, origin),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    // Its undecided proposals are withdrawn, and the needs they leave refilled.
    matching::after_capability_change(state, id).await;
    Ok(())
}

/// `GET /api/v1/capabilities` query parameters (all optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// An organization id: its capabilities only (empty: not given).
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub organization: Option<String>,
    /// A category code (its subcategories count too).
    #[param(pattern = "^(|[A-Za-z0-9_-]{1,24}(\\.[A-Za-z0-9_-]{1,24}){0,5})$")]
    pub category: Option<String>,
    /// A 6-digit region code served.
    #[param(pattern = "^(|(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4})$")]
    pub region: Option<String>,
    /// A zone code.
    pub zone: Option<String>,
    /// A certification code the supplier holds.
    pub certification: Option<String>,
    /// `true`: verified suppliers only.
    #[param(pattern = "^(|true|false)$")]
    pub verified: Option<String>,
    /// `published` (default); members and staff may ask for `draft` or `archived`.
    #[param(pattern = "^(|draft|published|archived)$")]
    pub status: Option<String>,
    /// Search words (Chinese or English); results come ranked.
    pub q: Option<String>,
    /// Page size, 1 to 100 (empty or absent: 20).
    #[param(pattern = "^(|[1-9][0-9]?|100)$")]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (an id; with `q`, a 48-hex ranking position).
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{48})$"
    )]
    pub cursor: Option<String>,
}

impl ListQuery {
    /// Whether it asks for published capabilities: the same list whoever asks.
    #[must_use]
    pub fn lists_published(&self) -> bool {
        given(self.status.as_ref()).is_none_or(|s| s == "published")
    }
}

const ORGANIZATION_ID: Invalid = Invalid::new(
    "organization.invalid",
    "organization 须为企业 id。",
    "organization must be an organization id.",
);
const CATEGORY_UNKNOWN: Invalid = Invalid::new(
    "category_code.unknown",
    "没有这个品类代码,请从品类目录中选择。",
    "No category has this code; choose one from the category list.",
);
const REGION_UNKNOWN: Invalid = Invalid::new(
    "region_code.unknown",
    "没有这个行政区划代码。",
    "No division has this code.",
);
const ZONE_UNKNOWN: Invalid = Invalid::new(
    "zone.unknown",
    "没有这个经济区代码,可选值见 /api/v1/zones。",
    "No economic zone has this code; see /api/v1/zones.",
);
const CERTIFICATION_UNKNOWN: Invalid = Invalid::new(
    "certification.unknown",
    "没有这个认证代码,可选值见 /api/v1/certifications。",
    "No certification has this code; see /api/v1/certifications.",
);
const VERIFIED: Invalid = Invalid::new(
    "verified.invalid",
    "verified 只能是 true 或 false。",
    "verified must be true or false.",
);
const Q_TOO_LONG: Invalid = Invalid::new(
    "too_long",
    "搜索词最多 100 个字符。",
    "q may have at most 100 characters.",
);

/// A query parameter's value, or `None` when absent or blank.
fn given(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The calendar day in China, for certificate expiry (as the worker counts days).
fn china_today(now: DateTime<Utc>) -> chrono::NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

/// A search asked of a listing: the terms of `q=` and where the previous page ended.
#[derive(Debug, Clone)]
pub struct TextSearch {
    pub terms: Vec<String>,
    pub after: Option<Position>,
}

/// Reads the query into a filter, or one 422 naming every bad parameter.
fn filter(
    state: &AppState,
    query: &ListQuery,
) -> Result<(ListFilter, u64, Option<TextSearch>), ApiError> {
    let reference = &state.reference;
    let mut f = Fields::new();
    let mut filter = ListFilter::published();
    filter.organization = given(query.organization.as_ref()).and_then(|o| {
        f.check(
            "organization",
            Uuid::parse_str(o).map_err(|_| ORGANIZATION_ID),
        )
    });
    filter.categories = given(query.category.as_ref())
        .and_then(|c| {
            f.check(
                "category",
                CategoryCode::parse(c).and_then(|code| {
                    reference
                        .category(&code)
                        .map(|_| code)
                        .ok_or(CATEGORY_UNKNOWN)
                }),
            )
        })
        .map(|code| {
            reference
                .category_subtree(&code)
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect()
        });
    let region: Option<Vec<String>> = given(query.region.as_ref())
        .and_then(|r| {
            f.check(
                "region",
                RegionCode::parse(r)
                    .and_then(|code| reference.region(&code).map(|_| code).ok_or(REGION_UNKNOWN)),
            )
        })
        .map(|code| {
            reference
                .region_subtree(&code)
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect()
        });
    let zone: Option<Vec<String>> = given(query.zone.as_ref())
        .and_then(|z| {
            f.check(
                "zone",
                reference
                    .zone_regions(&z.to_ascii_uppercase())
                    .ok_or(ZONE_UNKNOWN),
            )
        })
        .map(|codes| codes.iter().map(|c| c.as_str().to_owned()).collect());
    filter.supplier_regions = match (region, zone) {
        (Some(region), Some(zone)) => {
            Some(region.into_iter().filter(|r| zone.contains(r)).collect())
        }
        (region, zone) => region.or(zone),
    };
    filter.certification = given(query.certification.as_ref())
        .and_then(|c| {
            f.check(
                "certification",
                reference
                    .certification(&c.to_ascii_uppercase())
                    .map(|cert| cert.code.clone())
                    .ok_or(CERTIFICATION_UNKNOWN),
            )
        })
        .map(|code| (code, china_today(Utc::now())));
    filter.verified = given(query.verified.as_ref()).and_then(|v| {
        f.check(
            "verified",
            match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(VERIFIED),
            },
        )
    });
    if let Some(status) =
        given(query.status.as_ref()).and_then(|s| f.check("status", CapabilityStatus::parse(s)))
    {
        filter.status = status;
    }
    let text = given(query.q.as_ref()).and_then(|q| {
        f.check(
            "q",
            if q.chars().count() > Q_MAX {
                Err(Q_TOO_LONG)
            } else {
                Ok(q.to_owned())
            },
        )
    });
    // Each half on its own, so a bad limit and a bad cursor are both named.
    let mut page =
        |limit: Option<String>, cursor: Option<String>| match (PageQuery { limit, cursor }).parse()
        {
            Ok(parsed) => Ok(Some(parsed)),
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    f.push(&e.field, &e.code, e.message);
                }
                Ok(None)
            }
            Err(other) => Err(other),
        };
    let limit = page(query.limit.clone(), None)?.map_or(0, |(limit, _)| limit);
    let search = if query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
        let after = match ranked_cursor(query.cursor.as_deref()) {
            Ok(after) => after,
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    f.push(&e.field, &e.code, e.message);
                }
                None
            }
            Err(other) => return Err(other),
        };
        text.map(|q| TextSearch {
            terms: search::query_terms(&q),
            after,
        })
    } else {
        filter.before = page(None, query.cursor.clone())?.and_then(|(_, cursor)| cursor);
        None
    };
    f.finish()?;
    Ok((filter, limit, search))
}

/// The published listing's first ranked page with its filters answered by the matching index,
/// which holds every published capability with its category and its supplier's region,
/// verification, suspension and certifications: only the page's rows are then read. Not for
/// drafts and archives (not in that index) nor one organization's listing (narrow: read first).
fn shown_in_memory(
    state: &AppState,
    filter: &ListFilter,
    search: &TextSearch,
    want: usize,
) -> Option<search::Shown> {
    if filter.status != CapabilityStatus::Published || filter.organization.is_some() {
        return None;
    }
    let listing = ListingFilter {
        categories: filter.categories.as_deref(),
        supplier_regions: filter.supplier_regions.as_deref(),
        certification: filter
            .certification
            .as_ref()
            .map(|(code, day)| (code.as_str(), *day)),
        verified: filter.verified,
    };
    let hits = state.matcher.read(|index| {
        let listing = index.listing(&listing);
        state.search.top_shown(
            Kind::Capabilities,
            &search.terms,
            search.after,
            want,
            &|id| listing.shows(id),
        )
    })?;
    Some(search::Shown { hits, asked: want })
}

/// A page of capabilities, newest first (see the module's decisions for drafts and archives).
///
/// # Errors
/// 422 naming every bad parameter.
pub async fn list(
    state: &AppState,
    caller: Option<&AuthUser>,
    query: &ListQuery,
) -> Result<Page<Listed>, ApiError> {
    let (mut filter, limit, search) = filter(state, query)?;
    let empty = Page {
        items: Vec::new(),
        next_cursor: None,
    };
    if filter.status != CapabilityStatus::Published {
        let Some(caller) = caller else {
            return Ok(empty);
        };
        // Staff see every organization's; a member only their own, as far as the policy lets
        // them see it by id.
        if !caller.actor.role.is_staff() {
            match caller.actor.organization_id {
                Some(own)
                    if filter.organization.is_none_or(|asked| asked == own.0)
                        && policy::can(
                            Some(&caller.actor),
                            Action::EditCapability {
                                owner_organization_id: own,
                            },
                        ) =>
                {
                    filter.organization = Some(own.0);
                }
                _ => return Ok(empty),
            }
        }
    }
    let Some(search) = search else {
        let rows = capabilities::list(state.db.conn(), &filter, limit + 1).await?;
        return Ok(Page::from_rows(rows, limit, |l| l.capability.id, |l| l));
    };
    let want = usize::try_from(limit + 1).unwrap_or(usize::MAX);
    let shown = shown_in_memory(state, &filter, &search, want);
    let rows = search::ranked(
        &state.search,
        Kind::Capabilities,
        &search.terms,
        search.after,
        want,
        shown,
        |only, n| {
            let filter = ListFilter {
                only,
                ..filter.clone()
            };
            async move { capabilities::list(state.db.conn(), &filter, n).await }
        },
        |l: &Listed| l.capability.id,
    )
    .await?;
    Ok(Page::from_ranked(rows, limit, |l| l))
}
