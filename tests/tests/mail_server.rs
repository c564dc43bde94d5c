//! The test SMTP server itself, spoken to by hand over TCP: it must record and decode
//! what a real client sends, and refuse with a temporary error when told to.

// Test code: a failed step should simply fail the test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use peitao_tests::mail::MailServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// A hand-written SMTP client: one command, one (possibly multi-line) reply.
struct Smtp {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Smtp {
    async fn connect(port: u16) -> Smtp {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (read, writer) = stream.into_split();
        let mut smtp = Smtp {
            reader: BufReader::new(read),
            writer,
        };
        assert_eq!(smtp.reply().await, 220, "greeting");
        smtp
    }

    /// Reads a reply and returns its code; continuation lines look like `250-...`.
    async fn reply(&mut self) -> u16 {
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).await.unwrap();
            assert!(n > 0, "server closed the connection");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line[..3].parse().unwrap();
            }
        }
    }

    async fn command(&mut self, line: &str) -> u16 {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }

    /// A whole transaction; `message` uses CRLF line ends and is dot-stuffed here.
    async fn send(&mut self, from: &str, to: &[&str], message: &str) {
        assert_eq!(self.command(&format!("MAIL FROM:<{from}>")).await, 250);
        for rcpt in to {
            assert_eq!(self.command(&format!("RCPT TO:<{rcpt}>")).await, 250);
        }
        assert_eq!(self.command("DATA").await, 354);
        let mut data = String::new();
        for line in message.split_inclusive("\r\n") {
            if line.starts_with('.') {
                data.push('.');
            }
            data.push_str(line);
        }
        data.push_str(".\r\n");
        self.writer.write_all(data.as_bytes()).await.unwrap();
        assert_eq!(self.reply().await, 250, "end of DATA");
    }
}

const TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn records_and_decodes_two_mails() {
    let server = MailServer::start();
    assert_eq!(
        server.smtp_url(),
        format!("smtp://127.0.0.1:{}", server.port())
    );
    let mut smtp = Smtp::connect(server.port()).await;
    assert_eq!(smtp.command("EHLO client.test").await, 250);

    // "欢迎使用配套" — base64 in an RFC 2047 word, as lettre sends non-ASCII subjects.
    smtp.send(
        "noreply@peitao.test",
        &["zhang@example.com"],
        "From: noreply@peitao.test\r\n\
         To: zhang@example.com\r\n\
         Subject: =?UTF-8?B?5qyi6L+O5L2/55So6YWN5aWX?=\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         6K+354K55Ye76ZO+5o6l77yaaHR0cDovL2xvY2FsaG9zdC94\r\n",
    )
    .await;
    // A second message on the same connection, to two recipients, with a line that
    // starts with a dot (dot-stuffing must be undone).
    smtp.send(
        "noreply@peitao.test",
        &["a@example.com", "b@example.com"],
        "From: noreply@peitao.test\r\n\
         Subject: Plain ASCII\r\n\
         \r\n\
         first line\r\n\
         .hidden dot\r\n",
    )
    .await;
    assert_eq!(smtp.command("QUIT").await, 221);

    let mails = server.wait_for(2, TIMEOUT).await;
    assert_eq!(mails.len(), 2);

    assert_eq!(mails[0].from, "noreply@peitao.test");
    assert_eq!(mails[0].to, vec!["zhang@example.com"]);
    assert_eq!(mails[0].subject().as_deref(), Some("欢迎使用配套"));
    assert_eq!(mails[0].header("to").as_deref(), Some("zhang@example.com"));
    assert_eq!(mails[0].body_text(), "请点击链接：http://localhost/x");

    assert_eq!(mails[1].to, vec!["a@example.com", "b@example.com"]);
    assert_eq!(mails[1].header("SUBJECT").as_deref(), Some("Plain ASCII"));
    assert_eq!(mails[1].body_text(), "first line\n.hidden dot\n");

    server.clear();
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn refusing_answers_4xx_until_switched_off() {
    let server = MailServer::start();
    let mut smtp = Smtp::connect(server.port()).await;
    assert_eq!(smtp.command("EHLO client.test").await, 250);

    server.set_refusing(true);
    assert_eq!(smtp.command("MAIL FROM:<noreply@peitao.test>").await, 250);
    let code = smtp.command("RCPT TO:<zhang@example.com>").await;
    assert!((400..500).contains(&code), "RCPT while refusing got {code}");
    // Abandon the transaction as a client would.
    assert_eq!(smtp.command("RSET").await, 250);

    // Refusing that starts between RCPT and DATA refuses the DATA.
    server.set_refusing(false);
    assert_eq!(smtp.command("MAIL FROM:<noreply@peitao.test>").await, 250);
    assert_eq!(smtp.command("RCPT TO:<zhang@example.com>").await, 250);
    server.set_refusing(true);
    let code = smtp.command("DATA").await;
    assert!((400..500).contains(&code), "DATA while refusing got {code}");
    assert_eq!(smtp.command("RSET").await, 250);
    assert!(server.messages().is_empty());

    // Once the server accepts again, the retry goes through.
    server.set_refusing(false);
    smtp.send(
        "noreply@peitao.test",
        &["zhang@example.com"],
        "Subject: retried\r\n\r\nbody\r\n",
    )
    .await;
    assert_eq!(smtp.command("QUIT").await, 221);

    let mails = server.wait_for(1, TIMEOUT).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject().as_deref(), Some("retried"));
}

#[tokio::test]
#[should_panic(expected = "expected 1 mail(s)")]
async fn wait_for_panics_on_timeout() {
    let server = MailServer::start();
    server.wait_for(1, Duration::from_millis(100)).await;
}
