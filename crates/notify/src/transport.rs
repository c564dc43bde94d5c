//! How mail leaves: over SMTP (`smtp`), as one `.eml` file per mail, or into the log; and the
//! one place a rendered mail becomes a MIME message with our headers.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use uuid::Uuid;

use crate::render::RenderedMail;
use crate::smtp::SmtpRelay;

/// Which transport `mail.transport` chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Smtp,
    File,
    Log,
}

/// The `mail.*` settings a transport is built from.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    pub kind: TransportKind,
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS required),
    /// `smtp://host:port?tls=opportunistic` or `smtps://user:pass@host:465` (implicit TLS).
    pub smtp_url: String,
    pub file_dir: PathBuf,
    /// The longest one mail may take over SMTP, connecting included.
    pub timeout: Duration,
}

/// A transport that cannot be built; the message names the setting to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error(
        "mail.smtp_url is not a usable SMTP URL: {reason} (expected smtp://host:port, \
         smtp://host:port?tls=required or smtps://user:password@host:465)"
    )]
    SmtpUrl { reason: String },
    #[error("mail.smtp_timeout_secs must be more than zero")]
    Timeout,
    #[error("mail.file_dir must name a directory for the file mail transport")]
    FileDir,
}

/// Why one mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Worth trying again later: the relay was unreachable, slow, or answered 4xx. A permanent
    /// failure (a 5xx for this mail, an address that cannot be written) will fail the same way.
    pub transient: bool,
    pub message: String,
}

impl SendError {
    pub(crate) fn transient(message: impl Into<String>) -> SendError {
        SendError {
            transient: true,
            message: message.into(),
        }
    }

    pub(crate) fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            transient: false,
            message: message.into(),
        }
    }
}

/// One mail to one recipient, rendered, with the headers that must survive every retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Without angle brackets, e.g. `0192b7c4-…@peitao.example.cn`; the same on every attempt.
    pub message_id: String,
    /// The sender mailbox, e.g. `配套 Peitao <noreply@peitao.example.cn>`.
    pub from: String,
    pub to: String,
    pub to_name: Option<String>,
    pub rendered: RenderedMail,
    /// The https one-click unsubscribe URL (RFC 8058); `None` for security mail.
    pub list_unsubscribe: Option<String>,
}

/// Where mail goes.
pub enum Transport {
    Smtp(SmtpRelay),
    /// One `<message_id>.eml` per mail; a mail sent twice overwrites its own file.
    File {
        dir: PathBuf,
    },
    /// Only a log line: for development and for deployments that must never mail.
    Log,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Smtp(relay) => f.debug_tuple("Smtp").field(relay).finish(),
            Transport::File { dir } => f.debug_struct("File").field("dir", dir).finish(),
            Transport::Log => f.write_str("Log"),
        }
    }
}

impl Transport {
    /// Builds the configured transport. Nothing connects or touches the disk yet.
    ///
    /// # Errors
    /// An SMTP URL lettre cannot use, a zero timeout, or an empty mail directory.
    pub fn from_config(config: &TransportConfig) -> Result<Transport, TransportError> {
        match config.kind {
            TransportKind::Smtp => {
                if config.timeout.is_zero() {
                    return Err(TransportError::Timeout);
                }
                Ok(Transport::Smtp(SmtpRelay::new(
                    &config.smtp_url,
                    config.timeout,
                )?))
            }
            TransportKind::File => {
                if config.file_dir.as_os_str().is_empty() {
                    return Err(TransportError::FileDir);
                }
                Ok(Transport::File {
                    dir: config.file_dir.clone(),
                })
            }
            TransportKind::Log => Ok(Transport::Log),
        }
    }

    /// Delivers one mail.
    ///
    /// # Errors
    /// [`SendError`], saying whether a retry may succeed.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build_message(mail)?;
        match self {
            Transport::Smtp(relay) => relay.send(message).await,
            Transport::File { dir } => write_eml(dir, &mail.message_id, message.formatted()).await,
            Transport::Log => {
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.rendered.subject,
                    message_id = %mail.message_id,
                    "mail not sent: mail.transport is \"log\""
                );
                Ok(())
            }
        }
    }
}

