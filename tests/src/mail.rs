//! A real SMTP server on a loopback port that records every message it accepts,
//! so tests can check what the app mailed (and make it retry by refusing for a while).

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mailin_embedded::{Handler, Response, Server};

/// An SMTP server serving on `127.0.0.1:<random port>` until the test process ends.
pub struct MailServer {
    port: u16,
    shared: Arc<Shared>,
}

/// One message as it arrived: envelope plus the DATA text (dot-unstuffed, CRLF line ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<ReceivedMail>>,
    refusing: AtomicBool,
}

impl Shared {
    fn messages(&self) -> MutexGuard<'_, Vec<ReceivedMail>> {
        // A panicking test thread must not hide the mail from the others.
        self.messages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn refusing(&self) -> bool {
        self.refusing.load(Ordering::SeqCst)
    }
}

/// mailin clones this handler for every connection, so the envelope fields are per
/// connection while `shared` is common to all of them.
#[derive(Clone)]
struct Recorder {
    shared: Arc<Shared>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

fn try_later() -> Response {
    Response::custom(
        451,
        "4.3.0 Temporarily refusing mail, try again later".to_owned(),
    )
}

impl Handler for Recorder {
    fn rcpt(&mut self, _to: &str) -> Response {
        if self.shared.refusing() {
            try_later()
        } else {
            mailin_embedded::response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        if self.shared.refusing() {
            return try_later();
        }
        // One connection may carry several messages (lettre pools connections).
        from.clone_into(&mut self.from);
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        // Refusing may have been switched on mid-message: the sender then keeps it and retries.
        if self.shared.refusing() {
            return try_later();
        }
        let mail = ReceivedMail {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            raw: String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned(),
        };
        self.shared.messages().push(mail);
        mailin_embedded::response::OK
    }
}

impl MailServer {
    /// Binds `127.0.0.1:0` and serves on a background thread.
    ///
    /// mailin's `serve()` never returns, so the thread simply lives as long as the test process.
    pub fn start() -> MailServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test SMTP server");
        let port = listener.local_addr().expect("test SMTP address").port();
        let shared = Arc::new(Shared::default());
        let mut server = Server::new(Recorder {
            shared: Arc::clone(&shared),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        });
        // Each open connection holds a pool thread until the client quits, and pooled
        // SMTP clients (lettre) keep idle connections open: 4 threads could stall senders.
        server
            .with_name("peitao-test-smtp")
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::Builder::new()
            .name(format!("test-smtp-{port}"))
            .spawn(move || {
                if let Err(err) = server.serve() {
                    panic!("test SMTP server on port {port} stopped: {err}");
                }
            })
            .expect("spawn the test SMTP server thread");
        MailServer { port, shared }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL to give the app as its SMTP relay (plain SMTP, no TLS).
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.messages().clone()
    }

    /// Waits until at least `count` messages arrived and returns all of them.
    ///
    /// # Panics
    /// On timeout, listing what did arrive.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if Instant::now() >= deadline {
                let listing: Vec<String> = messages
                    .iter()
                    .map(|m| {
                        format!(
                            "  from {} to {:?}, subject {:?}",
                            m.from,
                            m.to,
                            m.subject().unwrap_or_default()
                        )
                    })
                    .collect();
                panic!(
                    "expected {count} mail(s) within {timeout:?}, got {}:\n{}",
                    messages.len(),
                    listing.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// While `true`, RCPT, DATA and the end of DATA get `451`: senders must retry later.
    pub fn set_refusing(&self, refuse: bool) {
        self.shared.refusing.store(refuse, Ordering::SeqCst);
    }

    /// Forgets the messages received so far.
    pub fn clear(&self) {
        self.shared.messages().clear();
    }
}

impl ReceivedMail {
    /// The first header called `name` (any case), unfolded, with RFC 2047 words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = split_headers(&self.raw);
        find_header(&headers, name).map(|v| decode_words(&v))
    }

