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
        let mut lists: Vec<(f64, &[u32])> = Vec::new();
        let mut seen = Vec::new();
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let documents = live as f64;
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
            lists.push((idf, list.as_slice()));
        }
        if lists.is_empty() {
            return Vec::new();
        }
        #[allow(clippy::cast_precision_loss)]
        let average = (self.total_length as f64 / documents).max(1.0);
        let mut heads = vec![0usize; lists.len()];
        let mut heap: BinaryHeap<Kept> = BinaryHeap::with_capacity(n + 1);
        loop {
            // The smallest slot at any list's head: the next document to score.
            let mut slot = u32::MAX;
            for (head, (_, list)) in heads.iter().zip(&lists) {
                if let Some(p) = list.get(*head) {
                    slot = slot.min(p >> 1);
                }
            }
            if slot == u32::MAX {
                break;
            }
            let length = self.lengths[slot as usize];
            let norm = K1 * (1.0 - B + B * f64::from(length) / average);
            let mut score = 0.0;
            for (head, (idf, list)) in heads.iter_mut().zip(&lists) {
                if let Some(p) = list.get(*head)
                    && p >> 1 == slot
                {
                    *head += 1;
                    let tf = if p & IN_TITLE == 0 {
                        1.0
                    } else {
                        f64::from(TITLE_WEIGHT)
                    };
                    score += idf * tf * (K1 + 1.0) / (tf + norm);
                }
            }
            if length == 0 {
                continue; // retired
            }
            let hit = Position {
                score,
                id: self.ids[slot as usize],
            };
            if after.is_some_and(|a| !a.precedes(&hit)) || keep.is_some_and(|keep| !keep(hit.id)) {
                continue;
            }
            if heap.len() == n {
                if heap.peek().is_some_and(|worst| hit.precedes(&worst.0)) {
                    heap.pop();
                } else {
                    continue;
                }
            }
            heap.push(Kept(hit));
        }
        // Ascending in `Kept` order is best first.
        heap.into_sorted_vec().into_iter().map(|k| k.0).collect()
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
}
