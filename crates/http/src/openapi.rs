//! The OpenAPI document of /api/v1, generated from the handlers' `#[utoipa::path]` annotations,
//! and the docs page at /api/docs (Swagger UI, its files vendored into the binary).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::Tag;
use utoipa::openapi::{
    Components, Content, Header, ObjectBuilder, OpenApi, Ref, RefOr, Required, Schema, Type,
};
use utoipa::{PartialSchema, ToSchema};

use crate::error::{Problem, ProblemField};

// Request fields state the server's rules as JSON Schema, so that what the document allows is
// what the server takes (schemathesis checks both ways: scripts/conformance.sh). utoipa takes
// patterns only as string literals, so these recur in the request structs:
// - one line, not blank: `^[^C]*[^\sC][^C]*$`, C = the control characters U+0000–U+001F and
//   U+007F–U+009F (Rust's `char::is_control`), which one-line fields refuse; a second `[^\sC]`
//   where at least two characters are needed (names), `^(\s*|…)$` where blank clears the field;
// - several lines: `^[^C']*$`, C' = C without tab, line feed and carriage return;
// - region codes: `^(1[1-9]|[2-7][0-9]|8[0-2])[0-9]{4}$` (GB/T 2260, provinces 11–82);
// - category codes: up to four dot-separated segments of `[A-Za-z0-9_-]{1,24}`.
// Whether a well-formed code exists is the reference data's business (a 422 `….unknown`).

/// The name of the bearer-token security scheme operations refer to.
pub const BEARER: &str = "bearer";

/// Every area of the API, in the order the docs page lists them (English name, Chinese summary).
const TAGS: &[(&str, &str)] = &[
    (
        "accounts",
        "账号:注册、验证、登录、令牌、密码重置、本人资料",
    ),
    ("members", "企业成员与邀请;员工账号"),
    ("organizations", "企业名录、资料、资质、工厂;核验与停用"),
    ("capabilities", "供应商能力"),
    ("needs", "主机厂采购需求"),
    ("matches", "需求与能力的排名匹配"),
    ("lifecycle", "匹配审核、意向、报价、合作意向"),
    ("attachments", "能力、需求与报价的附件"),
    ("notifications", "站内通知"),
    ("analytics", "本地配套率与缺口分析(员工)"),
    ("desk", "名单导入与对接活动(协会工作台)"),
    ("staff", "审计日志与退信(员工)"),
    ("reference", "参考数据:品类、地区、区域、资质;本文档"),
];

const DESCRIPTION: &str = "The JSON API of Peitao (配套), the regional auto-parts matching platform.\n\n\
Conventions (see api.md): JSON in and out; ids are UUIDs; times RFC 3339 UTC; dates `YYYY-MM-DD`. \
Authenticate with `Authorization: Bearer <access_token>` from `POST /api/v1/auth/login`. \
Every 4xx/5xx answer is an `application/problem+json` document (`Problem`). \
Lists take `?limit=` (1–100, default 20) and `?cursor=` and answer `{items, next_cursor}`. \
Messages follow `Accept-Language` (`zh-CN` default, `en`).";

