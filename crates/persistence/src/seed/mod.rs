//! Data we load on purpose: the demo world people meet on first start, and synthetic worlds of
//! any size for scale tests. Reference data lives in `crate::reference`.

pub mod demo;
pub mod synthetic;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::entities::{capability, organization};

/// A new id: UUIDv7, so ids sort by creation time.
#[must_use]
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Fields of a new organization that every loader fills the same way.
pub(crate) struct NewOrganization<'a> {
    pub kind: &'a str,
    pub name: String,
    pub name_en: Option<String>,
    pub credit_code: String,
    pub region_code: String,
    pub verified: bool,
}

impl NewOrganization<'_> {
    pub(crate) fn into_active(self, id: Uuid, now: DateTime<Utc>) -> organization::ActiveModel {
        organization::ActiveModel {
            id: Set(id),
            kind: Set(self.kind.to_owned()),
            name: Set(self.name),
            name_en: Set(self.name_en),
            credit_code: Set(self.credit_code),
            region_code: Set(self.region_code),
            address: Set(None),
            contact_email: Set(None),
            contact_phone: Set(None),
            website: Set(None),
            description: Set(None),
            description_en: Set(None),
            size: Set(None),
            founded_year: Set(None),
            verified_at: Set(self.verified.then_some(now)),
            suspended_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            suspension_reason: Set(None),
            terms: Set(String::new()),
            title_terms: Set(String::new()),
        }
        .with_terms()
    }
}

/// Fields of a new capability that every loader fills the same way.
pub(crate) struct NewCapability {
    pub organization_id: Uuid,
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub products: Vec<String>,
    pub processes: Vec<String>,
    pub annual_capacity: Option<i64>,
    pub unit: Option<String>,
    pub min_order_qty: Option<i64>,
    pub lead_time_days: Option<i32>,
    pub served_region_codes: Vec<String>,
    pub status: &'static str,
    /// From [`crate::terms::capability_terms`]; loaders of many alike rows cache it.
    pub terms: String,
    /// From [`crate::terms::title_terms`]; cached the same way.
    pub title_terms: String,
}

impl NewCapability {
    pub(crate) fn into_active(self, id: Uuid, now: DateTime<Utc>) -> capability::ActiveModel {
        capability::ActiveModel {
            id: Set(id),
            organization_id: Set(self.organization_id),
            category_code: Set(self.category_code),
            title: Set(self.title),
            description: Set(self.description),
            products: Set(crate::json_list(&self.products)),
            processes: Set(crate::json_list(&self.processes)),
            annual_capacity: Set(self.annual_capacity),
            unit: Set(self.unit),
            min_order_qty: Set(self.min_order_qty),
            lead_time_days: Set(self.lead_time_days),
            served_region_codes: Set(crate::json_list(&self.served_region_codes)),
            status: Set(self.status.to_owned()),
            terms: Set(self.terms),
            title_terms: Set(self.title_terms),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}
