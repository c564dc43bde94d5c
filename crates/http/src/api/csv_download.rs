//! CSV downloads, one way for every table: asked for by `Accept: text/csv` (or `?format=csv`),
//! sent as UTF-8 with a BOM (so Excel reads Chinese), as an attachment, never cached, with every
//! cell neutralised against formula injection.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header;
use peitao_domain::csv_safe;

use crate::error::ApiError;

/// Whether the caller asked for CSV.
#[must_use]
pub fn wanted(req: &HttpRequest, format: Option<&str>) -> bool {
    format == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"))
}

/// CSV text already written (its cells neutralised by its writer) as a download `name.csv`.
#[must_use]
pub fn download(name: &str, text: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!("\u{feff}{text}"))
}

/// A table as a CSV download `name.csv`.
///
/// # Errors
/// Only if writing to memory fails.
pub fn table(
    name: &str,
    header_row: &[&str],
    rows: &[Vec<String>],
) -> Result<HttpResponse, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = |cells: &[String]| {
        let safe: Vec<String> = cells
            .iter()
            .map(|c| csv_safe::cell(c).into_owned())
            .collect();
        out.write_record(&safe)
    };
    let header_row: Vec<String> = header_row.iter().map(|h| (*h).to_owned()).collect();
    let written = write(&header_row).and_then(|()| rows.iter().try_for_each(|r| write(r)));
    let text = match (written, out.into_inner()) {
        (Ok(()), Ok(bytes)) => String::from_utf8(bytes).map_err(|_| ApiError::Internal)?,
        _ => return Err(ApiError::Internal),
    };
    Ok(download(name, &text))
}
