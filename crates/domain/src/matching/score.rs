//! The matching rules: whether a capability may be proposed for a need at all, and if so how well
//! it fits, as a score in [0, 1] with the factors that made it. Pure arithmetic on facts.

use serde::Serialize;

use crate::category_code::CategoryRelation;

/// How much each factor counts. Any non-negative numbers; the score divides by their sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub category: f64,
    pub distance: f64,
    pub local: f64,
    pub capacity: f64,
    pub text: f64,
    pub verified: f64,
    pub responsiveness: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            category: 0.25,
            distance: 0.20,
            local: 0.10,
            capacity: 0.15,
            text: 0.15,
            verified: 0.10,
            responsiveness: 0.05,
        }
    }
}

impl Weights {
    fn total(&self) -> f64 {
        self.category
            + self.distance
            + self.local
            + self.capacity
            + self.text
            + self.verified
            + self.responsiveness
    }
}

/// The scoring configuration (`matcher.*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoringRules {
    pub weights: Weights,
    /// Distance at which proximity has fallen to 1/e (about 0.37).
    pub distance_scale_km: f64,
}

impl Default for ScoringRules {
    fn default() -> Self {
        ScoringRules {
            weights: Weights::default(),
            distance_scale_km: 300.0,
        }
    }
}

/// What is wrong with a set of rules, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RulesError(pub String);

impl ScoringRules {
    /// Refuses weights that are negative, not numbers, or all zero, and a non-positive scale.
    ///
    /// # Errors
    /// Names the first bad setting.
    pub fn check(&self) -> Result<(), RulesError> {
        let w = &self.weights;
        for (name, value) in [
            ("category", w.category),
            ("distance", w.distance),
            ("local", w.local),
            ("capacity", w.capacity),
            ("text", w.text),
            ("verified", w.verified),
            ("responsiveness", w.responsiveness),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(RulesError(format!(
                    "matcher.weights.{name} must be a number of at least 0"
                )));
            }
        }
        if w.total() <= 0.0 {
            return Err(RulesError(
                "matcher.weights must not all be 0: at least one factor has to count".into(),
            ));
        }
        if !self.distance_scale_km.is_finite() || self.distance_scale_km <= 0.0 {
            return Err(RulesError(
                "matcher.distance_scale_km must be more than 0".into(),
            ));
        }
        Ok(())
    }
}

/// Why a capability is never proposed for a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    NeedNotOpen,
    NotPublished,
    SupplierSuspended,
    CategoryUnrelated,
    RegionNotServed,
    CertificationMissing,
    CertificationExpired,
}

/// A required certification as the supplier holds it on the day of matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    Valid,
    Expired,
    Missing,
}

/// Everything the rules look at for one need and one capability, already worked out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFacts {
    pub need_open: bool,
    pub published: bool,
    pub supplier_suspended: bool,
    pub relation: CategoryRelation,
    /// False only when the capability lists served regions and none covers the delivery region.
    pub serves_delivery: bool,
    /// The worst holding among the need's required certifications (`Valid` when none are required).
    pub certifications: Holding,
    pub distance_km: f64,
    pub local: bool,
    /// Capacity against volume, when both are given in the same unit.
    pub capacity_ratio: Option<f64>,
    /// Share of the need's terms found in the capability, 0 to 1.
    pub text_overlap: f64,
    pub verified: bool,
    /// Share of its approved matches the supplier answered; none yet: `None`.
    pub responsiveness: Option<f64>,
}

/// Each factor on its own scale, 0 to 1, with the distance that gave `proximity`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Factors {
    pub category: f64,
    pub distance_km: f64,
    pub proximity: f64,
    pub local: bool,
    pub capacity: f64,
    pub text: f64,
    pub verified: bool,
    pub responsiveness: f64,
}

/// A capability that may be proposed, and how well it fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scored {
    pub score: f64,
    pub factors: Factors,
}

