//! The match lifecycle's rules: staff decide a proposal once, each approved side answers, mutual
//! interest reveals contacts, and an intention (合作意向) is recorded on it and confirmed by staff.
//! Pure: the services load the state, ask here, and write what the answer says.

use chrono::NaiveDate;

use crate::Invalid;
use crate::need::{Refusal, TargetPrice, parse_annual_volume, parse_date};

/// Where a match stands with the association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchStatus {
    /// Waiting in the moderation queue.
    Proposed,
    /// Staff approved: both sides see it and answer.
    Approved,
    /// Staff refused it, with a reason.
    Rejected,
    /// Fell out of the ranking (or the need closed) before anyone decided.
    Withdrawn,
}

impl MatchStatus {
    pub const ALL: [MatchStatus; 4] = [
        MatchStatus::Proposed,
        MatchStatus::Approved,
        MatchStatus::Rejected,
        MatchStatus::Withdrawn,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Proposed => "proposed",
            MatchStatus::Approved => "approved",
            MatchStatus::Rejected => "rejected",
            MatchStatus::Withdrawn => "withdrawn",
        }
    }

    #[must_use]
    pub fn parse(word: &str) -> Option<MatchStatus> {
        MatchStatus::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// Which party of a match someone speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Supplier,
    Oem,
}

impl Side {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Supplier => "supplier",
            Side::Oem => "oem",
        }
    }

    #[must_use]
    pub fn other(self) -> Side {
        match self {
            Side::Supplier => Side::Oem,
            Side::Oem => Side::Supplier,
        }
    }
}

/// Where an intention stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentionStatus {
    /// A party recorded it; staff have not looked yet.
    Recorded,
    /// Staff confirmed it: it counts in the local-supply figures.
    Confirmed,
    /// Staff dismissed it, with a reason; a party may record a new one.
    Dismissed,
}

impl IntentionStatus {
    pub const ALL: [IntentionStatus; 3] = [
        IntentionStatus::Recorded,
        IntentionStatus::Confirmed,
        IntentionStatus::Dismissed,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IntentionStatus::Recorded => "recorded",
            IntentionStatus::Confirmed => "confirmed",
            IntentionStatus::Dismissed => "dismissed",
        }
    }

    #[must_use]
    pub fn parse(word: &str) -> Option<IntentionStatus> {
        IntentionStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == word)
    }

    /// Staff confirm or dismiss a recorded intention, once.
    ///
    /// # Errors
    /// The intention was already decided.
    pub fn decide(self) -> Result<(), Invalid> {
        if self == IntentionStatus::Recorded {
            Ok(())
        } else {
            Err(INTENTION_DECIDED)
        }
    }
}

pub const ALREADY_DECIDED: Invalid = Invalid::new(
    "match.decided",
    "该匹配已由其他工作人员处理(已批准、已驳回或已撤回),无需重复操作。",
    "This match has already been decided (approved, rejected or withdrawn); it cannot be decided again.",
);
pub const NEED_NOT_OPEN: Invalid = Invalid::new(
    "need.not_open",
    "该需求已关闭或已过期,匹配记录保留,但不能再继续推进。",
    "The need is closed or expired: the match is kept, but it cannot move on.",
);
pub const NOT_APPROVED: Invalid = Invalid::new(
    "match.not_approved",
    "只有协会批准的匹配才能表态。",
    "Only a match the association approved can be answered.",
);
pub const ANSWER_FINAL: Invalid = Invalid::new(
    "match.answer_final",
    "双方均已表示感兴趣,联系方式已公开,表态不能再更改。",
    "Both sides said they are interested and contacts are revealed: the answer can no longer change.",
);
pub const NOT_MUTUAL: Invalid = Invalid::new(
    "match.not_mutual",
    "双方都表示感兴趣后才能登记合作意向。",
    "An intention can be recorded only once both sides are interested.",
);
pub const INTENTION_EXISTS: Invalid = Invalid::new(
    "intention.exists",
    "该匹配已登记合作意向。",
    "An intention is already recorded for this match.",
);
pub const INTENTION_DECIDED: Invalid = Invalid::new(
    "intention.decided",
    "该合作意向已被确认或驳回。",
    "This intention has already been confirmed or dismissed.",
);
pub const NO_INTENTION: Invalid = Invalid::new(
    "intention.missing",
    "该匹配还没有登记合作意向。",
    "No intention is recorded for this match.",
);
/// What the lifecycle needs to know about one match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchState {
    pub status: MatchStatus,
    pub supplier_interest: Option<bool>,
    pub oem_interest: Option<bool>,
    pub contact_revealed: bool,
    pub need_open: bool,
    pub intention: Option<IntentionStatus>,
}