/// The whole document: every module's operations under `/api/v1`, the `Problem` schema, the
/// bearer scheme, and the error answers every operation shares (see [`add_shared_errors`]).
#[must_use]
pub fn document() -> OpenApi {
    let mut doc = OpenApi::builder()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("Peitao API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION))
                .license(Some(
                    utoipa::openapi::LicenseBuilder::new()
                        .name("AGPL-3.0-only")
                        .identifier(Some("AGPL-3.0-only"))
                        .build(),
                ))
                .build(),
        )
        .build()
        .nest("/api/v1", crate::api::openapi());
    doc.tags = Some(
        TAGS.iter()
            .map(|(name, summary)| {
                let mut tag = Tag::new(*name);
                tag.description = Some((*summary).to_owned());
                tag
            })
            .collect(),
    );
    let components = doc.components.get_or_insert_with(Components::default);
    let mut schemas = Vec::new();
    <Problem as ToSchema>::schemas(&mut schemas);
    schemas.push((
        <Problem as ToSchema>::name().into_owned(),
        <Problem as PartialSchema>::schema(),
    ));
    schemas.push((
        <ProblemField as ToSchema>::name().into_owned(),
        <ProblemField as PartialSchema>::schema(),
    ));
    components.schemas.extend(schemas);
    // utoipa has no attribute for `propertyNames`. The multipart reader cannot read a part
    // whose name has a control character, or ends in a backslash (it escapes the closing
    // quote): 400. Any other extra part is ignored. Found by the conformance run.
    if let Some(RefOr::T(Schema::Object(form))) = components.schemas.get_mut("UploadForm") {
        form.property_names = Some(Box::new(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(
                    "^([^\\u0000-\\u001f\\u007f]*[^\\u0000-\\u001f\\u007f\\\\])?$",
                ))
                .into(),
        ));
    }
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "The access token from POST /api/v1/auth/login or /auth/refresh.",
                ))
                .build(),
        ),
    );
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add_shared_errors(op);
            name_operation(op);
        }
    }
    add_links(&mut doc);
    doc
}

/// Where an answer's ids lead: `(source operation, its status, the id's place in the body,
/// operations taking that id as {id})`. Clients (and schemathesis's stateful phase) follow them.
const LINKS: &[(&str, &str, &str, &[&str])] = {
    const NEED: &[&str] = &[
        "needs_one",
        "needs_edit",
        "needs_revisions",
        "needs_close",
        "matches_of_need",
        "lifecycle_quotes",
        "attachments_list_of_need",
        "attachments_upload_to_need",
    ];
    const CAPABILITY: &[&str] = &[
        "capabilities_read",
        "capabilities_update",
        "capabilities_archive",
        "matches_of_capability",
        "attachments_list_of_capability",
        "attachments_upload_to_capability",
    ];
    const ORGANIZATION: &[&str] = &[
        "organizations_profile",
        "organizations_update",
        "organizations_replace_certifications",
        "organizations_plants",
        "organizations_add_plant",
        "organizations_verify",
        "organizations_suspend",
        "organizations_reinstate",
        "members_list",
        "members_invite",
        "lifecycle_flag",
    ];
    const MATCH: &[&str] = &[
        "lifecycle_one",
        "lifecycle_approve",
        "lifecycle_reject",
        "lifecycle_interest",
        "lifecycle_record_intention",
        "lifecycle_confirm_intention",
        "lifecycle_dismiss_intention",
        "attachments_list_of_quote",
        "attachments_upload_to_quote",
    ];
    const EVENT: &[&str] = &[
        "desk_one_event",
        "desk_invite",
        "desk_attend",
        "desk_cancel_attendance",
        "desk_event_report",
    ];
    const ATTACHMENT: &[&str] = &["attachments_download", "attachments_remove"];
    const FIRST: &str = "$response.body#/items/0/id";
    const ID: &str = "$response.body#/id";
    &[
        ("needs_list", "200", FIRST, NEED),
        ("needs_create", "201", ID, NEED),
        ("capabilities_list", "200", FIRST, CAPABILITY),
        ("capabilities_create", "201", ID, CAPABILITY),
        ("organizations_directory", "200", FIRST, ORGANIZATION),
        ("lifecycle_list", "200", FIRST, MATCH),
        ("lifecycle_queue", "200", FIRST, MATCH),
        ("desk_list_events", "200", FIRST, EVENT),
        ("desk_create_event", "201", ID, EVENT),
        ("desk_list_imports", "200", FIRST, &["desk_one_import"]),
        (
            "notifications_list",
            "200",
            FIRST,
            &["notifications_mark_read"],
        ),
        ("staff_dead_mail", "200", FIRST, &["staff_retry_mail"]),
        ("attachments_list_of_need", "200", FIRST, ATTACHMENT),
        ("attachments_list_of_capability", "200", FIRST, ATTACHMENT),
        ("attachments_list_of_quote", "200", FIRST, ATTACHMENT),
        ("attachments_upload_to_need", "201", ID, ATTACHMENT),
        ("attachments_upload_to_capability", "201", ID, ATTACHMENT),
        ("attachments_upload_to_quote", "201", ID, ATTACHMENT),
        ("members_list", "200", FIRST, &["members_deactivate"]),
    ]
};

