//! How text filters match: folding for case- and accent-insensitive search, DICOM wildcards
//! turned into SQL `LIKE` patterns, and the opaque keyset-pagination cursor.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::StoreError;

/// Lower-cases and strips accents (NFKD, combining marks dropped), keeping every other
/// script as it is: `Müller` → `muller`, `山田` stays `山田`.
pub fn fold(text: &str) -> String {
    text.nfkd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The escape character used in every `LIKE` pattern built here.
pub const LIKE_ESCAPE: char = '\\';

/// Turns a DICOM wildcard pattern (`*` any run, `?` one character) into a `LIKE` pattern over
/// folded text. Without a wildcard the value matches as a prefix, which is what a person
/// typing the start of a name expects.
pub fn wildcard_to_like(pattern: &str) -> String {
    let folded = fold(pattern.trim());
    let has_wildcard = folded.contains(['*', '?']);
    let mut out = String::with_capacity(folded.len() + 2);
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
    if !has_wildcard {
        out.push('%');
    }
    out
}

/// A `LIKE` pattern that finds `needle` anywhere in folded text.
pub fn contains_like(needle: &str) -> String {
    let mut out = String::from("%");
    for c in fold(needle.trim()).chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The position after the last row of a page: its sort key and its study UID.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cursor {
    pub key: String,
    pub uid: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Result<Cursor, StoreError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| StoreError::Invalid("cursor is not one this server issued".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_accents_only() {
        assert_eq!(fold("MÜLLER^Zoë"), "muller^zoe");
        assert_eq!(fold("山田^太郎"), "山田^太郎");
    }

    #[test]
    fn wildcards_become_like_patterns_and_literals_are_escaped() {
        assert_eq!(wildcard_to_like("Mül*"), "mul%");
        assert_eq!(wildcard_to_like("D?e"), "d_e");
        assert_eq!(wildcard_to_like("doe"), "doe%");
        assert_eq!(wildcard_to_like("100%"), "100\\%%");
    }

    #[test]
    fn cursor_round_trips_and_garbage_is_refused() {
        let c = Cursor { key: "20240101".into(), uid: "1.2.3".into() };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("not-a-cursor").is_err());
    }
}
