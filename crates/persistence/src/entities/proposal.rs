//! The `matches` table: a need paired with a capability by the matcher.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "matches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub need_id: Uuid,
    pub capability_id: Uuid,
    pub supplier_id: Uuid,
    pub oem_id: Uuid,
    pub score: f64,
    pub rank: Option<i32>,
    /// JSON: the factors behind the score.
    #[sea_orm(column_type = "Text")]
    pub explanation: String,
    pub status: String,
    pub supplier_interest: Option<bool>,
    pub oem_interest: Option<bool>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub supplier_answered_at: Option<DateTimeUtc>,
    pub oem_answered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub supplier_decline_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub oem_decline_reason: Option<String>,
    /// When both sides had said they are interested: contacts are visible from then on.
    pub contact_revealed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
