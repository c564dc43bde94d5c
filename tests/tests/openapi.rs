//! The OpenAPI document and the docs page stay honest: the served document matches the checked-in
//! snapshot (docs/openapi.json), every route the handlers declare is in it and every operation in
//! it is served, operations that need a token say so, and /api/docs loads with its assets.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use peitao_tests::TestApp;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

async fn spec(app: &TestApp) -> Value {
    let res = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    res.json().await.unwrap()
}

/// `(method, path)` of every operation in the document.
fn operations(spec: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    let Some(paths) = spec["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.insert((method.to_owned(), path.clone()), op.clone());
            }
        }
    }
    out
}

/// A route the source declares: method, full path, and whether its handler takes a token
/// (`Some(true)`: must; `Some(false)`: may; `None`: none in its signature).
#[derive(Debug)]
struct Route {
    method: String,
    path: String,
    token: Option<bool>,
    file: String,
}

/// The text between the first `(` after `from` and its matching `)`.
fn signature(source: &str, from: usize) -> &str {
    let open = from + source[from..].find('(').unwrap();
    let mut depth = 0;
    for (i, c) in source[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &source[open..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced signature")
}

/// Every `#[get("...")]`-style route and `web::resource("...").route(web::post()...)` in the
/// API modules (and openapi.rs), read from the source.
fn declared_routes() -> Vec<Route> {
    let http = workspace().join("crates/http/src");
    let mut files: Vec<PathBuf> = std::fs::read_dir(http.join("api"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.push(http.join("openapi.rs"));
    files.sort();
    let mut routes = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for method in METHODS {
            let marker = format!("#[{method}(\"");
            let mut at = 0;
            while let Some(found) = source[at..].find(&marker) {
                let start = at + found + marker.len();
                let end = start + source[start..].find('"').unwrap();
                let path = &source[start..end];
                let fn_at = start + source[start..].find("fn ").unwrap();
                let sig = signature(&source, fn_at);
                let token = if sig.contains("Option<AuthUser>") {
                    Some(false)
                } else if sig.contains("AuthUser") || sig.contains("RequireStaff") {
                    Some(true)
                } else {
                    None
                };
                routes.push(Route {
                    method: method.to_owned(),
                    path: format!("/api/v1{path}"),
                    token,
                    file: name.clone(),
                });
                at = end;
            }
        }
        let marker = "web::resource(\"";
        let mut at = 0;
        while let Some(found) = source[at..].find(marker) {
            let start = at + found + marker.len();
            let end = start + source[start..].find('"').unwrap();
            let path = &source[start..end];
            let rest = &source[end..];
            let route_at = rest.find(".route(web::").expect("a resource with a route");
            let method_start = route_at + ".route(web::".len();
            let method_end = method_start + rest[method_start..].find('(').unwrap();
            routes.push(Route {
                method: rest[method_start..method_end].to_owned(),
                path: format!("/api/v1{path}"),
                token: None,
                file: name.clone(),
            });
            at = end;
        }
    }
    routes
}

/// Pretty JSON with a final newline, as the checked-in file is kept.
fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

#[tokio::test]
async fn the_document_matches_its_snapshot() {
    let app = TestApp::spawn().await;
    let served = spec(&app).await;
    assert_eq!(served["openapi"], "3.1.0");
    let file = workspace().join("docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&file, pretty(&served)).unwrap();
        return;
    }
    let kept = std::fs::read_to_string(&file).unwrap_or_default();
    let kept: Value = serde_json::from_str(&kept).unwrap_or(Value::Null);
    if kept != served {
        let (kept_ops, served_ops) = (operations(&kept), operations(&served));
        let changed: Vec<_> = served_ops
            .iter()
            .filter(|(k, v)| kept_ops.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .chain(
                kept_ops
                    .keys()
                    .filter(|k| !served_ops.contains_key(*k))
                    .cloned(),
            )
            .collect();
        panic!(
            "The served OpenAPI document differs from docs/openapi.json (operations changed: \
             {changed:?}; components may differ too).\nIf the change is intended, run \
             `UPDATE_OPENAPI=1 cargo test -p peitao-tests --test openapi` and commit the file."
        );
    }
}

#[tokio::test]
async fn every_declared_route_is_in_the_document_and_nothing_else_is() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let ops = operations(&spec);
    let routes = declared_routes();
    assert!(
        routes.len() >= 80,
        "found only {} routes in the source",
        routes.len()
    );
    let mut missing = Vec::new();
    let mut declared = BTreeSet::new();
    for r in &routes {
        let key = (r.method.clone(), r.path.clone());
        declared.insert(key.clone());
        let Some(op) = ops.get(&key) else {
            missing.push(format!("{} {} ({})", r.method, r.path, r.file));
            continue;
        };
        // A handler that takes a token must say so; one that may take one must offer it.
        let security = op["security"].as_array().cloned().unwrap_or_default();
        let bearer = security.iter().any(|s| s.get("bearer").is_some());
        let anonymous = security
            .iter()
            .any(|s| s.as_object().is_some_and(serde_json::Map::is_empty));
        match r.token {
            Some(true) => assert!(
                bearer && !anonymous,
                "{} {} needs a token but its operation says {security:?}",
                r.method,
                r.path
            ),
            Some(false) => assert!(
                bearer && anonymous,
                "{} {} takes an optional token but its operation says {security:?}",
                r.method,
                r.path
            ),
            None => {}
        }
    }
    assert!(
        missing.is_empty(),
        "routes served but missing from the OpenAPI document: {missing:#?}"
    );
    let stale: Vec<_> = ops.keys().filter(|k| !declared.contains(*k)).collect();
    assert!(
        stale.is_empty(),
        "operations in the document that no handler declares: {stale:#?}"
    );
}

/// Asks the running app for every operation in the document (no token, no body: any answer
/// will do) and reads the route patterns the metrics middleware saw matched: an operation whose
/// path or method the app does not serve shows up as unmatched.
#[tokio::test]
async fn every_operation_in_the_document_is_served() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let nil = "00000000-0000-0000-0000-000000000000";
    for (method, path) in operations(&spec).keys() {
        let mut concrete = String::new();
        let mut in_param = false;
        for c in path.chars() {
            match c {
                '{' => {
                    in_param = true;
                    concrete.push_str(nil);
                }
                '}' => in_param = false,
                c if !in_param => concrete.push(c),
                _ => {}
            }
        }
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        app.client
            .request(method, app.url(&concrete))
            .send()
            .await
            .unwrap();
    }
    // A path the document has, asked with a method it has not: 405 naming the methods.
    let res = app
        .client
        .request(reqwest::Method::PUT, app.url("/api/v1/needs"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, POST");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app
        .client
        .request(
            reqwest::Method::TRACE,
            app.url(&format!("/api/v1/needs/{nil}/close")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    assert_eq!(app.get("/api/v1/no-such-thing", None).await.status(), 404);
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    let unserved: Vec<_> = operations(&spec)
        .keys()
        .filter(|(method, path)| {
            let label = format!("method=\"{}\",route=\"{path}\"", method.to_uppercase());
            !metrics.contains(&label)
        })
        .cloned()
        .collect();
    assert!(
        unserved.is_empty(),
        "operations the app does not route: {unserved:#?}"
    );
}

#[tokio::test]
async fn each_operation_is_described_with_its_errors() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let tags: BTreeSet<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let expected = [
        "accounts",
        "organizations",
        "capabilities",
        "needs",
        "matches",
        "lifecycle",
        "attachments",
        "analytics",
        "desk",
        "reference",
        "staff",
        "notifications",
        "members",
    ];
    assert_eq!(tags, expected.into_iter().collect());
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let problem = &spec["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status", "detail"] {
        assert!(
            problem["required"]
                .as_array()
                .unwrap()
                .contains(&Value::from(field)),
            "{problem}"
        );
    }
    let all_ids: BTreeSet<String> = operations(&spec)
        .values()
        .map(|op| op["operationId"].as_str().unwrap().to_owned())
        .collect();
    let mut ids = BTreeSet::new();
    for ((method, path), op) in operations(&spec) {
        let name = format!("{method} {path}");
        let tag = op["tags"][0].as_str().unwrap_or_default();
        assert!(tags.contains(tag), "{name}: tag {tag:?}");
        assert!(op["summary"].is_string(), "{name}: no summary");
        let id = op["operationId"].as_str().unwrap().to_owned();
        assert!(ids.insert(id.clone()), "{name}: operationId {id} twice");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{name}: no success answer"
        );
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                // The Problem schema itself, or one built on it (the roster import's report).
                let schema = &response["content"]["application/problem+json"]["schema"];
                let problem = schema["$ref"] == "#/components/schemas/Problem"
                    || schema["anyOf"].as_array().is_some_and(|any| {
                        any.iter()
                            .any(|s| s["$ref"] == "#/components/schemas/Problem")
                    });
                assert!(
                    problem,
                    "{name}: {status} is not a problem document: {response}"
                );
            }
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{name}: no 404");
        }
        for response in responses.values() {
            for (_, link) in response["links"].as_object().into_iter().flatten() {
                let target = link["operationId"].as_str().unwrap();
                assert!(
                    all_ids.contains(target),
                    "{name}: a link to {target}, which no operation is"
                );
            }
        }
        if op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()))
        {
            assert!(responses.contains_key("401"), "{name}: no 401");
        }
    }
}