/// What an answer changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answered {
    /// The stored answer differs from before.
    pub changed: bool,
    /// Both sides are interested now, and were not before: contacts are revealed.
    pub reveals_contacts: bool,
}

impl MatchState {
    /// The side's answer as stored.
    #[must_use]
    pub fn interest(&self, side: Side) -> Option<bool> {
        match side {
            Side::Supplier => self.supplier_interest,
            Side::Oem => self.oem_interest,
        }
    }

    /// Staff approve or reject a proposal: once, while its need is open.
    ///
    /// # Errors
    /// Already decided or withdrawn; the need is no longer open.
    pub fn decide(&self) -> Result<(), Invalid> {
        if self.status != MatchStatus::Proposed {
            return Err(ALREADY_DECIDED);
        }
        if !self.need_open {
            return Err(NEED_NOT_OPEN);
        }
        Ok(())
    }

    /// One side says it is interested or not. Either side may change its mind until both are
    /// interested; from then on contacts are out and the answer stands (saying it again is fine).
    ///
    /// # Errors
    /// Not approved; the need is not open; a change after contacts were revealed.
    pub fn answer(&self, side: Side, interested: bool) -> Result<Answered, Invalid> {
        if self.status != MatchStatus::Approved {
            return Err(NOT_APPROVED);
        }
        let before = self.interest(side);
        if self.contact_revealed {
            return if interested {
                Ok(Answered {
                    changed: false,
                    reveals_contacts: false,
                })
            } else {
                Err(ANSWER_FINAL)
            };
        }
        if !self.need_open {
            return Err(NEED_NOT_OPEN);
        }
        let other = self.interest(side.other());
        Ok(Answered {
            changed: before != Some(interested),
            reveals_contacts: interested && other == Some(true),
        })
    }

    /// Either party records an intention on a match whose contacts are revealed; one at a time
    /// (after a dismissal a new one may be recorded).
    ///
    /// # Errors
    /// Contacts not revealed; an intention recorded or confirmed already.
    pub fn record_intention(&self) -> Result<(), Invalid> {
        if self.status != MatchStatus::Approved || !self.contact_revealed {
            return Err(NOT_MUTUAL);
        }
        match self.intention {
            None | Some(IntentionStatus::Dismissed) => Ok(()),
            Some(_) => Err(INTENTION_EXISTS),
        }
    }
}

// --- fields ---------------------------------------------------------------------------------

/// Longest free text on a quote, a decline, a decision or an intention.
pub const NOTE_MAX: usize = 2_000;
/// Longest reason for a rejection, a dismissal or a flag.
pub const REASON_MAX: usize = 1_000;
/// Longest lead time a quote may promise, in days.
pub const LEAD_TIME_MAX_DAYS: i32 = 3_650;

/// Currencies a quote may be in (ISO 4217).
pub const CURRENCIES: [&str; 7] = ["CNY", "USD", "EUR", "JPY", "HKD", "KRW", "GBP"];

/// A quote as typed: every value as text, absent when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteForm {
    pub unit_price: Option<String>,
    pub currency: Option<String>,
    pub lead_time_days: Option<String>,
    pub valid_until: Option<String>,
    pub note: Option<String>,
}

