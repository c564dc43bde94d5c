//! Ranked search over capabilities, needs and organizations: this process's in-memory indexes
//! (loaded at start, changed after each write here, refreshed for other instances' changes), and
//! the walk that intersects a ranking with a listing's SQL filters.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};

use chrono::{DateTime, TimeDelta, Utc};
use peitao_domain::matching::text::terms;
use peitao_domain::search::{Position, SearchIndex};
use peitao_persistence::sea_orm::ConnectionTrait;
use peitao_persistence::search_feed::{self, Scope, SearchDocument};
use peitao_persistence::{Db, StoreResult};
use uuid::Uuid;

/// As the matcher's: rows changed this long before the last refresh are read again, so a
/// transaction that committed late with an earlier timestamp is still seen.
const REFRESH_OVERLAP: TimeDelta = TimeDelta::seconds(30);

/// Ranked candidates checked against the filters before trying the filters first.
const WALK_BUDGET: usize = 5_000;
/// Largest number of candidates checked in one query.
const CHUNK_MAX: usize = 2_000;
/// The filters alone are read when they leave at most this many rows.
const FILTER_FIRST_MAX: u64 = 20_000;
/// Candidates an in-memory filter may turn down before the walk gives up on it: past this,
/// the filter is narrow, and reading its rows first (or in chunks) is cheaper.
const SHOWN_BUDGET: usize = 150_000;

/// What is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Capabilities,
    Needs,
    Organizations,
}

const KINDS: [Kind; 3] = [Kind::Capabilities, Kind::Needs, Kind::Organizations];

/// The search indexes of one process.
#[derive(Debug)]
pub struct Search {
    capabilities: RwLock<SearchIndex>,
    needs: RwLock<SearchIndex>,
    organizations: RwLock<SearchIndex>,
    refreshed: Mutex<DateTime<Utc>>,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            capabilities: RwLock::default(),
            needs: RwLock::default(),
            organizations: RwLock::default(),
            refreshed: Mutex::new(DateTime::<Utc>::MIN_UTC),
        }
    }
}

async fn feed<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    scope: Scope,
) -> StoreResult<Vec<SearchDocument>> {
    match kind {
        Kind::Capabilities => search_feed::capabilities(conn, scope).await,
        Kind::Needs => search_feed::needs(conn, scope).await,
        Kind::Organizations => search_feed::organizations(conn, scope).await,
    }
}

fn file(index: &mut SearchIndex, doc: &SearchDocument) {
    index.upsert(
        doc.id,
        doc.title_terms.split_whitespace(),
        doc.terms.split_whitespace(),
    );
}

impl Search {
    /// Builds every index from the database, in id-ordered batches.
    ///
    /// # Errors
    /// Database errors.
    pub async fn load(db: &Db) -> StoreResult<Search> {
        let search = Search::default();
        let started = Utc::now();
        search.read_changes(db, None).await?;
        *search
            .refreshed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = started;
        tracing::info!(
            capabilities = search.len(Kind::Capabilities),
            needs = search.len(Kind::Needs),
            organizations = search.len(Kind::Organizations),
            megabytes = search.heap_bytes() / 1_000_000,
            seconds = (Utc::now() - started).as_seconds_f64(),
            "search indexes built"
        );
        Ok(search)
    }

    fn index(&self, kind: Kind) -> &RwLock<SearchIndex> {
        match kind {
            Kind::Capabilities => &self.capabilities,
            Kind::Needs => &self.needs,
            Kind::Organizations => &self.organizations,
        }
    }

    fn write<T>(&self, kind: Kind, f: impl FnOnce(&mut SearchIndex) -> T) -> T {
        let mut index = self
            .index(kind)
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let out = f(&mut index);
        if index.wants_compaction() {
            index.compact();
        }
        out
    }

