//! De-identified viewer links: every route a link holder can reach serves de-identified
//! data only. The study uploaded here carries identifying values in every place the
//! profile covers; every byte served through the link (bodies and headers) is searched for
//! each of them and for each original UID.
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::dicomweb_retrieve::parts;
use crate::fixtures::*;
use crate::harness::{app, TestApp};
use crate::links::create_link;

pub(crate) const UPLOADER: &str = "radquincy";

/// Identifying values as they are in the headers (and the uploader's name).
pub(crate) const IDENTIFYING: &[&str] = &[
    "Quillfeather^Ottoline",
    "Quillfeather",
    "Ottoline",
    "MRN-5550123",
    "19580704",
    "20230911",
    "20230912",
    "20230913",
    "ACCN-77341",
    "Ravensworth General Infirmary",
    "Ravensworth",
    "Larkspur",
    "Thistlewood^Barnaby",
    "Thistlewood",
    "Marchbanks",
    "Pennywhistle",
    "CT head for Ottoline Quillfeather MRN-5550123",
    "Axial Quillfeather 1958",
    "STU-4411",
    "RAV-CT-04",
    "SN-99-RAV",
    "Private note on Quillfeather",
    "ACME HOSPITAL PRIVATE",
    "OVERLAYLABELXYZ",
    UPLOADER,
];

pub(crate) struct Uids {
    pub study: String,
    pub series: [String; 2],
    /// Three shown instances, then one with burned-in annotation.
    pub sops: [String; 4],
    pub frame_of_reference: String,
}

fn uids() -> Uids {
    uids_at("1.2.826.0.1.3680043.10.1137.4242")
}

/// The UIDs of a study of the same make under `root`.
pub(crate) fn uids_at(root: &str) -> Uids {
    Uids {
        study: format!("{root}.1"),
        series: [format!("{root}.1.1"), format!("{root}.1.2")],
        sops: [format!("{root}.1.1.1"), format!("{root}.1.1.2"), format!("{root}.1.2.1"), format!("{root}.1.2.2")],
        frame_of_reference: format!("{root}.9"),
    }
}

fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, v: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
}

