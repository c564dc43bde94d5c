//! Ranked full-text search: an inverted index over the stored terms of one kind of document
//! (capabilities, needs or organizations), scored with BM25, title terms counting more.
//!
//! Ranking runs here rather than in the database so SQLite and PostgreSQL give the same order.
//! Memory per document: its id (16 bytes), its slot in a map (~24), its length (2), and 4 bytes
//! per distinct term. Changing a document retires its slot and appends a new one (postings stay
//! sorted by slot); retired slots are reclaimed by [`SearchIndex::compact`].

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use uuid::Uuid;

/// BM25 saturation: how quickly more weight for a term stops counting.
const K1: f64 = 1.2;
/// BM25 length normalisation: how much a long document is discounted.
const B: f64 = 0.75;
/// A term in the title weighs as much as this many mentions elsewhere.
const TITLE_WEIGHT: u32 = 3;
/// Postings carry the slot shifted left once; the low bit says "in the title".
const IN_TITLE: u32 = 1;

/// Where a hit stands in a ranking: higher scores first, then newer (larger) ids. A page ends at
/// one; the next page starts strictly after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub score: f64,
    pub id: Uuid,
}

impl Position {
    /// Whether `self` ranks before `other`.
    fn precedes(&self, other: &Position) -> bool {
        match self.score.total_cmp(&other.score) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => self.id > other.id,
        }
    }

    /// The cursor text: the score's bits and the id, both in hex (48 characters).
    #[must_use]
    pub fn encode(&self) -> String {
        format!("{:016x}{}", self.score.to_bits(), self.id.simple())
    }

    /// Reads what [`Position::encode`] wrote; `None` for anything else.
    #[must_use]
    pub fn decode(text: &str) -> Option<Position> {
        if text.len() != 48 || !text.is_ascii() {
            return None;
        }
        let bits = u64::from_str_radix(&text[..16], 16).ok()?;
        let score = f64::from_bits(bits);
        if !score.is_finite() {
            return None;
        }
        let id = Uuid::try_parse(&text[16..]).ok()?;
        Some(Position { score, id })
    }
}

/// Hits kept in a max-heap whose top is the worst kept, so it can be evicted.
#[derive(Clone, Copy)]
struct Kept(Position);

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    /// Worse ranks greater.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then_with(|| other.0.id.cmp(&self.0.id))
    }
}

/// The index of one kind of document.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Slot → document id.
    ids: Vec<Uuid>,
    /// Slot → weighted length (distinct terms, title terms counting [`TITLE_WEIGHT`]); 0 for a
    /// retired slot.
    lengths: Vec<u16>,
    slots: HashMap<Uuid, u32>,
    vocabulary: HashMap<Box<str>, u32>,
    /// Term → postings `(slot << 1) | in_title`, ascending.
    postings: Vec<Vec<u32>>,
    total_length: u64,
    /// The longest weighted length ever filed (the per-query score table's size).
    longest: u16,
    retired: usize,
}

impl SearchIndex {
    #[must_use]
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// Documents held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    #[must_use]
    pub fn contains(&self, id: Uuid) -> bool {
        self.slots.contains_key(&id)
    }

