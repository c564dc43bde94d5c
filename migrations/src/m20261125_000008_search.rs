//! Search: organizations get their segmented terms (as postings have had since the matches
//! migration), and every searchable row keeps its title's terms apart, which ranking weighs more.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, columns added). Space-separated terms; empty for rows written before this migration
/// (computed when read).
const COLUMNS: [(&str, &[&str]); 3] = [
    ("organizations", &["terms", "title_terms"]),
    ("capabilities", &["title_terms"]),
    ("needs", &["title_terms"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in COLUMNS {
            // SQLite adds one column per ALTER TABLE.
            for column in columns {
                let mut def = text(*column).default("").to_owned();
                manager
                    .alter_table(Table::alter().table(table).add_column(&mut def).to_owned())
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in COLUMNS {
            for column in columns {
                manager
                    .alter_table(Table::alter().table(table).drop_column(*column).to_owned())
                    .await?;
            }
        }
        Ok(())
    }
}
