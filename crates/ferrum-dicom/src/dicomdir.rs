//! A DICOMDIR (PS3.10 §8, PS3.3 F): the directory of a file-set, as a Media Storage Directory
//! Storage object in explicit VR little endian. The caller describes the hierarchy
//! (patients → studies → series → images, each image with its Referenced File ID) with values
//! it already has; this module lays out the Directory Record Sequence and computes the byte
//! offsets that link the records (first/last root record, next sibling, first child), which
//! count from the first byte of the file (the preamble).
//!
//! Keys are written as given. A Type 1 key the caller does not have (an object without an
//! Instance Number or a Study Date) is written empty rather than invented: a directory that
//! says "unknown" is better than one that makes up a date. Records with non-ASCII text carry
//! Specific Character Set `ISO_IR 192` (the values are UTF-8).
//!
//! Nothing here reads or writes files; [`FileSet::encode`] answers the bytes.
use dicom_core::header::{DataElementHeader, Length};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::encode::explicit_le::ExplicitVRLittleEndianEncoder;
use dicom_encoding::encode::Encode;
use dicom_object::FileMetaTableBuilder;
use thiserror::Error;

/// Media Storage Directory Storage.
const DIRECTORY_SOP_CLASS: &str = crate::MEDIA_STORAGE_DIRECTORY_SOP_CLASS;
const EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1";
/// The bytes an item header takes (its tag and 32-bit length).
const ITEM_HEADER: usize = 8;
/// PS3.10 §8.5: at most 8 components of at most 8 characters from A–Z, 0–9 and `_`.
pub const MAX_FILE_ID_COMPONENTS: usize = 8;
pub const MAX_FILE_ID_COMPONENT_LEN: usize = 8;

/// What makes a directory impossible to write. No variant carries a key's value.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DicomDirError {
    #[error("a Referenced File ID must have 1 to 8 components of 1 to 8 characters from A-Z, 0-9 and _")]
    InvalidFileId,
    #[error("a File-set ID must be at most 16 characters from A-Z, 0-9, _ and space")]
    InvalidFileSetId,
    #[error("the directory is larger than 4 GiB")]
    TooLarge,
    #[error("the file meta information could not be written: {0}")]
    Meta(String),
}

/// A file-set: its id and the patients it holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileSet {
    /// File-set ID (0004,1130), CS: up to 16 characters, may be empty.
    pub id: String,
    /// SOP Instance UID of the DICOMDIR itself.
    pub instance_uid: String,
    pub patients: Vec<PatientRecord>,
}

/// PATIENT record keys (PS3.3 Table F.5-1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientRecord {
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    pub studies: Vec<StudyRecord>,
}

/// STUDY record keys (PS3.3 Table F.5-2).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudyRecord {
    pub study_instance_uid: String,
    pub study_date: Option<String>,
    pub study_time: Option<String>,
    pub study_description: Option<String>,
    pub study_id: Option<String>,
    pub accession_number: Option<String>,
    pub series: Vec<SeriesRecord>,
}

/// SERIES record keys (PS3.3 Table F.5-3).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesRecord {
    pub series_instance_uid: String,
    pub modality: Option<String>,
    pub series_number: Option<i64>,
    pub images: Vec<ImageRecord>,
}

/// IMAGE record keys (PS3.3 Table F.5-4) and the file it references.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageRecord {
    /// Referenced File ID (0004,1500): the path components of the file, root to leaf.
    pub file_id: Vec<String>,
    pub sop_class_uid: Option<String>,
    pub sop_instance_uid: String,
    pub transfer_syntax_uid: String,
    pub instance_number: Option<i64>,
}

