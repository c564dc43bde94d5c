//! Keeping proposals current: the shared index (loaded at start, changed with every posting and
//! organization change here, refreshed from the database for other instances' changes) and the
//! rematches each change calls for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use peitao_domain::CategoryCode;
use peitao_domain::matching::{MatchIndex, NeedProfile, Ranked, ScoringRules};
use peitao_domain::reference::ReferenceData;
use peitao_persistence::entities::need;
use peitao_persistence::matcher_feed::{self, CapabilityFeed};
use peitao_persistence::matches::{self, Proposal, SyncOutcome};
use peitao_persistence::sea_orm::ConnectionTrait;
use peitao_persistence::{Db, StoreError, StoreResult};
use serde_json::json;

use super::match_views::MatchViews;
use uuid::Uuid;

use super::search::Kind;

/// Changes made by another instance are picked up by rereading rows changed since the last
/// refresh, less this much: a transaction that committed late with an earlier timestamp is
/// still seen. Rereading a row twice is harmless.
const REFRESH_OVERLAP: TimeDelta = TimeDelta::seconds(30);

/// The matcher of one process.
pub struct Matcher {
    index: RwLock<MatchIndex>,
    /// Proposals kept per need.
    top_k: usize,
    refreshed: Mutex<DateTime<Utc>>,
    /// Needs this process ranked, and when: one ranked before a refresh brought another
    /// instance's change was ranked without it, and is ranked again after that refresh.
    ranked: Mutex<Vec<(Uuid, DateTime<Utc>)>>,
    /// `updated_at` of the organizations and capabilities the last refreshes read (those within
    /// the overlap): a row reread unchanged is no reason to rank anything again.
    seen: Mutex<HashMap<Uuid, DateTime<Utc>>>,
    views: Arc<MatchViews>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("top_k", &self.top_k)
            .finish_non_exhaustive()
    }
}

/// The date matching is judged on (certificate expiry): China's calendar day.
#[must_use]
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    (now + TimeDelta::hours(8)).date_naive()
}

impl Matcher {
    /// Builds the index from everything in the database.
    ///
    /// # Errors
    /// Database errors.
    pub async fn load(
        db: &Db,
        reference: &ReferenceData,
        rules: ScoringRules,
        top_k: usize,
    ) -> StoreResult<Matcher> {
        let started = Utc::now();
        let mut index = MatchIndex::new(reference, rules);
        load_into(&mut index, db.conn(), None).await?;
        tracing::info!(
            capabilities = index.len(),
            seconds = (Utc::now() - started).as_seconds_f64(),
            "matching index built"
        );
        Ok(Matcher {
            index: RwLock::new(index),
            top_k,
            refreshed: Mutex::new(started),
            ranked: Mutex::default(),
            seen: Mutex::default(),
            views: Arc::new(MatchViews::new(super::match_views::CAPACITY)),
        })
    }

    /// A matcher with an empty index, for processes that never rank (`peitao worker`).
    #[must_use]
    pub fn empty(reference: &ReferenceData, rules: ScoringRules, top_k: usize) -> Matcher {
        Matcher {
            index: RwLock::new(MatchIndex::new(reference, rules)),
            top_k,
            refreshed: Mutex::new(Utc::now()),
            ranked: Mutex::default(),
            seen: Mutex::default(),
            views: Arc::new(MatchViews::new(super::match_views::CAPACITY)),
        }
    }

    /// Recently read matches lists.
    #[must_use]
    pub fn views(&self) -> &Arc<MatchViews> {
        &self.views
    }

