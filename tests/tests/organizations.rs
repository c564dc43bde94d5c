//! Organizations through the real server: the public directory and its filters, profiles and who
//! sees contacts, profile edits and their validation, certifications, OEM plants, and staff
//! verification and suspension with their audit entries.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use peitao_domain::CreditCode;
use peitao_domain::user::Role;
use peitao_persistence::entities::{capability, organization, organization_certification};
use peitao_persistence::sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use peitao_persistence::users;
use peitao_tests::{PASSWORD, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// A valid unified social credit code of this file's series (91510100MA…).
fn credit(n: u32) -> String {
    CreditCode::with_check_char(&format!("91510100MA{n:07}"))
        .unwrap()
        .as_str()
        .to_owned()
}

async fn staff_session(app: &TestApp, email: &str) -> String {
    let hash = peitao_auth::password::hash(PASSWORD.into(), peitao_auth::password::HashCost::Fast)
        .await
        .unwrap();
    let new = users::NewStaff {
        email: peitao_domain::Email::parse(email).unwrap(),
        display_name: "协会秘书处".into(),
        password_hash: hash,
        role: Role::Staff,
        locale: peitao_domain::Locale::ZhCn,
    };
    users::create_staff(app.db(), new, Utc::now())
        .await
        .unwrap();
    app.login(email, PASSWORD).await.access_token
}

/// Sends a request; returns the status and the JSON body (Null when there is none).
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    lang: Option<&str>,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    if let Some(l) = lang {
        req = req.header("Accept-Language", l);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    call(app, Method::GET, path, token, None, None).await
}

async fn org_of(app: &TestApp, token: &str) -> Uuid {
    let (status, me) = get(app, "/api/v1/me", Some(token)).await;
    assert_eq!(status, 200);
    me["organization_id"].as_str().unwrap().parse().unwrap()
}

/// The `field`s of a 422 problem.
fn fields(problem: &Value) -> BTreeSet<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

struct NewOrg<'a> {
    kind: &'a str,
    name: &'a str,
    name_en: Option<&'a str>,
    region: &'a str,
    verified: bool,
    suspended: bool,
    credit: u32,
}

