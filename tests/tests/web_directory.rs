//! The directory, profile, posting and verification pages through the real server, the way a
//! browser without script uses them: forms with CSRF tokens scraped from the page, cookies kept
//! by hand, redirects followed one at a time.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::CreditCode;
use peitao_domain::user::Role;
use peitao_tests::visitor::{Page, Visitor};
use peitao_tests::{PASSWORD, TestApp};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

fn credit(n: u32) -> String {
    CreditCode::with_check_char(&format!("91500112MA{n:07}"))
        .unwrap()
        .as_str()
        .to_owned()
}

fn email(n: u32) -> String {
    format!("m{n}@firm.example.cn")
}

/// A verified member of a new organization: its API token and organization id.
async fn firm(app: &TestApp, n: u32, role: &str) -> (String, Uuid) {
    let token = app
        .verified_user(&email(n), role, &credit(n))
        .await
        .access_token;
    let (_, me) = app
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    (
        token,
        me["organization_id"].as_str().unwrap().parse().unwrap(),
    )
}

async fn logged_in<'a>(app: &'a TestApp, n: u32, language: &'static str) -> Visitor<'a> {
    let mut v = Visitor::new(app, language);
    v.log_in(&email(n), PASSWORD).await;
    v
}

/// The id in the first link of the form `/{base}/{id}/edit` on the page.
fn edit_id(page: &Page, base: &str) -> Uuid {
    let marker = format!("/{base}/");
    let mut rest = page.body.as_str();
    while let Some(at) = rest.find(&marker) {
        rest = &rest[at + marker.len()..];
        if let Some(end) = rest.find("/edit")
            && let Ok(id) = rest[..end].parse()
        {
            return id;
        }
    }
    panic!("no /{base}/…/edit link in:\n{}", page.body)
}

const TITLE: &str = "<script>alert(1)</script>一体化压铸电池包壳体";
const ESCAPED: &str = "&#60;script&#62;alert(1)&#60;/script&#62;一体化压铸电池包壳体";

fn capability_form<'a>(token: &'a str, title: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("csrf_token", token),
        ("category_code", "EDRIVE.BATTERY.PACK"),
        ("title", title),
        ("description", "铝合金一体化压铸电池壳体，年产能 20 万套。"),
        ("products", "电池包上壳体\n电池包下壳体"),
        ("processes", "压铸\n机加工"),
        ("annual_capacity", "200000"),
        ("unit", "套"),
        ("min_order_qty", ""),
        ("lead_time_days", "30"),
        ("served_region_codes", "500000"),
        ("served_region_codes", "510000"),
        ("status", "published"),
    ]
}

