//! Capabilities through the real server: posting (published and draft), who sees and changes
//! what, every refused field, the public list's filters and paging, archiving and suspension.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use peitao_domain::user::Role;
use peitao_persistence::entities::{capability, organization, organization_certification};
use peitao_persistence::sea_orm::sea_query::Expr;
use peitao_persistence::sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use peitao_persistence::users;
use peitao_tests::{PASSWORD, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

// Valid unified social credit codes, prefix 91420100MA (check characters computed per GB 32100).
const CODE_A: &str = "91420100MA0000000Y";
const CODE_B: &str = "91420100MA00000012";
const CODE_C: &str = "91420100MA00000025";
const CODE_D: &str = "91420100MA00000038";

/// A verified supplier (or OEM) user: its access token and its organization's id.
async fn member(app: &TestApp, email: &str, role: &str, code: &str) -> (String, Uuid) {
    let token = app.verified_user(email, role, code).await.access_token;
    let me: Value = app.get_as("/api/v1/me", &token).await.json().await.unwrap();
    let org = Uuid::parse_str(me["organization_id"].as_str().unwrap()).unwrap();
    (token, org)
}

async fn staff(app: &TestApp) -> String {
    let hash = peitao_auth::password::hash(PASSWORD.into(), peitao_auth::password::HashCost::Fast)
        .await
        .unwrap();
    let new = users::NewStaff {
        email: peitao_domain::Email::parse("staff@assoc.example.cn").unwrap(),
        display_name: "协会".into(),
        password_hash: hash,
        role: Role::Staff,
        locale: peitao_domain::Locale::ZhCn,
    };
    users::create_staff(app.db(), new, Utc::now())
        .await
        .unwrap();
    app.login("staff@assoc.example.cn", PASSWORD)
        .await
        .access_token
}

/// Sends a request with an optional token and JSON body; returns the status and the body.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("Accept-Language", "en");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Posts a capability and asserts it was created.
async fn post(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = call(
        app,
        Method::POST,
        "/api/v1/capabilities",
        Some(token),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created
}

fn cell(title: &str) -> Value {
    json!({"category_code": "EDRIVE.BATTERY.CELL", "title": title, "description": "方形磷酸铁锂电芯"})
}

/// The titles a listing returns, in order.
async fn titles(app: &TestApp, query: &str, token: Option<&str>) -> Vec<String> {
    let (status, page) = call(
        app,
        Method::GET,
        &format!("/api/v1/capabilities{query}"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{query}: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

fn fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Changes an organization behind the services' back, then drops the pages kept in memory as
/// the services do after every organization change.
async fn set_org(app: &TestApp, org: Uuid, column: organization::Column, value: Expr) {
    organization::Entity::update_many()
        .col_expr(column, value)
        .filter(organization::Column::Id.eq(org))
        .exec(app.db().conn())
        .await
        .unwrap();
    app.state().pages.organization_changed();
}

async fn audit_actions(app: &TestApp, staff: &str, id: &str) -> Vec<String> {
    let (status, page) = call(
        app,
        Method::GET,
        &format!("/api/v1/audit?entity=capability&entity_id={id}"),
        Some(staff),
        None,
    )
    .await;
    assert_eq!(status, 200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn suppliers_post_published_and_draft_capabilities_and_others_see_only_what_they_may() {
    let app = TestApp::spawn().await;
    let (a, org_a) = member(&app, "a@supplier.example.cn", "supplier", CODE_A).await;
    let (b, _) = member(&app, "b@supplier.example.cn", "supplier", CODE_B).await;
    let (oem, _) = member(&app, "o@oem.example.cn", "oem", CODE_C).await;
    let staff = staff(&app).await;

    let full = json!({
        "category_code": "edrive.battery.cell",
        "title": "  314Ah 储能与动力电芯  ",
        "description": "年产 20 GWh,支持定制。",
        "annual_capacity": 2_000_000,
        "unit": "只",
        "lead_time_days": 30,
        "min_order_qty": 10_000,
        "served_region_codes": ["500000", "510100"],
        "processes": ["涂布", "卷绕"],
        "products": ["314Ah 电芯"]
    });
    let res = app
        .post("/api/v1/capabilities", &full, Some(&a), None)
        .await;
    assert_eq!(res.status(), 201);
    let published: Value = res.json().await.unwrap();
    let id = published["id"].as_str().unwrap().to_owned();
    assert_eq!(published["status"], "published");
    assert_eq!(published["category_code"], "EDRIVE.BATTERY.CELL");
    assert_eq!(published["title"], "314Ah 储能与动力电芯");
    assert_eq!(published["organization"]["id"], org_a.to_string());
    assert_eq!(published["organization"]["verified"], false);
    assert!(
        published["organization"]["name"]
            .as_str()
            .unwrap()
            .contains(CODE_A)
    );
    assert_eq!(published["annual_capacity"], 2_000_000);
    assert_eq!(published["min_order_qty"], 10_000);
    assert_eq!(published["lead_time_days"], 30);
    assert_eq!(published["unit"], "只");
    assert_eq!(
        published["served_region_codes"],
        json!(["500000", "510100"])
    );
    assert_eq!(published["processes"], json!(["涂布", "卷绕"]));
    assert_eq!(published["products"], json!(["314Ah 电芯"]));
    assert!(published["created_at"].as_str().unwrap().ends_with('Z'));

    let mut draft_body = cell("尚未发布的电芯");
    draft_body["status"] = json!("draft");
    let draft = post(&app, &a, &draft_body).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["annual_capacity"], Value::Null);
    assert_eq!(draft["products"], json!([]));

    // Published: anyone. Draft: the organization's members and staff; everyone else 404.
    let get = |path: String, token: Option<String>| {
        let app = &app;
        async move {
            call(app, Method::GET, &path, token.as_deref(), None)
                .await
                .0
        }
    };
    let one = format!("/api/v1/capabilities/{id}");
    let hidden = format!("/api/v1/capabilities/{draft_id}");
    assert_eq!(get(one.clone(), None).await, 200);
    assert_eq!(get(one.clone(), Some(oem.clone())).await, 200);
    assert_eq!(get(hidden.clone(), None).await, 404);
    assert_eq!(get(hidden.clone(), Some(b.clone())).await, 404);
    assert_eq!(get(hidden.clone(), Some(oem.clone())).await, 404);
    assert_eq!(get(hidden.clone(), Some(a.clone())).await, 200);
    assert_eq!(get(hidden.clone(), Some(staff.clone())).await, 200);
    assert_eq!(
        get(format!("/api/v1/capabilities/{}", Uuid::now_v7()), None).await,
        404
    );
    assert_eq!(
        get("/api/v1/capabilities/not-an-id".into(), None).await,
        404
    );
    assert_eq!(get(one.clone(), Some("forged".into())).await, 401);
    assert_eq!(titles(&app, "", None).await, ["314Ah 储能与动力电芯"]);

    // Another organization may not change it: 403 where it may see it, 404 where it may not.
    let patch = json!({"title": "改名"});
    assert_eq!(
        call(&app, Method::PATCH, &one, Some(&b), Some(&patch))
            .await
            .0,
        403
    );
    assert_eq!(
        call(&app, Method::DELETE, &one, Some(&b), None).await.0,
        403
    );
    assert_eq!(
        call(&app, Method::PATCH, &one, Some(&oem), Some(&patch))
            .await
            .0,
        403
    );
    assert_eq!(
        call(&app, Method::PATCH, &hidden, Some(&b), Some(&patch))
            .await
            .0,
        404
    );
    assert_eq!(
        call(&app, Method::PATCH, &one, None, Some(&patch)).await.0,
        401
    );
    let missing = format!("/api/v1/capabilities/{}", Uuid::now_v7());
    assert_eq!(
        call(&app, Method::PATCH, &missing, Some(&a), Some(&patch))
            .await
            .0,
        404
    );
    assert_eq!(
        call(&app, Method::DELETE, &missing, Some(&a), None).await.0,
        404
    );

    // Only supplier members with a verified email post.
    let (status, problem) = call(
        &app,
        Method::POST,
        "/api/v1/capabilities",
        Some(&oem),
        Some(&cell("x")),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/capabilities",
        Some(&staff),
        Some(&cell("x")),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/capabilities",
        None,
        Some(&cell("x")),
    )
    .await;
    assert_eq!(status, 401);
    app.register("new@supplier.example.cn", "supplier", CODE_D)
        .await;
    let unverified = app
        .login("new@supplier.example.cn", PASSWORD)
        .await
        .access_token;
    let (status, problem) = call(
        &app,
        Method::POST,
        "/api/v1/capabilities",
        Some(&unverified),
        Some(&cell("x")),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Verify your email"),
        "{problem}"
    );
    let zh = app
        .post("/api/v1/capabilities", &cell("x"), Some(&unverified), None)
        .await;
    assert_eq!(zh.status(), 403);
    let zh: Value = zh.json().await.unwrap();
    assert!(
        zh["detail"].as_str().unwrap().contains("验证您的邮箱"),
        "{zh}"
    );

    // The owner edits: publishes the draft, clears the unit of the other, and both are audited.
    let (status, changed) = call(
        &app,
        Method::PATCH,
        &hidden,
        Some(&a),
        Some(&json!({"status": "published", "title": "已发布的电芯", "annual_capacity": 500})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["status"], "published");
    assert_eq!(changed["title"], "已发布的电芯");
    assert_eq!(changed["annual_capacity"], 500);
    assert_eq!(
        changed["description"], "方形磷酸铁锂电芯",
        "untouched fields stay"
    );
    let (status, cleared) = call(
        &app,
        Method::PATCH,
        &one,
        Some(&a),
        Some(&json!({"unit": null, "lead_time_days": null})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(cleared["unit"], Value::Null);
    assert_eq!(cleared["lead_time_days"], Value::Null);
    assert_eq!(cleared["annual_capacity"], 2_000_000);
    // Staff correct everything.
    let (status, _) = call(
        &app,
        Method::PATCH,
        &one,
        Some(&staff),
        Some(&json!({"unit": "件"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        titles(&app, "", None).await,
        ["已发布的电芯", "314Ah 储能与动力电芯"]
    );

    assert_eq!(
        audit_actions(&app, &staff, &draft_id).await,
        ["capability.update", "capability.create"]
    );
    assert_eq!(
        audit_actions(&app, &staff, &id).await,
        [
            "capability.update",
            "capability.update",
            "capability.create"
        ]
    );
    let (_, log) = call(
        &app,
        Method::GET,
        &format!("/api/v1/audit?entity_id={draft_id}"),
        Some(&staff),
        None,
    )
    .await;
    let summary = &log["items"][0]["summary"];
    assert_eq!(summary["before"]["status"], "draft");
    assert_eq!(summary["after"]["status"], "published");
    assert_eq!(summary["after"]["title"], "已发布的电芯");
    assert!(
        summary["after"].get("description").is_none(),
        "only what changed: {summary}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (a, _) = member(&app, "a@supplier.example.cn", "supplier", CODE_A).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"category_code": "EDRIVE.NOPE"}),
            "category_code",
            "category_code.unknown",
        ),
        (
            json!({"annual_capacity": -5}),
            "annual_capacity",
            "not_positive",
        ),
        (
            json!({"annual_capacity": "lots"}),
            "annual_capacity",
            "not_integer",
        ),
        (
            json!({"annual_capacity": 1.5}),
            "annual_capacity",
            "not_integer",
        ),
        (
            json!({"annual_capacity": 1e13}),
            "annual_capacity",
            "too_large",
        ),
        (json!({"title": "题".repeat(201)}), "title", "too_long"),
        (json!({"title": ""}), "title", "required"),
        (
            json!({"description": "x".repeat(10_001)}),
            "description",
            "too_long",
        ),
        (
            json!({"served_region_codes": ["510199"]}),
            "served_region_codes",
            "served_region_codes.unknown",
        ),
        (
            json!({"served_region_codes": ["500112"]}),
            "served_region_codes",
            "served_region_codes.district",
        ),
        (
            json!({"min_order_qty": 3_000_001, "annual_capacity": 3_000_000}),
            "min_order_qty",
            "min_order_qty.above_capacity",
        ),
        (
            json!({"lead_time_days": 3651}),
            "lead_time_days",
            "out_of_range",
        ),
        (json!({"unit": "u".repeat(21)}), "unit", "too_long"),
        (json!({"products": vec!["p"; 51]}), "products", "too_many"),
        (json!({"status": "archived"}), "status", "capability.status"),
    ];
    for (change, field, code) in &cases {
        let mut body = cell("合规的标题");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, problem) = call(
            &app,
            Method::POST,
            "/api/v1/capabilities",
            Some(&a),
            Some(&body),
        )
        .await;
        assert_eq!(status, 422, "{change}: {problem}");
        assert_eq!(
            fields(&problem),
            [((*field).to_owned(), (*code).to_owned())],
            "{change}"
        );
        assert!(!problem["errors"][0]["message"].as_str().unwrap().is_empty());
    }
    // Every bad field at once, in both languages.
    let all_bad = json!({
        "category_code": "NOPE", "title": "题".repeat(201), "description": "x".repeat(10_001),
        "annual_capacity": -1, "served_region_codes": ["000000"]
    });
    let (status, en) = call(
        &app,
        Method::POST,
        "/api/v1/capabilities",
        Some(&a),
        Some(&all_bad),
    )
    .await;
    assert_eq!(status, 422);
    let named: Vec<String> = fields(&en).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        named,
        [
            "category_code",
            "title",
            "description",
            "annual_capacity",
            "served_region_codes"
        ]
    );
    assert!(
        en["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("at most 200"),
        "{en}"
    );
    let zh: Value = app
        .post("/api/v1/capabilities", &all_bad, Some(&a), Some("zh-CN"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        zh["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("最多 200"),
        "{zh}"
    );
    let (status, problem) = call(
        &app,
        Method::POST,
        "/api/v1/capabilities",
        Some(&a),
        Some(&json!({"title": "x", "category_code": "EDRIVE", "colour": "red"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "colour");

    let stored = capability::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing was stored");

    // HTML is text: stored and returned verbatim, as JSON.
    let script = "<script>alert('配套')</script>";
    let created = post(&app, &a, &cell(script)).await;
    assert_eq!(created["title"], script);
    let res = app
        .get(
            &format!("/api/v1/capabilities/{}", created["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let read: Value = res.json().await.unwrap();
    assert_eq!(read["title"], script);
    assert_eq!(titles(&app, "", None).await, [script]);

    // A PATCH is held to the same rules and changes nothing when refused.
    let one = format!("/api/v1/capabilities/{}", created["id"].as_str().unwrap());
    let (status, problem) = call(
        &app,
        Method::PATCH,
        &one,
        Some(&a),
        Some(&json!({"title": "题".repeat(201), "annual_capacity": 0})),
    )
    .await;
    assert_eq!(status, 422);
    let named: Vec<String> = fields(&problem).into_iter().map(|(f, _)| f).collect();
    assert_eq!(named, ["title", "annual_capacity"]);
    let (status, problem) = call(
        &app,
        Method::PATCH,
        &one,
        Some(&a),
        Some(&json!({"status": "archived"})),
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (422, json!("status"))
    );
    let (_, read) = call(&app, Method::GET, &one, None, None).await;
    assert_eq!(read["title"], script);
    assert_eq!(read["status"], "published");
}

#[tokio::test]
async fn the_list_filters_by_category_region_zone_certification_verification_and_text() {
    let app = TestApp::spawn().await;
    // Chongqing (渝北区, the harness's region), verified, with an expired ISO 9001.
    let (cq, org_cq) = member(&app, "cq@supplier.example.cn", "supplier", CODE_A).await;
    // Wuhan (江夏区), unverified, holding IATF 16949 until next year.
    let (wh, org_wh) = member(&app, "wh@supplier.example.cn", "supplier", CODE_B).await;
    let staff = staff(&app).await;
    set_org(
        &app,
        org_cq,
        organization::Column::VerifiedAt,
        Expr::value(Some(Utc::now())),
    )
    .await;
    set_org(
        &app,
        org_wh,
        organization::Column::RegionCode,
        Expr::value("420115"),
    )
    .await;
    let today = Utc::now().date_naive();
    for (org, code, expires_on) in [
        (org_wh, "IATF16949", today + chrono::Days::new(365)),
        (org_cq, "ISO9001", today - chrono::Days::new(30)),
    ] {
        organization_certification::Entity::insert(organization_certification::ActiveModel {
            organization_id: Set(org),
            certification_code: Set(code.to_owned()),
            certificate_no: Set(None),
            expires_on: Set(expires_on),
        })
        .exec_without_returning(app.db().conn())
        .await
        .unwrap();
    }
    post(&app, &cq, &json!({"category_code": "EDRIVE.BATTERY.CELL", "title": "方形电芯", "description": "100% 国产"})).await;
    post(&app, &wh, &json!({"category_code": "CHIP.MCU", "title": "车规级 MCU", "description": "AEC-Q100 Grade 1"})).await;
    let mut draft = cell("草稿电芯");
    draft["status"] = json!("draft");
    post(&app, &cq, &draft).await;

    let cell_only = ["方形电芯"];
    let mcu_only = ["车规级 MCU"];
    let none: [&str; 0] = [];
    assert_eq!(titles(&app, "", None).await, ["车规级 MCU", "方形电芯"]);
    for (query, expected) in [
        ("?category=EDRIVE", &cell_only[..]),
        ("?category=edrive.battery", &cell_only[..]),
        ("?category=EDRIVE.BATTERY.CELL", &cell_only[..]),
        ("?category=CHIP", &mcu_only[..]),
        ("?category=ADAS", &none[..]),
        ("?region=500000", &cell_only[..]),
        ("?region=500112", &cell_only[..]),
        ("?region=420000", &mcu_only[..]),
        ("?region=420100", &mcu_only[..]),
        ("?region=510000", &none[..]),
        ("?zone=CHENGYU", &cell_only[..]),
        ("?zone=chengyu", &cell_only[..]),
        ("?zone=WXSS", &mcu_only[..]),
        ("?zone=YRD", &none[..]),
        ("?zone=CHENGYU&region=420000", &none[..]),
        ("?zone=WXSS&region=420100", &mcu_only[..]),
        ("?certification=IATF16949", &mcu_only[..]),
        ("?certification=iatf16949", &mcu_only[..]),
        ("?certification=ISO9001", &none[..]),
        ("?verified=true", &cell_only[..]),
        ("?verified=false", &mcu_only[..]),
        ("?q=%E7%94%B5%E8%8A%AF", &cell_only[..]), // 电芯
        ("?q=mcu", &mcu_only[..]),
        ("?q=grade", &mcu_only[..]),
        ("?q=%E5%9B%BD%E4%BA%A7", &cell_only[..]), // 国产, in the description
        ("?q=100%25", &cell_only[..]),
        ("?q=_", &none[..]),
        (
            "?category=EDRIVE&zone=CHENGYU&verified=true&q=%E6%96%B9%E5%BD%A2",
            &cell_only[..],
        ),
        (&format!("?organization={org_wh}"), &mcu_only[..]),
    ] {
        assert_eq!(titles(&app, query, None).await, expected, "{query}");
        // The same filters on a search that both capabilities answer (电芯 or mcu): a search
        // answers its filters in memory (the matching index), a plain listing in SQL.
        if !query.contains("q=") && !query.is_empty() {
            let searched = format!("{query}&q=%E7%94%B5%E8%8A%AF%20mcu");
            assert_eq!(titles(&app, &searched, None).await, expected, "{searched}");
        }
    }
    let mut both = titles(&app, "?q=%E7%94%B5%E8%8A%AF%20mcu", None).await;
    both.sort();
    assert_eq!(both, ["方形电芯", "车规级 MCU"]);

    // Bad filters: one 422 naming each parameter.
    let (status, problem) = call(
        &app,
        Method::GET,
        "/api/v1/capabilities?category=NOPE&region=999999&zone=MARS&certification=XYZ&verified=maybe&status=gone&organization=abc&limit=0&cursor=xyz",
        None,
        None,
    )
    .await;
    assert_eq!(status, 422);
    let named: Vec<String> = fields(&problem).into_iter().map(|(f, _)| f).collect();
    for p in [
        "organization",
        "category",
        "region",
        "zone",
        "certification",
        "verified",
        "status",
        "limit",
        "cursor",
    ] {
        assert!(named.contains(&p.to_owned()), "{p} missing from {named:?}");
    }
    let (status, problem) = call(
        &app,
        Method::GET,
        &format!("/api/v1/capabilities?q={}", "x".repeat(101)),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (422, json!("q"))
    );

    // Drafts: only one's own organization's (staff: all); others get an empty list.
    assert_eq!(titles(&app, "?status=draft", None).await, none);
    assert_eq!(titles(&app, "?status=draft", Some(&wh)).await, none);
    assert_eq!(
        titles(
            &app,
            &format!("?status=draft&organization={org_cq}"),
            Some(&wh)
        )
        .await,
        none
    );
    assert_eq!(titles(&app, "?status=draft", Some(&cq)).await, ["草稿电芯"]);
    assert_eq!(
        titles(&app, "?status=draft", Some(&staff)).await,
        ["草稿电芯"]
    );
    assert_eq!(
        titles(&app, "?status=published", Some(&cq)).await,
        ["车规级 MCU", "方形电芯"]
    );
}

#[tokio::test]
async fn archiving_and_suspension_take_capabilities_out_of_the_list_at_once() {
    let app = TestApp::spawn().await;
    let (a, org_a) = member(&app, "a@supplier.example.cn", "supplier", CODE_A).await;
    let staff = staff(&app).await;
    let kept = post(&app, &a, &cell("保留的电芯")).await;
    let gone = post(&app, &a, &cell("下架的电芯")).await;
    let gone_id = gone["id"].as_str().unwrap().to_owned();
    let gone_path = format!("/api/v1/capabilities/{gone_id}");

    assert_eq!(
        call(&app, Method::DELETE, &gone_path, Some(&a), None)
            .await
            .0,
        204
    );
    assert_eq!(
        call(&app, Method::DELETE, &gone_path, Some(&a), None)
            .await
            .0,
        204,
        "idempotent"
    );
    assert_eq!(titles(&app, "", None).await, ["保留的电芯"]);
    assert_eq!(call(&app, Method::GET, &gone_path, None, None).await.0, 404);
    let (status, archived) = call(&app, Method::GET, &gone_path, Some(&a), None).await;
    assert_eq!(
        (status, archived["status"].clone()),
        (200, json!("archived"))
    );
    assert_eq!(
        titles(&app, "?status=archived", Some(&a)).await,
        ["下架的电芯"]
    );
    assert_eq!(
        audit_actions(&app, &staff, &gone_id).await,
        ["capability.archive", "capability.create"],
        "the second DELETE changed nothing"
    );

    // Re-publishing an archived capability is allowed.
    let (status, back) = call(
        &app,
        Method::PATCH,
        &gone_path,
        Some(&a),
        Some(&json!({"status": "published"})),
    )
    .await;
    assert_eq!((status, back["status"].clone()), (200, json!("published")));
    assert_eq!(titles(&app, "", None).await, ["下架的电芯", "保留的电芯"]);

    // Suspension hides the organization's capabilities from every listing at once; members
    // and staff still open them by id.
    set_org(
        &app,
        org_a,
        organization::Column::SuspendedAt,
        Expr::value(Some(Utc::now())),
    )
    .await;
    let none: [&str; 0] = [];
    assert_eq!(titles(&app, "", None).await, none);
    assert_eq!(titles(&app, "", Some(&staff)).await, none);
    assert_eq!(
        titles(&app, &format!("?organization={org_a}"), Some(&a)).await,
        none
    );
    let kept_path = format!("/api/v1/capabilities/{}", kept["id"].as_str().unwrap());
    assert_eq!(call(&app, Method::GET, &kept_path, None, None).await.0, 404);
    assert_eq!(
        call(&app, Method::GET, &kept_path, Some(&a), None).await.0,
        200
    );
    assert_eq!(
        call(&app, Method::GET, &kept_path, Some(&staff), None)
            .await
            .0,
        200
    );

    set_org(
        &app,
        org_a,
        organization::Column::SuspendedAt,
        Expr::value(Option::<chrono::DateTime<Utc>>::None),
    )
    .await;
    assert_eq!(titles(&app, "", None).await, ["下架的电芯", "保留的电芯"]);
}

#[tokio::test]
async fn the_list_pages_newest_first_by_cursor() {
    let app = TestApp::spawn().await;
    let (a, _) = member(&app, "a@supplier.example.cn", "supplier", CODE_A).await;
    for title in ["第一", "第二", "第三"] {
        post(&app, &a, &cell(title)).await;
    }
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_owned();
    for _ in 0..5 {
        let (status, page) = call(
            &app,
            Method::GET,
            &format!("/api/v1/capabilities{query}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, 200);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{page}");
        seen.push(items[0]["title"].as_str().unwrap().to_owned());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                assert_eq!(
                    cursor,
                    items[0]["id"].as_str().unwrap(),
                    "the cursor is the last id"
                );
                query = format!("?limit=1&cursor={cursor}");
            }
            None => break,
        }
    }
    assert_eq!(seen, ["第三", "第二", "第一"]);
    let (_, page) = call(
        &app,
        Method::GET,
        "/api/v1/capabilities?limit=2",
        None,
        None,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["next_cursor"].is_string());
    let (_, page) = call(&app, Method::GET, "/api/v1/capabilities", None, None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert!(page["next_cursor"].is_null());
}

/// Every title a search finds, page by page through `next_cursor`.
async fn all_pages(app: &TestApp, query: &str, limit: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/capabilities?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = call(app, Method::GET, &path, None, None).await;
        assert_eq!(status, 200, "{path}: {page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        out.extend(
            items
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn search_segments_chinese_stems_english_ranks_and_pages() {
    let app = TestApp::spawn().await;
    let (cq, _) = member(&app, "cq@supplier.example.cn", "supplier", CODE_A).await;
    let (wh, org_wh) = member(&app, "wh@supplier.example.cn", "supplier", CODE_B).await;
    let staff = staff(&app).await;
    let cap = |title: &str, description: &str| json!({"category_code": "CHASSIS", "title": title, "description": description});
    // 压铸 once (description) against twice (title and description).
    post(&app, &cq, &cap("电池托盘", "采用一体化压铸工艺")).await;
    post(&app, &cq, &cap("铝合金压铸壳体", "高压压铸,材料 ADC12")).await;
    post(
        &app,
        &wh,
        &cap(
            "Stamped parts",
            "Progressive die stamping of steel brackets",
        ),
    )
    .await;
    post(&app, &wh, &cap("Injection moulding", "Plastic trim")).await;

    assert_eq!(
        titles(&app, "?q=%E5%8E%8B%E9%93%B8", None).await, // 压铸
        ["铝合金压铸壳体", "电池托盘"],
        "a word inside a longer compound; title and description above description alone"
    );
    assert_eq!(titles(&app, "?q=stamping", None).await, ["Stamped parts"]);
    assert_eq!(titles(&app, "?q=STAMPS", None).await, ["Stamped parts"]);
    // Several words: any of them finds, more of them ranks higher.
    assert_eq!(
        titles(&app, "?q=plastic%20stamping%20bracket", None).await[0],
        "Stamped parts"
    );
    // Only stop words or punctuation: nothing, not an error.
    assert!(
        titles(&app, "?q=the%20and%20%E7%9A%84", None)
            .await
            .is_empty()
    );
    assert!(titles(&app, "?q=%EF%BC%8C%E3%80%82", None).await.is_empty());
    // Combined with a filter: the Wuhan supplier's only.
    assert!(
        titles(
            &app,
            &format!("?q=%E5%8E%8B%E9%93%B8&organization={org_wh}"),
            None
        )
        .await
        .is_empty()
    );
    // An edit is found under its new words at once, and no longer under the old.
    let list = call(
        &app,
        Method::GET,
        "/api/v1/capabilities?q=moulding",
        None,
        None,
    )
    .await
    .1;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/capabilities/{id}"),
        Some(&wh),
        Some(&json!({"title": "Blow moulding"})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(titles(&app, "?q=injection", None).await.is_empty());
    assert_eq!(titles(&app, "?q=blow", None).await, ["Blow moulding"]);
    // Archived ones are not found.
    call(
        &app,
        Method::DELETE,
        &format!("/api/v1/capabilities/{id}"),
        Some(&wh),
        None,
    )
    .await;
    assert!(titles(&app, "?q=blow", None).await.is_empty());

    // Paging through many equally good results: no repeats, no gaps, newest first on ties.
    for n in 0..23 {
        post(&app, &cq, &cap(&format!("冲压件 {n:02}"), "精密冲压")).await;
    }
    let paged = all_pages(&app, "q=%E5%86%B2%E5%8E%8B", 5).await; // 冲压
    let expected: Vec<String> = (0..23).rev().map(|n| format!("冲压件 {n:02}")).collect();
    assert_eq!(paged, expected);
    // A plain list's cursor is not a search cursor.
    let plain = call(
        &app,
        Method::GET,
        "/api/v1/capabilities?limit=1",
        None,
        None,
    )
    .await
    .1;
    let (status, problem) = call(
        &app,
        Method::GET,
        &format!(
            "/api/v1/capabilities?q=%E5%86%B2%E5%8E%8B&cursor={}",
            plain["next_cursor"].as_str().unwrap()
        ),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (422, json!("cursor"))
    );

    // A suspended supplier's capabilities are never found.
    let (_, me) = call(&app, Method::GET, "/api/v1/me", Some(&cq), None).await;
    let org_cq = me["organization_id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/organizations/{org_cq}/suspend"),
        Some(&staff),
        Some(&json!({"reason": "虚假信息"})),
    )
    .await;
    assert_eq!(status, 204);
    assert!(titles(&app, "?q=%E5%8E%8B%E9%93%B8", None).await.is_empty());
    assert!(all_pages(&app, "q=%E5%86%B2%E5%8E%8B", 5).await.is_empty());
    assert_eq!(titles(&app, "?q=stamping", None).await, ["Stamped parts"]);

    // Over-long text: 422 naming q, in the caller's language.
    let long = "压".repeat(101);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/capabilities?q={long}")))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "q");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("搜索词"),
        "{problem}"
    );
}
