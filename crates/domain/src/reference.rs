//! Reference data the whole product leans on: the component-category tree, China's administrative
//! divisions with centroids, economic zones and certifications. Parsed from CSV text and cross-checked.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::{CategoryCode, RegionCode, RegionLevel};

/// A node of the component-category tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    pub code: CategoryCode,
    pub parent: Option<CategoryCode>,
    pub name_zh: String,
    pub name_en: String,
}

/// An administrative division (GB/T 2260) with its centroid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub parent: Option<RegionCode>,
    pub level: RegionLevel,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// False where the source lacked a centroid and the parent's is used.
    pub own_centroid: bool,
}

/// An economic zone: "local" supply means supplier and plant sit in the same zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zone {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Provinces or cities; everything beneath a member belongs to the zone.
    pub members: Vec<RegionCode>,
}

/// A certification suppliers hold and needs may require.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certification {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
}

/// What is wrong with a reference file, precise enough to fix it by hand.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReferenceError {
    #[error("{file}, line {line}: {message}")]
    Row {
        file: &'static str,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    Consistency { file: &'static str, message: String },
}

/// All reference data, checked for consistency: parents exist, codes are unique, zones name
/// known regions, and categories form a tree.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    pub categories: Vec<Category>,
    pub regions: Vec<Region>,
    pub zones: Vec<Zone>,
    pub certifications: Vec<Certification>,
    region_index: HashMap<RegionCode, usize>,
    /// Each region's direct divisions (positions in `regions`): a province's subtree is read
    /// on every directory filter, and scanning all ~3,200 regions per level was a third of a
    /// zone-filtered search.
    children: HashMap<RegionCode, Vec<usize>>,
}

/// Where each region is, and each region's direct divisions.
fn region_indexes(
    regions: &[Region],
) -> (HashMap<RegionCode, usize>, HashMap<RegionCode, Vec<usize>>) {
    let mut children: HashMap<RegionCode, Vec<usize>> = HashMap::new();
    for (i, r) in regions.iter().enumerate() {
        if let Some(parent) = &r.parent {
            children.entry(parent.clone()).or_default().push(i);
        }
    }
    let index = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.clone(), i))
        .collect();
    (index, children)
}

/// The CSV texts, one per file, as shipped in `seeds/`.
#[derive(Debug, Clone, Copy)]
pub struct ReferenceCsv<'a> {
    pub categories: &'a str,
    pub regions: &'a str,
    pub zones: &'a str,
    pub certifications: &'a str,
}

impl ReferenceData {
    /// Parses and cross-checks the four files.
    ///
    /// # Errors
    /// The first problem found, naming the file and line.
    pub fn parse(csv: ReferenceCsv<'_>) -> Result<ReferenceData, ReferenceError> {
        let categories = parse_categories(csv.categories)?;
        let regions = parse_regions(csv.regions)?;
        let (region_index, children) = region_indexes(&regions);
        let zones = parse_zones(csv.zones, &region_index)?;
        let certifications = parse_certifications(csv.certifications)?;
        Ok(ReferenceData {
            categories,
            regions,
            zones,
            certifications,
            region_index,
            children,
        })
    }

    /// Assembles data that was checked before (e.g. read back from the database).
    #[must_use]
    pub fn from_parts(
        categories: Vec<Category>,
        regions: Vec<Region>,
        zones: Vec<Zone>,
        certifications: Vec<Certification>,
    ) -> ReferenceData {
        let (region_index, children) = region_indexes(&regions);
        ReferenceData {
            categories,
            regions,
            zones,
            certifications,
            region_index,
            children,
        }
    }

    #[must_use]
    pub fn region(&self, code: &RegionCode) -> Option<&Region> {
        self.region_index.get(code).map(|&i| &self.regions[i])
    }