    /// Roughly the heap all three indexes hold, in bytes.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        KINDS
            .iter()
            .map(|&kind| {
                self.index(kind)
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .heap_bytes()
            })
            .sum()
    }

    /// Documents of this kind held.
    #[must_use]
    pub fn len(&self, kind: Kind) -> usize {
        self.index(kind)
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    async fn read_changes(&self, db: &Db, since: Option<DateTime<Utc>>) -> StoreResult<()> {
        for kind in KINDS {
            let mut after = None;
            loop {
                let scope = Scope {
                    id: None,
                    after,
                    since,
                };
                let batch = feed(db.conn(), kind, scope).await?;
                let Some(last) = batch.last() else { break };
                after = Some(last.id);
                self.write(kind, |index| {
                    for doc in &batch {
                        file(index, doc);
                    }
                });
            }
            if since.is_none() {
                self.write(kind, SearchIndex::shrink);
            }
        }
        Ok(())
    }

    /// Picks up what other instances changed since the last refresh.
    ///
    /// # Errors
    /// Database errors.
    pub async fn refresh(&self, db: &Db) -> StoreResult<()> {
        let started = Utc::now();
        let since = *self
            .refreshed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            - REFRESH_OVERLAP;
        self.read_changes(db, Some(since)).await?;
        *self
            .refreshed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = started;
        Ok(())
    }

    /// Rereads one row into its index (after this process changed it).
    ///
    /// # Errors
    /// Database errors.
    pub async fn reload<C: ConnectionTrait>(
        &self,
        conn: &C,
        kind: Kind,
        id: Uuid,
    ) -> StoreResult<()> {
        let docs = feed(conn, kind, Scope::one(id)).await?;
        self.write(kind, |index| match docs.first() {
            Some(doc) => file(index, doc),
            None => index.remove(id),
        });
        Ok(())
    }

    /// Files a need this process just wrote, as it was written.
    pub fn file_need(&self, need: &peitao_persistence::entities::need::Model) {
        let doc = search_feed::need_document(need);
        self.write(Kind::Needs, |index| file(index, &doc));
    }

    /// As [`Search::reload`], logging instead of failing: the write it follows has committed,
    /// and the next refresh brings the index level anyway.
    pub async fn after_change<C: ConnectionTrait>(&self, conn: &C, kind: Kind, id: Uuid) {
        if let Err(e) = self.reload(conn, kind, id).await {
            tracing::warn!(?kind, %id, error = %e, "search index not updated; the next refresh will");
        }
    }

    fn top(
        &self,
        kind: Kind,
        query: &[String],
        after: Option<Position>,
        n: usize,
        keep: Option<&dyn Fn(Uuid) -> bool>,
    ) -> Vec<Position> {
        self.index(kind)
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .top(query, after, n, keep)
    }

    /// Up to `n` of the best-ranked documents after `after` that `shows` passes, or `None` when
    /// `shows` turned down more than [`SHOWN_BUDGET`] candidates on the way (a narrow filter).
    pub fn top_shown(
        &self,
        kind: Kind,
        query: &[String],
        after: Option<Position>,
        n: usize,
        shows: &dyn Fn(Uuid) -> bool,
    ) -> Option<Vec<Position>> {
        let refused = std::cell::Cell::new(0usize);
        let keep = |id: Uuid| {
            if refused.get() > SHOWN_BUDGET {
                return false;
            }
            let shown = shows(id);
            if !shown {
                refused.set(refused.get() + 1);
            }
            shown
        };
        let hits = self.top(kind, query, after, n, Some(&keep));
        (refused.get() <= SHOWN_BUDGET).then_some(hits)
    }
}

/// A first ranking already filtered in memory (see [`Search::top_shown`]), asked for `asked`
/// documents: exact unless the memory is behind the database.
#[derive(Debug, Clone)]
pub struct Shown {
    pub hits: Vec<Position>,
    pub asked: usize,
}

/// The terms a search text looks for; none (only stop words, numbers or punctuation) finds
/// nothing.
#[must_use]
pub fn query_terms(q: &str) -> Vec<String> {
    terms(q)
}

