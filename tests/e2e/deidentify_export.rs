//! `ferrum export --deidentify`: a patient with two studies written as a de-identified
//! DICOM file-set, to a folder and to a ZIP. Every byte of every file (DICOMDIR and
//! manifest included) is searched for each identifying value, original UID and hash of an
//! original file; dcmtk and pydicom read the DICOMDIR; the pixels are the originals'.
use std::collections::BTreeSet;

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::archive::{check_with_tools, exports_of, read_tree};
use crate::deidentify::*;
use crate::fixtures::*;
use crate::harness::app;

const PATIENT: &str = "MRN-5550123";

fn assert_free_of(files: &std::collections::BTreeMap<String, Vec<u8>>, needles: &[String]) {
    for (name, bytes) in files {
        for needle in needles {
            assert!(!contains(bytes, needle), "{name} holds the original value {needle:?}");
            assert!(!contains(name.as_bytes(), needle), "the name {name} holds {needle:?}");
        }
    }
}

/// Checks one de-identified export of the patient; answers its new SOP Instance UIDs.
fn check_export(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    originals: &[InMemDicomObject],
    needles: &[String],
) -> (BTreeSet<String>, String) {
    assert_free_of(files, needles);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["deidentified"]["left_out"]["burned_in_annotation"], 2, "{manifest}");
    let patients = manifest["patients"].as_array().unwrap();
    assert_eq!(patients.len(), 1, "one patient, one pseudonym: {manifest}");
    let pseudonym = patients[0]["patient_id"].as_str().unwrap().to_owned();
    assert!(pseudonym.starts_with("ANON-"), "{pseudonym}");
    assert_eq!(manifest["scope"]["patient_id"], pseudonym.as_str());
    assert_eq!(patients[0]["studies"].as_array().unwrap().len(), 2);
    for study in patients[0]["studies"].as_array().unwrap() {
        assert!(study.get("uploaded_by").is_none() && study.get("uploaded_at").is_none(), "{study}");
        let date = study["study_date"].as_str().unwrap();
        assert!(date.len() == 8 && date < "20230911", "dates move back: {date}");
    }
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), 6, "three of each study; the burned-in ones left out");
    let mut sops = BTreeSet::new();
    let mut written_pixels = Vec::new();
    for f in listed {
        let bytes = &files[f["path"].as_str().unwrap()];
        assert_eq!(f["sha256"], hex::encode(Sha256::digest(bytes)), "the manifest hashes the file written");
        dcmdump_accepts(bytes);
        let file = dicom_object::OpenFileOptions::new().from_reader(&bytes[128..]).expect("valid Part-10");
        assert_eq!(text(&file, tags::PATIENT_ID), pseudonym, "same patient, same pseudonym");
        assert_eq!(text(&file, tags::SOP_INSTANCE_UID), f["sop_instance_uid"].as_str().unwrap());
        assert_eq!(text(&file, tags::STUDY_INSTANCE_UID), f["study_instance_uid"].as_str().unwrap());
        assert_eq!(text(&file, tags::PATIENT_IDENTITY_REMOVED), "YES");
        written_pixels.push(pixels(&file));
        sops.insert(f["sop_instance_uid"].as_str().unwrap().to_owned());
    }
    let mut original_pixels: Vec<Vec<u8>> =
        originals.iter().filter(|o| text(o, tags::BURNED_IN_ANNOTATION) != "YES").map(pixels).collect();
    original_pixels.sort();
    written_pixels.sort();
    assert_eq!(written_pixels, original_pixels, "the pixels are the originals'");
    assert_eq!(sops.len(), 6);
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    check_with_tools(dir.path(), &manifest);
    (sops, pseudonym)
}

#[tokio::test]
async fn a_deidentified_export_holds_no_original_value_in_any_file_and_is_a_valid_file_set() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let quincy = app.add_user(UPLOADER, "radiologist").await;
    let studies = [uids_at("1.2.826.0.1.3680043.10.1137.5151"), uids_at("1.2.826.0.1.3680043.10.1137.5252")];
    let mut needles: Vec<String> = IDENTIFYING.iter().map(|s| (*s).to_owned()).collect();
    let mut originals = Vec::new();
    for u in &studies {
        needles.extend([u.study.clone(), u.series[0].clone(), u.series[1].clone(), u.frame_of_reference.clone()]);
        needles.extend(u.sops.iter().cloned());
        for n in 0..4 {
            let obj = identified(u, n);
            let bytes = encode(obj.clone(), &u.sops[n]);
            needles.push(hex::encode(Sha256::digest(&bytes)));
            let (status, body) = app.upload_as(&quincy, "application/dicom", bytes).await;
            assert_eq!(status, 201, "{body}");
            originals.push(obj);
        }
    }
    let out = tempfile::tempdir().unwrap();

    let folder = out.path().join("patient");
    let mut dir_arg = folder.clone().into_os_string();
    dir_arg.push("/");
    let run =
        app.command().args(["export", "--patient", PATIENT, "--deidentify", "--out"]).arg(&dir_arg).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let summary: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        (summary["studies"].as_u64(), summary["instances"].as_u64(), summary["left_out_burned_in"].as_u64()),
        (Some(2), Some(6), Some(2)),
        "{summary}"
    );
    let (first, first_pseudonym) = check_export(&read_tree(&folder), &originals, &needles);

    let zip = out.path().join("patient.zip");
    let run = app.command().args(["export", "--patient", PATIENT, "--deidentify", "--out"]).arg(&zip).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let (second, second_pseudonym) = check_export(&unzip(&std::fs::read(&zip).unwrap()), &originals, &needles);
    assert!(first.is_disjoint(&second), "two exports, two sets of UIDs");
    assert_ne!(first_pseudonym, second_pseudonym, "and unrelated pseudonyms");

    // Asked for, the burned-in objects are written too (de-identified headers).
    let kept = out.path().join("kept.zip");
    let run = app
        .command()
        .args(["export", "--study", &studies[0].study, "--deidentify", "--keep-burned-in", "--out"])
        .arg(&kept)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let files = unzip(&std::fs::read(&kept).unwrap());
    assert_free_of(&files, &needles);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["files"].as_array().unwrap().len(), 4);
    assert!(manifest["scope"]["study_instance_uid"].as_str().unwrap().starts_with("2.25."));
    let run = app
        .command()
        .args(["export", "--study", &studies[0].study, "--keep-burned-in", "--out", "z.zip"])
        .output()
        .unwrap();
    assert!(!run.status.success(), "--keep-burned-in only with --deidentify");

    // Audited as the service, marked de-identified.
    let events = exports_of(&app, &studies[0].study).await;
    let deidentified: Vec<&Value> = events.iter().filter(|e| e["detail"]["deidentified"] == true).collect();
    assert_eq!(deidentified.len(), 3, "{events:?}");
    assert!(deidentified.iter().all(|e| e["actor"] == "system" && e["detail"]["via"] == "cli"));
    assert_eq!(exports_of(&app, &studies[1].study).await.len(), 2);
}
