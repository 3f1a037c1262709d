//! Erasing studies, series and patients: rows, links and grants gone at once, the stored
//! objects and their thumbnails gone from the directory or bucket after the grace period,
//! the fact kept on the audit trail without the patient's name. And the outbox under
//! `FERRUM_CONFLICT_POLICY=overwrite`: a replaced object is deleted after the grace period,
//! never while an upload of the same bytes points at it again.
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn dicom_path(app: &TestApp, bytes: &[u8]) -> PathBuf {
    let sha = sha(bytes);
    app.dicom_blob_dir().join(&sha[..2]).join(&sha[2..4]).join(format!("{sha}.dcm"))
}

fn thumbs_of(app: &TestApp, bytes: &[u8]) -> PathBuf {
    app.blob_root().join("derived").join("thumb").join(sha(bytes))
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

async fn delete(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app.client.delete(app.url(path)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get_status(app: &TestApp, token: &str, path: &str) -> u16 {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap().status().as_u16()
}

/// Uploads `specs` as one ZIP with `token`; answers each file's bytes.
async fn upload(app: &TestApp, token: &str, specs: &[Spec]) -> Vec<Vec<u8>> {
    let files: Vec<Vec<u8>> = specs.iter().map(dicom).collect();
    let names: Vec<String> = (0..files.len()).map(|n| format!("f{n}.dcm")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(files.iter().map(Vec::as_slice)).collect();
    let (status, report) = app.upload_as(token, "application/zip", zip_of(&entries)).await;
    assert_eq!(status, 201, "{report}");
    files
}

async fn count(app: &TestApp, table: &str, study: &str) -> i64 {
    app.catalog_count(&format!("SELECT COUNT(*) FROM {table} WHERE study_uid = '{study}'")).await
}

fn app_with_short_grace() -> crate::harness::Builder {
    app().env("FERRUM_BLOB_DELETE_GRACE_SECS", "1").env("FERRUM_AUDIT_COALESCE_SECS", "0")
}

#[tokio::test]
async fn erasing_a_study_removes_rows_links_grants_thumbnails_and_blobs_and_keeps_the_fact() {
    let app = app_with_short_grace().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let owner = app.add_user("owner", "radiologist").await;
    app.add_user("reader", "radiologist").await;
    let specs: Vec<Spec> =
        [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)].iter().map(|&(s, n)| Spec::new(2100, s, n).size(16)).collect();
    let files = upload(&app, &owner, &specs).await;
    let kept = upload(&app, &owner, &[Spec::new(2101, 1, 1).size(16)]).await;
    let study = &specs[0].study;

    // Each series' thumbnail is made in the background.
    for series in [&specs[0].series, &specs[2].series, &specs[4].series] {
        assert_eq!(get_status(&app, &owner, &format!("/api/series/{series}/thumbnail")).await, 200);
    }
    let thumbs = app.blob_root().join("derived").join("thumb");
    assert!(within(Duration::from_secs(20), || files_under(&thumbs) >= 3).await, "thumbnails exist");
    let grant = json!({"grantee": "user:reader", "level": "read"});
    let r = app.client.put(app.url(&format!("/api/studies/{study}/grants"))).bearer_auth(&owner).json(&grant);
    assert_eq!(r.send().await.unwrap().status(), 200);
    let (status, link) = crate::links::create_link(&app, &owner, study, json!({})).await;
    assert_eq!(status, 201, "{link}");
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();

    let (status, erased) = delete(&app, &owner, &format!("/api/studies/{study}")).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased, json!({"studies": 1, "series": 3, "instances": 5, "blobs_released": 5}));

    assert_eq!(get_status(&app, &admin, &format!("/api/studies/{study}")).await, 404);
    assert_eq!(get_status(&app, &admin, &format!("/api/series/{}/thumbnail", specs[0].series)).await, 404);
    for s in &specs {
        assert_eq!(get_status(&app, &admin, &format!("/api/instances/{}/file", s.sop)).await, 404);
    }
    let v = app.client.get(app.url(&format!("/v/{token}"))).send().await.unwrap().status().as_u16();
    assert!(v == 404 || v == 410, "the link is dead: {v}");
    let shared = app.client.get(app.url(&format!("/api/share/{token}/study"))).send().await.unwrap();
    assert!(matches!(shared.status().as_u16(), 404 | 410));
    for table in ["studies", "series", "instances", "links", "study_grants"] {
        assert_eq!(count(&app, table, study).await, 0, "rows of the study left in {table}");
    }
    assert_eq!(delete(&app, &owner, &format!("/api/studies/{study}")).await.0, 404, "gone is gone");

    // After the grace period the objects and their thumbnails are gone; the other study's stay.
    let gone = within(Duration::from_secs(30), || {
        files.iter().all(|f| !dicom_path(&app, f).exists() && files_under(&thumbs_of(&app, f)) == 0)
    })
    .await;
    assert!(gone, "the study's objects are deleted after the grace period");
    assert!(dicom_path(&app, &kept[0]).exists(), "another study's object stays");
    assert_eq!(files_under(&app.dicom_blob_dir()), 1);
    assert_eq!(app.catalog_count("SELECT COUNT(*) FROM blob_outbox").await, 0, "the outbox is drained");

    let trail = app
        .client
        .get(app.url("/api/audit?action=erase_study&outcome=allowed"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let text = trail.text().await.unwrap();
    assert!(!text.contains("Test^Patient") && !text.contains("PID2100"), "no patient name or ID: {text}");
    let trail: Value = serde_json::from_str(&text).unwrap();
    let events = trail["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{trail}");
    let e = &events[0];
    assert_eq!(
        (e["actor"].as_str(), e["outcome"].as_str(), e["study_uid"].as_str()),
        (Some("user:owner"), Some("allowed"), Some(study.as_str()))
    );
    assert_eq!(e["detail"]["instances"], 5);
    assert_eq!(e["detail"]["blobs_released"], 5);
    let earlier: Value = app.get_json(&format!("/api/audit?study_uid={study}&action=upload")).await.1;
    assert!(!earlier["items"].as_array().unwrap().is_empty(), "the study's earlier events stay");
}

#[tokio::test]
async fn a_series_erase_keeps_the_rest_and_a_patients_erase_takes_every_study_of_the_id() {
    let app = app_with_short_grace().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let owner = app.add_user("owner", "radiologist").await;
    let reader = app.add_user("reader", "radiologist").await;
    let stranger = app.add_user("stranger", "radiologist").await;
    let specs = [Spec::new(2200, 1, 1).size(16), Spec::new(2200, 2, 1).size(16)];
    let files = upload(&app, &owner, &specs).await;
    let grant = json!({"grantee": "user:reader", "level": "read"});
    let r =
        app.client.put(app.url(&format!("/api/studies/{}/grants", specs[0].study))).bearer_auth(&owner).json(&grant);
    assert_eq!(r.send().await.unwrap().status(), 200);

    let series = format!("/api/series/{}", specs[0].series);
    assert_eq!(delete(&app, &reader, &series).await.0, 403, "a reader may not erase");
    assert_eq!(delete(&app, &stranger, &series).await.0, 404, "a stranger does not see it");
    assert_eq!(delete(&app, &reader, &format!("/api/studies/{}", specs[0].study)).await.0, 403);
    assert_eq!(delete(&app, &stranger, &format!("/api/studies/{}", specs[0].study)).await.0, 404);
    let (status, erased) = delete(&app, &owner, &series).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased, json!({"studies": 0, "series": 1, "instances": 1, "blobs_released": 1}));
    let (_, study) = app.get_json(&format!("/api/studies/{}", specs[0].study)).await;
    assert_eq!(study["series"].as_array().unwrap().len(), 1, "{study}");
    assert!(within(Duration::from_secs(30), || !dicom_path(&app, &files[0]).exists()).await);
    assert!(dicom_path(&app, &files[1]).exists());

    // Two studies of one patient, and one of another.
    let mut a = Spec::new(2201, 1, 1).size(16);
    let mut b = Spec::new(2202, 1, 1).size(16);
    a.patient_id = "PAT-2201".into();
    b.patient_id = "PAT-2201".into();
    let other = Spec::new(2203, 1, 1).size(16);
    let patient = upload(&app, &owner, &[a.clone(), b.clone(), other.clone()]).await;
    assert_eq!(delete(&app, &owner, "/api/patients/PAT-2201").await.0, 403, "admins only");
    let (status, erased) = delete(&app, &admin, "/api/patients/PAT-2201").await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased, json!({"studies": 2, "series": 2, "instances": 2, "blobs_released": 2}));
    assert_eq!(get_status(&app, &admin, &format!("/api/studies/{}", a.study)).await, 404);
    assert_eq!(get_status(&app, &admin, &format!("/api/studies/{}", b.study)).await, 404);
    assert_eq!(get_status(&app, &admin, &format!("/api/studies/{}", other.study)).await, 200);
    assert_eq!(delete(&app, &admin, "/api/patients/PAT-2201").await.0, 404);
    assert!(
        within(Duration::from_secs(30), || !dicom_path(&app, &patient[0]).exists()
            && !dicom_path(&app, &patient[1]).exists())
        .await
    );
    assert!(dicom_path(&app, &patient[2]).exists());

    let text = app
        .client
        .get(app.url("/api/audit?action=erase_patient&outcome=allowed"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let text = text.text().await.unwrap();
    assert!(!text.contains("PAT-2201") && !text.contains("Test^Patient"), "no patient ID or name: {text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let e = &v["items"][0];
    assert_eq!(e["detail"]["studies"], 2);
    let mut uids: Vec<String> = serde_json::from_value(e["detail"]["study_uids"].clone()).unwrap();
    uids.sort();
    assert_eq!(uids, [a.study.clone(), b.study.clone()]);
}

#[tokio::test]
async fn overwrite_deletes_the_replaced_object_only_after_the_grace_period_and_never_one_uploaded_again() {
    let app = app()
        .env("FERRUM_CONFLICT_POLICY", "overwrite")
        .env("FERRUM_BLOB_DELETE_GRACE_SECS", "3")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let first = dicom(&Spec::new(2300, 1, 1).size(16));
    let second = dicom(&Spec::new(2300, 1, 1).size(16).seed(7));
    let third = dicom(&Spec::new(2301, 1, 1).size(16));
    let third_v2 = dicom(&Spec::new(2301, 1, 1).size(16).seed(9));
    for bytes in [&first, &second] {
        assert_eq!(app.upload("application/dicom", bytes.clone()).await.0, 201);
    }
    assert!(dicom_path(&app, &first).exists(), "not deleted in the request path");
    assert!(within(Duration::from_secs(30), || !dicom_path(&app, &first).exists()).await, "gone after the grace");
    assert!(dicom_path(&app, &second).exists());

    // Replaced, then the old bytes come back before the job runs: they are referenced again
    // and their object stays; the one they replaced goes.
    for bytes in [&third, &third_v2, &third] {
        assert_eq!(app.upload("application/dicom", bytes.clone()).await.0, 201);
    }
    assert!(within(Duration::from_secs(30), || !dicom_path(&app, &third_v2).exists()).await);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(dicom_path(&app, &third).exists(), "uploaded again: kept");
    let served = app.get(&format!("/api/instances/{}/file", Spec::new(2301, 1, 1).sop)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), third.as_slice());
    assert_eq!(app.catalog_count("SELECT COUNT(*) FROM blob_outbox").await, 0, "the outbox is drained");
}

#[tokio::test]
async fn ferrum_erase_from_the_command_line_is_recorded_as_the_service() {
    let app = app_with_short_grace().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(3300, 1, 1);
    let token = app.token().to_owned();
    upload(&app, &token, std::slice::from_ref(&spec)).await;
    let out = app.command().args(["erase", "study", &spec.study]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(get_status(&app, &token, &format!("/api/studies/{}", spec.study)).await, 404);
    let again = app.command().args(["erase", "study", &spec.study]).output().unwrap();
    assert!(!again.status.success(), "erasing what is gone says so");
    let (_, audit) = app.get_json("/api/audit?action=erase_study").await;
    let events = audit["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{audit}");
    assert_eq!((events[0]["actor"].as_str(), events[0]["detail"]["via"].as_str()), (Some("system"), Some("cli")));
    assert_eq!(events[0]["study_uid"], spec.study.as_str());
}
