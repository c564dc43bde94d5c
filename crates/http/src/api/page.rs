//! Cursor paging as api.md promises it: `?limit=` (default 20, at most 100) and `?cursor=`,
//! answered as `{items, next_cursor}`. Cursors are the last item's time-ordered id; in search
//! results (`q=`), its place in the ranking (score and id).

use peitao_domain::search::Position;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, FieldError, Text};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 100 (empty or absent: 20).
    #[param(pattern = "^(|[1-9][0-9]?|100)$")]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(
        pattern = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page size and the cursor, or 422 naming the bad one.
    ///
    /// # Errors
    /// A limit outside 1..=100 or a cursor that is not one we gave out.
    pub fn parse(&self) -> Result<(u64, Option<Uuid>), ApiError> {
        let limit = match self.limit.as_deref() {
            None | Some("") => 20,
            Some(l) => match l.parse::<u64>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(field(
                        "limit",
                        "invalid",
                        "limit 须为 1 到 100 之间的整数。",
                        "limit must be a whole number from 1 to 100.",
                    ));
                }
            },
        };
        let cursor = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(Uuid::parse_str(c).map_err(|_| bad_cursor())?),
        };
        Ok((limit, cursor))
    }
}

/// A search results' cursor (`q=` given), or 422 naming `cursor`.
///
/// # Errors
/// A cursor that is not a ranking position we gave out.
pub fn ranked_cursor(cursor: Option<&str>) -> Result<Option<Position>, ApiError> {
    match cursor.map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) => Position::decode(c).map(Some).ok_or_else(bad_cursor),
    }
}

/// Its own code: a cursor is a token the server gave out (an id, or with `q` a ranking
/// position), and one that fits the document's pattern may still not be one.
fn bad_cursor() -> ApiError {
    field(
        "cursor",
        "cursor.invalid",
        "cursor 无效:请使用上一页返回的 next_cursor。",
        "cursor is invalid: use next_cursor from the previous page.",
    )
}

fn field(name: &str, code: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::Validation(vec![FieldError {
        field: name.to_owned(),
        code: code.to_owned(),
        message: Text::fixed(zh, en),
    }])
}

/// One page of a list; ask for the next with `?cursor=<next_cursor>`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says another page exists.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: u64,
        id: impl Fn(&R) -> Uuid,
        body: impl Fn(R) -> T,
    ) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(body).collect(),
            next_cursor,
        }
    }
}

impl<T> Page<T> {
    /// Builds a page of search results from `limit + 1` ranked rows; the cursor is the last
    /// row's place in the ranking.
    pub fn from_ranked<R>(
        mut rows: Vec<(Position, R)>,
        limit: u64,
        body: impl Fn(R) -> T,
    ) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|(p, _)| p.encode())
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(|(_, r)| body(r)).collect(),
            next_cursor,
        }
    }

    /// The same page with each item changed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
