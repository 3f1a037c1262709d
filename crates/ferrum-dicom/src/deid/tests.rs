//! The transform on objects made here: every identifying value gone from the bytes, the
//! UIDs remapped consistently, dates shifted, pixels unchanged, a valid Part-10 result.
use std::io::Write;

use dicom_core::value::{DataSetSequence, PrimitiveValue, C};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::{deidentify, Context, DeidError};

const STUDY: &str = "1.2.826.0.1.3680043.8.498.1001";
const SERIES: &str = "1.2.826.0.1.3680043.8.498.1002";
const SOP: &str = "1.2.826.0.1.3680043.8.498.1003";
const OTHER_SOP: &str = "1.2.826.0.1.3680043.8.498.1004";
const FRAME_OF_REFERENCE: &str = "1.2.826.0.1.3680043.8.498.1005";
const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

/// Values that identify, as they appear in the object.
const IDENTIFYING: &[&str] = &[
    "SMITHERSON^AGATHA^M",
    "Smitherson",
    "Agatha",
    "PID-4471-XY",
    "19610523",
    "20240315",
    "20240316",
    "ACC-99812",
    "Mercy Hospital North",
    "WELBY^MARCUS",
    "Welby",
    "JONES^OPERATOR",
    "STATION-7",
    "SN-123456",
    "PRIVATE-PATIENT-NAME",
    "OVERLAY-NOTE",
    "555-0199",
];

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn pixels() -> Vec<u8> {
    (0..32u8).map(|i| i.wrapping_mul(37)).collect()
}

/// A CT object full of identifying values, a private tag with a name, an overlay and a
/// reference to another instance.
fn object(sop: &str, burned_in: Option<&str>) -> InMemDicomObject {
    let referenced = InMemDicomObject::from_element_iter([
        text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, CT_IMAGE),
        text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, OTHER_SOP),
    ]);
    let mut obj = InMemDicomObject::from_element_iter([
        text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
        text(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, sop),
        text(tags::STUDY_DATE, VR::DA, "20240315"),
        text(tags::SERIES_DATE, VR::DA, "20240316"),
        text(tags::STUDY_TIME, VR::TM, "101530"),
        text(tags::ACCESSION_NUMBER, VR::SH, "ACC-99812"),
        text(tags::MODALITY, VR::CS, "CT"),
        text(tags::INSTITUTION_NAME, VR::LO, "Mercy Hospital North"),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "WELBY^MARCUS"),
        text(tags::STATION_NAME, VR::SH, "STATION-7"),
        text(tags::STUDY_DESCRIPTION, VR::LO, "CT head Smitherson call 555-0199"),
        text(tags::SERIES_DESCRIPTION, VR::LO, "AXIAL 5mm"),
        text(tags::OPERATORS_NAME, VR::PN, "JONES^OPERATOR"),
        DataElement::new(
            tags::REFERENCED_IMAGE_SEQUENCE,
            VR::SQ,
            DataSetSequence::new(vec![referenced], Length::UNDEFINED),
        ),
        text(tags::PATIENT_NAME, VR::PN, "SMITHERSON^AGATHA^M"),
        text(tags::PATIENT_ID, VR::LO, "PID-4471-XY"),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, "19610523"),
        text(tags::PATIENT_SEX, VR::CS, "F"),
        text(tags::PATIENT_AGE, VR::AS, "062Y"),
        text(tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN-123456"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, STUDY),
        text(tags::SERIES_INSTANCE_UID, VR::UI, SERIES),
        text(tags::FRAME_OF_REFERENCE_UID, VR::UI, FRAME_OF_REFERENCE),
        text(Tag(0x0009, 0x0010), VR::LO, "ACME 1.0"),
        text(Tag(0x0009, 0x1001), VR::LO, "PRIVATE-PATIENT-NAME"),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(4u16)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(4u16)),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(12u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(11u16)),
        DataElement::new(tags::PIXEL_REPRESENTATION, VR::US, PrimitiveValue::from(0u16)),
        text(Tag(0x6000, 0x4000), VR::LT, "OVERLAY-NOTE"),
        DataElement::new(Tag(0x6000, 0x3000), VR::OW, PrimitiveValue::U8(C::from_vec(vec![0xFF; 2]))),
        DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U8(C::from_vec(pixels()))),
    ]);
    if let Some(b) = burned_in {
        obj.put(text(tags::BURNED_IN_ANNOTATION, VR::CS, b));
    }
    obj
}

