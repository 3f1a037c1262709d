//! A study as a streamed ZIP: every object byte for byte plus a manifest, for its owner and
//! for a link holder whose link allows downloads.
use std::io::Read;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::*;
use crate::harness::app;

/// Entry name → bytes.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a whole ZIP");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_owned(), data)
        })
        .collect()
}

#[tokio::test]
async fn a_study_archive_holds_every_object_byte_for_byte_and_a_manifest() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let bob = app.add_user("bob", "radiologist").await;
    let carol = app.add_user("carol", "radiologist").await;
    let specs: Vec<Spec> = [(1, 1), (1, 2), (2, 1)].iter().map(|&(s, i)| Spec::new(950, s, i).size(64)).collect();
    for spec in &specs {
        assert_eq!(app.upload_as(&bob, "application/dicom", dicom(spec)).await.0, 201);
    }
    let study = &specs[0].study;
    let r = app.client.get(app.url(&format!("/api/studies/{study}/archive"))).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let entries = unzip(&r.bytes().await.unwrap());
    assert_eq!(entries.len(), specs.len() + 1);
    for spec in &specs {
        let name = format!("{}/{}.dcm", spec.series, spec.sop);
        assert_eq!(entries[&name], dicom(spec), "{name} byte for byte");
    }
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
    assert_eq!(manifest["study"]["study_instance_uid"], study.as_str());
    for file in manifest["files"].as_array().unwrap() {
        let data = &entries[file["path"].as_str().unwrap()];
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(data)));
    }

    let r = app.client.get(app.url(&format!("/api/studies/{study}/archive"))).bearer_auth(&carol).send().await.unwrap();
    assert_eq!(r.status(), 404, "another radiologist's study does not exist for carol");
    let (_, audit) = app.get_json(&format!("/api/audit?study_uid={study}")).await;
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "export_study"));

    let link = |allow: bool| {
        let (app, bob, study) = (&app, bob.clone(), study.clone());
        async move {
            let r = app
                .client
                .post(app.url(&format!("/api/studies/{study}/links")))
                .bearer_auth(bob)
                .json(&json!({"allow_download": allow}))
                .send()
                .await
                .unwrap();
            let body: Value = r.json().await.unwrap();
            let token = body["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
            app.url(&format!("/api/share/{token}/archive"))
        }
    };
    let r = reqwest::get(link(false).await).await.unwrap();
    assert_eq!(r.status(), 403, "a link without downloads gives no archive");
    let r = reqwest::get(link(true).await).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(unzip(&r.bytes().await.unwrap()).len(), specs.len() + 1);
}
