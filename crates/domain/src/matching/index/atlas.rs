//! Reference data in the shape the index walks: categories and regions as small numbers, which
//! categories relate, and for each delivery region every region by distance (built on first use).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::IndexError;
use crate::category_code::CategoryRelation;
use crate::matching::pair::haversine_km;
use crate::matching::score::{ScoringRules, proximity};
use crate::reference::ReferenceData;
use crate::{CategoryCode, RegionCode};

const NO_ZONE: u8 = u8::MAX;

/// A delivery region's view of the map.
pub(super) struct DeliveryView {
    /// Every region with its distance, nearest first.
    pub nearest_first: Box<[(u16, f64)]>,
    /// Per region: the distance and local factors, weighted (not yet divided by the total).
    pub place_part: Box<[f64]>,
    /// The farthest region of the delivery's own zone; beyond it nothing is local.
    pub zone_radius_km: f64,
}

pub(super) struct Atlas {
    categories: HashMap<CategoryCode, u8>,
    /// For each need category, the related capability categories and their relation.
    pub related: Vec<Vec<(u8, CategoryRelation)>>,
    regions: HashMap<RegionCode, u16>,
    lat_lon: Vec<(f64, f64)>,
    parent: Vec<Option<u16>>,
    zone: Vec<u8>,
    pub certifications: HashMap<String, u8>,
    views: Vec<OnceLock<Arc<DeliveryView>>>,
}

fn small<T: TryFrom<usize> + Copy>(i: usize, max: T) -> T {
    T::try_from(i).unwrap_or(max)
}

impl Atlas {
    pub fn new(reference: &ReferenceData) -> Atlas {
        let categories = reference
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), small(i, u8::MAX)))
            .collect();
        let related = reference
            .categories
            .iter()
            .map(|need| {
                reference
                    .categories
                    .iter()
                    .enumerate()
                    .filter_map(|(i, cap)| {
                        let rel = cap.code.relation_to(&need.code);
                        (rel != CategoryRelation::Unrelated).then_some((small(i, u8::MAX), rel))
                    })
                    .collect()
            })
            .collect();
        let regions: HashMap<RegionCode, u16> = reference
            .regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.clone(), small(i, u16::MAX)))
            .collect();
        let zone_codes: Vec<&str> = reference.zones.iter().map(|z| z.code.as_str()).collect();
        Atlas {
            lat_lon: reference.regions.iter().map(|r| (r.lat, r.lon)).collect(),
            parent: reference
                .regions
                .iter()
                .map(|r| r.parent.as_ref().and_then(|p| regions.get(p).copied()))
                .collect(),
            zone: reference
                .regions
                .iter()
                .map(|r| {
                    reference
                        .zone_of(&r.code)
                        .and_then(|z| zone_codes.iter().position(|c| *c == z.code))
                        .map_or(NO_ZONE, |i| small(i, NO_ZONE))
                })
                .collect(),
            certifications: reference
                .certifications
                .iter()
                .enumerate()
                .map(|(i, c)| (c.code.clone(), small(i, u8::MAX)))
                .collect(),
            views: reference.regions.iter().map(|_| OnceLock::new()).collect(),
            categories,
            related,
            regions,
        }
    }

    pub fn region_count(&self) -> usize {
        self.lat_lon.len()
    }

    pub fn category_count(&self) -> usize {
        self.related.len()
    }

    pub fn region(&self, code: &RegionCode) -> Result<u16, IndexError> {
        self.regions
            .get(code)
            .copied()
            .ok_or_else(|| IndexError::Region(code.to_string()))
    }

    pub fn category(&self, code: &CategoryCode) -> Result<u8, IndexError> {
        self.categories
            .get(code)
            .copied()
            .ok_or_else(|| IndexError::Category(code.to_string()))
    }

    pub fn distance(&self, a: u16, b: u16) -> f64 {
        let (la, oa) = self.lat_lon[usize::from(a)];
        let (lb, ob) = self.lat_lon[usize::from(b)];
        haversine_km(la, oa, lb, ob)
    }

    /// Whether `inner` is `outer` or lies beneath it.
    pub fn is_within(&self, inner: u16, outer: u16) -> bool {
        let mut at = Some(inner);
        while let Some(r) = at {
            if r == outer {
                return true;
            }
            at = self.parent[usize::from(r)];
        }
        false
    }

    pub fn local(&self, a: u16, b: u16) -> bool {
        let za = self.zone[usize::from(a)];
        za != NO_ZONE && za == self.zone[usize::from(b)]
    }

    /// The delivery region's view, computed once per region and process (the rules never change
    /// while an index lives).
    pub fn view(&self, delivery: u16, rules: &ScoringRules) -> Arc<DeliveryView> {
        self.views[usize::from(delivery)]
            .get_or_init(|| {
                let mut nearest: Vec<(u16, f64)> = (0..self.region_count())
                    .map(|r| {
                        let r = small(r, u16::MAX);
                        (r, self.distance(delivery, r))
                    })
                    .collect();
                let w = &rules.weights;
                let mut place_part = vec![0.0; self.region_count()];
                let mut zone_radius_km = -1.0f64;
                for &(r, d) in &nearest {
                    let local = self.local(r, delivery);
                    place_part[usize::from(r)] = w.distance * proximity(d, rules.distance_scale_km)
                        + if local { w.local } else { 0.0 };
                    if local {
                        zone_radius_km = zone_radius_km.max(d);
                    }
                }
                nearest.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                Arc::new(DeliveryView {
                    nearest_first: nearest.into(),
                    place_part: place_part.into(),
                    zone_radius_km,
                })
            })
            .clone()
    }
}