/// Instance `n` (0..4) of the study: series 0 holds 0 and 1 (1 references 0), series 1
/// holds 2 and 3 (3 has burned-in annotation).
pub(crate) fn identified(u: &Uids, n: usize) -> InMemDicomObject {
    let series = usize::from(n >= 2);
    let mut spec = Spec::new(0, 0, 0).size(16).seed(n as u8);
    spec.study = u.study.clone();
    spec.series = u.series[series].clone();
    spec.sop = u.sops[n].clone();
    spec.patient_name = "Quillfeather^Ottoline".into();
    spec.patient_id = "MRN-5550123".into();
    spec.study_date = "20230911".into();
    spec.accession = "ACCN-77341".into();
    spec.description = "CT head for Ottoline Quillfeather MRN-5550123".into();
    let mut obj = object(&spec);
    put(&mut obj, tags::PATIENT_BIRTH_DATE, VR::DA, "19580704");
    put(&mut obj, tags::PATIENT_SEX, VR::CS, "F");
    put(&mut obj, tags::STUDY_TIME, VR::TM, "094500");
    put(&mut obj, tags::SERIES_DATE, VR::DA, "20230912");
    put(&mut obj, tags::ACQUISITION_DATE, VR::DA, "20230913");
    put(&mut obj, tags::INSTITUTION_NAME, VR::LO, "Ravensworth General Infirmary");
    put(&mut obj, tags::INSTITUTION_ADDRESS, VR::ST, "12 Larkspur Lane, Ravensworth");
    put(&mut obj, tags::REFERRING_PHYSICIAN_NAME, VR::PN, "Thistlewood^Barnaby");
    put(&mut obj, tags::PERFORMING_PHYSICIAN_NAME, VR::PN, "Marchbanks^Ilse");
    put(&mut obj, tags::OPERATORS_NAME, VR::PN, "Pennywhistle^Rolf");
    put(&mut obj, tags::SERIES_DESCRIPTION, VR::LO, "Axial Quillfeather 1958");
    put(&mut obj, tags::STUDY_ID, VR::SH, "STU-4411");
    put(&mut obj, tags::STATION_NAME, VR::SH, "RAV-CT-04");
    put(&mut obj, tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN-99-RAV");
    put(&mut obj, tags::FRAME_OF_REFERENCE_UID, VR::UI, &u.frame_of_reference);
    obj.put(DataElement::new(tags::SERIES_NUMBER, VR::IS, PrimitiveValue::from((series + 1).to_string())));
    obj.put(DataElement::new(tags::INSTANCE_NUMBER, VR::IS, PrimitiveValue::from((n + 1).to_string())));
    put(&mut obj, Tag(0x0011, 0x0010), VR::LO, "ACME HOSPITAL PRIVATE");
    put(&mut obj, Tag(0x0011, 0x1010), VR::LO, "Private note on Quillfeather");
    obj.put(DataElement::new(Tag(0x6000, 0x0010), VR::US, PrimitiveValue::from(16u16)));
    obj.put(DataElement::new(Tag(0x6000, 0x0011), VR::US, PrimitiveValue::from(16u16)));
    put(&mut obj, Tag(0x6000, 0x0022), VR::LO, "OVERLAYLABELXYZ");
    obj.put(DataElement::new(Tag(0x6000, 0x3000), VR::OW, PrimitiveValue::from(vec![0xFFu8; 32])));
    if n == 1 {
        let item = InMemDicomObject::from_element_iter([
            DataElement::new(tags::REFERENCED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from(CT_IMAGE)),
            DataElement::new(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from(u.sops[0].as_str())),
        ]);
        obj.put(DataElement::new(
            tags::REFERENCED_IMAGE_SEQUENCE,
            VR::SQ,
            DataSetSequence::new(vec![item], Length::UNDEFINED),
        ));
    }
    if n == 3 {
        put(&mut obj, tags::BURNED_IN_ANNOTATION, VR::CS, "YES");
    }
    obj
}

pub(crate) fn pixels(obj: &InMemDicomObject) -> Vec<u8> {
    obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap().into_owned()
}

pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    let (h, n) = (haystack.to_ascii_lowercase(), needle.to_ascii_lowercase());
    h.windows(n.len()).any(|w| w == n.as_bytes())
}

/// Everything one link served: route → headers and body.
#[derive(Default)]
struct Served(BTreeMap<String, Vec<u8>>);

impl Served {
    async fn get(&mut self, client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Vec<u8>) {
        let r = client.get(app.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let mut record = format!("{status}\n").into_bytes();
        for (name, value) in r.headers() {
            record.extend_from_slice(format!("{name}: ").as_bytes());
            record.extend_from_slice(value.as_bytes());
            record.push(b'\n');
        }
        let body = r.bytes().await.unwrap().to_vec();
        record.extend_from_slice(&body);
        self.0.insert(path.to_owned(), record);
        (status, body)
    }

    fn add(&mut self, name: String, bytes: Vec<u8>) {
        self.0.insert(name, bytes);
    }

    fn assert_free_of(&self, needles: &[String]) {
        for (route, bytes) in &self.0 {
            for needle in needles {
                assert!(!contains(bytes, needle), "{route} serves the original value {needle:?}");
            }
        }
    }
}

pub(crate) fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
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

pub(crate) fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.element_opt(tag)
        .unwrap()
        .map(|e| e.to_str().unwrap().trim_end_matches(['\0', ' ']).to_owned())
        .unwrap_or_default()
}

