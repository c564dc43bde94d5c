//! The match lifecycle after the matcher: each side's answer and when it came, the contact
//! reveal, suppliers' quotes, cooperation intentions (合作意向) and staff flags on organizations.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_all, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            timestamp_with_time_zone_null("supplier_answered_at"),
            timestamp_with_time_zone_null("oem_answered_at"),
            text_null("supplier_decline_reason"),
            text_null("oem_decline_reason"),
            timestamp_with_time_zone_null("contact_revealed_at"),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("matches")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("quotes")
                    .col(uuid("id").primary_key())
                    .col(uuid("match_id"))
                    .col(uuid("need_id"))
                    .col(uuid("supplier_id"))
                    // Decimal text, as target prices are: no backend rounds it.
                    .col(string_len("unit_price", 32))
                    .col(string_len("currency", 3))
                    .col(integer_null("lead_time_days"))
                    .col(date_null("valid_until"))
                    .col(text_null("note"))
                    // An attachment row of kind "quote", once attachments exist.
                    .col(uuid_null("attachment_id"))
                    .col(uuid("submitted_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .index(
                        Index::create()
                            .name("ux_quotes_match")
                            .col("match_id")
                            .unique(),
                    )
                    .foreign_key(&mut fk(
                        "quotes",
                        "match_id",
                        "matches",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "quotes", &["need_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("intentions")
                    .col(uuid("id").primary_key())
                    .col(uuid("match_id"))
                    .col(uuid("need_id"))
                    .col(uuid("supplier_id"))
                    .col(uuid("oem_id"))
                    .col(uuid("recorded_by"))
                    .col(uuid("recorded_by_organization"))
                    .col(big_integer_null("annual_volume"))
                    .col(string_len_null("unit", 20))
                    .col(date_null("expected_start"))
                    .col(text_null("note"))
                    // recorded | confirmed | dismissed
                    .col(string_len("status", 16))
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("reason"))
                    .col(integer("version").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .index(
                        Index::create()
                            .name("ux_intentions_match")
                            .col("match_id")
                            .unique(),
                    )
                    .foreign_key(&mut fk(
                        "intentions",
                        "match_id",
                        "matches",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "intentions", &["status", "created_at"]).await?;
        index(manager, "intentions", &["need_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("organization_flags")
                    .col(uuid("id").primary_key())
                    .col(uuid("organization_id"))
                    // spam | fraud | other
                    .col(string_len("kind", 16))
                    .col(text("note"))
                    .col(uuid("flagged_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "organization_flags",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "organization_flags", &["organization_id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &["organization_flags", "intentions", "quotes"]).await?;
        for column in [
            "contact_revealed_at",
            "oem_decline_reason",
            "supplier_decline_reason",
            "oem_answered_at",
            "supplier_answered_at",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("matches")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
