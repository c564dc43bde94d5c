//! An organization's people: the owner (the first to register) invites colleagues by email and
//! removes them; invitees join by the mailed link; staff deactivate accounts. All audited.

use chrono::Utc;
use peitao_auth::opaque::{OpaqueToken, hash_opaque};
use peitao_auth::password;
use peitao_auth::policy::Action;
use peitao_domain::ids::OrganizationId;
use peitao_domain::user::Role;
use peitao_domain::{Email, Locale};
use peitao_notify::MailContent;
use peitao_persistence::audit::{self, AuditEntry};
use peitao_persistence::entities::{organization, user};
use peitao_persistence::sea_orm::EntityTrait;
use peitao_persistence::{StoreError, refresh, tokens, users, web_sessions};
use serde_json::json;
use uuid::Uuid;

use super::accounts::Origin;
use super::mailing::{self, Recipient};
use super::validate::Fields;
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};

const INVITATION_TTL: chrono::Duration = chrono::Duration::days(7);

fn audit_entry(
    actor: &user::Model,
    action: &str,
    entity: &str,
    id: String,
    summary: serde_json::Value,
    origin: &Origin,
) -> AuditEntry {
    super::audit_entry(Some(actor), action, entity, Some(id), summary, &origin.ip)
}

async fn organization(state: &AppState, id: Uuid) -> Result<organization::Model, ApiError> {
    organization::Entity::find_by_id(id)
        .one(state.db.conn())
        .await
        .map_err(StoreError::from)?
        .ok_or(ApiError::NotFound)
}

/// The members of an organization (its members and staff may look).
///
/// # Errors
/// 404 for an unknown organization or one the caller may not see.
pub async fn list(
    state: &AppState,
    caller: &AuthUser,
    organization_id: Uuid,
) -> Result<Vec<user::Model>, ApiError> {
    let org = organization(state, organization_id).await?;
    if !(caller.actor.role.is_staff() || caller.actor.is_member_of(OrganizationId(org.id))) {
        return Err(ApiError::NotFound);
    }
    Ok(users::members(state.db.conn(), org.id).await?)
}

