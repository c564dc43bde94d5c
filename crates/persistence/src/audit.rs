//! The audit log: who changed what, when, from where. Written in the same transaction as the
//! change, so the log and the data never disagree; read by staff, newest first.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::audit_entry;
use crate::seed::new_id;
use crate::{Db, StoreResult};

/// One state change to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor_user_id: Option<Uuid>,
    pub actor_role: Option<String>,
    /// What happened, as a stable dotted word: `user.register`, `user.login_failed`, `organization.verify` ...
    pub action: String,
    /// The kind of record changed: `user`, `organization`, `need` ...
    pub entity: String,
    pub entity_id: Option<String>,
    /// Before/after of what changed; never passwords or tokens.
    pub summary: serde_json::Value,
    pub ip: Option<String>,
}

/// Records an entry on `conn` (the change's transaction).
///
/// # Errors
/// Database errors.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    entry: AuditEntry,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        id: Set(new_id()),
        at: Set(now),
        actor_user_id: Set(entry.actor_user_id),
        actor_role: Set(entry.actor_role),
        action: Set(entry.action),
        entity: Set(entry.entity),
        entity_id: Set(entry.entity_id),
        summary: Set(entry.summary.to_string()),
        ip: Set(entry.ip),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Filters for listing the log (api.md: `?actor=&entity=&since=`).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<Uuid>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// Cursor: entries older than this id (ids are time-ordered UUIDv7).
    pub before: Option<Uuid>,
}

/// A page of the log, newest first.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    limit: u64,
) -> StoreResult<Vec<audit_entry::Model>> {
    let mut q = audit_entry::Entity::find();
    if let Some(actor) = filter.actor {
        q = q.filter(audit_entry::Column::ActorUserId.eq(actor));
    }
    if let Some(entity) = &filter.entity {
        q = q.filter(audit_entry::Column::Entity.eq(entity.as_str()));
    }
    if let Some(id) = &filter.entity_id {
        q = q.filter(audit_entry::Column::EntityId.eq(id.as_str()));
    }
    if let Some(since) = filter.since {
        q = q.filter(audit_entry::Column::At.gte(since));
    }
    if let Some(before) = filter.before {
        q = q.filter(audit_entry::Column::Id.lt(before));
    }
    Ok(q.order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .all(db.conn())
        .await?)
}
