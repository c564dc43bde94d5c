//! How actix's own extractor failures become problems: malformed JSON is 400, an oversized body
//! 413, a body that parses but has wrong or missing fields 422 naming the field.

use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use crate::error::{ApiError, FieldError, Text};

/// JSON bodies: the size limit and the problem for each way a body can be wrong.
#[must_use]
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req: &HttpRequest| json_error(&err).into())
}

/// Query strings that do not fit the handler's type.
#[must_use]
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req: &HttpRequest| {
        let QueryPayloadError::Deserialize(e) = &err else {
            return ApiError::BadRequest(Text::fixed(
                "查询参数有误。",
                "The query string could not be read.",
            ))
            .into();
        };
        ApiError::Validation(vec![FieldError {
            field: serde_field(&e.to_string()).unwrap_or_else(|| "query".to_owned()),
            code: "invalid".to_owned(),
            message: Text::new(
                format!("查询参数有误:{e}"),
                format!("Invalid query parameter: {e}"),
            ),
        }])
        .into()
    })
}

/// Path segments that do not parse (a malformed id): the thing cannot exist, so 404.
#[must_use]
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req: &HttpRequest| ApiError::NotFound.into())
}

fn json_error(err: &JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let text = e.to_string();
            let field = serde_field(&text).unwrap_or_else(|| "body".to_owned());
            let (code, zh, en) = if text.starts_with("missing field") {
                (
                    "required",
                    format!("缺少必填字段 {field}。"),
                    format!("{field} is required."),
                )
            } else if text.starts_with("unknown field") {
                (
                    "unknown",
                    format!("不认识的字段 {field}。"),
                    format!("{field} is not a known field."),
                )
            } else {
                (
                    "invalid",
                    format!("字段 {field} 的类型或取值有误。"),
                    format!("{field} has the wrong type or value."),
                )
            };
            ApiError::Validation(vec![FieldError {
                field,
                code: code.to_owned(),
                message: Text::new(zh, en),
            }])
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(Text::new(
            format!(
                "请求内容不是有效的 JSON(第 {} 行第 {} 列)。",
                e.line(),
                e.column()
            ),
            format!(
                "The body is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        )),
        _ => ApiError::BadRequest(Text::fixed(
            "无法读取请求内容。",
            "The request body could not be read.",
        )),
    }
}

/// serde names the field in backticks: "missing field `email` at line 1 column 2".
/// Only those two messages name a field; in others ("invalid type: integer `3`") the backticks
/// hold the offending value, so no field is claimed.
fn serde_field(message: &str) -> Option<String> {
    if !(message.starts_with("missing field `") || message.starts_with("unknown field `")) {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::test::{TestRequest, call_service, init_service, read_body_json};
    use actix_web::{App, HttpResponse};
    use serde_json::Value;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        count: u32,
    }

    async fn accept(_body: web::Json<Body>) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    /// Posts `body` through the same configuration and middleware the app uses.
    async fn post(body: &'static str, content_type: &str, lang: &str) -> (u16, Value) {
        let app = init_service(
            App::new()
                .app_data(json_config(64))
                .route("/t", web::post().to(accept))
                .wrap(from_fn(crate::middleware::localize_problems)),
        )
        .await;
        let req = TestRequest::post()
            .uri("/t")
            .insert_header(("content-type", content_type))
            .insert_header(("accept-language", lang))
            .set_payload(body)
            .to_request();
        let res = call_service(&app, req).await;
        let status = res.status().as_u16();
        if status == 204 {
            return (status, Value::Null);
        }
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        (status, read_body_json(res).await)
    }

    #[actix_web::test]
    async fn each_way_a_body_can_be_wrong_has_its_status() {
        assert_eq!(
            post(
                r#"{"email":"a@b.cn","count":1}"#,
                "application/json",
                "zh-CN"
            )
            .await
            .0,
            204
        );

        let (status, p) = post(r#"{"email": "#, "application/json", "en").await;
        assert_eq!(status, 400);
        assert!(
            p["detail"].as_str().unwrap().contains("not valid JSON"),
            "{p}"
        );

        let (status, p) = post(r#"{"count":1}"#, "application/json", "zh-CN").await;
        assert_eq!(status, 422);
        assert_eq!(p["errors"][0]["field"], "email");
        assert_eq!(p["errors"][0]["code"], "required");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("缺少必填字段"),
            "{p}"
        );

        let (status, p) = post(
            r#"{"email":"a@b.cn","count":"many"}"#,
            "application/json",
            "en",
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(p["errors"][0]["code"], "invalid");

        let (status, p) = post(
            r#"{"email":"a-very-long-address-to-pass-the-limit@example.cn","count":1}"#,
            "application/json",
            "en",
        )
        .await;
        assert_eq!(status, 413);
        assert_eq!(p["title"], "Payload too large");

        let (status, _) = post("email=a", "application/x-www-form-urlencoded", "en").await;
        assert_eq!(status, 415);
    }

    #[test]
    fn finds_the_field_serde_names() {
        assert_eq!(
            serde_field("missing field `email` at line 1 column 2").as_deref(),
            Some("email")
        );
        assert_eq!(serde_field("invalid type: string"), None);
        assert_eq!(
            serde_field("invalid type: integer `3`, expected a string"),
            None
        );
        assert_eq!(
            serde_field("unknown field `colour`, expected one of `color`").as_deref(),
            Some("colour")
        );
    }
}
