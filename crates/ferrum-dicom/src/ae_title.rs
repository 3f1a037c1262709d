//! Application Entity titles (PS3.5 6.2, VR AE): up to 16 characters of the default
//! character repertoire without backslash or control characters; leading and trailing spaces
//! are not significant.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AeTitle(String);

impl AeTitle {
    /// The title with its insignificant spaces (and NUL padding) removed.
    pub fn parse(raw: &str) -> Result<AeTitle, String> {
        let t = raw.trim_matches(|c| c == ' ' || c == '\0');
        if t.is_empty() {
            return Err("an AE title must not be empty".into());
        }
        if t.len() > 16 {
            return Err("an AE title is at most 16 characters".into());
        }
        if let Some(c) = t.chars().find(|c| !(' '..='~').contains(c) || *c == '\\') {
            return Err(format!("an AE title may not contain {c:?}"));
        }
        Ok(AeTitle(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AeTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::AeTitle;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(AeTitle::parse("  CT_01 ").unwrap().as_str(), "CT_01");
        assert_eq!(AeTitle::parse("STORESCU\0").unwrap().as_str(), "STORESCU");
        assert!(AeTitle::parse("   ").is_err());
        assert!(AeTitle::parse("ABCDEFGHIJKLMNOPQ").is_err());
        assert!(AeTitle::parse("A\\B").is_err());
        assert!(AeTitle::parse("A\nB").is_err());
        assert!(AeTitle::parse("ÄE").is_err());
    }
}
