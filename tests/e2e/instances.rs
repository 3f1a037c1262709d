//! Reading stored objects back: byte for byte, ETag, Range.
use crate::fixtures::*;
use crate::harness::app;

#[tokio::test]
async fn every_stored_sample_comes_back_byte_for_byte() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let (_, report) = app.upload("application/zip", samples_zip()).await;
    let samples = samples();
    for file in report["files"].as_array().unwrap().iter().filter(|f| f["status"] == "stored") {
        let sop = file["sop_instance_uid"].as_str().unwrap();
        let r = app.get(&format!("/api/instances/{sop}/file")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/dicom");
        let body = r.bytes().await.unwrap();
        let original = &samples.iter().find(|(n, _)| n == file["name"].as_str().unwrap()).unwrap().1;
        assert_eq!(body.as_ref(), original.as_slice(), "{}", file["name"]);
    }
}

#[tokio::test]
async fn etag_and_range_requests_are_honoured() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(300, 1, 1);
    let bytes = dicom(&spec);
    app.upload("application/dicom", bytes.clone()).await;
    let path = format!("/api/instances/{}/file", spec.sop);

    let r = app.get(&path).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.headers()["content-length"].to_str().unwrap(), bytes.len().to_string());
    let r = app.get(&path).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);

    let r = app.get(&path).header("range", "bytes=128-131").send().await.unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"].to_str().unwrap(), format!("bytes 128-131/{}", bytes.len()));
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"DICM");
    let r = app.get(&path).header("range", "bytes=-10").send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[bytes.len() - 10..]);
    let r = app.get(&path).header("range", format!("bytes={}-", bytes.len() + 5)).send().await.unwrap();
    assert_eq!(r.status(), 416);
    let r = app.get("/api/instances/1.2.3.4/file").send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn s3_downloads_redirect_to_a_presigned_url_that_needs_no_token() {
    let app = app().production().env("FERRUM_S3_PRESIGN_SECS", "120").spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(301, 1, 1);
    let bytes = dicom(&spec);
    assert_eq!(app.upload("application/dicom", bytes.clone()).await.0, 201);
    let path = format!("/api/instances/{}/file", spec.sop);

    let no_follow = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_follow.get(app.url(&path)).bearer_auth(app.token()).send().await.unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("X-Amz-Expires=120"), "{location}");
    assert!(!location.contains(app.token()), "the access token never travels to the store");

    let anonymous = reqwest::Client::new();
    let r = anonymous.get(&location).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let r = anonymous.get(&location).header("range", "bytes=128-131").send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"DICM");
    // Following the redirect is what a client sees: the bytes, with no token sent to S3.
    let r = app.get(&path).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let (_, audit) = app.get_json(&format!("/api/audit?study_uid={}", spec.study)).await;
    let downloads = audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == "download_instance").count();
    assert_eq!(downloads, 2, "every presigned download is audited: {audit}");
}
