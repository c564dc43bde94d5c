//! /api/v1/{capabilities,needs}/{id}/attachments and /api/v1/attachments/{id}: upload (multipart,
//! one part named `file`), list, download and delete. Thin: the rules are in `service::attachments`.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use peitao_persistence::entities::attachment;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::accounts::origin;
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError, Text};
use crate::service::attachments::{self, Posting, Upload};

/// Room for the multipart framing around the file (boundaries, part headers, a long name).
const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(upload_to_capability)
        .service(upload_to_need)
        .service(upload_to_quote)
        .service(list_of_quote)
        .service(list_of_capability)
        .service(list_of_need)
        .service(download)
        .service(remove);
}

#[derive(OpenApi)]
#[openapi(paths(
    upload_to_capability,
    upload_to_need,
    upload_to_quote,
    list_of_quote,
    list_of_capability,
    list_of_need,
    download,
    remove
))]
pub struct ApiDoc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The id of the capability, need, match or attachment the path names.
    id: Uuid,
}

/// An attachment as clients see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Attachment)]
pub struct AttachmentBody {
    pub id: Uuid,
    pub file_name: String,
    /// `pdf`, `png`, `jpeg`, `xlsx`, `dwg` or `step`.
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<attachment::Model> for AttachmentBody {
    fn from(a: attachment::Model) -> Self {
        AttachmentBody {
            id: a.id,
            file_name: a.file_name,
            kind: a.kind,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            created_at: a.created_at,
        }
    }
}

/// A multipart upload: the file in a part named `file`. Other parts are ignored; a part name
/// with a control character, or ending in a backslash, cannot be read at all (400).
// `openapi::document` adds the last rule as the form's `propertyNames`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AttachmentList)]
struct Items {
    items: Vec<AttachmentBody>,
}

fn too_large(max: usize) -> ApiError {
    ApiError::FieldTooLarge(FieldError {
        field: "file".into(),
        code: "attachment.too_large".into(),
        message: Text::new(
            format!("文件不能超过 {max} 字节。"),
            format!("The file may have at most {max} bytes."),
        ),
    })
}

fn unreadable() -> ApiError {
    ApiError::BadRequest(Text::fixed(
        "请以 multipart/form-data 上传,文件放在名为 file 的部分中。",
        "Upload as multipart/form-data with the file in a part named file.",
    ))
}

/// Reads the one part named `file`, holding at most `max` bytes of it. Other parts are skipped.
/// An oversize file is read to the end (within the framing's allowance) so the client gets the
/// 413 instead of a reset connection; a body far past the limit is refused without reading it.
async fn read_file(req: &HttpRequest, mut form: Multipart, max: usize) -> Result<Upload, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let allowance = max.saturating_add(MULTIPART_OVERHEAD);
    if declared.is_some_and(|n| n > allowance) {
        return Err(too_large(max));
    }
    let mut file: Option<Upload> = None;
    let mut oversize = false;
    let mut read = 0usize;
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|_| unreadable())?;
        let is_file = part.name() == Some("file");
        if is_file && file.is_some() {
            return Err(ApiError::Validation(vec![FieldError {
                field: "file".into(),
                code: "attachment.one_file".into(),
                message: Text::fixed("每次只能上传一个文件。", "Upload one file at a time."),
            }]));
        }
        let file_name = part.content_disposition().and_then(|cd| {
            cd.get_filename().map(str::to_owned).or_else(|| {
                cd.get_filename_ext()
                    .and_then(|ext| String::from_utf8(ext.value.clone()).ok())
            })
        });
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            read = read.saturating_add(chunk.len());
            if read > allowance {
                return Err(too_large(max));
            }
            if is_file && !oversize {
                if bytes.len() + chunk.len() > max {
                    oversize = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
        }
        if is_file {
            file = Some(Upload { file_name, bytes });
        }
    }
    if oversize {
        return Err(too_large(max));
    }
    file.ok_or_else(|| {
        ApiError::Validation(vec![FieldError {
            field: "file".into(),
            code: "required".into(),
            message: Text::fixed(
                "请在名为 file 的部分中附上文件。",
                "Attach the file in a part named file.",
            ),
        }])
    })
}

async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    posting: Posting,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let target = attachments::upload_target(&state, &user, posting).await?;
    let file = read_file(&req, form, state.config.attachment_max_bytes).await?;
    let row = attachments::store(&state, &user, &target, file, &origin(&req, &state)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/attachments/{}", row.id)))
        .json(AttachmentBody::from(row)))
}

/// 201 with the attachment; 413/422 naming `file` when it is too large or not an accepted type.
#[utoipa::path(
    tag = "attachments",
    summary = "Upload a file to a capability · 上传附件",
    description = "One part named `file` (PDF, PNG, JPEG, XLSX, DWG or STEP, up to `attachments.max_bytes`).",
    params(IdPath),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The attachment; its address in `Location`", body = AttachmentBody),
        (status = 400, description = "Not multipart/form-data"),
        (status = 409, description = "The need is closed or expired"),
        (status = 413, description = "The file is larger than allowed (`errors` names `file`)"),
        (status = 422, description = "No part named `file`, an empty file, or not an accepted type"),
        (status = 507, description = "The attachment store's disk is full (`errors` names `file`); nothing was kept"),
    ),
    security(("bearer" = []))
)]
#[post("/capabilities/{id}/attachments")]
pub async fn upload_to_capability(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    upload(req, state, user, Posting::Capability(path.id), form).await
}

