//! A DICOM Unique Identifier, parsed at the edge (PS3.5 9.1).
use std::fmt;

use serde::Serialize;

/// A syntactically valid DICOM UID: 1 to 64 characters, digit components separated by dots,
/// no empty component and no leading zero in a multi-digit component.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Uid(String);

impl Uid {
    /// Parses a UID, trimming the trailing NUL or space padding DICOM allows.
    pub fn parse(raw: &str) -> Result<Uid, &'static str> {
        let s = raw.trim_end_matches(['\0', ' ']).trim_start();
        if s.is_empty() {
            return Err("empty");
        }
        if s.len() > 64 {
            return Err("longer than 64 characters");
        }
        for component in s.split('.') {
            if component.is_empty() {
                return Err("has an empty component");
            }
            if !component.bytes().all(|b| b.is_ascii_digit()) {
                return Err("contains characters other than digits and dots");
            }
            if component.len() > 1 && component.starts_with('0') {
                return Err("has a component with a leading zero");
            }
        }
        Ok(Uid(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
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
    use super::Uid;

    #[test]
    fn valid_uids_parse_and_padding_is_trimmed() {
        assert_eq!(Uid::parse("1.2.840.10008.1.2\0").unwrap().as_str(), "1.2.840.10008.1.2");
        assert_eq!(Uid::parse("2.25.0").unwrap().as_str(), "2.25.0");
    }

    #[test]
    fn malformed_uids_are_refused() {
        for bad in ["", "1..2", "1.2.a", "1.02", "../etc/passwd", &"1".repeat(65), "1.2."] {
            assert!(Uid::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
