//! The real-world quirks corpus (tests/real-world-corpus, made by
//! scripts/make_quirks_corpus.py) through the real server: each file uploaded on its own gets
//! the outcome its manifest states (stored with exactly the listed warnings, or rejected with
//! the listed reason); what is stored comes back byte for byte, renders, has a thumbnail, and
//! its study opens by its UID however odd the UID is, with the warnings on its instance.
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixtures::zip_of;
use crate::harness::{app, TestApp, ADMIN_PASSWORD};
use crate::webdriver::Browser;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real-world-corpus")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.json")).expect("the corpus manifest");
    serde_json::from_str::<Value>(&text).unwrap()["files"].as_array().unwrap().clone()
}

/// Percent-encodes a path segment: everything but the unreserved characters of RFC 3986.
fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn codes(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .map(|l| l.iter().map(|w| w["code"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

fn expected_codes(expect: &Value) -> BTreeSet<String> {
    expect["warnings"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect()
}

async fn status_and_bytes(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app.get(path).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_quirk_of_the_corpus_gets_its_manifest_outcome_and_what_is_stored_opens_and_renders() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let mut failures = Vec::new();
    for entry in manifest() {
        let name = entry["file"].as_str().unwrap();
        let expect = &entry["expect"];
        let bytes = std::fs::read(corpus_dir().join(name)).unwrap();
        let (status, report) = app.upload("application/dicom", bytes.clone()).await;
        let line = &report["files"][0];
        if expect["status"] == "rejected" {
            let reason = line["reason"].as_str().unwrap_or_default();
            if status != 422 || line["status"] != "rejected" || !reason.contains(expect["reason"].as_str().unwrap()) {
                failures.push(format!("{name}: expected rejected ({}), got {status} {line}", expect["reason"]));
            }
            continue;
        }
        if status != 201 || line["status"] != "stored" {
            failures.push(format!("{name}: expected stored, got {status} {report}"));
            continue;
        }
        if codes(&line["warnings"]) != expected_codes(expect) {
            failures.push(format!(
                "{name}: upload warnings {}, expected {:?}",
                line["warnings"],
                expected_codes(expect)
            ));
        }
        let sop = line["sop_instance_uid"].as_str().unwrap().to_owned();
        let study_uid = line["study_instance_uid"].as_str().unwrap().to_owned();

        // The study opens by its UID (percent-encoded in the path), with the instance's
        // warnings and the transfer syntax that was declared or detected.
        let (status, study) = app.get_json(&format!("/api/studies/{}", seg(&study_uid))).await;
        if status != 200 {
            failures.push(format!("{name}: the study {study_uid:?} answers {status}"));
            continue;
        }
        let found = study["series"].as_array().unwrap().iter().find_map(|s| {
            let i = s["instances"].as_array()?.iter().find(|i| i["sop_instance_uid"] == sop.as_str())?;
            Some((s["series_instance_uid"].as_str().unwrap().to_owned(), i.clone()))
        });
        let Some((series_uid, instance)) = found else {
            failures.push(format!("{name}: instance {sop:?} not in its study {study}"));
            continue;
        };
        if codes(&instance["warnings"]) != expected_codes(expect) {
            failures.push(format!("{name}: catalogued warnings {}", instance["warnings"]));
        }
        if instance["transfer_syntax_uid"] != expect["transfer_syntax"] {
            failures.push(format!("{name}: catalogued transfer syntax {}", instance["transfer_syntax_uid"]));
        }
        if let Some(want) = expect["patient_name"].as_str() {
            if study["patient_name"] != want {
                failures.push(format!("{name}: patient name {}, expected {want:?}", study["patient_name"]));
            }
        }

        let (status, _, stored) = status_and_bytes(&app, &format!("/api/instances/{}/file", seg(&sop))).await;
        if status != 200 || stored != bytes {
            failures.push(format!("{name}: the stored object does not come back byte for byte ({status})"));
        }
        let (status, ct, _) =
            status_and_bytes(&app, &format!("/api/instances/{}/rendered?format=png", seg(&sop))).await;
        if status != 200 || ct != "image/png" {
            failures.push(format!("{name}: rendering answers {status} {ct}"));
        }
        let (status, ct, _) = status_and_bytes(&app, &format!("/api/series/{}/thumbnail", seg(&series_uid))).await;
        if status != 200 || !ct.starts_with("image/") {
            failures.push(format!("{name}: the series thumbnail answers {status} {ct}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let log = app.log_text();
    assert!(!log.contains("Quirk^Case"), "patient names never reach the log");
}

#[tokio::test]
async fn a_zip_of_the_corpus_skips_the_text_and_its_archives_keep_odd_uids_inside_the_archive() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let files: Vec<(String, Vec<u8>)> = manifest()
        .iter()
        .map(|e| {
            let name = e["file"].as_str().unwrap().to_owned();
            let bytes = std::fs::read(corpus_dir().join(&name)).unwrap();
            (name, bytes)
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (status, report) = app.upload("application/zip", zip_of(&entries)).await;
    assert_eq!(status, 201, "{report}");
    let line = |name: &str| report["files"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap().clone();
    assert_eq!(line("not-dicom.txt")["status"], "skipped", "inside an archive a non-DICOM file is skipped");
    assert_eq!(line("no-meta-implicit-be.dcm")["status"], "skipped");
    let stored = manifest().iter().filter(|e| e["expect"]["status"] == "stored").count();
    assert_eq!(report["stored"], stored, "{report}");

    // The UIDs of this study hold '/', '%', '?', '#' and a leading '../'.
    let odd = line("uid-url-characters.dcm");
    let study_uid = odd["study_instance_uid"].as_str().unwrap();
    let r = app.get(&format!("/api/studies/{}/archive", seg(study_uid))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
    let filename = disposition.split('"').nth(1).unwrap_or_default();
    assert!(
        filename.starts_with("study-") && filename.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
        "{disposition}"
    );
    let body = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        assert!(entry.enclosed_name().is_some(), "{} leaves the archive", entry.name());
        names.push(entry.name().to_owned());
        if entry.name() == "manifest.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            let m: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                m["files"][0]["sop_instance_uid"], odd["sop_instance_uid"],
                "the manifest keeps the UID as sent"
            );
        }
    }
    assert_eq!(names.len(), 3, "the object, DICOMDIR and manifest.json: {names:?}");
    assert!(names.iter().all(|n| !n.split('/').any(|part| part == ".." || part.is_empty())), "{names:?}");
}

#[tokio::test]
async fn the_study_page_of_an_image_with_odd_uids_opens_and_shows_its_warnings() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let bytes = std::fs::read(corpus_dir().join("uid-url-characters.dcm")).unwrap();
    let (status, report) = app.upload("application/dicom", bytes).await;
    assert_eq!(status, 201, "{report}");
    let study_uid = report["files"][0]["study_instance_uid"].as_str().unwrap().to_owned();

    let mut browser = Browser::launch("real-world-warnings").await;
    browser.goto(&app.url("/")).await;
    browser.fill("#username", "admin").await;
    browser.fill("#password", ADMIN_PASSWORD).await;
    browser.click("#login-submit").await;
    browser.until("the study list", "return location.hash.startsWith('#/studies')", vec![]).await;
    browser
        .until("the list loaded", "return document.querySelector('#study-list tr.study-row') !== null", vec![])
        .await;
    browser
        .js("location.hash = '#/studies/' + encodeURIComponent(arguments[0]); return null;", vec![study_uid.into()])
        .await;
    let badge = browser
        .until(
            "the series card's warning badge",
            "const b = document.querySelector('.series-card .badge.warning'); return b && b.textContent;",
            vec![],
        )
        .await;
    assert_eq!(badge, "⚠ 1 with warnings");
    let listed = browser
        .until(
            "the list of images with warnings",
            "const w = document.querySelector('#study-warnings'); return w && w.textContent;",
            vec![],
        )
        .await;
    let listed = listed.as_str().unwrap();
    assert!(listed.contains("nonconformant_uid") && listed.contains("SOPInstanceUID (0008,0018)"), "{listed}");
    // The series' thumbnail loaded through its percent-encoded UID.
    browser
        .until(
            "the series thumbnail",
            "const i = document.querySelector('.series-card img'); return i && i.complete && i.naturalWidth > 0;",
            vec![],
        )
        .await;
    browser.screenshot("study-with-warnings").await;
    browser.close().await;
}
