//! QIDO-RS against the real binary, through the third-party client a hospital script would
//! use (dicomweb-client): study, series and instance searches with matches, fuzzy names,
//! dates, modalities, return keys and paging answer what was uploaded, to those who may see
//! it only; bad matches are 400 with a reason, unknown parameters a Warning.
use std::process::Command;

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, python, TestApp};

const SEARCH: &str = r#"
import json, sys
from dicomweb_client.api import DICOMwebClient

url, token, s1, s2, s3, s1a, sop2 = sys.argv[1:8]
c = DICOMwebClient(url=url, headers={"Authorization": "Bearer " + token})

def uids(rs, tag="0020000D"):
    return [r[tag]["Value"][0] for r in rs]

out = {
    "all": uids(c.search_for_studies()),
    "muller": uids(c.search_for_studies(search_filters={"PatientName": "muller"})),
    "fuzzy": uids(c.search_for_studies(search_filters={"PatientName": "mullr"}, fuzzymatching=True)),
    "not_fuzzy": uids(c.search_for_studies(search_filters={"PatientName": "mullr"})),
    "wildcard": uids(c.search_for_studies(search_filters={"PatientName": "MU?OZ*"})),
    "january": uids(c.search_for_studies(search_filters={"StudyDate": "20240101-20240131"})),
    "from_feb": uids(c.search_for_studies(search_filters={"StudyDate": "20240201-"})),
    "to_jan10": uids(c.search_for_studies(search_filters={"StudyDate": "-20240110"})),
    "mr": uids(c.search_for_studies(search_filters={"ModalitiesInStudy": "MR"})),
    "by_tag": uids(c.search_for_studies(search_filters={"00100020": "PID7402"})),
    "uid_list": uids(c.search_for_studies(search_filters={"StudyInstanceUID": [s1, s3]})),
    "uid_backslash": uids(c.search_for_studies(search_filters={"StudyInstanceUID": s1 + "\\" + s2})),
    "accession": uids(c.search_for_studies(search_filters={"AccessionNumber": "A7401"})),
    "page1": uids(c.search_for_studies(limit=2)),
    "page2": uids(c.search_for_studies(limit=2, offset=2)),
    "first": c.search_for_studies(search_filters={"StudyInstanceUID": s1}, fields=["StudyDescription", "00100020"]),
    "series": uids(c.search_for_series(s1), "0020000E"),
    "series_mr": uids(c.search_for_series(search_filters={"Modality": "MR"}), "0020000E"),
    "series_rows": c.search_for_series(s1, search_filters={"SeriesInstanceUID": s1a}),
    "instances": uids(c.search_for_instances(s1, s1a), "00080018"),
    "instances_study": uids(c.search_for_instances(s1), "00080018"),
    "instances_num": uids(c.search_for_instances(s1, search_filters={"SOPInstanceUID": sop2}), "00080018"),
    "instances_all": uids(c.search_for_instances(), "00080018"),
    "instance_all_fields": c.search_for_instances(s1, s1a, fields=["all"], limit=1),
}
print(json.dumps(out))
"#;

fn specs() -> Vec<Spec> {
    let mut s = vec![
        Spec::new(7400, 1, 1).name("Müller^Hans").date("20240105"),
        Spec::new(7400, 1, 2).name("Müller^Hans").date("20240105"),
        Spec::new(7400, 2, 1).name("Müller^Hans").date("20240105"),
        Spec::new(7401, 1, 1).name("Muñoz^José").date("20240120"),
        Spec::new(7402, 1, 1).name("Schmidt^Anna").date("20240210"),
    ];
    s[2].modality = "MR".into();
    s[3].modality = "MR".into();
    s[4].modality = "US".into();
    s
}

