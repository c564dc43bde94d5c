//! Ranking with the index: walk regions nearest first, bound every cell and entry from above,
//! and score exactly only what could still enter the top K. `brute_force` scores everything.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    Capability, Entry, IndexError, MatchIndex, NO_UNIT, Ranked, SUSPENDED, days, term_bit,
};
use crate::category_code::CategoryRelation;
use crate::matching::pair::{NeedProfile, ratio, text_overlap, unit_key};
use crate::matching::score::{
    Exclusion, Holding, PairFacts, Scored, assess, category_factor, proximity,
};

/// Bounds are sums in another order than the exact score, and bonuses are f32: anything within
/// this of the K-th best is scored exactly rather than skipped.
const MARGIN: f64 = 1e-6;

/// A need prepared for one search: codes resolved, terms looked up.
pub(super) struct Query {
    pub(super) category: u8,
    pub(super) delivery: u16,
    open: bool,
    volume: Option<i64>,
    /// The need's unit as the index numbers units; `None` when no capability uses it.
    unit: Option<u16>,
    /// Required certifications; `None` for one no supplier can hold (unknown code).
    required: Vec<Option<u8>>,
    pub(super) required_mask: u32,
    today: i32,
    /// Sorted ids of the need's terms the index knows.
    terms: Vec<u32>,
    term_count: usize,
    /// How many of the need's terms hash to each signature bit.
    bit_terms: [u8; 64],
    signature: u64,
}

impl Query {
    /// At most the share of terms a capability with this signature can share with the need.
    fn text_bound(&self, signature: u64) -> f64 {
        let mut common = self.signature & signature;
        let mut shared = 0usize;
        while common != 0 {
            shared += usize::from(self.bit_terms[common.trailing_zeros() as usize]);
            common &= common - 1;
        }
        text_overlap(shared.min(self.term_count), self.term_count)
    }
}

/// One entry of the top-K heap; the heap's top is the worst kept, so it can be evicted.
struct Kept {
    score: f64,
    id: Uuid,
    slot: u32,
    scored: Scored,
}

impl Kept {
    /// Better ranks first: higher score, then the smaller id (a stable, arbitrary tie-break).
    fn rank_cmp(&self, other: &Kept) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.id.cmp(&other.id))
    }
}
impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.rank_cmp(other) == Ordering::Equal
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank_cmp(other)
    }
}

/// The K best so far.
struct TopK {
    k: usize,
    heap: BinaryHeap<Kept>,
}

impl TopK {
    /// The weighted sum a candidate must reach to be worth scoring exactly; none while not full.
    fn floor(&self, total_weight: f64) -> Option<f64> {
        (self.heap.len() == self.k).then(|| {
            self.heap
                .peek()
                .map_or(0.0, |w| w.score * total_weight - MARGIN)
        })
    }

    fn beats(&self, score: f64, id: Uuid) -> bool {
        if self.heap.len() < self.k {
            return true;
        }
        self.heap
            .peek()
            .is_none_or(|w| score > w.score || (score == w.score && id < w.id))
    }

    fn offer(&mut self, kept: Kept) {
        if self.beats(kept.score, kept.id) {
            self.heap.push(kept);
            if self.heap.len() > self.k {
                self.heap.pop();
            }
        }
    }
}

impl MatchIndex {
    pub(super) fn prepare(
        &self,
        need: &NeedProfile,
        today: NaiveDate,
    ) -> Result<Query, IndexError> {
        let mut terms: Vec<u32> = need
            .terms
            .iter()
            .filter_map(|t| self.terms.get(t).copied())
            .collect();
        terms.sort_unstable();
        terms.dedup();
        let mut bit_terms = [0u8; 64];
        for &t in &terms {
            let bit = term_bit(t).trailing_zeros() as usize;
            bit_terms[bit] = bit_terms[bit].saturating_add(1);
        }
        let required: Vec<Option<u8>> = need
            .required_certifications
            .iter()
            .map(|c| self.atlas.certifications.get(c).copied())
            .collect();
        Ok(Query {
            category: self.atlas.category(&need.category)?,
            delivery: self.atlas.region(&need.delivery_region)?,
            open: need.open,
            volume: need.annual_volume,
            unit: need
                .unit
                .as_deref()
                .and_then(|u| self.units.get(&unit_key(u)).copied())
                .filter(|&u| u != NO_UNIT),
            required_mask: required
                .iter()
                .flatten()
                .fold(0, |m, c| m | (1u32 << (u32::from(*c) % 32))),
            required,
            today: days(today),
            signature: terms.iter().fold(0, |s, &t| s | term_bit(t)),
            terms,
            term_count: need.terms.len(),
            bit_terms,
        })
    }