/// An organization written straight to the database (no members), for directory tests.
async fn insert_org(app: &TestApp, o: NewOrg<'_>) -> Uuid {
    let now = Utc::now();
    let id = Uuid::now_v7();
    organization::ActiveModel {
        id: Set(id),
        kind: Set(o.kind.into()),
        name: Set(o.name.into()),
        name_en: Set(o.name_en.map(Into::into)),
        credit_code: Set(credit(o.credit)),
        region_code: Set(o.region.into()),
        address: Set(Some("保密地址".into())),
        contact_email: Set(Some("secret@example.cn".into())),
        contact_phone: Set(Some("+86 138 0000 0000".into())),
        website: Set(None),
        description: Set(None),
        description_en: Set(None),
        size: Set(None),
        founded_year: Set(None),
        verified_at: Set(o.verified.then_some(now)),
        suspended_at: Set(o.suspended.then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        suspension_reason: Set(o.suspended.then(|| "测试".to_owned())),
        // Left empty: search computes the terms of rows written without them.
        terms: Set(String::new()),
        title_terms: Set(String::new()),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
    id
}

async fn insert_capability(app: &TestApp, organization_id: Uuid, category: &str, status: &str) {
    let now = Utc::now();
    capability::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        category_code: Set(category.into()),
        title: Set("能力".into()),
        description: Set("说明".into()),
        products: Set("[]".into()),
        processes: Set("[]".into()),
        annual_capacity: Set(None),
        unit: Set(None),
        min_order_qty: Set(None),
        lead_time_days: Set(None),
        served_region_codes: Set("[]".into()),
        status: Set(status.into()),
        terms: Set(String::new()),
        title_terms: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
}

async fn insert_certification(app: &TestApp, organization_id: Uuid, code: &str, expires_on: &str) {
    organization_certification::ActiveModel {
        organization_id: Set(organization_id),
        certification_code: Set(code.into()),
        certificate_no: Set(None),
        expires_on: Set(NaiveDate::parse_from_str(expires_on, "%Y-%m-%d").unwrap()),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
}

/// The ids the directory lists for `query`, in order (one page of up to 100).
async fn listed(app: &TestApp, query: &str) -> Vec<Uuid> {
    let sep = if query.is_empty() { "" } else { "&" };
    let (status, body) = get(
        app,
        &format!("/api/v1/organizations?limit=100{sep}{query}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{query}: {body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Audit entries about one organization, newest first, as staff see them.
async fn audit_of(app: &TestApp, staff: &str, organization_id: Uuid) -> Vec<Value> {
    let (status, body) = get(
        app,
        &format!("/api/v1/audit?entity=organization&entity_id={organization_id}&limit=100"),
        Some(staff),
    )
    .await;
    assert_eq!(status, 200);
    body["items"].as_array().unwrap().clone()
}

fn actions<'a>(entries: &'a [Value], action: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["action"] == action).collect()
}

#[tokio::test]
async fn the_directory_filters_by_each_parameter_and_never_lists_the_suspended() {
    let app = TestApp::spawn().await;
    let a = insert_org(
        &app,
        NewOrg {
            kind: "supplier",
            name: "重庆渝北电芯有限公司",
            name_en: Some("Yubei Cell Co., Ltd."),
            region: "500112",
            verified: true,
            suspended: false,
            credit: 1,
        },
    )
    .await;
    insert_certification(&app, a, "IATF16949", "2099-12-31").await;
    insert_capability(&app, a, "EDRIVE.BATTERY.CELL", "published").await;
    let b = insert_org(
        &app,
        NewOrg {
            kind: "supplier",
            name: "成都武侯线束厂",
            name_en: None,
            region: "510107",
            verified: false,
            suspended: false,
            credit: 2,
        },
    )
    .await;
    insert_certification(&app, b, "IATF16949", "2001-01-01").await;
    insert_capability(&app, b, "EDRIVE.BATTERY", "draft").await;
    let c = insert_org(
        &app,
        NewOrg {
            kind: "oem",
            name: "武汉江夏汽车",
            name_en: Some("Jiangxia Motors"),
            region: "420115",
            verified: true,
            suspended: false,
            credit: 3,
        },
    )
    .await;
    let d = insert_org(
        &app,
        NewOrg {
            kind: "supplier",
            name: "重庆停牌电池",
            name_en: Some("Suspended Cells"),
            region: "500112",
            verified: true,
            suspended: true,
            credit: 4,
        },
    )
    .await;
    insert_certification(&app, d, "IATF16949", "2099-12-31").await;
    insert_capability(&app, d, "EDRIVE", "published").await;
    let e = insert_org(
        &app,
        NewOrg {
            kind: "supplier",
            name: "武侯百分之50%_折扣配件",
            name_en: None,
            region: "510107",
            verified: false,
            suspended: false,
            credit: 5,
        },
    )
    .await;
    // Written behind this instance's back, like another instance's changes: refresh.
    app.state().search.refresh(app.db()).await.unwrap();

    assert_eq!(
        listed(&app, "").await,
        [e, c, b, a],
        "newest first, suspended left out"
    );
    assert_eq!(listed(&app, "kind=oem").await, [c]);
    assert_eq!(listed(&app, "kind=supplier").await, [e, b, a]);
    // A published capability in the subtree; drafts and suspended companies do not count.
    assert_eq!(listed(&app, "category=EDRIVE").await, [a]);
    assert_eq!(listed(&app, "category=edrive.battery.cell").await, [a]);
    assert!(listed(&app, "category=EDRIVE.MOTOR").await.is_empty());
    assert_eq!(
        listed(&app, "region=500000").await,
        [a],
        "a province covers its districts"
    );
    assert_eq!(listed(&app, "region=510100").await, [e, b]);
    assert_eq!(listed(&app, "region=510107").await, [e, b]);
    assert_eq!(listed(&app, "zone=CHENGYU").await, [e, b, a]);
    assert_eq!(listed(&app, "zone=chengyu").await, [e, b, a]);
    assert_eq!(listed(&app, "zone=WXSS").await, [c]);
    assert_eq!(
        listed(&app, "certification=IATF16949").await,
        [a],
        "b's has expired"
    );
    assert!(listed(&app, "certification=ISO9001").await.is_empty());
    assert_eq!(listed(&app, "verified=true").await, [c, a]);
    assert_eq!(listed(&app, "verified=false").await, [e, b]);
    assert_eq!(listed(&app, "q=yubei").await, [a], "name_en, any case");
    assert_eq!(listed(&app, "q=JIANGXIA").await, [c]);
    assert_eq!(
        listed(&app, "q=%E6%AD%A6%E4%BE%AF").await,
        [b, e],
        "武侯 in both names: the shorter ranks first"
    );
    assert!(
        listed(&app, "q=%25").await.is_empty(),
        "punctuation alone finds nothing"
    );
    assert!(listed(&app, "q=_").await.is_empty());
    assert_eq!(listed(&app, "q=%E6%8A%98%E6%89%A3").await, [e], "折扣");
    assert!(listed(&app, "q=Suspended").await.is_empty());
    assert_eq!(
        listed(&app, "kind=supplier&zone=CHENGYU&verified=true").await,
        [a]
    );
    assert_eq!(
        listed(&app, "kind=&category=&q=").await.len(),
        4,
        "blank means any"
    );

    // Cursor paging.
    let (_, first) = get(&app, "/api/v1/organizations?limit=2", None).await;
    let ids: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [e.to_string(), c.to_string()]);
    assert_eq!(first["next_cursor"], c.to_string());
    let (_, second) = get(
        &app,
        &format!("/api/v1/organizations?limit=2&cursor={c}"),
        None,
    )
    .await;
    let ids: Vec<&str> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b.to_string(), a.to_string()]);
    assert_eq!(second["next_cursor"], Value::Null);

    // What an entry says: no contact fields, only unexpired certifications.
    let (_, all) = get(&app, "/api/v1/organizations", None).await;
    let items = all["items"].as_array().unwrap();
    let entry = |id: Uuid| items.iter().find(|i| i["id"] == id.to_string()).unwrap();
    let ea = entry(a);
    assert_eq!(ea["kind"], "supplier");
    assert_eq!(ea["name"], "重庆渝北电芯有限公司");
    assert_eq!(ea["name_en"], "Yubei Cell Co., Ltd.");
    assert_eq!(ea["region_code"], "500112");
    assert_eq!(ea["region_name"], "渝北区");
    assert_eq!(ea["verified"], true);
    assert_eq!(
        ea["certifications"],
        json!([{"code": "IATF16949", "expires_on": "2099-12-31"}])
    );
    assert_eq!(entry(b)["certifications"], json!([]));
    assert_eq!(entry(b)["verified"], false);
    for item in items {
        let keys: BTreeSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "id",
                "kind",
                "name",
                "name_en",
                "region_code",
                "region_name",
                "verified",
                "certifications"
            ]),
        );
    }
}

