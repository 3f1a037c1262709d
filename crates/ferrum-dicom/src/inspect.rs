//! Reading one DICOM object: header up to Pixel Data, completeness, required UIDs.
//!
//! Liberal in what it accepts (see [`crate::framing`] for objects without a File Meta group
//! and [`crate::uid`] for UIDs that break the syntax rules), strict where input is
//! dangerous: every declared length is checked against the bytes present before anything
//! is decoded, and a truncated object is refused.
use std::borrow::Cow;
use std::io::{BufReader, Read, Seek, SeekFrom};

use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::file::ReadPreamble;
use dicom_object::OpenFileOptions;
use dicom_parser::dataset::lazy_read::LazyDataSetReader;
use dicom_parser::dataset::LazyDataToken;
use dicom_parser::StatefulDecode;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::attributes::*;
use crate::framing::{self, EXPLICIT_VR_LITTLE_ENDIAN};
use crate::warning::{self, Warning};
use crate::{charset, uid, DicomError, Uid, MEDIA_STORAGE_DIRECTORY_SOP_CLASS};

type Header = dicom_object::DefaultDicomObject;

/// Lengths inside a deflated data set are not offsets into the file: it is inflated (with a
/// cap) and walked as the explicit VR little endian data set it holds.
const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1.99";
/// The most a deflated data set may inflate to. Deflate is used for small non-image objects
/// in practice; a larger one is refused rather than held in memory.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// What [`inspect`] learnt about one object.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub attributes: InstanceAttributes,
    /// What is not conformant but was accepted, in the order found.
    pub warnings: Vec<Warning>,
    /// The header (up to Pixel Data) in the DICOM JSON model, see [`crate::json`].
    pub metadata: serde_json::Value,
}

/// Whether the first bytes of a file (at least 132 of them when the file is that long)
/// announce a DICOM object: a Part-10 `DICM` marker, or a data set whose encoding can be
/// detected without one.
pub fn looks_like_dicom(head: &[u8]) -> bool {
    framing::looks_like_dicom(head)
}

/// Reads and validates one DICOM object from `source`: a Part-10 file, or a bare data set.
///
/// Only the header up to Pixel Data is decoded; the rest of the object is walked without
/// being decoded, to refuse a file that ends before its elements do.
pub fn inspect<R: Read + Seek>(source: R) -> Result<Inspection, DicomError> {
    let mut source = BufReader::with_capacity(64 * 1024, source);
    let framing = framing::read(&mut source)?;
    if framing.media_storage_sop_class_uid.as_deref() == Some(MEDIA_STORAGE_DIRECTORY_SOP_CLASS) {
        return Err(DicomError::MediaDirectory);
    }
    let ts_uid = framing.transfer_syntax.clone();
    let ts =
        TransferSyntaxRegistry.get(&ts_uid).ok_or_else(|| DicomError::UnsupportedTransferSyntax(ts_uid.clone()))?;
    let mut warnings = framing.warnings.clone();
    // Before any value is decoded: the parser allocates each element's declared length up
    // front, so a few hundred bytes declaring a 4 GB element would cost 4 GB.
    if ts_uid == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN {
        warnings.extend(check_deflated(&mut source, framing.data_start)?);
    } else {
        warnings.extend(check_complete(&mut source, framing.data_start, ts)?);
    }
    source.seek(SeekFrom::Start(framing.data_start)).map_err(io_error)?;
    // The parser reads a clean File Meta group naming what was found, then the data set as
    // sent: the same path whether the object had a (correct) meta group or none.
    let meta = std::io::Cursor::new(framing.meta_bytes()?);
    let header = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .read_until(tags::PIXEL_DATA)
        .from_reader(meta.chain(&mut source))
        .map_err(|e| parse_error(&e))?;
    let (attributes, uid_warnings) = extract(&header, ts_uid, framing.media_storage_sop_class_uid.as_deref())?;
    if attributes.instance.sop_class_uid.as_deref() == Some(MEDIA_STORAGE_DIRECTORY_SOP_CLASS) {
        return Err(DicomError::MediaDirectory);
    }
    warnings.extend(uid_warnings);
    let metadata = crate::json::dataset(&header, &crate::json::charsets_of(&header));
    Ok(Inspection { attributes, warnings, metadata })
}

