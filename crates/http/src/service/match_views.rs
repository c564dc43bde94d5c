//! A need's ranked matches as clients see them, kept briefly in memory: the matches list is the
//! most-read page an OEM has, and rebuilding it is several queries. A rematch of the need in this
//! process drops its entry at once; changes made by other instances show within `TTL`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use peitao_persistence::matches::ListedMatch;
use serde::Serialize;
use uuid::Uuid;

/// How long another instance's change may take to show: as long as its capabilities take to
/// reach this instance's index (`matcher.refresh_secs`, 5 s by default).
const TTL: Duration = Duration::from_secs(5);
/// Needs kept; past this the cache starts over (a burst of cold reads, never unbounded memory).
const CAPACITY: usize = 4_096;

/// The other side of a match, as much as a list shows.
#[derive(Debug, Clone, Serialize)]
pub struct PartyRef {
    pub id: Uuid,
    pub name: String,
    pub verified: bool,
    pub region_code: String,
}

/// The capability a need was matched with.
#[derive(Debug, Clone, Serialize)]
pub struct CapabilityRef {
    pub id: Uuid,
    pub title: String,
    pub category_code: String,
}

/// One match of a need.
#[derive(Debug, Clone, Serialize)]
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
}

/// The cache.
#[derive(Debug, Default)]
pub struct MatchViews {
    entries: Mutex<HashMap<Uuid, (Instant, Arc<NeedMatches>)>>,
}

impl MatchViews {
    /// A fresh entry for the need, if one is held.
    pub fn get(&self, need: Uuid) -> Option<Arc<NeedMatches>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&need)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, view)| view.clone())
    }

    pub fn put(&self, need: Uuid, view: Arc<NeedMatches>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(need, (Instant::now(), view));
    }

    /// Drops the need's entry: its matches or the need itself changed here.
    pub fn forget(&self, need: Uuid) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&need);
    }
}
