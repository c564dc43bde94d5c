//! What a mail says, typed: one variant per mail the platform sends, carrying exactly what its
//! templates show. Rendering lives in `render`, delivery in `transport`.

use peitao_domain::Locale;
use serde::{Deserialize, Serialize};

/// One mail the platform sends, with the values its templates show.
///
/// Every string is a user-visible value (names, titles) or an absolute URL built by the caller;
/// templates escape the values for HTML and leave the plain-text part verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailContent {
    /// Confirms a new address; the link is valid for 24 hours.
    VerifyEmail { display_name: String, link: String },
    /// Sets a new password; the link is valid for 1 hour.
    PasswordReset { display_name: String, link: String },
    /// Says the password was just changed (by the owner, or by a reset); the link leads to the
    /// reset page for someone who did not make the change.
    PasswordChanged { display_name: String, link: String },
    /// Says that logins to the account were paused after too many wrong passwords; the link
    /// leads to the reset page.
    LoginLocked { display_name: String, link: String },
    /// Invites someone to join an organization on the platform.
    Invitation {
        inviter_name: String,
        organization_name: String,
        link: String,
    },
    /// Staff approved a match between a need and a capability.
    MatchApproved {
        display_name: String,
        need_title: String,
        counterpart_name: String,
        link: String,
    },
    /// Both sides said they are interested: contacts are now visible to both.
    MutualInterest {
        display_name: String,
        need_title: String,
        counterpart_name: String,
        link: String,
    },
    /// The other side recorded a cooperation intention (合作意向).
    IntentionRecorded {
        display_name: String,
        need_title: String,
        counterpart_name: String,
        link: String,
    },
    /// The OEM changed a need on which the reader holds an approved match.
    NeedChanged {
        display_name: String,
        need_title: String,
        counterpart_name: String,
        link: String,
    },
    /// Staff invited the reader's organization to a docking event (线下对接活动).
    EventInvitation {
        display_name: String,
        organization_name: String,
        event_title: String,
        /// The day, as the reader should see it (`2027-03-15`).
        date_label: String,
        place: String,
        link: String,
    },
    /// The daily digest of notifications for someone who chose daily mail.
    Digest {
        display_name: String,
        items: Vec<DigestItem>,
        /// The day the digest covers, as the reader should see it (e.g. `2026-11-25`).
        since_label: String,
    },
}

/// One notification inside a daily digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestItem {
    pub title: String,
    pub body: String,
    /// An absolute URL, or empty when the notification points nowhere.
    pub link: String,
}

/// Which mail a [`MailContent`] is, as a stable word for outbox rows, metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    VerifyEmail,
    PasswordReset,
    PasswordChanged,
    LoginLocked,
    Invitation,
    MatchApproved,
    MutualInterest,
    IntentionRecorded,
    NeedChanged,
    EventInvitation,
    Digest,
}

impl MailKind {
    pub const ALL: [MailKind; 11] = [
        MailKind::VerifyEmail,
        MailKind::PasswordReset,
        MailKind::PasswordChanged,
        MailKind::LoginLocked,
        MailKind::Invitation,
        MailKind::MatchApproved,
        MailKind::MutualInterest,
        MailKind::IntentionRecorded,
        MailKind::NeedChanged,
        MailKind::EventInvitation,
        MailKind::Digest,
    ];

    /// The stable snake_case word; also the template folder name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::VerifyEmail => "verify_email",
            MailKind::PasswordReset => "password_reset",
            MailKind::PasswordChanged => "password_changed",
            MailKind::LoginLocked => "login_locked",
            MailKind::Invitation => "invitation",
            MailKind::MatchApproved => "match_approved",
            MailKind::MutualInterest => "mutual_interest",
            MailKind::IntentionRecorded => "intention_recorded",
            MailKind::NeedChanged => "need_changed",
            MailKind::EventInvitation => "event_invitation",
            MailKind::Digest => "digest",
        }
    }

    /// Reads a word written by [`MailKind::as_str`].
    #[must_use]
    pub fn parse(word: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == word)
    }

    /// Mail about the account itself: sent whatever the user's email-frequency preference,
    /// never gathered into a digest, and without a List-Unsubscribe header (one cannot opt out
    /// of being able to log in).
    #[must_use]
    pub fn is_security(self) -> bool {
        matches!(
            self,
            MailKind::VerifyEmail
                | MailKind::PasswordReset
                | MailKind::PasswordChanged
                | MailKind::LoginLocked
                | MailKind::Invitation
        )
    }
}

