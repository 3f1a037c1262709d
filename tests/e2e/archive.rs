//! Archives: a study, a patient's studies, an account's uploads, and the command line's
//! export, each a DICOM file-set (PATIENT/STUDY/SERIES tree, DICOMDIR, manifest.json) with
//! every object byte for byte. The DICOMDIR is checked by dcmtk's `dcmdump` and by pydicom's
//! `FileSet`, which must find every instance at its path with its UIDs.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::Command;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

/// Entry name → bytes.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
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

/// Every file under `dir`, by `/`-separated relative path.
pub(crate) fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A CT object with the numbers a DICOMDIR's records carry.
fn numbered(spec: &Spec, series_number: i64, instance_number: i64) -> Vec<u8> {
    let mut obj = object(spec);
    obj.put(DataElement::new(tags::SERIES_NUMBER, VR::IS, PrimitiveValue::from(series_number.to_string())));
    obj.put(DataElement::new(tags::INSTANCE_NUMBER, VR::IS, PrimitiveValue::from(instance_number.to_string())));
    obj.put(DataElement::new(tags::STUDY_ID, VR::SH, PrimitiveValue::from("42")));
    obj.put(DataElement::new(tags::STUDY_TIME, VR::TM, PrimitiveValue::from("101010")));
    encode(obj, &spec.sop)
}

/// What was uploaded: SOP Instance UID → (the spec, its bytes).
type Uploaded = HashMap<String, (Spec, Vec<u8>)>;

