//! Synthetic worlds for scale tests: N suppliers with capabilities spread over the real regions
//! and categories. Fast (batched inserts, one transaction per batch), never mixed up with real firms.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peitao_domain::reference::ReferenceData;
use peitao_domain::{CreditCode, RegionLevel};
use rand::Rng;
use rand::seq::IndexedRandom;
use sea_orm::{ActiveValue::Set, EntityTrait};
use uuid::Uuid;

use super::{NewCapability, NewOrganization, new_id};
use crate::entities::{capability, need, organization, organization_certification};
use crate::terms::capability_terms;
use crate::{Backend, Db, StoreError, StoreResult};

/// What synthetic rows are drawn from: the real districts and categories, and a run prefix that
/// keeps credit codes of separate runs apart.
struct Palette<'a> {
    districts: Vec<&'a str>,
    categories: Vec<&'a str>,
    run: String,
}

impl<'a> Palette<'a> {
    fn new<R: Rng>(reference: &'a ReferenceData, rng: &mut R) -> StoreResult<Palette<'a>> {
        let districts: Vec<&str> = reference
            .regions
            .iter()
            .filter(|r| r.level == RegionLevel::District)
            .map(|r| r.code.as_str())
            .collect();
        let categories: Vec<&str> = reference
            .categories
            .iter()
            .map(|c| c.code.as_str())
            .collect();
        if districts.is_empty() || categories.is_empty() {
            return Err(StoreError::Setup(
                "reference data must be loaded before a synthetic world".into(),
            ));
        }
        let run = (0..3)
            .map(|_| char::from(*CREDIT_ALPHABET.choose(rng).unwrap_or(&b'0')))
            .collect();
        Ok(Palette {
            districts,
            categories,
            run,
        })
    }
}

/// Suppliers per transaction; each batch is also a progress step.
const BATCH: usize = 5_000;
/// Rows per insert statement: each backend's bound-parameter limit (SQLite 32,766; PostgreSQL
/// 65,535) divided by the widest table's 18 columns, with room to spare. Fewer, larger statements
/// matter most on PostgreSQL, where each is a network round trip.
fn rows_per_statement(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 1_000,
        Backend::Postgres => 2_500,
    }
}
const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

const PROCESSES: &[&str] = &[
    "冲压",
    "焊接",
    "注塑",
    "压铸",
    "机加工",
    "涂装",
    "总装",
    "SMT贴片",
    "热处理",
    "检测",
];
const NAME_STEMS: &[&str] = &[
    "恒", "瑞", "创", "精", "鑫", "达", "新", "华", "盛", "宏", "联", "智",
];

/// What a synthetic run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyntheticSummary {
    pub organizations: usize,
    pub capabilities: usize,
}