const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");
const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

/// The MIME message for `mail`: multipart/alternative (plain text, then HTML; UTF-8, base64),
/// with its Message-ID, the current Date, `Auto-Submitted: auto-generated` (RFC 3834, so
/// out-of-office replies stay away) and, when given, the RFC 8058 one-click unsubscribe headers.
///
/// Bodies are base64 whatever their script: the message stays 7-bit (no 8BITMIME needed), lines
/// stay short, and the raw message never shows markup from a text part.
///
/// # Errors
/// A permanent [`SendError`] for a sender, recipient, Message-ID or unsubscribe URL that cannot
/// be written into a header.
pub fn build_message(mail: &OutgoingMail) -> Result<Message, SendError> {
    let from: Mailbox = mail.from.parse().map_err(|e| {
        SendError::permanent(format!("mail.from {:?} is not a mailbox: {e}", mail.from))
    })?;
    let address: Address = mail.to.trim().parse().map_err(|e| {
        SendError::permanent(format!(
            "the recipient {:?} is not an email address: {e}",
            mail.to
        ))
    })?;
    let to_name = mail
        .to_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let message_id = mail.message_id.trim();
    if !is_message_id(message_id) {
        return Err(SendError::permanent(format!(
            "{:?} is not a Message-ID (expected id@domain without angle brackets)",
            mail.message_id
        )));
    }
    let mut builder = Message::builder()
        .message_id(Some(format!("<{message_id}>")))
        .date_now()
        .from(from)
        .to(Mailbox::new(to_name, address))
        .subject(mail.rendered.subject.clone())
        .raw_header(HeaderValue::new(
            AUTO_SUBMITTED,
            "auto-generated".to_owned(),
        ));
    if let Some(url) = &mail.list_unsubscribe {
        if !is_header_url(url) {
            return Err(SendError::permanent(format!(
                "the unsubscribe URL {url:?} cannot go into List-Unsubscribe"
            )));
        }
        builder = builder
            .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
            .raw_header(HeaderValue::new(
                LIST_UNSUBSCRIBE_POST,
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let part = |content_type: ContentType, body: &str| {
        SinglePart::builder()
            .header(content_type)
            .header(ContentTransferEncoding::Base64)
            .body(body.to_owned())
    };
    let body = MultiPart::alternative()
        .singlepart(part(ContentType::TEXT_PLAIN, &mail.rendered.text))
        .singlepart(part(ContentType::TEXT_HTML, &mail.rendered.html));
    builder
        .multipart(body)
        .map_err(|e| SendError::permanent(format!("the message cannot be built: {e}")))
}

/// `left@right`, printable ASCII, nothing that would end the header or the angle brackets;
/// also safe as a file name.
fn is_message_id(id: &str) -> bool {
    let Some((left, right)) = id.split_once('@') else {
        return false;
    };
    !left.is_empty()
        && !right.is_empty()
        && !left.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '/' | '\\' | '"'))
}

/// RFC 8058 wants an https URL; http is let through for local development. Printable ASCII
/// only, so it goes into the header unencoded.
fn is_header_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"'))
}