#[tokio::test]
async fn the_docs_page_loads_with_its_assets_from_this_server() {
    let app = TestApp::spawn().await;
    for page in ["/api/docs", "/api/docs/", "/api/docs/index.html"] {
        let res = app.get(page, None).await;
        assert_eq!(res.status(), 200, "{page}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        // The site's policy, not a relaxed one: no inline script or style anywhere.
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self';") && csp.contains("style-src 'self';"),
            "{csp}"
        );
        let html = res.text().await.unwrap();
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        assert!(
            !html.contains("<style") && !html.contains("style="),
            "{html}"
        );
        // Every script is a file of ours: nothing inline.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=\"/api/docs/").count()
        );
        let mut assets = Vec::new();
        for marker in ["src=\"", "href=\""] {
            for part in html.split(marker).skip(1) {
                assets.push(part[..part.find('"').unwrap()].to_owned());
            }
        }
        assert!(assets.len() >= 5, "{assets:?}");
        for asset in assets {
            let res = app.get(&asset, None).await;
            assert_eq!(res.status(), 200, "{asset}");
            let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
            let expected = if asset.ends_with(".js") {
                "text/javascript"
            } else if asset.ends_with(".css") {
                "text/css"
            } else {
                "image/png"
            };
            assert!(kind.starts_with(expected), "{asset}: {kind}");
            let body = res.bytes().await.unwrap();
            assert!(body.len() > 100, "{asset}");
        }
    }
    let init = app
        .get("/api/docs/swagger-initializer.js", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("\"/api/v1/openapi.json\""), "{init}");
    // The base layout: the standalone one's logo is an inline <style> the CSP blocks.
    assert!(init.contains("\"BaseLayout\""), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    assert!(!init.contains("https://"), "{init}");
    assert_eq!(app.get("/api/docs/nothing.js", None).await.status(), 404);
}
