//! STOW-RS against the real binary: objects stored through `dicomweb-client` and raw
//! `multipart/related` bodies are found and retrieved as sent; failures and warnings come
//! back in the standard's store response with its status; the access model, the one
//! upload event per study and the size limit hold as for `POST /api/uploads`; a
//! 1,000-instance series goes in one request in bounded server memory; WADO-RS rewrites
//! uncompressed objects in explicit VR little endian on request; WADO-URI serves pictures
//! and objects.
use std::path::{Path, PathBuf};
use std::process::Command;

use futures_util::StreamExt;
use serde_json::Value;

use crate::fixtures::*;
use crate::harness::{app, python, TestApp};

const STOW_TYPE: &str = "multipart/related; type=\"application/dicom\"; boundary=ferrum-stow-boundary-3c9a";

fn corpus(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(dir).join(name)
}

fn run(script: &str, args: &[String]) -> String {
    let out = Command::new(python()).arg("-c").arg(script).args(args).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str, ctype: &str, body: Vec<u8>) -> (u16, String, Value) {
    let r = app.client.post(app.url(path)).bearer_auth(token).header("content-type", ctype).body(body);
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = r.text().await.unwrap();
    (status, ct, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn get_bytes(app: &TestApp, token: &str, path: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut r = app.client.get(app.url(path)).bearer_auth(token);
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

/// The items of a sequence of the store response.
fn items<'a>(body: &'a Value, tag: &str) -> Vec<&'a Value> {
    body[tag]["Value"].as_array().map(|a| a.iter().collect()).unwrap_or_default()
}

fn value<'a>(item: &'a Value, tag: &str) -> &'a Value {
    &item[tag]["Value"][0]
}

/// The one part of a single-instance WADO-RS answer.
fn only_part(ctype: &str, body: &[u8]) -> (String, Vec<u8>) {
    let boundary = ctype.split("boundary=").nth(1).expect("a boundary").trim_matches('"').to_owned();
    let start = body.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let headers = String::from_utf8_lossy(&body[..start]).to_string();
    let end = body.len() - format!("\r\n--{boundary}--\r\n").len();
    let part_type =
        headers.lines().find_map(|l| l.strip_prefix("Content-Type: ")).map(str::to_owned).unwrap_or_default();
    (part_type, body[start..end].to_vec())
}

/// Stores, searches and retrieves through dicomweb-client; each retrieved object written
/// by pydicom equals what the client sent written the same way. Storing again is 200.
const CLIENT: &str = r#"
import json, sys
from io import BytesIO
import pydicom
from dicomweb_client.api import DICOMwebClient

url, token, files = sys.argv[1], sys.argv[2], sys.argv[3:]
client = DICOMwebClient(url=url, headers={"Authorization": "Bearer " + token})
datasets = [pydicom.dcmread(p) for p in files]
def encoded(ds):
    b = BytesIO(); pydicom.dcmwrite(b, ds); return b.getvalue()
resp = client.store_instances(datasets=datasets)
stored = {i.ReferencedSOPInstanceUID for i in resp.ReferencedSOPSequence}
if stored != {d.SOPInstanceUID for d in datasets} or "FailedSOPSequence" in resp:
    raise SystemExit(f"store response: {resp}")
for item in resp.ReferencedSOPSequence:
    if not item.RetrieveURL.endswith("/instances/" + item.ReferencedSOPInstanceUID):
        raise SystemExit(f"RetrieveURL {item.RetrieveURL}")
checked = 0
for d in datasets:
    st, se, sop = d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID
    found = client.search_for_instances(study_instance_uid=st, series_instance_uid=se,
                                        search_filters={"SOPInstanceUID": sop})
    if [f["00080018"]["Value"][0] for f in found] != [sop]:
        raise SystemExit(f"search for {sop}: {found}")
    got = client.retrieve_instance(st, se, sop)
    if encoded(got) != encoded(d):
        raise SystemExit(f"{sop}: the retrieved object differs from the stored one")
    checked += 1
again = client.store_instances(datasets=datasets)
print(json.dumps({"stored": len(stored), "checked": checked, "again": len(again.ReferencedSOPSequence)}))
"#;

