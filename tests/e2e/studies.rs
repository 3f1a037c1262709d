//! Study search, details, pagination and who sees what.
use std::collections::HashSet;

use crate::fixtures::*;
use crate::harness::app;

fn uids(list: &serde_json::Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|s| s["study_instance_uid"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn search_filters_match_wildcards_case_and_accents() {
    let app = app().spawn().await.logged_in_as_admin().await;
    app.upload("application/zip", samples_zip()).await;
    let one = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let (status, body) = app.get_json(&format!("/api/studies?{q}")).await;
            assert_eq!(status, 200, "{q}: {body}");
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["patient_name"].as_str().unwrap_or("").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(one("patient_name=mul*").await, vec!["Müller^Jürgen"], "case and accent insensitive, wildcard");
    assert_eq!(one("patient_name=M%C3%9CLLER").await, vec!["Müller^Jürgen"], "no wildcard matches the start");
    assert_eq!(one("patient_name=*gildong*").await.len(), 1);
    assert_eq!(one("patient_name=d?e*").await, vec!["Doe^Jane"]);
    assert_eq!(one("patient_name=*%E5%B1%B1%E7%94%B0*").await.len(), 1, "山田 in the ideographic group");
    assert_eq!(one("patient_id=PAT-0002").await, vec!["Doe^Jane"]);
    assert_eq!(one("accession=ACC0003").await, vec!["Smith^John"]);
    assert_eq!(one("modality=mr").await, vec!["Doe^Jane"]);
    assert_eq!(one("modality=CT").await.len(), 2);
    assert_eq!(one("description=head").await, vec!["Rossi^Maria"]);
    assert_eq!(one("q=rossi").await, vec!["Rossi^Maria"]);
    assert_eq!(one("date_from=2024-03-15&date_to=20240315").await.len(), 6);
    assert_eq!(one("date_from=20240316").await.len(), 0);
    assert_eq!(one("uploader=admin").await.len(), 6);
    let (status, body) = app.get_json("/api/studies?date_from=yesterday").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("date_from"));
}

#[tokio::test]
async fn keyset_pagination_walks_every_study_once_in_every_sort_order() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let mut parts = Vec::new();
    for study in 0..7u32 {
        let spec = Spec::new(100 + study, 1, 1)
            .date(&format!("2023010{}", study % 3 + 1))
            .name(&format!("Pat{}^X", study % 4));
        parts.push((format!("s{study}.dcm"), dicom(&spec)));
    }
    let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    app.upload("application/zip", zip_of(&refs)).await;
    for sort in ["-uploaded_at", "uploaded_at", "study_date", "-study_date", "patient_name", "-patient_name"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/api/studies?limit=3&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, body) = app.get_json(&path).await;
            assert_eq!(status, 200, "{body}");
            seen.extend(uids(&body));
            pages += 1;
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
            assert!(pages < 10, "pagination does not end");
        }
        assert_eq!(seen.len(), 7, "sort {sort}: {seen:?}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7, "sort {sort}: no study twice");
    }
    let (status, _) = app.get_json("/api/studies?cursor=garbage").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn study_detail_lists_series_and_instances() {
    let app = app().spawn().await.logged_in_as_admin().await;
    app.upload("application/zip", samples_zip()).await;
    let (status, study) = app.get_json("/api/studies/1.2.826.0.1.3680043.10.1137.1").await;
    assert_eq!(status, 200);
    for field in [
        "study_instance_uid",
        "patient_name",
        "patient_id",
        "patient_birth_date",
        "patient_sex",
        "study_date",
        "study_time",
        "accession_number",
        "study_description",
        "referring_physician_name",
        "modalities",
        "num_series",
        "num_instances",
        "uploaded_by",
        "uploaded_at",
        "thumbnail_url",
    ] {
        assert!(study.get(field).is_some(), "study lacks {field}: {study}");
    }
    assert_eq!(study["num_instances"], 8);
    assert_eq!(study["series"][0]["instances"].as_array().unwrap().len(), 8);
    assert_eq!(study["series"][0]["instances"][0]["instance_number"], 1);
    let (status, body) = app.get_json("/api/studies/1.2.3.999").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
    let (status, _) = app.get_json("/api/studies/not-a-uid").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_radiologist_sees_only_own_studies_and_others_are_404() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let alice = app.add_user("alice", "radiologist").await;
    let bob = app.add_user("bob", "radiologist").await;
    let a = Spec::new(200, 1, 1);
    let b = Spec::new(201, 1, 1);
    app.upload_as(&alice, "application/dicom", dicom(&a)).await;
    app.upload_as(&bob, "application/dicom", dicom(&b)).await;
    let get = |token: &str, path: &str| app.client.get(app.url(path)).bearer_auth(token.to_owned()).send();

    let list: serde_json::Value = get(&alice, "/api/studies").await.unwrap().json().await.unwrap();
    assert_eq!(uids(&list), vec![a.study.clone()]);
    assert_eq!(get(&alice, &format!("/api/studies/{}", b.study)).await.unwrap().status(), 404);
    assert_eq!(get(&alice, &format!("/api/instances/{}/file", b.sop)).await.unwrap().status(), 404);
    assert_eq!(get(&alice, &format!("/api/instances/{}/file", a.sop)).await.unwrap().status(), 200);
    let (_, all) = app.get_json("/api/studies").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2, "admin sees all");
}

