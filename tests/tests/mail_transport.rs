//! peitao-notify's SMTP transport against a real SMTP server: a Chinese mail arrives intact with
//! its Message-ID and one-click unsubscribe headers, refusals or a dead relay are transient, and
//! pooled connections are reused until the relay closes them.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use peitao_domain::Locale;
use peitao_notify::{
    MailContent, OutgoingMail, SendError, Transport, TransportConfig, TransportKind, render,
};
use peitao_tests::mail::MailServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const PUBLIC_URL: &str = "http://127.0.0.1:8080";
const UNSUBSCRIBE: &str =
    "http://127.0.0.1:8080/unsubscribe?token=eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl";

fn smtp(url: &str, timeout: Duration) -> Transport {
    Transport::from_config(&TransportConfig {
        kind: TransportKind::Smtp,
        smtp_url: url.to_owned(),
        file_dir: "unused".into(),
        timeout,
    })
    .unwrap()
}

fn approved_mail(message_id: &str) -> OutgoingMail {
    let content = MailContent::MatchApproved {
        display_name: "张伟".into(),
        need_title: "电驱动总成年采购 12 万套".into(),
        counterpart_name: "重庆渝新零部件有限公司".into(),
        link: format!("{PUBLIC_URL}/matches/42"),
    };
    OutgoingMail {
        message_id: message_id.to_owned(),
        from: "配套 Peitao <noreply@peitao.example.cn>".into(),
        to: "zhang@supplier.example.cn".into(),
        to_name: Some("张伟".into()),
        rendered: render(&content, Locale::ZhCn, PUBLIC_URL, Some(UNSUBSCRIBE)).unwrap(),
        list_unsubscribe: Some(UNSUBSCRIBE.into()),
    }
}

#[tokio::test]
async fn a_chinese_mail_arrives_intact_over_smtp() {
    let server = MailServer::start();
    let transport = smtp(&server.smtp_url(), Duration::from_secs(10));
    let mail = approved_mail("0192b7c4-0000-7000-8000-000000000001@127.0.0.1");
    transport.send(&mail).await.unwrap();

    let got = server.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.from, "noreply@peitao.example.cn");
    assert_eq!(m.to, ["zhang@supplier.example.cn"]);
    assert_eq!(
        m.subject().as_deref(),
        Some("【配套】新匹配已通过审核：电驱动总成年采购 12 万套")
    );
    assert_eq!(
        m.header("Message-ID").as_deref(),
        Some("<0192b7c4-0000-7000-8000-000000000001@127.0.0.1>")
    );
    assert_eq!(
        m.header("List-Unsubscribe"),
        Some(format!("<{UNSUBSCRIBE}>"))
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(m.header("Date").is_some());
    let to = m.header("To").unwrap();
    assert!(
        to.contains("张伟") && to.contains("<zhang@supplier.example.cn>"),
        "{to}"
    );
    let from = m.header("From").unwrap();
    assert!(from.contains("配套 Peitao"), "{from}");
    assert!(
        m.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{}",
        m.raw
    );

    let body = m.body_text();
    assert_eq!(
        body, mail.rendered.text,
        "the text part arrives as rendered"
    );
    assert!(body.contains("重庆渝新零部件有限公司"));
    assert!(body.contains(&format!("{PUBLIC_URL}/matches/42")));
    assert!(body.contains(UNSUBSCRIBE));
}

#[tokio::test]
async fn several_mails_share_a_connection_and_keep_their_ids() {
    let server = MailServer::start();
    let transport = smtp(&server.smtp_url(), Duration::from_secs(10));
    for i in 0..3 {
        let mail = approved_mail(&format!("m{i}@127.0.0.1"));
        transport.send(&mail).await.unwrap();
    }
    let got = server.wait_for(3, Duration::from_secs(10)).await;
    let ids: Vec<String> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids, ["<m0@127.0.0.1>", "<m1@127.0.0.1>", "<m2@127.0.0.1>"]);
}

