//! The demo world: fictional suppliers and automakers around Chongqing, Chengdu and Wuhan, with
//! plants, capabilities and needs, loaded into an empty database so a first start shows a living platform.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use peitao_domain::organization::{OrganizationKind, OrganizationSize};
use peitao_domain::user::{CapabilityStatus, EmailFrequency, NeedStatus, Role};
use peitao_domain::{CategoryCode, CreditCode, Email, Locale, RegionCode};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde::Deserialize;
use uuid::Uuid;

use super::{NewCapability, NewOrganization, new_id};
use crate::entities::{capability, need, organization, organization_certification, plant, user};
use crate::{Db, StoreError, StoreResult};

/// The demo world compiled into the binary.
pub const DEMO_JSON: &str = include_str!("../../../../seeds/demo.json");

#[derive(Debug, Clone, Deserialize)]
pub struct DemoWorld {
    /// Every demo user's password; printed at start, so never use demo data in production.
    pub password: String,
    pub logins: DemoLogins,
    pub staff: Vec<DemoUser>,
    pub organizations: Vec<DemoOrganization>,
    pub capabilities: Vec<DemoCapability>,
    pub needs: Vec<DemoNeed>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoLogins {
    pub supplier: String,
    pub oem: String,
    pub staff: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoUser {
    pub email: String,
    pub display_name: String,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub email_frequency: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoCertification {
    pub code: String,
    #[serde(default)]
    pub certificate_no: Option<String>,
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoPlant {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub region_code: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoOrganization {
    pub key: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub credit_code: String,
    pub region_code: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub description_en: Option<String>,
    #[serde(default)]
    pub size: Option<String>,
    #[serde(default)]
    pub founded_year: Option<i32>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub certifications: Vec<DemoCertification>,
    #[serde(default)]
    pub plants: Vec<DemoPlant>,
    #[serde(default)]
    pub users: Vec<DemoUser>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoCapability {
    pub organization: String,
    pub category_code: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub processes: Vec<String>,
    #[serde(default)]
    pub annual_capacity: Option<i64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub min_order_qty: Option<i64>,
    #[serde(default)]
    pub lead_time_days: Option<i32>,
    #[serde(default)]
    pub served_region_codes: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoNeed {
    pub organization: String,
    pub plant: String,
    pub category_code: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub annual_volume: Option<i64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub sop_in_days: Option<u64>,
    #[serde(default)]
    pub respond_by_in_days: Option<u64>,
    #[serde(default)]
    pub required_certifications: Vec<String>,
    #[serde(default)]
    pub target_price: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// Counts of what a load wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    pub organizations: usize,
    pub users: usize,
    pub capabilities: usize,
    pub needs: usize,
}

/// What `load` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded(DemoSummary),
    /// The database already had organizations; the demo is only ever loaded into an empty one.
    SkippedNotEmpty,
}

/// Parses the embedded demo world.
///
/// # Errors
/// Only if the shipped file is broken.
pub fn embedded() -> StoreResult<DemoWorld> {
    serde_json::from_str(DEMO_JSON).map_err(|e| StoreError::Setup(format!("seeds/demo.json: {e}")))
}

fn bad(what: &str, value: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Setup(format!("seeds/demo.json: {what} {value:?}: {why}"))
}

fn day(today: NaiveDate, offset: Option<u64>) -> Option<NaiveDate> {
    offset.and_then(|d| today.checked_add_days(Days::new(d)))
}

/// Loads the demo world into an empty database, in one transaction. Each user's password hash
/// is `password_hash` (the caller hashes `world.password` once; auth owns hashing).
///
/// # Errors
/// A demo row that does not parse, or database errors; nothing is half-loaded.
pub async fn load(
    db: &Db,
    world: &DemoWorld,
    password_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<DemoOutcome> {
    let txn = db.begin().await?;
    if organization::Entity::find().count(&txn).await? > 0 {
        return Ok(DemoOutcome::SkippedNotEmpty);
    }
    let today = now.date_naive();
    let mut summary = DemoSummary::default();
    let mut orgs: HashMap<&str, (Uuid, OrganizationKind)> = HashMap::new();
    let mut plants: HashMap<(&str, &str), (Uuid, String)> = HashMap::new();
    let mut users = Vec::new();

    for o in &world.organizations {
        let kind = OrganizationKind::parse(&o.kind).map_err(|e| bad("kind", &o.kind, e))?;
        let credit =
            CreditCode::parse(&o.credit_code).map_err(|e| bad("credit_code", &o.credit_code, e))?;
        let region =
            RegionCode::parse(&o.region_code).map_err(|e| bad("region_code", &o.region_code, e))?;
        if let Some(size) = &o.size {
            OrganizationSize::parse(size).map_err(|e| bad("size", size, e))?;
        }
        let id = new_id();
        let mut row = NewOrganization {
            kind: kind.as_str(),
            name: o.name.clone(),
            name_en: o.name_en.clone(),
            credit_code: credit.as_str().to_owned(),
            region_code: region.as_str().to_owned(),
            verified: o.verified,
        }
        .into_active(id, now);
        row.address = Set(o.address.clone());
        row.contact_email = Set(o.contact_email.clone());
        row.contact_phone = Set(o.contact_phone.clone());
        row.website = Set(o.website.clone());
        row.description = Set(o.description.clone());
        row.description_en = Set(o.description_en.clone());
        row.size = Set(o.size.clone());
        row.founded_year = Set(o.founded_year);
        organization::Entity::insert(row.with_terms())
            .exec_without_returning(&txn)
            .await?;
        orgs.insert(&o.key, (id, kind));
        summary.organizations += 1;

        for c in &o.certifications {
            organization_certification::Entity::insert(organization_certification::ActiveModel {
                organization_id: Set(id),
                certification_code: Set(c.code.clone()),
                certificate_no: Set(c.certificate_no.clone()),
                expires_on: Set(c.expires_on),
            })
            .exec_without_returning(&txn)
            .await?;
        }
        for p in &o.plants {
            let region = RegionCode::parse(&p.region_code)
                .map_err(|e| bad("plant region_code", &p.region_code, e))?;
            let plant_id = new_id();
            plant::Entity::insert(plant::ActiveModel {
                id: Set(plant_id),
                organization_id: Set(id),
                name: Set(p.name.clone()),
                name_en: Set(p.name_en.clone()),
                region_code: Set(region.as_str().to_owned()),
                created_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            plants.insert((&o.key, &p.key), (plant_id, region.as_str().to_owned()));
        }
        let role = match kind {
            OrganizationKind::Supplier => Role::Supplier,
            OrganizationKind::Oem => Role::Oem,
        };
        // The first user listed is the organization's owner, as the first to register would be.
        users.extend(o.users.iter().enumerate().map(|(i, u)| {
            (
                u,
                role,
                Some(id),
                Some(if i == 0 { "owner" } else { "member" }),
            )
        }));
    }
    users.extend(world.staff.iter().map(|u| (u, Role::Staff, None, None)));

    for (u, role, organization_id, org_role) in users {
        let email = Email::parse(&u.email).map_err(|e| bad("email", &u.email, e))?;
        let locale = match u.locale.as_deref() {
            Some(l) => l.parse::<Locale>().map_err(|e| bad("locale", l, e))?,
            None => Locale::ZhCn,
        };
        let frequency = match u.email_frequency.as_deref() {
            Some(f) => EmailFrequency::parse(f).map_err(|e| bad("email_frequency", f, e))?,
            None => EmailFrequency::Instant,
        };
        user::Entity::insert(user::ActiveModel {
            id: Set(new_id()),
            email: Set(email.as_str().to_owned()),
            password_hash: Set(password_hash.to_owned()),
            display_name: Set(u.display_name.clone()),
            role: Set(role.as_str().to_owned()),
            organization_id: Set(organization_id),
            email_verified_at: Set(Some(now)),
            locale: Set(locale.tag().to_owned()),
            email_frequency: Set(frequency.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            org_role: Set(org_role.map(str::to_owned)),
            deactivated_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        summary.users += 1;
    }

    for c in &world.capabilities {
        let Some(&(organization_id, OrganizationKind::Supplier)) =
            orgs.get(c.organization.as_str())
        else {
            return Err(bad(
                "capability organization",
                &c.organization,
                "not a supplier in the file",
            ));
        };
        let category = CategoryCode::parse(&c.category_code)
            .map_err(|e| bad("category_code", &c.category_code, e))?;
        let status = match c.status.as_deref() {
            Some(s) => CapabilityStatus::parse(s).map_err(|e| bad("capability status", s, e))?,
            None => CapabilityStatus::Published,
        };
        let row = NewCapability {
            organization_id,
            category_code: category.as_str().to_owned(),
            title: c.title.clone(),
            description: c.description.clone(),
            products: c.products.clone(),
            processes: c.processes.clone(),
            annual_capacity: c.annual_capacity,
            unit: c.unit.clone(),
            min_order_qty: c.min_order_qty,
            lead_time_days: c.lead_time_days,
            served_region_codes: c.served_region_codes.clone(),
            status: status.as_str(),
            terms: crate::terms::capability_terms(
                &c.title,
                &c.description,
                &c.products,
                &c.processes,
            ),
            title_terms: crate::terms::title_terms(&c.title),
        }
        .into_active(new_id(), now);
        capability::Entity::insert(row)
            .exec_without_returning(&txn)
            .await?;
        summary.capabilities += 1;
    }

    for n in &world.needs {
        let Some(&(organization_id, OrganizationKind::Oem)) = orgs.get(n.organization.as_str())
        else {
            return Err(bad(
                "need organization",
                &n.organization,
                "not an OEM in the file",
            ));
        };
        let Some((plant_id, plant_region)) =
            plants.get(&(n.organization.as_str(), n.plant.as_str()))
        else {
            return Err(bad("need plant", &n.plant, "not a plant of that OEM"));
        };
        let category = CategoryCode::parse(&n.category_code)
            .map_err(|e| bad("category_code", &n.category_code, e))?;
        let status = match n.status.as_deref() {
            Some(s) => NeedStatus::parse(s).map_err(|e| bad("need status", s, e))?,
            None => NeedStatus::Open,
        };
        need::Entity::insert(need::ActiveModel {
            id: Set(new_id()),
            organization_id: Set(organization_id),
            plant_id: Set(Some(*plant_id)),
            category_code: Set(category.as_str().to_owned()),
            title: Set(n.title.clone()),
            description: Set(n.description.clone()),
            delivery_region_code: Set(plant_region.clone()),
            annual_volume: Set(n.annual_volume),
            unit: Set(n.unit.clone()),
            sop_date: Set(day(today, n.sop_in_days)),
            respond_by: Set(day(today, n.respond_by_in_days)),
            required_certifications: Set(crate::json_list(&n.required_certifications)),
            target_price: Set(n.target_price.clone()),
            status: Set(status.as_str().to_owned()),
            terms: Set(crate::terms::need_terms(&n.title, &n.description)),
            title_terms: Set(crate::terms::title_terms(&n.title)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        summary.needs += 1;
    }
    txn.commit().await?;
    Ok(DemoOutcome::Loaded(summary))
}
