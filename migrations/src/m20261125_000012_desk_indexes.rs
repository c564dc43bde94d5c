//! The association's figures read a zone's open needs by delivery region, and the refreshes
//! read needs changed since a moment: an index for each.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(manager, "needs", &["delivery_region_code", "status"]).await?;
        index(manager, "needs", &["updated_at"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_needs_updated_at")
                    .table("needs")
                    .to_owned(),
            )
            .await?;
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
