//! Answering a query: BM25 over the query terms' postings, read range by range from the newest
//! slots down, skipping every range whose best possible score cannot beat the hits already held.

use std::collections::BinaryHeap;

use uuid::Uuid;

use super::ranges::{self, RANGE_BITS, RANGE_SLOTS, RangeEntry};
use super::{B, IN_TITLE, K1, Kept, Position, SearchIndex, TITLE_WEIGHT};

impl SearchIndex {
    /// The `n` best documents for the query terms that rank strictly after `after` (from the
    /// top without it) and that `keep` accepts (all without it), best first. A document scores
    /// when it has at least one query term.
    ///
    /// Ranges are read newest first: slots are handed out in filing order (ascending ids at
    /// start-up), so among equal scores the ids come mostly in falling order, the first ranges
    /// fill the hits, and a later range is skipped unless its bound (best score, largest id)
    /// beats the worst hit held. A word held by a million documents then costs a few ranges.
    #[must_use]
    pub fn top(
        &self,
        query: &[String],
        after: Option<Position>,
        n: usize,
        keep: Option<&dyn Fn(Uuid) -> bool>,
    ) -> Vec<Position> {
        if n == 0 || self.slots.is_empty() || self.ids.is_empty() {
            return Vec::new();
        }
        let mut runs = self.runs(query);
        if runs.is_empty() {
            return Vec::new();
        }
        let table = ScoreTable::new(self);
        let mut best = Best::new(self, after, n, keep);
        let mut sums: Option<Sums> = None;
        // Per term present in the range: its idf, its postings there, and the most it can add.
        let mut here: Vec<(f64, &[u32], f64)> = Vec::with_capacity(runs.len());
        let mut essential: Vec<bool> = Vec::with_capacity(runs.len());
        let last_slot = u32::try_from(self.ids.len() - 1).unwrap_or(u32::MAX);
        for range in (0..=ranges::range_of_slot(last_slot)).rev() {
            here.clear();
            let mut bound = 0.0;
            for run in &mut runs {
                if let Some((postings, best_part)) = run.take(range, &table, &self.lengths) {
                    bound += run.idf * best_part;
                    here.push((run.idf, postings, run.idf * best_part));
                }
            }
            if here.is_empty() {
                continue;
            }
            let largest_id = self
                .range_max_ids
                .get(range as usize)
                .copied()
                .unwrap_or(Uuid::max());
            if best.out_of_reach(bound, largest_id) {
                continue;
            }
            if let [(idf, postings, _)] = here.as_slice() {
                for &p in postings.iter().rev() {
                    let slot = (p >> 1) as usize;
                    if let Some(score) = table.score(*idf, p, self.lengths[slot])
                        && score >= best.floor
                    {
                        best.offer(score, slot);
                    }
                }
            } else {
                let sums = sums.get_or_insert_with(Sums::new);
                essential_terms(&here, best.floor, &mut essential);
                if essential.iter().all(|&e| e) {
                    for (idf, postings, _) in &here {
                        for &p in *postings {
                            let slot = (p >> 1) as usize;
                            if let Some(score) = table.score(*idf, p, self.lengths[slot]) {
                                sums.add(slot, score);
                            }
                        }
                    }
                } else {
                    // Only documents with an essential term can enter: mark those, then sum
                    // every term (in query order, as everywhere) for the marked ones alone.
                    for ((_, postings, _), _) in here.iter().zip(&essential).filter(|(_, e)| **e) {
                        for &p in *postings {
                            sums.mark((p >> 1) as usize);
                        }
                    }
                    for (idf, postings, _) in &here {
                        for &p in *postings {
                            let slot = (p >> 1) as usize;
                            if let Some(score) = table.score(*idf, p, self.lengths[slot]) {
                                sums.add_marked(slot, score);
                            }
                        }
                    }
                }
                sums.drain(range, |slot, score| {
                    if score >= best.floor {
                        best.offer(score, slot);
                    }
                });
            }
        }
        best.into_sorted()
    }

    /// Each distinct known query term, in query order.
    pub(super) fn runs(&self, query: &[String]) -> Vec<Run<'_>> {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let documents = self.slots.len() as f64;
        let mut runs: Vec<Run<'_>> = Vec::new();
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
            let directory = &self.directories[t as usize];
            runs.push(Run {
                idf: (1.0 + (documents - df + 0.5) / (df + 0.5)).ln(),
                list,
                directory: (!directory.is_empty()).then_some(directory.as_slice()),
                end: list.len(),
                directory_end: directory.len(),
            });
        }
        runs
    }
}

/// One query term's postings, handed out range by range from the highest.
pub(super) struct Run<'a> {
    pub(super) idf: f64,
    pub(super) list: &'a [u32],
    directory: Option<&'a [RangeEntry]>,
    /// Postings from here on belong to ranges already handed out.
    end: usize,
    directory_end: usize,
}

impl<'a> Run<'a> {
    /// The term's postings in `range` and the best [`ScoreTable::part`] any of them can reach;
    /// `None` when it has none there. Ranges must be asked for in falling order.
    fn take(
        &mut self,
        range: u32,
        table: &ScoreTable,
        lengths: &[u16],
    ) -> Option<(&'a [u32], f64)> {
        let list = self.list;
        if let Some(directory) = self.directory {
            let entry = *directory[..self.directory_end].last()?;
            if entry.range != range {
                return None;
            }
            self.directory_end -= 1;
            let start = entry.start as usize;
            let postings = &list[start..self.end];
            self.end = start;
            return Some((
                postings,
                table.best_part(entry.shortest_title, entry.shortest_body),
            ));
        }
        let start = list[..self.end].partition_point(|&p| ranges::range_of(p) < range);
        if start == self.end {
            return None;
        }
        let postings = &list[start..self.end];
        self.end = start;
        let best_part = postings
            .iter()
            .filter_map(|&p| table.score(1.0, p, lengths[(p >> 1) as usize]))
            .fold(0.0, f64::max);
        Some((postings, best_part))
    }
}

