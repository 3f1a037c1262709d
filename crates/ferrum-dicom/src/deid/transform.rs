//! The walk over one data set: each attribute gets its [`Action`], sequences are walked
//! item by item with the same rules, and what the profile adds (Patient Identity Removed,
//! the method and its codes) is put in at the top level.
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value, C};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;

use super::clean::Identifiers;
use super::table::{action, basic_action, Action, PRIVATE};
use super::Context;

/// The value put where the profile asks for a dummy text.
const DUMMY_TEXT: &str = "ANONYMIZED";

/// The codes of CID 7050 (De-identification Methods) for the profile and its options, with
/// the words of DeidentificationMethod (0012,0063), one value each (LO: 64 characters).
const METHOD: [(&str, &str, &str); 4] = [
    ("113100", "Basic Application Confidentiality Profile", "PS3.15 E Basic Application Confidentiality Profile"),
    (
        "113107",
        "Retain Longitudinal Temporal Information Modified Dates Option",
        "Retain Longitudinal Temporal Information Modified Dates",
    ),
    ("113105", "Clean Descriptors Option", "Clean Descriptors"),
    ("113108", "Retain Patient Characteristics Option", "Retain Patient Characteristics"),
];

fn tag_u32(tag: Tag) -> u32 {
    (u32::from(tag.group()) << 16) | u32::from(tag.element())
}

/// Curves (50xx) and overlays (60xx): removed whole, whatever their elements, as they may
/// hold drawn or written patient data outside the pixels.
fn is_curve_or_overlay(tag: Tag) -> bool {
    matches!(tag.group() & 0xFF00, 0x5000 | 0x6000)
}

fn element_action(tag: Tag) -> Action {
    if tag.group() % 2 == 1 {
        basic_action(PRIVATE)
    } else if is_curve_or_overlay(tag) || tag.element() == 0x0000 {
        // Group lengths are recomputed by whoever needs them; the data set changed.
        Action::Remove
    } else {
        action(tag_u32(tag))
    }
}

fn is_text(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::CS
            | VR::DA
            | VR::DT
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::TM
            | VR::UC
            | VR::UR
            | VR::UT
    )
}

fn strings(element: &InMemElement) -> Vec<String> {
    match element.value() {
        Value::Primitive(p) => {
            p.to_multi_str().iter().map(|s| s.trim_end_matches(['\0', ' ']).trim().to_owned()).collect()
        }
        _ => Vec::new(),
    }
}

/// Every text value the profile takes out of `object` (at any depth), and every person
/// name: what cleaned descriptors must not repeat.
pub(crate) fn identifiers(object: &InMemDicomObject, out: &mut Identifiers) {
    for element in object {
        let tag = element.header().tag;
        let vr = element.header().vr;
        if let Value::Sequence(seq) = element.value() {
            for item in seq.items() {
                identifiers(item, out);
            }
            continue;
        }
        // What is cleaned is not identifying as a whole; what goes or is replaced is.
        let acted = !matches!(element_action(tag), Action::Keep | Action::Uid | Action::Clean);
        if vr == VR::PN || (acted && is_text(vr) && tag.group() % 2 == 0) {
            for value in strings(element) {
                out.add(&value, vr == VR::PN);
            }
        }
    }
}

pub(crate) struct Walk<'a> {
    pub context: &'a Context,
    pub identifiers: &'a Identifiers,
}