/// Mails an invitation to join; answers the same whether or not the address has an account.
///
/// # Errors
/// 403 unless owner or staff; 422 for a bad email.
pub async fn invite(
    state: &AppState,
    caller: &AuthUser,
    organization_id: Uuid,
    email: &str,
    origin: &Origin,
) -> Result<(), ApiError> {
    let org = organization(state, organization_id).await?;
    caller.authorize(Action::ManageOrgMembers {
        organization_id: OrganizationId(org.id),
    })?;
    let email = Email::parse(email).map_err(|e| ApiError::invalid("email", &e))?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let token = OpaqueToken::generate();
    let id = tokens::create(
        &txn,
        tokens::NewToken {
            purpose: tokens::INVITATION,
            token_hash: token.hash.clone(),
            user_id: None,
            email: Some(email.as_str().to_owned()),
            organization_id: Some(org.id),
            created_by: Some(caller.user.id),
            expires_at: now + INVITATION_TTL,
        },
        now,
    )
    .await?;
    let content = MailContent::Invitation {
        inviter_name: caller.user.display_name.clone(),
        organization_name: org.name.clone(),
        link: mailing::link(state, &format!("/invitations/accept?token={}", token.plain)),
    };
    // The invitee has no account yet: the mail goes in the inviter's language.
    let to = Recipient {
        user_id: None,
        email: email.as_str().to_owned(),
        name: None,
        locale: Locale::from_tag(&caller.user.locale).unwrap_or(origin.locale),
        frequency: peitao_domain::user::EmailFrequency::Instant,
    };
    mailing::tell(&txn, state, &to, &content, &id.to_string(), now).await?;
    audit::record(
        &txn,
        audit_entry(
            &caller.user,
            "organization.invite",
            "organization",
            org.id.to_string(),
            json!({"email": email.as_str()}),
            origin,
        ),
        now,
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// What an invitee sends to join.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Acceptance {
    pub token: String,
    pub display_name: String,
    pub password: String,
}

/// Creates the invitee's account in the inviting organization.
///
/// # Errors
/// 422 for a bad token, name or password; 409 when the address already has an account.
pub async fn accept(
    state: &AppState,
    input: Acceptance,
    origin: &Origin,
) -> Result<user::Model, ApiError> {
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let invalid = || {
        ApiError::invalid(
            "token",
            &peitao_domain::Invalid::new(
                "token.invalid",
                "邀请链接无效或已过期。",
                "The invitation link is invalid or has expired.",
            ),
        )
    };
    let Some(row) = tokens::consume(
        &txn,
        tokens::INVITATION,
        &hash_opaque(input.token.trim()),
        now,
    )
    .await?
    else {
        return Err(invalid());
    };
    let (Some(email), Some(org_id)) = (
        row.email.as_deref().and_then(|e| Email::parse(e).ok()),
        row.organization_id,
    ) else {
        return Err(invalid());
    };
    let mut f = Fields::new();
    let display_name = f.text("display_name", &input.display_name, 1, 100);
    f.check(
        "password",
        password::check_new(&input.password, Some(&email)),
    );
    f.finish()?;
    let org = organization(state, org_id).await?;
    let role = if org.kind == "oem" {
        Role::Oem
    } else {
        Role::Supplier
    };
    let hash = password::hash(input.password, state.config.auth.hash_cost)
        .await
        .map_err(|_| ApiError::Internal)?;
    // An organization staff created from a roster has nobody yet: its first member owns it.
    let owner = users::members(&txn, org.id)
        .await?
        .iter()
        .all(|u| u.deactivated_at.is_some());
    let member = users::NewMember {
        email,
        display_name: display_name.unwrap_or_default(),
        password_hash: hash,
        role,
        locale: origin.locale,
        organization_id: org.id,
        owner,
    };
    let user = match users::create_member(&txn, member, now).await {
        Ok(u) => u,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::Conflict(Text::fixed(
                "该邮箱已有账号。",
                "This email already has an account.",
            )));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        audit_entry(
            &user,
            "organization.join",
            "organization",
            org.id.to_string(),
            json!({"user": user.id, "invited_by": row.created_by}),
            origin,
        ),
        now,
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(user)
}

/// Takes a member out of the organization and ends their sessions.
///
/// # Errors
/// 403 unless owner or staff; 404 when not a removable member.
pub async fn remove(
    state: &AppState,
    caller: &AuthUser,
    organization_id: Uuid,
    user_id: Uuid,
    origin: &Origin,
) -> Result<(), ApiError> {
    let org = organization(state, organization_id).await?;
    caller.authorize(Action::ManageOrgMembers {
        organization_id: OrganizationId(org.id),
    })?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let removed = users::remove_member(&txn, org.id, user_id, now).await?;
    refresh::revoke_all_for_user(&txn, user_id, now).await?;
    web_sessions::revoke_all_for_user(&txn, user_id, now).await?;
    audit::record(
        &txn,
        audit_entry(
            &caller.user,
            "organization.remove_member",
            "organization",
            org.id.to_string(),
            json!({"user": removed.id, "email": removed.email}),
            origin,
        ),
        now,
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    state.accounts.forget(user_id);
    Ok(())
}

/// Deactivates an account at once: no more logins, and every token and session stops working.
///
/// # Errors
/// 403 when the policy refuses (staff may not deactivate staff); 404 for an unknown user.
pub async fn deactivate(
    state: &AppState,
    caller: &AuthUser,
    user_id: Uuid,
    origin: &Origin,
) -> Result<(), ApiError> {
    let Some(target) = users::find_by_id(state.db.conn(), user_id).await? else {
        return Err(ApiError::NotFound);
    };
    let target_role = Role::parse(&target.role).map_err(|_| ApiError::Internal)?;
    caller.authorize(Action::DeactivateUser { target_role })?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let changed = users::deactivate(&txn, user_id, now).await?;
    let tokens = refresh::revoke_all_for_user(&txn, user_id, now).await?;
    let sessions = web_sessions::revoke_all_for_user(&txn, user_id, now).await?;
    if changed {
        audit::record(&txn, audit_entry(&caller.user, "user.deactivate", "user", user_id.to_string(),
            json!({"before": {"active": true}, "after": {"active": false}, "tokens_revoked": tokens, "sessions_revoked": sessions}), origin), now).await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    state.accounts.forget(user_id);
    Ok(())
}

/// An administrator creates an association staff account; the new member of staff sets their
/// password from the mailed link (a reset link that lives three days), so no password travels.
///
/// # Errors
/// 403 unless admin; 422 for a bad email or name; 409 when the email has an account.
pub async fn create_staff(
    state: &AppState,
    caller: &AuthUser,
    email: &str,
    display_name: &str,
    origin: &Origin,
) -> Result<user::Model, ApiError> {
    caller.authorize(Action::CreateStaff)?;
    let mut f = Fields::new();
    let email = f.check("email", Email::parse(email));
    let name = f.text("display_name", display_name, 1, 100);
    f.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(ApiError::Internal);
    };
    let now = Utc::now();
    // An unusable hash: nobody can log in until the link sets a real password.
    let placeholder = password::hash(OpaqueToken::generate().plain, state.config.auth.hash_cost)
        .await
        .map_err(|_| ApiError::Internal)?;
    let txn = state.db.begin().await?;
    if users::find_by_email(&txn, &email).await?.is_some() {
        return Err(ApiError::Conflict(Text::fixed(
            "该邮箱已有账号。",
            "This email already has an account.",
        )));
    }
    let staff = users::NewStaff {
        email: email.clone(),
        display_name: name,
        password_hash: placeholder,
        role: Role::Staff,
        locale: origin.locale,
    };
    let id = users::create_staff_on(&txn, staff, now).await?;
    let token = OpaqueToken::generate();
    let token_id = tokens::create(
        &txn,
        tokens::NewToken {
            purpose: tokens::PASSWORD_RESET,
            token_hash: token.hash.clone(),
            user_id: Some(id),
            email: Some(email.as_str().to_owned()),
            organization_id: None,
            created_by: Some(caller.user.id),
            expires_at: now + chrono::Duration::days(3),
        },
        now,
    )
    .await?;
    let content = MailContent::Invitation {
        inviter_name: caller.user.display_name.clone(),
        organization_name: origin
            .locale
            .pick("行业协会秘书处", "the association secretariat")
            .to_owned(),
        link: mailing::link(state, &format!("/reset-password?token={}", token.plain)),
    };
    let created = users::find_by_id(&txn, id)
        .await?
        .ok_or(ApiError::Internal)?;
    mailing::tell(
        &txn,
        state,
        &Recipient::user(&created),
        &content,
        &token_id.to_string(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit_entry(
            &caller.user,
            "user.create_staff",
            "user",
            id.to_string(),
            json!({"email": email.as_str(), "role": "staff"}),
            origin,
        ),
        now,
    )
    .await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(created)
}
