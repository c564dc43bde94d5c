//! /api/v1/matches/*, /moderation/matches, /intentions, /needs/{id}/quotes and
//! /organizations/{id}/flag: the match lifecycle. Thin: `service::moderation` and
//! `service::engagement` decide.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
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

#[derive(OpenApi)]
#[openapi(paths(
    queue,
    list,
    one,
    approve,
    reject,
    interest,
    record_intention,
    confirm_intention,
    dismiss_intention,
    intentions,
    quotes,
    flag
))]
pub struct ApiDoc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `proposed`, `approved`, `rejected` or `withdrawn`.
    #[param(pattern = "^(|proposed|approved|rejected|withdrawn)$")]
    status: Option<String>,
    /// Page size, 1 to 100 (empty or absent: 20).
    #[param(pattern = "^(|[1-9][0-9]?|100)$")]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    cursor: Option<String>,
}

/// As [`ListQuery`], for intentions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct IntentionQuery {
    /// `recorded`, `confirmed` or `dismissed`.
    #[param(pattern = "^(|recorded|confirmed|dismissed)$")]
    status: Option<String>,
    /// Page size, 1 to 100 (empty or absent: 20).
    #[param(pattern = "^(|[1-9][0-9]?|100)$")]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    cursor: Option<String>,
}

impl IntentionQuery {
    fn page(&self) -> Result<(u64, Option<Uuid>), ApiError> {
        PageQuery {
            limit: self.limit.clone(),
            cursor: self.cursor.clone(),
        }
        .parse()
    }
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

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct ReasonInput {
    /// Why (shown to staff, and to the parties where the rules say).
    #[schema(pattern = "\\S", max_length = 1000)]
    reason: String,
}

/// A supplier's price offered with its "interested".
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct QuoteInput {
    /// A decimal amount above 0 and below 10^12, at most two decimals, e.g. `"12.50"`.
    #[schema(value_type = String, example = "12.50", pattern = r"^\s*(0*[1-9][0-9]{0,11}(\.[0-9]{1,2})?|0+\.([0-9]?[1-9]|[1-9][0-9]))\s*$")]
    unit_price: serde_json::Value,
    /// ISO 4217, one of those the platform takes (`CNY` when left out).
    #[schema(pattern = "^(CNY|USD|EUR|JPY|HKD|KRW|GBP|cny|usd|eur|jpy|hkd|krw|gbp)$")]
    currency: String,
    #[schema(minimum = 0, maximum = 3650)]
    lead_time_days: Option<i32>,
    /// Not before today (a 422 `valid_until.past` otherwise).
    valid_until: Option<chrono::NaiveDate>,
    #[schema(max_length = 2000)]
    note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct InterestInput {
    interested: bool,
    /// Why not (with `interested: false`).
    #[schema(max_length = 1000)]
    reason: Option<String>,
    /// The supplier only, with `interested: true`.
    quote: Option<QuoteInput>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct IntentionInput {
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000000000000_i64)]
    annual_volume: Option<serde_json::Value>,
    #[schema(max_length = 20)]
    unit: Option<String>,
    /// Within 20 years of today (a 422 `expected_start.range` otherwise).
    expected_start: Option<chrono::NaiveDate>,
    #[schema(max_length = 2000)]
    note: Option<String>,
    /// The docking event where it was agreed.
    event_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct FlagInput {
    /// `spam`, `fraud` or `other`.
    #[schema(pattern = "^(spam|fraud|other)$")]
    kind: String,
    #[schema(pattern = "\\S", max_length = 1000)]
    note: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct FlagCreated {
    id: Uuid,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct ComparedQuoteList {
    items: Vec<ComparedQuote>,
}

/// Staff: the moderation queue, oldest first (`status=proposed` by default).
#[utoipa::path(
    tag = "lifecycle",
    summary = "Staff: the moderation queue, oldest first · 待审核匹配",
    params(ListQuery),
    responses((status = 200, description = "One page (`status=proposed` by default)", body = Page<MatchBody>)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "The caller's organization's matches · 我的匹配",
    description = "Approved ones of the caller's organization; staff: every match, any status.",
    params(ListQuery),
    responses((status = 200, description = "One page", body = Page<MatchBody>)),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    tag = "lifecycle",
    summary = "One match · 匹配详情",
    params(("id" = Uuid, Path, description = "The match's id")),
    responses((status = 200, description = "The match as the caller may see it", body = MatchBody)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "Staff approve a proposed match · 审核通过",
    params(("id" = Uuid, Path, description = "The match's id")),
    responses(
        (status = 200, description = "The approved match", body = MatchBody),
        (status = 409, description = "Already decided, or the need is closed"),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "Staff reject a proposed match · 审核拒绝",
    params(("id" = Uuid, Path, description = "The match's id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "The rejected match", body = MatchBody),
        (status = 409, description = "Already decided"),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "A party says whether it is interested · 表达意向",
    description = "Both sides interested reveals the contacts. The supplier's yes may carry a quote.",
    params(("id" = Uuid, Path, description = "The match's id")),
    request_body = InterestInput,
    responses(
        (status = 200, description = "The match as it now stands", body = MatchBody),
        (status = 409, description = "Not approved, the need closed, or a change after the reveal"),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "A party records a cooperation intention · 登记合作意向",
    params(("id" = Uuid, Path, description = "The match's id")),
    request_body = IntentionInput,
    responses(
        (status = 201, description = "The intention (status `recorded`)", body = IntentionBody),
        (status = 409, description = "Interest is not mutual, or one is already recorded"),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "Staff confirm the match's intention · 确认意向",
    params(("id" = Uuid, Path, description = "The match's id")),
    responses(
        (status = 200, description = "The confirmed intention", body = IntentionBody),
        (status = 409, description = "No intention, or already decided"),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "Staff dismiss the match's intention · 驳回意向",
    params(("id" = Uuid, Path, description = "The match's id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "The dismissed intention", body = IntentionBody),
        (status = 409, description = "No intention, or already decided"),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "Intentions, oldest first · 合作意向列表",
    description = "Staff: all (`?status=`); parties: their organization's.",
    params(IntentionQuery),
    responses((status = 200, description = "One page", body = Page<IntentionBody>)),
    security(("bearer" = []))
)]
#[get("/intentions")]
async fn intentions(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<IntentionQuery>,
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

#[derive(Debug, serde::Serialize, ToSchema)]
struct ComparedQuote {
    #[serde(flatten)]
    #[schema(inline)]
    quote: QuoteBody,
    capability_id: Uuid,
    capability_title: String,
    supplier: PartyBody,
}

/// The OEM (and staff): a need's quotes side by side, by currency then price.
#[utoipa::path(
    tag = "lifecycle",
    summary = "A need's quotes side by side · 报价对比",
    params(("id" = Uuid, Path, description = "The need's id")),
    responses((status = 200, description = "By currency, then price", body = ComparedQuoteList)),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    tag = "lifecycle",
    summary = "Staff flag an organization; it is suspended · 标记企业",
    params(("id" = Uuid, Path, description = "The organization's id")),
    request_body = FlagInput,
    responses((status = 201, description = "The flag", body = FlagCreated)),
    security(("bearer" = []))
)]
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
