//! Docking events (线下对接活动): staff create them and invite organizations (by category, by
//! zone, by approved matches, or by name), whose active members are told; organizations register
//! attendance; staff read a per-event report. Every change is audited.

use chrono::{DateTime, Utc};
use peitao_auth::policy::Action;
use peitao_domain::CategoryCode;
use peitao_domain::event::{self, EventForm, InviteBy};
use peitao_domain::ids::OrganizationId;
use peitao_notify::MailContent;
use peitao_persistence::audit;
use peitao_persistence::desk::{self, NewEvent};
use peitao_persistence::entities::{event as event_row, intention, organization, proposal};
use serde_json::{Value, json};
use uuid::Uuid;

use super::accounts::Origin;
use super::mailing::{self, Recipient};
use super::{audit_entry, begin, commit, matching};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};

/// An event with what the caller's organization has to do with it.
#[derive(Debug, Clone)]
pub struct EventView {
    pub event: event_row::Model,
    pub categories: Vec<String>,
    pub invited: usize,
    pub attending: usize,
    /// The caller's organization was invited / is registered (false for staff).
    pub my_invited: bool,
    pub my_attending: bool,
    /// The caller's organization may register (invited or verified, and a member acting).
    pub can_attend: bool,
}

/// Reads an event body: `{title, date, place, zone_code, category_codes: []}`.
///
/// # Errors
/// 422 naming a field of the wrong type.
pub fn event_form(body: &Value) -> Result<EventForm, ApiError> {
    let text = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let category_codes = match body.get("category_codes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_owned())
            .collect(),
        Some(Value::String(s)) => s.split([';', ',']).map(str::to_owned).collect(),
        Some(_) => vec![String::from("?")],
    };
    Ok(EventForm {
        title: text("title"),
        date: text("date"),
        place: text("place"),
        zone_code: text("zone_code"),
        category_codes,
    })
}

