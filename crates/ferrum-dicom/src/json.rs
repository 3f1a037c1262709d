//! The DICOM JSON model (PS3.18 Annex F.2) of an object's header, made once at ingest from
//! the header already parsed there, so that WADO-RS metadata, QIDO `includefield` and C-FIND
//! return keys are answered from the catalog without reading a stored object again.
//!
//! Text is decoded in the declared Specific Character Set (ISO 2022 code extensions
//! included, see [`crate::charset`]), person names are split into their component groups,
//! numbers are JSON numbers, binary values are `InlineBinary` (little endian, base64). Pixel
//! Data is not here: the header is read up to it, and the service that serves the metadata
//! says where the frames are. A binary value over [`INLINE_BINARY_MAX`] bytes (rare before
//! Pixel Data; palette lookup tables are 128 KiB at most) is left out rather than carried in
//! every metadata answer.
use base64::Engine;
use dicom_core::value::{PrimitiveValue, Value as DicomValue};
use dicom_core::{Tag, VR};
use dicom_object::InMemDicomObject;
use serde_json::{json, Map, Value};

use crate::charset;

/// The largest binary value kept inline.
pub const INLINE_BINARY_MAX: usize = 1024 * 1024;

/// The data set of `obj` in the DICOM JSON model, text decoded with `charsets` (the values
/// of Specific Character Set, in order).
pub fn dataset(obj: &InMemDicomObject, charsets: &[String]) -> Value {
    let own_decoding = charset::uses_code_extensions(charsets);
    Value::Object(object(obj, charsets, own_decoding))
}

/// The Specific Character Set of `obj`, for [`dataset`].
pub fn charsets_of(obj: &InMemDicomObject) -> Vec<String> {
    obj.element(dicom_dictionary_std::tags::SPECIFIC_CHARACTER_SET)
        .ok()
        .and_then(|e| e.to_multi_str().ok())
        .map(|v| v.iter().map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default()
}

fn object(obj: &InMemDicomObject, charsets: &[String], own_decoding: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for e in obj {
        let Tag(group, element) = e.header().tag;
        // Group lengths are an encoding detail, not attributes (PS3.18 F.2.1).
        if element == 0 || group == 0x0002 || group == 0xFFFE {
            continue;
        }
        let vr = e.vr();
        let value = match e.value() {
            DicomValue::Primitive(p) => primitive(vr, p, charsets, own_decoding),
            DicomValue::Sequence(seq) => {
                let items: Vec<Value> =
                    seq.items().iter().map(|item| Value::Object(object(item, charsets, own_decoding))).collect();
                Some(if items.is_empty() { Payload::Empty } else { Payload::Values(items) })
            }
            DicomValue::PixelSequence(_) => None,
        };
        let Some(value) = value else { continue };
        let mut attr = Map::new();
        attr.insert("vr".into(), Value::String(vr.to_string().to_owned()));
        match value {
            Payload::Empty => {}
            Payload::Values(v) => {
                attr.insert("Value".into(), Value::Array(v));
            }
            Payload::Inline(b64) => {
                attr.insert("InlineBinary".into(), Value::String(b64));
            }
        }
        out.insert(format!("{group:04X}{element:04X}"), Value::Object(attr));
    }
    out
}

enum Payload {
    Empty,
    Values(Vec<Value>),
    Inline(String),
}

fn primitive(vr: VR, p: &PrimitiveValue, charsets: &[String], own_decoding: bool) -> Option<Payload> {
    if matches!(p, PrimitiveValue::Empty) {
        return Some(Payload::Empty);
    }
    let values: Vec<Value> = match vr {
        VR::OB | VR::OD | VR::OF | VR::OL | VR::OV | VR::OW | VR::UN => {
            let bytes = p.to_bytes();
            if bytes.len() > INLINE_BINARY_MAX {
                return None;
            }
            return Some(Payload::Inline(base64::engine::general_purpose::STANDARD.encode(&bytes)));
        }
        VR::US | VR::UL | VR::UV => p.to_multi_int::<u64>().ok()?.into_iter().map(Value::from).collect(),
        VR::SS | VR::SL | VR::SV => p.to_multi_int::<i64>().ok()?.into_iter().map(Value::from).collect(),
        VR::FL | VR::FD => p.to_multi_float64().ok()?.into_iter().map(finite).collect(),
        VR::AT => match p {
            PrimitiveValue::Tags(tags) => tags.iter().map(|t| json!(format!("{:04X}{:04X}", t.0, t.1))).collect(),
            _ => return None,
        },
        VR::IS => strings(p).iter().map(|s| s.parse::<i64>().map_or_else(|_| text_or_null(s), Value::from)).collect(),
        VR::DS => strings(p).iter().map(|s| s.parse::<f64>().map_or_else(|_| text_or_null(s), finite)).collect(),
        VR::PN => decoded(p, vr, charsets, own_decoding).iter().map(|s| person_name(s)).collect(),
        VR::SH | VR::LO | VR::ST | VR::LT | VR::UT | VR::UC => {
            decoded(p, vr, charsets, own_decoding).iter().map(|s| text_or_null(s)).collect()
        }
        _ => strings(p).iter().map(|s| text_or_null(s)).collect(),
    };
    Some(if values.iter().all(Value::is_null) { Payload::Empty } else { Payload::Values(values) })
}

fn finite(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

fn text_or_null(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_owned())
    }
}

/// The values of a value of the ASCII VRs, without their padding.
fn strings(p: &PrimitiveValue) -> Vec<String> {
    p.to_multi_str().iter().map(|s| s.trim_matches(|c: char| c == ' ' || c == '\0').to_owned()).collect()
}

