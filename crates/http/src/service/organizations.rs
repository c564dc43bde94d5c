//! Company profiles: the public directory and profile page, edits by the company's members (profile,
//! certifications, OEM plants), and staff verification and suspension. Every change is audited.

use chrono::{DateTime, NaiveDate, Utc};
use peitao_auth::policy::{self, Action};
use peitao_domain::ids::OrganizationId;
use peitao_domain::organization::{OrganizationKind, OrganizationSize};
use peitao_domain::phone::Phone;
use peitao_domain::search::Position;
use peitao_domain::{CategoryCode, Email, Invalid, RegionCode};
use peitao_persistence::audit::{self, AuditEntry};
use peitao_persistence::entities::{organization, organization_certification, plant};
use peitao_persistence::organizations::{
    self as repo, DirectoryFilter, HeldCertification, NewPlant, ProfileChanges,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::accounts::Origin;
use super::search::{self, Kind};
use super::validate::Fields;
use super::{begin, commit, matching};
use crate::AppState;
use crate::api::page::{Page, PageQuery, ranked_cursor};
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};

const NAME_MIN: usize = 2;
const NAME_MAX: usize = 200;
const ADDRESS_MAX: usize = 300;
const WEBSITE_MAX: usize = 300;
const DESCRIPTION_MAX: usize = 10_000;
const CERTIFICATE_NO_MAX: usize = 100;
const REASON_MAX: usize = 1000;
const QUERY_TEXT_MAX: usize = 100;
const FOUNDED_MIN: i32 = 1900;
/// More entries than there are certifications can only be duplicates; stop reading there.
const CERTIFICATIONS_MAX: usize = 100;

/// Certificates expire on Chinese calendar days, so "today" is today in China.
#[must_use]
pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn audit_entry(
    actor: &AuthUser,
    action: &str,
    organization_id: Uuid,
    summary: Value,
    origin: &Origin,
) -> AuditEntry {
    super::audit_entry(
        Some(&actor.user),
        action,
        "organization",
        Some(organization_id.to_string()),
        summary,
        &origin.ip,
    )
}

