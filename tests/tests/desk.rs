//! The association desk through the real server and a real SMTP server: roster imports (CSV and
//! XLSX, all or nothing, dry runs, idempotence, hostile cells, the invitee claiming the account)
//! and docking events (create, invite by category, mail, attendance, a tagged intention, the
//! report as JSON and neutralised CSV).
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::user::Role;
use peitao_tests::world::{credit, firm, post};
use peitao_tests::{PASSWORD, TestApp, token_in};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const CSV_TYPE: &str = "text/csv";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER: &str = "name,credit_code,kind,region_code,contact_email,categories\n";

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
    lang: Option<&str>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/imports/organizations{query}")))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(l) = lang {
        req = req.header("Accept-Language", l);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn organizations_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    peitao_persistence::entities::organization::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

async fn organization_by_credit(app: &TestApp, code: &str) -> Option<Value> {
    use peitao_persistence::entities::organization;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    organization::Entity::find()
        .filter(organization::Column::CreditCode.eq(code))
        .one(app.db().conn())
        .await
        .unwrap()
        .map(|o| {
            json!({"id": o.id, "name": o.name, "kind": o.kind, "region_code": o.region_code,
                        "contact_email": o.contact_email, "verified": o.verified_at.is_some()})
        })
}

fn roster(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut text = String::from(HEADER);
    for r in rows {
        let mut w = csv_line(r);
        w.push('\n');
        text.push_str(&w);
    }
    text.into_bytes()
}