impl Walk<'_> {
    /// `object` as the profile leaves it.
    pub(crate) fn data_set(&self, object: &InMemDicomObject) -> InMemDicomObject {
        InMemDicomObject::from_element_iter(object.iter().filter_map(|e| self.element(e)))
    }

    fn element(&self, element: &InMemElement) -> Option<InMemElement> {
        let tag = element.header().tag;
        let vr = element.header().vr;
        let action = element_action(tag);
        if let Value::Sequence(seq) = element.value() {
            return match action {
                Action::Remove => None,
                Action::Empty => {
                    Some(DataElement::new(tag, VR::SQ, DataSetSequence::new(Vec::new(), Length::UNDEFINED)))
                }
                // Kept, dummy, cleaned or remapped: the items are treated by the same rules,
                // which is what removes or replaces what they hold.
                _ => {
                    let items: Vec<InMemDicomObject> = seq.items().iter().map(|i| self.data_set(i)).collect();
                    Some(DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED)))
                }
            };
        }
        let value = match action {
            Action::Keep => return Some(element.clone()),
            Action::Remove => return None,
            Action::Empty => PrimitiveValue::Empty,
            Action::Uid => texts(strings(element).iter().map(|u| self.context.uid(u))),
            Action::Dummy => self.dummy(tag, vr, element),
            Action::Clean => self.clean(vr, element),
        };
        Some(DataElement::new(tag, vr, value))
    }

    fn dummy(&self, tag: Tag, vr: VR, element: &InMemElement) -> PrimitiveValue {
        if tag == tags::PATIENT_ID {
            let original = strings(element).join("\\");
            return PrimitiveValue::from(self.context.patient_pseudonym(&original));
        }
        match vr {
            VR::AE | VR::CS | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT => {
                PrimitiveValue::from(DUMMY_TEXT)
            }
            VR::DA => PrimitiveValue::from("19000101"),
            VR::DT => PrimitiveValue::from("19000101000000"),
            VR::TM => PrimitiveValue::from("000000"),
            VR::AS => PrimitiveValue::from("000Y"),
            VR::DS | VR::IS => PrimitiveValue::from("0"),
            VR::UI => texts(strings(element).iter().map(|u| self.context.uid(u))),
            VR::US => PrimitiveValue::from(0u16),
            VR::SS => PrimitiveValue::from(0i16),
            VR::UL => PrimitiveValue::from(0u32),
            VR::SL => PrimitiveValue::from(0i32),
            VR::FL => PrimitiveValue::from(0f32),
            VR::FD => PrimitiveValue::from(0f64),
            // Binary and unknown values have no meaningful dummy: empty.
            _ => PrimitiveValue::Empty,
        }
    }

    fn clean(&self, vr: VR, element: &InMemElement) -> PrimitiveValue {
        let days = self.context.date_shift_days();
        let values = strings(element);
        let shifted: Option<Vec<String>> = match vr {
            VR::DA => values.iter().map(|v| super::dates::shift_da(v, days)).collect(),
            VR::DT => values.iter().map(|v| super::dates::shift_dt(v, days)).collect(),
            // A whole-day shift leaves times of day as they are.
            VR::TM => return element.value().primitive().cloned().unwrap_or(PrimitiveValue::Empty),
            VR::PN => return PrimitiveValue::Empty,
            vr if is_text(vr) => Some(values.iter().map(|v| self.identifiers.clean(v)).collect()),
            _ => None,
        };
        match shifted {
            Some(values) if values.iter().any(|v| !v.is_empty()) => texts(values.into_iter()),
            _ => PrimitiveValue::Empty,
        }
    }
}

fn texts(values: impl Iterator<Item = String>) -> PrimitiveValue {
    let values: Vec<String> = values.collect();
    match values.len() {
        0 => PrimitiveValue::Empty,
        1 => PrimitiveValue::from(values.into_iter().next().expect("one value")),
        _ => PrimitiveValue::Strs(C::from_vec(values)),
    }
}

/// What the profile requires the de-identified object to say about itself (PS3.15 E.1.1,
/// PS3.3 C.12.1.1.2, and Longitudinal Temporal Information Modified for shifted dates).
pub(crate) fn mark(object: &mut InMemDicomObject) {
    object.put(DataElement::new(tags::PATIENT_IDENTITY_REMOVED, VR::CS, PrimitiveValue::from("YES")));
    object.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD,
        VR::LO,
        texts(METHOD.iter().map(|(_, _, words)| (*words).to_owned())),
    ));
    let codes: Vec<InMemDicomObject> = METHOD
        .iter()
        .map(|(value, meaning, _)| {
            InMemDicomObject::from_element_iter([
                DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(*value)),
                DataElement::new(tags::CODING_SCHEME_DESIGNATOR, VR::SH, PrimitiveValue::from("DCM")),
                DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(*meaning)),
            ])
        })
        .collect();
    object.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        VR::SQ,
        DataSetSequence::new(codes, Length::UNDEFINED),
    ));
    object.put(DataElement::new(
        tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
        VR::CS,
        PrimitiveValue::from("MODIFIED"),
    ));
}