    /// Capabilities held in the index.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read(MatchIndex::len)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&MatchIndex) -> T) -> T {
        f(&self.index.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write<T>(&self, f: impl FnOnce(&mut MatchIndex) -> T) -> T {
        f(&mut self.index.write().unwrap_or_else(PoisonError::into_inner))
    }

    /// The need's best capabilities now.
    #[must_use]
    pub fn rank(&self, need: &NeedProfile, today: NaiveDate) -> Vec<Ranked> {
        self.read(|index| {
            index.top_k(need, today, self.top_k).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "need names reference data the index lacks");
                Vec::new()
            })
        })
    }

    /// Rereads one organization (and, when it offers them, its capabilities) into the index.
    ///
    /// # Errors
    /// Database errors.
    pub async fn reload_organization<C: ConnectionTrait>(
        &self,
        conn: &C,
        organization_id: Uuid,
    ) -> StoreResult<()> {
        if let Some((id, profile)) = matcher_feed::supplier(conn, organization_id).await? {
            self.write(|index| {
                if let Err(e) = index.upsert_supplier(id, &profile) {
                    tracing::warn!(organization = %id, error = %e, "organization left out of matching");
                }
            });
        }
        Ok(())
    }

    /// Rereads one capability into the index (removing it unless it is published).
    ///
    /// # Errors
    /// Database errors.
    pub async fn reload_capability<C: ConnectionTrait>(
        &self,
        conn: &C,
        capability_id: Uuid,
    ) -> StoreResult<()> {
        let row = peitao_persistence::capabilities::find(conn, capability_id).await?;
        // A supplier that registered since the last refresh is not filed yet: its first
        // capability files it, or it would be left out of matching until the next refresh.
        if let Some(listed) = &row {
            let owner = listed.capability.organization_id;
            if !self.read(|index| index.knows_supplier(owner)) {
                self.reload_organization(conn, owner).await?;
            }
        }
        let feed = row.and_then(|listed| {
            matcher_feed::capability_profile(&listed.capability)
                .map(|p| (listed.capability.id, listed.capability.organization_id, p))
        });
        match feed {
            Some(feed) => self.write(|index| apply(index, &[feed])),
            None => self.write(|index| index.remove_capability(capability_id)),
        }
        Ok(())
    }

    /// Notes that `need` was ranked here now (see [`Matcher::refresh`]).
    fn note_ranked(&self, need: Uuid, now: DateTime<Utc>) {
        self.ranked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((need, now));
    }

    /// Picks up what other instances changed since the last refresh, and returns the needs this
    /// process ranked since the previous refresh began when the reread found organizations or
    /// capabilities it had not read before: their proposals may lack a change another instance
    /// committed meanwhile (a need posted here a moment after a supplier published there), so the
    /// caller ranks them again ([`rematch_after_refresh`]). Without that they would stay so until
    /// the need or the capability changed again. Rows only reread (the overlap) trigger nothing,
    /// so a need is ranked again only while new changes keep arriving around it.
    ///
    /// # Errors
    /// Database errors.
    pub async fn refresh(&self, db: &Db) -> StoreResult<Vec<Uuid>> {
        let started = Utc::now();
        let previous = *self
            .refreshed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let since = previous - REFRESH_OVERLAP;
        let conn = db.conn();
        let stamps = matcher_feed::stamps_since(conn, since).await?;
        let suppliers = matcher_feed::suppliers(conn, Some(since)).await?;
        let mut batches = Vec::new();
        let mut after = None;
        loop {
            let batch = matcher_feed::capabilities(conn, after, Some(since)).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.0);
            batches.push(batch);
        }
        self.write(|index| {
            for (id, profile) in &suppliers {
                if let Err(e) = index.upsert_supplier(*id, profile) {
                    tracing::warn!(organization = %id, error = %e, "organization left out of matching");
                }
            }
            for batch in &batches {
                apply(index, batch);
            }
        });
        *self
            .refreshed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = started;
        let changed = {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            seen.retain(|_, at| *at >= since);
            stamps.into_iter().fold(false, |new, (id, at)| {
                seen.insert(id, at) != Some(at) || new
            })
        };
        let mut ranked = self.ranked.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stale: Vec<Uuid> = if changed {
            ranked
                .iter()
                .filter(|(_, at)| *at >= previous)
                .map(|(id, _)| *id)
                .collect()
        } else {
            Vec::new()
        };
        // Ranked since this refresh began: possibly without a row committed after its reread,
        // which the next refresh brings.
        ranked.retain(|(_, at)| *at >= started);
        drop(ranked);
        stale.sort_unstable();
        stale.dedup();
        Ok(stale)
    }
}

