//! The match lifecycle's rows: decisions, answers, quotes, intentions and flags. Every change is
//! made inside the caller's transaction after [`lock`] took the match's row, so two requests on
//! the same match run one after the other on both backends.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{intention, organization_flag, proposal, quote};
use crate::matches::status;
use crate::seed::new_id;

/// Takes the match's row for this transaction: a no-op write that waits for any other writer of
/// the row (PostgreSQL's row lock; SQLite's write lock, taken before anything is read, so two
/// transactions never both read and then both try to write). `false` for an unknown id.
///
/// # Errors
/// Database errors.
pub async fn lock<C: ConnectionTrait>(conn: &C, match_id: Uuid) -> StoreResult<bool> {
    let result = proposal::Entity::update_many()
        .col_expr(
            proposal::Column::Version,
            Expr::col(proposal::Column::Version),
        )
        .filter(proposal::Column::Id.eq(match_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// One match by id.
///
/// # Errors
/// Database errors.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    match_id: Uuid,
) -> StoreResult<Option<proposal::Model>> {
    Ok(proposal::Entity::find_by_id(match_id).one(conn).await?)
}

/// A need's approved matches.
///
/// # Errors
/// Database errors.
pub async fn approved_of_need<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
) -> StoreResult<Vec<proposal::Model>> {
    Ok(proposal::Entity::find()
        .filter(proposal::Column::NeedId.eq(need_id))
        .filter(proposal::Column::Status.eq(status::APPROVED))
        .all(conn)
        .await?)
}

/// Staff's decision on a proposal: approved, or rejected with a reason.
///
/// # Errors
/// Database errors.
pub async fn decide<C: ConnectionTrait>(
    conn: &C,
    row: &proposal::Model,
    approve: bool,
    by: Option<Uuid>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> StoreResult<proposal::Model> {
    let mut active: proposal::ActiveModel = row.clone().into();
    active.status = Set(if approve {
        status::APPROVED
    } else {
        status::REJECTED
    }
    .to_owned());
    active.decided_by = Set(by);
    active.decided_at = Set(Some(now));
    active.reason = Set(reason);
    active.version = Set(row.version + 1);
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

/// One side's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub supplier_side: bool,
    pub interested: bool,
    pub decline_reason: Option<String>,
    pub reveals_contacts: bool,
}

/// Stores one side's answer, and the moment contacts were revealed when it completes the pair.
///
/// # Errors
/// Database errors.
pub async fn answer<C: ConnectionTrait>(
    conn: &C,
    row: &proposal::Model,
    answer: Answer,
    now: DateTime<Utc>,
) -> StoreResult<proposal::Model> {
    let mut active: proposal::ActiveModel = row.clone().into();
    let reason = if answer.interested {
        None
    } else {
        answer.decline_reason
    };
    if answer.supplier_side {
        active.supplier_interest = Set(Some(answer.interested));
        active.supplier_answered_at = Set(Some(now));
        active.supplier_decline_reason = Set(reason);
    } else {
        active.oem_interest = Set(Some(answer.interested));
        active.oem_answered_at = Set(Some(now));
        active.oem_decline_reason = Set(reason);
    }
    if answer.reveals_contacts {
        active.contact_revealed_at = Set(Some(now));
    }
    active.version = Set(row.version + 1);
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

/// A supplier's quote as accepted.
#[derive(Debug, Clone)]
pub struct NewQuote {
    pub unit_price: String,
    pub currency: String,
    pub lead_time_days: Option<i32>,
    pub valid_until: Option<NaiveDate>,
    pub note: Option<String>,
    pub submitted_by: Uuid,
}

/// Gives or revises the match's quote (one per match).
///
/// # Errors
/// Database errors.
pub async fn put_quote<C: ConnectionTrait>(
    conn: &C,
    row: &proposal::Model,
    q: NewQuote,
    now: DateTime<Utc>,
) -> StoreResult<quote::Model> {
    let existing = quote_of(conn, row.id).await?;
    let is_new = existing.is_none();
    let mut active = match existing {
        Some(found) => found.into(),
        None => quote::ActiveModel {
            id: Set(new_id()),
            match_id: Set(row.id),
            need_id: Set(row.need_id),
            supplier_id: Set(row.supplier_id),
            attachment_id: Set(None),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.unit_price = Set(q.unit_price);
    active.currency = Set(q.currency);
    active.lead_time_days = Set(q.lead_time_days);
    active.valid_until = Set(q.valid_until);
    active.note = Set(q.note);
    active.submitted_by = Set(q.submitted_by);
    active.updated_at = Set(now);
    // `save` would update any row whose key is set: a new quote is inserted explicitly.
    Ok(if is_new {
        active.insert(conn).await?
    } else {
        active.update(conn).await?
    })
}

/// The match's quote, if the supplier gave one.
///
/// # Errors
/// Database errors.
pub async fn quote_of<C: ConnectionTrait>(
    conn: &C,
    match_id: Uuid,
) -> StoreResult<Option<quote::Model>> {
    Ok(quote::Entity::find()
        .filter(quote::Column::MatchId.eq(match_id))
        .one(conn)
        .await?)
}

/// Every quote on a need's approved matches, cheapest first per currency.
///
/// # Errors
/// Database errors.
pub async fn quotes_of_need<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
) -> StoreResult<Vec<quote::Model>> {
    let mut rows = quote::Entity::find()
        .filter(quote::Column::NeedId.eq(need_id))
        .all(conn)
        .await?;
    // Prices are decimal text: compare as numbers here, never as strings.
    rows.sort_by(|a, b| {
        let price = |q: &quote::Model| q.unit_price.parse::<f64>().unwrap_or(f64::MAX);
        a.currency
            .cmp(&b.currency)
            .then(price(a).total_cmp(&price(b)))
            .then(a.id.cmp(&b.id))
    });
    Ok(rows)
}

/// The match's intention, in whatever state.
///
/// # Errors
/// Database errors.
pub async fn intention_of<C: ConnectionTrait>(
    conn: &C,
    match_id: Uuid,
) -> StoreResult<Option<intention::Model>> {
    Ok(intention::Entity::find()
        .filter(intention::Column::MatchId.eq(match_id))
        .one(conn)
        .await?)
}

/// An intention as a party records it.
#[derive(Debug, Clone)]
pub struct NewIntention {
    pub recorded_by: Uuid,
    pub recorded_by_organization: Uuid,
    pub annual_volume: Option<i64>,
    pub unit: Option<String>,
    pub expected_start: Option<NaiveDate>,
    pub note: Option<String>,
    /// The docking event where it was agreed, if any.
    pub event_id: Option<Uuid>,
}

/// Records the match's intention; a dismissed one is replaced (one row per match).
///
/// # Errors
/// Database errors.
pub async fn record_intention<C: ConnectionTrait>(
    conn: &C,
    row: &proposal::Model,
    new: NewIntention,
    now: DateTime<Utc>,
) -> StoreResult<intention::Model> {
    let existing = intention_of(conn, row.id).await?;
    let is_new = existing.is_none();
    let mut active = match existing {
        Some(dismissed) => {
            let version = dismissed.version;
            let mut a: intention::ActiveModel = dismissed.into();
            a.version = Set(version + 1);
            a
        }
        None => intention::ActiveModel {
            id: Set(new_id()),
            match_id: Set(row.id),
            need_id: Set(row.need_id),
            supplier_id: Set(row.supplier_id),
            oem_id: Set(row.oem_id),
            version: Set(0),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.recorded_by = Set(new.recorded_by);
    active.recorded_by_organization = Set(new.recorded_by_organization);
    active.annual_volume = Set(new.annual_volume);
    active.unit = Set(new.unit);
    active.expected_start = Set(new.expected_start);
    active.note = Set(new.note);
    active.event_id = Set(new.event_id);
    active.status = Set(peitao_domain::lifecycle::IntentionStatus::Recorded
        .as_str()
        .to_owned());
    active.decided_by = Set(None);
    active.decided_at = Set(None);
    active.reason = Set(None);
    active.updated_at = Set(now);
    Ok(if is_new {
        active.insert(conn).await?
    } else {
        active.update(conn).await?
    })
}

/// Staff confirm or dismiss an intention.
///
/// # Errors
/// Database errors.
pub async fn decide_intention<C: ConnectionTrait>(
    conn: &C,
    row: &intention::Model,
    confirm: bool,
    by: Uuid,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> StoreResult<intention::Model> {
    use peitao_domain::lifecycle::IntentionStatus;
    let mut active: intention::ActiveModel = row.clone().into();
    active.status = Set(if confirm {
        IntentionStatus::Confirmed
    } else {
        IntentionStatus::Dismissed
    }
    .as_str()
    .to_owned());
    active.decided_by = Set(Some(by));
    active.decided_at = Set(Some(now));
    active.reason = Set(reason);
    active.version = Set(row.version + 1);
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

/// Intentions in a status (all when `None`), oldest first, after the cursor id; for one
/// organization (either side) when given.
///
/// # Errors
/// Database errors.
pub async fn intentions<C: ConnectionTrait>(
    conn: &C,
    status: Option<&str>,
    organization: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<intention::Model>> {
    let mut q = intention::Entity::find();
    if let Some(s) = status {
        q = q.filter(intention::Column::Status.eq(s));
    }
    if let Some(org) = organization {
        q = q.filter(
            Condition::any()
                .add(intention::Column::SupplierId.eq(org))
                .add(intention::Column::OemId.eq(org)),
        );
    }
    if let Some(after) = after {
        q = q.filter(intention::Column::Id.gt(after));
    }
    Ok(q.order_by_asc(intention::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Matches in the given statuses, oldest first (ids are time-ordered), after the cursor id:
/// every organization's for staff (`organization: None`), else one organization's, either side.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    statuses: &[&str],
    organization: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<proposal::Model>> {
    let mut q =
        proposal::Entity::find().filter(proposal::Column::Status.is_in(statuses.iter().copied()));
    if let Some(org) = organization {
        q = q.filter(
            Condition::any()
                .add(proposal::Column::SupplierId.eq(org))
                .add(proposal::Column::OemId.eq(org)),
        );
    }
    if let Some(after) = after {
        q = q.filter(proposal::Column::Id.gt(after));
    }
    Ok(q.order_by_asc(proposal::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Proposals both of whose organizations are verified and unsuspended, oldest first: what
/// auto-approval takes when it is switched on.
///
/// # Errors
/// Database errors.
pub async fn auto_approvable<C: ConnectionTrait>(conn: &C, limit: u64) -> StoreResult<Vec<Uuid>> {
    use crate::entities::{need, organization};
    let verified = |column: proposal::Column| {
        Expr::col((proposal::Entity, column)).in_subquery(
            sea_orm::sea_query::Query::select()
                .column(organization::Column::Id)
                .from(organization::Entity)
                .and_where(Expr::col(organization::Column::VerifiedAt).is_not_null())
                .and_where(Expr::col(organization::Column::SuspendedAt).is_null())
                .to_owned(),
        )
    };
    let open_needs = Expr::col((proposal::Entity, proposal::Column::NeedId)).in_subquery(
        sea_orm::sea_query::Query::select()
            .column(need::Column::Id)
            .from(need::Entity)
            .and_where(Expr::col(need::Column::Status).eq("open"))
            .to_owned(),
    );
    Ok(proposal::Entity::find()
        .select_only()
        .column(proposal::Column::Id)
        .filter(proposal::Column::Status.eq(status::PROPOSED))
        .filter(verified(proposal::Column::SupplierId))
        .filter(verified(proposal::Column::OemId))
        .filter(open_needs)
        .order_by_asc(proposal::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Whether the two organizations share a match whose contacts were revealed.
///
/// # Errors
/// Database errors.
pub async fn contacts_revealed_between<C: ConnectionTrait>(
    conn: &C,
    a: Uuid,
    b: Uuid,
) -> StoreResult<bool> {
    let pair = |s: Uuid, o: Uuid| {
        Condition::all()
            .add(proposal::Column::SupplierId.eq(s))
            .add(proposal::Column::OemId.eq(o))
    };
    Ok(proposal::Entity::find()
        .select_only()
        .column(proposal::Column::Id)
        .filter(proposal::Column::Status.eq(status::APPROVED))
        .filter(proposal::Column::ContactRevealedAt.is_not_null())
        .filter(Condition::any().add(pair(a, b)).add(pair(b, a)))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .is_some())
}

/// How an organization answers the leads the association approves, on each side.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LeadQuality {
    /// Approved matches it was a party to.
    pub approved: i64,
    /// Share of those it answered (interested or not); `None` before any approval.
    pub responsiveness: Option<f64>,
    /// As the OEM: recorded or confirmed intentions per need that had an approved match.
    pub intentions_per_need: Option<f64>,
}

/// Lead quality of each organization given, as a supplier or an OEM per `as_supplier`.
///
/// # Errors
/// Database errors.
pub async fn lead_quality<C: ConnectionTrait>(
    conn: &C,
    organizations: &[Uuid],
    as_supplier: bool,
) -> StoreResult<HashMap<Uuid, LeadQuality>> {
    #[derive(FromQueryResult)]
    struct Row {
        org: Uuid,
        approved: i64,
        answered: i64,
        needs: i64,
    }
    #[derive(FromQueryResult)]
    struct Count {
        org: Uuid,
        n: i64,
    }
    if organizations.is_empty() {
        return Ok(HashMap::new());
    }
    let (side, interest) = if as_supplier {
        (
            proposal::Column::SupplierId,
            proposal::Column::SupplierInterest,
        )
    } else {
        (proposal::Column::OemId, proposal::Column::OemInterest)
    };
    let rows = proposal::Entity::find()
        .select_only()
        .column_as(side, "org")
        .column_as(
            Expr::expr(Func::count(Expr::col(proposal::Column::Id))),
            "approved",
        )
        .column_as(Expr::expr(Func::count(Expr::col(interest))), "answered")
        .column_as(
            Expr::expr(Func::count_distinct(Expr::col(proposal::Column::NeedId))),
            "needs",
        )
        .filter(proposal::Column::Status.eq(status::APPROVED))
        .filter(side.is_in(organizations.iter().copied()))
        .group_by(side)
        .into_model::<Row>()
        .all(conn)
        .await?;
    let intention_side = if as_supplier {
        intention::Column::SupplierId
    } else {
        intention::Column::OemId
    };
    let intentions: HashMap<Uuid, i64> = intention::Entity::find()
        .select_only()
        .column_as(intention_side, "org")
        .column_as(
            Expr::expr(Func::count(Expr::col(intention::Column::Id))),
            "n",
        )
        .filter(intention::Column::Status.ne("dismissed"))
        .filter(intention_side.is_in(organizations.iter().copied()))
        .group_by(intention_side)
        .into_model::<Count>()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.org, c.n))
        .collect();
    #[allow(clippy::cast_precision_loss)] // counts of matches
    Ok(rows
        .into_iter()
        .map(|r| {
            let held = intentions.get(&r.org).copied().unwrap_or(0);
            (
                r.org,
                LeadQuality {
                    approved: r.approved,
                    responsiveness: (r.approved > 0).then(|| r.answered as f64 / r.approved as f64),
                    intentions_per_need: (r.needs > 0).then(|| held as f64 / r.needs as f64),
                },
            )
        })
        .collect())
}

/// Records a staff flag on an organization.
///
/// # Errors
/// Database errors.
pub async fn flag<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    kind: &str,
    note: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = new_id();
    organization_flag::Entity::insert(organization_flag::ActiveModel {
        id: Set(id),
        organization_id: Set(organization_id),
        kind: Set(kind.to_owned()),
        note: Set(note.to_owned()),
        flagged_by: Set(by),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}