    /// The region and its ancestors, nearest first.
    pub fn region_lineage<'a>(
        &'a self,
        code: &RegionCode,
    ) -> impl Iterator<Item = &'a Region> + 'a {
        let mut next = self.region(code);
        std::iter::from_fn(move || {
            let current = next?;
            next = current.parent.as_ref().and_then(|p| self.region(p));
            Some(current)
        })
    }

    /// The region and every division beneath it (a directory filter on a province covers its
    /// cities and districts).
    #[must_use]
    pub fn region_subtree(&self, code: &RegionCode) -> Vec<RegionCode> {
        let mut out = vec![code.clone()];
        let mut i = 0;
        while i < out.len() {
            if let Some(children) = self.children.get(&out[i]) {
                out.extend(children.iter().map(|&c| self.regions[c].code.clone()));
            }
            i += 1;
        }
        out
    }

    /// The category and all its descendants.
    #[must_use]
    pub fn category_subtree(&self, code: &CategoryCode) -> Vec<CategoryCode> {
        self.categories
            .iter()
            .filter(|c| &c.code == code || code.is_ancestor_of(&c.code))
            .map(|c| c.code.clone())
            .collect()
    }

    /// Every region in a zone (members and everything beneath them); None for an unknown zone.
    #[must_use]
    pub fn zone_regions(&self, zone: &str) -> Option<Vec<RegionCode>> {
        let zone = self.zones.iter().find(|z| z.code == zone)?;
        Some(
            zone.members
                .iter()
                .flat_map(|m| self.region_subtree(m))
                .collect(),
        )
    }

    /// A place where a company or plant sits: a known city or district (a province is too coarse).
    ///
    /// # Errors
    /// The code is malformed, unknown, or a province.
    pub fn site_region(&self, input: &str) -> Result<RegionCode, crate::Invalid> {
        let code = RegionCode::parse(input)?;
        match self.region(&code) {
            Some(r) if r.level != RegionLevel::Province => Ok(code),
            Some(_) => Err(crate::Invalid::new(
                "region_code.too_coarse",
                "请选择到市或区县一级。",
                "Choose a city or a district, not a province.",
            )),
            None => Err(crate::Invalid::new(
                "region_code.unknown",
                "没有这个行政区划代码。",
                "No division has this code.",
            )),
        }
    }

    #[must_use]
    pub fn category(&self, code: &CategoryCode) -> Option<&Category> {
        self.categories.iter().find(|c| &c.code == code)
    }

    #[must_use]
    pub fn certification(&self, code: &str) -> Option<&Certification> {
        self.certifications.iter().find(|c| c.code == code)
    }

    /// The economic zone a region belongs to, through itself or an ancestor.
    #[must_use]
    pub fn zone_of(&self, code: &RegionCode) -> Option<&Zone> {
        self.region_lineage(code)
            .find_map(|r| self.zones.iter().find(|z| z.members.contains(&r.code)))
    }
}

fn row_error(file: &'static str, line: u64, message: impl Into<String>) -> ReferenceError {
    ReferenceError::Row {
        file,
        line,
        message: message.into(),
    }
}

/// Reads a CSV with a header into records, keeping line numbers for errors.
fn records(
    file: &'static str,
    text: &str,
    columns: &[&str],
) -> Result<Vec<(u64, csv::StringRecord)>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| row_error(file, 1, e.to_string()))?
        .clone();
    let found: Vec<&str> = headers.iter().collect();
    if found.len() < columns.len() || found.iter().zip(columns).any(|(a, b)| a != b) {
        return Err(row_error(
            file,
            1,
            format!("expected columns {columns:?}, found {found:?}"),
        ));
    }
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                row_error(file, line, e.to_string())
            })?;
            let line = r.position().map_or(0, csv::Position::line);
            Ok((line, r))
        })
        .collect()
}

fn field(record: &csv::StringRecord, i: usize) -> &str {
    record.get(i).unwrap_or("").trim()
}

fn nonempty(
    file: &'static str,
    line: u64,
    name: &str,
    value: &str,
) -> Result<String, ReferenceError> {
    if value.is_empty() {
        Err(row_error(file, line, format!("{name} is empty")))
    } else {
        Ok(value.to_owned())
    }
}

