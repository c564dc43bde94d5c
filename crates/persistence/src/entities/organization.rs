//! The `organizations` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub name_en: Option<String>,
    #[sea_orm(unique)]
    pub credit_code: String,
    pub region_code: String,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
    pub description_en: Option<String>,
    pub size: Option<String>,
    pub founded_year: Option<i32>,
    pub verified_at: Option<DateTimeUtc>,
    pub suspended_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub suspension_reason: Option<String>,
    /// Segmented terms of the names and descriptions, space-separated (search's words; empty
    /// for rows written before search, computed when read).
    #[sea_orm(column_type = "Text")]
    pub terms: String,
    /// The names' terms, which search weighs more.
    #[sea_orm(column_type = "Text")]
    pub title_terms: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
