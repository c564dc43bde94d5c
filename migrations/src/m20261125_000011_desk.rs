//! The association desk: roster imports (the kept reports), the categories an imported roster
//! gives an organization, docking events (线下对接活动) with their invitations and attendance,
//! and intentions tagged with the event where they were agreed.

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
                    .table("imports")
                    .col(uuid("id").primary_key())
                    .col(uuid("staff_user_id"))
                    .col(string_len("file_name", 255))
                    // csv | xlsx
                    .col(string_len("file_kind", 8))
                    .col(boolean("dry_run"))
                    .col(integer("created"))
                    .col(integer("updated"))
                    // [{row, field, code, zh, en}]: both languages, so a later reader gets theirs.
                    .col(text("errors"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "imports", &["created_at"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("organization_categories")
                    .col(uuid("organization_id"))
                    .col(string_len("category_code", 64))
                    .primary_key(Index::create().col("organization_id").col("category_code"))
                    .foreign_key(&mut fk(
                        "organization_categories",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(uuid("id").primary_key())
                    .col(string_len("title", 200))
                    .col(date("held_on"))
                    .col(string_len("place", 200))
                    .col(string_len("zone_code", 64))
                    // `;`-separated category codes
                    .col(text("categories"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "events", &["held_on"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("event_invitations")
                    .col(uuid("event_id"))
                    .col(uuid("organization_id"))
                    .col(uuid("invited_by"))
                    // category | zone | matches | organizations
                    .col(string_len("invited_as", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("event_id").col("organization_id"))
                    .foreign_key(&mut fk(
                        "event_invitations",
                        "event_id",
                        "events",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "event_invitations",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("event_attendance")
                    .col(uuid("event_id"))
                    .col(uuid("organization_id"))
                    .col(uuid("registered_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("event_id").col("organization_id"))
                    .foreign_key(&mut fk(
                        "event_attendance",
                        "event_id",
                        "events",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "event_attendance",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // No foreign key: SQLite cannot add one to an existing table; the service checks it.
        manager
            .alter_table(
                Table::alter()
                    .table("intentions")
                    .add_column(uuid_null("event_id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "intentions", &["event_id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_intentions_event_id")
                    .table("intentions")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("intentions")
                    .drop_column("event_id")
                    .to_owned(),
            )
            .await?;
        drop_all(
            manager,
            &[
                "event_attendance",
                "event_invitations",
                "events",
                "organization_categories",
                "imports",
            ],
        )
        .await
    }
}
