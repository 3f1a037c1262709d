//! Test objects built in code: DICOM files with chosen attributes, and ZIP archives.
use std::io::Write;
use std::path::{Path, PathBuf};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use zip::write::SimpleFileOptions;

pub const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
pub const ROOT: &str = "1.2.826.0.1.3680043.10.1137.77";

/// The attributes a test cares about; the rest are fixed.
#[derive(Clone)]
pub struct Spec {
    pub study: String,
    pub series: String,
    pub sop: String,
    pub patient_name: String,
    pub patient_id: String,
    pub study_date: String,
    pub modality: String,
    pub accession: String,
    pub description: String,
    /// Changes the pixel values, so that the same UIDs can carry different content.
    pub seed: u8,
    /// Rows and columns of the 8-bit image.
    pub size: u16,
}

impl Spec {
    pub fn new(study: u32, series: u32, instance: u32) -> Spec {
        Spec {
            study: format!("{ROOT}.{study}"),
            series: format!("{ROOT}.{study}.{series}"),
            sop: format!("{ROOT}.{study}.{series}.{instance}"),
            patient_name: "Test^Patient".into(),
            patient_id: format!("PID{study}"),
            study_date: "20240102".into(),
            modality: "CT".into(),
            accession: format!("A{study}"),
            description: "Test study".into(),
            seed: 0,
            size: 8,
        }
    }

    pub fn name(mut self, n: &str) -> Self {
        self.patient_name = n.into();
        self
    }
    pub fn date(mut self, d: &str) -> Self {
        self.study_date = d.into();
        self
    }
    pub fn size(mut self, s: u16) -> Self {
        self.size = s;
        self
    }
    pub fn seed(mut self, s: u8) -> Self {
        self.seed = s;
        self
    }
}

pub fn object(spec: &Spec) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    let mut s = |tag, vr, v: &str| {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    };
    s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    s(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE);
    s(tags::SOP_INSTANCE_UID, VR::UI, &spec.sop);
    s(tags::STUDY_INSTANCE_UID, VR::UI, &spec.study);
    s(tags::SERIES_INSTANCE_UID, VR::UI, &spec.series);
    s(tags::PATIENT_NAME, VR::PN, &spec.patient_name);
    s(tags::PATIENT_ID, VR::LO, &spec.patient_id);
    s(tags::STUDY_DATE, VR::DA, &spec.study_date);
    s(tags::MODALITY, VR::CS, &spec.modality);
    s(tags::ACCESSION_NUMBER, VR::SH, &spec.accession);
    s(tags::STUDY_DESCRIPTION, VR::LO, &spec.description);
    s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    obj.put(DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)));
    obj.put(DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(spec.size)));
    obj.put(DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(spec.size)));
    obj.put(DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(8u16)));
    obj.put(DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(8u16)));
    obj.put(DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(7u16)));
    obj.put(DataElement::new(tags::PIXEL_REPRESENTATION, VR::US, PrimitiveValue::from(0u16)));
    let n = usize::from(spec.size) * usize::from(spec.size);
    // Noise, as real images compress no better than a few to one.
    let mut state = 0x2545_f491_4f6c_dd1du64 ^ u64::from(spec.seed);
    let pixels: Vec<u8> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(pixels)));
    obj
}

/// Writes an object as a Part-10 file (explicit VR little endian).
pub fn encode(obj: InMemDicomObject, sop: &str) -> Vec<u8> {
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.1")
                .media_storage_sop_class_uid(CT_IMAGE)
                .media_storage_sop_instance_uid(sop),
        )
        .expect("meta");
    let mut out = Vec::new();
    file.write_all(&mut out).expect("encode");
    out
}

pub fn dicom(spec: &Spec) -> Vec<u8> {
    encode(object(spec), &spec.sop)
}

/// A ZIP of (name, bytes) entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Marks every entry of an archive as encrypted (general purpose bit 0 in the local and
/// central headers), as a password-protected archive has it.
pub fn mark_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 10 < zip.len() {
        if zip[i..].starts_with(b"PK\x03\x04") {
            zip[i + 6] |= 1;
        } else if zip[i..].starts_with(b"PK\x01\x02") {
            zip[i + 8] |= 1;
        }
        i += 1;
    }
    zip
}

pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-dicom")
}

/// Every sample file, as (path relative to sample-dicom/, bytes), sorted.
pub fn samples() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let root = samples_dir();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

pub fn samples_zip() -> Vec<u8> {
    let files = samples();
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    zip_of(&entries)
}

/// A multipart/form-data body of (file name, bytes) parts; answers (content type, body).
pub fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "ferrum-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, data) in parts {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A STOW-RS body: `multipart/related; type="application/dicom"` of DICOM objects; answers
/// (content type, body).
pub fn related(objects: &[&[u8]]) -> (String, Vec<u8>) {
    let boundary = "ferrum-stow-boundary-3c9a";
    let mut body = Vec::new();
    for data in objects {
        write!(body, "--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").unwrap();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/related; type=\"application/dicom\"; boundary={boundary}"), body)
}

/// The files under `dir`, at any depth (none when it does not exist).
pub fn file_paths_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

/// How many files are under `dir`, at any depth (0 when it does not exist).
pub fn files_under(dir: &std::path::Path) -> usize {
    file_paths_under(dir).len()
}
