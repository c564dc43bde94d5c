//! A need and a capability as the business describes them, and the plain way of judging one pair
//! from them: the definition the fast index must agree with, and what the property tests drive.

use chrono::NaiveDate;

use super::score::{Exclusion, Holding, PairFacts, Scored, ScoringRules, assess};
use crate::reference::ReferenceData;
use crate::{CategoryCode, RegionCode};

/// What the matcher needs to know of a need.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedProfile {
    pub category: CategoryCode,
    pub delivery_region: RegionCode,
    pub open: bool,
    pub annual_volume: Option<i64>,
    pub unit: Option<String>,
    pub required_certifications: Vec<String>,
    /// From `text::terms_of([title, description])`.
    pub terms: Vec<String>,
}

/// What the matcher needs to know of the organization behind a capability.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierProfile {
    pub region: RegionCode,
    pub suspended: bool,
    pub verified: bool,
    pub certifications: Vec<(String, NaiveDate)>,
    pub responsiveness: Option<f64>,
}

/// What the matcher needs to know of a capability.
#[derive(Debug, Clone, PartialEq)]
pub struct CapabilityProfile {
    pub category: CategoryCode,
    pub published: bool,
    pub annual_capacity: Option<i64>,
    pub unit: Option<String>,
    pub served_regions: Vec<RegionCode>,
    /// From `text::terms_of([title, description, products…, processes…])`.
    pub terms: Vec<String>,
}

/// Judges one pair on `today`.
///
/// # Errors
/// The hard rule the pair breaks.
pub fn evaluate(
    need: &NeedProfile,
    capability: &CapabilityProfile,
    supplier: &SupplierProfile,
    reference: &ReferenceData,
    today: NaiveDate,
    rules: &ScoringRules,
) -> Result<Scored, Exclusion> {
    let (distance_km, local) = match (
        reference.region(&supplier.region),
        reference.region(&need.delivery_region),
    ) {
        (Some(a), Some(b)) => (
            haversine_km(a.lat, a.lon, b.lat, b.lon),
            zone_code(reference, &supplier.region)
                .is_some_and(|z| zone_code(reference, &need.delivery_region) == Some(z)),
        ),
        // Unknown places are as far as can be: never local, proximity near zero.
        _ => (EARTH_HALF_CIRCUMFERENCE_KM, false),
    };
    let shared = need
        .terms
        .iter()
        .filter(|t| capability.terms.contains(t))
        .count();
    let facts = PairFacts {
        need_open: need.open,
        published: capability.published,
        supplier_suspended: supplier.suspended,
        relation: capability.category.relation_to(&need.category),
        serves_delivery: serves(reference, &capability.served_regions, &need.delivery_region),
        certifications: holding(
            &need.required_certifications,
            &supplier.certifications,
            today,
        ),
        distance_km,
        local,
        capacity_ratio: capacity_ratio(
            need.annual_volume,
            need.unit.as_deref(),
            capability.annual_capacity,
            capability.unit.as_deref(),
        ),
        text_overlap: text_overlap(shared, need.terms.len()),
        verified: supplier.verified,
        responsiveness: supplier.responsiveness,
    };
    assess(&facts, rules)
}

fn zone_code<'a>(reference: &'a ReferenceData, region: &RegionCode) -> Option<&'a str> {
    reference.zone_of(region).map(|z| z.code.as_str())
}

/// No served regions means everywhere; otherwise one of them must contain the delivery region
/// or lie inside it (a supplier serving two districts of a city serves deliveries to that city).
fn serves(reference: &ReferenceData, served: &[RegionCode], delivery: &RegionCode) -> bool {
    served.is_empty()
        || served.iter().any(|s| {
            reference.region_lineage(delivery).any(|r| &r.code == s)
                || reference.region_lineage(s).any(|r| &r.code == delivery)
        })
}

fn holding(required: &[String], held: &[(String, NaiveDate)], today: NaiveDate) -> Holding {
    let mut worst = Holding::Valid;
    for code in required {
        match held.iter().find(|(c, _)| c == code) {
            None => return Holding::Missing,
            Some((_, expires)) if *expires < today => worst = Holding::Expired,
            Some(_) => {}
        }
    }
    worst
}

const EARTH_HALF_CIRCUMFERENCE_KM: f64 = 20_015.0;
const EARTH_RADIUS_KM: f64 = 6_371.0;

/// Great-circle distance between two centroids.
#[must_use]
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Capacity over volume when both are known in the same unit (compared case-blind, trimmed).
#[must_use]
pub fn capacity_ratio(
    volume: Option<i64>,
    volume_unit: Option<&str>,
    capacity: Option<i64>,
    capacity_unit: Option<&str>,
) -> Option<f64> {
    if !same_unit(volume_unit?, capacity_unit?) {
        return None;
    }
    ratio(volume?, capacity?)
}

/// Capacity over volume; none for a volume of zero or less.
#[must_use]
pub fn ratio(volume: i64, capacity: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // volumes are far below 2^52
    (volume > 0).then(|| capacity.max(0) as f64 / volume as f64)
}

/// Units as the index keeps them: trimmed and lower-cased.
#[must_use]
pub fn unit_key(unit: &str) -> String {
    unit.trim().to_lowercase()
}

fn same_unit(a: &str, b: &str) -> bool {
    unit_key(a) == unit_key(b)
}

/// The share of the need's terms the capability shares.
#[must_use]
pub fn text_overlap(shared: usize, need_terms: usize) -> f64 {
    if need_terms == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)] // term counts are small
    {
        shared as f64 / need_terms as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chengdu_to_chongqing_is_about_270_km() {
        // Chengdu 104.07E 30.67N, Chongqing 106.55E 29.56N.
        let d = haversine_km(30.67, 104.07, 29.56, 106.55);
        assert!((260.0..285.0).contains(&d), "{d}");
        assert!(haversine_km(30.0, 104.0, 30.0, 104.0).abs() < 1e-9);
    }

    #[test]
    fn capacity_needs_the_same_unit_and_a_volume() {
        assert_eq!(
            capacity_ratio(Some(100), Some("件"), Some(50), Some(" 件 ")),
            Some(0.5)
        );
        assert_eq!(
            capacity_ratio(Some(100), Some("Sets"), Some(200), Some("sets")),
            Some(2.0)
        );
        assert_eq!(
            capacity_ratio(Some(100), Some("件"), Some(50), Some("吨")),
            None
        );
        assert_eq!(capacity_ratio(None, Some("件"), Some(50), Some("件")), None);
        assert_eq!(
            capacity_ratio(Some(0), Some("件"), Some(50), Some("件")),
            None
        );
    }

    #[test]
    fn the_worst_certification_holding_counts() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let held = vec![
            ("IATF16949".to_owned(), today),
            ("ISO14001".to_owned(), today.pred_opt().unwrap()),
        ];
        assert_eq!(holding(&["IATF16949".into()], &held, today), Holding::Valid);
        assert_eq!(
            holding(&["ISO14001".into()], &held, today),
            Holding::Expired
        );
        assert_eq!(
            holding(&["ISO14001".into(), "ISO26262".into()], &held, today),
            Holding::Missing
        );
        assert_eq!(holding(&[], &[], today), Holding::Valid);
    }
}
