//! The DICOM domain of Ferrum PACS.
//!
//! This crate turns the bytes of a DICOM Part-10 object into the facts the catalog indexes,
//! and nothing more: it knows no async runtime, no database and no HTTP. Everything it reads
//! comes from a `Read + Seek` source handed in by the caller.
//!
//! - [`inspect`] reads the header up to Pixel Data, checks that the whole object is
//!   structurally complete (a truncated upload is refused), validates the required UIDs and
//!   extracts [`InstanceAttributes`].
//! - [`Uid`] is the parsed form of a DICOM UID (lenient: any usable identifier, with
//!   [`Uid::conformance`] saying what breaks PS3.5); client input becomes one before use.
//! - [`Warning`]s list what an accepted object does not conform to (UIDs, a missing File
//!   Meta group, trailing bytes, …); framing detects the encoding of a bare data set.
//! - [`render`] decodes one frame (native and compressed transfer syntaxes) and renders it
//!   through the modality LUT, VOI window and presentation stages to an 8-bit PNG or JPEG.
//! - [`dicomdir`] writes the DICOMDIR of a file-set (an export's directory) from the keys
//!   the caller already has, with the record offsets computed.
//! - [`charset`] decodes text in the declared Specific Character Set, including the ISO 2022
//!   code extensions (Japanese, Korean) that the underlying parser does not switch on.
//!
//! ```no_run
//! let file = std::fs::File::open("IM0001").unwrap();
//! let inspected = ferrum_dicom::inspect(std::io::BufReader::new(file)).unwrap();
//! println!("{}", inspected.attributes.study.study_instance_uid);
//! ```
#![forbid(unsafe_code)]

mod attributes;
pub mod charset;
pub mod correct;
pub mod deid;
pub mod dicomdir;
mod error;
mod framing;
mod inspect;
pub mod json;
pub mod render;
pub mod transcode;
pub mod uid;
pub mod warning;

pub use attributes::{InstanceAttributes, InstanceLevel, PatientLevel, SeriesLevel, StudyLevel};
pub use error::DicomError;
pub use inspect::{header_metadata, inspect, looks_like_dicom, Inspection};
pub use render::{frame_count, placeholder, render, ImageFormat, RenderError, RenderOptions, Rendered, Window};
pub use uid::Uid;
pub use warning::Warning;

/// Media Storage SOP Class of a DICOMDIR: a directory of a medium, not an image.
pub const MEDIA_STORAGE_DIRECTORY_SOP_CLASS: &str = "1.2.840.10008.1.3.10";
