//! Nothing acknowledged is lost: SIGKILL in the middle of a stream of uploads.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::fixtures::*;
use crate::harness::app;

#[tokio::test]
async fn every_acknowledged_upload_survives_sigkill_and_nothing_half_written_is_listed() {
    let mut app = app().env("FERRUM_ORPHAN_GRACE_SECS", "0").spawn().await.logged_in_as_admin().await;
    let acknowledged: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
    let token = app.token().to_owned();
    let mut writers = Vec::new();
    for w in 0..3u32 {
        let client = app.client.clone();
        let url = app.url("/api/uploads");
        let token = token.clone();
        let acknowledged = acknowledged.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..10_000u32 {
                let spec = Spec::new(500 + w, 1, i + 1).size(256);
                let bytes = dicom(&spec);
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/dicom")
                    .body(bytes.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        acknowledged.lock().unwrap().insert(spec.sop.clone(), bytes);
                    }
                    _ => break, // the server is gone
                }
            }
        }));
    }
    // Let a stream of uploads run, then crash the server under it.
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.kill();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40);

    app.start();
    let app = app.logged_in_as_admin().await;
    for (sop, bytes) in &acknowledged {
        let r = app.get(&format!("/api/instances/{sop}/file")).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged {sop} lost");
        assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice(), "{sop} changed");
    }
    // Everything listed is whole: each catalogued instance has its blob with its hash.
    let (_, list) = app.get_json("/api/studies?limit=500").await;
    let mut listed = 0;
    for study in list["items"].as_array().unwrap() {
        let (_, detail) =
            app.get_json(&format!("/api/studies/{}", study["study_instance_uid"].as_str().unwrap())).await;
        for series in detail["series"].as_array().unwrap() {
            for inst in series["instances"].as_array().unwrap() {
                let sop = inst["sop_instance_uid"].as_str().unwrap();
                let body = app.get(&format!("/api/instances/{sop}/file")).send().await.unwrap().bytes().await.unwrap();
                assert_eq!(hex::encode(Sha256::digest(&body)), inst["sha256"].as_str().unwrap(), "{sop} is not whole");
                listed += 1;
            }
        }
    }
    assert!(listed >= acknowledged.len());
    // Orphans (blobs whose commit never happened) were swept, and the spool is empty.
    assert_eq!(files_under(&app.dicom_blob_dir()), listed, "only catalogued blobs remain");
    assert_eq!(files_under(&app.data_dir.join("spool")), 0);
}
