//! The association desk's rows: organizations written from an imported roster (with the
//! categories the roster gives them), the kept import reports, and docking events with their
//! invitations, attendance and the intentions tagged with them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{
    capability, event, event_attendance, event_invitation, import, intention, need, organization,
    organization_category, proposal, user,
};
use crate::seed::{NewOrganization, new_id};

/// An organization as a roster row describes it (values already checked by the domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterOrganization {
    pub name: String,
    pub credit_code: String,
    pub kind: &'static str,
    pub region_code: String,
    pub contact_email: String,
    /// Sorted, without repeats.
    pub categories: Vec<String>,
}

/// The organizations already registered under these credit codes.
///
/// # Errors
/// Database errors.
pub async fn organizations_by_credit_code<C: ConnectionTrait>(
    conn: &C,
    codes: &[String],
) -> StoreResult<HashMap<String, organization::Model>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        let rows = organization::Entity::find()
            .filter(organization::Column::CreditCode.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?;
        out.extend(rows.into_iter().map(|o| (o.credit_code.clone(), o)));
    }
    Ok(out)
}

/// The roster categories of these organizations, sorted.
///
/// # Errors
/// Database errors.
pub async fn categories_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<String>>> {
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = organization_category::Entity::find()
            .filter(organization_category::Column::OrganizationId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        for r in rows {
            out.entry(r.organization_id)
                .or_default()
                .push(r.category_code);
        }
    }
    for codes in out.values_mut() {
        codes.sort();
    }
    Ok(out)
}

/// Whether the stored organization (with its roster categories) already says what the row says.
#[must_use]
pub fn same_as(
    current: &organization::Model,
    categories: &[String],
    row: &RosterOrganization,
) -> bool {
    current.name == row.name
        && current.kind == row.kind
        && current.region_code == row.region_code
        && current.contact_email.as_deref() == Some(row.contact_email.as_str())
        && categories == row.categories.as_slice()
}