/// Uploads `series × instances` objects of a study as `token`.
async fn upload_study(app: &TestApp, token: &str, study: Spec, series: u32, instances: u32, all: &mut Uploaded) {
    for se in 1..=series {
        for i in 1..=instances {
            let mut spec = Spec::new(0, se, i).size(16).seed((se * 10 + i) as u8);
            spec.study = study.study.clone();
            spec.series = format!("{}.{se}", study.study);
            spec.sop = format!("{}.{se}.{i}", study.study);
            spec.patient_id = study.patient_id.clone();
            spec.patient_name = study.patient_name.clone();
            spec.study_date = study.study_date.clone();
            spec.accession = study.accession.clone();
            let bytes = numbered(&spec, i64::from(se), i64::from(i));
            let (status, body) = app.upload_as(token, "application/dicom", bytes.clone()).await;
            assert_eq!(status, 201, "{body}");
            all.insert(spec.sop.clone(), (spec, bytes));
        }
    }
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

/// The archive a route answers, whole.
async fn archive(app: &TestApp, token: &str, path: &str) -> BTreeMap<String, Vec<u8>> {
    let r = get(app, token, path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    unzip(&r.bytes().await.unwrap())
}

fn is_component(c: &str) -> bool {
    (1..=8).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks an archive against what was uploaded: exactly the objects `expected` names, each
/// byte for byte at a DICOMDIR-safe path, the manifest's hashes and UIDs, and the DICOMDIR
/// as dcmdump and pydicom read it. Answers the manifest.
fn check(entries: &BTreeMap<String, Vec<u8>>, uploaded: &Uploaded, expected: &[&str]) -> Value {
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).expect("manifest.json");
    assert_eq!(manifest["format"], "ferrum-archive/2");
    let files = manifest["files"].as_array().unwrap();
    let listed: BTreeSet<&str> = files.iter().map(|f| f["sop_instance_uid"].as_str().unwrap()).collect();
    assert_eq!(listed, expected.iter().copied().collect::<BTreeSet<_>>(), "the archive holds exactly these instances");
    assert_eq!(entries.len(), files.len() + 2, "objects, DICOMDIR and manifest.json, nothing else");
    for f in files {
        let path = f["path"].as_str().unwrap();
        let components: Vec<&str> = path.split('/').collect();
        assert!(components.len() == 4 && components.iter().all(|c| is_component(c)), "{path}");
        let data = &entries[path];
        let (spec, bytes) = &uploaded[f["sop_instance_uid"].as_str().unwrap()];
        assert_eq!(data, bytes, "{path} byte for byte");
        assert_eq!(f["sha256"], sha(data));
        assert_eq!(f["bytes"], data.len());
        assert_eq!(
            (f["series_instance_uid"].as_str(), f["study_instance_uid"].as_str()),
            (Some(&*spec.series), Some(&*spec.study))
        );
        assert_eq!(f["sop_class_uid"], CT_IMAGE);
        assert_eq!(f["transfer_syntax_uid"], "1.2.840.10008.1.2.1");
    }
    assert_eq!(manifest["dicomdir"]["sha256"], sha(&entries["DICOMDIR"]));

    let dir = tempfile::tempdir().unwrap();
    for (name, data) in entries {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    check_with_tools(dir.path(), &manifest);
    manifest
}

/// A pydicom 3 script: load the file-set, then for every instance its path, the UIDs its
/// records give, and the SOP Instance UID of the file found there.
const PYDICOM_FILESET: &str = r#"
import json, os, sys
from pydicom.fileset import FileSet
root = sys.argv[1]
fs = FileSet(os.path.join(root, "DICOMDIR"))
out = []
for inst in fs:
    ds = inst.load()
    out.append({
        "path": os.path.relpath(inst.path, root).replace(os.sep, "/"),
        "sop": inst.SOPInstanceUID,
        "sop_class": inst.SOPClassUID,
        "ts": inst.TransferSyntaxUID,
        "series": inst.SeriesInstanceUID,
        "study": inst.StudyInstanceUID,
        "patient": inst.PatientID,
        "file_sop": ds.SOPInstanceUID,
    })
print(json.dumps({"id": fs.ID, "instances": out, "patients": len(fs.find_values("PatientID"))}))
"#;

/// `dcmdump` reads the DICOMDIR without an error or a warning; pydicom's `FileSet` finds every
/// instance of the manifest at its path with the manifest's UIDs, and the file there is it.
pub fn check_with_tools(root: &Path, manifest: &Value) {
    let dump = Command::new("dcmdump")
        .arg(root.join("DICOMDIR"))
        .output()
        .expect("dcmdump (dcmtk) must be installed: apt-get install dcmtk");
    let errors = String::from_utf8_lossy(&dump.stderr);
    assert!(dump.status.success() && errors.trim().is_empty(), "dcmdump: {errors}");
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(text.contains("=MediaStorageDirectoryStorage"), "Media Storage Directory Storage:\n{text}");

    let py = Command::new(crate::harness::python())
        .arg("-c")
        .arg(PYDICOM_FILESET)
        .arg(root)
        .output()
        .expect("the test Python with pydicom 3: run the tests with ./scripts/test.sh, which installs it");
    assert!(py.status.success(), "pydicom FileSet: {}", String::from_utf8_lossy(&py.stderr));
    let found: Value = serde_json::from_slice(&py.stdout).unwrap();
    assert_eq!(found["id"], "FERRUM_EXPORT");
    let by_path: HashMap<&str, &Value> =
        found["instances"].as_array().unwrap().iter().map(|i| (i["path"].as_str().unwrap(), i)).collect();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(by_path.len(), files.len(), "pydicom finds every instance once");
    for f in files {
        let i = by_path[f["path"].as_str().unwrap()];
        assert_eq!(i["sop"], f["sop_instance_uid"]);
        assert_eq!(i["file_sop"], f["sop_instance_uid"], "the file at the path is the instance");
        assert_eq!(i["series"], f["series_instance_uid"]);
        assert_eq!(i["study"], f["study_instance_uid"]);
        assert_eq!(i["sop_class"], f["sop_class_uid"]);
        assert_eq!(i["ts"], f["transfer_syntax_uid"]);
    }
    let patients = manifest["patients"].as_array().unwrap();
    assert_eq!(found["patients"], patients.len(), "one PATIENT record per patient");
    for p in patients {
        let dir = p["path"].as_str().unwrap();
        for (path, i) in &by_path {
            if path.starts_with(&format!("{dir}/")) {
                assert_eq!(i["patient"], p["patient_id"], "{path} is under its patient");
            }
        }
    }
}

/// The study archive events of the trail for one study, oldest last.
pub(crate) async fn exports_of(app: &TestApp, study: &str) -> Vec<Value> {
    let (_, audit) = app.get_json(&format!("/api/audit?action=export_study&study_uid={study}")).await;
    audit["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_study_archive_is_a_dicom_file_set_with_every_object_byte_for_byte() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let bob = app.add_user("bob", "radiologist").await;
    let carol = app.add_user("carol", "radiologist").await;
    let mut uploaded = Uploaded::new();
    let study = Spec::new(5100, 0, 0).name("Müller^Jörg");
    upload_study(&app, &bob, study.clone(), 3, 2, &mut uploaded).await;
    let all: Vec<&str> = uploaded.keys().map(String::as_str).collect();

    let entries = archive(&app, &bob, &format!("/api/studies/{}/archive", study.study)).await;
    let manifest = check(&entries, &uploaded, &all);
    assert_eq!(manifest["scope"]["study_instance_uid"], study.study.as_str());
    let patients = manifest["patients"].as_array().unwrap();
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0]["patient_name"], "Müller^Jörg");
    let series = patients[0]["studies"][0]["series"].as_array().unwrap();
    assert_eq!(series.len(), 3);
    assert_eq!(patients[0]["studies"][0]["study_id"], "42");
    assert_eq!(series[0]["path"], "PT000000/ST000000/SE000000");
    // Series and instances in display order: series number, then instance number.
    let first =
        manifest["files"].as_array().unwrap().iter().find(|f| f["path"] == "PT000000/ST000000/SE000001/IM000001");
    assert_eq!(first.unwrap()["sop_instance_uid"], format!("{}.2.2", study.study));

    let r = get(&app, &carol, &format!("/api/studies/{}/archive", study.study)).await;
    assert_eq!(r.status(), 404, "another radiologist's study does not exist for carol");
    let events = exports_of(&app, &study.study).await;
    let allowed: Vec<&Value> = events.iter().filter(|e| e["outcome"] == "allowed").collect();
    assert_eq!(allowed.len(), 1, "{events:?}");
    assert_eq!(allowed[0]["actor"], "user:bob");
    let detail = &allowed[0]["detail"];
    assert_eq!(
        (detail["scope"].as_str(), detail["series"].as_u64(), detail["instances"].as_u64()),
        (Some("study"), Some(3), Some(6))
    );
    assert!(!allowed[0].to_string().contains("Müller"), "no patient name in the event");
    assert!(events.iter().any(|e| e["outcome"] == "not_found" && e["actor"] == "user:carol"));

    // A link's archive: the same layout, the link's series only when it names some.
    let link = |body: Value| {
        let (app, bob, study) = (&app, bob.clone(), study.study.clone());
        async move {
            let (status, v) = crate::links::create_link(app, &bob, &study, body).await;
            assert_eq!(status, 201, "{v}");
            let token = v["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
            app.url(&format!("/api/share/{token}/archive"))
        }
    };
    let r = reqwest::get(link(json!({"allow_download": false})).await).await.unwrap();
    assert_eq!(r.status(), 403, "a link without downloads gives no archive");
    let r = reqwest::get(link(json!({"allow_download": true})).await).await.unwrap();
    assert_eq!(r.status(), 200);
    check(&unzip(&r.bytes().await.unwrap()), &uploaded, &all);
    let narrowed = json!({"allow_download": true, "series": [format!("{}.3", study.study)]});
    let r = reqwest::get(link(narrowed).await).await.unwrap();
    assert_eq!(r.status(), 200);
    let third = [format!("{}.3.1", study.study), format!("{}.3.2", study.study)];
    let manifest = check(&unzip(&r.bytes().await.unwrap()), &uploaded, &[&third[0], &third[1]]);
    assert_eq!(manifest["files"][0]["path"], "PT000000/ST000000/SE000000/IM000000", "numbered within the archive");
}

#[tokio::test]
async fn a_patients_archive_holds_every_study_of_the_id_for_admins_only() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let bob = app.add_user("bob", "radiologist").await;
    let carol = app.add_user("carol", "radiologist").await;
    let mut uploaded = Uploaded::new();
    let mut first = Spec::new(5110, 0, 0).date("20240301");
    first.patient_id = "PAT-5110".into();
    let mut second = Spec::new(5111, 0, 0).date("20230101");
    second.patient_id = "PAT-5110".into();
    upload_study(&app, &bob, first.clone(), 2, 2, &mut uploaded).await;
    upload_study(&app, &carol, second.clone(), 1, 3, &mut uploaded).await;
    let mut others = Uploaded::new();
    upload_study(&app, &bob, Spec::new(5112, 0, 0), 1, 1, &mut others).await;
    let all: Vec<&str> = uploaded.keys().map(String::as_str).collect();

    let entries = archive(&app, &admin, "/api/patients/PAT-5110/archive").await;
    let manifest = check(&entries, &uploaded, &all);
    let patients = manifest["patients"].as_array().unwrap();
    assert_eq!(patients.len(), 1, "two studies, one patient");
    let studies: Vec<&str> =
        patients[0]["studies"].as_array().unwrap().iter().map(|s| s["study_instance_uid"].as_str().unwrap()).collect();
    assert_eq!(studies, [second.study.as_str(), first.study.as_str()], "oldest study first");

    for (who, token) in [("bob", &bob), ("carol", &carol)] {
        let r = get(&app, token, "/api/patients/PAT-5110/archive").await;
        assert_eq!(r.status(), 403, "{who}: patients' archives are for admins");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
    }
    assert_eq!(get(&app, &admin, "/api/patients/NOBODY/archive").await.status(), 404);
    for study in [&first.study, &second.study] {
        let events = exports_of(&app, study).await;
        let ok: Vec<&Value> = events.iter().filter(|e| e["outcome"] == "allowed").collect();
        assert_eq!(ok.len(), 1, "one event per study: {events:?}");
        assert_eq!(ok[0]["detail"]["scope"], "patient");
        let text = ok[0].to_string();
        assert!(!text.contains("PAT-5110") && !text.contains("Test^Patient"), "no patient ID or name: {text}");
    }
}

#[tokio::test]
async fn a_users_archive_holds_what_the_account_uploaded_for_it_and_admins() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let bob = app.add_user("bob", "radiologist").await;
    let carol = app.add_user("carol", "radiologist").await;
    let mut bobs = Uploaded::new();
    upload_study(&app, &bob, Spec::new(5120, 0, 0), 2, 1, &mut bobs).await;
    upload_study(&app, &bob, Spec::new(5121, 0, 0), 1, 2, &mut bobs).await;
    let mut carols = Uploaded::new();
    upload_study(&app, &carol, Spec::new(5122, 0, 0), 1, 1, &mut carols).await;
    let all: Vec<&str> = bobs.keys().map(String::as_str).collect();

    let manifest = check(&archive(&app, &bob, "/api/users/bob/archive").await, &bobs, &all);
    assert_eq!(manifest["patients"].as_array().unwrap().len(), 2, "two patients in one DICOMDIR");
    assert_eq!(manifest["scope"]["uploaded_by"], "bob");
    check(&archive(&app, &admin, "/api/users/bob/archive").await, &bobs, &all);
    let theirs: Vec<&str> = carols.keys().map(String::as_str).collect();
    check(&archive(&app, &carol, "/api/users/carol/archive").await, &carols, &theirs);

    assert_eq!(get(&app, &carol, "/api/users/bob/archive").await.status(), 403, "another account's archive");
    assert_eq!(get(&app, &bob, "/api/users/admin/archive").await.status(), 403);
    assert_eq!(get(&app, &admin, "/api/users/nobody/archive").await.status(), 404, "nothing uploaded");
    assert_eq!(get(&app, &admin, "/api/users/admin/archive").await.status(), 404, "nothing uploaded");
    let events = exports_of(&app, "1.2.826.0.1.3680043.10.1137.77.5120").await;
    let bobs_own: Vec<&Value> =
        events.iter().filter(|e| e["actor"] == "user:bob" && e["outcome"] == "allowed").collect();
    assert_eq!(bobs_own.len(), 1);
    assert_eq!(
        (bobs_own[0]["detail"]["scope"].as_str(), bobs_own[0]["detail"]["account"].as_str()),
        (Some("user"), Some("user:bob"))
    );
    let (_, denied) = app.get_json("/api/audit?action=export_study&outcome=denied").await;
    assert!(denied["items"].as_array().unwrap().iter().any(|e| e["actor"] == "user:carol"), "{denied}");
}

#[tokio::test]
async fn ferrum_export_writes_the_same_archive_to_a_zip_file_or_a_folder_as_the_service() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let mut uploaded = Uploaded::new();
    let mut study = Spec::new(5130, 0, 0);
    study.patient_id = "PAT-5130".into();
    upload_study(&app, &admin, study.clone(), 2, 2, &mut uploaded).await;
    let mut later = Spec::new(5131, 0, 0).date("20250101");
    later.patient_id = "PAT-5130".into();
    upload_study(&app, &admin, later.clone(), 1, 1, &mut uploaded).await;
    let out = tempfile::tempdir().unwrap();

    let zip = out.path().join("study.zip");
    let run = app.command().args(["export", "--study", &study.study, "--out"]).arg(&zip).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let summary: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!((summary["studies"].as_u64(), summary["instances"].as_u64()), (Some(1), Some(4)));
    let in_study: Vec<&str> =
        uploaded.keys().filter(|s| s.starts_with(&format!("{}.", study.study))).map(String::as_str).collect();
    check(&unzip(&std::fs::read(&zip).unwrap()), &uploaded, &in_study);

    let folder = out.path().join("patient");
    let mut dir_arg = folder.clone().into_os_string();
    dir_arg.push("/");
    let run = app.command().args(["export", "--patient", "PAT-5130", "--out"]).arg(&dir_arg).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let tree = read_tree(&folder);
    let all: Vec<&str> = uploaded.keys().map(String::as_str).collect();
    let manifest = check(&tree, &uploaded, &all);
    assert_eq!(manifest["patients"][0]["studies"].as_array().unwrap().len(), 2);
    check_with_tools(&folder, &manifest);

    let run = app.command().args(["export", "--user", "admin", "--out"]).arg(&zip).output().unwrap();
    assert!(!run.status.success(), "an existing file is never overwritten");
    let run = app.command().args(["export", "--user", "admin", "--out"]).arg(&dir_arg).output().unwrap();
    assert!(!run.status.success(), "nor a folder with something in it");
    let run =
        app.command().args(["export", "--study", "1.2.3.404", "--out"]).arg(out.path().join("x.zip")).output().unwrap();
    assert!(!run.status.success() && !out.path().join("x.zip").exists(), "nothing to export, nothing written");
    let run =
        app.command().args(["export", "--study", &study.study, "--user", "admin", "--out", "y.zip"]).output().unwrap();
    assert!(!run.status.success(), "one scope at a time");

    let events = exports_of(&app, &study.study).await;
    let cli: Vec<&Value> = events.iter().filter(|e| e["detail"]["via"] == "cli").collect();
    assert_eq!(cli.len(), 2, "the study's export and the patient's: {events:?}");
    assert!(cli.iter().all(|e| e["actor"] == "system" && e["outcome"] == "allowed"));
    assert_eq!(exports_of(&app, &later.study).await.len(), 1);
}