/// Up to `want` rows that pass a listing's filters, best ranked first, each with its place in
/// the ranking. `fetch(Some(ids), n)` reads the rows among `ids` that pass the filters;
/// `fetch(None, n)` reads up to `n` rows passing them, whatever their text.
///
/// With `shown` (the filters answered in memory), its hits are read and, unless the database
/// turned some down (the memory was behind), that is the answer. Otherwise the index is read
/// at most twice: a short ranking first (enough when the filters pass most rows), then the
/// rest of [`WALK_BUDGET`] in one pass, checked against the filters in chunks. When even that
/// leaves the page short (a narrow filter such as one organization), the filters are read
/// first and only their rows ranked.
///
/// # Errors
/// Database errors.
#[allow(clippy::too_many_arguments)] // each is one part of the question; a struct would only rename them
pub async fn ranked<R, F, Fut>(
    search: &Search,
    kind: Kind,
    query: &[String],
    mut after: Option<Position>,
    want: usize,
    shown: Option<Shown>,
    mut fetch: F,
    id_of: impl Fn(&R) -> Uuid,
) -> StoreResult<Vec<(Position, R)>>
where
    F: FnMut(Option<Vec<Uuid>>, u64) -> Fut,
    Fut: Future<Output = StoreResult<Vec<R>>>,
{
    let mut out = Vec::with_capacity(want);
    if let Some(Shown { hits, asked }) = shown {
        check(&hits, &mut fetch, &id_of, want, &mut out).await?;
        if out.len() == want || hits.len() < asked {
            return Ok(out);
        }
        after = hits.last().copied().or(after);
    }
    // Most searches carry no narrowing filter: a few spare candidates fill the page in one read.
    let first = (want + want / 4 + 4).min(CHUNK_MAX);
    let hits = search.top(kind, query, after, first, None);
    let mut last = hits.last().copied();
    check(&hits, &mut fetch, &id_of, want, &mut out).await?;
    if out.len() == want || hits.len() < first {
        return Ok(out);
    }
    let rest = WALK_BUDGET.saturating_sub(first).max(first);
    let hits = search.top(kind, query, last, rest, None);
    // Checked in chunks sized by how many of the first candidates passed (half again as many
    // as that rate says the page still needs), growing if a chunk falls short.
    let passed = out.len().max(1);
    let mut size = ((want - out.len()) * first * 3 / 2 / passed).clamp(64, CHUNK_MAX);
    let mut start = 0;
    while start < hits.len() {
        let chunk = &hits[start..(start + size).min(hits.len())];
        check(chunk, &mut fetch, &id_of, want, &mut out).await?;
        last = chunk.last().copied();
        if out.len() == want {
            return Ok(out);
        }
        start += chunk.len();
        size = (size * 4).min(CHUNK_MAX);
    }
    if hits.len() < rest {
        return Ok(out);
    }
    let rows = fetch(None, FILTER_FIRST_MAX + 1).await?;
    if rows.len() as u64 <= FILTER_FIRST_MAX {
        let mut rows: HashMap<Uuid, R> = rows.into_iter().map(|r| (id_of(&r), r)).collect();
        let keep = |id: Uuid| rows.contains_key(&id);
        let hits = search.top(kind, query, last, want - out.len(), Some(&keep));
        for hit in hits {
            if let Some(row) = rows.remove(&hit.id) {
                out.push((hit, row));
            }
        }
        return Ok(out);
    }
    // Filters too broad to read first, yet too narrow for the walk: go on in chunks.
    while out.len() < want {
        let hits = search.top(kind, query, last, CHUNK_MAX, None);
        check(&hits, &mut fetch, &id_of, want, &mut out).await?;
        match hits.last() {
            Some(&end) if hits.len() == CHUNK_MAX => last = Some(end),
            _ => break,
        }
    }
    Ok(out)
}

/// Appends the rows among `hits` that pass the filters, in ranked order, until `want` are held.
async fn check<R, F, Fut>(
    hits: &[Position],
    fetch: &mut F,
    id_of: &impl Fn(&R) -> Uuid,
    want: usize,
    out: &mut Vec<(Position, R)>,
) -> StoreResult<()>
where
    F: FnMut(Option<Vec<Uuid>>, u64) -> Fut,
    Fut: Future<Output = StoreResult<Vec<R>>>,
{
    if hits.is_empty() || out.len() >= want {
        return Ok(());
    }
    let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    let mut rows: HashMap<Uuid, R> = fetch(Some(ids), hits.len() as u64)
        .await?
        .into_iter()
        .map(|r| (id_of(&r), r))
        .collect();
    for hit in hits {
        if let Some(row) = rows.remove(&hit.id) {
            out.push((*hit, row));
            if out.len() == want {
                break;
            }
        }
    }
    Ok(())
}
