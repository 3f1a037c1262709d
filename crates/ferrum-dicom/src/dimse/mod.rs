//! DIMSE messages (PS3.7) as bytes: command sets read and written (always implicit VR
//! little endian, group 0000), the statuses this server answers with, and the Part-10 header
//! that turns a data set received by C-STORE into a file. No network code: the upper layer
//! (associations, PDUs) is the server's, over dicom-ul.
mod storage_classes;

use dicom_core::header::Header;
use dicom_core::{dicom_value, DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;

use crate::DicomError;

/// Command Field values (PS3.7 E.1).
pub mod field {
    pub const C_STORE_RQ: u16 = 0x0001;
    pub const C_STORE_RSP: u16 = 0x8001;
    pub const C_GET_RQ: u16 = 0x0010;
    pub const C_GET_RSP: u16 = 0x8010;
    pub const C_FIND_RQ: u16 = 0x0020;
    pub const C_FIND_RSP: u16 = 0x8020;
    pub const C_MOVE_RQ: u16 = 0x0021;
    pub const C_ECHO_RQ: u16 = 0x0030;
    pub const C_ECHO_RSP: u16 = 0x8030;
    pub const C_CANCEL_RQ: u16 = 0x0FFF;
}

/// Statuses (PS3.7 C, PS3.4 B.2.3 and C.4.1.1.4).
pub mod status {
    pub const SUCCESS: u16 = 0x0000;
    pub const PENDING: u16 = 0xFF00;
    pub const CANCEL: u16 = 0xFE00;
    /// Refused: SOP Class not supported.
    pub const SOP_CLASS_NOT_SUPPORTED: u16 = 0x0122;
    /// Refused: not authorized (the node may not use this service, or not on this study).
    pub const NOT_AUTHORIZED: u16 = 0x0124;
    /// Error: unrecognized operation.
    pub const UNRECOGNIZED_OPERATION: u16 = 0x0211;
    /// Refused: out of resources (storage failed, or the object is larger than allowed).
    pub const OUT_OF_RESOURCES: u16 = 0xA700;
    /// C-FIND: identifier does not match SOP Class.
    pub const IDENTIFIER_DOES_NOT_MATCH: u16 = 0xA900;
    /// C-STORE: error, cannot understand (the data set could not be read).
    pub const CANNOT_UNDERSTAND: u16 = 0xC000;
    /// C-STORE: a different object is already stored under this SOP Instance UID (an
    /// implementation-specific code of the "cannot understand" range).
    pub const CONFLICT: u16 = 0xC001;
    /// C-FIND: unable to process.
    pub const UNABLE_TO_PROCESS: u16 = 0xC001;
    /// C-STORE warning: data set does not match SOP Class (stored, with warnings).
    pub const WARNING_DOES_NOT_MATCH: u16 = 0xB007;
    /// C-GET/C-MOVE warning: sub-operations complete, one or more failed or had warnings.
    pub const SUBOPERATIONS_WITH_FAILURES: u16 = 0xB000;
}

/// Command Data Set Type (0000,0800): no data set follows.
const NO_DATA_SET: u16 = 0x0101;

/// The fields of a request's command set this server acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub field: u16,
    pub message_id: u16,
    pub affected_sop_class_uid: Option<String>,
    pub affected_sop_instance_uid: Option<String>,
    /// C-MOVE's destination AE title.
    pub move_destination: Option<String>,
    /// C-CANCEL's: the message it cancels.
    pub responding_to: Option<u16>,
    /// A response's status.
    pub status: Option<u16>,
    pub has_data_set: bool,
}

