//! WADO-RS retrieval against the real binary, checked with dicomweb-client and pydicom: the
//! stored objects come back byte for byte in their own transfer syntax, frames are the
//! pixels pydicom reads (or the compressed frame as stored), rendered frames are pictures,
//! and none of it reaches a caller who may not see the study.
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::{app, python, TestApp};

/// Uncompressed (explicit, implicit, big endian, multi-frame) and compressed (JPEG
/// baseline, JPEG 2000, RLE multi-frame) objects of the rendering corpus.
const CORPUS: &[&str] = &[
    "ct_explicit_le.dcm",
    "ct_implicit_le.dcm",
    "ct_big_endian.dcm",
    "ct_multiframe.dcm",
    "jpeg_baseline_grey.dcm",
    "j2k_lossless_ct.dcm",
    "rle_multiframe.dcm",
];

/// Copies each file with a SOP Instance UID of its own (the corpus reuses some), changing
/// only the last component's digits so that every other byte stays where it was. Prints
/// each new path and its study, series and SOP Instance UIDs, one file a line.
const UNIQUE: &str = r#"
import sys, pydicom
out, files = sys.argv[1], sys.argv[2:]
for k, path in enumerate(files, start=1):
    raw = open(path, "rb").read()
    sop = pydicom.dcmread(path, force=True, stop_before_pixels=True).SOPInstanceUID
    head, last = sop.rsplit(".", 1)
    new = head + "." + (str(k) if len(last) == 1 else str(10 ** (len(last) - 1) + k))
    assert len(new) == len(sop)
    dest = f"{out}/{k}.dcm"
    open(dest, "wb").write(raw.replace(sop.encode(), new.encode()))
    f = pydicom.dcmread(dest, force=True, stop_before_pixels=True)
    assert f.SOPInstanceUID == new
    print(dest, f.StudyInstanceUID, f.SeriesInstanceUID, new, sep="\t")
"#;

/// For each file: the instance, series and study through dicomweb-client hold it; its
/// frames equal pydicom's pixels (little endian) or its encapsulated frames; its rendered
/// frame is a JPEG.
const CHECK: &str = r#"
import json, sys
import numpy as np
import pydicom
from pydicom.encaps import generate_frames
from dicomweb_client.api import DICOMwebClient

url, token, files = sys.argv[1], sys.argv[2], sys.argv[3:]
client = DICOMwebClient(url=url, headers={"Authorization": "Bearer " + token})
BITSTREAM = {"1.2.840.10008.1.2.4.50": "image/jpeg", "1.2.840.10008.1.2.4.90": "image/jp2",
             "1.2.840.10008.1.2.5": "image/dicom-rle"}
checked = {"instances": 0, "frames": 0, "rendered": 0}
studies = {}
for path in files:
    f = pydicom.dcmread(path, force=True)
    st, se, sop = f.StudyInstanceUID, f.SeriesInstanceUID, f.SOPInstanceUID
    studies.setdefault(st, {}).setdefault(se, set()).add(sop)
    got = client.retrieve_instance(st, se, sop)
    if got.SOPInstanceUID != sop or got.PixelData != f.PixelData:
        raise SystemExit(f"{path}: retrieve_instance differs")
    checked["instances"] += 1
    n = int(getattr(f, "NumberOfFrames", 1) or 1)
    ts = str(f.file_meta.TransferSyntaxUID)
    if ts in BITSTREAM:
        frames = client.retrieve_instance_frames(st, se, sop, frame_numbers=list(range(1, n + 1)),
                                                 media_types=((BITSTREAM[ts], ts),))
        expected = list(generate_frames(f.PixelData, number_of_frames=n))
    else:
        frames = client.retrieve_instance_frames(st, se, sop, frame_numbers=list(range(1, n + 1)))
        arr = f.pixel_array
        arr = arr.reshape((n,) + arr.shape[-2:]) if n == 1 else arr
        expected = [a.astype(a.dtype.newbyteorder("<")).tobytes() for a in arr]
    if len(frames) != n or any(bytes(a) != bytes(b) for a, b in zip(frames, expected)):
        raise SystemExit(f"{path}: frames differ ({[len(x) for x in frames]} vs {[len(x) for x in expected]})")
    checked["frames"] += n
    last = client.retrieve_instance_frames(st, se, sop, frame_numbers=[n],
                                           media_types=((BITSTREAM[ts], ts),) if ts in BITSTREAM else None)
    if bytes(last[0]) != bytes(expected[-1]):
        raise SystemExit(f"{path}: frame {n} alone differs")
    picture = client.retrieve_instance_rendered(st, se, sop, media_types=("image/jpeg",))
    if not picture.startswith(b"\xff\xd8"):
        raise SystemExit(f"{path}: rendered is not a JPEG")
    checked["rendered"] += 1
