//! Company profiles: the public directory query, profile edits, held certifications, OEM plants,
//! and the staff switches (verified, suspended). Every write runs on the caller's transaction.

use chrono::{DateTime, NaiveDate, Utc};
use peitao_domain::user::CapabilityStatus;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::entities::{capability, organization, organization_certification, plant};
use crate::seed::new_id;
use crate::{StoreError, StoreResult};

/// The organization with this id, suspended or not.
///
/// # Errors
/// Database errors.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> StoreResult<Option<organization::Model>> {
    Ok(organization::Entity::find_by_id(id).one(conn).await?)
}

/// What the directory is narrowed by; every `None` means "any". Reference codes arrive expanded
/// (a category or region with everything beneath it), already checked against reference data.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    pub kind: Option<String>,
    /// Organizations with a published capability in one of these categories.
    pub categories: Option<Vec<String>>,
    /// Organizations whose region is one of these (a region's subtree).
    pub regions: Option<Vec<String>>,
    /// Organizations whose region is one of these (a zone's regions); ANDed with `regions`.
    pub zone_regions: Option<Vec<String>>,
    /// Organizations holding this certification, unexpired on the given day.
    pub certification: Option<(String, NaiveDate)>,
    pub verified: Option<bool>,
    /// Only these organizations (a search's candidates, ranked by the caller).
    pub only: Option<Vec<Uuid>>,
    /// Cursor: organizations older than this id (ids are time-ordered UUIDv7).
    pub before: Option<Uuid>,
}

