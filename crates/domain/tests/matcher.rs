//! The matcher's promises, checked on random worlds built from the real reference data: the
//! index ranks exactly as judging every pair would, exclusions hold, and the ranking is stable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use peitao_domain::matching::score::{Holding, PairFacts, assess};
use peitao_domain::matching::{
    CapabilityProfile, MatchIndex, NeedProfile, ScoringRules, SupplierProfile, evaluate,
};
use peitao_domain::reference::{ReferenceCsv, ReferenceData};
use peitao_domain::{CategoryCode, RegionCode};
use proptest::prelude::*;
use uuid::Uuid;

fn reference() -> &'static ReferenceData {
    static REF: std::sync::OnceLock<ReferenceData> = std::sync::OnceLock::new();
    REF.get_or_init(|| {
        ReferenceData::parse(ReferenceCsv {
            categories: include_str!("../../../seeds/categories.csv"),
            regions: include_str!("../../../seeds/regions.csv"),
            zones: include_str!("../../../seeds/zones.csv"),
            certifications: include_str!("../../../seeds/certifications.csv"),
        })
        .unwrap()
    })
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

// A small palette so random worlds collide often: shared regions, related categories, terms.
const REGIONS: &[&str] = &[
    "500112", "500101", "510107", "510116", "420106", "420115", "310115", "510100", "420100",
];
const CATEGORIES: &[&str] = &[
    "EDRIVE",
    "EDRIVE.BATTERY",
    "EDRIVE.BATTERY.CELL",
    "EDRIVE.BATTERY.PACK",
    "EDRIVE.MOTOR",
    "CHIP",
    "CHIP.MCU",
];
const CERTS: &[&str] = &["IATF16949", "ISO9001", "ISO14001"];
const TERMS: &[&str] = &[
    "冲压",
    "压铸",
    "电池",
    "电芯",
    "壳体",
    "铝合金",
    "stamp",
    "mcu",
];
const UNITS: &[&str] = &["件", "套"];

#[derive(Debug, Clone)]
struct World {
    suppliers: Vec<(Uuid, SupplierProfile)>,
    capabilities: Vec<(Uuid, usize, CapabilityProfile)>,
}

fn code<T>(list: &[&str], i: usize, parse: impl Fn(&str) -> T) -> T {
    parse(list[i % list.len()])
}

fn region(i: usize) -> RegionCode {
    code(REGIONS, i, |s| RegionCode::parse(s).unwrap())
}

fn category(i: usize) -> CategoryCode {
    code(CATEGORIES, i, |s| CategoryCode::parse(s).unwrap())
}

fn supplier() -> impl Strategy<Value = SupplierProfile> {
    (
        0..REGIONS.len(),
        any::<bool>(),
        prop::bool::weighted(0.1),
        prop::collection::vec((0..CERTS.len(), -30i64..400), 0..3),
        prop::option::of(0.0f64..=1.0),
    )
        .prop_map(
            |(r, verified, suspended, certs, responsiveness)| SupplierProfile {
                region: region(r),
                suspended,
                verified,
                certifications: dedupe_certs(certs),
                responsiveness,
            },
        )
}

fn dedupe_certs(certs: Vec<(usize, i64)>) -> Vec<(String, NaiveDate)> {
    let mut out: Vec<(String, NaiveDate)> = Vec::new();
    for (c, days) in certs {
        let code = CERTS[c].to_owned();
        if out.iter().all(|(have, _)| *have != code) {
            out.push((code, today() + chrono::TimeDelta::days(days)));
        }
    }
    out
}

fn terms() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(0..TERMS.len(), 0..5)
        .prop_map(|s| s.into_iter().map(|i| TERMS[i].to_owned()).collect())
}