#[tokio::test]
async fn reads_and_writes_of_patient_data_are_audited_and_logs_hold_no_patient_data() {
    let app = app().spawn().await.logged_in_as_admin().await;
    app.upload("application/zip", samples_zip()).await;
    app.get_json("/api/studies?patient_name=M%C3%BCller*").await;
    app.get_json("/api/studies/1.2.826.0.1.3680043.10.1137.2").await;
    app.get("/api/instances/1.2.826.0.1.3680043.10.1137.2.1.1/file").send().await.unwrap().bytes().await.unwrap();

    let (status, audit) = app.get_json("/api/audit?limit=1000").await;
    assert_eq!(status, 200);
    let actions: Vec<(String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["study_uid"].as_str().unwrap_or("").to_owned()))
        .collect();
    for (action, study) in [
        ("upload", "1.2.826.0.1.3680043.10.1137.1"),
        ("view_study", "1.2.826.0.1.3680043.10.1137.2"),
        ("download_instance", "1.2.826.0.1.3680043.10.1137.2"),
        ("search_studies", ""),
    ] {
        assert!(actions.contains(&(action.to_owned(), study.to_owned())), "{action} {study} not audited: {actions:?}");
    }
    let log = app.log_text();
    assert!(log.contains("/api/studies"), "the log does record requests");
    for secret in ["Müller", "ller", "PAT-000", "Doe^Jane", "Jane", "山田", "Rossi"] {
        assert!(!log.contains(secret), "the log contains patient data {secret:?}");
    }
}

/// A study with the attributes the search catalogues beyond the fixtures' defaults.
fn searchable(n: u32, name: &str, extra: &[(dicom_core::Tag, dicom_core::VR, &str)]) -> (String, Vec<u8>) {
    use dicom_core::{DataElement, PrimitiveValue};
    let mut spec = Spec::new(300 + n, 1, 1).name(name);
    spec.patient_id = format!("MRN-{n:04}");
    spec.accession = format!("ACX{n:03}");
    let mut obj = object(&spec);
    for (tag, vr, v) in extra {
        obj.put(DataElement::new(*tag, *vr, PrimitiveValue::from(*v)));
    }
    (format!("s{n}.dcm"), encode(obj, &spec.sop))
}