/// A page of the public directory, newest first. Suspended organizations are never listed.
///
/// # Errors
/// Database errors.
pub async fn directory<C: ConnectionTrait>(
    conn: &C,
    filter: &DirectoryFilter,
    limit: u64,
) -> StoreResult<Vec<organization::Model>> {
    Ok(directory_query(filter)
        .order_by_desc(organization::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

fn directory_query(filter: &DirectoryFilter) -> Select<organization::Entity> {
    let mut q = organization::Entity::find().filter(organization::Column::SuspendedAt.is_null());
    if let Some(kind) = &filter.kind {
        q = q.filter(organization::Column::Kind.eq(kind.as_str()));
    }
    if let Some(categories) = &filter.categories {
        q = q.filter(
            organization::Column::Id.in_subquery(
                Query::select()
                    .column(capability::Column::OrganizationId)
                    .from(capability::Entity)
                    .and_where(capability::Column::Status.eq(CapabilityStatus::Published.as_str()))
                    .and_where(capability::Column::CategoryCode.is_in(categories.iter().cloned()))
                    .to_owned(),
            ),
        );
    }
    for regions in [&filter.regions, &filter.zone_regions]
        .into_iter()
        .flatten()
    {
        q = q.filter(organization::Column::RegionCode.is_in(regions.iter().cloned()));
    }
    if let Some((code, today)) = &filter.certification {
        q = q.filter(
            organization::Column::Id.in_subquery(
                Query::select()
                    .column(organization_certification::Column::OrganizationId)
                    .from(organization_certification::Entity)
                    .and_where(organization_certification::Column::CertificationCode.eq(code))
                    .and_where(organization_certification::Column::ExpiresOn.gte(*today))
                    .to_owned(),
            ),
        );
    }
    match filter.verified {
        Some(true) => q = q.filter(organization::Column::VerifiedAt.is_not_null()),
        Some(false) => q = q.filter(organization::Column::VerifiedAt.is_null()),
        None => {}
    }
    if let Some(ids) = &filter.only {
        q = q.filter(organization::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(before) = filter.before {
        q = q.filter(organization::Column::Id.lt(before));
    }
    q
}

/// Held certifications of these organizations, by organization then code.
///
/// # Errors
/// Database errors.
pub async fn certifications_of<C: ConnectionTrait>(
    conn: &C,
    organization_ids: &[Uuid],
) -> StoreResult<Vec<organization_certification::Model>> {
    if organization_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(organization_certification::Entity::find()
        .filter(
            organization_certification::Column::OrganizationId
                .is_in(organization_ids.iter().copied()),
        )
        .order_by_asc(organization_certification::Column::OrganizationId)
        .order_by_asc(organization_certification::Column::CertificationCode)
        .all(conn)
        .await?)
}

/// A certification an organization holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCertification {
    pub code: String,
    pub certificate_no: Option<String>,
    pub expires_on: NaiveDate,
}

/// Replaces the organization's certifications with `held` (codes unique, known).
///
/// # Errors
/// Database errors; `NotFound` when a code is not in the reference data.
pub async fn replace_certifications<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    held: Vec<HeldCertification>,
) -> StoreResult<()> {
    organization_certification::Entity::delete_many()
        .filter(organization_certification::Column::OrganizationId.eq(organization_id))
        .exec(conn)
        .await?;
    if held.is_empty() {
        return Ok(());
    }
    organization_certification::Entity::insert_many(held.into_iter().map(|h| {
        organization_certification::ActiveModel {
            organization_id: Set(organization_id),
            certification_code: Set(h.code),
            certificate_no: Set(h.certificate_no),
            expires_on: Set(h.expires_on),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Marks the organization changed now (for readers that poll by change time).
///
/// # Errors
/// Database errors.
pub async fn touch<C: ConnectionTrait>(conn: &C, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    organization::Entity::update_many()
        .col_expr(organization::Column::UpdatedAt, Expr::value(now))
        .filter(organization::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Changes to a profile; `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub name_en: Option<Option<String>>,
    pub region_code: Option<String>,
    pub address: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub description_en: Option<Option<String>>,
    pub size: Option<Option<String>>,
    pub founded_year: Option<Option<i32>>,
}

/// Applies the changes and returns the profile as it now is.
///
/// # Errors
/// `NotFound` when the organization is gone; database errors.
pub async fn update_profile<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    changes: ProfileChanges,
    now: DateTime<Utc>,
) -> StoreResult<organization::Model> {
    let Some(current) = find(conn, id).await? else {
        return Err(StoreError::NotFound(format!("organization {id}")));
    };
    let mut row: organization::ActiveModel = current.into();
    if let Some(v) = changes.name {
        row.name = Set(v);
    }
    if let Some(v) = changes.region_code {
        row.region_code = Set(v);
    }
    macro_rules! set_optional {
        ($($field:ident),+) => {$(
            if let Some(v) = changes.$field {
                row.$field = Set(v);
            }
        )+};
    }
    set_optional!(
        name_en,
        address,
        contact_email,
        contact_phone,
        website,
        description,
        description_en,
        size,
        founded_year
    );
    row.updated_at = Set(now);
    Ok(row.with_terms().update(conn).await?)
}

impl organization::ActiveModel {
    /// The row with its search terms computed from its names and descriptions as set in it
    /// (call after setting those).
    #[must_use]
    pub fn with_terms(mut self) -> organization::ActiveModel {
        let name = self.name.try_as_ref().map_or("", String::as_str);
        let optional = |v: &sea_orm::ActiveValue<Option<String>>| {
            v.try_as_ref().and_then(|v| v.as_deref()).map(str::to_owned)
        };
        let name_en = optional(&self.name_en);
        let terms = crate::terms::organization_terms(
            name,
            name_en.as_deref(),
            optional(&self.description).as_deref(),
            optional(&self.description_en).as_deref(),
        );
        let title = crate::terms::organization_title_terms(name, name_en.as_deref());
        self.terms = Set(terms);
        self.title_terms = Set(title);
        self
    }
}

/// The organization's plants, oldest first.
///
/// # Errors
/// Database errors.
pub async fn plants_of<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> StoreResult<Vec<plant::Model>> {
    Ok(plant::Entity::find()
        .filter(plant::Column::OrganizationId.eq(organization_id))
        .order_by_asc(plant::Column::Id)
        .all(conn)
        .await?)
}

/// A plant to add to an automaker.
#[derive(Debug, Clone)]
pub struct NewPlant {
    pub name: String,
    pub name_en: Option<String>,
    pub region_code: String,
}

/// Adds a plant and returns it.
///
/// # Errors
/// Database errors.
pub async fn add_plant<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    new: NewPlant,
    now: DateTime<Utc>,
) -> StoreResult<plant::Model> {
    Ok(plant::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id),
        name: Set(new.name),
        name_en: Set(new.name_en),
        region_code: Set(new.region_code),
        created_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// Removes one of the organization's plants and returns what it was; `None` when that
/// organization has no such plant. Needs delivered to it keep their region (the key is SET NULL).
///
/// # Errors
/// Database errors.
pub async fn remove_plant<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    plant_id: Uuid,
) -> StoreResult<Option<plant::Model>> {
    let Some(found) = plant::Entity::find_by_id(plant_id)
        .filter(plant::Column::OrganizationId.eq(organization_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    plant::Entity::delete_by_id(plant_id).exec(conn).await?;
    Ok(Some(found))
}

/// Marks the organization verified; false when it already was (nothing changes then).
///
/// # Errors
/// Database errors.
pub async fn mark_verified<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let result = organization::Entity::update_many()
        .col_expr(organization::Column::VerifiedAt, Expr::value(now))
        .col_expr(organization::Column::UpdatedAt, Expr::value(now))
        .filter(organization::Column::Id.eq(id))
        .filter(organization::Column::VerifiedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Suspends the organization: from this commit on, its postings drop out of listings and
/// matching (those queries require `suspended_at IS NULL`). False when it already was.
///
/// # Errors
/// Database errors.
pub async fn suspend<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let result = organization::Entity::update_many()
        .col_expr(organization::Column::SuspendedAt, Expr::value(now))
        .col_expr(organization::Column::SuspensionReason, Expr::value(reason))
        .col_expr(organization::Column::UpdatedAt, Expr::value(now))
        .filter(organization::Column::Id.eq(id))
        .filter(organization::Column::SuspendedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Lifts a suspension; false when the organization was not suspended.
///
/// # Errors
/// Database errors.
pub async fn reinstate<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let result = organization::Entity::update_many()
        .col_expr(
            organization::Column::SuspendedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            organization::Column::SuspensionReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(organization::Column::UpdatedAt, Expr::value(now))
        .filter(organization::Column::Id.eq(id))
        .filter(organization::Column::SuspendedAt.is_not_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The staff's verification queue: organizations not yet verified and not suspended, oldest
/// first (ties by id), at most `limit`.
///
/// # Errors
/// Database errors.
pub async fn awaiting_verification<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> StoreResult<Vec<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::VerifiedAt.is_null())
        .filter(organization::Column::SuspendedAt.is_null())
        .order_by_asc(organization::Column::CreatedAt)
        .order_by_asc(organization::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Suspended organizations, most recently suspended first, at most `limit`.
///
/// # Errors
/// Database errors.
pub async fn suspended<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> StoreResult<Vec<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::SuspendedAt.is_not_null())
        .order_by_desc(organization::Column::SuspendedAt)
        .order_by_desc(organization::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_candidates_narrow_the_directory_and_suspended_ones_stay_out() {
        use sea_orm::{DbBackend, QueryTrait};
        let filter = DirectoryFilter {
            only: Some(vec![Uuid::nil()]),
            ..DirectoryFilter::default()
        };
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = directory_query(&filter).build(backend).to_string();
            assert!(sql.contains(" IN ("), "{sql}");
            assert!(
                sql.contains("IS NULL"),
                "suspended ones are left out: {sql}"
            );
        }
    }
}
