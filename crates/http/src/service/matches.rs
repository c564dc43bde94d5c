//! Reading match proposals: a need's ranked suppliers for its owner and staff, a capability's
//! needs for its supplier. OEMs and suppliers see approved matches only; staff see every status.

use peitao_auth::policy::Action;
use peitao_domain::ids::OrganizationId;
use std::sync::Arc;

use actix_web::web::Bytes;

use peitao_persistence::matches::{self, OemSide, status};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use peitao_domain::Invalid;

use crate::error::ApiError;
use crate::service::capabilities;
use crate::service::match_views::{NeedMatches, SupplierMatch, body_of};

const BAD_STATUS: Invalid = Invalid::new(
    "match.status",
    "状态只能是 proposed、approved、rejected 或 withdrawn。",
    "status must be proposed, approved, rejected or withdrawn.",
);

const ALL: &[&str] = &[
    status::PROPOSED,
    status::APPROVED,
    status::REJECTED,
    status::WITHDRAWN,
];

/// The statuses the caller may list: staff choose (all by default), parties see approved ones.
fn statuses(caller: &AuthUser, asked: Option<&str>) -> Result<Vec<&'static str>, ApiError> {
    let asked = match asked {
        None => None,
        Some(word) => Some(
            *ALL.iter()
                .find(|s| **s == word)
                .ok_or_else(|| ApiError::invalid("status", &BAD_STATUS))?,
        ),
    };
    if caller.actor.role.is_staff() {
        return Ok(asked.map_or_else(|| ALL.to_vec(), |s| vec![s]));
    }
    Ok(match asked {
        None | Some(status::APPROVED) => vec![status::APPROVED],
        // Undecided and refused pairs are the association's business until approved.
        Some(_) => Vec::new(),
    })
}

/// Reads a need's matches from the database.
async fn read_need_view(state: AppState, need_id: Uuid) -> Result<NeedMatches, ApiError> {
    let (owner, owner_suspended) = matches::owner_of_need(state.db.conn(), need_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let items = matches::listing_of_need(state.db.conn(), need_id)
        .await?
        .into_iter()
        .map(SupplierMatch::from)
        .collect();
    Ok(NeedMatches::new(owner, owner_suspended, items))
}

/// A need's matches as this process last read them, once the caller may see them.
async fn need_view(
    state: &AppState,
    caller: &AuthUser,
    need_id: Uuid,
) -> Result<Arc<NeedMatches>, ApiError> {
    let view = state
        .matcher
        .views()
        .read_through(need_id, || read_need_view(state.clone(), need_id))
        .await?;
    let member_or_staff = caller.actor.role.is_staff()
        || caller.actor.organization_id == Some(OrganizationId(view.owner));
    if view.owner_suspended && !member_or_staff {
        return Err(ApiError::NotFound);
    }
    caller.authorize(Action::ViewNeedMatches {
        owner_organization_id: OrganizationId(view.owner),
    })?;
    Ok(view)
}

/// A need's matches, ranked.
///
/// # Errors
/// 404 unknown or unseen need; 401/403 neither its owner's member nor staff; 422 bad status.
pub async fn of_need(
    state: &AppState,
    caller: &AuthUser,
    need_id: Uuid,
    asked: Option<&str>,
) -> Result<Vec<SupplierMatch>, ApiError> {
    let statuses = statuses(caller, asked)?;
    let view = need_view(state, caller, need_id).await?;
    Ok(view
        .items
        .iter()
        .filter(|m| statuses.contains(&m.status.as_str()))
        .cloned()
        .collect())
}

/// As [`of_need`], already serialized as the API's `{"items": [...]}`.
///
/// # Errors
/// As [`of_need`].
pub async fn of_need_body(
    state: &AppState,
    caller: &AuthUser,
    need_id: Uuid,
    asked: Option<&str>,
) -> Result<Bytes, ApiError> {
    let statuses = statuses(caller, asked)?;
    let view = need_view(state, caller, need_id).await?;
    Ok(if statuses == ALL {
        view.all_body.clone()
    } else if statuses == [status::APPROVED] {
        view.approved_body.clone()
    } else {
        let items: Vec<SupplierMatch> = view
            .items
            .iter()
            .filter(|m| statuses.contains(&m.status.as_str()))
            .cloned()
            .collect();
        body_of(&items)
    })
}

/// A capability's matches, best first.
///
/// # Errors
/// 404 unknown or unseen capability; 401/403 neither its supplier's member nor staff; 422 bad status.
pub async fn of_capability(
    state: &AppState,
    caller: &AuthUser,
    capability_id: Uuid,
    asked: Option<&str>,
) -> Result<Vec<OemSide>, ApiError> {
    let listed = capabilities::get(state, Some(caller), capability_id).await?;
    caller.authorize(Action::ViewCapabilityMatches {
        owner_organization_id: OrganizationId(listed.organization.id),
    })?;
    let statuses = statuses(caller, asked)?;
    Ok(matches::of_capability(state.db.conn(), capability_id, &statuses).await?)
}

/// How each OEM of these matches answers its leads (shown to suppliers beside the needs).
///
/// # Errors
/// Database errors.
pub async fn oem_lead_quality(
    state: &AppState,
    rows: &[OemSide],
) -> Result<std::collections::HashMap<Uuid, peitao_persistence::lifecycle::LeadQuality>, ApiError> {
    let oems: Vec<Uuid> = rows.iter().map(|r| r.oem.id).collect();
    Ok(peitao_persistence::lifecycle::lead_quality(state.db.conn(), &oems, false).await?)
}