#[tokio::test]
async fn bad_directory_parameters_are_each_named_in_both_languages() {
    let app = TestApp::spawn().await;
    let path = "/api/v1/organizations?kind=dealer&category=NOPE.NOTHING&region=999999&zone=NOWHERE&certification=XYZ&verified=yes&limit=0&cursor=abc";
    for (lang, word) in [("zh-CN", "没有这个"), ("en", "No ")] {
        let (status, problem) = call(&app, Method::GET, path, None, None, Some(lang)).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(
            fields(&problem),
            set(&[
                "kind",
                "category",
                "region",
                "zone",
                "certification",
                "verified",
                "limit",
                "cursor"
            ])
        );
        let messages = problem["errors"].to_string();
        assert!(messages.contains(word), "{lang}: {messages}");
    }
    let (status, problem) = get(&app, "/api/v1/organizations?region=510199", None).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "region");
    assert_eq!(problem["errors"][0]["code"], "unknown");
    let (status, problem) = get(&app, "/api/v1/organizations?category=EDRIVE..X", None).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["code"], "category_code.format");
    let long = "长".repeat(101);
    let (status, problem) = get(&app, &format!("/api/v1/organizations?q={long}"), None).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "q");
}

#[tokio::test]
async fn contacts_show_only_to_members_and_staff() {
    let app = TestApp::spawn().await;
    let supplier = app
        .verified_user("s@org.example.cn", "supplier", &credit(11))
        .await
        .access_token;
    let oem = app
        .verified_user("o@org.example.cn", "oem", &credit(12))
        .await
        .access_token;
    let staff = staff_session(&app, "staff@assoc.example.cn").await;
    let org = org_of(&app, &supplier).await;
    let path = format!("/api/v1/organizations/{org}");
    let (status, _) = call(&app, Method::PATCH, &path, Some(&supplier), Some(&json!({"contact_email": "Sales@Org.Example.cn", "contact_phone": "138-0000-0000", "address": "重庆市渝北区金开大道 1 号"})), None).await;
    assert_eq!(status, 200);

    for (who, token) in [("anonymous", None), ("another company", Some(oem.as_str()))] {
        let (status, p) = get(&app, &path, token).await;
        assert_eq!(status, 200, "{who}");
        assert!(p.get("contact_email").is_none(), "{who}: {p}");
        assert!(p.get("contact_phone").is_none(), "{who}: {p}");
        assert!(p.get("suspension_reason").is_none(), "{who}: {p}");
        assert_eq!(p["address"], "重庆市渝北区金开大道 1 号");
        assert_eq!(p["credit_code"], credit(11));
        assert_eq!(p["kind"], "supplier");
        assert_eq!(p["region_code"], "500112");
        assert_eq!(p["region_name"], "渝北区");
        assert_eq!(p["verified"], false);
        assert_eq!(p["suspended"], false);
        assert_eq!(p["plants"], json!([]));
    }
    for (who, token) in [("member", supplier.as_str()), ("staff", staff.as_str())] {
        let (status, p) = get(&app, &path, Some(token)).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(p["contact_email"], "sales@org.example.cn", "{who}");
        assert_eq!(p["contact_phone"], "+86 138 0000 0000", "{who}");
        assert_eq!(p["suspension_reason"], Value::Null, "{who}: present, empty");
    }
    let (status, _) = get(
        &app,
        &format!("/api/v1/organizations/{}", Uuid::now_v7()),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = get(&app, "/api/v1/organizations/not-an-id", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_bad_patch_names_every_field_in_both_languages_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let member = app
        .verified_user("m@org.example.cn", "supplier", &credit(21))
        .await
        .access_token;
    let staff = staff_session(&app, "staff@assoc.example.cn").await;
    let org = org_of(&app, &member).await;
    let path = format!("/api/v1/organizations/{org}");
    let (_, before) = get(&app, &path, Some(&member)).await;

    let bad = json!({
        "name": "A",
        "name_en": 5,
        "region_code": "510000",
        "address": "x".repeat(301),
        "contact_email": "not-an-email",
        "contact_phone": "12345",
        "website": "javascript:alert(1)",
        "description": "长".repeat(10_001),
        "description_en": "bell\u{7}",
        "size": "huge",
        "founded_year": 1800,
        "colour": "red",
    });
    let everything = set(&[
        "name",
        "name_en",
        "region_code",
        "address",
        "contact_email",
        "contact_phone",
        "website",
        "description",
        "description_en",
        "size",
        "founded_year",
        "colour",
    ]);
    let (status, zh) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&member),
        Some(&bad),
        Some("zh-CN"),
    )
    .await;
    assert_eq!(status, 422, "{zh}");
    assert_eq!(fields(&zh), everything);
    let codes: BTreeSet<&str> = zh["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for code in [
        "too_short",
        "region_code.too_coarse",
        "email.invalid",
        "phone.invalid",
        "website.invalid",
        "too_long",
        "organization.size",
        "unknown",
        "control_characters",
    ] {
        assert!(codes.contains(code), "{code} in {codes:?}");
    }
    let (status, en) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&member),
        Some(&bad),
        Some("en"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&en), everything);
    let message = |p: &Value, field: &str| {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        message(&zh, "contact_phone").contains("手机号码"),
        "{}",
        message(&zh, "contact_phone")
    );
    assert!(
        message(&en, "contact_phone").contains("mobile number"),
        "{}",
        message(&en, "contact_phone")
    );
    assert!(message(&zh, "founded_year").contains("成立年份"));
    assert!(message(&en, "founded_year").contains("founded_year"));
    assert!(message(&en, "colour").contains("not a known field"));

    let (_, after) = get(&app, &path, Some(&member)).await;
    assert_eq!(before, after, "nothing changed");
    assert!(actions(&audit_of(&app, &staff, org).await, "organization.update").is_empty());

    for (body, field) in [
        (json!({"name": null}), "name"),
        (json!({"region_code": null}), "region_code"),
        (json!({"founded_year": "1990"}), "founded_year"),
        (json!({"name": "a\nb"}), "name"),
    ] {
        let (status, p) = call(&app, Method::PATCH, &path, Some(&member), Some(&body), None).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&p), set(&[field]), "{body}");
    }
    let (status, p) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&member),
        Some(&json!(["name"])),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), set(&["body"]));

    // A year to come has its own code: the document states the lower bound only, as the upper
    // one moves with the calendar.
    let future = json!({"founded_year": 2999});
    let (status, p) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&member),
        Some(&future),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["code"], "founded_year.future");

    // A good edit: markup is stored as text, the phone in its canonical form; `2001.0` is a
    // whole number to JSON, so it is a year.
    let script = "<script>alert('x')</script> 我们生产<b>电芯</b>\n第二行";
    let good = json!({
        "name": "  重庆测试电芯有限公司 ",
        "name_en": "Chongqing Test Cells",
        "region_code": "510107",
        "contact_phone": "023-67890000 转 8012",
        "website": "https://www.example.com.cn/about",
        "description": script,
        "size": "medium",
        "founded_year": 2001.0,
    });
    let (status, p) = call(&app, Method::PATCH, &path, Some(&member), Some(&good), None).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["name"], "重庆测试电芯有限公司");
    assert_eq!(p["description"], script);
    assert_eq!(p["contact_phone"], "+86 23 6789 0000 ext. 8012");
    assert_eq!(p["region_code"], "510107");
    assert_eq!(p["region_name"], "武侯区");
    assert_eq!(p["size"], "medium");
    assert_eq!(p["founded_year"], 2001);
    let (_, anon) = get(&app, &path, None).await;
    assert_eq!(anon["description"], script);

    let updates = audit_of(&app, &staff, org).await;
    let updates = actions(&updates, "organization.update");
    assert_eq!(updates.len(), 1);
    let summary = &updates[0]["summary"];
    assert_eq!(
        summary["after"]["contact_phone"],
        "+86 23 6789 0000 ext. 8012"
    );
    assert_eq!(summary["before"]["contact_phone"], Value::Null);
    assert_eq!(summary["before"]["region_code"], "500112");
    assert!(
        summary["after"].get("contact_email").is_none(),
        "only what changed: {summary}"
    );

    // null and blank clear optional fields; the same values again write no audit row.
    let (status, p) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&member),
        Some(&json!({"website": null, "name_en": "  "})),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(p["website"], Value::Null);
    assert_eq!(p["name_en"], Value::Null);
    let (status, _) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&member),
        Some(&json!({"size": "medium"})),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        actions(&audit_of(&app, &staff, org).await, "organization.update").len(),
        2
    );

    // Staff may correct a profile too.
    let (status, p) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&staff),
        Some(&json!({"size": "large"})),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(p["size"], "large");
}

