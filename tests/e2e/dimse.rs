//! The DICOM listener of the real binary, driven by dcmtk's own tools (echoscu, storescu,
//! findscu, storescp as a reference receiver) and, for what no well-behaved tool sends, by
//! dicom-ul's client: known and unknown AE titles, C-STORE of the sample studies through
//! the ingest pipeline (each data set kept exactly as sent), C-FIND answering what the JSON
//! API lists to the same account and nothing more, and bad input answered with the
//! standard's reject or abort while the listener goes on serving.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

pub(crate) async fn dicom_app() -> TestApp {
    app().env("FERRUM_DICOM_BIND", "127.0.0.1:0").spawn().await.logged_in_as_admin().await
}

pub(crate) fn port(app: &TestApp) -> String {
    app.dicom_addr.expect("the DICOM listener's address").port().to_string()
}

/// A dcmtk tool's run; dcmtk missing fails the test (it is in the Debian package `dcmtk`).
pub(crate) fn dcmtk(tool: &str, args: &[&str]) -> Output {
    Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("dcmtk's {tool} cannot run ({e}): install the dcmtk package"))
}

pub(crate) fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

pub(crate) async fn add_node(app: &TestApp, ae_title: &str, account: &str, services: &[&str]) {
    let body =
        json!({"ae_title": ae_title, "host": "127.0.0.1", "port": 104, "account": account, "services": services});
    let r = app.client.post(app.url("/api/dicom-nodes")).bearer_auth(app.token()).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
}

fn echo(app: &TestApp, calling: &str, called: &str) -> Output {
    dcmtk("echoscu", &["-aet", calling, "-aec", called, "127.0.0.1", &port(app)])
}

/// The data set of a Part-10 file: what follows its File Meta group.
pub(crate) fn data_set(file: &[u8]) -> &[u8] {
    assert_eq!(&file[128..132], b"DICM", "a Part-10 file");
    assert_eq!(&file[132..138], b"\x02\x00\x00\x00UL", "the meta group starts with its length");
    let length = u32::from_le_bytes(file[140..144].try_into().unwrap()) as usize;
    &file[144 + length..]
}

pub(crate) fn sop_uid_of(file: &[u8]) -> String {
    let obj = dicom_object::from_reader(&file[128..]).expect("a DICOM file");
    obj.meta().media_storage_sop_instance_uid().trim_end_matches('\0').to_owned()
}

/// dcmtk's storescp writing what it receives bit for bit, on a free port, until dropped.
struct Reference {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Reference {
    fn start() -> Reference {
        Reference::start_as("FERRUM")
    }

