//! The association's figures in the browser: the local supply dashboard of a zone (rates, a chart
//! by month and by category, the tables with CSV downloads) and the category × zone gap map.
//! Charts are SVG drawn here, with the numbers beside them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::Locale;
use peitao_domain::analytics::{Gap, Share};
use serde::Deserialize;

use super::figures_words::FiguresWords as W;
use super::{Visit, or_answer, render};
use crate::AppState;
use crate::service::analytics;
use crate::web::layout::Chrome;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/analytics", web::get().to(dashboard))
        .route("/staff/analytics.csv", web::get().to(dashboard_csv))
        .route("/staff/gaps", web::get().to(gap_map))
        .route("/staff/gaps.csv", web::get().to(gaps_csv));
}

/// One bar of a chart, in the chart's own units (a 0..100 scale).
pub struct Bar {
    pub label: String,
    pub value: String,
    /// Where it starts along the category axis, and its thickness.
    pub at: u32,
    pub length: u32,
}

/// A bar chart: bars and what it says, for the `<svg>` and its `<title>`.
pub struct Chart {
    pub title: &'static str,
    pub bars: Vec<Bar>,
    /// The drawing's height (vertical charts) or width (horizontal ones) in its own units.
    pub extent: u32,
}

const STEP: u32 = 36;

fn percent(s: Share) -> Option<u32> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0..=100
    s.value()
        .map(|v| (v * 100.0).round().clamp(0.0, 100.0) as u32)
}

fn chart(title: &'static str, rows: Vec<(String, Share)>, none: &str) -> Chart {
    let bars: Vec<Bar> = rows
        .into_iter()
        .zip(0u32..)
        .map(|((label, share), i)| Bar {
            label,
            value: percent(share).map_or_else(|| none.to_owned(), |p| format!("{p}%")),
            at: i * STEP,
            length: percent(share).unwrap_or(0),
        })
        .collect();
    let extent = u32::try_from(bars.len()).unwrap_or(0) * STEP;
    Chart {
        title,
        bars,
        extent: extent.max(STEP),
    }
}

/// One row of a figures table.
pub struct FigureRow {
    pub label: String,
    pub first: String,
    pub first_rate: String,
    pub second: String,
    pub second_rate: String,
}

fn of_total(w: &W, s: Share) -> String {
    w.of_total
        .replace("{of}", &s.of.to_string())
        .replace("{total}", &s.total.to_string())
}

fn rate_text(w: &W, s: Share) -> String {
    percent(s).map_or_else(|| w.no_data.to_owned(), |p| format!("{p}%"))
}

#[derive(Template)]
#[template(path = "figures/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    w: &'static W,
    zones: Vec<(String, String, bool)>,
    zone: String,
    zone_name: String,
    confirmed: String,
    confirmed_of: String,
    potential: String,
    potential_of: String,
    months: Chart,
    categories: Chart,
    by_month: Vec<FigureRow>,
    by_category: Vec<FigureRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ZoneQuery {
    zone: Option<String>,
    /// With the CSV download: `months` for the monthly table.
    table: Option<String>,
}

/// GET /staff/analytics.csv?zone=&table= — the dashboard's tables, for the browser's session.
pub async fn dashboard_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ZoneQuery>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let answer = match analytics::local_supply(&state, &me.auth, query.zone.as_deref()).await {
        Ok(z) => {
            crate::api::analytics::local_supply_csv(&state.reference, &z, query.table.as_deref())
        }
        Err(err) => Err(err),
    };
    answer.unwrap_or_else(|err| visit.error(&err))
}

/// GET /staff/gaps.csv?zone= — a zone's gap list, for the browser's session.
pub async fn gaps_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ZoneQuery>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let answer = match analytics::gaps(&state, &me.auth, query.zone.as_deref()).await {
        Ok(z) => crate::api::analytics::gaps_csv(&state.reference, &z),
        Err(err) => Err(err),
    };
    answer.unwrap_or_else(|err| visit.error(&err))
}

fn category_name(state: &AppState, code: &str, locale: Locale) -> String {
    peitao_domain::CategoryCode::parse(code)
        .ok()
        .and_then(|c| state.reference.category(&c))
        .map_or_else(
            || code.to_owned(),
            |c| locale.pick(&c.name_zh, &c.name_en).to_owned(),
        )
}

