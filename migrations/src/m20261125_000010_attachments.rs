//! Files attached to postings (drawings, spec sheets, certificates): one row per upload, naming
//! the content-addressed blob by its SHA-256. Deleting sets `deleted_at`; the blob stays.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_all, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("attachments")
                    .col(uuid("id").primary_key())
                    // What the file is attached to: capability | need (open for more, e.g. quote),
                    // so no foreign key on owner_id.
                    .col(string_len("owner_kind", 32))
                    .col(uuid("owner_id"))
                    // The uploader's organization and account.
                    .col(uuid("organization_id"))
                    .col(uuid("uploaded_by"))
                    // The sanitised display name, used in Content-Disposition.
                    .col(string_len("file_name", 255))
                    .col(string_len("content_type", 128))
                    // pdf | png | jpeg | xlsx | dwg | step, from the content.
                    .col(string_len("kind", 16))
                    .col(big_integer("size_bytes"))
                    // Lowercase hex; the blob's key in the store.
                    .col(string_len("sha256", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .foreign_key(&mut fk(
                        "attachments",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "attachments",
                        "uploaded_by",
                        "users",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "attachments", &["owner_kind", "owner_id"]).await?;
        index(manager, "attachments", &["sha256"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &["attachments"]).await
    }
}
