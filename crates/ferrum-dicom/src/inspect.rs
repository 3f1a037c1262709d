//! Reading one Part-10 object: header up to Pixel Data, completeness, required UIDs.
use std::io::{BufReader, Read, Seek, SeekFrom};

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::file::ReadPreamble;
use dicom_object::{FileMetaTable, OpenFileOptions};
use dicom_parser::dataset::lazy_read::LazyDataSetReader;
use dicom_parser::dataset::LazyDataToken;
use dicom_parser::StatefulDecode;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::attributes::*;
use crate::{charset, DicomError, Uid, MEDIA_STORAGE_DIRECTORY_SOP_CLASS};

type Header = dicom_object::DefaultDicomObject;

/// Lengths inside a deflated data set are not offsets into the file: it is inflated (with a
/// cap) and walked as the explicit VR little endian data set it holds.
const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1.99";
const EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1";
/// The most a deflated data set may inflate to. Deflate is used for small non-image objects
/// in practice; a larger one is refused rather than held in memory.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// What [`inspect`] learnt about one object.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub attributes: InstanceAttributes,
}

/// Where the `DICM` marker is: after the 128-byte preamble, or at the very start.
fn magic_offset(head: &[u8]) -> Option<u64> {
    if head.len() >= 132 && &head[128..132] == b"DICM" {
        Some(128)
    } else if head.len() >= 4 && &head[..4] == b"DICM" {
        Some(0)
    } else {
        None
    }
}

/// Whether the first bytes of a file (at least 132 of them when the file is that long)
/// announce a DICOM Part-10 object.
pub fn looks_like_dicom(head: &[u8]) -> bool {
    magic_offset(head).is_some()
}

/// Reads and validates one Part-10 object from `source`.
///
/// Only the header up to Pixel Data is decoded; the rest of the object is walked without
/// being decoded, to refuse a file that ends before its elements do.
pub fn inspect<R: Read + Seek>(source: R) -> Result<Inspection, DicomError> {
    let mut source = BufReader::with_capacity(64 * 1024, source);
    let mut head = Vec::with_capacity(132);
    (&mut source).take(132).read_to_end(&mut head).map_err(io_error)?;
    let offset = magic_offset(&head).ok_or(DicomError::NotDicom)?;

    source.seek(SeekFrom::Start(offset)).map_err(io_error)?;
    let meta = FileMetaTable::from_reader(&mut source).map_err(|e| parse_error(&e))?;
    if meta.media_storage_sop_class_uid().trim_end_matches(['\0', ' ']) == MEDIA_STORAGE_DIRECTORY_SOP_CLASS {
        return Err(DicomError::MediaDirectory);
    }
    let ts_uid = meta.transfer_syntax().trim_end_matches(['\0', ' ']).to_owned();
    let ts =
        TransferSyntaxRegistry.get(&ts_uid).ok_or_else(|| DicomError::UnsupportedTransferSyntax(ts_uid.clone()))?;
    // Before any value is decoded: the parser allocates each element's declared length up
    // front, so a few hundred bytes declaring a 4 GB element would cost 4 GB.
    if ts_uid == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN {
        check_deflated(&mut source, offset)?;
    } else {
        check_complete(&mut source, offset, ts)?;
    }
    source.seek(SeekFrom::Start(offset)).map_err(io_error)?;
    let header = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .read_until(tags::PIXEL_DATA)
        .from_reader(&mut source)
        .map_err(|e| parse_error(&e))?;
    let attributes = extract(&header, ts_uid)?;
    Ok(Inspection { attributes })
}