impl std::fmt::Display for MailKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl MailContent {
    #[must_use]
    pub fn kind(&self) -> MailKind {
        match self {
            MailContent::VerifyEmail { .. } => MailKind::VerifyEmail,
            MailContent::PasswordReset { .. } => MailKind::PasswordReset,
            MailContent::PasswordChanged { .. } => MailKind::PasswordChanged,
            MailContent::LoginLocked { .. } => MailKind::LoginLocked,
            MailContent::Invitation { .. } => MailKind::Invitation,
            MailContent::MatchApproved { .. } => MailKind::MatchApproved,
            MailContent::MutualInterest { .. } => MailKind::MutualInterest,
            MailContent::IntentionRecorded { .. } => MailKind::IntentionRecorded,
            MailContent::NeedChanged { .. } => MailKind::NeedChanged,
            MailContent::EventInvitation { .. } => MailKind::EventInvitation,
            MailContent::Digest { .. } => MailKind::Digest,
        }
    }

    /// The one place the mail sends its reader to, if any (a digest points to many).
    #[must_use]
    pub fn link(&self) -> Option<&str> {
        match self {
            MailContent::VerifyEmail { link, .. }
            | MailContent::PasswordReset { link, .. }
            | MailContent::PasswordChanged { link, .. }
            | MailContent::LoginLocked { link, .. }
            | MailContent::Invitation { link, .. }
            | MailContent::MatchApproved { link, .. }
            | MailContent::MutualInterest { link, .. }
            | MailContent::IntentionRecorded { link, .. }
            | MailContent::NeedChanged { link, .. }
            | MailContent::EventInvitation { link, .. } => Some(link),
            MailContent::Digest { .. } => None,
        }
    }

