//! The matcher through the real server, on a small world around a Chongqing plant: suppliers in
//! Chongqing, Chengdu, Wuhan and Shanghai, ranked and explained; exclusions; and proposals kept
//! current as capabilities, organizations and needs change.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::user::Role;
use peitao_tests::TestApp;
use peitao_tests::world::{certify, credit, firm, post};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn capability(category: &str, title: &str) -> Value {
    json!({
        "category_code": category,
        "title": title,
        "description": "铝合金压铸电池壳体,一体化压铸,年产能 20 万套。",
        "annual_capacity": 200_000,
        "unit": "套",
        "processes": ["压铸", "机加工"],
    })
}

fn need() -> Value {
    json!({
        "category_code": "EDRIVE.BATTERY.PACK",
        "title": "电池包壳体采购",
        "description": "一体化压铸铝合金电池壳体,年需求 10 万套,交付两江新区工厂。",
        "delivery_region_code": "500112",
        "annual_volume": 100_000,
        "unit": "套",
        "respond_by": "2030-12-31",
        "required_certifications": ["IATF16949"],
    })
}

/// The ranked matches staff see for a need: (organization id, status, explanation).
async fn ranked(app: &TestApp, staff: &str, need: Uuid) -> Vec<(Uuid, String, Value)> {
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/needs/{need}/matches"),
            Some(staff),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "proposed")
        .map(|m| {
            (
                m["organization"]["id"].as_str().unwrap().parse().unwrap(),
                m["status"].as_str().unwrap().to_owned(),
                m["explanation"].clone(),
            )
        })
        .collect()
}

struct World {
    app: TestApp,
    staff: String,
    oem: String,
    chongqing: (String, Uuid),
    chengdu: (String, Uuid),
    wuhan: (String, Uuid),
    shanghai: (String, Uuid),
    need: Uuid,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let chongqing = firm(&app, 1, "supplier", "500112").await;
    let chengdu = firm(&app, 2, "supplier", "510107").await;
    let wuhan = firm(&app, 3, "supplier", "420106").await;
    let shanghai = firm(&app, 4, "supplier", "310115").await;
    for (token, org) in [&chongqing, &chengdu, &wuhan, &shanghai] {
        certify(&app, token, *org, &["IATF16949"]).await;
        post(
            &app,
            token,
            "/api/v1/capabilities",
            capability("EDRIVE.BATTERY.PACK", "电池包壳体压铸"),
        )
        .await;
    }
    let (oem, _) = firm(&app, 9, "oem", "500112").await;
    let need = post(&app, &oem, "/api/v1/needs", need()).await;
    World {
        app,
        staff,
        oem,
        chongqing,
        chengdu,
        wuhan,
        shanghai,
        need,
    }
}