/// The values of a text value, decoded in the declared character sets. Values with code
/// extensions are rebuilt into their bytes and decoded here (the parser does not switch
/// character sets), then split: a backslash byte inside a two-byte character is not a
/// delimiter.
fn decoded(p: &PrimitiveValue, vr: VR, charsets: &[String], own_decoding: bool) -> Vec<String> {
    let whole = p.to_raw_str();
    let text = if own_decoding {
        charset::decode(&charset::recover_bytes(&whole, charsets), charsets)
    } else {
        whole.into_owned()
    };
    // Text of these VRs is one value; a backslash in it is a character.
    let single = matches!(vr, VR::ST | VR::LT | VR::UT);
    let parts: Vec<&str> = if single { vec![text.as_str()] } else { text.split('\\').collect() };
    parts
        .into_iter()
        .map(|s| if single { s.trim_end_matches([' ', '\0']) } else { s.trim_matches([' ', '\0']) }.to_owned())
        .collect()
}

/// A person name's component groups (`Alphabetic=Ideographic=Phonetic`), each kept when
/// present.
fn person_name(s: &str) -> Value {
    if s.is_empty() {
        return Value::Null;
    }
    let mut out = Map::new();
    for (name, group) in ["Alphabetic", "Ideographic", "Phonetic"].into_iter().zip(s.split('=')) {
        if !group.is_empty() {
            out.insert(name.into(), Value::String(group.to_owned()));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use dicom_core::{dicom_value, DataElement, PrimitiveValue};
    use dicom_dictionary_std::tags;
    use dicom_object::InMemDicomObject;
    use serde_json::json;

    use super::*;

    #[test]
    fn values_take_the_shapes_of_ps3_18_annex_f() {
        let mut item = InMemDicomObject::new_empty();
        item.put(DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from("113100")));
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(tags::PATIENT_NAME, VR::PN, PrimitiveValue::from("Yamada^Tarou=山田^太郎=やまだ^たろう")),
            DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("ID 42 ")),
            DataElement::new(tags::IMAGE_TYPE, VR::CS, dicom_value!(Strs, ["ORIGINAL", "PRIMARY", ""])),
            DataElement::new(tags::ROWS, VR::US, dicom_value!(U16, [512])),
            DataElement::new(tags::PIXEL_SPACING, VR::DS, dicom_value!(Strs, ["0.5 ", "0.5"])),
            DataElement::new(tags::INSTANCE_NUMBER, VR::IS, PrimitiveValue::from(" 7")),
            DataElement::new(tags::FRAME_INCREMENT_POINTER, VR::AT, dicom_value!(Tags, [Tag(0x0018, 0x1063)])),
            DataElement::new(tags::STUDY_DESCRIPTION, VR::LO, PrimitiveValue::Empty),
            DataElement::new(Tag(0x0009, 0x0010), VR::LO, PrimitiveValue::from("ACME")),
            DataElement::new(Tag(0x0009, 0x1001), VR::UN, dicom_value!(U8, [1, 2, 3])),
            DataElement::new(tags::RESCALE_SLOPE, VR::DS, PrimitiveValue::from("1")),
            DataElement::new(tags::IMAGE_COMMENTS, VR::LT, PrimitiveValue::from("a\\b ")),
            DataElement::new(
                tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
                VR::SQ,
                DicomValue::new_sequence(vec![item], dicom_core::Length::UNDEFINED),
            ),
            DataElement::new(Tag(0x0028, 0x0000), VR::UL, dicom_value!(U32, [10])),
        ]);
        let got = dataset(&obj, &[]);
        assert_eq!(
            got["00100010"],
            json!({"vr": "PN", "Value": [{"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}]})
        );
        assert_eq!(got["00100020"], json!({"vr": "LO", "Value": ["ID 42"]}));
        assert_eq!(got["00080008"], json!({"vr": "CS", "Value": ["ORIGINAL", "PRIMARY", null]}));
        assert_eq!(got["00280010"], json!({"vr": "US", "Value": [512]}));
        assert_eq!(got["00280030"], json!({"vr": "DS", "Value": [0.5, 0.5]}));
        assert_eq!(got["00200013"], json!({"vr": "IS", "Value": [7]}));
        assert_eq!(got["00280009"], json!({"vr": "AT", "Value": ["00181063"]}));
        assert_eq!(got["00081030"], json!({"vr": "LO"}));
        assert_eq!(got["00090010"], json!({"vr": "LO", "Value": ["ACME"]}));
        assert_eq!(got["00091001"], json!({"vr": "UN", "InlineBinary": "AQID"}));
        assert_eq!(got["00204000"], json!({"vr": "LT", "Value": ["a\\b"]}));
        assert_eq!(got["00120064"], json!({"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": ["113100"]}}]}));
        assert!(got.get("00280000").is_none(), "no group length");
    }

    #[test]
    fn text_with_iso_2022_code_extensions_is_decoded() {
        // "Yamada^Tarou=山田^太郎" in ISO 2022 IR 87, as the parser hands it over (Latin-1).
        let bytes: &[u8] = b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B";
        let latin1: String = bytes.iter().map(|&b| b as char).collect();
        let obj = InMemDicomObject::from_element_iter([DataElement::new(
            tags::PATIENT_NAME,
            VR::PN,
            PrimitiveValue::from(latin1),
        )]);
        let got = dataset(&obj, &["".to_owned(), "ISO 2022 IR 87".to_owned()]);
        assert_eq!(got["00100010"]["Value"][0], json!({"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎"}));
    }
}
