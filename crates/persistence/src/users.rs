//! People who log in: registration with its organization, lookups, verification, passwords,
//! preferences, and the association's staff accounts (created only from the command line).

use chrono::{DateTime, Utc};
use peitao_domain::user::{EmailFrequency, Role};
use peitao_domain::{Email, Locale};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::entities::{organization, user};
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
    create_staff_on(db.conn(), staff, now).await
}

/// As [`create_staff`], on a transaction.
///
/// # Errors
/// `Conflict` when the email is taken; `Setup` if `role` is not a staff role.
pub async fn create_staff_on<C: ConnectionTrait>(
    conn: &C,
    staff: NewStaff,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
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
        org_role: Set(None),
        deactivated_at: Set(None),
    })
    .exec_without_returning(conn)
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

/// A new organization with its first user, its owner (registration).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub locale: Locale,
    pub organization_kind: &'static str,
    pub organization_name: String,
    pub credit_code: String,
    pub region_code: String,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("email taken")]
    EmailTaken,
    #[error("credit code taken")]
    CreditCodeTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for CreateAccountError {
    fn from(e: sea_orm::DbErr) -> Self {
        CreateAccountError::Store(e.into())
    }
}

/// Creates the organization and its owner on `conn` (the registration's transaction). Taken
/// emails and credit codes are told apart here; the unique indexes stay the last word on races.
///
/// # Errors
/// `EmailTaken`, `CreditCodeTaken`, or database errors.
pub async fn create_account<C: ConnectionTrait>(
    conn: &C,
    account: NewAccount,
    now: DateTime<Utc>,
) -> Result<(user::Model, organization::Model), CreateAccountError> {
    if find_by_email(conn, &account.email).await?.is_some() {
        return Err(CreateAccountError::EmailTaken);
    }
    let taken = organization::Entity::find()
        .filter(organization::Column::CreditCode.eq(account.credit_code.as_str()))
        .one(conn)
        .await?;
    if taken.is_some() {
        return Err(CreateAccountError::CreditCodeTaken);
    }
    let org_id = new_id();
    let org = crate::seed::NewOrganization {
        kind: account.organization_kind,
        name: account.organization_name,
        name_en: None,
        credit_code: account.credit_code,
        region_code: account.region_code,
        verified: false,
    }
    .into_active(org_id, now);
    let org = org
        .insert(conn)
        .await
        .map_err(conflict_as(CreateAccountError::CreditCodeTaken))?;
    let user = user::ActiveModel {
        id: Set(new_id()),
        email: Set(account.email.as_str().to_owned()),
        password_hash: Set(account.password_hash),
        display_name: Set(account.display_name),
        role: Set(account.role.as_str().to_owned()),
        organization_id: Set(Some(org_id)),
        email_verified_at: Set(None),
        locale: Set(account.locale.tag().to_owned()),
        email_frequency: Set(EmailFrequency::Instant.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        org_role: Set(Some("owner".to_owned())),
        deactivated_at: Set(None),
    }
    .insert(conn)
    .await
    .map_err(conflict_as(CreateAccountError::EmailTaken))?;
    Ok((user, org))
}

fn conflict_as(err: CreateAccountError) -> impl FnOnce(sea_orm::DbErr) -> CreateAccountError {
    move |e| match StoreError::from(e) {
        StoreError::Conflict(_) => err,
        other => CreateAccountError::Store(other),
    }
}

/// The account with this email, if any.
///
/// # Errors
/// Database errors.
pub async fn find_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &Email,
) -> StoreResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?)
}

/// The account with this id, if any.
///
/// # Errors
/// Database errors.
pub async fn find_by_id<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> StoreResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(conn).await?)
}

/// Marks the email verified (idempotent).
///
/// # Errors
/// Database errors.
pub async fn mark_email_verified<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::EmailVerifiedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Replaces the password hash.
///
/// # Errors
/// Database errors.
pub async fn set_password<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    hash: String,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Changes to one's own account (PATCH /api/v1/me); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub locale: Option<Locale>,
    pub email_frequency: Option<EmailFrequency>,
}

/// Applies the changes and returns the account as it now is.
///
/// # Errors
/// `NotFound` when the account is gone; database errors.
pub async fn update_account<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    changes: AccountChanges,
    now: DateTime<Utc>,
) -> StoreResult<user::Model> {
    let Some(current) = find_by_id(conn, id).await? else {
        return Err(StoreError::NotFound(format!("user {id}")));
    };
    let mut row: user::ActiveModel = current.into();
    if let Some(name) = changes.display_name {
        row.display_name = Set(name);
    }
    if let Some(locale) = changes.locale {
        row.locale = Set(locale.tag().to_owned());
    }
    if let Some(frequency) = changes.email_frequency {
        row.email_frequency = Set(frequency.as_str().to_owned());
    }
    row.updated_at = Set(now);
    Ok(row.update(conn).await?)
}

/// The members of an organization, owner first, then by name.
///
/// # Errors
/// Database errors.
pub async fn members<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> StoreResult<Vec<user::Model>> {
    use sea_orm::QueryOrder;
    let mut rows = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(organization_id))
        .order_by_asc(user::Column::DisplayName)
        .all(conn)
        .await?;
    rows.sort_by_key(|u| u.org_role.as_deref() != Some("owner"));
    Ok(rows)
}

/// A colleague joining an organization by invitation.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub email: Email,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub locale: Locale,
    pub organization_id: Uuid,
    /// The first person to join an organization created by staff (a roster import) owns it.
    pub owner: bool,
}

/// Creates an invited member; the invitation mail proved the address, so it is verified.
///
/// # Errors
/// `Conflict` when the email already has an account.
pub async fn create_member<C: ConnectionTrait>(
    conn: &C,
    member: NewMember,
    now: DateTime<Utc>,
) -> StoreResult<user::Model> {
    if find_by_email(conn, &member.email).await?.is_some() {
        return Err(StoreError::Conflict("email".into()));
    }
    Ok(user::ActiveModel {
        id: Set(new_id()),
        email: Set(member.email.as_str().to_owned()),
        password_hash: Set(member.password_hash),
        display_name: Set(member.display_name),
        role: Set(member.role.as_str().to_owned()),
        organization_id: Set(Some(member.organization_id)),
        email_verified_at: Set(Some(now)),
        locale: Set(member.locale.tag().to_owned()),
        email_frequency: Set(EmailFrequency::Instant.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        org_role: Set(Some(
            if member.owner { "owner" } else { "member" }.to_owned(),
        )),
        deactivated_at: Set(None),
    }
    .insert(conn)
    .await?)
}

/// Takes a member out of their organization (the owner cannot be removed this way). The account
/// stays, so its history and audit trail keep their author, but it no longer acts for the company.
///
/// # Errors
/// Database errors; `NotFound` when the user is not a removable member of that organization.
pub async fn remove_member<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<user::Model> {
    let result = user::Entity::update_many()
        .col_expr(
            user::Column::OrganizationId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(user::Column::OrgRole, Expr::value(Option::<String>::None))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::OrganizationId.eq(organization_id))
        .filter(user::Column::OrgRole.eq("member"))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound(format!("member {user_id}")));
    }
    find_by_id(conn, user_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))
}

/// Deactivates an account: it can no longer log in, and its tokens stop working at once.
///
/// # Errors
/// Database errors.
pub async fn deactivate<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::DeactivatedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::DeactivatedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}
