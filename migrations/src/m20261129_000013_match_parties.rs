//! A match names its need and capability, and copies their organizations (`oem_id`,
//! `supplier_id`) so the parties' lists read one table. Those copies had foreign keys of their
//! own, checked on every proposal written: on PostgreSQL each check locks the organization's row
//! (FOR KEY SHARE), and every need one automaker posts at once locked the same row twenty
//! times (need creation went 347 -> 405 per second without them). They add nothing: the need
//! and the capability keep their foreign keys and carry those organizations, and organizations
//! are never deleted. SQLite keeps them (dropping a constraint there rebuilds the table, and its
//! checks are an in-process index probe).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE matches DROP CONSTRAINT IF EXISTS fk_matches_oem_id, \
                 DROP CONSTRAINT IF EXISTS fk_matches_supplier_id",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE matches \
                 ADD CONSTRAINT fk_matches_oem_id FOREIGN KEY (oem_id) REFERENCES organizations(id) \
                 ON UPDATE CASCADE ON DELETE CASCADE, \
                 ADD CONSTRAINT fk_matches_supplier_id FOREIGN KEY (supplier_id) REFERENCES organizations(id) \
                 ON UPDATE CASCADE ON DELETE CASCADE",
            )
            .await
            .map(|_| ())
    }
}
