//! A roster import's rows (an association's member list, as CSV or a spreadsheet): the header,
//! each row parsed into typed values against reference data, and every refusal named by row
//! and field. Rows are numbered as a spreadsheet shows them: the header is row 1.

use std::collections::HashMap;

use crate::reference::ReferenceData;
use crate::{CategoryCode, CreditCode, Email, Invalid, RegionCode};

/// The columns a roster must have, in the documented order (any order is read).
pub const COLUMNS: [&str; 6] = [
    "name",
    "credit_code",
    "kind",
    "region_code",
    "contact_email",
    "categories",
];

/// Longest organization name accepted.
pub const NAME_MAX: usize = 200;

/// The kind of organization a row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterKind {
    Supplier,
    Oem,
}

impl RosterKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RosterKind::Supplier => "supplier",
            RosterKind::Oem => "oem",
        }
    }
}

/// A row every field of which was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub row: usize,
    pub name: String,
    pub credit_code: CreditCode,
    pub kind: RosterKind,
    pub region_code: RegionCode,
    pub contact_email: Email,
    /// Sorted and without repeats, so equal sets compare equal.
    pub categories: Vec<CategoryCode>,
}

/// One refused cell (or a missing column: row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl RowError {
    fn new(row: usize, field: &str, invalid: &Invalid) -> RowError {
        RowError {
            row,
            field: field.to_owned(),
            code: invalid.code.to_owned(),
            zh: invalid.zh.to_owned(),
            en: invalid.en.to_owned(),
        }
    }
}

const EMPTY_FILE: Invalid = Invalid::new(
    "roster.empty",
    "文件为空:第一行应为表头 name, credit_code, kind, region_code, contact_email, categories。",
    "The file is empty: the first row must be the header name, credit_code, kind, region_code, contact_email, categories.",
);
const MISSING_COLUMN: Invalid = Invalid::new(
    "roster.missing_column",
    "表头缺少此列。",
    "The header row lacks this column.",
);
const REQUIRED: Invalid = Invalid::new("required", "此项必填。", "This field is required.");
const NAME_TOO_LONG: Invalid = Invalid::new(
    "name.too_long",
    "名称最多 200 个字符。",
    "The name may have at most 200 characters.",
);
const BAD_KIND: Invalid = Invalid::new(
    "kind.invalid",
    "类型只能是 supplier(供应商)或 oem(整车厂)。",
    "kind must be supplier or oem.",
);
const UNKNOWN_REGION: Invalid = Invalid::new(
    "region_code.unknown",
    "行政区划代码不在参考数据中。",
    "The region code is not in the reference data.",
);
const UNKNOWN_CATEGORY: Invalid = Invalid::new(
    "categories.unknown",
    "零部件类别代码不在参考数据中。",
    "A category code is not in the reference data.",
);