fn uid(obj: &InMemDicomObject, tag: dicom_core::Tag) -> Option<String> {
    let s = obj.element(tag).ok()?.to_str().ok()?;
    let s = s.trim_end_matches(['\0', ' ']).trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn short(obj: &InMemDicomObject, tag: dicom_core::Tag) -> Option<u16> {
    obj.element(tag).ok()?.to_int::<u16>().ok()
}

impl Command {
    /// Reads a command set as sent (all of its P-DATA fragments joined).
    pub fn read(bytes: &[u8]) -> Result<Command, DicomError> {
        let obj = InMemDicomObject::read_dataset_with_ts(bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
            .map_err(|e| DicomError::Malformed(format!("command set: {e}")))?;
        let field = short(&obj, tags::COMMAND_FIELD)
            .ok_or_else(|| DicomError::Malformed("command set without Command Field".into()))?;
        Ok(Command {
            field,
            message_id: short(&obj, tags::MESSAGE_ID).unwrap_or(0),
            affected_sop_class_uid: uid(&obj, tags::AFFECTED_SOP_CLASS_UID),
            affected_sop_instance_uid: uid(&obj, tags::AFFECTED_SOP_INSTANCE_UID),
            move_destination: uid(&obj, tags::MOVE_DESTINATION),
            responding_to: short(&obj, tags::MESSAGE_ID_BEING_RESPONDED_TO),
            status: short(&obj, tags::STATUS),
            has_data_set: short(&obj, tags::COMMAND_DATA_SET_TYPE).is_some_and(|t| t != NO_DATA_SET),
        })
    }
}

/// A response's command set, ready to send.
#[derive(Debug, Clone)]
pub struct Response {
    pub field: u16,
    pub responding_to: u16,
    pub sop_class_uid: Option<String>,
    pub sop_instance_uid: Option<String>,
    pub status: u16,
    pub has_data_set: bool,
    /// C-GET/C-MOVE sub-operation counts: remaining, completed, failed, warning.
    pub counts: Option<[u16; 4]>,
    /// Error Comment (0000,0902): a short reason, never patient data.
    pub comment: Option<String>,
}

impl Response {
    pub fn new(field: u16, request: &Command, status: u16) -> Response {
        Response {
            field,
            responding_to: request.message_id,
            sop_class_uid: request.affected_sop_class_uid.clone(),
            sop_instance_uid: None,
            status,
            has_data_set: false,
            counts: None,
            comment: None,
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, DicomError> {
        let mut elements = Vec::new();
        if let Some(uid) = &self.sop_class_uid {
            elements.push(DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from(uid.as_str())));
        }
        elements.push(DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [self.field])));
        elements.push(DataElement::new(
            tags::MESSAGE_ID_BEING_RESPONDED_TO,
            VR::US,
            dicom_value!(U16, [self.responding_to]),
        ));
        let data_set_type = if self.has_data_set { 0x0000 } else { NO_DATA_SET };
        elements.push(DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [data_set_type])));
        elements.push(DataElement::new(tags::STATUS, VR::US, dicom_value!(U16, [self.status])));
        if let Some(uid) = &self.sop_instance_uid {
            elements.push(DataElement::new(
                tags::AFFECTED_SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(uid.as_str()),
            ));
        }
        if let Some(comment) = &self.comment {
            // LO: at most 64 characters.
            let comment: String = comment.chars().take(64).collect();
            elements.push(DataElement::new(tags::ERROR_COMMENT, VR::LO, PrimitiveValue::from(comment)));
        }
        if let Some([remaining, completed, failed, warning]) = self.counts {
            let count = |tag, n: u16| DataElement::new(tag, VR::US, dicom_value!(U16, [n]));
            elements.push(count(tags::NUMBER_OF_REMAINING_SUBOPERATIONS, remaining));
            elements.push(count(tags::NUMBER_OF_COMPLETED_SUBOPERATIONS, completed));
            elements.push(count(tags::NUMBER_OF_FAILED_SUBOPERATIONS, failed));
            elements.push(count(tags::NUMBER_OF_WARNING_SUBOPERATIONS, warning));
        }
        let obj = InMemDicomObject::command_from_element_iter(elements);
        let mut out = Vec::new();
        obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
            .map_err(|e| DicomError::Malformed(format!("command set: {e}")))?;
        Ok(out)
    }
}

/// A C-STORE request's command set (a C-GET sub-operation), its data set to follow.
pub fn store_request(message_id: u16, sop_class_uid: &str, sop_instance_uid: &str) -> Result<Vec<u8>, DicomError> {
    let obj = InMemDicomObject::command_from_element_iter([
        DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from(sop_class_uid)),
        DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [field::C_STORE_RQ])),
        DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [message_id])),
        DataElement::new(tags::PRIORITY, VR::US, dicom_value!(U16, [0x0000])),
        DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [0x0000])),
        DataElement::new(tags::AFFECTED_SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from(sop_instance_uid)),
    ]);
    let mut out = Vec::new();
    obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| DicomError::Malformed(format!("command set: {e}")))?;
    Ok(out)
}

/// Where a stored object's data set starts and its transfer syntax, however it was framed
/// when it was uploaded (with or without preamble and File Meta group): what a C-STORE
/// sub-operation sends.
pub fn data_set_start(object: &[u8]) -> Result<(usize, String), DicomError> {
    let framing = crate::framing::read(&mut std::io::Cursor::new(object))?;
    Ok((framing.data_start as usize, framing.transfer_syntax))
}

