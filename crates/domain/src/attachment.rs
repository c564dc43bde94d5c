//! Attachments on postings (drawings, spec sheets, certificates): which file types are accepted,
//! recognised by their content and never by their name, and the display name a download carries.
//!
//! Decisions:
//! - Six kinds: PDF, PNG, JPEG, XLSX, DWG and STEP. Each is told by its leading bytes; XLSX is a
//!   ZIP whose central directory names `[Content_Types].xml` and an `xl/` entry, so a renamed
//!   .docx or any other ZIP is refused.
//! - The client's file name is only a label: it is cut to its last path segment, stripped of
//!   control characters, shortened, and given the extension of the kind the content really is.

use crate::Invalid;

/// What an accepted file is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachmentKind {
    Pdf,
    Png,
    Jpeg,
    Xlsx,
    Dwg,
    Step,
}

/// Every kind, in the order the API documents them.
pub const KINDS: [AttachmentKind; 6] = [
    AttachmentKind::Pdf,
    AttachmentKind::Png,
    AttachmentKind::Jpeg,
    AttachmentKind::Xlsx,
    AttachmentKind::Dwg,
    AttachmentKind::Step,
];

/// The refusal for anything that is not one of the six kinds.
pub const UNSUPPORTED: Invalid = Invalid::new(
    "attachment.type",
    "仅接受 PDF、PNG、JPEG、XLSX、DWG 或 STEP 文件(按文件内容识别,与文件名无关)。",
    "Only PDF, PNG, JPEG, XLSX, DWG or STEP files are accepted (recognised by their content, not their name).",
);

/// The refusal for an empty upload.
pub const EMPTY: Invalid = Invalid::new("attachment.empty", "文件为空。", "The file is empty.");

/// Longest display name kept, in characters (extension included).
pub const FILE_NAME_MAX: usize = 160;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";
const ZIP_END_OF_DIRECTORY: &[u8] = b"PK\x05\x06";
const ZIP_DIRECTORY_ENTRY: &[u8] = b"PK\x01\x02";
const STEP_HEADER: &[u8] = b"ISO-10303-21;";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl AttachmentKind {
    /// The word stored and shown in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Png => "png",
            AttachmentKind::Jpeg => "jpeg",
            AttachmentKind::Xlsx => "xlsx",
            AttachmentKind::Dwg => "dwg",
            AttachmentKind::Step => "step",
        }
    }

    /// Reads a stored word back.
    ///
    /// # Errors
    /// [`UNSUPPORTED`] for any other word.
    pub fn parse(word: &str) -> Result<AttachmentKind, Invalid> {
        KINDS
            .into_iter()
            .find(|k| k.as_str() == word)
            .ok_or(UNSUPPORTED)
    }

    /// The media type a download is served with.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Png => "image/png",
            AttachmentKind::Jpeg => "image/jpeg",
            AttachmentKind::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            AttachmentKind::Dwg => "image/vnd.dwg",
            AttachmentKind::Step => "model/step",
        }
    }

    /// Extensions that already say this kind; the first is the one added when a name lacks it.
    #[must_use]
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            AttachmentKind::Pdf => &["pdf"],
            AttachmentKind::Png => &["png"],
            AttachmentKind::Jpeg => &["jpg", "jpeg"],
            AttachmentKind::Xlsx => &["xlsx"],
            AttachmentKind::Dwg => &["dwg"],
            AttachmentKind::Step => &["step", "stp"],
        }
    }
}

/// Recognises a file by its content alone.
///
/// # Errors
/// [`EMPTY`] for no bytes, [`UNSUPPORTED`] for anything not one of the six kinds.
pub fn sniff(bytes: &[u8]) -> Result<AttachmentKind, Invalid> {
    if bytes.is_empty() {
        return Err(EMPTY);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(AttachmentKind::Pdf);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(AttachmentKind::Png);
    }
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        return Ok(AttachmentKind::Jpeg);
    }
    if is_dwg(bytes) {
        return Ok(AttachmentKind::Dwg);
    }
    if is_step(bytes) {
        return Ok(AttachmentKind::Step);
    }
    if bytes.starts_with(ZIP_LOCAL_HEADER) && is_xlsx(bytes) {
        return Ok(AttachmentKind::Xlsx);
    }
    Err(UNSUPPORTED)
}

