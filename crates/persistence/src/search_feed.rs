//! What the search indexes are built from: each searchable row's id with its title terms and
//! all its terms, in id-ordered batches (changed since a time, for refreshes), or one row.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::StoreResult;
use crate::capabilities::strings;
use crate::changed::ids_since;
use crate::entities::{capability, need, organization};
use crate::matcher_feed::BATCH;
use crate::terms::{
    capability_terms, need_terms, organization_terms, organization_title_terms, title_terms,
};

/// One searchable row: its id, its title's terms and all its terms (space-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDocument {
    pub id: Uuid,
    pub title_terms: String,
    pub terms: String,
}

/// Which rows to read: one by id, or a batch after an id (changed since a time).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub id: Option<Uuid>,
    pub after: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
}

impl Scope {
    #[must_use]
    pub fn one(id: Uuid) -> Scope {
        Scope {
            id: Some(id),
            ..Scope::default()
        }
    }
}

/// Stored terms, or (for rows written before they were stored) terms computed now.
fn document(id: Uuid, title: &str, stored_title: String, stored: String) -> SearchDocument {
    SearchDocument {
        id,
        title_terms: if stored_title.is_empty() {
            title_terms(title)
        } else {
            stored_title
        },
        terms: stored,
    }
}

/// A need's document as just written, without reading it back.
#[must_use]
pub fn need_document(n: &need::Model) -> SearchDocument {
    let mut doc = document(n.id, &n.title, n.title_terms.clone(), n.terms.clone());
    if doc.terms.is_empty() {
        doc.terms = need_terms(&n.title, &n.description);
    }
    doc
}

/// A batch of capabilities (or the one of `scope.id`).
///
/// # Errors
/// Database errors.
pub async fn capabilities<C: ConnectionTrait>(
    conn: &C,
    scope: Scope,
) -> StoreResult<Vec<SearchDocument>> {
    use capability::Column as C;
    let mut q = capability::Entity::find()
        .select_only()
        .columns([C::Id, C::Title, C::TitleTerms, C::Terms])
        .order_by_asc(C::Id)
        .limit(BATCH);
    if let Some(id) = scope.id {
        q = q.filter(C::Id.eq(id));
    }
    if let Some(after) = scope.after {
        q = q.filter(C::Id.gt(after));
    }
    if let Some(since) = scope.since {
        let mut changed =
            ids_since::<capability::Entity, _>(conn, C::Id, C::UpdatedAt, since, scope.after)
                .await?;
        changed.truncate(usize::try_from(BATCH).unwrap_or(usize::MAX));
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        q = q.filter(C::Id.is_in(changed));
    }
    let rows: Vec<(Uuid, String, String, String)> = q.into_tuple().all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut unsegmented = Vec::new();
    for (id, title, title_terms, terms) in rows {
        if terms.is_empty() {
            unsegmented.push(id);
        }
        out.push(document(id, &title, title_terms, terms));
    }
    if !unsegmented.is_empty() {
        // Rows written before terms were stored: segment them now (rare, and once per load).
        let full = capability::Entity::find()
            .filter(C::Id.is_in(unsegmented))
            .all(conn)
            .await?;
        for c in full {
            if let Some(doc) = out.iter_mut().find(|d| d.id == c.id) {
                doc.terms = capability_terms(
                    &c.title,
                    &c.description,
                    &strings(&c.products),
                    &strings(&c.processes),
                );
            }
        }
    }
    Ok(out)
}

/// A batch of needs (or the one of `scope.id`).
///
/// # Errors
/// Database errors.
pub async fn needs<C: ConnectionTrait>(conn: &C, scope: Scope) -> StoreResult<Vec<SearchDocument>> {
    use need::Column as C;
    let mut q = need::Entity::find()
        .select_only()
        .columns([C::Id, C::Title, C::TitleTerms, C::Terms])
        .order_by_asc(C::Id)
        .limit(BATCH);
    if let Some(id) = scope.id {
        q = q.filter(C::Id.eq(id));
    }
    if let Some(after) = scope.after {
        q = q.filter(C::Id.gt(after));
    }
    if let Some(since) = scope.since {
        let mut changed =
            ids_since::<need::Entity, _>(conn, C::Id, C::UpdatedAt, since, scope.after).await?;
        changed.truncate(usize::try_from(BATCH).unwrap_or(usize::MAX));
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        q = q.filter(C::Id.is_in(changed));
    }
    let rows: Vec<(Uuid, String, String, String)> = q.into_tuple().all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut unsegmented = Vec::new();
    for (id, title, title_terms, terms) in rows {
        if terms.is_empty() {
            unsegmented.push(id);
        }
        out.push(document(id, &title, title_terms, terms));
    }
    if !unsegmented.is_empty() {
        let full = need::Entity::find()
            .filter(C::Id.is_in(unsegmented))
            .all(conn)
            .await?;
        for n in full {
            if let Some(doc) = out.iter_mut().find(|d| d.id == n.id) {
                doc.terms = need_terms(&n.title, &n.description);
            }
        }
    }
    Ok(out)
}

/// A batch of organizations (or the one of `scope.id`).
///
/// # Errors
/// Database errors.
pub async fn organizations<C: ConnectionTrait>(
    conn: &C,
    scope: Scope,
) -> StoreResult<Vec<SearchDocument>> {
    use organization::Column as C;
    let mut q = organization::Entity::find()
        .order_by_asc(C::Id)
        .limit(BATCH);
    if let Some(id) = scope.id {
        q = q.filter(C::Id.eq(id));
    }
    if let Some(after) = scope.after {
        q = q.filter(C::Id.gt(after));
    }
    if let Some(since) = scope.since {
        let mut changed =
            ids_since::<organization::Entity, _>(conn, C::Id, C::UpdatedAt, since, scope.after)
                .await?;
        changed.truncate(usize::try_from(BATCH).unwrap_or(usize::MAX));
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        q = q.filter(C::Id.is_in(changed));
    }
    Ok(q.all(conn)
        .await?
        .into_iter()
        .map(|o| {
            if o.terms.is_empty() {
                SearchDocument {
                    id: o.id,
                    title_terms: organization_title_terms(&o.name, o.name_en.as_deref()),
                    terms: organization_terms(
                        &o.name,
                        o.name_en.as_deref(),
                        o.description.as_deref(),
                        o.description_en.as_deref(),
                    ),
                }
            } else {
                SearchDocument {
                    id: o.id,
                    title_terms: o.title_terms,
                    terms: o.terms,
                }
            }
        })
        .collect())
}
