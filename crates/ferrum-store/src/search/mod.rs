//! How the study search matches: folding for case- and accent-insensitive search
//! ([`fold`]), the search columns a study is given ([`keys`]), what a search value becomes
//! ([`pattern`], [`trigram`]), and the opaque keyset-pagination cursor.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

mod fold;
pub mod keys;
pub mod pattern;
pub mod trigram;

pub use fold::fold;

use crate::StoreError;

/// The position after the last row of a page: its sort key and its study UID.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cursor {
    pub key: String,
    pub uid: String,
    /// The order the cursor was issued for: a cursor of another order is refused rather
    /// than read as a position it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
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
    fn cursor_round_trips_and_garbage_is_refused() {
        let c = Cursor { key: "20240101".into(), uid: "1.2.3".into(), sort: Some("-study_date".into()) };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("not-a-cursor").is_err());
    }
}