fn parse_categories(text: &str) -> Result<Vec<Category>, ReferenceError> {
    const FILE: &str = "categories.csv";
    let mut out: Vec<Category> = Vec::new();
    let mut seen = HashSet::new();
    for (line, r) in records(FILE, text, &["code", "parent", "name_zh", "name_en"])? {
        let code = CategoryCode::parse(field(&r, 0))
            .map_err(|e| row_error(FILE, line, format!("code: {e}")))?;
        let parent = match field(&r, 1) {
            "" => None,
            p => Some(
                CategoryCode::parse(p)
                    .map_err(|e| row_error(FILE, line, format!("parent: {e}")))?,
            ),
        };
        // Codes are dotted paths: the parent column must agree with the path, and come first.
        if parent != code.parent() {
            return Err(row_error(
                FILE,
                line,
                format!("{code}: parent does not match the dotted path"),
            ));
        }
        if let Some(p) = &parent
            && !seen.contains(p)
        {
            return Err(row_error(
                FILE,
                line,
                format!("{code}: parent {p} is not defined above it"),
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(row_error(FILE, line, format!("{code} appears twice")));
        }
        out.push(Category {
            code,
            parent,
            name_zh: nonempty(FILE, line, "name_zh", field(&r, 2))?,
            name_en: nonempty(FILE, line, "name_en", field(&r, 3))?,
        });
    }
    Ok(out)
}

fn coordinate(
    file: &'static str,
    line: u64,
    name: &str,
    value: &str,
    range: (f64, f64),
) -> Result<f64, ReferenceError> {
    let v: f64 = value
        .parse()
        .map_err(|_| row_error(file, line, format!("{name} is not a number: {value:?}")))?;
    if v < range.0 || v > range.1 {
        return Err(row_error(
            file,
            line,
            format!("{name} {v} is outside China"),
        ));
    }
    Ok(v)
}

fn parse_regions(text: &str) -> Result<Vec<Region>, ReferenceError> {
    const FILE: &str = "regions.csv";
    let mut out: Vec<Region> = Vec::new();
    let mut seen = HashSet::new();
    for (line, r) in records(
        FILE,
        text,
        &["code", "parent", "level", "name", "lon", "lat", "coord"],
    )? {
        let code = RegionCode::parse(field(&r, 0))
            .map_err(|e| row_error(FILE, line, format!("code: {e}")))?;
        let parent = match field(&r, 1) {
            "" => None,
            p => Some(
                RegionCode::parse(p).map_err(|e| row_error(FILE, line, format!("parent: {e}")))?,
            ),
        };
        let level = match field(&r, 2) {
            "province" => RegionLevel::Province,
            "city" => RegionLevel::City,
            "district" => RegionLevel::District,
            other => return Err(row_error(FILE, line, format!("unknown level {other:?}"))),
        };
        if (level == RegionLevel::Province) != parent.is_none() {
            return Err(row_error(
                FILE,
                line,
                format!("{code}: only provinces have no parent"),
            ));
        }
        if let Some(p) = &parent
            && !seen.contains(p)
        {
            return Err(row_error(
                FILE,
                line,
                format!("{code}: parent {p} is not defined above it"),
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(row_error(FILE, line, format!("{code} appears twice")));
        }
        out.push(Region {
            code,
            parent,
            level,
            name: nonempty(FILE, line, "name", field(&r, 3))?,
            lon: coordinate(FILE, line, "lon", field(&r, 4), (73.0, 136.0))?,
            lat: coordinate(FILE, line, "lat", field(&r, 5), (3.0, 54.0))?,
            own_centroid: match field(&r, 6) {
                "own" => true,
                "parent" => false,
                other => {
                    return Err(row_error(
                        FILE,
                        line,
                        format!("coord must be own or parent, not {other:?}"),
                    ));
                }
            },
        });
    }
    Ok(out)
}

fn parse_zones(
    text: &str,
    regions: &HashMap<RegionCode, usize>,
) -> Result<Vec<Zone>, ReferenceError> {
    const FILE: &str = "zones.csv";
    let mut out: Vec<Zone> = Vec::new();
    for (line, r) in records(
        FILE,
        text,
        &["zone", "name_zh", "name_en", "member_adcodes"],
    )? {
        let code = nonempty(FILE, line, "zone", field(&r, 0))?;
        let mut members = Vec::new();
        for m in field(&r, 3).split_whitespace() {
            let m = RegionCode::parse(m)
                .map_err(|e| row_error(FILE, line, format!("member {m}: {e}")))?;
            if !regions.contains_key(&m) {
                return Err(row_error(
                    FILE,
                    line,
                    format!("member {m} is not a known region"),
                ));
            }
            members.push(m);
        }
        if members.is_empty() {
            return Err(row_error(FILE, line, format!("zone {code} has no members")));
        }
        if out.iter().any(|z| z.code == code) {
            return Err(row_error(FILE, line, format!("zone {code} appears twice")));
        }
        out.push(Zone {
            code,
            name_zh: nonempty(FILE, line, "name_zh", field(&r, 1))?,
            name_en: nonempty(FILE, line, "name_en", field(&r, 2))?,
            members,
        });
    }
    // A region in two zones would make "local" ambiguous.
    let mut owner: HashMap<&RegionCode, &str> = HashMap::new();
    for z in &out {
        for m in &z.members {
            if let Some(other) = owner.insert(m, &z.code) {
                return Err(ReferenceError::Consistency {
                    file: FILE,
                    message: format!("{m} is in both {other} and {}", z.code),
                });
            }
        }
    }
    Ok(out)
}

fn parse_certifications(text: &str) -> Result<Vec<Certification>, ReferenceError> {
    const FILE: &str = "certifications.csv";
    let mut out: Vec<Certification> = Vec::new();
    for (line, r) in records(FILE, text, &["code", "name_zh", "name_en", "kind"])? {
        let code = nonempty(FILE, line, "code", field(&r, 0))?;
        if out.iter().any(|c| c.code == code) {
            return Err(row_error(FILE, line, format!("{code} appears twice")));
        }
        out.push(Certification {
            code,
            name_zh: nonempty(FILE, line, "name_zh", field(&r, 1))?,
            name_en: nonempty(FILE, line, "name_en", field(&r, 2))?,
            kind: nonempty(FILE, line, "kind", field(&r, 3))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATEGORIES: &str = "code,parent,name_zh,name_en\nEDRIVE,,三电系统,Electric drive\nEDRIVE.MOTOR,EDRIVE,驱动电机,\"Motors, traction\"\n";
    const REGIONS: &str = "code,parent,level,name,lon,lat,coord\n500000,,province,重庆市,106.5,29.5,own\n500100,500000,city,重庆市,106.5,29.5,parent\n500112,500100,district,渝北区,106.6,29.7,own\n510000,,province,四川省,104.0,30.6,own\n";
    const ZONES: &str =
        "zone,name_zh,name_en,member_adcodes\nCHENGYU,成渝,Chengdu-Chongqing,500000\n";
    const CERTS: &str = "code,name_zh,name_en,kind\nIATF16949,IATF 16949,IATF 16949,quality\n";

    fn csv<'a>(categories: &'a str, regions: &'a str, zones: &'a str) -> ReferenceCsv<'a> {
        ReferenceCsv {
            categories,
            regions,
            zones,
            certifications: CERTS,
        }
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn parses_a_small_consistent_world() {
        let data = ReferenceData::parse(csv(CATEGORIES, REGIONS, ZONES)).unwrap();
        assert_eq!(data.categories.len(), 2);
        assert_eq!(data.categories[1].name_en, "Motors, traction");
        assert_eq!(data.regions[2].level, RegionLevel::District);
        assert!(!data.regions[1].own_centroid);
        // A district belongs to the zone through its province.
        assert_eq!(
            data.zone_of(&code("500112")).map(|z| z.code.as_str()),
            Some("CHENGYU")
        );
        assert!(data.zone_of(&code("510000")).is_none());
        let lineage: Vec<_> = data
            .region_lineage(&code("500112"))
            .map(|r| r.code.as_str().to_owned())
            .collect();
        assert_eq!(lineage, ["500112", "500100", "500000"]);
    }

    #[test]
    fn names_the_file_and_line_of_a_bad_row() {
        let bad = "code,parent,name_zh,name_en\nEDRIVE.MOTOR,EDRIVE,驱动电机,Motors\n";
        let err = ReferenceData::parse(csv(bad, REGIONS, ZONES))
            .unwrap_err()
            .to_string();
        assert!(err.contains("categories.csv, line 2"), "{err}");
        let bad = REGIONS.replace("29.7", "99.7");
        let err = ReferenceData::parse(csv(CATEGORIES, &bad, ZONES))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("regions.csv, line 4") && err.contains("lat"),
            "{err}"
        );
        let bad = "zone,name_zh,name_en,member_adcodes\nX,x,x,990000\n";
        assert!(ReferenceData::parse(csv(CATEGORIES, REGIONS, bad)).is_err());
    }

    #[test]
    fn subtrees_cover_everything_beneath() {
        let data = ReferenceData::parse(csv(CATEGORIES, REGIONS, ZONES)).unwrap();
        let codes: Vec<String> = data
            .region_subtree(&code("500000"))
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        assert_eq!(codes, ["500000", "500100", "500112"]);
        assert_eq!(data.zone_regions("CHENGYU").unwrap().len(), 3);
        assert!(data.zone_regions("NOPE").is_none());
        let cats = data.category_subtree(&CategoryCode::parse("EDRIVE").unwrap());
        assert_eq!(cats.len(), 2);
    }

    #[test]
    fn refuses_a_region_in_two_zones() {
        let zones = "zone,name_zh,name_en,member_adcodes\nA,a,a,500000\nB,b,b,500000\n";
        let err = ReferenceData::parse(csv(CATEGORIES, REGIONS, zones))
            .unwrap_err()
            .to_string();
        assert!(err.contains("both A and B"), "{err}");
    }
}
