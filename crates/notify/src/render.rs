//! Turns a [`MailContent`] into subject, plain text and HTML in the reader's language, from the
//! compile-checked askama templates under `templates/mail/<kind>/` (HTML escaped, text verbatim).

use peitao_domain::Locale;

use crate::mail::{DigestItem, MailContent, MailKind};

/// A mail ready to send: one-line subject, plain-text body and HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a mail could not be rendered. Either is a bug in the caller or the templates, never
/// something a retry fixes.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the {kind} mail template {file} failed: {source}")]
    Template {
        kind: MailKind,
        file: &'static str,
        #[source]
        source: askama::Error,
    },
    /// Links go into `href`s: only absolute http(s) URLs without spaces or quotes are accepted,
    /// so a `javascript:` link or a broken attribute can never reach a reader.
    #[error("the {what} of the {kind} mail is not an absolute http(s) URL")]
    Url { kind: MailKind, what: &'static str },
}

/// What the shared layouts show around every mail.
struct Frame<'a> {
    english: bool,
    lang: &'static str,
    public_url: &'a str,
    unsubscribe_url: Option<&'a str>,
}

/// A digest line as the templates see it: the link is left out when it points nowhere.
struct DigestLine<'a> {
    title: &'a str,
    body: &'a str,
    link: Option<&'a str>,
}

/// Declares, for each mail kind, one askama struct per template file (subject, text and HTML, in
/// both languages; all with the same fields) and a `render` that picks the three for a locale.
/// askama only takes literal paths, hence the six paths spelled out per kind.
macro_rules! mail_templates {
    ($(
        $module:ident ($kind:ident) { $($field:ident : $ty:ty),* $(,)? }
        zh: [$subject_zh:literal, $text_zh:literal, $html_zh:literal]
        en: [$subject_en:literal, $text_en:literal, $html_en:literal]
    )*) => {$(
        mod $module {
            use askama::Template;
            use peitao_domain::Locale;

            // Only the digest shows digest lines.
            #[allow(unused_imports)]
            use super::DigestLine;
            use super::{Frame, RenderError, RenderedMail, assemble};
            use crate::mail::MailKind;

            mail_templates!(@struct SubjectZh, $subject_zh, "none", $($field: $ty),*);
            mail_templates!(@struct TextZh, $text_zh, "none", $($field: $ty),*);
            mail_templates!(@struct HtmlZh, $html_zh, "html", $($field: $ty),*);
            mail_templates!(@struct SubjectEn, $subject_en, "none", $($field: $ty),*);
            mail_templates!(@struct TextEn, $text_en, "none", $($field: $ty),*);
            mail_templates!(@struct HtmlEn, $html_en, "html", $($field: $ty),*);

            // A mail about an event shows six values; the arguments mirror the template's fields.
            #[allow(clippy::too_many_arguments)]
            pub(super) fn render<'a>(
                locale: Locale,
                frame: &'a Frame<'a>,
                $($field: $ty),*
            ) -> Result<RenderedMail, RenderError> {
                match locale {
                    Locale::ZhCn => assemble(
                        MailKind::$kind,
                        ($subject_zh, SubjectZh { frame, $($field),* }.render()),
                        ($text_zh, TextZh { frame, $($field),* }.render()),
                        ($html_zh, HtmlZh { frame, $($field),* }.render()),
                    ),
                    Locale::En => assemble(
                        MailKind::$kind,
                        ($subject_en, SubjectEn { frame, $($field),* }.render()),
                        ($text_en, TextEn { frame, $($field),* }.render()),
                        ($html_en, HtmlEn { frame, $($field),* }.render()),
                    ),
                }
            }
        }
    )*};
    (@struct $name:ident, $path:literal, $escape:literal, $($field:ident : $ty:ty),*) => {
        // Every file of a kind gets every field; a subject line shows only a few of them.
        #[allow(dead_code)]
        #[derive(Template)]
        #[template(path = $path, escape = $escape)]
        struct $name<'a> {
            frame: &'a Frame<'a>,
            $($field: $ty,)*
        }
    };
}