    /// Files a document under its terms (replacing what it had); `title` lists the terms that
    /// appear in its title or name, `terms` every term. A document without terms is removed.
    pub fn upsert<'a>(
        &mut self,
        id: Uuid,
        title: impl IntoIterator<Item = &'a str>,
        terms: impl IntoIterator<Item = &'a str>,
    ) {
        self.remove(id);
        let mut entries: Vec<(u32, bool)> = Vec::new();
        for term in terms {
            let t = self.term_id(term);
            if !entries.iter().any(|(e, _)| *e == t) {
                entries.push((t, false));
            }
        }
        for term in title {
            let t = self.term_id(term);
            match entries.iter_mut().find(|(e, _)| *e == t) {
                Some(entry) => entry.1 = true,
                None => entries.push((t, true)),
            }
        }
        if entries.is_empty() {
            return;
        }
        let Ok(slot) = u32::try_from(self.ids.len()) else {
            return;
        };
        if slot >= u32::MAX >> 1 {
            // Two billion slots: compaction should have run long before; refuse rather than wrap.
            return;
        }
        let mut length = 0u32;
        for &(t, in_title) in &entries {
            length += if in_title { TITLE_WEIGHT } else { 1 };
            self.postings[t as usize].push(slot << 1 | u32::from(in_title));
        }
        let length = u16::try_from(length).unwrap_or(u16::MAX).max(1);
        self.ids.push(id);
        self.lengths.push(length);
        self.slots.insert(id, slot);
        self.total_length += u64::from(length);
        self.longest = self.longest.max(length);
    }

    /// Forgets a document (nothing happens for an unknown id).
    pub fn remove(&mut self, id: Uuid) {
        if let Some(slot) = self.slots.remove(&id) {
            let length = std::mem::take(&mut self.lengths[slot as usize]);
            self.total_length -= u64::from(length);
            self.retired += 1;
        }
    }

    /// Whether enough slots are retired that [`SearchIndex::compact`] is worth its time.
    #[must_use]
    pub fn wants_compaction(&self) -> bool {
        self.retired > 1024 && self.retired > self.slots.len() / 2
    }

    /// Drops retired slots from every posting list, renumbering the rest (order is kept).
    pub fn compact(&mut self) {
        let mut renumber = vec![u32::MAX; self.ids.len()];
        let mut ids = Vec::with_capacity(self.slots.len());
        let mut lengths = Vec::with_capacity(self.slots.len());
        for (slot, (&id, &length)) in self.ids.iter().zip(&self.lengths).enumerate() {
            if length > 0 {
                renumber[slot] = u32::try_from(ids.len()).unwrap_or(u32::MAX);
                ids.push(id);
                lengths.push(length);
            }
        }
        for list in &mut self.postings {
            list.retain(|p| renumber[(p >> 1) as usize] != u32::MAX);
            for p in list.iter_mut() {
                *p = renumber[(*p >> 1) as usize] << 1 | (*p & IN_TITLE);
            }
            list.shrink_to_fit();
        }
        for slot in self.slots.values_mut() {
            *slot = renumber[*slot as usize];
        }
        self.ids = ids;
        self.lengths = lengths;
        self.retired = 0;
    }

    /// Roughly the heap this index holds, in bytes (tables counted at capacity, a hash map's
    /// slot as key, value and one control byte).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let postings: usize = self.postings.iter().map(|p| p.capacity() * 4).sum();
        let words: usize = self.vocabulary.keys().map(|k| k.len()).sum();
        self.ids.capacity() * 16
            + self.lengths.capacity() * 2
            + self.slots.capacity() * (16 + 4 + 1)
            + self.vocabulary.capacity() * (16 + 4 + 1)
            + words
            + self.postings.capacity() * 24
            + postings
    }

    /// Releases spare capacity after a bulk load.
    pub fn shrink(&mut self) {
        for list in &mut self.postings {
            list.shrink_to_fit();
        }
        self.ids.shrink_to_fit();
        self.lengths.shrink_to_fit();
    }

    fn term_id(&mut self, term: &str) -> u32 {
        if let Some(&t) = self.vocabulary.get(term) {
            return t;
        }
        let t = u32::try_from(self.postings.len()).unwrap_or(u32::MAX);
        self.vocabulary.insert(term.into(), t);
        self.postings.push(Vec::new());
        t
    }

    /// The `n` best documents for the query terms that rank strictly after `after` (from the
    /// top without it) and that `keep` accepts (all without it), best first. A document scores
    /// when it has at least one query term.
    ///
    /// One pass over the terms' postings. A one-term query scores each posting as it reads it;
    /// several terms add into a per-thread table of scores first. Either way most postings are
    /// turned away by one comparison with the worst score kept, so a word held by a million
    /// documents costs a few milliseconds, not a heap operation each.
    #[must_use]
    pub fn top(
        &self,
        query: &[String],
        after: Option<Position>,
        n: usize,
        keep: Option<&dyn Fn(Uuid) -> bool>,
    ) -> Vec<Position> {
        let live = self.slots.len();
        if n == 0 || live == 0 {
            return Vec::new();
        }
        let weights = self.weights(query);
        if weights.is_empty() {
            return Vec::new();
        }
        let table = ScoreTable::new(self);
        let mut best = Best::new(self, after, n, keep);
        // Newest slots first: slots are handed out in load order (ascending ids at start-up),
        // so among equal scores the ids mostly come in falling order and the heap is left alone.
        if let [(weight, list)] = weights.as_slice() {
            for &p in list.iter().rev() {
                let slot = (p >> 1) as usize;
                if let Some(score) = table.score(*weight, p, self.lengths[slot]) {
                    best.offer(score, slot);
                }
            }
        } else {
            SCRATCH.with_borrow_mut(|scratch| {
                scratch.scores.resize(self.ids.len(), 0.0);
                for (weight, list) in &weights {
                    for &p in *list {
                        let slot = (p >> 1) as usize;
                        if let Some(score) = table.score(*weight, p, self.lengths[slot]) {
                            let sum = &mut scratch.scores[slot];
                            if *sum == 0.0 {
                                scratch.touched.push(p >> 1);
                            }
                            *sum += score;
                        }
                    }
                }
                for slot in scratch.touched.drain(..).rev() {
                    let slot = slot as usize;
                    best.offer(std::mem::take(&mut scratch.scores[slot]), slot);
                }
            });
        }
        best.into_sorted()
    }

    /// Each distinct known query term's idf with its postings, in query order.
    fn weights(&self, query: &[String]) -> Vec<(f64, &[u32])> {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let documents = self.slots.len() as f64;
        let mut weights: Vec<(f64, &[u32])> = Vec::new();
        let mut seen = Vec::new();
        for term in query {
            let Some(&t) = self.vocabulary.get(term.as_str()) else {
                continue;
            };
            if seen.contains(&t) {
                continue;
            }
            seen.push(t);
            let list = &self.postings[t as usize];
            #[allow(clippy::cast_precision_loss)]
            let df = (list.len() as f64).min(documents);
            let idf = (1.0 + (documents - df + 0.5) / (df + 0.5)).ln();
            weights.push((idf, list.as_slice()));
        }
        weights
    }
}

