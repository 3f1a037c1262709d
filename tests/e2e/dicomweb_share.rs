//! A viewer link's DICOMweb root (`/share/{token}/dicomweb`) against the real binary: the
//! requests OHIF v3 makes answer in the same shape there as under `/dicomweb` with a bearer
//! token; the root shows the link's study (and series) only; every state the share API
//! decides (expired, revoked, used up, PIN not given, downloads not allowed) answers the
//! same here; reads are audited as the link's. A de-identified link's root is tested with
//! the other de-identified routes (deidentify.rs).
use reqwest::Client;
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, TestApp};
use crate::links::create_link;

/// What OHIF's image loader asks frames for.
const FRAMES_ACCEPT: &str = "multipart/related; type=application/octet-stream; transfer-syntax=*";

struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn fetch(client: &Client, app: &TestApp, path: &str, token: Option<&str>, accept: Option<&str>) -> Answer {
    let mut r = client.get(app.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    Answer { status, content_type, body: r.bytes().await.unwrap().to_vec() }
}

fn link_token(link: &Value) -> String {
    link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

async fn new_link(app: &TestApp, owner: &str, study: &str, body: Value) -> (String, String) {
    let (status, link) = create_link(app, owner, study, body).await;
    assert_eq!(status, 201, "{link}");
    (link_token(&link), link["id"].as_str().unwrap().to_owned())
}

fn first(v: &Value, tag: &str) -> Value {
    v[tag]["Value"][0].clone()
}

/// Study 7600: series 1 with three instances, series 2 with one; study 7601 of the same
/// owner. Both patients' names hold an x, as OHIF's study list search `*x*` wants.
async fn world() -> (TestApp, String, Vec<Spec>, Spec) {
    let app = app().spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("dr.xu", "radiologist").await;
    let mut specs: Vec<Spec> =
        (1..=3).map(|n| Spec::new(7600, 1, n).name("Maxwell^Rex").size(16).seed(n as u8)).collect();
    specs.push(Spec::new(7600, 2, 1).name("Maxwell^Rex").size(16));
    let other = Spec::new(7601, 1, 1).name("Xiong^Li").size(16);
    for s in specs.iter().chain([&other]) {
        assert_eq!(app.upload_as(&owner, "application/dicom", dicom(s)).await.0, 201);
    }
    (app, owner, specs, other)
}

/// The requests of OHIF v3 on one root, checked for the shape OHIF reads; answers the
/// study UIDs the study list found.
async fn ohif_requests(app: &TestApp, root: &str, token: Option<&str>, specs: &[Spec]) -> Vec<String> {
    let client = Client::new();
    let s = &specs[0];
    let base = format!("{}{root}", app.base);

    let list = fetch(
        &client,
        app,
        &format!(
            "{root}/studies?PatientName=*x*&limit=101&offset=0&fuzzymatching=false&includefield=00081030,00080060"
        ),
        token,
        Some("application/dicom+json"),
    )
    .await;
    assert_eq!(list.status, 200, "{root} study list: {}", list.text());
    assert!(list.content_type.starts_with("application/dicom+json"), "{}", list.content_type);
    let rows = list.json();
    let rows = rows.as_array().unwrap();
    for row in rows {
        assert_eq!(row["0020000D"]["vr"], "UI");
        assert_eq!(row["00100010"]["vr"], "PN");
        assert!(first(row, "00100010")["Alphabetic"].as_str().unwrap().to_lowercase().contains('x'), "{row}");
        assert_eq!(first(row, "00081030"), "Test study", "includefield StudyDescription: {row}");
        assert!(row["00201206"]["Value"][0].as_i64().unwrap() >= 1 && row["00201208"]["vr"] == "IS", "{row}");
        assert_eq!(row["00080061"]["Value"], json!(["CT"]));
        let retrieve = first(row, "00081190");
        assert!(retrieve.as_str().unwrap().starts_with(&format!("{base}/studies/")), "{retrieve} under {base}");
    }
    let found: Vec<String> = rows.iter().map(|r| first(r, "0020000D").as_str().unwrap().to_owned()).collect();

    let series = fetch(
        &client,
        app,
        &format!("{root}/studies/{}/series?includefield=0008103E,00080021,00080031", s.study),
        token,
        Some("application/dicom+json"),
    )
    .await;
    assert_eq!(series.status, 200, "{root} series: {}", series.text());
    let series = series.json();
    let series = series.as_array().unwrap();
    for row in series {
        assert_eq!(row["0020000E"]["vr"], "UI");
        assert_eq!(first(row, "00080060"), "CT");
        assert_eq!(row["00201209"]["vr"], "IS");
    }
    let series_uids: Vec<&str> = series.iter().map(|r| r["0020000E"]["Value"][0].as_str().unwrap()).collect();
    assert!(series_uids.contains(&s.series.as_str()), "{series_uids:?}");

    let metadata =
        fetch(&client, app, &format!("{root}/studies/{}/series/{}/metadata", s.study, s.series), token, None).await;
    assert_eq!(metadata.status, 200, "{root} metadata: {}", metadata.text());
    assert!(metadata.content_type.starts_with("application/dicom+json"));
    let instances = metadata.json();
    let instances = instances.as_array().unwrap();
    assert_eq!(instances.len(), 3);
    for i in instances {
        let sop = first(i, "00080018");
        let uri = i["7FE00010"]["BulkDataURI"].as_str().unwrap();
        assert_eq!(
            uri,
            format!("{base}/studies/{}/series/{}/instances/{}/frames", s.study, s.series, sop.as_str().unwrap())
        );
        assert_eq!(first(i, "00280010"), 16);
    }

    // Where OHIF's loader fetches the pixels: the metadata's BulkDataURI, frame 1.
    let uri = instances[0]["7FE00010"]["BulkDataURI"].as_str().unwrap();
    let path = uri.strip_prefix(&app.base).unwrap();
    let frames = fetch(&client, app, &format!("{path}/1"), token, Some(FRAMES_ACCEPT)).await;
    assert_eq!(frames.status, 200, "{root} frames: {}", frames.text());
    assert!(frames.content_type.starts_with("multipart/related"), "{}", frames.content_type);
    assert!(frames.content_type.contains("application/octet-stream"), "{}", frames.content_type);
    let text = String::from_utf8_lossy(&frames.body);
    assert!(text.contains("Content-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"), "{text}");
    let sop = first(&instances[0], "00080018");
    let spec = specs.iter().find(|x| x.sop == sop.as_str().unwrap()).unwrap();
    let file = dicom(spec);
    let pixels = &file[file.len() - 256..];
    assert!(frames.body.windows(256).any(|w| w == pixels), "frame 1 carries the uploaded pixels");
    found
}

#[tokio::test]
async fn the_requests_ohif_makes_answer_in_the_same_shape_on_both_roots() {
    let (app, owner, specs, other) = world().await;
    let found = ohif_requests(&app, "/dicomweb", Some(&owner), &specs).await;
    assert_eq!(found.len(), 2, "the owner's study list has both: {found:?}");
    let (token, _) = new_link(&app, &owner, &specs[0].study, json!({})).await;
    let found = ohif_requests(&app, &format!("/share/{token}/dicomweb"), None, &specs).await;
    assert_eq!(found, vec![specs[0].study.clone()], "the link's study list has its study only, not {}", other.study);
}

#[tokio::test]
async fn a_links_dicomweb_root_shows_its_study_and_series_only_and_is_audited_as_the_link() {
    let (app, owner, specs, other) = world().await;
    let client = Client::new();
    let (token, id) = new_link(&app, &owner, &specs[0].study, json!({"allow_download": true})).await;
    let root = format!("/share/{token}/dicomweb");
    let s = &specs[0];
    for path in [
        format!("{root}/studies/{}/metadata", other.study),
        format!("{root}/studies/{}/series/{}/metadata", other.study, other.series),
        format!("{root}/studies/{}", other.study),
        format!("{root}/studies/{}/series/{}/instances/{}/frames/1", other.study, other.series, other.sop),
        format!("{root}/studies/{}/thumbnail", other.study),
        // The link's study UID with another study's series under it.
        format!("{root}/studies/{}/series/{}/metadata", s.study, other.series),
    ] {
        let a = fetch(&client, &app, &path, None, None).await;
        assert_eq!((a.status, a.code()), (404, "not_found".into()), "{path}: {}", a.text());
        assert!(!a.text().contains("Xiong"), "{}", a.text());
    }
    for (path, tag, want) in [
        (format!("{root}/studies"), "0020000D", vec![s.study.clone()]),
        (format!("{root}/series"), "0020000E", vec![s.series.clone(), specs[3].series.clone()]),
        (format!("{root}/studies/{}/series", other.study), "0020000E", vec![]),
    ] {
        let a = fetch(&client, &app, &path, None, None).await;
        assert_eq!(a.status, 200, "{path}");
        let mut got: Vec<String> =
            a.json().as_array().unwrap().iter().map(|r| first(r, tag).as_str().unwrap().to_owned()).collect();
        got.sort();
        assert_eq!(got, want, "{path}");
    }
    let instances = fetch(&client, &app, &format!("{root}/instances"), None, None).await.json();
    assert_eq!(instances.as_array().unwrap().len(), 4);

    // A link to one series: the other series of the study is not there.
    let (narrow, _) = new_link(&app, &owner, &s.study, json!({"series": [specs[3].series]})).await;
    let root = format!("/share/{narrow}/dicomweb");
    let a = fetch(&client, &app, &format!("{root}/studies/{}/series/{}/metadata", s.study, s.series), None, None).await;
    assert_eq!(a.status, 404, "{}", a.text());
    let study = fetch(&client, &app, &format!("{root}/studies/{}/metadata", s.study), None, None).await.json();
    let sops: Vec<Value> = study.as_array().unwrap().iter().map(|i| first(i, "00080018")).collect();
    assert_eq!(sops, vec![json!(specs[3].sop)]);
    let series = fetch(&client, &app, &format!("{root}/studies/{}/series", s.study), None, None).await.json();
    let uids: Vec<Value> = series.as_array().unwrap().iter().map(|r| first(r, "0020000E")).collect();
    assert_eq!(uids, vec![json!(specs[3].series)]);
    // The study row counts and describes what the link shows, not the series it leaves out.
    let rows = fetch(&client, &app, &format!("{root}/studies?includefield=all"), None, None).await;
    let row = &rows.json()[0];
    assert_eq!((first(row, "00201206"), first(row, "00201208")), (json!(1), json!(1)), "{row}");
    assert!(!rows.text().contains(&format!("\"{}\"", s.series)), "{}", rows.text());

    // Audited with the link as actor, through DICOMweb.
    let (status, log) = app.get_json(&format!("/api/audit?actor=link:{id}&limit=100")).await;
    assert_eq!(status, 200, "{log}");
    let events = log["items"].as_array().unwrap();
    let via = |action: &str, outcome: &str| {
        events.iter().any(|e| e["action"] == action && e["outcome"] == outcome && e["detail"]["via"] == "dicomweb")
    };
    assert!(via("search_studies", "allowed"), "{events:?}");
    assert!(events.iter().any(|e| e["action"] == "view_study" && e["outcome"] == "not_found"), "{events:?}");
}

#[tokio::test]
async fn every_state_of_a_link_answers_on_its_dicomweb_root_as_on_the_share_api() {
    let (app, owner, specs, _) = world().await;
    let s = &specs[0];
    let both = |token: &str| {
        (format!("/api/share/{token}/study"), format!("/share/{token}/dicomweb/studies/{}/metadata", s.study))
    };
    async fn same(app: &TestApp, client: &Client, (api, web): &(String, String), want: (u16, &str)) {
        let a = fetch(client, app, api, None, None).await;
        let b = fetch(client, app, web, None, None).await;
        assert_eq!((a.status, a.code()), (want.0, want.1.to_owned()), "{api}: {}", a.text());
        assert_eq!((b.status, b.code()), (want.0, want.1.to_owned()), "{web}: {}", b.text());
    }
    let fresh = || Client::builder().cookie_store(true).build().unwrap();

    let (revoked, revoked_id) = new_link(&app, &owner, &s.study, json!({})).await;
    let r = app.client.delete(app.url(&format!("/api/links/{revoked_id}"))).bearer_auth(&owner).send().await.unwrap();
    assert_eq!(r.status(), 204);
    same(&app, &fresh(), &both(&revoked), (410, "link_revoked")).await;

    let (expired, expired_id) = new_link(&app, &owner, &s.study, json!({"expires_in": 3600})).await;
    app.catalog_sql(&format!("UPDATE links SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE id = '{expired_id}'"))
        .await
        .unwrap();
    same(&app, &fresh(), &both(&expired), (410, "link_expired")).await;

    let mut forged = revoked.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    same(&app, &fresh(), &both(&forged), (404, "not_found")).await;

    // A PIN: nothing before it is given; its proof cookie opens both roots.
    let (pinned, _) = new_link(&app, &owner, &s.study, json!({"pin": "482913"})).await;
    let holder = fresh();
    same(&app, &holder, &both(&pinned), (401, "pin_required")).await;
    let r = holder
        .post(app.url(&format!("/api/share/{pinned}/unlock")))
        .json(&json!({"pin": "482913"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    same(&app, &holder, &both(&pinned), (200, "")).await;
    same(&app, &fresh(), &both(&pinned), (401, "pin_required")).await;

    // One opening: the first holder's page opening counts it, a second holder finds it used up.
    let (once, _) = new_link(&app, &owner, &s.study, json!({"max_opens": 1})).await;
    let first_holder = fresh();
    same(&app, &first_holder, &both(&once), (401, "unauthorized")).await;
    assert_eq!(first_holder.get(app.url(&format!("/v/{once}"))).send().await.unwrap().status(), 200);
    same(&app, &first_holder, &both(&once), (200, "")).await;
    let second = fresh();
    assert_eq!(second.get(app.url(&format!("/v/{once}"))).send().await.unwrap().status(), 410);
    same(&app, &second, &both(&once), (410, "link_used_up")).await;

    // Downloads not allowed: the objects are refused as the archive is; viewing is not.
    let (view_only, _) = new_link(&app, &owner, &s.study, json!({})).await;
    let client = fresh();
    let archive = fetch(&client, &app, &format!("/api/share/{view_only}/archive"), None, None).await;
    let root = format!("/share/{view_only}/dicomweb");
    for path in [
        format!("{root}/studies/{}", s.study),
        format!("{root}/studies/{}/series/{}", s.study, s.series),
        format!("{root}/studies/{}/series/{}/instances/{}", s.study, s.series, s.sop),
    ] {
        let a = fetch(&client, &app, &path, None, None).await;
        assert_eq!((a.status, a.code()), (archive.status, archive.code()), "{path}: {}", a.text());
        assert_eq!(a.status, 403);
    }
    let frames = format!("{root}/studies/{}/series/{}/instances/{}/frames/1", s.study, s.series, s.sop);
    assert_eq!(fetch(&client, &app, &frames, None, Some(FRAMES_ACCEPT)).await.status, 200);
}

#[tokio::test]
async fn a_viewer_on_a_configured_origin_may_call_both_roots_cross_origin() {
    let viewer = "https://viewer.example.org";
    let app = app().env("FERRUM_CORS_ORIGINS", viewer).spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("dr.cors", "radiologist").await;
    let s = Spec::new(7650, 1, 1).name("Cross^Origin").size(16);
    assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&s)).await.0, 201);
    let (token, _) = new_link(&app, &owner, &s.study, json!({})).await;
    for root in ["/dicomweb".to_owned(), format!("/share/{token}/dicomweb")] {
        let frames = format!("{root}/studies/{}/series/{}/instances/{}/frames/1", s.study, s.series, s.sop);
        let r = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(&frames))
            .header("origin", viewer)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization, accept, range")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{root}: {}", r.status());
        let h = r.headers();
        assert_eq!(h["access-control-allow-origin"], viewer, "{root}");
        let allowed = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
        for wanted in ["authorization", "accept", "range"] {
            assert!(allowed.contains(wanted), "{root}: {wanted} not in {allowed}");
        }
        assert!(h.get("access-control-allow-credentials").is_none());

        let mut get = app.client.get(app.url(&frames)).header("origin", viewer).header("accept", FRAMES_ACCEPT);
        if root == "/dicomweb" {
            get = get.bearer_auth(&owner);
        }
        let r = get.send().await.unwrap();
        assert_eq!(r.status(), 200, "{root}");
        assert_eq!(r.headers()["access-control-allow-origin"], viewer);
        let exposed = r.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
        assert!(exposed.contains("content-range"), "{root}: {exposed}");
    }
}
