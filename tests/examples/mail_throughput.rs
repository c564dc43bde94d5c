//! Benchmark (not a test): mail delivery throughput to a local SMTP server, and the claim query
//! with 100,000 queued rows. SQLite by default; PostgreSQL when TEST_DATABASE_URL is set.
//!
//!     cargo run --release -p peitao-tests --example mail_throughput [-- QUEUED SEND]
//!
//! Figures go into docs/performance.md with the command that produced them.
// A benchmark reports on stdout and stops at the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use chrono::Utc;
use peitao_persistence::outbox::{self, NewMail};
use peitao_persistence::sea_orm::TransactionTrait;
use peitao_tests::TestApp;

fn mail(i: usize) -> NewMail {
    NewMail {
        dedupe_key: format!("bench:{i}"),
        kind: "bench".into(),
        recipient: format!("r{i}@bench.example.cn"),
        recipient_name: Some("测试".into()),
        user_id: None,
        subject: format!("【配套】性能测试邮件 {i}"),
        text_body: "您好:\n这是一封性能测试邮件。\n".repeat(10),
        html_body: "<p>您好:这是一封性能测试邮件。</p>".repeat(10),
        list_unsubscribe: None,
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let queued = args.first().copied().unwrap_or(100_000);
    let send = args.get(1).copied().unwrap_or(5_000);
    // BENCH_SMTP_URL sends to another server (a real relay on loopback) instead of the in-process one.
    let external = std::env::var("BENCH_SMTP_URL").ok();
    let app = TestApp::spawn_with(|s| {
        s.worker.mail_batch = 200;
        if let Some(n) = std::env::var("BENCH_CONCURRENCY")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            s.worker.mail_concurrency = n;
        }
        if let Some(url) = &external {
            s.mail.smtp_url.clone_from(url);
        }
    })
    .await;
    let backend = if app.on_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    let started = Instant::now();
    let mut i = 0;
    while i < queued {
        let txn = app.db().conn().begin().await.unwrap();
        for _ in 0..5_000.min(queued - i) {
            outbox::enqueue(&txn, mail(i), Utc::now()).await.unwrap();
            i += 1;
        }
        txn.commit().await.unwrap();
    }
    let enqueue = started.elapsed();
    println!(
        "{backend}: queued {queued} mails in {:.1} s ({:.0}/s)",
        enqueue.as_secs_f64(),
        queued as f64 / enqueue.as_secs_f64()
    );

    // The claim query over a full queue: claim and release a batch, many times.
    let now = Utc::now().timestamp_millis();
    let mut claims = Vec::new();
    for round in 0..50 {
        let t = Instant::now();
        let rows = outbox::claim(
            app.db(),
            &format!("bench-{round}"),
            50,
            now + 10_000,
            now + 10_001,
        )
        .await
        .unwrap();
        claims.push(t.elapsed());
        assert_eq!(rows.len(), 50);
    }
    claims.sort();
    println!(
        "{backend}: claim 50 of {queued} queued: p50 {:.2} ms, p99 {:.2} ms",
        claims[claims.len() / 2].as_secs_f64() * 1e3,
        claims[claims.len() * 99 / 100].as_secs_f64() * 1e3
    );

    // Delivery: a worker drains `send` mails to the in-process SMTP server.
    let worker = app.worker();
    let t = Instant::now();
    let mut sent = 0;
    while sent < send as u32 {
        let r = worker.step().await;
        sent += r.mail.sent;
        assert_eq!(r.mail.dead, 0);
    }
    let elapsed = t.elapsed();
    let received = if external.is_some() {
        sent as usize
    } else {
        app.mail
            .wait_for(sent as usize, std::time::Duration::from_secs(60))
            .await
            .len()
    };
    println!(
        "{backend}: delivered {sent} mails over SMTP in {:.1} s: {:.0} mails/s ({received} received)",
        elapsed.as_secs_f64(),
        f64::from(sent) / elapsed.as_secs_f64()
    );
}