async fn load_into<C: ConnectionTrait>(
    index: &mut MatchIndex,
    conn: &C,
    since: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    index.begin_bulk();
    let started = std::time::Instant::now();
    for (id, profile) in matcher_feed::suppliers(conn, since).await? {
        if let Err(e) = index.upsert_supplier(id, &profile) {
            tracing::warn!(organization = %id, error = %e, "organization left out of matching");
        }
    }
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "suppliers loaded"
    );
    let mut after = None;
    let (mut reading, mut filing) = (0.0, 0.0);
    loop {
        let t = std::time::Instant::now();
        let batch = matcher_feed::capabilities(conn, after, since).await?;
        reading += t.elapsed().as_secs_f64();
        let Some(last) = batch.last() else { break };
        after = Some(last.0);
        let t = std::time::Instant::now();
        apply(index, &batch);
        filing += t.elapsed().as_secs_f64();
    }
    let t = std::time::Instant::now();
    index.end_bulk();
    tracing::debug!(
        reading,
        filing,
        shelving = t.elapsed().as_secs_f64(),
        "capabilities loaded"
    );
    Ok(())
}

fn apply(index: &mut MatchIndex, batch: &[CapabilityFeed]) {
    for (id, supplier, profile) in batch {
        if let Err(e) = index.upsert_capability(*id, *supplier, profile) {
            tracing::warn!(capability = %id, error = %e, "capability left out of matching");
        }
    }
}

/// The explanation clients see (api.md): each factor, the distance, and whether it is local.
#[must_use]
pub fn explanation(ranked: &Ranked) -> serde_json::Value {
    let f = &ranked.scored.factors;
    let round = |x: f64, places: i32| {
        let p = 10f64.powi(places);
        (x * p).round() / p
    };
    json!({
        "category": round(f.category, 3),
        "distance_km": round(f.distance_km, 1),
        "region": round(f.proximity, 3),
        "local": f.local,
        "capacity": round(f.capacity, 3),
        "text": round(f.text, 3),
        "verified": f.verified,
        "responsiveness": round(f.responsiveness, 3),
    })
}

/// Ranks one need and stores the outcome, inside the caller's transaction (a new need commits
/// with its proposals). A need that is not open keeps its decided matches and loses the rest.
///
/// # Errors
/// Database errors.
pub async fn match_need<C: ConnectionTrait>(
    conn: &C,
    matcher: &Matcher,
    need: &need::Model,
    now: DateTime<Utc>,
) -> StoreResult<SyncOutcome> {
    // Dropped before the change commits: a read in between rebuilds from the old rows, and the
    // entry lives only `TTL`.
    matcher.views.forget(&need.id);
    matcher.note_ranked(need.id, Utc::now());
    let Some(profile) = matcher_feed::need_profile(need) else {
        tracing::warn!(need = %need.id, "need has codes the reference data lacks; not matched");
        return Ok(SyncOutcome::default());
    };
    if !profile.open {
        let withdrawn = matches::withdraw_need(conn, need.id, now).await?;
        return Ok(SyncOutcome {
            withdrawn: usize::try_from(withdrawn).unwrap_or(usize::MAX),
            ..SyncOutcome::default()
        });
    }
    let ranking = proposals(matcher, &profile, now);
    matches::sync_need(conn, need.id, need.organization_id, &ranking, now).await
}

