//! What a zone can supply, read off the index: whether any supplier sitting in the zone
//! qualifies for a need (the potential local supply rate), and how many suppliers there offer
//! what a category needs (the chain-gap map). No scoring beyond the exclusions.

use chrono::NaiveDate;

use super::{IndexError, MatchIndex, SUSPENDED};
use crate::matching::pair::NeedProfile;
use crate::matching::score::assess;
use crate::{CategoryCode, RegionCode};

/// A set of regions (a zone's), as the index numbers them; regions it does not know are left out.
#[derive(Debug, Clone)]
pub struct RegionSlots(Vec<u16>);

impl MatchIndex {
    /// The index's numbers for these regions.
    #[must_use]
    pub fn region_slots(&self, regions: &[RegionCode]) -> RegionSlots {
        let mut slots: Vec<u16> = regions
            .iter()
            .filter_map(|r| self.atlas.region(r).ok())
            .collect();
        slots.sort_unstable();
        slots.dedup();
        RegionSlots(slots)
    }

    /// Whether some supplier sitting in `regions` offers a capability the matcher would not
    /// exclude for `need` on `today`: category related, published, not suspended, the required
    /// certifications held unexpired, the delivery region served. Stops at the first one.
    ///
    /// # Errors
    /// The need names a category or region the reference data lacks.
    pub fn has_qualified_in(
        &self,
        need: &NeedProfile,
        regions: &RegionSlots,
        today: NaiveDate,
    ) -> Result<bool, IndexError> {
        let q = self.prepare(need, today)?;
        for &(category, relation) in &self.atlas.related[usize::from(q.category)] {
            for &region in &regions.0 {
                for entry in self.cell(category, region) {
                    if entry.flags & SUSPENDED != 0
                        || entry.held & q.required_mask != q.required_mask
                    {
                        continue;
                    }
                    let Some(cap) = self.capabilities[entry.slot as usize].as_ref() else {
                        continue;
                    };
                    let km = self
                        .atlas
                        .distance(self.suppliers[cap.supplier as usize].region, q.delivery);
                    if assess(&self.facts(&q, cap, relation, km), &self.rules).is_ok() {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }

    /// For each category given: how many distinct unsuspended suppliers sitting in `regions`
    /// offer a published capability a need of that category could be matched with (the
    /// category itself, beneath it or above it). One pass per category over the related cells,
    /// with one stamp per supplier instead of a set.
    ///
    /// # Errors
    /// A category the reference data lacks.
    pub fn suppliers_related_in(
        &self,
        categories: &[CategoryCode],
        regions: &RegionSlots,
    ) -> Result<Vec<usize>, IndexError> {
        let mut stamps = vec![0u32; self.suppliers.len()];
        let mut counts = Vec::with_capacity(categories.len());
        for (stamp, category) in (1u32..).zip(categories) {
            let category = self.atlas.category(category)?;
            let mut count = 0;
            for &(related, _) in &self.atlas.related[usize::from(category)] {
                for &region in &regions.0 {
                    for entry in self.cell(related, region) {
                        if entry.flags & SUSPENDED != 0 {
                            continue;
                        }
                        let Some(cap) = self.capabilities[entry.slot as usize].as_ref() else {
                            continue;
                        };
                        let seen = &mut stamps[cap.supplier as usize];
                        if *seen != stamp {
                            *seen = stamp;
                            count += 1;
                        }
                    }
                }
            }
            counts.push(count);
        }
        Ok(counts)
    }
}
