//! A need's ranked matches as clients see them, kept briefly in memory: the matches list is the
//! most-read page an OEM has, and rebuilding it is several queries. A rematch of the need in this
//! process drops its entry at once; changes made by other instances show within the cache's TTL
//! (`service::recent`).

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use peitao_persistence::matches::ListedMatch;
use serde::Serialize;
use uuid::Uuid;

/// The other side of a match, as much as a list shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = MatchedSupplier)]
pub struct PartyRef {
    pub id: Uuid,
    pub name: String,
    pub verified: bool,
    pub region_code: String,
}

/// The capability a need was matched with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = MatchedCapability)]
pub struct CapabilityRef {
    pub id: Uuid,
    pub title: String,
    pub category_code: String,
}

/// One match of a need.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = NeedMatch)]
pub struct SupplierMatch {
    pub id: Uuid,
    /// Place in the need's current ranking; null once it fell out of the top K.
    pub rank: Option<i32>,
    pub score: f64,
    pub status: String,
    pub capability: CapabilityRef,
    pub organization: PartyRef,
    pub explanation: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

impl From<ListedMatch> for SupplierMatch {
    fn from(m: ListedMatch) -> Self {
        SupplierMatch {
            id: m.id,
            rank: m.rank,
            score: m.score,
            explanation: serde_json::from_str(&m.explanation).unwrap_or(serde_json::Value::Null),
            status: m.status,
            capability: CapabilityRef {
                id: m.capability_id,
                title: m.capability_title,
                category_code: m.category_code,
            },
            organization: PartyRef {
                id: m.supplier_id,
                name: m.supplier_name,
                verified: m.supplier_verified_at.is_some(),
                region_code: m.supplier_region_code,
            },
            updated_at: m.updated_at,
        }
    }
}

/// What a need's matches list is built from: its owner (for the permission check) and every
/// match in every status, ranked.
#[derive(Debug)]
pub struct NeedMatches {
    pub owner: Uuid,
    /// The owner is suspended: only its members and staff may see the need at all.
    pub owner_suspended: bool,
    pub items: Vec<SupplierMatch>,
    /// `{"items": [...]}` with every match (what staff read) and with the approved ones (what
    /// the parties read), serialized once: a hit then costs no serialization at all.
    pub all_body: Bytes,
    pub approved_body: Bytes,
}

/// A list response body.
#[derive(Serialize)]
pub struct Items<'a, T> {
    pub items: &'a [T],
}

/// Serializes `{"items": items}`.
#[must_use]
pub fn body_of(items: &[SupplierMatch]) -> Bytes {
    serde_json::to_vec(&Items { items })
        .map(Bytes::from)
        .unwrap_or_default()
}

impl NeedMatches {
    #[must_use]
    pub fn new(owner: Uuid, owner_suspended: bool, items: Vec<SupplierMatch>) -> NeedMatches {
        let approved: Vec<SupplierMatch> = items
            .iter()
            .filter(|m| m.status == peitao_persistence::matches::status::APPROVED)
            .cloned()
            .collect();
        NeedMatches {
            owner,
            owner_suspended,
            all_body: body_of(&items),
            approved_body: body_of(&approved),
            items,
        }
    }
}

/// The cache of matches lists, by need.
pub type MatchViews = super::recent::Recent<Uuid, NeedMatches>;

/// Needs kept; past this the cache starts over.
pub const CAPACITY: usize = 4_096;
