//! The `needs` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "needs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plant_id: Option<Uuid>,
    pub category_code: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub delivery_region_code: String,
    pub annual_volume: Option<i64>,
    pub unit: Option<String>,
    pub sop_date: Option<Date>,
    pub respond_by: Option<Date>,
    /// JSON array of certification codes.
    #[sea_orm(column_type = "Text")]
    pub required_certifications: String,
    pub target_price: Option<String>,
    pub status: String,
    /// Segmented terms, space-separated (the matcher's and search's words).
    #[sea_orm(column_type = "Text")]
    pub terms: String,
    /// The title's terms, which search weighs more (empty for rows written before search).
    #[sea_orm(column_type = "Text")]
    pub title_terms: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