async fn load(state: &AppState, id: Uuid) -> Result<organization::Model, ApiError> {
    repo::find(state.db.conn(), id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Staff, or a member of the organization: they see it while suspended, and why.
fn insider(viewer: Option<&AuthUser>, organization_id: Uuid) -> bool {
    viewer.is_some_and(|v| {
        v.actor.role.is_staff() || v.actor.is_member_of(OrganizationId(organization_id))
    })
}

/// Whether the viewer may read the organization's contact fields (the policy decides).
/// `mutual_interest`: the viewer's organization and this one are both interested in an approved
/// match (the policy then reveals contacts to the other party).
fn may_see_contact(
    viewer: Option<&AuthUser>,
    organization_id: Uuid,
    mutual_interest: bool,
) -> bool {
    policy::can(
        viewer.map(|v| &v.actor),
        Action::ViewOrganizationContact {
            organization_id: OrganizationId(organization_id),
            mutual_interest,
        },
    )
}

// --- the directory ---------------------------------------------------------------------------

/// The directory's query string (api.md); every parameter is optional.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// `supplier` or `oem`.
    #[param(pattern = "^(|supplier|oem)$")]
    pub kind: Option<String>,
    /// A category code (its subcategories count too).
    #[param(pattern = "^(|[A-Za-z0-9_-]{1,24}(\\.[A-Za-z0-9_-]{1,24}){0,5})$")]
    pub category: Option<String>,
    /// A 6-digit region code (regions under it count too).
    #[param(pattern = "^(|(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4})$")]
    pub region: Option<String>,
    /// A zone code.
    pub zone: Option<String>,
    /// A certification code held unexpired.
    pub certification: Option<String>,
    /// `true` or `false`.
    #[param(pattern = "^(|true|false)$")]
    pub verified: Option<String>,
    /// Search words (Chinese or English).
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

/// One page of the directory, and the certifications its organizations hold unexpired today.
#[derive(Debug)]
pub struct DirectoryPage {
    pub page: Page<organization::Model>,
    pub certifications: Vec<organization_certification::Model>,
}

/// A directory search: the terms of `q=` and where the previous page ended.
#[derive(Debug, Clone)]
struct DirectorySearch {
    terms: Vec<String>,
    after: Option<Position>,
}

fn given(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Records a code that parses but names nothing in the reference data.
fn unknown_code(f: &mut Fields, field: &str, zh: &'static str, en: &'static str) {
    f.push(field, "unknown", Text::fixed(zh, en));
}

/// The public directory: unsuspended organizations, newest first, narrowed by the filters.
///
/// # Errors
/// 422 naming every bad parameter (unknown kind, category, region, zone or certification,
/// `verified` not a bool, a bad limit or cursor).
pub async fn directory(
    state: &AppState,
    query: &DirectoryQuery,
) -> Result<DirectoryPage, ApiError> {
    let today = today();
    let (filter, limit, search) = directory_filter(state, query, today)?;
    let conn = state.db.conn();
    let page = match search {
        None => {
            let rows = repo::directory(conn, &filter, limit + 1).await?;
            Page::from_rows(rows, limit, |o| o.id, |o| o)
        }
        Some(search) => {
            let rows = search::ranked(
                &state.search,
                Kind::Organizations,
                &search.terms,
                search.after,
                usize::try_from(limit + 1).unwrap_or(usize::MAX),
                None,
                |only, n| {
                    let filter = DirectoryFilter {
                        only,
                        ..filter.clone()
                    };
                    async move { repo::directory(conn, &filter, n).await }
                },
                |o: &organization::Model| o.id,
            )
            .await?;
            Page::from_ranked(rows, limit, |o| o)
        }
    };
    let ids: Vec<Uuid> = page.items.iter().map(|o| o.id).collect();
    let certifications = repo::certifications_of(conn, &ids)
        .await?
        .into_iter()
        .filter(|c| c.expires_on >= today)
        .collect();
    Ok(DirectoryPage {
        page,
        certifications,
    })
}

/// Reads the query into a filter (reference codes expanded to their subtrees) and a page size.
fn directory_filter(
    state: &AppState,
    query: &DirectoryQuery,
    today: NaiveDate,
) -> Result<(DirectoryFilter, u64, Option<DirectorySearch>), ApiError> {
    let mut f = Fields::new();
    let reference = &state.reference;
    // Limit and cursor parsed apart, so a request with both wrong hears of both.
    let mut paging = |limit: Option<&String>, cursor: Option<&String>| {
        let parsed = PageQuery {
            limit: limit.cloned(),
            cursor: cursor.cloned(),
        }
        .parse();
        match parsed {
            Ok(p) => Some(p),
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    f.push(&e.field, &e.code, e.message);
                }
                None
            }
            Err(_) => None,
        }
    };
    let limit = paging(query.limit.as_ref(), None).map_or(0, |(limit, _)| limit);
    let searching = given(query.q.as_ref()).is_some();
    let before = if searching {
        None
    } else {
        paging(None, query.cursor.as_ref()).and_then(|(_, cursor)| cursor)
    };
    let after = if searching {
        match ranked_cursor(query.cursor.as_deref()) {
            Ok(after) => after,
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    f.push(&e.field, &e.code, e.message);
                }
                None
            }
            Err(other) => return Err(other),
        }
    } else {
        None
    };
    let kind = given(query.kind.as_ref())
        .and_then(|k| f.check("kind", OrganizationKind::parse(k)))
        .map(|k| k.as_str().to_owned());
    let categories = given(query.category.as_ref())
        .and_then(|c| f.check("category", CategoryCode::parse(c)))
        .and_then(|code| {
            if reference.category(&code).is_none() {
                unknown_code(
                    &mut f,
                    "category",
                    "没有这个品类代码,请从 /api/v1/categories 中选择。",
                    "No category has this code; pick one from /api/v1/categories.",
                );
                return None;
            }
            let subtree = reference.category_subtree(&code);
            Some(subtree.iter().map(|c| c.as_str().to_owned()).collect())
        });
    let regions = given(query.region.as_ref())
        .and_then(|r| f.check("region", RegionCode::parse(r)))
        .and_then(|code| {
            if reference.region(&code).is_none() {
                unknown_code(
                    &mut f,
                    "region",
                    "没有这个行政区划代码。",
                    "No division has this code.",
                );
                return None;
            }
            Some(codes(&reference.region_subtree(&code)))
        });
    let zone_regions = given(query.zone.as_ref()).and_then(|z| {
        let found = reference
            .zone_regions(z)
            .or_else(|| reference.zone_regions(&z.to_ascii_uppercase()));
        if found.is_none() {
            unknown_code(
                &mut f,
                "zone",
                "没有这个经济区,请从 /api/v1/zones 中选择。",
                "No economic zone has this code; pick one from /api/v1/zones.",
            );
        }
        found.as_deref().map(codes)
    });
    let certification = given(query.certification.as_ref()).and_then(|c| {
        let found = known_certification(state, c);
        if found.is_none() {
            unknown_code(
                &mut f,
                "certification",
                "没有这个认证代码,请从 /api/v1/certifications 中选择。",
                "No certification has this code; pick one from /api/v1/certifications.",
            );
        }
        found
    });
    let verified = match given(query.verified.as_ref()) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            f.push(
                "verified",
                "invalid",
                Text::fixed(
                    "verified 只能是 true 或 false。",
                    "verified must be true or false.",
                ),
            );
            None
        }
    };
    let text = given(query.q.as_ref()).and_then(|q| {
        if q.chars().count() <= QUERY_TEXT_MAX {
            return Some(q.to_owned());
        }
        f.push(
            "q",
            "too_long",
            Text::new(
                format!("搜索词最多 {QUERY_TEXT_MAX} 个字符。"),
                format!("q may have at most {QUERY_TEXT_MAX} characters."),
            ),
        );
        None
    });
    f.finish()?;
    let filter = DirectoryFilter {
        kind,
        categories,
        regions,
        zone_regions,
        certification: certification.map(|c| (c, today)),
        verified,
        only: None,
        before,
    };
    let search = text.map(|q| DirectorySearch {
        terms: search::query_terms(&q),
        after,
    });
    Ok((filter, limit, search))
}

