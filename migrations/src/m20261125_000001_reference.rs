//! Reference tables: the category tree, administrative regions, economic zones, certifications.
//! Loaded from seeds/ on every start; rows are keyed by their public codes.

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
                    .table("categories")
                    .col(string_len("code", 100).primary_key())
                    .col(string_len_null("parent", 100))
                    .col(string("name_zh"))
                    .col(string("name_en"))
                    // Keeps the file's order, which is the order people expect to browse in.
                    .col(integer("position"))
                    .foreign_key(&mut fk(
                        "categories",
                        "parent",
                        "categories",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("regions")
                    .col(string_len("code", 6).primary_key())
                    .col(string_len_null("parent", 6))
                    .col(string_len("level", 16))
                    .col(string("name"))
                    .col(double("lat"))
                    .col(double("lon"))
                    .col(boolean("own_centroid"))
                    .foreign_key(&mut fk(
                        "regions",
                        "parent",
                        "regions",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "regions", &["parent"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("zones")
                    .col(string_len("code", 32).primary_key())
                    .col(string("name_zh"))
                    .col(string("name_en"))
                    .col(integer("position"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("zone_members")
                    .col(string_len("zone_code", 32))
                    .col(string_len("region_code", 6))
                    .primary_key(Index::create().col("zone_code").col("region_code"))
                    .foreign_key(&mut fk(
                        "zone_members",
                        "zone_code",
                        "zones",
                        "code",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "zone_members",
                        "region_code",
                        "regions",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("certifications")
                    .col(string_len("code", 32).primary_key())
                    .col(string("name_zh"))
                    .col(string("name_en"))
                    .col(string_len("kind", 32))
                    .col(integer("position"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(
            manager,
            &[
                "certifications",
                "zone_members",
                "zones",
                "regions",
                "categories",
            ],
        )
        .await
    }
}
