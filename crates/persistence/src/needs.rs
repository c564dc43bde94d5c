//! Automakers' needs. This module grows with postings (issue 5); for now it holds the rule the
//! worker applies: a need whose respond-by date has passed is expired.

use chrono::{DateTime, NaiveDate, Utc};
use peitao_domain::user::NeedStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::need;
use crate::{Db, StoreResult};

/// Marks open needs whose respond-by date lies before `today` as expired; returns how many.
/// A single UPDATE, so instances running it at once cannot double-count or conflict.
///
/// # Errors
/// Database errors.
pub async fn expire_overdue(db: &Db, today: NaiveDate, now: DateTime<Utc>) -> StoreResult<u64> {
    let result = need::Entity::update_many()
        .col_expr(
            need::Column::Status,
            Expr::value(NeedStatus::Expired.as_str()),
        )
        .col_expr(need::Column::UpdatedAt, Expr::value(now))
        .filter(need::Column::Status.eq(NeedStatus::Open.as_str()))
        .filter(need::Column::RespondBy.lt(today))
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected)
}