/// The length walk of [`check_complete`] for a deflated data set: the file meta group as it
/// is, followed by the data set inflated, read as explicit VR little endian.
fn check_deflated<R: Read + Seek>(source: &mut BufReader<R>, offset: u64) -> Result<(), DicomError> {
    source.seek(SeekFrom::Start(offset)).map_err(io_error)?;
    FileMetaTable::from_reader(&mut *source).map_err(|e| parse_error(&e))?;
    let meta_end = source.stream_position().map_err(io_error)?;
    source.seek(SeekFrom::Start(offset)).map_err(io_error)?;
    let mut plain = Vec::new();
    (&mut *source).take(meta_end - offset).read_to_end(&mut plain).map_err(io_error)?;
    let meta_len = plain.len() as u64;
    flate2::read::DeflateDecoder::new(&mut *source)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut plain)
        .map_err(|e| DicomError::Malformed(format!("the deflated data set does not inflate: {e}")))?;
    if plain.len() as u64 - meta_len > MAX_INFLATED {
        return Err(DicomError::Malformed(format!(
            "the deflated data set inflates to more than {} MiB",
            MAX_INFLATED / (1024 * 1024)
        )));
    }
    let explicit = TransferSyntaxRegistry.get(EXPLICIT_VR_LITTLE_ENDIAN).expect("the registry knows explicit VR LE");
    check_complete(&mut BufReader::new(std::io::Cursor::new(plain)), 0, explicit)
}

/// Walks every element after the file meta group and checks that each value lies within
/// the file: a truncated upload must be refused, not catalogued.
fn check_complete<R: Read + Seek>(
    source: &mut BufReader<R>,
    offset: u64,
    ts: &dicom_encoding::TransferSyntax,
) -> Result<(), DicomError> {
    let file_len = source.seek(SeekFrom::End(0)).map_err(io_error)?;
    source.seek(SeekFrom::Start(offset)).map_err(io_error)?;
    FileMetaTable::from_reader(&mut *source).map_err(|e| parse_error(&e))?;

    let mut reader =
        LazyDataSetReader::new_with_ts(&mut *source, ts).map_err(|e| DicomError::Malformed(first_line(&e)))?;
    // The decoder counts positions from the start of the file (it asks the source where it is).
    let available = file_len;
    let mut declared_end = 0u64;
    while let Some(token) = reader.advance() {
        let token = token.map_err(|e| {
            let text = first_line(&e);
            if text.contains("UnexpectedEof") || text.to_ascii_lowercase().contains("eof") {
                DicomError::Truncated("the file ends inside an element header".into())
            } else {
                DicomError::Malformed(text)
            }
        })?;
        let end = match &token {
            LazyDataToken::LazyValue { header, decoder } => Some(decoder.position() + u64::from(header.len.0)),
            LazyDataToken::LazyItemValue { len, decoder } => Some(decoder.position() + u64::from(*len)),
            _ => None,
        };
        if let Some(end) = end {
            declared_end = declared_end.max(end);
            if declared_end > available {
                return Err(DicomError::Truncated(format!(
                    "elements extend to byte {declared_end} but the file holds {available}"
                )));
            }
        }
        token.skip().map_err(|e| DicomError::Malformed(first_line(&e)))?;
    }
    Ok(())
}

