//! Bad input gets a clear answer, per file, and the server keeps serving.
use dicom_dictionary_std::tags;
use serde_json::Value;

use crate::fixtures::*;
use crate::harness::{app, TestApp};

fn reason(body: &Value, i: usize) -> String {
    body["files"][i]["reason"].as_str().unwrap_or_default().to_owned()
}

async fn still_serving(app: &TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = app.upload("application/dicom", dicom(&Spec::new(99, 1, 1).seed(rand_seed()))).await;
    assert!(status == 201 || status == 200, "a good upload still works");
}

fn rand_seed() -> u8 {
    (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() % 200) as u8
}

#[tokio::test]
async fn non_dicom_body_is_rejected_with_reason() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let (status, body) = app.upload("application/dicom", b"just some text, not an image".to_vec()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "nothing_accepted");
    assert_eq!(reason(&body, 0), "not a DICOM file");
    still_serving(&app).await;
}

#[tokio::test]
async fn upload_of_truncated_file_is_rejected_with_reason() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let full = dicom(&Spec::new(5, 1, 1));
    for cut in [full.len() - 10, 200, 140] {
        let (status, body) = app.upload("application/dicom", full[..cut].to_vec()).await;
        assert_eq!(status, 422, "cut at {cut}: {body}");
        assert!(
            reason(&body, 0).contains("truncated") || reason(&body, 0).contains("malformed"),
            "cut at {cut}: {body}"
        );
    }
    let (status, _) = app.get_json(&format!("/api/studies/{}", Spec::new(5, 1, 1).study)).await;
    assert_eq!(status, 404, "nothing of a truncated file is catalogued");
    still_serving(&app).await;
}

#[tokio::test]
async fn missing_or_unusable_uids_are_rejected_naming_the_attribute() {
    // A UID that merely breaks PS3.5's syntax is stored with a warning (see real_world.rs);
    // one that cannot serve as an identifier is refused.
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(6, 1, 1);
    let cases = [
        (tags::SOP_INSTANCE_UID, None, "missing SOPInstanceUID (0008,0018)"),
        (tags::STUDY_INSTANCE_UID, None, "missing StudyInstanceUID (0020,000D)"),
        (tags::SERIES_INSTANCE_UID, None, "missing SeriesInstanceUID (0020,000E)"),
        (tags::STUDY_INSTANCE_UID, Some("1.2.\u{1}3"), "malformed StudyInstanceUID (0020,000D)"),
        (tags::SERIES_INSTANCE_UID, Some("1.2.3 4"), "malformed SeriesInstanceUID (0020,000E)"),
        (tags::SOP_INSTANCE_UID, Some("  "), "missing SOPInstanceUID (0008,0018)"),
    ];
    for (tag, value, expected) in cases {
        let mut obj = object(&spec);
        match value {
            None => {
                obj.remove_element(tag);
            }
            Some(v) => {
                obj.put_str(tag, dicom_core::VR::UI, v);
            }
        }
        let (status, body) = app.upload("application/dicom", encode(obj, &spec.sop)).await;
        assert_eq!(status, 422, "{body}");
        assert!(reason(&body, 0).starts_with(expected), "expected {expected:?}, got {body}");
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn a_bad_file_never_aborts_the_good_files_of_the_same_zip() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let good = dicom(&Spec::new(7, 1, 1));
    let truncated = dicom(&Spec::new(7, 1, 2));
    let archive = zip_of(&[
        ("good.dcm", &good),
        ("bad.dcm", &truncated[..300]),
        ("../../escape.dcm", &good),
        ("/abs.dcm", &good),
    ]);
    let (status, body) = app.upload("application/zip", archive).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["stored"], 1);
    assert_eq!(body["rejected"], 3, "{body}");
    let by_name = |n: &str| body["files"].as_array().unwrap().iter().find(|f| f["name"] == n).cloned().unwrap();
    assert!(by_name("../../escape.dcm")["reason"].as_str().unwrap().contains("unsafe path"));
    assert!(by_name("/abs.dcm")["reason"].as_str().unwrap().contains("unsafe path"));
    assert!(by_name("bad.dcm")["reason"].as_str().unwrap().contains("truncated"));
}

#[tokio::test]
async fn corrupt_and_encrypted_archives_are_rejected_with_reasons() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let mut corrupt = zip_of(&[("a.dcm", &dicom(&Spec::new(8, 1, 1)))]);
    let n = corrupt.len();
    corrupt.truncate(n - 30);
    let (status, body) = app.upload("application/zip", corrupt).await;
    assert_eq!(status, 422, "{body}");
    assert!(reason(&body, 0).contains("corrupt ZIP"), "{body}");

    let encrypted = mark_encrypted(zip_of(&[("a.dcm", &dicom(&Spec::new(8, 1, 1)))]));
    let (status, body) = app.upload("application/zip", encrypted).await;
    assert_eq!(status, 422, "{body}");
    assert!(reason(&body, 0).contains("encrypted"), "{body}");
    still_serving(&app).await;
}

#[tokio::test]
async fn zip_bombs_are_refused_by_ratio_and_by_total_size() {
    let app = app().env("FERRUM_ZIP_MAX_UNCOMPRESSED_BYTES", "3000000").spawn().await.logged_in_as_admin().await;
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let (status, body) = app.upload("application/zip", zip_of(&[("bomb.bin", &zeros)])).await;
    assert_eq!(status, 422, "{body}");
    assert!(reason(&body, 0).contains("ZIP bomb"), "{body}");

    let noise: Vec<u8> = (0..1_200_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let (status, body) =
        app.upload("application/zip", zip_of(&[("a.bin", &noise), ("b.bin", &noise), ("c.bin", &noise)])).await;
    assert_eq!(status, 422, "{body}");
    assert!(reason(&body, 2).contains("expands beyond the limit"), "{body}");
    still_serving(&app).await;
}

#[tokio::test]
async fn empty_body_wrong_content_type_and_oversized_body_get_their_statuses() {
    let app = app().env("FERRUM_MAX_UPLOAD_BYTES", "100000").spawn().await.logged_in_as_admin().await;
    let (status, body) = app.upload("application/dicom", Vec::new()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "empty_upload");

    let (status, body) = app.upload("text/plain", b"hello".to_vec()).await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(body["error"], "unsupported_media_type");
    assert!(body["message"].as_str().unwrap().contains("application/dicom"));

    let (status, body) = app.upload("application/zip", vec![7u8; 200_000]).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "payload_too_large");
    still_serving(&app).await;
}

#[tokio::test]
async fn uploads_without_a_valid_token_are_refused() {
    let app = app().spawn().await;
    let r = app
        .client
        .post(app.url("/api/uploads"))
        .header("content-type", "application/dicom")
        .body(dicom(&Spec::new(9, 1, 1)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
}
