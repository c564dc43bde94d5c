//! A supplier's capabilities and an automaker's needs: the lists of one's own, the forms to post
//! and change them, archiving and closing. Every write goes through the API's service functions;
//! their refusals are shown under the fields they name, with what was typed kept.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_auth::policy::Action;
use peitao_domain::ids::OrganizationId;
use peitao_domain::user::Role;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::catalog::{self, Opt, Slot};
use super::catalog_words::PostingWords;
use super::form::Notice;
use super::{TokenOnly, Visit, or_answer, render, see_other};
use crate::AppState;
use crate::api::accounts::origin;
use crate::api::page::PageQuery;
use crate::error::{ApiError, FieldError};
use crate::service::{capabilities, needs, organizations};
use crate::web::layout::Chrome;
use crate::web::session::{CSRF_FIELD, WebUser};

/// A form as posted: `name=value` pairs, repeated names (checkboxes) included.
type Pairs = Vec<(String, String)>;

fn one(pairs: &Pairs, name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn all(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

/// Lines of a textarea, blank ones dropped.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A number field as the service reads it: absent when blank, a JSON number when it is one,
/// otherwise the text itself, which the service refuses with a message naming the field.
fn number(text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(n) => Some(Value::from(n)),
        Err(_) => Some(Value::String(t.to_owned())),
    }
}

fn text_or_none(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn own_organization(me: &WebUser) -> Option<Uuid> {
    me.auth.actor.organization_id.map(|o| o.0)
}

/// One of my postings in a list: title, status, facts and what can be done with it.
pub struct Row {
    pub id: Uuid,
    pub title: String,
    pub status: &'static str,
    pub meta: Vec<String>,
    pub editable: bool,
    /// Can be archived (a capability) or closed (a need).
    pub endable: bool,
}

#[derive(Template)]
#[template(path = "postings/mine.html")]
struct MinePage {
    chrome: Chrome,
    w: &'static PostingWords,
    title: &'static str,
    new_href: &'static str,
    new_label: &'static str,
    /// `capabilities` or `needs`: where the rows' links lead.
    base: &'static str,
    end_label: &'static str,
    /// `archive` or `close`.
    end_action: &'static str,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    rows: Vec<Row>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    saved: Option<String>,
    archived: Option<String>,
    closed: Option<String>,
}

fn flash_notices(w: &PostingWords, flash: &Flash) -> Vec<Notice> {
    let mut notices = Vec::new();
    if flash.saved.is_some() {
        notices.push(Notice::new("success", w.saved));
    }
    if flash.archived.is_some() {
        notices.push(Notice::new("success", w.archived_notice));
    }
    if flash.closed.is_some() {
        notices.push(Notice::new("success", w.closed_notice));
    }
    notices
}

/// A page saying this account cannot have such a list or form.
fn not_for_you(visit: &Visit<'_>, text: &'static str) -> HttpResponse {
    let c = visit.common();
    visit.message(
        StatusCode::FORBIDDEN,
        c.forbidden_heading,
        vec![text.to_owned()],
        vec![("/directory", visit.chrome().t.directory)],
    )
}

/// GET /my/capabilities — the supplier's capabilities: published, drafts, archived.
pub async fn my_capabilities(
    req: HttpRequest,
    state: web::Data<AppState>,
    flash: web::Query<Flash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = PostingWords::for_locale(visit.locale);
    let Some(org) = own_organization(&me).filter(|_| me.auth.actor.role == Role::Supplier) else {
        return not_for_you(&visit, w.only_suppliers);
    };
    let mut rows = Vec::new();
    for (status, label) in [
        ("published", w.published),
        ("draft", w.draft),
        ("archived", w.archived),
    ] {
        let query = capabilities::ListQuery {
            organization: Some(org.to_string()),
            status: Some(status.to_owned()),
            limit: Some("100".to_owned()),
            ..Default::default()
        };
        let page = match capabilities::list(&state, Some(&me.auth), &query).await {
            Ok(page) => page,
            Err(err) => return visit.error(&err),
        };
        rows.extend(page.items.into_iter().map(|l| Row {
            id: l.capability.id,
            meta: vec![catalog::category_name(
                &state,
                visit.locale,
                &l.capability.category_code,
            )],
            title: l.capability.title,
            status: label,
            editable: true,
            endable: status != "archived",
        }));
    }
    let page = MinePage {
        chrome: visit.chrome(),
        w,
        title: w.my_capabilities,
        new_href: "/capabilities/new",
        new_label: w.new_capability,
        base: "capabilities",
        end_label: w.archive,
        end_action: "archive",
        notices: flash_notices(w, &flash),
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        rows,
    };
    render(StatusCode::OK, visit.locale, &page)
}

/// GET /my/needs — the automaker's needs: open, closed, expired.
pub async fn my_needs(
    req: HttpRequest,
    state: web::Data<AppState>,
    flash: web::Query<Flash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = PostingWords::for_locale(visit.locale);
    let Some(org) = own_organization(&me).filter(|_| me.auth.actor.role == Role::Oem) else {
        return not_for_you(&visit, w.only_oems);
    };
    let mut rows = Vec::new();
    for (status, label) in [
        ("open", w.open),
        ("closed", w.closed),
        ("expired", w.expired),
    ] {
        let query = needs::NeedQuery {
            organization: Some(org.to_string()),
            status: Some(status.to_owned()),
            ..Default::default()
        };
        let paging = PageQuery {
            limit: Some("100".to_owned()),
            cursor: None,
        };
        let page = match needs::list(&state, Some(&me.auth), &query, paging).await {
            Ok(page) => page,
            Err(err) => return visit.error(&err),
        };
        rows.extend(page.items.into_iter().map(|v| {
            let n = v.row.need;
            let mut meta = vec![
                catalog::category_name(&state, visit.locale, &n.category_code),
                catalog::region_name(&state, &n.delivery_region_code),
            ];
            if let Some(date) = n.respond_by {
                meta.push(format!("{} {date}", w.respond_by));
            }
            Row {
                id: n.id,
                title: n.title,
                status: label,
                meta,
                editable: status == "open",
                endable: status == "open",
            }
        }));
    }
    let page = MinePage {
        chrome: visit.chrome(),
        w,
        title: w.my_needs,
        new_href: "/needs/new",
        new_label: w.new_need,
        base: "needs",
        end_label: w.close,
        end_action: "close",
        notices: flash_notices(w, &flash),
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        rows,
    };
    render(StatusCode::OK, visit.locale, &page)
}

// --- the capability form ---------------------------------------------------------------------

/// What the capability form shows: the values (as typed) and where it posts.
#[derive(Debug, Default, Clone)]
pub struct CapabilityValues {
    category_code: String,
    title: String,
    description: String,
    products: String,
    processes: String,
    annual_capacity: String,
    unit: String,
    min_order_qty: String,
    lead_time_days: String,
    served_region_codes: Vec<String>,
    status: String,
}

impl CapabilityValues {
    fn posted(pairs: &Pairs) -> CapabilityValues {
        CapabilityValues {
            category_code: one(pairs, "category_code"),
            title: one(pairs, "title"),
            description: one(pairs, "description"),
            products: one(pairs, "products"),
            processes: one(pairs, "processes"),
            annual_capacity: one(pairs, "annual_capacity"),
            unit: one(pairs, "unit"),
            min_order_qty: one(pairs, "min_order_qty"),
            lead_time_days: one(pairs, "lead_time_days"),
            served_region_codes: all(pairs, "served_region_codes"),
            status: one(pairs, "status"),
        }
    }

    fn stored(c: &peitao_persistence::entities::capability::Model) -> CapabilityValues {
        let strings = peitao_persistence::capabilities::strings;
        let shown = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        CapabilityValues {
            category_code: c.category_code.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            products: strings(&c.products).join("\n"),
            processes: strings(&c.processes).join("\n"),
            annual_capacity: shown(c.annual_capacity),
            unit: c.unit.clone().unwrap_or_default(),
            min_order_qty: shown(c.min_order_qty),
            lead_time_days: shown(c.lead_time_days.map(i64::from)),
            served_region_codes: strings(&c.served_region_codes),
            // An archived one shows neither choice, so saving an edit keeps it archived.
            status: match c.status.as_str() {
                "draft" | "published" => c.status.clone(),
                _ => String::new(),
            },
        }
    }

    fn new_capability(&self) -> capabilities::NewCapability {
        capabilities::NewCapability {
            category_code: self.category_code.trim().to_owned(),
            title: self.title.clone(),
            description: self.description.clone(),
            products: Some(lines(&self.products)),
            processes: Some(lines(&self.processes)),
            annual_capacity: number(&self.annual_capacity),
            unit: text_or_none(&self.unit),
            min_order_qty: number(&self.min_order_qty),
            lead_time_days: number(&self.lead_time_days),
            served_region_codes: Some(self.served_region_codes.clone()),
            status: text_or_none(&self.status),
        }
    }

    /// Every field, so a blank optional one is cleared.
    fn changes(&self) -> capabilities::CapabilityChanges {
        let clearable = |text: &str| Some(number(text).unwrap_or(Value::Null));
        capabilities::CapabilityChanges {
            category_code: Some(self.category_code.trim().to_owned()),
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            products: Some(lines(&self.products)),
            processes: Some(lines(&self.processes)),
            annual_capacity: clearable(&self.annual_capacity),
            unit: Some(text_or_none(&self.unit)),
            min_order_qty: clearable(&self.min_order_qty),
            lead_time_days: clearable(&self.lead_time_days),
            served_region_codes: Some(self.served_region_codes.clone()),
            status: text_or_none(&self.status),
        }
    }
}

#[derive(Template)]
#[template(path = "postings/capability_form.html")]
struct CapabilityFormPage {
    chrome: Chrome,
    w: &'static PostingWords,
    heading: &'static str,
    action: String,
    csrf_field: &'static str,
    csrf_token: String,
    notices: Vec<Notice>,
    v: CapabilityValues,
    categories: Vec<Opt>,
    regions: Vec<Opt>,
    slots: Vec<Slot>,
}

impl CapabilityFormPage {
    fn err(&self, name: &str) -> Option<&str> {
        catalog::refusal(&self.slots, name)
    }
}

fn capability_slots(w: &'static PostingWords) -> Vec<Slot> {
    [
        ("category_code", w.category),
        ("title", w.title),
        ("description", w.description),
        ("products", w.products),
        ("processes", w.processes),
        ("annual_capacity", w.annual_capacity),
        ("unit", w.unit),
        ("min_order_qty", w.min_order_qty),
        ("lead_time_days", w.lead_time_days),
        ("served_region_codes", w.served_regions),
        ("status", w.status),
    ]
    .into_iter()
    .map(|(name, label)| Slot {
        name,
        label,
        error: None,
    })
    .collect()
}

/// Provinces to tick, plus any city a capability already serves (the API takes both).
fn served_options(state: &AppState, chosen: &[String]) -> Vec<Opt> {
    let mut options: Vec<Opt> = catalog::region_options(state, None, "")
        .into_iter()
        .map(|o| Opt {
            selected: chosen.contains(&o.value),
            ..o
        })
        .collect();
    for code in chosen {
        if !options.iter().any(|o| &o.value == code) {
            options.push(Opt {
                value: code.clone(),
                label: catalog::region_name(state, code),
                selected: true,
            });
        }
    }
    options
}

fn capability_form(
    visit: &Visit<'_>,
    me: &WebUser,
    status: StatusCode,
    action: String,
    heading: &'static str,
    values: CapabilityValues,
    errors: &[FieldError],
) -> HttpResponse {
    let w = PostingWords::for_locale(visit.locale);
    let mut slots = capability_slots(w);
    let mut notices = Vec::new();
    if !errors.is_empty() {
        let unplaced = catalog::place_refusals(&mut slots, errors, visit.locale, &[]);
        notices.push(Notice::new("error", visit.common().fix_fields));
        notices.extend(unplaced.into_iter().map(|t| Notice::new("error", t)));
    }
    let page = CapabilityFormPage {
        chrome: visit.chrome(),
        w,
        heading,
        action,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        notices,
        categories: catalog::category_options(visit.state, visit.locale, &values.category_code),
        regions: served_options(visit.state, &values.served_region_codes),
        v: values,
        slots,
    };
    render(status, visit.locale, &page)
}

/// GET /capabilities/new
pub async fn new_capability(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = PostingWords::for_locale(visit.locale);
    if me.auth.actor.role != Role::Supplier {
        return not_for_you(&visit, w.only_suppliers);
    }
    let values = CapabilityValues {
        status: "published".to_owned(),
        ..Default::default()
    };
    capability_form(
        &visit,
        &me,
        StatusCode::OK,
        "/capabilities/new".to_owned(),
        w.new_capability,
        values,
        &[],
    )
}

/// POST /capabilities/new
pub async fn create_capability(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Pairs>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let pairs = form.into_inner();
    if !visit.csrf_ok(&one(&pairs, CSRF_FIELD)) {
        return visit.csrf_refused("/capabilities/new");
    }
    let w = PostingWords::for_locale(visit.locale);
    let values = CapabilityValues::posted(&pairs);
    let created = capabilities::create(
        &state,
        &me.auth,
        values.new_capability(),
        &origin(&req, &state),
    )
    .await;
    match created {
        Ok(_) => see_other("/my/capabilities?saved=1"),
        Err(ApiError::Validation(errors)) => capability_form(
            &visit,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            "/capabilities/new".to_owned(),
            w.new_capability,
            values,
            &errors,
        ),
        Err(err) => visit.error(&err),
    }
}

/// GET /capabilities/{id}/edit — 404 when the visitor may not see it, 403 when not theirs.
pub async fn edit_capability(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let id = id.into_inner();
    let listed = match capabilities::get(&state, Some(&me.auth), id).await {
        Ok(listed) => listed,
        Err(err) => return visit.error(&err),
    };
    let allowed = me.auth.authorize(Action::EditCapability {
        owner_organization_id: OrganizationId(listed.organization.id),
    });
    if let Err(err) = allowed {
        return visit.error(&err);
    }
    let w = PostingWords::for_locale(visit.locale);
    capability_form(
        &visit,
        &me,
        StatusCode::OK,
        format!("/capabilities/{id}/edit"),
        w.edit_capability,
        CapabilityValues::stored(&listed.capability),
        &[],
    )
}

/// POST /capabilities/{id}/edit
pub async fn update_capability(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<Pairs>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let id = id.into_inner();
    let pairs = form.into_inner();
    if !visit.csrf_ok(&one(&pairs, CSRF_FIELD)) {
        return visit.csrf_refused("/my/capabilities");
    }
    let w = PostingWords::for_locale(visit.locale);
    let values = CapabilityValues::posted(&pairs);
    let updated = capabilities::update(
        &state,
        &me.auth,
        id,
        values.changes(),
        &origin(&req, &state),
    )
    .await;
    match updated {
        Ok(_) => see_other("/my/capabilities?saved=1"),
        Err(ApiError::Validation(errors)) => capability_form(
            &visit,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("/capabilities/{id}/edit"),
            w.edit_capability,
            values,
            &errors,
        ),
        Err(err) => visit.error(&err),
    }
}

/// POST /capabilities/{id}/archive
pub async fn archive_capability(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/my/capabilities");
    }
    match capabilities::archive(&state, &me.auth, id.into_inner(), &origin(&req, &state)).await {
        Ok(()) => see_other("/my/capabilities?archived=1"),
        Err(err) => visit.error(&err),
    }
}

// --- the need form ---------------------------------------------------------------------------

/// What the need form shows, as typed; the delivery region as its three levels.
#[derive(Debug, Default, Clone)]
pub struct NeedValues {
    category_code: String,
    title: String,
    description: String,
    plant_id: String,
    province: String,
    city: String,
    district: String,
    annual_volume: String,
    unit: String,
    sop_date: String,
    respond_by: String,
    required_certifications: Vec<String>,
    target_price: String,
}

impl NeedValues {
    fn posted(pairs: &Pairs) -> NeedValues {
        let mut v = NeedValues {
            category_code: one(pairs, "category_code"),
            title: one(pairs, "title"),
            description: one(pairs, "description"),
            plant_id: one(pairs, "plant_id"),
            province: one(pairs, "province"),
            city: one(pairs, "city"),
            district: one(pairs, "district"),
            annual_volume: one(pairs, "annual_volume"),
            unit: one(pairs, "unit"),
            sop_date: one(pairs, "sop_date"),
            respond_by: one(pairs, "respond_by"),
            required_certifications: all(pairs, "required_certifications"),
            target_price: one(pairs, "target_price"),
        };
        // A lower level chosen under another parent (the province changed without script)
        // no longer belongs: drop it rather than deliver somewhere unintended.
        if !v.city.starts_with(v.province.get(..2).unwrap_or("--")) {
            v.city.clear();
        }
        if !v.district.starts_with(v.city.get(..4).unwrap_or("----")) {
            v.district.clear();
        }
        v
    }

    fn stored(n: &peitao_persistence::entities::need::Model, shows_price: bool) -> NeedValues {
        let [province, city, district] = [String::new(), String::new(), String::new()];
        let certifications: Vec<String> =
            serde_json::from_str(&n.required_certifications).unwrap_or_default();
        NeedValues {
            category_code: n.category_code.clone(),
            title: n.title.clone(),
            description: n.description.clone(),
            plant_id: n.plant_id.map(|p| p.to_string()).unwrap_or_default(),
            province,
            city,
            district,
            annual_volume: n.annual_volume.map(|v| v.to_string()).unwrap_or_default(),
            unit: n.unit.clone().unwrap_or_default(),
            sop_date: n.sop_date.map(|d| d.to_string()).unwrap_or_default(),
            respond_by: n.respond_by.map(|d| d.to_string()).unwrap_or_default(),
            required_certifications: certifications,
            target_price: if shows_price {
                n.target_price.clone().unwrap_or_default()
            } else {
                String::new()
            },
        }
    }

    fn with_region(mut self, state: &AppState, code: &str) -> NeedValues {
        let [province, city, district] = catalog::region_levels(state, code);
        self.province = province;
        self.city = city;
        self.district = district;
        self
    }

    /// The most specific level chosen.
    fn delivery_region(&self) -> Option<String> {
        [&self.district, &self.city, &self.province]
            .into_iter()
            .find(|c| !c.trim().is_empty())
            .map(|c| c.trim().to_owned())
    }

    fn new_need(&self) -> needs::NewNeed {
        needs::NewNeed {
            category_code: self.category_code.trim().to_owned(),
            title: self.title.clone(),
            description: self.description.clone(),
            delivery_region_code: self
                .plant()
                .map_or_else(|| self.delivery_region(), |_| None),
            plant_id: self.plant(),
            annual_volume: text_or_none(&self.annual_volume).map(Value::String),
            unit: text_or_none(&self.unit),
            sop_date: text_or_none(&self.sop_date),
            respond_by: text_or_none(&self.respond_by),
            required_certifications: Some(self.required_certifications.clone()),
            target_price: text_or_none(&self.target_price).map(Value::String),
        }
    }

    /// The plant chosen, if any: then its region is the delivery region.
    fn plant(&self) -> Option<String> {
        text_or_none(&self.plant_id)
    }

    /// Every field the form has; a blank optional one is cleared. With a plant the region is
    /// not sent (the plant's decides); without one the plant is cleared and the region sent.
    fn changes(&self) -> needs::NeedChanges {
        let plant = self.plant();
        needs::NeedChanges {
            category_code: Some(Some(self.category_code.trim().to_owned())),
            title: Some(Some(self.title.clone())),
            description: Some(Some(self.description.clone())),
            delivery_region_code: if plant.is_some() {
                None
            } else {
                Some(self.delivery_region())
            },
            plant_id: Some(plant),
            annual_volume: Some(text_or_none(&self.annual_volume).map(Value::String)),
            unit: Some(text_or_none(&self.unit)),
            sop_date: Some(text_or_none(&self.sop_date)),
            respond_by: Some(text_or_none(&self.respond_by)),
            required_certifications: Some(Some(self.required_certifications.clone())),
            target_price: Some(text_or_none(&self.target_price).map(Value::String)),
        }
    }
}

#[derive(Template)]
#[template(path = "postings/need_form.html")]
struct NeedFormPage {
    chrome: Chrome,
    w: &'static PostingWords,
    heading: &'static str,
    action: String,
    csrf_field: &'static str,
    csrf_token: String,
    notices: Vec<Notice>,
    v: NeedValues,
    categories: Vec<Opt>,
    plants: Vec<Opt>,
    provinces: Vec<Opt>,
    cities: Vec<Opt>,
    districts: Vec<Opt>,
    certifications: Vec<Opt>,
    slots: Vec<Slot>,
}

impl NeedFormPage {
    fn err(&self, name: &str) -> Option<&str> {
        catalog::refusal(&self.slots, name)
    }
}

fn need_slots(w: &'static PostingWords) -> Vec<Slot> {
    [
        ("category_code", w.category),
        ("title", w.title),
        ("description", w.description),
        ("plant_id", w.plant),
        ("delivery_region_code", w.delivery_region),
        ("annual_volume", w.annual_volume),
        ("unit", w.unit),
        ("sop_date", w.sop_date),
        ("respond_by", w.respond_by),
        ("required_certifications", w.required_certifications),
        ("target_price", w.target_price),
    ]
    .into_iter()
    .map(|(name, label)| Slot {
        name,
        label,
        error: None,
    })
    .collect()
}

async fn need_form(
    visit: &Visit<'_>,
    me: &WebUser,
    status: StatusCode,
    action: String,
    heading: &'static str,
    values: NeedValues,
    errors: &[FieldError],
) -> HttpResponse {
    let w = PostingWords::for_locale(visit.locale);
    let state = visit.state;
    // The automaker's own plants, as the API lists them.
    let plants = match own_organization(me) {
        Some(org) => match organizations::plants(state, Some(&me.auth), org).await {
            Ok(plants) => plants,
            Err(err) => return visit.error(&err),
        },
        None => Vec::new(),
    };
    let plants = plants
        .into_iter()
        .map(|p| Opt {
            selected: p.id.to_string() == values.plant_id,
            label: format!(
                "{}（{}）",
                p.name,
                catalog::region_name(state, &p.region_code)
            ),
            value: p.id.to_string(),
        })
        .collect();
    let mut slots = need_slots(w);
    let mut notices = Vec::new();
    if !errors.is_empty() {
        let unplaced = catalog::place_refusals(&mut slots, errors, visit.locale, &[]);
        notices.push(Notice::new("error", visit.common().fix_fields));
        notices.extend(unplaced.into_iter().map(|t| Notice::new("error", t)));
    }
    let cities = if values.province.is_empty() {
        Vec::new()
    } else {
        catalog::region_options(state, Some(&values.province), &values.city)
    };
    let districts = if values.city.is_empty() {
        Vec::new()
    } else {
        catalog::region_options(state, Some(&values.city), &values.district)
    };
    let page = NeedFormPage {
        chrome: visit.chrome(),
        w,
        heading,
        action,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        notices,
        categories: catalog::category_options(state, visit.locale, &values.category_code),
        plants,
        provinces: catalog::region_options(state, None, &values.province),
        cities,
        districts,
        certifications: catalog::certification_options(
            state,
            visit.locale,
            &values.required_certifications,
        ),
        v: values,
        slots,
    };
    render(status, visit.locale, &page)
}

/// GET /needs/new
pub async fn new_need(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = PostingWords::for_locale(visit.locale);
    if me.auth.actor.role != Role::Oem {
        return not_for_you(&visit, w.only_oems);
    }
    need_form(
        &visit,
        &me,
        StatusCode::OK,
        "/needs/new".to_owned(),
        w.new_need,
        NeedValues::default(),
        &[],
    )
    .await
}

/// POST /needs/new — `refresh` redraws the form with the chosen province's cities (and city's
/// districts) and saves nothing: the region picker without script.
pub async fn create_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Pairs>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let pairs = form.into_inner();
    if !visit.csrf_ok(&one(&pairs, CSRF_FIELD)) {
        return visit.csrf_refused("/needs/new");
    }
    let w = PostingWords::for_locale(visit.locale);
    let values = NeedValues::posted(&pairs);
    let action = "/needs/new".to_owned();
    if !one(&pairs, "refresh").is_empty() {
        return need_form(&visit, &me, StatusCode::OK, action, w.new_need, values, &[]).await;
    }
    match needs::create(&state, &me.auth, values.new_need(), &origin(&req, &state)).await {
        Ok(_) => see_other("/my/needs?saved=1"),
        Err(ApiError::Validation(errors)) => {
            need_form(
                &visit,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                action,
                w.new_need,
                values,
                &errors,
            )
            .await
        }
        Err(err) => visit.error(&err),
    }
}

