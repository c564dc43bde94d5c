//! Cells for CSV files we write: a value a spreadsheet would read as a formula (CSV/formula
//! injection) is neutralised with a leading apostrophe, so it shows as the text it is.

use std::borrow::Cow;

/// The characters that make a spreadsheet evaluate a cell (or, for tab and CR, start a cell that
/// some spreadsheets re-parse).
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as it may safely be written to a CSV: unchanged unless it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, in which case it gets a leading `'`.
#[must_use]
pub fn cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(TRIGGERS) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_and_their_disguises_are_neutralised() {
        for hostile in [
            "=1+1",
            "=HYPERLINK(\"http://x\",\"y\")",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\t=1",
            "\r=1",
        ] {
            let safe = cell(hostile);
            assert_eq!(safe, format!("'{hostile}"), "{hostile:?}");
            assert!(matches!(safe, Cow::Owned(_)));
        }
    }

    #[test]
    fn ordinary_text_passes_unchanged_and_unallocated() {
        for plain in [
            "重庆长安汽车",
            "ACME Ltd.",
            "",
            "1+1",
            "a=b",
            "'=already",
            " =1",
        ] {
            let safe = cell(plain);
            assert_eq!(safe, plain);
            assert!(matches!(safe, Cow::Borrowed(_)), "{plain:?}");
        }
    }

    #[test]
    fn neutralising_is_needed_once() {
        let once = cell("=1").into_owned();
        assert_eq!(cell(&once), once);
    }
}
