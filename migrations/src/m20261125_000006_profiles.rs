//! Company profiles and postings: why an organization was suspended, and the revision history
//! of needs (editing an open need keeps what it said before).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_all, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut reason = text_null("suspension_reason");
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .add_column(&mut reason)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("need_revisions")
                    .col(uuid("id").primary_key())
                    .col(uuid("need_id"))
                    .col(integer("revision"))
                    // The need as it was before the edit, as JSON.
                    .col(text("snapshot"))
                    .col(uuid_null("changed_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "need_revisions",
                        "need_id",
                        "needs",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "need_revisions", &["need_id", "revision"]).await?;
        index(manager, "capabilities", &["status", "id"]).await?;
        index(manager, "needs", &["status", "id"]).await?;
        index(manager, "organizations", &["verified_at"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &["need_revisions"]).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .drop_column("suspension_reason")
                    .to_owned(),
            )
            .await
    }
}
