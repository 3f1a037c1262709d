//! What was accepted although it is not conformant: a note for the uploader and the catalog.
//!
//! Real devices break the standard in harmless ways; such an object is stored as sent and
//! carries one [`Warning`] per problem. A code is stable (clients match on it); the message
//! is for people, and never quotes a value of the data set (they reach logs and pages).
use serde::Serialize;

/// A UID breaks PS3.5 9.1 (too long, not digits and dots, leading zero, padding) but is a
/// usable identifier.
pub const NONCONFORMANT_UID: &str = "nonconformant_uid";
/// The data set has no File Meta group (no preamble, no `DICM`); its encoding was detected
/// from its first elements.
pub const NO_FILE_META: &str = "no_file_meta";
/// The File Meta group declares explicit VR little endian and the data set is implicit VR
/// (or the reverse); it is read, and catalogued, as what it is.
pub const TRANSFER_SYNTAX_MISMATCH: &str = "transfer_syntax_mismatch";
/// A File Meta group without the `DICM` prefix (and preamble) before it.
pub const NO_DICM_PREFIX: &str = "no_dicm_prefix";
/// File Meta Information Group Length (0002,0000) does not match the group's elements.
pub const META_GROUP_LENGTH: &str = "meta_group_length";
/// Bytes after the data set's Pixel Data that are not DICOM elements; they are kept in the
/// stored object and ignored when reading it.
pub const TRAILING_BYTES: &str = "trailing_bytes";
/// The same attribute appears more than once, or attributes are out of order; the last
/// value read is the one indexed.
pub const ELEMENT_ORDER: &str = "element_order";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

impl Warning {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Warning { code, message: message.into() }
    }
}
