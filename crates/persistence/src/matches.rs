//! Match proposals: the matcher's ranked pairs, one row per (need, capability), updated in place
//! on every rematch, and read with the postings and organizations on either side.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Order, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{capability, need, organization, proposal};
use crate::seed::new_id;

/// The lifecycle words of a match.
pub mod status {
    pub const PROPOSED: &str = "proposed";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
    /// Fell out of the need's top K (or its supplier was suspended) before anyone decided.
    pub const WITHDRAWN: &str = "withdrawn";
}

/// One place in a need's ranking, as the matcher computed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub capability_id: Uuid,
    pub supplier_id: Uuid,
    pub score: f64,
    pub rank: i32,
    pub explanation: serde_json::Value,
}

/// What a rematch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    pub inserted: usize,
    pub updated: usize,
    pub withdrawn: usize,
}

impl std::ops::AddAssign for SyncOutcome {
    fn add_assign(&mut self, other: SyncOutcome) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.withdrawn += other.withdrawn;
    }
}

/// Makes the need's stored proposals agree with `ranking` (best first): new pairs are proposed,
/// known ones get their new score and rank (a withdrawn one is proposed again), and undecided
/// ones no longer ranked are withdrawn. Decided matches keep their status whatever the ranking.
///
/// # Errors
/// Database errors.
pub async fn sync_need<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
    oem_id: Uuid,
    ranking: &[Proposal],
    now: DateTime<Utc>,
) -> StoreResult<SyncOutcome> {
    let existing: HashMap<Uuid, proposal::Model> = proposal::Entity::find()
        .filter(proposal::Column::NeedId.eq(need_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.capability_id, m))
        .collect();
    let mut outcome = SyncOutcome::default();
    let mut fresh = Vec::new();
    for p in ranking {
        let explanation = p.explanation.to_string();
        match existing.get(&p.capability_id) {
            Some(row) => {
                let revived = row.status == status::WITHDRAWN;
                if !revived
                    && row.rank == Some(p.rank)
                    && row.score.to_bits() == p.score.to_bits()
                    && row.explanation == explanation
                {
                    continue;
                }
                let mut active: proposal::ActiveModel = row.clone().into();
                active.score = Set(p.score);
                active.rank = Set(Some(p.rank));
                active.explanation = Set(explanation);
                if revived {
                    active.status = Set(status::PROPOSED.to_owned());
                    active.version = Set(row.version + 1);
                }
                active.updated_at = Set(now);
                active.update(conn).await?;
                outcome.updated += 1;
            }
            None => fresh.push(proposed(need_id, oem_id, p, explanation, now)),
        }
    }
    outcome.inserted = fresh.len();
    insert_proposed(conn, fresh).await?;
    let ranked: HashSet<Uuid> = ranking.iter().map(|p| p.capability_id).collect();
    let dropped: Vec<&proposal::Model> = existing
        .values()
        .filter(|row| !ranked.contains(&row.capability_id) && row.rank.is_some())
        .collect();
    for row in dropped {
        let mut active: proposal::ActiveModel = row.clone().into();
        active.rank = Set(None);
        if row.status == status::PROPOSED {
            active.status = Set(status::WITHDRAWN.to_owned());
            active.version = Set(row.version + 1);
            outcome.withdrawn += 1;
        }
        active.updated_at = Set(now);
        active.update(conn).await?;
    }
    Ok(outcome)
}

/// Proposes `ranking` (best first) for a need inserted in this transaction, which has no
/// proposals yet: [`sync_need`] without reading them first.
///
/// # Errors
/// Database errors.
pub async fn propose_new<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
    oem_id: Uuid,
    ranking: &[Proposal],
    now: DateTime<Utc>,
) -> StoreResult<SyncOutcome> {
    let fresh: Vec<proposal::ActiveModel> = ranking
        .iter()
        .map(|p| proposed(need_id, oem_id, p, p.explanation.to_string(), now))
        .collect();
    let inserted = fresh.len();
    insert_proposed(conn, fresh).await?;
    Ok(SyncOutcome {
        inserted,
        ..SyncOutcome::default()
    })
}

fn proposed(
    need_id: Uuid,
    oem_id: Uuid,
    p: &Proposal,
    explanation: String,
    now: DateTime<Utc>,
) -> proposal::ActiveModel {
    proposal::ActiveModel {
        id: Set(new_id()),
        need_id: Set(need_id),
        capability_id: Set(p.capability_id),
        supplier_id: Set(p.supplier_id),
        oem_id: Set(oem_id),
        score: Set(p.score),
        rank: Set(Some(p.rank)),
        explanation: Set(explanation),
        status: Set(status::PROPOSED.to_owned()),
        supplier_interest: Set(None),
        oem_interest: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        reason: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        supplier_answered_at: Set(None),
        oem_answered_at: Set(None),
        supplier_decline_reason: Set(None),
        oem_decline_reason: Set(None),
        contact_revealed_at: Set(None),
    }
}

