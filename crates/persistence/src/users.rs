//! People who log in. This module grows with accounts (issue 4); for now it creates the
//! association's staff, which only the command line may do.

use chrono::{DateTime, Utc};
use peitao_domain::user::{EmailFrequency, Role};
use peitao_domain::{Email, Locale};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::user;
use crate::seed::new_id;
use crate::{Db, StoreError, StoreResult};

/// A staff or admin account to create.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub email: Email,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub locale: Locale,
}

/// Creates a staff or admin account, email already verified (the operator vouches for it).
///
/// # Errors
/// `Conflict` when the email is taken; `Setup` if `role` is not a staff role.
pub async fn create_staff(db: &Db, staff: NewStaff, now: DateTime<Utc>) -> StoreResult<Uuid> {
    if !staff.role.is_staff() {
        return Err(StoreError::Setup(
            "only staff and admin accounts are created here".into(),
        ));
    }
    let id = new_id();
    user::Entity::insert(user::ActiveModel {
        id: Set(id),
        email: Set(staff.email.as_str().to_owned()),
        password_hash: Set(staff.password_hash),
        display_name: Set(staff.display_name),
        role: Set(staff.role.as_str().to_owned()),
        organization_id: Set(None),
        email_verified_at: Set(Some(now)),
        locale: Set(staff.locale.tag().to_owned()),
        email_frequency: Set(EmailFrequency::Instant.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db.conn())
    .await?;
    Ok(id)
}

/// The stored role of the account with this email, if any.
///
/// # Errors
/// Database errors.
pub async fn role_of(db: &Db, email: &Email) -> StoreResult<Option<String>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db.conn())
        .await?
        .map(|u| u.role))
}