fn refused(errors: Vec<(&'static str, peitao_domain::Invalid)>) -> ApiError {
    ApiError::Validation(
        errors
            .into_iter()
            .map(|(f, e)| FieldError::from_invalid(f, &e))
            .collect(),
    )
}

/// Staff create an event.
///
/// # Errors
/// 403 unless staff; 422 bad fields.
pub async fn create(
    state: &AppState,
    caller: &AuthUser,
    form: &EventForm,
    origin: &Origin,
) -> Result<EventView, ApiError> {
    caller.authorize(Action::ManageEvents)?;
    let fields = event::parse(form, &state.reference).map_err(refused)?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let row = desk::create_event(
        &txn,
        NewEvent {
            title: fields.title,
            held_on: fields.date,
            place: fields.place,
            zone_code: fields.zone_code,
            categories: fields
                .categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            created_by: caller.user.id,
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            "event.create",
            "event",
            Some(row.id.to_string()),
            json!({"title": row.title, "date": row.held_on, "place": row.place,
                   "zone": row.zone_code, "categories": row.categories}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    view(state, caller, row).await
}

async fn load(state: &AppState, id: Uuid) -> Result<event_row::Model, ApiError> {
    desk::event(state.db.conn(), id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn organization_verified(state: &AppState, id: Uuid) -> Result<bool, ApiError> {
    Ok(desk::organizations(state.db.conn(), &[id])
        .await?
        .get(&id)
        .is_some_and(|o| o.verified_at.is_some() && o.suspended_at.is_none()))
}

async fn view(
    state: &AppState,
    caller: &AuthUser,
    row: event_row::Model,
) -> Result<EventView, ApiError> {
    let conn = state.db.conn();
    let invited = desk::invited(conn, row.id).await?;
    let attending = desk::attendance(conn, row.id).await?;
    let mine = caller.actor.organization_id.map(|o| o.0);
    let my_invited = mine.is_some_and(|m| invited.iter().any(|i| i.organization_id == m));
    let my_attending = mine.is_some_and(|m| attending.iter().any(|a| a.organization_id == m));
    let can_attend = match mine {
        Some(m) => {
            let eligible = my_invited || organization_verified(state, m).await?;
            caller
                .authorize(Action::AttendEvent {
                    organization_id: OrganizationId(m),
                    eligible,
                })
                .is_ok()
        }
        None => false,
    };
    Ok(EventView {
        categories: desk::event_categories(&row),
        event: row,
        invited: invited.len(),
        attending: attending.len(),
        my_invited,
        my_attending,
        can_attend,
    })
}

/// Every event, upcoming first (soonest first), then past ones (latest first), after the
/// cursor id.
///
/// # Errors
/// 401 anonymous.
pub async fn list(
    state: &AppState,
    caller: &AuthUser,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<EventView>, ApiError> {
    caller.authorize(Action::ViewEvents)?;
    let rows = desk::events(state.db.conn(), matching::today(Utc::now())).await?;
    let start = match after {
        Some(a) => rows
            .iter()
            .position(|r| r.id == a)
            .map_or(rows.len(), |i| i + 1),
        None => 0,
    };
    let mut out = Vec::new();
    for row in rows
        .into_iter()
        .skip(start)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        out.push(view(state, caller, row).await?);
    }
    Ok(out)
}

/// One event.
///
/// # Errors
/// 401 anonymous; 404 unknown.
pub async fn get(state: &AppState, caller: &AuthUser, id: Uuid) -> Result<EventView, ApiError> {
    caller.authorize(Action::ViewEvents)?;
    let row = load(state, id).await?;
    view(state, caller, row).await
}

/// What staff send to invite: `{by, organization_ids?}`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct InviteRequest {
    /// `category`, `zone`, `matches` or `organizations`.
    #[schema(pattern = "^(category|zone|matches|organizations)$")]
    pub by: String,
    /// With `by: organizations`.
    #[serde(default)]
    pub organization_ids: Vec<Uuid>,
}

/// How many organizations an invitation round reached.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Invited {
    /// Organizations invited now (those invited before are not invited twice).
    pub invited: usize,
    /// Members told, by notification and (as each prefers) mail.
    pub notified: usize,
}

fn covers_fn(categories: &[String]) -> impl Fn(&str) -> bool + use<> {
    let codes: Vec<CategoryCode> = categories
        .iter()
        .filter_map(|c| CategoryCode::parse(c).ok())
        .collect();
    move |code: &str| CategoryCode::parse(code).is_ok_and(|c| event::covers(&codes, &c))
}

/// Staff invite organizations to an event; each newly invited organization's active members
/// are told through the outbox.
///
/// # Errors
/// 403 unless staff; 404 unknown event; 422 a bad `by` or unknown organization ids.
pub async fn invite(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    request: &InviteRequest,
    origin: &Origin,
) -> Result<Invited, ApiError> {
    caller.authorize(Action::ManageEvents)?;
    let by = InviteBy::parse(&request.by).map_err(|e| ApiError::invalid("by", &e))?;
    let row = load(state, id).await?;
    let categories = desk::event_categories(&row);
    let now = Utc::now();
    let txn = begin(state).await?;
    let chosen: Vec<Uuid> = match by {
        InviteBy::Category => desk::organizations_with_capability_in(&txn, &categories).await?,
        InviteBy::Zone => {
            let regions: Vec<String> = state
                .reference
                .zone_regions(&row.zone_code)
                .unwrap_or_default()
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect();
            desk::organizations_in_regions(&txn, &regions).await?
        }
        InviteBy::Matches => {
            desk::parties_of_approved_matches_in(&txn, covers_fn(&categories)).await?
        }
        InviteBy::Organizations => {
            let found = desk::organizations(&txn, &request.organization_ids).await?;
            if request.organization_ids.is_empty()
                || request
                    .organization_ids
                    .iter()
                    .any(|o| !found.contains_key(o))
            {
                return Err(ApiError::invalid(
                    "organization_ids",
                    &peitao_domain::Invalid::new(
                        "organization_ids.unknown",
                        "请列出要邀请的企业,且每个 id 都须是已有企业。",
                        "List the organizations to invite; every id must be a known organization.",
                    ),
                ));
            }
            request.organization_ids.clone()
        }
    };
    let fresh = desk::invite(&txn, row.id, &chosen, caller.user.id, by.as_str(), now).await?;
    let orgs = desk::organizations(&txn, &fresh).await?;
    let link = mailing::link(state, &format!("/events/{}", row.id));
    let mut notified = 0;
    for org_id in &fresh {
        let Some(org) = orgs.get(org_id) else {
            continue;
        };
        notified += tell_members(&txn, state, &row, org, &link, now).await?;
    }
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            "event.invite",
            "event",
            Some(row.id.to_string()),
            json!({"by": by.as_str(), "organizations": fresh, "notified": notified}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(Invited {
        invited: fresh.len(),
        notified,
    })
}

async fn tell_members(
    txn: &peitao_persistence::sea_orm::DatabaseTransaction,
    state: &AppState,
    row: &event_row::Model,
    org: &organization::Model,
    link: &str,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let members = desk::active_members(txn, org.id).await?;
    for member in &members {
        let content = MailContent::EventInvitation {
            display_name: member.display_name.clone(),
            organization_name: org.name.clone(),
            event_title: row.title.clone(),
            date_label: row.held_on.format("%Y-%m-%d").to_string(),
            place: row.place.clone(),
            link: link.to_owned(),
        };
        mailing::tell(
            txn,
            state,
            &Recipient::user(member),
            &content,
            &format!("{}:{}", row.id, org.id),
            now,
        )
        .await?;
    }
    Ok(members.len())
}

/// The caller's organization registers to attend (or, `attend: false`, cancels). Organizations
/// invited to the event may register, and so may any organization the association verified.
///
/// # Errors
/// 401/403 as the policy decides (staff, other organizations, not eligible); 404 unknown event.
pub async fn set_attendance(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    attend: bool,
    origin: &Origin,
) -> Result<EventView, ApiError> {
    let row = load(state, id).await?;
    let organization_id = caller.actor.organization_id.map_or(Uuid::nil(), |o| o.0);
    let eligible = desk::is_invited(state.db.conn(), row.id, organization_id).await?
        || organization_verified(state, organization_id).await?;
    caller.authorize(Action::AttendEvent {
        organization_id: OrganizationId(organization_id),
        eligible: eligible || !attend,
    })?;
    let now = Utc::now();
    let txn = begin(state).await?;
    let changed = if attend {
        desk::attend(&txn, row.id, organization_id, caller.user.id, now).await?
    } else {
        desk::cancel_attendance(&txn, row.id, organization_id).await?
    };
    if changed {
        audit::record(
            &txn,
            audit_entry(
                Some(&caller.user),
                if attend {
                    "event.attend"
                } else {
                    "event.cancel_attendance"
                },
                "event",
                Some(row.id.to_string()),
                json!({"organization": organization_id}),
                &origin.ip,
            ),
            now,
        )
        .await?;
    }
    commit(txn).await?;
    view(state, caller, row).await
}

/// Staff's per-event report.
#[derive(Debug, Clone)]
pub struct Report {
    pub event: event_row::Model,
    pub attendees: Vec<organization::Model>,
    pub matches: Vec<proposal::Model>,
    pub intentions: Vec<intention::Model>,
    /// Names of every organization mentioned above.
    pub names: std::collections::HashMap<Uuid, String>,
}

impl Report {
    fn name(&self, id: Uuid) -> &str {
        self.names.get(&id).map_or("", String::as_str)
    }

    /// The report as JSON.
    #[must_use]
    pub fn body(&self) -> Value {
        json!({
            "event": {"id": self.event.id, "title": self.event.title, "date": self.event.held_on,
                      "place": self.event.place, "zone_code": self.event.zone_code},
            "attendees": self.attendees.iter().map(|o| json!({
                "organization_id": o.id, "name": o.name, "kind": o.kind,
                "credit_code": o.credit_code, "region_code": o.region_code})).collect::<Vec<_>>(),
            "matches": self.matches.iter().map(|m| json!({
                "match_id": m.id, "supplier_id": m.supplier_id, "supplier": self.name(m.supplier_id),
                "oem_id": m.oem_id, "oem": self.name(m.oem_id)})).collect::<Vec<_>>(),
            "intentions": self.intentions.iter().map(|i| json!({
                "intention_id": i.id, "match_id": i.match_id,
                "supplier_id": i.supplier_id, "supplier": self.name(i.supplier_id),
                "oem_id": i.oem_id, "oem": self.name(i.oem_id),
                "status": i.status, "annual_volume": i.annual_volume, "unit": i.unit})).collect::<Vec<_>>(),
        })
    }

    /// The report as CSV: one line per attendee, match and intention, every cell neutralised.
    ///
    /// # Errors
    /// Only if writing to memory fails.
    pub fn csv(&self) -> Result<String, ApiError> {
        use peitao_domain::csv_safe::cell;
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut line = |cells: [&str; 6]| {
            w.write_record(cells.iter().map(|c| cell(c).into_owned()))
                .map_err(|_| ApiError::Internal)
        };
        line([
            "section",
            "id",
            "organization",
            "counterpart",
            "status",
            "detail",
        ])?;
        for o in &self.attendees {
            line([
                "attendee",
                &o.id.to_string(),
                &o.name,
                "",
                &o.kind,
                &o.credit_code,
            ])?;
        }
        for m in &self.matches {
            line([
                "match",
                &m.id.to_string(),
                self.name(m.supplier_id),
                self.name(m.oem_id),
                &m.status,
                "",
            ])?;
        }
        for i in &self.intentions {
            let detail = match (i.annual_volume, i.unit.as_deref()) {
                (Some(v), Some(u)) => format!("{v} {u}"),
                (Some(v), None) => v.to_string(),
                _ => String::new(),
            };
            line([
                "intention",
                &i.id.to_string(),
                self.name(i.supplier_id),
                self.name(i.oem_id),
                &i.status,
                &detail,
            ])?;
        }
        let bytes = w.into_inner().map_err(|_| ApiError::Internal)?;
        String::from_utf8(bytes).map_err(|_| ApiError::Internal)
    }
}

/// Staff's report on an event: attendees, approved matches among them, intentions tagged with it.
///
/// # Errors
/// 403 unless staff; 404 unknown event.
pub async fn report(state: &AppState, caller: &AuthUser, id: Uuid) -> Result<Report, ApiError> {
    caller.authorize(Action::ManageEvents)?;
    let event = load(state, id).await?;
    let conn = state.db.conn();
    let attending: Vec<Uuid> = desk::attendance(conn, id)
        .await?
        .into_iter()
        .map(|a| a.organization_id)
        .collect();
    let matches = desk::approved_matches_among(conn, &attending).await?;
    let intentions = desk::intentions_at(conn, id).await?;
    let mut ids = attending.clone();
    ids.extend(intentions.iter().flat_map(|i| [i.supplier_id, i.oem_id]));
    let orgs = desk::organizations(conn, &ids).await?;
    let attendees = attending
        .iter()
        .filter_map(|a| orgs.get(a).cloned())
        .collect();
    let names = orgs.into_iter().map(|(k, v)| (k, v.name)).collect();
    Ok(Report {
        event,
        attendees,
        matches,
        intentions,
        names,
    })
}