/// The header (up to Pixel Data) of a stored object in the DICOM JSON model, for objects
/// catalogued before metadata was kept. `source` may hold only the start of the object: the
/// rest is not walked (the object was checked when it was stored).
pub fn header_metadata<R: Read + Seek>(source: R) -> Result<serde_json::Value, DicomError> {
    let mut source = BufReader::with_capacity(64 * 1024, source);
    let framing = framing::read(&mut source)?;
    source.seek(SeekFrom::Start(framing.data_start)).map_err(io_error)?;
    let meta = std::io::Cursor::new(framing.meta_bytes()?);
    let header = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .read_until(tags::PIXEL_DATA)
        .from_reader(meta.chain(&mut source))
        .map_err(|e| parse_error(&e))?;
    Ok(crate::json::dataset(&header, &crate::json::charsets_of(&header)))
}

/// The length walk of [`check_complete`] for a deflated data set, inflated, read as
/// explicit VR little endian.
fn check_deflated<R: Read + Seek>(source: &mut BufReader<R>, data_start: u64) -> Result<Vec<Warning>, DicomError> {
    source.seek(SeekFrom::Start(data_start)).map_err(io_error)?;
    let mut plain = Vec::new();
    flate2::read::DeflateDecoder::new(&mut *source)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut plain)
        .map_err(|e| DicomError::Malformed(format!("the deflated data set does not inflate: {e}")))?;
    if plain.len() as u64 > MAX_INFLATED {
        return Err(DicomError::Malformed(format!(
            "the deflated data set inflates to more than {} MiB",
            MAX_INFLATED / (1024 * 1024)
        )));
    }
    let explicit = TransferSyntaxRegistry.get(EXPLICIT_VR_LITTLE_ENDIAN).expect("the registry knows explicit VR LE");
    check_complete(&mut BufReader::new(std::io::Cursor::new(plain)), 0, explicit)
}

/// Walks every element of the data set (from `data_start`) and checks that each value lies
/// within the file: a truncated upload must be refused, not catalogued. Bytes after the
/// Pixel Data that are not elements are tolerated (and reported): the image is whole.
fn check_complete<R: Read + Seek>(
    source: &mut BufReader<R>,
    data_start: u64,
    ts: &dicom_encoding::TransferSyntax,
) -> Result<Vec<Warning>, DicomError> {
    let file_len = source.seek(SeekFrom::End(0)).map_err(io_error)?;
    source.seek(SeekFrom::Start(data_start)).map_err(io_error)?;
    let mut warnings = Vec::new();
    let mut reader =
        LazyDataSetReader::new_with_ts(&mut *source, ts).map_err(|e| DicomError::Malformed(first_line(&e)))?;
    // The decoder counts positions from the start of the file (it asks the source where it is).
    let available = file_len;
    let mut declared_end = 0u64;
    let mut depth = 0u32;
    let mut in_pixel_sequence = false;
    // Where the top-level Pixel Data ends, once it has been walked.
    let mut pixel_end: Option<u64> = None;
    let mut previous: Option<Tag> = None;
    let trailing = |pixel_end: u64| {
        Warning::new(
            warning::TRAILING_BYTES,
            format!(
                "{} bytes after the Pixel Data are not DICOM elements; they are kept and ignored",
                available.saturating_sub(pixel_end)
            ),
        )
    };
    while let Some(token) = reader.advance() {
        let token = match token {
            Ok(t) => t,
            Err(_) if pixel_end.is_some() => {
                warnings.push(trailing(pixel_end.unwrap_or_default()));
                return Ok(warnings);
            }
            Err(e) => {
                let text = first_line(&e);
                return Err(if text.contains("UnexpectedEof") || text.to_ascii_lowercase().contains("eof") {
                    DicomError::Truncated("the file ends inside an element header".into())
                } else {
                    DicomError::Malformed(text)
                });
            }
        };
        let top_tag = match &token {
            LazyDataToken::LazyValue { header, .. } if depth == 0 => Some(header.tag),
            LazyDataToken::SequenceStart { tag, .. } if depth == 0 => Some(*tag),
            LazyDataToken::PixelSequenceStart if depth == 0 => Some(tags::PIXEL_DATA),
            _ => None,
        };
        if let Some(tag) = top_tag {
            let descends = previous.is_some_and(|p| tag <= p);
            if let (Some(at), true) = (pixel_end, descends) {
                // Nothing valid follows Pixel Data but higher tags (signatures, padding):
                // zeros or text read as elements are the end of the data set.
                warnings.push(trailing(at));
                return Ok(warnings);
            }
            if descends && !warnings.iter().any(|w: &Warning| w.code == warning::ELEMENT_ORDER) {
                let what = if previous == Some(tag) { "appears more than once" } else { "is out of order" };
                warnings.push(Warning::new(
                    warning::ELEMENT_ORDER,
                    format!("({:04X},{:04X}) {what}; the last value read is used", tag.0, tag.1),
                ));
            }
            previous = Some(tag);
        }
        let end = match &token {
            LazyDataToken::LazyValue { header, decoder } => Some(decoder.position() + u64::from(header.len.0)),
            LazyDataToken::LazyItemValue { len, decoder } => Some(decoder.position() + u64::from(*len)),
            _ => None,
        };
        let top_pixels = matches!(&token, LazyDataToken::LazyValue { header, .. } if depth == 0 && matches!(header.tag, Tag(0x7FE0, 0x0008 | 0x0009 | 0x0010)));
        match &token {
            LazyDataToken::SequenceStart { .. } | LazyDataToken::ItemStart { .. } => depth += 1,
            LazyDataToken::PixelSequenceStart => {
                in_pixel_sequence = depth == 0;
                depth += 1;
            }
            LazyDataToken::SequenceEnd | LazyDataToken::ItemEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        if let Some(end) = end {
            declared_end = declared_end.max(end);
            if declared_end > available {
                if let Some(at) = pixel_end {
                    warnings.push(trailing(at));
                    return Ok(warnings);
                }
                return Err(DicomError::Truncated(format!(
                    "elements extend to byte {declared_end} but the file holds {available}"
                )));
            }
        }
        let closes_pixels = in_pixel_sequence && depth == 0 && matches!(&token, LazyDataToken::SequenceEnd);
        if let Err(e) = token.skip() {
            if let Some(at) = pixel_end {
                warnings.push(trailing(at));
                return Ok(warnings);
            }
            return Err(DicomError::Malformed(first_line(&e)));
        }
        if (top_pixels || closes_pixels) && pixel_end.is_none() {
            in_pixel_sequence = false;
            pixel_end = Some(if closes_pixels { declared_end + 8 } else { declared_end });
        }
    }
    Ok(warnings)
}

/// The text of an element. An attribute written as UN (or OB) holds its text as bytes, as
/// anonymisers and some converters write known attributes: read those bytes as text.
fn element_text(obj: &Header, tag: Tag) -> Option<Cow<'_, str>> {
    let e = obj.get(tag)?;
    match e.vr() {
        VR::UN | VR::OB => e.to_bytes().ok().map(|b| Cow::Owned(String::from_utf8_lossy(&b).into_owned())),
        _ => e.to_str().ok(),
    }
}

