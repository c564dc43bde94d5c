//! Automakers' needs: storing, listing (suspended organizations' needs never listed), editing
//! with a revision per edit, closing, and the worker's rule that an overdue need expires.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peitao_domain::ids::PlantId;
use peitao_domain::need::NeedFields;
use peitao_domain::user::NeedStatus;
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef,
};
use uuid::Uuid;

use crate::entities::{need, need_revision, organization, plant};
use crate::seed::new_id;
use crate::{Db, StoreError, StoreResult};

/// Marks open needs whose respond-by date lies before `today` as expired; returns how many.
/// A single UPDATE, so instances running it at once cannot double-count or conflict.
///
/// # Errors
/// Database errors.
pub async fn expire_overdue(db: &Db, today: NaiveDate, now: DateTime<Utc>) -> StoreResult<u64> {
    let result = need::Entity::update_many()
        .col_expr(
            need::Column::Status,
            Expr::value(NeedStatus::Expired.as_str()),
        )
        .col_expr(need::Column::UpdatedAt, Expr::value(now))
        .filter(need::Column::Status.eq(NeedStatus::Open.as_str()))
        .filter(need::Column::RespondBy.lt(today))
        .exec(db.conn())
        .await?;
    // Nothing is left to moderate on an expired need: its undecided proposals are withdrawn
    // (decided ones stay, with their history).
    crate::entities::proposal::Entity::update_many()
        .col_expr(
            crate::entities::proposal::Column::Status,
            Expr::value(crate::matches::status::WITHDRAWN),
        )
        .col_expr(
            crate::entities::proposal::Column::Rank,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(
            crate::entities::proposal::Column::UpdatedAt,
            Expr::value(now),
        )
        .filter(crate::entities::proposal::Column::Status.eq(crate::matches::status::PROPOSED))
        .filter(
            crate::entities::proposal::Column::NeedId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(need::Column::Id)
                    .from(need::Entity)
                    .and_where(need::Column::Status.eq(NeedStatus::Expired.as_str()))
                    .to_owned(),
            ),
        )
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected)
}

/// A need with what a listing shows beside it: its organization, its plant's name and how many
/// times it was edited.
#[derive(Debug, Clone)]
pub struct NeedRow {
    pub need: need::Model,
    pub organization: organization::Model,
    pub plant_name: Option<String>,
    /// Edits so far: the number of stored revisions (0 for a need never edited).
    pub revision: i64,
}

/// Which needs a listing asks for. Lists are already expanded (a category to its subtree, a
/// region or zone to its divisions); `Some(empty)` matches nothing.
#[derive(Debug, Clone)]
pub struct NeedFilter {
    pub organization: Option<Uuid>,
    pub categories: Option<Vec<String>>,
    pub delivery_regions: Option<Vec<String>>,
    pub certification: Option<String>,
    pub status: NeedStatus,
    /// Only these needs (a search's candidates, ranked by the caller).
    pub only: Option<Vec<Uuid>>,
    /// Cursor: needs older than this id (ids are time-ordered UUIDv7).
    pub before: Option<Uuid>,
}

fn owner() -> RelationDef {
    need::Entity::belongs_to(organization::Entity)
        .from(need::Column::OrganizationId)
        .to(organization::Column::Id)
        .into()
}

/// `%` and `_` in user text match themselves.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for ch in text.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn contains(text: &str) -> LikeExpr {
    LikeExpr::new(format!("%{}%", like_escaped(text))).escape('\\')
}