#[tokio::test]
async fn a_supplier_posts_edits_and_archives_a_capability_and_finds_it_in_the_directory() {
    let app = TestApp::spawn().await;
    firm(&app, 1, "supplier").await;
    let mut v = logged_in(&app, 1, "zh-CN").await;

    let mine = v.get("/my/capabilities").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    mine.assert_clean();
    assert!(mine.has("我的供货能力") && mine.has("还没有内容"));
    assert!(
        mine.has(r#"href="/directory""#),
        "the nav leads to the directory"
    );

    let form = v.get("/capabilities/new").await;
    assert_eq!(form.status, 200);
    form.assert_clean();
    assert!(form.has("发布供货能力") && form.has("EDRIVE.BATTERY.PACK"));
    // The category tree: a child is indented beneath its parent.
    assert!(form.has("\u{3000}"), "indented categories");
    let token = form.csrf();

    // Refusals land under their fields, in Chinese; what was typed stays.
    let mut bad = capability_form(&token, "");
    bad[1] = ("category_code", "");
    bad[6] = ("annual_capacity", "很多");
    let refused = v.post_any("/capabilities/new", &bad).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_clean();
    assert_eq!(
        refused.field_error("title").as_deref(),
        Some("请填写此项。")
    );
    assert!(
        refused.field_error("category_code").is_some(),
        "{}",
        refused.body
    );
    let capacity = refused.field_error("annual_capacity").unwrap();
    assert!(capacity.contains("年产能"), "{capacity}");
    assert!(refused.has("铝合金一体化压铸电池壳体") && refused.has("很多"));
    assert!(
        refused.has(r#"value="500000" checked"#),
        "ticked regions stay ticked"
    );

    // Without the CSRF token nothing happens.
    let forged = v
        .post_any("/capabilities/new", &capability_form("forged", TITLE))
        .await;
    assert_eq!(forged.status, 403);

    v.post_any("/capabilities/new", &capability_form(&token, TITLE))
        .await
        .assert_redirect("/my/capabilities?saved=1");
    let mine = v.get("/my/capabilities?saved=1").await;
    assert!(mine.has("已保存") && mine.has(ESCAPED), "{}", mine.body);
    assert!(!mine.has("<script>alert"), "the title is escaped");
    let id = edit_id(&mine, "capabilities");

    // Anyone finds it in the directory by its words, the title escaped.
    let mut anonymous = Visitor::new(&app, "zh-CN");
    let found = anonymous
        .get("/directory?show=capabilities&q=%E7%94%B5%E6%B1%A0%E5%8C%85%E5%A3%B3%E4%BD%93")
        .await;
    assert_eq!(found.status, 200);
    found.assert_clean();
    assert!(
        found.has(ESCAPED) && found.has("按相关度排序"),
        "{}",
        found.body
    );

    // The edit form shows the stored values; a change is saved.
    let edit = v.get(&format!("/capabilities/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.has(ESCAPED) && edit.has("电池包上壳体\n电池包下壳体"));
    assert!(edit.has(r#"value="EDRIVE.BATTERY.PACK" selected"#));
    let token = edit.csrf();
    v.post_any(
        &format!("/capabilities/{id}/edit"),
        &capability_form(&token, "电池包壳体 一体化压铸（改）"),
    )
    .await
    .assert_redirect("/my/capabilities?saved=1");
    let (_, api) = app
        .call(
            Method::GET,
            &format!("/api/v1/capabilities/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(api["title"], "电池包壳体 一体化压铸（改）");
    assert_eq!(api["lead_time_days"], 30);

    // Archived, it leaves the directory.
    v.post(
        &format!("/capabilities/{id}/archive"),
        &[("csrf_token", &token)],
    )
    .await
    .assert_redirect("/my/capabilities?archived=1");
    let gone = anonymous.get("/directory?show=capabilities").await;
    assert!(!gone.has("一体化压铸（改）"), "{}", gone.body);
    let mine = v.get("/my/capabilities?archived=1").await;
    assert!(mine.has("已归档"));
    // Editing an archived capability does not offer to republish it unasked.
    let archived = v.get(&format!("/capabilities/{id}/edit")).await;
    assert_eq!(archived.status, 200);
    assert!(
        !archived.has(r#"value="published" checked"#) && !archived.has(r#"value="draft" checked"#)
    );
}

#[tokio::test]
async fn others_cannot_edit_and_only_staff_open_the_verification_queue() {
    let app = TestApp::spawn().await;
    let (token, _) = firm(&app, 1, "supplier").await;
    firm(&app, 2, "supplier").await;
    let (_, body) = app
        .call(
            Method::POST,
            "/api/v1/capabilities",
            Some(&token),
            Some(&json!({
                "category_code": "EDRIVE.BATTERY.PACK",
                "title": "电池包壳体",
                "description": "一体化压铸。",
            })),
        )
        .await;
    let id = body["id"].as_str().unwrap().to_owned();

    let mut other = logged_in(&app, 2, "zh-CN").await;
    let page = other.get(&format!("/capabilities/{id}/edit")).await;
    assert_eq!(page.status, 403, "{}", page.body);
    let token = other.get("/capabilities/new").await.csrf();
    let page = other
        .post_any(
            &format!("/capabilities/{id}/edit"),
            &capability_form(&token, "被别人改了"),
        )
        .await;
    assert_eq!(page.status, 403);
    let page = other
        .post(
            &format!("/capabilities/{id}/archive"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(page.status, 403);
    let page = other.get("/staff/organizations").await;
    assert_eq!(page.status, 403);
    assert!(!other.get("/account").await.has("/staff/organizations"));
    // A supplier has no needs to post.
    assert_eq!(other.get("/needs/new").await.status, 403);
    assert_eq!(other.get("/my/needs").await.status, 403);

    let mut anonymous = Visitor::new(&app, "zh-CN");
    anonymous
        .get("/my/capabilities")
        .await
        .assert_redirect("/login");
    anonymous
        .get("/staff/organizations")
        .await
        .assert_redirect("/login");
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/capabilities/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "nothing changed");
}

#[tokio::test]
async fn an_oem_posts_a_need_with_the_region_picker_in_english_and_closes_it() {
    let app = TestApp::spawn().await;
    firm(&app, 9, "oem").await;
    let mut v = logged_in(&app, 9, "en").await;
    // The account is in Chinese; the switch makes the pages English.
    v.get("/lang/en?next=/needs/new")
        .await
        .assert_redirect("/needs/new");
    let form = v.get("/needs/new").await;
    assert_eq!(form.status, 200);
    assert_eq!(form.content_language.as_deref(), Some("en"));
    assert!(form.has("Post a need") && form.has("Update the region choices"));
    assert!(form.has(r#"<script src="/static/regions.js" defer></script>"#));
    assert!(
        !form.has("<script>") && !form.has(" style="),
        "no inline script"
    );
    let token = form.csrf();

    let mut fields = vec![
        ("csrf_token", token.as_str()),
        ("category_code", "EDRIVE.BATTERY.PACK"),
        ("title", "Battery pack housings"),
        (
            "description",
            "Die-cast aluminium housings for the Liangjiang plant.",
        ),
        ("province", "500000"),
        ("city", ""),
        ("district", ""),
        ("annual_volume", "100000"),
        ("unit", "sets"),
        ("sop_date", ""),
        ("respond_by", "2020-01-01"),
        ("required_certifications", "IATF16949"),
        ("target_price", "9600.50"),
    ];
    // Without script: the button redraws the form with the province's cities, saving nothing.
    let mut refresh = fields.clone();
    refresh.push(("refresh", "1"));
    let redrawn = v.post_any("/needs/new", &refresh).await;
    assert_eq!(redrawn.status, 200, "{}", redrawn.body);
    assert!(
        redrawn.has(r#"<option value="500100">"#),
        "{}",
        redrawn.body
    );
    assert!(redrawn.has("Battery pack housings"));
    fields[5] = ("city", "500100");
    fields[6] = ("district", "500112");
    let mut refresh = fields.clone();
    refresh.push(("refresh", "1"));
    let redrawn = v.post_any("/needs/new", &refresh).await;
    assert!(
        redrawn.has(r#"<option value="500112" selected>"#),
        "{}",
        redrawn.body
    );

    // A past respond-by date is refused under its field, in English.
    let refused = v.post_any("/needs/new", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let error = refused.field_error("respond_by").unwrap();
    assert!(error.is_ascii(), "{error}");
    assert!(refused.has(r#"value="IATF16949" checked"#));

    fields[10] = ("respond_by", "2099-12-31");
    v.post_any("/needs/new", &fields)
        .await
        .assert_redirect("/my/needs?saved=1");
    let mine = v.get("/my/needs?saved=1").await;
    assert_eq!(mine.status, 200);
    mine.assert_clean();
    assert!(mine.has("Battery pack housings") && mine.has("Open"));
    let id = edit_id(&mine, "needs");

    let edit = v.get(&format!("/needs/{id}/edit")).await;
    assert!(
        edit.has(r#"<option value="500112" selected>"#),
        "{}",
        edit.body
    );
    assert!(
        edit.has(r#"value="9600.50""#),
        "the owner sees the target price"
    );

    let anonymous = &mut Visitor::new(&app, "en");
    let listed = anonymous.get("/directory?show=needs&region=500000").await;
    assert_eq!(listed.status, 200);
    assert!(listed.has("Battery pack housings"), "{}", listed.body);
    assert!(!listed.has("9600"), "no target price in the directory");

    v.post(&format!("/needs/{id}/close"), &[("csrf_token", &token)])
        .await
        .assert_redirect("/my/needs?closed=1");
    let mine = v.get("/my/needs?closed=1").await;
    assert!(mine.has("Closed"));
    assert!(
        !anonymous
            .get("/directory?show=needs")
            .await
            .has("Battery pack housings")
    );
}

#[tokio::test]
async fn the_directory_filters_pages_refuses_bad_filters_and_speaks_both_languages() {
    let app = TestApp::spawn().await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    firm(&app, 9, "oem").await;
    for i in 0..21 {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/capabilities",
                Some(&supplier),
                Some(&json!({
                    "category_code": "CHASSIS",
                    "title": format!("底盘件 {i:02}"),
                    "description": "底盘结构件。",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let mut v = Visitor::new(&app, "zh-CN");
    let home = v.get("/").await;
    assert!(home.has(r#"href="/directory""#));

    let first = v.get("/directory?show=capabilities").await;
    assert_eq!(first.status, 200);
    assert!(
        first.has("底盘件 20") && !first.has("底盘件 00"),
        "newest first"
    );
    let marker = r#"rel="next" href=""#;
    let at = first.body.find(marker).expect("a next page link") + marker.len();
    let next = first.body[at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    let second = v.get(&next).await;
    assert!(
        second.has("底盘件 00") && !second.has("底盘件 20"),
        "{}",
        second.body
    );
    assert!(!second.has(r#"rel="next""#));

    let oems = v.get("/directory?kind=oem").await;
    assert!(oems.has(&format!("测试企业 {}", credit(9))));
    assert!(!oems.has(&format!("测试企业 {}", credit(1))));
    let verified = v.get("/directory?verified=true").await;
    assert!(verified.has("没有符合条件的结果"));
    let subtree = v.get("/directory?category=CHASSIS").await;
    assert!(subtree.has(&format!("测试企业 {}", credit(1))));

    let bad = v.get("/directory?category=NOPE.NOPE").await;
    assert_eq!(bad.status, 422);
    assert!(bad.has("notice-error"), "{}", bad.body);

    v.get("/lang/en?next=/directory")
        .await
        .assert_redirect("/directory");
    let english = v.get("/directory").await;
    assert_eq!(english.content_language.as_deref(), Some("en"));
    assert!(english.has("<h1>Directory</h1>") && english.has("Search words"));
}

#[tokio::test]
async fn profiles_show_contacts_only_to_members_and_staff() {
    let app = TestApp::spawn().await;
    let (token, org) = firm(&app, 1, "supplier").await;
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organizations/{org}"),
            Some(&token),
            Some(&json!({
                "contact_email": "sales@firm.example.cn",
                "contact_phone": "023-6788 1234",
                "description": "<b>压铸</b>专业厂",
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/organizations/{org}/certifications"),
            Some(&token),
            Some(&json!([{"code": "IATF16949", "expires_on": "2099-12-31"}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    firm(&app, 2, "supplier").await;
    app.staff_session("staff@assoc.example.cn", Role::Staff)
        .await;
    let path = format!("/organizations/{org}");

    let mut anonymous = Visitor::new(&app, "zh-CN");
    let public = anonymous.get(&path).await;
    assert_eq!(public.status, 200);
    public.assert_clean();
    assert!(public.has(&format!("测试企业 {}", credit(1))) && public.has("2099-12-31"));
    assert!(
        public.has("&#60;b&#62;压铸&#60;/b&#62;"),
        "the description is escaped"
    );
    assert!(!public.has("sales@firm.example.cn") && public.has("联系方式仅对"));

    let mut other = logged_in(&app, 2, "zh-CN").await;
    assert!(!other.get(&path).await.has("sales@firm.example.cn"));
    let mut member = logged_in(&app, 1, "zh-CN").await;
    assert!(member.get(&path).await.has("sales@firm.example.cn"));
    let mut staff = Visitor::new(&app, "zh-CN");
    staff.log_in("staff@assoc.example.cn", PASSWORD).await;
    let seen = staff.get(&path).await;
    assert!(
        seen.has("sales@firm.example.cn") && seen.has("6788"),
        "{}",
        seen.body
    );

    assert_eq!(
        anonymous
            .get(&format!("/organizations/{}", Uuid::nil()))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn staff_verify_suspend_and_reinstate_from_the_queue() {
    let app = TestApp::spawn().await;
    let (_, older) = firm(&app, 1, "supplier").await;
    let (_, newer) = firm(&app, 2, "oem").await;
    let staff_token = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let mut staff = Visitor::new(&app, "zh-CN");
    staff.log_in("staff@assoc.example.cn", PASSWORD).await;

    let queue = staff.get("/staff/organizations").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    queue.assert_clean();
    let at = |page: &Page, id: Uuid| page.body.find(&format!("/organizations/{id}\"")).unwrap();
    assert!(at(&queue, older) < at(&queue, newer), "oldest first");
    let token = queue.csrf();

    staff
        .post(
            &format!("/staff/organizations/{older}/verify"),
            &[("csrf_token", &token)],
        )
        .await
        .assert_redirect("/staff/organizations?done=1");
    let queue = staff.get("/staff/organizations?done=1").await;
    assert!(!queue.has(&format!("/organizations/{older}\"")) && queue.has("已完成"));

    let refused = staff
        .post(
            &format!("/staff/organizations/{newer}/suspend"),
            &[("csrf_token", &token), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.field_error(&format!("reason-{newer}")).is_some(),
        "{}",
        refused.body
    );

    staff
        .post(
            &format!("/staff/organizations/{newer}/suspend"),
            &[("csrf_token", &token), ("reason", "资质材料不实")],
        )
        .await
        .assert_redirect("/staff/organizations?done=1");
    let queue = staff.get("/staff/organizations").await;
    assert!(queue.has("资质材料不实"));
    let mut anonymous = Visitor::new(&app, "zh-CN");
    assert_eq!(
        anonymous
            .get(&format!("/organizations/{newer}"))
            .await
            .status,
        404
    );
    assert!(
        staff
            .get(&format!("/organizations/{newer}"))
            .await
            .has("资质材料不实")
    );

    staff
        .post(
            &format!("/staff/organizations/{newer}/reinstate"),
            &[("csrf_token", &token)],
        )
        .await
        .assert_redirect("/staff/organizations?done=1");
    assert_eq!(
        anonymous
            .get(&format!("/organizations/{newer}"))
            .await
            .status,
        200
    );

    let (status, audit) = app
        .call(
            Method::GET,
            "/api/v1/audit?entity=organization",
            Some(&staff_token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "organization.verify",
        "organization.suspend",
        "organization.reinstate",
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
}

#[tokio::test]
async fn an_oem_delivers_a_need_to_one_of_its_plants() {
    let app = TestApp::spawn().await;
    let (token, org) = firm(&app, 9, "oem").await;
    let (status, plant) = app
        .call(
            Method::POST,
            &format!("/api/v1/organizations/{org}/plants"),
            Some(&token),
            Some(&json!({"name": "两江工厂", "region_code": "500112"})),
        )
        .await;
    assert_eq!(status, 201, "{plant}");
    let plant = plant["id"].as_str().unwrap().to_owned();
    let mut v = logged_in(&app, 9, "zh-CN").await;
    let form = v.get("/needs/new").await;
    assert!(form.has("两江工厂（重庆市 渝北区）"), "{}", form.body);
    let token = form.csrf();
    let fields = [
        ("csrf_token", token.as_str()),
        ("category_code", "EDRIVE.BATTERY.PACK"),
        ("title", "电池包壳体采购"),
        ("description", "交付两江工厂。"),
        ("plant_id", plant.as_str()),
        ("province", ""),
        ("city", ""),
        ("district", ""),
    ];
    v.post("/needs/new", &fields)
        .await
        .assert_redirect("/my/needs?saved=1");
    let mine = v.get("/my/needs").await;
    assert!(
        mine.has("重庆市 渝北区"),
        "the plant's region: {}",
        mine.body
    );
    let id = edit_id(&mine, "needs");

    // The edit form shows the plant; choosing none and a region delivers there instead.
    let edit = v.get(&format!("/needs/{id}/edit")).await;
    assert!(
        edit.has(&format!(r#"<option value="{plant}" selected>"#)),
        "{}",
        edit.body
    );
    let mut fields = fields.to_vec();
    fields[4] = ("plant_id", "");
    fields[5] = ("province", "510000");
    fields[6] = ("city", "510100");
    v.post(&format!("/needs/{id}/edit"), &fields)
        .await
        .assert_redirect("/my/needs?saved=1");
    let (_, need) = app
        .call(Method::GET, &format!("/api/v1/needs/{id}"), None, None)
        .await;
    assert_eq!(need["delivery_region_code"], "510100", "{need}");
    assert!(need["plant_id"].is_null(), "{need}");
}