/// GET /staff/analytics?zone=
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ZoneQuery>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let asked = query
        .zone
        .clone()
        .or_else(|| state.reference.zones.first().map(|z| z.code.clone()));
    let figures = match analytics::local_supply(&state, &me.auth, asked.as_deref()).await {
        Ok(f) => f,
        Err(err) => return visit.error(&err),
    };
    let s = &figures.supply;
    let locale = visit.locale;
    let page = DashboardPage {
        chrome: visit.chrome(),
        w,
        zones: state
            .reference
            .zones
            .iter()
            .map(|z| {
                (
                    z.code.clone(),
                    locale.pick(&z.name_zh, &z.name_en).to_owned(),
                    z.code == figures.zone.code,
                )
            })
            .collect(),
        zone: figures.zone.code.clone(),
        zone_name: locale
            .pick(&figures.zone.name_zh, &figures.zone.name_en)
            .to_owned(),
        confirmed: rate_text(w, s.confirmed),
        confirmed_of: of_total(w, s.confirmed),
        potential: rate_text(w, s.potential),
        potential_of: of_total(w, s.potential),
        months: chart(
            w.chart_months,
            s.by_month
                .iter()
                .map(|m| (m.month.clone(), m.confirmed))
                .collect(),
            w.no_data,
        ),
        categories: chart(
            w.chart_categories,
            s.by_category
                .iter()
                .filter(|c| c.potential.total > 0)
                .map(|c| (category_name(&state, &c.category, locale), c.potential))
                .collect(),
            w.no_data,
        ),
        by_month: s
            .by_month
            .iter()
            .map(|m| FigureRow {
                label: m.month.clone(),
                first: of_total(w, m.confirmed),
                first_rate: rate_text(w, m.confirmed),
                second: String::new(),
                second_rate: String::new(),
            })
            .collect(),
        by_category: s
            .by_category
            .iter()
            .map(|c| FigureRow {
                label: category_name(&state, &c.category, locale),
                first: of_total(w, c.confirmed),
                first_rate: rate_text(w, c.confirmed),
                second: of_total(w, c.potential),
                second_rate: rate_text(w, c.potential),
            })
            .collect(),
    };
    render(StatusCode::OK, visit.locale, &page)
}

/// One cell of the gap map.
pub struct Cell {
    pub text: String,
    /// `gap`, `tight`, `ok` or `none`.
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "figures/gaps.html")]
struct GapPage {
    chrome: Chrome,
    w: &'static W,
    zones: Vec<(String, String)>,
    rows: Vec<(String, String, Vec<Cell>)>,
}

fn cell(g: &Gap) -> Cell {
    let class = if g.is_gap() {
        "gap"
    } else if g.open_needs == 0 {
        "none"
    } else if g.open_needs > 2 * g.local_suppliers {
        "tight"
    } else {
        "ok"
    };
    Cell {
        text: format!("{} / {}", g.open_needs, g.local_suppliers),
        class,
    }
}

/// GET /staff/gaps — categories × zones.
pub async fn gap_map(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = W::for_locale(visit.locale);
    let map = match analytics::gap_map(&state, &me.auth).await {
        Ok(m) => m,
        Err(err) => return visit.error(&err),
    };
    let locale = visit.locale;
    // Rows follow the reference order of categories; each zone's list is ranked, so look up.
    let rows = state
        .reference
        .categories
        .iter()
        .map(|c| {
            let code = c.code.as_str();
            let cells = map
                .iter()
                .map(|z| {
                    z.gaps.iter().find(|g| g.category == code).map_or(
                        Cell {
                            text: "0 / 0".to_owned(),
                            class: "none",
                        },
                        cell,
                    )
                })
                .collect();
            (
                code.to_owned(),
                locale.pick(&c.name_zh, &c.name_en).to_owned(),
                cells,
            )
        })
        .collect();
    let page = GapPage {
        chrome: visit.chrome(),
        w,
        zones: map
            .iter()
            .map(|z| {
                (
                    z.zone.code.clone(),
                    locale.pick(&z.zone.name_zh, &z.zone.name_en).to_owned(),
                )
            })
            .collect(),
        rows,
    };
    render(StatusCode::OK, visit.locale, &page)
}