fn capability() -> impl Strategy<Value = CapabilityProfile> {
    (
        0..CATEGORIES.len(),
        prop::bool::weighted(0.9),
        prop::option::of(0i64..5_000),
        0..UNITS.len(),
        prop::collection::vec(0..REGIONS.len(), 0..2),
        terms(),
    )
        .prop_map(
            |(c, published, capacity, unit, served, terms)| CapabilityProfile {
                category: category(c),
                published,
                annual_capacity: capacity,
                unit: Some(UNITS[unit].to_owned()),
                served_regions: served.into_iter().map(region).collect(),
                terms,
            },
        )
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(supplier(), 1..12),
        prop::collection::vec((any::<prop::sample::Index>(), capability()), 0..40),
    )
        .prop_map(|(suppliers, caps)| {
            let suppliers: Vec<(Uuid, SupplierProfile)> = suppliers
                .into_iter()
                .enumerate()
                .map(|(i, s)| (Uuid::from_u128(1_000 + i as u128), s))
                .collect();
            let capabilities = caps
                .into_iter()
                .enumerate()
                .map(|(i, (owner, c))| {
                    (
                        Uuid::from_u128(2_000 + i as u128),
                        owner.index(suppliers.len()),
                        c,
                    )
                })
                .collect();
            World {
                suppliers,
                capabilities,
            }
        })
}

fn need() -> impl Strategy<Value = NeedProfile> {
    (
        0..CATEGORIES.len(),
        0..REGIONS.len(),
        prop::bool::weighted(0.95),
        prop::option::of(1i64..5_000),
        0..UNITS.len(),
        prop::collection::btree_set(0..CERTS.len(), 0..2),
        terms(),
    )
        .prop_map(|(c, r, open, volume, unit, certs, terms)| NeedProfile {
            category: category(c),
            delivery_region: region(r),
            open,
            annual_volume: volume,
            unit: Some(UNITS[unit].to_owned()),
            required_certifications: certs.into_iter().map(|i| CERTS[i].to_owned()).collect(),
            terms,
        })
}

fn index_of(world: &World, order: &[usize]) -> MatchIndex {
    let mut index = MatchIndex::new(reference(), ScoringRules::default());
    for (id, s) in &world.suppliers {
        index.upsert_supplier(*id, s).unwrap();
    }
    for &i in order {
        let (id, owner, c) = &world.capabilities[i];
        index
            .upsert_capability(*id, world.suppliers[*owner].0, c)
            .unwrap();
    }
    index
}