    /// The decoded `Subject` header.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The readable text: the `text/plain` part of a multipart message (else its first
    /// `text/*` part), or the whole body; transfer encoding undone, line ends as `\n`.
    pub fn body_text(&self) -> String {
        let text = part_text(&self.raw).unwrap_or_else(|| split_headers(&self.raw).1.to_owned());
        text.replace("\r\n", "\n")
    }
}

// ----- MIME parsing, just enough for the mail our app sends -----

/// Splits a message or MIME part into unfolded `(name, value)` headers and the body.
fn split_headers(text: &str) -> (Vec<(String, String)>, &str) {
    // A part may have no headers at all: then it starts with the blank line.
    if let Some(body) = text
        .strip_prefix("\r\n")
        .or_else(|| text.strip_prefix('\n'))
    {
        return (Vec::new(), body);
    }
    let (head, body) = match (text.find("\r\n\r\n"), text.find("\n\n")) {
        (Some(crlf), Some(lf)) if lf < crlf => (&text[..lf], &text[lf + 2..]),
        (Some(crlf), _) => (&text[..crlf], &text[crlf + 4..]),
        (None, Some(lf)) => (&text[..lf], &text[lf + 2..]),
        (None, None) => (text, ""),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            // A folded continuation line (RFC 5322 §2.2.3): unfolding removes only the CRLF.
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim_start().to_owned()));
        }
    }
    for (_, value) in &mut headers {
        *value = value.trim().to_owned();
    }
    (headers, body)
}

fn find_header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// A `; name=value` parameter of a structured header such as Content-Type.
fn header_param(value: &str, param: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (name, v) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case(param)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The text of a message or part, or `None` if it holds no `text/*` content.
fn part_text(text: &str) -> Option<String> {
    let (headers, body) = split_headers(text);
    // RFC 2045 §5.2: no Content-Type means text/plain.
    let content_type = find_header(&headers, "Content-Type")
        .unwrap_or_else(|| "text/plain".to_owned())
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/") {
        let boundary = header_param(
            // The boundary is case-sensitive: read it from the original value.
            &find_header(&headers, "Content-Type").unwrap_or_default(),
            "boundary",
        )?;
        let parts = multipart_parts(body, &boundary);
        let plain = parts.iter().find_map(|p| {
            let (h, _) = split_headers(p);
            let ct = find_header(&h, "Content-Type").unwrap_or_else(|| "text/plain".to_owned());
            if ct.to_ascii_lowercase().starts_with("text/plain") {
                part_text(p)
            } else {
                None
            }
        });
        // Nested multiparts (alternative inside mixed) come through the recursion here.
        plain.or_else(|| parts.iter().find_map(|p| part_text(p)))
    } else if content_type.starts_with("text/") {
        let encoding = find_header(&headers, "Content-Transfer-Encoding").unwrap_or_default();
        let bytes = match encoding.to_ascii_lowercase().as_str() {
            "base64" => decode_base64(body),
            "quoted-printable" => decode_quoted_printable(body),
            _ => body.as_bytes().to_vec(),
        };
        Some(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        None
    }
}

/// The parts between `--boundary` lines, without the line break that belongs to each delimiter.
fn multipart_parts<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut current: Option<usize> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == delimiter || trimmed == close {
            if let Some(start) = current {
                let part = &body[start..offset];
                parts.push(
                    part.strip_suffix("\r\n")
                        .or_else(|| part.strip_suffix('\n'))
                        .unwrap_or(part),
                );
            }
            if trimmed == close {
                break;
            }
            current = Some(offset + line.len());
        }
        offset += line.len();
    }
    parts
}

/// Decodes RFC 2047 encoded-words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) in a header value.
///
/// Adjacent words are joined before UTF-8 decoding because encoders may split one
/// character's bytes across two words; the whitespace between them is dropped (§6.2).
/// Words in charsets other than UTF-8/ASCII are left as they are.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new(); // decoded bytes of a run of adjacent words
    let mut gap = String::new(); // whitespace after the last word, kept if text follows
    let mut rest = value;
    while !rest.is_empty() {
        if let Some((bytes, used)) = rest.strip_prefix("=?").and_then(encoded_word) {
            pending.extend(bytes);
            gap.clear();
            rest = &rest[used + 2..];
            let ws = rest.len() - rest.trim_start().len();
            gap.push_str(&rest[..ws]);
            rest = &rest[ws..];
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&std::mem::take(&mut pending)));
        out.push_str(&std::mem::take(&mut gap));
        let ch = rest.chars().next().unwrap_or_default();
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out.push_str(&String::from_utf8_lossy(&pending));
    out.push_str(&gap);
    out
}

/// Parses `charset?E?text?=` (the part after `=?`); returns the bytes and the length used.
fn encoded_word(s: &str) -> Option<(Vec<u8>, usize)> {
    let (charset_lang, rest) = s.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let text = &rest[..rest.find("?=")?];
    // RFC 2231 lets a language follow the charset: `UTF-8*zh`.
    let charset = charset_lang.split('*').next()?;
    let known = ["utf-8", "utf8", "us-ascii"];
    if !known.iter().any(|k| charset.eq_ignore_ascii_case(k)) || text.contains(' ') {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => decode_base64(text),
        "Q" | "q" => decode_q(text),
        _ => return None,
    };
    // charset ? encoding ? text ?=
    Some((bytes, charset_lang.len() + encoding.len() + text.len() + 4))
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(s, 16).ok()
}