/// A multi-term query's running sums, kept per thread so a query over a million documents does
/// not allocate and zero a million-entry table each time. Every entry is back at zero between
/// queries (`touched` lists the ones in use).
#[derive(Default)]
struct Scratch {
    scores: Vec<f64>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// BM25's term-frequency part for every document length, worked out once per query: a
/// posting's score is then a multiplication and a lookup, not a division.
struct ScoreTable {
    average: f64,
    /// `[in body, in title]` → length → [`ScoreTable::part`], for lengths up to [`TABLE_MAX`].
    by_length: [Vec<f64>; 2],
}

/// Longer documents (rare) are worked out per posting rather than growing every query's table.
const TABLE_MAX: u16 = 1024;

impl ScoreTable {
    fn new(index: &SearchIndex) -> ScoreTable {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let average = (index.total_length as f64 / index.slots.len().max(1) as f64).max(1.0);
        let row = |tf: f64| -> Vec<f64> {
            (0..=index.longest.min(TABLE_MAX))
                .map(|length| ScoreTable::part(average, tf, length))
                .collect()
        };
        ScoreTable {
            average,
            by_length: [row(1.0), row(f64::from(TITLE_WEIGHT))],
        }
    }

    /// `tf (k1 + 1) / (tf + k1 (1 - b + b length / average))`.
    fn part(average: f64, tf: f64, length: u16) -> f64 {
        let norm = K1 * (1.0 - B + B * f64::from(length) / average);
        tf * (K1 + 1.0) / (tf + norm)
    }

