//! Rewriting an uncompressed object in Explicit VR Little Endian, the transfer syntax every
//! DICOMweb client reads, for a client that cannot take the one it was stored in. Only the
//! encoding changes: every element keeps its value (an implicit VR data set gets its VRs
//! from the dictionary, unknown ones UN), and the pixels stay the same numbers. Compressed
//! pixel data is never decoded here: that would be a lossy or costly conversion the caller
//! must decide on, so those objects are refused.
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN;

use crate::render::RenderError;

pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
const DEFLATED_LE: &str = "1.2.840.10008.1.2.1.99";
const ENCAPSULATED_UNCOMPRESSED: &str = "1.2.840.10008.1.2.1.98";

/// Whether an object stored in `ts` can be rewritten in Explicit VR Little Endian.
pub fn to_explicit_le_from(ts: &str) -> bool {
    matches!(ts, IMPLICIT_LE | EXPLICIT_BE | DEFLATED_LE | ENCAPSULATED_UNCOMPRESSED)
}

fn number(obj: &dicom_object::InMemDicomObject, tag: dicom_core::Tag) -> Option<u32> {
    obj.get(tag)?.to_int::<u32>().ok()
}

/// The Part-10 object in Explicit VR Little Endian (a fresh preamble and File Meta group
/// naming it). An object stored in a transfer syntax [`to_explicit_le_from`] does not take
/// is refused.
pub fn to_explicit_le(part10: &[u8]) -> Result<Vec<u8>, RenderError> {
    let mut obj = crate::render::open(part10, false)?;
    let ts = obj.meta().transfer_syntax().trim_end_matches(['\0', ' ']).to_owned();
    if !to_explicit_le_from(&ts) && ts != EXPLICIT_LE {
        return Err(RenderError::UnsupportedPixelData {
            transfer_syntax: ts,
            name: "compressed".into(),
            detail: "only uncompressed objects are rewritten in explicit VR little endian".into(),
        });
    }
    let bits = number(&obj, tags::BITS_ALLOCATED).unwrap_or(0);
    let pixel_data = obj.get(tags::PIXEL_DATA).map(|e| e.value().clone());
    match pixel_data {
        // The parser has read each 16-bit word of a big-endian OW in machine order; a 32-bit
        // cell written big endian has its high word first (as pydicom and GDCM read it), so
        // the words of each pair trade places to make the little-endian cell.
        Some(Value::Primitive(PrimitiveValue::U16(words))) if ts == EXPLICIT_BE && bits == 32 => {
            let swapped: Vec<u16> = words.chunks(2).flat_map(|p| p.iter().rev().copied()).collect();
            obj.put(DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(swapped.into())));
        }
        // One fragment per frame, each the frame's native bytes (padded to an even length).
        Some(Value::PixelSequence(seq)) => {
            if bits == 1 || bits == 0 {
                return Err(RenderError::malformed("encapsulated uncompressed pixel data of 1-bit samples"));
            }
            let frame_len = number(&obj, tags::ROWS).unwrap_or(0) as usize
                * number(&obj, tags::COLUMNS).unwrap_or(0) as usize
                * number(&obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) as usize
                * (bits as usize / 8);
            let mut bytes = Vec::with_capacity(frame_len * seq.fragments().len());
            for fragment in seq.fragments() {
                bytes.extend_from_slice(&fragment[..frame_len.min(fragment.len())]);
            }
            if bytes.len() % 2 == 1 {
                bytes.push(0);
            }
            let vr = if bits <= 8 { VR::OB } else { VR::OW };
            obj.put(DataElement::new(tags::PIXEL_DATA, vr, PrimitiveValue::U8(bytes.into())));
        }
        _ => {}
    }
    obj.meta_mut().set_transfer_syntax(&EXPLICIT_VR_LITTLE_ENDIAN);
    let mut out = Vec::with_capacity(part10.len() + 256);
    obj.write_all(&mut out).map_err(|e| RenderError::malformed(format!("cannot write the object: {e}")))?;
    Ok(out)
}
