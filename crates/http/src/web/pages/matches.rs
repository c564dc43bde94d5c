//! The ranked matches of a need (its OEM and staff) and of a capability (its supplier and staff),
//! each with the "why": a bar per factor, the distance and a local badge.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::{Locale, RegionCode};
use uuid::Uuid;

use super::words::MatchWords;
use super::{Visit, or_answer, render};
use crate::AppState;
use crate::service::matches;
use crate::web::layout::Chrome;

/// One factor's bar.
pub struct Bar {
    pub label: &'static str,
    pub value: f64,
    pub percent: i64,
}

/// One match as a card.
pub struct MatchCard {
    pub rank: Option<i32>,
    pub score_percent: i64,
    pub status_label: &'static str,
    /// The other side: the supplier of a need's match, the automaker of a capability's.
    pub party: String,
    pub party_verified: bool,
    pub party_region: String,
    /// What is matched on the other side: the capability's or the need's title.
    pub posting: String,
    pub distance_km: String,
    pub local: bool,
    pub bars: Vec<Bar>,
    /// The automaker's responsiveness, on a supplier's list ("" where not shown).
    pub party_responsiveness: String,
}

#[derive(Template)]
#[template(path = "matches/list.html")]
struct MatchesPage {
    chrome: Chrome,
    w: &'static MatchWords,
    heading: String,
    staff: bool,
    cards: Vec<MatchCard>,
}

fn percent(x: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)] // 0..=100
    {
        (x * 100.0).round().clamp(0.0, 100.0) as i64
    }
}

fn bars(w: &'static MatchWords, e: &serde_json::Value) -> Vec<Bar> {
    let number = |key: &str| {
        e.get(key)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0)
    };
    let flag = |key: &str| {
        if e.get(key).and_then(serde_json::Value::as_bool) == Some(true) {
            1.0
        } else {
            0.0
        }
    };
    [
        (w.category, number("category")),
        (w.proximity, number("region")),
        (w.capacity, number("capacity")),
        (w.text, number("text")),
        (w.verified, flag("verified")),
        (w.responsiveness, number("responsiveness")),
    ]
    .into_iter()
    .map(|(label, value)| Bar {
        label,
        value,
        percent: percent(value),
    })
    .collect()
}

fn region_name(state: &AppState, code: &str) -> String {
    RegionCode::parse(code)
        .ok()
        .and_then(|c| state.reference.region(&c).map(|r| r.name.clone()))
        .unwrap_or_else(|| code.to_owned())
}

fn status_label(w: &'static MatchWords, status: &str) -> &'static str {
    match status {
        "approved" => w.approved,
        "rejected" => w.rejected,
        "withdrawn" => w.withdrawn,
        _ => w.proposed,
    }
}

/// What a card shows of one match, whichever side it is seen from.
struct Seen<'a> {
    rank: Option<i32>,
    score: f64,
    status: &'a str,
    party_name: &'a str,
    party_verified: bool,
    party_region: &'a str,
    posting: &'a str,
    explanation: &'a serde_json::Value,
}

fn card(state: &AppState, w: &'static MatchWords, m: &Seen<'_>, locale: Locale) -> MatchCard {
    let e = m.explanation;
    let km = e
        .get("distance_km")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    MatchCard {
        rank: m.rank,
        score_percent: percent(m.score),
        status_label: status_label(w, m.status),
        party: m.party_name.to_owned(),
        party_verified: m.party_verified,
        party_region: region_name(state, m.party_region),
        posting: m.posting.to_owned(),
        distance_km: match locale {
            Locale::ZhCn => format!("{km:.0} 公里"),
            Locale::En => format!("{km:.0} km"),
        },
        local: e.get("local").and_then(serde_json::Value::as_bool) == Some(true),
        bars: bars(w, e),
        party_responsiveness: String::new(),
    }
}

/// GET /needs/{id}/matches — the need's ranked suppliers.
pub async fn of_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = MatchWords::for_locale(visit.locale);
    let id = id.into_inner();
    let rows = match matches::of_need(&state, &me.auth, id, None).await {
        Ok(rows) => rows,
        Err(err) => return visit.error(&err),
    };
    let title = match crate::service::needs::get(&state, Some(&me.auth), id).await {
        Ok(need) => need.row.need.title,
        Err(err) => return visit.error(&err),
    };
    let cards = rows
        .iter()
        .map(|m| {
            let seen = Seen {
                rank: m.rank,
                score: m.score,
                status: &m.status,
                party_name: &m.organization.name,
                party_verified: m.organization.verified,
                party_region: &m.organization.region_code,
                posting: &m.capability.title,
                explanation: &m.explanation,
            };
            card(&state, w, &seen, visit.locale)
        })
        .collect();
    let page = MatchesPage {
        chrome: visit.chrome(),
        w,
        heading: format!("{}{}", w.need_heading, title),
        staff: me.auth.actor.role.is_staff(),
        cards,
    };
    render(StatusCode::OK, visit.locale, &page)
}

/// GET /capabilities/{id}/matches — the needs a capability was matched with.
pub async fn of_capability(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = MatchWords::for_locale(visit.locale);
    let id = id.into_inner();
    let rows = match matches::of_capability(&state, &me.auth, id, None).await {
        Ok(rows) => rows,
        Err(err) => return visit.error(&err),
    };
    let title = match crate::service::capabilities::get(&state, Some(&me.auth), id).await {
        Ok(listed) => listed.capability.title,
        Err(err) => return visit.error(&err),
    };
    let quality = match matches::oem_lead_quality(&state, &rows).await {
        Ok(q) => q,
        Err(err) => return visit.error(&err),
    };
    let cards = rows
        .iter()
        .map(|m| {
            let explanation: serde_json::Value =
                serde_json::from_str(&m.proposal.explanation).unwrap_or_default();
            let seen = Seen {
                rank: m.proposal.rank,
                score: m.proposal.score,
                status: &m.proposal.status,
                party_name: &m.oem.name,
                party_verified: m.oem.verified_at.is_some(),
                party_region: &m.oem.region_code,
                posting: &m.need.title,
                explanation: &explanation,
            };
            let mut c = card(&state, w, &seen, visit.locale);
            c.party_responsiveness = quality
                .get(&m.oem.id)
                .and_then(|q| q.responsiveness)
                .map_or_else(
                    || w.no_answers_yet.to_owned(),
                    |r| format!("{}%", percent(r)),
                );
            c
        })
        .collect();
    let page = MatchesPage {
        chrome: visit.chrome(),
        w,
        heading: format!("{}{}", w.capability_heading, title),
        staff: me.auth.actor.role.is_staff(),
        cards,
    };
    render(StatusCode::OK, visit.locale, &page)
}
