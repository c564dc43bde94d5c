//! The database schema, as sea-orm migrations that run unchanged on SQLite and PostgreSQL.
//! One file per migration (its name is the migration's id); never edit one that has shipped.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_reference;
mod m20261125_000002_organizations;
mod m20261125_000003_postings;
mod m20261125_000004_mail;
mod m20261125_000005_accounts;
mod m20261125_000006_profiles;
mod m20261125_000007_matches;
mod m20261125_000008_search;
mod m20261125_000009_lifecycle;
mod m20261125_000010_attachments;
mod m20261125_000011_desk;
mod m20261125_000012_desk_indexes;
mod m20261129_000013_match_parties;
mod util;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_reference::Migration),
            Box::new(m20261125_000002_organizations::Migration),
            Box::new(m20261125_000003_postings::Migration),
            Box::new(m20261125_000004_mail::Migration),
            Box::new(m20261125_000005_accounts::Migration),
            Box::new(m20261125_000006_profiles::Migration),
            Box::new(m20261125_000007_matches::Migration),
            Box::new(m20261125_000008_search::Migration),
            Box::new(m20261125_000009_lifecycle::Migration),
            Box::new(m20261125_000010_attachments::Migration),
            Box::new(m20261125_000011_desk::Migration),
            Box::new(m20261125_000012_desk_indexes::Migration),
            Box::new(m20261129_000013_match_parties::Migration),
        ]
    }
}
