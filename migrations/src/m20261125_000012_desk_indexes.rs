//! The association's figures read a zone's open needs by delivery region: an index for that.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(manager, "needs", &["delivery_region_code", "status"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_needs_delivery_region_code_status")
                    .table("needs")
                    .to_owned(),
            )
            .await
    }
}
