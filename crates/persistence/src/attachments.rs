//! Attachment rows: recording an upload, listing a posting's files, finding one, soft deletion,
//! and the one question a need's attachments ask: does this supplier hold an approved match?

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{attachment, proposal};
use crate::matches::status;
use crate::seed::new_id;

/// What an attachment hangs on (the `owner_kind` column).
pub mod owner_kind {
    pub const CAPABILITY: &str = "capability";
    pub const NEED: &str = "need";
    /// A supplier's quote on a match; the owner id is the match's.
    pub const QUOTE: &str = "quote";
}

/// An upload to record; the blob is already stored under `sha256`.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub owner_kind: &'static str,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    pub uploaded_by: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Inserts the row.
///
/// # Errors
/// Database errors.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    new: NewAttachment,
    now: DateTime<Utc>,
) -> StoreResult<attachment::Model> {
    let row = attachment::ActiveModel {
        id: Set(new_id()),
        owner_kind: Set(new.owner_kind.to_owned()),
        owner_id: Set(new.owner_id),
        organization_id: Set(new.organization_id),
        uploaded_by: Set(new.uploaded_by),
        file_name: Set(new.file_name),
        content_type: Set(new.content_type),
        kind: Set(new.kind),
        size_bytes: Set(new.size_bytes),
        sha256: Set(new.sha256),
        created_at: Set(now),
        deleted_at: Set(None),
    };
    Ok(row.insert(conn).await?)
}

/// The posting's attachments that are not deleted, oldest first.
///
/// # Errors
/// Database errors.
pub async fn list_for<C: ConnectionTrait>(
    conn: &C,
    owner_kind: &str,
    owner_id: Uuid,
) -> StoreResult<Vec<attachment::Model>> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::OwnerKind.eq(owner_kind))
        .filter(attachment::Column::OwnerId.eq(owner_id))
        .filter(attachment::Column::DeletedAt.is_null())
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?)
}

/// One attachment that is not deleted.
///
/// # Errors
/// Database errors.
pub async fn find_live<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> StoreResult<Option<attachment::Model>> {
    Ok(attachment::Entity::find_by_id(id)
        .filter(attachment::Column::DeletedAt.is_null())
        .one(conn)
        .await?)
}

/// Marks the attachment deleted; `false` when it already was (or never existed).
///
/// # Errors
/// Database errors.
pub async fn soft_delete<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let result = attachment::Entity::update_many()
        .col_expr(attachment::Column::DeletedAt, Expr::value(now))
        .filter(attachment::Column::Id.eq(id))
        .filter(attachment::Column::DeletedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// How many rows (deleted or not) name this blob: a blob nobody names may be removed.
///
/// # Errors
/// Database errors.
pub async fn rows_naming<C: ConnectionTrait>(conn: &C, sha256: &str) -> StoreResult<u64> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Sha256.eq(sha256))
        .count(conn)
        .await?)
}

/// Whether `supplier_id` holds an approved match on the need.
///
/// # Errors
/// Database errors.
pub async fn has_approved_match<C: ConnectionTrait>(
    conn: &C,
    need_id: Uuid,
    supplier_id: Uuid,
) -> StoreResult<bool> {
    Ok(proposal::Entity::find()
        .filter(proposal::Column::NeedId.eq(need_id))
        .filter(proposal::Column::SupplierId.eq(supplier_id))
        .filter(proposal::Column::Status.eq(status::APPROVED))
        .count(conn)
        .await?
        > 0)
}
