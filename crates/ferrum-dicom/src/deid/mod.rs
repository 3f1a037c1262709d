//! De-identification: PS3.15 Annex E, the Basic Application Level Confidentiality Profile
//! with the options Retain Longitudinal Temporal Information with Modified Dates, Clean
//! Descriptors and Retain Patient Characteristics.
//!
//! [`deidentify`] takes one object's bytes and a [`Context`] (the secret of one viewer link
//! or one export) and gives a new, valid Part-10 object:
//!
//! - each attribute treated as PS3.15 Table E.1-1 says for those options ([`table`]: the rows
//!   are generated from the standard's table, not typed here), at every depth of sequences;
//! - every UID the table marks `U` remapped to `2.25.<HMAC of the original>`, the same
//!   original giving the same new UID within one context (references between objects keep
//!   pointing at each other) and unrelated ones across contexts;
//! - every date moved back by the context's one offset in whole days;
//! - private attributes, curves (50xx) and overlays (60xx) removed;
//! - Patient Identity Removed, De-identification Method and its code sequence (CID 7050)
//!   and Longitudinal Temporal Information Modified set;
//! - a new File Meta group naming the new SOP Instance UID; the pixel data's bytes are copied
//!   as they were (compressed fragments untouched).
//!
//! The transfer syntax is kept, except that deflated and big-endian data sets (retired, and
//! not written by the library) are written as explicit VR little endian: the same values,
//! the same pixels.
//!
//! An object that declares Burned In Annotation = YES is refused ([`DeidError::BurnedIn`])
//! unless the context keeps them: no header change removes a name written into the pixels.
//!
//! It must not do I/O or know who asks: the caller decides what to de-identify and where
//! the result goes.
mod clean;
mod context;
mod dates;
mod table;
#[rustfmt::skip]
mod table_generated;
#[cfg(test)]
mod tests;
mod transform;

use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

pub use context::Context;

use crate::framing::{EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN};

const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1.99";

/// Why an object was not de-identified.
#[derive(Debug, thiserror::Error)]
pub enum DeidError {
    /// The object says its pixels show text that identifies (Burned In Annotation = YES).
    #[error("the object has burned-in annotation; its pixels may show patient data")]
    BurnedIn,
    #[error("the object cannot be read: {0}")]
    Malformed(String),
    #[error("the de-identified object cannot be written: {0}")]
    Unwritable(String),
}

/// A de-identified object and its new identity.
#[derive(Debug, Clone)]
pub struct Deidentified {
    /// A Part-10 file: preamble, File Meta group, data set.
    pub bytes: Vec<u8>,
    pub study_instance_uid: String,
    pub series_instance_uid: String,
    pub sop_instance_uid: String,
    pub transfer_syntax_uid: String,
}

/// One object (a Part-10 file, or a data set without File Meta group) de-identified under
/// `context`.
pub fn deidentify(part10: &[u8], context: &Context) -> Result<Deidentified, DeidError> {
    let file = crate::render::open(part10, false).map_err(|e| DeidError::Malformed(e.to_string()))?;
    let source_ts = file.meta().transfer_syntax().trim_end_matches(['\0', ' ']).to_owned();
    let media_class = file.meta().media_storage_sop_class_uid().trim_end_matches(['\0', ' ']).to_owned();
    let object: InMemDicomObject = file.into_inner();
    if burned_in(&object) && !context.keeps_burned_in() {
        return Err(DeidError::BurnedIn);
    }
    let mut identifiers = clean::Identifiers::default();
    transform::identifiers(&object, &mut identifiers);
    let mut out = transform::Walk { context, identifiers: &identifiers }.data_set(&object);
    drop(object);
    transform::mark(&mut out);

    let text = |tag| {
        out.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
            .unwrap_or_default()
    };
    let sop_instance_uid = text(tags::SOP_INSTANCE_UID);
    let sop_class_uid = Some(text(tags::SOP_CLASS_UID)).filter(|s| !s.is_empty()).unwrap_or(media_class);
    let transfer_syntax_uid = output_transfer_syntax(&source_ts).to_owned();
    let ts = TransferSyntaxRegistry
        .get(&transfer_syntax_uid)
        .ok_or_else(|| DeidError::Unwritable(format!("unknown transfer syntax {transfer_syntax_uid}")))?;
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(transfer_syntax_uid.as_str())
        .media_storage_sop_class_uid(sop_class_uid.as_str())
        .media_storage_sop_instance_uid(sop_instance_uid.as_str())
        .build()
        .map_err(|e| DeidError::Unwritable(e.to_string()))?;
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICM");
    meta.write(&mut bytes).map_err(|e| DeidError::Unwritable(e.to_string()))?;
    out.write_dataset_with_ts(&mut bytes, ts).map_err(|e| DeidError::Unwritable(first_line(&e.to_string())))?;
    Ok(Deidentified {
        study_instance_uid: text(tags::STUDY_INSTANCE_UID),
        series_instance_uid: text(tags::SERIES_INSTANCE_UID),
        sop_instance_uid,
        transfer_syntax_uid,
        bytes,
    })
}

/// The transfer syntax an object stored in `source` is de-identified into: the same, except
/// deflated and big endian, written as explicit VR little endian.
pub fn output_transfer_syntax(source: &str) -> &str {
    match source.trim_end_matches(['\0', ' ']) {
        DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN | EXPLICIT_VR_BIG_ENDIAN => EXPLICIT_VR_LITTLE_ENDIAN,
        other => other,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_owned()
}

/// Burned In Annotation (0028,0301) = YES.
fn burned_in(object: &InMemDicomObject) -> bool {
    object
        .element_opt(tags::BURNED_IN_ANNOTATION)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok())
        .is_some_and(|v| v.trim_end_matches(['\0', ' ']).trim().eq_ignore_ascii_case("YES"))
}
