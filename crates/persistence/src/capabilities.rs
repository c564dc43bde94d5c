//! Suppliers' capabilities: create, read, change, archive and list them. List-valued fields are
//! JSON text; listings look through to the supplier's organization, so a suspension hides at once.

use chrono::{DateTime, NaiveDate, Utc};
use peitao_domain::capability::ValidCapability;
use peitao_domain::user::CapabilityStatus;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{capability, organization, organization_certification};
use crate::seed::{NewCapability, new_id};
use crate::{StoreError, StoreResult};

/// A capability with the organization that offers it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub capability: capability::Model,
    pub organization: organization::Model,
}

/// The strings of a JSON list column (products, processes, served regions); an unreadable
/// value reads as empty rather than failing a whole page.
#[must_use]
pub fn strings(column: &str) -> Vec<String> {
    serde_json::from_str(column).unwrap_or_default()
}

fn region_strings(cap: &ValidCapability) -> Vec<String> {
    cap.served_region_codes
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// Stores a new capability of `organization_id` with the status `status`.
///
/// # Errors
/// `NotFound` when the organization or category does not exist; database errors.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    cap: &ValidCapability,
    status: CapabilityStatus,
    now: DateTime<Utc>,
) -> StoreResult<capability::Model> {
    let row = NewCapability {
        organization_id,
        category_code: cap.category_code.as_str().to_owned(),
        title: cap.title.clone(),
        description: cap.description.clone(),
        products: cap.products.clone(),
        processes: cap.processes.clone(),
        annual_capacity: cap.annual_capacity,
        unit: cap.unit.clone(),
        min_order_qty: cap.min_order_qty,
        lead_time_days: cap.lead_time_days,
        served_region_codes: region_strings(cap),
        status: status.as_str(),
        terms: crate::terms::capability_terms(
            &cap.title,
            &cap.description,
            &cap.products,
            &cap.processes,
        ),
        title_terms: crate::terms::title_terms(&cap.title),
    }
    .into_active(new_id(), now);
    Ok(row.insert(conn).await?)
}

/// The capability with this id and its organization, if both exist.
///
/// # Errors
/// Database errors.
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> StoreResult<Option<Listed>> {
    let Some(capability) = capability::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let organization = organization::Entity::find_by_id(capability.organization_id)
        .one(conn)
        .await?;
    Ok(organization.map(|organization| Listed {
        capability,
        organization,
    }))
}

/// Replaces every field of the capability with `cap`, and its status with `status`.
///
/// # Errors
/// `NotFound` for an unknown id or category; database errors.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    cap: &ValidCapability,
    status: CapabilityStatus,
    now: DateTime<Utc>,
) -> StoreResult<capability::Model> {
    let row = capability::ActiveModel {
        id: Set(id),
        category_code: Set(cap.category_code.as_str().to_owned()),
        title: Set(cap.title.clone()),
        description: Set(cap.description.clone()),
        products: Set(crate::json_list(&cap.products)),
        processes: Set(crate::json_list(&cap.processes)),
        annual_capacity: Set(cap.annual_capacity),
        unit: Set(cap.unit.clone()),
        min_order_qty: Set(cap.min_order_qty),
        lead_time_days: Set(cap.lead_time_days),
        served_region_codes: Set(crate::json_list(&region_strings(cap))),
        status: Set(status.as_str().to_owned()),
        terms: Set(crate::terms::capability_terms(
            &cap.title,
            &cap.description,
            &cap.products,
            &cap.processes,
        )),
        title_terms: Set(crate::terms::title_terms(&cap.title)),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(row.update(conn).await?)
}

/// Archives the capability; false when it already was (one conditional UPDATE, so two
/// simultaneous archives record one change).
///
/// # Errors
/// Database errors.
pub async fn archive<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let archived = CapabilityStatus::Archived.as_str();
    let result = capability::Entity::update_many()
        .col_expr(capability::Column::Status, Expr::value(archived))
        .col_expr(capability::Column::UpdatedAt, Expr::value(now))
        .filter(capability::Column::Id.eq(id))
        .filter(capability::Column::Status.ne(archived))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// What a listing asks for. Every filter narrows; `None` leaves that side open.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub status: CapabilityStatus,
    pub organization: Option<Uuid>,
    /// The capability's category is one of these (a subtree, expanded by the caller).
    pub categories: Option<Vec<String>>,
    /// The supplier organization's region is one of these (a region's subtree, a zone, or both
    /// intersected, expanded by the caller).
    pub supplier_regions: Option<Vec<String>>,
    /// The supplier holds this certification, expiring on or after the given day.
    pub certification: Option<(String, NaiveDate)>,
    /// The supplier is verified (true) or not (false).
    pub verified: Option<bool>,
    /// Only these capabilities (a search's candidates, ranked by the caller).
    pub only: Option<Vec<Uuid>>,
    /// Cursor: only capabilities older than this id (ids are time-ordered UUIDv7).
    pub before: Option<Uuid>,
}

