//! DICOMweb against the real binary, checked with the third-party client a hospital script
//! would use (dicomweb-client) and pydicom: WADO-RS metadata, kept at ingest, must say what
//! the stored files say, element for element, at study, series and instance level, to those
//! who may see the study only.
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fixtures::*;
use crate::harness::{app, python, TestApp};

/// Real-world and rendering corpus files with sequences, lookup tables, private elements, an
/// ISO 2022 character set, implicit VR, big endian, compressed pixel data and no File Meta
/// group (each with a SOP Instance UID of its own).
const CORPUS: &[&str] = &[
    "render-corpus/enhanced_ct.dcm",
    "render-corpus/palette16.dcm",
    "render-corpus/modality_lut_seq.dcm",
    "render-corpus/voi_lut_seq.dcm",
    "render-corpus/ct_big_endian.dcm",
    "render-corpus/rtdose_u32.dcm",
    "render-corpus/jpeg_baseline_rgb.dcm",
    "real-world-corpus/charset-iso2022-ir87.dcm",
    "real-world-corpus/no-meta-implicit-le.dcm",
    "real-world-corpus/undefined-length-sequences.dcm",
];

/// For each `(study uid, file)`: the study's metadata through dicomweb-client, read back by
/// pydicom, holds the instance with every element of the file (Pixel Data aside) equal.
const COMPARE: &str = r#"
import json, sys
import pydicom
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from dicomweb_client.api import DICOMwebClient

url, token, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
client = DICOMwebClient(url=url, headers={"Authorization": "Bearer " + token})
BINARY = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}

def norm(v):
    if v is None:
        return ""
    if isinstance(v, (MultiValue, list, tuple)):
        vals = [norm(x) for x in v]
        return vals[0] if len(vals) == 1 else vals
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if isinstance(v, float) or type(v).__name__ in ("DSfloat", "DSdecimal"):
        return round(float(v), 6)
    if isinstance(v, int):
        return int(v)
    return str(v).rstrip(" \x00")

def compare(a, b, where, big_endian):
    n = 0
    for elem in a:
        tag = elem.tag
        if tag.group in (0x0002, 0x7FE0, 0xFFFE) or tag.element == 0:
            continue
        if elem.VR in BINARY and (big_endian or elem.value is None or len(elem.value) > 1024 * 1024):
            continue
        if tag not in b:
            raise SystemExit(f"{where}: {tag} ({elem.keyword or 'private'}) missing from the metadata")
        other = b[tag]
        if elem.VR == "SQ":
            if len(elem.value) != len(other.value):
                raise SystemExit(f"{where}: {tag} has {len(other.value)} items, the file {len(elem.value)}")
            for i, (x, y) in enumerate(zip(elem.value, other.value)):
                n += compare(x, y, f"{where} {tag}[{i}]", big_endian)
            continue
        if norm(elem.value) != norm(other.value):
            raise SystemExit(f"{where}: {tag} ({elem.keyword}) is {norm(other.value)!r}, the file says {norm(elem.value)!r}")
        n += 1
    return n

checked = 0
for study, path in zip(pairs[::2], pairs[1::2]):
    f = pydicom.dcmread(path, force=True)
    metas = [Dataset.from_json(m) for m in client.retrieve_study_metadata(study)]
    mine = [m for m in metas if m.SOPInstanceUID == f.SOPInstanceUID]
    if len(mine) != 1:
        raise SystemExit(f"{path}: {len(mine)} metadata entries for its instance")
    ts = getattr(getattr(f, "file_meta", None), "TransferSyntaxUID", None)
    checked += compare(f, mine[0], path, ts == "1.2.840.10008.1.2.2")
