//! Companies (suppliers and automakers), their plants and held certifications, and the people
//! who log in. Contact fields live on the organization: they are revealed only after mutual interest.

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
                    .table("organizations")
                    .col(uuid("id").primary_key())
                    .col(string_len("kind", 16))
                    .col(string_len("name", 200))
                    .col(string_len_null("name_en", 200))
                    .col(string_len_uniq("credit_code", 18))
                    .col(string_len("region_code", 6))
                    .col(string_len_null("address", 300))
                    .col(string_len_null("contact_email", 254))
                    .col(string_len_null("contact_phone", 40))
                    .col(string_len_null("website", 300))
                    .col(text_null("description"))
                    .col(text_null("description_en"))
                    .col(string_len_null("size", 16))
                    .col(integer_null("founded_year"))
                    .col(timestamp_with_time_zone_null("verified_at"))
                    .col(timestamp_with_time_zone_null("suspended_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "organizations",
                        "region_code",
                        "regions",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "organizations", &["kind", "region_code"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("organization_certifications")
                    .col(uuid("organization_id"))
                    .col(string_len("certification_code", 32))
                    .col(string_len_null("certificate_no", 100))
                    .col(date("expires_on"))
                    .primary_key(
                        Index::create()
                            .col("organization_id")
                            .col("certification_code"),
                    )
                    .foreign_key(&mut fk(
                        "organization_certifications",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "organization_certifications",
                        "certification_code",
                        "certifications",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("plants")
                    .col(uuid("id").primary_key())
                    .col(uuid("organization_id"))
                    .col(string_len("name", 200))
                    .col(string_len_null("name_en", 200))
                    .col(string_len("region_code", 6))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "plants",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "plants",
                        "region_code",
                        "regions",
                        "code",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "plants", &["organization_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(uuid("id").primary_key())
                    .col(string_len_uniq("email", 254))
                    .col(string_len("password_hash", 200))
                    .col(string_len("display_name", 100))
                    .col(string_len("role", 16))
                    .col(uuid_null("organization_id"))
                    .col(timestamp_with_time_zone_null("email_verified_at"))
                    .col(string_len("locale", 8))
                    .col(string_len("email_frequency", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "users",
                        "organization_id",
                        "organizations",
                        "id",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "users", &["organization_id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(
            manager,
            &[
                "users",
                "plants",
                "organization_certifications",
                "organizations",
            ],
        )
        .await
    }
}
