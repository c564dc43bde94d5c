//! Ranked full-text search: an inverted index over the stored terms of one kind of document
//! (capabilities, needs or organizations), scored with BM25, title terms counting more.
//!
//! Ranking runs here rather than in the database so SQLite and PostgreSQL give the same order.
//! Memory per document: its id (16 bytes), its slot in a map (~24), its length (2), and 4 bytes
//! per distinct term. Changing a document retires its slot and appends a new one (postings stay
//! sorted by slot); retired slots are reclaimed by [`SearchIndex::compact`].
//!
//! Slots are grouped in ranges of 4,096; each long posting list keeps a directory of where each
//! range starts and the shortest document it holds there, so a query can tell, range by range,
//! the best score any document in it could reach and skip the ranges that cannot beat what it
//! already holds ([`ranges`], [`rank`]).

mod ranges;
mod rank;

use std::cmp::Ordering;
use std::collections::HashMap;

use ranges::{DIRECTORY_MIN, RangeEntry};

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
            // As numbers: the same order as the bytes, without a call to memcmp.
            Ordering::Equal => self.id.as_u128() > other.id.as_u128(),
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
            .then_with(|| other.0.id.as_u128().cmp(&self.0.id.as_u128()))
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
    /// Term → where each slot range starts in its postings (empty for lists shorter than
    /// [`DIRECTORY_MIN`], which are cheap to read whole).
    directories: Vec<Vec<RangeEntry>>,
    /// Slot range → the largest id filed in it (retired slots included: a bound, not a fact).
    range_max_ids: Vec<Uuid>,
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
        let length: u32 = entries
            .iter()
            .map(|&(_, in_title)| if in_title { TITLE_WEIGHT } else { 1 })
            .sum();
        let length = u16::try_from(length).unwrap_or(u16::MAX).max(1);
        self.ids.push(id);
        self.lengths.push(length);
        self.slots.insert(id, slot);
        self.total_length += u64::from(length);
        self.longest = self.longest.max(length);
        let range = ranges::range_of_slot(slot) as usize;
        match self.range_max_ids.get_mut(range) {
            Some(max) => *max = (*max).max(id),
            None => self.range_max_ids.push(id),
        }
        for &(t, in_title) in &entries {
            let posting = slot << 1 | u32::from(in_title);
            let list = &mut self.postings[t as usize];
            list.push(posting);
            let directory = &mut self.directories[t as usize];
            if list.len() == DIRECTORY_MIN {
                *directory = ranges::build(list, &self.lengths);
            } else if list.len() > DIRECTORY_MIN {
                ranges::note(directory, list.len() - 1, posting, length);
            }
        }
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
        for (list, directory) in self.postings.iter_mut().zip(&mut self.directories) {
            list.retain(|p| renumber[(p >> 1) as usize] != u32::MAX);
            for p in list.iter_mut() {
                *p = renumber[(*p >> 1) as usize] << 1 | (*p & IN_TITLE);
            }
            list.shrink_to_fit();
            *directory = if list.len() >= DIRECTORY_MIN {
                ranges::build(list, &lengths)
            } else {
                Vec::new()
            };
        }
        for slot in self.slots.values_mut() {
            *slot = renumber[*slot as usize];
        }
        self.range_max_ids = ids
            .chunks(ranges::RANGE_SLOTS)
            .map(|chunk| chunk.iter().copied().max().unwrap_or_default())
            .collect();
        self.ids = ids;
        self.lengths = lengths;
        self.retired = 0;
    }

    /// Roughly the heap this index holds, in bytes (tables counted at capacity, a hash map's
    /// slot as key, value and one control byte).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let postings: usize = self.postings.iter().map(|p| p.capacity() * 4).sum();
        let directories: usize = self
            .directories
            .iter()
            .map(|d| 24 + d.capacity() * std::mem::size_of::<RangeEntry>())
            .sum();
        let words: usize = self.vocabulary.keys().map(|k| k.len()).sum();
        self.ids.capacity() * 16
            + self.lengths.capacity() * 2
            + self.slots.capacity() * (16 + 4 + 1)
            + self.vocabulary.capacity() * (16 + 4 + 1)
            + words
            + self.postings.capacity() * 24
            + postings
            + directories
            + self.range_max_ids.capacity() * 16
    }

    /// Releases spare capacity after a bulk load.
    pub fn shrink(&mut self) {
        for list in &mut self.postings {
            list.shrink_to_fit();
        }
        for directory in &mut self.directories {
            directory.shrink_to_fit();
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
        self.directories.push(Vec::new());
        t
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
        let table = rank::ScoreTable::new(index);
        let weights: Vec<(f64, &[u32])> =
            index.runs(query).iter().map(|r| (r.idf, r.list)).collect();
        let mut all: Vec<Position> = Vec::new();
        for (slot, &id) in index.ids.iter().enumerate() {
            let mut score = 0.0;
            let mut found = false;
            for (idf, list) in &weights {
                let at = list.partition_point(|p| ((*p >> 1) as usize) < slot);
                if let Some(&p) = list.get(at).filter(|p| (**p >> 1) as usize == slot)
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
        all.sort_by_key(|a| Kept(*a));
        all.truncate(n);
        all
    }

    /// The first `pages` pages of `n` agree with scoring everything (odd ids only if asked).
    fn pages_agree(
        index: &SearchIndex,
        query: &[String],
        n: usize,
        odd_only: bool,
        pages: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let keep = |id: Uuid| !odd_only || id.as_u128() % 2 == 1;
        let mut after = None;
        for _ in 0..pages {
            let got = index.top(query, after, n, Some(&keep));
            let want = brute_force(index, query, after, n, &keep);
            proptest::prop_assert_eq!(&got, &want);
            after = got.last().copied();
            if after.is_none() {
                break;
            }
        }
        Ok(())
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
            pages_agree(&index, &query, n, odd_only, page + 1)?;
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Thousands of documents over a few words: long lists with directories, several slot
        /// ranges, edits that file ids out of order and retire slots, and compaction.
        #[test]
        fn skipping_ranges_never_changes_the_answer(
            seed in proptest::prelude::any::<u64>(),
            documents in 5_000usize..14_000,
            edits in 0usize..3_000,
            compact in proptest::bool::ANY,
            query in proptest::collection::vec(0usize..6, 1..4),
            n in proptest::prop_oneof![1usize..30, 200usize..600],
            odd_only in proptest::bool::ANY,
        ) {
            use rand::{Rng, SeedableRng};
            const WORDS: [&str; 6] = ["冲压", "焊接", "注塑", "压铸", "stamp", "synthet"];
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut index = SearchIndex::new();
            let file = |index: &mut SearchIndex, rng: &mut rand::rngs::StdRng, n: u128| {
                // "synthet" everywhere, the others rarer, titles now and then, lengths varied.
                let body: Vec<&str> = std::iter::once("synthet")
                    .chain(WORDS.iter().copied().filter(|_| rng.random_bool(0.2)))
                    .collect();
                let title: Vec<&str> = body.iter().copied().filter(|_| rng.random_bool(0.3)).collect();
                let filler: Vec<String> = (0..rng.random_range(0..6)).map(|k| format!("w{k}")).collect();
                index.upsert(
                    id(n),
                    title.iter().copied(),
                    body.iter().copied().chain(filler.iter().map(String::as_str)),
                );
            };
            for k in 0..documents {
                file(&mut index, &mut rng, k as u128 * 7 % 20_011);
            }
            for _ in 0..edits {
                let k: u128 = rng.random_range(0..documents as u128);
                if rng.random_bool(0.2) {
                    index.remove(id(k * 7 % 20_011));
                } else {
                    file(&mut index, &mut rng, k * 7 % 20_011);
                }
            }
            if compact {
                index.compact();
            }
            let query: Vec<String> = query.iter().map(|w| WORDS[*w].to_owned()).collect();
            pages_agree(&index, &query, n, odd_only, 3)?;
        }
    }
}
