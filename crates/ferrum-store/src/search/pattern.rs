//! What a search value becomes: DICOM wildcard patterns and word prefixes over folded keys,
//! as an index range (`key >= lo AND key < hi`, which both catalogs answer from a B-tree
//! in code-point order) plus, for wildcards, a `LIKE` pattern checked on the keys the range
//! gives. A pattern that starts with a wildcard has no range and reads every key of its field.
use super::fold::fold;

/// The escape character used in every `LIKE` pattern built here.
pub const LIKE_ESCAPE: char = '\\';

/// One term matched against a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMatch {
    /// `[lo, hi)`; `hi` is `None` when nothing bounds it above.
    pub range: Option<(String, Option<String>)>,
    /// The whole pattern, when it has wildcards.
    pub like: Option<String>,
    /// No wildcard and `exact`: the key equals the term.
    pub equals: Option<String>,
}

/// The smallest string above every string that starts with `prefix`.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn like_of(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push(LIKE_ESCAPE);
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

impl KeyMatch {
    /// A folded term: without a wildcard a prefix (or, `exact`, the whole key); with `*` or
    /// `?`, the DICOM pattern over the whole key. `None` when it matches anything (`*`).
    pub fn of(term: &str, exact: bool) -> Option<KeyMatch> {
        let literal: String = term.chars().take_while(|c| !matches!(c, '*' | '?')).collect();
        if literal.chars().count() == term.chars().count() {
            if term.is_empty() {
                return None;
            }
            if exact {
                return Some(KeyMatch { range: None, like: None, equals: Some(term.to_owned()) });
            }
            return Some(KeyMatch { range: Some((term.to_owned(), prefix_end(term))), like: None, equals: None });
        }
        if term.chars().all(|c| c == '*') {
            return None;
        }
        let range = (!literal.is_empty()).then(|| (literal.clone(), prefix_end(&literal)));
        Some(KeyMatch { range, like: Some(like_of(term)), equals: None })
    }
}

/// The terms of a person-name search: `muller`, `MÜLLER^HANS`, `hans muller`, `Müller, H*`,
/// `山田^太郎` — split on the component separator, `=`, commas and spaces, each term matched
/// as a word prefix (or a wildcard pattern) against the name's keys, in any order.
pub fn name_terms(value: &str) -> Vec<KeyMatch> {
    let folded = fold(value.trim());
    let whole_group_pattern = folded.contains(['*', '?']) && !folded.contains(['^', '=', ',', ' ']);
    if whole_group_pattern {
        // One pattern without separators: it may span components (`mul*pat*`), and the
        // name's keys include each group whole, so it is matched against every key.
        return KeyMatch::of(&folded, false).into_iter().collect();
    }
    folded
        .split(|c: char| matches!(c, '^' | '=' | ',') || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .filter_map(|t| KeyMatch::of(t, false))
        .collect()
}

/// The terms of a word search (descriptions, institution): each word a prefix.
pub fn word_terms(value: &str) -> Vec<KeyMatch> {
    let folded = fold(value.trim());
    folded
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '(' | ')' | '.' | ':' | '"' | '-'))
        .filter(|t| !t.is_empty())
        .filter_map(|t| KeyMatch::of(t, false))
        .collect()
}

/// An identifier search (patient ID, accession): exact without a wildcard, `P12*` a prefix.
pub fn identifier_term(value: &str) -> Option<KeyMatch> {
    KeyMatch::of(&fold(value.trim()), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lo: &str, hi: &str) -> Option<(String, Option<String>)> {
        Some((lo.into(), Some(hi.into())))
    }

    #[test]
    fn a_plain_term_is_a_prefix_range() {
        assert_eq!(name_terms("Müller"), [KeyMatch { range: range("muller", "mulles"), like: None, equals: None }]);
        assert_eq!(name_terms("hans muller").len(), 2);
        assert_eq!(name_terms("MÜLLER^HANS").len(), 2);
        assert_eq!(name_terms("Müller, Hans").len(), 2);
        assert_eq!(name_terms("山田^太郎").len(), 2);
    }

    #[test]
    fn wildcards_keep_their_literal_prefix_as_the_range() {
        assert_eq!(
            name_terms("Mül*"),
            [KeyMatch { range: range("mul", "mum"), like: Some("mul%".into()), equals: None }]
        );
        assert_eq!(name_terms("*patient1?"), [KeyMatch { range: None, like: Some("%patient1_".into()), equals: None }]);
        assert_eq!(name_terms("mul*pat*")[0].like.as_deref(), Some("mul%pat%"));
        assert!(name_terms("*").is_empty());
        assert_eq!(name_terms("100%_x*")[0].like.as_deref(), Some("100\\%\\_x%"));
    }

    #[test]
    fn identifiers_are_exact_or_prefix() {
        assert_eq!(identifier_term(" p12 ").unwrap().equals.as_deref(), Some("p12"));
        assert_eq!(identifier_term("P1*").unwrap().range, range("p1", "p2"));
        assert!(identifier_term("*").is_none());
    }

    #[test]
    fn the_prefix_end_carries_past_the_last_code_point() {
        assert_eq!(prefix_end("ab"), Some("ac".into()));
        assert_eq!(prefix_end("a\u{10FFFF}"), Some("b".into()));
        assert_eq!(prefix_end("\u{D7FF}"), Some("\u{E000}".into()));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }
}