    /// The facts of one pair, exactly.
    pub(super) fn facts(
        &self,
        q: &Query,
        cap: &Capability,
        relation: CategoryRelation,
        km: f64,
    ) -> PairFacts {
        let supplier = &self.suppliers[cap.supplier as usize];
        PairFacts {
            need_open: q.open,
            published: true,
            supplier_suspended: supplier.suspended,
            relation,
            serves_delivery: cap.served.is_empty()
                || cap.served.iter().any(|&s| {
                    self.atlas.is_within(q.delivery, s) || self.atlas.is_within(s, q.delivery)
                }),
            certifications: holding(&q.required, &supplier.certifications, q.today),
            distance_km: km,
            local: self.atlas.local(supplier.region, q.delivery),
            capacity_ratio: match (q.unit, q.volume, cap.annual_capacity) {
                (Some(unit), Some(volume), Some(capacity)) if unit == cap.unit => {
                    ratio(volume, capacity)
                }
                _ => None,
            },
            text_overlap: text_overlap(shared_terms(&q.terms, &cap.terms), q.term_count),
            verified: supplier.verified,
            responsiveness: supplier.responsiveness,
        }
    }

    fn relation(&self, q: &Query, category: u8) -> CategoryRelation {
        self.atlas.related[usize::from(q.category)]
            .iter()
            .find(|(c, _)| *c == category)
            .map_or(CategoryRelation::Unrelated, |(_, r)| *r)
    }