    fn start_as(ae_title: &str) -> Reference {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("storescp")
            .args(["-aet", ae_title, "+B", "+xa", "-od"])
            .arg(dir.path())
            .arg(port.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dcmtk's storescp cannot run: install the dcmtk package");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "storescp did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        Reference { child, port, dir }
    }

    /// What it received, by SOP Instance UID.
    fn received(&self) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .map(|bytes| (sop_uid_of(&bytes), bytes))
            .collect()
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn file_over_http(app: &TestApp, sop: &str) -> Vec<u8> {
    let r = app.get(&format!("/api/instances/{sop}/file")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "instance {sop} over HTTP");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn echoscu_succeeds_for_a_known_ae_and_is_rejected_with_the_standards_reason_otherwise() {
    let app = dicom_app().await;
    add_node(&app, "ECHOER", "admin", &[]).await;
    let known = echo(&app, "ECHOER", "FERRUM");
    assert!(known.status.success(), "{}", text(&known));

    let unknown = echo(&app, "STRANGER", "FERRUM");
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("Calling AE Title Not Recognized"), "{}", text(&unknown));
    let wrong_called = echo(&app, "ECHOER", "NOT_FERRUM");
    assert!(text(&wrong_called).contains("Called AE Title Not Recognized"), "{}", text(&wrong_called));

    // A known AE title calling from another host than its own is refused too.
    let body = json!({"ae_title": "FARAWAY", "host": "192.0.2.7", "port": 104, "account": "admin", "services": []});
    let r = app.client.post(app.url("/api/dicom-nodes")).bearer_auth(app.token()).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert!(text(&echo(&app, "FARAWAY", "FERRUM")).contains("Calling AE Title Not Recognized"));
    let r = app
        .client
        .patch(app.url("/api/dicom-nodes/FARAWAY"))
        .bearer_auth(app.token())
        .json(&json!({"host": "127.0.0.1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(echo(&app, "FARAWAY", "FERRUM").status.success(), "its host corrected, it is accepted");

    // The listener keeps serving after all these, and refuses a node once removed.
    let r = app.client.delete(app.url("/api/dicom-nodes/ECHOER")).bearer_auth(app.token()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(!echo(&app, "ECHOER", "FERRUM").status.success());

    // The trail has both: the association accepted for its account and the refusals, why.
    let (status, events) = app.get_json("/api/audit?action=dicom_association&limit=100").await;
    assert_eq!(status, 200);
    let events = events["items"].as_array().unwrap().clone();
    let decisions: BTreeSet<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
                e["detail"]["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("user:admin", "allowed", "accepted"),
        ("anonymous", "denied", "unknown_ae_title"),
        ("anonymous", "denied", "called_ae_title"),
        ("anonymous", "denied", "host_mismatch"),
    ] {
        let expected = (expected.0.to_owned(), expected.1.to_owned(), expected.2.to_owned());
        assert!(decisions.contains(&expected), "{expected:?} in {decisions:?}");
    }
    assert!(events.iter().all(|e| e["remote_addr"] == "127.0.0.1"));
    assert!(events.iter().any(|e| e["user_agent"] == "dicom:STRANGER"));
}

#[tokio::test]
async fn dicom_nodes_are_validated_and_managed_from_the_api_and_the_command_line() {
    let app = dicom_app().await;
    let post = |body: Value| {
        let app = &app;
        async move {
            let r = app.client.post(app.url("/api/dicom-nodes")).bearer_auth(app.token()).json(&body).send().await;
            let r = r.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let node = |ae: &str, account: &str, services: Value| json!({"ae_title": ae, "host": "127.0.0.1", "port": 11112, "account": account, "services": services});
    let (status, created) = post(node(" CT_01 ", "admin", json!(["store", "find", "store"]))).await;
    assert_eq!(status, 201);
    assert_eq!(created["ae_title"], "CT_01", "trimmed");
    assert_eq!(created["services"], json!(["store", "find"]), "sorted, once each");
    assert_eq!(created["account"], "admin");
    assert_eq!(post(node("CT_01", "admin", json!([]))).await.0, 409);
    for (body, code) in [
        (node("SEVENTEEN_CHARS_X", "admin", json!([])), "invalid_ae_title"),
        (node("A\\B", "admin", json!([])), "invalid_ae_title"),
        (node("PRINTER", "admin", json!(["print"])), "invalid_dicom_service"),
        (node("ORPHAN", "nobody", json!([])), "unknown_account"),
        (json!({"ae_title": "X", "host": "bad host", "port": 1, "account": "admin", "services": []}), "invalid_host"),
        (json!({"ae_title": "X", "host": "h", "port": 0, "account": "admin", "services": []}), "invalid_port"),
    ] {
        let (status, v) = post(body).await;
        assert_eq!((status, v["error"].as_str().unwrap_or("")), (422, code), "{v}");
    }
    let r = app
        .client
        .patch(app.url("/api/dicom-nodes/NOSUCH"))
        .bearer_auth(app.token())
        .json(&json!({"port": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    let out = app
        .command()
        .args(["dicom-node", "add", "CLINODE", "--host", "127.0.0.1", "--port", "4006", "--account", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(echo(&app, "CLINODE", "FERRUM").status.success(), "the running server sees it at once");
    let (_, listed) = app.get_json("/api/dicom-nodes").await;
    let titles: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|n| n["ae_title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["CLINODE", "CT_01"]);
    assert_eq!(listed["items"][0]["services"], json!(["store", "find"]), "the command line's default");
    let out = app.command().args(["dicom-node", "list"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let out = app.command().args(["dicom-node", "remove", "CLINODE"]).output().unwrap();
    assert!(out.status.success());
    let out = app.command().args(["dicom-node", "remove", "CLINODE"]).output().unwrap();
    assert!(!out.status.success(), "twice");
    assert!(!echo(&app, "CLINODE", "FERRUM").status.success());

    let (_, events) = app.get_json("/api/audit?action=create_dicom_node,delete_dicom_node&limit=100").await;
    let actors: Vec<(&str, &str)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert!(actors.contains(&("create_dicom_node", "user:admin")), "{actors:?}");
    assert!(actors.contains(&("create_dicom_node", "system")), "{actors:?}");
    assert!(actors.contains(&("delete_dicom_node", "system")), "{actors:?}");
}

fn sample(folder: &str) -> String {
    samples_dir().join(folder).display().to_string()
}

/// Sends the folders with storescu in folder mode (`+sd +r`), the native ones as dcmtk
/// proposes them, the RLE one compressed (`-xr`), to `port` as `calling`.
fn store_samples(calling: &str, port: &str) -> Vec<Output> {
    let native = ["ct-thorax", "mr-brain", "us-multiframe", "jp-iso2022", "kr-iso2022"];
    let mut native_args = vec!["-nh", "+sd", "+r", "-aet", calling, "-aec", "FERRUM", "127.0.0.1", port];
    let folders: Vec<String> = native.iter().map(|f| sample(f)).collect();
    native_args.extend(folders.iter().map(String::as_str));
    let rle = sample("ct-head-rle");
    vec![
        dcmtk("storescu", &native_args),
        dcmtk("storescu", &["-xr", "+sd", "-aet", calling, "-aec", "FERRUM", "127.0.0.1", port, &rle]),
    ]
}

#[tokio::test]
async fn storescu_of_the_samples_keeps_every_data_set_exactly_as_sent() {
    let app = dicom_app().await;
    add_node(&app, "MODALITY", "admin", &["store"]).await;
    let reference = Reference::start();
    for out in store_samples("MODALITY", &reference.port.to_string()) {
        assert!(out.status.success() || text(&out).contains("IM0005"), "{}", text(&out));
    }
    let sent = reference.received();
    assert_eq!(sent.len(), 19, "the 20 samples but the unreadable one");
    for out in store_samples("MODALITY", &port(&app)) {
        let t = text(&out);
        assert!(!t.contains("Store Failed") && !t.contains("Store Response (Error"), "{t}");
    }
    for (sop, reference_file) in &sent {
        let stored = file_over_http(&app, sop).await;
        assert_eq!(data_set(&stored), data_set(reference_file), "{sop}: the data set as sent");
        assert_eq!(sop_uid_of(&stored), *sop);
    }
    // The RLE objects stay compressed, as sent.
    let rle = std::fs::read(samples_dir().join("ct-head-rle/IM0001.dcm")).unwrap();
    let stored = file_over_http(&app, &sop_uid_of(&rle)).await;
    assert_eq!(data_set(&stored), data_set(&rle), "byte for byte the sample's own data set");
    let meta = dicom_object::from_reader(&stored[128..]).unwrap();
    assert_eq!(meta.meta().transfer_syntax().trim_end_matches('\0'), "1.2.840.10008.1.2.5");
    assert_eq!(meta.meta().source_application_entity_title(), Some("MODALITY"));

    // Catalogued as an upload by the node's account: studies, series, thumbnails.
    let (_, studies) = app.get_json("/api/studies?limit=100").await;
    assert_eq!(studies["items"].as_array().unwrap().len(), 6, "{studies}");
    let (_, events) = app.get_json("/api/audit?action=upload&limit=100").await;
    let uploads = events["items"].as_array().unwrap();
    assert_eq!(uploads.len(), 6, "one event per study and association");
    assert!(uploads.iter().all(|e| e["actor"] == "user:admin" && e["user_agent"] == "dicom:MODALITY"), "{uploads:?}");
    let series = studies["items"][0]["study_instance_uid"].as_str().unwrap();
    let (status, detail) = app.get_json(&format!("/api/studies/{series}")).await;
    assert_eq!(status, 200);
    let series_uid = detail["series"][0]["series_instance_uid"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = app.get(&format!("/api/series/{series_uid}/thumbnail")).send().await.unwrap();
        if r.status().as_u16() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "a thumbnail, as for HTTP uploads");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Sent again: duplicates, answered Success, nothing new.
    for out in store_samples("MODALITY", &port(&app)) {
        assert!(!text(&out).contains("Store Response (Error"), "{}", text(&out));
    }
    let (_, again) = app.get_json("/api/studies?limit=100").await;
    assert_eq!(again["items"].as_array().unwrap().len(), 6);
}

/// Writes objects built in code into a fresh folder, for storescu.
pub(crate) fn folder_of(specs: &[Spec]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, s) in specs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("f{i:04}.dcm")), dicom(s)).unwrap();
    }
    dir
}

fn store_folder(calling: &str, port: &str, dir: &Path) -> String {
    let out = dcmtk(
        "storescu",
        &["-v", "+sd", "-aet", calling, "-aec", "FERRUM", "127.0.0.1", port, &dir.display().to_string()],
    );
    text(&out)
}

#[tokio::test]
async fn stores_act_with_the_nodes_account_and_services_and_answer_each_outcome_with_its_status() {
    let app = dicom_app().await;
    app.add_user("ward", "radiologist").await;
    add_node(&app, "WARD_CT", "ward", &["store"]).await;
    add_node(&app, "QUERY_ONLY", "admin", &["find"]).await;
    // A study the admin uploaded over HTTP: the ward's account may not add to it.
    let (status, _) = app.upload("application/dicom", dicom(&Spec::new(9100, 1, 1))).await;
    assert_eq!(status, 201);
    let theirs = folder_of(&[Spec::new(9100, 1, 2)]);
    let t = store_folder("WARD_CT", &port(&app), theirs.path());
    assert!(t.contains("Store Response (Unknown Status: 0x124)"), "{t}");
    let (status, _) = app.get_json(&format!("/api/instances/{ROOT}.9100.1.2/file")).await;
    assert_eq!(status, 404, "nothing stored");

    // Its own new study goes in, owned by the ward's account.
    let own = folder_of(&[Spec::new(9101, 1, 1), Spec::new(9101, 1, 2)]);
    let t = store_folder("WARD_CT", &port(&app), own.path());
    assert_eq!(t.matches("Received Store Response (Success)").count(), 2, "{t}");
    let ward = app.token_for("ward", "a-long-password-1").await;
    let r = app.client.get(app.url(&format!("/api/studies/{ROOT}.9101"))).bearer_auth(&ward).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let study: Value = r.json().await.unwrap();
    assert_eq!(study["access"]["basis"], "owner", "{study}");

    // A different object under a stored SOP Instance UID: a conflict, refused.
    let changed = folder_of(&[Spec::new(9101, 1, 1).seed(9)]);
    let t = store_folder("WARD_CT", &port(&app), changed.path());
    assert!(t.contains("Received Store Response (Error: CannotUnderstand)") || t.contains("0xc001"), "{t}");

    // A node without the store service may not store; the refusal is on the trail.
    let t = store_folder("QUERY_ONLY", &port(&app), own.path());
    assert!(t.contains("Store Response (Unknown Status: 0x124)"), "{t}");
    let (_, events) = app.get_json("/api/audit?action=upload&outcome=denied&limit=100").await;
    let denied = events["items"].as_array().unwrap();
    assert!(denied.iter().any(|e| e["user_agent"] == "dicom:QUERY_ONLY" && e["actor"] == "user:admin"), "{denied:?}");

    // Many associations at once, each answered.
    let specs: Vec<Vec<Spec>> = (0..4).map(|a| (1..=10).map(|i| Spec::new(9200 + a, 1, i)).collect()).collect();
    let dirs: Vec<tempfile::TempDir> = specs.iter().map(|s| folder_of(s)).collect();
    let p = port(&app);
    let runs: Vec<_> = dirs
        .iter()
        .map(|d| {
            let (dir, p) = (d.path().to_owned(), p.clone());
            std::thread::spawn(move || store_folder("WARD_CT", &p, &dir))
        })
        .collect();
    for run in runs {
        let t = run.join().unwrap();
        assert_eq!(t.matches("Received Store Response (Success)").count(), 10, "{t}");
    }
    let r = app.client.get(app.url("/api/studies?limit=100")).bearer_auth(&ward).send().await.unwrap();
    let listed: Value = r.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 5, "9101 and the four stored at once");
}

/// findscu's answers, each as the attributes asked for (tag → value).
fn find(port: &str, calling: &str, model: &str, keys: &[&str]) -> Vec<BTreeMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![model, "-X", "-od"];
    let out_dir = dir.path().display().to_string();
    args.push(&out_dir);
    args.extend(["-aet", calling, "-aec", "FERRUM"]);
    for k in keys {
        args.extend(["-k", k]);
    }
    args.extend(["127.0.0.1", port]);
    let out = dcmtk("findscu", &args);
    assert!(out.status.success(), "{}", text(&out));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let obj = dicom_object::OpenFileOptions::new().open_file(f).expect("a C-FIND answer");
            obj.iter()
                .map(|e| {
                    let tag = e.header().tag;
                    let value = e.to_str().map(|v| v.trim_end_matches(['\0', ' ']).to_owned()).unwrap_or_default();
                    (format!("{:04X}{:04X}", tag.group(), tag.element()), value)
                })
                .collect()
        })
        .collect()
}

fn column(rows: &[BTreeMap<String, String>], tag: &str) -> BTreeSet<String> {
    rows.iter().map(|r| r.get(tag).cloned().unwrap_or_default()).collect()
}

#[tokio::test]
async fn findscu_at_each_level_answers_what_the_json_api_lists_to_the_nodes_account() {
    let app = dicom_app().await;
    let ward = app.add_user("ward", "radiologist").await;
    add_node(&app, "WORKSTATION", "ward", &["find"]).await;
    add_node(&app, "NO_FIND", "ward", &["store"]).await;
    let mut hers = vec![
        Spec::new(9300, 1, 1).name("Mueller^Hans").date("20240105"),
        Spec::new(9300, 1, 2).name("Mueller^Hans").date("20240105"),
        Spec::new(9300, 2, 1).name("Mueller^Hans").date("20240105"),
        Spec::new(9301, 1, 1).name("Meier^Eva").date("20240220"),
    ];
    hers[2].modality = "MR".into();
    for s in &hers {
        let (status, _) = app.upload_as(&ward, "application/dicom", dicom(s)).await;
        assert_eq!(status, 201);
    }
    // The admin's own study, which the ward's account may not see.
    let (status, _) = app.upload("application/dicom", dicom(&Spec::new(9302, 1, 1).name("Mayer^Max"))).await;
    assert_eq!(status, 201);
    let p = port(&app);

    let studies = find(
        &p,
        "WORKSTATION",
        "-S",
        &[
            "QueryRetrieveLevel=STUDY",
            "PatientName=M*",
            "StudyInstanceUID",
            "StudyDate",
            "ModalitiesInStudy",
            "NumberOfStudyRelatedInstances",
        ],
    );
    let r = app.client.get(app.url("/api/studies?limit=100")).bearer_auth(&ward).send().await.unwrap();
    let listed: Value = r.json().await.unwrap();
    let api: BTreeSet<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["study_instance_uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(column(&studies, "0020000D"), api, "what the JSON API lists to the same account");
    assert!(!column(&studies, "0020000D").contains(&format!("{ROOT}.9302")));
    let first = studies.iter().find(|r| r["0020000D"] == format!("{ROOT}.9300")).unwrap();
    assert_eq!(first["00080020"], "20240105");
    assert_eq!(first["00080061"], "CT\\MR");
    assert_eq!(first["00201208"], "3");
    assert_eq!(first.get("00100010").map(String::as_str), Some("Mueller^Hans"), "the matched key is answered");

    let dated = find(&p, "WORKSTATION", "-S", &["QueryRetrieveLevel=STUDY", "StudyDate=20240201-", "StudyInstanceUID"]);
    assert_eq!(column(&dated, "0020000D"), BTreeSet::from([format!("{ROOT}.9301")]));
    let wildcard =
        find(&p, "WORKSTATION", "-S", &["QueryRetrieveLevel=STUDY", "PatientName=MU?LLER*", "StudyInstanceUID"]);
    assert_eq!(column(&wildcard, "0020000D"), BTreeSet::from([format!("{ROOT}.9300")]));

    let series = find(
        &p,
        "WORKSTATION",
        "-S",
        &["QueryRetrieveLevel=SERIES", &format!("StudyInstanceUID={ROOT}.9300"), "SeriesInstanceUID", "Modality"],
    );
    let r = app.client.get(app.url(&format!("/api/studies/{ROOT}.9300"))).bearer_auth(&ward).send().await.unwrap();
    let detail: Value = r.json().await.unwrap();
    let api_series: BTreeSet<String> = detail["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["series_instance_uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(column(&series, "0020000E"), api_series);
    assert_eq!(column(&series, "00080060"), BTreeSet::from(["CT".to_owned(), "MR".to_owned()]));

    let images = find(
        &p,
        "WORKSTATION",
        "-S",
        &[
            "QueryRetrieveLevel=IMAGE",
            &format!("StudyInstanceUID={ROOT}.9300"),
            &format!("SeriesInstanceUID={ROOT}.9300.1"),
            "SOPInstanceUID",
            "InstanceNumber",
        ],
    );
    let api_images: BTreeSet<String> = detail["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["series_instance_uid"] == format!("{ROOT}.9300.1"))
        .flat_map(|s| {
            s["instances"].as_array().unwrap().iter().map(|i| i["sop_instance_uid"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(column(&images, "00080018"), api_images);
    assert_eq!(api_images.len(), 2);

    let patients = find(
        &p,
        "WORKSTATION",
        "-P",
        &["QueryRetrieveLevel=PATIENT", "PatientID=*", "PatientName", "NumberOfPatientRelatedStudies"],
    );
    assert_eq!(column(&patients, "00100020"), BTreeSet::from(["PID9300".to_owned(), "PID9301".to_owned()]));
    let hans = patients.iter().find(|r| r["00100020"] == "PID9300").unwrap();
    assert_eq!(hans["00100010"], "Mueller^Hans");

    // Nothing of a study outside the account, whatever the keys.
    let probe = find(
        &p,
        "WORKSTATION",
        "-S",
        &["QueryRetrieveLevel=IMAGE", &format!("StudyInstanceUID={ROOT}.9302"), "SOPInstanceUID"],
    );
    assert!(probe.is_empty(), "{probe:?}");
    // PATIENT level is not in the Study Root model; a node without the service is refused.
    let out = dcmtk(
        "findscu",
        &["-v", "-S", "-aet", "WORKSTATION", "-aec", "FERRUM", "-k", "QueryRetrieveLevel=PATIENT", "127.0.0.1", &p],
    );
    assert!(text(&out).contains("Final Find Response (Error: DataSetDoesNotMatchSOPClass)"), "{}", text(&out));
    let out = dcmtk(
        "findscu",
        &["-v", "-S", "-aet", "NO_FIND", "-aec", "FERRUM", "-k", "QueryRetrieveLevel=STUDY", "127.0.0.1", &p],
    );
    assert!(text(&out).contains("Final Find Response (Unknown Status: 0x124)"), "{}", text(&out));

    // Each search is on the trail as the account's, through the DICOM listener.
    let (_, events) = app.get_json("/api/audit?action=search_studies&limit=100").await;
    let dimse: Vec<&Value> =
        events["items"].as_array().unwrap().iter().filter(|e| e["detail"]["via"] == "dimse").collect();
    let allowed: Vec<&&Value> = dimse.iter().filter(|e| e["outcome"] == "allowed").collect();
    assert_eq!(allowed.len(), 7, "{dimse:?}");
    assert!(allowed.iter().all(|e| e["actor"] == "user:ward" && e["user_agent"] == "dicom:WORKSTATION"));
    let denied: Vec<&&Value> = dimse.iter().filter(|e| e["outcome"] == "denied").collect();
    assert_eq!(denied.len(), 1, "the node without the find service: {dimse:?}");
    assert_eq!(denied[0]["user_agent"], "dicom:NO_FIND");
}

mod raw {
    //! What no well-behaved tool sends, through dicom-ul's client.
    use dicom_ul::association::client::ClientAssociationOptions;
    use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu, PresentationContextResultReason};
    use std::io::{Read, Write};

    pub const CT: &str = "1.2.840.10008.5.1.4.1.1.2";

    pub fn connect(port: u16, abstract_syntax: &str) -> dicom_ul::ClientAssociation<std::net::TcpStream> {
        try_connect(port, abstract_syntax).expect("associated")
    }

    pub fn try_connect(
        port: u16,
        abstract_syntax: &str,
    ) -> Result<dicom_ul::ClientAssociation<std::net::TcpStream>, dicom_ul::association::Error> {
        try_connect_as("RAWSCU", port, abstract_syntax)
    }

    pub fn connect_as(
        calling: &str,
        port: u16,
        abstract_syntax: &str,
    ) -> dicom_ul::ClientAssociation<std::net::TcpStream> {
        try_connect_as(calling, port, abstract_syntax).expect("associated")
    }

    fn try_connect_as(
        calling: &str,
        port: u16,
        abstract_syntax: &str,
    ) -> Result<dicom_ul::ClientAssociation<std::net::TcpStream>, dicom_ul::association::Error> {
        ClientAssociationOptions::new()
            .calling_ae_title(calling)
            .called_ae_title("FERRUM")
            .with_presentation_context(abstract_syntax, vec!["1.2.840.10008.1.2.1"])
            .establish(("127.0.0.1", port))
    }

    pub const STUDY_ROOT_FIND: &str = "1.2.840.10008.5.1.4.1.2.2.1";

    fn command(elements: Vec<dicom_core::DataElement<dicom_object::InMemDicomObject>>) -> Vec<u8> {
        let obj = dicom_object::InMemDicomObject::command_from_element_iter(elements);
        let mut out = Vec::new();
        let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
        obj.write_dataset_with_ts(&mut out, &ts).unwrap();
        out
    }

    /// A Study Root C-FIND-RQ with an identifier to follow.
    pub fn find_request(message_id: u16) -> Vec<u8> {
        use dicom_core::{dicom_value, DataElement, PrimitiveValue, VR};
        use dicom_dictionary_std::tags;
        command(vec![
            DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from(STUDY_ROOT_FIND)),
            DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [0x0020])),
            DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [message_id])),
            DataElement::new(tags::PRIORITY, VR::US, dicom_value!(U16, [0])),
            DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [0x0000])),
        ])
    }

    /// A C-CANCEL-RQ of the request `message_id`.
    pub fn cancel_request(message_id: u16) -> Vec<u8> {
        use dicom_core::{dicom_value, DataElement, VR};
        use dicom_dictionary_std::tags;
        command(vec![
            DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [0x0FFF])),
            DataElement::new(tags::MESSAGE_ID_BEING_RESPONDED_TO, VR::US, dicom_value!(U16, [message_id])),
            DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [0x0101])),
        ])
    }

    /// An IMAGE-level identifier for every instance of a study, in Explicit VR Little Endian.
    pub fn image_query(study: &str) -> Vec<u8> {
        use dicom_core::{DataElement, PrimitiveValue, VR};
        use dicom_dictionary_std::tags;
        let obj = dicom_object::InMemDicomObject::from_element_iter([
            DataElement::new(tags::QUERY_RETRIEVE_LEVEL, VR::CS, PrimitiveValue::from("IMAGE")),
            DataElement::new(tags::STUDY_INSTANCE_UID, VR::UI, PrimitiveValue::from(study)),
            DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, PrimitiveValue::Empty),
        ]);
        let mut out = Vec::new();
        let ts = dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased();
        obj.write_dataset_with_ts(&mut out, &ts).unwrap();
        out
    }

    /// The Status of a response's command set.
    pub fn status_of(command: &[u8]) -> u16 {
        let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
        let obj = dicom_object::InMemDicomObject::read_dataset_with_ts(command, &ts).unwrap();
        obj.element(dicom_dictionary_std::tags::STATUS).unwrap().to_int::<u16>().unwrap()
    }

    /// Whether the only presentation context was accepted.
    pub fn accepted(assoc: &dicom_ul::ClientAssociation<std::net::TcpStream>) -> bool {
        assoc.presentation_contexts().iter().any(|pc| pc.reason == PresentationContextResultReason::Acceptance)
    }

    pub fn store_request(sop: &str) -> Vec<u8> {
        use dicom_core::{dicom_value, DataElement, PrimitiveValue, VR};
        use dicom_dictionary_std::tags;
        let obj = dicom_object::InMemDicomObject::command_from_element_iter([
            DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from(CT)),
            DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [0x0001])),
            DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [1])),
            DataElement::new(tags::PRIORITY, VR::US, dicom_value!(U16, [0])),
            DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [0x0000])),
            DataElement::new(tags::AFFECTED_SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from(sop)),
        ]);
        let mut out = Vec::new();
        let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
        obj.write_dataset_with_ts(&mut out, &ts).unwrap();
        out
    }

    pub fn pdv(pc: u8, value_type: PDataValueType, data: Vec<u8>) -> Pdu {
        Pdu::PData { data: vec![PDataValue { presentation_context_id: pc, value_type, is_last: true, data }] }
    }

    /// The status of the C-STORE response the association answers with.
    pub fn response_status(assoc: &mut dicom_ul::ClientAssociation<std::net::TcpStream>) -> u16 {
        match assoc.receive().expect("a response") {
            Pdu::PData { data } => {
                let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
                let obj = dicom_object::InMemDicomObject::read_dataset_with_ts(&data[0].data[..], &ts).unwrap();
                obj.element(dicom_dictionary_std::tags::STATUS).unwrap().to_int::<u16>().unwrap()
            }
            other => panic!("not a response: {other:?}"),
        }
    }

    /// Writes raw bytes and answers the first byte of what comes back (a PDU type), if any.
    pub fn raw_exchange(port: u16, bytes: &[u8]) -> Option<u8> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let _ = s.write_all(bytes);
        let mut first = [0u8; 1];
        match s.read(&mut first) {
            Ok(1) => Some(first[0]),
            _ => None,
        }
    }

    pub fn send_raw(assoc: &mut dicom_ul::ClientAssociation<std::net::TcpStream>, bytes: &[u8]) {
        assoc.inner_stream().write_all(bytes).unwrap();
    }

    /// The PDU that ends the association (an A-ABORT), or none when the server just closed.
    pub fn ending(assoc: &mut dicom_ul::ClientAssociation<std::net::TcpStream>) -> Option<Pdu> {
        assoc.receive().ok()
    }
}