fn codes(regions: &[RegionCode]) -> Vec<String> {
    regions.iter().map(|r| r.as_str().to_owned()).collect()
}

/// The reference code for a certification as typed (exact, then in capitals: `iatf16949`).
fn known_certification(state: &AppState, code: &str) -> Option<String> {
    let code = code.trim();
    state
        .reference
        .certification(code)
        .or_else(|| state.reference.certification(&code.to_ascii_uppercase()))
        .map(|c| c.code.clone())
}

// --- the profile -----------------------------------------------------------------------------

/// An organization's profile and what this viewer may see of it.
#[derive(Debug, Clone)]
pub struct Profile {
    pub organization: organization::Model,
    pub certifications: Vec<organization_certification::Model>,
    pub plants: Vec<plant::Model>,
    pub today: NaiveDate,
    /// The contact fields may be shown.
    pub show_contact: bool,
    /// Staff or a member: the suspension reason may be shown.
    pub insider: bool,
}

async fn profile_of(
    state: &AppState,
    viewer: Option<&AuthUser>,
    organization: organization::Model,
) -> Result<Profile, ApiError> {
    let conn = state.db.conn();
    let certifications = repo::certifications_of(conn, &[organization.id]).await?;
    let plants = repo::plants_of(conn, organization.id).await?;
    let mutual_interest = match viewer.and_then(|v| v.actor.organization_id) {
        Some(own) if own.0 != organization.id => {
            peitao_persistence::lifecycle::contacts_revealed_between(conn, own.0, organization.id)
                .await?
        }
        _ => false,
    };
    Ok(Profile {
        show_contact: may_see_contact(viewer, organization.id, mutual_interest),
        insider: insider(viewer, organization.id),
        organization,
        certifications,
        plants,
        today: today(),
    })
}

/// Loads an organization the viewer may see: a suspended one only for staff and its members
/// (for everyone else it does not exist, for reading and for writing alike).
async fn visible(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: Uuid,
) -> Result<organization::Model, ApiError> {
    let org = load(state, id).await?;
    if org.suspended_at.is_some() && !insider(viewer, org.id) {
        return Err(ApiError::NotFound);
    }
    Ok(org)
}

/// The profile as `viewer` (`None`: anonymous) may see it.
///
/// # Errors
/// 404 for an unknown organization, or a suspended one the viewer may not see.
pub async fn profile(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: Uuid,
) -> Result<Profile, ApiError> {
    let org = visible(state, viewer, id).await?;
    profile_of(state, viewer, org).await
}

// --- editing the profile ---------------------------------------------------------------------

