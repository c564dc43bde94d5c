//! What suppliers can make (capabilities) and what automakers need (needs).
//! List-valued fields are JSON arrays in text columns: they are read whole, never queried inside.

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
                    .table("capabilities")
                    .col(uuid("id").primary_key())
                    .col(uuid("organization_id"))
                    .col(string_len("category_code", 100))
                    .col(string_len("title", 200))
                    .col(text("description"))
                    .col(text("products"))
                    .col(text("processes"))
                    .col(big_integer_null("annual_capacity"))
                    .col(string_len_null("unit", 20))
                    .col(big_integer_null("min_order_qty"))
                    .col(integer_null("lead_time_days"))
                    .col(text("served_region_codes"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "capabilities",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "capabilities",
                        "category_code",
                        "categories",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "capabilities", &["category_code", "status"]).await?;
        index(manager, "capabilities", &["organization_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("needs")
                    .col(uuid("id").primary_key())
                    .col(uuid("organization_id"))
                    .col(uuid_null("plant_id"))
                    .col(string_len("category_code", 100))
                    .col(string_len("title", 200))
                    .col(text("description"))
                    .col(string_len("delivery_region_code", 6))
                    .col(big_integer_null("annual_volume"))
                    .col(string_len_null("unit", 20))
                    .col(date_null("sop_date"))
                    .col(date_null("respond_by"))
                    .col(text("required_certifications"))
                    // A decimal amount in CNY kept as text, so no backend rounds it.
                    .col(string_len_null("target_price", 32))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "needs",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "needs",
                        "plant_id",
                        "plants",
                        "id",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "needs",
                        "category_code",
                        "categories",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "needs",
                        "delivery_region_code",
                        "regions",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "needs", &["category_code", "status"]).await?;
        index(manager, "needs", &["organization_id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &["needs", "capabilities"]).await
    }
}
