//! Mail that is never lost, through a real SMTP server: preferences (instant, daily, off),
//! digests, one-click unsubscribe, retries while SMTP refuses, dead mail, and exactly-once delivery.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use peitao_http::service::digest::{self, DigestSchedule};
use peitao_http::service::mailing::{Recipient, tell};
use peitao_notify::MailContent;
use peitao_persistence::entities::user;
use peitao_persistence::outbox::{self, NewMail};
use peitao_persistence::sea_orm::{EntityTrait, TransactionTrait};
use peitao_persistence::users;
use peitao_tests::TestApp;
use serde_json::{Value, json};

const CODE_A: &str = "91500112MA0000000R";
const CODE_B: &str = "91500112MA0000001W";

async fn account(app: &TestApp, email: &str) -> user::Model {
    let email = peitao_domain::Email::parse(email).unwrap();
    users::find_by_email(app.db().conn(), &email)
        .await
        .unwrap()
        .unwrap()
}

fn approved(counterpart: &str) -> MailContent {
    MailContent::MatchApproved {
        display_name: "张伟".into(),
        need_title: "电驱动总成年采购 12 万套".into(),
        counterpart_name: counterpart.into(),
        link: "http://127.0.0.1/matches/1".into(),
    }
}

async fn notify(app: &TestApp, to: &user::Model, content: &MailContent, key: &str) {
    let txn = app.db().conn().begin().await.unwrap();
    tell(
        &txn,
        app.state(),
        &Recipient::user(to),
        content,
        key,
        Utc::now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

async fn set_frequency(app: &TestApp, token: &str, frequency: &str) {
    let res = app
        .client
        .patch(app.url("/api/v1/me"))
        .bearer_auth(token)
        .json(&json!({"email_frequency": frequency}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_notification_mails_at_once_escapes_html_and_shows_in_the_app() {
    let app = TestApp::spawn().await;
    let s = app
        .verified_user("inst@a.example.cn", "supplier", CODE_A)
        .await;
    app.mail.clear();
    let u = account(&app, "inst@a.example.cn").await;
    let hostile = "<script>alert(1)</script> 恶意企业";
    notify(&app, &u, &approved(hostile), "match-1").await;
    // The same notification again (a retried request) queues nothing more.
    notify(&app, &u, &approved(hostile), "match-1").await;
    let mails = app.deliver_mail().await;
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(
        m.raw
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{}",
        m.raw
    );
    let unsubscribe = m.header("List-Unsubscribe").unwrap();
    assert!(
        unsubscribe.starts_with('<') && unsubscribe.contains("/unsubscribe?token="),
        "{unsubscribe}"
    );
    assert!(
        m.body_text().contains(hostile),
        "plain text keeps the name verbatim"
    );
    assert!(
        !m.raw.contains("<script>alert(1)</script>"),
        "HTML never carries the raw tag"
    );
    let message_id = m.header("Message-ID").unwrap();
    assert!(message_id.contains("@127.0.0.1"), "{message_id}");

    let list: Value = app
        .get_as("/api/v1/notifications", &s.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        2,
        "one per tell: the dedupe is for mail"
    );
    let first = &list["items"][0];
    assert_eq!(first["kind"], "match_approved");
    assert_eq!(first["read"], false);
    let id = first["id"].as_str().unwrap();
    assert_eq!(
        app.client
            .post(app.url(&format!("/api/v1/notifications/{id}/read")))
            .bearer_auth(&s.access_token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let list: Value = app
        .get_as("/api/v1/notifications?limit=1", &s.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["read"], true);
    assert!(list["next_cursor"].is_string());
    let cursor = list["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get_as(
            &format!("/api/v1/notifications?limit=1&cursor={cursor}"),
            &s.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    // Someone else's notification is not found.
    let other = app.verified_user("other@a.example.cn", "oem", CODE_B).await;
    assert_eq!(
        app.client
            .post(app.url(&format!("/api/v1/notifications/{id}/read")))
            .bearer_auth(&other.access_token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let bad = app
        .get_as("/api/v1/notifications?limit=500", &s.access_token)
        .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn english_readers_get_english_mail() {
    let app = TestApp::spawn().await;
    let s = app
        .verified_user("en@a.example.cn", "supplier", CODE_A)
        .await;
    let res = app
        .client
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&s.access_token)
        .json(&json!({"locale": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.mail.clear();
    notify(
        &app,
        &account(&app, "en@a.example.cn").await,
        &approved("Acme Motors"),
        "m",
    )
    .await;
    let m = app.deliver_mail().await.pop().unwrap();
    let subject = m.subject().unwrap();
    // The words are English; the need's title is quoted as its author wrote it.
    assert!(subject.starts_with("[Peitao]"), "{subject}");
    assert!(!m.body_text().contains("您好"), "{}", m.body_text());
    assert!(m.body_text().contains("Acme Motors"));
}

#[tokio::test]
async fn daily_readers_get_one_digest_and_off_means_no_mail() {
    let app = TestApp::spawn().await;
    let daily = app
        .verified_user("daily@a.example.cn", "supplier", CODE_A)
        .await;
    let off = app.verified_user("off@a.example.cn", "oem", CODE_B).await;
    set_frequency(&app, &daily.access_token, "daily").await;
    set_frequency(&app, &off.access_token, "off").await;
    app.mail.clear();
    let d = account(&app, "daily@a.example.cn").await;
    let o = account(&app, "off@a.example.cn").await;
    notify(&app, &d, &approved("渝新零部件"), "m1").await;
    notify(&app, &d, &approved("蓉城电驱"), "m2").await;
    notify(&app, &o, &approved("渝新零部件"), "m3").await;
    // Nothing is queued at once (the worker's own digest job runs on the real clock, so look at
    // the outbox before any worker pass).
    assert_eq!(
        outbox::count(app.db(), outbox::PENDING).await.unwrap(),
        0,
        "neither is mailed at once"
    );

    // Before the digest hour nothing goes; at or after it, one digest with both items.
    let zone: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let early = DigestSchedule { hour: 23, zone };
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(digest::send_due(app.state(), early, now).await.unwrap(), 0);
    let due = DigestSchedule { hour: 8, zone };
    assert_eq!(digest::send_due(app.state(), due, now).await.unwrap(), 1);
    assert_eq!(
        digest::send_due(app.state(), due, now).await.unwrap(),
        0,
        "once a day"
    );
    let mails = app.deliver_mail().await;
    assert_eq!(mails.len(), 1);
    let body = mails[0].body_text();
    assert!(
        body.contains("渝新零部件") && body.contains("蓉城电驱"),
        "{body}"
    );
    assert_eq!(mails[0].to, vec!["daily@a.example.cn".to_owned()]);

    // The off user still sees the notification in the app.
    let list: Value = app
        .get_as("/api/v1/notifications", &off.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn one_click_unsubscribe_works_without_logging_in() {
    let app = TestApp::spawn().await;
    let s = app
        .verified_user("unsub@a.example.cn", "supplier", CODE_A)
        .await;
    app.mail.clear();
    notify(
        &app,
        &account(&app, "unsub@a.example.cn").await,
        &approved("某企业"),
        "m",
    )
    .await;
    let m = app.deliver_mail().await.pop().unwrap();
    let url = m
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    let path = url
        .strip_prefix(&app.settings.server.public_url)
        .unwrap()
        .to_owned();

    // GET asks to confirm (mail scanners follow links), in the account's language, and changes nothing.
    let page = app.get(&path, Some("en")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("确认退订"));
    assert_eq!(
        app.get("/unsubscribe?token=forged", None).await.status(),
        400
    );
    let me: Value = app
        .get_as("/api/v1/me", &s.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email_frequency"], "instant");

    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click; the answer is in the account's language.
    let res = app
        .client
        .post(app.url(&path))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("已退订"));
    let me: Value = app
        .get_as("/api/v1/me", &s.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email_frequency"], "off");

    let forged = app
        .client
        .post(app.url("/unsubscribe?token=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
}

fn queued(i: usize) -> NewMail {
    NewMail {
        dedupe_key: format!("test:{i}"),
        kind: "test".into(),
        recipient: format!("r{i}@a.example.cn"),
        recipient_name: None,
        user_id: None,
        subject: format!("测试邮件 {i}"),
        text_body: format!("正文 {i}"),
        html_body: format!("<p>正文 {i}</p>"),
        list_unsubscribe: None,
    }
}

#[tokio::test]
async fn mail_waits_out_an_smtp_refusal_and_then_arrives() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        outbox::enqueue(app.db().conn(), queued(i), Utc::now())
            .await
            .unwrap();
    }
    app.mail.set_refusing(true);
    let worker = app.worker();
    let report = worker.step().await;
    assert_eq!(report.mail.retrying, 5);
    assert!(app.mail.messages().is_empty());
    app.mail.set_refusing(false);
    // The first retry comes within 10 s; run the worker as `serve` would until all arrive.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut fast = app.worker();
    fast.interval = Duration::from_millis(200);
    let task = tokio::spawn(fast.run(stop_rx));
    let got = app.mail.wait_for(5, Duration::from_secs(15)).await;
    stop_tx.send(true).unwrap();
    task.await.unwrap();
    let subjects: HashSet<String> = got.iter().map(|m| m.subject().unwrap()).collect();
    assert_eq!(subjects.len(), 5);
    assert_eq!(outbox::count(app.db(), outbox::SENT).await.unwrap(), 5);
}

#[tokio::test]
async fn mail_that_keeps_failing_dies_and_staff_can_retry_it() {
    let app = TestApp::spawn_with(|s| s.mail.max_attempts = 1).await;
    outbox::enqueue(app.db().conn(), queued(1), Utc::now())
        .await
        .unwrap();
    app.mail.set_refusing(true);
    assert_eq!(app.worker().step().await.mail.dead, 1);
    app.mail.set_refusing(false);

    // Staff see it and give it another go.
    let session = app
        .staff_session("ops@assoc.example.cn", peitao_domain::user::Role::Staff)
        .await;
    let dead: Value = app
        .get_as("/api/v1/mail/dead", &session.access_token)
        .await
        .json()
        .await
        .unwrap();
    let id = dead["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(dead["items"][0]["attempts"], 1);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/mail/{id}/retry")))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(app.deliver_mail().await.len(), 1);
    // Suppliers may not.
    let s = app
        .verified_user("nosy@a.example.cn", "supplier", CODE_A)
        .await;
    assert_eq!(
        app.get_as("/api/v1/mail/dead", &s.access_token)
            .await
            .status(),
        403
    );
    assert_eq!(app.get("/api/v1/mail/dead", None).await.status(), 401);
    // The audit log shows the retry to staff.
    let log: Value = app
        .get_as("/api/v1/audit?entity=mail", &session.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"][0]["action"], "mail.retry");
    assert_eq!(
        app.get_as("/api/v1/audit", &s.access_token).await.status(),
        403
    );
}

#[tokio::test]
async fn two_workers_deliver_a_thousand_mails_exactly_once() {
    let app = TestApp::spawn().await;
    let txn = app.db().conn().begin().await.unwrap();
    for i in 0..1000 {
        outbox::enqueue(&txn, queued(i), Utc::now()).await.unwrap();
    }
    txn.commit().await.unwrap();
    // Two workers pass over the queue at once until it is empty (failed sends under load back
    // off and are retried, so the loop runs on a deadline, not a count).
    let drain = |worker: peitao::worker::Worker, db: peitao_persistence::Db| async move {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        let mut sent = 0;
        while std::time::Instant::now() < deadline {
            sent += worker.step().await.mail.sent;
            if outbox::count(&db, outbox::PENDING).await.unwrap() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        sent
    };
    let (ra, rb) = tokio::join!(
        tokio::spawn(drain(app.worker(), app.db().clone())),
        tokio::spawn(drain(app.worker(), app.db().clone()))
    );
    let (sa, sb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(sa + sb, 1000, "a: {sa}, b: {sb}");
    let got = app.mail.wait_for(1000, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 1000);
    let ids: HashSet<String> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), 1000, "no mail delivered twice");
    assert_eq!(outbox::count(app.db(), outbox::SENT).await.unwrap(), 1000);
    let _ = user::Entity::find();
}

#[tokio::test]
async fn a_crashed_workers_lease_expires_and_another_sends_the_mail_once() {
    let app = TestApp::spawn().await;
    outbox::enqueue(app.db().conn(), queued(7), Utc::now())
        .await
        .unwrap();
    let now = Utc::now().timestamp_millis();
    // A worker claims the mail and dies before sending: its lease runs out.
    let claimed = outbox::claim(app.db(), "crashed", 10, now, now + 50)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While the lease holds, nobody else takes it.
    assert!(
        outbox::claim(app.db(), "other", 10, now + 10, now + 1_000)
            .await
            .unwrap()
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(60)).await;
    let report = app.worker().step().await;
    assert_eq!(report.mail.sent, 1);
    assert_eq!(app.mail.wait_for(1, Duration::from_secs(5)).await.len(), 1);
    // The crashed worker, back from the dead, cannot settle a row it no longer holds.
    assert!(
        !outbox::mark_sent(app.db(), claimed[0].id, "crashed", Utc::now())
            .await
            .unwrap()
    );
    assert_eq!(outbox::count(app.db(), outbox::SENT).await.unwrap(), 1);
}