/// The fields a member may change, as stored (for the audit's before and after).
fn editable(o: &organization::Model) -> Map<String, Value> {
    let v = json!({
        "name": o.name,
        "name_en": o.name_en,
        "region_code": o.region_code,
        "address": o.address,
        "contact_email": o.contact_email,
        "contact_phone": o.contact_phone,
        "website": o.website,
        "description": o.description,
        "description_en": o.description_en,
        "size": o.size,
        "founded_year": o.founded_year,
    });
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Changes the profile (PATCH): each field present is validated; `null` or `""` clears an
/// optional one. Text is stored as given, never interpreted: pages escape it when they show it.
///
/// # Errors
/// 404 unknown; 403 another organization's (or an unverified email); 422 naming every bad or
/// unknown field, with nothing changed.
pub async fn update(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    body: &Value,
    origin: &Origin,
) -> Result<Profile, ApiError> {
    let org = visible(state, Some(caller), id).await?;
    caller.authorize(Action::EditOrganization {
        organization_id: OrganizationId(org.id),
    })?;
    let changes = parse_changes(state, body)?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let before = repo::find(&txn, org.id).await?.ok_or(ApiError::NotFound)?;
    let updated = repo::update_profile(&txn, org.id, changes, now).await?;
    let (old, new) = (editable(&before), editable(&updated));
    let changed: Vec<&String> = new.keys().filter(|k| old.get(*k) != new.get(*k)).collect();
    if !changed.is_empty() {
        let pick = |m: &Map<String, Value>| -> Map<String, Value> {
            changed
                .iter()
                .map(|k| ((*k).clone(), m.get(*k).cloned().unwrap_or(Value::Null)))
                .collect()
        };
        audit::record(
            &txn,
            audit_entry(
                caller,
                "organization.update",
                org.id,
                json!({"before": pick(&old), "after": pick(&new)}),
                origin,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    // A move changes every distance; verification and the rest change nothing, cheaply.
    matching::after_organization_change(state, org.id).await;
    profile_of(state, Some(caller), updated).await
}

fn not_an_object(field: &str) -> (&'static str, Text) {
    (
        "invalid",
        Text::new(
            format!("{field} 应为 JSON 对象,例如 {{\"name\": \"...\"}}。"),
            format!("{field} must be a JSON object, such as {{\"name\": \"...\"}}."),
        ),
    )
}

fn push_unknown_field(f: &mut Fields, field: &str) {
    f.push(
        field,
        "unknown",
        Text::new(
            format!("不认识的字段 {field}。"),
            format!("{field} is not a known field."),
        ),
    );
}

/// Reads a string field; `None` (with the error recorded) for any other JSON type.
fn string<'v>(f: &mut Fields, field: &str, value: &'v Value) -> Option<&'v str> {
    if let Value::String(s) = value {
        Some(s)
    } else {
        f.push(
            field,
            "invalid",
            Text::new(
                format!("{field} 应为文本。"),
                format!("{field} must be a string."),
            ),
        );
        None
    }
}

/// Whether control characters are refused everywhere (one-line fields) or allowed as line
/// breaks and tabs (descriptions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

/// A text of `min..=max` characters, trimmed. Control characters would break pages and are
/// refused by PostgreSQL (NUL), so they are refused here, naming the field.
fn text(
    f: &mut Fields,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    lines: Lines,
) -> Option<String> {
    let bad = value
        .trim()
        .chars()
        .any(|c| c.is_control() && !(lines == Lines::Many && matches!(c, '\n' | '\r' | '\t')));
    if bad {
        f.push(
            field,
            "control_characters",
            Text::new(
                format!(
                    "{field} 含有不可见的控制字符{},请删除后重试。",
                    if lines == Lines::One { "或换行" } else { "" }
                ),
                format!(
                    "{field} contains invisible control characters{}; remove them and retry.",
                    if lines == Lines::One {
                        " or line breaks"
                    } else {
                        ""
                    }
                ),
            ),
        );
        return None;
    }
    f.text(field, value, min, max)
}

/// A required text field: present, a string, within its limits.
fn required_text(
    f: &mut Fields,
    field: &str,
    value: &Value,
    min: usize,
    max: usize,
) -> Option<String> {
    if value.is_null() {
        f.push(
            field,
            "required",
            Text::new(
                format!("{field} 不能清空。"),
                format!("{field} cannot be cleared."),
            ),
        );
        return None;
    }
    let s = string(f, field, value)?;
    text(f, field, s, min, max, Lines::One)
}

/// An optional field: `null` or blank clears it (`Some(None)`); otherwise `parse` decides.
fn optional<T>(
    f: &mut Fields,
    field: &str,
    value: &Value,
    parse: impl FnOnce(&mut Fields, &str) -> Option<T>,
) -> Option<Option<T>> {
    if value.is_null() {
        return Some(None);
    }
    let s = string(f, field, value)?;
    if s.trim().is_empty() {
        return Some(None);
    }
    parse(f, s).map(Some)
}

fn optional_text(
    f: &mut Fields,
    field: &str,
    value: &Value,
    min: usize,
    max: usize,
    lines: Lines,
) -> Option<Option<String>> {
    optional(f, field, value, |f, s| text(f, field, s, min, max, lines))
}

fn parse_changes(state: &AppState, body: &Value) -> Result<ProfileChanges, ApiError> {
    let mut f = Fields::new();
    let Some(map) = body.as_object() else {
        let (code, message) = not_an_object("body");
        f.push("body", code, message);
        return Err(f.finish().err().unwrap_or(ApiError::Internal));
    };
    let mut c = ProfileChanges::default();
    for (key, value) in map {
        let field = key.as_str();
        match field {
            "name" => c.name = required_text(&mut f, field, value, NAME_MIN, NAME_MAX),
            "region_code" => {
                c.region_code = if value.is_null() {
                    f.push(
                        field,
                        "required",
                        Text::fixed("region_code 不能清空。", "region_code cannot be cleared."),
                    );
                    None
                } else {
                    string(&mut f, field, value)
                        .and_then(|s| f.check(field, state.reference.site_region(s)))
                        .map(|r| r.as_str().to_owned())
                };
            }
            "name_en" => {
                c.name_en = optional_text(&mut f, field, value, NAME_MIN, NAME_MAX, Lines::One);
            }
            "address" => {
                c.address = optional_text(&mut f, field, value, 1, ADDRESS_MAX, Lines::One);
            }
            "description" | "description_en" => {
                let v = optional_text(&mut f, field, value, 1, DESCRIPTION_MAX, Lines::Many);
                if field == "description" {
                    c.description = v;
                } else {
                    c.description_en = v;
                }
            }
            "contact_email" => {
                c.contact_email = optional(&mut f, field, value, |f, s| {
                    f.check(field, Email::parse(s)).map(String::from)
                });
            }
            "contact_phone" => {
                c.contact_phone = optional(&mut f, field, value, |f, s| {
                    f.check(field, Phone::parse(s)).map(String::from)
                });
            }
            "website" => {
                c.website = optional(&mut f, field, value, |f, s| f.check(field, website(s)));
            }
            "size" => {
                c.size = optional(&mut f, field, value, |f, s| {
                    f.check(field, OrganizationSize::parse(s.trim()))
                        .map(|size| size.as_str().to_owned())
                });
            }
            "founded_year" => c.founded_year = founded_year(&mut f, value),
            other => push_unknown_field(&mut f, other),
        }
    }
    f.finish()?;
    Ok(c)
}

fn founded_year(f: &mut Fields, value: &Value) -> Option<Option<i32>> {
    use chrono::Datelike;
    if value.is_null() {
        return Some(None);
    }
    let this_year = today().year();
    // `1990.0` is a whole number to JSON Schema too.
    #[allow(clippy::cast_possible_truncation)]
    let whole = value
        .as_i64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|y| y.fract() == 0.0 && y.abs() < 1e9)
                .map(|y| y as i64)
        })
        .and_then(|y| i32::try_from(y).ok());
    let year = whole.filter(|y| (FOUNDED_MIN..=this_year).contains(y));
    if year.is_none() {
        // A year to come is told apart: the document states the lower bound, but the upper one
        // moves with the calendar, so clients (and the conformance run) need its own code.
        let future = whole.is_some_and(|y| y > this_year);
        f.push(
            "founded_year",
            if future {
                "founded_year.future"
            } else {
                "invalid"
            },
            Text::new(
                format!("成立年份应为 {FOUNDED_MIN} 到 {this_year} 之间的整数。"),
                format!("founded_year must be a whole number from {FOUNDED_MIN} to {this_year}."),
            ),
        );
    }
    year.map(Some)
}