mail_templates! {
    verify_email (VerifyEmail) { display_name: &'a str, link: &'a str }
    zh: [
        "mail/verify_email/subject.zh-CN.txt",
        "mail/verify_email/body.zh-CN.txt",
        "mail/verify_email/body.zh-CN.html"
    ]
    en: [
        "mail/verify_email/subject.en.txt",
        "mail/verify_email/body.en.txt",
        "mail/verify_email/body.en.html"
    ]

    password_reset (PasswordReset) { display_name: &'a str, link: &'a str }
    zh: [
        "mail/password_reset/subject.zh-CN.txt",
        "mail/password_reset/body.zh-CN.txt",
        "mail/password_reset/body.zh-CN.html"
    ]
    en: [
        "mail/password_reset/subject.en.txt",
        "mail/password_reset/body.en.txt",
        "mail/password_reset/body.en.html"
    ]

    password_changed (PasswordChanged) { display_name: &'a str, link: &'a str }
    zh: [
        "mail/password_changed/subject.zh-CN.txt",
        "mail/password_changed/body.zh-CN.txt",
        "mail/password_changed/body.zh-CN.html"
    ]
    en: [
        "mail/password_changed/subject.en.txt",
        "mail/password_changed/body.en.txt",
        "mail/password_changed/body.en.html"
    ]

    login_locked (LoginLocked) { display_name: &'a str, link: &'a str }
    zh: [
        "mail/login_locked/subject.zh-CN.txt",
        "mail/login_locked/body.zh-CN.txt",
        "mail/login_locked/body.zh-CN.html"
    ]
    en: [
        "mail/login_locked/subject.en.txt",
        "mail/login_locked/body.en.txt",
        "mail/login_locked/body.en.html"
    ]

    invitation (Invitation) {
        inviter_name: &'a str,
        organization_name: &'a str,
        link: &'a str,
    }
    zh: [
        "mail/invitation/subject.zh-CN.txt",
        "mail/invitation/body.zh-CN.txt",
        "mail/invitation/body.zh-CN.html"
    ]
    en: [
        "mail/invitation/subject.en.txt",
        "mail/invitation/body.en.txt",
        "mail/invitation/body.en.html"
    ]

    match_approved (MatchApproved) {
        display_name: &'a str,
        need_title: &'a str,
        counterpart_name: &'a str,
        link: &'a str,
    }
    zh: [
        "mail/match_approved/subject.zh-CN.txt",
        "mail/match_approved/body.zh-CN.txt",
        "mail/match_approved/body.zh-CN.html"
    ]
    en: [
        "mail/match_approved/subject.en.txt",
        "mail/match_approved/body.en.txt",
        "mail/match_approved/body.en.html"
    ]

    mutual_interest (MutualInterest) {
        display_name: &'a str,
        need_title: &'a str,
        counterpart_name: &'a str,
        link: &'a str,
    }
    zh: [
        "mail/mutual_interest/subject.zh-CN.txt",
        "mail/mutual_interest/body.zh-CN.txt",
        "mail/mutual_interest/body.zh-CN.html"
    ]
    en: [
        "mail/mutual_interest/subject.en.txt",
        "mail/mutual_interest/body.en.txt",
        "mail/mutual_interest/body.en.html"
    ]

    intention_recorded (IntentionRecorded) {
        display_name: &'a str,
        need_title: &'a str,
        counterpart_name: &'a str,
        link: &'a str,
    }
    zh: [
        "mail/intention_recorded/subject.zh-CN.txt",
        "mail/intention_recorded/body.zh-CN.txt",
        "mail/intention_recorded/body.zh-CN.html"
    ]
    en: [
        "mail/intention_recorded/subject.en.txt",
        "mail/intention_recorded/body.en.txt",
        "mail/intention_recorded/body.en.html"
    ]

    need_changed (NeedChanged) {
        display_name: &'a str,
        need_title: &'a str,
        counterpart_name: &'a str,
        link: &'a str,
    }
    zh: [
        "mail/need_changed/subject.zh-CN.txt",
        "mail/need_changed/body.zh-CN.txt",
        "mail/need_changed/body.zh-CN.html"
    ]
    en: [
        "mail/need_changed/subject.en.txt",
        "mail/need_changed/body.en.txt",
        "mail/need_changed/body.en.html"
    ]

    event_invitation (EventInvitation) {
        display_name: &'a str,
        organization_name: &'a str,
        event_title: &'a str,
        date_label: &'a str,
        place: &'a str,
        link: &'a str,
    }
    zh: [
        "mail/event_invitation/subject.zh-CN.txt",
        "mail/event_invitation/body.zh-CN.txt",
        "mail/event_invitation/body.zh-CN.html"
    ]
    en: [
        "mail/event_invitation/subject.en.txt",
        "mail/event_invitation/body.en.txt",
        "mail/event_invitation/body.en.html"
    ]

    digest (Digest) {
        display_name: &'a str,
        items: &'a [DigestLine<'a>],
        since_label: &'a str,
    }
    zh: [
        "mail/digest/subject.zh-CN.txt",
        "mail/digest/body.zh-CN.txt",
        "mail/digest/body.zh-CN.html"
    ]
    en: [
        "mail/digest/subject.en.txt",
        "mail/digest/body.en.txt",
        "mail/digest/body.en.html"
    ]
}