for st, series in studies.items():
    whole = {d.SOPInstanceUID for d in client.retrieve_study(st)}
    if whole != set().union(*series.values()):
        raise SystemExit(f"study {st}: {sorted(whole)}")
    for se, sops in series.items():
        if {d.SOPInstanceUID for d in client.retrieve_series(st, se)} != sops:
            raise SystemExit(f"series {se} differs")
print(json.dumps(checked))
"#;

fn run(script: &str, args: &[String]) -> String {
    let out = Command::new(python()).arg("-c").arg(script).args(args).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The parts of a `multipart/related` body, by each part's Content-Length.
pub(crate) fn parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1).expect("a boundary").trim_matches('"').to_owned();
    let delimiter = format!("--{boundary}\r\n");
    let mut out = Vec::new();
    let mut at = 0;
    while body[at..].starts_with(delimiter.as_bytes()) {
        at += delimiter.len();
        let end = at + body[at..].windows(4).position(|w| w == b"\r\n\r\n").expect("part headers");
        let headers = String::from_utf8(body[at..end].to_vec()).unwrap();
        let header = |name: &str| {
            headers
                .lines()
                .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)))
                .map(|(_, v)| v.trim().to_owned())
        };
        let len: usize = header("content-length").expect("a Content-Length").parse().unwrap();
        at = end + 4;
        out.push((header("content-type").unwrap_or_default(), body[at..at + len].to_vec()));
        at += len;
        assert_eq!(&body[at..at + 2], b"\r\n");
        at += 2;
    }
    assert_eq!(&body[at..], format!("--{boundary}--\r\n").as_bytes(), "the closing delimiter ends the body");
    out
}