fn extract(obj: &Header, transfer_syntax_uid: String) -> Result<InstanceAttributes, DicomError> {
    let charsets: Vec<String> = obj
        .get(tags::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.to_multi_str().ok())
        .map(|v| v.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let own_decoding = charset::uses_code_extensions(&charsets);

    let text = |tag: Tag| -> Option<String> {
        let raw = obj.get(tag)?.to_str().ok()?;
        let value = if own_decoding {
            charset::decode(&charset::recover_bytes(&raw, &charsets), &charsets)
        } else {
            raw.into_owned()
        };
        let value = value.trim_matches(|c: char| c == ' ' || c == '\0').to_owned();
        (!value.is_empty()).then_some(value)
    };
    let plain = |tag: Tag| -> Option<String> {
        let v = obj.get(tag)?.to_str().ok()?;
        let v = v.trim_matches(|c: char| c == ' ' || c == '\0');
        (!v.is_empty()).then(|| v.to_owned())
    };
    let int = |tag: Tag| -> Option<i64> { obj.get(tag)?.to_int::<i64>().ok() };
    let floats = |tag: Tag| -> Option<Vec<f64>> {
        obj.get(tag)?.to_multi_float64().ok().filter(|v| v.iter().all(|x| x.is_finite()))
    };
    let uid = |tag: Tag, name: &'static str, tag_text: &'static str| -> Result<Uid, DicomError> {
        let raw = plain(tag).ok_or(DicomError::MissingAttribute { name, tag: tag_text })?;
        Uid::parse(&raw).map_err(|why| DicomError::InvalidUid { name, tag: tag_text, why })
    };

    let sop_instance_uid = uid(tags::SOP_INSTANCE_UID, "SOPInstanceUID", "(0008,0018)")?;
    let study_instance_uid = uid(tags::STUDY_INSTANCE_UID, "StudyInstanceUID", "(0020,000D)")?;
    let series_instance_uid = uid(tags::SERIES_INSTANCE_UID, "SeriesInstanceUID", "(0020,000E)")?;

    Ok(InstanceAttributes {
        patient: PatientLevel {
            patient_name: text(tags::PATIENT_NAME),
            patient_id: text(tags::PATIENT_ID),
            patient_birth_date: plain(tags::PATIENT_BIRTH_DATE),
            patient_sex: plain(tags::PATIENT_SEX),
        },
        study: StudyLevel {
            study_instance_uid,
            study_date: plain(tags::STUDY_DATE),
            study_time: plain(tags::STUDY_TIME),
            accession_number: text(tags::ACCESSION_NUMBER),
            study_description: text(tags::STUDY_DESCRIPTION),
            referring_physician_name: text(tags::REFERRING_PHYSICIAN_NAME),
            study_id: text(tags::STUDY_ID),
            institution_name: text(tags::INSTITUTION_NAME),
        },
        series: SeriesLevel {
            series_instance_uid,
            modality: plain(tags::MODALITY),
            series_number: int(tags::SERIES_NUMBER),
            series_description: text(tags::SERIES_DESCRIPTION),
            body_part_examined: plain(tags::BODY_PART_EXAMINED),
        },
        instance: InstanceLevel {
            sop_instance_uid,
            sop_class_uid: plain(tags::SOP_CLASS_UID)
                .or_else(|| Some(obj.meta().media_storage_sop_class_uid().trim_end_matches('\0').to_owned())),
            instance_number: int(tags::INSTANCE_NUMBER),
            transfer_syntax_uid,
            rows: int(tags::ROWS),
            columns: int(tags::COLUMNS),
            number_of_frames: int(tags::NUMBER_OF_FRAMES),
            slice_position: slice_position(
                floats(tags::IMAGE_POSITION_PATIENT),
                floats(tags::IMAGE_ORIENTATION_PATIENT),
                floats(tags::SLICE_LOCATION).and_then(|v| v.first().copied()),
            ),
            photometric_interpretation: plain(tags::PHOTOMETRIC_INTERPRETATION),
            bits_allocated: int(tags::BITS_ALLOCATED),
        },
    })
}

/// The slice's place along its stack: position · (row × column direction), which orders the
/// slices of any orientation; Slice Location when the geometry is missing.
fn slice_position(position: Option<Vec<f64>>, orientation: Option<Vec<f64>>, location: Option<f64>) -> Option<f64> {
    if let (Some(p), Some(o)) = (&position, &orientation) {
        if p.len() == 3 && o.len() == 6 {
            let n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
            let along = p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
            if n.iter().any(|x| *x != 0.0) && along.is_finite() {
                return Some((along * 1000.0).round() / 1000.0);
            }
        }
    }
    location
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

fn io_error(e: std::io::Error) -> DicomError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        DicomError::Truncated("the file ends early".into())
    } else {
        DicomError::Malformed(format!("read error: {}", e.kind()))
    }
}