/// [`element_text`] with its padding as sent, which PS3.5 rules on for UIDs.
fn raw_element_text(obj: &Header, tag: Tag) -> Option<Cow<'_, str>> {
    let e = obj.get(tag)?;
    match e.vr() {
        VR::UN | VR::OB => element_text(obj, tag),
        _ => e.value().primitive().map(|p| p.to_raw_str()),
    }
}

fn extract(
    obj: &Header,
    transfer_syntax_uid: String,
    media_storage_sop_class_uid: Option<&str>,
) -> Result<(InstanceAttributes, Vec<Warning>), DicomError> {
    let charsets: Vec<String> = obj
        .get(tags::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.to_multi_str().ok())
        .map(|v| v.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let own_decoding = charset::uses_code_extensions(&charsets);

    let text = |tag: Tag| -> Option<String> {
        let raw = element_text(obj, tag)?;
        let value = if own_decoding {
            charset::decode(&charset::recover_bytes(&raw, &charsets), &charsets)
        } else {
            raw.into_owned()
        };
        let value = value.trim_matches(|c: char| c == ' ' || c == '\0').to_owned();
        (!value.is_empty()).then_some(value)
    };
    let plain = |tag: Tag| -> Option<String> {
        let v = element_text(obj, tag)?;
        let v = v.trim_matches(|c: char| c == ' ' || c == '\0');
        (!v.is_empty()).then(|| v.to_owned())
    };
    let int = |tag: Tag| -> Option<i64> { obj.get(tag)?.to_int::<i64>().ok() };
    let floats = |tag: Tag| -> Option<Vec<f64>> {
        obj.get(tag)?.to_multi_float64().ok().filter(|v| v.iter().all(|x| x.is_finite()))
    };
    let mut warnings = Vec::new();
    let mut uid = |tag: Tag, name: &'static str, tag_text: &'static str| -> Result<Uid, DicomError> {
        let missing = DicomError::MissingAttribute { name, tag: tag_text };
        let raw = raw_element_text(obj, tag).ok_or(missing.clone())?;
        let parsed = Uid::parse(&raw).map_err(|why| match why {
            "empty" => missing,
            why => DicomError::InvalidUid { name, tag: tag_text, why },
        })?;
        // The value is not quoted: the upload answer names the UIDs already.
        if let Some(problem) = uid::encoded_conformance(&raw) {
            warnings.push(Warning::new(warning::NONCONFORMANT_UID, format!("{name} {tag_text} {problem}")));
        }
        Ok(parsed)
    };

    let sop_instance_uid = uid(tags::SOP_INSTANCE_UID, "SOPInstanceUID", "(0008,0018)")?;
    let study_instance_uid = uid(tags::STUDY_INSTANCE_UID, "StudyInstanceUID", "(0020,000D)")?;
    let series_instance_uid = uid(tags::SERIES_INSTANCE_UID, "SeriesInstanceUID", "(0020,000E)")?;

    let attributes = InstanceAttributes {
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
            sop_class_uid: plain(tags::SOP_CLASS_UID).or_else(|| media_storage_sop_class_uid.map(str::to_owned)),
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
            pixel_spacing: multi(floats(tags::PIXEL_SPACING), 2),
            image_orientation: multi(floats(tags::IMAGE_ORIENTATION_PATIENT), 6),
            slice_thickness: floats(tags::SLICE_THICKNESS).and_then(|v| v.first().copied()).filter(|t| *t > 0.0),
            photometric_interpretation: plain(tags::PHOTOMETRIC_INTERPRETATION),
            bits_allocated: int(tags::BITS_ALLOCATED),
            burned_in_annotation: plain(tags::BURNED_IN_ANNOTATION).map(|v| v.trim().eq_ignore_ascii_case("YES")),
        },
    };
    Ok((attributes, warnings))
}

