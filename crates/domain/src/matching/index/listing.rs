//! The directory's filters answered from the index. The index already holds every published
//! capability with its category and its supplier's region, verification, suspension and
//! certifications, so a search can keep only the candidates a listing would show while it
//! ranks them, instead of reading rows to find out.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{MatchIndex, days};
use crate::{CategoryCode, RegionCode};

/// A published-capability listing's filters, as the listing states them (codes already
/// expanded to subtrees and zones by the caller).
#[derive(Debug, Clone, Copy, Default)]
pub struct ListingFilter<'a> {
    /// The capability's category is one of these.
    pub categories: Option<&'a [String]>,
    /// The supplier's region is one of these.
    pub supplier_regions: Option<&'a [String]>,
    /// The supplier holds this certification, expiring on or after the day.
    pub certification: Option<(&'a str, NaiveDate)>,
    pub verified: Option<bool>,
}

/// A filter compiled against one index: sets of index numbers instead of codes.
pub struct Listing<'i> {
    index: &'i MatchIndex,
    categories: Option<Vec<bool>>,
    regions: Option<Vec<bool>>,
    /// `Some(None)`: a certification the reference data lacks, which nobody holds.
    certification: Option<Option<(u8, i32)>>,
    verified: Option<bool>,
}

impl MatchIndex {
    /// The filter, ready to ask of many capabilities.
    #[must_use]
    pub fn listing(&self, filter: &ListingFilter<'_>) -> Listing<'_> {
        let categories = filter.categories.map(|codes| {
            let mut set = vec![false; self.atlas.category_count()];
            for code in codes {
                if let Some(c) = CategoryCode::parse(code)
                    .ok()
                    .and_then(|c| self.atlas.category(&c).ok())
                {
                    set[usize::from(c)] = true;
                }
            }
            set
        });
        let regions = filter.supplier_regions.map(|codes| {
            let mut set = vec![false; self.atlas.region_count()];
            for code in codes {
                if let Some(r) = RegionCode::parse(code)
                    .ok()
                    .and_then(|r| self.atlas.region(&r).ok())
                {
                    set[usize::from(r)] = true;
                }
            }
            set
        });
        let certification = filter
            .certification
            .map(|(code, day)| self.atlas.certifications.get(code).map(|&c| (c, days(day))));
        Listing {
            index: self,
            categories,
            regions,
            certification,
            verified: filter.verified,
        }
    }
}

impl Listing<'_> {
    /// Whether a published-capability listing with this filter shows the capability: it is
    /// published, its supplier is not suspended, and every filter passes.
    #[must_use]
    pub fn shows(&self, capability: Uuid) -> bool {
        let index = self.index;
        let Some(cap) = index
            .capability_slots
            .get(&capability)
            .and_then(|&slot| index.capabilities[slot as usize].as_ref())
        else {
            return false;
        };
        let supplier = &index.suppliers[cap.supplier as usize];
        !supplier.suspended
            && self
                .categories
                .as_ref()
                .is_none_or(|set| set[usize::from(cap.category)])
            && self
                .regions
                .as_ref()
                .is_none_or(|set| set[usize::from(supplier.region)])
            && self.verified.is_none_or(|v| v == supplier.verified)
            && self.certification.is_none_or(|wanted| {
                wanted.is_some_and(|(code, day)| {
                    supplier
                        .certifications
                        .iter()
                        .any(|&(c, expires)| c == code && expires >= day)
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::pair::{CapabilityProfile, SupplierProfile};
    use crate::matching::score::ScoringRules;
    use crate::reference::{ReferenceCsv, ReferenceData};

    fn reference() -> ReferenceData {
        ReferenceData::parse(ReferenceCsv {
            categories: include_str!("../../../../../seeds/categories.csv"),
            regions: include_str!("../../../../../seeds/regions.csv"),
            zones: include_str!("../../../../../seeds/zones.csv"),
            certifications: include_str!("../../../../../seeds/certifications.csv"),
        })
        .unwrap()
    }

    fn supplier(region: &str, verified: bool, suspended: bool) -> SupplierProfile {
        SupplierProfile {
            region: RegionCode::parse(region).unwrap(),
            verified,
            suspended,
            responsiveness: None,
            certifications: vec![(
                "IATF16949".to_owned(),
                NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
            )],
        }
    }

    fn capability(category: &str, published: bool) -> CapabilityProfile {
        CapabilityProfile {
            category: CategoryCode::parse(category).unwrap(),
            published,
            annual_capacity: None,
            unit: None,
            served_regions: Vec::new(),
            terms: Vec::new(),
        }
    }

    #[test]
    fn shows_what_the_listing_would() {
        let reference = reference();
        let mut index = MatchIndex::new(&reference, ScoringRules::default());
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        index
            .upsert_supplier(a, &supplier("500112", true, false))
            .unwrap();
        index
            .upsert_supplier(b, &supplier("510107", false, false))
            .unwrap();
        index
            .upsert_supplier(c, &supplier("500112", true, true))
            .unwrap();
        let (ca, cb, cc, draft) = (
            Uuid::from_u128(11),
            Uuid::from_u128(12),
            Uuid::from_u128(13),
            Uuid::from_u128(14),
        );
        index
            .upsert_capability(ca, a, &capability("EDRIVE.AXLE", true))
            .unwrap();
        index
            .upsert_capability(cb, b, &capability("CHASSIS", true))
            .unwrap();
        index
            .upsert_capability(cc, c, &capability("EDRIVE.AXLE", true))
            .unwrap();
        index
            .upsert_capability(draft, a, &capability("EDRIVE.AXLE", false))
            .unwrap();

        let all = index.listing(&ListingFilter::default());
        assert!(all.shows(ca) && all.shows(cb));
        assert!(
            !all.shows(cc),
            "a suspended supplier's capability is never listed"
        );
        assert!(!all.shows(draft), "drafts are not in the published listing");
        assert!(!all.shows(Uuid::from_u128(99)));

        let axle = ["EDRIVE.AXLE".to_owned()];
        let by_category = index.listing(&ListingFilter {
            categories: Some(&axle),
            ..ListingFilter::default()
        });
        assert!(by_category.shows(ca) && !by_category.shows(cb));

        let chengdu = ["510107".to_owned(), "not a code".to_owned()];
        let by_region = index.listing(&ListingFilter {
            supplier_regions: Some(&chengdu),
            ..ListingFilter::default()
        });
        assert!(!by_region.shows(ca) && by_region.shows(cb));

        let verified = index.listing(&ListingFilter {
            verified: Some(true),
            ..ListingFilter::default()
        });
        assert!(verified.shows(ca) && !verified.shows(cb));
        let unverified = index.listing(&ListingFilter {
            verified: Some(false),
            ..ListingFilter::default()
        });
        assert!(!unverified.shows(ca) && unverified.shows(cb));

        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let held = index.listing(&ListingFilter {
            certification: Some(("IATF16949", day(2027, 6, 30))),
            ..ListingFilter::default()
        });
        assert!(held.shows(ca));
        let expired = index.listing(&ListingFilter {
            certification: Some(("IATF16949", day(2027, 7, 1))),
            ..ListingFilter::default()
        });
        assert!(
            !expired.shows(ca),
            "a certificate that has expired by the day does not count"
        );
        let unknown = index.listing(&ListingFilter {
            certification: Some(("NO-SUCH", day(2026, 1, 1))),
            ..ListingFilter::default()
        });
        assert!(!unknown.shows(ca));
    }
}