async fn upload(app: &TestApp, token: &str, specs: &[Spec]) {
    let files: Vec<Vec<u8>> = specs.iter().map(dicom).collect();
    let names: Vec<String> = (0..files.len()).map(|n| format!("{n}.dcm")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(files.iter().map(Vec::as_slice)).collect();
    let (status, report) = app.upload_as(token, "application/zip", zip_of(&entries)).await;
    assert_eq!(status, 201, "{report}");
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Option<String>, Value) {
    let r = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let warning = r.headers().get("warning").map(|v| v.to_str().unwrap().to_owned());
    (status, warning, r.json().await.unwrap_or(Value::Null))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().unwrap_or_else(|| panic!("{v}")).iter().map(|x| x.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn dicomweb_client_searches_studies_series_and_instances_as_uploaded_and_scoped() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let reader = app.add_user("qido-reader", "radiologist").await;
    let stranger = app.add_user("qido-stranger", "radiologist").await;
    let specs = specs();
    upload(&app, &reader, &specs).await;
    // Someone else's Müller, in January, which the reader must never see.
    let other = Spec::new(7403, 1, 1).name("Müller^Else").date("20240106");
    upload(&app, &stranger, std::slice::from_ref(&other)).await;
    let (s1, s2, s3) = (specs[0].study.as_str(), specs[3].study.as_str(), specs[4].study.as_str());

    let out = Command::new(python())
        .arg("-c")
        .arg(SEARCH)
        .arg(app.url("/dicomweb"))
        .arg(&reader)
        .args([s1, s2, s3, specs[0].series.as_str(), specs[1].sop.as_str()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Newest study date first.
    assert_eq!(strs(&r["all"]), [s3, s2, s1]);
    assert_eq!(strs(&r["muller"]), [s1], "accents aside, and not the stranger's Müller");
    assert_eq!(strs(&r["fuzzy"]), [s1], "a typo found with fuzzymatching");
    assert_eq!(strs(&r["not_fuzzy"]), Vec::<String>::new(), "and not without");
    assert_eq!(strs(&r["wildcard"]), [s2]);
    assert_eq!(strs(&r["january"]), [s2, s1]);
    assert_eq!(strs(&r["from_feb"]), [s3]);
    assert_eq!(strs(&r["to_jan10"]), [s1]);
    assert_eq!(strs(&r["mr"]), [s2, s1]);
    assert_eq!(strs(&r["by_tag"]), [s3]);
    assert_eq!(strs(&r["uid_list"]), [s3, s1]);
    assert_eq!(strs(&r["uid_backslash"]), [s2, s1]);
    assert_eq!(strs(&r["accession"]), [s2]);
    assert_eq!(strs(&r["page1"]), [s3, s2]);
    assert_eq!(strs(&r["page2"]), [s1]);

    let first = &r["first"][0];
    assert_eq!(first["00100010"], json!({"vr": "PN", "Value": [{"Alphabetic": "Müller^Hans"}]}));
    assert_eq!(first["00080020"], json!({"vr": "DA", "Value": ["20240105"]}));
    assert_eq!(first["00100020"]["Value"][0], specs[0].patient_id);
    assert_eq!(first["00081030"]["Value"][0], specs[0].description, "includefield StudyDescription");
    assert_eq!(first["00080050"]["Value"][0], specs[0].accession);
    assert_eq!(first["00201206"], json!({"vr": "IS", "Value": [2]}));
    assert_eq!(first["00201208"], json!({"vr": "IS", "Value": [3]}));
    assert_eq!(first["00080061"], json!({"vr": "CS", "Value": ["CT", "MR"]}));
    assert!(first["00081190"]["Value"][0].as_str().unwrap().ends_with(&format!("/dicomweb/studies/{s1}")));
    assert!(first.get("00080018").is_none(), "no instance attributes at study level: {first}");

    assert_eq!(strs(&r["series"]), [specs[0].series.as_str(), specs[2].series.as_str()]);
    assert_eq!(strs(&r["series_mr"]), [specs[3].series.as_str(), specs[2].series.as_str()]);
    let series = &r["series_rows"][0];
    assert_eq!(r["series_rows"].as_array().unwrap().len(), 1);
    assert_eq!(series["00080060"], json!({"vr": "CS", "Value": ["CT"]}));
    assert_eq!(series["00201209"], json!({"vr": "IS", "Value": [2]}));
    assert!(series["00081190"]["Value"][0]
        .as_str()
        .unwrap()
        .ends_with(&format!("/dicomweb/studies/{s1}/series/{}", specs[0].series)));

    assert_eq!(strs(&r["instances"]), [specs[0].sop.as_str(), specs[1].sop.as_str()]);
    assert_eq!(strs(&r["instances_study"]), [specs[0].sop.as_str(), specs[1].sop.as_str(), specs[2].sop.as_str()]);
    assert_eq!(strs(&r["instances_num"]), [specs[1].sop.as_str()]);
    let mut all = strs(&r["instances_all"]);
    all.sort();
    let mut expected: Vec<String> = specs.iter().map(|s| s.sop.clone()).collect();
    expected.sort();
    assert_eq!(all, expected, "every instance the reader may see, none of the stranger's");
    let one = &r["instance_all_fields"][0];
    assert_eq!(one["00080018"]["Value"][0], specs[0].sop);
    assert_eq!(one["00100010"]["Value"][0]["Alphabetic"], "Müller^Hans", "includefield=all from the kept metadata");
    assert!(one.get("7FE00010").is_none(), "never the pixel data");

    // The stranger sees their own study only; the reader's study is an empty answer.
    let (status, _, theirs) = get(&app, &stranger, "/dicomweb/studies").await;
    assert_eq!(status, 200);
    assert_eq!(theirs.as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(theirs[0]["0020000D"]["Value"][0], other.study);
    for path in [
        format!("/dicomweb/studies/{s1}/series"),
        format!("/dicomweb/studies/{s1}/instances"),
        format!("/dicomweb/studies?StudyInstanceUID={s1}"),
        "/dicomweb/series?Modality=MR".to_owned(),
    ] {
        let (status, _, none) = get(&app, &stranger, &path).await;
        assert_eq!((status, none), (200, json!([])), "a stranger: {path}");
    }
    let (_, _, admin) = get(&app, app.token(), "/dicomweb/studies?PatientName=muller").await;
    assert_eq!(admin.as_array().unwrap().len(), 2, "an admin sees both Müllers: {admin}");
    let r = app.client.get(app.url("/dicomweb/studies")).send().await.unwrap();
    assert_eq!(r.status(), 401, "no token");

    // Each search is on the audit trail as a study search through DICOMweb.
    let (_, trail) = app.get_json("/api/audit?action=search_studies&limit=200").await;
    let events = trail["items"].as_array().expect("audit items");
    let dicomweb: Vec<&Value> = events.iter().filter(|e| e["detail"]["via"] == "dicomweb").collect();
    assert!(dicomweb.iter().any(|e| e["actor"] == "user:qido-reader"), "{events:?}");
}

#[tokio::test]
async fn bad_matches_are_400_with_a_reason_and_unknown_parameters_a_warning() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(7410, 1, 1);
    upload(&app, app.token(), std::slice::from_ref(&spec)).await;
    for path in [
        "/dicomweb/studies?StudyDate=2024-01-01",
        "/dicomweb/studies?StudyDate=20240131-20240101",
        "/dicomweb/studies?StudyDate=-",
        "/dicomweb/studies?StudyTime=25h",
        "/dicomweb/studies?NotAKeyword=1",
        "/dicomweb/studies?includefield=NoSuchAttribute",
        "/dicomweb/series?SeriesNumber=one",
        "/dicomweb/instances?InstanceNumber=x",
        "/dicomweb/studies?limit=ten",
        "/dicomweb/studies?offset=-1",
        "/dicomweb/studies?fuzzymatching=maybe",
    ] {
        let (status, _, body) = get(&app, app.token(), path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], "bad_request", "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {body}");
    }
    let (status, warning, body) = get(&app, app.token(), "/dicomweb/studies?frobnicate=1&PatientID=PID7410").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 1);
    let warning = warning.expect("a Warning header");
    assert!(warning.starts_with("299 ") && warning.contains("frobnicate"), "{warning}");
    let (status, warning, _) = get(&app, app.token(), "/dicomweb/studies?PatientID=PID7410").await;
    assert_eq!((status, warning), (200, None));
    // A limit above the bound is the bound; the server keeps serving.
    let (status, _, body) = get(&app, app.token(), "/dicomweb/studies?limit=100000").await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(1)));
}