/// AutoCAD drawings start with their format version: `AC10` and two digits (AC1015 = 2000 ...).
fn is_dwg(bytes: &[u8]) -> bool {
    bytes.len() >= 6 && bytes.starts_with(b"AC10") && bytes[4..6].iter().all(u8::is_ascii_digit)
}

/// ISO 10303-21 exchange files open with their magic line; editors may put a BOM or blank lines
/// before it.
fn is_step(bytes: &[u8]) -> bool {
    let rest = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    rest[start..].starts_with(STEP_HEADER)
}

/// Whether this ZIP is an Excel workbook: its central directory names `[Content_Types].xml`
/// (every Office Open XML package has one) and at least one entry under `xl/` (only
/// spreadsheets do; Word has `word/`, PowerPoint `ppt/`).
fn is_xlsx(bytes: &[u8]) -> bool {
    let Some(names) = zip_entry_names(bytes) else {
        return false;
    };
    let mut content_types = false;
    let mut workbook = false;
    for name in names {
        content_types |= name == b"[Content_Types].xml";
        workbook |= name.starts_with(b"xl/");
    }
    content_types && workbook
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
}

/// The entry names of a ZIP's central directory, or `None` when the archive is not well formed.
/// Reads only the end record and the directory it points to (the same records any unzip trusts);
/// ZIP64 archives, which a 20 MB workbook never needs, are refused.
fn zip_entry_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    // The end record is 22 bytes plus a comment of at most 65,535; search backwards for it.
    const END_LEN: usize = 22;
    if bytes.len() < END_LEN {
        return None;
    }
    let earliest = bytes.len().saturating_sub(END_LEN + usize::from(u16::MAX));
    let end = (earliest..=bytes.len() - END_LEN)
        .rev()
        .find(|&i| bytes[i..].starts_with(ZIP_END_OF_DIRECTORY))?;
    let entries = u16_at(bytes, end + 10)?;
    let directory_len = u32_at(bytes, end + 12)?;
    let directory_at = u32_at(bytes, end + 16)?;
    let directory_end = directory_at.checked_add(directory_len)?;
    if directory_end > end {
        return None;
    }
    let mut names = Vec::with_capacity(entries);
    let mut at = directory_at;
    for _ in 0..entries {
        if !bytes.get(at..)?.starts_with(ZIP_DIRECTORY_ENTRY) {
            return None;
        }
        let name_len = u16_at(bytes, at + 28)?;
        let extra_len = u16_at(bytes, at + 30)?;
        let comment_len = u16_at(bytes, at + 32)?;
        let name_at = at + 46;
        let name = bytes.get(name_at..name_at.checked_add(name_len)?)?;
        names.push(name);
        at = name_at + name_len + extra_len + comment_len;
        if at > directory_end {
            return None;
        }
    }
    Some(names)
}