async fn insert_proposed<C: ConnectionTrait>(
    conn: &C,
    fresh: Vec<proposal::ActiveModel>,
) -> StoreResult<()> {
    if fresh.is_empty() {
        return Ok(());
    }
    // Another instance rematching the same need at once may have inserted the pair first;
    // it computed the same row, so theirs stands.
    proposal::Entity::insert_many(fresh)
        .on_conflict(
            OnConflict::columns([proposal::Column::NeedId, proposal::Column::CapabilityId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Withdraws every undecided proposal of a need (closed or expired: nothing left to moderate).
///
/// # Errors
/// Database errors.
pub async fn withdraw_need<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let result = proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value(status::WITHDRAWN))
        .col_expr(proposal::Column::Rank, Expr::value(Option::<i32>::None))
        .col_expr(
            proposal::Column::Version,
            Expr::col(proposal::Column::Version).add(1),
        )
        .col_expr(proposal::Column::UpdatedAt, Expr::value(now))
        .filter(proposal::Column::NeedId.eq(need_id))
        .filter(proposal::Column::Status.eq(status::PROPOSED))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Needs that hold a live (proposed or approved) pair with this capability.
///
/// # Errors
/// Database errors.
pub async fn needs_of_capability<C: ConnectionTrait>(
    conn: &C,
    capability_id: Uuid,
) -> StoreResult<Vec<Uuid>> {
    Ok(proposal::Entity::find()
        .select_only()
        .column(proposal::Column::NeedId)
        .filter(proposal::Column::CapabilityId.eq(capability_id))
        .filter(proposal::Column::Status.is_in([status::PROPOSED, status::APPROVED]))
        .into_tuple()
        .all(conn)
        .await?)
}

/// The lowest score among a need's ranked pairs and how many there are: a capability must beat
/// the floor of a full ranking to enter it.
///
/// # Errors
/// Database errors.
pub async fn ranking_floor<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
) -> StoreResult<(usize, Option<f64>)> {
    #[derive(FromQueryResult)]
    struct Floor {
        n: i64,
        floor: Option<f64>,
    }
    let row = proposal::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::count(Expr::col(proposal::Column::Id))),
            "n",
        )
        .column_as(
            Expr::expr(Func::min(Expr::col(proposal::Column::Score))),
            "floor",
        )
        .filter(proposal::Column::NeedId.eq(need_id))
        .filter(proposal::Column::Rank.is_not_null())
        .into_model::<Floor>()
        .one(conn)
        .await?;
    Ok(row.map_or((0, None), |r| {
        (usize::try_from(r.n).unwrap_or(usize::MAX), r.floor)
    }))
}

/// Per supplier: the share of its approved matches it answered (said interested or not).
///
/// # Errors
/// Database errors.
pub async fn responsiveness<C: ConnectionTrait>(conn: &C) -> StoreResult<HashMap<Uuid, f64>> {
    #[derive(FromQueryResult)]
    struct Row {
        supplier_id: Uuid,
        approved: i64,
        answered: i64,
    }
    let rows = proposal::Entity::find()
        .select_only()
        .column(proposal::Column::SupplierId)
        .column_as(
            Expr::expr(Func::count(Expr::col(proposal::Column::Id))),
            "approved",
        )
        .column_as(
            Expr::expr(Func::count(Expr::col(proposal::Column::SupplierInterest))),
            "answered",
        )
        .filter(proposal::Column::Status.eq(status::APPROVED))
        .group_by(proposal::Column::SupplierId)
        .into_model::<Row>()
        .all(conn)
        .await?;
    #[allow(clippy::cast_precision_loss)] // counts of matches
    Ok(rows
        .into_iter()
        .filter(|r| r.approved > 0)
        .map(|r| (r.supplier_id, r.answered as f64 / r.approved as f64))
        .collect())
}

/// A match with the need and OEM it names.
#[derive(Debug, Clone)]
pub struct OemSide {
    pub proposal: proposal::Model,
    pub need: need::Model,
    pub oem: organization::Model,
}