#[tokio::test]
async fn writes_need_a_login_and_the_right_organization() {
    let app = TestApp::spawn().await;
    let supplier = app
        .verified_user("s@org.example.cn", "supplier", &credit(31))
        .await
        .access_token;
    let other = app
        .verified_user("t@org.example.cn", "supplier", &credit(32))
        .await
        .access_token;
    let oem = app
        .verified_user("o@org.example.cn", "oem", &credit(33))
        .await
        .access_token;
    app.register("u@org.example.cn", "supplier", &credit(34))
        .await;
    let unverified = app.login("u@org.example.cn", PASSWORD).await.access_token;
    let org = org_of(&app, &supplier).await;
    let oem_org = org_of(&app, &oem).await;
    let unverified_org = org_of(&app, &unverified).await;
    let plant = Uuid::now_v7();
    let missing = Uuid::now_v7();
    let patch = json!({"name": "改名企业"});
    let certs = json!([]);
    let new_plant = json!({"name": "两江工厂", "region_code": "500112"});
    let reason = json!({"reason": "核查"});

    // method, path, body, then the status for anonymous, the member, another supplier, an OEM.
    let rows: Vec<(Method, String, Option<&Value>, [u16; 4])> = vec![
        (
            Method::PATCH,
            format!("/api/v1/organizations/{org}"),
            Some(&patch),
            [401, 200, 403, 403],
        ),
        (
            Method::PUT,
            format!("/api/v1/organizations/{org}/certifications"),
            Some(&certs),
            [401, 200, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{oem_org}/plants"),
            Some(&new_plant),
            [401, 403, 403, 201],
        ),
        (
            Method::DELETE,
            format!("/api/v1/organizations/{oem_org}/plants/{plant}"),
            None,
            [401, 403, 403, 404],
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{org}/verify"),
            None,
            [401, 403, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{org}/suspend"),
            Some(&reason),
            [401, 403, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{org}/reinstate"),
            None,
            [401, 403, 403, 403],
        ),
        (
            Method::PATCH,
            format!("/api/v1/organizations/{missing}"),
            Some(&patch),
            [401, 404, 404, 404],
        ),
        (
            Method::PUT,
            format!("/api/v1/organizations/{missing}/certifications"),
            Some(&certs),
            [401, 404, 404, 404],
        ),
    ];
    let callers = [
        None,
        Some(supplier.as_str()),
        Some(other.as_str()),
        Some(oem.as_str()),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for (token, want) in callers.iter().zip(expected) {
            let (got, p) = call(&app, method.clone(), path, *token, *body, None).await;
            if got != *want {
                failures.push(format!(
                    "{method} {path} as {token:?}: expected {want}, got {got}: {p}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // An unverified member is told to verify their email first.
    let (status, p) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/organizations/{unverified_org}"),
        Some(&unverified),
        Some(&patch),
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        p["detail"].as_str().unwrap().contains("验证您的邮箱"),
        "{p}"
    );
}

#[tokio::test]
async fn certifications_are_replaced_as_a_whole_set() {
    let app = TestApp::spawn().await;
    let member = app
        .verified_user("m@org.example.cn", "supplier", &credit(41))
        .await
        .access_token;
    let staff = staff_session(&app, "staff@assoc.example.cn").await;
    let org = org_of(&app, &member).await;
    let path = format!("/api/v1/organizations/{org}/certifications");

    let (status, items) = call(
        &app,
        Method::PUT,
        &path,
        Some(&member),
        Some(&json!([
            {"code": "IATF16949", "certificate_no": "CN-IATF-0001", "expires_on": "2099-06-30"},
            {"code": "iso9001", "expires_on": "2001-01-01"},
        ])),
        None,
    )
    .await;
    assert_eq!(status, 200, "{items}");
    assert_eq!(
        items,
        json!([
            {"code": "IATF16949", "certificate_no": "CN-IATF-0001", "expires_on": "2099-06-30", "expired": false},
            {"code": "ISO9001", "certificate_no": null, "expires_on": "2001-01-01", "expired": true},
        ])
    );
    let (_, profile) = get(&app, &format!("/api/v1/organizations/{org}"), None).await;
    assert_eq!(profile["certifications"], items);
    assert_eq!(listed(&app, "certification=IATF16949").await, [org]);
    assert!(
        listed(&app, "certification=ISO9001").await.is_empty(),
        "expired"
    );

    // Every bad entry field is named, and nothing changes.
    let (status, p) = call(
        &app,
        Method::PUT,
        &path,
        Some(&member),
        Some(&json!([
            {"code": "NOPE", "expires_on": "2099-01-01"},
            {"code": "ISO14001", "expires_on": "2099-13-01"},
            {"code": "ISO14001", "expires_on": "2099-01-01"},
            {"code": "ISO45001", "expires_on": "2099-01-01", "issuer": "TÜV"},
            {"expires_on": "2099-01-01"},
            {"code": "CCC"},
            {"code": "CNAS", "expires_on": "2099-01-01", "certificate_no": 7},
            "IATF16949",
        ])),
        Some("en"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        fields(&p),
        set(&[
            "[0].code",
            "[1].expires_on",
            "[2].code",
            "[3].issuer",
            "[4].code",
            "[5].expires_on",
            "[6].certificate_no",
            "[7]"
        ])
    );
    let codes: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(
        codes.contains(&("[0].code", "certification.unknown")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("[1].expires_on", "date.invalid")),
        "{codes:?}"
    );
    assert!(codes.contains(&("[2].code", "duplicate")), "{codes:?}");
    assert!(codes.contains(&("[4].code", "required")), "{codes:?}");
    let (status, p) = call(
        &app,
        Method::PUT,
        &path,
        Some(&member),
        Some(&json!({"code": "CCC"})),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), set(&["body"]));
    let (_, again) = get(&app, &format!("/api/v1/organizations/{org}"), None).await;
    assert_eq!(again["certifications"], items, "unchanged");

    let (status, items) = call(
        &app,
        Method::PUT,
        &path,
        Some(&member),
        Some(&json!([])),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(items, json!([]));
    let entries = audit_of(&app, &staff, org).await;
    let changes = actions(&entries, "organization.certifications");
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["summary"]["after"], json!([]));
    assert_eq!(changes[0]["summary"]["before"][0]["code"], "IATF16949");
}

#[tokio::test]
async fn plants_belong_to_automakers() {
    let app = TestApp::spawn().await;
    let oem = app
        .verified_user("o@org.example.cn", "oem", &credit(51))
        .await
        .access_token;
    let other_oem = app
        .verified_user("p@org.example.cn", "oem", &credit(52))
        .await
        .access_token;
    let supplier = app
        .verified_user("s@org.example.cn", "supplier", &credit(53))
        .await
        .access_token;
    let staff = staff_session(&app, "staff@assoc.example.cn").await;
    let org = org_of(&app, &oem).await;
    let supplier_org = org_of(&app, &supplier).await;
    let plants = format!("/api/v1/organizations/{org}/plants");

    let res = app
        .client
        .post(app.url(&plants))
        .bearer_auth(&oem)
        .json(&json!({"name": "两江工厂", "name_en": "Liangjiang Plant", "region_code": "500112"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let plant: Value = res.json().await.unwrap();
    let plant_id = plant["id"].as_str().unwrap();
    assert_eq!(location, format!("{plants}/{plant_id}"));
    assert_eq!(plant["region_name"], "渝北区");
    assert_eq!(plant["name_en"], "Liangjiang Plant");

    let (status, list) = get(&app, &plants, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], plant_id);
    let (_, profile) = get(&app, &format!("/api/v1/organizations/{org}"), None).await;
    assert_eq!(profile["plants"][0]["name"], "两江工厂");

    let (status, p) = call(
        &app,
        Method::POST,
        &plants,
        Some(&oem),
        Some(&json!({"name": "", "region_code": "510000", "colour": "red"})),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), set(&["name", "region_code", "colour"]));
    let (status, p) = call(
        &app,
        Method::POST,
        &plants,
        Some(&oem),
        Some(&json!({"name": "无地址工厂"})),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), set(&["region_code"]));

    // Suppliers have no plants: a 422 about the organization, consistently.
    let supplier_plants = format!("/api/v1/organizations/{supplier_org}/plants");
    for token in [&supplier, &staff] {
        let (status, p) = call(
            &app,
            Method::POST,
            &supplier_plants,
            Some(token),
            Some(&json!({"name": "某工厂", "region_code": "500112"})),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(p["errors"][0]["field"], "organization");
        assert_eq!(p["errors"][0]["code"], "plant.oem_only");
    }
    let (status, list) = get(&app, &supplier_plants, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], json!([]));

    let one = format!("{plants}/{plant_id}");
    let (status, _) = call(&app, Method::DELETE, &one, Some(&other_oem), None, None).await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("{plants}/{}", Uuid::now_v7()),
        Some(&oem),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let other_org = org_of(&app, &other_oem).await;
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/organizations/{other_org}/plants/{plant_id}"),
        Some(&other_oem),
        None,
        None,
    )
    .await;
    assert_eq!(
        status, 404,
        "a plant is deleted only through its own organization"
    );
    let (status, _) = call(&app, Method::DELETE, &one, Some(&oem), None, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, Method::DELETE, &one, Some(&oem), None, None).await;
    assert_eq!(status, 404);
    let (_, list) = get(&app, &plants, None).await;
    assert_eq!(list["items"], json!([]));

    let entries = audit_of(&app, &staff, org).await;
    assert_eq!(actions(&entries, "organization.plant_add").len(), 1);
    let removed = actions(&entries, "organization.plant_remove");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["summary"]["before"]["plant"], plant_id);
}

#[tokio::test]
async fn staff_verify_suspend_and_reinstate_with_an_audit_trail() {
    let app = TestApp::spawn().await;
    let member = app
        .verified_user("m@org.example.cn", "supplier", &credit(61))
        .await
        .access_token;
    let oem = app
        .verified_user("o@org.example.cn", "oem", &credit(62))
        .await
        .access_token;
    let staff = staff_session(&app, "staff@assoc.example.cn").await;
    let org = org_of(&app, &member).await;
    let path = format!("/api/v1/organizations/{org}");
    let post = |suffix: &'static str, body: Option<Value>| {
        let app = &app;
        let staff = staff.clone();
        let path = path.clone();
        async move {
            call(
                app,
                Method::POST,
                &format!("{path}/{suffix}"),
                Some(&staff),
                body.as_ref(),
                None,
            )
            .await
        }
    };

    // A published capability, to see suspension take it out of the listings at once.
    insert_capability(&app, org, "EDRIVE.BATTERY.CELL", "published").await;
    let postings = format!("/api/v1/capabilities?organization={org}");
    let (status, page) = get(&app, &postings, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // Verify: idempotent, one audit row.
    assert_eq!(post("verify", None).await.0, 204);
    assert_eq!(post("verify", None).await.0, 204);
    let (_, p) = get(&app, &path, None).await;
    assert_eq!(p["verified"], true);
    assert!(p["verified_at"].is_string());
    assert_eq!(listed(&app, "verified=true").await, [org]);
    let entries = audit_of(&app, &staff, org).await;
    assert_eq!(actions(&entries, "organization.verify").len(), 1);
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/organizations/{}/verify", Uuid::now_v7()),
        Some(&staff),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Suspend needs a reason of 1 to 1000 characters.
    for body in [
        json!({}),
        json!({"reason": ""}),
        json!({"reason": "  "}),
        json!({"reason": "长".repeat(1001)}),
        json!({"reason": 3}),
    ] {
        let (status, p) = post("suspend", Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], "reason", "{body}");
    }
    assert_eq!(
        post("suspend", Some(json!({"reason": "资质造假,暂停展示"})))
            .await
            .0,
        204
    );
    assert_eq!(
        post("suspend", Some(json!({"reason": "再次暂停"}))).await.0,
        204
    );
    let suspended = organization::Entity::find_by_id(org)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert!(suspended.suspended_at.is_some());
    assert_eq!(
        suspended.suspension_reason.as_deref(),
        Some("资质造假,暂停展示"),
        "the second call changed nothing"
    );
    let entries = audit_of(&app, &staff, org).await;
    let suspensions = actions(&entries, "organization.suspend");
    assert_eq!(suspensions.len(), 1);
    assert_eq!(suspensions[0]["summary"]["reason"], "资质造假,暂停展示");
    assert_eq!(suspensions[0]["actor_role"], "staff");

    // Gone from the directory and, for outsiders, from the site.
    assert!(listed(&app, "").await.iter().all(|id| *id != org));
    assert!(listed(&app, "verified=true").await.is_empty());
    assert_eq!(get(&app, &path, None).await.0, 404);
    assert_eq!(get(&app, &path, Some(&oem)).await.0, 404);
    assert_eq!(get(&app, &format!("{path}/plants"), None).await.0, 404);
    let (_, page) = get(&app, &postings, None).await;
    assert_eq!(page["items"], json!([]), "its postings left the listings");
    let (status, _) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&oem),
        Some(&json!({"name": "改名企业"})),
        None,
    )
    .await;
    assert_eq!(
        status, 404,
        "for outsiders it does not exist, for writing either"
    );
    let (status, _) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&member),
        Some(&json!({"address": "重庆市渝北区"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "its members may still tidy the profile");
    for token in [&member, &staff] {
        let (status, p) = get(&app, &path, Some(token)).await;
        assert_eq!(status, 200);
        assert_eq!(p["suspended"], true);
        assert_eq!(p["suspension_reason"], "资质造假,暂停展示");
    }

    // Reinstating: the body is optional; a bad one is refused.
    let (status, p) = post("reinstate", Some(json!({"reason": 5}))).await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, p) = post("reinstate", Some(json!({"why": "x"}))).await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (422, Some("why"))
    );
    let res = app
        .client
        .post(app.url(&format!("{path}/reinstate")))
        .bearer_auth(&staff)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(post("reinstate", None).await.0, 204);
    assert_eq!(
        post("reinstate", Some(json!({"reason": "已复核"}))).await.0,
        204
    );
    let (status, p) = get(&app, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(p["suspended"], false);
    assert!(p.get("suspension_reason").is_none());
    let (_, p) = get(&app, &path, Some(&member)).await;
    assert_eq!(p["suspension_reason"], Value::Null);
    assert_eq!(listed(&app, "verified=true").await, [org]);
    let (_, page) = get(&app, &postings, None).await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        1,
        "back in the listings"
    );

    // A second round, with a reason for reinstating.
    assert_eq!(
        post("suspend", Some(json!({"reason": "投诉待查"}))).await.0,
        204
    );
    assert_eq!(
        post("reinstate", Some(json!({"reason": "投诉不成立"})))
            .await
            .0,
        204
    );
    let entries = audit_of(&app, &staff, org).await;
    let reinstatements = actions(&entries, "organization.reinstate");
    assert_eq!(reinstatements.len(), 2);
    assert_eq!(reinstatements[0]["summary"]["reason"], "投诉不成立");
    assert_eq!(reinstatements[0]["summary"]["before"]["reason"], "投诉待查");
    assert_eq!(reinstatements[1]["summary"]["reason"], Value::Null);
    assert_eq!(actions(&entries, "organization.suspend").len(), 2);
}