#[tokio::test]
async fn the_search_filters_combine_page_by_cursor_and_say_their_total_over_http() {
    use dicom_core::VR;
    use dicom_dictionary_std::tags;
    let app = app().spawn().await.logged_in_as_admin().await;
    let parts = [
        searchable(
            1,
            "MÜLLER^HANS",
            &[
                (tags::INSTITUTION_NAME, VR::LO, "St. Mary Hospital"),
                (tags::REFERRING_PHYSICIAN_NAME, VR::PN, "House^Gregory"),
                (tags::BODY_PART_EXAMINED, VR::CS, "CHEST"),
                (tags::SERIES_DESCRIPTION, VR::LO, "Lung window"),
                (tags::STUDY_TIME, VR::TM, "081500"),
                (tags::PATIENT_BIRTH_DATE, VR::DA, "19600101"),
            ],
        ),
        searchable(
            2,
            "Müller^Hans",
            &[(tags::INSTITUTION_NAME, VR::LO, "City Clinic"), (tags::STUDY_TIME, VR::TM, "143000")],
        ),
        searchable(3, "Muller^Anna", &[(tags::BODY_PART_EXAMINED, VR::CS, "KNEE")]),
        searchable(4, "Yamada^Tarou=山田^太郎=やまだ^たろう", &[]),
    ];
    let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    app.upload("application/zip", zip_of(&refs)).await;
    let found = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let (status, body) = app.get_json(&format!("/api/studies?{q}")).await;
            assert_eq!(status, 200, "{q}: {body}");
            let mut ids: Vec<String> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["patient_id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let ids = |ns: &[u32]| ns.iter().map(|n| format!("MRN-{n:04}")).collect::<Vec<_>>();
    assert_eq!(found("patient_name=muller").await, ids(&[1, 2, 3]), "accents and case");
    assert_eq!(found("patient_name=hans%20muller").await, ids(&[1, 2]), "either order");
    assert_eq!(found("patient_name=anna").await, ids(&[3]), "given name alone");
    assert_eq!(found("patient_name=%E3%82%84%E3%81%BE%E3%81%A0").await, ids(&[4]), "the phonetic group (やまだ)");
    assert_eq!(found("patient_id=mrn-000*").await, ids(&[1, 2, 3, 4]), "a prefix");
    assert_eq!(found("patient_id=MRN-0002").await, ids(&[2]));
    assert_eq!(found("accession=acx00*").await, ids(&[1, 2, 3, 4]));
    assert_eq!(found("birth_date=1960-01-01").await, ids(&[1]));
    assert_eq!(found("time_from=08:00&time_to=09:00").await, ids(&[1]));
    assert_eq!(found("institution=mary").await, ids(&[1]));
    assert_eq!(found("referring_physician=gregory%20house").await, ids(&[1]));
    assert_eq!(found("description=lung").await, ids(&[1]), "a series description");
    assert_eq!(found("description=knee").await, ids(&[3]), "a body part");
    assert_eq!(found("q=mullr").await, ids(&[1, 2, 3]), "a typo");
    assert_eq!(found("patient_name=muller&modality=CT&institution=city").await, ids(&[2]));
    let (_, all) = app.get_json("/api/studies?patient_name=muller").await;
    assert_eq!((all["total"].as_u64(), all["total_exact"].as_bool()), (Some(3), Some(true)));
    let item = &all["items"][0];
    assert_eq!((item["num_series"].as_i64(), item["num_instances"].as_i64()), (Some(1), Some(1)));
    assert_eq!(item["modalities"], serde_json::json!(["CT"]));

    // Every page of an order, by cursor, and a cursor of another order refused.
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let (status, page) = app.get_json(&format!("/api/studies?sort=-accession&limit=3{next}")).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(
            page["items"].as_array().unwrap().iter().map(|s| s["accession_number"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => next = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["ACX004", "ACX003", "ACX002", "ACX001"]);
    let (_, first) = app.get_json("/api/studies?sort=-accession&limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (status, body) = app.get_json(&format!("/api/studies?sort=study_date&cursor={cursor}")).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app.get_json("/api/studies?restricted=perhaps").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{body}");
    let (status, _) = app.get_json("/api/studies?sort=relevance&q=muller").await;
    assert_eq!(status, 200);

    // Restricted and shared state.
    let uid = format!("{}.301", ROOT);
    let r = app.client.put(app.url(&format!("/api/studies/{uid}/restriction"))).bearer_auth(app.token()).send().await;
    assert_eq!(r.unwrap().status(), 200);
    assert_eq!(found("restricted=true").await, ids(&[1]));
    assert_eq!(found("restricted=false&patient_name=muller").await, ids(&[2, 3]));
}
