//! Automakers' needs through the real server: posting by region or by plant, who sees the target
//! price, the directory's filters and paging, the field rules, edits with revisions, closing,
//! and suspension taking needs out of every listing.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use peitao_domain::user::Role;
use peitao_persistence::entities::{need, organization, plant};
use peitao_persistence::sea_orm::sea_query::Expr;
use peitao_persistence::sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use peitao_tests::{PASSWORD, TestApp};
use serde_json::{Value, json};
use uuid::Uuid;

const OEM_A: &str = "91420600MA0007000B";
const OEM_B: &str = "91420600MA0007001E";
const SUPPLIER: &str = "91420600MA0007002H";
const OEM_NEW: &str = "91420600MA0007003L";

/// A verified OEM (or supplier) member: their token and organization id.
async fn member(app: &TestApp, email: &str, role: &str, credit_code: &str) -> (String, Uuid) {
    let token = app
        .verified_user(email, role, credit_code)
        .await
        .access_token;
    let me: Value = app.get_as("/api/v1/me", &token).await.json().await.unwrap();
    let org = me["organization_id"].as_str().unwrap().parse().unwrap();
    (token, org)
}

/// Plants come from another issue's API; tests insert them directly.
async fn plant(app: &TestApp, organization_id: Uuid, name: &str, region_code: &str) -> Uuid {
    let id = Uuid::now_v7();
    plant::Entity::insert(plant::ActiveModel {
        id: Set(id),
        organization_id: Set(organization_id),
        name: Set(name.to_owned()),
        name_en: Set(None),
        region_code: Set(region_code.to_owned()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(app.db().conn())
    .await
    .unwrap();
    id
}

fn need_body(title: &str) -> Value {
    json!({
        "category_code": "EDRIVE.MOTOR",
        "title": title,
        "description": "扁线驱动电机定子总成,年产 12 万台,2027 年量产。",
        "delivery_region_code": "420115",
        "annual_volume": 120000,
        "unit": "套",
        "sop_date": "2027-09-01",
        "respond_by": "2030-12-31",
        "required_certifications": ["IATF16949"],
        "target_price": "9600.00"
    })
}

async fn post_need(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/needs", body, Some(token), None).await;
    assert_eq!(
        res.status(),
        201,
        "POST /needs: {}",
        res.text().await.unwrap_or_default()
    );
    res.json().await.unwrap()
}

/// GET as `token` (anonymous with `None`), asserting the status.
async fn get(app: &TestApp, path: &str, token: Option<&str>, status: u16) -> Value {
    let mut req = app.client.get(app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let got = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(got, status, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn patch(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect()
}

/// The fields a 422 names.
async fn refused_fields(res: reqwest::Response) -> Vec<String> {
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// JSON (and JSON Schema's `integer`) counts `1200.0` as a whole number; serde writes it back
/// as "1200.0", which the volume parser refused until numbers were read as the domain expects.
/// Found by the conformance run (scripts/conformance.sh), as was the cursor's code.
#[tokio::test]
async fn whole_numbers_with_a_fraction_are_whole_and_a_made_up_cursor_says_so() {
    let app = TestApp::spawn().await;
    let (oem, _) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let mut body = need_body("扁线电机定子");
    body["annual_volume"] = json!(1200.0);
    let need = post_need(&app, &oem, &body).await;
    assert_eq!(need["annual_volume"], 1200);

    let res = app.get("/api/v1/needs?cursor=nope", None).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "cursor");
    assert_eq!(problem["errors"][0]["code"], "cursor.invalid");
}

#[tokio::test]
async fn an_oem_posts_a_need_by_region_and_by_plant() {
    let app = TestApp::spawn().await;
    let (oem, org) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;

    let res = app
        .post(
            "/api/v1/needs",
            &need_body("扁线电机定子"),
            Some(&oem),
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let need: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/needs/{}", need["id"].as_str().unwrap())
    );
    assert_eq!(need["status"], "open");
    assert_eq!(need["revision"], 0);
    assert_eq!(need["organization"]["id"], org.to_string());
    assert_eq!(need["organization"]["verified"], false);
    assert_eq!(need["category_code"], "EDRIVE.MOTOR");
    assert_eq!(need["delivery_region_code"], "420115");
    assert_eq!(need["plant"], Value::Null);
    assert_eq!(need["annual_volume"], 120_000);
    assert_eq!(need["unit"], "套");
    assert_eq!(need["sop_date"], "2027-09-01");
    assert_eq!(need["respond_by"], "2030-12-31");
    assert_eq!(need["required_certifications"], json!(["IATF16949"]));
    assert_eq!(need["target_price"], "9600.00");
    assert!(need["created_at"].is_string() && need["updated_at"].is_string());
    let again = get(&app, &location, None, 200).await;
    assert_eq!(again["title"], "扁线电机定子");

    // With a plant, the plant's region is the delivery region.
    let plant_id = plant(&app, org, "武汉二工厂", "420602").await;
    let mut body = need_body("电池包");
    body["delivery_region_code"] = Value::Null;
    body["plant_id"] = json!(plant_id);
    body["annual_volume"] = json!("30000");
    body["target_price"] = json!(2150.5);
    let need = post_need(&app, &oem, &body).await;
    assert_eq!(need["delivery_region_code"], "420602");
    assert_eq!(need["plant"], json!({"id": plant_id, "name": "武汉二工厂"}));
    assert_eq!(need["annual_volume"], 30_000);
    assert_eq!(need["target_price"], "2150.5");

    // The audit log has both posts.
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let log = get(&app, "/api/v1/audit?entity=need", Some(&staff), 200).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["need.create", "need.create"]);
}

#[tokio::test]
async fn only_verified_oem_members_post() {
    let app = TestApp::spawn().await;
    let (supplier, _) = member(&app, "sales@supplier.example.cn", "supplier", SUPPLIER).await;
    let res = app
        .post("/api/v1/needs", &need_body("x"), Some(&supplier), None)
        .await;
    assert_eq!(res.status(), 403);

    app.register("new@oem-new.example.cn", "oem", OEM_NEW).await;
    let unverified = app
        .login("new@oem-new.example.cn", PASSWORD)
        .await
        .access_token;
    let res = app
        .post(
            "/api/v1/needs",
            &need_body("x"),
            Some(&unverified),
            Some("en"),
        )
        .await;
    assert_eq!(res.status(), 403);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Verify your email"),
        "{problem}"
    );

    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let res = app
        .post("/api/v1/needs", &need_body("x"), Some(&staff), None)
        .await;
    assert_eq!(res.status(), 403);
    let res = app.post("/api/v1/needs", &need_body("x"), None, None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        need::Entity::find().count(app.db().conn()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn the_target_price_is_for_the_owner_and_staff_only() {
    let app = TestApp::spawn().await;
    let (oem, _) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let (other_oem, _) = member(&app, "buyer@oem-b.example.cn", "oem", OEM_B).await;
    let (supplier, _) = member(&app, "sales@supplier.example.cn", "supplier", SUPPLIER).await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let priced = post_need(&app, &oem, &need_body("有目标价")).await;
    let mut body = need_body("无目标价");
    body.as_object_mut().unwrap().remove("target_price");
    let unpriced = post_need(&app, &oem, &body).await;
    let priced_path = format!("/api/v1/needs/{}", priced["id"].as_str().unwrap());
    let unpriced_path = format!("/api/v1/needs/{}", unpriced["id"].as_str().unwrap());

    for (who, token) in [
        ("owner", Some(oem.as_str())),
        ("staff", Some(staff.as_str())),
    ] {
        let need = get(&app, &priced_path, token, 200).await;
        assert_eq!(need["target_price"], "9600.00", "{who}");
        // No price set: the owner and staff see the field, as null.
        let need = get(&app, &unpriced_path, token, 200).await;
        assert!(
            need.as_object().unwrap().contains_key("target_price"),
            "{who}"
        );
        assert_eq!(need["target_price"], Value::Null, "{who}");
        let page = get(&app, "/api/v1/needs", token, 200).await;
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n.as_object().unwrap().contains_key("target_price")),
            "{who}: {page}"
        );
    }
    for (who, token) in [
        ("supplier", Some(supplier.as_str())),
        ("another OEM", Some(other_oem.as_str())),
        ("anonymous", None),
    ] {
        for path in [&priced_path, &unpriced_path] {
            let need = get(&app, path, token, 200).await;
            assert!(
                !need.as_object().unwrap().contains_key("target_price"),
                "{who}: {need}"
            );
        }
        let page = get(&app, "/api/v1/needs", token, 200).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        assert!(!page.to_string().contains("target_price"), "{who}: {page}");
    }
    // The revision history carries the price, so it is closed to the same people.
    let revisions = format!("{priced_path}/revisions");
    get(&app, &revisions, Some(&oem), 200).await;
    get(&app, &revisions, Some(&staff), 200).await;
    get(&app, &revisions, Some(&supplier), 403).await;
    get(&app, &revisions, Some(&other_oem), 403).await;
    get(&app, &revisions, None, 401).await;
    // A token that is sent must be valid, even where anonymous callers are welcome.
    get(&app, "/api/v1/needs", Some("not-a-token"), 401).await;
}

#[tokio::test]
async fn the_directory_filters_by_category_subtree_zone_region_certification_and_text() {
    let app = TestApp::spawn().await;
    let (oem_a, org_a) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let (oem_b, _) = member(&app, "buyer@oem-b.example.cn", "oem", OEM_B).await;
    let post = |token: &str, title: &str, category: &str, region: &str, certs: Value| {
        let mut body = need_body(title);
        body["category_code"] = json!(category);
        body["delivery_region_code"] = json!(region);
        body["required_certifications"] = certs;
        let token = token.to_owned();
        let app = &app;
        async move { post_need(app, &token, &body).await }
    };
    // Wuhan districts (420115 江夏区, 420102 江岸区), Xiangyang (420602), Chongqing (500112), Shanghai (310115).
    post(
        &oem_a,
        "Flat-wire MOTOR stator",
        "EDRIVE.MOTOR",
        "420115",
        json!(["IATF16949"]),
    )
    .await;
    post(
        &oem_a,
        "动力电芯 100% 国产",
        "EDRIVE.BATTERY.CELL",
        "420102",
        json!([]),
    )
    .await;
    post(
        &oem_b,
        "电池包壳体",
        "EDRIVE.BATTERY.PACK",
        "420602",
        json!(["IATF16949", "ISO14001"]),
    )
    .await;
    post(
        &oem_b,
        "车规级 MCU",
        "CHIP.MCU",
        "500112",
        json!(["AEC-Q100", "IATF16949"]),
    )
    .await;
    post(
        &oem_b,
        "域控制器",
        "ADAS.DOMAIN",
        "310115",
        json!(["ISO26262"]),
    )
    .await;

    let list = |query: &str| {
        let path = format!("/api/v1/needs{query}");
        let app = &app;
        async move { titles(&get(app, &path, None, 200).await) }
    };
    assert_eq!(list("").await.len(), 5);
    assert_eq!(
        list("?category=EDRIVE").await,
        ["电池包壳体", "动力电芯 100% 国产", "Flat-wire MOTOR stator"]
    );
    assert_eq!(
        list("?category=edrive.battery").await,
        ["电池包壳体", "动力电芯 100% 国产"]
    );
    assert_eq!(
        list("?zone=WXSS").await,
        ["电池包壳体", "动力电芯 100% 国产", "Flat-wire MOTOR stator"]
    );
    assert_eq!(
        list("?region=420100").await,
        ["动力电芯 100% 国产", "Flat-wire MOTOR stator"]
    );
    assert_eq!(
        list("?region=420000&zone=WXSS&category=EDRIVE.BATTERY").await,
        ["电池包壳体", "动力电芯 100% 国产"]
    );
    assert_eq!(list("?zone=CHENGYU").await, ["车规级 MCU"]);
    assert_eq!(list("?certification=AEC-Q100").await, ["车规级 MCU"]);
    assert_eq!(
        list("?certification=iatf16949").await,
        ["车规级 MCU", "电池包壳体", "Flat-wire MOTOR stator"]
    );
    // Text: words of title or description, any case; punctuation alone finds nothing.
    assert_eq!(list("?q=motor").await, ["Flat-wire MOTOR stator"]);
    assert_eq!(
        list("?q=%E5%9F%9F%E6%8E%A7%E5%88%B6%E5%99%A8").await,
        ["域控制器"]
    );
    assert_eq!(list("?q=100%25").await, ["动力电芯 100% 国产"]);
    assert_eq!(list("?q=%25%25").await.len(), 0);
    assert_eq!(
        list("?q=%E9%87%8F%E4%BA%A7").await.len(),
        5,
        "the description matches too (量产)"
    );
    assert_eq!(
        list(&format!("?organization={org_a}")).await,
        ["动力电芯 100% 国产", "Flat-wire MOTOR stator"]
    );

    // Unknown filters are named in one 422.
    let res = app
        .get(
            "/api/v1/needs?category=NOPE&zone=MARS&certification=XYZ&status=draft&region=999999&organization=x",
            None,
        )
        .await;
    let mut fields = refused_fields(res).await;
    fields.sort();
    assert_eq!(
        fields,
        [
            "category",
            "certification",
            "organization",
            "region",
            "status",
            "zone"
        ]
    );
}

#[tokio::test]
async fn bad_fields_are_each_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (oem, _) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let (_, other_org) = member(&app, "buyer@oem-b.example.cn", "oem", OEM_B).await;
    let their_plant = plant(&app, other_org, "别家工厂", "420115").await;
    let yesterday = (Utc::now() + chrono::Duration::hours(8) - chrono::Duration::days(1))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("respond_by", json!(yesterday), "respond_by.past"),
        (
            "required_certifications",
            json!(["IATF16949", "NOPE"]),
            "certification.unknown",
        ),
        (
            "required_certifications",
            json!(["IATF16949", "iatf16949"]),
            "certification.duplicate",
        ),
        ("annual_volume", json!(-5), "annual_volume.not_positive"),
        ("annual_volume", json!(1.5), "annual_volume.format"),
        ("title", json!("标".repeat(201)), "too_long"),
        ("sop_date", json!("2199-01-01"), "sop_date.too_far"),
        ("sop_date", json!("2027/09/01"), "date.format"),
        ("plant_id", json!(their_plant), "plant_id.unknown"),
        (
            "category_code",
            json!("EDRIVE.WARP_DRIVE"),
            "category_code.unknown",
        ),
        (
            "delivery_region_code",
            json!("420000"),
            "region_code.too_coarse",
        ),
        ("target_price", json!("-1"), "target_price.negative"),
        ("target_price", json!(12.345), "target_price.precision"),
        ("unit", json!("u".repeat(21)), "too_long"),
    ];
    for (field, value, code) in cases {
        let mut body = need_body("好需求");
        body[field] = value.clone();
        if field == "plant_id" {
            body["delivery_region_code"] = Value::Null;
        }
        let res = app
            .post("/api/v1/needs", &body, Some(&oem), Some("en"))
            .await;
        assert_eq!(res.status(), 422, "{field} = {value}");
        let problem: Value = res.json().await.unwrap();
        let errors = problem["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{field} = {value}: {problem}");
        assert_eq!(errors[0]["field"], field, "{problem}");
        assert_eq!(errors[0]["code"], code, "{problem}");
        assert!(!errors[0]["message"].as_str().unwrap().is_empty());
    }
    // Several at once are named together, in Chinese by default.
    let mut body = need_body("");
    body["annual_volume"] = json!(0);
    body["delivery_region_code"] = Value::Null;
    let res = app.post("/api/v1/needs", &body, Some(&oem), None).await;
    assert_eq!(
        refused_fields(res).await,
        ["title", "delivery_region_code", "annual_volume"]
    );
    // Fields that are not part of a need are refused rather than ignored.
    let mut body = need_body("x");
    body["status"] = json!("closed");
    let res = app.post("/api/v1/needs", &body, Some(&oem), None).await;
    assert_eq!(refused_fields(res).await, ["status"]);

    assert_eq!(
        need::Entity::find().count(app.db().conn()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn an_edit_keeps_the_previous_version_as_a_revision() {
    let app = TestApp::spawn().await;
    let (oem, org) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let (other_oem, _) = member(&app, "buyer@oem-b.example.cn", "oem", OEM_B).await;
    let (supplier, _) = member(&app, "sales@supplier.example.cn", "supplier", SUPPLIER).await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let need = post_need(&app, &oem, &need_body("旧标题")).await;
    let path = format!("/api/v1/needs/{}", need["id"].as_str().unwrap());

    let res = patch(
        &app,
        &path,
        &oem,
        &json!({"title": "新标题", "unit": null, "annual_volume": 150000}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["title"], "新标题");
    assert_eq!(edited["unit"], Value::Null);
    assert_eq!(edited["annual_volume"], 150_000);
    assert_eq!(edited["revision"], 1);
    assert_eq!(
        edited["description"], need["description"],
        "untouched fields stay"
    );

    let history = get(&app, &format!("{path}/revisions"), Some(&oem), 200).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["revision"], 0);
    assert_eq!(items[0]["snapshot"]["title"], "旧标题");
    assert_eq!(items[0]["snapshot"]["unit"], "套");
    assert_eq!(items[0]["snapshot"]["target_price"], "9600.00");

    // Moving delivery to a plant: its region becomes the delivery region.
    let plant_id = plant(&app, org, "襄阳工厂", "420602").await;
    let res = patch(&app, &path, &oem, &json!({"plant_id": plant_id})).await;
    assert_eq!(res.status(), 200);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["delivery_region_code"], "420602");
    assert_eq!(moved["revision"], 2);
    // A region that contradicts the plant is refused unless the plant is dropped.
    let res = patch(
        &app,
        &path,
        &oem,
        &json!({"delivery_region_code": "420115"}),
    )
    .await;
    assert_eq!(refused_fields(res).await, ["delivery_region_code"]);
    let res = patch(
        &app,
        &path,
        &oem,
        &json!({"delivery_region_code": "420115", "plant_id": null}),
    )
    .await;
    assert_eq!(res.status(), 200);

    // Sending what is already there changes nothing and stores no revision.
    let res = patch(&app, &path, &oem, &json!({"title": "新标题"})).await;
    let same: Value = res.json().await.unwrap();
    assert_eq!(same["revision"], 3);

    // Refusals leave the need as it was.
    let res = patch(
        &app,
        &path,
        &oem,
        &json!({"title": "", "respond_by": "2001-01-01"}),
    )
    .await;
    assert_eq!(refused_fields(res).await, ["title", "respond_by"]);
    for (token, status) in [(&other_oem, 403), (&supplier, 403)] {
        let res = patch(&app, &path, token, &json!({"title": "抢改"})).await;
        assert_eq!(res.status(), status);
    }
    let res = patch(
        &app,
        &format!("/api/v1/needs/{}", Uuid::now_v7()),
        &oem,
        &json!({"title": "x"}),
    )
    .await;
    assert_eq!(res.status(), 404);
    let now = get(&app, &path, None, 200).await;
    assert_eq!(now["title"], "新标题");
    assert_eq!(now["revision"], 3);

    let history = get(&app, &format!("{path}/revisions"), Some(&staff), 200).await;
    let revisions: Vec<i64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect();
    assert_eq!(revisions, [2, 1, 0], "newest first");
    let log = get(&app, "/api/v1/audit?entity=need&limit=1", Some(&staff), 200).await;
    let last = &log["items"][0];
    assert_eq!(last["action"], "need.edit");
    assert_eq!(
        last["summary"]["before"],
        json!({"delivery_region_code": "420602", "plant_id": plant_id})
    );
    assert_eq!(
        last["summary"]["after"],
        json!({"delivery_region_code": "420115", "plant_id": null})
    );
}

#[tokio::test]
async fn a_closed_need_leaves_the_directory_and_cannot_be_edited() {
    let app = TestApp::spawn().await;
    let (oem, _) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let (other_oem, _) = member(&app, "buyer@oem-b.example.cn", "oem", OEM_B).await;
    let (supplier, _) = member(&app, "sales@supplier.example.cn", "supplier", SUPPLIER).await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let need = post_need(&app, &oem, &need_body("要关闭的需求")).await;
    post_need(&app, &oem, &need_body("仍开放的需求")).await;
    let path = format!("/api/v1/needs/{}", need["id"].as_str().unwrap());
    let close = format!("{path}/close");

    for token in [&other_oem, &supplier] {
        assert_eq!(
            app.post(&close, &json!({}), Some(token), None)
                .await
                .status(),
            403
        );
    }
    assert_eq!(app.post(&close, &json!({}), None, None).await.status(), 401);
    for _ in 0..2 {
        assert_eq!(
            app.post(&close, &json!({}), Some(&oem), None)
                .await
                .status(),
            204
        );
    }
    let shown = get(&app, &path, None, 200).await;
    assert_eq!(
        shown["status"], "closed",
        "a link to it still says what became of it"
    );

    let res = patch(&app, &path, &oem, &json!({"title": "改一下"})).await;
    assert_eq!(res.status(), 409);

    assert_eq!(
        titles(&get(&app, "/api/v1/needs", None, 200).await),
        ["仍开放的需求"]
    );
    // History: the owner and staff list closed needs; others get an empty page.
    for token in [&oem, &staff] {
        let page = get(&app, "/api/v1/needs?status=closed", Some(token), 200).await;
        assert_eq!(titles(&page), ["要关闭的需求"]);
    }
    for token in [Some(other_oem.as_str()), Some(supplier.as_str()), None] {
        let page = get(&app, "/api/v1/needs?status=closed", token, 200).await;
        assert_eq!(page["items"], json!([]));
    }
    let log = get(&app, "/api/v1/audit?entity=need&limit=1", Some(&staff), 200).await;
    assert_eq!(log["items"][0]["action"], "need.close");
    assert_eq!(
        log["items"][0]["summary"],
        json!({"before": {"status": "open"}, "after": {"status": "closed"}})
    );

    // An expired need is history too, and cannot be edited either.
    let expired = post_need(&app, &oem, &need_body("已过期的需求")).await;
    need::Entity::update_many()
        .col_expr(need::Column::Status, Expr::value("expired"))
        .filter(need::Column::Id.eq(expired["id"].as_str().unwrap().parse::<Uuid>().unwrap()))
        .exec(app.db().conn())
        .await
        .unwrap();
    let expired_path = format!("/api/v1/needs/{}", expired["id"].as_str().unwrap());
    let res = patch(&app, &expired_path, &oem, &json!({"title": "x"})).await;
    assert_eq!(res.status(), 409);
    let page = get(&app, "/api/v1/needs?status=expired", Some(&oem), 200).await;
    assert_eq!(titles(&page), ["已过期的需求"]);
}

#[tokio::test]
async fn the_directory_pages_newest_first() {
    let app = TestApp::spawn().await;
    let (oem, _) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    for i in 0..5 {
        post_need(&app, &oem, &need_body(&format!("需求 {i}"))).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/needs?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = get(&app, &path, None, 200).await;
        pages += 1;
        seen.extend(titles(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/needs?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["需求 4", "需求 3", "需求 2", "需求 1", "需求 0"]);
    let res = app.get("/api/v1/needs?limit=101", None).await;
    assert_eq!(refused_fields(res).await, ["limit"]);
    let res = app.get("/api/v1/needs?cursor=nope", None).await;
    assert_eq!(refused_fields(res).await, ["cursor"]);
    get(&app, "/api/v1/needs/not-an-id", None, 404).await;
    get(
        &app,
        &format!("/api/v1/needs/{}", Uuid::now_v7()),
        None,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_suspended_organizations_needs_leave_every_listing_at_once() {
    let app = TestApp::spawn().await;
    let (oem, org) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let (other_oem, _) = member(&app, "buyer@oem-b.example.cn", "oem", OEM_B).await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let need = post_need(&app, &oem, &need_body("被暂停企业的需求")).await;
    post_need(&app, &other_oem, &need_body("别家的需求")).await;
    let path = format!("/api/v1/needs/{}", need["id"].as_str().unwrap());

    organization::Entity::update_many()
        .col_expr(organization::Column::SuspendedAt, Expr::value(Utc::now()))
        .filter(organization::Column::Id.eq(org))
        .exec(app.db().conn())
        .await
        .unwrap();
    // As the services do after every organization change.
    app.state().pages.organization_changed();

    for token in [
        None,
        Some(other_oem.as_str()),
        Some(oem.as_str()),
        Some(staff.as_str()),
    ] {
        let page = get(&app, "/api/v1/needs", token, 200).await;
        assert_eq!(titles(&page), ["别家的需求"]);
        // Search too: both descriptions say 量产, only the other's is found.
        let page = get(&app, "/api/v1/needs?q=%E9%87%8F%E4%BA%A7", token, 200).await;
        assert_eq!(titles(&page), ["别家的需求"]);
        let page = get(
            &app,
            &format!("/api/v1/needs?organization={org}"),
            token,
            200,
        )
        .await;
        assert_eq!(page["items"], json!([]));
    }
    get(&app, &path, None, 404).await;
    get(&app, &path, Some(&other_oem), 404).await;
    get(&app, &path, Some(&oem), 200).await;
    get(&app, &path, Some(&staff), 200).await;
    // A suspended organization posts and edits nothing, but may still withdraw a need.
    let res = app
        .post("/api/v1/needs", &need_body("x"), Some(&oem), None)
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        patch(&app, &path, &oem, &json!({"title": "x"}))
            .await
            .status(),
        403
    );
    assert_eq!(
        patch(&app, &path, &other_oem, &json!({"title": "x"}))
            .await
            .status(),
        404
    );
    let close = format!("{path}/close");
    assert_eq!(
        app.post(&close, &json!({}), Some(&oem), None)
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn search_ranks_title_words_first_and_pages_by_cursor() {
    let app = TestApp::spawn().await;
    let (oem, _) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let mut once = need_body("电池托盘");
    once["description"] = json!("一体化压铸工艺,年需 5 万件。");
    post_need(&app, &oem, &once).await;
    let mut twice = need_body("铝合金压铸壳体");
    twice["description"] = json!("高压压铸,材料 ADC12。");
    post_need(&app, &oem, &twice).await;
    post_need(&app, &oem, &need_body("Stamped brackets")).await;
    let page = get(&app, "/api/v1/needs?q=%E5%8E%8B%E9%93%B8", None, 200).await; // 压铸
    assert_eq!(titles(&page), ["铝合金压铸壳体", "电池托盘"]);
    let page = get(&app, "/api/v1/needs?q=Stamping", None, 200).await;
    assert_eq!(titles(&page), ["Stamped brackets"]);
    let page = get(&app, "/api/v1/needs?q=%E7%9A%84%EF%BC%8C", None, 200).await; // 的,
    assert_eq!(page["items"], json!([]));

    // Four alike needs (need_body's description says 量产), one per page: no repeats, no gaps.
    for t in ["定子 A", "定子 B", "定子 C"] {
        post_need(&app, &oem, &need_body(t)).await;
    }
    let page1 = get(
        &app,
        "/api/v1/needs?q=%E9%87%8F%E4%BA%A7&limit=1",
        None,
        200,
    )
    .await;
    let mut seen = titles(&page1);
    let mut cursor = page1["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = get(
            &app,
            &format!("/api/v1/needs?q=%E9%87%8F%E4%BA%A7&limit=1&cursor={c}"),
            None,
            200,
        )
        .await;
        seen.extend(titles(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 4, "{seen:?}");
    assert_eq!(seen.len(), 4, "{seen:?}");

    let long = "x".repeat(101);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/needs?q={long}")))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "q");
}

/// One need and the directory's pages are kept in memory for a few seconds (they are the most
/// read); every change made through the platform shows on the next read all the same.
#[tokio::test]
async fn kept_pages_show_every_change_at_once() {
    let app = TestApp::spawn().await;
    let (oem, oem_org) = member(&app, "buyer@oem-a.example.cn", "oem", OEM_A).await;
    let (supplier, supplier_org) =
        member(&app, "sales@supplier.example.cn", "supplier", SUPPLIER).await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let need = post_need(&app, &oem, &need_body("扁线电机定子")).await;
    let path = format!("/api/v1/needs/{}", need["id"].as_str().unwrap());
    let directory = "/api/v1/capabilities?limit=5";

    // Read once each, so both are kept.
    let before = get(&app, &path, None, 200).await;
    assert_eq!(
        (before["title"].clone(), before["revision"].clone()),
        (json!("扁线电机定子"), json!(0))
    );
    assert!(titles(&get(&app, directory, None, 200).await).is_empty());

    // An edit and a close show at once.
    let res = patch(&app, &path, &oem, &json!({"title": "扁线电机定子总成"})).await;
    assert_eq!(res.status(), 200);
    let edited = get(&app, &path, None, 200).await;
    assert_eq!(
        (edited["title"].clone(), edited["revision"].clone()),
        (json!("扁线电机定子总成"), json!(1))
    );
    let res = app
        .post(&format!("{path}/close"), &json!({}), Some(&oem), None)
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(get(&app, &path, None, 200).await["status"], "closed");

    // A capability published, renamed and archived shows at once.
    let res = app
        .post(
            "/api/v1/capabilities",
            &json!({"category_code": "EDRIVE.MOTOR", "title": "扁线定子", "description": "发卡绕组定子"}),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
    let capability: Value = res.json().await.unwrap();
    assert_eq!(titles(&get(&app, directory, None, 200).await), ["扁线定子"]);
    let capability_path = format!(
        "/api/v1/capabilities/{}",
        capability["id"].as_str().unwrap()
    );
    let res = patch(
        &app,
        &capability_path,
        &supplier,
        &json!({"title": "扁线定子总成"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        titles(&get(&app, directory, None, 200).await),
        ["扁线定子总成"]
    );

    // Suspending either organization takes its need and capabilities out at once.
    for org in [oem_org, supplier_org] {
        let res = app
            .post(
                &format!("/api/v1/organizations/{org}/suspend"),
                &json!({"reason": "虚假信息"}),
                Some(&staff),
                None,
            )
            .await;
        assert_eq!(res.status(), 204);
    }
    get(&app, &path, None, 404).await;
    assert!(titles(&get(&app, directory, None, 200).await).is_empty());
    get(&app, &path, Some(&staff), 200).await;
}
