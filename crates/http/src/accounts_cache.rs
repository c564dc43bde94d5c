//! Accounts as authentication last read them, for one second: every API request checks that its
//! account still exists and is active, and that lookup was most of a cheap request's cost.
//! Changes made here drop the entry at once; another instance's changes show within `TTL`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use peitao_persistence::entities::user;
use uuid::Uuid;

const TTL: Duration = Duration::from_secs(1);
/// Accounts kept; past this the cache starts over.
const CAPACITY: usize = 16_384;

#[derive(Debug, Default)]
pub struct AccountCache {
    entries: Mutex<HashMap<Uuid, (Instant, user::Model)>>,
}

impl AccountCache {
    #[must_use]
    pub fn get(&self, id: Uuid) -> Option<user::Model> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&id)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, user)| user.clone())
    }

    pub fn put(&self, user: user::Model) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(user.id, (Instant::now(), user));
    }

    /// Drops the account: it changed in this process (deactivated, verified, edited, moved).
    pub fn forget(&self, id: Uuid) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }
}