/// Ranks a need just inserted in this transaction and proposes its best capabilities: as
/// [`match_need`], without looking for proposals a new need cannot have.
///
/// # Errors
/// Database errors.
pub async fn match_new_need<C: ConnectionTrait>(
    conn: &C,
    matcher: &Matcher,
    need: &need::Model,
    now: DateTime<Utc>,
) -> StoreResult<SyncOutcome> {
    let Some(profile) = matcher_feed::need_profile(need).filter(|p| p.open) else {
        return match_need(conn, matcher, need, now).await;
    };
    matcher.note_ranked(need.id, Utc::now());
    let ranking = proposals(matcher, &profile, now);
    matches::propose_new(conn, need.id, need.organization_id, &ranking, now).await
}

fn proposals(matcher: &Matcher, profile: &NeedProfile, now: DateTime<Utc>) -> Vec<Proposal> {
    matcher
        .rank(profile, today(now))
        .iter()
        .zip(1..)
        .map(|(r, rank)| Proposal {
            capability_id: r.capability_id,
            supplier_id: r.organization_id,
            score: r.scored.score,
            rank,
            explanation: explanation(r),
        })
        .collect()
}

/// After a capability changed (committed): refile it and rematch every open need it now enters
/// or was part of. Each need is rematched in its own short transaction.
///
/// # Errors
/// Database errors; needs already rematched stay so.
pub async fn capability_changed(
    db: &Db,
    reference: &ReferenceData,
    matcher: &Matcher,
    capability_id: Uuid,
) -> StoreResult<SyncOutcome> {
    let conn = db.conn();
    matcher.reload_capability(conn, capability_id).await?;
    let now = Utc::now();
    let mut affected: Vec<Uuid> = matches::needs_of_capability(conn, capability_id).await?;
    if let Some(listed) = peitao_persistence::capabilities::find(conn, capability_id).await? {
        let categories = related_categories(reference, &listed.capability.category_code);
        for need in matcher_feed::open_needs_in(conn, &categories).await? {
            if affected.contains(&need.id) {
                continue;
            }
            let Some(profile) = matcher_feed::need_profile(&need) else {
                continue;
            };
            let judged = matcher.read(|index| index.judge(&profile, capability_id, today(now)));
            let Ok(Some(Ok(scored))) = judged else {
                continue;
            };
            let (ranked, floor) = matches::ranking_floor(conn, need.id).await?;
            if ranked < matcher.top_k || floor.is_none_or(|f| scored.score >= f) {
                affected.push(need.id);
            }
        }
    }
    rematch_needs(db, matcher, &affected).await
}

/// After an organization changed (verified, suspended, reinstated, moved, certified): refile it
/// and rematch the needs its capabilities could be part of.
///
/// # Errors
/// Database errors.
pub async fn organization_changed(
    db: &Db,
    reference: &ReferenceData,
    matcher: &Matcher,
    organization_id: Uuid,
) -> StoreResult<SyncOutcome> {
    matcher
        .reload_organization(db.conn(), organization_id)
        .await?;
    let capabilities = matcher.read(|index| index.capabilities_of(organization_id));
    let mut outcome = SyncOutcome::default();
    for id in capabilities {
        outcome += capability_changed(db, reference, matcher, id).await?;
    }
    Ok(outcome)
}

/// Rematches the given needs, one transaction each.
///
/// # Errors
/// Database errors.
pub async fn rematch_needs(db: &Db, matcher: &Matcher, needs: &[Uuid]) -> StoreResult<SyncOutcome> {
    let mut outcome = SyncOutcome::default();
    for &id in needs {
        let txn = db.begin().await?;
        let Some(need) = peitao_persistence::needs::find(&txn, id).await? else {
            continue;
        };
        outcome += match_need(&txn, matcher, &need.need, Utc::now()).await?;
        txn.commit().await.map_err(StoreError::from)?;
        matcher.views.forget(&id);
    }
    Ok(outcome)
}

/// Refreshes the index and ranks again the needs ranked here without what the refresh brought
/// (see [`Matcher::refresh`]). Each instance runs this every `matcher.refresh_secs`.
///
/// # Errors
/// Database errors; needs already rematched stay so.
pub async fn rematch_after_refresh(db: &Db, matcher: &Matcher) -> StoreResult<SyncOutcome> {
    let stale = matcher.refresh(db).await?;
    if stale.is_empty() {
        return Ok(SyncOutcome::default());
    }
    let outcome = rematch_needs(db, matcher, &stale).await?;
    tracing::debug!(
        needs = stale.len(),
        ?outcome,
        "needs ranked again after a refresh"
    );
    Ok(outcome)
}

