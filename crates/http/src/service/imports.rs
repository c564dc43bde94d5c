//! Roster imports: staff upload an association's member list (CSV or XLSX) and every row becomes
//! an organization, all or nothing; new ones are mailed an invitation to claim their account.
//! Every import's report is kept, dry runs and refused files included.

use std::io::Cursor;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use chrono::Utc;
use peitao_auth::opaque::OpaqueToken;
use peitao_auth::policy::Action;
use peitao_domain::Locale;
use peitao_domain::roster::{self, RosterRow, RowError};
use peitao_domain::user::EmailFrequency;
use peitao_notify::MailContent;
use peitao_persistence::desk::{self, NewImport, RosterOrganization};
use peitao_persistence::entities::import;
use peitao_persistence::{audit, tokens};
use serde_json::{Value, json};
use uuid::Uuid;

use super::accounts::Origin;
use super::mailing::{self, Recipient};
use super::{audit_entry, begin, commit};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;

/// How long a roster invitation stays good: associations mail rosters ahead of a season.
const INVITATION_TTL: chrono::Duration = chrono::Duration::days(30);

/// The kind of file uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    pub const XLSX_TYPE: &'static str =
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// The kind a `Content-Type` names (parameters such as `charset` ignored).
    #[must_use]
    pub fn from_content_type(content_type: &str) -> Option<FileKind> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" => Some(FileKind::Csv),
            Self::XLSX_TYPE => Some(FileKind::Xlsx),
            _ => None,
        }
    }

    /// The kind a file name suggests (the upload form's fallback).
    #[must_use]
    pub fn from_file_name(name: &str) -> Option<FileKind> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(FileKind::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(FileKind::Xlsx)
        } else {
            None
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Csv => "csv",
            FileKind::Xlsx => "xlsx",
        }
    }
}

/// An uploaded roster.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    pub dry_run: bool,
}

/// An import's outcome as kept.
#[derive(Debug, Clone)]
pub struct Report {
    pub row: import::Model,
    pub errors: Vec<RowError>,
}

impl Report {
    /// Whether nothing was refused.
    #[must_use]
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The JSON body clients get, messages in `locale`.
    #[must_use]
    pub fn body(&self, locale: Locale) -> Value {
        json!({
            "id": self.row.id,
            "file_name": self.row.file_name,
            "file_kind": self.row.file_kind,
            "dry_run": self.row.dry_run,
            "created": self.row.created,
            "updated": self.row.updated,
            "created_at": self.row.created_at.to_rfc3339(),
            "errors": self.errors.iter().map(|e| json!({
                "row": e.row,
                "field": e.field,
                "code": e.code,
                "message": locale.pick(&e.zh, &e.en),
            })).collect::<Vec<_>>(),
        })
    }

    fn from_row(row: import::Model) -> Report {
        let errors = serde_json::from_str::<Vec<Value>>(&row.errors)
            .unwrap_or_default()
            .iter()
            .map(|e| RowError {
                row: e["row"]
                    .as_u64()
                    .and_then(|r| usize::try_from(r).ok())
                    .unwrap_or(0),
                field: e["field"].as_str().unwrap_or_default().to_owned(),
                code: e["code"].as_str().unwrap_or_default().to_owned(),
                zh: e["zh"].as_str().unwrap_or_default().to_owned(),
                en: e["en"].as_str().unwrap_or_default().to_owned(),
            })
            .collect();
        Report { row, errors }
    }
}

fn file_error(code: &str, zh: &str, en: &str) -> RowError {
    RowError {
        row: 0,
        field: "file".to_owned(),
        code: code.to_owned(),
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

/// The file's rows as text, header first.
///
/// # Errors
/// A file that cannot be read as its kind (one error naming `file`, row 0).
pub fn read_records(kind: FileKind, bytes: &[u8]) -> Result<Vec<Vec<String>>, RowError> {
    match kind {
        FileKind::Csv => {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                file_error(
                    "file.encoding",
                    "文件不是 UTF-8 编码:请在 Excel 中另存为“CSV UTF-8”。",
                    "The file is not UTF-8: save it as \"CSV UTF-8\".",
                )
            })?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            reader
                .records()
                .map(|r| {
                    r.map(|rec| rec.iter().map(str::to_owned).collect())
                        .map_err(|_| {
                            file_error(
                                "file.csv",
                                "无法读取 CSV 文件。",
                                "The CSV file could not be read.",
                            )
                        })
                })
                .collect()
        }
        FileKind::Xlsx => {
            let unreadable = || {
                file_error(
                    "file.xlsx",
                    "无法读取 XLSX 工作簿。",
                    "The XLSX workbook could not be read.",
                )
            };
            let mut book: Xlsx<_> =
                open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
            let range = book
                .worksheet_range_at(0)
                .ok_or_else(unreadable)?
                .map_err(|_| unreadable())?;
            // Cells are read as their values (a formula's cached result), never evaluated.
            Ok(range
                .rows()
                .map(|row| row.iter().map(ToString::to_string).collect())
                .collect())
        }
    }
}