#[tokio::test]
async fn a_need_ranks_nearby_local_suppliers_first_and_explains_why() {
    let w = world().await;
    let got = ranked(&w.app, &w.staff, w.need).await;
    let order: Vec<Uuid> = got.iter().map(|g| g.0).collect();
    assert_eq!(
        order,
        [w.chongqing.1, w.chengdu.1, w.wuhan.1, w.shanghai.1],
        "Chongqing (same district), Chengdu (same zone), Wuhan, Shanghai"
    );
    let first = &got[0].2;
    for key in [
        "category",
        "distance_km",
        "region",
        "capacity",
        "text",
        "verified",
        "responsiveness",
        "local",
    ] {
        assert!(first.get(key).is_some(), "explanation lacks {key}: {first}");
    }
    assert_eq!(first["local"], true);
    assert_eq!(first["category"], 1.0);
    assert_eq!(first["capacity"], 1.0);
    assert_eq!(
        got[1].2["local"], true,
        "Chengdu is in the Chengdu–Chongqing zone"
    );
    assert_eq!(got[2].2["local"], false);
    let chengdu_km = got[1].2["distance_km"].as_f64().unwrap();
    assert!((250.0..300.0).contains(&chengdu_km), "{chengdu_km}");
    assert!(got[0].2["text"].as_f64().unwrap() > 0.0);

    // The OEM sees approved matches only: none before moderation.
    let (status, body) = w
        .app
        .call(
            Method::GET,
            &format!("/api/v1/needs/{}/matches", w.need),
            Some(&w.oem),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"], json!([]));
}

#[tokio::test]
async fn exclusions_hold_and_changes_rematch_at_once() {
    let w = world().await;
    // A supplier without the required certification, and one in an unrelated category.
    let (uncertified, uncertified_org) = firm(&w.app, 5, "supplier", "500112").await;
    post(
        &w.app,
        &uncertified,
        "/api/v1/capabilities",
        capability("EDRIVE.BATTERY.PACK", "电池包壳体"),
    )
    .await;
    let (seats, seats_org) = firm(&w.app, 6, "supplier", "500112").await;
    certify(&w.app, &seats, seats_org, &["IATF16949"]).await;
    post(
        &w.app,
        &seats,
        "/api/v1/capabilities",
        capability("TRADITIONAL.SEAT", "座椅骨架"),
    )
    .await;
    let orgs = |got: &[(Uuid, String, Value)]| got.iter().map(|g| g.0).collect::<Vec<_>>();
    let got = orgs(&ranked(&w.app, &w.staff, w.need).await);
    assert!(
        !got.contains(&uncertified_org) && !got.contains(&seats_org),
        "{got:?}"
    );

    // Certified now: it enters at once, and being in the delivery district it ranks high.
    certify(&w.app, &uncertified, uncertified_org, &["IATF16949"]).await;
    let got = orgs(&ranked(&w.app, &w.staff, w.need).await);
    assert!(got.contains(&uncertified_org), "{got:?}");

    // Suspending a supplier withdraws its undecided proposals.
    let (status, _) = w
        .app
        .call(
            Method::POST,
            &format!("/api/v1/organizations/{}/suspend", w.chongqing.1),
            Some(&w.staff),
            Some(&json!({"reason": "虚假信息"})),
        )
        .await;
    assert_eq!(status, 204);
    let got = orgs(&ranked(&w.app, &w.staff, w.need).await);
    assert!(!got.contains(&w.chongqing.1), "{got:?}");
    let (_, all) = w
        .app
        .call(
            Method::GET,
            &format!("/api/v1/needs/{}/matches?status=withdrawn", w.need),
            Some(&w.staff),
            None,
        )
        .await;
    assert_eq!(all["items"][0]["organization"]["id"], json!(w.chongqing.1));

    // Archiving a capability withdraws it too.
    let (_, caps) = w
        .app
        .call(
            Method::GET,
            &format!("/api/v1/capabilities?organization={}", w.shanghai.1),
            None,
            None,
        )
        .await;
    let cap = caps["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = w
        .app
        .call(
            Method::DELETE,
            &format!("/api/v1/capabilities/{cap}"),
            Some(&w.shanghai.0),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let got = orgs(&ranked(&w.app, &w.staff, w.need).await);
    assert!(!got.contains(&w.shanghai.1), "{got:?}");

    // Moving Wuhan's supplier to Yubei puts it first (same district, verified alike).
    let (status, _) = w
        .app
        .call(
            Method::PATCH,
            &format!("/api/v1/organizations/{}", w.wuhan.1),
            Some(&w.wuhan.0),
            Some(&json!({"region_code": "500112"})),
        )
        .await;
    assert_eq!(status, 200);
    let got = ranked(&w.app, &w.staff, w.need).await;
    assert_eq!(got[0].2["distance_km"], 0.0);
    assert!(orgs(&got)[..2].contains(&w.wuhan.1), "{got:?}");

    // Editing the need into another category rematches it: nobody makes seats but one firm.
    let (status, body) = w
        .app
        .call(
            Method::PATCH,
            &format!("/api/v1/needs/{}", w.need),
            Some(&w.oem),
            Some(&json!({"category_code": "TRADITIONAL.SEAT"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(orgs(&ranked(&w.app, &w.staff, w.need).await), [seats_org]);

    // Closing it withdraws what was never decided.
    let (status, _) = w
        .app
        .call(
            Method::POST,
            &format!("/api/v1/needs/{}/close", w.need),
            Some(&w.oem),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert!(ranked(&w.app, &w.staff, w.need).await.is_empty());
}

#[tokio::test]
async fn a_new_capability_enters_the_open_needs_it_fits() {
    let w = world().await;
    let (late, late_org) = firm(&w.app, 7, "supplier", "500112").await;
    certify(&w.app, &late, late_org, &["IATF16949"]).await;
    let cap = post(
        &w.app,
        &late,
        "/api/v1/capabilities",
        capability("EDRIVE.BATTERY", "电池系统配套"),
    )
    .await;
    let got = ranked(&w.app, &w.staff, w.need).await;
    let entry = got
        .iter()
        .find(|g| g.0 == late_org)
        .expect("the broader capability entered");
    // Broader than the need (EDRIVE.BATTERY for EDRIVE.BATTERY.PACK): less than exact.
    assert!(entry.2["category"].as_f64().unwrap() < 1.0);

    // The supplier sees its capability's approved matches (none yet); staff see the proposal.
    let path = format!("/api/v1/capabilities/{cap}/matches");
    let (status, body) = w.app.call(Method::GET, &path, Some(&late), None).await;
    assert_eq!((status, body["items"].clone()), (200, json!([])));
    let (status, body) = w.app.call(Method::GET, &path, Some(&w.staff), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["need"]["id"], json!(w.need));
    assert_eq!(body["items"][0]["status"], "proposed");
}

/// A supplier that registered and posted at once, without touching its profile, is matched
/// straight away (it used to wait for the next refresh, its organization not yet filed).
#[tokio::test]
async fn a_just_registered_suppliers_first_capability_is_matched_at_once() {
    let w = world().await;
    let token = w
        .app
        .verified_user("fresh@firm.example.cn", "supplier", &credit(8))
        .await
        .access_token;
    let (_, me) = w
        .app
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    let org: Uuid = me["organization_id"].as_str().unwrap().parse().unwrap();
    post(
        &w.app,
        &token,
        "/api/v1/capabilities",
        capability("EDRIVE.BATTERY.PACK", "电池包壳体"),
    )
    .await;
    let mut open_to_all = need();
    open_to_all["required_certifications"] = json!([]);
    let need = post(&w.app, &w.oem, "/api/v1/needs", open_to_all).await;
    let got = ranked(&w.app, &w.staff, need).await;
    assert!(got.iter().any(|g| g.0 == org), "{got:?}");
}

#[tokio::test]
async fn only_the_owner_and_staff_see_matches() {
    let w = world().await;
    let need_path = format!("/api/v1/needs/{}/matches", w.need);
    let (status, _) = w.app.call(Method::GET, &need_path, None, None).await;
    assert_eq!(status, 401);
    let (status, body) = w
        .app
        .call(Method::GET, &need_path, Some(&w.chengdu.0), None)
        .await;
    assert_eq!(status, 403, "{body}");
    let (other_oem, _) = firm(&w.app, 8, "oem", "510107").await;
    let (status, _) = w
        .app
        .call(Method::GET, &need_path, Some(&other_oem), None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .call(
            Method::GET,
            &format!("/api/v1/needs/{}/matches", Uuid::now_v7()),
            Some(&w.staff),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = w
        .app
        .call(
            Method::GET,
            &format!("{need_path}?status=maybe"),
            Some(&w.staff),
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "status");

    let (_, caps) = w
        .app
        .call(
            Method::GET,
            &format!("/api/v1/capabilities?organization={}", w.chengdu.1),
            None,
            None,
        )
        .await;
    let cap = caps["items"][0]["id"].as_str().unwrap().to_owned();
    let cap_path = format!("/api/v1/capabilities/{cap}/matches");
    let (status, _) = w
        .app
        .call(Method::GET, &cap_path, Some(&w.wuhan.0), None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = w.app.call(Method::GET, &cap_path, Some(&w.oem), None).await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .call(Method::GET, &cap_path, Some(&w.chengdu.0), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_match_pages_show_ranks_bars_and_the_local_badge() {
    let w = world().await;
    let mut staff = peitao_tests::visitor::Visitor::new(&w.app, "zh-CN");
    staff
        .log_in("staff@assoc.example.cn", peitao_tests::PASSWORD)
        .await;
    let page = staff.get(&format!("/needs/{}/matches", w.need)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_clean();
    assert!(page.has("#1") && page.has("#4"), "{}", page.body);
    assert!(page.has("本地配套") && page.has("<meter"), "{}", page.body);
    // Ranked: the Chongqing firm's card comes before the Shanghai firm's.
    let at = |code: &str| page.body.find(&format!("测试企业 {code}")).unwrap();
    assert!(at(&credit(1)) < at(&credit(4)));

    // The OEM's page says nothing is approved yet (in its account's language, Chinese).
    let mut oem = peitao_tests::visitor::Visitor::new(&w.app, "en");
    oem.log_in("m9@firm.example.cn", peitao_tests::PASSWORD)
        .await;
    let page = oem.get(&format!("/needs/{}/matches", w.need)).await;
    assert_eq!(page.status, 200);
    assert!(page.has("暂无审核通过的匹配"), "{}", page.body);
    assert!(
        !page.has("<meter"),
        "no proposals shown to the OEM before approval"
    );

    // Another supplier may not look.
    let mut outsider = peitao_tests::visitor::Visitor::new(&w.app, "zh-CN");
    outsider
        .log_in("m2@firm.example.cn", peitao_tests::PASSWORD)
        .await;
    let page = outsider.get(&format!("/needs/{}/matches", w.need)).await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn another_instances_changes_reach_this_index_on_refresh() {
    use chrono::Utc;
    use peitao_persistence::entities::capability;
    use peitao_persistence::sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let w = world().await;
    let (token, org) = firm(&w.app, 7, "supplier", "500112").await;
    certify(&w.app, &token, org, &["IATF16949"]).await;
    // Written straight to the database, as another instance would: this one has not seen it.
    let now = Utc::now();
    let id = Uuid::now_v7();
    capability::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        category_code: Set("EDRIVE.BATTERY.PACK".into()),
        title: Set("电池包壳体压铸".into()),
        description: Set("一体化压铸铝合金电池壳体".into()),
        products: Set("[]".into()),
        processes: Set("[]".into()),
        annual_capacity: Set(Some(500_000)),
        unit: Set(Some("套".into())),
        min_order_qty: Set(None),
        lead_time_days: Set(None),
        served_region_codes: Set("[]".into()),
        status: Set("published".into()),
        terms: Set(String::new()),
        title_terms: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(w.app.db().conn())
    .await
    .unwrap();
    let matcher = &w.app.state().matcher;
    assert!(!matcher.holds(id));
    matcher.refresh(w.app.db()).await.unwrap();
    assert!(matcher.holds(id), "the refresh picked it up");
    // A need posted now ranks it (the terms were computed on load, as for old rows).
    let need = post(&w.app, &w.oem, "/api/v1/needs", need()).await;
    let got = ranked(&w.app, &w.staff, need).await;
    assert!(got.iter().any(|g| g.0 == org), "{got:?}");
}

/// A need ranked here just before another instance's capability reached this index is ranked
/// again after the refresh that brings it, and only then: rereading rows already seen (the
/// refresh's overlap) names nothing, so no need is ranked again for ever.
#[tokio::test]
async fn a_refresh_names_the_needs_ranked_without_what_it_brought_and_nothing_after() {
    use chrono::Utc;
    use peitao_http::service::matching;
    use peitao_persistence::entities::capability;
    use peitao_persistence::sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let w = world().await;
    let (token, org) = firm(&w.app, 7, "supplier", "500112").await;
    certify(&w.app, &token, org, &["IATF16949"]).await;
    let matcher = &w.app.state().matcher;
    let db = w.app.db();
    // The first refresh reads the world's rows for the first time; the second finds nothing new.
    matcher.refresh(db).await.unwrap();
    assert_eq!(matcher.refresh(db).await.unwrap(), Vec::<Uuid>::new());

    // Ranked here now, then a capability committed elsewhere, as another instance would.
    let need = post(&w.app, &w.oem, "/api/v1/needs", need()).await;
    let now = Utc::now();
    capability::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        category_code: Set("EDRIVE.BATTERY.PACK".into()),
        title: Set("电池包壳体压铸".into()),
        description: Set("一体化压铸铝合金电池壳体".into()),
        products: Set("[]".into()),
        processes: Set("[]".into()),
        annual_capacity: Set(Some(500_000)),
        unit: Set(Some("套".into())),
        min_order_qty: Set(None),
        lead_time_days: Set(None),
        served_region_codes: Set("[]".into()),
        status: Set("published".into()),
        terms: Set(String::new()),
        title_terms: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await
    .unwrap();
    assert!(
        !ranked(&w.app, &w.staff, need)
            .await
            .iter()
            .any(|g| g.0 == org)
    );

    let stale = matcher.refresh(db).await.unwrap();
    assert_eq!(
        stale,
        vec![need],
        "only the need ranked since the previous refresh"
    );
    matching::rematch_needs(db, matcher, &stale).await.unwrap();
    assert!(
        ranked(&w.app, &w.staff, need)
            .await
            .iter()
            .any(|g| g.0 == org)
    );

    // The capability is reread for a while (the overlap), but it is not news any more.
    assert_eq!(matcher.refresh(db).await.unwrap(), Vec::<Uuid>::new());
    assert_eq!(matcher.refresh(db).await.unwrap(), Vec::<Uuid>::new());
}

#[tokio::test]
async fn rematching_everything_restores_lost_proposals_and_duplicates_nothing() {
    use peitao_http::service::matching;
    use peitao_persistence::entities::proposal;
    use peitao_persistence::sea_orm::{EntityTrait, PaginatorTrait};
    let w = world().await;
    let before = ranked(&w.app, &w.staff, w.need).await;
    assert_eq!(before.len(), 4);
    // Proposals lost (a crash between a change and its rematch, say): the command brings them back.
    proposal::Entity::delete_many()
        .exec(w.app.db().conn())
        .await
        .unwrap();
    w.app.state().matcher.views().forget(&w.need);
    assert!(ranked(&w.app, &w.staff, w.need).await.is_empty());
    let mut seen = Vec::new();
    let summary = matching::rematch_all(w.app.db(), &w.app.state().matcher, 2, |n| seen.push(n))
        .await
        .unwrap();
    assert_eq!((summary.needs, summary.outcome.inserted), (1, 4));
    assert_eq!(seen, [1], "progress is reported");
    w.app.state().matcher.views().forget(&w.need);
    let after = ranked(&w.app, &w.staff, w.need).await;
    let orgs = |v: &[(Uuid, String, Value)]| v.iter().map(|m| m.0).collect::<Vec<_>>();
    assert_eq!(orgs(&after), orgs(&before));
    // Running it again changes nothing and adds no row.
    let again = matching::rematch_all(w.app.db(), &w.app.state().matcher, 2, |_| {})
        .await
        .unwrap();
    assert_eq!(again.outcome, Default::default());
    assert_eq!(
        proposal::Entity::find()
            .count(w.app.db().conn())
            .await
            .unwrap(),
        4
    );

    // The supplier's own page lists its capability's approved matches (none before moderation).
    let mut supplier = peitao_tests::visitor::Visitor::new(&w.app, "zh-CN");
    supplier
        .log_in("m2@firm.example.cn", peitao_tests::PASSWORD)
        .await;
    let (_, caps) = w
        .app
        .call(
            Method::GET,
            &format!("/api/v1/capabilities?organization={}", w.chengdu.1),
            None,
            None,
        )
        .await;
    let cap = caps["items"][0]["id"].as_str().unwrap().to_owned();
    let page = supplier.get(&format!("/capabilities/{cap}/matches")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.has("暂无审核通过的匹配"), "{}", page.body);
    let mut staff = peitao_tests::visitor::Visitor::new(&w.app, "zh-CN");
    staff
        .log_in("staff@assoc.example.cn", peitao_tests::PASSWORD)
        .await;
    let page = staff.get(&format!("/capabilities/{cap}/matches")).await;
    assert!(
        page.has("电池包壳体采购") && page.has("<meter"),
        "{}",
        page.body
    );
}