const WEBSITE_FORMAT: Invalid = Invalid::new(
    "website.invalid",
    "网址应以 http:// 或 https:// 开头,后接完整域名,例如 https://www.example.com.cn,且不含空格或引号。",
    "A website starts with http:// or https:// followed by a full domain name, such as https://www.example.com.cn, with no spaces or quotes.",
);
const WEBSITE_TOO_LONG: Invalid = Invalid::new(
    "website.too_long",
    "网址最多 300 个字符。",
    "A website may have at most 300 characters.",
);

/// An http(s) address with a real host name, kept as typed. This is the edge check for a link
/// we show to others: no other schemes (`javascript:`), no credentials (`good.cn@evil.cn`), no
/// spaces, quotes or angle brackets. (A `Website` type belongs in domain; it lives here until
/// another caller needs it.)
fn website(input: &str) -> Result<String, Invalid> {
    let url = input.trim();
    if url.chars().count() > WEBSITE_MAX {
        return Err(WEBSITE_TOO_LONG);
    }
    if url.chars().any(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\'' | '`' | '\\')
    }) {
        return Err(WEBSITE_FORMAT);
    }
    let lower = url.to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or(WEBSITE_FORMAT)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(WEBSITE_FORMAT);
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Err(WEBSITE_FORMAT);
            }
            host
        }
        None => authority,
    };
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    // At least a name and a top-level domain, and a top-level domain with a letter (no bare IPs).
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.chars().any(char::is_alphabetic));
    if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
        return Err(WEBSITE_FORMAT);
    }
    Ok(url.to_owned())
}

// --- certifications --------------------------------------------------------------------------

fn held_summary(rows: &[organization_certification::Model]) -> Value {
    Value::Array(
        rows.iter()
            .map(|c| json!({"code": c.certification_code, "certificate_no": c.certificate_no, "expires_on": c.expires_on}))
            .collect(),
    )
}

/// Replaces the organization's held certifications (PUT) with the list given.
///
/// # Errors
/// 404 unknown; 403 not a member; 422 naming every bad entry field (`[i].code` unknown or
/// duplicate, `[i].expires_on` not a date ...), with nothing changed.
pub async fn replace_certifications(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    body: &Value,
    origin: &Origin,
) -> Result<Vec<organization_certification::Model>, ApiError> {
    let org = visible(state, Some(caller), id).await?;
    caller.authorize(Action::EditOrganization {
        organization_id: OrganizationId(org.id),
    })?;
    let held = parse_certifications(state, body)?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let before = repo::certifications_of(&txn, &[org.id]).await?;
    repo::replace_certifications(&txn, org.id, held).await?;
    let after = repo::certifications_of(&txn, &[org.id]).await?;
    if before != after {
        audit::record(
            &txn,
            audit_entry(
                caller,
                "organization.certifications",
                org.id,
                json!({"before": held_summary(&before), "after": held_summary(&after)}),
                origin,
            ),
            now,
        )
        .await?;
        // Other instances' matchers notice organizations by their change time.
        repo::touch(&txn, org.id, now).await?;
    }
    commit(txn).await?;
    matching::after_organization_change(state, org.id).await;
    Ok(after)
}