fn organization_of(row: &RosterRow) -> RosterOrganization {
    RosterOrganization {
        name: row.name.clone(),
        credit_code: row.credit_code.as_str().to_owned(),
        kind: row.kind.as_str(),
        region_code: row.region_code.as_str().to_owned(),
        contact_email: row.contact_email.as_str().to_owned(),
        categories: row
            .categories
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
    }
}

fn errors_json(errors: &[RowError]) -> Value {
    Value::Array(
        errors
            .iter()
            .map(
                |e| json!({"row": e.row, "field": e.field, "code": e.code, "zh": e.zh, "en": e.en}),
            )
            .collect(),
    )
}

/// Imports a roster: all rows or none. Unchanged rows are left alone; changed ones update
/// their organization; new ones create it and mail its contact an invitation to own it.
/// A dry run reports the same and writes only its report.
///
/// # Errors
/// 403 unless staff; database errors. Refused rows are not an error here: see [`Report::ok`].
pub async fn import(
    state: &AppState,
    caller: &AuthUser,
    upload: Upload,
    origin: &Origin,
) -> Result<Report, ApiError> {
    caller.authorize(Action::ImportRoster)?;
    let now = Utc::now();
    let parsed = read_records(upload.kind, &upload.bytes)
        .map_err(|e| vec![e])
        .and_then(|records| roster::parse(&records, &state.reference));
    let txn = begin(state).await?;
    let (created, updated, errors) = match parsed {
        Err(errors) => (0, 0, errors),
        Ok(rows) => {
            let codes: Vec<String> = rows
                .iter()
                .map(|r| r.credit_code.as_str().to_owned())
                .collect();
            let existing = desk::organizations_by_credit_code(&txn, &codes).await?;
            let ids: Vec<Uuid> = existing.values().map(|o| o.id).collect();
            let categories = desk::categories_of(&txn, &ids).await?;
            let (mut created, mut updated) = (0, 0);
            for row in &rows {
                let wanted = organization_of(row);
                match existing.get(&wanted.credit_code) {
                    Some(current) => {
                        let held = categories.get(&current.id).map_or(&[][..], Vec::as_slice);
                        if !desk::same_as(current, held, &wanted) {
                            updated += 1;
                            if !upload.dry_run {
                                desk::update_from_roster(&txn, current.clone(), &wanted, now)
                                    .await?;
                            }
                        }
                    }
                    None => {
                        created += 1;
                        if !upload.dry_run {
                            let org = desk::create_from_roster(&txn, &wanted, now).await?;
                            invite_owner(&txn, state, caller, &org, origin, now).await?;
                        }
                    }
                }
            }
            (created, updated, Vec::new())
        }
    };
    let row = desk::record_import(
        &txn,
        NewImport {
            staff_user_id: caller.user.id,
            file_name: upload.file_name.chars().take(255).collect(),
            file_kind: upload.kind.as_str().to_owned(),
            dry_run: upload.dry_run,
            created,
            updated,
            errors: errors_json(&errors),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        audit_entry(
            Some(&caller.user),
            "roster.import",
            "import",
            Some(row.id.to_string()),
            json!({"file": row.file_name, "dry_run": row.dry_run, "created": created,
                   "updated": updated, "errors": errors.len()}),
            &origin.ip,
        ),
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(Report { row, errors })
}

async fn invite_owner(
    txn: &peitao_persistence::sea_orm::DatabaseTransaction,
    state: &AppState,
    caller: &AuthUser,
    org: &peitao_persistence::entities::organization::Model,
    origin: &Origin,
    now: chrono::DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(email) = org.contact_email.clone() else {
        return Ok(());
    };
    let token = OpaqueToken::generate();
    let id = tokens::create(
        txn,
        tokens::NewToken {
            purpose: tokens::INVITATION,
            token_hash: token.hash.clone(),
            user_id: None,
            email: Some(email.clone()),
            organization_id: Some(org.id),
            created_by: Some(caller.user.id),
            expires_at: now + INVITATION_TTL,
        },
        now,
    )
    .await?;
    let content = MailContent::Invitation {
        inviter_name: caller.user.display_name.clone(),
        organization_name: org.name.clone(),
        link: mailing::link(state, &format!("/invitations/accept?token={}", token.plain)),
    };
    // The invitee has no account yet: the mail goes in the importing staff member's language.
    let to = Recipient {
        user_id: None,
        email,
        name: None,
        locale: Locale::from_tag(&caller.user.locale).unwrap_or(origin.locale),
        frequency: EmailFrequency::Instant,
    };
    mailing::tell(txn, state, &to, &content, &id.to_string(), now).await?;
    Ok(())
}

/// Import reports, newest first.
///
/// # Errors
/// 403 unless staff.
pub async fn list(
    state: &AppState,
    caller: &AuthUser,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Report>, ApiError> {
    caller.authorize(Action::ImportRoster)?;
    Ok(desk::imports(state.db.conn(), before, limit)
        .await?
        .into_iter()
        .map(Report::from_row)
        .collect())
}

/// One import report.
///
/// # Errors
/// 403 unless staff; 404 unknown.
pub async fn get(state: &AppState, caller: &AuthUser, id: Uuid) -> Result<Report, ApiError> {
    caller.authorize(Action::ImportRoster)?;
    desk::import(state.db.conn(), id)
        .await?
        .map(Report::from_row)
        .ok_or(ApiError::NotFound)
}
