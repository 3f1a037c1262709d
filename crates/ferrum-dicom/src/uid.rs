//! A DICOM Unique Identifier, parsed at the edge (PS3.5 9.1).
//!
//! Parsing is deliberately lenient: real modalities send UIDs longer than 64 characters,
//! with a stray letter or a leading zero, and refusing them loses a patient's study. A
//! [`Uid`] is therefore any *usable* identifier — visible ASCII, at most 255 bytes once the
//! padding is trimmed — kept exactly as sent. Whether it also follows PS3.5 is a separate
//! question, answered by [`Uid::conformance`], so that callers can flag it.
//!
//! A `Uid` is an opaque identifier: it must never become a file name, a path or a storage
//! key (blobs are keyed by content hash), since a lenient UID may hold `/`, `..` or `%`.
use std::fmt;

use serde::Serialize;

/// The most bytes a usable identifier may hold (the catalog indexes it; nothing this long is
/// an identifier any real device sends).
pub const MAX_USABLE_LEN: usize = 255;

/// A usable DICOM UID, stored as sent (padding trimmed). It may break PS3.5's syntax; see
/// [`Uid::conformance`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Uid(String);

impl Uid {
    /// Parses a UID leniently, trimming the NUL or space padding around it. Refuses only
    /// what cannot serve as an identifier: an empty value, a character that is not visible
    /// ASCII (control characters, spaces inside, bytes above 0x7E), or more than
    /// [`MAX_USABLE_LEN`] bytes.
    pub fn parse(raw: &str) -> Result<Uid, &'static str> {
        let s = trim_padding(raw);
        if s.is_empty() {
            return Err("empty");
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("contains characters that are not printable ASCII");
        }
        if s.len() > MAX_USABLE_LEN {
            return Err("longer than 255 characters");
        }
        Ok(Uid(s.to_owned()))
    }

    /// Parses a UID and also requires it to follow PS3.5 9.1.
    pub fn parse_strict(raw: &str) -> Result<Uid, &'static str> {
        let uid = Uid::parse(raw)?;
        match uid.conformance() {
            Some(problem) => Err(problem),
            None => Ok(uid),
        }
    }

    /// What makes this UID break PS3.5 9.1, or `None` when it follows it: 1 to 64
    /// characters, digit components separated by dots, no empty component and no leading
    /// zero in a multi-digit component.
    pub fn conformance(&self) -> Option<&'static str> {
        syntax_problem(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn trim_padding(raw: &str) -> &str {
    raw.trim_matches(['\0', ' '])
}

fn syntax_problem(s: &str) -> Option<&'static str> {
    if s.len() > 64 {
        return Some("is longer than 64 characters");
    }
    for component in s.split('.') {
        if component.is_empty() {
            return Some("has an empty component");
        }
        if !component.bytes().all(|b| b.is_ascii_digit()) {
            return Some("contains characters other than digits and dots");
        }
        if component.len() > 1 && component.starts_with('0') {
            return Some("has a component with a leading zero");
        }
    }
    None
}

/// What PS3.5 says about a UID value *as encoded*, padding included: the syntax of
/// [`Uid::conformance`], and padding only by one trailing NUL that makes the length even.
pub fn encoded_conformance(raw: &str) -> Option<&'static str> {
    let value = trim_padding(raw);
    if let Some(problem) = syntax_problem(value) {
        return Some(problem);
    }
    if raw.len() != raw.trim_start_matches(['\0', ' ']).len() {
        return Some("has leading padding");
    }
    let tail = &raw[value.len()..];
    match tail {
        "" => None,
        "\0" if raw.len().is_multiple_of(2) => None,
        t if t.contains(' ') => Some("is padded with a space (UIDs are padded with one NUL)"),
        _ => Some("is padded with more than the one NUL that makes its length even"),
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Uid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::{encoded_conformance, Uid};

    #[test]
    fn conformant_uids_parse_and_padding_is_trimmed() {
        assert_eq!(Uid::parse("1.2.840.10008.1.2\0").unwrap().as_str(), "1.2.840.10008.1.2");
        assert_eq!(Uid::parse_strict("2.25.0").unwrap().as_str(), "2.25.0");
        assert_eq!(Uid::parse("1.2.3").unwrap().conformance(), None);
    }

    #[test]
    fn usable_but_nonconformant_uids_are_kept_as_sent_and_flagged() {
        let long = format!("1.2.{}", "9".repeat(70));
        for (raw, problem) in [
            (long.as_str(), "is longer than 64 characters"),
            ("1.2.abc", "contains characters other than digits and dots"),
            ("1.2.03", "has a component with a leading zero"),
            ("1..2", "has an empty component"),
            ("1.2.", "has an empty component"),
            ("../etc/passwd", "has an empty component"),
        ] {
            let uid = Uid::parse(raw).unwrap_or_else(|e| panic!("{raw:?} is usable, refused: {e}"));
            assert_eq!(uid.as_str(), raw, "kept as sent");
            assert_eq!(uid.conformance(), Some(problem), "{raw:?}");
            assert_eq!(Uid::parse_strict(raw), Err(problem));
        }
    }

    #[test]
    fn unusable_uids_are_refused() {
        let huge = "1".repeat(256);
        for bad in ["", " \0", "1.2\u{1}.3", "1.2 3", "1.2.ü", "1.2\t", huge.as_str()] {
            assert!(Uid::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Uid::parse(&"1".repeat(255)).is_ok(), "255 bytes is the limit, inclusive");
    }

    #[test]
    fn padding_is_conformant_only_as_one_nul_to_an_even_length() {
        assert_eq!(encoded_conformance("1.2.3\0"), None);
        assert_eq!(encoded_conformance("1.23"), None);
        assert!(encoded_conformance("1.2.3 ").unwrap().contains("space"));
        assert!(encoded_conformance("1.23\0\0").is_some());
        assert!(encoded_conformance("1.23\0").is_some(), "a NUL that makes the length odd");
        assert!(encoded_conformance(" 1.2").is_some());
    }
}
