//! The company's people: everyone sees who belongs; the owner invites colleagues by email and
//! removes them. The invitee's page: choose a name and a password, and be logged in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_auth::policy::Action;
use peitao_domain::ids::OrganizationId;
use serde::Deserialize;
use uuid::Uuid;

use super::form::{Field, Notice, place_errors};
use super::words::{InvitationWords, MembersWords};
use super::{FormPage, PageForm, TokenOnly, Visit, or_answer, render, see_other, with_cookies};
use crate::AppState;
use crate::api::accounts::origin;
use crate::auth::decide;
use crate::error::{ApiError, FieldError};
use crate::service::members::{self, Acceptance};
use crate::web::layout::Chrome;
use crate::web::session::{self, CSRF_FIELD, WebUser};

/// One row of the members table.
pub struct MemberRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub owner: bool,
    pub me: bool,
    pub verified: bool,
    pub active: bool,
    /// Whether this visitor may remove this member (the owner, for anyone but the owner).
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "account/members.html")]
struct MembersPage {
    chrome: Chrome,
    w: &'static MembersWords,
    notices: Vec<Notice>,
    csrf_field: &'static str,
    csrf_token: String,
    rows: Vec<MemberRow>,
    /// The invite form, for those who may manage members.
    invite: Option<Field>,
    /// Why an owner may not manage members yet (an unverified email), when that is so.
    refusal: Option<String>,
}

/// The members page of `me`'s company; `invite_email` and `errors` refill the invite form.
async fn page(
    visit: &Visit<'_>,
    me: &WebUser,
    status: StatusCode,
    invite_email: &str,
    errors: &[FieldError],
    mut notices: Vec<Notice>,
) -> HttpResponse {
    let w = MembersWords::for_locale(visit.locale);
    let Some(org_id) = me.auth.user.organization_id else {
        return see_other("/account");
    };
    let users = match members::list(visit.state, &me.auth, org_id).await {
        Ok(users) => users,
        Err(err) => return visit.error(&err),
    };
    let allowed = decide(
        Some(&me.auth.actor),
        Action::ManageOrgMembers {
            organization_id: OrganizationId(org_id),
        },
    );
    let rows = users
        .into_iter()
        .map(|u| {
            let owner = u.org_role.as_deref() == Some("owner");
            MemberRow {
                id: u.id,
                owner,
                me: u.id == me.auth.user.id,
                verified: u.email_verified_at.is_some(),
                active: u.deactivated_at.is_none(),
                removable: allowed.is_ok() && !owner && u.id != me.auth.user.id,
                name: u.display_name,
                email: u.email,
            }
        })
        .collect();
    let (invite, refusal) = match (&allowed, me.auth.actor.is_org_owner) {
        (Ok(()), _) => {
            let mut field = vec![
                Field::input("email", "email", w.invite_email, invite_email)
                    .autocomplete("off")
                    .maxlength(254),
            ];
            let unplaced = place_errors(&mut field, errors, visit.locale);
            notices.extend(unplaced.into_iter().map(|t| Notice::new("error", t)));
            (field.pop(), None)
        }
        (Err(ApiError::Forbidden(text)), true) => (None, Some(text.get(visit.locale).to_owned())),
        (Err(_), _) => (None, None),
    };
    let page = MembersPage {
        chrome: visit.chrome(),
        w,
        notices,
        csrf_field: CSRF_FIELD,
        csrf_token: me.csrf_token.clone(),
        rows,
        invite,
        refusal,
    };
    render(status, visit.locale, &page)
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    invited: Option<String>,
    removed: Option<String>,
}

/// GET /account/members
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    flash: web::Query<Flash>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    let w = MembersWords::for_locale(visit.locale);
    let mut notices = Vec::new();
    if flash.invited.is_some() {
        notices.push(Notice::new("success", w.invited));
    }
    if flash.removed.is_some() {
        notices.push(Notice::new("success", w.removed));
    }
    page(&visit, &me, StatusCode::OK, "", &[], notices).await
}

/// What the invite form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    csrf_token: String,
    email: String,
}

/// POST /account/members/invite
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<InviteForm>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/account/members");
    }
    let Some(org_id) = me.auth.user.organization_id else {
        return visit.error(&ApiError::NotFound);
    };
    match members::invite(&state, &me.auth, org_id, &form.email, &origin(&req, &state)).await {
        Ok(()) => see_other("/account/members?invited=1"),
        Err(ApiError::Validation(errors)) => {
            page(
                &visit,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form.email,
                &errors,
                Vec::new(),
            )
            .await
        }
        Err(err) => visit.error(&err),
    }
}

