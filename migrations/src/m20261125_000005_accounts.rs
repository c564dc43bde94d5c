//! Accounts: single-use link tokens, rotating refresh tokens, web sessions, the audit log, shared
//! rate-limit counters (so limits hold across instances) and the account columns they need.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_all, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            // owner | member for organization users; null for staff.
            string_len_null("org_role", 16),
            timestamp_with_time_zone_null("deactivated_at"),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table("users")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("one_time_tokens")
                    .col(uuid("id").primary_key())
                    // verify_email | password_reset | invitation
                    .col(string_len("purpose", 32))
                    .col(string_len_uniq("token_hash", 64))
                    .col(uuid_null("user_id"))
                    .col(string_len_null("email", 254))
                    .col(uuid_null("organization_id"))
                    .col(uuid_null("created_by"))
                    .col(big_integer("expires_at_ms"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "one_time_tokens",
                        "user_id",
                        "users",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "one_time_tokens",
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
                    .table("refresh_tokens")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    // Every token rotated from one login shares its family: reuse revokes them all.
                    .col(uuid("family_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(big_integer("expires_at_ms"))
                    .col(timestamp_with_time_zone_null("spent_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "refresh_tokens",
                        "user_id",
                        "users",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "refresh_tokens", &["family_id"]).await?;
        index(manager, "refresh_tokens", &["user_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(uuid("id").primary_key())
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid_null("actor_user_id"))
                    .col(string_len_null("actor_role", 16))
                    .col(string_len("action", 64))
                    .col(string_len("entity", 40))
                    .col(string_len_null("entity_id", 64))
                    // A JSON object: before/after of what changed, never secrets.
                    .col(text("summary"))
                    .col(string_len_null("ip", 64))
                    .to_owned(),
            )
            .await?;
        index(manager, "audit_log", &["at"]).await?;
        index(manager, "audit_log", &["actor_user_id", "at"]).await?;
        index(manager, "audit_log", &["entity", "entity_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("web_sessions")
                    .col(uuid("id").primary_key())
                    // The cookie holds the plain token; only its hash is stored.
                    .col(string_len_uniq("token_hash", 64))
                    .col(uuid("user_id"))
                    // Synchronizer token every form of this session must echo.
                    .col(string_len("csrf_token", 64))
                    .col(big_integer("created_at_ms"))
                    .col(big_integer("last_seen_at_ms"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk(
                        "web_sessions",
                        "user_id",
                        "users",
                        "id",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "web_sessions", &["user_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("rate_limits")
                    .col(string_len("key", 300).primary_key())
                    .col(big_integer("window_start_ms"))
                    .col(integer("hits"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(
            manager,
            &[
                "rate_limits",
                "web_sessions",
                "audit_log",
                "refresh_tokens",
                "one_time_tokens",
            ],
        )
        .await?;
        for column in ["deactivated_at", "org_role"] {
            manager
                .alter_table(Table::alter().table("users").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
