//! How a match, a quote and an intention look in JSON (api.md, "Matches"): one shape for the
//! match page, the party list and the moderation queue; what is private stays out.

use chrono::{DateTime, NaiveDate, Utc};
use peitao_domain::lifecycle::Side;
use peitao_persistence::entities::{audit_entry, intention, organization, quote};
use peitao_persistence::lifecycle::LeadQuality;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::service::engagement::MatchView;
use crate::service::match_context::MatchContext;

#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A party: who it is, how it answers leads, and its contact once revealed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Party)]
pub struct PartyBody {
    pub id: Uuid,
    pub name: String,
    pub verified: bool,
    pub region_code: String,
    /// Approved matches it was a party to.
    pub approved_matches: i64,
    /// Share of those it answered; null before any approval.
    pub responsiveness: Option<f64>,
    /// Intentions (recorded or confirmed) per need with an approved match.
    pub intentions_per_need: Option<f64>,
    /// Once the contact is revealed (both sides interested) and to staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl PartyBody {
    #[must_use]
    pub fn new(o: &organization::Model, q: LeadQuality, contact: bool) -> PartyBody {
        PartyBody {
            id: o.id,
            name: o.name.clone(),
            verified: o.verified_at.is_some(),
            region_code: o.region_code.clone(),
            approved_matches: q.approved,
            responsiveness: q.responsiveness.map(round),
            intentions_per_need: q.intentions_per_need.map(round),
            contact: contact.then(|| Contact {
                email: o.contact_email.clone(),
                phone: o.contact_phone.clone(),
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MatchNeed)]
pub struct NeedBody {
    pub id: Uuid,
    pub title: String,
    pub category_code: String,
    pub delivery_region_code: String,
    pub respond_by: Option<NaiveDate>,
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MatchCapability)]
pub struct CapabilityBody {
    pub id: Uuid,
    pub title: String,
    pub category_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Quote)]
pub struct QuoteBody {
    pub id: Uuid,
    pub match_id: Uuid,
    pub unit_price: String,
    pub currency: String,
    pub lead_time_days: Option<i32>,
    pub valid_until: Option<NaiveDate>,
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<&quote::Model> for QuoteBody {
    fn from(q: &quote::Model) -> Self {
        QuoteBody {
            id: q.id,
            match_id: q.match_id,
            unit_price: q.unit_price.clone(),
            currency: q.currency.clone(),
            lead_time_days: q.lead_time_days,
            valid_until: q.valid_until,
            note: q.note.clone(),
            updated_at: q.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Intention)]
pub struct IntentionBody {
    pub id: Uuid,
    pub match_id: Uuid,
    pub need_id: Uuid,
    pub supplier_id: Uuid,
    pub oem_id: Uuid,
    pub recorded_by_organization: Uuid,
    pub annual_volume: Option<i64>,
    pub unit: Option<String>,
    pub expected_start: Option<NaiveDate>,
    pub note: Option<String>,
    /// `recorded`, `confirmed` or `dismissed`.
    pub status: String,
    pub reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The docking event where it was agreed, if any.
    pub event_id: Option<Uuid>,
}

impl From<&intention::Model> for IntentionBody {
    fn from(i: &intention::Model) -> Self {
        IntentionBody {
            id: i.id,
            match_id: i.match_id,
            need_id: i.need_id,
            supplier_id: i.supplier_id,
            oem_id: i.oem_id,
            recorded_by_organization: i.recorded_by_organization,
            annual_volume: i.annual_volume,
            unit: i.unit.clone(),
            expected_start: i.expected_start,
            note: i.note.clone(),
            status: i.status.clone(),
            reason: i.reason.clone(),
            decided_at: i.decided_at,
            created_at: i.created_at,
            updated_at: i.updated_at,
            event_id: i.event_id,
        }
    }
}

/// One transition in a match's history (staff only).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MatchHistoryEntry)]
pub struct HistoryBody {
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub summary: serde_json::Value,
}

impl From<&audit_entry::Model> for HistoryBody {
    fn from(a: &audit_entry::Model) -> Self {
        HistoryBody {
            at: a.at,
            actor_user_id: a.actor_user_id,
            actor_role: a.actor_role.clone(),
            action: a.action.clone(),
            summary: serde_json::from_str(&a.summary).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A match as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Match)]
pub struct MatchBody {
    pub id: Uuid,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub rank: Option<i32>,
    pub score: f64,
    /// Why the two were paired: `{category, distance_km, region, capacity, text, verified, responsiveness, local}`.
    pub explanation: serde_json::Value,
    pub need: NeedBody,
    pub capability: CapabilityBody,
    pub supplier: PartyBody,
    pub oem: PartyBody,
    pub supplier_interest: Option<bool>,
    pub oem_interest: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_decline_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oem_decline_reason: Option<String>,
    pub contact_revealed: bool,
    /// `supplier` or `oem`: the side the caller speaks for; null for staff.
    pub your_side: Option<&'static str>,
    pub quote: Option<QuoteBody>,
    pub intention: Option<IntentionBody>,
    /// Why staff rejected it (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryBody>>,
}

fn need_body(ctx: &MatchContext) -> NeedBody {
    NeedBody {
        id: ctx.need.id,
        title: ctx.need.title.clone(),
        category_code: ctx.need.category_code.clone(),
        delivery_region_code: ctx.need.delivery_region_code.clone(),
        respond_by: ctx.need.respond_by,
        status: ctx.need.status.clone(),
    }
}

fn capability_body(ctx: &MatchContext) -> CapabilityBody {
    CapabilityBody {
        id: ctx.capability.id,
        title: ctx.capability.title.clone(),
        category_code: ctx.capability.category_code.clone(),
    }
}

impl From<&MatchView> for MatchBody {
    fn from(v: &MatchView) -> Self {
        let ctx = &v.ctx;
        let contacts = v.shows_contacts();
        MatchBody {
            id: ctx.row.id,
            status: ctx.row.status.clone(),
            rank: ctx.row.rank,
            score: ctx.row.score,
            explanation: serde_json::from_str(&ctx.row.explanation)
                .unwrap_or(serde_json::Value::Null),
            need: need_body(ctx),
            capability: capability_body(ctx),
            supplier: PartyBody::new(&ctx.supplier, v.supplier_quality, contacts),
            oem: PartyBody::new(&ctx.oem, v.oem_quality, contacts),
            supplier_interest: ctx.row.supplier_interest,
            oem_interest: ctx.row.oem_interest,
            supplier_decline_reason: ctx
                .row
                .supplier_decline_reason
                .clone()
                .filter(|_| v.shows_reason_of(Side::Supplier)),
            oem_decline_reason: ctx
                .row
                .oem_decline_reason
                .clone()
                .filter(|_| v.shows_reason_of(Side::Oem)),
            contact_revealed: ctx.row.contact_revealed_at.is_some(),
            your_side: v.side.map(Side::as_str),
            quote: v.quote.as_ref().map(QuoteBody::from),
            intention: ctx.intention.as_ref().map(IntentionBody::from),
            reason: ctx.row.reason.clone().filter(|_| v.staff),
            decided_at: ctx.row.decided_at,
            created_at: ctx.row.created_at,
            updated_at: ctx.row.updated_at,
            history: v
                .staff
                .then(|| v.history.iter().map(HistoryBody::from).collect()),
        }
    }
}

/// A queue entry for staff: the match with both parties' verification and lead quality.
#[must_use]
pub fn queue_item(ctx: &MatchContext, supplier: LeadQuality, oem: LeadQuality) -> MatchBody {
    MatchBody {
        id: ctx.row.id,
        status: ctx.row.status.clone(),
        rank: ctx.row.rank,
        score: ctx.row.score,
        explanation: serde_json::from_str(&ctx.row.explanation).unwrap_or(serde_json::Value::Null),
        need: need_body(ctx),
        capability: capability_body(ctx),
        supplier: PartyBody::new(&ctx.supplier, supplier, false),
        oem: PartyBody::new(&ctx.oem, oem, false),
        supplier_interest: ctx.row.supplier_interest,
        oem_interest: ctx.row.oem_interest,
        supplier_decline_reason: None,
        oem_decline_reason: None,
        contact_revealed: ctx.row.contact_revealed_at.is_some(),
        your_side: None,
        quote: None,
        intention: ctx.intention.as_ref().map(IntentionBody::from),
        reason: ctx.row.reason.clone(),
        decided_at: ctx.row.decided_at,
        created_at: ctx.row.created_at,
        updated_at: ctx.row.updated_at,
        history: None,
    }
}