/// Closeness of categories: exact beats more specific, which beats broader; each level away costs.
#[must_use]
pub fn category_factor(relation: CategoryRelation) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // levels are at most 5
    match relation {
        CategoryRelation::Same => Some(1.0),
        CategoryRelation::Narrower { levels } => Some((0.9 - 0.1 * levels as f64).max(0.6)),
        CategoryRelation::Broader { levels } => Some((0.6 - 0.1 * levels as f64).max(0.3)),
        CategoryRelation::Unrelated => None,
    }
}

/// Where we know nothing (no volume, no history), a factor sits halfway rather than punishing.
const UNKNOWN: f64 = 0.5;

/// Decides one pair.
///
/// # Errors
/// The first hard rule the pair breaks.
pub fn assess(facts: &PairFacts, rules: &ScoringRules) -> Result<Scored, Exclusion> {
    if !facts.need_open {
        return Err(Exclusion::NeedNotOpen);
    }
    if !facts.published {
        return Err(Exclusion::NotPublished);
    }
    if facts.supplier_suspended {
        return Err(Exclusion::SupplierSuspended);
    }
    let category = category_factor(facts.relation).ok_or(Exclusion::CategoryUnrelated)?;
    if !facts.serves_delivery {
        return Err(Exclusion::RegionNotServed);
    }
    match facts.certifications {
        Holding::Valid => {}
        Holding::Expired => return Err(Exclusion::CertificationExpired),
        Holding::Missing => return Err(Exclusion::CertificationMissing),
    }
    let factors = Factors {
        category,
        distance_km: facts.distance_km,
        proximity: proximity(facts.distance_km, rules.distance_scale_km),
        local: facts.local,
        capacity: facts.capacity_ratio.map_or(UNKNOWN, |r| r.clamp(0.0, 1.0)),
        text: facts.text_overlap.clamp(0.0, 1.0),
        verified: facts.verified,
        responsiveness: facts.responsiveness.map_or(UNKNOWN, |r| r.clamp(0.0, 1.0)),
    };
    Ok(Scored {
        score: weighted(&factors, &rules.weights),
        factors,
    })
}

/// 1 on the spot, falling off exponentially with distance.
#[must_use]
pub fn proximity(distance_km: f64, scale_km: f64) -> f64 {
    (-distance_km.max(0.0) / scale_km).exp()
}

fn weighted(f: &Factors, w: &Weights) -> f64 {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let sum = w.category * f.category
        + w.distance * f.proximity
        + w.local * flag(f.local)
        + w.capacity * f.capacity
        + w.text * f.text
        + w.verified * flag(f.verified)
        + w.responsiveness * f.responsiveness;
    sum / w.total()
}

