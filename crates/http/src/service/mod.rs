//! Application services: each use case as a function over `AppState`, callable without HTTP.
//! They parse input into domain values, ask the policy, and run the change in one transaction.

pub mod accounts;
pub mod analytics;
pub mod attachments;
pub mod capabilities;
pub mod digest;
pub mod engagement;
pub mod events;
pub mod imports;
pub mod mailing;
pub mod match_context;
pub mod match_views;
pub mod matches;
pub mod matching;
pub mod members;
pub mod moderation;
pub mod needs;
pub mod organizations;
pub mod recent;
pub mod search;
pub mod validate;

use peitao_persistence::StoreError;
use peitao_persistence::audit::AuditEntry;
use peitao_persistence::entities::user;
use peitao_persistence::sea_orm::DatabaseTransaction;

use crate::AppState;
use crate::error::ApiError;

/// Opens the transaction one use case runs in.
pub(crate) async fn begin(state: &AppState) -> Result<DatabaseTransaction, ApiError> {
    Ok(state.db.begin().await?)
}

/// Commits a use case's transaction.
pub(crate) async fn commit(txn: DatabaseTransaction) -> Result<(), ApiError> {
    Ok(txn.commit().await.map_err(StoreError::from)?)
}

/// One audit entry: who (if anyone) did what to which record, from where.
pub(crate) fn audit_entry(
    actor: Option<&user::Model>,
    action: &str,
    entity: &str,
    id: Option<String>,
    summary: serde_json::Value,
    ip: &str,
) -> AuditEntry {
    AuditEntry {
        actor_user_id: actor.map(|u| u.id),
        actor_role: actor.map(|u| u.role.clone()),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: id,
        summary,
        ip: Some(ip.to_owned()),
    }
}