fn parse_certifications(
    state: &AppState,
    body: &Value,
) -> Result<Vec<HeldCertification>, ApiError> {
    let mut f = Fields::new();
    let Some(items) = body.as_array() else {
        f.push(
            "body",
            "invalid",
            Text::fixed(
                "请求内容应为数组,例如 [{\"code\": \"IATF16949\", \"expires_on\": \"2027-06-30\"}]。",
                "The body must be an array, such as [{\"code\": \"IATF16949\", \"expires_on\": \"2027-06-30\"}].",
            ),
        );
        return Err(f.finish().err().unwrap_or(ApiError::Internal));
    };
    if items.len() > CERTIFICATIONS_MAX {
        f.push(
            "body",
            "too_many",
            Text::new(
                format!("最多 {CERTIFICATIONS_MAX} 项认证。"),
                format!("At most {CERTIFICATIONS_MAX} certifications."),
            ),
        );
        return Err(f.finish().err().unwrap_or(ApiError::Internal));
    }
    let mut held = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let at = |name: &str| format!("[{i}].{name}");
        let Some(entry) = item.as_object() else {
            let (code, message) = not_an_object(&format!("[{i}]"));
            f.push(&format!("[{i}]"), code, message);
            continue;
        };
        let mut code = None;
        let mut certificate_no = None;
        let mut expires_on = None;
        let mut has_code = false;
        let mut has_expiry = false;
        for (key, value) in entry {
            let field = at(key);
            match key.as_str() {
                "code" => {
                    has_code = true;
                    code = string(&mut f, &field, value).and_then(|c| {
                        let found = known_certification(state, c);
                        if found.is_none() {
                            f.push(
                                &field,
                                "certification.unknown",
                                Text::fixed(
                                    "没有这个认证代码,请从 /api/v1/certifications 中选择。",
                                    "No certification has this code; pick one from /api/v1/certifications.",
                                ),
                            );
                        }
                        found
                    });
                }
                "certificate_no" => {
                    certificate_no =
                        optional_text(&mut f, &field, value, 1, CERTIFICATE_NO_MAX, Lines::One);
                }
                "expires_on" => {
                    has_expiry = true;
                    expires_on =
                        string(&mut f, &field, value).and_then(|d| f.check(&field, date(d)));
                }
                _ => push_unknown_field(&mut f, &field),
            }
        }
        for (present, name) in [(has_code, "code"), (has_expiry, "expires_on")] {
            if !present {
                f.push(
                    &at(name),
                    "required",
                    Text::new(
                        format!("缺少必填字段 {}。", at(name)),
                        format!("{} is required.", at(name)),
                    ),
                );
            }
        }
        if let Some(c) = &code
            && !seen.insert(c.clone())
        {
            f.push(
                &at("code"),
                "duplicate",
                Text::new(
                    format!("认证 {c} 重复出现:每种认证只填写一次。"),
                    format!("{c} appears more than once: list each certification once."),
                ),
            );
        }
        if let (Some(code), Some(expires_on)) = (code, expires_on) {
            held.push(HeldCertification {
                code,
                certificate_no: certificate_no.flatten(),
                expires_on,
            });
        }
    }
    f.finish()?;
    Ok(held)
}

const DATE_FORMAT: Invalid = Invalid::new(
    "date.invalid",
    "日期应写作 YYYY-MM-DD,例如 2027-06-30。",
    "A date is written YYYY-MM-DD, for example 2027-06-30.",
);