/// What turns a C-STORE data set into a Part-10 file: the 128-byte preamble, `DICM` and a
/// File Meta group naming the SOP class and instance of the request, the transfer syntax of
/// its presentation context, this implementation, and the AE that sent it. The data set
/// follows as it was received.
pub fn part10_header(
    sop_class_uid: &str,
    sop_instance_uid: &str,
    transfer_syntax: &str,
    source_ae_title: &str,
) -> Result<Vec<u8>, DicomError> {
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(transfer_syntax)
        .media_storage_sop_class_uid(sop_class_uid)
        .media_storage_sop_instance_uid(sop_instance_uid)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME)
        .source_application_entity_title(source_ae_title)
        .build()
        .map_err(|e| DicomError::Malformed(format!("File Meta group: {e}")))?;
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    meta.write(&mut out).map_err(|e| DicomError::Malformed(format!("File Meta group: {e}")))?;
    Ok(out)
}

/// One key of a C-FIND identifier: its tag, VR and the value to match (empty: universal
/// matching, a return key only; always empty for a sequence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryKey {
    pub tag: dicom_core::Tag,
    pub vr: VR,
    pub value: String,
}

impl QueryKey {
    /// `GGGGEEEE`, upper case, as DICOM JSON names attributes.
    pub fn json_tag(&self) -> String {
        format!("{:04X}{:04X}", self.tag.group(), self.tag.element())
    }
}

/// A C-FIND identifier: the Query/Retrieve Level and the keys, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub level: String,
    pub keys: Vec<QueryKey>,
}

fn transfer_syntax(uid: &str) -> Result<&'static dicom_encoding::TransferSyntax, DicomError> {
    use dicom_encoding::TransferSyntaxIndex;
    dicom_transfer_syntax_registry::TransferSyntaxRegistry
        .get(uid)
        .ok_or_else(|| DicomError::Malformed(format!("unknown transfer syntax {uid}")))
}

/// Reads an identifier in the transfer syntax of its presentation context.
pub fn read_identifier(bytes: &[u8], transfer_syntax_uid: &str) -> Result<Identifier, DicomError> {
    let obj = InMemDicomObject::read_dataset_with_ts(bytes, transfer_syntax(transfer_syntax_uid)?)
        .map_err(|e| DicomError::Malformed(format!("identifier: {e}")))?;
    let level = obj
        .element(tags::QUERY_RETRIEVE_LEVEL)
        .ok()
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).trim().to_owned())
        .unwrap_or_default();
    let keys = obj
        .iter()
        .filter(|e| {
            let t = e.tag();
            t != tags::QUERY_RETRIEVE_LEVEL && t != tags::SPECIFIC_CHARACTER_SET && t.group() != 0x0002
        })
        .map(|e| {
            let value = if e.vr() == VR::SQ {
                String::new()
            } else {
                e.to_str().map(|s| s.trim_end_matches(['\0', ' ']).trim().to_owned()).unwrap_or_default()
            };
            QueryKey { tag: e.tag(), vr: e.vr(), value }
        })
        .collect();
    Ok(Identifier { level, keys })
}

/// Writes a C-FIND answer: the level, UTF-8 as its character set, and each key but
/// sequences with the value `value_of` gives it (none: empty, as PS3.4 C.4.1.1.3.2 asks for
/// a key without one).
pub fn write_identifier(
    level: &str,
    keys: &[QueryKey],
    value_of: impl Fn(&QueryKey) -> Option<String>,
    transfer_syntax_uid: &str,
) -> Result<Vec<u8>, DicomError> {
    let mut obj = InMemDicomObject::new_empty();
    obj.put(DataElement::new(tags::SPECIFIC_CHARACTER_SET, VR::CS, PrimitiveValue::from("ISO_IR 192")));
    obj.put(DataElement::new(tags::QUERY_RETRIEVE_LEVEL, VR::CS, PrimitiveValue::from(level)));
    // A sequence key is not answered: matches carry no sequence values here.
    for key in keys.iter().filter(|k| k.vr != VR::SQ) {
        let value = value_of(key).map(PrimitiveValue::from).unwrap_or(PrimitiveValue::Empty);
        obj.put(DataElement::new(key.tag, key.vr, value));
    }
    let mut out = Vec::new();
    obj.write_dataset_with_ts_cs(
        &mut out,
        transfer_syntax(transfer_syntax_uid)?,
        dicom_encoding::text::SpecificCharacterSet::ISO_IR_192,
    )
    .map_err(|e| DicomError::Malformed(format!("identifier: {e}")))?;
    Ok(out)
}

/// This implementation's class UID (under the UUID-derived root 2.25) and version name, in
/// the File Meta groups it writes.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.305828988709549154245496113358592127823";
pub const IMPLEMENTATION_VERSION_NAME: &str = "FERRUM";

/// Whether a SOP Class UID names a storage SOP class of the standard (what C-STORE accepts).
pub fn is_storage_sop_class(uid: &str) -> bool {
    storage_sop_classes().any(|s| s == uid)
}

