//! What a supplier's capability pages and an automaker's need pages share: reading posted forms,
//! the list of one's own postings, and the page for an account that cannot post.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::Visit;
use super::catalog_words::PostingWords;
use super::form::Notice;
use crate::web::layout::Chrome;
use crate::web::session::WebUser;

/// A form as posted: `name=value` pairs, repeated names (checkboxes) included.
pub(super) type Pairs = Vec<(String, String)>;

pub(super) fn one(pairs: &Pairs, name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(super) fn all(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

/// Lines of a textarea, blank ones dropped.
pub(super) fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A number field as the service reads it: absent when blank, a JSON number when it is one,
/// otherwise the text itself, which the service refuses with a message naming the field.
pub(super) fn number(text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(n) => Some(Value::from(n)),
        Err(_) => Some(Value::String(t.to_owned())),
    }
}

pub(super) fn text_or_none(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

pub(super) fn own_organization(me: &WebUser) -> Option<Uuid> {
    me.auth.actor.organization_id.map(|o| o.0)
}

/// One of my postings in a list: title, status, facts and what can be done with it.
pub struct Row {
    pub id: Uuid,
    pub title: String,
    pub status: &'static str,
    pub meta: Vec<String>,
    pub editable: bool,
    /// Can be archived (a capability) or closed (a need).
    pub endable: bool,
}

#[derive(Template)]
#[template(path = "postings/mine.html")]
pub(super) struct MinePage {
    pub(super) chrome: Chrome,
    pub(super) w: &'static PostingWords,
    pub(super) title: &'static str,
    pub(super) new_href: &'static str,
    pub(super) new_label: &'static str,
    /// `capabilities` or `needs`: where the rows' links lead.
    pub(super) base: &'static str,
    pub(super) end_label: &'static str,
    /// `archive` or `close`.
    pub(super) end_action: &'static str,
    pub(super) notices: Vec<Notice>,
    pub(super) csrf_field: &'static str,
    pub(super) csrf_token: String,
    pub(super) rows: Vec<Row>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    saved: Option<String>,
    archived: Option<String>,
    closed: Option<String>,
}

pub(super) fn flash_notices(w: &PostingWords, flash: &Flash) -> Vec<Notice> {
    let mut notices = Vec::new();
    if flash.saved.is_some() {
        notices.push(Notice::new("success", w.saved));
    }
    if flash.archived.is_some() {
        notices.push(Notice::new("success", w.archived_notice));
    }
    if flash.closed.is_some() {
        notices.push(Notice::new("success", w.closed_notice));
    }
    notices
}

/// A page saying this account cannot have such a list or form.
pub(super) fn not_for_you(visit: &Visit<'_>, text: &'static str) -> HttpResponse {
    let c = visit.common();
    visit.message(
        StatusCode::FORBIDDEN,
        c.forbidden_heading,
        vec![text.to_owned()],
        vec![("/directory", visit.chrome().t.directory)],
    )
}