/// A calendar date as `YYYY-MM-DD`, in years a certificate can plausibly carry.
fn date(input: &str) -> Result<NaiveDate, Invalid> {
    use chrono::Datelike;
    let s = input.trim();
    if s.len() != 10 {
        return Err(DATE_FORMAT);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
        .ok_or(DATE_FORMAT)
}

// --- plants ----------------------------------------------------------------------------------

/// An automaker's plants; an empty list for a supplier.
///
/// # Errors
/// 404 as for the profile.
pub async fn plants(
    state: &AppState,
    viewer: Option<&AuthUser>,
    id: Uuid,
) -> Result<Vec<plant::Model>, ApiError> {
    let org = visible(state, viewer, id).await?;
    Ok(repo::plants_of(state.db.conn(), org.id).await?)
}

/// Adds a plant to an automaker. Suppliers have no plants: asking is a 422 about the
/// organization (the caller may edit it; the organization is the wrong kind), not a 403.
///
/// # Errors
/// 404 unknown; 403 not a member; 422 for a supplier or bad fields.
pub async fn add_plant(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    body: &Value,
    origin: &Origin,
) -> Result<plant::Model, ApiError> {
    let org = visible(state, Some(caller), id).await?;
    caller.authorize(Action::EditOrganization {
        organization_id: OrganizationId(org.id),
    })?;
    if org.kind != OrganizationKind::Oem.as_str() {
        return Err(ApiError::Validation(vec![crate::error::FieldError {
            field: "organization".to_owned(),
            code: "plant.oem_only".to_owned(),
            message: Text::fixed(
                "只有整车企业(oem)可以登记工厂;零部件企业请在能力中填写供货地区。",
                "Only automakers (oem) have plants; a supplier states the regions it serves in its capabilities.",
            ),
        }]));
    }
    let new = parse_plant(state, body)?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let plant = repo::add_plant(&txn, org.id, new, now).await?;
    audit::record(
        &txn,
        audit_entry(
            caller,
            "organization.plant_add",
            org.id,
            json!({"before": null, "after": {"plant": plant.id, "name": plant.name, "name_en": plant.name_en, "region_code": plant.region_code}}),
            origin,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(plant)
}

fn parse_plant(state: &AppState, body: &Value) -> Result<NewPlant, ApiError> {
    let mut f = Fields::new();
    let Some(map) = body.as_object() else {
        let (code, message) = not_an_object("body");
        f.push("body", code, message);
        return Err(f.finish().err().unwrap_or(ApiError::Internal));
    };
    let mut name = None;
    let mut name_en = None;
    let mut region = None;
    for (key, value) in map {
        let field = key.as_str();
        match field {
            "name" => name = Some(required_text(&mut f, field, value, NAME_MIN, NAME_MAX)),
            "name_en" => {
                name_en = optional_text(&mut f, field, value, NAME_MIN, NAME_MAX, Lines::One);
            }
            "region_code" => {
                region = Some(
                    string(&mut f, field, value)
                        .and_then(|s| f.check(field, state.reference.site_region(s))),
                );
            }
            other => push_unknown_field(&mut f, other),
        }
    }
    for (missing, field) in [(name.is_none(), "name"), (region.is_none(), "region_code")] {
        if missing {
            f.push(
                field,
                "required",
                Text::new(format!("请填写 {field}。"), format!("{field} is required.")),
            );
        }
    }
    f.finish()?;
    match (name.flatten(), region.flatten()) {
        (Some(name), Some(region)) => Ok(NewPlant {
            name,
            name_en: name_en.flatten(),
            region_code: region.as_str().to_owned(),
        }),
        _ => Err(ApiError::Internal),
    }
}

/// Removes one of an automaker's plants. Needs that named it keep their delivery region.
///
/// # Errors
/// 404 for an unknown organization or a plant not its own; 403 not a member.
pub async fn remove_plant(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    plant_id: Uuid,
    origin: &Origin,
) -> Result<(), ApiError> {
    let org = visible(state, Some(caller), id).await?;
    caller.authorize(Action::EditOrganization {
        organization_id: OrganizationId(org.id),
    })?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let Some(removed) = repo::remove_plant(&txn, org.id, plant_id).await? else {
        return Err(ApiError::NotFound);
    };
    audit::record(
        &txn,
        audit_entry(
            caller,
            "organization.plant_remove",
            org.id,
            json!({"before": {"plant": removed.id, "name": removed.name, "region_code": removed.region_code}, "after": null}),
            origin,
        ),
        now,
    )
    .await?;
    commit(txn).await
}

// --- staff: verification and suspension ------------------------------------------------------

/// Marks the organization verified (the badge). Idempotent: verifying a verified one changes
/// nothing and writes no audit row.
///
/// # Errors
/// 403 unless staff; 404 unknown.
pub async fn verify(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    origin: &Origin,
) -> Result<(), ApiError> {
    caller.authorize(Action::VerifyOrganization)?;
    let org = load(state, id).await?;
    let now = Utc::now();
    let txn = begin(state).await?;
    if repo::mark_verified(&txn, org.id, now).await? {
        audit::record(
            &txn,
            audit_entry(
                caller,
                "organization.verify",
                org.id,
                json!({"before": {"verified": false}, "after": {"verified": true, "verified_at": now}}),
                origin,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    matching::after_organization_change(state, id).await;
    Ok(())
}

/// Reads `{reason}` (required) or `{reason?}` (a missing body, `null` or blank is no reason);
/// other keys are refused.
fn reason_field(f: &mut Fields, body: Option<&Value>, required: bool) -> Option<String> {
    let mut reason = None;
    let mut given = false;
    match body {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                match key.as_str() {
                    "reason" if value.is_null() => {}
                    "reason" => {
                        given = true;
                        reason = string(f, "reason", value).and_then(|s| {
                            if s.trim().is_empty() && !required {
                                None
                            } else {
                                text(f, "reason", s, 1, REASON_MAX, Lines::Many)
                            }
                        });
                    }
                    other => push_unknown_field(f, other),
                }
            }
        }
        Some(_) => {
            let (code, message) = not_an_object("body");
            f.push("body", code, message);
        }
    }
    if required && !given {
        f.push(
            "reason",
            "required",
            Text::fixed(
                "请填写暂停的原因(1 到 1000 个字符)。",
                "Give the reason for the suspension (1 to 1000 characters).",
            ),
        );
    }
    reason
}

/// Suspends the organization with a reason: it leaves the directory, and its postings leave
/// listings and matching, as this commits. Idempotent (a suspended one stays as it is).
///
/// # Errors
/// 403 unless staff; 422 for a missing or overlong reason; 404 unknown.
pub async fn suspend(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    body: &Value,
    origin: &Origin,
) -> Result<(), ApiError> {
    caller.authorize(Action::SuspendOrganization)?;
    let mut f = Fields::new();
    let reason = reason_field(&mut f, Some(body), true);
    f.finish()?;
    let reason = reason.ok_or(ApiError::Internal)?;
    let org = load(state, id).await?;
    let now = Utc::now();
    let txn = begin(state).await?;
    if repo::suspend(&txn, org.id, &reason, now).await? {
        audit::record(
            &txn,
            audit_entry(
                caller,
                "organization.suspend",
                org.id,
                json!({"before": {"suspended": false}, "after": {"suspended": true}, "reason": reason}),
                origin,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    matching::after_organization_change(state, id).await;
    Ok(())
}

/// Lifts a suspension, with an optional reason for the log. Idempotent.
///
/// # Errors
/// 403 unless staff; 422 for a bad reason or body; 404 unknown.
pub async fn reinstate(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    body: Option<&Value>,
    origin: &Origin,
) -> Result<(), ApiError> {
    caller.authorize(Action::SuspendOrganization)?;
    let mut f = Fields::new();
    let reason_given = reason_field(&mut f, body, false);
    f.finish()?;
    let org = load(state, id).await?;
    let now: DateTime<Utc> = Utc::now();
    let txn = begin(state).await?;
    if repo::reinstate(&txn, org.id, now).await? {
        audit::record(
            &txn,
            audit_entry(
                caller,
                "organization.reinstate",
                org.id,
                json!({"before": {"suspended": true, "reason": org.suspension_reason}, "after": {"suspended": false}, "reason": reason_given}),
                origin,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    matching::after_organization_change(state, id).await;
    Ok(())
}

/// What the staff's verification page lists.
#[derive(Debug, Clone)]
pub struct VerificationQueue {
    /// Unverified, unsuspended organizations, oldest first.
    pub awaiting: Vec<organization::Model>,
    /// Suspended organizations, to reinstate.
    pub suspended: Vec<organization::Model>,
}

/// How many of each the queue shows at once: verifying them makes room for the next.
const QUEUE_MAX: u64 = 100;

/// The verification queue (staff only).
///
/// # Errors
/// 403 unless staff.
pub async fn verification_queue(
    state: &AppState,
    caller: &AuthUser,
) -> Result<VerificationQueue, ApiError> {
    caller.authorize(Action::VerifyOrganization)?;
    let conn = state.db.conn();
    Ok(VerificationQueue {
        awaiting: repo::awaiting_verification(conn, QUEUE_MAX).await?,
        suspended: repo::suspended(conn, QUEUE_MAX).await?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn websites_must_be_plain_http_links() {
        for ok in [
            "https://www.example.com.cn",
            "http://example.cn/about?lang=zh#team",
            "HTTPS://Example.COM:8443/path",
            "https://例子.中国/关于",
            " https://a-b.example.com ",
        ] {
            assert!(website(ok).is_ok(), "{ok}");
        }
        for bad in [
            "www.example.com",
            "javascript:alert(1)",
            "ftp://example.com",
            "https://",
            "https://localhost",
            "https://10.0.0.1",
            "https://good.cn@evil.cn",
            "https://exa mple.com",
            "https://example.com/\"><script>",
            "https://-bad.example.com",
            "https://example.com:port",
            "https://example..com",
        ] {
            assert!(website(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(300));
        assert_eq!(website(&long).unwrap_err().code, "website.too_long");
    }

    #[test]
    fn dates_are_strict_calendar_days() {
        assert_eq!(
            date("2027-06-30").ok(),
            NaiveDate::from_ymd_opt(2027, 6, 30)
        );
        for bad in [
            "2027-6-30",
            "2027-02-30",
            "30/06/2027",
            "",
            "+12027-06-30",
            "0001-01-01",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }
}