#[tokio::test]
async fn bad_input_is_answered_with_the_right_reject_or_abort_and_the_listener_keeps_serving() {
    use dicom_ul::pdu::{AbortRQServiceProviderReason, AbortRQSource, PDataValueType, Pdu};

    let app = app()
        .env("FERRUM_DICOM_BIND", "127.0.0.1:0")
        .env("FERRUM_DICOM_MAX_PDU", "16384")
        .env("FERRUM_DICOM_MAX_OBJECT_BYTES", "200000")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    add_node(&app, "RAWSCU", "admin", &["store"]).await;
    add_node(&app, "ECHOER", "admin", &[]).await;
    let p = app.dicom_addr.unwrap().port();

    // Garbage where an A-ASSOCIATE-RQ belongs: an unknown PDU type is aborted.
    let answer = raw::raw_exchange(p, b"\x55\x00\x00\x00\x00\x04junk");
    assert_eq!(answer, Some(0x07), "A-ABORT");
    // An association request that is not even a PDU: closed.
    let _ = raw::raw_exchange(p, &[0xff; 64]);
    assert!(echo(&app, "ECHOER", "FERRUM").status.success(), "still serving");

    // An unknown SOP class: its presentation context is refused (abstract syntax not supported).
    match raw::try_connect(p, "1.2.3.4.5.6.7") {
        Err(dicom_ul::association::Error::NoAcceptedPresentationContexts { .. }) => {}
        Ok(assoc) => assert!(!raw::accepted(&assoc), "no context for an unknown SOP class"),
        Err(e) => panic!("{e}"),
    }

    // A truncated data set: answered with a failure status, the association goes on.
    let mut assoc = raw::connect(p, raw::CT);
    let pc = assoc.presentation_contexts()[0].id;
    let sop = format!("{ROOT}.9400.1.1");
    let full = dicom(&Spec::new(9400, 1, 1).size(64));
    let truncated = data_set(&full)[..300].to_vec();
    assoc.send(&raw::pdv(pc, PDataValueType::Command, raw::store_request(&sop))).unwrap();
    assoc.send(&raw::pdv(pc, PDataValueType::Data, truncated)).unwrap();
    let status = raw::response_status(&mut assoc);
    assert!((0xC000..=0xCFFF).contains(&status), "cannot understand: {status:#06x}");
    // Then the whole object on the same association is stored.
    assoc.send(&raw::pdv(pc, PDataValueType::Command, raw::store_request(&sop))).unwrap();
    assoc.send(&raw::pdv(pc, PDataValueType::Data, data_set(&full).to_vec())).unwrap();
    assert_eq!(raw::response_status(&mut assoc), 0x0000);
    assert_eq!(data_set(&file_over_http(&app, &sop).await), data_set(&full));

    // An object larger than allowed: refused (out of resources), nothing stored.
    let big_sop = format!("{ROOT}.9400.1.2");
    let big = dicom(&Spec::new(9400, 1, 2).size(512));
    assoc.send(&raw::pdv(pc, PDataValueType::Command, raw::store_request(&big_sop))).unwrap();
    for chunk in data_set(&big).chunks(16000) {
        let mut pdu = raw::pdv(pc, PDataValueType::Data, chunk.to_vec());
        if let Pdu::PData { data } = &mut pdu {
            data[0].is_last = chunk.as_ptr_range().end == data_set(&big).as_ptr_range().end;
        }
        assoc.send(&pdu).unwrap();
    }
    assert_eq!(raw::response_status(&mut assoc), 0xA700);
    assert_eq!(app.get_json(&format!("/api/instances/{big_sop}/file")).await.0, 404);

    // A data set with no command before it: aborted.
    assoc.send(&raw::pdv(pc, PDataValueType::Data, vec![0; 16])).unwrap();
    assert!(matches!(raw::ending(&mut assoc), Some(Pdu::AbortRQ { .. })));

    // A PDU larger than the maximum offered: aborted (invalid PDU parameter).
    let mut assoc = raw::connect(p, raw::CT);
    let mut oversized = vec![0x04, 0x00];
    oversized.extend_from_slice(&(1_000_000u32).to_be_bytes());
    oversized.extend_from_slice(&[0u8; 4096]);
    raw::send_raw(&mut assoc, &oversized);
    match raw::ending(&mut assoc) {
        Some(Pdu::AbortRQ { source }) => {
            assert_eq!(source, AbortRQSource::ServiceProvider(AbortRQServiceProviderReason::InvalidPduParameter))
        }
        other => panic!("expected an A-ABORT, got {other:?}"),
    }

    // After all of it, the listener serves as before.
    assert!(echo(&app, "ECHOER", "FERRUM").status.success());
    let (status, _) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
}