/// GET /needs/{id}/edit — 404 when the visitor may not see it, 403 when not theirs.
pub async fn edit_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let id = id.into_inner();
    let view = match needs::get(&state, Some(&me.auth), id).await {
        Ok(view) => view,
        Err(err) => return visit.error(&err),
    };
    let allowed = me.auth.authorize(Action::EditNeed {
        owner_organization_id: OrganizationId(view.row.organization.id),
    });
    if let Err(err) = allowed {
        return visit.error(&err);
    }
    let w = PostingWords::for_locale(visit.locale);
    let need = &view.row.need;
    let values =
        NeedValues::stored(need, view.shows_price).with_region(&state, &need.delivery_region_code);
    need_form(
        &visit,
        &me,
        StatusCode::OK,
        format!("/needs/{id}/edit"),
        w.edit_need,
        values,
        &[],
    )
    .await
}

/// POST /needs/{id}/edit
pub async fn update_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<Pairs>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let id = id.into_inner();
    let pairs = form.into_inner();
    if !visit.csrf_ok(&one(&pairs, CSRF_FIELD)) {
        return visit.csrf_refused("/my/needs");
    }
    let w = PostingWords::for_locale(visit.locale);
    let values = NeedValues::posted(&pairs);
    let action = format!("/needs/{id}/edit");
    if !one(&pairs, "refresh").is_empty() {
        return need_form(
            &visit,
            &me,
            StatusCode::OK,
            action,
            w.edit_need,
            values,
            &[],
        )
        .await;
    }
    match needs::edit(
        &state,
        &me.auth,
        id,
        values.changes(),
        &origin(&req, &state),
    )
    .await
    {
        Ok(_) => see_other("/my/needs?saved=1"),
        Err(ApiError::Validation(errors)) => {
            need_form(
                &visit,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                action,
                w.edit_need,
                values,
                &errors,
            )
            .await
        }
        Err(err) => visit.error(&err),
    }
}

/// POST /needs/{id}/close
pub async fn close_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/my/needs");
    }
    match needs::close(&state, &me.auth, id.into_inner(), &origin(&req, &state)).await {
        Ok(()) => see_other("/my/needs?closed=1"),
        Err(err) => visit.error(&err),
    }
}
