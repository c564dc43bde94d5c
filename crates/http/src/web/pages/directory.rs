//! The public directory (companies, capabilities, needs) with its filters and search box, and a
//! company's profile. Both read through the same services as the JSON API: what a visitor may see,
//! the ranking, the paging and the refusals are theirs.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use peitao_domain::Locale;
use serde::Deserialize;
use uuid::Uuid;

use super::catalog::{self, Opt};
use super::catalog_words::{DirectoryWords, PostingWords, ProfileWords};
use super::form::Notice;
use super::{Visit, or_answer, render};
use crate::AppState;
use crate::api::page::PageQuery;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::{capabilities, needs, organizations};
use crate::web::layout::Chrome;

/// The directory's query string: which list, its filters, the search words and the cursor.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DirectoryForm {
    show: String,
    q: String,
    kind: String,
    category: String,
    region: String,
    zone: String,
    certification: String,
    verified: String,
    status: String,
    cursor: String,
}

/// A badge next to a result's title.
pub struct Badge {
    pub label: String,
    /// `badge-verified`, `badge-warning`, or empty.
    pub class: &'static str,
}

/// One result: a title linking somewhere, badges, a line of facts and a short text.
pub struct Item {
    pub href: String,
    pub title: String,
    pub badges: Vec<Badge>,
    pub meta: Vec<String>,
    pub text: String,
}

/// A tab of the directory.
pub struct Tab {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "directory/list.html")]
struct DirectoryPage {
    chrome: Chrome,
    w: &'static DirectoryWords,
    show: &'static str,
    tabs: Vec<Tab>,
    q: String,
    kinds: Vec<Opt>,
    categories: Vec<Opt>,
    regions: Vec<Opt>,
    zones: Vec<Opt>,
    certifications: Vec<Opt>,
    verified: Vec<Opt>,
    statuses: Vec<Opt>,
    notices: Vec<Notice>,
    items: Vec<Item>,
    searching: bool,
    /// A filter is set: the filters start unfolded.
    filtering: bool,
    next: Option<String>,
}

fn opt(value: &str, label: &str, current: &str) -> Opt {
    Opt {
        value: value.to_owned(),
        label: label.to_owned(),
        selected: value == current,
    }
}

/// Provinces, with the chosen province's cities indented beneath it.
fn region_filter(state: &AppState, selected: &str) -> Vec<Opt> {
    let [province, _, _] = catalog::region_levels(state, selected);
    let mut out = Vec::new();
    for p in catalog::region_options(state, None, selected) {
        let open = p.value == province;
        let code = p.value.clone();
        out.push(p);
        if open {
            out.extend(
                catalog::region_options(state, Some(&code), selected)
                    .into_iter()
                    .map(|c| Opt {
                        label: format!("\u{3000}{}", c.label),
                        ..c
                    }),
            );
        }
    }
    out
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The same query with another cursor: the "next page" link.
fn next_link(form: &DirectoryForm, show: &str, cursor: &str) -> String {
    let pairs = [
        ("show", show),
        ("q", form.q.as_str()),
        ("kind", form.kind.as_str()),
        ("category", form.category.as_str()),
        ("region", form.region.as_str()),
        ("zone", form.zone.as_str()),
        ("certification", form.certification.as_str()),
        ("verified", form.verified.as_str()),
        ("status", form.status.as_str()),
        ("cursor", cursor),
    ];
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("/directory?{}", query.join("&"))
}

/// The first characters of a long text, on one line.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max).collect();
    cut.push('…');
    cut
}

