//! What the matcher's in-memory index is built from: suppliers with their certifications and
//! responsiveness, capabilities in id-ordered batches, and needs as matching profiles.

use chrono::{DateTime, Utc};
use peitao_domain::matching::{CapabilityProfile, NeedProfile, SupplierProfile};
use peitao_domain::user::{CapabilityStatus, NeedStatus};
use peitao_domain::{CategoryCode, RegionCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::StoreResult;
use crate::capabilities::strings;
use crate::changed::ids_since;
use crate::entities::{capability, need, organization, organization_certification};
use crate::terms::{capability_terms, need_terms, split};

/// Rows read per query while loading, so a million capabilities never sit in memory as rows.
pub const BATCH: u64 = 10_000;

/// Suppliers changed at or after `since` (all of them without it), as the index wants them.
/// Rows whose region code no longer parses are skipped (the index could not place them).
///
/// # Errors
/// Database errors.
pub async fn suppliers<C: ConnectionTrait>(
    conn: &C,
    since: Option<DateTime<Utc>>,
) -> StoreResult<Vec<(Uuid, SupplierProfile)>> {
    let query = organization::Entity::find()
        .filter(organization::Column::Kind.eq("supplier"))
        .order_by_asc(organization::Column::Id);
    let Some(since) = since else {
        return profiles(conn, query, true).await;
    };
    let changed = ids_since::<organization::Entity, _>(
        conn,
        organization::Column::Id,
        organization::Column::UpdatedAt,
        since,
        None,
    )
    .await?;
    let mut out = Vec::new();
    for chunk in changed.chunks(usize::try_from(BATCH).unwrap_or(usize::MAX)) {
        let query = query
            .clone()
            .filter(organization::Column::Id.is_in(chunk.iter().copied()));
        out.extend(profiles(conn, query, false).await?);
    }
    Ok(out)
}

/// `(id, updated_at)` of the organizations and capabilities changed at or after `since`: a refresh
/// compares them with what it read before to tell rows it has not seen from rows it only reread
/// (each refresh rereads an overlap).
///
/// # Errors
/// Database errors.
pub async fn stamps_since<C: ConnectionTrait>(
    conn: &C,
    since: DateTime<Utc>,
) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
    let mut stamps: Vec<(Uuid, DateTime<Utc>)> = organization::Entity::find()
        .select_only()
        .column(organization::Column::Id)
        .column(organization::Column::UpdatedAt)
        .filter(organization::Column::UpdatedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    let capabilities: Vec<(Uuid, DateTime<Utc>)> = capability::Entity::find()
        .select_only()
        .column(capability::Column::Id)
        .column(capability::Column::UpdatedAt)
        .filter(capability::Column::UpdatedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    stamps.extend(capabilities);
    Ok(stamps)
}

/// One supplier as the index wants it; `None` for an unknown id or an OEM.
///
/// # Errors
/// Database errors.
pub async fn supplier<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> StoreResult<Option<(Uuid, SupplierProfile)>> {
    let query = organization::Entity::find()
        .filter(organization::Column::Kind.eq("supplier"))
        .filter(organization::Column::Id.eq(id));
    Ok(profiles(conn, query, false).await?.pop())
}

async fn profiles<C: ConnectionTrait>(
    conn: &C,
    query: sea_orm::Select<organization::Entity>,
    all: bool,
) -> StoreResult<Vec<(Uuid, SupplierProfile)>> {
    // Only the columns the index uses: hydrating whole rows doubles a million-row load.
    type Row = (Uuid, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let orgs: Vec<Row> = query
        .select_only()
        .column(organization::Column::Id)
        .column(organization::Column::RegionCode)
        .column(organization::Column::SuspendedAt)
        .column(organization::Column::VerifiedAt)
        .into_tuple()
        .all(conn)
        .await?;
    let mut certs = organization_certification::Entity::find()
        .select_only()
        .column(organization_certification::Column::OrganizationId)
        .column(organization_certification::Column::CertificationCode)
        .column(organization_certification::Column::ExpiresOn);
    if !all {
        certs = certs.filter(
            organization_certification::Column::OrganizationId.is_in(orgs.iter().map(|o| o.0)),
        );
    }
    let mut held: std::collections::HashMap<Uuid, Vec<(String, chrono::NaiveDate)>> =
        std::collections::HashMap::new();
    let rows: Vec<(Uuid, String, chrono::NaiveDate)> = certs.into_tuple().all(conn).await?;
    for (org, code, expires) in rows {
        held.entry(org).or_default().push((code, expires));
    }
    let answered = crate::matches::responsiveness(conn).await?;
    Ok(orgs
        .into_iter()
        .filter_map(|(id, region, suspended_at, verified_at)| {
            Some((
                id,
                SupplierProfile {
                    region: RegionCode::parse(&region).ok()?,
                    suspended: suspended_at.is_some(),
                    verified: verified_at.is_some(),
                    certifications: held.remove(&id).unwrap_or_default(),
                    responsiveness: answered.get(&id).copied(),
                },
            ))
        })
        .collect())
}

/// A capability row as the index takes it: its id, its supplier, and its profile (drafts and
/// archived ones come with `published: false`, which removes them).
pub type CapabilityFeed = (Uuid, Uuid, CapabilityProfile);

/// One batch of capabilities with ids after `after`, changed at or after `since` when given.
///
/// # Errors
/// Database errors.
pub async fn capabilities<C: ConnectionTrait>(
    conn: &C,
    after: Option<Uuid>,
    since: Option<DateTime<Utc>>,
) -> StoreResult<Vec<CapabilityFeed>> {
    let mut query = capability::Entity::find()
        .order_by_asc(capability::Column::Id)
        .limit(BATCH);
    if let Some(after) = after {
        query = query.filter(capability::Column::Id.gt(after));
    }
    if let Some(since) = since {
        let mut changed = ids_since::<capability::Entity, _>(
            conn,
            capability::Column::Id,
            capability::Column::UpdatedAt,
            since,
            after,
        )
        .await?;
        changed.truncate(usize::try_from(BATCH).unwrap_or(usize::MAX));
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        query = query.filter(capability::Column::Id.is_in(changed));
    }
    type Row = (
        Uuid,
        Uuid,
        String,
        String,
        Option<i64>,
        Option<String>,
        String,
        String,
    );
    let rows: Vec<Row> = query
        .select_only()
        .column(capability::Column::Id)
        .column(capability::Column::OrganizationId)
        .column(capability::Column::CategoryCode)
        .column(capability::Column::Status)
        .column(capability::Column::AnnualCapacity)
        .column(capability::Column::Unit)
        .column(capability::Column::ServedRegionCodes)
        .column(capability::Column::Terms)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, organization_id, category, status, capacity, unit, served, terms) in rows {
        if terms.is_empty() {
            // Written before terms were stored: the whole row is needed to compute them.
            if let Some(profile) = capability::Entity::find_by_id(id)
                .one(conn)
                .await?
                .as_ref()
                .and_then(capability_profile)
            {
                out.push((id, organization_id, profile));
            }
            continue;
        }
        let Ok(category) = CategoryCode::parse(&category) else {
            continue;
        };
        out.push((
            id,
            organization_id,
            CapabilityProfile {
                category,
                published: status == CapabilityStatus::Published.as_str(),
                annual_capacity: capacity,
                unit,
                served_regions: strings(&served)
                    .iter()
                    .filter_map(|r| RegionCode::parse(r).ok())
                    .collect(),
                terms: split(&terms),
            },
        ));
    }
    Ok(out)
}

/// The capability as the matcher sees it; `None` when its stored codes no longer parse.
#[must_use]
pub fn capability_profile(c: &capability::Model) -> Option<CapabilityProfile> {
    let terms = if c.terms.is_empty() {
        // Written before terms were stored.
        capability_terms(
            &c.title,
            &c.description,
            &strings(&c.products),
            &strings(&c.processes),
        )
    } else {
        c.terms.clone()
    };
    Some(CapabilityProfile {
        category: CategoryCode::parse(&c.category_code).ok()?,
        published: c.status == CapabilityStatus::Published.as_str(),
        annual_capacity: c.annual_capacity,
        unit: c.unit.clone(),
        served_regions: strings(&c.served_region_codes)
            .iter()
            .filter_map(|r| RegionCode::parse(r).ok())
            .collect(),
        terms: split(&terms),
    })
}

/// The need as the matcher sees it; `None` when its stored codes no longer parse.
#[must_use]
pub fn need_profile(n: &need::Model) -> Option<NeedProfile> {
    let terms = if n.terms.is_empty() {
        need_terms(&n.title, &n.description)
    } else {
        n.terms.clone()
    };
    Some(NeedProfile {
        category: CategoryCode::parse(&n.category_code).ok()?,
        delivery_region: RegionCode::parse(&n.delivery_region_code).ok()?,
        open: n.status == NeedStatus::Open.as_str(),
        annual_volume: n.annual_volume,
        unit: n.unit.clone(),
        required_certifications: strings(&n.required_certifications),
        terms: split(&terms),
    })
}

/// One batch of open needs with ids after `after`.
///
/// # Errors
/// Database errors.
pub async fn open_needs<C: ConnectionTrait>(
    conn: &C,
    after: Option<Uuid>,
) -> StoreResult<Vec<need::Model>> {
    let mut query = need::Entity::find()
        .filter(need::Column::Status.eq(NeedStatus::Open.as_str()))
        .order_by_asc(need::Column::Id)
        .limit(BATCH);
    if let Some(after) = after {
        query = query.filter(need::Column::Id.gt(after));
    }
    Ok(query.all(conn).await?)
}

/// Open needs whose category is one of `categories` (those a capability could serve).
///
/// # Errors
/// Database errors.
pub async fn open_needs_in<C: ConnectionTrait>(
    conn: &C,
    categories: &[String],
) -> StoreResult<Vec<need::Model>> {
    Ok(need::Entity::find()
        .filter(need::Column::Status.eq(NeedStatus::Open.as_str()))
        .filter(need::Column::CategoryCode.is_in(categories.iter().cloned()))
        .all(conn)
        .await?)
}

/// How many needs are open (a progress bar's length).
///
/// # Errors
/// Database errors.
pub async fn count_open_needs<C: ConnectionTrait>(conn: &C) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(need::Entity::find()
        .filter(need::Column::Status.eq(NeedStatus::Open.as_str()))
        .count(conn)
        .await?)
}