/// `dcmdump` (dcmtk) reads the file without an error, when it is installed.
pub(crate) fn dcmdump_accepts(bytes: &[u8]) {
    let Ok(out) = std::process::Command::new("dcmdump").arg("--version").output() else {
        return;
    };
    if !out.status.success() {
        return;
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let out = std::process::Command::new("dcmdump").arg(file.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("E: "), "dcmdump refuses a de-identified file: {stderr}");
}

/// Fetches every route of the link; answers the study JSON.
async fn fetch_everything(app: &TestApp, url: &str, served: &mut Served) -> (Value, BTreeMap<String, Vec<u8>>) {
    let token = url.rsplit('/').next().unwrap();
    let api = format!("/api/share/{token}");
    let holder = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let (status, page) = served.get(&holder, app, &format!("/v/{token}")).await;
    assert_eq!(status, 200);
    // The page's own scripts and styles, as a browser loads them.
    let page = String::from_utf8(page).unwrap();
    for asset in page.split('"').filter(|s| s.starts_with("/assets/")) {
        assert_eq!(served.get(&holder, app, asset).await.0, 200, "{asset}");
    }
    let (status, body) = served.get(&holder, app, &format!("{api}/study")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let study: Value = serde_json::from_slice(&body).unwrap();
    for series in study["series"].as_array().unwrap() {
        let s = series["series_instance_uid"].as_str().unwrap();
        for q in ["?size=128", ""] {
            let (status, _) = served.get(&holder, app, &format!("{api}/series/{s}/thumbnail{q}")).await;
            assert_eq!(status, 200, "thumbnail of {s}");
        }
        for instance in series["instances"].as_array().unwrap() {
            let sop = instance["sop_instance_uid"].as_str().unwrap();
            for q in ["format=jpeg", "format=png&window=40,400"] {
                let (status, _) = served.get(&holder, app, &format!("{api}/instances/{sop}/rendered?{q}")).await;
                assert_eq!(status, 200, "frame of {sop}");
            }
        }
    }
    let (status, zip) = served.get(&holder, app, &format!("{api}/archive")).await;
    assert_eq!(status, 200);
    let entries = unzip(&zip);
    for (name, bytes) in &entries {
        served.add(format!("archive entry {name}"), bytes.clone());
    }
    (study, entries)
}

/// A server with the identified study uploaded by [`UPLOADER`]: its UIDs, the uploader's
/// token, the objects as uploaded, and every value none of the link's answers may hold.
async fn identified_study() -> (TestApp, Uids, String, Vec<InMemDicomObject>, Vec<String>) {
    let app = app().spawn().await.logged_in_as_admin().await;
    let quincy = app.add_user(UPLOADER, "radiologist").await;
    let u = uids();
    let objects: Vec<InMemDicomObject> = (0..4).map(|n| identified(&u, n)).collect();
    let mut needles: Vec<String> = IDENTIFYING.iter().map(|s| (*s).to_owned()).collect();
    needles.extend([u.study.clone(), u.series[0].clone(), u.series[1].clone(), u.frame_of_reference.clone()]);
    needles.extend(u.sops.iter().cloned());
    for (n, obj) in objects.iter().enumerate() {
        let bytes = encode(obj.clone(), &u.sops[n]);
        needles.push(hex::encode(Sha256::digest(&bytes)));
        let (status, body) = app.upload_as(&quincy, "application/dicom", bytes).await;
        assert_eq!(status, 201, "{body}");
    }
    (app, u, quincy, objects, needles)
}

#[tokio::test]
async fn a_deidentified_link_serves_no_identifying_value_on_any_route() {
    let (app, u, quincy, objects, needles) = identified_study().await;

    let (status, link) =
        create_link(&app, &quincy, &u.study, json!({"deidentify": true, "allow_download": true})).await;
    assert_eq!(status, 201, "{link}");
    assert_eq!(link["deidentify"], true);
    let (_, list) = app.get_json(&format!("/api/studies/{}/links", u.study)).await;
    assert_eq!(list["items"][0]["deidentify"], true, "the owner's list shows the flag: {list}");

    let mut served = Served::default();
    let (study, entries) = fetch_everything(&app, link["url"].as_str().unwrap(), &mut served).await;
    served.assert_free_of(&needles);

    // The JSON: de-identified values, remapped UIDs, nothing about the uploader.
    assert_eq!(study["deidentified"], true);
    assert_eq!(study["patient_sex"], "F", "Retain Patient Characteristics");
    assert!(study["patient_id"].as_str().unwrap().starts_with("ANON-"), "{study}");
    assert!(study.get("uploaded_by").is_none() && study.get("owner").is_none(), "{study}");
    let shifted = study["study_date"].as_str().unwrap();
    assert!(shifted.len() == 8 && shifted < "20230911", "dates move back: {shifted}");
    let new_study = study["study_instance_uid"].as_str().unwrap().to_owned();
    assert!(new_study.starts_with("2.25."));
    let series: Vec<&Value> = study["series"].as_array().unwrap().iter().collect();
    assert_eq!(series.len(), 2);
    let listed: Vec<String> = series
        .iter()
        .flat_map(|s| s["instances"].as_array().unwrap())
        .map(|i| i["sop_instance_uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len(), 3, "the burned-in object is left out: {study}");
    assert_eq!(study["left_out"]["burned_in_annotation"], 1);

    // The archive: one valid, de-identified file per listed instance, the same pixels.
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
    assert_eq!(manifest["deidentified"], true);
    assert_eq!(entries.len(), 4, "three files and the manifest: {:?}", entries.keys().collect::<Vec<_>>());
    let mut in_files = BTreeMap::new();
    for (name, bytes) in entries.iter().filter(|(n, _)| n.ends_with(".dcm")) {
        dcmdump_accepts(bytes);
        let file = dicom_object::OpenFileOptions::new().from_reader(&bytes[128..]).expect("valid Part-10");
        let sop = text(&file, tags::SOP_INSTANCE_UID);
        assert_eq!(file.meta().media_storage_sop_instance_uid().trim_end_matches('\0'), sop);
        assert_eq!(text(&file, tags::STUDY_INSTANCE_UID), new_study, "{name}");
        assert_eq!(text(&file, tags::PATIENT_IDENTITY_REMOVED), "YES");
        assert!(file.element_opt(Tag(0x0011, 0x1010)).unwrap().is_none(), "private tags removed");
        assert!(file.element_opt(Tag(0x6000, 0x3000)).unwrap().is_none(), "overlays removed");
        let number: usize = text(&file, tags::INSTANCE_NUMBER).parse().unwrap();
        assert_eq!(pixels(&file), pixels(&objects[number - 1]), "{name}: the same pixels");
        in_files.insert(number - 1, (sop, text(&file, tags::SERIES_INSTANCE_UID), file));
    }
    assert_eq!(in_files.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2]);
    // Consistency: the JSON, the manifest and the files name the same new UIDs, and the
    // reference inside instance 1 points at instance 0's new UID.
    let listed: BTreeSet<String> = listed.into_iter().collect();
    let filed: BTreeSet<String> = in_files.values().map(|(sop, _, _)| sop.clone()).collect();
    let manifested: BTreeSet<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sop_instance_uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, filed);
    assert_eq!(listed, manifested);
    assert_eq!(in_files[&0].1, in_files[&1].1, "one series, one new UID");
    assert_ne!(in_files[&0].1, in_files[&2].1);
    assert_eq!(series[0]["series_instance_uid"].as_str().unwrap(), in_files[&0].1);
    let reference = in_files[&1].2.element(tags::REFERENCED_IMAGE_SEQUENCE).unwrap().items().unwrap()[0].clone();
    assert_eq!(text(&reference, tags::REFERENCED_SOP_INSTANCE_UID), in_files[&0].0);

    // Original UIDs name nothing on a de-identified link.
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let api = format!("/api/share/{token}");
    for path in [
        format!("{api}/instances/{}/rendered", u.sops[0]),
        format!("{api}/instances/{}/rendered", u.sops[3]),
        format!("{api}/series/{}/thumbnail", u.series[0]),
    ] {
        assert_eq!(app.client.get(app.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }

    // A second link: other UIDs for the same objects.
    let (_, second) = create_link(&app, &quincy, &u.study, json!({"deidentify": true})).await;
    let mut other = Served::default();
    let holder = reqwest::Client::new();
    let second_token = second["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    assert_eq!(other.get(&holder, &app, &format!("/v/{second_token}")).await.0, 200);
    let (_, body) = other.get(&holder, &app, &format!("/api/share/{second_token}/study")).await;
    let second_study: Value = serde_json::from_slice(&body).unwrap();
    assert_ne!(second_study["study_instance_uid"], study["study_instance_uid"]);
    let second_uids: BTreeSet<String> = second_study["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["instances"].as_array().unwrap())
        .map(|i| i["sop_instance_uid"].as_str().unwrap().to_owned())
        .collect();
    assert!(second_uids.is_disjoint(&filed), "two links, two sets of UIDs");
    assert_ne!(second_study["patient_id"], study["patient_id"]);
    // The first link's UIDs name nothing on the second.
    let first_sop = filed.iter().next().unwrap();
    let path = format!("/api/share/{second_token}/instances/{first_sop}/rendered");
    assert_eq!(app.client.get(app.url(&path)).send().await.unwrap().status(), 404);
    other.assert_free_of(&needles);

    // Audited as de-identified, in the link's access log.
    let (_, log) = app.get_json(&format!("/api/links/{}/access", link["id"].as_str().unwrap())).await;
    let items = log["items"].as_array().unwrap();
    for action in ["open_link", "view_study", "view_thumbnail", "view_image", "export_study"] {
        assert!(items.iter().any(|e| e["action"] == action && e["outcome"] == "allowed"), "{action} in {log}");
    }
    for event in items {
        assert_eq!(event["detail"]["deidentified"], true, "every event of the link says so, refusals too: {event}");
    }
}

#[tokio::test]
async fn a_deidentified_link_keeps_pin_download_and_revocation_rules() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let u = uids();
    let bytes = encode(identified(&u, 0), &u.sops[0]);
    assert_eq!(app.upload("application/dicom", bytes).await.0, 201);
    let (status, link) =
        create_link(&app, app.token(), &u.study, json!({"deidentify": true, "pin": "246810", "max_opens": 1})).await;
    assert_eq!(status, 201, "{link}");
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let holder = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let get = |p: String| {
        let holder = holder.clone();
        let url = app.url(&p);
        async move {
            let r = holder.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = get(format!("/api/share/{token}/study")).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("pin_required")));
    let r = holder
        .post(app.url(&format!("/api/share/{token}/unlock")))
        .json(&json!({"pin": "246810"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, study) = get(format!("/api/share/{token}/study")).await;
    assert_eq!(status, 200);
    assert!(study["patient_name"].is_null() || study["patient_name"] == "", "{study}");
    let (status, _) = get(format!("/api/share/{token}/archive")).await;
    assert_eq!(status, 403, "no download unless the link allows it");
    let r =
        app.client.delete(app.url(&format!("/api/links/{}", link["id"].as_str().unwrap()))).bearer_auth(app.token());
    assert_eq!(r.send().await.unwrap().status(), 204);
    let (status, body) = get(format!("/api/share/{token}/study")).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("link_revoked")));
}

#[tokio::test]
async fn a_deidentified_links_dicomweb_root_serves_what_its_viewer_and_archive_do() {
    let (app, u, quincy, objects, needles) = identified_study().await;
    // What the view decides from without reading the objects again: NO unless one says YES.
    let (_, stored) = app.get_json(&format!("/api/studies/{}", u.study)).await;
    let flags: BTreeMap<String, Value> = stored["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["instances"].as_array().unwrap())
        .map(|i| (i["sop_instance_uid"].as_str().unwrap().to_owned(), i["burned_in_annotation"].clone()))
        .collect();
    let want: BTreeMap<String, Value> = u.sops.iter().enumerate().map(|(n, s)| (s.clone(), json!(n == 3))).collect();
    assert_eq!(flags, want);
    let (status, link) =
        create_link(&app, &quincy, &u.study, json!({"deidentify": true, "allow_download": true})).await;
    assert_eq!(status, 201, "{link}");
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let holder = reqwest::Client::new();
    let mut served = Served::default();
    let (_, body) = served.get(&holder, &app, &format!("/api/share/{token}/study")).await;
    let study: Value = serde_json::from_slice(&body).unwrap();
    let new_study = study["study_instance_uid"].as_str().unwrap().to_owned();
    let shown: BTreeMap<String, String> = study["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["instances"].as_array().unwrap())
        .map(|i| {
            (i["sop_instance_uid"].as_str().unwrap().to_owned(), i["series_instance_uid"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(shown.len(), 3, "{study}");
    let (_, zip) = served.get(&holder, &app, &format!("/api/share/{token}/archive")).await;
    let archived: BTreeMap<String, Vec<u8>> = unzip(&zip)
        .into_values()
        .filter(|b| b.len() > 132 && &b[128..132] == b"DICM")
        .map(|b| {
            let file = dicom_object::OpenFileOptions::new().from_reader(&b[128..]).unwrap();
            (text(&file, tags::SOP_INSTANCE_UID), b)
        })
        .collect();
    assert_eq!(archived.keys().collect::<Vec<_>>(), shown.keys().collect::<Vec<_>>());

    let root = format!("/share/{token}/dicomweb");
    let json_of = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
    let first = |v: &Value, tag: &str| v[tag]["Value"][0].clone();

    // Search: the study as de-identified, matched on its de-identified values only.
    let (status, body) = served.get(&holder, &app, &format!("{root}/studies")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let rows = json_of(&body);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(first(&rows[0], "0020000D"), new_study.as_str());
    assert_eq!(first(&rows[0], "00201208"), 3, "the burned-in object is not counted: {rows}");
    let pseudonym = first(&rows[0], "00100020").as_str().unwrap().to_owned();
    assert_eq!(pseudonym, study["patient_id"].as_str().unwrap());
    let shifted = first(&rows[0], "00080020").as_str().unwrap().to_owned();
    for (query, found) in [
        (format!("PatientID={pseudonym}"), 1),
        (format!("StudyDate={shifted}"), 1),
        ("ModalitiesInStudy=CT&includefield=all".into(), 1),
        ("PatientID=MRN-5550123".into(), 0),
        ("PatientName=Quill*".into(), 0),
        ("StudyDate=20230911".into(), 0),
        ("AccessionNumber=ACCN-77341".into(), 0),
        (format!("StudyInstanceUID={}", u.study), 0),
    ] {
        let (status, body) = served.get(&holder, &app, &format!("{root}/studies?{query}")).await;
        assert_eq!(status, 200);
        assert_eq!(json_of(&body).as_array().unwrap().len(), found, "{query}: {}", String::from_utf8_lossy(&body));
    }
    let (_, body) = served.get(&holder, &app, &format!("{root}/studies/{new_study}/series")).await;
    let series: BTreeSet<String> =
        json_of(&body).as_array().unwrap().iter().map(|r| first(r, "0020000E").as_str().unwrap().to_owned()).collect();
    assert_eq!(series, shown.values().cloned().collect::<BTreeSet<_>>());
    let (_, body) = served.get(&holder, &app, &format!("{root}/studies/{new_study}/instances")).await;
    let instances: BTreeSet<String> =
        json_of(&body).as_array().unwrap().iter().map(|r| first(r, "00080018").as_str().unwrap().to_owned()).collect();
    assert_eq!(instances, shown.keys().cloned().collect::<BTreeSet<_>>());

    // Metadata, frames, pictures: by the new UIDs, the pixels as uploaded.
    for series_uid in &series {
        let (status, body) =
            served.get(&holder, &app, &format!("{root}/studies/{new_study}/series/{series_uid}/metadata")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        for item in json_of(&body).as_array().unwrap() {
            let sop = first(item, "00080018").as_str().unwrap().to_owned();
            assert_eq!(shown[&sop], *series_uid);
            assert_eq!(first(item, "00120062"), "YES", "Patient Identity Removed: {item}");
            assert_eq!(first(item, "00100020"), pseudonym.as_str());
            let uri = item["7FE00010"]["BulkDataURI"].as_str().unwrap();
            assert_eq!(uri, app.url(&format!("{root}/studies/{new_study}/series/{series_uid}/instances/{sop}/frames")));
            let number = first(item, "00200013").as_i64().unwrap() as usize;
            let (status, frames) =
                served.get(&holder, &app, &format!("{}/1", uri.strip_prefix(&app.base).unwrap())).await;
            assert_eq!(status, 200);
            let want = pixels(&objects[number - 1]);
            assert!(frames.windows(want.len()).any(|w| w == want), "frame 1 of {sop} carries the uploaded pixels");
            let instance = format!("{root}/studies/{new_study}/series/{series_uid}/instances/{sop}");
            for path in
                [format!("{instance}/rendered"), format!("{instance}/thumbnail"), format!("{instance}/metadata")]
            {
                assert_eq!(served.get(&holder, &app, &path).await.0, 200, "{path}");
            }
        }
        let path = format!("{root}/studies/{new_study}/series/{series_uid}/thumbnail");
        assert_eq!(served.get(&holder, &app, &path).await.0, 200, "{path}");
    }
    assert_eq!(served.get(&holder, &app, &format!("{root}/studies/{new_study}/thumbnail")).await.0, 200);

    // Retrieval: the same de-identified objects as the link's archive, byte for byte.
    let r = holder.get(app.url(&format!("{root}/studies/{new_study}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    let body = r.bytes().await.unwrap().to_vec();
    let parts: Vec<Vec<u8>> = parts(&content_type, &body).into_iter().map(|(_, bytes)| bytes).collect();
    served.add("retrieved study".into(), body);
    assert_eq!(parts.len(), 3);
    for part in parts {
        let file = dicom_object::OpenFileOptions::new().from_reader(&part[128..]).expect("valid Part-10");
        let sop = text(&file, tags::SOP_INSTANCE_UID);
        assert_eq!(archived[&sop], part, "{sop}: the archive's bytes");
    }

    // The original UIDs, and the burned-in object's new one, name nothing.
    let burned_in = {
        let (_, body) = served.get(&holder, &app, &format!("/api/share/{token}/study")).await;
        assert!(!String::from_utf8_lossy(&body).contains(&u.sops[3]));
        format!("{root}/studies/{}/series/{}/instances/{}", u.study, u.series[1], u.sops[3])
    };
    for path in [
        format!("{root}/studies/{}/metadata", u.study),
        format!("{root}/studies/{new_study}/series/{}/metadata", u.series[0]),
        format!("{root}/studies/{}/series/{}/instances/{}/frames/1", u.study, u.series[0], u.sops[0]),
        format!("{burned_in}/rendered"),
    ] {
        let r = holder.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    served.assert_free_of(&needles);

    // Audited as the link's, de-identified.
    let (_, log) = app.get_json(&format!("/api/links/{}/access", link["id"].as_str().unwrap())).await;
    let items = log["items"].as_array().unwrap();
    let via: Vec<&Value> = items.iter().filter(|e| e["detail"]["via"] == "dicomweb").collect();
    for action in ["search_studies", "view_study", "view_image", "view_thumbnail", "export_study"] {
        assert!(via.iter().any(|e| e["action"] == action), "{action} through DICOMweb in {log}");
    }
    for event in items {
        assert_eq!(event["detail"]["deidentified"], true, "{event}");
    }
}