/// A page of needs, newest first, of organizations that are not suspended: a suspension takes
/// its needs out of every listing at once.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &NeedFilter,
    limit: u64,
) -> StoreResult<Vec<NeedRow>> {
    if filter.categories.as_ref().is_some_and(Vec::is_empty)
        || filter.delivery_regions.as_ref().is_some_and(Vec::is_empty)
    {
        return Ok(Vec::new());
    }
    let mut q = need::Entity::find()
        .join(JoinType::InnerJoin, owner())
        .filter(organization::Column::SuspendedAt.is_null())
        .filter(need::Column::Status.eq(filter.status.as_str()));
    if let Some(org) = filter.organization {
        q = q.filter(need::Column::OrganizationId.eq(org));
    }
    if let Some(categories) = &filter.categories {
        q = q.filter(need::Column::CategoryCode.is_in(categories.iter().map(String::as_str)));
    }
    if let Some(regions) = &filter.delivery_regions {
        q = q.filter(need::Column::DeliveryRegionCode.is_in(regions.iter().map(String::as_str)));
    }
    if let Some(code) = &filter.certification {
        // The column holds a JSON array of codes: match the quoted code, not a prefix of another.
        q = q.filter(need::Column::RequiredCertifications.like(contains(&format!("\"{code}\""))));
    }
    if let Some(ids) = &filter.only {
        q = q.filter(need::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(before) = filter.before {
        q = q.filter(need::Column::Id.lt(before));
    }
    let pairs = q
        .order_by_desc(need::Column::Id)
        .limit(limit)
        .select_also(organization::Entity)
        .all(conn)
        .await?;
    let rows = pairs
        .into_iter()
        .filter_map(|(n, o)| o.map(|o| (n, o)))
        .collect();
    with_details(conn, rows).await
}

/// One need with its organization, plant name and revision count, whatever its status and
/// whether or not its organization is suspended (the caller decides who may see it).
///
/// # Errors
/// Database errors.
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> StoreResult<Option<NeedRow>> {
    let Some((n, Some(o))) = need::Entity::find_by_id(id)
        .join(JoinType::InnerJoin, owner())
        .select_also(organization::Entity)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_details(conn, vec![(n, o)]).await?.pop())
}

/// Reads a need for changing it, locking its row until the transaction ends (PostgreSQL; SQLite
/// serializes writers anyway), so concurrent edits cannot both take the same revision number.
///
/// # Errors
/// Database errors.
pub async fn find_for_update<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> StoreResult<Option<need::Model>> {
    Ok(need::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?)
}

async fn with_details<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<(need::Model, organization::Model)>,
) -> StoreResult<Vec<NeedRow>> {
    let ids: Vec<Uuid> = rows.iter().map(|(n, _)| n.id).collect();
    let plant_ids: Vec<Uuid> = rows.iter().filter_map(|(n, _)| n.plant_id).collect();
    let plants: HashMap<Uuid, String> = if plant_ids.is_empty() {
        HashMap::new()
    } else {
        plant::Entity::find()
            .filter(plant::Column::Id.is_in(plant_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect()
    };
    let counts: HashMap<Uuid, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        need_revision::Entity::find()
            .select_only()
            .column(need_revision::Column::NeedId)
            .column_as(need_revision::Column::Id.count(), "revisions")
            .filter(need_revision::Column::NeedId.is_in(ids))
            .group_by(need_revision::Column::NeedId)
            .into_tuple::<(Uuid, i64)>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(need, organization)| NeedRow {
            plant_name: need.plant_id.and_then(|p| plants.get(&p).cloned()),
            revision: counts.get(&need.id).copied().unwrap_or(0),
            need,
            organization,
        })
        .collect())
}

/// The plants of an organization, for checking that a need names one of its own.
///
/// # Errors
/// Database errors.
pub async fn plants_of<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> StoreResult<Vec<plant::Model>> {
    Ok(plant::Entity::find()
        .filter(plant::Column::OrganizationId.eq(organization_id))
        .all(conn)
        .await?)
}