/// POST /account/members/{user_id}/remove
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<TokenOnly>,
) -> HttpResponse {
    let (visit, me) = or_answer!(Visit::logged_in(&req, &state).await);
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.csrf_refused("/account/members");
    }
    let (Ok(user_id), Some(org_id)) = (Uuid::parse_str(&path), me.auth.user.organization_id) else {
        return visit.error(&ApiError::NotFound);
    };
    match members::remove(&state, &me.auth, org_id, user_id, &origin(&req, &state)).await {
        Ok(()) => see_other("/account/members?removed=1"),
        Err(err) => visit.error(&err),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InvitationQuery {
    token: String,
}

/// What the invitee posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    csrf_token: String,
    token: String,
    display_name: String,
    password: String,
}

fn accept_form(
    visit: &Visit<'_>,
    status: StatusCode,
    input: &AcceptForm,
    errors: &[FieldError],
    notices: Vec<Notice>,
) -> HttpResponse {
    let w = InvitationWords::for_locale(visit.locale);
    let (csrf, cookie) = visit.form_token();
    let fields = vec![
        Field::input("display_name", "text", w.display_name, &input.display_name)
            .autocomplete("name")
            .maxlength(100),
        Field::input("password", "password", w.password, "")
            .hint(w.password_hint)
            .autocomplete("new-password")
            .maxlength(128),
    ];
    let mut form = PageForm::new("/invitations/accept", csrf, w.submit)
        .hidden("token", input.token.clone())
        .section(None, fields);
    let mut notices = notices;
    if !errors.is_empty() {
        let unplaced = place_errors(form.fields_mut(), errors, visit.locale);
        notices.push(Notice::new("error", visit.common().fix_fields));
        notices.extend(unplaced.into_iter().map(|t| Notice::new("error", t)));
    }
    let page = FormPage {
        chrome: visit.chrome(),
        title: w.title,
        notices,
        intro: vec![w.intro.to_owned()],
        form: Some(form),
        links: Vec::new(),
    };
    with_cookies(render(status, visit.locale, &page), cookie)
}

fn invalid_invitation(visit: &Visit<'_>) -> HttpResponse {
    let w = InvitationWords::for_locale(visit.locale);
    visit.message(
        StatusCode::BAD_REQUEST,
        w.invalid_title,
        vec![w.invalid_body.to_owned()],
        vec![("/", visit.common().home)],
    )
}

/// GET /invitations/accept?token= — the link in the invitation mail.
pub async fn accept_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<InvitationQuery>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    if query.token.trim().is_empty() {
        return invalid_invitation(&visit);
    }
    let input = AcceptForm {
        token: query.token.clone(),
        ..AcceptForm::default()
    };
    accept_form(&visit, StatusCode::OK, &input, &[], Vec::new())
}

/// POST /invitations/accept — creates the account, logs it in and opens it.
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<AcceptForm>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    let input = form.into_inner();
    if !visit.csrf_ok(&input.csrf_token) {
        return visit.csrf_refused("/");
    }
    let acceptance = Acceptance {
        token: input.token.clone(),
        display_name: input.display_name.clone(),
        password: input.password.clone(),
    };
    let user = match members::accept(&state, acceptance, &origin(&req, &state)).await {
        Ok(user) => user,
        Err(ApiError::Validation(errors)) if errors.iter().any(|e| e.field == "token") => {
            return invalid_invitation(&visit);
        }
        Err(ApiError::Validation(errors)) => {
            return accept_form(
                &visit,
                StatusCode::UNPROCESSABLE_ENTITY,
                &input,
                &errors,
                Vec::new(),
            );
        }
        Err(ApiError::Conflict(text)) => {
            return accept_form(
                &visit,
                StatusCode::CONFLICT,
                &input,
                &[],
                vec![Notice::new("error", text.get(visit.locale))],
            );
        }
        Err(err) => return visit.error(&err),
    };
    if let Err(err) = session::end(&state, &req).await {
        return visit.error(&err);
    }
    match session::start(&state, user.id).await {
        Ok(cookie) => with_cookies(
            see_other("/account"),
            [cookie].into_iter().chain(visit.lang_cookie(&user.locale)),
        ),
        Err(err) => visit.error(&err),
    }
}
