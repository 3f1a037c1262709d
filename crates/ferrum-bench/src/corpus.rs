//! Uncompressed 512×512 16-bit CT instances (~0.5 MB each), made in memory, with the header a
//! CT scanner writes (character set, rescale, window, patient and study fields), or read from
//! a folder of files made elsewhere.
use std::io::Write;

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

/// One CT slice of study `study` (50 slices a series, 4 series a study), with a noisy
/// phantom so that no two slices are alike.
pub fn ct_instance(run: u64, index: u32, size: u16) -> Vec<u8> {
    ct_instance_in(run, index, size, index / 200, (index / 50) % 4)
}

/// Slice `index` of one large study: all in study 0, 500 slices a series.
pub fn ct_instance_one_study(run: u64, index: u32, size: u16) -> Vec<u8> {
    ct_instance_in(run, index, size, 0, index / 500)
}

/// Slice `index` of series `series` of study `study` (UIDs `2.25.{run}.{study}.{series}.{index}`).
pub fn ct_instance_in(run: u64, index: u32, size: u16, study: u32, series: u32) -> Vec<u8> {
    ct_instance_as(run, index, size, study, series, false)
}

/// Like [`ct_instance_in`], its pixels as 8-bit JPEG baseline (1.2.840.10008.1.2.4.50,
/// quality 90, one fragment) when `jpeg`, as a modality that compresses at the source writes.
pub fn ct_instance_as(run: u64, index: u32, size: u16, study: u32, series: u32, jpeg: bool) -> Vec<u8> {
    let root = format!("2.25.{run}");
    let study_uid = format!("{root}.{study}");
    let series_uid = format!("{study_uid}.{series}");
    let sop_uid = format!("{series_uid}.{index}");
    let mut obj = InMemDicomObject::new_empty();
    let mut s = |tag, vr, v: String| {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    };
    s(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE.into());
    s(tags::SOP_INSTANCE_UID, VR::UI, sop_uid.clone());
    s(tags::STUDY_INSTANCE_UID, VR::UI, study_uid);
    s(tags::SERIES_INSTANCE_UID, VR::UI, series_uid);
    s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192".into());
    s(tags::PATIENT_NAME, VR::PN, format!("Bench^Patient{study}"));
    s(tags::PATIENT_ID, VR::LO, format!("BENCH{study:05}"));
    s(tags::PATIENT_BIRTH_DATE, VR::DA, "19700101".into());
    s(tags::PATIENT_SEX, VR::CS, "F".into());
    s(tags::STUDY_DATE, VR::DA, "20240101".into());
    s(tags::STUDY_TIME, VR::TM, "101010".into());
    s(tags::ACCESSION_NUMBER, VR::SH, format!("A{study:08}"));
    s(tags::STUDY_DESCRIPTION, VR::LO, "CT HEAD W/O CONTRAST".into());
    s(tags::SERIES_DESCRIPTION, VR::LO, format!("AX {series}"));
    s(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "REF^DOC".into());
    s(tags::STUDY_ID, VR::SH, study.to_string());
    s(tags::MODALITY, VR::CS, "CT".into());
    s(tags::SERIES_NUMBER, VR::IS, (series + 1).to_string());
    s(tags::INSTANCE_NUMBER, VR::IS, (index % 50 + 1).to_string());
    s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2".into());
    s(tags::RESCALE_INTERCEPT, VR::DS, "-1024".into());
    s(tags::RESCALE_SLOPE, VR::DS, "1".into());
    s(tags::WINDOW_CENTER, VR::DS, "40".into());
    s(tags::WINDOW_WIDTH, VR::DS, "400".into());
    let (allocated, stored) = if jpeg { (8, 8) } else { (16, 12) };
    for (tag, v) in [
        (tags::SAMPLES_PER_PIXEL, 1u16),
        (tags::ROWS, size),
        (tags::COLUMNS, size),
        (tags::BITS_ALLOCATED, allocated),
        (tags::BITS_STORED, stored),
        (tags::HIGH_BIT, stored - 1),
        (tags::PIXEL_REPRESENTATION, 0),
    ] {
        obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    }
    let n = usize::from(size) * usize::from(size);
    let mut state = (u64::from(index) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut pixels = Vec::with_capacity(n * 2);
    for i in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let (x, y) = ((i % usize::from(size)) as i32, (i / usize::from(size)) as i32);
        let c = i32::from(size) / 2;
        let inside = (x - c) * (x - c) + (y - c) * (y - c) < c * c * 3 / 4;
        // Stored values: 1024 + HU (rescale intercept -1024), soft tissue inside, air outside.
        let v: u16 = if inside { 1064 + (state % 60) as u16 } else { 24 + (state % 8) as u16 };
        if jpeg {
            // Window 40/400 of the stored value, as 8 bits.
            pixels.push(((i32::from(v) - 1024 + 160).clamp(0, 400) * 255 / 400) as u8);
        } else {
            pixels.extend_from_slice(&v.to_le_bytes());
        }
    }
    let transfer_syntax = if jpeg {
        let mut bitstream = Vec::with_capacity(n / 4);
        jpeg_encoder::Encoder::new(&mut bitstream, 90)
            .encode(&pixels, size, size, jpeg_encoder::ColorType::Luma)
            .expect("JPEG encoding");
        if bitstream.len() % 2 == 1 {
            bitstream.push(0);
        }
        let fragments = PixelFragmentSequence::new(vec![0u32], vec![bitstream]);
        obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, Value::PixelSequence(fragments)));
        for (tag, v) in [(tags::RESCALE_INTERCEPT, "0"), (tags::WINDOW_CENTER, "128"), (tags::WINDOW_WIDTH, "256")] {
            obj.put(DataElement::new(tag, VR::DS, PrimitiveValue::from(v)));
        }
        "1.2.840.10008.1.2.4.50"
    } else {
        obj.put(DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::from(pixels)));
        "1.2.840.10008.1.2.1"
    };
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(transfer_syntax)
                .media_storage_sop_class_uid(CT_IMAGE)
                .media_storage_sop_instance_uid(sop_uid),
        )
        .expect("file meta");
    let mut out = Vec::with_capacity(n * 2 + 1024);
    file.write_all(&mut out).expect("encode");
    out
}

/// Writes `count` instances into a ZIP (stored, not deflated: DICOM archives from modalities
/// mostly are, and it keeps generation fast). Answers the total of entry bytes.
pub fn write_zip(path: &std::path::Path, run: u64, first: u32, count: u32, size: u16) -> anyhow::Result<u64> {
    write_zip_of(path, run, first, count, size, ct_instance)
}

/// Like [`write_zip`], with the instances `make` writes.
pub fn write_zip_of(
    path: &std::path::Path,
    run: u64,
    first: u32,
    count: u32,
    size: u16,
    make: fn(u64, u32, u16) -> Vec<u8>,
) -> anyhow::Result<u64> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut zip = zip::ZipWriter::new(file);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(false);
    let mut total = 0;
    for i in first..first + count {
        let bytes = make(run, i, size);
        zip.start_file(format!("study/series/IM{i:06}.dcm"), options)?;
        zip.write_all(&bytes)?;
        total += bytes.len() as u64;
    }
    zip.finish()?.flush()?;
    Ok(total)
}

/// The first `limit` files under `dir` (recursively, in path order), e.g. a corpus written by
/// a generator of DICOM studies elsewhere.
pub fn load_dir(dir: &std::path::Path, limit: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files.truncate(limit);
    files.into_iter().map(|p| Ok(std::fs::read(p)?)).collect()
}
