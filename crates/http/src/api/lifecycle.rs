//! /api/v1/matches/*, /moderation/matches, /intentions, /needs/{id}/quotes and
//! /organizations/{id}/flag: the match lifecycle. Thin: `service::moderation` and
//! `service::engagement` decide.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::accounts::origin;
use crate::api::match_body::{IntentionBody, MatchBody, PartyBody, QuoteBody, queue_item};
use crate::api::page::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::{engagement, moderation};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(queue)
        .service(list)
        .service(intentions)
        .service(one)
        .service(approve)
        .service(reject)
        .service(interest)
        .service(record_intention)
        .service(confirm_intention)
        .service(dismiss_intention)
        .service(quotes)
        .service(flag);
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    fn page(&self) -> Result<(u64, Option<Uuid>), ApiError> {
        PageQuery {
            limit: self.limit.clone(),
            cursor: self.cursor.clone(),
        }
        .parse()
    }
}

/// Staff: the moderation queue, oldest first (`status=proposed` by default).
#[get("/moderation/matches")]
async fn queue(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = query.page()?;
    let rows = moderation::queue(&state, &user, query.status.as_deref(), after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        limit,
        |(c, _, _)| c.row.id,
        |(c, s, o)| queue_item(&c, s, o),
    )))
}

/// The caller's organization's matches (approved ones); staff: every match, any status.
#[get("/matches")]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = query.page()?;
    let rows = engagement::list(&state, &user, query.status.as_deref(), after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        limit,
        |v| v.ctx.row.id,
        |v| MatchBody::from(&v),
    )))
}

#[get("/matches/{id}")]
async fn one(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = engagement::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(MatchBody::from(&view)))
}

/// Staff approve a proposal: 200 with the match; 409 when it was already decided.
#[post("/matches/{id}/approve")]
async fn approve(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx =
        moderation::approve(&state, Some(&user), id.into_inner(), &origin(&req, &state)).await?;
    let view = engagement::view_of(&state, &user, ctx).await?;
    Ok(HttpResponse::Ok().json(MatchBody::from(&view)))
}

/// Staff reject a proposal `{reason}`: 200; 409 when it was already decided.
#[post("/matches/{id}/reject")]
async fn reject(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<serde_json::Value>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx =
        moderation::reject(&state, &user, id.into_inner(), &body, &origin(&req, &state)).await?;
    let view = engagement::view_of(&state, &user, ctx).await?;
    Ok(HttpResponse::Ok().json(MatchBody::from(&view)))
}

/// A party's answer `{interested, reason?, quote?}`: 200 with the match as it now stands.
#[post("/matches/{id}/interest")]
async fn interest(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<serde_json::Value>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let form = engagement::interest_form(&body)?;
    let view =
        engagement::answer(&state, &user, id.into_inner(), form, &origin(&req, &state)).await?;
    Ok(HttpResponse::Ok().json(MatchBody::from(&view)))
}

/// A party records an intention `{annual_volume?, unit?, expected_start?, note?, event_id?}`: 201.
#[post("/matches/{id}/intention")]
async fn record_intention(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<serde_json::Value>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let form = engagement::intention_form(&body)?;
    let event_id = engagement::intention_event(&body)?;
    let saved = engagement::record_intention(
        &state,
        &user,
        id.into_inner(),
        &form,
        event_id,
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Created().json(IntentionBody::from(&saved)))
}

/// Staff confirm the match's intention: 200; 409 when none or already decided.
#[post("/matches/{id}/intention/confirm")]
async fn confirm_intention(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let saved = engagement::decide_intention(
        &state,
        &user,
        id.into_inner(),
        true,
        None,
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(IntentionBody::from(&saved)))
}

/// Staff dismiss the match's intention `{reason}`: 200; 409 when none or already decided.
#[post("/matches/{id}/intention/dismiss")]
async fn dismiss_intention(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<serde_json::Value>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let saved = engagement::decide_intention(
        &state,
        &user,
        id.into_inner(),
        false,
        Some(&body),
        &origin(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(IntentionBody::from(&saved)))
}

/// Intentions: staff all (`?status=`), parties their organization's; oldest first.
#[get("/intentions")]
async fn intentions(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = query.page()?;
    let rows = engagement::intentions(&state, &user, query.status.as_deref(), after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        limit,
        |(i, _)| i.id,
        |(i, _)| IntentionBody::from(&i),
    )))
}

#[derive(Debug, serde::Serialize)]
struct ComparedQuote {
    #[serde(flatten)]
    quote: QuoteBody,
    capability_id: Uuid,
    capability_title: String,
    supplier: PartyBody,
}

/// The OEM (and staff): a need's quotes side by side, by currency then price.
#[get("/needs/{id}/quotes")]
async fn quotes(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = engagement::quotes_of_need(&state, &user, id.into_inner()).await?;
    let items: Vec<ComparedQuote> = rows
        .iter()
        .map(|(q, ctx, lq)| ComparedQuote {
            quote: QuoteBody::from(q),
            capability_id: ctx.capability.id,
            capability_title: ctx.capability.title.clone(),
            supplier: PartyBody::new(&ctx.supplier, *lq, ctx.row.contact_revealed_at.is_some()),
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": items})))
}

/// Staff flag an organization `{kind: spam|fraud|other, note}`: it is suspended; 201 `{id}`.
#[post("/organizations/{id}/flag")]
async fn flag(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<serde_json::Value>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let flag_id =
        moderation::flag(&state, &user, id.into_inner(), &body, &origin(&req, &state)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"id": flag_id})))
}