fn some(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn verified_badge(w: &DirectoryWords, verified: bool) -> Badge {
    if verified {
        Badge {
            label: w.verified_badge.to_owned(),
            class: "badge-verified",
        }
    } else {
        Badge {
            label: w.unverified_badge.to_owned(),
            class: "badge-warning",
        }
    }
}

type Listing = (Vec<Item>, Option<String>);

async fn organizations_page(
    state: &AppState,
    locale: Locale,
    form: &DirectoryForm,
) -> Result<Listing, ApiError> {
    let w = DirectoryWords::for_locale(locale);
    let query = organizations::DirectoryQuery {
        kind: some(&form.kind),
        category: some(&form.category),
        region: some(&form.region),
        zone: some(&form.zone),
        certification: some(&form.certification),
        verified: some(&form.verified),
        q: some(&form.q),
        limit: None,
        cursor: some(&form.cursor),
    };
    let found = organizations::directory(state, &query).await?;
    let items = found
        .page
        .items
        .iter()
        .map(|o| {
            let mut badges = vec![verified_badge(w, o.verified_at.is_some())];
            badges.extend(
                found
                    .certifications
                    .iter()
                    .filter(|c| c.organization_id == o.id)
                    .map(|c| Badge {
                        label: c.certification_code.clone(),
                        class: "",
                    }),
            );
            let kind = if o.kind == "oem" {
                w.kind_oem
            } else {
                w.kind_supplier
            };
            Item {
                href: format!("/organizations/{}", o.id),
                title: o.name.clone(),
                badges,
                meta: vec![kind.to_owned(), catalog::region_name(state, &o.region_code)],
                text: excerpt(o.description.as_deref().unwrap_or_default(), 140),
            }
        })
        .collect();
    Ok((items, found.page.next_cursor))
}

async fn capabilities_page(
    state: &AppState,
    viewer: Option<&AuthUser>,
    locale: Locale,
    form: &DirectoryForm,
) -> Result<Listing, ApiError> {
    let w = DirectoryWords::for_locale(locale);
    let query = capabilities::ListQuery {
        organization: None,
        category: some(&form.category),
        region: some(&form.region),
        zone: some(&form.zone),
        certification: some(&form.certification),
        verified: some(&form.verified),
        status: None,
        q: some(&form.q),
        limit: None,
        cursor: some(&form.cursor),
    };
    let page = capabilities::list(state, viewer, &query).await?;
    let items = page
        .items
        .iter()
        .map(|l| {
            let c = &l.capability;
            let mut meta = vec![
                catalog::category_name(state, locale, &c.category_code),
                format!("{}{}", w.by, l.organization.name),
                catalog::region_name(state, &l.organization.region_code),
            ];
            if let Some(n) = c.annual_capacity {
                meta.push(format!(
                    "{}{n} {}",
                    w.capacity,
                    c.unit.as_deref().unwrap_or_default()
                ));
            }
            if let Some(days) = c.lead_time_days {
                meta.push(format!("{}{days}", w.lead_time));
            }
            Item {
                href: format!("/organizations/{}", l.organization.id),
                title: c.title.clone(),
                badges: vec![verified_badge(w, l.organization.verified_at.is_some())],
                meta,
                text: excerpt(&c.description, 140),
            }
        })
        .collect();
    Ok((items, page.next_cursor))
}

async fn needs_page(
    state: &AppState,
    viewer: Option<&AuthUser>,
    locale: Locale,
    form: &DirectoryForm,
) -> Result<Listing, ApiError> {
    let w = DirectoryWords::for_locale(locale);
    let query = needs::NeedQuery {
        organization: None,
        category: some(&form.category),
        region: some(&form.region),
        zone: some(&form.zone),
        certification: some(&form.certification),
        status: some(&form.status),
        q: some(&form.q),
    };
    let paging = PageQuery {
        limit: None,
        cursor: some(&form.cursor),
    };
    let page = needs::list(state, viewer, &query, paging).await?;
    let items = page
        .items
        .iter()
        .map(|v| {
            let n = &v.row.need;
            let mut meta = vec![
                catalog::category_name(state, locale, &n.category_code),
                format!("{}{}", w.by, v.row.organization.name),
                format!(
                    "{}{}",
                    w.delivery,
                    catalog::region_name(state, &n.delivery_region_code)
                ),
            ];
            if let Some(volume) = n.annual_volume {
                meta.push(format!(
                    "{}{volume} {}",
                    w.volume,
                    n.unit.as_deref().unwrap_or_default()
                ));
            }
            if let Some(date) = n.respond_by {
                meta.push(format!("{}{date}", w.respond_by));
            }
            Item {
                href: format!("/organizations/{}", v.row.organization.id),
                title: n.title.clone(),
                badges: vec![verified_badge(w, v.row.organization.verified_at.is_some())],
                meta,
                text: excerpt(&n.description, 140),
            }
        })
        .collect();
    Ok((items, page.next_cursor))
}

/// GET /directory — `show=organizations|capabilities|needs` with the API's filters and `q`.
pub async fn directory(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Query<DirectoryForm>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    let form = form.into_inner();
    let locale = visit.locale;
    let w = DirectoryWords::for_locale(locale);
    let show = match form.show.as_str() {
        "capabilities" => "capabilities",
        "needs" => "needs",
        _ => "organizations",
    };
    let viewer = visit.user.as_ref().map(|u| &u.auth);
    let listed = match show {
        "capabilities" => capabilities_page(&state, viewer, locale, &form).await,
        "needs" => needs_page(&state, viewer, locale, &form).await,
        _ => organizations_page(&state, locale, &form).await,
    };
    let (status, notices, items, next) = match listed {
        Ok((items, next)) => (StatusCode::OK, Vec::new(), items, next),
        Err(ApiError::Validation(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .iter()
                .map(|e| Notice::new("error", e.message.get(locale)))
                .collect(),
            Vec::new(),
            None,
        ),
        Err(err) => return visit.error(&err),
    };
    let tabs = [
        ("organizations", "/directory", w.tab_organizations),
        (
            "capabilities",
            "/directory?show=capabilities",
            w.tab_capabilities,
        ),
        ("needs", "/directory?show=needs", w.tab_needs),
    ]
    .into_iter()
    .map(|(name, href, label)| Tab {
        href,
        label,
        current: name == show,
    })
    .collect();
    let pw = PostingWords::for_locale(locale);
    let mut kinds = vec![opt("", w.any, &form.kind)];
    kinds.push(opt("supplier", w.kind_supplier, &form.kind));
    kinds.push(opt("oem", w.kind_oem, &form.kind));
    let page = DirectoryPage {
        chrome: visit.chrome(),
        w,
        show,
        tabs,
        q: form.q.clone(),
        kinds,
        categories: catalog::category_options(&state, locale, &form.category),
        regions: region_filter(&state, &form.region),
        zones: catalog::zone_options(&state, locale, &form.zone),
        certifications: catalog::certification_options(
            &state,
            locale,
            std::slice::from_ref(&form.certification),
        ),
        verified: vec![
            opt("", w.any, &form.verified),
            opt("true", w.verified_yes, &form.verified),
            opt("false", w.verified_no, &form.verified),
        ],
        statuses: vec![
            opt("", w.any, &form.status),
            opt("open", pw.open, &form.status),
            opt("closed", pw.closed, &form.status),
            opt("expired", pw.expired, &form.status),
        ],
        notices,
        items,
        searching: !form.q.trim().is_empty(),
        filtering: [
            &form.kind,
            &form.category,
            &form.region,
            &form.zone,
            &form.certification,
            &form.verified,
            &form.status,
        ]
        .iter()
        .any(|v| !v.trim().is_empty()),
        next: next.map(|cursor| next_link(&form, show, &cursor)),
    };
    render(status, locale, &page)
}

/// A held certification as the profile lists it.
pub struct HeldView {
    pub name: String,
    pub expires_on: String,
    pub expired: bool,
}

#[derive(Template)]
#[template(path = "directory/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    w: &'static ProfileWords,
    name: String,
    name_en: Option<String>,
    kind: &'static str,
    verified: bool,
    suspended: bool,
    suspension_reason: Option<String>,
    region: String,
    size: Option<&'static str>,
    founded: Option<i32>,
    credit_code: String,
    website: Option<String>,
    description: Option<String>,
    certifications: Vec<HeldView>,
    plants: Vec<String>,
    show_contact: bool,
    address: Option<String>,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    capabilities: Vec<Item>,
    needs: Vec<Item>,
    supplier: bool,
}

/// GET /organizations/{id} — the profile as the service lets this visitor see it.
pub async fn profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    let visit = or_answer!(Visit::start(&req, &state).await);
    let id = id.into_inner();
    let locale = visit.locale;
    let w = ProfileWords::for_locale(locale);
    let viewer = visit.user.as_ref().map(|u| &u.auth);
    let profile = match organizations::profile(&state, viewer, id).await {
        Ok(p) => p,
        Err(err) => return visit.error(&err),
    };
    let org = &profile.organization;
    let supplier = org.kind != "oem";
    // The published capabilities or open needs, through the same lists the directory uses.
    let postings = if supplier {
        let query = capabilities::ListQuery {
            organization: Some(id.to_string()),
            limit: Some("100".into()),
            ..Default::default()
        };
        capabilities::list(&state, viewer, &query)
            .await
            .map(|page| {
                page.items
                    .iter()
                    .map(|l| Item {
                        href: String::new(),
                        title: l.capability.title.clone(),
                        badges: Vec::new(),
                        meta: vec![catalog::category_name(
                            &state,
                            locale,
                            &l.capability.category_code,
                        )],
                        text: excerpt(&l.capability.description, 300),
                    })
                    .collect::<Vec<_>>()
            })
    } else {
        let query = needs::NeedQuery {
            organization: Some(id.to_string()),
            ..Default::default()
        };
        let paging = PageQuery {
            limit: Some("100".into()),
            cursor: None,
        };
        needs::list(&state, viewer, &query, paging)
            .await
            .map(|page| {
                let dw = DirectoryWords::for_locale(locale);
                page.items
                    .iter()
                    .map(|v| {
                        let n = &v.row.need;
                        let mut meta = vec![
                            catalog::category_name(&state, locale, &n.category_code),
                            format!(
                                "{}{}",
                                dw.delivery,
                                catalog::region_name(&state, &n.delivery_region_code)
                            ),
                        ];
                        if let Some(date) = n.respond_by {
                            meta.push(format!("{}{date}", dw.respond_by));
                        }
                        Item {
                            href: String::new(),
                            title: n.title.clone(),
                            badges: Vec::new(),
                            meta,
                            text: excerpt(&n.description, 300),
                        }
                    })
                    .collect::<Vec<_>>()
            })
    };
    let postings = match postings {
        Ok(items) => items,
        Err(err) => return visit.error(&err),
    };
    let (capabilities, needs) = if supplier {
        (postings, Vec::new())
    } else {
        (Vec::new(), postings)
    };
    let description = match locale {
        Locale::En => org
            .description_en
            .clone()
            .or_else(|| org.description.clone()),
        Locale::ZhCn => org.description.clone(),
    };
    let page = ProfilePage {
        chrome: visit.chrome(),
        w,
        name: org.name.clone(),
        name_en: org.name_en.clone().filter(|n| !n.is_empty()),
        kind: if supplier {
            w.kind_supplier
        } else {
            w.kind_oem
        },
        verified: org.verified_at.is_some(),
        suspended: org.suspended_at.is_some(),
        suspension_reason: org
            .suspension_reason
            .clone()
            .filter(|_| profile.insider && org.suspended_at.is_some()),
        region: catalog::region_name(&state, &org.region_code),
        size: org.size.as_deref().map(|s| match s {
            "small" => w.size_small,
            "medium" => w.size_medium,
            _ => w.size_large,
        }),
        founded: org.founded_year,
        credit_code: org.credit_code.clone(),
        website: org.website.clone(),
        description,
        certifications: profile
            .certifications
            .iter()
            .map(|c| HeldView {
                name: catalog::certification_name(&state, locale, &c.certification_code),
                expires_on: c.expires_on.to_string(),
                expired: c.expires_on < profile.today,
            })
            .collect(),
        plants: profile
            .plants
            .iter()
            .map(|p| {
                format!(
                    "{}（{}）",
                    p.name,
                    catalog::region_name(&state, &p.region_code)
                )
            })
            .collect(),
        show_contact: profile.show_contact,
        address: org.address.clone(),
        contact_email: org.contact_email.clone().filter(|_| profile.show_contact),
        contact_phone: org.contact_phone.clone().filter(|_| profile.show_contact),
        capabilities,
        needs,
        supplier,
    };
    render(StatusCode::OK, locale, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_filters_and_encodes_them() {
        let form = DirectoryForm {
            q: "电池 & 壳体".into(),
            region: "500000".into(),
            cursor: "old".into(),
            ..Default::default()
        };
        assert_eq!(
            next_link(&form, "capabilities", "abc=="),
            "/directory?show=capabilities&q=%E7%94%B5%E6%B1%A0%20%26%20%E5%A3%B3%E4%BD%93&region=500000&cursor=abc%3D%3D"
        );
    }

    #[test]
    fn excerpts_are_one_line_and_cut_by_characters() {
        assert_eq!(excerpt("铝合金\n\n压铸  壳体", 20), "铝合金 压铸 壳体");
        assert_eq!(excerpt("一二三四五", 3), "一二三…");
    }
}