fn add_links(doc: &mut OpenApi) {
    let mut ops: Vec<&mut Operation> = Vec::new();
    for item in doc.paths.paths.values_mut() {
        ops.extend(
            [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten(),
        );
    }
    for op in ops {
        let id = op.operation_id.clone().unwrap_or_default();
        for (_, status, expression, targets) in LINKS.iter().filter(|(from, ..)| *from == id) {
            if let Some(RefOr::T(response)) = op.responses.responses.get_mut(*status) {
                for target in *targets {
                    let link = LinkBuilder::new()
                        .operation_id(*target)
                        .parameter("id", *expression)
                        .build();
                    response.links.insert((*target).to_owned(), RefOr::T(link));
                }
            }
        }
    }
}

/// `{tag}_{handler}`: handlers in different modules share names (`list`, `one`), ids may not.
fn name_operation(op: &mut Operation) {
    let tag = op
        .tags
        .as_ref()
        .and_then(|t| t.first())
        .cloned()
        .unwrap_or_default();
    if let Some(id) = &op.operation_id
        && !tag.is_empty()
        && !id.starts_with(&format!("{tag}_"))
    {
        op.operation_id = Some(format!("{tag}_{id}"));
    }
}

fn problem(description: &str) -> RefOr<Response> {
    let mut response = Response::new(description);
    response.content.insert(
        "application/problem+json".to_owned(),
        Content::new(Some(Ref::from_schema_name("Problem"))).into(),
    );
    RefOr::T(response)
}

fn retry_after() -> RefOr<Header> {
    let mut h = Header::new(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .build(),
    );
    h.description = Some("Seconds to wait before trying again.".to_owned());
    RefOr::T(h)
}

/// Adds the answers that follow from an operation's shape rather than its logic, so the
/// handlers list only their own: 401/403 where a token is needed, 400/413/415/422 where a body
/// is read, 404 for a path id, 422 for the query string, 503 everywhere (the database is down).
/// Then every 4xx/5xx answer without a body gets the `Problem` document, and 429/503 their
/// `Retry-After` header.
fn add_shared_errors(op: &mut Operation) {
    let security = op.security.clone().unwrap_or_default();
    let token_optional = security.iter().any(|s| *s == Default::default());
    let secured = !security.is_empty();
    let params = op.parameters.clone().unwrap_or_default();
    let has = |place: ParameterIn| {
        params
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let json_body = op.request_body.as_ref().is_some_and(|b| match b {
        RefOr::T(b) => b.content.contains_key("application/json"),
        RefOr::Ref(_) => true,
    });
    let mut shared: Vec<(&str, &str)> = Vec::new();
    if op.request_body.is_some() {
        shared.push(("400", "The body could not be read (malformed JSON)."));
        shared.push(("413", "The body is larger than allowed."));
        shared.push(("422", "Fields were read but refused; `errors` names each."));
    }
    if json_body {
        shared.push(("415", "The body is not `application/json`."));
    }
    if secured {
        shared.push(("401", "No token, or a bad or expired one."));
        if !token_optional {
            shared.push(("403", "The caller's role or organization may not do this."));
        }
    }
    if has(ParameterIn::Path) {
        shared.push((
            "404",
            "No such thing, or one the caller may not see (also for a malformed id).",
        ));
    }
    if has(ParameterIn::Query) {
        shared.push(("422", "A query parameter was refused; `errors` names it."));
    }
    shared.push((
        "503",
        "A dependency (the database) is down; retry after `Retry-After` seconds.",
    ));
    let responses = &mut op.responses.responses;
    for (status, description) in shared {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem(description));
    }
    for (status, response) in responses.iter_mut() {
        let error = status.starts_with('4') || status.starts_with('5');
        if let RefOr::T(r) = response
            && error
        {
            if r.content.is_empty() {
                r.content.insert(
                    "application/problem+json".to_owned(),
                    Content::new(Some(Ref::from_schema_name("Problem"))).into(),
                );
            }
            if status == "429" || status == "503" {
                r.headers
                    .entry("Retry-After".to_owned())
                    .or_insert_with(retry_after);
            }
        }
    }
    // Path parameters are always required (OpenAPI insists).
    if let Some(params) = &mut op.parameters {
        for p in params {
            if let RefOr::T(p) = p
                && p.parameter_in == ParameterIn::Path
            {
                p.required = Required::True;
            }
        }
    }
}

/// The methods an API path answers to (`GET, POST`), when the document has the path; the
/// default service uses it to answer other methods with 405 rather than 404.
#[must_use]
pub fn allowed_methods(path: &str) -> Option<String> {
    static ROUTES: OnceLock<Vec<(Vec<String>, String)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        document()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, has)| has.then_some(m))
                .collect();
                (
                    template.split('/').map(str::to_owned).collect(),
                    methods.join(", "),
                )
            })
            .collect()
    });
    if !path.starts_with("/api/v1/") {
        return None;
    }
    let segments: Vec<&str> = path.split('/').collect();
    routes
        .iter()
        .find(|(template, _)| {
            template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| {
                    t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                })
        })
        .map(|(_, methods)| methods.clone())
}