/// Every storage SOP class of the standard (retired ones included).
pub fn storage_sop_classes() -> impl Iterator<Item = &'static str> {
    storage_classes::STORAGE_SOP_CLASSES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(field: u16, message_id: u16) -> Vec<u8> {
        let obj = InMemDicomObject::command_from_element_iter([
            DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.2\0")),
            DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [field])),
            DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [message_id])),
            DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [0x0000])),
            DataElement::new(tags::AFFECTED_SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from("1.2.3.4")),
        ]);
        let mut out = Vec::new();
        obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased()).unwrap();
        out
    }

    #[test]
    fn a_store_request_is_read_with_its_uids_unpadded() {
        let c = Command::read(&request(field::C_STORE_RQ, 7)).unwrap();
        assert_eq!(c.field, field::C_STORE_RQ);
        assert_eq!(c.message_id, 7);
        assert_eq!(c.affected_sop_class_uid.as_deref(), Some("1.2.840.10008.5.1.4.1.1.2"));
        assert_eq!(c.affected_sop_instance_uid.as_deref(), Some("1.2.3.4"));
        assert!(c.has_data_set);
    }

    #[test]
    fn garbage_is_not_a_command() {
        assert!(Command::read(b"\x01\x02garbage").is_err());
        assert!(Command::read(&[]).is_err());
    }

    #[test]
    fn a_response_round_trips_with_its_group_length() {
        let req = Command::read(&request(field::C_STORE_RQ, 9)).unwrap();
        let mut rsp = Response::new(field::C_STORE_RSP, &req, status::WARNING_DOES_NOT_MATCH);
        rsp.sop_instance_uid = req.affected_sop_instance_uid.clone();
        let bytes = rsp.encode().unwrap();
        let obj = InMemDicomObject::read_dataset_with_ts(&bytes[..], &IMPLICIT_VR_LITTLE_ENDIAN.erased()).unwrap();
        let group_length = obj.element(tags::COMMAND_GROUP_LENGTH).unwrap().to_int::<u32>().unwrap();
        assert_eq!(group_length as usize, bytes.len() - 12, "everything after the group length element");
        assert_eq!(obj.element(tags::STATUS).unwrap().to_int::<u16>().unwrap(), 0xB007);
        assert_eq!(obj.element(tags::MESSAGE_ID_BEING_RESPONDED_TO).unwrap().to_int::<u16>().unwrap(), 9);
    }

    #[test]
    fn an_identifier_round_trips_with_universal_keys_answered() {
        let keys = vec![
            QueryKey { tag: tags::PATIENT_NAME, vr: VR::PN, value: "Mü*".into() },
            QueryKey { tag: tags::STUDY_INSTANCE_UID, vr: VR::UI, value: String::new() },
        ];
        let bytes = write_identifier("STUDY", &keys, |k| Some(k.value.clone()), EXPLICIT_VR_LE).unwrap();
        let read = read_identifier(&bytes, EXPLICIT_VR_LE).unwrap();
        assert_eq!(read.level, "STUDY");
        assert_eq!(read.keys, keys);
        assert_eq!(read.keys[0].json_tag(), "00100010");
        assert!(
            read_identifier(b"garbage!", EXPLICIT_VR_LE).is_err()
                || read_identifier(b"garbage!", EXPLICIT_VR_LE).unwrap().level.is_empty()
        );
    }

    const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";

    #[test]
    fn storage_classes_are_storage_classes() {
        assert!(is_storage_sop_class("1.2.840.10008.5.1.4.1.1.2"));
        assert!(is_storage_sop_class("1.2.840.10008.5.1.4.1.1.4"));
        assert!(!is_storage_sop_class("1.2.840.10008.1.1"), "verification");
        assert!(!is_storage_sop_class("1.2.840.10008.1.20.1"), "storage commitment");
        assert!(!is_storage_sop_class("1.2.840.10008.5.1.4.1.2.2.1"), "study root find");
        assert!(storage_sop_classes().count() > 100);
    }

    #[test]
    fn the_part10_header_is_read_back_as_a_file_meta_group() {
        let header = part10_header("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4", "1.2.840.10008.1.2.1", "CT01").unwrap();
        assert_eq!(&header[128..132], b"DICM");
        assert!(header[..128].iter().all(|b| *b == 0));
        let meta = dicom_object::FileMetaTable::from_reader(&header[128..]).unwrap();
        assert_eq!(meta.transfer_syntax(), "1.2.840.10008.1.2.1");
        assert_eq!(meta.media_storage_sop_instance_uid(), "1.2.3.4");
        assert_eq!(meta.source_application_entity_title(), Some("CT01"));
    }
}
