//! Inspects and renders every file of the real-world quirks corpus (tests/real-world-corpus,
//! made by scripts/make_quirks_corpus.py) and holds each to the outcome its manifest states:
//! stored with exactly the listed warning codes and transfer syntax, or rejected with the
//! listed reason. The end-to-end test `real_world` does the same through the server.
//!
//! Needs only the committed files: no Python at test time.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ferrum_dicom::render::{render_image, RenderOptions};
use ferrum_dicom::{inspect, DicomError};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/real-world-corpus")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.json")).expect("the corpus manifest");
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["files"].as_array().unwrap().clone()
}

fn codes(expect: &Value) -> BTreeSet<String> {
    expect["warnings"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect()
}

#[test]
fn every_quirk_gets_the_outcome_its_manifest_states() {
    let files = manifest();
    assert!(files.len() >= 20, "the corpus is there");
    let mut failures = Vec::new();
    for entry in &files {
        let name = entry["file"].as_str().unwrap();
        let expect = &entry["expect"];
        let file = std::fs::File::open(corpus_dir().join(name)).unwrap();
        let outcome = inspect(file);
        match (expect["status"].as_str().unwrap(), outcome) {
            ("stored", Ok(inspected)) => {
                let got: BTreeSet<String> = inspected.warnings.iter().map(|w| w.code.to_owned()).collect();
                if got != codes(expect) {
                    failures.push(format!("{name}: warnings {got:?}, expected {:?}", codes(expect)));
                }
                let ts = &inspected.attributes.instance.transfer_syntax_uid;
                if ts != expect["transfer_syntax"].as_str().unwrap() {
                    failures.push(format!("{name}: transfer syntax {ts}, expected {}", expect["transfer_syntax"]));
                }
                if let Some(want) = expect["patient_name"].as_str() {
                    let got = inspected.attributes.patient.patient_name.as_deref();
                    if got != Some(want) {
                        failures.push(format!("{name}: patient name {got:?}, expected {want:?}"));
                    }
                }
            }
            ("rejected", Err(e)) => {
                let reason = e.to_string();
                if !reason.contains(expect["reason"].as_str().unwrap()) {
                    failures.push(format!("{name}: rejected with {reason:?}, expected {}", expect["reason"]));
                }
            }
            (want, got) => failures.push(format!("{name}: expected {want}, got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_stored_quirk_renders_the_same_picture_as_its_conformant_twin() {
    // Every image of the corpus holds the same 16×16 pixels; long-sop-uid.dcm is a plain
    // explicit VR little endian Part-10 file apart from its UID.
    let reference =
        render_image(&std::fs::read(corpus_dir().join("long-sop-uid.dcm")).unwrap(), &RenderOptions::default())
            .expect("the reference renders");
    for entry in manifest().iter().filter(|e| e["expect"]["status"] == "stored") {
        let name = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(corpus_dir().join(name)).unwrap();
        let image = render_image(&bytes, &RenderOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((image.width, image.height), (16, 16), "{name}");
        assert_eq!(image.data, reference.data, "{name} renders differently");
    }
}

#[test]
fn every_file_pydicom_reads_is_stored_unless_the_manifest_says_why_not() {
    for entry in manifest() {
        let name = entry["file"].as_str().unwrap();
        if entry["pydicom_reads"] != true || entry.get("pydicom_differs").is_some() {
            continue;
        }
        let outcome = inspect(std::fs::File::open(corpus_dir().join(name)).unwrap());
        assert!(outcome.is_ok(), "pydicom reads {name} but Ferrum refuses it: {:?}", outcome.err());
    }
}

#[test]
fn a_bare_data_set_that_is_not_dicom_stays_not_dicom() {
    let text = std::io::Cursor::new(b"Scanned at the front desk; not an image.\n".to_vec());
    assert_eq!(inspect(text).unwrap_err(), DicomError::NotDicom);
    assert_eq!(inspect(std::io::Cursor::new(vec![0u8; 300])).unwrap_err(), DicomError::NotDicom);
}