/// A multi-valued number of exactly `n` values, as DICOM writes it; else nothing.
fn multi(values: Option<Vec<f64>>, n: usize) -> Option<String> {
    let v = values.filter(|v| v.len() == n)?;
    Some(v.iter().map(f64::to_string).collect::<Vec<_>>().join("\\"))
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

    #[test]
    fn a_data_set_without_file_meta_is_read_and_flagged() {
        let mut body = element(8, 5, b"CS", b"ISO_IR 100", None);
        body.extend(uids());
        let a = inspect(std::io::Cursor::new(body)).unwrap();
        assert_eq!(a.attributes.instance.transfer_syntax_uid, EXPLICIT_VR_LITTLE_ENDIAN);
        assert_eq!(a.attributes.series.series_instance_uid.as_str(), "1.2.3.4.5");
        let codes: Vec<&str> = a.warnings.iter().map(|w| w.code).collect();
        assert_eq!(codes, [warning::NO_FILE_META]);
    }

    #[test]
    fn a_nonconformant_uid_is_kept_as_sent_with_a_warning_naming_the_attribute() {
        let long = format!("1.2.3.{}\0", "4".repeat(70));
        let mut body = element(8, 0x18, b"UI", long.as_bytes(), None);
        body.extend(element(0x20, 0xd, b"UI", b"1.2.3.4a", None));
        body.extend(element(0x20, 0xe, b"UI", b"1.2.3.4.5\0", None));
        let a = inspect(std::io::Cursor::new(file(&[], &body))).unwrap();
        assert_eq!(a.attributes.instance.sop_instance_uid.as_str(), long.trim_end_matches('\0'));
        assert_eq!(a.attributes.study.study_instance_uid.as_str(), "1.2.3.4a");
        let messages: Vec<&str> = a.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "SOPInstanceUID (0008,0018) is longer than 64 characters",
                "StudyInstanceUID (0020,000D) contains characters other than digits and dots",
            ]
        );
        assert!(a.warnings.iter().all(|w| w.code == warning::NONCONFORMANT_UID));
    }

    #[test]
    fn bytes_after_the_pixel_data_are_tolerated_but_a_cut_pixel_data_is_not() {
        let mut body = uids();
        body.extend(element(0x7FE0, 0x10, b"OB", &[7; 16], None));
        let mut with_garbage = file(&[], &body);
        with_garbage.extend_from_slice(b"not an element, and it declares a length far too long");
        let a = inspect(std::io::Cursor::new(with_garbage)).unwrap();
        assert_eq!(a.warnings.iter().map(|w| w.code).collect::<Vec<_>>(), [warning::TRAILING_BYTES]);

        let mut cut = file(&[], &body);
        cut.truncate(cut.len() - 4);
        assert!(matches!(inspect(std::io::Cursor::new(cut)), Err(DicomError::Truncated(_))));
    }
}