print(json.dumps({"files": len(pairs) // 2, "elements": checked}))
"#;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(rel)
}

async fn metadata(app: &TestApp, token: &str, path: &str) -> (u16, Option<String>, Value) {
    let r = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    (status, ctype, r.json().await.unwrap_or(Value::Null))
}

fn sops(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i["00080018"]["Value"][0].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn wado_rs_metadata_says_what_the_files_say_to_those_who_may_see_the_study() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let reader = app.add_user("dw-reader", "radiologist").await;
    let stranger = app.add_user("dw-stranger", "radiologist").await;

    // A study of two series from an account, read as its owner, an admin and a stranger.
    let mut specs = vec![Spec::new(7300, 1, 1), Spec::new(7300, 1, 2), Spec::new(7300, 2, 1)];
    for s in &mut specs {
        s.patient_name = "Müller^Hans".into();
    }
    let files: Vec<Vec<u8>> = specs.iter().map(dicom).collect();
    let entries: Vec<(String, &[u8])> =
        files.iter().enumerate().map(|(n, f)| (format!("{n}.dcm"), f.as_slice())).collect();
    let entries: Vec<(&str, &[u8])> = entries.iter().map(|(n, f)| (n.as_str(), *f)).collect();
    let (status, report) = app.upload_as(&reader, "application/zip", zip_of(&entries)).await;
    assert_eq!(status, 201, "{report}");

    let study = &specs[0].study;
    let (status, ctype, all) = metadata(&app, &reader, &format!("/dicomweb/studies/{study}/metadata")).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(ctype.as_deref(), Some("application/dicom+json"));
    assert_eq!(sops(&all), [specs[0].sop.clone(), specs[1].sop.clone(), specs[2].sop.clone()]);
    assert_eq!(all[0]["00100010"], serde_json::json!({"vr": "PN", "Value": [{"Alphabetic": "Müller^Hans"}]}));
    // Pixel Data is never inline: a BulkDataURI to the instance's frames stands for it.
    let frames = format!("/dicomweb/studies/{study}/series/{}/instances/{}/frames", specs[0].series, specs[0].sop);
    assert_eq!(all[0]["7FE00010"]["vr"], "OW", "{}", all[0]["7FE00010"]);
    assert!(
        all[0]["7FE00010"]["BulkDataURI"].as_str().is_some_and(|u| u == app.url(&frames)),
        "{}",
        all[0]["7FE00010"]
    );
    assert!(all[0]["7FE00010"].get("InlineBinary").is_none());
    let (_, _, as_admin) = metadata(&app, app.token(), &format!("/dicomweb/studies/{study}/metadata")).await;
    assert_eq!(as_admin, all);

    let series = format!("/dicomweb/studies/{study}/series/{}/metadata", specs[2].series);
    assert_eq!(sops(&metadata(&app, &reader, &series).await.2), [specs[2].sop.clone()]);
    let one = format!("/dicomweb/studies/{study}/series/{}/instances/{}/metadata", specs[0].series, specs[1].sop);
    assert_eq!(sops(&metadata(&app, &reader, &one).await.2), [specs[1].sop.clone()]);

    for path in [format!("/dicomweb/studies/{study}/metadata"), series.clone(), one.clone()] {
        assert_eq!(metadata(&app, &stranger, &path).await.0, 404, "a stranger: {path}");
    }
    let elsewhere = format!("/dicomweb/studies/1.2.3.999/series/{}/metadata", specs[2].series);
    assert_eq!(metadata(&app, &reader, &elsewhere).await.0, 404, "a series under another study's UID");
    let r = app.client.get(app.url(&format!("/dicomweb/studies/{study}/metadata"))).send().await.unwrap();
    assert_eq!(r.status(), 401, "no token");

    // Each read is on the audit trail, the stranger's as not found.
    let (_, trail) = app.get_json("/api/audit?action=view_study&limit=100").await;
    let events = trail["items"].as_array().expect("audit items");
    let dicomweb: Vec<&Value> = events.iter().filter(|e| e["detail"]["via"] == "dicomweb").collect();
    assert!(dicomweb.len() >= 8, "{events:?}");
    assert!(dicomweb.iter().any(|e| e["outcome"] == "not_found" && e["actor"] == "user:dw-stranger"));
}

#[tokio::test]
async fn dicomweb_client_reads_metadata_equal_to_real_world_files_element_for_element() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let mut args = Vec::new();
    for rel in CORPUS {
        let bytes = std::fs::read(corpus(rel)).unwrap();
        let (status, report) = app.upload("application/dicom", bytes).await;
        assert!(status == 201 || status == 200, "{rel}: {report}");
        let study = report["files"][0]["study_instance_uid"].as_str().unwrap_or_else(|| panic!("{rel}: {report}"));
        args.push(study.to_owned());
        args.push(corpus(rel).to_string_lossy().into_owned());
    }
    let out = Command::new(python())
        .arg("-c")
        .arg(COMPARE)
        .arg(app.url("/dicomweb"))
        .arg(app.token())
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["files"], CORPUS.len());
    assert!(summary["elements"].as_u64().unwrap() > 200, "{summary}");
}

#[tokio::test]
async fn instances_catalogued_before_metadata_was_kept_get_it_from_their_stored_objects_past_a_missing_one() {
    let mut app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(7301, 1, 1);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    let path = format!("/dicomweb/studies/{}/metadata", spec.study);
    // The Pixel Data's BulkDataURI names the server's address, which a restart changes here.
    let without_pixels = |mut v: Value| {
        v[0].as_object_mut().unwrap().remove("7FE00010");
        v
    };
    let kept = without_pixels(metadata(&app, app.token(), &path).await.2);

    // An instance whose object is gone from the blob store, first in the job's order: it
    // must not hold back the others.
    let lost = Spec::new(7300, 1, 1);
    assert!(lost.sop < spec.sop);
    assert_eq!(app.upload("application/dicom", dicom(&lost)).await.0, 201);
    app.catalog_sql(&format!(
        "UPDATE instances SET blob_key = substr(blob_key, 1, length(blob_key) - 8) || '00000000' WHERE sop_uid = '{}'",
        lost.sop
    ))
    .await
    .unwrap();

    // As a catalog from before the metadata was kept: the catalog's own fields meanwhile.
    app.catalog_sql("DELETE FROM instance_metadata").await.unwrap();
    let (status, _, bare) = metadata(&app, app.token(), &path).await;
    assert_eq!(status, 200);
    assert_eq!(sops(&bare), std::slice::from_ref(&spec.sop));
    assert!(bare[0].get("00100010").is_none(), "only what the catalog holds: {bare}");

    // The background job started with the server reads the header from the stored object.
    app.restart();
    let app = app.logged_in_as_admin().await;
    let started = std::time::Instant::now();
    loop {
        let now = without_pixels(metadata(&app, app.token(), &path).await.2);
        if now == kept {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "not filled in: {now}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_rectified_study_answers_its_corrected_metadata_and_is_found_by_its_corrected_name() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(7302, 1, 1);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    let r = app
        .client
        .patch(app.url(&format!("/api/studies/{}", spec.study)))
        .bearer_auth(app.token())
        .json(&serde_json::json!({"patient_name": "Corrected^Name"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (_, _, now) = metadata(&app, app.token(), &format!("/dicomweb/studies/{}/metadata", spec.study)).await;
    assert_eq!(now[0]["00100010"]["Value"][0]["Alphabetic"], "Corrected^Name", "{now}");
    let (_, found) = app.get_json("/api/studies?patient_name=corrected").await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "{found}");
    let (_, old) = app.get_json("/api/studies?patient_name=patient").await;
    assert_eq!(old["items"].as_array().map(Vec::len), Some(0), "the old name is gone from the search: {old}");
}
