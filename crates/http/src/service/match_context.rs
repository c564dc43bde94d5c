//! One match with everything around it (need, capability, both organizations), loaded once for
//! the lifecycle's use cases: who may see it, which side the caller speaks for, whom to tell.

use chrono::{DateTime, Utc};
use peitao_auth::policy::Action;
use peitao_domain::ids::OrganizationId;
use peitao_domain::lifecycle::{IntentionStatus, MatchState, MatchStatus, Side};
use peitao_notify::MailContent;
use peitao_persistence::entities::{capability, intention, need, organization, proposal};
use peitao_persistence::sea_orm::{ConnectionTrait, DatabaseTransaction};
use peitao_persistence::{capabilities, lifecycle, needs, organizations, users};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, Text};
use crate::service::mailing::{self, Recipient};

/// A match and its surroundings, as read inside one transaction (or outside any).
#[derive(Debug, Clone)]
pub struct MatchContext {
    pub row: proposal::Model,
    pub need: need::Model,
    pub capability: capability::Model,
    pub supplier: organization::Model,
    pub oem: organization::Model,
    pub intention: Option<intention::Model>,
}

impl MatchContext {
    /// Loads a match; `None` for an unknown id (or one whose posting vanished).
    ///
    /// # Errors
    /// Database errors.
    pub async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Self>, ApiError> {
        let Some(row) = lifecycle::find(conn, id).await? else {
            return Ok(None);
        };
        let Some(need) = needs::find(conn, row.need_id).await? else {
            return Ok(None);
        };
        let Some(listed) = capabilities::find(conn, row.capability_id).await? else {
            return Ok(None);
        };
        let Some(oem) = organizations::find(conn, row.oem_id).await? else {
            return Ok(None);
        };
        let intention = lifecycle::intention_of(conn, row.id).await?;
        Ok(Some(MatchContext {
            row,
            need: need.need,
            capability: listed.capability,
            supplier: listed.organization,
            oem,
            intention,
        }))
    }

    /// Takes the match's row for the transaction, then loads it.
    ///
    /// # Errors
    /// 404 unknown; database errors.
    pub async fn lock(txn: &DatabaseTransaction, id: Uuid) -> Result<Self, ApiError> {
        if !lifecycle::lock(txn, id).await? {
            return Err(ApiError::NotFound);
        }
        Self::load(txn, id).await?.ok_or(ApiError::NotFound)
    }

    #[must_use]
    pub fn status(&self) -> Option<MatchStatus> {
        MatchStatus::parse(&self.row.status)
    }

    #[must_use]
    pub fn approved(&self) -> bool {
        self.status() == Some(MatchStatus::Approved)
    }

    /// The lifecycle's view of this match.
    #[must_use]
    pub fn state(&self) -> MatchState {
        MatchState {
            status: self.status().unwrap_or(MatchStatus::Withdrawn),
            supplier_interest: self.row.supplier_interest,
            oem_interest: self.row.oem_interest,
            contact_revealed: self.row.contact_revealed_at.is_some(),
            need_open: self.need.status == "open",
            intention: self
                .intention
                .as_ref()
                .and_then(|i| IntentionStatus::parse(&i.status)),
        }
    }

    /// The side the caller's organization is on, if any.
    #[must_use]
    pub fn side_of(&self, caller: &AuthUser) -> Option<Side> {
        if caller.actor.is_member_of(OrganizationId(self.supplier.id)) {
            Some(Side::Supplier)
        } else if caller.actor.is_member_of(OrganizationId(self.oem.id)) {
            Some(Side::Oem)
        } else {
            None
        }
    }

    /// The organization on `side`.
    #[must_use]
    pub fn organization(&self, side: Side) -> &organization::Model {
        match side {
            Side::Supplier => &self.supplier,
            Side::Oem => &self.oem,
        }
    }

    /// Staff see every match; its parties see it once approved; for anyone else it does not exist.
    ///
    /// # Errors
    /// 404 when the caller may not see it.
    pub fn ensure_visible(&self, caller: &AuthUser) -> Result<(), ApiError> {
        caller
            .authorize(Action::ViewMatch {
                supplier_organization_id: OrganizationId(self.supplier.id),
                oem_organization_id: OrganizationId(self.oem.id),
                approved: self.approved(),
            })
            .map_err(|_| ApiError::NotFound)
    }

    /// The path of the match's page, for links in mails and notifications.
    #[must_use]
    pub fn page(&self) -> String {
        format!("/matches/{}", self.row.id)
    }

    /// Tells every active member of the organization on `side` (mail per their preference and
    /// an in-app notification), inside the change's transaction.
    ///
    /// # Errors
    /// Database or rendering errors.
    pub async fn tell_side(
        &self,
        txn: &DatabaseTransaction,
        state: &AppState,
        side: Side,
        subject: &str,
        content: impl Fn(&str) -> MailContent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let org = self.organization(side);
        for member in users::members(txn, org.id).await? {
            if member.deactivated_at.is_some() || member.email_verified_at.is_none() {
                continue;
            }
            let mail = content(&member.display_name);
            mailing::tell(txn, state, &Recipient::user(&member), &mail, subject, now).await?;
        }
        Ok(())
    }

    /// [`MatchContext::tell_side`] for both sides, each naming the other as its counterpart.
    ///
    /// # Errors
    /// Database or rendering errors.
    pub async fn tell_both(
        &self,
        txn: &DatabaseTransaction,
        state: &AppState,
        content: impl Fn(String, String, String, String) -> MailContent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let link = mailing::link(state, &self.page());
        let subject = format!("{}:{}", self.row.id, self.row.version);
        for side in [Side::Supplier, Side::Oem] {
            let counterpart = self.organization(side.other()).name.clone();
            self.tell_side(
                txn,
                state,
                side,
                &subject,
                |name| {
                    content(
                        name.to_owned(),
                        self.need.title.clone(),
                        counterpart.clone(),
                        link.clone(),
                    )
                },
                now,
            )
            .await?;
        }
        Ok(())
    }
}

/// A lifecycle refusal as a 409 in both languages.
#[must_use]
pub fn conflict(invalid: &peitao_domain::Invalid) -> ApiError {
    ApiError::Conflict(Text::fixed(invalid.zh, invalid.en))
}
