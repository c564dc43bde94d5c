//! The rows behind the association's figures: confirmed intentions on needs delivered into a
//! zone, and a zone's open needs. The figures themselves are computed in the domain crate.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::StoreResult;
use crate::entities::{intention, need, organization};

/// A confirmed intention: the need's category, where its supplier sits, when staff confirmed it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ConfirmedRow {
    pub category_code: String,
    pub supplier_region_code: String,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Confirmed intentions on needs delivered into one of `regions`.
///
/// # Errors
/// Database errors.
pub async fn confirmed_into<C: ConnectionTrait>(
    conn: &C,
    regions: &[String],
) -> StoreResult<Vec<ConfirmedRow>> {
    if regions.is_empty() {
        return Ok(Vec::new());
    }
    let (i, n, s) = (intention::Entity, need::Entity, organization::Entity);
    let query = Query::select()
        .column((n, need::Column::CategoryCode))
        .expr_as(
            Expr::col((s, organization::Column::RegionCode)),
            "supplier_region_code",
        )
        .column((i, intention::Column::DecidedAt))
        .from(i)
        .inner_join(
            n,
            Expr::col((n, need::Column::Id)).equals((i, intention::Column::NeedId)),
        )
        .inner_join(
            s,
            Expr::col((s, organization::Column::Id)).equals((i, intention::Column::SupplierId)),
        )
        .and_where(Expr::col((i, intention::Column::Status)).eq("confirmed"))
        .and_where(Expr::col((n, need::Column::DeliveryRegionCode)).is_in(regions.iter().cloned()))
        .to_owned();
    Ok(
        ConfirmedRow::find_by_statement(conn.get_database_backend().build(&query))
            .all(conn)
            .await?,
    )
}

/// Open needs alike for qualification: the same category, delivery region and required
/// certifications, and how many there are.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OpenNeedGroup {
    pub category_code: String,
    pub delivery_region_code: String,
    /// JSON list of certification codes.
    pub required_certifications: String,
    pub needs: i64,
}

/// Open needs of unsuspended automakers delivered into one of `regions`, grouped as alike.
///
/// # Errors
/// Database errors.
pub async fn open_need_groups_into<C: ConnectionTrait>(
    conn: &C,
    regions: &[String],
) -> StoreResult<Vec<OpenNeedGroup>> {
    if regions.is_empty() {
        return Ok(Vec::new());
    }
    let (n, o) = (need::Entity, organization::Entity);
    let query = Query::select()
        .column((n, need::Column::CategoryCode))
        .column((n, need::Column::DeliveryRegionCode))
        .column((n, need::Column::RequiredCertifications))
        .expr_as(Expr::col((n, need::Column::Id)).count(), "needs")
        .from(n)
        .inner_join(
            o,
            Expr::col((o, organization::Column::Id)).equals((n, need::Column::OrganizationId)),
        )
        .and_where(Expr::col((n, need::Column::Status)).eq("open"))
        .and_where(Expr::col((o, organization::Column::SuspendedAt)).is_null())
        .and_where(Expr::col((n, need::Column::DeliveryRegionCode)).is_in(regions.iter().cloned()))
        .group_by_col((n, need::Column::CategoryCode))
        .group_by_col((n, need::Column::DeliveryRegionCode))
        .group_by_col((n, need::Column::RequiredCertifications))
        .to_owned();
    Ok(
        OpenNeedGroup::find_by_statement(conn.get_database_backend().build(&query))
            .all(conn)
            .await?,
    )
}

/// How many open needs of unsuspended automakers are delivered into one of `regions`, per category.
///
/// # Errors
/// Database errors.
pub async fn open_need_counts_into<C: ConnectionTrait>(
    conn: &C,
    regions: &[String],
) -> StoreResult<Vec<(String, i64)>> {
    #[derive(FromQueryResult)]
    struct Count {
        category_code: String,
        n: i64,
    }
    if regions.is_empty() {
        return Ok(Vec::new());
    }
    let (n, o) = (need::Entity, organization::Entity);
    let query = Query::select()
        .column((n, need::Column::CategoryCode))
        .expr_as(Expr::col((n, need::Column::Id)).count(), "n")
        .from(n)
        .inner_join(
            o,
            Expr::col((o, organization::Column::Id)).equals((n, need::Column::OrganizationId)),
        )
        .and_where(Expr::col((n, need::Column::Status)).eq("open"))
        .and_where(Expr::col((o, organization::Column::SuspendedAt)).is_null())
        .and_where(Expr::col((n, need::Column::DeliveryRegionCode)).is_in(regions.iter().cloned()))
        .group_by_col((n, need::Column::CategoryCode))
        .to_owned();
    Ok(
        Count::find_by_statement(conn.get_database_backend().build(&query))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.category_code, c.n))
            .collect(),
    )
}
