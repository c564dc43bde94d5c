//! The in-memory matching index: every published capability filed by (category, supplier region)
//! as a 24-byte entry, so "the top K capabilities for this need" walks outward from the delivery
//! region through related categories only, skipping what cannot beat the K-th best.

mod atlas;
mod listing;
mod search;
mod supply;

pub use listing::{Listing, ListingFilter};
pub use supply::RegionSlots;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::pair::{CapabilityProfile, SupplierProfile, unit_key};
use super::score::{Scored, ScoringRules};
use atlas::Atlas;

const NO_UNIT: u16 = 0;

/// A capability ranked for a need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub capability_id: Uuid,
    pub organization_id: Uuid,
    pub scored: Scored,
}

/// What went in wrong; the caller logs it and carries on (the index skips the row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("unknown category {0}")]
    Category(String),
    #[error("unknown region {0}")]
    Region(String),
    #[error("capability {0} names a supplier the index does not hold")]
    Supplier(Uuid),
}

struct Supplier {
    id: Uuid,
    region: u16,
    suspended: bool,
    verified: bool,
    responsiveness: Option<f64>,
    /// (certification, expiry as days from the Common Era), sorted by certification.
    certifications: Box<[(u8, i32)]>,
}

/// Everything needed to score a capability exactly.
struct Capability {
    id: Uuid,
    supplier: u32,
    category: u8,
    unit: u16,
    annual_capacity: Option<i64>,
    /// Sorted term ids.
    terms: Box<[u32]>,
    served: Box<[u16]>,
}

/// What the walk reads for every candidate, packed so a cell is one run of memory: enough to
/// rule a capability out, or to bound its score from above, without touching anything else.
#[derive(Clone, Copy)]
struct Entry {
    /// One bit per term (hashed): an upper bound on the terms it shares with a need.
    signature: u64,
    slot: u32,
    /// The verified and responsiveness factors, weighted (not divided by the total).
    bonus: f32,
    /// Certifications the supplier holds, expired or not (expiry is checked exactly later).
    held: u32,
    flags: u8,
}

const SUSPENDED: u8 = 1;

/// A category's entries in one run of memory, grouped by region (compressed rows): a walk over
/// nearby regions reads short contiguous slices instead of chasing one allocation per cell.
/// Changing one entry moves at most the category's tail, tens of microseconds at a million.
struct Shelf {
    entries: Vec<Entry>,
    /// `entries[starts[r]..starts[r + 1]]` are region `r`'s.
    starts: Vec<u32>,
}

impl Shelf {
    fn new(regions: usize) -> Shelf {
        Shelf {
            entries: Vec::new(),
            starts: vec![0; regions + 1],
        }
    }

    fn cell(&self, region: u16) -> &[Entry] {
        let r = usize::from(region);
        &self.entries[self.starts[r] as usize..self.starts[r + 1] as usize]
    }

    fn insert(&mut self, region: u16, entry: Entry) {
        let r = usize::from(region);
        self.entries.insert(self.starts[r + 1] as usize, entry);
        for start in &mut self.starts[r + 1..] {
            *start += 1;
        }
    }

    fn remove(&mut self, region: u16, slot: u32) {
        let r = usize::from(region);
        let (from, to) = (self.starts[r] as usize, self.starts[r + 1] as usize);
        if let Some(at) = self.entries[from..to].iter().position(|e| e.slot == slot) {
            self.entries.remove(from + at);
            for start in &mut self.starts[r + 1..] {
                *start -= 1;
            }
        }
    }