/// Copies of corpus files, each under a SOP Instance UID of its own (written by pydicom in
/// the file's own transfer syntax); prints path, study, series, SOP, transfer syntax.
const UNIQUE: &str = r#"
import sys, pydicom
out, files = sys.argv[1], sys.argv[2:]
for k, path in enumerate(files, start=1):
    ds = pydicom.dcmread(path, force=True)
    ts = str(ds.file_meta.TransferSyntaxUID)
    new = f"2.25.{k}{abs(hash(path)) % 10**12}"
    ds.SOPInstanceUID = new
    ds.file_meta.MediaStorageSOPInstanceUID = new
    dest = f"{out}/{k}.dcm"
    ds.save_as(dest)
    back = pydicom.dcmread(dest)
    assert str(back.file_meta.TransferSyntaxUID) == ts, (path, back.file_meta.TransferSyntaxUID)
    print(dest, ds.StudyInstanceUID, ds.SeriesInstanceUID, new, ts, sep="\t")
"#;

/// Through dicomweb-client with transfer-syntax=explicit VR little endian: each object
/// comes back in it with pydicom's pixels of the original; a compressed one is refused.
const TRANSCODED: &str = r#"
import json, sys
import numpy as np
import pydicom
from pydicom.encaps import generate_frames
from requests.exceptions import HTTPError
from dicomweb_client.api import DICOMwebClient