    /// One plain-text sentence saying what happened, for the in-app notification list and
    /// for the digest line that later gathers it.
    #[must_use]
    pub fn summary(&self, locale: Locale) -> String {
        match (self, locale) {
            (MailContent::VerifyEmail { .. }, Locale::ZhCn) => {
                "请验证您的邮箱地址，链接 24 小时内有效。".to_owned()
            }
            (MailContent::VerifyEmail { .. }, Locale::En) => {
                "Please verify your email address; the link is valid for 24 hours.".to_owned()
            }
            (MailContent::PasswordReset { .. }, Locale::ZhCn) => {
                "有人申请重置您的密码，链接 1 小时内有效。".to_owned()
            }
            (MailContent::PasswordReset { .. }, Locale::En) => {
                "A password reset was requested; the link is valid for 1 hour.".to_owned()
            }
            (MailContent::PasswordChanged { .. }, Locale::ZhCn) => {
                "您的密码已更改，其他设备上的登录已结束。".to_owned()
            }
            (MailContent::PasswordChanged { .. }, Locale::En) => {
                "Your password was changed and your other sessions were ended.".to_owned()
            }
            (MailContent::LoginLocked { .. }, Locale::ZhCn) => {
                "有人多次用错误的密码尝试登录您的账号，登录已暂停。".to_owned()
            }
            (MailContent::LoginLocked { .. }, Locale::En) => {
                "Someone tried many wrong passwords on your account; logins are paused.".to_owned()
            }
            (
                MailContent::Invitation {
                    inviter_name,
                    organization_name,
                    ..
                },
                Locale::ZhCn,
            ) => format!("{inviter_name}邀请您加入「{organization_name}」。"),
            (
                MailContent::Invitation {
                    inviter_name,
                    organization_name,
                    ..
                },
                Locale::En,
            ) => format!("{inviter_name} invited you to join {organization_name}."),
            (
                MailContent::MatchApproved {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::ZhCn,
            ) => format!("采购需求「{need_title}」：您与{counterpart_name}的匹配已通过审核。"),
            (
                MailContent::MatchApproved {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::En,
            ) => format!("A match with {counterpart_name} for \"{need_title}\" was approved."),
            (
                MailContent::MutualInterest {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::ZhCn,
            ) => format!(
                "您与{counterpart_name}已就「{need_title}」互相表达了合作意向，现在可以查看对方的联系方式。"
            ),
            (
                MailContent::MutualInterest {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::En,
            ) => format!(
                "You and {counterpart_name} are both interested in \"{need_title}\"; \
                 contact details are now visible."
            ),
            (
                MailContent::IntentionRecorded {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::ZhCn,
            ) => format!("{counterpart_name}就「{need_title}」登记了合作意向。"),
            (
                MailContent::IntentionRecorded {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::En,
            ) => {
                format!("{counterpart_name} recorded a cooperation intention for \"{need_title}\".")
            }
            (
                MailContent::NeedChanged {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::ZhCn,
            ) => format!("{counterpart_name}修改了采购需求「{need_title}」。"),
            (
                MailContent::NeedChanged {
                    need_title,
                    counterpart_name,
                    ..
                },
                Locale::En,
            ) => format!("{counterpart_name} changed the need \"{need_title}\"."),
            (
                MailContent::EventInvitation {
                    event_title,
                    date_label,
                    place,
                    ..
                },
                Locale::ZhCn,
            ) => format!("行业协会邀请贵公司参加{date_label}在{place}举办的「{event_title}」。"),
            (
                MailContent::EventInvitation {
                    event_title,
                    date_label,
                    place,
                    ..
                },
                Locale::En,
            ) => format!(
                "The association invites your company to \"{event_title}\" on {date_label} at {place}."
            ),
            (MailContent::Digest { items, .. }, Locale::ZhCn) => {
                format!("您有 {} 条新通知。", items.len())
            }
            (MailContent::Digest { items, .. }, Locale::En) => match items.len() {
                1 => "You have 1 new notification.".to_owned(),
                n => format!("You have {n} new notifications."),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_words_are_stable_and_round_trip() {
        let words: Vec<&str> = MailKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            words,
            [
                "verify_email",
                "password_reset",
                "password_changed",
                "login_locked",
                "invitation",
                "match_approved",
                "mutual_interest",
                "intention_recorded",
                "need_changed",
                "event_invitation",
                "digest"
            ]
        );
        for kind in MailKind::ALL {
            assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(MailKind::parse("newsletter"), None);
    }

    #[test]
    fn only_account_mail_is_security_mail() {
        let security: Vec<MailKind> = MailKind::ALL
            .into_iter()
            .filter(|k| k.is_security())
            .collect();
        assert_eq!(
            security,
            [
                MailKind::VerifyEmail,
                MailKind::PasswordReset,
                MailKind::PasswordChanged,
                MailKind::LoginLocked,
                MailKind::Invitation
            ]
        );
    }

    #[test]
    fn link_and_summary_follow_the_content() {
        let content = MailContent::MatchApproved {
            display_name: "张伟".into(),
            need_title: "电驱动总成".into(),
            counterpart_name: "渝新零部件".into(),
            link: "https://peitao.example.cn/matches/1".into(),
        };
        assert_eq!(content.kind(), MailKind::MatchApproved);
        assert_eq!(content.link(), Some("https://peitao.example.cn/matches/1"));
        assert!(content.summary(Locale::ZhCn).contains("渝新零部件"));
        assert!(content.summary(Locale::En).contains("approved"));
        let digest = MailContent::Digest {
            display_name: "张伟".into(),
            items: Vec::new(),
            since_label: "2026-11-25".into(),
        };
        assert_eq!(digest.link(), None);
        assert_eq!(digest.summary(Locale::En), "You have 0 new notifications.");
    }
}
