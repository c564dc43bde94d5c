//! Building a small supply world through the API: firms in a region, their certifications and
//! postings. Shared by the matching and lifecycle tests.

use peitao_domain::CreditCode;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestApp;

/// A valid unified social credit code, distinct per `n`.
#[must_use]
pub fn credit(n: u32) -> String {
    CreditCode::with_check_char(&format!("91500112MA{n:07}"))
        .expect("a well-formed code")
        .as_str()
        .to_owned()
}

/// A verified member of a new organization sitting in `region`: token and organization id.
pub async fn firm(app: &TestApp, n: u32, role: &str, region: &str) -> (String, Uuid) {
    let token = app
        .verified_user(&format!("m{n}@firm.example.cn"), role, &credit(n))
        .await
        .access_token;
    let (_, me) = app
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    let org: Uuid = me["organization_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an organization id");
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organizations/{org}"),
            Some(&token),
            Some(&json!({"region_code": region})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (token, org)
}

/// Gives the organization these certifications, valid until 2099.
pub async fn certify(app: &TestApp, token: &str, org: Uuid, codes: &[&str]) {
    let held: Vec<Value> = codes
        .iter()
        .map(|c| json!({"code": c, "expires_on": "2099-12-31"}))
        .collect();
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/organizations/{org}/certifications"),
            Some(token),
            Some(&Value::Array(held)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// POSTs a posting and returns its id (asserting 201).
pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Uuid {
    let (status, body) = app.call(Method::POST, path, Some(token), Some(&body)).await;
    assert_eq!(status, 201, "POST {path}: {body}");
    body["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an id")
}
