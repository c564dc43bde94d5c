//! Accounts as authentication last read them, for one second: every API request checks that its
//! account still exists and is active, and that lookup was most of a cheap request's cost.
//! Changes made here drop the entry at once; another instance's changes show within `TTL`.
//! Login sessions (refresh-token families) that access tokens name are remembered as live the
//! same way, so ending one (logout, password change) refuses its access tokens at once here.

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
    /// Sessions seen live: family id → (when, the account's id).
    sessions: Mutex<HashMap<Uuid, (Instant, Uuid)>>,
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

    /// Drops the account and its live sessions: it changed in this process (deactivated,
    /// verified, edited, moved, its password changed).
    pub fn forget(&self, id: Uuid) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, (_, user)| *user != id);
    }

    /// Whether the session `family` was seen live within `TTL`.
    #[must_use]
    pub fn session_live(&self, family: Uuid) -> bool {
        let sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        sessions
            .get(&family)
            .is_some_and(|(at, _)| at.elapsed() < TTL)
    }

    /// Remembers that the session `family` of account `user` is live now.
    pub fn put_session(&self, family: Uuid, user: Uuid) {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if sessions.len() >= CAPACITY {
            sessions.clear();
        }
        sessions.insert(family, (Instant::now(), user));
    }

    /// Drops one session: it ended in this process (logout).
    pub fn forget_session(&self, family: Uuid) {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&family);
    }
}
