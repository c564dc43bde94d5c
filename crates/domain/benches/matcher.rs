//! Benchmark: top-20 for one need over 1,000,000 capabilities, the index against a brute-force
//! scan of the same records, with per-query p50/p99 and the index's memory per capability.
//!
//!     cargo bench -p peitao-domain --bench matcher            (BENCH_CAPABILITIES=N to resize)
//!
//! Figures go into docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use chrono::NaiveDate;
use std::hint::black_box;

use criterion::Criterion;
use peitao_domain::matching::{
    CapabilityProfile, MatchIndex, NeedProfile, ScoringRules, SupplierProfile,
};
use peitao_domain::reference::{ReferenceCsv, ReferenceData};
use peitao_domain::{CategoryCode, RegionLevel};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Resident memory of this process, from /proc (the workspace forbids `unsafe`, so no counting
/// allocator): what the operating system actually gives the index, allocator overhead included.
fn resident_bytes() -> isize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<isize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn reference() -> ReferenceData {
    ReferenceData::parse(ReferenceCsv {
        categories: include_str!("../../../seeds/categories.csv"),
        regions: include_str!("../../../seeds/regions.csv"),
        zones: include_str!("../../../seeds/zones.csv"),
        certifications: include_str!("../../../seeds/certifications.csv"),
    })
    .unwrap()
}

const WORDS: &[&str] = &[
    "冲压",
    "焊接",
    "注塑",
    "压铸",
    "机加工",
    "涂装",
    "总装",
    "贴片",
    "热处理",
    "检测",
    "铝合金",
    "壳体",
    "支架",
    "线束",
    "电芯",
    "模组",
    "电机",
    "控制器",
    "传感器",
    "芯片",
    "轴承",
    "齿轮",
    "座椅",
    "玻璃",
    "轮胎",
    "制动",
    "转向",
    "悬架",
    "车灯",
    "仪表",
    "stamping",
    "casting",
];

fn words(rng: &mut StdRng, n: usize) -> Vec<String> {
    let mut out: Vec<String> = (0..n)
        .map(|_| (*WORDS.choose(rng).unwrap()).to_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

struct World {
    index: MatchIndex,
    needs: Vec<NeedProfile>,
    bytes: isize,
}

fn build(n: usize) -> World {
    let reference = reference();
    let mut rng = StdRng::seed_from_u64(2026);
    let districts: Vec<_> = reference
        .regions
        .iter()
        .filter(|r| r.level == RegionLevel::District)
        .map(|r| r.code.clone())
        .collect();
    let categories: Vec<CategoryCode> = reference
        .categories
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let certs: Vec<String> = reference
        .certifications
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let before = resident_bytes();
    let mut index = MatchIndex::new(&reference, ScoringRules::default());
    index.begin_bulk();
    let mut made = 0;
    let mut supplier = 0u128;
    while made < n {
        supplier += 1;
        let id = Uuid::from_u128(supplier);
        let mut held = Vec::new();
        for c in &certs {
            if rng.random_bool(0.25) {
                held.push((
                    c.clone(),
                    today + chrono::Days::new(rng.random_range(30..1500)),
                ));
            }
        }
        index
            .upsert_supplier(
                id,
                &SupplierProfile {
                    region: districts.choose(&mut rng).unwrap().clone(),
                    suspended: rng.random_bool(0.01),
                    verified: rng.random_bool(0.6),
                    certifications: held,
                    responsiveness: rng.random_bool(0.5).then(|| rng.random_range(0.0..1.0)),
                },
            )
            .unwrap();
        for _ in 0..rng.random_range(1..=3) {
            made += 1;
            let k = rng.random_range(3..12);
            index
                .upsert_capability(
                    Uuid::from_u128((1 << 64) + made as u128),
                    id,
                    &CapabilityProfile {
                        category: categories.choose(&mut rng).unwrap().clone(),
                        published: true,
                        annual_capacity: Some(rng.random_range(1_000..2_000_000)),
                        unit: Some("件".into()),
                        served_regions: Vec::new(),
                        terms: words(&mut rng, k),
                    },
                )
                .unwrap();
        }
    }
    index.end_bulk();
    let bytes = resident_bytes() - before;
    let needs = (0..1_000)
        .map(|_| NeedProfile {
            category: categories.choose(&mut rng).unwrap().clone(),
            delivery_region: districts.choose(&mut rng).unwrap().clone(),
            open: true,
            annual_volume: Some(rng.random_range(1_000..500_000)),
            unit: Some("件".into()),
            required_certifications: if rng.random_bool(0.3) {
                vec![certs.choose(&mut rng).unwrap().clone()]
            } else {
                Vec::new()
            },
            terms: words(&mut rng, 8),
        })
        .collect();
    World {
        index,
        needs,
        bytes,
    }
}

fn percentiles(world: &World, today: NaiveDate, brute: bool) -> (f64, f64) {
    let mut times: Vec<f64> = world
        .needs
        .iter()
        .map(|need| {
            let started = Instant::now();
            let found = if brute {
                world.index.brute_force(need, today, 20)
            } else {
                world.index.top_k(need, today, 20)
            };
            black_box(found.unwrap());
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

#[derive(Clone, Copy)]
#[repr(C)]
struct FlatRecord {
    weights: [f32; 14],
    id: u64,
}

fn flat_top20(records: &[FlatRecord], bias: f32) -> Vec<(f32, u64)> {
    let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<(u32, u64)>> =
        std::collections::BinaryHeap::with_capacity(21);
    for r in records {
        let score = r.weights[0] * 0.25 + r.weights[3] * 0.2 + r.weights[7] * 0.15 + bias;
        let key = score.to_bits();
        if heap.len() < 20 {
            heap.push(std::cmp::Reverse((key, r.id)));
        } else if heap.peek().is_some_and(|w| key > w.0.0) {
            heap.pop();
            heap.push(std::cmp::Reverse((key, r.id)));
        }
    }
    heap.into_iter()
        .map(|r| (f32::from_bits(r.0.0), r.0.1))
        .collect()
}

fn main() {
    let n: usize = std::env::var("BENCH_CAPABILITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let world = build(n);
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    println!(
        "built an index of {} capabilities in {:.1} s: {} bytes resident, {:.0} bytes per capability",
        world.index.len(),
        started.elapsed().as_secs_f64(),
        world.bytes,
        world.bytes as f64 / world.index.len() as f64
    );
    // Warm the per-region distance tables the way a running server has them.
    for need in &world.needs {
        world.index.top_k(need, today, 20).unwrap();
    }
    let (p50, p99) = percentiles(&world, today, false);
    if std::env::var("BENCH_SLOWEST").is_ok() {
        let mut timed: Vec<(f64, &NeedProfile)> = world
            .needs
            .iter()
            .map(|n| {
                let t = Instant::now();
                black_box(world.index.top_k(n, today, 20).unwrap());
                (t.elapsed().as_secs_f64() * 1e3, n)
            })
            .collect();
        timed.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (ms, n) in &timed[..15] {
            let top = world.index.top_k(n, today, 20).unwrap();
            println!(
                "  {ms:.3} ms {} {} certs {:?} kth {:.3}",
                n.category,
                n.delivery_region,
                n.required_certifications,
                top.last().map_or(0.0, |r| r.scored.score)
            );
        }
    }
    println!("index top-20 over 1,000 needs: p50 {p50:.3} ms, p99 {p99:.3} ms");
    let world_len = world.index.len();
    let sample = World {
        needs: world.needs[..100].to_vec(),
        ..world
    };
    let (b50, b99) = percentiles(&sample, today, true);
    println!("brute-force top-20 over 100 needs: p50 {b50:.3} ms, p99 {b99:.3} ms");

    // The machine's own ceiling for comparison: a flat scan of 1,000,000 64-byte records with a
    // top-20 selection, as the issue states it (no pruning, no exact scoring).
    let flat: Vec<FlatRecord> = (0..world_len)
        .map(|i| FlatRecord {
            weights: [(i % 97) as f32 / 97.0; 14],
            id: i as u64,
        })
        .collect();
    let started = Instant::now();
    for round in 0..20 {
        black_box(flat_top20(&flat, round as f32 / 20.0));
    }
    println!(
        "flat scan of {} 64-byte records with top-20: {:.3} ms per scan",
        flat.len(),
        started.elapsed().as_secs_f64() * 1e3 / 20.0
    );

    let mut c = Criterion::default().configure_from_args().sample_size(20);
    let mut i = 0;
    c.bench_function("index top-20", |b| {
        b.iter(|| {
            i = (i + 1) % sample.needs.len();
            black_box(sample.index.top_k(&sample.needs[i], today, 20).unwrap())
        });
    });
    c.bench_function("brute-force top-20", |b| {
        b.iter(|| {
            i = (i + 1) % sample.needs.len();
            black_box(
                sample
                    .index
                    .brute_force(&sample.needs[i], today, 20)
                    .unwrap(),
            )
        });
    });
    c.final_summary();
}