    /// The best `k` capabilities for `need` on `today`, best first.
    ///
    /// # Errors
    /// The need names a category or region the reference data lacks.
    pub fn top_k(
        &self,
        need: &NeedProfile,
        today: NaiveDate,
        k: usize,
    ) -> Result<Vec<Ranked>, IndexError> {
        let q = self.prepare(need, today)?;
        // A certification nobody can hold, a closed need: nothing qualifies.
        if !q.open || k == 0 || q.required.iter().any(Option::is_none) {
            return Ok(Vec::new());
        }
        let w = &self.rules.weights;
        let total =
            w.category + w.distance + w.local + w.capacity + w.text + w.verified + w.responsiveness;
        let related: Vec<(u8, CategoryRelation, f64)> = self.atlas.related[usize::from(q.category)]
            .iter()
            .map(|&(c, rel)| (c, rel, w.category * category_factor(rel).unwrap_or(0.0)))
            .collect();
        let best_category = related.iter().map(|r| r.2).fold(0.0, f64::max);
        // Capacity and text at their best, verified and responsive at their best.
        let open_factors = w.capacity + w.text + w.verified + w.responsiveness;
        let view = self.atlas.view(q.delivery, &self.rules);
        let mut top = TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        };
        for &(region, km) in &view.nearest_first {
            if let Some(floor) = top.floor(total) {
                // Everything from here on is at least this far away, and past the zone's edge
                // nothing is local.
                let local = if km <= view.zone_radius_km {
                    w.local
                } else {
                    0.0
                };
                let best = best_category
                    + w.distance * proximity(km, self.rules.distance_scale_km)
                    + local
                    + open_factors;
                if best < floor {
                    break;
                }
            }
            let place = view.place_part[usize::from(region)];
            for &(category, relation, category_part) in &related {
                let cell = self.cell(category, region);
                if cell.is_empty() {
                    continue;
                }
                let fixed = category_part + place;
                if top
                    .floor(total)
                    .is_some_and(|floor| fixed + open_factors < floor)
                {
                    continue;
                }
                for entry in cell {
                    self.consider(&q, entry, fixed, relation, km, total, &mut top);
                }
            }
        }
        Ok(self.ranked(top.heap.into_vec()))
    }

    #[allow(clippy::too_many_arguments)]
    fn consider(
        &self,
        q: &Query,
        entry: &Entry,
        fixed: f64,
        relation: CategoryRelation,
        km: f64,
        total: f64,
        top: &mut TopK,
    ) {
        if entry.flags & SUSPENDED != 0 || entry.held & q.required_mask != q.required_mask {
            return;
        }
        if let Some(floor) = top.floor(total) {
            let w = &self.rules.weights;
            let bound = fixed
                + w.capacity
                + w.text * q.text_bound(entry.signature)
                + f64::from(entry.bonus);
            if bound < floor {
                return;
            }
        }
        let Some(cap) = self.capabilities[entry.slot as usize].as_ref() else {
            return;
        };
        if let Ok(scored) = assess(&self.facts(q, cap, relation, km), &self.rules) {
            top.offer(Kept {
                score: scored.score,
                id: cap.id,
                slot: entry.slot,
                scored,
            });
        }
    }

    fn ranked(&self, mut kept: Vec<Kept>) -> Vec<Ranked> {
        kept.sort_by(Kept::rank_cmp);
        kept.into_iter()
            .filter_map(|kept| {
                let cap = self.capabilities[kept.slot as usize].as_ref()?;
                Some(Ranked {
                    capability_id: kept.id,
                    organization_id: self.suppliers[cap.supplier as usize].id,
                    scored: kept.scored,
                })
            })
            .collect()
    }

    /// One capability judged against one need, as the ranking would judge it.
    ///
    /// # Errors
    /// `Ok(None)` when the capability is not in the index (not published); an error for a need
    /// naming unknown reference data.
    pub fn judge(
        &self,
        need: &NeedProfile,
        capability: Uuid,
        today: NaiveDate,
    ) -> Result<Option<Result<Scored, Exclusion>>, IndexError> {
        let Some(&slot) = self.capability_slots.get(&capability) else {
            return Ok(None);
        };
        let Some(cap) = self.capabilities[slot as usize].as_ref() else {
            return Ok(None);
        };
        let q = self.prepare(need, today)?;
        let km = self
            .atlas
            .distance(self.suppliers[cap.supplier as usize].region, q.delivery);
        Ok(Some(assess(
            &self.facts(&q, cap, self.relation(&q, cap.category), km),
            &self.rules,
        )))
    }

    /// Every capability for `need`, scored one by one: the baseline the index is measured and
    /// tested against.
    ///
    /// # Errors
    /// As `top_k`.
    pub fn brute_force(
        &self,
        need: &NeedProfile,
        today: NaiveDate,
        k: usize,
    ) -> Result<Vec<Ranked>, IndexError> {
        let q = self.prepare(need, today)?;
        let mut top = TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        };
        for (slot, cap) in self.capabilities.iter().enumerate() {
            let Some(cap) = cap else { continue };
            let km = self
                .atlas
                .distance(self.suppliers[cap.supplier as usize].region, q.delivery);
            if let Ok(scored) = assess(
                &self.facts(&q, cap, self.relation(&q, cap.category), km),
                &self.rules,
            ) {
                top.offer(Kept {
                    score: scored.score,
                    id: cap.id,
                    slot: u32::try_from(slot).unwrap_or(u32::MAX),
                    scored,
                });
            }
        }
        Ok(self.ranked(top.heap.into_vec()))
    }
}

fn holding(required: &[Option<u8>], held: &[(u8, i32)], today: i32) -> Holding {
    let mut worst = Holding::Valid;
    for code in required {
        let found = code.and_then(|c| {
            held.binary_search_by_key(&c, |(h, _)| *h)
                .ok()
                .map(|i| held[i].1)
        });
        match found {
            None => return Holding::Missing,
            Some(expires) if expires < today => worst = Holding::Expired,
            Some(_) => {}
        }
    }
    worst
}

fn shared_terms(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}
