//! The matcher's output: one proposal row per (need, capability) pair, carried through
//! moderation and the parties' answers; and each posting's segmented terms, kept beside it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_all, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Segmenting a million postings at start-up would take a minute: terms are stored.
        // Space-separated; empty for rows written before this migration (computed when read).
        for table in ["capabilities", "needs"] {
            let mut terms = text("terms").default("").to_owned();
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut terms)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("matches")
                    .col(uuid("id").primary_key())
                    .col(uuid("need_id"))
                    .col(uuid("capability_id"))
                    .col(uuid("supplier_id"))
                    .col(uuid("oem_id"))
                    .col(double("score"))
                    // Place in the need's ranking; null once it fell out of the top K.
                    .col(integer_null("rank"))
                    // JSON: the factors behind the score.
                    .col(text("explanation"))
                    // proposed | approved | rejected | withdrawn
                    .col(string_len("status", 16))
                    .col(boolean_null("supplier_interest"))
                    .col(boolean_null("oem_interest"))
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("reason"))
                    // Bumped on every transition: two staff deciding at once, one wins.
                    .col(integer("version").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .index(
                        Index::create()
                            .name("ux_matches_need_capability")
                            .col("need_id")
                            .col("capability_id")
                            .unique(),
                    )
                    .foreign_key(&mut fk(
                        "matches",
                        "need_id",
                        "needs",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "matches",
                        "capability_id",
                        "capabilities",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "matches",
                        "supplier_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "matches",
                        "oem_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "matches", &["capability_id"]).await?;
        index(manager, "matches", &["supplier_id", "status"]).await?;
        index(manager, "matches", &["oem_id", "status"]).await?;
        index(manager, "matches", &["status", "created_at"]).await?;
        index(manager, "capabilities", &["updated_at"]).await?;
        index(manager, "organizations", &["updated_at"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &["matches"]).await?;
        for table in ["capabilities", "needs"] {
            manager
                .alter_table(Table::alter().table(table).drop_column("terms").to_owned())
                .await?;
        }
        Ok(())
    }
}