/// A capability's matches in the given statuses, best first.
///
/// # Errors
/// Database errors.
pub async fn of_capability<C: ConnectionTrait>(
    conn: &C,
    capability_id: Uuid,
    statuses: &[&str],
) -> StoreResult<Vec<OemSide>> {
    let rows = proposal::Entity::find()
        .filter(proposal::Column::CapabilityId.eq(capability_id))
        .filter(proposal::Column::Status.is_in(statuses.iter().copied()))
        .order_by_desc(proposal::Column::Score)
        .order_by_asc(proposal::Column::NeedId)
        .all(conn)
        .await?;
    let needs: HashMap<Uuid, need::Model> = need::Entity::find()
        .filter(need::Column::Id.is_in(rows.iter().map(|r| r.need_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let orgs = organizations(conn, rows.iter().map(|r| r.oem_id)).await?;
    Ok(rows
        .into_iter()
        .filter_map(|proposal| {
            Some(OemSide {
                need: needs.get(&proposal.need_id)?.clone(),
                oem: orgs.get(&proposal.oem_id)?.clone(),
                proposal,
            })
        })
        .collect())
}

async fn organizations<C: ConnectionTrait>(
    conn: &C,
    ids: impl Iterator<Item = Uuid>,
) -> StoreResult<HashMap<Uuid, organization::Model>> {
    let ids: HashSet<Uuid> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// One match of a need with just what a list shows, read in one joined query.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ListedMatch {
    pub id: Uuid,
    pub rank: Option<i32>,
    pub score: f64,
    pub status: String,
    pub explanation: String,
    pub updated_at: DateTime<Utc>,
    pub capability_id: Uuid,
    pub capability_title: String,
    pub category_code: String,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub supplier_verified_at: Option<DateTime<Utc>>,
    pub supplier_region_code: String,
}

/// The need's owner and whether it is suspended; `None` for an unknown need.
///
/// # Errors
/// Database errors.
pub async fn owner_of_need<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
) -> StoreResult<Option<(Uuid, bool)>> {
    #[derive(FromQueryResult)]
    struct Owner {
        id: Uuid,
        suspended_at: Option<DateTime<Utc>>,
    }
    let query = Query::select()
        .column((organization::Entity, organization::Column::Id))
        .column((organization::Entity, organization::Column::SuspendedAt))
        .from(need::Entity)
        .inner_join(
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((need::Entity, need::Column::OrganizationId)),
        )
        .and_where(Expr::col((need::Entity, need::Column::Id)).eq(need_id))
        .to_owned();
    let row = Owner::find_by_statement(conn.get_database_backend().build(&query))
        .one(conn)
        .await?;
    Ok(row.map(|o| (o.id, o.suspended_at.is_some())))
}

/// Every match of a need, ranked, with its capability and supplier: one query.
///
/// # Errors
/// Database errors.
pub async fn listing_of_need<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
) -> StoreResult<Vec<ListedMatch>> {
    let (m, c, o) = (proposal::Entity, capability::Entity, organization::Entity);
    let query = Query::select()
        .column((m, proposal::Column::Id))
        .column((m, proposal::Column::Rank))
        .column((m, proposal::Column::Score))
        .column((m, proposal::Column::Status))
        .column((m, proposal::Column::Explanation))
        .column((m, proposal::Column::UpdatedAt))
        .column((m, proposal::Column::CapabilityId))
        .expr_as(
            Expr::col((c, capability::Column::Title)),
            "capability_title",
        )
        .column((c, capability::Column::CategoryCode))
        .column((m, proposal::Column::SupplierId))
        .expr_as(Expr::col((o, organization::Column::Name)), "supplier_name")
        .expr_as(
            Expr::col((o, organization::Column::VerifiedAt)),
            "supplier_verified_at",
        )
        .expr_as(
            Expr::col((o, organization::Column::RegionCode)),
            "supplier_region_code",
        )
        .from(m)
        .inner_join(
            c,
            Expr::col((c, capability::Column::Id)).equals((m, proposal::Column::CapabilityId)),
        )
        .inner_join(
            o,
            Expr::col((o, organization::Column::Id)).equals((m, proposal::Column::SupplierId)),
        )
        .and_where(Expr::col((m, proposal::Column::NeedId)).eq(need_id))
        .order_by_expr(Expr::col((m, proposal::Column::Rank)).is_null(), Order::Asc)
        .order_by((m, proposal::Column::Rank), Order::Asc)
        .order_by((m, proposal::Column::Score), Order::Desc)
        .order_by((m, proposal::Column::CapabilityId), Order::Asc)
        .to_owned();
    Ok(
        ListedMatch::find_by_statement(conn.get_database_backend().build(&query))
            .all(conn)
            .await?,
    )
}