/// The highest score any capability could reach at this distance and category closeness: the
/// matcher stops looking further away once this falls below its k-th best.
#[must_use]
pub fn best_possible(category: f64, distance_km: f64, rules: &ScoringRules) -> f64 {
    let best = Factors {
        category,
        distance_km,
        proximity: proximity(distance_km, rules.distance_scale_km),
        local: true,
        capacity: 1.0,
        text: 1.0,
        verified: true,
        responsiveness: 1.0,
    };
    weighted(&best, &rules.weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit() -> PairFacts {
        PairFacts {
            need_open: true,
            published: true,
            supplier_suspended: false,
            relation: CategoryRelation::Same,
            serves_delivery: true,
            certifications: Holding::Valid,
            distance_km: 0.0,
            local: true,
            capacity_ratio: Some(2.0),
            text_overlap: 1.0,
            verified: true,
            responsiveness: Some(1.0),
        }
    }

    fn score(facts: PairFacts) -> f64 {
        assess(&facts, &ScoringRules::default()).unwrap().score
    }

    #[test]
    fn a_perfect_pair_scores_one() {
        assert!((score(fit()) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn each_hard_rule_excludes() {
        let rules = ScoringRules::default();
        let cases = [
            (
                PairFacts {
                    need_open: false,
                    ..fit()
                },
                Exclusion::NeedNotOpen,
            ),
            (
                PairFacts {
                    published: false,
                    ..fit()
                },
                Exclusion::NotPublished,
            ),
            (
                PairFacts {
                    supplier_suspended: true,
                    ..fit()
                },
                Exclusion::SupplierSuspended,
            ),
            (
                PairFacts {
                    relation: CategoryRelation::Unrelated,
                    ..fit()
                },
                Exclusion::CategoryUnrelated,
            ),
            (
                PairFacts {
                    serves_delivery: false,
                    ..fit()
                },
                Exclusion::RegionNotServed,
            ),
            (
                PairFacts {
                    certifications: Holding::Missing,
                    ..fit()
                },
                Exclusion::CertificationMissing,
            ),
            (
                PairFacts {
                    certifications: Holding::Expired,
                    ..fit()
                },
                Exclusion::CertificationExpired,
            ),
        ];
        for (facts, why) in cases {
            assert_eq!(assess(&facts, &rules), Err(why));
        }
    }

    #[test]
    fn exact_beats_narrower_beats_broader() {
        let exact = score(fit());
        let narrower = score(PairFacts {
            relation: CategoryRelation::Narrower { levels: 1 },
            ..fit()
        });
        let deeper = score(PairFacts {
            relation: CategoryRelation::Narrower { levels: 2 },
            ..fit()
        });
        let broader = score(PairFacts {
            relation: CategoryRelation::Broader { levels: 1 },
            ..fit()
        });
        assert!(exact > narrower && narrower > deeper && deeper > broader);
    }

    #[test]
    fn nearer_local_bigger_verified_responsive_and_relevant_all_count() {
        let base = score(fit());
        assert!(
            score(PairFacts {
                distance_km: 300.0,
                ..fit()
            }) < base
        );
        assert!(
            score(PairFacts {
                local: false,
                ..fit()
            }) < base
        );
        assert!(
            score(PairFacts {
                capacity_ratio: Some(0.5),
                ..fit()
            }) < base
        );
        assert!(
            score(PairFacts {
                text_overlap: 0.2,
                ..fit()
            }) < base
        );
        assert!(
            score(PairFacts {
                verified: false,
                ..fit()
            }) < base
        );
        assert!(
            score(PairFacts {
                responsiveness: Some(0.0),
                ..fit()
            }) < base
        );
    }

    #[test]
    fn unknowns_sit_halfway() {
        let f = assess(
            &PairFacts {
                capacity_ratio: None,
                responsiveness: None,
                ..fit()
            },
            &ScoringRules::default(),
        )
        .unwrap()
        .factors;
        assert!((f.capacity - 0.5).abs() < 1e-12 && (f.responsiveness - 0.5).abs() < 1e-12);
    }

    #[test]
    fn proximity_is_one_at_zero_and_1_over_e_at_the_scale() {
        assert!((proximity(0.0, 300.0) - 1.0).abs() < 1e-12);
        assert!((proximity(300.0, 300.0) - (-1.0f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn best_possible_bounds_every_score_at_that_distance() {
        let rules = ScoringRules::default();
        let facts = PairFacts {
            distance_km: 420.0,
            local: false,
            ..fit()
        };
        let s = assess(&facts, &rules).unwrap();
        assert!(best_possible(1.0, 420.0, &rules) >= s.score);
    }

    #[test]
    fn bad_rules_are_named() {
        let mut rules = ScoringRules::default();
        rules.weights.text = -1.0;
        assert!(rules.check().unwrap_err().0.contains("weights.text"));
        let zero = ScoringRules {
            weights: Weights {
                category: 0.0,
                distance: 0.0,
                local: 0.0,
                capacity: 0.0,
                text: 0.0,
                verified: 0.0,
                responsiveness: 0.0,
            },
            distance_scale_km: 1.0,
        };
        assert!(zero.check().is_err());
        assert!(
            ScoringRules {
                distance_scale_km: 0.0,
                ..ScoringRules::default()
            }
            .check()
            .is_err()
        );
    }
}