/// getscu into a fresh folder: its output, and what it received by SOP Instance UID.
fn get(port: &str, calling: &str, keys: &[&str]) -> (String, BTreeMap<String, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().display().to_string();
    let mut args = vec!["-v", "-S", "-aet", calling, "-aec", "FERRUM", "-od", &out_dir];
    for k in keys {
        args.extend(["-k", k]);
    }
    args.extend(["127.0.0.1", port]);
    let out = dcmtk("getscu", &args);
    let received = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .map(|bytes| (sop_uid_of(&bytes), bytes))
        .collect();
    (text(&out), received)
}

#[tokio::test]
async fn getscu_receives_every_instance_it_names_byte_for_byte_and_nothing_the_account_may_not_see() {
    let app = dicom_app().await;
    let ward = app.add_user("ward", "radiologist").await;
    add_node(&app, "VIEWER", "ward", &["get"]).await;
    add_node(&app, "NO_GET", "ward", &["find"]).await;
    let specs = [Spec::new(9500, 1, 1), Spec::new(9500, 1, 2), Spec::new(9500, 2, 1)];
    let files: BTreeMap<String, Vec<u8>> = specs.iter().map(|s| (s.sop.clone(), dicom(s))).collect();
    for f in files.values() {
        assert_eq!(app.upload_as(&ward, "application/dicom", f.clone()).await.0, 201);
    }
    assert_eq!(app.upload("application/dicom", dicom(&Spec::new(9501, 1, 1))).await.0, 201);
    let p = port(&app);

    let (out, received) = get(&p, "VIEWER", &["QueryRetrieveLevel=STUDY", &format!("StudyInstanceUID={ROOT}.9500")]);
    assert_eq!(received.keys().collect::<Vec<_>>(), files.keys().collect::<Vec<_>>(), "{out}");
    for (sop, bytes) in &received {
        assert_eq!(data_set(bytes), data_set(&files[sop]), "{sop}: byte for byte");
    }
    assert!(out.contains("Received C-GET Response (Success)"), "{out}");
    assert_eq!(
        out.matches("Received C-GET Response (Pending)").count(),
        2,
        "a pending response after each but the last"
    );
    assert!(out.contains("Number of Completed Suboperations : 3"), "{out}");
    assert!(out.contains("Number of Failed Suboperations    : 0"), "{out}");

    let (_, series) = get(&p, "VIEWER", &["QueryRetrieveLevel=SERIES", &format!("SeriesInstanceUID={ROOT}.9500.2")]);
    assert_eq!(series.keys().cloned().collect::<Vec<_>>(), [format!("{ROOT}.9500.2.1")]);
    let (_, image) = get(&p, "VIEWER", &["QueryRetrieveLevel=IMAGE", &format!("SOPInstanceUID={ROOT}.9500.1.2")]);
    assert_eq!(image.keys().cloned().collect::<Vec<_>>(), [format!("{ROOT}.9500.1.2")]);
    let (_, hidden) = get(&p, "VIEWER", &["QueryRetrieveLevel=STUDY", &format!("StudyInstanceUID={ROOT}.9501")]);
    assert!(hidden.is_empty(), "the admin's study is not the ward's to retrieve");
    let (out, none) = get(&p, "NO_GET", &["QueryRetrieveLevel=STUDY", &format!("StudyInstanceUID={ROOT}.9500")]);
    assert!(none.is_empty() && out.contains("0x124"), "{out}");

    let (_, events) = app.get_json("/api/audit?action=export_study&limit=100").await;
    let gets: Vec<&Value> =
        events["items"].as_array().unwrap().iter().filter(|e| e["detail"]["service"] == "get").collect();
    assert!(
        gets.iter().any(|e| e["outcome"] == "allowed"
            && e["study_uid"] == format!("{ROOT}.9500")
            && e["detail"]["instances"] == 3
            && e["actor"] == "user:ward"
            && e["user_agent"] == "dicom:VIEWER"),
        "{gets:?}"
    );
    assert!(gets.iter().any(|e| e["outcome"] == "denied" && e["user_agent"] == "dicom:NO_GET"), "{gets:?}");
}