    /// What posting `p` of a term with this idf adds; `None` for a retired slot.
    #[inline]
    fn score(&self, idf: f64, p: u32, length: u16) -> Option<f64> {
        if length == 0 {
            return None;
        }
        let in_title = (p & IN_TITLE) as usize;
        let part = match self.by_length[in_title].get(usize::from(length)) {
            Some(&part) => part,
            None => {
                let tf = if in_title == 1 {
                    f64::from(TITLE_WEIGHT)
                } else {
                    1.0
                };
                ScoreTable::part(self.average, tf, length)
            }
        };
        Some(idf * part)
    }
}

/// The `n` best hits seen so far that rank after the cursor and pass `keep`.
struct Best<'a> {
    index: &'a SearchIndex,
    after: Option<Position>,
    n: usize,
    keep: Option<&'a dyn Fn(Uuid) -> bool>,
    heap: BinaryHeap<Kept>,
    /// The worst kept score once `n` are kept (anything lower is turned away at once).
    floor: f64,
}

impl<'a> Best<'a> {
    fn new(
        index: &'a SearchIndex,
        after: Option<Position>,
        n: usize,
        keep: Option<&'a dyn Fn(Uuid) -> bool>,
    ) -> Best<'a> {
        Best {
            index,
            after,
            n,
            keep,
            heap: BinaryHeap::with_capacity(n.min(1 << 16) + 1),
            floor: f64::NEG_INFINITY,
        }
    }

    #[inline]
    fn offer(&mut self, score: f64, slot: usize) {
        if score < self.floor || self.after.is_some_and(|a| score > a.score) {
            return;
        }
        let hit = Position {
            score,
            id: self.index.ids[slot],
        };
        if self.after.is_some_and(|a| !a.precedes(&hit)) {
            return;
        }
        let full = self.heap.len() == self.n;
        if full && !self.heap.peek().is_some_and(|worst| hit.precedes(&worst.0)) {
            return;
        }
        // Checked last: `keep` may cost a lookup, the comparisons above do not.
        if self.keep.is_some_and(|keep| !keep(hit.id)) {
            return;
        }
        if full {
            // One sift instead of a pop and a push.
            if let Some(mut worst) = self.heap.peek_mut() {
                *worst = Kept(hit);
            }
        } else {
            self.heap.push(Kept(hit));
        }
        if self.heap.len() == self.n {
            self.floor = self.heap.peek().map_or(f64::NEG_INFINITY, |w| w.0.score);
        }
    }

    /// Ascending in `Kept` order is best first.
    fn into_sorted(self) -> Vec<Position> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|k| k.0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn q(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn index() -> SearchIndex {
        let mut index = SearchIndex::new();
        // Term in title and body.
        index.upsert(id(1), ["压铸"], ["压铸", "壳体", "铝合金"]);
        // Term in the body only.
        index.upsert(id(2), ["冲压"], ["冲压", "压铸", "模具"]);
        // Not at all.
        index.upsert(id(3), ["注塑"], ["注塑", "模具"]);
        index
    }

    #[test]
    fn a_title_mention_ranks_above_a_body_mention() {
        let hits = index().top(&q(&["压铸"]), None, 10, None);
        let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, [id(1), id(2)]);
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn more_query_terms_matched_rank_higher_and_unknown_terms_are_ignored() {
        let hits = index().top(&q(&["模具", "注塑", "无此词"]), None, 10, None);
        assert_eq!(hits[0].id, id(3));
        assert_eq!(hits.len(), 2);
        assert!(index().top(&q(&["无此词"]), None, 10, None).is_empty());
    }

    #[test]
    fn ties_break_by_newer_id_and_paging_has_no_gaps_or_repeats() {
        let mut index = SearchIndex::new();
        for n in 1..=25 {
            index.upsert(id(n), [], ["冲压"]);
        }
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = index.top(&q(&["冲压"]), after, 4, None);
            if page.is_empty() {
                break;
            }
            after = page.last().copied();
            seen.extend(page.iter().map(|h| h.id));
        }
        let expected: Vec<Uuid> = (1..=25).rev().map(id).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn changes_and_removals_are_seen_and_compaction_keeps_results() {
        let mut index = index();
        index.upsert(id(1), ["注塑"], ["注塑"]);
        assert_eq!(index.top(&q(&["压铸"]), None, 10, None).len(), 1);
        index.remove(id(2));
        assert!(index.top(&q(&["压铸"]), None, 10, None).is_empty());
        let ids = |index: &SearchIndex| -> Vec<Uuid> {
            index
                .top(&q(&["注塑", "模具"]), None, 10, None)
                .iter()
                .map(|h| h.id)
                .collect()
        };
        let before = ids(&index);
        index.compact();
        // Scores may move (retired postings no longer count towards a term's frequency).
        assert_eq!(ids(&index), before);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn keep_narrows_the_ranking() {
        let only_two = |id: Uuid| id == Uuid::from_u128(2);
        let hits = index().top(&q(&["压铸"]), None, 10, Some(&only_two));
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [id(2)]);
    }

    #[test]
    fn positions_survive_their_text_form() {
        let p = Position {
            score: 1.234_567,
            id: Uuid::now_v7(),
        };
        assert_eq!(Position::decode(&p.encode()), Some(p));
        assert_eq!(Position::decode("nonsense"), None);
        assert_eq!(Position::decode(&"f".repeat(48)), None);
    }

    /// Every document scored one by one and sorted: what `top` must agree with.
    fn brute_force(
        index: &SearchIndex,
        query: &[String],
        after: Option<Position>,
        n: usize,
        keep: &dyn Fn(Uuid) -> bool,
    ) -> Vec<Position> {
        let table = ScoreTable::new(index);
        let weights = index.weights(query);
        let mut all: Vec<Position> = Vec::new();
        for (slot, &id) in index.ids.iter().enumerate() {
            let mut score = 0.0;
            let mut found = false;
            for (idf, list) in &weights {
                if let Some(&p) = list.iter().find(|p| (*p >> 1) as usize == slot)
                    && let Some(part) = table.score(*idf, p, index.lengths[slot])
                {
                    score += part;
                    found = true;
                }
            }
            let hit = Position { score, id };
            if found && keep(id) && after.is_none_or(|a| a.precedes(&hit)) {
                all.push(hit);
            }
        }
        all.sort_by(|a, b| Kept(*a).cmp(&Kept(*b)));
        all.truncate(n);
        all
    }

    proptest::proptest! {
        #[test]
        fn top_agrees_with_scoring_everything(
            docs in proptest::collection::vec(
                (0u128..40, proptest::collection::vec(0usize..6, 0..5), proptest::collection::vec(0usize..6, 1..8)),
                1..60,
            ),
            query in proptest::collection::vec(0usize..7, 1..4),
            n in 1usize..12,
            odd_only in proptest::bool::ANY,
            page in 0usize..3,
        ) {
            const WORDS: [&str; 7] = ["冲压", "焊接", "注塑", "压铸", "stamp", "weld", "无此词"];
            let mut index = SearchIndex::new();
            for (n, title, body) in &docs {
                index.upsert(id(*n), title.iter().map(|w| WORDS[*w]), body.iter().map(|w| WORDS[*w]));
            }
            let query: Vec<String> = query.iter().map(|w| WORDS[*w].to_owned()).collect();
            let keep = |id: Uuid| !odd_only || id.as_u128() % 2 == 1;
            let mut after = None;
            for _ in 0..=page {
                let got = index.top(&query, after, n, Some(&keep));
                let want = brute_force(&index, &query, after, n, &keep);
                proptest::prop_assert_eq!(&got, &want);
                after = got.last().copied();
                if after.is_none() {
                    break;
                }
            }
        }
    }
}
