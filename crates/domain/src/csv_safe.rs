//! Cells for CSV files people open in a spreadsheet: a cell that starts like a formula
//! (`=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`, so Excel and WPS show it
//! as text instead of running it (CSV injection, OWASP).

use std::borrow::Cow;

/// The cell as it may safely be written.
#[must_use]
pub fn cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_the_rest_stays() {
        assert_eq!(cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(cell("+1+1"), "'+1+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\t=1"), "'\t=1");
        assert_eq!(cell("重庆长安"), "重庆长安");
        assert_eq!(cell("0.5"), "0.5");
        assert_eq!(cell(""), "");
        assert!(matches!(cell("plain"), Cow::Borrowed(_)));
    }
}