impl ListFilter {
    /// Published capabilities, nothing else narrowed.
    #[must_use]
    pub fn published() -> ListFilter {
        ListFilter {
            status: CapabilityStatus::Published,
            organization: None,
            categories: None,
            supplier_regions: None,
            certification: None,
            verified: None,
            only: None,
            before: None,
        }
    }
}

/// The organizations a listing may show: never a suspended one, whoever asks.
fn listable_organizations(filter: &ListFilter) -> SelectStatement {
    let mut q = Query::select();
    q.column(organization::Column::Id)
        .from(organization::Entity)
        .and_where(organization::Column::SuspendedAt.is_null());
    if let Some(regions) = &filter.supplier_regions {
        q.and_where(organization::Column::RegionCode.is_in(regions.iter().map(String::as_str)));
    }
    match filter.verified {
        Some(true) => {
            q.and_where(organization::Column::VerifiedAt.is_not_null());
        }
        Some(false) => {
            q.and_where(organization::Column::VerifiedAt.is_null());
        }
        None => {}
    }
    q.to_owned()
}

/// `EXISTS (subquery)`, written `NOT NOT EXISTS` so SQLite checks it row by row. SQLite 3.5x
/// turns a plain correlated `EXISTS` into a join with a Bloom filter built from the whole other
/// table: 0.1 ms became 660 ms for the directory's first page at a million capabilities, the
/// filter being built from all 500,000 organizations to keep 21 rows. PostgreSQL reads both the
/// same way.
fn kept_per_row(subquery: SelectStatement) -> Expr {
    Expr::exists(subquery).not().not()
}

/// Whether a listing is broad enough to walk the capabilities newest first, checking each
/// one's organization, rather than to start from the organizations its filters leave: true
/// unless it names one organization or a few regions (a district: a few hundred suppliers of
/// 500,000, whose capabilities are quicker to sort than to find by walking).
fn walks_newest_first(filter: &ListFilter) -> bool {
    filter.organization.is_none()
        && filter
            .supplier_regions
            .as_ref()
            .is_none_or(|regions| regions.len() > 8)
}

/// A page of capabilities with their organizations, newest first, at most `limit` of them.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &ListFilter,
    limit: u64,
) -> StoreResult<Vec<Listed>> {
    let mut q =
        capability::Entity::find().filter(capability::Column::Status.eq(filter.status.as_str()));
    let holders = filter.certification.as_ref().map(|(code, today)| {
        Query::select()
            .column(organization_certification::Column::OrganizationId)
            .from(organization_certification::Entity)
            .and_where(organization_certification::Column::CertificationCode.eq(code.as_str()))
            .and_where(organization_certification::Column::ExpiresOn.gte(*today))
            .to_owned()
    });
    if filter.only.is_some() || walks_newest_first(filter) {
        // A search's candidates (at most a few thousand), or a broad listing read newest first
        // until the page is full: checking each one's organization by key beats building the
        // set of every listable organization (~200 ms for 500,000) and sorting their
        // capabilities (SQLite took 1.5 s for the directory's first page at a million).
        let same_org = |table: &str, column: &str| {
            Expr::col((Alias::new(table), Alias::new(column)))
                .equals((capability::Entity, capability::Column::OrganizationId))
        };
        let mut listable = listable_organizations(filter);
        listable.and_where(same_org("organizations", "id"));
        q = q.filter(kept_per_row(listable));
        if let Some(mut holders) = holders {
            holders.and_where(same_org("organization_certifications", "organization_id"));
            q = q.filter(kept_per_row(holders));
        }
    } else {
        q = q
            .filter(capability::Column::OrganizationId.in_subquery(listable_organizations(filter)));
        if let Some(holders) = holders {
            q = q.filter(capability::Column::OrganizationId.in_subquery(holders));
        }
    }
    if let Some(org) = filter.organization {
        q = q.filter(capability::Column::OrganizationId.eq(org));
    }
    if let Some(categories) = &filter.categories {
        q = q.filter(capability::Column::CategoryCode.is_in(categories.iter().map(String::as_str)));
    }
    if let Some(ids) = &filter.only {
        q = q.filter(capability::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(before) = filter.before {
        q = q.filter(capability::Column::Id.lt(before));
    }
    let capabilities = q
        .order_by_desc(capability::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    let mut ids: Vec<Uuid> = capabilities.iter().map(|c| c.organization_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let organizations = organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    capabilities
        .into_iter()
        .map(|capability| {
            let organization = organizations
                .iter()
                .find(|o| o.id == capability.organization_id)
                .cloned()
                .ok_or_else(|| StoreError::NotFound("capability organization".into()))?;
            Ok(Listed {
                capability,
                organization,
            })
        })
        .collect()
}