#[tokio::test]
async fn a_refusing_server_is_a_transient_failure_and_the_transport_recovers() {
    let server = MailServer::start();
    let transport = smtp(&server.smtp_url(), Duration::from_secs(10));
    let mail = approved_mail("refused@127.0.0.1");

    server.set_refusing(true);
    let err = transport.send(&mail).await.unwrap_err();
    assert!(
        matches!(
            err,
            SendError {
                transient: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.message.contains("451"), "{}", err.message);
    assert!(server.messages().is_empty());

    server.set_refusing(false);
    transport.send(&mail).await.unwrap();
    let got = server.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(
        got[0].header("Message-ID").as_deref(),
        Some("<refused@127.0.0.1>")
    );
}

#[tokio::test]
async fn a_closed_port_is_a_transient_failure() {
    // Bind and drop: the port is free, and nothing listens on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let transport = smtp(&format!("smtp://127.0.0.1:{port}"), Duration::from_secs(5));
    let err = transport
        .send(&approved_mail("closed@127.0.0.1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError {
                transient: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_relay_that_never_answers_times_out_as_a_transient_failure() {
    // The kernel completes the TCP handshake from the backlog; nobody ever says 220.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let transport = smtp(
        &format!("smtp://127.0.0.1:{port}"),
        Duration::from_millis(500),
    );
    let started = Instant::now();
    let err = transport
        .send(&approved_mail("silent@127.0.0.1"))
        .await
        .unwrap_err();
    assert!(err.transient, "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}

#[tokio::test]
async fn an_unwritable_recipient_is_a_permanent_failure() {
    let server = MailServer::start();
    let transport = smtp(&server.smtp_url(), Duration::from_secs(10));
    let mut mail = approved_mail("bad-recipient@127.0.0.1");
    mail.to = "zhang at supplier".into();
    let err = transport.send(&mail).await.unwrap_err();
    assert!(
        matches!(
            err,
            SendError {
                transient: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn opportunistic_tls_falls_back_to_plain_and_required_tls_refuses_to() {
    // The test server offers no STARTTLS.
    let server = MailServer::start();
    let opportunistic = smtp(
        &format!("{}?tls=opportunistic", server.smtp_url()),
        Duration::from_secs(10),
    );
    opportunistic
        .send(&approved_mail("opportunistic@127.0.0.1"))
        .await
        .unwrap();
    assert_eq!(server.wait_for(1, Duration::from_secs(10)).await.len(), 1);

    let required = smtp(
        &format!("{}?tls=required", server.smtp_url()),
        Duration::from_secs(10),
    );
    let err = required
        .send(&approved_mail("required@127.0.0.1"))
        .await
        .unwrap_err();
    assert!(err.transient && err.message.contains("STARTTLS"), "{err:?}");
    assert_eq!(server.messages().len(), 1, "nothing went out in the clear");
}

/// A relay that answers every command with success, counts connections, and (if `hang_up`)
/// closes each connection after one mail, as relays that limit mails per connection do.
async fn scripted_relay(hang_up: bool) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 scripted\r\n").await.unwrap();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply: &[u8] = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        b"250 queued\r\n"
                    } else if line.eq_ignore_ascii_case("DATA") {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if line.eq_ignore_ascii_case("QUIT") {
                        b"221 bye\r\n"
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                    if reply.starts_with(b"221") || (hang_up && reply.starts_with(b"250 queued")) {
                        return;
                    }
                }
            });
        }
    });
    (url, connections)
}

#[tokio::test]
async fn connections_are_reused_and_a_closed_one_is_replaced() {
    let (url, connections) = scripted_relay(false).await;
    let transport = smtp(&url, Duration::from_secs(5));
    for i in 0..3 {
        transport
            .send(&approved_mail(&format!("reuse{i}@127.0.0.1")))
            .await
            .unwrap();
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    // The relay hangs up after each mail: the pooled connection fails its NOOP and the next
    // mail goes out on a new one instead of failing.
    let (url, connections) = scripted_relay(true).await;
    let transport = smtp(&url, Duration::from_secs(5));
    for i in 0..3 {
        transport
            .send(&approved_mail(&format!("hangup{i}@127.0.0.1")))
            .await
            .unwrap();
    }
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}