/// Judging every pair one by one, sorted best first (higher score, then smaller id).
fn by_hand(world: &World, need: &NeedProfile, k: usize) -> Vec<(Uuid, f64)> {
    let mut all: Vec<(Uuid, f64)> = world
        .capabilities
        .iter()
        .filter_map(|(id, owner, c)| {
            let s = &world.suppliers[*owner].1;
            evaluate(need, c, s, reference(), today(), &ScoringRules::default())
                .ok()
                .map(|scored| (*id, scored.score))
        })
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

fn ranked(index: &MatchIndex, need: &NeedProfile, k: usize) -> Vec<(Uuid, f64)> {
    index
        .top_k(need, today(), k)
        .unwrap()
        .into_iter()
        .map(|r| (r.capability_id, r.scored.score))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The zone questions the analytics ask agree with judging every pair by hand.
    #[test]
    fn zone_supply_agrees_with_judging_every_pair(
        w in world(),
        n in need(),
        zone in prop::collection::btree_set(0..REGIONS.len(), 0..REGIONS.len()),
    ) {
        let index = index_of(&w, &(0..w.capabilities.len()).collect::<Vec<_>>());
        let regions: Vec<RegionCode> = zone.iter().map(|&i| region(i)).collect();
        let slots = index.region_slots(&regions);
        let in_zone = |owner: usize| regions.contains(&w.suppliers[owner].1.region);
        let qualified = w.capabilities.iter().any(|(_, owner, c)| {
            in_zone(*owner)
                && evaluate(&n, c, &w.suppliers[*owner].1, reference(), today(), &ScoringRules::default()).is_ok()
        });
        prop_assert_eq!(index.has_qualified_in(&n, &slots, today()).unwrap(), qualified);
        let related = |c: &CategoryCode| *c == n.category || c.is_ancestor_of(&n.category) || n.category.is_ancestor_of(c);
        let suppliers: std::collections::HashSet<usize> = w
            .capabilities
            .iter()
            .filter(|(_, owner, c)| {
                in_zone(*owner) && c.published && !w.suppliers[*owner].1.suspended && related(&c.category)
            })
            .map(|(_, owner, _)| *owner)
            .collect();
        prop_assert_eq!(index.suppliers_related_in(std::slice::from_ref(&n.category), &slots).unwrap(), vec![suppliers.len()]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_index_ranks_exactly_as_judging_every_pair(w in world(), n in need(), k in 1usize..8) {
        let order: Vec<usize> = (0..w.capabilities.len()).collect();
        let index = index_of(&w, &order);
        prop_assert_eq!(ranked(&index, &n, k), by_hand(&w, &n, k));
        let brute: Vec<(Uuid, f64)> = index.brute_force(&n, today(), k).unwrap()
            .into_iter().map(|r| (r.capability_id, r.scored.score)).collect();
        prop_assert_eq!(ranked(&index, &n, k), brute);
    }

    #[test]
    fn an_excluded_capability_never_appears(w in world(), n in need()) {
        let order: Vec<usize> = (0..w.capabilities.len()).collect();
        let index = index_of(&w, &order);
        for r in index.top_k(&n, today(), 50).unwrap() {
            let (_, owner, c) = w.capabilities.iter().find(|(id, ..)| *id == r.capability_id).unwrap();
            let s = &w.suppliers[*owner].1;
            prop_assert!(evaluate(&n, c, s, reference(), today(), &ScoringRules::default()).is_ok());
            prop_assert!(c.published && !s.suspended && n.open);
            prop_assert!(c.category.relation_to(&n.category) != peitao_domain::category_code::CategoryRelation::Unrelated);
            for required in &n.required_certifications {
                prop_assert!(s.certifications.iter().any(|(code, until)| code == required && *until >= today()));
            }
        }
    }

    #[test]
    fn the_same_input_gives_the_same_ranking_in_any_insertion_order(
        w in world(), n in need(), seed in any::<u64>()
    ) {
        let mut order: Vec<usize> = (0..w.capabilities.len()).collect();
        let forward = index_of(&w, &order);
        // A deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..order.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let shuffled = index_of(&w, &order);
        prop_assert_eq!(ranked(&forward, &n, 10), ranked(&shuffled, &n, 10));
        // Loaded in bulk (as at start-up), then changed one by one: the same again.
        let mut bulk = MatchIndex::new(reference(), ScoringRules::default());
        bulk.begin_bulk();
        for (id, s) in &w.suppliers {
            bulk.upsert_supplier(*id, s).unwrap();
        }
        for &i in &order {
            let (id, owner, c) = &w.capabilities[i];
            bulk.upsert_capability(*id, w.suppliers[*owner].0, c).unwrap();
        }
        bulk.end_bulk();
        prop_assert_eq!(ranked(&forward, &n, 10), ranked(&bulk, &n, 10));
        if let Some((id, owner, c)) = w.capabilities.first() {
            bulk.remove_capability(*id);
            bulk.upsert_capability(*id, w.suppliers[*owner].0, c).unwrap();
            let (sid, s) = &w.suppliers[0];
            bulk.upsert_supplier(*sid, &SupplierProfile { region: region(3), ..s.clone() }).unwrap();
            bulk.upsert_supplier(*sid, s).unwrap();
        }
        prop_assert_eq!(ranked(&forward, &n, 10), ranked(&bulk, &n, 10));
    }

    #[test]
    fn moving_a_supplier_closer_never_lowers_its_score(
        near in 0.0f64..3_000.0, extra in 0.0f64..3_000.0, local in any::<bool>(),
        text in 0.0f64..=1.0, verified in any::<bool>()
    ) {
        let facts = |d: f64| PairFacts {
            need_open: true, published: true, supplier_suspended: false,
            relation: peitao_domain::category_code::CategoryRelation::Same,
            serves_delivery: true, certifications: Holding::Valid,
            distance_km: d, local, capacity_ratio: None, text_overlap: text, verified,
            responsiveness: None,
        };
        let rules = ScoringRules::default();
        let closer = assess(&facts(near), &rules).unwrap().score;
        let farther = assess(&facts(near + extra), &rules).unwrap().score;
        prop_assert!(closer >= farther);
    }

    #[test]
    fn moving_a_supplier_to_a_nearer_region_never_lowers_its_score(
        s in supplier(), c in capability(), n in need(), to in 0..REGIONS.len()
    ) {
        let rules = ScoringRules::default();
        let moved = SupplierProfile { region: region(to), ..s.clone() };
        let (Ok(before), Ok(after)) = (
            evaluate(&n, &c, &s, reference(), today(), &rules),
            evaluate(&n, &c, &moved, reference(), today(), &rules),
        ) else { return Ok(()); };
        // "Closer" keeps the zone relation: leaving the delivery's zone is not moving closer.
        if after.factors.distance_km <= before.factors.distance_km
            && after.factors.local == before.factors.local {
            prop_assert!(after.score >= before.score);
        }
    }

    #[test]
    fn adding_a_certification_to_a_supplier_never_removes_it(
        w in world(), n in need(), cert in 0..CERTS.len(), which in any::<prop::sample::Index>()
    ) {
        prop_assume!(!w.capabilities.is_empty());
        let (cap_id, owner, cap) = w.capabilities[which.index(w.capabilities.len())].clone();
        // One capability per supplier at this level, so a sibling cannot push it out.
        let mut w = w;
        w.capabilities.retain(|(id, o, _)| *o != owner || *id == cap_id);
        let order: Vec<usize> = (0..w.capabilities.len()).collect();
        let k = 10;
        let before = ranked(&index_of(&w, &order), &n, k);
        let s = &mut w.suppliers[owner].1;
        let code = CERTS[cert].to_owned();
        s.certifications.retain(|(c, _)| *c != code);
        s.certifications.push((code, today() + chrono::TimeDelta::days(365)));
        let after = ranked(&index_of(&w, &order), &n, k);
        if let Some((_, score)) = before.iter().find(|(id, _)| *id == cap_id) {
            let now = after.iter().find(|(id, _)| *id == cap_id);
            prop_assert!(now.is_some(), "{cap:?} dropped out after gaining a certification");
            prop_assert!((now.unwrap().1 - score).abs() < 1e-12);
        }
    }
}

#[test]
fn removing_and_moving_keep_the_index_true() {
    let s = |r: &str| SupplierProfile {
        region: RegionCode::parse(r).unwrap(),
        suspended: false,
        verified: true,
        certifications: vec![],
        responsiveness: None,
    };
    let cap = CapabilityProfile {
        category: CategoryCode::parse("EDRIVE.BATTERY.PACK").unwrap(),
        published: true,
        annual_capacity: Some(100),
        unit: Some("套".into()),
        served_regions: vec![],
        terms: vec!["电池".into()],
    };
    let need = NeedProfile {
        category: CategoryCode::parse("EDRIVE.BATTERY.PACK").unwrap(),
        delivery_region: RegionCode::parse("500112").unwrap(),
        open: true,
        annual_volume: Some(100),
        unit: Some("套".into()),
        required_certifications: vec![],
        terms: vec!["电池".into()],
    };
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let (ca, cb) = (Uuid::from_u128(11), Uuid::from_u128(12));
    let mut index = MatchIndex::new(reference(), ScoringRules::default());
    index.upsert_supplier(a, &s("310115")).unwrap();
    index.upsert_supplier(b, &s("510107")).unwrap();
    index.upsert_capability(ca, a, &cap).unwrap();
    index.upsert_capability(cb, b, &cap).unwrap();
    let ids = |index: &MatchIndex| -> Vec<Uuid> {
        index
            .top_k(&need, today(), 5)
            .unwrap()
            .iter()
            .map(|r| r.capability_id)
            .collect()
    };
    // Chengdu is nearer Chongqing and in its zone.
    assert_eq!(ids(&index), [cb, ca]);
    // Shanghai's supplier moves to Yubei, the delivery district itself.
    index.upsert_supplier(a, &s("500112")).unwrap();
    assert_eq!(ids(&index), [ca, cb]);
    index
        .upsert_capability(
            ca,
            a,
            &CapabilityProfile {
                published: false,
                ..cap.clone()
            },
        )
        .unwrap();
    assert_eq!(ids(&index), [cb]);
    index.remove_capability(cb);
    assert!(ids(&index).is_empty() && index.is_empty());
    // A suspended supplier's capability stays filed but is never ranked.
    index.upsert_capability(ca, a, &cap).unwrap();
    index
        .upsert_supplier(
            a,
            &SupplierProfile {
                suspended: true,
                ..s("500112")
            },
        )
        .unwrap();
    assert!(ids(&index).is_empty());
    assert_eq!(index.capabilities_of(a), [ca]);
}