fn part10(obj: &InMemDicomObject, ts_uid: &str) -> Vec<u8> {
    let sop = obj.element(tags::SOP_INSTANCE_UID).unwrap().to_str().unwrap().into_owned();
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(ts_uid)
        .media_storage_sop_class_uid(CT_IMAGE)
        .media_storage_sop_instance_uid(sop.as_str())
        .source_application_entity_title("MERCY_CT_SCANNER")
        .build()
        .unwrap();
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    meta.write(&mut out).unwrap();
    if ts_uid == "1.2.840.10008.1.2.1.99" {
        let explicit = TransferSyntaxRegistry.get("1.2.840.10008.1.2.1").unwrap();
        let mut plain = Vec::new();
        obj.write_dataset_with_ts(&mut plain, explicit).unwrap();
        let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        deflate.write_all(&plain).unwrap();
        out.extend(deflate.finish().unwrap());
    } else {
        obj.write_dataset_with_ts(&mut out, TransferSyntaxRegistry.get(ts_uid).unwrap()).unwrap();
    }
    out
}

fn context() -> Context {
    Context::new(*b"a test secret of thirty-two byte")
}

fn read(bytes: &[u8]) -> dicom_object::DefaultDicomObject {
    OpenFileOptions::new().from_reader(&bytes[128..]).expect("the output is a valid Part-10 object")
}

