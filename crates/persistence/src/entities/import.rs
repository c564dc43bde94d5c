//! The `imports` table: the kept report of each roster import (dry runs included).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub staff_user_id: Uuid,
    pub file_name: String,
    pub file_kind: String,
    pub dry_run: bool,
    pub created: i32,
    pub updated: i32,
    /// JSON: `[{row, field, code, zh, en}]`.
    #[sea_orm(column_type = "Text")]
    pub errors: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