/// Whether `component` may be one component of a Referenced File ID.
pub fn is_file_id_component(component: &str) -> bool {
    (1..=MAX_FILE_ID_COMPONENT_LEN).contains(&component.len())
        && component.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Record bytes as they are built: the item's content, and where its children start.
struct Record {
    content: Vec<u8>,
    /// Index of the first child record, if any.
    first_child: Option<usize>,
    /// Index of the next sibling record, if any.
    next: Option<usize>,
}

/// Where the two offset values sit inside a record's content: the record starts with
/// (0004,1400) UL, (0004,1410) US, (0004,1420) UL, each an 8-byte header and its value.
const NEXT_VALUE_AT: usize = 8;
const LOWER_VALUE_AT: usize = 12 + 10 + 8;

impl FileSet {
    /// The DICOMDIR's bytes: preamble, `DICM`, file meta information and the data set.
    pub fn encode(&self) -> Result<Vec<u8>, DicomDirError> {
        if self.id.len() > 16
            || !self.id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_ ".contains(&b))
        {
            return Err(DicomDirError::InvalidFileSetId);
        }
        let mut records = Vec::new();
        let roots = self.build_records(&mut records)?;

        let mut out = vec![0u8; 128];
        out.extend_from_slice(b"DICM");
        let meta = FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(DIRECTORY_SOP_CLASS)
            .media_storage_sop_instance_uid(self.instance_uid.as_str())
            .transfer_syntax(EXPLICIT_VR_LITTLE_ENDIAN)
            .build()
            .map_err(|e| DicomDirError::Meta(e.to_string()))?;
        meta.write(&mut out).map_err(|e| DicomDirError::Meta(e.to_string()))?;

        // Each record's offset: the first byte of its item tag, counted from the file's start.
        let mut head = Vec::new();
        put_str(&mut head, tags::FILE_SET_ID, VR::CS, &self.id);
        let sequence_at = out.len() + head.len() + 12 + 12 + 10;
        let first_record_at = sequence_at + 12;
        let mut offsets = Vec::with_capacity(records.len());
        let mut at = first_record_at;
        for r in &records {
            offsets.push(u32::try_from(at).map_err(|_| DicomDirError::TooLarge)?);
            at += ITEM_HEADER + r.content.len();
        }
        let sequence_len = u32::try_from(at - first_record_at).map_err(|_| DicomDirError::TooLarge)?;
        let offset_of = |i: Option<usize>| i.map_or(0, |i| offsets[i]);

        put_ul(
            &mut head,
            tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            offset_of(roots.first().copied()),
        );
        put_ul(
            &mut head,
            tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            offset_of(roots.last().copied()),
        );
        put_us(&mut head, tags::FILE_SET_CONSISTENCY_FLAG, 0);
        out.extend_from_slice(&head);
        header(&mut out, tags::DIRECTORY_RECORD_SEQUENCE, VR::SQ, sequence_len);
        debug_assert_eq!(out.len(), first_record_at);
        out.reserve(sequence_len as usize);
        for r in &mut records {
            let (next, lower) = (offset_of(r.next), offset_of(r.first_child));
            r.content[NEXT_VALUE_AT..NEXT_VALUE_AT + 4].copy_from_slice(&next.to_le_bytes());
            r.content[LOWER_VALUE_AT..LOWER_VALUE_AT + 4].copy_from_slice(&lower.to_le_bytes());
            let len = r.content.len() as u32;
            ExplicitVRLittleEndianEncoder::default().encode_item_header(&mut out, len).expect("writing to memory");
            out.extend_from_slice(&r.content);
        }
        Ok(out)
    }

    /// The records in the order they are written (each before its children, children in
    /// order); answers the indexes of the root records (the patients).
    fn build_records(&self, records: &mut Vec<Record>) -> Result<Vec<usize>, DicomDirError> {
        let mut patients = Vec::new();
        for p in &self.patients {
            let i = push(records, patient_content(p));
            let mut studies = Vec::new();
            for st in &p.studies {
                let j = push(records, study_content(st));
                let mut series = Vec::new();
                for se in &st.series {
                    let k = push(records, series_content(se));
                    let mut images = Vec::new();
                    for im in &se.images {
                        images.push(push(records, image_content(im)?));
                    }
                    link(records, k, &images);
                    series.push(k);
                }
                link(records, j, &series);
                studies.push(j);
            }
            link(records, i, &studies);
            patients.push(i);
        }
        link_siblings(records, &patients);
        Ok(patients)
    }
}

fn push(records: &mut Vec<Record>, content: Vec<u8>) -> usize {
    records.push(Record { content, first_child: None, next: None });
    records.len() - 1
}

/// Makes `children` the lower-level entity of `parent`, chained in order.
fn link(records: &mut [Record], parent: usize, children: &[usize]) {
    records[parent].first_child = children.first().copied();
    link_siblings(records, children);
}

fn link_siblings(records: &mut [Record], siblings: &[usize]) {
    for pair in siblings.windows(2) {
        records[pair[0]].next = Some(pair[1]);
    }
}

/// The elements every record starts with; the offsets are filled in once known.
fn record_start(kind: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    put_ul(&mut buf, tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD, 0);
    put_us(&mut buf, tags::RECORD_IN_USE_FLAG, 0xFFFF);
    put_ul(&mut buf, tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY, 0);
    debug_assert_eq!(buf.len(), LOWER_VALUE_AT + 4);
    put_str(&mut buf, tags::DIRECTORY_RECORD_TYPE, VR::CS, kind);
    buf
}

/// Specific Character Set (0008,0005) when any of the record's text is not ASCII.
fn charset(buf: &mut Vec<u8>, texts: &[Option<&str>]) {
    if texts.iter().flatten().any(|t| !t.is_ascii()) {
        put_str(buf, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    }
}

fn opt(buf: &mut Vec<u8>, tag: Tag, vr: VR, value: Option<&str>) {
    put_str(buf, tag, vr, value.unwrap_or(""));
}

fn number(buf: &mut Vec<u8>, tag: Tag, value: Option<i64>) {
    put_str(buf, tag, VR::IS, &value.map(|n| n.to_string()).unwrap_or_default());
}

// Elements go in ascending tag order within each record.
fn patient_content(p: &PatientRecord) -> Vec<u8> {
    let mut buf = record_start("PATIENT");
    charset(&mut buf, &[p.patient_id.as_deref(), p.patient_name.as_deref()]);
    opt(&mut buf, tags::PATIENT_NAME, VR::PN, p.patient_name.as_deref());
    opt(&mut buf, tags::PATIENT_ID, VR::LO, p.patient_id.as_deref());
    buf
}

fn study_content(s: &StudyRecord) -> Vec<u8> {
    let mut buf = record_start("STUDY");
    charset(&mut buf, &[s.study_description.as_deref(), s.study_id.as_deref(), s.accession_number.as_deref()]);
    opt(&mut buf, tags::STUDY_DATE, VR::DA, s.study_date.as_deref());
    opt(&mut buf, tags::STUDY_TIME, VR::TM, s.study_time.as_deref());
    opt(&mut buf, tags::ACCESSION_NUMBER, VR::SH, s.accession_number.as_deref());
    opt(&mut buf, tags::STUDY_DESCRIPTION, VR::LO, s.study_description.as_deref());
    put_str(&mut buf, tags::STUDY_INSTANCE_UID, VR::UI, &s.study_instance_uid);
    opt(&mut buf, tags::STUDY_ID, VR::SH, s.study_id.as_deref());
    buf
}

fn series_content(s: &SeriesRecord) -> Vec<u8> {
    let mut buf = record_start("SERIES");
    charset(&mut buf, &[s.modality.as_deref()]);
    opt(&mut buf, tags::MODALITY, VR::CS, s.modality.as_deref());
    put_str(&mut buf, tags::SERIES_INSTANCE_UID, VR::UI, &s.series_instance_uid);
    number(&mut buf, tags::SERIES_NUMBER, s.series_number);
    buf
}

fn image_content(i: &ImageRecord) -> Result<Vec<u8>, DicomDirError> {
    if i.file_id.is_empty()
        || i.file_id.len() > MAX_FILE_ID_COMPONENTS
        || !i.file_id.iter().all(|c| is_file_id_component(c))
    {
        return Err(DicomDirError::InvalidFileId);
    }
    let mut buf = record_start("IMAGE");
    put_str(&mut buf, tags::REFERENCED_FILE_ID, VR::CS, &i.file_id.join("\\"));
    opt(&mut buf, tags::REFERENCED_SOP_CLASS_UID_IN_FILE, VR::UI, i.sop_class_uid.as_deref());
    put_str(&mut buf, tags::REFERENCED_SOP_INSTANCE_UID_IN_FILE, VR::UI, &i.sop_instance_uid);
    put_str(&mut buf, tags::REFERENCED_TRANSFER_SYNTAX_UID_IN_FILE, VR::UI, &i.transfer_syntax_uid);
    number(&mut buf, tags::INSTANCE_NUMBER, i.instance_number);
    Ok(buf)
}

fn header(buf: &mut Vec<u8>, tag: Tag, vr: VR, len: u32) {
    ExplicitVRLittleEndianEncoder::default()
        .encode_element_header(&mut *buf, DataElementHeader::new(tag, vr, Length(len)))
        .expect("writing to memory");
}

/// A text element, padded to even length (UIDs with NUL, the rest with a space).
fn put_str(buf: &mut Vec<u8>, tag: Tag, vr: VR, value: &str) {
    // A value longer than a 16-bit length cannot be a key; it is cut at a character boundary.
    let mut end = value.len().min(0xFFFE);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let value = &value[..end];
    let pad = value.len() % 2 == 1;
    header(buf, tag, vr, (value.len() + usize::from(pad)) as u32);
    buf.extend_from_slice(value.as_bytes());
    if pad {
        buf.push(if vr == VR::UI { 0 } else { b' ' });
    }
}

fn put_ul(buf: &mut Vec<u8>, tag: Tag, value: u32) {
    header(buf, tag, VR::UL, 4);
    buf.extend_from_slice(&value.to_le_bytes());
}

fn put_us(buf: &mut Vec<u8>, tag: Tag, value: u16) {
    header(buf, tag, VR::US, 2);
    buf.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use dicom_core::value::Value;
    use dicom_dictionary_std::tags;
    use dicom_object::mem::InMemDicomObject;
    use dicom_object::OpenFileOptions;

    use super::*;

    fn image(file: &[&str], sop: &str, number: Option<i64>) -> ImageRecord {
        ImageRecord {
            file_id: file.iter().map(|s| s.to_string()).collect(),
            sop_class_uid: Some("1.2.840.10008.5.1.4.1.1.2".into()),
            sop_instance_uid: sop.into(),
            transfer_syntax_uid: EXPLICIT_VR_LITTLE_ENDIAN.into(),
            instance_number: number,
        }
    }

    /// Two patients; the first with two studies, one of them with two series.
    fn sample() -> FileSet {
        let series = |uid: &str, n: i64, images: Vec<ImageRecord>| SeriesRecord {
            series_instance_uid: uid.into(),
            modality: Some("CT".into()),
            series_number: Some(n),
            images,
        };
        let study = |uid: &str, series: Vec<SeriesRecord>| StudyRecord {
            study_instance_uid: uid.into(),
            study_date: Some("20240102".into()),
            study_time: Some("101010".into()),
            study_description: Some("Test".into()),
            study_id: Some("1".into()),
            accession_number: Some("A1".into()),
            series,
        };
        FileSet {
            id: "FERRUM".into(),
            instance_uid: "2.25.1".into(),
            patients: vec![
                PatientRecord {
                    patient_id: Some("P1".into()),
                    patient_name: Some("Müller^Anna".into()),
                    studies: vec![
                        study(
                            "1.1",
                            vec![
                                series(
                                    "1.1.1",
                                    1,
                                    vec![
                                        image(&["PT000000", "ST000000", "SE000000", "IM000000"], "1.1.1.1", Some(1)),
                                        image(&["PT000000", "ST000000", "SE000000", "IM000001"], "1.1.1.2", None),
                                    ],
                                ),
                                series(
                                    "1.1.2",
                                    2,
                                    vec![image(&["PT000000", "ST000000", "SE000001", "IM000000"], "1.1.2.1", Some(1))],
                                ),
                            ],
                        ),
                        study(
                            "1.2",
                            vec![series(
                                "1.2.1",
                                1,
                                vec![image(&["PT000000", "ST000001", "SE000000", "IM000000"], "1.2.1.1", Some(7))],
                            )],
                        ),
                    ],
                },
                PatientRecord {
                    patient_id: Some("P2".into()),
                    patient_name: None,
                    studies: vec![study(
                        "2.1",
                        vec![series(
                            "2.1.1",
                            3,
                            vec![image(&["PT000001", "ST000000", "SE000000", "IM000000"], "2.1.1.1", Some(1))],
                        )],
                    )],
                },
            ],
        }
    }

    fn str_of(item: &InMemDicomObject, tag: Tag) -> String {
        item.element(tag).map(|e| e.to_str().unwrap().trim_end_matches(['\0', ' ']).to_owned()).unwrap_or_default()
    }

    fn ul(item: &InMemDicomObject, tag: Tag) -> u32 {
        item.element(tag).unwrap().to_int::<u32>().unwrap()
    }

    /// Walks the hierarchy through the offsets, as a reader of the medium does, answering
    /// each record as `type:key` indented by its depth.
    fn walk(bytes: &[u8]) -> Vec<String> {
        let obj = OpenFileOptions::new().from_reader(&bytes[128..]).expect("a DICOM file");
        assert_eq!(obj.meta().media_storage_sop_class_uid().trim_end_matches('\0'), DIRECTORY_SOP_CLASS);
        let Value::Sequence(seq) = obj.element(tags::DIRECTORY_RECORD_SEQUENCE).unwrap().value() else {
            panic!("no record sequence")
        };
        // Item offsets as the bytes have them: find each item's tag by scanning from the first.
        let first = ul(&obj, tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY) as usize;
        let mut by_offset = std::collections::HashMap::new();
        let mut at = first;
        for item in seq.items() {
            assert_eq!(&bytes[at..at + 4], &[0xFE, 0xFF, 0x00, 0xE0], "an item tag at {at}");
            let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            by_offset.insert(at as u32, item);
            at += 8 + len;
        }
        let mut out = Vec::new();
        fn visit(
            by_offset: &std::collections::HashMap<u32, &InMemDicomObject>,
            mut offset: u32,
            depth: usize,
            out: &mut Vec<String>,
        ) {
            while offset != 0 {
                let r = by_offset[&offset];
                let kind = str_of(r, tags::DIRECTORY_RECORD_TYPE);
                let key = match kind.as_str() {
                    "PATIENT" => str_of(r, tags::PATIENT_ID),
                    "STUDY" => str_of(r, tags::STUDY_INSTANCE_UID),
                    "SERIES" => str_of(r, tags::SERIES_INSTANCE_UID),
                    _ => format!(
                        "{}={}",
                        str_of(r, tags::REFERENCED_FILE_ID),
                        str_of(r, tags::REFERENCED_SOP_INSTANCE_UID_IN_FILE)
                    ),
                };
                out.push(format!("{}{kind}:{key}", "  ".repeat(depth)));
                visit(by_offset, ul(r, tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY), depth + 1, out);
                offset = ul(r, tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD);
            }
        }
        visit(&by_offset, first as u32, 0, &mut out);
        out
    }

    #[test]
    fn records_link_patients_studies_series_and_images_through_their_offsets() {
        let bytes = sample().encode().unwrap();
        assert_eq!(&bytes[128..132], b"DICM");
        assert_eq!(
            walk(&bytes),
            [
                "PATIENT:P1",
                "  STUDY:1.1",
                "    SERIES:1.1.1",
                "      IMAGE:PT000000\\ST000000\\SE000000\\IM000000=1.1.1.1",
                "      IMAGE:PT000000\\ST000000\\SE000000\\IM000001=1.1.1.2",
                "    SERIES:1.1.2",
                "      IMAGE:PT000000\\ST000000\\SE000001\\IM000000=1.1.2.1",
                "  STUDY:1.2",
                "    SERIES:1.2.1",
                "      IMAGE:PT000000\\ST000001\\SE000000\\IM000000=1.2.1.1",
                "PATIENT:P2",
                "  STUDY:2.1",
                "    SERIES:2.1.1",
                "      IMAGE:PT000001\\ST000000\\SE000000\\IM000000=2.1.1.1",
            ]
        );
    }

    #[test]
    fn the_last_root_record_is_the_last_patient_and_leaves_end_every_chain() {
        let bytes = sample().encode().unwrap();
        let obj = OpenFileOptions::new().from_reader(&bytes[128..]).unwrap();
        let Value::Sequence(seq) = obj.element(tags::DIRECTORY_RECORD_SEQUENCE).unwrap().value() else { panic!() };
        let items = seq.items();
        assert_eq!(items.len(), 14);
        // The last patient record is the 11th written (index 10).
        let last = ul(&obj, tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY) as usize;
        assert_eq!(&bytes[last..last + 4], &[0xFE, 0xFF, 0x00, 0xE0]);
        assert_eq!(str_of(&items[10], tags::PATIENT_ID), "P2");
        assert_eq!(ul(&items[10], tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD), 0);
        for item in items.iter().filter(|i| str_of(i, tags::DIRECTORY_RECORD_TYPE) == "IMAGE") {
            assert_eq!(ul(item, tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY), 0, "images have no children");
        }
        assert_eq!(ul(&obj, tags::FILE_SET_CONSISTENCY_FLAG), 0);
        assert_eq!(str_of(&obj, tags::FILE_SET_ID), "FERRUM");
    }

    #[test]
    fn each_record_type_carries_its_keys_and_missing_ones_are_empty_not_invented() {
        let bytes = sample().encode().unwrap();
        let obj = OpenFileOptions::new().from_reader(&bytes[128..]).unwrap();
        let Value::Sequence(seq) = obj.element(tags::DIRECTORY_RECORD_SEQUENCE).unwrap().value() else { panic!() };
        let items = seq.items();
        let patient = &items[0];
        assert_eq!(str_of(patient, tags::PATIENT_NAME), "Müller^Anna");
        assert_eq!(str_of(patient, tags::SPECIFIC_CHARACTER_SET), "ISO_IR 192", "non-ASCII text declares UTF-8");
        let study = &items[1];
        for (tag, want) in [
            (tags::STUDY_DATE, "20240102"),
            (tags::STUDY_TIME, "101010"),
            (tags::STUDY_DESCRIPTION, "Test"),
            (tags::STUDY_ID, "1"),
            (tags::ACCESSION_NUMBER, "A1"),
            (tags::STUDY_INSTANCE_UID, "1.1"),
        ] {
            assert_eq!(str_of(study, tag), want);
        }
        assert!(study.element(tags::SPECIFIC_CHARACTER_SET).is_err(), "ASCII records declare no character set");
        let series = &items[2];
        assert_eq!(str_of(series, tags::MODALITY), "CT");
        assert_eq!(str_of(series, tags::SERIES_NUMBER), "1");
        let image = &items[3];
        assert_eq!(image.element(tags::REFERENCED_FILE_ID).unwrap().to_multi_str().unwrap().len(), 4);
        assert_eq!(str_of(image, tags::REFERENCED_SOP_CLASS_UID_IN_FILE), "1.2.840.10008.5.1.4.1.1.2");
        assert_eq!(str_of(image, tags::REFERENCED_TRANSFER_SYNTAX_UID_IN_FILE), EXPLICIT_VR_LITTLE_ENDIAN);
        assert_eq!(str_of(image, tags::INSTANCE_NUMBER), "1");
        let unnumbered = &items[4];
        assert_eq!(unnumbered.element(tags::INSTANCE_NUMBER).unwrap().header().len, Length(0));
        let nameless = &items[10];
        assert_eq!(nameless.element(tags::PATIENT_NAME).unwrap().header().len, Length(0));
        assert_eq!(ul(image, tags::RECORD_IN_USE_FLAG), 0xFFFF);
    }

    #[test]
    fn file_ids_outside_the_media_rules_are_refused() {
        for bad in [vec![], vec!["pt000000"], vec!["PT0000000"], vec!["A.B"], vec![""], vec!["A"; 9]] {
            let mut set = sample();
            set.patients[0].studies[0].series[0].images[0].file_id = bad.iter().map(|s| s.to_string()).collect();
            assert_eq!(set.encode(), Err(DicomDirError::InvalidFileId), "{bad:?}");
        }
        let mut set = sample();
        set.patients[0].studies[0].series[0].images[0].file_id = vec!["A_9".into(); 8];
        assert!(set.encode().is_ok(), "eight components of the allowed characters");
        let mut set = sample();
        set.id = "lower".into();
        assert_eq!(set.encode(), Err(DicomDirError::InvalidFileSetId));
    }

    #[test]
    fn an_empty_file_set_has_no_records_and_zero_root_offsets() {
        let bytes = FileSet { id: String::new(), instance_uid: "2.25.2".into(), patients: vec![] }.encode().unwrap();
        let obj = OpenFileOptions::new().from_reader(&bytes[128..]).unwrap();
        assert_eq!(ul(&obj, tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY), 0);
        assert_eq!(ul(&obj, tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY), 0);
    }
}