/// RFC 2047 'Q': quoted-printable where `_` stands for a space.
fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => match bytes.get(i + 1..i + 3).and_then(hex_byte) {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'='),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Content-Transfer-Encoding: quoted-printable (RFC 2045 §6.7), soft line breaks removed.
fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if bytes[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let Some(b) = bytes.get(i + 1..i + 3).and_then(hex_byte) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Standard base64; whitespace and line breaks are skipped, decoding stops at padding.
fn decode_base64(text: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(raw: &str) -> ReceivedMail {
        ReceivedMail {
            from: "a@example.com".to_owned(),
            to: vec!["b@example.com".to_owned()],
            raw: raw.to_owned(),
        }
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64("5L2g5aW9"), "你好".as_bytes());
        assert_eq!(decode_base64("YQ=="), b"a");
        assert_eq!(decode_base64("YWI="), b"ab");
        assert_eq!(decode_base64("YW\r\nJj"), b"abc");
    }

    #[test]
    fn encoded_words_b_and_q_are_decoded() {
        assert_eq!(decode_words("=?UTF-8?B?6YWN5aWX?="), "配套");
        assert_eq!(
            decode_words("=?utf-8?Q?caf=C3=A9_au_lait?="),
            "café au lait"
        );
        // Adjacent words join without the space between them, even mid-character.
        assert_eq!(decode_words("=?UTF-8?B?6YWN?= =?UTF-8?B?5aWX?="), "配套");
        assert_eq!(
            decode_words("=?UTF-8?B?6YU=?=\r\n =?UTF-8?B?jeWllw==?="),
            "配套"
        );
        // Plain text around words keeps its spacing.
        assert_eq!(decode_words("Re: =?UTF-8?B?6YWN5aWX?= now"), "Re: 配套 now");
        assert_eq!(decode_words("no words here"), "no words here");
        assert_eq!(decode_words("=?ISO-8859-1?Q?x?="), "=?ISO-8859-1?Q?x?=");
        assert_eq!(decode_words("=?UTF-8*zh?B?6YWN5aWX?="), "配套");
    }

    #[test]
    fn header_is_case_insensitive_and_unfolded() {
        let m = mail(
            "From: a@example.com\r\nsubject: =?UTF-8?B?5L2g5aW9?=\r\n =?UTF-8?B?5LiW55WM?=\r\n\
             X-Long: one\r\n\ttwo\r\n\r\nSubject: not a header\r\n",
        );
        assert_eq!(m.header("SUBJECT").as_deref(), Some("你好世界"));
        assert_eq!(m.header("x-long").as_deref(), Some("one\ttwo"));
        assert_eq!(m.header("To"), None);
    }

    #[test]
    fn plain_body_is_decoded() {
        let m = mail("Subject: x\r\n\r\nline one\r\nline two\r\n");
        assert_eq!(m.body_text(), "line one\nline two\n");
        let m = mail(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             6YWN5aWX\r\n",
        );
        assert_eq!(m.body_text(), "配套");
        let m = mail(
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n\
             =E9=85=8D=E5=A5=97 a=3Db soft=\r\nbreak\r\n",
        );
        assert_eq!(m.body_text(), "配套 a=b softbreak\n");
    }

    #[test]
    fn multipart_picks_the_plain_text_part() {
        let m = mail(
            "MIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"Outer\"\r\n\r\n\
             preamble\r\n\
             --Outer\r\n\
             Content-Type: multipart/alternative; boundary=inner\r\n\r\n\
             --inner\r\n\
             Content-Type: text/html; charset=utf-8\r\n\r\n\
             <p>html</p>\r\n\
             --inner\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n\
             =E4=BD=A0=E5=A5=BD\r\n\
             second line\r\n\
             --inner--\r\n\
             --Outer\r\n\
             Content-Type: application/pdf\r\n\r\n\
             JVBERi0=\r\n\
             --Outer--\r\n",
        );
        assert_eq!(m.body_text(), "你好\nsecond line");
    }

    #[test]
    fn headerless_part_is_plain_text() {
        let m = mail(
            "Content-Type: multipart/alternative; boundary=b\r\n\r\n\
             --b\r\n\r\nplain\r\n--b--\r\n",
        );
        assert_eq!(m.body_text(), "plain");
    }

    #[test]
    fn html_only_multipart_falls_back_to_html() {
        let m = mail(
            "Content-Type: multipart/alternative; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n",
        );
        assert_eq!(m.body_text(), "<p>hi</p>");
    }
}