fn value(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.element_opt(tag).unwrap().map(|e| e.to_str().unwrap().trim_end_matches(['\0', ' ']).to_owned())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.to_ascii_lowercase();
    haystack.to_ascii_lowercase().windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_identifying_value_or_original_uid_is_left_in_the_bytes() {
    let source = part10(&object(SOP, None), "1.2.840.10008.1.2.1");
    let out = deidentify(&source, &context()).unwrap();
    for needle in
        IDENTIFYING.iter().chain(&[STUDY, SERIES, SOP, OTHER_SOP, FRAME_OF_REFERENCE, "MERCY_CT_SCANNER", "ACME"])
    {
        assert!(contains(&source, needle), "the source holds {needle}");
        assert!(!contains(&out.bytes, needle), "the output still holds {needle}");
    }
}

#[test]
fn profile_actions_and_options_are_applied() {
    let ctx = context();
    let out = deidentify(&part10(&object(SOP, None), "1.2.840.10008.1.2.1"), &ctx).unwrap();
    let file = read(&out.bytes);
    assert_eq!(file.meta().media_storage_sop_instance_uid().trim_end_matches('\0'), ctx.uid(SOP));
    assert_eq!(file.meta().transfer_syntax().trim_end_matches('\0'), "1.2.840.10008.1.2.1");
    let obj: &InMemDicomObject = &file;
    assert_eq!(value(obj, tags::SOP_INSTANCE_UID), Some(ctx.uid(SOP)));
    assert_eq!(value(obj, tags::STUDY_INSTANCE_UID), Some(ctx.uid(STUDY)));
    assert_eq!(value(obj, tags::FRAME_OF_REFERENCE_UID), Some(ctx.uid(FRAME_OF_REFERENCE)));
    assert_eq!(value(obj, tags::SOP_CLASS_UID).as_deref(), Some(CT_IMAGE), "classes are not identifying");
    assert_eq!(value(obj, tags::PATIENT_NAME).as_deref(), Some(""));
    assert_eq!(value(obj, tags::PATIENT_ID), Some(ctx.patient_pseudonym("PID-4471-XY")));
    assert_eq!(value(obj, tags::PATIENT_BIRTH_DATE).as_deref(), Some(""));
    assert_eq!(value(obj, tags::PATIENT_SEX).as_deref(), Some("F"), "Retain Patient Characteristics");
    assert_eq!(value(obj, tags::PATIENT_AGE).as_deref(), Some("062Y"));
    assert_eq!(value(obj, tags::ACCESSION_NUMBER).as_deref(), Some(""));
    assert_eq!(value(obj, tags::INSTITUTION_NAME).as_deref(), Some("ANONYMIZED"));
    assert_eq!(value(obj, tags::STUDY_DESCRIPTION).as_deref(), Some("CT head * call *"), "Clean Descriptors");
    assert_eq!(value(obj, tags::SERIES_DESCRIPTION).as_deref(), Some("AXIAL 5mm"));
    assert_eq!(value(obj, tags::STUDY_TIME).as_deref(), Some("101530"));
    assert_eq!(value(obj, tags::MODALITY).as_deref(), Some("CT"));
    // One offset: the interval between the study and series dates is kept.
    let days = ctx.date_shift_days();
    assert_eq!(value(obj, tags::STUDY_DATE), super::dates::shift_da("20240315", days));
    assert_eq!(value(obj, tags::SERIES_DATE), super::dates::shift_da("20240316", days));
    assert!(obj.element_opt(Tag(0x0009, 0x1001)).unwrap().is_none(), "private attributes removed");
    assert!(obj.element_opt(Tag(0x0009, 0x0010)).unwrap().is_none(), "private creators removed");
    assert!(obj.element_opt(Tag(0x6000, 0x3000)).unwrap().is_none(), "overlays removed");
    let referenced = obj.element(tags::REFERENCED_IMAGE_SEQUENCE).unwrap().items().unwrap();
    assert_eq!(value(&referenced[0], tags::REFERENCED_SOP_INSTANCE_UID), Some(ctx.uid(OTHER_SOP)));
    assert_eq!(value(&referenced[0], tags::REFERENCED_SOP_CLASS_UID).as_deref(), Some(CT_IMAGE));
    assert_eq!(value(obj, tags::PATIENT_IDENTITY_REMOVED).as_deref(), Some("YES"));
    assert_eq!(value(obj, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(), Some("MODIFIED"));
    let codes: Vec<String> = obj
        .element(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .iter()
        .map(|i| {
            format!("{}/{}", value(i, tags::CODE_VALUE).unwrap(), value(i, tags::CODING_SCHEME_DESIGNATOR).unwrap())
        })
        .collect();
    assert_eq!(codes, ["113100/DCM", "113107/DCM", "113105/DCM", "113108/DCM"]);
    assert!(value(obj, tags::DEIDENTIFICATION_METHOD).unwrap().contains("Basic Application Confidentiality Profile"));
    let pixel = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
    assert_eq!(pixel.as_ref(), pixels().as_slice(), "pixel data copied unchanged");
}

#[test]
fn uids_agree_within_a_context_and_differ_across_contexts() {
    let a = deidentify(&part10(&object(SOP, None), "1.2.840.10008.1.2.1"), &context()).unwrap();
    let b = deidentify(&part10(&object(OTHER_SOP, None), "1.2.840.10008.1.2.1"), &context()).unwrap();
    assert_eq!(a.study_instance_uid, b.study_instance_uid);
    assert_eq!(a.series_instance_uid, b.series_instance_uid);
    assert_ne!(a.sop_instance_uid, b.sop_instance_uid);
    // a's reference to OTHER_SOP points at b's new UID.
    let file = read(&a.bytes);
    let referenced = file.element(tags::REFERENCED_IMAGE_SEQUENCE).unwrap().items().unwrap();
    assert_eq!(value(&referenced[0], tags::REFERENCED_SOP_INSTANCE_UID), Some(b.sop_instance_uid.clone()));
    let other = deidentify(
        &part10(&object(SOP, None), "1.2.840.10008.1.2.1"),
        &Context::new(*b"another secret, another link...."),
    )
    .unwrap();
    assert_ne!(other.study_instance_uid, a.study_instance_uid);
    assert_ne!(other.sop_instance_uid, a.sop_instance_uid);
}

#[test]
fn implicit_big_endian_and_deflated_sources_give_valid_objects_with_the_same_pixels() {
    for (ts, written) in [
        ("1.2.840.10008.1.2", "1.2.840.10008.1.2"),
        ("1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1"),
        ("1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.1"),
    ] {
        let source = part10(&object(SOP, None), ts);
        let out = deidentify(&source, &context()).unwrap_or_else(|e| panic!("{ts}: {e}"));
        assert_eq!(out.transfer_syntax_uid, written, "{ts}");
        let file = read(&out.bytes);
        assert_eq!(file.meta().transfer_syntax().trim_end_matches('\0'), written);
        let original = crate::render::open(&source, false).unwrap();
        let pixel =
            |o: &InMemDicomObject| o.element(tags::PIXEL_DATA).unwrap().value().to_bytes().unwrap().into_owned();
        let (before, after) = (pixel(&original), pixel(&file));
        if ts == "1.2.840.10008.1.2.2" {
            // Big-endian words come back as the same 16-bit values, now little endian.
            let words = |b: &[u8], be: bool| -> Vec<u16> {
                b.chunks(2)
                    .map(|c| if be { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) })
                    .collect()
            };
            let native = original.element(tags::PIXEL_DATA).unwrap().value().to_multi_int::<u16>().unwrap();
            assert_eq!(words(&after, false), native, "{ts}");
            let _ = words(&before, true);
        } else {
            assert_eq!(before, after, "{ts}");
        }
        for needle in IDENTIFYING {
            assert!(!contains(&out.bytes, needle), "{ts}: the output still holds {needle}");
        }
        assert!(crate::inspect(std::io::Cursor::new(&out.bytes)).is_ok(), "{ts}: ingest reads the output");
    }
}

#[test]
fn burned_in_annotation_is_refused_unless_kept() {
    let source = part10(&object(SOP, Some("YES")), "1.2.840.10008.1.2.1");
    assert!(matches!(deidentify(&source, &context()), Err(DeidError::BurnedIn)));
    let kept = deidentify(&source, &context().keep_burned_in(true)).unwrap();
    assert!(!contains(&kept.bytes, "SMITHERSON"));
    let no = part10(&object(SOP, Some("NO")), "1.2.840.10008.1.2.1");
    assert!(deidentify(&no, &context()).is_ok());
}

#[test]
fn garbage_is_refused_with_a_reason() {
    assert!(matches!(deidentify(b"not dicom at all", &context()), Err(DeidError::Malformed(_))));
}
