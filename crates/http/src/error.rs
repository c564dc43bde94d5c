//! `ApiError`, the one error type of the HTTP layer, written as RFC 9457 problem+json in the
//! caller's language. Every variant says its status; internal causes are logged, never shown.

use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use peitao_domain::{Invalid, Locale};
use peitao_persistence::StoreError;
use serde::Serialize;

/// A sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    #[must_use]
    pub const fn fixed(zh: &'static str, en: &'static str) -> Text {
        Text {
            zh: Cow::Borrowed(zh),
            en: Cow::Borrowed(en),
        }
    }

    #[must_use]
    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    #[must_use]
    pub fn get(&self, locale: Locale) -> &str {
        locale.pick(&self.zh, &self.en)
    }
}

/// One refused field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the client sent it (`organization.credit_code`, `parent` ...).
    pub field: String,
    /// A stable machine code (`credit_code.check_digit`, `required` ...).
    pub code: String,
    pub message: Text,
}

impl FieldError {
    /// Names the field a domain parser refused.
    #[must_use]
    pub fn from_invalid(field: impl Into<String>, invalid: &Invalid) -> FieldError {
        FieldError {
            field: field.into(),
            code: invalid.code.to_owned(),
            message: Text::fixed(invalid.zh, invalid.en),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, a bad query string).
    #[error("bad request")]
    BadRequest(Text),
    /// 401: no token, or a bad one.
    #[error("unauthorized")]
    Unauthorized,
    /// 403: known caller, not allowed.
    #[error("forbidden")]
    Forbidden(Text),
    /// 404: no such thing, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the change conflicts with the current state (a taken key, a decided match).
    #[error("conflict")]
    Conflict(Text),
    /// 413: the body is larger than the configured limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 413: one field (an uploaded file) is larger than its own limit, named in `errors`.
    #[error("field too large")]
    FieldTooLarge(FieldError),
    /// 415: the body is not JSON where JSON is required.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: fields that were read but refused, each named.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429: too many attempts; retry after the given seconds.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// 503: a dependency (the database) is down; retry shortly.
    #[error("service unavailable")]
    Unavailable,
    /// 507: the storage a field's content goes to (the attachment store's disk) is full; the
    /// field is named in `errors`. Nothing was kept; an operator has to free space.
    #[error("insufficient storage")]
    InsufficientStorage(FieldError),
    /// 500: our bug. The cause was logged where it happened.
    #[error("internal error")]
    Internal,
}

/// The problem document (RFC 9457), the body of every 4xx and 5xx answer of the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"type": "/problems/validation", "title": "Invalid fields", "status": 422,
    "detail": "Some fields were refused; see errors.",
    "errors": [{"field": "email", "code": "email.invalid", "message": "Not an email address."}]}))]
pub struct Problem<'a> {
    /// A URI reference naming the kind of problem (`/problems/not-found` ...).
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// The kind's title in the caller's language (`Accept-Language`).
    pub title: &'a str,
    /// The HTTP status, repeated.
    pub status: u16,
    /// What happened, for a person.
    pub detail: &'a str,
    /// The refused fields (422, and a 413 or 507 naming the file); absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField<'a>>,
}

/// One refused field of a request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField<'a> {
    /// The field as the client sent it (`organization.credit_code`, `file` ...).
    pub field: &'a str,
    /// A stable machine code (`required`, `credit_code.check_digit` ...).
    pub code: &'a str,
    /// Why, in the caller's language.
    pub message: &'a str,
}

impl ApiError {
    /// A 422 for one field refused by a domain parser.
    #[must_use]
    pub fn invalid(field: impl Into<String>, invalid: &Invalid) -> ApiError {
        ApiError::Validation(vec![FieldError::from_invalid(field, invalid)])
    }

