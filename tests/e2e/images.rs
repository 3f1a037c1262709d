//! Pictures of stored instances: rendered frames, window/level, thumbnails made in the
//! background, placeholders for what cannot be decoded, and the same access rules as the data.
use std::time::{Duration, Instant};

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;

use crate::fixtures::*;
use crate::harness::{app, TestApp};

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("a decodable image")
}

async fn get_image(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app.get(path).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

/// An object whose pixel data is in a transfer syntax no decoder here reads (MPEG-4 AVC).
fn undecodable(spec: &Spec) -> Vec<u8> {
    let mut obj = object(spec);
    let fragments = PixelFragmentSequence::new(vec![], vec![vec![0u8, 0, 0, 1, 0x67, 0x42, 0, 0]]);
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, Value::PixelSequence(fragments)));
    let file = obj
        .with_meta(
            dicom_object::meta::FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.4.102")
                .media_storage_sop_class_uid(CT_IMAGE)
                .media_storage_sop_instance_uid(&spec.sop),
        )
        .unwrap();
    let mut out = Vec::new();
    file.write_all(&mut out).unwrap();
    out
}

#[tokio::test]
async fn every_sample_renders_and_window_and_frame_change_the_picture() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let (_, report) = app.upload("application/zip", samples_zip()).await;
    for file in report["files"].as_array().unwrap().iter().filter(|f| f["status"] == "stored") {
        let sop = file["sop_instance_uid"].as_str().unwrap();
        let (status, ct, body) = get_image(&app, &format!("/api/instances/{sop}/rendered")).await;
        assert_eq!((status, ct.as_str()), (200, "image/png"), "{}", file["name"]);
        let img = decode(&body);
        assert!(img.width() > 0 && img.height() > 0);
    }
    let ct_slice = "1.2.826.0.1.3680043.10.1137.1.1.4";
    let path = format!("/api/instances/{ct_slice}/rendered");
    let (_, _, default) = get_image(&app, &path).await;
    let (_, _, lung) = get_image(&app, &format!("{path}?window=-600,1500")).await;
    let (_, _, bone) = get_image(&app, &format!("{path}?window=400,1800")).await;
    assert_ne!(decode(&lung).to_luma8().into_raw(), decode(&bone).to_luma8().into_raw(), "window/level changes pixels");
    assert_eq!(decode(&default).dimensions(), (decode(&lung).width(), decode(&lung).height()));

    let (_, ct, small) = get_image(&app, &format!("{path}?size=32&format=jpeg")).await;
    assert_eq!(ct, "image/jpeg");
    assert!(decode(&small).width() <= 32 && decode(&small).height() <= 32);

    let clip = samples_sop("us-multiframe/IM0001.dcm", &report);
    let frame = |n: u32| format!("/api/instances/{clip}/rendered?frame={n}");
    let (_, _, first) = get_image(&app, &frame(1)).await;
    let (_, _, second) = get_image(&app, &frame(2)).await;
    assert_ne!(decode(&first).to_rgb8().into_raw(), decode(&second).to_rgb8().into_raw(), "frames differ");
    let (_, body) = app.get_json(&frame(999)).await;
    assert_eq!(body["error"], "bad_request", "{body}");
    assert!(body["message"].as_str().unwrap().contains("frame 999"), "{body}");
    for bad in ["frame=0", "window=40", "window=40,0", "size=0", "format=gif"] {
        let (status, body) = app.get_json(&format!("{path}?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

fn samples_sop(name: &str, report: &serde_json::Value) -> String {
    report["files"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap()["sop_instance_uid"]
        .as_str()
        .unwrap()
        .to_owned()
}

trait Dimensions {
    fn dimensions(&self) -> (u32, u32);
}

impl Dimensions for image::DynamicImage {
    fn dimensions(&self) -> (u32, u32) {
        (self.width(), self.height())
    }
}

#[tokio::test]
async fn rendered_frames_carry_an_etag_are_private_and_audited() {
    // Uncoalesced, so that every rendering is its own event.
    let app = app().env("FERRUM_AUDIT_COALESCE_SECS", "0").spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(800, 1, 1).size(16);
    app.upload("application/dicom", dicom(&spec)).await;
    let path = format!("/api/instances/{}/rendered", spec.sop);
    let r = app.get(&path).send().await.unwrap();
    // Patient data: kept by no cache, the browser's included (README, Hardening).
    assert_eq!(r.headers()["cache-control"], "no-store");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = app.get(&path).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    let r = app.get(&format!("{path}?window=10,20")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 200, "another window is another picture");

    let (_, audit) = app.get_json(&format!("/api/audit?study_uid={}", spec.study)).await;
    let renders = audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == "view_image").count();
    assert_eq!(renders, 3, "every rendering is audited, 304s included");

    let bob = app.add_user("bob", "radiologist").await;
    for p in [
        path.clone(),
        format!("/api/series/{}/thumbnail", spec.series),
        format!("/api/studies/{}/thumbnail", spec.study),
    ] {
        let r = app.client.get(app.url(&p)).bearer_auth(&bob).send().await.unwrap();
        assert_eq!(r.status(), 404, "{p}: another user's images do not exist for bob");
    }
    assert_eq!(app.client.get(app.url(&path)).send().await.unwrap().status(), 401);
}

/// Decoded frames are kept between requests: a replaced object must never be shown with the
/// pixels of the one it replaced.
#[tokio::test]
async fn an_overwritten_instance_is_rendered_from_its_new_pixels() {
    let app = app().env("FERRUM_CONFLICT_POLICY", "overwrite").spawn().await.logged_in_as_admin().await;
    let first = Spec::new(801, 1, 1).size(16);
    let second = first.clone().seed(9);
    app.upload("application/dicom", dicom(&first)).await;
    let path = format!("/api/instances/{}/rendered?window=100,400", first.sop);
    let (status, _, before) = get_image(&app, &path).await;
    assert_eq!(status, 200);
    let (_, _, again) = get_image(&app, &path).await;
    assert_eq!(
        decode(&again).to_luma8().into_raw(),
        decode(&before).to_luma8().into_raw(),
        "same object, same picture"
    );
    let (status, body) = app.upload("application/dicom", dicom(&second)).await;
    assert_eq!(status, 201, "{body}");
    let (_, _, after) = get_image(&app, &path).await;
    assert_ne!(decode(&after).to_luma8().into_raw(), decode(&before).to_luma8().into_raw(), "the new pixels are shown");
}

#[tokio::test]
async fn undecodable_pixel_data_is_422_with_the_transfer_syntax_and_gets_a_placeholder_thumbnail() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(801, 1, 1);
    let (status, report) = app.upload("application/dicom", undecodable(&spec)).await;
    assert_eq!(status, 201, "{report}");
    let (status, body) = app.get_json(&format!("/api/instances/{}/rendered", spec.sop)).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "unsupported_pixel_data");
    assert!(body["message"].as_str().unwrap().contains("1.2.840.10008.1.2.4.102"), "{body}");
    let (status, ct, thumb) = get_image(&app, &format!("/api/series/{}/thumbnail", spec.series)).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    decode(&thumb);

    let mut no_pixels = object(&Spec::new(801, 2, 1));
    no_pixels.remove_element(tags::PIXEL_DATA);
    let sop = Spec::new(801, 2, 1).sop;
    app.upload("application/dicom", encode(no_pixels, &sop)).await;
    let (status, body) = app.get_json(&format!("/api/instances/{sop}/rendered")).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("no_pixel_data")), "{body}");
    assert!(app.client.get(app.url("/healthz")).send().await.unwrap().status().is_success());
}