/// A multi-term query's running sums over one range, with a bit per slot saying which are set.
struct Sums {
    scores: Box<[f64; RANGE_SLOTS]>,
    set: [u64; RANGE_SLOTS / 64],
}

impl Sums {
    fn new() -> Sums {
        Sums {
            scores: Box::new([0.0; RANGE_SLOTS]),
            set: [0; RANGE_SLOTS / 64],
        }
    }

    /// Marks a slot as a candidate with nothing summed yet.
    #[inline]
    fn mark(&mut self, slot: usize) {
        let at = slot & (RANGE_SLOTS - 1);
        let (word, bit) = (at / 64, 1u64 << (at % 64));
        if self.set[word] & bit == 0 {
            self.set[word] |= bit;
            self.scores[at] = 0.0;
        }
    }

    /// Adds to a marked slot's sum; unmarked slots are left out.
    #[inline]
    fn add_marked(&mut self, slot: usize, score: f64) {
        let at = slot & (RANGE_SLOTS - 1);
        if self.set[at / 64] & (1u64 << (at % 64)) != 0 {
            self.scores[at] += score;
        }
    }

    #[inline]
    fn add(&mut self, slot: usize, score: f64) {
        let at = slot & (RANGE_SLOTS - 1);
        let (word, bit) = (at / 64, 1u64 << (at % 64));
        if self.set[word] & bit == 0 {
            self.set[word] |= bit;
            // As 0.0 + score: the same sum, term by term in query order, as any other path.
            self.scores[at] = score;
        } else {
            self.scores[at] += score;
        }
    }

    /// Hands out every set slot of `range`, highest first, and clears them.
    fn drain(&mut self, range: u32, mut each: impl FnMut(usize, f64)) {
        let base = (range as usize) << RANGE_BITS;
        for word in (0..self.set.len()).rev() {
            let mut bits = std::mem::take(&mut self.set[word]);
            while bits != 0 {
                let bit = 63 - bits.leading_zeros() as usize;
                bits &= !(1u64 << bit);
                let at = word * 64 + bit;
                each(base + at, self.scores[at]);
            }
        }
    }
}

/// Which of a range's terms a document must hold to beat `floor` (`MaxScore`): the terms that
/// can add least, taken together while their best sum stays below the floor, cannot lift a
/// document past it on their own; every other term is essential. All are essential until the
/// page is full (the floor is then minus infinity).
fn essential_terms(here: &[(f64, &[u32], f64)], floor: f64, essential: &mut Vec<bool>) {
    essential.clear();
    essential.resize(here.len(), true);
    if !floor.is_finite() {
        return;
    }
    let mut order: Vec<usize> = (0..here.len()).collect();
    order.sort_by(|&a, &b| here[a].2.total_cmp(&here[b].2));
    let mut sum = 0.0;
    for i in order {
        sum += here[i].2;
        // A margin for rounding: the document's own sum adds the same parts in another order.
        if sum * (1.0 + 1e-9) >= floor {
            break;
        }
        essential[i] = false;
    }
}

/// BM25's term-frequency part for every document length, worked out once per query: a
/// posting's score is then a multiplication and a lookup, not a division.
pub(super) struct ScoreTable {
    average: f64,
    /// `[in body, in title]` → length → [`ScoreTable::part`], for lengths up to [`TABLE_MAX`].
    by_length: [Vec<f64>; 2],
}

/// Longer documents (rare) are worked out per posting rather than growing every query's table.
const TABLE_MAX: u16 = 1024;

impl ScoreTable {
    pub(super) fn new(index: &SearchIndex) -> ScoreTable {
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

    fn part_of(&self, in_title: bool, length: u16) -> f64 {
        match self.by_length[usize::from(in_title)].get(usize::from(length)) {
            Some(&part) => part,
            None => {
                let tf = if in_title {
                    f64::from(TITLE_WEIGHT)
                } else {
                    1.0
                };
                ScoreTable::part(self.average, tf, length)
            }
        }
    }

    /// What posting `p` of a term with this idf adds; `None` for a retired slot.
    #[inline]
    pub(super) fn score(&self, idf: f64, p: u32, length: u16) -> Option<f64> {
        if length == 0 {
            return None;
        }
        Some(idf * self.part_of(p & IN_TITLE != 0, length))
    }

    /// The most a posting can add given the shortest title and body documents of its range
    /// (`u16::MAX`: none of that kind). A shorter document and a title mention score higher.
    fn best_part(&self, shortest_title: u16, shortest_body: u16) -> f64 {
        let title = (shortest_title != u16::MAX).then(|| self.part_of(true, shortest_title));
        let body = (shortest_body != u16::MAX).then(|| self.part_of(false, shortest_body));
        title.into_iter().chain(body).fold(0.0, f64::max)
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
            heap: BinaryHeap::with_capacity(n.min(1024) + 1),
            floor: f64::NEG_INFINITY,
        }
    }

    /// Whether nothing scoring at most `score` with an id at most `id` could enter.
    fn out_of_reach(&self, score: f64, id: Uuid) -> bool {
        self.heap.len() == self.n
            && self
                .heap
                .peek()
                .is_some_and(|worst| !Position { score, id }.precedes(&worst.0))
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
