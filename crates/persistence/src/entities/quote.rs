//! The `quotes` table: a supplier's price for a need, one per match, revised in place.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub match_id: Uuid,
    pub need_id: Uuid,
    pub supplier_id: Uuid,
    pub unit_price: String,
    pub currency: String,
    pub lead_time_days: Option<i32>,
    pub valid_until: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub attachment_id: Option<Uuid>,
    pub submitted_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