async fn replace_categories<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    codes: &[String],
) -> StoreResult<()> {
    organization_category::Entity::delete_many()
        .filter(organization_category::Column::OrganizationId.eq(organization_id))
        .exec(conn)
        .await?;
    if codes.is_empty() {
        return Ok(());
    }
    organization_category::Entity::insert_many(codes.iter().map(|c| {
        organization_category::ActiveModel {
            organization_id: Set(organization_id),
            category_code: Set(c.clone()),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Creates an organization from a roster row. The association's own roster vouches for it,
/// so it starts verified.
///
/// # Errors
/// Database errors (a credit code taken meanwhile is a `Conflict`).
pub async fn create_from_roster<C: ConnectionTrait>(
    conn: &C,
    row: &RosterOrganization,
    now: DateTime<Utc>,
) -> StoreResult<organization::Model> {
    let id = new_id();
    let mut active = NewOrganization {
        kind: row.kind,
        name: row.name.clone(),
        name_en: None,
        credit_code: row.credit_code.clone(),
        region_code: row.region_code.clone(),
        verified: true,
    }
    .into_active(id, now);
    active.contact_email = Set(Some(row.contact_email.clone()));
    let org = active.insert(conn).await?;
    replace_categories(conn, id, &row.categories).await?;
    Ok(org)
}

/// Writes a changed roster row over the organization.
///
/// # Errors
/// Database errors.
pub async fn update_from_roster<C: ConnectionTrait>(
    conn: &C,
    current: organization::Model,
    row: &RosterOrganization,
    now: DateTime<Utc>,
) -> StoreResult<organization::Model> {
    let id = current.id;
    let mut active: organization::ActiveModel = current.into();
    active.name = Set(row.name.clone());
    active.kind = Set(row.kind.to_owned());
    active.region_code = Set(row.region_code.clone());
    active.contact_email = Set(Some(row.contact_email.clone()));
    active.updated_at = Set(now);
    let org = active.with_terms().update(conn).await?;
    replace_categories(conn, id, &row.categories).await?;
    Ok(org)
}

/// What an import report keeps.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub staff_user_id: Uuid,
    pub file_name: String,
    pub file_kind: String,
    pub dry_run: bool,
    pub created: i32,
    pub updated: i32,
    pub errors: serde_json::Value,
}

/// Keeps an import report.
///
/// # Errors
/// Database errors.
pub async fn record_import<C: ConnectionTrait>(
    conn: &C,
    new: NewImport,
    now: DateTime<Utc>,
) -> StoreResult<import::Model> {
    Ok(import::ActiveModel {
        id: Set(new_id()),
        staff_user_id: Set(new.staff_user_id),
        file_name: Set(new.file_name),
        file_kind: Set(new.file_kind),
        dry_run: Set(new.dry_run),
        created: Set(new.created),
        updated: Set(new.updated),
        errors: Set(new.errors.to_string()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// Import reports, newest first (ids are time-ordered), before the cursor id.
///
/// # Errors
/// Database errors.
pub async fn imports<C: ConnectionTrait>(
    conn: &C,
    before: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<import::Model>> {
    let mut q = import::Entity::find();
    if let Some(before) = before {
        q = q.filter(import::Column::Id.lt(before));
    }
    Ok(q.order_by_desc(import::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// One import report.
///
/// # Errors
/// Database errors.
pub async fn import<C: ConnectionTrait>(conn: &C, id: Uuid) -> StoreResult<Option<import::Model>> {
    Ok(import::Entity::find_by_id(id).one(conn).await?)
}

/// A new docking event.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub title: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub zone_code: String,
    pub categories: Vec<String>,
    pub created_by: Uuid,
}

/// Creates an event.
///
/// # Errors
/// Database errors.
pub async fn create_event<C: ConnectionTrait>(
    conn: &C,
    new: NewEvent,
    now: DateTime<Utc>,
) -> StoreResult<event::Model> {
    Ok(event::ActiveModel {
        id: Set(new_id()),
        title: Set(new.title),
        held_on: Set(new.held_on),
        place: Set(new.place),
        zone_code: Set(new.zone_code),
        categories: Set(new.categories.join(";")),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// Every event: the upcoming ones (from `today`) soonest first, then past ones latest first.
/// Associations hold a few dozen a year, so the list is sorted here and paged by the caller.
///
/// # Errors
/// Database errors.
pub async fn events<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> StoreResult<Vec<event::Model>> {
    let mut rows = event::Entity::find().all(conn).await?;
    rows.sort_by(|a, b| {
        let (ua, ub) = (a.held_on >= today, b.held_on >= today);
        ub.cmp(&ua).then_with(|| {
            if ua {
                a.held_on.cmp(&b.held_on)
            } else {
                b.held_on.cmp(&a.held_on)
            }
            .then(a.id.cmp(&b.id))
        })
    });
    Ok(rows)
}

/// One event.
///
/// # Errors
/// Database errors.
pub async fn event<C: ConnectionTrait>(conn: &C, id: Uuid) -> StoreResult<Option<event::Model>> {
    Ok(event::Entity::find_by_id(id).one(conn).await?)
}

/// The categories of an event, as stored.
#[must_use]
pub fn event_categories(e: &event::Model) -> Vec<String> {
    e.categories
        .split(';')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Organizations with a published capability in one of the categories or beneath it.
///
/// # Errors
/// Database errors.
pub async fn organizations_with_capability_in<C: ConnectionTrait>(
    conn: &C,
    categories: &[String],
) -> StoreResult<Vec<Uuid>> {
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    let mut under = Condition::any();
    for c in categories {
        under = under
            .add(capability::Column::CategoryCode.eq(c.as_str()))
            .add(capability::Column::CategoryCode.like(format!("{c}.%")));
    }
    let rows = capability::Entity::find()
        .filter(capability::Column::Status.eq("published"))
        .filter(under)
        .all(conn)
        .await?;
    Ok(sorted(
        rows.into_iter().map(|c| c.organization_id).collect(),
    ))
}

/// Unsuspended organizations sitting in one of these regions.
///
/// # Errors
/// Database errors.
pub async fn organizations_in_regions<C: ConnectionTrait>(
    conn: &C,
    regions: &[String],
) -> StoreResult<Vec<Uuid>> {
    let mut set = HashSet::new();
    for chunk in regions.chunks(500) {
        let rows = organization::Entity::find()
            .filter(organization::Column::SuspendedAt.is_null())
            .filter(organization::Column::RegionCode.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?;
        set.extend(rows.into_iter().map(|o| o.id));
    }
    Ok(sorted(set))
}

/// Both parties of approved matches whose need or capability is in the categories.
///
/// # Errors
/// Database errors.
pub async fn parties_of_approved_matches_in<C: ConnectionTrait>(
    conn: &C,
    covers: impl Fn(&str) -> bool,
) -> StoreResult<Vec<Uuid>> {
    let matches = proposal::Entity::find()
        .filter(proposal::Column::Status.eq("approved"))
        .all(conn)
        .await?;
    let need_ids: Vec<Uuid> = matches.iter().map(|m| m.need_id).collect();
    let capability_ids: Vec<Uuid> = matches.iter().map(|m| m.capability_id).collect();
    let mut need_category = HashMap::new();
    for chunk in need_ids.chunks(500) {
        for n in need::Entity::find()
            .filter(need::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            need_category.insert(n.id, n.category_code);
        }
    }
    let mut capability_category = HashMap::new();
    for chunk in capability_ids.chunks(500) {
        for c in capability::Entity::find()
            .filter(capability::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            capability_category.insert(c.id, c.category_code);
        }
    }
    let mut set = HashSet::new();
    for m in matches {
        let hit = need_category.get(&m.need_id).is_some_and(|c| covers(c))
            || capability_category
                .get(&m.capability_id)
                .is_some_and(|c| covers(c));
        if hit {
            set.insert(m.supplier_id);
            set.insert(m.oem_id);
        }
    }
    Ok(sorted(set))
}

fn sorted(set: HashSet<Uuid>) -> Vec<Uuid> {
    let mut v: Vec<Uuid> = set.into_iter().collect();
    v.sort();
    v
}

/// The organizations already invited to the event.
///
/// # Errors
/// Database errors.
pub async fn invited<C: ConnectionTrait>(
    conn: &C,
    event_id: Uuid,
) -> StoreResult<Vec<event_invitation::Model>> {
    Ok(event_invitation::Entity::find()
        .filter(event_invitation::Column::EventId.eq(event_id))
        .order_by_asc(event_invitation::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Records invitations for the organizations not yet invited; returns those newly invited.
///
/// # Errors
/// Database errors.
pub async fn invite<C: ConnectionTrait>(
    conn: &C,
    event_id: Uuid,
    organizations: &[Uuid],
    invited_by: Uuid,
    invited_as: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Uuid>> {
    let already: HashSet<Uuid> = invited(conn, event_id)
        .await?
        .into_iter()
        .map(|i| i.organization_id)
        .collect();
    let fresh: Vec<Uuid> = organizations
        .iter()
        .copied()
        .filter(|o| !already.contains(o))
        .collect();
    if fresh.is_empty() {
        return Ok(fresh);
    }
    event_invitation::Entity::insert_many(fresh.iter().map(|&organization_id| {
        event_invitation::ActiveModel {
            event_id: Set(event_id),
            organization_id: Set(organization_id),
            invited_by: Set(invited_by),
            invited_as: Set(invited_as.to_owned()),
            created_at: Set(now),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(fresh)
}

/// Whether the organization was invited to the event.
///
/// # Errors
/// Database errors.
pub async fn is_invited<C: ConnectionTrait>(
    conn: &C,
    event_id: Uuid,
    organization_id: Uuid,
) -> StoreResult<bool> {
    Ok(
        event_invitation::Entity::find_by_id((event_id, organization_id))
            .one(conn)
            .await?
            .is_some(),
    )
}

/// The active members of the organization.
///
/// # Errors
/// Database errors.
pub async fn active_members<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> StoreResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::OrganizationId.eq(organization_id))
        .filter(user::Column::DeactivatedAt.is_null())
        .order_by_asc(user::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// The organizations registered to attend, earliest first.
///
/// # Errors
/// Database errors.
pub async fn attendance<C: ConnectionTrait>(
    conn: &C,
    event_id: Uuid,
) -> StoreResult<Vec<event_attendance::Model>> {
    Ok(event_attendance::Entity::find()
        .filter(event_attendance::Column::EventId.eq(event_id))
        .order_by_asc(event_attendance::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Registers the organization; false when it already was.
///
/// # Errors
/// Database errors.
pub async fn attend<C: ConnectionTrait>(
    conn: &C,
    event_id: Uuid,
    organization_id: Uuid,
    registered_by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if event_attendance::Entity::find_by_id((event_id, organization_id))
        .one(conn)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    event_attendance::ActiveModel {
        event_id: Set(event_id),
        organization_id: Set(organization_id),
        registered_by: Set(registered_by),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(true)
}

/// Cancels the organization's attendance; false when it was not registered.
///
/// # Errors
/// Database errors.
pub async fn cancel_attendance<C: ConnectionTrait>(
    conn: &C,
    event_id: Uuid,
    organization_id: Uuid,
) -> StoreResult<bool> {
    let result = event_attendance::Entity::delete_many()
        .filter(event_attendance::Column::EventId.eq(event_id))
        .filter(event_attendance::Column::OrganizationId.eq(organization_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Approved matches both of whose parties are among `organizations`.
///
/// # Errors
/// Database errors.
pub async fn approved_matches_among<C: ConnectionTrait>(
    conn: &C,
    organizations: &[Uuid],
) -> StoreResult<Vec<proposal::Model>> {
    if organizations.is_empty() {
        return Ok(Vec::new());
    }
    Ok(proposal::Entity::find()
        .filter(proposal::Column::Status.eq("approved"))
        .filter(proposal::Column::SupplierId.is_in(organizations.iter().copied()))
        .filter(proposal::Column::OemId.is_in(organizations.iter().copied()))
        .order_by_asc(proposal::Column::Id)
        .all(conn)
        .await?)
}

/// Intentions tagged with the event.
///
/// # Errors
/// Database errors.
pub async fn intentions_at<C: ConnectionTrait>(
    conn: &C,
    event_id: Uuid,
) -> StoreResult<Vec<intention::Model>> {
    Ok(intention::Entity::find()
        .filter(intention::Column::EventId.eq(event_id))
        .order_by_asc(intention::Column::Id)
        .all(conn)
        .await?)
}

/// Organizations by id.
///
/// # Errors
/// Database errors.
pub async fn organizations<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, organization::Model>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for o in organization::Entity::find()
            .filter(organization::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            out.insert(o.id, o);
        }
    }
    Ok(out)
}