fn csv_line(cells: &[&str]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                (*c).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn mails_with(app: &TestApp, marker: &str) -> Vec<peitao_tests::mail::ReceivedMail> {
    app.mail
        .messages()
        .into_iter()
        .filter(|m| m.body_text().contains(marker))
        .collect()
}

#[tokio::test]
async fn a_roster_imports_all_or_nothing_idempotently_and_invites_new_owners() {
    let app = TestApp::spawn().await;
    let staff = app
        .staff_session("desk@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let (c1, c2, c3) = (credit(501), credit(502), credit(503));
    let before = organizations_count(&app).await;

    // One bad row among good ones: 422, every bad cell named, nothing written.
    let bad = roster(&[
        [
            "渝北精密",
            &c1,
            "supplier",
            "500112",
            "owner1@roster.example.cn",
            "EDRIVE.BATTERY.PACK",
        ],
        ["", "91500112MA0000001X", "maker", "999999", "nope", "NOPE"],
        ["重复", &c1, "oem", "500112", "dup@roster.example.cn", ""],
    ]);
    let (status, body) = upload(&app, Some(&staff), "", CSV_TYPE, bad.clone(), Some("en")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["created"], 0);
    assert_eq!(body["updated"], 0);
    let errors = body["errors"].as_array().unwrap();
    let named: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        named,
        vec![
            (3, "name"),
            (3, "credit_code"),
            (3, "kind"),
            (3, "region_code"),
            (3, "contact_email"),
            (3, "categories"),
            (4, "credit_code"),
        ]
    );
    assert!(
        errors[6]["message"].as_str().unwrap().contains("row 2"),
        "{body}"
    );
    assert_eq!(organizations_count(&app).await, before);
    // The kept report's errors download as a table.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/imports/{}", body["id"].as_str().unwrap())))
        .bearer_auth(&staff)
        .header("Accept", "text/csv")
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let table = res.text().await.unwrap();
    let mut lines = table.trim_start_matches('\u{feff}').lines();
    assert_eq!(lines.next(), Some("row,field,code,message"));
    assert_eq!(lines.count(), 7, "{table}");
    // The messages follow the caller's language (Chinese by default).
    let (_, zh) = upload(&app, Some(&staff), "", CSV_TYPE, bad, None).await;
    assert!(
        zh["errors"][6]["message"]
            .as_str()
            .unwrap()
            .contains("第 2 行"),
        "{zh}"
    );

    // A dry run of a good file reports what would happen and writes nothing, mails nobody.
    let good = roster(&[
        [
            "渝北精密",
            &c1,
            "supplier",
            "500112",
            "owner1@roster.example.cn",
            "EDRIVE.BATTERY.PACK;EDRIVE",
        ],
        [
            "=HYPERLINK(\"http://evil.example\",\"点我\")",
            &c2,
            "oem",
            "500112",
            "owner2@roster.example.cn",
            "",
        ],
    ]);
    let (status, body) = upload(
        &app,
        Some(&staff),
        "?dry_run=true",
        CSV_TYPE,
        good.clone(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["created"].as_u64(), body["updated"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(body["dry_run"], true);
    assert_eq!(organizations_count(&app).await, before);
    assert!(app.deliver_mail().await.is_empty());

    // The real import, with a BOM as Excel writes it: both created, each contact invited.
    let mut with_bom = "\u{feff}".as_bytes().to_vec();
    with_bom.extend_from_slice(&good);
    let (status, body) = upload(
        &app,
        Some(&staff),
        "?file_name=members.csv",
        CSV_TYPE,
        with_bom.clone(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["created"].as_u64(), body["updated"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(organizations_count(&app).await, before + 2);
    let hostile = organization_by_credit(&app, &c2).await.unwrap();
    assert_eq!(
        hostile["name"], "=HYPERLINK(\"http://evil.example\",\"点我\")",
        "stored as text"
    );
    assert_eq!(hostile["kind"], "oem");
    assert_eq!(hostile["verified"], true);
    let mails = app.deliver_mail().await;
    assert_eq!(mails.len(), 2);
    let invite = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t.contains("owner1@roster.example.cn")))
        .unwrap();
    let token = token_in(&invite.body_text(), "/invitations/accept?token=").unwrap();

    // The same file again changes nothing and mails nobody.
    let (status, body) = upload(&app, Some(&staff), "", CSV_TYPE, with_bom, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["created"].as_u64(), body["updated"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(app.deliver_mail().await.len(), 2);

    // A changed row updates its organization; a new one is created.
    let changed = roster(&[
        [
            "渝北精密制造",
            &c1,
            "supplier",
            "500112",
            "owner1@roster.example.cn",
            "EDRIVE.BATTERY.PACK;EDRIVE",
        ],
        [
            "=HYPERLINK(\"http://evil.example\",\"点我\")",
            &c2,
            "oem",
            "500112",
            "owner2@roster.example.cn",
            "",
        ],
        [
            "新成员",
            &c3,
            "supplier",
            "500112",
            "owner3@roster.example.cn",
            "",
        ],
    ]);
    let (status, body) = upload(&app, Some(&staff), "", CSV_TYPE, changed, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["created"].as_u64(), body["updated"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        organization_by_credit(&app, &c1).await.unwrap()["name"],
        "渝北精密制造"
    );
    assert_eq!(app.deliver_mail().await.len(), 3);

    // The invitee sets a password and owns the organization.
    let res = app
        .post(
            "/api/v1/invitations/accept",
            &json!({"token": token, "display_name": "王总", "password": PASSWORD}),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
    let joined: Value = res.json().await.unwrap();
    assert_eq!(joined["role"], "supplier");
    let owner = app
        .login("owner1@roster.example.cn", PASSWORD)
        .await
        .access_token;
    let org = joined["organization_id"].as_str().unwrap();
    let (_, members) = app
        .call(
            Method::GET,
            &format!("/api/v1/organizations/{org}/members"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(members["items"][0]["org_role"], "owner", "{members}");

    // The reports are kept, newest first, with their row errors; only staff read them.
    let (status, list) = app
        .call(Method::GET, "/api/v1/imports?limit=2", Some(&staff), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["next_cursor"].is_string());
    assert_eq!(list["items"][0]["created"], 1);
    let cursor = list["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .call(
            Method::GET,
            &format!("/api/v1/imports?cursor={cursor}"),
            Some(&staff),
            None,
        )
        .await;
    let all: Vec<Value> = rest["items"].as_array().unwrap().clone();
    assert_eq!(all.len(), 4);
    let refused = all.last().unwrap();
    assert_eq!(refused["errors"].as_array().unwrap().len(), 7);
    let id = refused["id"].as_str().unwrap();
    let (status, one) = app
        .call(
            Method::GET,
            &format!("/api/v1/imports/{id}"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["errors"][0]["field"], "name");
    assert_eq!(
        app.call(Method::GET, "/api/v1/imports", Some(&owner), None)
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn an_xlsx_roster_imports_like_a_csv_and_bad_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let staff = app
        .staff_session("desk@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let xlsx = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/roster.xlsx")).unwrap();
    let (status, body) = upload(&app, Some(&staff), "", XLSX_TYPE, xlsx.clone(), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 2);
    assert_eq!(body["file_kind"], "xlsx");
    let formula = organization_by_credit(&app, "91500112MA0000802D")
        .await
        .unwrap();
    assert_eq!(
        formula["name"], "=1+2",
        "a formula-like cell is kept as text"
    );
    assert_eq!(
        organization_by_credit(&app, "91500112MA0000801A")
            .await
            .unwrap()["name"],
        "渝北表格精密制造有限公司"
    );
    let (status, body) = upload(&app, Some(&staff), "", XLSX_TYPE, xlsx, None).await;
    assert_eq!((status, body["created"].as_u64()), (200, Some(0)));

    // Not a workbook, not UTF-8, not a roster type, too large.
    let (status, body) = upload(
        &app,
        Some(&staff),
        "",
        XLSX_TYPE,
        b"not a zip".to_vec(),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "file");
    let (status, _) = upload(
        &app,
        Some(&staff),
        "",
        CSV_TYPE,
        vec![0xff, 0xfe, 0x00],
        None,
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = upload(
        &app,
        Some(&staff),
        "",
        "application/json",
        b"{}".to_vec(),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let huge = vec![b'a'; 6 * 1024 * 1024];
    let res = app
        .client
        .post(app.url("/api/v1/imports/organizations"))
        .bearer_auth(&staff)
        .header("Content-Type", CSV_TYPE)
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    // Up to 5 MiB is fine on this route (the rest of the app keeps its smaller limit).
    let mut big = roster(&[]);
    big.resize(2 * 1024 * 1024, b'\n');
    let (status, body) = upload(&app, Some(&staff), "?dry_run=1", CSV_TYPE, big, None).await;
    assert_eq!(status, 200, "{body}");
}

fn capability(title: &str) -> Value {
    json!({
        "category_code": "EDRIVE.BATTERY.PACK",
        "title": title,
        "description": "铝合金压铸电池壳体,一体化压铸,年产能 20 万套。",
        "annual_capacity": 200_000,
        "unit": "套",
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
    })
}

#[tokio::test]
async fn a_docking_event_from_invitation_to_report() {
    let app = TestApp::spawn().await;
    let staff = app
        .staff_session("desk@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let supplier = firm(&app, 11, "supplier", "500112").await;
    let oem = firm(&app, 12, "oem", "500112").await;
    let bystander = firm(&app, 13, "supplier", "510107").await;
    post(
        &app,
        &supplier.0,
        "/api/v1/capabilities",
        capability("电池壳体压铸"),
    )
    .await;
    post(&app, &oem.0, "/api/v1/needs", need()).await;
    let (_, queue) = app
        .call(
            Method::GET,
            "/api/v1/moderation/matches",
            Some(&staff),
            None,
        )
        .await;
    let m: Uuid = queue["items"][0]["id"].as_str().unwrap().parse().unwrap();
    for (path, token, body) in [
        (format!("/api/v1/matches/{m}/approve"), &staff, json!({})),
        (
            format!("/api/v1/matches/{m}/interest"),
            &supplier.0,
            json!({"interested": true}),
        ),
        (
            format!("/api/v1/matches/{m}/interest"),
            &oem.0,
            json!({"interested": true}),
        ),
    ] {
        let (status, body) = app
            .call(Method::POST, &path, Some(token), Some(&body))
            .await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    app.deliver_mail().await;
    app.mail.clear();

    // Staff create the event; others may not, and bad fields are named.
    let event = json!({"title": "成渝电池包对接会", "date": "2030-06-18", "place": "重庆悦来国际会议中心",
                       "zone_code": "CHENGYU", "category_codes": ["EDRIVE.BATTERY"]});
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/events",
            Some(&supplier.0),
            Some(&event),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/events",
            Some(&staff),
            Some(&json!({"date": "soon", "zone_code": "MARS"})),
        )
        .await;
    assert_eq!(status, 422);
    let named: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        named,
        ["title", "place", "date", "zone_code", "category_codes"]
    );
    let (status, created) = app
        .call(Method::POST, "/api/v1/events", Some(&staff), Some(&event))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let past = json!({"title": "往届对接会", "date": "2020-01-01", "place": "成都", "zone_code": "CHENGYU", "category_codes": ["EDRIVE"]});
    assert_eq!(
        app.call(Method::POST, "/api/v1/events", Some(&staff), Some(&past))
            .await
            .0,
        201
    );
    let soon = json!({"title": "下月对接会", "date": "2029-01-01", "place": "成都", "zone_code": "CHENGYU", "category_codes": ["EDRIVE"]});
    assert_eq!(
        app.call(Method::POST, "/api/v1/events", Some(&staff), Some(&soon))
            .await
            .0,
        201
    );

    // Any signed-in user lists them, upcoming (soonest first) before past ones.
    let (status, list) = app
        .call(Method::GET, "/api/v1/events", Some(&bystander.0), None)
        .await;
    assert_eq!(status, 200);
    let titles: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["下月对接会", "成渝电池包对接会", "往届对接会"]);
    assert_eq!(
        app.call(Method::GET, "/api/v1/events", None, None).await.0,
        401
    );

    // Invite by category: the supplier with a published battery-pack capability, not the OEM.
    let invite = |by: &str| json!({"by": by});
    let path = format!("/api/v1/events/{id}/invitations");
    assert_eq!(
        app.call(
            Method::POST,
            &path,
            Some(&supplier.0),
            Some(&invite("category"))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.call(Method::POST, &path, Some(&staff), Some(&invite("everyone")))
            .await
            .0,
        422
    );
    let (status, done) = app
        .call(Method::POST, &path, Some(&staff), Some(&invite("category")))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["invited"], 1);
    let mails = app.deliver_mail().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["m11@firm.example.cn".to_owned()]);
    assert!(mails[0].subject().unwrap().contains("成渝电池包对接会"));
    assert!(mails[0].body_text().contains(&format!("/events/{id}")));
    // Inviting the same way again reaches nobody new; by matches adds the OEM.
    let (_, again) = app
        .call(Method::POST, &path, Some(&staff), Some(&invite("category")))
        .await;
    assert_eq!(again["invited"], 0);
    let (_, by_matches) = app
        .call(Method::POST, &path, Some(&staff), Some(&invite("matches")))
        .await;
    assert_eq!(by_matches["invited"], 1);
    assert_eq!(mails_with(&app, &format!("/events/{id}")).len(), 1);
    assert_eq!(app.deliver_mail().await.len(), 2);

    // Attendance: the invited organizations register; staff cannot; an unverified,
    // uninvited organization cannot.
    let attendance = format!("/api/v1/events/{id}/attendance");
    for token in [&supplier.0, &oem.0] {
        let (status, body) = app.call(Method::POST, &attendance, Some(token), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["my_organization"]["attending"], true);
    }
    assert_eq!(
        app.call(Method::POST, &attendance, Some(&staff), None)
            .await
            .0,
        403
    );
    assert_eq!(
        app.call(Method::POST, &attendance, Some(&bystander.0), None)
            .await
            .0,
        403
    );
    // By zone: everyone in the Chengdu-Chongqing zone, so now the Chengdu bystander too,
    // who may then register.
    let (_, by_zone) = app
        .call(Method::POST, &path, Some(&staff), Some(&invite("zone")))
        .await;
    assert_eq!(by_zone["invited"], 1, "{by_zone}");
    // A hand-picked list must name known organizations.
    let (status, _) = app
        .call(
            Method::POST,
            &path,
            Some(&staff),
            Some(&json!({"by": "organizations", "organization_ids": [Uuid::nil()]})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        app.call(Method::POST, &attendance, Some(&bystander.0), None)
            .await
            .0,
        200
    );
    assert_eq!(
        app.call(Method::DELETE, &attendance, Some(&bystander.0), None)
            .await
            .0,
        204
    );
    // Registering twice is fine; cancelling and registering again too.
    assert_eq!(
        app.call(Method::POST, &attendance, Some(&supplier.0), None)
            .await
            .0,
        200
    );
    assert_eq!(
        app.call(Method::DELETE, &attendance, Some(&oem.0), None)
            .await
            .0,
        204
    );
    let (_, seen) = app
        .call(
            Method::GET,
            &format!("/api/v1/events/{id}"),
            Some(&oem.0),
            None,
        )
        .await;
    assert_eq!(seen["my_organization"]["attending"], false);
    assert_eq!(seen["my_organization"]["invited"], true);
    assert_eq!(
        app.call(Method::POST, &attendance, Some(&oem.0), None)
            .await
            .0,
        200
    );

    // An intention agreed at the event is tagged with it; an unknown event is refused.
    let intention = format!("/api/v1/matches/{m}/intention");
    let (status, body) = app
        .call(
            Method::POST,
            &intention,
            Some(&oem.0),
            Some(&json!({"event_id": Uuid::nil()})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app
        .call(
            Method::POST,
            &intention,
            Some(&oem.0),
            Some(&json!({"annual_volume": 50_000, "unit": "套", "event_id": id})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["event_id"], id.as_str());

    // The report: attendees, the approved match between them, the tagged intention.
    let report_path = format!("/api/v1/events/{id}/report");
    assert_eq!(
        app.call(Method::GET, &report_path, Some(&oem.0), None)
            .await
            .0,
        403
    );
    let (status, report) = app
        .call(Method::GET, &report_path, Some(&staff), None)
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["attendees"].as_array().unwrap().len(), 2);
    assert_eq!(report["matches"][0]["match_id"], m.to_string());
    assert_eq!(report["intentions"][0]["status"], "recorded");
    assert_eq!(report["intentions"][0]["annual_volume"], 50_000);

    // As CSV, with a hostile organization name neutralised.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organizations/{}", supplier.1),
            Some(&supplier.0),
            Some(&json!({"name": "=cmd|' /C calc'!A0"})),
        )
        .await;
    assert_eq!(status, 200);
    let res = app
        .client
        .get(app.url(&report_path))
        .bearer_auth(&staff)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.iter().filter(|r| r[0] == "attendee").count(), 2);
    assert!(rows.iter().any(|r| r[0] == "match"));
    assert!(
        rows.iter()
            .any(|r| r[0] == "intention" && r[4] == "recorded")
    );
    assert!(rows.iter().any(|r| r[2] == "'=cmd|' /C calc'!A0"), "{text}");
    assert!(!rows.iter().flatten().any(|c| c.starts_with('=')), "{text}");
}

fn multipart(
    boundary: &str,
    csrf: &str,
    dry_run: bool,
    file_name: &str,
    content: &[u8],
) -> Vec<u8> {
    let mut body = Vec::new();
    let mut part = |headers: String, data: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"csrf_token\"".to_owned(),
        csrf.as_bytes(),
    );
    if dry_run {
        part(
            "Content-Disposition: form-data; name=\"dry_run\"".to_owned(),
            b"true",
        );
    }
    part(
        format!(
            "Content-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv"
        ),
        content,
    );
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

async fn upload_form(
    app: &TestApp,
    visitor: &peitao_tests::visitor::Visitor<'_>,
    body: Vec<u8>,
    boundary: &str,
) -> (u16, Option<String>) {
    let cookies = visitor
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let res = app
        .client
        .post(app.url("/staff/imports"))
        .header("Cookie", cookies)
        .header("Accept-Language", "zh-CN")
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (res.status().as_u16(), location)
}

#[tokio::test]
async fn staff_upload_a_roster_through_the_page_and_a_company_registers_for_an_event() {
    use peitao_tests::visitor::Visitor;
    let app = TestApp::spawn().await;
    let staff_api = app
        .staff_session("desk@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let mut staff = Visitor::new(&app, "zh-CN");
    staff.log_in("desk@assoc.example.cn", PASSWORD).await;
    let page = staff.get("/staff/imports").await;
    assert_eq!(page.status, 200);
    page.assert_clean();
    assert!(page.has("enctype=\"multipart/form-data\""));
    let csrf = page.csrf();
    let boundary = "----peitao-test-boundary-7MA4YWxk";
    let c1 = credit(601);
    let before = organizations_count(&app).await;

    // A refused file: redirected to its report, which lists the bad rows.
    let bad = roster(&[["", &c1, "maker", "500112", "a@roster.example.cn", ""]]);
    let (status, location) = upload_form(
        &app,
        &staff,
        multipart(boundary, &csrf, false, "坏名单.csv", &bad),
        boundary,
    )
    .await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(location.starts_with("/staff/imports?report="), "{location}");
    let page = staff.get(&location).await;
    assert!(page.has("名单中有错误"), "{}", page.body);
    assert!(page.has("坏名单.csv"));
    assert!(page.has("类型只能是 supplier"));
    assert_eq!(organizations_count(&app).await, before);
    // Its errors download as CSV with the page's session.
    let report = location.trim_start_matches("/staff/imports?report=");
    let report = report.split('&').next().unwrap();
    assert!(page.has(&format!("/staff/imports/{report}.csv")));
    let csv = staff.get(&format!("/staff/imports/{report}.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("row,field,code,message"), "{}", csv.body);

    // A good one, dry run first, then for real.
    let good = roster(&[[
        "页面导入企业",
        &c1,
        "supplier",
        "500112",
        "page@roster.example.cn",
        "",
    ]]);
    let (_, location) = upload_form(
        &app,
        &staff,
        multipart(boundary, &csrf, true, "good.csv", &good),
        boundary,
    )
    .await;
    assert!(staff.get(&location.unwrap()).await.has("试运行完成"));
    assert_eq!(organizations_count(&app).await, before);
    let (_, location) = upload_form(
        &app,
        &staff,
        multipart(boundary, &csrf, false, "good.csv", &good),
        boundary,
    )
    .await;
    let page = staff.get(&location.unwrap()).await;
    assert!(page.has("导入完成"), "{}", page.body);
    assert_eq!(organizations_count(&app).await, before + 1);
    // Without the CSRF token nothing happens.
    let (status, _) = upload_form(
        &app,
        &staff,
        multipart(boundary, "forged", false, "good.csv", &good),
        boundary,
    )
    .await;
    assert_eq!(status, 403);

    // Staff create an event through the form on /events; refusals sit next to their fields.
    let events_page = staff.get("/events").await;
    events_page.assert_clean();
    let csrf = events_page.csrf();
    let refused = staff
        .post(
            "/events",
            &[
                ("csrf_token", csrf.as_str()),
                ("title", "表单活动"),
                ("date", "明天"),
                ("place", "重庆"),
                ("zone_code", "CHENGYU"),
                ("category_codes", "CHIP"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.field_error("date").is_some(), "{}", refused.body);
    assert!(refused.has("value=\"表单活动\""), "what was typed is kept");
    let created = staff
        .post(
            "/events",
            &[
                ("csrf_token", csrf.as_str()),
                ("title", "表单活动"),
                ("date", "2030-07-07"),
                ("place", "重庆"),
                ("zone_code", "CHENGYU"),
                ("category_codes", "CHIP；EDRIVE"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page = staff.get(created.location.as_deref().unwrap()).await;
    assert!(
        page.has("活动已创建") && page.has("表单活动"),
        "{}",
        page.body
    );

    // An event, a company invited to it, which registers and cancels through the page.
    let company = firm(&app, 21, "supplier", "500112").await;
    let (_, event) = app
        .call(
            Method::POST,
            "/api/v1/events",
            Some(&staff_api),
            Some(
                &json!({"title": "两江新区对接会", "date": "2030-04-02", "place": "重庆礼嘉",
                         "zone_code": "CHENGYU", "category_codes": ["CHIP"]}),
            ),
        )
        .await;
    let id = event["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/events/{id}/invitations"),
            Some(&staff_api),
            Some(&json!({"by": "organizations", "organization_ids": [company.1]})),
        )
        .await;
    assert_eq!(status, 200);
    // The member's pages follow their account's language (Chinese).
    let mut member = Visitor::new(&app, "en");
    member.log_in("m21@firm.example.cn", PASSWORD).await;
    let list = member.get("/events").await;
    assert_eq!(list.status, 200);
    list.assert_clean();
    assert!(
        list.has("两江新区对接会") && list.has("贵公司已受邀。"),
        "{}",
        list.body
    );
    let page = member.get(&format!("/events/{id}")).await;
    page.assert_clean();
    let attend_form = format!("action=\"/events/{id}/attend\"");
    assert!(page.has(&attend_form), "{}", page.body);
    let csrf = page.csrf();
    member
        .post(&format!("/events/{id}/attend"), &[("csrf_token", &csrf)])
        .await
        .assert_redirect(&format!("/events/{id}?done=attend"));
    let page = member.get(&format!("/events/{id}?done=attend")).await;
    assert!(
        page.has("已报名。") && page.has("取消报名"),
        "{}",
        page.body
    );
    member
        .post(&format!("/events/{id}/cancel"), &[("csrf_token", &csrf)])
        .await
        .assert_redirect(&format!("/events/{id}?done=cancel"));
    assert!(member.get(&format!("/events/{id}")).await.has(&attend_form));

    // Staff see the invite buttons and download the report as CSV.
    let page = staff.get(&format!("/events/{id}")).await;
    page.assert_clean();
    assert!(page.has("邀请该类别的供应商") && page.has("report.csv"));
    let csv = staff.get(&format!("/events/{id}/report.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("section,id,organization"));
    assert_eq!(
        member.get(&format!("/events/{id}/report.csv")).await.status,
        403
    );
}