fn set_fields(row: &mut need::ActiveModel, fields: &NeedFields) {
    row.category_code = Set(fields.category_code.as_str().to_owned());
    row.title = Set(fields.title.clone());
    row.description = Set(fields.description.clone());
    row.delivery_region_code = Set(fields.delivery_region_code.as_str().to_owned());
    row.plant_id = Set(fields.plant_id.map(PlantId::into_uuid));
    row.annual_volume = Set(fields.annual_volume);
    row.unit = Set(fields.unit.clone());
    row.sop_date = Set(fields.sop_date);
    row.respond_by = Set(fields.respond_by);
    row.required_certifications = Set(crate::json_list(&fields.required_certifications));
    row.target_price = Set(fields.target_price.as_ref().map(|p| p.as_str().to_owned()));
    row.terms = Set(crate::terms::need_terms(&fields.title, &fields.description));
    row.title_terms = Set(crate::terms::title_terms(&fields.title));
}

/// Stores a new open need for `organization_id`.
///
/// # Errors
/// Database errors (`NotFound` when a referenced row vanished meanwhile).
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    fields: &NeedFields,
    now: DateTime<Utc>,
) -> StoreResult<need::Model> {
    let mut row = need::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id),
        status: Set(NeedStatus::Open.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_fields(&mut row, fields);
    Ok(row.insert(conn).await?)
}

/// The need as `fields` would leave it, without writing anything (to compare and to snapshot).
#[must_use]
pub fn with_fields(before: &need::Model, fields: &NeedFields, now: DateTime<Utc>) -> need::Model {
    need::Model {
        category_code: fields.category_code.as_str().to_owned(),
        title: fields.title.clone(),
        description: fields.description.clone(),
        delivery_region_code: fields.delivery_region_code.as_str().to_owned(),
        plant_id: fields.plant_id.map(PlantId::into_uuid),
        annual_volume: fields.annual_volume,
        unit: fields.unit.clone(),
        sop_date: fields.sop_date,
        respond_by: fields.respond_by,
        required_certifications: crate::json_list(&fields.required_certifications),
        target_price: fields.target_price.as_ref().map(|p| p.as_str().to_owned()),
        terms: crate::terms::need_terms(&fields.title, &fields.description),
        title_terms: crate::terms::title_terms(&fields.title),
        updated_at: now,
        ..before.clone()
    }
}

/// Edits a need: keeps what it said before as revision `n` (its edit count so far), then writes
/// the new fields. Call inside the transaction that read the need with [`find_for_update`].
///
/// # Errors
/// Database errors.
pub async fn revise<C: ConnectionTrait>(
    conn: &C,
    before: &need::Model,
    snapshot: &serde_json::Value,
    fields: &NeedFields,
    changed_by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<(need::Model, i64)> {
    let previous = need_revision::Entity::find()
        .filter(need_revision::Column::NeedId.eq(before.id))
        .count(conn)
        .await?;
    let revision = i32::try_from(previous)
        .map_err(|_| StoreError::Setup(format!("need {} has too many revisions", before.id)))?;
    need_revision::Entity::insert(need_revision::ActiveModel {
        id: Set(new_id()),
        need_id: Set(before.id),
        revision: Set(revision),
        snapshot: Set(snapshot.to_string()),
        changed_by: Set(Some(changed_by)),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    let mut row: need::ActiveModel = before.clone().into();
    set_fields(&mut row, fields);
    row.updated_at = Set(now);
    let after = row.update(conn).await?;
    Ok((after, i64::from(revision) + 1))
}

/// Closes an open need; returns whether it was open (closing again changes nothing).
///
/// # Errors
/// Database errors.
pub async fn close<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let result = need::Entity::update_many()
        .col_expr(
            need::Column::Status,
            Expr::value(NeedStatus::Closed.as_str()),
        )
        .col_expr(need::Column::UpdatedAt, Expr::value(now))
        .filter(need::Column::Id.eq(id))
        .filter(need::Column::Status.eq(NeedStatus::Open.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// A page of a need's revisions, newest first.
///
/// # Errors
/// Database errors.
pub async fn revisions<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<need_revision::Model>> {
    let mut q = need_revision::Entity::find().filter(need_revision::Column::NeedId.eq(need_id));
    if let Some(before) = before {
        q = q.filter(need_revision::Column::Id.lt(before));
    }
    Ok(q.order_by_desc(need_revision::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}