/// Reads the file's rows (header first) into accepted rows, or every refusal. Blank rows are
/// skipped; a credit code seen on an earlier row is refused on the later one.
///
/// # Errors
/// Every refused cell, in row order.
pub fn parse(
    records: &[Vec<String>],
    reference: &ReferenceData,
) -> Result<Vec<RosterRow>, Vec<RowError>> {
    let Some((header, body)) = records.split_first() else {
        return Err(vec![RowError::new(1, "header", &EMPTY_FILE)]);
    };
    let positions: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_lowercase(), i))
        .collect();
    let mut errors = Vec::new();
    let mut index = [0usize; 6];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        match positions.get(column) {
            Some(&i) => *slot = i,
            None => errors.push(RowError::new(1, column, &MISSING_COLUMN)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<CreditCode, usize> = HashMap::new();
    for (i, record) in body.iter().enumerate() {
        let row = i + 2;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |n: usize| record.get(index[n]).map_or("", |c| c.trim());
        let before = errors.len();
        let parsed = parse_row(
            row,
            [cell(0), cell(1), cell(2), cell(3), cell(4), cell(5)],
            reference,
            &mut errors,
        );
        if let Some(parsed) = parsed {
            if let Some(first) = seen.get(&parsed.credit_code) {
                errors.push(RowError {
                    row,
                    field: "credit_code".to_owned(),
                    code: "credit_code.duplicate".to_owned(),
                    zh: format!("统一社会信用代码与第 {first} 行重复。"),
                    en: format!("This credit code repeats the one on row {first}."),
                });
            } else if errors.len() == before {
                seen.insert(parsed.credit_code.clone(), row);
                rows.push(parsed);
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn parse_row(
    row: usize,
    [
        name,
        credit_code,
        kind,
        region_code,
        contact_email,
        categories,
    ]: [&str; 6],
    reference: &ReferenceData,
    errors: &mut Vec<RowError>,
) -> Option<RosterRow> {
    let mut check = |field: &str, result: Result<(), Invalid>| {
        result
            .map_err(|e| errors.push(RowError::new(row, field, &e)))
            .is_ok()
    };
    let name_ok = check(
        "name",
        if name.is_empty() {
            Err(REQUIRED)
        } else if name.chars().count() > NAME_MAX {
            Err(NAME_TOO_LONG)
        } else {
            Ok(())
        },
    );
    let credit = CreditCode::parse(credit_code);
    let credit_ok = check(
        "credit_code",
        credit.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let kind = match kind.to_lowercase().as_str() {
        "supplier" => Ok(RosterKind::Supplier),
        "oem" => Ok(RosterKind::Oem),
        "" => Err(REQUIRED),
        _ => Err(BAD_KIND),
    };
    let kind_ok = check("kind", kind.as_ref().map(|_| ()).map_err(Clone::clone));
    let region = RegionCode::parse(region_code).and_then(|r| {
        if reference.region(&r).is_some() {
            Ok(r)
        } else {
            Err(UNKNOWN_REGION)
        }
    });
    let region_ok = check(
        "region_code",
        region.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let email = Email::parse(contact_email);
    let email_ok = check(
        "contact_email",
        email.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let mut codes = Vec::new();
    let mut categories_ok = true;
    for word in categories
        .split(';')
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let code = CategoryCode::parse(word).and_then(|c| {
            if reference.categories.iter().any(|k| k.code == c) {
                Ok(c)
            } else {
                Err(UNKNOWN_CATEGORY)
            }
        });
        match code {
            Ok(c) => codes.push(c),
            Err(e) => {
                categories_ok = false;
                errors.push(RowError::new(row, "categories", &e));
                break;
            }
        }
    }
    codes.sort();
    codes.dedup();
    if !(name_ok && credit_ok && kind_ok && region_ok && email_ok && categories_ok) {
        return None;
    }
    Some(RosterRow {
        row,
        name: name.to_owned(),
        credit_code: credit.ok()?,
        kind: kind.ok()?,
        region_code: region.ok()?,
        contact_email: email.ok()?,
        categories: codes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::ReferenceCsv;

    fn reference() -> ReferenceData {
        ReferenceData::parse(ReferenceCsv {
            categories: "code,parent,name_zh,name_en\nEDRIVE,,三电系统,Electric drive\nEDRIVE.MOTOR,EDRIVE,驱动电机,Motors\n",
            regions: "code,parent,level,name,lon,lat,coord\n500000,,province,重庆市,106.5,29.5,own\n500100,500000,city,重庆市,106.5,29.5,parent\n500112,500100,district,渝北区,106.6,29.7,own\n",
            zones: "zone,name_zh,name_en,member_adcodes\nCHENGYU,成渝,Chengdu-Chongqing,500000\n",
            certifications: "code,name_zh,name_en,kind\nIATF16949,IATF 16949,IATF 16949,quality\n",
        })
        .unwrap()
    }

    fn credit(n: u32) -> String {
        CreditCode::with_check_char(&format!("91500112MA{n:07}"))
            .unwrap()
            .as_str()
            .to_owned()
    }

    fn rec(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    fn header() -> Vec<String> {
        rec(&COLUMNS)
    }

    #[test]
    fn a_good_file_parses_with_rows_numbered_as_a_spreadsheet_shows_them() {
        let c1 = credit(1);
        let c2 = credit(2);
        let rows = parse(
            &[
                header(),
                rec(&[
                    "渝北精密",
                    &c1,
                    "supplier",
                    "500112",
                    "a@x.cn",
                    "EDRIVE.MOTOR; EDRIVE;EDRIVE",
                ]),
                rec(&["", "", "", "", "", ""]),
                rec(&["=HYPERLINK(\"x\")", &c2, "OEM", "500000", "b@x.cn", ""]),
            ],
            &reference(),
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].categories.len(), 2);
        assert_eq!(rows[1].row, 4);
        assert_eq!(rows[1].kind, RosterKind::Oem);
        // Hostile text is kept as text.
        assert_eq!(rows[1].name, "=HYPERLINK(\"x\")");
    }

    #[test]
    fn columns_are_found_by_name_with_a_bom() {
        let c1 = credit(1);
        let mut h = header();
        h.reverse();
        h[5] = format!("\u{feff}{}", h[5]);
        let rows = parse(
            &[
                h,
                rec(&["EDRIVE", "a@x.cn", "500112", "supplier", &c1, "名"]),
            ],
            &reference(),
        )
        .unwrap();
        assert_eq!(rows[0].name, "名");
    }

    #[test]
    fn every_bad_cell_of_every_row_is_named() {
        let c1 = credit(1);
        let errors = parse(
            &[
                header(),
                rec(&[
                    "",
                    "91500112MA0000001X",
                    "maker",
                    "999999",
                    "not-an-email",
                    "NOPE",
                ]),
                rec(&["ok", &c1, "supplier", "500112", "a@x.cn", ""]),
                rec(&["dup", &c1, "supplier", "500112", "a@x.cn", ""]),
            ],
            &reference(),
        )
        .unwrap_err();
        let named: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(
            named,
            vec![
                (2, "name"),
                (2, "credit_code"),
                (2, "kind"),
                (2, "region_code"),
                (2, "contact_email"),
                (2, "categories"),
                (4, "credit_code"),
            ]
        );
        assert!(errors[6].en.contains("row 3"));
    }

    #[test]
    fn a_missing_column_or_an_empty_file_is_refused_on_row_one() {
        let errors = parse(&[rec(&["name", "credit_code"])], &reference()).unwrap_err();
        assert_eq!(errors.len(), 4);
        assert!(errors.iter().all(|e| e.row == 1));
        let errors = parse(&[], &reference()).unwrap_err();
        assert_eq!(errors[0].code, "roster.empty");
    }
}