/// Renders `content` for a reader of `locale`.
///
/// `public_url` is the platform's address (shown in the footer); `unsubscribe_url`, when given,
/// adds the unsubscribe line to the footer (notification mail only, never security mail).
///
/// # Errors
/// A link that is not an absolute http(s) URL, or a template that fails to render.
pub fn render(
    content: &MailContent,
    locale: Locale,
    public_url: &str,
    unsubscribe_url: Option<&str>,
) -> Result<RenderedMail, RenderError> {
    let kind = content.kind();
    let checked = |url: &str, what: &'static str| {
        is_web_url(url)
            .then_some(())
            .ok_or(RenderError::Url { kind, what })
    };
    checked(public_url, "public URL")?;
    if let Some(url) = unsubscribe_url {
        checked(url, "unsubscribe URL")?;
    }
    if let Some(link) = content.link() {
        checked(link, "link")?;
    }
    let frame = Frame {
        english: locale == Locale::En,
        lang: locale.tag(),
        public_url: public_url.trim_end_matches('/'),
        unsubscribe_url,
    };
    let frame = &frame;
    match content {
        MailContent::VerifyEmail { display_name, link } => {
            verify_email::render(locale, frame, display_name, link)
        }
        MailContent::PasswordReset { display_name, link } => {
            password_reset::render(locale, frame, display_name, link)
        }
        MailContent::PasswordChanged { display_name, link } => {
            password_changed::render(locale, frame, display_name, link)
        }
        MailContent::LoginLocked { display_name, link } => {
            login_locked::render(locale, frame, display_name, link)
        }
        MailContent::Invitation {
            inviter_name,
            organization_name,
            link,
        } => invitation::render(locale, frame, inviter_name, organization_name, link),
        MailContent::MatchApproved {
            display_name,
            need_title,
            counterpart_name,
            link,
        } => match_approved::render(
            locale,
            frame,
            display_name,
            need_title,
            counterpart_name,
            link,
        ),
        MailContent::MutualInterest {
            display_name,
            need_title,
            counterpart_name,
            link,
        } => mutual_interest::render(
            locale,
            frame,
            display_name,
            need_title,
            counterpart_name,
            link,
        ),
        MailContent::IntentionRecorded {
            display_name,
            need_title,
            counterpart_name,
            link,
        } => intention_recorded::render(
            locale,
            frame,
            display_name,
            need_title,
            counterpart_name,
            link,
        ),
        MailContent::NeedChanged {
            display_name,
            need_title,
            counterpart_name,
            link,
        } => need_changed::render(
            locale,
            frame,
            display_name,
            need_title,
            counterpart_name,
            link,
        ),
        MailContent::EventInvitation {
            display_name,
            organization_name,
            event_title,
            date_label,
            place,
            link,
        } => event_invitation::render(
            locale,
            frame,
            display_name,
            organization_name,
            event_title,
            date_label,
            place,
            link,
        ),
        MailContent::Digest {
            display_name,
            items,
            since_label,
        } => {
            let lines: Vec<DigestLine<'_>> = items.iter().map(digest_line).collect();
            digest::render(locale, frame, display_name, &lines, since_label)
        }
    }
}

