//! Words of a posting, as the matcher and search compare them: Chinese segmented by jieba,
//! English case-folded and stemmed, stop words, numbers and lone characters dropped.

use std::collections::HashSet;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};

// Loading the dictionary takes a few hundred milliseconds: once per process.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Words that say nothing about what is made or needed.
const STOP_WORDS: &[&str] = &[
    // Chinese function words and posting boilerplate
    "的", "和", "与", "及", "等", "或", "在", "为", "对", "了", "是", "有", "可", "可以", "提供",
    "我们", "我司", "公司", "企业", "需求", "需要", "相关", "以及", "其他", "各类", "主要", "具有",
    "进行", // English
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of",
    "on", "or", "our", "that", "the", "this", "to", "we", "with", "per", "can",
];

/// The distinct terms of `text`, in order of first appearance.
#[must_use]
pub fn terms(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for word in JIEBA.cut(text, true) {
        let Some(term) = normalise(word.word) else {
            continue;
        };
        if seen.insert(term.clone()) {
            out.push(term);
        }
    }
    out
}

/// The terms of several fields, distinct across all of them, first field first.
#[must_use]
pub fn terms_of<'a>(fields: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for field in fields {
        for term in terms(field) {
            if seen.insert(term.clone()) {
                out.push(term);
            }
        }
    }
    out
}

fn normalise(word: &str) -> Option<String> {
    let word = word.trim();
    if !word.chars().any(char::is_alphanumeric) {
        return None;
    }
    let lower = word.to_lowercase();
    if STOP_WORDS.contains(&lower.as_str()) {
        return None;
    }
    // "2026", "10,000": quantities and dates, not subjects.
    if lower
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    // A lone character (Chinese or Latin) matches too much to mean anything.
    if lower.chars().count() < 2 {
        return None;
    }
    if lower.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(ENGLISH.stem(&lower).into_owned());
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_segmented_into_words() {
        let t = terms("重庆某公司提供动力电池包的精密冲压件");
        assert!(
            t.contains(&"动力电池".to_owned()) || t.contains(&"电池".to_owned()),
            "{t:?}"
        );
        assert!(
            t.contains(&"冲压件".to_owned()) || t.contains(&"冲压".to_owned()),
            "{t:?}"
        );
        assert!(!t.contains(&"的".to_owned()), "{t:?}");
        assert!(!t.contains(&"公司".to_owned()), "{t:?}");
    }

    #[test]
    fn english_is_folded_and_stemmed() {
        let t = terms("Stamping STAMPED stamps for Battery Housings");
        assert_eq!(t, ["stamp", "batteri", "hous"]);
    }

    #[test]
    fn numbers_stop_words_and_punctuation_are_dropped() {
        assert!(terms("2026 年 , 10,000 件 the and 。").is_empty());
    }

    #[test]
    fn codes_with_digits_stay_whole() {
        assert!(terms("IATF16949 认证").contains(&"iatf16949".to_owned()));
    }

    #[test]
    fn fields_share_one_distinct_list() {
        let t = terms_of(["压铸 壳体", "壳体 压铸 铝合金"]);
        assert_eq!(t.iter().filter(|w| *w == "压铸").count(), 1);
        assert!(t.contains(&"铝合金".to_owned()));
    }
}