/// Categories whose needs a capability of `category` could serve: itself, its ancestors and its
/// descendants.
fn related_categories(reference: &ReferenceData, category: &str) -> Vec<String> {
    let Ok(code) = CategoryCode::parse(category) else {
        return Vec::new();
    };
    reference
        .categories
        .iter()
        .filter(|c| c.code == code || c.code.is_ancestor_of(&code) || code.is_ancestor_of(&c.code))
        .map(|c| c.code.as_str().to_owned())
        .collect()
}

/// Runs after a capability's change has committed: refiles it for search and rematches. The change stands whatever happens here: a
/// failure is logged, and the next change, refresh or `peitao rematch` brings proposals level.
pub async fn after_capability_change(state: &crate::AppState, capability_id: Uuid) {
    state.pages.directory.forget_all();
    state
        .search
        .after_change(state.db.conn(), Kind::Capabilities, capability_id)
        .await;
    if let Err(e) =
        capability_changed(&state.db, &state.reference, &state.matcher, capability_id).await
    {
        tracing::warn!(capability = %capability_id, error = %e, "rematch after a capability change failed");
    }
}

/// Runs after an organization's change has committed; as [`after_capability_change`].
pub async fn after_organization_change(state: &crate::AppState, organization_id: Uuid) {
    state.pages.organization_changed();
    state
        .search
        .after_change(state.db.conn(), Kind::Organizations, organization_id)
        .await;
    if let Err(e) =
        organization_changed(&state.db, &state.reference, &state.matcher, organization_id).await
    {
        tracing::warn!(organization = %organization_id, error = %e, "rematch after an organization change failed");
    }
}

/// What `peitao rematch` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RematchSummary {
    pub needs: usize,
    pub outcome: SyncOutcome,
}

/// Needs rematched per transaction by `rematch_all`: commits are what a bulk rematch waits on.
const REMATCH_CHUNK: usize = 100;

/// Recomputes every open need's proposals, `concurrency` transactions of up to 100 needs at a
/// time, reporting the number done after each. Needs closed meanwhile are skipped by
/// `match_need` itself.
///
/// # Errors
/// Database errors; needs already rematched stay so.
pub async fn rematch_all(
    db: &Db,
    matcher: &Matcher,
    concurrency: usize,
    mut progress: impl FnMut(usize),
) -> StoreResult<RematchSummary> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let mut summary = RematchSummary::default();
    let mut after = None;
    loop {
        let batch = matcher_feed::open_needs(db.conn(), after).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        let chunks: Vec<Vec<need::Model>> = batch
            .chunks(REMATCH_CHUNK)
            .map(<[need::Model]>::to_vec)
            .collect();
        let mut done = stream::iter(chunks.into_iter().map(|chunk| async move {
            let txn = db.begin().await?;
            let mut outcome = SyncOutcome::default();
            for need in &chunk {
                outcome += match_need(&txn, matcher, need, Utc::now()).await?;
            }
            txn.commit().await.map_err(StoreError::from)?;
            for need in &chunk {
                matcher.views.forget(&need.id);
            }
            Ok::<_, StoreError>((chunk.len(), outcome))
        }))
        .buffer_unordered(concurrency.max(1));
        while let Some((needs, outcome)) = done.try_next().await? {
            summary.needs += needs;
            summary.outcome += outcome;
            progress(summary.needs);
        }
    }
    Ok(summary)
}

impl Matcher {
    /// Whether the index holds this capability (published and known to this instance).
    #[must_use]
    pub fn holds(&self, capability_id: Uuid) -> bool {
        self.read(|index| index.contains(capability_id))
    }
}