#[tokio::test]
async fn movescu_sends_every_instance_to_the_known_destination_byte_for_byte() {
    let app = dicom_app().await;
    let ward = app.add_user("ward", "radiologist").await;
    add_node(&app, "VIEWER", "ward", &["move"]).await;
    add_node(&app, "NO_MOVE", "ward", &["find"]).await;
    let dest = Reference::start_as("DEST");
    let body = json!({"ae_title": "DEST", "host": "127.0.0.1", "port": dest.port, "account": "ward", "services": []});
    let r = app.client.post(app.url("/api/dicom-nodes")).bearer_auth(app.token()).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let specs = [Spec::new(9600, 1, 1), Spec::new(9600, 1, 2), Spec::new(9600, 2, 1)];
    let files: BTreeMap<String, Vec<u8>> = specs.iter().map(|s| (s.sop.clone(), dicom(s))).collect();
    for f in files.values() {
        assert_eq!(app.upload_as(&ward, "application/dicom", f.clone()).await.0, 201);
    }
    assert_eq!(app.upload("application/dicom", dicom(&Spec::new(9601, 1, 1))).await.0, 201);
    let p = port(&app);
    let movescu = |calling: &str, destination: &str, study: &str| {
        let study = format!("StudyInstanceUID={study}");
        let args = [
            "-v",
            "-S",
            "-aet",
            calling,
            "-aec",
            "FERRUM",
            "-aem",
            destination,
            "-k",
            "QueryRetrieveLevel=STUDY",
            "-k",
            &study,
            "127.0.0.1",
            &p,
        ];
        text(&dcmtk("movescu", &args))
    };

    let out = movescu("VIEWER", "DEST", &format!("{ROOT}.9600"));
    assert!(out.contains("Received Final Move Response (Success)"), "{out}");
    let received = dest.received();
    assert_eq!(received.keys().collect::<Vec<_>>(), files.keys().collect::<Vec<_>>(), "{out}");
    for (sop, bytes) in &received {
        assert_eq!(data_set(bytes), data_set(&files[sop]), "{sop}: byte for byte");
    }
    assert_eq!(out.matches("(Pending)").count(), 2, "a pending response after each but the last: {out}");

    let out = movescu("VIEWER", "DEST", &format!("{ROOT}.9601"));
    assert!(out.contains("Received Final Move Response (Success)"), "{out}");
    assert_eq!(dest.received().len(), 3, "nothing of a study the account may not see");
    let out = movescu("VIEWER", "NOWHERE", &format!("{ROOT}.9600"));
    assert!(out.contains("MoveDestinationUnknown") || out.contains("0xa801"), "{out}");
    let out = movescu("NO_MOVE", "DEST", &format!("{ROOT}.9600"));
    assert!(out.contains("0x124"), "{out}");

    let (_, events) = app.get_json("/api/audit?action=export_study&limit=100").await;
    let moves: Vec<&Value> =
        events["items"].as_array().unwrap().iter().filter(|e| e["detail"]["service"] == "move").collect();
    assert!(
        moves.iter().any(|e| e["outcome"] == "allowed"
            && e["study_uid"] == format!("{ROOT}.9600")
            && e["detail"]["destination"] == "DEST"
            && e["detail"]["instances"] == 3
            && e["actor"] == "user:ward"),
        "{moves:?}"
    );
    assert!(moves.iter().any(|e| e["outcome"] == "denied" && e["user_agent"] == "dicom:NO_MOVE"), "{moves:?}");
}

