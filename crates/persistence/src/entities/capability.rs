//! The `capabilities` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "capabilities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub category_code: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub products: String,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub processes: String,
    pub annual_capacity: Option<i64>,
    pub unit: Option<String>,
    pub min_order_qty: Option<i64>,
    pub lead_time_days: Option<i32>,
    /// JSON array of region codes; empty means nationwide.
    #[sea_orm(column_type = "Text")]
    pub served_region_codes: String,
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
