//! An automaker's needs: the list of its own, the form to post and change one (category tree,
//! plant, province → city → district without script), and closing. Writes go through the service.

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
use crate::api::page::PageQuery;
use crate::error::{ApiError, FieldError};
use crate::service::{needs, organizations};
use crate::web::layout::Chrome;
use crate::web::session::{CSRF_FIELD, WebUser};

use super::postings::{
    Flash, MinePage, Pairs, Row, all, flash_notices, not_for_you, one, own_organization,
    text_or_none,
};

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