fn digest_line(item: &DigestItem) -> DigestLine<'_> {
    DigestLine {
        // A notification's title is the subject of the mail it would have been: the brand
        // prefix says nothing inside a mail that already carries it.
        title: strip_brand(&item.title),
        body: &item.body,
        // An old or odd link is dropped rather than failing the whole day's digest.
        link: Some(item.link.as_str()).filter(|l| is_web_url(l)),
    }
}

fn strip_brand(title: &str) -> &str {
    ["【配套】", "[Peitao] "]
        .iter()
        .find_map(|prefix| title.strip_prefix(prefix))
        .unwrap_or(title)
        .trim()
}

/// An absolute http(s) URL that is safe inside an HTML attribute and a plain-text line.
fn is_web_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !url.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`')
            })
    })
}

type Part = (&'static str, askama::Result<String>);

fn assemble(
    kind: MailKind,
    subject: Part,
    text: Part,
    html: Part,
) -> Result<RenderedMail, RenderError> {
    let done = |(file, result): Part| {
        result.map_err(|source| RenderError::Template { kind, file, source })
    };
    Ok(RenderedMail {
        subject: one_line(&done(subject)?),
        text: tidy_text(&done(text)?),
        html: done(html)?.trim().to_owned() + "\n",
    })
}

/// Subjects are one line whatever a user typed into a title: every run of whitespace (newlines
/// included) becomes one space.
fn one_line(subject: &str) -> String {
    subject.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text as a person would type it: no trailing spaces (except in the `-- ` signature
/// separator), at most one blank line in a row, no blank lines at either end.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = if line == "-- " { line } else { line.trim_end() };
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() && blank_run > 0 {
            out.push('\n');
        }
        blank_run = 0;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://peitao.example.cn";
    const UNSUBSCRIBE: &str = "https://peitao.example.cn/unsubscribe?token=abc.def&x=1";

    fn samples(name: &str, company: &str, title: &str) -> Vec<MailContent> {
        let link = |path: &str| format!("{PUBLIC}{path}");
        vec![
            MailContent::VerifyEmail {
                display_name: name.into(),
                link: link("/verify-email?token=t1"),
            },
            MailContent::PasswordReset {
                display_name: name.into(),
                link: link("/reset-password?token=t2"),
            },
            MailContent::PasswordChanged {
                display_name: name.into(),
                link: link("/forgot-password"),
            },
            MailContent::LoginLocked {
                display_name: name.into(),
                link: link("/forgot-password"),
            },
            MailContent::Invitation {
                inviter_name: name.into(),
                organization_name: company.into(),
                link: link("/invitations/accept?token=t3"),
            },
            MailContent::MatchApproved {
                display_name: name.into(),
                need_title: title.into(),
                counterpart_name: company.into(),
                link: link("/matches/1"),
            },
            MailContent::MutualInterest {
                display_name: name.into(),
                need_title: title.into(),
                counterpart_name: company.into(),
                link: link("/matches/2"),
            },
            MailContent::IntentionRecorded {
                display_name: name.into(),
                need_title: title.into(),
                counterpart_name: company.into(),
                link: link("/matches/3"),
            },
            MailContent::NeedChanged {
                display_name: name.into(),
                need_title: title.into(),
                counterpart_name: company.into(),
                link: link("/needs/5"),
            },
            MailContent::EventInvitation {
                display_name: name.into(),
                organization_name: company.into(),
                event_title: title.into(),
                date_label: "2027-03-15".into(),
                place: company.into(),
                link: link("/events/6"),
            },
            MailContent::Digest {
                display_name: name.into(),
                items: vec![
                    DigestItem {
                        title: format!("[Peitao] New approved match: {title}"),
                        body: format!("A match with {company} was approved."),
                        link: link("/matches/4"),
                    },
                    DigestItem {
                        title: "Second".into(),
                        body: format!("About {company}"),
                        link: String::new(),
                    },
                ],
                since_label: "2026-11-25".into(),
            },
        ]
    }

    fn has_chinese(s: &str) -> bool {
        s.chars().any(|c| {
            matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
        })
    }

    #[test]
    fn every_kind_renders_in_both_languages() {
        let contents = samples("张伟", "渝新零部件有限公司", "电驱动总成年采购 12 万套");
        let kinds: Vec<MailKind> = contents.iter().map(MailContent::kind).collect();
        assert_eq!(kinds, MailKind::ALL, "one sample per kind");
        for content in &contents {
            for locale in Locale::ALL {
                let unsubscribe = (!content.kind().is_security()).then_some(UNSUBSCRIBE);
                let mail = render(content, locale, PUBLIC, unsubscribe).unwrap();
                let what = format!("{} in {locale}", content.kind());
                assert!(!mail.subject.is_empty(), "{what}");
                assert!(!mail.subject.contains('\n'), "{what}");
                assert!(!mail.text.trim().is_empty(), "{what}");
                assert!(
                    mail.text.ends_with('\n') && !mail.text.ends_with("\n\n"),
                    "{what}"
                );
                assert!(
                    mail.html.starts_with("<!DOCTYPE html>"),
                    "{what}: {}",
                    mail.html
                );
                assert!(
                    mail.html.contains(&format!("lang=\"{}\"", locale.tag())),
                    "{what}"
                );
                assert!(
                    mail.text.contains(PUBLIC) && mail.html.contains(PUBLIC),
                    "{what}"
                );
                if let Some(link) = content.link() {
                    // Verbatim in the text (people copy it), escaped in the HTML attribute.
                    assert!(mail.text.contains(link), "{what}");
                    assert!(mail.html.contains(&format!("href=\"{link}\"")), "{what}");
                }
                if locale == Locale::ZhCn {
                    assert!(
                        mail.subject.starts_with("【配套】"),
                        "{what}: {}",
                        mail.subject
                    );
                } else {
                    assert!(
                        mail.subject.starts_with("[Peitao] "),
                        "{what}: {}",
                        mail.subject
                    );
                }
            }
        }
    }

    #[test]
    fn english_mail_has_no_chinese_but_the_product_name() {
        for content in samples(
            "Zhang Wei",
            "Acme Motors",
            "E-drive assemblies, 120k a year",
        ) {
            let mail = render(&content, Locale::En, PUBLIC, Some(UNSUBSCRIBE)).unwrap();
            for (part, text) in [
                ("subject", &mail.subject),
                ("text", &mail.text),
                ("html", &mail.html),
            ] {
                let without_name = text.replace("配套", "");
                assert!(
                    !has_chinese(&without_name),
                    "{} {part} has Chinese:\n{text}",
                    content.kind()
                );
            }
        }
    }

    #[test]
    fn chinese_mail_reads_chinese() {
        for content in samples("张伟", "渝新零部件", "电驱动总成") {
            let mail = render(&content, Locale::ZhCn, PUBLIC, None).unwrap();
            assert!(mail.text.contains("您好"), "{}", mail.text);
            assert!(mail.html.contains("您好"), "{}", mail.html);
        }
    }

    #[test]
    fn html_escapes_user_text_while_plain_text_keeps_it() {
        let hostile = "<script>alert(1)</script> & \"Co\"";
        for content in samples(hostile, hostile, hostile) {
            for locale in Locale::ALL {
                let mail = render(&content, locale, PUBLIC, Some(UNSUBSCRIBE)).unwrap();
                let what = format!("{} in {locale}", content.kind());
                assert!(!mail.html.contains("<script>"), "{what}: {}", mail.html);
                // askama writes numeric character references.
                assert!(
                    mail.html
                        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
                    "{what}"
                );
                assert!(mail.text.contains(hostile), "{what}: {}", mail.text);
                // Subjects are plain text too; these name the other side or the need.
                let names_someone = matches!(
                    content.kind(),
                    MailKind::Invitation
                        | MailKind::MatchApproved
                        | MailKind::MutualInterest
                        | MailKind::IntentionRecorded
                        | MailKind::NeedChanged
                        | MailKind::EventInvitation
                );
                if names_someone {
                    assert!(mail.subject.contains(hostile), "{what}: {}", mail.subject);
                }
            }
        }
    }

    #[test]
    fn the_unsubscribe_link_appears_only_when_given() {
        for content in samples("张伟", "渝新零部件", "电驱动总成") {
            for locale in Locale::ALL {
                let with = render(&content, locale, PUBLIC, Some(UNSUBSCRIBE)).unwrap();
                assert!(with.text.contains(UNSUBSCRIBE));
                assert!(with.html.contains(
                    "href=\"https://peitao.example.cn/unsubscribe?token=abc.def&#38;x=1\""
                ));
                let without = render(&content, locale, PUBLIC, None).unwrap();
                assert!(!without.text.contains("/unsubscribe"), "{}", without.text);
                assert!(!without.html.contains("/unsubscribe"));
                assert!(!without.text.contains("退订") && !without.text.contains("Unsubscribe"));
            }
        }
    }

    #[test]
    fn the_digest_lists_every_item_without_the_brand_prefix() {
        let contents = samples("Zhang Wei", "Acme Motors", "Seats");
        let digest = contents.last().unwrap();
        let mail = render(digest, Locale::En, PUBLIC, Some(UNSUBSCRIBE)).unwrap();
        assert_eq!(
            mail.subject,
            "[Peitao] Daily summary for 2026-11-25: 2 new notifications"
        );
        assert!(
            mail.text.contains("1. New approved match: Seats\n"),
            "{}",
            mail.text
        );
        assert!(
            mail.text.contains("2. Second\n   About Acme Motors\n"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains(&format!("{PUBLIC}/matches/4")));
        assert_eq!(
            mail.html.matches("View details").count(),
            1,
            "the empty link is left out"
        );
        let zh = render(digest, Locale::ZhCn, PUBLIC, None).unwrap();
        assert_eq!(zh.subject, "【配套】每日通知汇总（2026-11-25）：2 条新通知");
    }

    #[test]
    fn links_must_be_absolute_web_urls() {
        let bad = MailContent::VerifyEmail {
            display_name: "x".into(),
            link: "javascript:alert(1)".into(),
        };
        let err = render(&bad, Locale::ZhCn, PUBLIC, None).unwrap_err();
        assert!(
            matches!(err, RenderError::Url { what: "link", .. }),
            "{err}"
        );
        let quoted = MailContent::VerifyEmail {
            display_name: "x".into(),
            link: "https://a.example/\"onmouseover=x".into(),
        };
        assert!(render(&quoted, Locale::En, PUBLIC, None).is_err());
        let fine = MailContent::VerifyEmail {
            display_name: "x".into(),
            link: "http://127.0.0.1:8080/verify-email?token=a".into(),
        };
        assert!(render(&fine, Locale::En, "http://127.0.0.1:8080/", None).is_ok());
        assert!(render(&fine, Locale::En, "/relative", None).is_err());
        assert!(render(&fine, Locale::En, PUBLIC, Some("mailto:x@y")).is_err());
    }

    #[test]
    fn subjects_stay_on_one_line() {
        let content = MailContent::MatchApproved {
            display_name: "x".into(),
            need_title: "座椅\r\n总成\t采购".into(),
            counterpart_name: "y".into(),
            link: format!("{PUBLIC}/m"),
        };
        let mail = render(&content, Locale::ZhCn, PUBLIC, None).unwrap();
        assert_eq!(mail.subject, "【配套】新匹配已通过审核：座椅 总成 采购");
    }

    #[test]
    fn plain_text_is_tidy() {
        assert_eq!(
            tidy_text("\n\na  \n\n\n\nb\n-- \nc\n\n"),
            "a\n\nb\n-- \nc\n"
        );
    }
}
