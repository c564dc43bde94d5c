//! Reference data in the database: loaded from the embedded seeds (an idempotent upsert, so every
//! start and every instance may run it) and read back whole, since it is small and read constantly.

use peitao_domain::reference::{
    Category, Certification, ReferenceCsv, ReferenceData, ReferenceError, Region, Zone,
};
use peitao_domain::{CategoryCode, RegionCode, RegionLevel};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{category, certification, region, zone, zone_member};
use crate::{Db, StoreError, StoreResult};

/// The reference CSVs compiled into the binary.
pub const EMBEDDED: ReferenceCsv<'static> = ReferenceCsv {
    categories: include_str!("../../../seeds/categories.csv"),
    regions: include_str!("../../../seeds/regions.csv"),
    zones: include_str!("../../../seeds/zones.csv"),
    certifications: include_str!("../../../seeds/certifications.csv"),
};

/// Parses the embedded seeds.
///
/// # Errors
/// Only if a seed file shipped broken; the message names the file and line.
pub fn embedded() -> Result<ReferenceData, ReferenceError> {
    ReferenceData::parse(EMBEDDED)
}

/// How many rows of each kind are now in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadSummary {
    pub categories: usize,
    pub regions: usize,
    pub zones: usize,
    pub certifications: usize,
}

/// Rows per insert statement: well under SQLite's bound-parameter limit.
const CHUNK: usize = 400;

fn position(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// Upserts all reference data in one transaction; running it twice changes nothing.
///
/// # Errors
/// Database errors; nothing is half-loaded.
pub async fn load(db: &Db, data: &ReferenceData) -> StoreResult<LoadSummary> {
    let txn = db.begin().await?;
    // Parents come before children in the files, so chunked inserts keep foreign keys satisfied.
    for chunk in data.categories.chunks(CHUNK).enumerate() {
        let (n, rows) = chunk;
        let models = rows.iter().enumerate().map(|(i, c)| category::ActiveModel {
            code: Set(c.code.as_str().to_owned()),
            parent: Set(c.parent.as_ref().map(|p| p.as_str().to_owned())),
            name_zh: Set(c.name_zh.clone()),
            name_en: Set(c.name_en.clone()),
            position: Set(position(n * CHUNK + i)),
        });
        category::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(category::Column::Code)
                    .update_columns([
                        category::Column::Parent,
                        category::Column::NameZh,
                        category::Column::NameEn,
                        category::Column::Position,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    for rows in data.regions.chunks(CHUNK) {
        let models = rows.iter().map(|r| region::ActiveModel {
            code: Set(r.code.as_str().to_owned()),
            parent: Set(r.parent.as_ref().map(|p| p.as_str().to_owned())),
            level: Set(r.level.as_str().to_owned()),
            name: Set(r.name.clone()),
            lat: Set(r.lat),
            lon: Set(r.lon),
            own_centroid: Set(r.own_centroid),
        });
        region::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(region::Column::Code)
                    .update_columns([
                        region::Column::Parent,
                        region::Column::Level,
                        region::Column::Name,
                        region::Column::Lat,
                        region::Column::Lon,
                        region::Column::OwnCentroid,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    for (i, z) in data.zones.iter().enumerate() {
        zone::Entity::insert(zone::ActiveModel {
            code: Set(z.code.clone()),
            name_zh: Set(z.name_zh.clone()),
            name_en: Set(z.name_en.clone()),
            position: Set(position(i)),
        })
        .on_conflict(
            OnConflict::column(zone::Column::Code)
                .update_columns([
                    zone::Column::NameZh,
                    zone::Column::NameEn,
                    zone::Column::Position,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        // Membership is replaced wholesale: a region dropped from a zone must leave it.
        zone_member::Entity::delete_many()
            .filter(zone_member::Column::ZoneCode.eq(z.code.clone()))
            .exec(&txn)
            .await?;
        let members = z.members.iter().map(|m| zone_member::ActiveModel {
            zone_code: Set(z.code.clone()),
            region_code: Set(m.as_str().to_owned()),
        });
        zone_member::Entity::insert_many(members)
            .exec_without_returning(&txn)
            .await?;
    }
    for (i, c) in data.certifications.iter().enumerate() {
        certification::Entity::insert(certification::ActiveModel {
            code: Set(c.code.clone()),
            name_zh: Set(c.name_zh.clone()),
            name_en: Set(c.name_en.clone()),
            kind: Set(c.kind.clone()),
            position: Set(position(i)),
        })
        .on_conflict(
            OnConflict::column(certification::Column::Code)
                .update_columns([
                    certification::Column::NameZh,
                    certification::Column::NameEn,
                    certification::Column::Kind,
                    certification::Column::Position,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(LoadSummary {
        categories: data.categories.len(),
        regions: data.regions.len(),
        zones: data.zones.len(),
        certifications: data.certifications.len(),
    })
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Setup(format!("the database holds an invalid {what}: {value:?}"))
}

fn category_code(s: &str) -> StoreResult<CategoryCode> {
    CategoryCode::parse(s).map_err(|_| corrupt("category code", s))
}

fn region_code(s: &str) -> StoreResult<RegionCode> {
    RegionCode::parse(s).map_err(|_| corrupt("region code", s))
}

/// Reads all reference data back, in the files' order.
///
/// # Errors
/// Database errors, or rows that no longer parse.
pub async fn read(db: &Db) -> StoreResult<ReferenceData> {
    let conn = db.conn();
    let categories = category::Entity::find()
        .order_by_asc(category::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| {
            Ok(Category {
                code: category_code(&c.code)?,
                parent: c.parent.as_deref().map(category_code).transpose()?,
                name_zh: c.name_zh,
                name_en: c.name_en,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let regions = region::Entity::find()
        .order_by_asc(region::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Region {
                level: match r.level.as_str() {
                    "province" => RegionLevel::Province,
                    "city" => RegionLevel::City,
                    _ => RegionLevel::District,
                },
                code: region_code(&r.code)?,
                parent: r.parent.as_deref().map(region_code).transpose()?,
                name: r.name,
                lat: r.lat,
                lon: r.lon,
                own_centroid: r.own_centroid,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let members = zone_member::Entity::find()
        .order_by_asc(zone_member::Column::RegionCode)
        .all(conn)
        .await?;
    let zones = zone::Entity::find()
        .order_by_asc(zone::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|z| {
            let members = members
                .iter()
                .filter(|m| m.zone_code == z.code)
                .map(|m| region_code(&m.region_code))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(Zone {
                code: z.code,
                name_zh: z.name_zh,
                name_en: z.name_en,
                members,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let certifications = certification::Entity::find()
        .order_by_asc(certification::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| Certification {
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
            kind: c.kind,
        })
        .collect();
    Ok(ReferenceData::from_parts(
        categories,
        regions,
        zones,
        certifications,
    ))
}
