//! Attachments through the real server: each accepted type uploads and downloads byte for byte,
//! types are told by content, oversize and mistyped files leave nothing behind, the same file is
//! stored once, and who may see, add and remove files follows the posting's visibility; the same
//! through an S3-compatible bucket (a real S3 server, `peitao_tests::s3`), including an
//! unreachable one.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;

use peitao_domain::CreditCode;
use peitao_domain::user::Role;
use peitao_persistence::blobs::{self, BlobKey, BlobStore, Blobs, FsBlobStore, Put, S3BlobStore};
use peitao_persistence::entities::{attachment, proposal};
use peitao_persistence::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use peitao_tests::TestApp;
use peitao_tests::s3::{self, PREFIX, S3Server};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const BOUNDARY: &str = "peitao-test-boundary-4f1c9a";

fn credit(n: u32) -> String {
    CreditCode::with_check_char(&format!("91500112MA{n:07}"))
        .unwrap()
        .as_str()
        .to_owned()
}

/// A verified member of a new organization: token and organization id.
async fn firm(app: &TestApp, n: u32, role: &str) -> (String, Uuid) {
    let token = app
        .verified_user(&format!("m{n}@firm.example.cn"), role, &credit(n))
        .await
        .access_token;
    let (_, me) = app
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    (
        token,
        me["organization_id"].as_str().unwrap().parse().unwrap(),
    )
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Uuid {
    let (status, body) = app.call(Method::POST, path, Some(token), Some(&body)).await;
    assert_eq!(status, 201, "POST {path}: {body}");
    body["id"].as_str().unwrap().parse().unwrap()
}

async fn capability(app: &TestApp, token: &str, status: &str) -> Uuid {
    post(
        app,
        token,
        "/api/v1/capabilities",
        json!({"category_code": "CHIP.MCU", "title": "车规 MCU", "description": "车规级微控制器",
            "status": status}),
    )
    .await
}

async fn need(app: &TestApp, token: &str) -> Uuid {
    post(
        app,
        token,
        "/api/v1/needs",
        json!({"category_code": "CHIP.MCU", "title": "MCU 采购", "description": "年需求 10 万片",
            "delivery_region_code": "500112", "respond_by": "2030-12-31"}),
    )
    .await
}

/// A multipart body with one part named `field` holding `bytes` as `file_name`.
fn multipart(field: &str, file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n随附图纸\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads `bytes` as `file_name` to `path` (…/attachments): status and JSON body.
async fn upload_as(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    field: &str,
    file_name: &str,
    bytes: &[u8],
    lang: &str,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(path))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("Accept-Language", lang)
        .body(multipart(field, file_name, bytes));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn upload(app: &TestApp, token: &str, path: &str, file_name: &str, bytes: &[u8]) -> Value {
    let (status, body) = upload_as(app, Some(token), path, "file", file_name, bytes, "en").await;
    assert_eq!(status, 201, "upload {file_name} to {path}: {body}");
    body
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    b.extend_from_slice(b"\x1f\x15\xc4\x89\0\0\0\0IEND\xaeB`\x82");
    b
}

fn jpeg() -> Vec<u8> {
    b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xFF\xD9".to_vec()
}

/// A ZIP (stored entries) holding these files, as the `zip` crate writes it.
fn zip_with(names: &[&str]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for name in names {
        writer.start_file(*name, options).unwrap();
        writer.write_all(b"<?xml version=\"1.0\"?><x/>").unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn xlsx() -> Vec<u8> {
    zip_with(&[
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/worksheets/sheet1.xml",
    ])
}

fn docx() -> Vec<u8> {
    zip_with(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
}

fn dwg() -> Vec<u8> {
    let mut b = b"AC1032".to_vec();
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0x1f, 0x01, 0x00, 0x80, 0x02]);
    b
}

fn step() -> Vec<u8> {
    b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('brake disc'),'2;1');\nENDSEC;\nDATA;\nENDSEC;\nEND-ISO-10303-21;\n".to_vec()
}

fn exe() -> Vec<u8> {
    b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0\xB8\0\0\0\0\0\0\0@\0".to_vec()
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Every regular file under `dir`.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

async fn rows(app: &TestApp) -> u64 {
    attachment::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

async fn fetch(app: &TestApp, token: Option<&str>, id: &str) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url(&format!("/api/v1/attachments/{id}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn each_accepted_type_uploads_lists_and_downloads_byte_for_byte() {
    let app = TestApp::spawn().await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    let (oem, _) = firm(&app, 2, "oem").await;
    let cap = capability(&app, &supplier, "published").await;
    let path = format!("/api/v1/capabilities/{cap}/attachments");
    let samples: [(&str, Vec<u8>, &str, &str); 6] = [
        ("spec.pdf", pdf(), "pdf", "application/pdf"),
        ("photo.png", png(), "png", "image/png"),
        ("photo.jpg", jpeg(), "jpeg", "image/jpeg"),
        (
            "bom.xlsx",
            xlsx(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("housing.dwg", dwg(), "dwg", "image/vnd.dwg"),
        ("disc.step", step(), "step", "model/step"),
    ];
    let mut ids = Vec::new();
    for (name, bytes, kind, content_type) in &samples {
        let body = upload(&app, &supplier, &path, name, bytes).await;
        assert_eq!(body["kind"], *kind, "{body}");
        assert_eq!(body["content_type"], *content_type);
        assert_eq!(body["file_name"], *name);
        assert_eq!(body["size_bytes"], bytes.len());
        assert_eq!(body["sha256"], sha256(bytes));
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    // A published capability's files are there for any signed-in user, oldest first.
    let (status, list) = app.call(Method::GET, &path, Some(&oem), None).await;
    assert_eq!(status, 200, "{list}");
    let listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());
    for ((name, bytes, _, content_type), id) in samples.iter().zip(&ids) {
        let res = fetch(&app, Some(&oem), id).await;
        assert_eq!(res.status(), 200);
        let headers = res.headers().clone();
        assert_eq!(headers["content-type"], *content_type);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains(&format!("filename*=UTF-8''{name}")),
            "{disposition}"
        );
        assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // Anonymous callers get nothing.
    assert_eq!(app.call(Method::GET, &path, None, None).await.0, 401);
    assert_eq!(fetch(&app, None, &ids[0]).await.status(), 401);
    // Every upload is in the audit log.
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let (_, log) = app
        .call(
            Method::GET,
            "/api/v1/audit?entity=attachment",
            Some(&staff),
            None,
        )
        .await;
    let uploads = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "attachment.upload")
        .count();
    assert_eq!(uploads, 6, "{log}");
}

#[tokio::test]
async fn mistyped_and_oversize_files_are_refused_in_both_languages_and_nothing_is_stored() {
    let app = TestApp::spawn_with(|s| s.attachments.max_bytes = 4096).await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    let cap = capability(&app, &supplier, "published").await;
    let path = format!("/api/v1/capabilities/{cap}/attachments");

    let refusals: [(&str, Vec<u8>); 4] = [
        ("drawing.pdf", exe()),
        ("bom.xlsx", docx()),
        ("archive.xlsx", zip_with(&["readme.txt"])),
        ("notes.pdf", b"just some text, not a PDF".to_vec()),
    ];
    for (name, bytes) in &refusals {
        let (status, body) =
            upload_as(&app, Some(&supplier), &path, "file", name, bytes, "en").await;
        assert_eq!(status, 422, "{name}: {body}");
        assert_eq!(body["errors"][0]["field"], "file", "{body}");
        assert_eq!(body["errors"][0]["code"], "attachment.type", "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Only PDF"),
            "{body}"
        );
    }
    let (status, body) = upload_as(
        &app,
        Some(&supplier),
        &path,
        "file",
        "setup.pdf",
        &exe(),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("仅接受"),
        "{body}"
    );

    // Over the configured 4 KiB: 413 naming the field.
    let mut big = pdf();
    big.resize(5000, b' ');
    let (status, body) =
        upload_as(&app, Some(&supplier), &path, "file", "big.pdf", &big, "en").await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["field"], "file", "{body}");
    assert_eq!(body["errors"][0]["code"], "attachment.too_large");
    assert_eq!(
        body["type"], "/problems/payload-too-large",
        "a problem document: {body}"
    );
    // Far over it: refused from the declared length alone.
    let mut huge = pdf();
    huge.resize(200 * 1024, b' ');
    let (status, body) = upload_as(
        &app,
        Some(&supplier),
        &path,
        "file",
        "huge.pdf",
        &huge,
        "zh-CN",
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["field"], "file");
    // Exactly at the limit is fine — but first check nothing was kept so far.
    assert_eq!(rows(&app).await, 0);
    assert!(files_under(app.attachments_dir()).is_empty());

    // No part named file, an empty file, a JSON body.
    let (status, body) = upload_as(
        &app,
        Some(&supplier),
        &path,
        "document",
        "a.pdf",
        &pdf(),
        "en",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "file");
    let (status, body) = upload_as(&app, Some(&supplier), &path, "file", "a.pdf", b"", "en").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["code"], "attachment.empty");
    let (status, _) = app
        .call(
            Method::POST,
            &path,
            Some(&supplier),
            Some(&json!({"file": "x"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(rows(&app).await, 0);
    assert!(files_under(app.attachments_dir()).is_empty());

    let mut exact = pdf();
    exact.resize(4096, b' ');
    upload(&app, &supplier, &path, "exact.pdf", &exact).await;
    assert_eq!(rows(&app).await, 1);
    assert_eq!(files_under(app.attachments_dir()).len(), 1);
}

#[tokio::test]
async fn the_same_file_twice_is_stored_once() {
    let app = TestApp::spawn().await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    let (oem, _) = firm(&app, 2, "oem").await;
    let cap = capability(&app, &supplier, "published").await;
    let need = need(&app, &oem).await;
    let a = upload(
        &app,
        &supplier,
        &format!("/api/v1/capabilities/{cap}/attachments"),
        "a.pdf",
        &pdf(),
    )
    .await;
    let b = upload(
        &app,
        &oem,
        &format!("/api/v1/needs/{need}/attachments"),
        "copy.pdf",
        &pdf(),
    )
    .await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(a["sha256"], b["sha256"]);
    assert_eq!(rows(&app).await, 2);
    let files = files_under(app.attachments_dir());
    assert_eq!(files.len(), 1, "{files:?}");
    let sha = a["sha256"].as_str().unwrap();
    assert_eq!(
        files[0],
        app.attachments_dir()
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(sha)
    );
    assert_eq!(std::fs::read(&files[0]).unwrap(), pdf());
}

#[tokio::test]
async fn need_attachments_are_for_the_owner_staff_and_suppliers_with_an_approved_match() {
    let app = TestApp::spawn().await;
    let (oem, oem_org) = firm(&app, 1, "oem").await;
    let (other_oem, _) = firm(&app, 2, "oem").await;
    let (supplier, supplier_org) = firm(&app, 3, "supplier").await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let cap = capability(&app, &supplier, "published").await;
    let need = need(&app, &oem).await;
    let path = format!("/api/v1/needs/{need}/attachments");
    let body = upload(&app, &oem, &path, "图纸.pdf", &pdf()).await;
    let id = body["id"].as_str().unwrap().to_owned();

    for (who, token, status) in [
        ("owner", Some(&oem), 200),
        ("staff", Some(&staff), 200),
        ("unmatched supplier", Some(&supplier), 403),
        ("another oem", Some(&other_oem), 403),
        ("anonymous", None, 401),
    ] {
        let token = token.map(String::as_str);
        let (got, body) = app.call(Method::GET, &path, token, None).await;
        assert_eq!(got, status, "list as {who}: {body}");
        assert_eq!(
            fetch(&app, token, &id).await.status().as_u16(),
            status,
            "download as {who}"
        );
    }
    // Others may not add files to the need, whatever they are.
    for token in [&supplier, &other_oem, &staff] {
        let (status, body) =
            upload_as(&app, Some(token), &path, "file", "x.pdf", &pdf(), "en").await;
        assert_eq!(status, 403, "{body}");
    }

    // Staff approve a match between the need and the supplier (the approve endpoint is built
    // elsewhere; the row is what counts).
    let conn = app.db().conn();
    let existing = proposal::Entity::find()
        .filter(proposal::Column::NeedId.eq(need))
        .filter(proposal::Column::SupplierId.eq(supplier_org))
        .one(conn)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    match existing {
        Some(row) => {
            let mut row: proposal::ActiveModel = row.into();
            row.status = Set("approved".into());
            row.update(conn).await.unwrap();
        }
        None => {
            proposal::ActiveModel {
                id: Set(Uuid::now_v7()),
                need_id: Set(need),
                capability_id: Set(cap),
                supplier_id: Set(supplier_org),
                oem_id: Set(oem_org),
                score: Set(0.9),
                rank: Set(Some(1)),
                explanation: Set("{}".into()),
                status: Set("approved".into()),
                supplier_interest: Set(None),
                oem_interest: Set(None),
                decided_by: Set(None),
                decided_at: Set(Some(now)),
                reason: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                supplier_answered_at: Set(None),
                oem_answered_at: Set(None),
                supplier_decline_reason: Set(None),
                oem_decline_reason: Set(None),
                contact_revealed_at: Set(None),
            }
            .insert(conn)
            .await
            .unwrap();
        }
    }
    let (status, body) = app.call(Method::GET, &path, Some(&supplier), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"][0]["file_name"], "图纸.pdf");
    let res = fetch(&app, Some(&supplier), &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf().as_slice());
    // Seeing is not changing.
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/attachments/{id}"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, 403);
    // The other OEM still sees nothing.
    assert_eq!(fetch(&app, Some(&other_oem), &id).await.status(), 403);

    // A closed need keeps its files but takes no new ones.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/needs/{need}/close"),
            Some(&oem),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = upload_as(&app, Some(&oem), &path, "file", "late.pdf", &png(), "en").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        app.call(Method::GET, &path, Some(&supplier), None).await.0,
        200
    );
    assert_eq!(rows(&app).await, 1);
}

#[tokio::test]
async fn drafts_of_others_are_not_found_and_others_may_not_change_a_posting() {
    let app = TestApp::spawn().await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    let (rival, _) = firm(&app, 2, "supplier").await;
    let (oem, _) = firm(&app, 3, "oem").await;
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let draft = capability(&app, &supplier, "draft").await;
    let draft_path = format!("/api/v1/capabilities/{draft}/attachments");
    let in_draft = upload(&app, &supplier, &draft_path, "draft.pdf", &pdf()).await;
    let in_draft = in_draft["id"].as_str().unwrap();
    // Another organization's draft does not exist for them.
    for token in [&rival, &oem] {
        assert_eq!(
            app.call(Method::GET, &draft_path, Some(token), None)
                .await
                .0,
            404
        );
        assert_eq!(fetch(&app, Some(token), in_draft).await.status(), 404);
        let (status, _) = upload_as(
            &app,
            Some(token),
            &draft_path,
            "file",
            "x.pdf",
            &pdf(),
            "en",
        )
        .await;
        assert_eq!(status, 404);
    }
    assert_eq!(
        app.call(Method::GET, &draft_path, Some(&staff), None)
            .await
            .0,
        200
    );
    let missing = Uuid::now_v7();
    let (status, _) = upload_as(
        &app,
        Some(&supplier),
        &format!("/api/v1/capabilities/{missing}/attachments"),
        "file",
        "x.pdf",
        &pdf(),
        "en",
    )
    .await;
    assert_eq!(status, 404);

    // A published one is seen by all, changed only by its own organization (and staff delete).
    let published = capability(&app, &supplier, "published").await;
    let path = format!("/api/v1/capabilities/{published}/attachments");
    let body = upload(&app, &supplier, &path, "spec.pdf", &pdf()).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let (status, body) = upload_as(&app, Some(&rival), &path, "file", "x.pdf", &png(), "en").await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = upload_as(&app, Some(&staff), &path, "file", "x.pdf", &pdf(), "en").await;
    assert_eq!(status, 403, "staff correct, they do not post for a company");
    let delete = format!("/api/v1/attachments/{id}");
    assert_eq!(
        app.call(Method::DELETE, &delete, Some(&rival), None)
            .await
            .0,
        403
    );
    assert_eq!(
        app.call(Method::DELETE, &delete, Some(&oem), None).await.0,
        403
    );
    assert_eq!(
        app.call(Method::DELETE, &delete, Some(&staff), None)
            .await
            .0,
        204
    );
    assert_eq!(fetch(&app, Some(&supplier), &id).await.status(), 404);
    // Nothing the refused uploads sent was kept: two rows, two blobs (draft.pdf and spec.pdf
    // are the same bytes, so one blob).
    assert_eq!(rows(&app).await, 2);
    assert_eq!(files_under(app.attachments_dir()).len(), 1);
}

#[tokio::test]
async fn chinese_names_round_trip_and_deleted_files_are_gone() {
    let app = TestApp::spawn().await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    let (oem, _) = firm(&app, 2, "oem").await;
    let cap = capability(&app, &supplier, "published").await;
    let path = format!("/api/v1/capabilities/{cap}/attachments");
    let name = "刹车盘 图纸(第2版).pdf";
    let body = upload(&app, &supplier, &path, name, &pdf()).await;
    assert_eq!(body["file_name"], name);
    let id = body["id"].as_str().unwrap().to_owned();

    let res = fetch(&app, Some(&oem), &id).await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let encoded = disposition
        .split("filename*=UTF-8''")
        .nth(1)
        .expect("an RFC 5987 filename*");
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, name, "{disposition}");
    assert!(encoded.is_ascii() && !encoded.contains(' '), "{encoded}");

    // A path and a wrong extension in the name are cut and corrected; the content decides.
    let body = upload(&app, &supplier, &path, "../图纸/setup.exe", &pdf()).await;
    assert_eq!(body["file_name"], "setup.exe.pdf");
    assert_eq!(body["kind"], "pdf");

    let delete = format!("/api/v1/attachments/{id}");
    assert_eq!(
        app.call(Method::DELETE, &delete, Some(&supplier), None)
            .await
            .0,
        204
    );
    assert_eq!(fetch(&app, Some(&supplier), &id).await.status(), 404);
    assert_eq!(
        app.call(Method::DELETE, &delete, Some(&supplier), None)
            .await
            .0,
        404
    );
    let (_, list) = app.call(Method::GET, &path, Some(&supplier), None).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["setup.exe.pdf"]);
    // The row stays, marked; the audit log says who deleted it.
    let row = attachment::Entity::find_by_id(id.parse::<Uuid>().unwrap())
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert!(row.deleted_at.is_some());
    let staff = app
        .staff_session("staff@assoc.example.cn", Role::Staff)
        .await
        .access_token;
    let (_, log) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?entity=attachment&entity_id={id}"),
            Some(&staff),
            None,
        )
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["attachment.delete", "attachment.upload"], "{log}");
}

// The S3-compatible store, against a real S3 server (s3s over a folder) on a loopback port.

/// The object key of these bytes under the harness's prefix: `<prefix>/ab/cd/<sha256>`.
fn object_key(bytes: &[u8]) -> String {
    let k = sha256(bytes);
    format!("{PREFIX}/{}/{}/{k}", &k[0..2], &k[2..4])
}

#[tokio::test]
async fn the_s3_store_keeps_each_blob_once_under_its_hash_and_removes_it() {
    let server = S3Server::start().await;
    let store = S3BlobStore::new(&server.config()).unwrap();
    let bytes = pdf();
    let first = store.put(&bytes).await.unwrap();
    assert!(first.created);
    assert_eq!(first.key, BlobKey::of(&bytes));
    assert_eq!(server.keys(), [object_key(&bytes)]);
    assert_eq!(
        std::fs::read(server.object_file(&object_key(&bytes))).unwrap(),
        bytes
    );
    // The same bytes again: nothing new is written.
    let again = store.put(&bytes).await.unwrap();
    assert_eq!(
        again,
        Put {
            key: first.key.clone(),
            created: false
        }
    );
    assert_eq!(server.keys().len(), 1);
    assert_eq!(store.get(&first.key).await.unwrap().unwrap(), bytes);
    assert!(store.exists(&first.key).await.unwrap());

    let other = store.put(&png()).await.unwrap();
    assert!(other.created);
    assert_eq!(server.keys().len(), 2);
    store.remove(&first.key).await.unwrap();
    assert!(!store.exists(&first.key).await.unwrap());
    assert_eq!(store.get(&first.key).await.unwrap(), None);
    // Removing what is not there is fine (an upload's undo may race another).
    store.remove(&first.key).await.unwrap();
    assert_eq!(server.keys(), [object_key(&png())]);

    // The enum the application holds goes to the same bucket.
    let app_store = Blobs::S3(store.clone());
    assert_eq!(app_store.get(&other.key).await.unwrap().unwrap(), png());
    assert!(!app_store.put(&png()).await.unwrap().created);

    // An empty prefix keeps objects at the bucket's root.
    let mut config = server.config();
    config.prefix = String::new();
    let root = S3BlobStore::new(&config).unwrap();
    let put = root.put(&jpeg()).await.unwrap();
    let k = put.key.as_str();
    assert!(
        server
            .keys()
            .contains(&format!("{}/{}/{k}", &k[0..2], &k[2..4]))
    );
}

#[tokio::test]
async fn s3_store_errors_tell_an_unreachable_store_from_a_refused_request() {
    let server = S3Server::start().await;
    // A wrong secret: the server answers 403. An error, but the store was reached.
    let mut config = server.config();
    config.secret_access_key = "not-the-secret".to_owned();
    let refused = S3BlobStore::new(&config).unwrap();
    let err = refused.put(&pdf()).await.unwrap_err();
    assert!(!blobs::is_unreachable(&err), "{err}");
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
    assert!(server.keys().is_empty());

    // Nobody listening: every operation says "unreachable".
    let mut config = S3Server::config_for(&s3::unreachable_endpoint().await);
    config.max_retries = 0;
    let down = S3BlobStore::new(&config).unwrap();
    let key = BlobKey::of(&pdf());
    let errors = [
        down.put(&pdf()).await.unwrap_err(),
        down.get(&key).await.unwrap_err(),
        down.exists(&key).await.unwrap_err(),
        down.remove(&key).await.unwrap_err(),
    ];
    for err in &errors {
        assert!(blobs::is_unreachable(err), "{err}");
    }

    // The filesystem store's errors never are (a file stands where its folder should be).
    let file = tempfile::NamedTempFile::new().unwrap();
    let err = FsBlobStore::new(file.path()).put(&pdf()).await.unwrap_err();
    assert!(!blobs::is_unreachable(&err), "{err}");
}

#[tokio::test]
async fn attachments_upload_list_download_and_delete_through_an_s3_bucket() {
    let server = S3Server::start().await;
    let app = TestApp::spawn_with(|s| server.configure(s)).await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    let (oem, _) = firm(&app, 2, "oem").await;
    let cap = capability(&app, &supplier, "published").await;
    let path = format!("/api/v1/capabilities/{cap}/attachments");
    let bytes = step();
    let body = upload(&app, &supplier, &path, "刹车盘.step", &bytes).await;
    assert_eq!(body["sha256"], sha256(&bytes));
    assert_eq!(body["kind"], "step");
    let first = body["id"].as_str().unwrap().to_owned();
    // The bytes went to the bucket, nothing to the folder store.
    assert_eq!(server.keys(), [object_key(&bytes)]);
    assert!(files_under(app.attachments_dir()).is_empty());

    let (status, list) = app.call(Method::GET, &path, Some(&oem), None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["id"], first.as_str());
    let res = fetch(&app, Some(&oem), &first).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "model/step");
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // The same file again is one more row, not one more object.
    let second = upload(&app, &supplier, &path, "副本.step", &bytes).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(server.keys().len(), 1);
    assert_eq!(rows(&app).await, 2);

    let delete = format!("/api/v1/attachments/{first}");
    assert_eq!(
        app.call(Method::DELETE, &delete, Some(&supplier), None)
            .await
            .0,
        204
    );
    assert_eq!(fetch(&app, Some(&oem), &first).await.status(), 404);
    // The object stays: the second row names it.
    assert_eq!(server.keys().len(), 1);
    assert_eq!(
        fetch(&app, Some(&oem), &second)
            .await
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        bytes.as_slice()
    );

    let photo = upload(&app, &supplier, &path, "photo.png", &png()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // An object lost behind the app's back: the download is a logged 500 problem, not a panic,
    // and the server goes on answering.
    std::fs::remove_file(server.object_file(&object_key(&bytes))).unwrap();
    let res = fetch(&app, Some(&oem), &second).await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/internal", "{problem}");
    assert_eq!(app.call(Method::GET, &path, Some(&oem), None).await.0, 200);

    // The store going down: downloads answer 503 (Chinese by default), listing still works.
    server.stop().await;
    let res = fetch(&app, Some(&oem), &photo).await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["title"], "服务暂时不可用", "{problem}");
    assert_eq!(app.call(Method::GET, &path, Some(&oem), None).await.0, 200);
}

#[tokio::test]
async fn an_unreachable_s3_store_answers_503_in_both_languages_and_keeps_no_row() {
    let config = S3Server::config_for(&s3::unreachable_endpoint().await);
    let app = TestApp::spawn_with(|s| s3::configure_s3(s, &config)).await;
    let (supplier, _) = firm(&app, 1, "supplier").await;
    let cap = capability(&app, &supplier, "published").await;
    let path = format!("/api/v1/capabilities/{cap}/attachments");
    for (lang, title) in [("zh-CN", "服务暂时不可用"), ("en", "Service unavailable")] {
        let started = std::time::Instant::now();
        let (status, body) = upload_as(
            &app,
            Some(&supplier),
            &path,
            "file",
            "spec.pdf",
            &pdf(),
            lang,
        )
        .await;
        assert_eq!(status, 503, "{lang}: {body}");
        assert_eq!(body["title"], title, "{body}");
        assert_eq!(body["status"], 503);
        // The configured retries (with backoff) end well inside a client's patience.
        assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    }
    // No row, no audit entry, and the posting's list still answers.
    assert_eq!(rows(&app).await, 0);
    let (status, list) = app.call(Method::GET, &path, Some(&supplier), None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"], json!([]));
}
