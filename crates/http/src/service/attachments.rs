//! Attachments on capabilities and needs: who may upload, list, download and delete them, and
//! storing an upload so that a refused one leaves nothing behind.
//!
//! Decisions:
//! - Whoever may not see the posting gets 404 (another organization's draft or archived
//!   capability, a suspended organization's posting). Whoever sees it but may not do the thing
//!   gets 403: a need's attachments are for its owner, staff and suppliers holding an approved
//!   match on it; uploads are for the posting's own verified members; deletion for those members
//!   and staff (policy `UploadAttachment`, `View*Attachments`, `DeleteAttachment`).
//! - The content decides the type (`peitao_domain::attachment::sniff`); the client's name is a
//!   label that gets the real kind's extension.
//! - The blob is stored before the row; when the row cannot be written the blob is removed again
//!   if this upload created it and no row names it, so a refused upload leaves nothing behind.
//!   A store that cannot be reached (an S3 endpoint down) answers 503, a full disk 507 naming
//!   `file`, and no row is written; any other store error is ours to fix and answers 500.
//! - A closed or expired need takes no new files (409, as editing it is); capabilities take files
//!   in any status, as they may be edited in any status.
//! - Deleting only sets `deleted_at` (the audit log keeps pointing at something real); the blob
//!   stays, as other rows may share it.

use chrono::Utc;
use peitao_auth::policy::Action;
use peitao_domain::attachment::{self as rules, AttachmentKind};
use peitao_domain::ids::OrganizationId;
use peitao_domain::user::{CapabilityStatus, NeedStatus};
use peitao_persistence::attachments::{self, NewAttachment, owner_kind};
use peitao_persistence::audit;
use peitao_persistence::blobs::{self, BlobKey, BlobStore};
use peitao_persistence::entities::attachment;
use peitao_persistence::{capabilities, needs};
use serde_json::json;
use uuid::Uuid;

use super::accounts::Origin;
use super::match_context::MatchContext;
use super::{audit_entry, begin, commit};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError, Text};
use peitao_persistence::lifecycle as rows;

/// What an attachment hangs on, as the path names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    Capability(Uuid),
    Need(Uuid),
    /// The quote of the match with this id.
    Quote(Uuid),
}

impl Posting {
    fn kind(self) -> &'static str {
        match self {
            Posting::Capability(_) => owner_kind::CAPABILITY,
            Posting::Need(_) => owner_kind::NEED,
            Posting::Quote(_) => owner_kind::QUOTE,
        }
    }

    fn id(self) -> Uuid {
        match self {
            Posting::Capability(id) | Posting::Need(id) | Posting::Quote(id) => id,
        }
    }
}

/// A posting the caller may see, with the facts the policy needs.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub posting: Posting,
    pub organization_id: Uuid,
    suspended: bool,
    /// A need that is closed or expired: history, no longer changed.
    closed: bool,
    /// The action that lets the caller read this posting's attachments.
    view: Action,
}

/// A file as it arrived: the name the client gave, and the bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// 503 when the store could not be reached (retrying may work), 507 naming `file` when its disk
/// is full, 500 for anything else.
fn io_error(what: &str, err: &std::io::Error) -> ApiError {
    if blobs::is_unreachable(err) {
        tracing::warn!(error = %err, "attachment store unreachable: {what}");
        return ApiError::Unavailable;
    }
    if blobs::is_full(err) {
        // An operator must act (free space, grow the volume); the uploader learns it is not
        // their file's fault, and that nothing was kept.
        tracing::error!(error = %err, "attachment store full: {what}");
        return ApiError::InsufficientStorage(FieldError {
            field: "file".into(),
            code: "attachment.storage_full".into(),
            message: Text::fixed(
                "附件存储空间已满,文件未保存。请稍后再试,或联系平台管理员。",
                "The attachment store is full: the file was not saved. Try again later, or tell the platform's administrators.",
            ),
        });
    }
    tracing::error!(error = %err, "attachment store: {what}");
    ApiError::Internal
}

