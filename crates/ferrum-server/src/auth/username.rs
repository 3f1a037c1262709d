//! A username, parsed at the edge.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// 2 to 64 characters of lower-case letters, digits, `.`, `_`, `-`, starting with a
    /// letter or digit.
    pub fn parse(raw: &str) -> Result<Username, String> {
        let s = raw.trim();
        let ok_len = (2..=64).contains(&s.len());
        let ok_chars =
            s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
        let ok_start = s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if ok_len && ok_chars && ok_start {
            Ok(Username(s.to_owned()))
        } else {
            Err("a username is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
