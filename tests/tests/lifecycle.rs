//! The match lifecycle through the real server and a real SMTP server: staff moderate, both sides
//! are mailed, each says interested (the supplier with a quote), contacts appear only then, an
//! intention is recorded and confirmed; with the refusals at every step and concurrent approvals.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_domain::user::Role;
use peitao_tests::TestApp;
use peitao_tests::world::{certify, firm, post};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

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

struct World {
    app: TestApp,
    staff: String,
    oem: (String, Uuid),
    near: (String, Uuid),
    far: (String, Uuid),
    need: Uuid,
    /// The match of the Chongqing supplier and of the Chengdu one.
    near_match: Uuid,
    far_match: Uuid,
}

async fn world_with(app: TestApp) -> World {
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let near = firm(&app, 1, "supplier", "500112").await;
    let far = firm(&app, 2, "supplier", "510107").await;
    let oem = firm(&app, 3, "oem", "500112").await;
    for (token, org) in [&near, &far] {
        certify(&app, token, *org, &["IATF16949"]).await;
        post(
            &app,
            token,
            "/api/v1/capabilities",
            capability("电池壳体压铸"),
        )
        .await;
    }
    for (token, org, email) in [
        (&near.0, near.1, "sales@near.example.cn"),
        (&oem.0, oem.1, "buy@oem.example.cn"),
    ] {
        let (status, body) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/organizations/{org}"),
                Some(token),
                Some(&json!({"contact_email": email, "contact_phone": "13800138000"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let need = post(&app, &oem.0, "/api/v1/needs", need()).await;
    let (_, queue) = app
        .call(
            Method::GET,
            "/api/v1/moderation/matches",
            Some(&staff),
            None,
        )
        .await;
    let of = |org: Uuid| -> Uuid {
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["supplier"]["id"] == org.to_string())
            .unwrap_or_else(|| panic!("a proposal for {org}: {queue}"))["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let near_match = of(near.1);
    let far_match = of(far.1);
    World {
        app,
        staff,
        oem,
        near,
        far,
        need,
        near_match,
        far_match,
    }
}

async fn world() -> World {
    world_with(TestApp::spawn().await).await
}

impl World {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.app
            .call(method, path, Some(token), body.as_ref())
            .await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(Method::GET, path, token, None).await
    }
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Mails received so far whose subject contains `marker`, by recipient.
fn mails_to(app: &TestApp, marker: &str) -> Vec<String> {
    let mut to: Vec<String> = app
        .mail
        .messages()
        .iter()
        .filter(|m| m.subject().is_some_and(|s| s.contains(marker)))
        .flat_map(|m| m.to.clone())
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn the_whole_path_from_proposal_to_confirmed_intention() {
    let w = world().await;
    let (near, far, oem, staff) = (&w.near.0, &w.far.0, &w.oem.0, &w.staff);
    let m = w.near_match;

    // Before approval the parties do not see the proposal at all.
    assert_eq!(w.get(&format!("/api/v1/matches/{m}"), near).await.0, 404);
    let (_, mine) = w.get("/api/v1/matches", near).await;
    assert_eq!(mine["items"], json!([]));
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{m}/interest"),
            near,
            json!({"interested": true})
        )
        .await
        .0,
        404
    );
    // The queue is staff's, oldest first, with both parties' verification and lead quality.
    assert_eq!(w.get("/api/v1/moderation/matches", near).await.0, 403);
    let (_, queue) = w.get("/api/v1/moderation/matches", staff).await;
    let first = &queue["items"][0];
    assert_eq!(first["status"], "proposed");
    assert_eq!(first["supplier"]["verified"], false);
    assert!(first["oem"].get("responsiveness").is_some());
    assert!(first["explanation"]["distance_km"].is_number());

    // Approve once: the second decision is a conflict, and so is rejecting it now.
    assert_eq!(
        w.post(&format!("/api/v1/matches/{m}/approve"), near, json!({}))
            .await
            .0,
        403
    );
    let (status, approved) = w
        .post(&format!("/api/v1/matches/{m}/approve"), staff, json!({}))
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    let (status, again) = w
        .post(&format!("/api/v1/matches/{m}/approve"), staff, json!({}))
        .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{m}/reject"),
            staff,
            json!({"reason": "重复"})
        )
        .await
        .0,
        409
    );
    // Rejecting needs a reason, named in the problem.
    let f = w.far_match;
    let (status, problem) = w
        .post(&format!("/api/v1/matches/{f}/reject"), staff, json!({}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["reason"]);
    let (status, rejected) = w
        .post(
            &format!("/api/v1/matches/{f}/reject"),
            staff,
            json!({"reason": "产能不足"}),
        )
        .await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(rejected["reason"], "产能不足");
    // The rejected supplier never sees its match.
    assert_eq!(w.get(&format!("/api/v1/matches/{f}"), far).await.0, 404);

    // Approval mailed both sides over SMTP, linking to the match page.
    w.app.deliver_mail().await;
    assert_eq!(
        mails_to(&w.app, "匹配"),
        ["m1@firm.example.cn", "m3@firm.example.cn"],
        "approval mails"
    );
    let approval = w
        .app
        .mail
        .messages()
        .into_iter()
        .find(|x| {
            x.to.iter().any(|t| t.contains("m3@"))
                && x.subject().is_some_and(|s| s.contains("匹配"))
        })
        .unwrap();
    assert!(approval.body_text().contains(&format!("/matches/{m}")));

    // Contacts stay hidden before mutual interest: on the match, and on the profile.
    let (_, seen) = w.get(&format!("/api/v1/matches/{m}"), oem).await;
    assert_eq!(seen["your_side"], "oem");
    assert!(seen["supplier"].get("contact").is_none(), "{seen}");
    let (_, profile) = w
        .get(&format!("/api/v1/organizations/{}", w.near.1), oem)
        .await;
    assert!(profile.get("contact_email").is_none(), "{profile}");

    // The supplier says yes with a quote; bad quotes and quotes from the OEM are refused.
    let (status, problem) = w
        .post(
            &format!("/api/v1/matches/{m}/interest"),
            near,
            json!({"interested": true, "quote": {"unit_price": "-3", "currency": "BTC"}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["quote.unit_price", "quote.currency"]);
    let (status, problem) = w
        .post(
            &format!("/api/v1/matches/{m}/interest"),
            oem,
            json!({"interested": true, "quote": {"unit_price": "10"}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["quote"]);
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{m}/interest"),
            staff,
            json!({"interested": true})
        )
        .await
        .0,
        403
    );
    let (status, answered) = w
        .post(
            &format!("/api/v1/matches/{m}/interest"),
            near,
            json!({"interested": true, "quote": {"unit_price": 86.5, "lead_time_days": 45, "valid_until": "2030-01-31", "note": "含税"}}),
        )
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["supplier_interest"], true);
    assert_eq!(answered["contact_revealed"], false);
    assert_eq!(answered["quote"]["unit_price"], "86.5");
    // The OEM compares quotes; the other supplier cannot.
    let (status, quotes) = w
        .get(&format!("/api/v1/needs/{}/quotes", w.need), oem)
        .await;
    assert_eq!(status, 200, "{quotes}");
    assert_eq!(quotes["items"].as_array().unwrap().len(), 1);
    assert_eq!(quotes["items"][0]["currency"], "CNY");
    assert!(quotes["items"][0]["supplier"].get("contact").is_none());
    assert_eq!(
        w.get(&format!("/api/v1/needs/{}/quotes", w.need), far)
            .await
            .0,
        403
    );
    // The quote may carry a file (a price sheet): the automaker and staff see it, others not.
    let quote_files = format!("/api/v1/matches/{m}/quote/attachments");
    let upload = |token: String| {
        let app = &w.app;
        let path = quote_files.clone();
        async move {
            let boundary = "quote-boundary";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"报价单.pdf\"\r\n\r\n%PDF-1.4 price sheet\r\n--{boundary}--\r\n"
            );
            app.client
                .post(app.url(&path))
                .bearer_auth(token)
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(upload(oem.clone()).await, 403);
    assert_eq!(upload(near.clone()).await, 201);
    let (status, files) = w.get(&quote_files, oem).await;
    assert_eq!(status, 200, "{files}");
    assert_eq!(files["items"][0]["file_name"], "报价单.pdf");
    assert_eq!(w.get(&quote_files, staff).await.0, 200);
    assert_eq!(w.get(&quote_files, far).await.0, 404);
    // No intention before both are interested.
    assert_eq!(
        w.post(&format!("/api/v1/matches/{m}/intention"), near, json!({}))
            .await
            .0,
        409
    );

    // The OEM says yes: contacts are revealed to both and both are mailed.
    let (status, mutual) = w
        .post(
            &format!("/api/v1/matches/{m}/interest"),
            oem,
            json!({"interested": true}),
        )
        .await;
    assert_eq!(status, 200, "{mutual}");
    assert_eq!(mutual["contact_revealed"], true);
    assert_eq!(
        mutual["supplier"]["contact"]["email"],
        "sales@near.example.cn"
    );
    let (_, theirs) = w.get(&format!("/api/v1/matches/{m}"), near).await;
    assert_eq!(theirs["oem"]["contact"]["email"], "buy@oem.example.cn");
    let (_, profile) = w
        .get(&format!("/api/v1/organizations/{}", w.near.1), oem)
        .await;
    assert_eq!(profile["contact_email"], "sales@near.example.cn");
    // The other supplier still sees no contact of the OEM.
    let (_, profile) = w
        .get(&format!("/api/v1/organizations/{}", w.oem.1), far)
        .await;
    assert!(profile.get("contact_email").is_none());
    w.app.deliver_mail().await;
    assert_eq!(
        mails_to(&w.app, "意向").len(),
        2,
        "one mutual-interest mail per side"
    );
    // The answer now stands.
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{m}/interest"),
            oem,
            json!({"interested": false})
        )
        .await
        .0,
        409
    );

    // An intention: fields are checked, one at a time, the other side is told.
    let (status, problem) = w
        .post(
            &format!("/api/v1/matches/{m}/intention"),
            oem,
            json!({"annual_volume": -1}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["annual_volume"]);
    let (status, intention) = w
        .post(
            &format!("/api/v1/matches/{m}/intention"),
            oem,
            json!({"annual_volume": 60000, "unit": "套", "expected_start": "2027-06-01", "note": "首批试产"}),
        )
        .await;
    assert_eq!(status, 201, "{intention}");
    assert_eq!(intention["status"], "recorded");
    assert_eq!(
        w.post(&format!("/api/v1/matches/{m}/intention"), near, json!({}))
            .await
            .0,
        409
    );
    w.app.deliver_mail().await;
    assert_eq!(mails_to(&w.app, "登记了合作意向"), ["m1@firm.example.cn"]);

    // Staff confirm it, once; parties cannot.
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{m}/intention/confirm"),
            near,
            json!({})
        )
        .await
        .0,
        403
    );
    let (status, confirmed) = w
        .post(
            &format!("/api/v1/matches/{m}/intention/confirm"),
            staff,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{m}/intention/confirm"),
            staff,
            json!({})
        )
        .await
        .0,
        409
    );
    let (_, listed) = w.get("/api/v1/intentions?status=confirmed", staff).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let (_, listed) = w.get("/api/v1/intentions", near).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let (_, listed) = w.get("/api/v1/intentions", far).await;
    assert_eq!(listed["items"], json!([]));

    // Staff see every transition on the match, in order.
    let (_, audited) = w.get(&format!("/api/v1/matches/{m}"), staff).await;
    let mut actions: Vec<&str> = audited["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "match.approve",
            "match.interest",
            "match.quote",
            "match.interest",
            "match.contact_revealed",
            "intention.record",
            "intention.confirm"
        ]
    );
    let (_, as_party) = w.get(&format!("/api/v1/matches/{m}"), near).await;
    assert!(as_party.get("history").is_none());
    // Responsiveness counts the answers, and suppliers see the automaker's beside its needs.
    assert_eq!(as_party["oem"]["responsiveness"], 1.0);
    let cap = as_party["capability"]["id"].as_str().unwrap();
    let (_, needs_seen) = w
        .get(&format!("/api/v1/capabilities/{cap}/matches"), near)
        .await;
    assert_eq!(
        needs_seen["items"][0]["organization"]["responsiveness"],
        1.0
    );
    assert_eq!(
        needs_seen["items"][0]["organization"]["intentions_per_need"],
        1.0
    );

    // Editing the need tells the supplier with the approved match.
    let (status, body) = w
        .call(
            Method::PATCH,
            &format!("/api/v1/needs/{}", w.need),
            oem,
            Some(json!({"annual_volume": 120_000})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.app.deliver_mail().await;
    assert_eq!(mails_to(&w.app, "修改了采购需求"), ["m1@firm.example.cn"]);

    // Closing the need keeps the history.
    assert_eq!(
        w.post(&format!("/api/v1/needs/{}/close", w.need), oem, json!({}))
            .await
            .0,
        204
    );
    let (_, kept) = w.get(&format!("/api/v1/matches/{m}"), near).await;
    assert_eq!(kept["status"], "approved");
    assert_eq!(kept["intention"]["status"], "confirmed");
}

#[tokio::test]
async fn outsiders_and_the_wrong_side_are_refused() {
    let w = world().await;
    let m = w.near_match;
    let (status, _) = w
        .post(&format!("/api/v1/matches/{m}/approve"), &w.staff, json!({}))
        .await;
    assert_eq!(status, 200);
    // A stranger (another OEM) sees nothing of it.
    let stranger = firm(&w.app, 9, "oem", "420106").await.0;
    for (method, path) in [
        (Method::GET, format!("/api/v1/matches/{m}")),
        (Method::POST, format!("/api/v1/matches/{m}/interest")),
        (Method::POST, format!("/api/v1/matches/{m}/intention")),
    ] {
        let (status, _) = w
            .call(method, &path, &stranger, Some(json!({"interested": true})))
            .await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(
        w.get(&format!("/api/v1/needs/{}/quotes", w.need), &stranger)
            .await
            .0,
        403
    );
    // Anonymous callers are told to log in.
    let (status, _) = w
        .app
        .call(Method::GET, &format!("/api/v1/matches/{m}"), None, None)
        .await;
    assert_eq!(status, 401);
    // Bad bodies are named, in English when asked.
    let res = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/matches/{m}/interest")))
        .bearer_auth(&w.near.0)
        .header("Accept-Language", "en")
        .json(&json!({"interested": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(fields(&problem), ["interested"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("interested")
    );
    // Unknown statuses are named; unknown ids are 404.
    let (status, problem) = w
        .get("/api/v1/moderation/matches?status=maybe", &w.staff)
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["status"]);
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{}/approve", Uuid::nil()),
            &w.staff,
            json!({})
        )
        .await
        .0,
        404
    );
    // Confirming where nothing was recorded is a conflict; dismissing needs a reason.
    assert_eq!(
        w.post(
            &format!("/api/v1/matches/{m}/intention/confirm"),
            &w.staff,
            json!({})
        )
        .await
        .0,
        409
    );
    let (status, problem) = w
        .post(
            &format!("/api/v1/matches/{m}/intention/dismiss"),
            &w.staff,
            json!({}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["reason"]);
    // Declining carries an optional reason the declining side and staff see, the other side not.
    let (status, declined) = w
        .post(
            &format!("/api/v1/matches/{m}/interest"),
            &w.oem.0,
            json!({"interested": false, "reason": "已有供应商"}),
        )
        .await;
    assert_eq!(status, 200, "{declined}");
    assert_eq!(declined["oem_decline_reason"], "已有供应商");
    let (_, seen) = w.get(&format!("/api/v1/matches/{m}"), &w.near.0).await;
    assert_eq!(seen["oem_interest"], false);
    assert!(seen.get("oem_decline_reason").is_none());
    let (_, seen) = w.get(&format!("/api/v1/matches/{m}"), &w.staff).await;
    assert_eq!(seen["oem_decline_reason"], "已有供应商");
}

#[tokio::test]
async fn two_staff_approving_at_once_one_wins_and_one_set_of_mails_goes_out() {
    let w = world().await;
    let second = w
        .app
        .staff_session("staff2@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    w.app.deliver_mail().await;
    w.app.mail.clear();
    let m = w.near_match;
    let path = format!("/api/v1/matches/{m}/approve");
    let (a, b) = tokio::join!(
        w.post(&path, &w.staff, json!({})),
        w.post(&path, &second, json!({}))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    w.app.deliver_mail().await;
    assert_eq!(
        mails_to(&w.app, "匹配"),
        ["m1@firm.example.cn", "m3@firm.example.cn"]
    );
    let (_, audited) = w.get(&format!("/api/v1/matches/{m}"), &w.staff).await;
    assert_eq!(audited["history"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn auto_approval_takes_only_pairs_of_verified_firms() {
    let app = TestApp::spawn_with(|s| s.moderation.auto_approve_verified = true).await;
    let w = world_with(app).await;
    let worker = w.app.worker();
    assert_eq!(worker.step().await.auto_approved, 0, "nobody verified yet");
    for org in [w.near.1, w.oem.1] {
        let (status, body) = w
            .post(
                &format!("/api/v1/organizations/{org}/verify"),
                &w.staff,
                json!({}),
            )
            .await;
        assert!(status == 200 || status == 204, "{status} {body}");
    }
    assert_eq!(worker.step().await.auto_approved, 1);
    let (_, near) = w
        .get(&format!("/api/v1/matches/{}", w.near_match), &w.staff)
        .await;
    assert_eq!(near["status"], "approved");
    assert_eq!(near["history"][0]["summary"]["auto"], true);
    let (_, far) = w
        .get(&format!("/api/v1/matches/{}", w.far_match), &w.staff)
        .await;
    assert_eq!(far["status"], "proposed");
    w.app.deliver_mail().await;
    assert_eq!(
        mails_to(&w.app, "匹配"),
        ["m1@firm.example.cn", "m3@firm.example.cn"]
    );
}

#[tokio::test]
async fn flagging_an_organization_suspends_it() {
    let w = world().await;
    let far = w.far.1;
    assert_eq!(
        w.post(
            &format!("/api/v1/organizations/{far}/flag"),
            &w.near.0,
            json!({"kind": "spam", "note": "x"})
        )
        .await
        .0,
        403
    );
    let (status, problem) = w
        .post(
            &format!("/api/v1/organizations/{far}/flag"),
            &w.staff,
            json!({"kind": "rude"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["kind", "note"]);
    let (status, body) = w
        .post(
            &format!("/api/v1/organizations/{far}/flag"),
            &w.staff,
            json!({"kind": "fraud", "note": "冒用他人资质证书"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = w
        .app
        .call(
            Method::GET,
            &format!("/api/v1/organizations/{far}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 404, "a suspended organization leaves the directory");
    let (_, far_match) = w
        .get(&format!("/api/v1/matches/{}", w.far_match), &w.staff)
        .await;
    assert_eq!(far_match["status"], "withdrawn");
}
