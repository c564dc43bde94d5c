//! A supplier's capabilities: the list of its own, the form to post and change one (refusals
//! under their fields, what was typed kept), and archiving. Writes go through the API's service.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_auth::policy::Action;
use peitao_domain::ids::OrganizationId;
use peitao_domain::user::Role;
use serde_json::Value;
use uuid::Uuid;

use super::catalog::{self, Opt, Slot};
use super::catalog_words::PostingWords;
use super::form::Notice;
use super::{TokenOnly, Visit, or_answer, render, see_other};
use crate::AppState;
use crate::api::accounts::origin;
use crate::error::{ApiError, FieldError};
use crate::service::capabilities;
use crate::web::layout::Chrome;
use crate::web::session::{CSRF_FIELD, WebUser};

use super::postings::{
    Flash, MinePage, Pairs, Row, all, flash_notices, lines, not_for_you, number, one,
    own_organization, text_or_none,
};

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