/// Writes `<dir>/<message_id>.eml` through a temporary file and a rename, so a crash leaves
/// either the whole message or none of it.
async fn write_eml(dir: &Path, message_id: &str, bytes: Vec<u8>) -> Result<(), SendError> {
    let dir = dir.to_path_buf();
    let name = message_id.trim().to_owned();
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<PathBuf> {
        use std::io::Write;
        std::fs::create_dir_all(&dir)?;
        let target = dir.join(format!("{name}.eml"));
        let temporary = dir.join(format!(".{name}.{}.tmp", Uuid::new_v4()));
        let result = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &target)
        })();
        if result.is_err() {
            // Best effort: the failure below is what matters.
            let _ = std::fs::remove_file(&temporary);
        }
        result.map(|()| target)
    })
    .await;
    match written {
        Ok(Ok(path)) => {
            tracing::debug!(path = %path.display(), "mail written");
            Ok(())
        }
        Ok(Err(e)) => Err(SendError::transient(format!(
            "writing the mail file failed: {e}"
        ))),
        Err(e) => Err(SendError::transient(format!(
            "the mail writer stopped: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            message_id: "0192b7c4-aaaa-7000-8000-000000000001@peitao.example.cn".into(),
            from: "配套 Peitao <noreply@peitao.example.cn>".into(),
            to: "zhang@supplier.example.cn".into(),
            to_name: Some("张伟".into()),
            rendered: RenderedMail {
                subject: "【配套】新匹配已通过审核：电驱动总成".into(),
                text: "张伟，您好：\n<script>alert(1)</script>\n".into(),
                html: "<p>张伟，您好：</p>\n".into(),
            },
            list_unsubscribe: Some(
                "https://peitao.example.cn/unsubscribe?token=abc.def-ghi_jkl".into(),
            ),
        }
    }

    /// Unfolded `(name, value)` headers and the body of a message or part.
    fn split(raw: &str) -> (Vec<(String, String)>, &str) {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                headers.last_mut().unwrap().1.push_str(line);
            } else {
                let (name, value) = line.split_once(':').unwrap();
                headers.push((name.to_owned(), value.trim().to_owned()));
            }
        }
        (headers, body)
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn decode_base64(text: &str) -> String {
        use base64::Engine;
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    /// The decoded `text/*` parts of a multipart/alternative message, in order.
    fn parts(raw: &str) -> Vec<(String, String)> {
        let (headers, body) = split(raw);
        let content_type = header(&headers, "Content-Type").unwrap();
        assert!(
            content_type.starts_with("multipart/alternative"),
            "{content_type}"
        );
        let boundary = content_type
            .split("boundary=")
            .nth(1)
            .unwrap()
            .trim_matches('"');
        body.split(&format!("--{boundary}"))
            .filter(|p| p.starts_with("\r\n") && !p.trim().is_empty())
            .map(|p| {
                let (h, b) = split(&p[2..]);
                assert_eq!(header(&h, "Content-Transfer-Encoding"), Some("base64"));
                (
                    header(&h, "Content-Type").unwrap().to_owned(),
                    decode_base64(b),
                )
            })
            .collect()
    }

    #[test]
    fn the_message_carries_our_headers_and_both_parts() {
        let raw = String::from_utf8(build_message(&mail()).unwrap().formatted()).unwrap();
        assert!(raw.is_ascii(), "7-bit clean: {raw}");
        assert!(!raw.contains("<script>"));
        let (headers, _) = split(&raw);
        assert_eq!(
            header(&headers, "Message-ID"),
            Some("<0192b7c4-aaaa-7000-8000-000000000001@peitao.example.cn>")
        );
        assert!(header(&headers, "Date").is_some());
        assert_eq!(header(&headers, "Auto-Submitted"), Some("auto-generated"));
        assert_eq!(
            header(&headers, "List-Unsubscribe"),
            Some("<https://peitao.example.cn/unsubscribe?token=abc.def-ghi_jkl>")
        );
        assert_eq!(
            header(&headers, "List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(header(&headers, "Subject").unwrap().starts_with("=?utf-8?"));
        assert!(
            header(&headers, "To")
                .unwrap()
                .ends_with("<zhang@supplier.example.cn>")
        );
        assert!(
            header(&headers, "From")
                .unwrap()
                .ends_with("<noreply@peitao.example.cn>")
        );
        let parts = parts(&raw);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, "text/plain; charset=utf-8");
        assert_eq!(parts[0].1, "张伟，您好：\r\n<script>alert(1)</script>\r\n");
        assert_eq!(parts[1].0, "text/html; charset=utf-8");
        assert!(parts[1].1.contains("<p>张伟，您好：</p>"));
    }

    #[test]
    fn security_mail_has_no_unsubscribe_headers() {
        let mut m = mail();
        m.list_unsubscribe = None;
        let raw = String::from_utf8(build_message(&m).unwrap().formatted()).unwrap();
        assert!(!raw.contains("List-Unsubscribe"));
    }

    #[test]
    fn unwritable_addresses_and_ids_are_permanent_failures() {
        let mut m = mail();
        m.to = "not an address".into();
        assert!(!build_message(&m).unwrap_err().transient);
        let mut m = mail();
        m.message_id = "<x@y>".into();
        assert!(!build_message(&m).unwrap_err().transient);
        let mut m = mail();
        m.message_id = "../../etc@passwd".into();
        assert!(!build_message(&m).unwrap_err().transient);
        let mut m = mail();
        m.list_unsubscribe = Some("https://x.example/u?t=1>\r\nBcc: evil@x.example".into());
        assert!(!build_message(&m).unwrap_err().transient);
        let mut m = mail();
        m.from = "nobody".into();
        assert!(!build_message(&m).unwrap_err().transient);
    }

    #[tokio::test]
    async fn the_file_transport_writes_one_parseable_eml_per_message_id() {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail").join("out");
        let transport = Transport::from_config(&TransportConfig {
            kind: TransportKind::File,
            smtp_url: String::new(),
            file_dir: maildir.clone(),
            timeout: Duration::from_secs(1),
        })
        .unwrap();
        let m = mail();
        transport.send(&m).await.unwrap();
        // A retry of the same mail replaces its file rather than adding one.
        transport.send(&m).await.unwrap();
        let names: Vec<String> = std::fs::read_dir(&maildir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [format!("{}.eml", m.message_id)],
            "no temporary files left"
        );
        let raw = std::fs::read_to_string(maildir.join(&names[0])).unwrap();
        let (headers, _) = split(&raw);
        assert_eq!(
            header(&headers, "Message-ID"),
            Some(format!("<{}>", m.message_id).as_str())
        );
        assert_eq!(
            header(&headers, "List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(header(&headers, "MIME-Version").is_some());
        assert_eq!(parts(&raw).len(), 2);
    }

    #[tokio::test]
    async fn the_log_transport_accepts_everything_it_can_build() {
        let transport = Transport::from_config(&TransportConfig {
            kind: TransportKind::Log,
            smtp_url: String::new(),
            file_dir: PathBuf::new(),
            timeout: Duration::from_secs(1),
        })
        .unwrap();
        transport.send(&mail()).await.unwrap();
        let mut bad = mail();
        bad.to = "@".into();
        assert!(!transport.send(&bad).await.unwrap_err().transient);
    }

    #[test]
    fn smtp_urls_are_checked_when_the_transport_is_built() {
        let config = |url: &str| TransportConfig {
            kind: TransportKind::Smtp,
            smtp_url: url.to_owned(),
            file_dir: PathBuf::new(),
            timeout: Duration::from_secs(5),
        };
        for good in [
            "smtp://127.0.0.1:1025",
            "smtp://mail.example.cn:587?tls=required",
            "smtp://mail.example.cn:587?tls=opportunistic",
            "smtps://user:p%40ss@mail.example.cn:465",
        ] {
            assert!(Transport::from_config(&config(good)).is_ok(), "{good}");
        }
        for bad in [
            "",
            "127.0.0.1:1025",
            "http://mail.example.cn",
            "smtp://mail.example.cn?tls=sometimes",
        ] {
            let err = Transport::from_config(&config(bad)).unwrap_err();
            assert!(err.to_string().contains("mail.smtp_url"), "{bad}: {err}");
        }
        let mut zero = config("smtp://127.0.0.1:1025");
        zero.timeout = Duration::ZERO;
        assert_eq!(
            Transport::from_config(&zero).unwrap_err(),
            TransportError::Timeout
        );
    }

    #[test]
    fn debug_output_never_shows_credentials() {
        let transport = Transport::from_config(&TransportConfig {
            kind: TransportKind::Smtp,
            smtp_url: "smtps://user:sekrit@mail.example.cn:465".into(),
            file_dir: PathBuf::new(),
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        let shown = format!("{transport:?}");
        assert!(
            shown.contains("mail.example.cn:465") && !shown.contains("sekrit"),
            "{shown}"
        );
    }
}
