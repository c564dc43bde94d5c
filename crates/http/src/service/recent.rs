//! Reads kept briefly in memory: the pages read far more often than they change (a need's
//! matches, one need, the public directory's pages). A change made in this process drops the
//! entries it touches at once; a change made by another instance shows within the cache's TTL
//! (as long as that change takes to reach this instance's matching index anyway).
//!
//! An entry past its TTL is still served while one reader rereads it in the background, so an
//! expiry never stalls a burst of readers on the same page.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long another instance's change may take to show: as long as its capabilities take to
/// reach this instance's index (`matcher.refresh_secs`, 5 s by default).
pub const TTL: Duration = Duration::from_secs(5);

/// The cache: up to `capacity` entries; past that it starts over (a burst of cold reads, never
/// unbounded memory).
#[derive(Debug)]
pub struct Recent<K, V> {
    capacity: usize,
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
    /// Keys whose expired entry one request is rereading while the others keep the old one.
    rereading: Mutex<HashSet<K>>,
}

/// What the cache holds for a key.
enum Cached<V> {
    Fresh(Arc<V>),
    /// Past its TTL; `reread` is true for the one caller that should read it again (everyone
    /// else keeps serving this copy meanwhile).
    Stale {
        view: Arc<V>,
        reread: bool,
    },
    Missing,
}

impl<K: Eq + Hash + Clone, V> Recent<K, V> {
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Recent::with_ttl(capacity, TTL)
    }

    #[must_use]
    pub fn with_ttl(capacity: usize, ttl: Duration) -> Self {
        Recent {
            capacity,
            ttl,
            entries: Mutex::default(),
            rereading: Mutex::default(),
        }
    }

    /// The key's entry and how fresh it is.
    fn get(&self, key: &K) -> Cached<V> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(key) {
            None => Cached::Missing,
            Some((at, view)) if at.elapsed() < self.ttl => Cached::Fresh(view.clone()),
            Some((_, view)) => Cached::Stale {
                view: view.clone(),
                reread: self
                    .rereading
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key.clone()),
            },
        }
    }

    /// A reread failed: let the next reader try.
    fn reread_failed(&self, key: &K) {
        self.rereading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    fn put(&self, key: K, view: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity {
            entries.clear();
        }
        self.rereading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
        entries.insert(key, (Instant::now(), view));
    }

    /// Drops the key's entry: what it shows changed here.
    pub fn forget(&self, key: &K) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    /// Drops every entry: a change here may show on any of them.
    pub fn forget_all(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl<K, V> Recent<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + std::fmt::Debug + 'static,
    V: Send + Sync + 'static,
{
    /// The key's entry, read with `read` when there is none; a stale one is served while one
    /// caller's `read` refreshes it in the background. What `read` fails with is not kept.
    ///
    /// # Errors
    /// What `read` fails with when there was no entry.
    pub async fn read_through<F, Fut, E>(self: &Arc<Self>, key: K, read: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: std::fmt::Debug + 'static,
    {
        match self.get(&key) {
            Cached::Fresh(view) => Ok(view),
            Cached::Stale { view, reread } => {
                if reread {
                    let cache = Arc::clone(self);
                    let reading = read();
                    actix_web::rt::spawn(async move {
                        match reading.await {
                            Ok(fresh) => cache.put(key, Arc::new(fresh)),
                            Err(e) => {
                                cache.reread_failed(&key);
                                tracing::warn!(?key, error = ?e, "rereading a cached page failed");
                            }
                        }
                    });
                }
                Ok(view)
            }
            Cached::Missing => {
                let view = Arc::new(read().await?);
                self.put(key, view.clone());
                Ok(view)
            }
        }
    }
}

/// The pages this process keeps besides the matches lists (those live with the matcher, which
/// drops them as it ranks).
#[derive(Debug, Clone)]
pub struct Pages {
    /// One need as `GET /needs/{id}` reads it, before the caller's view of it.
    pub needs: Arc<Recent<uuid::Uuid, peitao_persistence::needs::NeedRow>>,
    /// Published directory pages (`GET /capabilities`), serialized, by their parsed query.
    pub directory: Arc<Recent<String, actix_web::web::Bytes>>,
}

impl Default for Pages {
    fn default() -> Self {
        Pages {
            needs: Arc::new(Recent::new(4_096)),
            // ~13 KB a page: at most ~13 MB.
            directory: Arc::new(Recent::new(1_024)),
        }
    }
}

impl Pages {
    /// An organization changed here: its name, standing or suspension may show on any page.
    pub fn organization_changed(&self) {
        self.needs.forget_all();
        self.directory.forget_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_fresh_then_stale_and_only_one_reader_rereads_it() {
        let cache: Recent<u32, &str> = Recent::with_ttl(8, Duration::from_millis(30));
        assert!(matches!(cache.get(&1), Cached::Missing));
        cache.put(1, Arc::new("one"));
        assert!(matches!(cache.get(&1), Cached::Fresh(v) if *v == "one"));
        std::thread::sleep(Duration::from_millis(40));
        assert!(matches!(cache.get(&1), Cached::Stale { reread: true, .. }));
        assert!(matches!(cache.get(&1), Cached::Stale { reread: false, .. }));
        cache.reread_failed(&1);
        assert!(matches!(cache.get(&1), Cached::Stale { reread: true, .. }));
        cache.put(1, Arc::new("uno"));
        assert!(matches!(cache.get(&1), Cached::Fresh(v) if *v == "uno"));
    }

    #[test]
    fn forgetting_drops_entries_and_capacity_starts_over() {
        let cache: Recent<u32, u32> = Recent::new(2);
        cache.put(1, Arc::new(1));
        cache.put(2, Arc::new(2));
        cache.forget(&1);
        assert!(matches!(cache.get(&1), Cached::Missing));
        assert!(matches!(cache.get(&2), Cached::Fresh(_)));
        cache.put(3, Arc::new(3));
        cache.put(4, Arc::new(4));
        assert!(matches!(cache.get(&2), Cached::Missing));
        cache.forget_all();
        assert!(matches!(cache.get(&4), Cached::Missing));
    }
}