/// A quote once every field was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteFields {
    pub unit_price: TargetPrice,
    pub currency: &'static str,
    pub lead_time_days: Option<i32>,
    pub valid_until: Option<NaiveDate>,
    pub note: Option<String>,
}

/// An intention as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntentionForm {
    pub annual_volume: Option<String>,
    pub unit: Option<String>,
    pub expected_start: Option<String>,
    pub note: Option<String>,
}

/// An intention once every field was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentionFields {
    pub annual_volume: Option<i64>,
    pub unit: Option<String>,
    pub expected_start: Option<NaiveDate>,
    pub note: Option<String>,
}

fn given(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Free text of at most `max` characters; blank is none.
///
/// # Errors
/// Longer than `max`.
pub fn optional_text(value: Option<&String>, max: usize) -> Result<Option<String>, Invalid> {
    match given(value) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(Invalid::new(
            "text.too_long",
            "内容过长。",
            "The text is too long.",
        )),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// A reason staff (or a declining party) give: 1 to [`REASON_MAX`] characters when required.
///
/// # Errors
/// Missing when required, or too long.
pub fn reason(value: Option<&String>, required: bool) -> Result<Option<String>, Invalid> {
    const MISSING: Invalid = Invalid::new("reason.required", "请填写原因。", "Give a reason.");
    const TOO_LONG: Invalid = Invalid::new(
        "reason.too_long",
        "原因最多 1000 个字符。",
        "The reason may have at most 1000 characters.",
    );
    match given(value) {
        None if required => Err(MISSING),
        None => Ok(None),
        Some(v) if v.chars().count() > REASON_MAX => Err(TOO_LONG),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

fn unit_price(input: &str) -> Result<TargetPrice, Invalid> {
    const FORMAT: Invalid = Invalid::new(
        "unit_price.format",
        "单价应为大于 0 的数字,最多两位小数,例如 86.50。",
        "unit_price must be a number above 0 with at most two decimals, such as 86.50.",
    );
    const TOO_LARGE: Invalid = Invalid::new(
        "unit_price.too_large",
        "单价不能超过 1 万亿。",
        "unit_price cannot exceed 10^12.",
    );
    match TargetPrice::parse(input) {
        Ok(p) if p.as_str().bytes().all(|b| b == b'0' || b == b'.') => Err(FORMAT),
        Ok(p) => Ok(p),
        Err(e) if e.code == "target_price.too_large" => Err(TOO_LARGE),
        Err(_) => Err(FORMAT),
    }
}

fn currency(input: Option<&str>) -> Result<&'static str, Invalid> {
    const UNKNOWN: Invalid = Invalid::new(
        "currency.unknown",
        "币种应为 CNY、USD、EUR、JPY、HKD、KRW 或 GBP。",
        "currency must be CNY, USD, EUR, JPY, HKD, KRW or GBP.",
    );
    let Some(code) = input else {
        return Ok("CNY");
    };
    let upper = code.to_ascii_uppercase();
    CURRENCIES.into_iter().find(|c| *c == upper).ok_or(UNKNOWN)
}

fn lead_time(input: &str) -> Result<i32, Invalid> {
    const BAD: Invalid = Invalid::new(
        "lead_time_days.range",
        "交货周期应为 0 到 3650 之间的整天数。",
        "lead_time_days must be a whole number of days from 0 to 3650.",
    );
    input
        .parse::<i32>()
        .ok()
        .filter(|d| (0..=LEAD_TIME_MAX_DAYS).contains(d))
        .ok_or(BAD)
}

const NOTE_TOO_LONG: Invalid = Invalid::new(
    "note.too_long",
    "备注最多 2000 个字符。",
    "note may have at most 2000 characters.",
);

fn note(value: Option<&String>) -> Result<Option<String>, Invalid> {
    optional_text(value, NOTE_MAX).map_err(|_| NOTE_TOO_LONG)
}

struct Collector(Vec<Refusal>);

impl Collector {
    fn check<T>(&mut self, field: &'static str, result: Result<T, Invalid>) -> Option<T> {
        result
            .map_err(|invalid| self.0.push(Refusal { field, invalid }))
            .ok()
    }
}

/// Reads a quote; `today` is China's calendar day (a quote valid until yesterday is no quote).
///
/// # Errors
/// Every refused field.
pub fn parse_quote(form: &QuoteForm, today: NaiveDate) -> Result<QuoteFields, Vec<Refusal>> {
    const PRICE_REQUIRED: Invalid = Invalid::new(
        "unit_price.required",
        "请填写单价。",
        "unit_price is required.",
    );
    const EXPIRED: Invalid = Invalid::new(
        "valid_until.past",
        "报价有效期不能早于今天。",
        "valid_until cannot be in the past.",
    );
    let mut c = Collector(Vec::new());
    let price = c.check(
        "unit_price",
        given(form.unit_price.as_ref()).map_or(Err(PRICE_REQUIRED), unit_price),
    );
    let currency = c.check("currency", currency(given(form.currency.as_ref())));
    let lead_time_days = c.check(
        "lead_time_days",
        given(form.lead_time_days.as_ref())
            .map(lead_time)
            .transpose(),
    );
    let valid_until = c.check(
        "valid_until",
        given(form.valid_until.as_ref())
            .map(|d| parse_date(d).and_then(|d| if d < today { Err(EXPIRED) } else { Ok(d) }))
            .transpose(),
    );
    let note = c.check("note", note(form.note.as_ref()));
    match (price, currency, lead_time_days, valid_until, note) {
        (Some(unit_price), Some(currency), Some(lead_time_days), Some(valid_until), Some(note))
            if c.0.is_empty() =>
        {
            Ok(QuoteFields {
                unit_price,
                currency,
                lead_time_days,
                valid_until,
                note,
            })
        }
        _ => Err(c.0),
    }
}

/// Reads an intention; the expected start may lie at most 20 years either side of `today`.
///
/// # Errors
/// Every refused field.
pub fn parse_intention(
    form: &IntentionForm,
    today: NaiveDate,
) -> Result<IntentionFields, Vec<Refusal>> {
    const START_RANGE: Invalid = Invalid::new(
        "expected_start.range",
        "预计开始日期应在今天前后 20 年之内。",
        "expected_start must lie within 20 years of today.",
    );
    const UNIT_TOO_LONG: Invalid = Invalid::new(
        "unit.too_long",
        "单位最多 20 个字符。",
        "unit may have at most 20 characters.",
    );
    let mut c = Collector(Vec::new());
    let annual_volume = c.check(
        "annual_volume",
        given(form.annual_volume.as_ref())
            .map(parse_annual_volume)
            .transpose(),
    );
    let unit = c.check(
        "unit",
        optional_text(form.unit.as_ref(), crate::need::UNIT_MAX).map_err(|_| UNIT_TOO_LONG),
    );
    let horizon = chrono::Days::new(20 * 366);
    let expected_start = c.check(
        "expected_start",
        given(form.expected_start.as_ref())
            .map(|d| {
                parse_date(d).and_then(|d| {
                    let early = today.checked_sub_days(horizon).unwrap_or(NaiveDate::MIN);
                    let late = today.checked_add_days(horizon).unwrap_or(NaiveDate::MAX);
                    if (early..=late).contains(&d) {
                        Ok(d)
                    } else {
                        Err(START_RANGE)
                    }
                })
            })
            .transpose(),
    );
    let note = c.check("note", note(form.note.as_ref()));
    match (annual_volume, unit, expected_start, note) {
        (Some(annual_volume), Some(unit), Some(expected_start), Some(note)) if c.0.is_empty() => {
            Ok(IntentionFields {
                annual_volume,
                unit,
                expected_start,
                note,
            })
        }
        _ => Err(c.0),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn approved() -> MatchState {
        MatchState {
            status: MatchStatus::Approved,
            supplier_interest: None,
            oem_interest: None,
            contact_revealed: false,
            need_open: true,
            intention: None,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn only_a_proposal_on_an_open_need_is_decided() {
        let proposed = MatchState {
            status: MatchStatus::Proposed,
            ..approved()
        };
        assert_eq!(proposed.decide(), Ok(()));
        for status in [
            MatchStatus::Approved,
            MatchStatus::Rejected,
            MatchStatus::Withdrawn,
        ] {
            let m = MatchState {
                status,
                ..approved()
            };
            assert_eq!(m.decide(), Err(ALREADY_DECIDED), "{status:?}");
        }
        let closed = MatchState {
            need_open: false,
            ..proposed
        };
        assert_eq!(closed.decide(), Err(NEED_NOT_OPEN));
    }

    #[test]
    fn the_second_interested_side_reveals_contacts() {
        let m = approved();
        let first = m.answer(Side::Supplier, true).unwrap();
        assert!(first.changed && !first.reveals_contacts);
        let m = MatchState {
            supplier_interest: Some(true),
            ..m
        };
        let second = m.answer(Side::Oem, true).unwrap();
        assert!(second.changed && second.reveals_contacts);
        // Saying no never reveals anything.
        assert!(!m.answer(Side::Oem, false).unwrap().reveals_contacts);
    }

    #[test]
    fn after_the_reveal_answers_stand() {
        let m = MatchState {
            supplier_interest: Some(true),
            oem_interest: Some(true),
            contact_revealed: true,
            ..approved()
        };
        assert_eq!(m.answer(Side::Oem, false), Err(ANSWER_FINAL));
        let again = m.answer(Side::Supplier, true).unwrap();
        assert!(!again.changed && !again.reveals_contacts);
    }

    #[test]
    fn unapproved_matches_cannot_be_answered() {
        for status in [
            MatchStatus::Proposed,
            MatchStatus::Rejected,
            MatchStatus::Withdrawn,
        ] {
            let m = MatchState {
                status,
                ..approved()
            };
            assert_eq!(m.answer(Side::Supplier, true), Err(NOT_APPROVED));
            assert_eq!(m.record_intention(), Err(NOT_MUTUAL));
        }
        let closed = MatchState {
            need_open: false,
            ..approved()
        };
        assert_eq!(closed.answer(Side::Oem, true), Err(NEED_NOT_OPEN));
    }

    #[test]
    fn one_intention_at_a_time() {
        let mutual = MatchState {
            supplier_interest: Some(true),
            oem_interest: Some(true),
            contact_revealed: true,
            ..approved()
        };
        assert_eq!(mutual.record_intention(), Ok(()));
        for (held, ok) in [
            (IntentionStatus::Recorded, false),
            (IntentionStatus::Confirmed, false),
            (IntentionStatus::Dismissed, true),
        ] {
            let m = MatchState {
                intention: Some(held),
                ..mutual
            };
            assert_eq!(m.record_intention().is_ok(), ok, "{held:?}");
        }
        assert_eq!(approved().record_intention(), Err(NOT_MUTUAL));
        assert_eq!(IntentionStatus::Recorded.decide(), Ok(()));
        assert_eq!(IntentionStatus::Confirmed.decide(), Err(INTENTION_DECIDED));
        assert_eq!(IntentionStatus::Dismissed.decide(), Err(INTENTION_DECIDED));
    }

    #[test]
    fn quotes_are_read_field_by_field() {
        let today = day("2026-11-29");
        let ok = parse_quote(
            &QuoteForm {
                unit_price: Some("86.50".into()),
                currency: Some("usd".into()),
                lead_time_days: Some("45".into()),
                valid_until: Some("2027-01-31".into()),
                note: Some(" 含税含运 ".into()),
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.unit_price.as_str(), "86.50");
        assert_eq!(ok.currency, "USD");
        assert_eq!(ok.lead_time_days, Some(45));
        assert_eq!(ok.note.as_deref(), Some("含税含运"));
        let defaults = parse_quote(
            &QuoteForm {
                unit_price: Some("12".into()),
                ..QuoteForm::default()
            },
            today,
        )
        .unwrap();
        assert_eq!(defaults.currency, "CNY");

        let bad = parse_quote(
            &QuoteForm {
                unit_price: Some("0".into()),
                currency: Some("BTC".into()),
                lead_time_days: Some("-1".into()),
                valid_until: Some("2026-11-28".into()),
                note: Some("长".repeat(NOTE_MAX + 1)),
            },
            today,
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|r| r.field).collect();
        assert_eq!(
            fields,
            [
                "unit_price",
                "currency",
                "lead_time_days",
                "valid_until",
                "note"
            ]
        );
        let missing = parse_quote(&QuoteForm::default(), today).unwrap_err();
        assert_eq!(missing[0].invalid.code, "unit_price.required");
    }

    #[test]
    fn intentions_are_read_field_by_field() {
        let today = day("2026-11-29");
        let ok = parse_intention(
            &IntentionForm {
                annual_volume: Some("50000".into()),
                unit: Some("套".into()),
                expected_start: Some("2027-03-01".into()),
                note: None,
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.annual_volume, Some(50_000));
        assert_eq!(ok.expected_start, Some(day("2027-03-01")));
        assert!(parse_intention(&IntentionForm::default(), today).is_ok());
        let bad = parse_intention(
            &IntentionForm {
                annual_volume: Some("-5".into()),
                unit: Some("x".repeat(21)),
                expected_start: Some("2090-01-01".into()),
                note: None,
            },
            today,
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|r| r.field).collect();
        assert_eq!(fields, ["annual_volume", "unit", "expected_start"]);
    }

    #[test]
    fn reasons_are_required_where_asked() {
        assert_eq!(reason(None, true).unwrap_err().code, "reason.required");
        assert_eq!(
            reason(Some(&"  ".into()), true).unwrap_err().code,
            "reason.required"
        );
        assert_eq!(reason(None, false), Ok(None));
        assert_eq!(
            reason(Some(&"x".repeat(REASON_MAX + 1)), false)
                .unwrap_err()
                .code,
            "reason.too_long"
        );
    }

    fn any_state() -> impl Strategy<Value = MatchState> {
        (
            0..4usize,
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            any::<bool>(),
            proptest::option::of(0..3usize),
        )
            .prop_map(|(s, sup, oem, open, intention)| {
                let revealed = sup == Some(true) && oem == Some(true);
                MatchState {
                    status: MatchStatus::ALL[s],
                    supplier_interest: sup,
                    oem_interest: oem,
                    contact_revealed: revealed,
                    need_open: open,
                    intention: if revealed {
                        intention.map(|i| IntentionStatus::ALL[i])
                    } else {
                        None
                    },
                }
            })
    }

    proptest! {
        /// Contacts are revealed only when the answer makes both sides interested.
        #[test]
        fn a_reveal_needs_both_yes(state in any_state(), supplier in any::<bool>(), interested in any::<bool>()) {
            let side = if supplier { Side::Supplier } else { Side::Oem };
            if let Ok(answer) = state.answer(side, interested) {
                let both = interested && state.interest(side.other()) == Some(true);
                prop_assert_eq!(answer.reveals_contacts, both && !state.contact_revealed);
                prop_assert_eq!(state.status, MatchStatus::Approved);
            }
        }

        /// An intention is never recorded on a match without revealed contacts.
        #[test]
        fn intentions_need_mutual_interest(state in any_state()) {
            if state.record_intention().is_ok() {
                prop_assert!(state.contact_revealed);
                prop_assert_eq!(state.supplier_interest, Some(true));
                prop_assert_eq!(state.oem_interest, Some(true));
            }
        }
    }
}