url, token, compressed, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
client = DICOMwebClient(url=url, headers={"Authorization": "Bearer " + token})
ELE = "1.2.840.10008.1.2.1"
checked = []
for path in files:
    f = pydicom.dcmread(path)
    got = client.retrieve_instance(f.StudyInstanceUID, f.SeriesInstanceUID, f.SOPInstanceUID,
                                   media_types=(("application/dicom", ELE),))
    if str(got.file_meta.TransferSyntaxUID) != ELE:
        raise SystemExit(f"{path}: sent in {got.file_meta.TransferSyntaxUID}")
    if str(f.file_meta.TransferSyntaxUID) == "1.2.840.10008.1.2.1.98":
        # pydicom does not decode this one: its frames are the native bytes, one a fragment.
        n = int(getattr(f, "NumberOfFrames", 1) or 1)
        size = f.Rows * f.Columns * f.SamplesPerPixel * (f.BitsAllocated // 8)
        native = b"".join(x[:size] for x in generate_frames(f.PixelData, number_of_frames=n))
        if got.pixel_array.tobytes() != np.frombuffer(native, got.pixel_array.dtype).tobytes():
            raise SystemExit(f"{path}: pixels differ from the fragments")
    elif not np.array_equal(got.pixel_array, f.pixel_array):
        raise SystemExit(f"{path}: pixels differ")
    for k in ("PatientName", "Rows", "Columns", "BitsAllocated", "SOPInstanceUID"):
        if got.get(k) != f.get(k):
            raise SystemExit(f"{path}: {k} {got.get(k)!r} != {f.get(k)!r}")
    checked.append(str(f.file_meta.TransferSyntaxUID))
c = pydicom.dcmread(compressed)
try:
    client.retrieve_instance(c.StudyInstanceUID, c.SeriesInstanceUID, c.SOPInstanceUID,
                             media_types=(("application/dicom", ELE),))
    raise SystemExit("a compressed object was sent in explicit VR little endian")
except HTTPError as e:
    if e.response.status_code != 406:
        raise
print(json.dumps(checked))
"#;

#[tokio::test]
async fn stow_rs_stores_through_ingest_and_answers_the_standards_store_response() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("stow-owner", "radiologist").await;
    let stranger = app.add_user("stow-stranger", "radiologist").await;

    // dicomweb-client: store, search, retrieve equal; storing again is accepted as is.
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = (1..=3)
        .map(|i| {
            let path = dir.path().join(format!("{i}.dcm"));
            std::fs::write(&path, dicom(&Spec::new(1700, 1, i).size(32).seed(i as u8))).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect();
    let mut args = vec![app.url("/dicomweb"), owner.clone()];
    args.extend(files.iter().cloned());
    let out: Value = serde_json::from_str(run(CLIENT, &args).trim()).unwrap();
    assert_eq!(out, serde_json::json!({"stored": 3, "checked": 3, "again": 3}));

    // Raw bodies, the type quoted and not: each object comes back byte for byte.
    let a = dicom(&Spec::new(1701, 1, 1).size(24));
    let b = dicom(&Spec::new(1701, 1, 2).size(24));
    let (_, body) = related(&[&a, &b]);
    let unquoted = "multipart/related; type=application/dicom; boundary=\"ferrum-stow-boundary-3c9a\"";
    for ctype in [STOW_TYPE, unquoted] {
        let (status, ct, resp) = post(&app, &owner, "/dicomweb/studies", ctype, body.clone()).await;
        assert_eq!(status, 200, "{resp}");
        assert_eq!(ct, "application/dicom+json");
        assert_eq!(items(&resp, "00081199").len(), 2, "{resp}");
        let study = Spec::new(1701, 1, 1).study;
        assert!(value(&resp, "00081190").as_str().unwrap().ends_with(&format!("/dicomweb/studies/{study}")));
    }
    for (spec, bytes) in [(Spec::new(1701, 1, 1), &a), (Spec::new(1701, 1, 2), &b)] {
        let path = format!("/dicomweb/studies/{}/series/{}/instances/{}", spec.study, spec.series, spec.sop);
        let (status, ct, got) = get_bytes(&app, &owner, &path, None).await;
        assert_eq!(status, 200);
        assert!(only_part(&ct, &got).1 == *bytes, "the stored object is the one sent");
    }

    // Failures and warnings: 202, each with the standard's reason.
    let good = dicom(&Spec::new(1702, 1, 1).size(16));
    let conflicting = dicom(&Spec::new(1701, 1, 1).size(24).seed(9));
    let quirk = std::fs::read(corpus("real-world-corpus", "no-meta-implicit-le.dcm")).unwrap();
    let missing_uid = std::fs::read(corpus("real-world-corpus", "uid-empty.dcm")).unwrap();
    let (_, body) = related(&[&good, b"this is not DICOM at all", &conflicting, &quirk, &missing_uid]);
    let (status, _, resp) = post(&app, &owner, "/dicomweb/studies", STOW_TYPE, body).await;
    assert_eq!(status, 202, "{resp}");
    let referenced = items(&resp, "00081199");
    assert_eq!(referenced.len(), 2, "the good object and the quirky one: {resp}");
    let warned: Vec<&Value> = referenced.iter().copied().filter(|i| i.get("00081196").is_some()).collect();
    assert_eq!(warned.len(), 1, "{resp}");
    assert_eq!(value(warned[0], "00081196"), 0xB007, "data set does not match SOP class");
    let failed = items(&resp, "00081198");
    assert_eq!(failed.len(), 1, "{resp}");
    assert_eq!(value(failed[0], "00081155"), Spec::new(1701, 1, 1).sop.as_str());
    assert_eq!(value(failed[0], "00081197"), 0x0111, "a different object under a stored UID");
    let mut other: Vec<u64> = items(&resp, "0008119A").iter().map(|i| value(i, "00081197").as_u64().unwrap()).collect();
    other.sort();
    assert_eq!(other, vec![0xA900, 0xC000], "the empty UID and the non-DICOM part: {resp}");
    assert!(resp["00081190"].get("Value").is_none(), "two studies: no one study URL ({resp})");

    // `/studies/{study}`: an object of another study fails with the study-mismatch reason,
    // and nothing of it is stored.
    let own = Spec::new(1703, 1, 1);
    let elsewhere = Spec::new(1704, 1, 1);
    let (_, body) = related(&[&dicom(&elsewhere)]);
    let (status, _, resp) = post(&app, &owner, &format!("/dicomweb/studies/{}", own.study), STOW_TYPE, body).await;
    assert_eq!(status, 409, "{resp}");
    assert_eq!(value(items(&resp, "00081198")[0], "00081197"), 0xC409);
    assert!(value(&resp, "00081190").as_str().unwrap().ends_with(&own.study));
    assert_eq!(app.get_json(&format!("/api/studies/{}", elsewhere.study)).await.0, 404);
    let (_, body) = related(&[&dicom(&own), &dicom(&elsewhere)]);
    let (status, _, resp) = post(&app, &owner, &format!("/dicomweb/studies/{}", own.study), STOW_TYPE, body).await;
    assert_eq!(status, 202, "{resp}");
    assert_eq!(items(&resp, "00081199").len(), 1);

    // Another account's study: not the stranger's to add to (Not Authorized), and it stays
    // out of their sight.
    let intruder = Spec::new(1701, 7, 1).size(16);
    let (_, body) = related(&[&dicom(&intruder)]);
    let (status, _, resp) = post(&app, &stranger, "/dicomweb/studies", STOW_TYPE, body.clone()).await;
    assert_eq!(status, 409, "{resp}");
    assert_eq!(value(items(&resp, "00081198")[0], "00081197"), 0x0124);
    let path = format!("/dicomweb/studies/{}", intruder.study);
    let (status, _, resp) = post(&app, &stranger, &path, STOW_TYPE, body).await;
    assert_eq!(status, 409, "{resp}");
    let (status, _, _) = get_bytes(&app, &stranger, &path, None).await;
    assert_eq!(status, 404);
    let (_, study) = app.get_json(&format!("/api/studies/{}", intruder.study)).await;
    assert_eq!(study["num_series"].as_i64(), Some(1), "no series was added: {study}");

    // Bodies that are not multipart/related of DICOM objects.
    let (form_type, form) = multipart(&[("a.dcm", &a)]);
    assert_eq!(post(&app, &owner, "/dicomweb/studies", &form_type, form).await.0, 415);
    let json_type = "multipart/related; type=\"application/dicom+json\"; boundary=x";
    assert_eq!(post(&app, &owner, "/dicomweb/studies", json_type, b"--x--\r\n".to_vec()).await.0, 415);
    let (status, _, resp) =
        post(&app, &owner, "/dicomweb/studies", "multipart/related; type=\"application/dicom\"", a.clone()).await;
    assert_eq!((status, resp["error"].as_str()), (400, Some("bad_request")), "{resp}");
    let (status, _, resp) =
        post(&app, &owner, "/dicomweb/studies", STOW_TYPE, b"--ferrum-stow-boundary-3c9a--\r\n".to_vec()).await;
    assert_eq!(status, 400, "no parts: {resp}");
    let (status, _, resp) = post(&app, &owner, "/dicomweb/studies", STOW_TYPE, b"garbage without parts".to_vec()).await;
    assert_eq!(status, 400, "{resp}");

    // One upload event per study and request, however many objects it carried (the
    // request whose only object of the study conflicted stored nothing of it).
    // The stranger's two refused requests have theirs too, as the upload route records them.
    for (study, by_owner, by_stranger) in [(Spec::new(1700, 1, 1).study, 2, 0), (Spec::new(1701, 1, 1).study, 2, 2)] {
        let (_, trail) = app.get_json(&format!("/api/audit?action=upload&study_uid={study}&limit=50")).await;
        let events = trail["items"].as_array().unwrap();
        let count = |who: &str| events.iter().filter(|e| e["actor"] == who).count();
        assert_eq!((count("user:stow-owner"), count("user:stow-stranger")), (by_owner, by_stranger), "{trail}");
        let requests: std::collections::HashSet<&str> =
            events.iter().map(|e| e["request_id"].as_str().unwrap()).collect();
        assert_eq!(requests.len(), events.len(), "one event per request and study: {trail}");
    }
}

#[tokio::test]
async fn stow_rs_is_held_to_the_upload_size_limit() {
    let app = app().env("FERRUM_MAX_UPLOAD_BYTES", "200000").spawn().await.logged_in_as_admin().await;
    let token = app.token().to_owned();
    let big = dicom(&Spec::new(1710, 1, 1).size(500));
    let (_, body) = related(&[&big]);
    let (status, _, resp) = post(&app, &token, "/dicomweb/studies", STOW_TYPE, body).await;
    assert_eq!((status, resp["error"].as_str()), (413, Some("payload_too_large")), "{resp}");
    assert_eq!(app.get_json(&format!("/api/studies/{}", Spec::new(1710, 1, 1).study)).await.0, 404);
}

/// VmHWM (peak resident set) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap()
}

/// Instances of the bulk series, and the bound on what the server's peak RSS may grow by
/// while storing them: well under the body's size, so that a server holding the body (or
/// a fraction of the series) fails it.
const BULK: u32 = 1000;
const BULK_IMAGE_EDGE: u16 = 362;
const BULK_RSS_BOUND_MIB: u64 = 48;

#[tokio::test]
async fn stow_rs_stores_a_thousand_instance_series_in_one_request_in_bounded_memory() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let token = app.token().to_owned();
    // Warm up (first connections, caches), so the peak measured is the bulk request's.
    let (_, body) = related(&[&dicom(&Spec::new(1720, 9, 1).size(BULK_IMAGE_EDGE))]);
    assert_eq!(post(&app, &token, "/dicomweb/studies", STOW_TYPE, body).await.0, 200);
    let before = peak_rss_kib(app.pid());

    let boundary = "ferrum-bulk-boundary";
    let parts = futures_util::stream::iter(1..=BULK + 1).map(move |i| {
        let chunk = if i > BULK {
            format!("--{boundary}--\r\n").into_bytes()
        } else {
            let mut part = format!("--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").into_bytes();
            part.extend_from_slice(&dicom(&Spec::new(1720, 1, i).size(BULK_IMAGE_EDGE)));
            part.extend_from_slice(b"\r\n");
            part
        };
        Ok::<_, std::io::Error>(chunk)
    });
    let body_bytes = (dicom(&Spec::new(1720, 1, 1).size(BULK_IMAGE_EDGE)).len() as u64) * BULK as u64;
    let started = std::time::Instant::now();
    let r = app
        .client
        .post(app.url("/dicomweb/studies"))
        .bearer_auth(&token)
        .header("content-type", format!("multipart/related; type=\"application/dicom\"; boundary={boundary}"))
        .body(reqwest::Body::wrap_stream(parts))
        .timeout(std::time::Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let resp: Value = r.json().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(status, 200, "{}", &resp.to_string()[..resp.to_string().len().min(2000)]);
    assert_eq!(items(&resp, "00081199").len(), BULK as usize);
    let after = peak_rss_kib(app.pid());
    let grown_mib = after.saturating_sub(before) / 1024;
    eprintln!(
        "bulk STOW: {BULK} instances, {} MiB in {:.1} s ({:.0} files/s); server VmHWM {} -> {} MiB (+{grown_mib} MiB)",
        body_bytes / (1024 * 1024),
        elapsed.as_secs_f64(),
        BULK as f64 / elapsed.as_secs_f64(),
        before / 1024,
        after / 1024
    );
    assert!(
        grown_mib < BULK_RSS_BOUND_MIB && BULK_RSS_BOUND_MIB * 1024 * 1024 * 2 < body_bytes,
        "the server's peak RSS grew by {grown_mib} MiB for a {} MiB body (bound {BULK_RSS_BOUND_MIB} MiB)",
        body_bytes / (1024 * 1024)
    );
    let series = Spec::new(1720, 1, 1);
    let (_, found) = app
        .get_json(&format!("/dicomweb/studies/{}/series/{}/instances?limit=1000", series.study, series.series))
        .await;
    assert_eq!(found.as_array().map(Vec::len), Some(BULK as usize));
}

#[tokio::test]
async fn wado_rs_rewrites_uncompressed_objects_in_explicit_little_endian_and_wado_uri_serves_them() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let token = app.token().to_owned();
    let stranger = app.add_user("wado-uri-stranger", "radiologist").await;
    let names = [
        "ct_implicit_le.dcm",
        "ct_big_endian.dcm",
        "ct_deflated.dcm",
        "encapsulated_uncompressed.dcm",
        "palette8_ow_big_endian.dcm",
        "u32_big_endian.dcm",
        "ct_explicit_le.dcm",
        "jpeg_baseline_grey.dcm",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![dir.path().to_string_lossy().into_owned()];
    args.extend(names.iter().map(|n| corpus("render-corpus", n).to_string_lossy().into_owned()));
    let copies: Vec<Vec<String>> =
        run(UNIQUE, &args).lines().map(|l| l.split('\t').map(str::to_owned).collect()).collect();
    assert_eq!(copies.len(), names.len());
    let objects: Vec<Vec<u8>> = copies.iter().map(|c| std::fs::read(&c[0]).unwrap()).collect();
    let refs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
    let (ctype, body) = related(&refs);
    let (status, _, resp) = post(&app, &token, "/dicomweb/studies", &ctype, body).await;
    assert_eq!(status, 200, "{resp}");

    // Through dicomweb-client: explicit little endian with the original's pixels.
    let uncompressed: Vec<String> = copies[..7].iter().map(|c| c[0].clone()).collect();
    let mut args = vec![app.url("/dicomweb"), token.clone(), copies[7][0].clone()];
    args.extend(uncompressed);
    let checked: Vec<String> = serde_json::from_str(run(TRANSCODED, &args).trim()).unwrap();
    assert_eq!(checked.len(), 7);

    // Without a transfer syntax, or with the stored one, the stored bytes.
    let c = &copies[1];
    let path = format!("/dicomweb/studies/{}/series/{}/instances/{}", c[1], c[2], c[3]);
    let (status, ct, got) = get_bytes(&app, &token, &path, None).await;
    assert_eq!(status, 200);
    let (part_type, bytes) = only_part(&ct, &got);
    assert_eq!(part_type, "application/dicom; transfer-syntax=1.2.840.10008.1.2.2");
    assert!(bytes == objects[1]);
    let ele = "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1";
    let (status, ct, got) = get_bytes(&app, &token, &path, Some(ele)).await;
    assert_eq!(status, 200);
    assert_eq!(only_part(&ct, &got).0, "application/dicom; transfer-syntax=1.2.840.10008.1.2.1");

    // WADO-URI: a JPEG by default, PNG on request with a window and a size, the object
    // itself as stored or rewritten; bad requests answer a reason; strangers get 404.
    let wado = |c: &Vec<String>, extra: &str| {
        format!("/wado?requestType=WADO&studyUID={}&seriesUID={}&objectUID={}{extra}", c[1], c[2], c[3])
    };
    let (status, ct, got) = get_bytes(&app, &token, &wado(c, ""), None).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert!(got.starts_with(b"\xff\xd8"));
    let (status, ct, got) = get_bytes(
        &app,
        &token,
        &wado(c, "&contentType=image/png&windowCenter=40&windowWidth=400&rows=64&columns=64"),
        None,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    let picture = image::load_from_memory(&got).unwrap();
    assert!(picture.width() <= 64 && picture.height() <= 64, "{}x{}", picture.width(), picture.height());
    let (status, ct, got) = get_bytes(&app, &token, &wado(c, "&contentType=application/dicom"), None).await;
    assert_eq!((status, ct.as_str()), (200, "application/dicom"));
    assert!(got == objects[1], "the stored object");
    let (status, _, got) =
        get_bytes(&app, &token, &wado(c, "&contentType=application/dicom&transferSyntax=1.2.840.10008.1.2.1"), None)
            .await;
    assert_eq!(status, 200);
    assert_eq!(&got[128..132], b"DICM");
    assert!(got.windows(19).any(|w| w == b"1.2.840.10008.1.2.1"));
    let jpeg = &copies[7];
    let (status, _, _) =
        get_bytes(&app, &token, &wado(jpeg, "&contentType=application/dicom&transferSyntax=1.2.840.10008.1.2.1"), None)
            .await;
    assert_eq!(status, 406);
    let multi = &copies[3];
    let (status, _, _) = get_bytes(&app, &token, &wado(multi, "&frameNumber=2"), None).await;
    assert_eq!(status, 200, "frame 2 of the multi-frame object");
    for (query, code) in [
        (format!("/wado?studyUID={}&seriesUID={}&objectUID={}", c[1], c[2], c[3]), 400),
        (wado(c, "&frameNumber=0"), 400),
        (wado(c, "&frameNumber=99"), 400),
        (wado(c, "&windowCenter=40"), 400),
        (wado(c, "&contentType=text/html"), 406),
        ("/wado?requestType=WADO&studyUID=1&seriesUID=2".to_owned(), 400),
    ] {
        let r = app.client.get(app.url(&query)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status().as_u16(), code, "{query}");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].is_string() && v["message"].is_string(), "{query}: {v}");
    }
    assert_eq!(get_bytes(&app, &stranger, &wado(c, ""), None).await.0, 404);
    assert_eq!(get_bytes(&app, &stranger, &wado(c, "&contentType=application/dicom"), None).await.0, 404);
    let (_, trail) = app.get_json("/api/audit?action=download_instance&limit=100").await;
    let via_wado = trail["items"].as_array().unwrap().iter().filter(|e| e["detail"]["via"] == "wado-uri").count();
    assert!(via_wado >= 3, "{trail}");
}