/// Loads the posting as `caller` may see it.
///
/// # Errors
/// 404 for an unknown posting or one the caller may not see.
async fn seen(state: &AppState, caller: &AuthUser, posting: Posting) -> Result<Seen, ApiError> {
    let conn = state.db.conn();
    match posting {
        Posting::Capability(id) => {
            let listed = capabilities::find(conn, id)
                .await?
                .ok_or(ApiError::NotFound)?;
            let organization_id = listed.organization.id;
            let suspended = listed.organization.suspended_at.is_some();
            let public =
                listed.capability.status == CapabilityStatus::Published.as_str() && !suspended;
            let view = Action::ViewCapabilityAttachments {
                owner_organization_id: OrganizationId(organization_id),
                public,
            };
            // Only a posting that is not public can be refused here: it does not exist for them.
            caller.authorize(view).map_err(|_| ApiError::NotFound)?;
            Ok(Seen {
                posting,
                organization_id,
                suspended,
                closed: false,
                view,
            })
        }
        Posting::Quote(match_id) => {
            // A quote's files go where the quote goes: its supplier, the automaker, staff.
            let ctx = MatchContext::load(conn, match_id)
                .await?
                .ok_or(ApiError::NotFound)?;
            ctx.ensure_visible(caller)?;
            let quoting = rows::quote_of(conn, match_id).await?.is_some()
                && ctx.row.supplier_interest == Some(true);
            if !quoting {
                return Err(ApiError::NotFound);
            }
            Ok(Seen {
                posting,
                organization_id: ctx.supplier.id,
                suspended: ctx.supplier.suspended_at.is_some(),
                closed: ctx.need.status != NeedStatus::Open.as_str(),
                view: Action::ViewMatch {
                    supplier_organization_id: OrganizationId(ctx.supplier.id),
                    oem_organization_id: OrganizationId(ctx.oem.id),
                    approved: ctx.approved(),
                },
            })
        }
        Posting::Need(id) => {
            let row = needs::find(conn, id).await?.ok_or(ApiError::NotFound)?;
            let organization_id = row.organization.id;
            let suspended = row.organization.suspended_at.is_some();
            let member = caller.actor.role.is_staff()
                || caller.actor.is_member_of(OrganizationId(organization_id));
            if suspended && !member {
                return Err(ApiError::NotFound);
            }
            let approved_match = match caller.actor.organization_id {
                Some(own) if !member => attachments::has_approved_match(conn, id, own.0).await?,
                _ => false,
            };
            Ok(Seen {
                posting,
                organization_id,
                suspended,
                closed: row.need.status != NeedStatus::Open.as_str(),
                view: Action::ViewNeedAttachments {
                    owner_organization_id: OrganizationId(organization_id),
                    approved_match,
                },
            })
        }
    }
}

/// Checks that `caller` may attach a file to the posting, before its body is read.
///
/// # Errors
/// 404 unknown or invisible posting; 403 not the posting's verified member, or its organization
/// is suspended; 409 a closed or expired need (like editing one).
pub async fn upload_target(
    state: &AppState,
    caller: &AuthUser,
    posting: Posting,
) -> Result<Seen, ApiError> {
    let seen = seen(state, caller, posting).await?;
    caller.authorize(Action::UploadAttachment {
        owner_organization_id: OrganizationId(seen.organization_id),
    })?;
    if seen.suspended {
        return Err(ApiError::Forbidden(Text::fixed(
            "贵企业已被行业协会暂停,暂不能上传附件。",
            "Your organization is suspended by the association: it cannot upload attachments for now.",
        )));
    }
    if seen.closed {
        return Err(ApiError::Conflict(Text::fixed(
            "只有开放中的需求可以添加附件:该需求已关闭或已过期。",
            "Only an open need takes new attachments: this one is closed or expired.",
        )));
    }
    Ok(seen)
}

/// Checks the file's content, stores it and records it with its audit entry.
///
/// # Errors
/// 422 naming `file` when it is empty or not an accepted type; 503 when the store cannot be
/// reached, 507 naming `file` when its disk is full, 500 when storing fails otherwise (in every
/// case no row is written).
pub async fn store(
    state: &AppState,
    caller: &AuthUser,
    target: &Seen,
    upload: Upload,
    origin: &Origin,
) -> Result<attachment::Model, ApiError> {
    let kind = rules::sniff(&upload.bytes).map_err(|e| ApiError::invalid("file", &e))?;
    let file_name = rules::display_name(upload.file_name.as_deref(), kind);
    let size_bytes = i64::try_from(upload.bytes.len()).map_err(|_| ApiError::Internal)?;
    let organization_id = caller.actor.organization_id.ok_or(ApiError::Internal)?;
    let put = state
        .blobs
        .put(&upload.bytes)
        .await
        .map_err(|e| io_error("put", &e))?;
    let recorded = record(
        state,
        caller,
        NewAttachment {
            owner_kind: target.posting.kind(),
            owner_id: target.posting.id(),
            organization_id: organization_id.0,
            uploaded_by: caller.user.id,
            file_name,
            content_type: kind.content_type().to_owned(),
            kind: kind.as_str().to_owned(),
            size_bytes,
            sha256: put.key.as_str().to_owned(),
        },
        origin,
    )
    .await;
    if recorded.is_err() && put.created {
        forget_blob(state, &put.key).await;
    }
    recorded
}

