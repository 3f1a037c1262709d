//! Why an object could not be accepted, in words a user can act on.
//!
//! No variant carries a DICOM value: these messages reach logs and clients, and tag values
//! may be patient data.
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DicomError {
    /// No `DICM` marker at offset 0 or 128: not a Part-10 file at all.
    #[error("not a DICOM file")]
    NotDicom,
    /// The object ends before the length its elements declare.
    #[error("truncated DICOM file: {0}")]
    Truncated(String),
    /// The bytes cannot be parsed as a DICOM data set.
    #[error("malformed DICOM file: {0}")]
    Malformed(String),
    /// A required attribute is absent or empty.
    #[error("missing {name} {tag}")]
    MissingAttribute { name: &'static str, tag: &'static str },
    /// A UID attribute is present but not a valid UID.
    #[error("malformed {name} {tag}: {why}")]
    InvalidUid { name: &'static str, tag: &'static str, why: &'static str },
    /// A DICOMDIR: the directory of a medium, not an instance to store.
    #[error("DICOMDIR (the directory of a medium, not an image)")]
    MediaDirectory,
    /// The transfer syntax is not one this server can read the header of.
    #[error("unsupported transfer syntax {0}")]
    UnsupportedTransferSyntax(String),
}