async fn get(app: &TestApp, token: Option<&str>, path: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut r = app.client.get(app.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ctype, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn wado_rs_returns_the_stored_objects_their_frames_and_pictures_to_those_who_may_see_them() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let reader = app.add_user("wado-reader", "radiologist").await;
    let stranger = app.add_user("wado-stranger", "radiologist").await;
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<String> = CORPUS
        .iter()
        .map(|f| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render-corpus").join(f).to_string_lossy().into_owned()
        })
        .collect();
    let mut args = vec![dir.path().to_string_lossy().into_owned()];
    args.extend(sources);
    let copies: Vec<Vec<String>> =
        run(UNIQUE, &args).lines().map(|l| l.split('\t').map(str::to_owned).collect()).collect();
    assert_eq!(copies.len(), CORPUS.len());
    let files: Vec<String> = copies.iter().map(|c| c[0].clone()).collect();

    let mut uids = Vec::new();
    for (copy, name) in copies.iter().zip(CORPUS) {
        let bytes = std::fs::read(&copy[0]).unwrap();
        let (status, report) = app.upload_as(&reader, "application/dicom", bytes.clone()).await;
        assert_eq!(status, 201, "{name}: {report}");
        assert_eq!(report["files"][0]["sop_instance_uid"], copy[3].as_str(), "{name}: {report}");
        uids.push((copy[1].clone(), copy[2].clone(), copy[3].clone(), bytes));
    }

    // Byte for byte, each part naming the transfer syntax it is in.
    for ((study, series, sop, bytes), name) in uids.iter().zip(CORPUS) {
        let path = format!("/dicomweb/studies/{study}/series/{series}/instances/{sop}");
        for accept in [None, Some(r#"multipart/related; type="application/dicom"; transfer-syntax=*"#)] {
            let (status, ctype, body) = get(&app, Some(&reader), &path, accept).await;
            assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&body));
            assert!(ctype.starts_with(r#"multipart/related; type="application/dicom""#), "{ctype}");
            let got = parts(&ctype, &body);
            assert_eq!(got.len(), 1);
            assert!(got[0].0.starts_with("application/dicom; transfer-syntax=1.2.840.10008."), "{}", got[0].0);
            assert!(got[0].1 == *bytes, "{name}: the stored object differs from the upload");
        }
    }
    let (study, series, sop, _) = &uids[0];
    let (status, ctype, body) = get(&app, Some(&reader), &format!("/dicomweb/studies/{study}"), None).await;
    assert_eq!(status, 200);
    let whole: Vec<Vec<u8>> = parts(&ctype, &body).into_iter().map(|(_, b)| b).collect();
    let same_study: Vec<&Vec<u8>> = uids.iter().filter(|u| &u.0 == study).map(|u| &u.3).collect();
    assert_eq!(whole.len(), same_study.len());
    assert!(same_study.iter().all(|b| whole.contains(b)), "every object of the study, byte for byte");

    // A transfer syntax an object is not stored in is refused with a reason, not converted.
    let jpeg = &uids[4];
    let ele = r#"multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1"#;
    let instance = format!("/dicomweb/studies/{}/series/{}/instances/{}", jpeg.0, jpeg.1, jpeg.2);
    let (status, _, body) = get(&app, Some(&reader), &instance, Some(ele)).await;
    assert_eq!(status, 406, "{}", String::from_utf8_lossy(&body));
    let reason: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(reason["error"], "not_acceptable");
    assert!(reason["message"].as_str().unwrap().contains("1.2.840.10008.1.2.4.50"), "{reason}");
    let octets = r#"multipart/related; type="application/octet-stream""#;
    assert_eq!(get(&app, Some(&reader), &format!("{instance}/frames/1"), Some(octets)).await.0, 406);
    let (status, _, _) = get(
        &app,
        Some(&reader),
        &format!("/dicomweb/studies/{}/series/{}/instances/{}", uids[0].0, uids[0].1, uids[0].2),
        Some(ele),
    )
    .await;
    assert_eq!(status, 200, "an explicit little endian object is sent as that");

    // Frames: numbered from 1; one past the last, 0 or junk is a bad request.
    let one = format!("/dicomweb/studies/{study}/series/{series}/instances/{sop}");
    for bad in ["2", "0", "1,x", "-1"] {
        let (status, _, body) = get(&app, Some(&reader), &format!("{one}/frames/{bad}"), None).await;
        assert_eq!(status, 400, "frames/{bad}: {}", String::from_utf8_lossy(&body));
    }
    let (status, ctype, _) = get(&app, Some(&reader), &format!("{one}/rendered"), Some("image/png")).await;
    assert_eq!((status, ctype.as_str()), (200, "image/png"));
    for level in
        [format!("/dicomweb/studies/{study}"), format!("/dicomweb/studies/{study}/series/{series}"), one.clone()]
    {
        let (status, ctype, body) = get(&app, Some(&reader), &format!("{level}/thumbnail"), None).await;
        assert_eq!((status, ctype.as_str()), (200, "image/jpeg"), "{level}");
        assert!(body.starts_with(&[0xFF, 0xD8]));
    }

    // The client a script would use agrees.
    let mut args = vec![app.url("/dicomweb"), reader.clone()];
    args.extend(files.iter().cloned());
    let summary: Value = serde_json::from_str(run(CHECK, &args).trim()).unwrap();
    assert_eq!(summary["instances"], CORPUS.len(), "{summary}");
    assert_eq!(summary["frames"], 1 + 1 + 1 + 3 + 1 + 1 + 3, "{summary}");

    // Nothing for a stranger (as if absent) or without a token; every read audited.
    let paths = [
        format!("/dicomweb/studies/{study}"),
        format!("/dicomweb/studies/{study}/series/{series}"),
        one.clone(),
        format!("{one}/frames/1"),
        format!("{one}/rendered"),
        format!("{one}/frames/1/rendered"),
        format!("{one}/thumbnail"),
    ];
    for path in &paths {
        assert_eq!(get(&app, Some(&stranger), path, None).await.0, 404, "a stranger: {path}");
        assert_eq!(get(&app, None, path, None).await.0, 401, "no token: {path}");
    }
    let elsewhere = format!("/dicomweb/studies/1.2.3.999/series/{series}/instances/{sop}");
    assert_eq!(get(&app, Some(&reader), &elsewhere, None).await.0, 404, "an instance under another study's UID");
    for (action, at_least) in [("export_study", 2), ("download_instance", 8), ("view_image", 4)] {
        let (_, trail) = app.get_json(&format!("/api/audit?action={action}&limit=200")).await;
        let events: Vec<&Value> =
            trail["items"].as_array().unwrap().iter().filter(|e| e["detail"]["via"] == "dicomweb").collect();
        assert!(events.len() >= at_least, "{action}: {events:?}");
        assert!(events.iter().any(|e| e["outcome"] == "not_found" && e["actor"] == "user:wado-stranger"), "{action}");
        assert!(events.iter().any(|e| e["outcome"] == "allowed" && e["actor"] == "user:wado-reader"), "{action}");
    }
}
