//! Rectification over HTTP: the served objects and the catalog agree afterwards (every
//! instance downloaded, parsed and compared with the study JSON), the pixels are the same,
//! the old objects are deleted after the grace period, the audit event names the attributes
//! and never their values, and only admins may do it. The study is made of render-corpus
//! files in big endian, deflated, implicit VR, encapsulated, JPEG and RLE encodings.
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

const CORPUS: [&str; 6] = [
    "rtdose_u32_big_endian.dcm",
    "ct_deflated.dcm",
    "double_pixel_data.dcm",
    "encapsulated_uncompressed.dcm",
    "jpeg_baseline_grey.dcm",
    "rle_u32.dcm",
];

fn corpus_file(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render-corpus").join(name)).unwrap()
}

fn object_path(app: &TestApp, sha: &str) -> std::path::PathBuf {
    app.dicom_blob_dir().join(&sha[..2]).join(&sha[2..4]).join(format!("{sha}.dcm"))
}

async fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while !done() {
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

async fn patch(app: &TestApp, token: &str, study: &str, body: Value) -> (u16, Value) {
    let r = app.client.patch(app.url(&format!("/api/studies/{study}"))).bearer_auth(token).json(&body);
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn bytes(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let r = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.bytes().await.unwrap().to_vec()
}

fn instances(study: &Value) -> Vec<Value> {
    study["series"].as_array().unwrap().iter().flat_map(|s| s["instances"].as_array().unwrap().clone()).collect()
}

/// Every served object parses, hashes to what the catalog says and holds the study JSON's
/// patient and study fields.
async fn files_agree_with_catalog(app: &TestApp, token: &str, study: &Value) {
    for i in instances(study) {
        let sop = i["sop_instance_uid"].as_str().unwrap();
        let file = bytes(app, token, &format!("/api/instances/{sop}/file")).await;
        assert_eq!(hex::encode(Sha256::digest(&file)), i["sha256"].as_str().unwrap(), "{sop}: hash");
        assert_eq!(file.len() as u64, i["size_bytes"].as_u64().unwrap(), "{sop}: size");
        let a = ferrum_dicom::inspect(std::io::Cursor::new(&file)).unwrap().attributes;
        assert_eq!(a.instance.transfer_syntax_uid, i["transfer_syntax_uid"].as_str().unwrap(), "{sop}");
        let field = |name: &str| study[name].as_str().map(str::to_owned);
        assert_eq!(a.patient.patient_name, field("patient_name"), "{sop}");
        assert_eq!(a.patient.patient_id, field("patient_id"), "{sop}");
        assert_eq!(a.patient.patient_birth_date, field("patient_birth_date"), "{sop}");
        assert_eq!(a.patient.patient_sex, field("patient_sex"), "{sop}");
        assert_eq!(a.study.accession_number, field("accession_number"), "{sop}");
        assert_eq!(a.study.study_description, field("study_description"), "{sop}");
    }
}

#[tokio::test]
async fn rectifying_a_study_rewrites_every_object_in_its_own_encoding_and_the_catalog_with_it() {
    let app = app()
        .env("FERRUM_BLOB_DELETE_GRACE_SECS", "1")
        .env("FERRUM_AUDIT_COALESCE_SECS", "0")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let admin = app.token().to_owned();
    let owner = app.add_user("owner", "radiologist").await;
    let files: Vec<(String, Vec<u8>)> = CORPUS.iter().map(|n| (n.to_string(), corpus_file(n))).collect();
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (status, report) = app.upload_as(&owner, "application/zip", zip_of(&entries)).await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["stored"], 6, "{report}");
    let uid = report["studies"][0]["study_instance_uid"].as_str().unwrap().to_owned();
    let (_, before) = app.get_json(&format!("/api/studies/{uid}")).await;
    let mut pictures = Vec::new();
    for i in instances(&before) {
        let sop = i["sop_instance_uid"].as_str().unwrap();
        pictures.push(bytes(&app, &admin, &format!("/api/instances/{sop}/rendered?format=png")).await);
    }

    // Only admins; the body's names and values are checked before anything is written.
    let good = json!({
        "patient_name": "Rectified^Person^Q",
        "patient_id": "NEWID-4711",
        "patient_birth_date": "19700315",
        "patient_sex": "F",
        "accession_number": "ACCNEW99",
        "study_description": "Corrected study text",
    });
    assert_eq!(patch(&app, &owner, &uid, good.clone()).await.0, 403);
    assert_eq!(patch(&app, &admin, "1.2.3.404", good.clone()).await.0, 404);
    let (status, body) = patch(&app, &admin, &uid, json!({"patient_age": "040Y"})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{body}");
    let (status, body) = patch(&app, &admin, &uid, json!({"patient_sex": "unknown"})).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid_value")), "{body}");
    assert!(!body["message"].as_str().unwrap().contains("unknown"), "the value is not echoed: {body}");
    let (status, body) = patch(&app, &admin, &uid, json!({"patient_birth_date": "1970-03-15"})).await;
    assert_eq!(status, 422, "{body}");
    let (_, unchanged) = app.get_json(&format!("/api/studies/{uid}")).await;
    assert_eq!(instances(&unchanged), instances(&before), "refusals wrote nothing");

    let (status, done) = patch(&app, &admin, &uid, good).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["instances"], 6);
    assert_eq!(done["attributes"].as_array().unwrap().len(), 6);

    let (_, after) = app.get_json(&format!("/api/studies/{uid}")).await;
    assert_eq!(after["patient_name"], "Rectified^Person^Q");
    assert_eq!(after["patient_id"], "NEWID-4711");
    assert_eq!(after["patient_birth_date"], "19700315");
    assert_eq!(after["patient_sex"], "F");
    assert_eq!(after["accession_number"], "ACCNEW99");
    assert_eq!(after["study_description"], "Corrected study text");
    files_agree_with_catalog(&app, &admin, &after).await;
    for (i, (old, new)) in instances(&before).iter().zip(instances(&after)).enumerate() {
        assert_ne!(old["sha256"], new["sha256"], "a new version of each object");
        assert_eq!(old["transfer_syntax_uid"], new["transfer_syntax_uid"]);
        let sop = new["sop_instance_uid"].as_str().unwrap();
        let picture = bytes(&app, &admin, &format!("/api/instances/{sop}/rendered?format=png")).await;
        assert!(picture == pictures[i], "{sop}: the same pixels");
    }
    // The search finds the new name.
    let (_, found) = app.get_json("/api/studies?patient_name=rectified*").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    let series = after["series"][0]["series_instance_uid"].as_str().unwrap();
    let r = app.client.get(app.url(&format!("/api/series/{series}/thumbnail"))).bearer_auth(&admin);
    assert_eq!(r.send().await.unwrap().status(), 200);

    // The old objects go after the grace period; the new ones stay.
    let old: Vec<String> = instances(&before).iter().map(|i| i["sha256"].as_str().unwrap().to_owned()).collect();
    let new: Vec<String> = instances(&after).iter().map(|i| i["sha256"].as_str().unwrap().to_owned()).collect();
    assert!(
        within(Duration::from_secs(30), || old.iter().all(|s| !object_path(&app, s).exists())).await,
        "the old versions are deleted"
    );
    assert!(new.iter().all(|s| object_path(&app, s).exists()), "the new versions stay");

    // One event, naming the attributes; no value, old or new, anywhere on the trail.
    let (_, trail) = app.get_json(&format!("/api/audit?action=rectify_study&outcome=allowed&study_uid={uid}")).await;
    let events = trail["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{trail}");
    assert_eq!(events[0]["actor"], "user:admin");
    let mut named: Vec<&str> =
        events[0]["detail"]["attributes"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    named.sort();
    assert_eq!(
        named,
        ["accession_number", "patient_birth_date", "patient_id", "patient_name", "patient_sex", "study_description"]
    );
    let (_, everything) = app.get_json("/api/audit?limit=1000").await;
    let text = everything.to_string();
    for value in [
        before["patient_name"].as_str().unwrap(),
        before["patient_id"].as_str().unwrap(),
        "Rectified",
        "NEWID-4711",
        "19700315",
        "ACCNEW99",
        "Corrected study",
    ] {
        assert!(!text.contains(value), "{value} is on the audit trail");
    }
}

#[tokio::test]
async fn two_rectifications_at_once_leave_the_objects_and_the_catalog_agreeing() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let specs: Vec<Spec> = (1..=4).map(|n| Spec::new(3300, 1 + n % 2, n).size(16)).collect();
    let files: Vec<Vec<u8>> = specs.iter().map(dicom).collect();
    let names: Vec<String> = (0..files.len()).map(|n| format!("f{n}.dcm")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(files.iter().map(Vec::as_slice)).collect();
    assert_eq!(app.upload("application/zip", zip_of(&entries)).await.0, 201);
    let study = specs[0].study.clone();
    let (a, b) = tokio::join!(
        patch(&app, &admin, &study, json!({"study_description": "First correction"})),
        patch(&app, &admin, &study, json!({"study_description": "Second correction", "patient_sex": "M"})),
    );
    for (status, body) in [&a, &b] {
        assert!(*status == 200 || *status == 409, "{status} {body}");
    }
    assert!(a.0 == 200 || b.0 == 200, "one of them at least: {a:?} {b:?}");
    let (_, after) = app.get_json(&format!("/api/studies/{study}")).await;
    assert_eq!(instances(&after).len(), 4);
    files_agree_with_catalog(&app, &admin, &after).await;
}
