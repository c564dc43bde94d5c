//! Mail that is never lost (the outbox) and the in-app notifications each mail mirrors.
//! Scheduling columns are unix milliseconds: exact to compare on SQLite and PostgreSQL alike.

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
                    .table("outbox")
                    .col(uuid("id").primary_key())
                    // kind + subject + recipient: a retried request never queues the mail twice.
                    .col(string_len_uniq("dedupe_key", 300))
                    .col(string_len("kind", 40))
                    .col(string_len("recipient", 254))
                    .col(string_len_null("recipient_name", 200))
                    .col(uuid_null("user_id"))
                    .col(string_len("subject", 500))
                    .col(text("text_body"))
                    .col(text("html_body"))
                    .col(string_len_null("list_unsubscribe", 1000))
                    // pending -> sent | dead
                    .col(string_len("status", 16))
                    .col(integer("attempts"))
                    .col(big_integer("next_attempt_at_ms"))
                    .col(big_integer_null("lease_until_ms"))
                    .col(string_len_null("leased_by", 64))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "outbox", &["status", "next_attempt_at_ms"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    .col(string_len("kind", 40))
                    // Written in the user's language when it happens, like the mail.
                    .col(string_len("title", 300))
                    .col(text("body"))
                    .col(string_len_null("link", 1000))
                    // Waiting for the user's next daily digest.
                    .col(boolean("digest_pending"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "notifications",
                        "user_id",
                        "users",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "notifications", &["user_id", "created_at"]).await?;
        index(manager, "notifications", &["digest_pending", "user_id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &["notifications", "outbox"]).await
    }
}