/// The name a download carries: the last segment of what the client sent, without control
/// characters or leading dots, at most [`FILE_NAME_MAX`] characters, ending in an extension of
/// the kind the content is (`drawing.exe` holding a PDF becomes `drawing.exe.pdf`).
#[must_use]
pub fn display_name(sent: Option<&str>, kind: AttachmentKind) -> String {
    let last = sent
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end();
    let stem = if cleaned.is_empty() {
        "attachment"
    } else {
        cleaned
    };
    let has_extension = stem.rsplit_once('.').is_some_and(|(_, ext)| {
        kind.extensions()
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
    });
    let suffix = if has_extension {
        String::new()
    } else {
        format!(".{}", kind.extensions()[0])
    };
    let room = FILE_NAME_MAX - suffix.chars().count();
    let mut name: String = if has_extension && stem.chars().count() > FILE_NAME_MAX {
        // Keep the extension when shortening a name that has the right one.
        let ext_len = stem
            .rsplit_once('.')
            .map_or(0, |(_, e)| e.chars().count() + 1);
        let head: String = stem.chars().take(FILE_NAME_MAX - ext_len).collect();
        let ext: String = stem.chars().skip(stem.chars().count() - ext_len).collect();
        format!("{head}{ext}")
    } else {
        stem.chars().take(room).collect()
    };
    name.push_str(&suffix);
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A stored-only ZIP holding `names` (empty contents), as any zip tool writes it.
    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::new();
        for name in names {
            let offset = u32::try_from(out.len()).unwrap();
            let n = u16::try_from(name.len()).unwrap();
            out.extend_from_slice(ZIP_LOCAL_HEADER);
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&[0; 12]); // crc, sizes
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            directory.extend_from_slice(ZIP_DIRECTORY_ENTRY);
            directory.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            directory.extend_from_slice(&[0; 12]); // crc, sizes
            directory.extend_from_slice(&n.to_le_bytes());
            directory.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
            directory.extend_from_slice(&offset.to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
        }
        let directory_at = u32::try_from(out.len()).unwrap();
        let directory_len = u32::try_from(directory.len()).unwrap();
        let count = u16::try_from(names.len()).unwrap();
        out.extend_from_slice(&directory);
        out.extend_from_slice(ZIP_END_OF_DIRECTORY);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&directory_len.to_le_bytes());
        out.extend_from_slice(&directory_at.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn each_kind_is_told_by_its_leading_bytes() {
        let cases: [(&[u8], AttachmentKind); 8] = [
            (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", AttachmentKind::Pdf),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", AttachmentKind::Png),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF\0", AttachmentKind::Jpeg),
            (b"AC1032\0\0\0\0\0\0", AttachmentKind::Dwg),
            (b"AC1015", AttachmentKind::Dwg),
            (b"ISO-10303-21;\nHEADER;\n", AttachmentKind::Step),
            (b"\xEF\xBB\xBF\r\n  ISO-10303-21;\n", AttachmentKind::Step),
            (b"%PDF-", AttachmentKind::Pdf),
        ];
        for (bytes, kind) in cases {
            assert_eq!(sniff(bytes), Ok(kind), "{bytes:?}");
        }
    }

    #[test]
    fn a_workbook_is_a_zip_with_content_types_and_an_xl_folder() {
        let xlsx = zip_of(&["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"]);
        assert_eq!(sniff(&xlsx), Ok(AttachmentKind::Xlsx));
        let docx = zip_of(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        assert_eq!(sniff(&docx), Err(UNSUPPORTED));
        let plain = zip_of(&["readme.txt", "xl/notes.txt"]);
        assert_eq!(sniff(&plain), Err(UNSUPPORTED));
        let empty_zip = zip_of(&[]);
        assert_eq!(sniff(&empty_zip), Err(UNSUPPORTED));
        // A workbook cut short loses its directory: refused, not guessed.
        assert_eq!(sniff(&xlsx[..xlsx.len() - 5]), Err(UNSUPPORTED));
    }

    #[test]
    fn other_content_is_refused_whatever_it_is_called() {
        for bytes in [
            &b"MZ\x90\0\x03\0\0\0"[..],
            b"GIF89a",
            b"<html><body>",
            b"AC10",
            b"ACXX15",
            b"ISO-10303-2",
            b"PK\x03\x04",
            b"%PD",
            b"\xFF\xD8",
        ] {
            assert_eq!(sniff(bytes), Err(UNSUPPORTED), "{bytes:?}");
        }
        assert_eq!(sniff(b""), Err(EMPTY));
    }

    #[test]
    fn kinds_round_trip_through_their_words() {
        for kind in KINDS {
            assert_eq!(AttachmentKind::parse(kind.as_str()), Ok(kind));
            assert!(!kind.content_type().is_empty());
        }
        assert!(AttachmentKind::parse("exe").is_err());
    }

    #[test]
    fn display_names_keep_the_label_and_say_the_real_kind() {
        let pdf = AttachmentKind::Pdf;
        assert_eq!(display_name(Some("图纸 A-01.pdf"), pdf), "图纸 A-01.pdf");
        assert_eq!(display_name(Some("C:\\work\\spec.PDF"), pdf), "spec.PDF");
        assert_eq!(display_name(Some("../../etc/passwd"), pdf), "passwd.pdf");
        assert_eq!(display_name(Some("setup.exe"), pdf), "setup.exe.pdf");
        assert_eq!(display_name(Some("...hidden"), pdf), "hidden.pdf");
        assert_eq!(display_name(None, AttachmentKind::Jpeg), "attachment.jpg");
        assert_eq!(
            display_name(Some("photo.jpeg"), AttachmentKind::Jpeg),
            "photo.jpeg"
        );
        assert_eq!(
            display_name(Some("a\u{0}b\r\n\"c\".stp"), AttachmentKind::Step),
            "abc.stp"
        );
        assert_eq!(
            display_name(Some("  "), AttachmentKind::Png),
            "attachment.png"
        );
    }

    #[test]
    fn long_names_are_cut_but_keep_their_extension() {
        let long = format!("{}.xlsx", "报".repeat(300));
        let name = display_name(Some(&long), AttachmentKind::Xlsx);
        assert_eq!(name.chars().count(), FILE_NAME_MAX);
        assert!(name.ends_with(".xlsx"));
        let no_ext = "x".repeat(500);
        let name = display_name(Some(&no_ext), AttachmentKind::Dwg);
        assert_eq!(name.chars().count(), FILE_NAME_MAX);
        assert!(name.ends_with(".dwg"));
    }

    proptest! {
        #[test]
        fn sniffing_never_panics_and_agrees_with_the_leading_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            match sniff(&bytes) {
                Ok(AttachmentKind::Pdf) => prop_assert!(bytes.starts_with(b"%PDF-")),
                Ok(AttachmentKind::Png) => prop_assert!(bytes.starts_with(PNG_SIGNATURE)),
                Ok(AttachmentKind::Jpeg) => prop_assert!(bytes.starts_with(b"\xFF\xD8\xFF")),
                Ok(AttachmentKind::Dwg) => prop_assert!(bytes.starts_with(b"AC10")),
                Ok(AttachmentKind::Xlsx) => prop_assert!(bytes.starts_with(ZIP_LOCAL_HEADER)),
                Ok(AttachmentKind::Step) => prop_assert!(bytes.windows(STEP_HEADER.len()).any(|w| w == STEP_HEADER)),
                Err(e) => prop_assert!(e == UNSUPPORTED || (e == EMPTY && bytes.is_empty())),
            }
        }

        #[test]
        fn a_known_header_wins_whatever_follows(tail in proptest::collection::vec(any::<u8>(), 0..256), which in 0usize..4) {
            let (head, kind): (&[u8], AttachmentKind) = [
                (&b"%PDF-"[..], AttachmentKind::Pdf),
                (PNG_SIGNATURE, AttachmentKind::Png),
                (b"\xFF\xD8\xFF", AttachmentKind::Jpeg),
                (STEP_HEADER, AttachmentKind::Step),
            ][which];
            let mut bytes = head.to_vec();
            bytes.extend_from_slice(&tail);
            prop_assert_eq!(sniff(&bytes), Ok(kind));
        }

        #[test]
        fn a_zip_is_a_workbook_exactly_when_it_names_both_parts(
            names in proptest::collection::vec("[a-z_/\\[\\]A-Z.]{1,24}", 0..8),
            content_types in any::<bool>(),
            workbook in any::<bool>(),
        ) {
            let mut all: Vec<String> = names.iter().filter(|n| *n != "[Content_Types].xml" && !n.starts_with("xl/")).cloned().collect();
            if content_types { all.push("[Content_Types].xml".into()); }
            if workbook { all.push("xl/workbook.xml".into()); }
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            let zip = zip_of(&refs);
            prop_assert_eq!(sniff(&zip).is_ok(), content_types && workbook);
        }

        #[test]
        fn cutting_a_zip_anywhere_never_panics(cut in 0usize..200) {
            let xlsx = zip_of(&["[Content_Types].xml", "xl/workbook.xml"]);
            let _ = sniff(&xlsx[..cut.min(xlsx.len())]);
        }

        #[test]
        fn display_names_are_short_clean_and_typed(sent in proptest::option::of(".{0,400}"), which in 0usize..6) {
            let kind = KINDS[which];
            let name = display_name(sent.as_deref(), kind);
            prop_assert!(name.chars().count() <= FILE_NAME_MAX);
            prop_assert!(!name.contains(['/', '\\', '"']));
            prop_assert!(!name.chars().any(char::is_control));
            prop_assert!(!name.starts_with('.'));
            let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            prop_assert!(kind.extensions().contains(&ext.as_str()), "{name}");
        }
    }
}