/// The document as served (built once).
fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let value = serde_json::to_value(document()).unwrap_or_default();
        serde_json::to_string(&sorted(value)).unwrap_or_default()
    })
}

/// Object keys in order, so the document (and its snapshot) does not change between builds.
fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, sorted(v)))
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

/// This document (OpenAPI 3.1), generated from the handlers.
#[utoipa::path(
    tag = "reference",
    summary = "The OpenAPI document of this API · 本接口的 OpenAPI 文档",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
#[get("/openapi.json")]
pub async fn spec() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(document_json())
}

/// The docs page: our own `index.html` (the vendored one names files relative to a trailing
/// slash; this one works at `/api/docs` too), everything else from the vendored Swagger UI.
///
/// The pages keep the site's Content-Security-Policy unchanged: no inline script (the
/// initializer is its own file, `swagger-initializer.js`) and no inline style. Checked in
/// Chromium under that policy: Swagger UI's styling is CSSOM, which CSP allows; the one thing
/// it blocked was the standalone layout's top bar, whose SVG logo carries a `<style>` element,
/// so the page uses the base layout (no top bar: it only offered a box to load other documents).
const INDEX_HTML: &str = include_str!("openapi/index.html");

/// Registers `/api/docs` (the page) and `/api/docs/{file}` (its scripts, styles and icons).
pub fn configure_docs(cfg: &mut web::ServiceConfig) {
    let config = Arc::new(
        utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])
            // The default sends the document to an outside validator for a badge.
            .validator_url("none")
            .use_base_layout(),
    );
    cfg.app_data(web::Data::from(config))
        .route("/api/docs", web::get().to(docs_index))
        .route("/api/docs/", web::get().to(docs_index))
        .route("/api/docs/{file}", web::get().to(docs_file));
}

async fn docs_index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML)
}

async fn docs_file(
    file: web::Path<String>,
    config: web::Data<utoipa_swagger_ui::Config<'static>>,
) -> HttpResponse {
    let name = file.into_inner();
    if name == "index.html" {
        return docs_index().await;
    }
    match utoipa_swagger_ui::serve(&name, config.into_inner()) {
        Ok(Some(file)) => HttpResponse::Ok()
            .content_type(file.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(file.bytes.into_owned()),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(error) => {
            tracing::error!(%error, "swagger ui file");
            HttpResponse::InternalServerError().finish()
        }
    }
}