/// Maps a parser failure to a user-facing reason. The chain is searched for an early end of
/// file, the tell-tale of a truncated upload.
fn parse_error(e: &(dyn std::error::Error + 'static)) -> DicomError {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::UnexpectedEof {
                return DicomError::Truncated("the file ends inside the header".into());
            }
        }
        cur = err.source();
    }
    DicomError::Malformed(first_line(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slice_position_follows_the_stack_normal_whatever_the_orientation() {
        let axial = Some(vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(slice_position(Some(vec![-100.0, -120.0, 42.5]), axial.clone(), Some(7.0)), Some(42.5));
        // Sagittal: rows along y, columns along -z; the normal is -x.
        let sagittal = Some(vec![0.0, 1.0, 0.0, 0.0, 0.0, -1.0]);
        assert_eq!(slice_position(Some(vec![12.0, -100.0, 80.0]), sagittal, None), Some(-12.0));
        assert_eq!(slice_position(None, axial.clone(), Some(7.0)), Some(7.0), "Slice Location without geometry");
        assert_eq!(slice_position(Some(vec![1.0, 2.0]), axial, None), None, "a malformed position");
    }

    /// An explicit VR little endian element.
    fn element(group: u16, elem: u16, vr: &[u8; 2], value: &[u8], declared: Option<u32>) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&group.to_le_bytes());
        out.extend_from_slice(&elem.to_le_bytes());
        out.extend_from_slice(vr);
        if matches!(vr, b"OB" | b"UN") {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&declared.unwrap_or(value.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(value);
        out
    }

    fn file(meta_extra: &[u8], body: &[u8]) -> Vec<u8> {
        file_in(b"1.2.840.10008.1.2.1\0", meta_extra, body)
    }

    /// A file whose data set is deflated (raw deflate, as PS3.5 A.5 says).
    fn deflated(body: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(body).unwrap();
        file_in(b"1.2.840.10008.1.2.1.99", &[], &z.finish().unwrap())
    }

    fn file_in(ts: &[u8], meta_extra: &[u8], body: &[u8]) -> Vec<u8> {
        let mut meta = element(2, 1, b"OB", &[0, 1], None);
        meta.extend(element(2, 2, b"UI", b"1.2.840.10008.5.1.4.1.1.2\0", None));
        meta.extend(element(2, 3, b"UI", b"1.2.3.4.5.6\0", None));
        meta.extend(element(2, 0x10, b"UI", ts, None));
        meta.extend_from_slice(meta_extra);
        let mut out = vec![0u8; 128];
        out.extend_from_slice(b"DICM");
        out.extend(element(2, 0, b"UL", &(meta.len() as u32).to_le_bytes(), None));
        out.extend(meta);
        out.extend_from_slice(body);
        out
    }

    fn uids() -> Vec<u8> {
        let mut body = element(8, 0x18, b"UI", b"1.2.3.4.5.6\0", None);
        body.extend(element(0x20, 0xd, b"UI", b"1.2.3.4\0", None));
        body.extend(element(0x20, 0xe, b"UI", b"1.2.3.4.5\0", None));
        body
    }

    #[test]
    fn a_consistent_file_is_read() {
        let a = inspect(std::io::Cursor::new(file(&[], &uids()))).unwrap();
        assert_eq!(a.attributes.instance.sop_instance_uid.as_str(), "1.2.3.4.5.6");
    }

    #[test]
    fn a_huge_declared_length_is_refused_before_anything_is_allocated_for_it() {
        let mut body = uids();
        body.extend(element(9, 0x1010, b"UN", &[b'x'; 100], Some(0xFFFF_FFF0)));
        let e = inspect(std::io::Cursor::new(file(&[], &body))).unwrap_err();
        // Refused by the length walk, which runs before the header is decoded (the decoder
        // would have zero-filled 4 GB first and then failed the same way).
        assert!(matches!(&e, DicomError::Truncated(m) if m.contains("elements extend")), "{e}");
    }

    #[test]
    fn a_deflated_data_set_is_inflated_with_a_cap_and_its_lengths_walked() {
        let ok = inspect(std::io::Cursor::new(deflated(&uids()))).unwrap();
        assert_eq!(ok.attributes.instance.transfer_syntax_uid, "1.2.840.10008.1.2.1.99");

        let mut bomb = uids();
        bomb.extend(element(9, 0x1010, b"UN", &[b'x'; 100], Some(0xFFFF_FFF0)));
        let e = inspect(std::io::Cursor::new(deflated(&bomb))).unwrap_err();
        assert!(matches!(&e, DicomError::Truncated(m) if m.contains("elements extend")), "{e}");

        let mut garbage = file_in(b"1.2.840.10008.1.2.1.99", &[], &[0xff; 64]);
        garbage.truncate(garbage.len() - 1);
        assert!(inspect(std::io::Cursor::new(garbage)).is_err());
    }
}