/// Generates `count` suppliers, each with one to three published capabilities, and reports
/// progress (suppliers written so far) after every batch.
///
/// # Errors
/// Database errors; batches already committed stay (they are complete suppliers).
pub async fn generate<R: Rng + Send>(
    db: &Db,
    reference: &ReferenceData,
    count: usize,
    rng: &mut R,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize) + Send,
) -> StoreResult<SyntheticSummary> {
    let Palette {
        districts,
        categories,
        run,
    } = Palette::new(reference, rng)?;
    let certifications: Vec<&str> = reference
        .certifications
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let mut terms_cache: HashMap<(&str, &str), (String, String)> = HashMap::new();
    let mut summary = SyntheticSummary::default();
    let mut done = 0;
    while done < count {
        let size = BATCH.min(count - done);
        let mut orgs = Vec::with_capacity(size);
        let mut caps = Vec::with_capacity(size * 2);
        let mut certs = Vec::with_capacity(size);
        for i in done..done + size {
            let id = new_id();
            let region = *districts.choose(rng).unwrap_or(&districts[0]);
            let credit = synthetic_credit_code(&run, region, i)?;
            let stem = NAME_STEMS.choose(rng).copied().unwrap_or("恒");
            orgs.push(
                NewOrganization {
                    kind: "supplier",
                    name: format!("合成测试{stem}配套企业{i:07}"),
                    name_en: Some(format!("Synthetic Supplier {i:07}")),
                    credit_code: credit.as_str().to_owned(),
                    region_code: region.to_owned(),
                    verified: rng.random_bool(0.6),
                }
                .into_active(id, now),
            );
            for code in &certifications {
                if !rng.random_bool(0.25) {
                    continue;
                }
                certs.push(organization_certification::ActiveModel {
                    organization_id: Set(id),
                    certification_code: Set((*code).to_owned()),
                    certificate_no: Set(None),
                    expires_on: Set(
                        now.date_naive() + chrono::Days::new(rng.random_range(30..1500))
                    ),
                });
            }
            for _ in 0..rng.random_range(1..=3) {
                let category = *categories.choose(rng).unwrap_or(&categories[0]);
                let process = PROCESSES.choose(rng).copied().unwrap_or("机加工");
                let title = format!("{category} 配套能力({process})");
                let description = format!(
                    "合成数据:{process}工艺,服务整车配套,编号 {i}。Synthetic capability for scale tests."
                );
                let products = vec![format!("{category} product")];
                let processes = vec![process.to_owned()];
                // Only the serial differs between rows of one (category, process), and numbers
                // are not terms: segment each pair once.
                let (terms, title_terms) = terms_cache
                    .entry((category, process))
                    .or_insert_with(|| {
                        (
                            capability_terms(&title, &description, &products, &processes),
                            crate::terms::title_terms(&title),
                        )
                    })
                    .clone();
                caps.push(
                    NewCapability {
                        organization_id: id,
                        category_code: category.to_owned(),
                        title,
                        description,
                        products,
                        processes,
                        terms,
                        title_terms,
                        annual_capacity: Some(rng.random_range(1_000..2_000_000)),
                        unit: Some("件".to_owned()),
                        min_order_qty: Some(rng.random_range(100..10_000)),
                        lead_time_days: Some(rng.random_range(7..120)),
                        served_region_codes: Vec::new(),
                        status: "published",
                    }
                    .into_active(new_id(), now),
                );
            }
        }
        summary.organizations += orgs.len();
        summary.capabilities += caps.len();
        let per_statement = rows_per_statement(db.backend());
        let txn = db.begin().await?;
        for chunk in chunks(orgs, per_statement) {
            organization::Entity::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in chunks(certs, per_statement) {
            organization_certification::Entity::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in chunks(caps, per_statement) {
            capability::Entity::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        done += size;
        progress(done);
    }
    Ok(summary)
}

/// Needs per synthetic automaker.
const NEEDS_PER_OEM: usize = 10;

/// Generates `count` open needs from synthetic automakers (one per ten needs), each delivering
/// to a random district, in a random category, due within the next months.
///
/// # Errors
/// Database errors; batches already committed stay.
pub async fn generate_needs<R: Rng + Send>(
    db: &Db,
    reference: &ReferenceData,
    count: usize,
    rng: &mut R,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize) + Send,
) -> StoreResult<usize> {
    let Palette {
        districts,
        categories,
        run,
    } = Palette::new(reference, rng)?;
    let mut terms_cache: HashMap<(&str, &str), (String, String)> = HashMap::new();
    let mut done = 0;
    while done < count {
        let size = BATCH.min(count - done);
        let mut orgs = Vec::new();
        let mut needs = Vec::with_capacity(size);
        let mut oem = (Uuid::nil(), "");
        for i in done..done + size {
            if i % NEEDS_PER_OEM == 0 || oem.0.is_nil() {
                let region = *districts.choose(rng).unwrap_or(&districts[0]);
                let id = new_id();
                let credit = synthetic_credit_code(&run, region, 5_000_000 + i)?;
                orgs.push(
                    NewOrganization {
                        kind: "oem",
                        name: format!("合成测试整车企业{i:07}"),
                        name_en: Some(format!("Synthetic Automaker {i:07}")),
                        credit_code: credit.as_str().to_owned(),
                        region_code: region.to_owned(),
                        verified: true,
                    }
                    .into_active(id, now),
                );
                oem = (id, region);
            }
            let category = *categories.choose(rng).unwrap_or(&categories[0]);
            let process = PROCESSES.choose(rng).copied().unwrap_or("机加工");
            let title = format!("采购 {category}({process})");
            let description = format!(
                "合成需求:{process}工艺配套,年度采购,编号 {i}。Synthetic need for scale tests."
            );
            let (terms, title_terms) = terms_cache
                .entry((category, process))
                .or_insert_with(|| {
                    (
                        crate::terms::need_terms(&title, &description),
                        crate::terms::title_terms(&title),
                    )
                })
                .clone();
            needs.push(need::ActiveModel {
                id: Set(new_id()),
                organization_id: Set(oem.0),
                plant_id: Set(None),
                category_code: Set(category.to_owned()),
                title: Set(title),
                description: Set(description),
                delivery_region_code: Set(oem.1.to_owned()),
                annual_volume: Set(Some(rng.random_range(1_000..500_000))),
                unit: Set(Some("件".to_owned())),
                sop_date: Set(Some(
                    now.date_naive() + chrono::Days::new(rng.random_range(120..720)),
                )),
                respond_by: Set(Some(
                    now.date_naive() + chrono::Days::new(rng.random_range(30..120)),
                )),
                required_certifications: Set("[]".to_owned()),
                target_price: Set(None),
                status: Set("open".to_owned()),
                terms: Set(terms),
                title_terms: Set(title_terms),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        let per_statement = rows_per_statement(db.backend());
        let txn = db.begin().await?;
        for chunk in chunks(orgs, per_statement) {
            organization::Entity::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in chunks(needs, per_statement) {
            need::Entity::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        done += size;
        progress(done);
    }
    Ok(count)
}

fn chunks<T>(mut rows: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(size));
        out.push(std::mem::replace(&mut rows, rest));
    }
    out
}

/// "91" (a company) + the district + a run prefix and a serial in base 31 + the check character.
fn synthetic_credit_code(run: &str, region: &str, serial: usize) -> StoreResult<CreditCode> {
    let mut digits = [b'0'; 6];
    let mut n = serial;
    for d in digits.iter_mut().rev() {
        *d = CREDIT_ALPHABET[n % CREDIT_ALPHABET.len()];
        n /= CREDIT_ALPHABET.len();
    }
    let body = format!("91{region}{run}{}", String::from_utf8_lossy(&digits));
    CreditCode::with_check_char(&body)
        .map_err(|e| StoreError::Setup(format!("synthetic credit code {body}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_valid_and_distinct() {
        let a = synthetic_credit_code("AB1", "500112", 0).unwrap();
        let b = synthetic_credit_code("AB1", "500112", 887_502).unwrap();
        assert_ne!(a, b);
        assert!(CreditCode::parse(a.as_str()).is_ok());
        assert_eq!(a.as_str().len(), 18);
    }

    #[test]
    fn chunks_keep_every_row() {
        let rows: Vec<usize> = (0..701).collect();
        let parts = chunks(rows, 300);
        assert_eq!(
            parts.iter().map(Vec::len).collect::<Vec<_>>(),
            [300, 300, 101]
        );
        assert_eq!(parts.concat(), (0..701).collect::<Vec<_>>());
    }
}
