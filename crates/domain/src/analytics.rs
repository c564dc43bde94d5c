//! The association's figures (product.md, "Domain rules"): a zone's local supply rate — confirmed
//! (of the confirmed intentions on needs delivered into the zone, the share whose supplier sits in
//! the zone) and potential (of the zone's open needs, the share with a qualified supplier in the
//! zone) — by category and by month, and the chain gaps (缺什么、招什么). Pure: the service
//! gathers the rows.

use std::collections::BTreeMap;

/// A share: how many of how many. `None` as a value when there is nothing to divide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Share {
    pub of: u64,
    pub total: u64,
}

impl Share {
    #[must_use]
    pub fn value(self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // counts of needs and intentions
        (self.total > 0).then(|| self.of as f64 / self.total as f64)
    }

    fn add(&mut self, yes: bool) {
        self.add_many(yes, 1);
    }

    fn add_many(&mut self, yes: bool, n: u64) {
        self.total += n;
        if yes {
            self.of += n;
        }
    }
}

/// A confirmed intention on a need delivered into the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedIntention {
    /// The need's category code.
    pub category: String,
    /// Whether the supplier sits in the zone.
    pub local: bool,
    /// When staff confirmed it, `YYYY-MM` on China's calendar.
    pub month: String,
}

/// Open needs delivered into the zone that are alike for qualification (same category,
/// delivery region and required certifications): `needs` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNeed {
    pub category: String,
    /// Whether at least one supplier in the zone qualifies (the matcher would not exclude it).
    pub local_supply: bool,
    pub needs: u64,
}

/// One category's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryFigures {
    pub category: String,
    pub confirmed: Share,
    pub potential: Share,
}

/// One month's confirmed figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    pub month: String,
    pub confirmed: Share,
}

/// A zone's local supply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalSupply {
    pub confirmed: Share,
    pub potential: Share,
    /// Categories with a confirmed intention or an open need, by code.
    pub by_category: Vec<CategoryFigures>,
    /// Months with a confirmed intention, oldest first.
    pub by_month: Vec<MonthFigures>,
}

/// Each confirmed intention counts once (a need confirmed with two suppliers counts twice: it
/// bought from both); each open need counts once.
#[must_use]
pub fn local_supply(confirmed: &[ConfirmedIntention], open: &[OpenNeed]) -> LocalSupply {
    let mut out = LocalSupply::default();
    let mut categories: BTreeMap<&str, (Share, Share)> = BTreeMap::new();
    let mut months: BTreeMap<&str, Share> = BTreeMap::new();
    for c in confirmed {
        out.confirmed.add(c.local);
        categories.entry(&c.category).or_default().0.add(c.local);
        months.entry(&c.month).or_default().add(c.local);
    }
    for n in open {
        out.potential.add_many(n.local_supply, n.needs);
        categories
            .entry(&n.category)
            .or_default()
            .1
            .add_many(n.local_supply, n.needs);
    }
    out.by_category = categories
        .into_iter()
        .map(|(category, (confirmed, potential))| CategoryFigures {
            category: category.to_owned(),
            confirmed,
            potential,
        })
        .collect();
    out.by_month = months
        .into_iter()
        .map(|(month, confirmed)| MonthFigures {
            month: month.to_owned(),
            confirmed,
        })
        .collect();
    out
}

/// One category of a zone: the open needs delivered there and the qualified suppliers there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub category: String,
    pub open_needs: u64,
    pub local_suppliers: u64,
}

impl Gap {
    /// Demand and no local supply: what the zone should attract (招什么).
    #[must_use]
    pub fn is_gap(&self) -> bool {
        self.open_needs > 0 && self.local_suppliers == 0
    }
}

/// Gaps first (most open needs first), then the thinnest supply for the demand, then the
/// categories without demand; ties by category code.
#[must_use]
pub fn rank_gaps(mut rows: Vec<Gap>) -> Vec<Gap> {
    rows.sort_by(|a, b| {
        let class = |g: &Gap| match (g.is_gap(), g.open_needs > 0) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        // Needs per supplier, compared without division: a/b > c/d  ⇔  a·d > c·b.
        let pressure = |x: &Gap, y: &Gap| {
            (u128::from(y.open_needs) * u128::from(x.local_suppliers))
                .cmp(&(u128::from(x.open_needs) * u128::from(y.local_suppliers)))
        };
        class(a)
            .cmp(&class(b))
            .then_with(|| match class(a) {
                0 => b.open_needs.cmp(&a.open_needs),
                1 => pressure(a, b),
                _ => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.category.cmp(&b.category))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirmed(category: &str, local: bool, month: &str) -> ConfirmedIntention {
        ConfirmedIntention {
            category: category.into(),
            local,
            month: month.into(),
        }
    }

    #[test]
    fn two_confirmed_intentions_one_local_is_half() {
        let figures = local_supply(
            &[
                confirmed("EDRIVE.BATTERY.PACK", true, "2026-10"),
                confirmed("CHIP.MCU", false, "2026-11"),
            ],
            &[
                OpenNeed {
                    category: "CHIP.MCU".into(),
                    local_supply: false,
                    needs: 1,
                },
                OpenNeed {
                    category: "CHIP.MCU".into(),
                    local_supply: true,
                    needs: 1,
                },
                OpenNeed {
                    category: "BODY.SEAT".into(),
                    local_supply: true,
                    needs: 2,
                },
            ],
        );
        assert_eq!(figures.confirmed.value(), Some(0.5));
        assert_eq!(figures.potential, Share { of: 3, total: 4 });
        let chip = figures
            .by_category
            .iter()
            .find(|c| c.category == "CHIP.MCU")
            .unwrap();
        assert_eq!(chip.confirmed, Share { of: 0, total: 1 });
        assert_eq!(chip.potential.value(), Some(0.5));
        let months: Vec<(&str, Option<f64>)> = figures
            .by_month
            .iter()
            .map(|m| (m.month.as_str(), m.confirmed.value()))
            .collect();
        assert_eq!(months, [("2026-10", Some(1.0)), ("2026-11", Some(0.0))]);
    }

    #[test]
    fn nothing_to_count_is_no_rate_not_zero() {
        let figures = local_supply(&[], &[]);
        assert_eq!(figures.confirmed.value(), None);
        assert_eq!(figures.potential.value(), None);
        assert!(figures.by_category.is_empty());
    }

    #[test]
    fn gaps_come_first_then_the_thinnest_supply() {
        let gap = |category: &str, open_needs, local_suppliers| Gap {
            category: category.into(),
            open_needs,
            local_suppliers,
        };
        let ranked = rank_gaps(vec![
            gap("A", 0, 5),
            gap("B", 3, 3),
            gap("C", 2, 0),
            gap("D", 6, 1),
            gap("E", 5, 0),
            gap("F", 0, 0),
        ]);
        let order: Vec<&str> = ranked.iter().map(|g| g.category.as_str()).collect();
        assert_eq!(order, ["E", "C", "D", "B", "A", "F"]);
        assert!(ranked[0].is_gap() && !ranked[2].is_gap());
    }
}