    /// The problem's `type` (a URI reference), title and default detail.
    fn describe(&self) -> (&'static str, Text, Text) {
        match self {
            ApiError::BadRequest(_) => (
                "/problems/bad-request",
                Text::fixed("请求格式有误", "Bad request"),
                Text::fixed("无法读取请求。", "The request could not be read."),
            ),
            ApiError::Unauthorized => (
                "/problems/unauthorized",
                Text::fixed("未登录或登录已失效", "Unauthorized"),
                Text::fixed(
                    "请先登录,或重新登录后再试。",
                    "Log in, or log in again, and retry.",
                ),
            ),
            ApiError::Forbidden(_) => (
                "/problems/forbidden",
                Text::fixed("无权执行此操作", "Forbidden"),
                Text::fixed("您的账号不能执行此操作。", "Your account may not do this."),
            ),
            ApiError::NotFound => (
                "/problems/not-found",
                Text::fixed("未找到", "Not found"),
                Text::fixed(
                    "请求的资源不存在,或您无权查看。",
                    "The resource does not exist, or you may not see it.",
                ),
            ),
            ApiError::MethodNotAllowed => (
                "/problems/method-not-allowed",
                Text::fixed("不支持的请求方法", "Method not allowed"),
                Text::fixed(
                    "该地址不支持此请求方法。",
                    "This address does not accept that method.",
                ),
            ),
            ApiError::Conflict(_) => (
                "/problems/conflict",
                Text::fixed("与现有数据冲突", "Conflict"),
                Text::fixed(
                    "该操作与当前状态冲突。",
                    "The change conflicts with the current state.",
                ),
            ),
            ApiError::PayloadTooLarge | ApiError::FieldTooLarge(_) => (
                "/problems/payload-too-large",
                Text::fixed("请求内容过大", "Payload too large"),
                Text::fixed(
                    "请求内容超过了允许的大小。",
                    "The request body is larger than allowed.",
                ),
            ),
            ApiError::UnsupportedMediaType => (
                "/problems/unsupported-media-type",
                Text::fixed("不支持的内容类型", "Unsupported media type"),
                Text::fixed(
                    "请以 application/json 发送请求内容。",
                    "Send the body as application/json.",
                ),
            ),
            ApiError::Validation(_) => (
                "/problems/validation",
                Text::fixed("提交的内容有误", "Invalid fields"),
                Text::fixed(
                    "部分字段未通过校验,请根据提示修改。",
                    "Some fields were refused; see errors.",
                ),
            ),
            ApiError::RateLimited { .. } => (
                "/problems/rate-limited",
                Text::fixed("请求过于频繁", "Too many requests"),
                Text::fixed(
                    "尝试次数过多,请稍后再试。",
                    "Too many attempts; try again later.",
                ),
            ),
            ApiError::Unavailable => (
                "/problems/unavailable",
                Text::fixed("服务暂时不可用", "Service unavailable"),
                Text::fixed(
                    "依赖的服务暂时不可用,请稍后重试。",
                    "A service we depend on is down; retry shortly.",
                ),
            ),
            ApiError::InsufficientStorage(_) => (
                "/problems/insufficient-storage",
                Text::fixed("存储空间不足", "Insufficient storage"),
                Text::fixed(
                    "存储空间已满,内容未保存。请稍后再试,或联系平台管理员。",
                    "The storage is full; nothing was saved. Try again later, or tell the platform's administrators.",
                ),
            ),
            ApiError::Internal => (
                "/problems/internal",
                Text::fixed("服务器内部错误", "Internal error"),
                Text::fixed(
                    "出现了意外错误,我们已记录。",
                    "Something unexpected went wrong; it has been logged.",
                ),
            ),
        }
    }

    /// Writes the problem in `locale`.
    #[must_use]
    pub fn to_response(&self, locale: Locale) -> HttpResponse {
        let (kind, title, default_detail) = self.describe();
        let detail = match self {
            ApiError::BadRequest(t) | ApiError::Forbidden(t) | ApiError::Conflict(t) => {
                t.get(locale)
            }
            _ => default_detail.get(locale),
        };
        let errors = match self {
            ApiError::Validation(fields) => fields
                .iter()
                .map(|f| ProblemField {
                    field: &f.field,
                    code: &f.code,
                    message: f.message.get(locale),
                })
                .collect(),
            ApiError::FieldTooLarge(f) | ApiError::InsufficientStorage(f) => vec![ProblemField {
                field: &f.field,
                code: &f.code,
                message: f.message.get(locale),
            }],
            _ => Vec::new(),
        };
        let status = self.status_code();
        let problem = Problem {
            kind,
            title: title.get(locale),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = HttpResponse::build(status);
        response
            .content_type("application/problem+json")
            .insert_header((header::CONTENT_LANGUAGE, locale.tag()));
        match self {
            ApiError::RateLimited { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        response.json(problem)
    }

    /// The generic problem for a status some other layer (actix itself) produced.
    #[must_use]
    pub fn for_status(status: StatusCode) -> ApiError {
        match status.as_u16() {
            401 => ApiError::Unauthorized,
            403 => ApiError::Forbidden(Text::fixed(
                "您的账号不能执行此操作。",
                "Your account may not do this.",
            )),
            404 => ApiError::NotFound,
            405 => ApiError::MethodNotAllowed,
            413 => ApiError::PayloadTooLarge,
            415 => ApiError::UnsupportedMediaType,
            429 => ApiError::RateLimited {
                retry_after_secs: 60,
            },
            503 => ApiError::Unavailable,
            s if (400..500).contains(&s) => ApiError::BadRequest(Text::fixed(
                "无法读取请求。",
                "The request could not be read.",
            )),
            _ => ApiError::Internal,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge | ApiError::FieldTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Chinese by default; the `localize` middleware re-renders it for English callers.
    fn error_response(&self) -> HttpResponse {
        self.to_response(Locale::ZhCn)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                ApiError::Unavailable
            }
            StoreError::Conflict(_) => {
                ApiError::Conflict(Text::fixed("该记录已存在。", "That record already exists."))
            }
            StoreError::NotFound(_) => ApiError::NotFound,
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::Internal
            }
        }
    }
}