/// The final C-MOVE response movescu printed (`-d`): its status line and the count `which`
/// ("Completed", "Remaining", …).
fn final_move_response(out: &str) -> &str {
    let at = out.find("Received Final Move Response").unwrap_or_else(|| panic!("no final response: {out}"));
    let end = out[at..].find("END DIMSE MESSAGE").map_or(out.len(), |i| at + i);
    &out[at..end]
}

fn final_count(out: &str, which: &str) -> usize {
    let response = final_move_response(out);
    let label = format!("{which} Suboperations");
    let line = response.lines().find(|l| l.contains(&label)).unwrap_or_else(|| panic!("no {label}: {response}"));
    line.rsplit(':').next().unwrap().trim().parse().unwrap_or_else(|_| panic!("{line}"))
}

#[tokio::test]
async fn a_c_cancel_stops_a_long_c_move_and_a_c_find_with_the_cancel_status_and_the_counts() {
    use dicom_ul::pdu::{PDataValueType, Pdu};

    let app = dicom_app().await;
    let ward = app.add_user("ward", "radiologist").await;
    add_node(&app, "VIEWER", "ward", &["move"]).await;
    add_node(&app, "RAWSCU", "ward", &["find"]).await;
    let dest = Reference::start_as("DEST");
    let body = json!({"ae_title": "DEST", "host": "127.0.0.1", "port": dest.port, "account": "ward", "services": []});
    let r = app.client.post(app.url("/api/dicom-nodes")).bearer_auth(app.token()).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    const TOTAL: usize = 40;
    for i in 1..=TOTAL as u32 {
        let f = dicom(&Spec::new(9700, 1 + i / 20, i).size(64));
        assert_eq!(app.upload_as(&ward, "application/dicom", f).await.0, 201);
    }
    let p = port(&app);

    // movescu cancels after the first Pending response: the move stops at the next
    // sub-operation and its final response is Cancel with the counts so far.
    let study = format!("StudyInstanceUID={ROOT}.9700");
    let args = [
        "-d",
        "-S",
        "--cancel",
        "1",
        "-aet",
        "VIEWER",
        "-aec",
        "FERRUM",
        "-aem",
        "DEST",
        "-k",
        "QueryRetrieveLevel=STUDY",
        "-k",
        &study,
        "127.0.0.1",
        &p,
    ];
    let out = text(&dcmtk("movescu", &args));
    assert!(out.contains("Sending Cancel Request"), "{out}");
    assert!(final_move_response(&out).contains("DIMSE Status                  : 0xfe00: Cancel"), "{out}");
    let completed = final_count(&out, "Completed");
    let remaining = final_count(&out, "Remaining");
    let failed = final_count(&out, "Failed");
    assert!(completed >= 1 && remaining > 0, "stopped midway: {completed} completed, {remaining} remaining");
    assert_eq!(completed + remaining + failed, TOTAL, "{out}");
    assert_eq!(dest.received().len(), completed, "the destination got exactly what was counted completed");

    // A C-CANCEL right behind a C-FIND: the matches stop, the last response is Cancel.
    let mut assoc = raw::connect_as("RAWSCU", app.dicom_addr.unwrap().port(), raw::STUDY_ROOT_FIND);
    let pc = assoc.presentation_contexts()[0].id;
    assoc.send(&raw::pdv(pc, PDataValueType::Command, raw::find_request(7))).unwrap();
    assoc.send(&raw::pdv(pc, PDataValueType::Data, raw::image_query(&format!("{ROOT}.9700")))).unwrap();
    assoc.send(&raw::pdv(pc, PDataValueType::Command, raw::cancel_request(7))).unwrap();
    let mut pending = 0;
    let last = loop {
        match assoc.receive().expect("a response") {
            Pdu::PData { data } => {
                let statuses: Vec<u16> = data
                    .iter()
                    .filter(|v| v.value_type == PDataValueType::Command)
                    .map(|v| raw::status_of(&v.data))
                    .collect();
                pending += statuses.iter().filter(|s| **s == 0xFF00).count();
                if let Some(s) = statuses.into_iter().find(|s| *s != 0xFF00) {
                    break s;
                }
            }
            other => panic!("not a response: {other:?}"),
        }
    };
    assert_eq!(last, 0xFE00, "Cancel after {pending} matches");
    assert!(pending < TOTAL, "the matches stopped: {pending} of {TOTAL}");
    // The association goes on: the same query uncancelled answers every match.
    assoc.send(&raw::pdv(pc, PDataValueType::Command, raw::find_request(8))).unwrap();
    assoc.send(&raw::pdv(pc, PDataValueType::Data, raw::image_query(&format!("{ROOT}.9700")))).unwrap();
    let mut matches = 0;
    loop {
        let Pdu::PData { data } = assoc.receive().expect("a response") else { panic!("not a response") };
        let statuses: Vec<u16> =
            data.iter().filter(|v| v.value_type == PDataValueType::Command).map(|v| raw::status_of(&v.data)).collect();
        matches += statuses.iter().filter(|s| **s == 0xFF00).count();
        if let Some(s) = statuses.into_iter().find(|s| *s != 0xFF00) {
            assert_eq!(s, 0x0000);
            break;
        }
    }
    assert_eq!(matches, TOTAL);
    let _ = assoc.release();
}