async fn record(
    state: &AppState,
    caller: &AuthUser,
    new: NewAttachment,
    origin: &Origin,
) -> Result<attachment::Model, ApiError> {
    let now = Utc::now();
    let txn = begin(state).await?;
    let row = attachments::create(&txn, new, now).await?;
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            "attachment.upload",
            "attachment",
            Some(row.id.to_string()),
            json!({
                "owner_kind": row.owner_kind,
                "owner_id": row.owner_id,
                "file_name": row.file_name,
                "kind": row.kind,
                "size_bytes": row.size_bytes,
                "sha256": row.sha256,
            }),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(row)
}

/// Removes a blob this request created, unless a row names it by now.
async fn forget_blob(state: &AppState, key: &BlobKey) {
    match attachments::rows_naming(state.db.conn(), key.as_str()).await {
        Ok(0) => {
            if let Err(e) = state.blobs.remove(key).await {
                tracing::warn!(error = %e, key = key.as_str(), "could not remove an unrecorded blob");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not check whether a blob is named"),
    }
}

/// The posting's attachments, oldest first.
///
/// # Errors
/// 404 unknown or invisible posting; 403 a need's attachments to someone without the right.
pub async fn list(
    state: &AppState,
    caller: &AuthUser,
    posting: Posting,
) -> Result<Vec<attachment::Model>, ApiError> {
    let seen = seen(state, caller, posting).await?;
    caller.authorize(seen.view)?;
    Ok(attachments::list_for(state.db.conn(), posting.kind(), posting.id()).await?)
}

/// The attachment and the posting it hangs on, as `caller` may see them.
async fn attachment_seen(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(attachment::Model, Seen), ApiError> {
    let row = attachments::find_live(state.db.conn(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let posting = match row.owner_kind.as_str() {
        owner_kind::CAPABILITY => Posting::Capability(row.owner_id),
        owner_kind::NEED => Posting::Need(row.owner_id),
        owner_kind::QUOTE => Posting::Quote(row.owner_id),
        _ => return Err(ApiError::NotFound),
    };
    let seen = seen(state, caller, posting).await?;
    Ok((row, seen))
}

/// A file to send: its row and its bytes.
#[derive(Debug)]
pub struct Download {
    pub attachment: attachment::Model,
    pub kind: AttachmentKind,
    pub bytes: Vec<u8>,
}

/// One attachment's bytes.
///
/// # Errors
/// 404 unknown, deleted or on an invisible posting; 403 as for `list`; 503 the store cannot be
/// reached; 500 (logged with the row's id and key) when the store no longer has the bytes.
pub async fn download(state: &AppState, caller: &AuthUser, id: Uuid) -> Result<Download, ApiError> {
    let (attachment, seen) = attachment_seen(state, caller, id).await?;
    caller.authorize(seen.view)?;
    let kind = AttachmentKind::parse(&attachment.kind).map_err(|_| {
        tracing::error!(id = %attachment.id, kind = %attachment.kind, "attachment of an unknown kind");
        ApiError::Internal
    })?;
    let key = BlobKey::parse(&attachment.sha256).ok_or_else(|| {
        tracing::error!(id = %attachment.id, "attachment with a malformed sha256");
        ApiError::Internal
    })?;
    let bytes = state
        .blobs
        .get(&key)
        .await
        .map_err(|e| io_error("get", &e))?
        .ok_or_else(|| {
            tracing::error!(id = %attachment.id, key = key.as_str(), "attachment blob missing");
            ApiError::Internal
        })?;
    Ok(Download {
        attachment,
        kind,
        bytes,
    })
}

/// Deletes an attachment (sets `deleted_at`) with its audit entry.
///
/// # Errors
/// 404 unknown, already deleted or on an invisible posting; 403 not the posting's verified
/// member nor staff.
pub async fn delete(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    origin: &Origin,
) -> Result<(), ApiError> {
    let (row, seen) = attachment_seen(state, caller, id).await?;
    caller.authorize(Action::DeleteAttachment {
        owner_organization_id: OrganizationId(seen.organization_id),
    })?;
    let now = Utc::now();
    let txn = begin(state).await?;
    if !attachments::soft_delete(&txn, id, now).await? {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            "attachment.delete",
            "attachment",
            Some(id.to_string()),
            json!({
                "owner_kind": row.owner_kind,
                "owner_id": row.owner_id,
                "file_name": row.file_name,
                "sha256": row.sha256,
            }),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await
}