/// 201 with the attachment; the quoting supplier's verified members, once it has quoted.
#[utoipa::path(
    tag = "attachments",
    summary = "Upload a file to a match's quote · 上传附件",
    description = "One part named `file` (PDF, PNG, JPEG, XLSX, DWG or STEP, up to `attachments.max_bytes`). The quoting supplier's verified members, once it has quoted.",
    params(IdPath),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The attachment; its address in `Location`", body = AttachmentBody),
        (status = 400, description = "Not multipart/form-data"),
        (status = 409, description = "The need is closed or expired"),
        (status = 413, description = "The file is larger than allowed (`errors` names `file`)"),
        (status = 422, description = "No part named `file`, an empty file, or not an accepted type"),
        (status = 507, description = "The attachment store's disk is full (`errors` names `file`); nothing was kept"),
    ),
    security(("bearer" = []))
)]
#[post("/matches/{id}/quote/attachments")]
pub async fn upload_to_quote(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    upload(req, state, user, Posting::Quote(path.id), form).await
}

/// The files of a match's quote: its supplier, the automaker and staff.
#[utoipa::path(
    tag = "attachments",
    summary = "The files of a match's quote · 附件列表",
    params(IdPath),
    responses((status = 200, description = "Every attachment, oldest first", body = Items)),
    security(("bearer" = []))
)]
#[get("/matches/{id}/quote/attachments")]
pub async fn list_of_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    list(state, user, Posting::Quote(path.id)).await
}

/// 201 with the attachment; as for capabilities.
#[utoipa::path(
    tag = "attachments",
    summary = "Upload a file to a need · 上传附件",
    description = "One part named `file` (PDF, PNG, JPEG, XLSX, DWG or STEP, up to `attachments.max_bytes`).",
    params(IdPath),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The attachment; its address in `Location`", body = AttachmentBody),
        (status = 400, description = "Not multipart/form-data"),
        (status = 409, description = "The need is closed or expired"),
        (status = 413, description = "The file is larger than allowed (`errors` names `file`)"),
        (status = 422, description = "No part named `file`, an empty file, or not an accepted type"),
        (status = 507, description = "The attachment store's disk is full (`errors` names `file`); nothing was kept"),
    ),
    security(("bearer" = []))
)]
#[post("/needs/{id}/attachments")]
pub async fn upload_to_need(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    upload(req, state, user, Posting::Need(path.id), form).await
}

async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    posting: Posting,
) -> Result<HttpResponse, ApiError> {
    let rows = attachments::list(&state, &user, posting).await?;
    Ok(HttpResponse::Ok().json(Items {
        items: rows.into_iter().map(AttachmentBody::from).collect(),
    }))
}

#[utoipa::path(
    tag = "attachments",
    summary = "The files of a capability · 附件列表",
    params(IdPath),
    responses((status = 200, description = "Every attachment, oldest first", body = Items)),
    security(("bearer" = []))
)]
#[get("/capabilities/{id}/attachments")]
pub async fn list_of_capability(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    list(state, user, Posting::Capability(path.id)).await
}

#[utoipa::path(
    tag = "attachments",
    summary = "The files of a need · 附件列表",
    params(IdPath),
    responses((status = 200, description = "Every attachment, oldest first", body = Items)),
    security(("bearer" = []))
)]
#[get("/needs/{id}/attachments")]
pub async fn list_of_need(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    list(state, user, Posting::Need(path.id)).await
}

/// RFC 5987 `attr-char`: what may stand unescaped in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="<ASCII stand-in>"; filename*=UTF-8''<the real name>` (RFC 6266):
/// old clients get a readable ASCII name, every current one the real name.
#[must_use]
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(file_name, ATTR_CHAR)
    )
}

/// The file, as an attachment (never shown inline), with the type its content was found to be.
#[utoipa::path(
    tag = "attachments",
    summary = "Download an attachment · 下载附件",
    description = "Always as an attachment (`Content-Disposition`), with the type its content was found to be.",
    params(IdPath),
    responses((status = 200, description = "The file", content(
        ([u8] = "application/pdf"),
        ([u8] = "image/png"),
        ([u8] = "image/jpeg"),
        ([u8] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ([u8] = "image/vnd.dwg"),
        ([u8] = "model/step"),
    ))),
    security(("bearer" = []))
)]
#[get("/attachments/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let file = attachments::download(&state, &user, path.id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.kind.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&file.attachment.file_name),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(file.bytes))
}

/// 204; the attachment is gone from lists and downloads (its row stays, marked deleted).
#[utoipa::path(
    tag = "attachments",
    summary = "Delete an attachment · 删除附件",
    params(IdPath),
    responses((status = 204, description = "Gone from lists and downloads")),
    security(("bearer" = []))
)]
#[delete("/attachments/{id}")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    attachments::delete(&state, &user, path.id, &origin(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn names_are_sent_both_ways() {
        assert_eq!(
            content_disposition("图纸 A.pdf"),
            "attachment; filename=\"__ A.pdf\"; filename*=UTF-8''%E5%9B%BE%E7%BA%B8%20A.pdf"
        );
        assert_eq!(
            content_disposition("a\"b.png"),
            "attachment; filename=\"a_b.png\"; filename*=UTF-8''a%22b.png"
        );
    }
}