/// Polls until `f` holds or `limit` passes; answers how long it took.
async fn within(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if f() {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn thumbnails_are_made_in_the_background_after_ingest_and_served_from_the_store() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let (_, report) = app.upload("application/zip", samples_zip()).await;
    let mut series = Vec::new();
    for study in report["studies"].as_array().unwrap() {
        let (_, detail) =
            app.get_json(&format!("/api/studies/{}", study["study_instance_uid"].as_str().unwrap())).await;
        for s in detail["series"].as_array().unwrap() {
            series.push(s["series_instance_uid"].as_str().unwrap().to_owned());
        }
    }
    let thumbs = app.blob_root().join("derived").join("thumb");
    let made = within(Duration::from_secs(10), || files_under(&thumbs) >= series.len()).await;
    assert!(made.is_some(), "one thumbnail per series is made without being asked");
    for uid in &series {
        let (status, ct, body) = get_image(&app, &format!("/api/series/{uid}/thumbnail")).await;
        assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
        let img = decode(&body);
        assert!(img.width().max(img.height()) <= 256);
    }
    assert_eq!(files_under(&thumbs), series.len(), "served from the kept objects, not made again");
    let (status, ct, body) =
        get_image(&app, "/api/studies/1.2.826.0.1.3680043.10.1137.1/thumbnail?size=128&format=png").await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert!(decode(&body).width() <= 128);
    let (status, _) = app.get_json("/api/studies/1.2.826.0.1.3680043.10.1137.1/thumbnail?size=600").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_series_that_grows_keeps_the_thumbnails_of_its_current_middle_instance_only() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let thumbs = app.blob_root().join("derived").join("thumb");
    let mut sent = 0;
    for batch in [1u32, 2, 4] {
        // One series, growing: 1, then 3, then 7 instances; its middle instance changes.
        let files: Vec<(String, Vec<u8>)> = (sent + 1..=sent + batch)
            .map(|n| (format!("IM{n}.dcm"), dicom(&Spec::new(950, 1, n).size(16).seed(n as u8))))
            .collect();
        sent += batch;
        let parts: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        let (content_type, body) = multipart(&parts);
        assert_eq!(app.upload(&content_type, body).await.0, 201);
        let series = Spec::new(950, 1, 1).series;
        let (_, detail) = app.get_json(&format!("/api/studies/{}", Spec::new(950, 1, 1).study)).await;
        let middle = detail["series"][0]["instances"][(sent / 2) as usize]["sha256"].as_str().unwrap().to_owned();
        let current = thumbs.join(&middle);
        let settled = within(Duration::from_secs(10), || files_under(&current) == 1 && files_under(&thumbs) == 1).await;
        assert!(
            settled.is_some(),
            "after {sent} instances of {series}: only the middle one's thumbnail is kept ({} files)",
            files_under(&thumbs)
        );
    }
}