    /// Replaces the shelf's contents with `entries`, whose regions are `regions`.
    fn shelve(&mut self, entries: Vec<Entry>, regions: &[u16]) {
        let mut counts = vec![0u32; self.starts.len()];
        for &r in regions {
            counts[usize::from(r) + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        self.starts.clone_from(&counts);
        let mut placed = vec![None; entries.len()];
        for (e, &r) in entries.into_iter().zip(regions) {
            let at = &mut counts[usize::from(r)];
            placed[*at as usize] = Some(e);
            *at += 1;
        }
        self.entries = placed.into_iter().flatten().collect();
    }
}

fn term_bit(term: u32) -> u64 {
    // Fibonacci hashing spreads consecutive ids over the 64 bits.
    1u64 << (u64::from(term).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

fn signature(terms: &[u32]) -> u64 {
    terms.iter().fold(0, |sig, &t| sig | term_bit(t))
}

fn days(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// The index. Reads take `&self`; changes take `&mut self` (the caller holds it in a lock).
pub struct MatchIndex {
    atlas: Atlas,
    rules: ScoringRules,
    suppliers: Vec<Supplier>,
    supplier_slots: HashMap<Uuid, u32>,
    capabilities: Vec<Option<Capability>>,
    capability_slots: HashMap<Uuid, u32>,
    free: Vec<u32>,
    /// One shelf per category, its entries grouped by supplier region.
    shelves: Vec<Shelf>,
    /// While bulk loading, entries are appended unsorted and shelved once at the end.
    bulk: bool,
    terms: HashMap<String, u32>,
    units: HashMap<String, u16>,
}

impl std::fmt::Debug for MatchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchIndex")
            .field("suppliers", &self.suppliers.len())
            .field("capabilities", &self.len())
            .finish_non_exhaustive()
    }
}

impl MatchIndex {
    #[must_use]
    pub fn new(reference: &crate::reference::ReferenceData, rules: ScoringRules) -> MatchIndex {
        let atlas = Atlas::new(reference);
        let shelves = (0..atlas.category_count())
            .map(|_| Shelf::new(atlas.region_count()))
            .collect();
        let mut units = HashMap::new();
        units.insert(String::new(), NO_UNIT);
        MatchIndex {
            atlas,
            rules,
            suppliers: Vec::new(),
            supplier_slots: HashMap::new(),
            capabilities: Vec::new(),
            capability_slots: HashMap::new(),
            free: Vec::new(),
            shelves,
            bulk: false,
            terms: HashMap::new(),
            units,
        }
    }

    #[must_use]
    pub fn rules(&self) -> &ScoringRules {
        &self.rules
    }

    /// Published capabilities held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.capability_slots.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.capability_slots.is_empty()
    }

    #[must_use]
    pub fn contains(&self, capability: Uuid) -> bool {
        self.capability_slots.contains_key(&capability)
    }

    /// The entries of one category offered from one region.
    fn cell(&self, category: u8, region: u16) -> &[Entry] {
        self.shelves[usize::from(category)].cell(region)
    }

    fn region_of(&self, entry: &Entry) -> u16 {
        self.capabilities[entry.slot as usize]
            .as_ref()
            .map_or(0, |c| self.suppliers[c.supplier as usize].region)
    }

    /// Starts a bulk load: capabilities are appended without shelving until [`Self::end_bulk`].
    /// Searching in between gives wrong answers; the loader builds the index before sharing it.
    pub fn begin_bulk(&mut self) {
        self.bulk = true;
    }

    /// Shelves everything loaded since [`Self::begin_bulk`]: one counting sort per category.
    pub fn end_bulk(&mut self) {
        self.bulk = false;
        for c in 0..self.shelves.len() {
            let entries = std::mem::take(&mut self.shelves[c].entries);
            let regions: Vec<u16> = entries.iter().map(|e| self.region_of(e)).collect();
            self.shelves[c].shelve(entries, &regions);
        }
    }

    fn entry_for(&self, slot: u32, cap: &Capability) -> Entry {
        let s = &self.suppliers[cap.supplier as usize];
        let w = &self.rules.weights;
        let bonus = if s.verified { w.verified } else { 0.0 }
            + w.responsiveness * s.responsiveness.map_or(0.5, |r| r.clamp(0.0, 1.0));
        #[allow(clippy::cast_possible_truncation)] // a bound: rounding is absorbed by a margin
        Entry {
            signature: signature(&cap.terms),
            slot,
            bonus: bonus as f32,
            held: s
                .certifications
                .iter()
                .fold(0, |mask, (c, _)| mask | (1u32 << (u32::from(*c) % 32))),
            flags: if s.suspended { SUSPENDED } else { 0 },
        }
    }

    /// Adds or replaces an organization that may offer capabilities. A move to another region
    /// refiles its capabilities.
    ///
    /// # Errors
    /// An unknown region; the index is unchanged.
    pub fn upsert_supplier(&mut self, id: Uuid, s: &SupplierProfile) -> Result<(), IndexError> {
        let region = self.atlas.region(&s.region)?;
        let mut certifications: Vec<(u8, i32)> = s
            .certifications
            .iter()
            .filter_map(|(code, expires)| {
                self.atlas
                    .certifications
                    .get(code)
                    .map(|&c| (c, days(*expires)))
            })
            .collect();
        certifications.sort_unstable();
        let entry = Supplier {
            id,
            region,
            suspended: s.suspended,
            verified: s.verified,
            responsiveness: s.responsiveness,
            certifications: certifications.into(),
        };
        let Some(&slot) = self.supplier_slots.get(&id) else {
            let slot = u32::try_from(self.suppliers.len()).unwrap_or(u32::MAX);
            self.suppliers.push(entry);
            self.supplier_slots.insert(id, slot);
            return Ok(());
        };
        let old_region = self.suppliers[slot as usize].region;
        self.suppliers[slot as usize] = entry;
        // Its capabilities all sit in its old region's cells: take them out, refresh their
        // entries, and shelve them where the supplier now is.
        for category in 0..self.shelves.len() {
            let mine: Vec<Entry> = self.shelves[category]
                .cell(old_region)
                .iter()
                .filter(|e| {
                    self.capabilities[e.slot as usize]
                        .as_ref()
                        .is_some_and(|c| c.supplier == slot)
                })
                .copied()
                .collect();
            for e in mine {
                self.shelves[category].remove(old_region, e.slot);
                if let Some(cap) = self.capabilities[e.slot as usize].as_ref() {
                    let fresh = self.entry_for(e.slot, cap);
                    self.shelves[category].insert(region, fresh);
                }
            }
        }
        Ok(())
    }

    /// Whether the supplier is filed (its capabilities can be).
    #[must_use]
    pub fn knows_supplier(&self, supplier: Uuid) -> bool {
        self.supplier_slots.contains_key(&supplier)
    }

    /// Adds, replaces or (when not published) removes a capability.
    ///
    /// # Errors
    /// An unknown category, region or supplier; the index is unchanged.
    pub fn upsert_capability(
        &mut self,
        id: Uuid,
        supplier: Uuid,
        c: &CapabilityProfile,
    ) -> Result<(), IndexError> {
        if !c.published {
            self.remove_capability(id);
            return Ok(());
        }
        let category = self.atlas.category(&c.category)?;
        let served = c
            .served_regions
            .iter()
            .map(|r| self.atlas.region(r))
            .collect::<Result<Box<[u16]>, _>>()?;
        let supplier_slot = *self
            .supplier_slots
            .get(&supplier)
            .ok_or(IndexError::Supplier(supplier))?;
        let mut terms: Vec<u32> = c.terms.iter().map(|t| self.term_id(t)).collect();
        terms.sort_unstable();
        terms.dedup();
        let unit = c.unit.as_deref().map_or(NO_UNIT, |u| self.unit_id(u));
        self.remove_capability(id);
        let cap = Capability {
            id,
            supplier: supplier_slot,
            category,
            unit,
            annual_capacity: c.annual_capacity,
            terms: terms.into(),
            served,
        };
        let slot = self
            .free
            .pop()
            .unwrap_or_else(|| u32::try_from(self.capabilities.len()).unwrap_or(u32::MAX));
        let entry = self.entry_for(slot, &cap);
        if slot as usize == self.capabilities.len() {
            self.capabilities.push(Some(cap));
        } else {
            self.capabilities[slot as usize] = Some(cap);
        }
        self.capability_slots.insert(id, slot);
        let shelf = &mut self.shelves[usize::from(category)];
        if self.bulk {
            shelf.entries.push(entry);
        } else {
            shelf.insert(self.suppliers[supplier_slot as usize].region, entry);
        }
        Ok(())
    }

    /// Forgets a capability (archived, drafted, deleted). Unknown ids are ignored.
    pub fn remove_capability(&mut self, id: Uuid) {
        let Some(slot) = self.capability_slots.remove(&id) else {
            return;
        };
        if let Some(old) = self.capabilities[slot as usize].take() {
            let shelf = &mut self.shelves[usize::from(old.category)];
            if self.bulk {
                shelf.entries.retain(|e| e.slot != slot);
            } else {
                shelf.remove(self.suppliers[old.supplier as usize].region, slot);
            }
        }
        self.free.push(slot);
    }

    fn term_id(&mut self, term: &str) -> u32 {
        let next = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        *self.terms.entry(term.to_owned()).or_insert(next)
    }

    fn unit_id(&mut self, unit: &str) -> u16 {
        let next = u16::try_from(self.units.len()).unwrap_or(u16::MAX);
        *self.units.entry(unit_key(unit)).or_insert(next)
    }

    /// The ids of every capability of one supplier (to rematch them when it changes).
    #[must_use]
    pub fn capabilities_of(&self, supplier: Uuid) -> Vec<Uuid> {
        let Some(&slot) = self.supplier_slots.get(&supplier) else {
            return Vec::new();
        };
        let region = self.suppliers[slot as usize].region;
        self.shelves
            .iter()
            .flat_map(|shelf| shelf.cell(region))
            .filter_map(|e| self.capabilities[e.slot as usize].as_ref())
            .filter(|c| c.supplier == slot)
            .map(|c| c.id)
            .collect()
    }
}
