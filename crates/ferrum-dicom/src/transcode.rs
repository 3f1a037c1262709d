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

#[cfg(test)]
mod tests {
    use dicom_core::value::PrimitiveValue;
    use dicom_core::{DataElement, VR};
    use dicom_dictionary_std::tags;
    use dicom_object::{FileMetaTableBuilder, InMemDicomObject, OpenFileOptions};

    use super::*;

    /// A 2×2 16-bit image written in `ts`.
    fn image(ts: &str, bits: u16, pixels: PrimitiveValue) -> Vec<u8> {
        let mut obj = InMemDicomObject::new_empty();
        for (tag, vr, v) in [
            (tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.7"),
            (tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4"),
            (tags::STUDY_INSTANCE_UID, VR::UI, "1.2"),
            (tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3"),
            (tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        ] {
            obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
        }
        for (tag, v) in [
            (tags::ROWS, 2u16),
            (tags::COLUMNS, 2),
            (tags::SAMPLES_PER_PIXEL, 1),
            (tags::BITS_ALLOCATED, bits),
            (tags::BITS_STORED, bits),
            (tags::HIGH_BIT, bits - 1),
            (tags::PIXEL_REPRESENTATION, 0),
        ] {
            obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
        }
        obj.put(DataElement::new(tags::PIXEL_DATA, VR::OW, pixels));
        let file = obj
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax(ts)
                    .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
                    .media_storage_sop_instance_uid("1.2.3.4"),
            )
            .unwrap();
        let mut out = Vec::new();
        file.write_all(&mut out).unwrap();
        out
    }

    fn pixel_bytes(part10: &[u8]) -> (String, Vec<u8>) {
        let obj = OpenFileOptions::new().from_reader(&part10[128..]).unwrap();
        let ts = obj.meta().transfer_syntax().trim_end_matches('\0').to_owned();
        (ts, obj.element(tags::PIXEL_DATA).unwrap().value().to_bytes().unwrap().into_owned())
    }

    #[test]
    fn implicit_and_big_endian_words_come_out_little_endian() {
        let words = [1u16, 0x0102, 0xABCD, 0xFFFF];
        let le: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        for ts in [IMPLICIT_LE, EXPLICIT_BE] {
            let out = to_explicit_le(&image(ts, 16, PrimitiveValue::U16(words.to_vec().into()))).unwrap();
            assert_eq!(pixel_bytes(&out), (EXPLICIT_LE.to_owned(), le.clone()), "{ts}");
        }
    }

    #[test]
    fn a_big_endian_32_bit_cell_keeps_its_value() {
        // Written big endian as 32-bit cells: each cell's high word first.
        let cells = [0x0102_0304u32, 7, 0xDEAD_BEEF, 0x0001_0000];
        let words: Vec<u16> = cells.iter().flat_map(|c| [(c >> 16) as u16, *c as u16]).collect();
        let out = to_explicit_le(&image(EXPLICIT_BE, 32, PrimitiveValue::U16(words.to_vec().into()))).unwrap();
        let le: Vec<u8> = cells.iter().flat_map(|c| c.to_le_bytes()).collect();
        assert_eq!(pixel_bytes(&out).1, le);
    }

    #[test]
    fn compressed_objects_are_refused() {
        assert!(!to_explicit_le_from("1.2.840.10008.1.2.4.50"));
        assert!(!to_explicit_le_from(EXPLICIT_LE), "nothing to rewrite");
    }
}