#[tokio::test]
async fn an_association_beyond_the_limit_is_rejected_transiently_and_the_next_one_is_served() {
    let app = app()
        .env("FERRUM_DICOM_BIND", "127.0.0.1:0")
        .env("FERRUM_DICOM_MAX_ASSOCIATIONS", "1")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    add_node(&app, "RAWSCU", "admin", &[]).await;
    add_node(&app, "ECHOER", "admin", &[]).await;
    let held = raw::connect(app.dicom_addr.unwrap().port(), "1.2.840.10008.1.1");
    let out = text(&echo(&app, "ECHOER", "FERRUM"));
    assert!(out.contains("Rejected Transient") && out.contains("Local Limit Exceeded"), "{out}");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !echo(&app, "ECHOER", "FERRUM").status.success() {
        assert!(Instant::now() < deadline, "served again once the held association ends");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, events) = app.get_json("/api/audit?action=dicom_association&limit=100").await;
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["detail"]["decision"] == "busy"));
}

#[tokio::test]
async fn a_sigkill_during_storescu_loses_nothing_that_was_answered_success() {
    let mut app = dicom_app().await;
    add_node(&app, "MODALITY", "admin", &["store"]).await;
    let specs: Vec<Spec> = (1..=500).map(|i| Spec::new(9700, 1 + i / 100, i)).collect();
    let dir = folder_of(&specs);
    let (p, path) = (port(&app), dir.path().to_owned());
    let sending = std::thread::spawn(move || {
        let out = dcmtk(
            "storescu",
            &["-v", "+sd", "-aet", "MODALITY", "-aec", "FERRUM", "127.0.0.1", &p, &path.display().to_string()],
        );
        text(&out)
    });
    std::thread::sleep(Duration::from_millis(1500));
    app.kill();
    let out = sending.join().unwrap();
    // Which files were answered Success before the kill.
    let mut last = None;
    let mut answered = Vec::new();
    for line in out.lines() {
        if let Some(file) = line.strip_prefix("I: Sending file: ") {
            last = Some(file.to_owned());
        } else if line.contains("Received Store Response (Success)") {
            answered.push(last.take().expect("a response follows its file"));
        }
    }
    assert!(!answered.is_empty(), "some were stored before the kill: {out}");
    app.start();
    for file in &answered {
        let bytes = std::fs::read(file).unwrap();
        let stored = file_over_http(&app, &sop_uid_of(&bytes)).await;
        assert_eq!(data_set(&stored), data_set(&bytes), "{file}: answered Success, so kept");
    }
    eprintln!("{} of 500 answered Success before the kill; every one kept", answered.len());
}
