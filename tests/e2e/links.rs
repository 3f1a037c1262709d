//! Viewer links: made by the study's owner, opened without an account, scoped to one study,
//! audited per link, and closed on the next request once revoked or expired.
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

pub(crate) async fn create_link(app: &TestApp, token: &str, study: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/studies/{study}/links")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// The token of a link URL, and the share API path under it.
fn share(url: &str) -> (String, String) {
    let token = url.rsplit('/').next().unwrap().to_owned();
    let api = format!("/api/share/{token}");
    (token, api)
}

#[tokio::test]
async fn a_link_opens_its_study_only_is_audited_and_stops_on_revocation() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let bob = app.add_user("bob", "radiologist").await;
    let carol = app.add_user("carol", "radiologist").await;
    let mine = Spec::new(900, 1, 1).name("Müller^Hans").size(16);
    let other = Spec::new(901, 1, 1).size(16);
    assert_eq!(app.upload_as(&bob, "application/dicom", dicom(&mine)).await.0, 201);
    assert_eq!(app.upload_as(&bob, "application/dicom", dicom(&other)).await.0, 201);

    let (status, body) = create_link(&app, &carol, &mine.study, json!({})).await;
    assert_eq!(status, 404, "only the owner or an admin shares a study: {body}");
    let (status, link) = create_link(&app, &bob, &mine.study, json!({"expires_in": 3600})).await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap();
    let (token, api) = share(url);
    assert!(url.starts_with(&app.base) && url.contains("/v/"), "{url}");
    assert!(token.len() >= 40 && !token.contains("900") && !url.contains("Hans"), "no patient data in {url}");

    let referrer = reqwest::Client::builder().user_agent("referrer-browser/1.0").build().unwrap();
    let r = referrer.get(app.url(&format!("/v/{token}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(!page.contains("Hans") && !page.contains("Müller"), "the page itself holds no patient data");

    let study: Value = referrer.get(app.url(&format!("{api}/study"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(study["patient_name"], "Müller^Hans");
    let ok = |p: String| {
        let referrer = referrer.clone();
        let url = app.url(&p);
        async move { referrer.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ok(format!("{api}/series/{}/thumbnail", mine.series)).await, 200);
    assert_eq!(ok(format!("{api}/instances/{}/rendered?window=40,400", mine.sop)).await, 200);
    assert_eq!(ok(format!("{api}/series/{}/thumbnail", other.series)).await, 404, "another study through the link");
    assert_eq!(ok(format!("{api}/instances/{}/rendered", other.sop)).await, 404);
    assert_eq!(ok(format!("/api/studies/{}", mine.study)).await, 401, "the link is not an account");
    let mut forged = token.clone().into_bytes();
    forged[5] = if forged[5] == b'A' { b'B' } else { b'A' };
    assert_eq!(ok(format!("/api/share/{}/study", String::from_utf8(forged).unwrap())).await, 404);

    let id = link["id"].as_str().unwrap();
    let (status, log) = app.get_json(&format!("/api/links/{id}/access")).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["open_link", "view_study", "view_thumbnail", "view_image"] {
        assert!(actions.contains(&action), "{action} missing from the link's access log: {actions:?}");
    }
    let opened = log["items"].as_array().unwrap().iter().find(|e| e["action"] == "open_link").unwrap();
    assert!(opened["user_agent"].as_str().unwrap().contains("referrer-browser/1.0"));
    assert!(opened["remote_addr"].as_str().is_some());
    let (_, listed) = app.get_json(&format!("/api/studies/{}/links", mine.study)).await;
    assert_eq!(listed["items"][0]["opens"], 1);
    assert_eq!(listed["items"][0]["status"], "active");

    let r = app.client.delete(app.url(&format!("/api/links/{id}"))).bearer_auth(&carol).send().await.unwrap();
    assert_eq!(r.status(), 404, "carol cannot revoke bob's link");
    let r = app.client.delete(app.url(&format!("/api/links/{id}"))).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = referrer.get(app.url(&format!("{api}/study"))).send().await.unwrap();
    assert_eq!(r.status(), 410, "revocation works on the next request");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "link_revoked");
    let r = referrer.get(app.url(&format!("/v/{token}"))).send().await.unwrap();
    assert_eq!(r.status(), 410);
    let page = r.text().await.unwrap();
    assert!(page.contains("no longer available") && !page.contains("Hans"));
}

#[tokio::test]
async fn link_lifetimes_are_capped_and_an_expired_link_is_gone() {
    let app = app().env("FERRUM_LINK_MAX_TTL_SECS", "60").spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(902, 1, 1).size(16);
    app.upload("application/dicom", dicom(&spec)).await;
    let admin = app.token().to_owned();
    let (status, link) = create_link(&app, &admin, &spec.study, json!({"expires_in": 9_999_999})).await;
    assert_eq!(status, 201);
    let expires = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().unwrap()).unwrap();
    let left = expires.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((55..=60).contains(&left), "capped to the configured maximum: {link}");

    let (_, short) = create_link(&app, &admin, &spec.study, json!({"expires_in": 1})).await;
    let (_, api) = share(short["url"].as_str().unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let r = reqwest::get(app.url(&format!("{api}/study"))).await.unwrap();
    assert_eq!(r.status(), 410);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "link_expired");
}

#[tokio::test]
async fn a_link_narrowed_to_series_shows_only_them_and_opens_a_limited_number_of_times() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let shown = Spec::new(903, 1, 1).size(16);
    let hidden = Spec::new(903, 2, 1).size(16);
    for spec in [&shown, &hidden] {
        app.upload("application/dicom", dicom(spec)).await;
    }
    let (status, body) = create_link(&app, &admin, &shown.study, json!({"series": ["1.2.3.4.5"]})).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("series_not_in_study")), "{body}");
    let (status, body) = create_link(&app, &admin, &shown.study, json!({"max_opens": 0})).await;
    assert_eq!(status, 400, "{body}");
    let (status, link) = create_link(
        &app,
        &admin,
        &shown.study,
        json!({"series": [shown.series], "max_opens": 2, "allow_download": true}),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    let (token, api) = share(link["url"].as_str().unwrap());
    // A browser: the opening it counts sets the cookie its share API requests then carry.
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let get = |p: String| {
        let url = app.url(&p);
        let browser = browser.clone();
        async move { browser.get(url).send().await.unwrap() }
    };
    let before: Value = get(format!("{api}/study")).await.json().await.unwrap();
    assert_eq!(before["error"], "unauthorized", "a limited link's API waits for an opening: {before}");
    assert_eq!(get(format!("/v/{token}")).await.status(), 200);

    let study: Value = get(format!("{api}/study")).await.json().await.unwrap();
    let series: Vec<&str> =
        study["series"].as_array().unwrap().iter().map(|s| s["series_instance_uid"].as_str().unwrap()).collect();
    assert_eq!(series, vec![shown.series.as_str()]);
    assert_eq!((study["num_series"].as_i64(), study["num_instances"].as_i64()), (Some(1), Some(1)));
    assert_eq!(get(format!("{api}/series/{}/thumbnail", shown.series)).await.status(), 200);
    assert_eq!(get(format!("{api}/series/{}/thumbnail", hidden.series)).await.status(), 404);
    assert_eq!(get(format!("{api}/instances/{}/rendered", hidden.sop)).await.status(), 404);
    let archive = get(format!("{api}/archive")).await.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
    let manifest: Value = serde_json::from_reader(zip.by_name("manifest.json").unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{manifest}");
    assert_eq!(files[0]["series_instance_uid"], shown.series.as_str(), "the hidden series is not in the archive");

    assert_eq!(get(format!("/v/{token}")).await.status(), 200);
    assert_eq!(get(format!("/v/{token}")).await.status(), 410, "the third opening is one too many");
    assert_eq!(get(format!("{api}/study")).await.status(), 200, "the openings made keep working");
    let stranger: Value = reqwest::get(app.url(&format!("{api}/study"))).await.unwrap().json().await.unwrap();
    assert_eq!(stranger["error"], "link_used_up", "without an opening of its own: {stranger}");
    let (_, listed) = app.get_json(&format!("/api/studies/{}/links", shown.study)).await;
    assert_eq!(listed["items"][0]["status"], "used_up");
    let (_, log) = app.get_json(&format!("/api/links/{}/access", link["id"].as_str().unwrap())).await;
    let refused =
        log["items"].as_array().unwrap().iter().filter(|e| e["action"] == "open_link" && e["outcome"] == "denied");
    assert_eq!(refused.count(), 1, "a refused opening is in the access log too");
}

#[tokio::test]
async fn a_pin_link_needs_its_pin_locks_after_five_wrong_ones_and_keeps_the_proof_to_itself() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let spec = Spec::new(904, 1, 1).size(16);
    let other = Spec::new(905, 1, 1).size(16);
    for s in [&spec, &other] {
        assert_eq!(app.upload("application/dicom", dicom(s)).await.0, 201);
    }
    for bad in ["123", "12345a", "1234567890123"] {
        let (status, body) = create_link(&app, &admin, &spec.study, json!({ "pin": bad })).await;
        assert_eq!((status, body["error"].as_str()), (422, Some("invalid_pin")), "{bad}: {body}");
    }
    let (_, link) = create_link(&app, &admin, &spec.study, json!({ "pin": "314159", "max_opens": 2 })).await;
    let (_, api) = share(link["url"].as_str().unwrap());
    let (_, plain) = create_link(&app, &admin, &other.study, json!({})).await;
    let (_, plain_api) = share(plain["url"].as_str().unwrap());
    assert_eq!(link["pin"], true);
    assert!(!link.to_string().contains("314159"), "the PIN is never shown again: {link}");

    // A browser-like client with a cookie jar.
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let get = |p: String| {
        let (browser, url) = (browser.clone(), app.url(&p));
        async move { browser.get(url).send().await.unwrap() }
    };
    let unlock = |pin: &str| {
        let (browser, url) = (browser.clone(), app.url(&format!("{api}/unlock")));
        let body = json!({ "pin": pin });
        async move {
            let r = browser.post(url).json(&body).send().await.unwrap();
            (
                r.status().as_u16(),
                r.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned()),
                r.text().await.unwrap(),
            )
        }
    };
    for _ in 0..3 {
        let page = get(format!("/v/{}", link["url"].as_str().unwrap().rsplit('/').next().unwrap())).await;
        assert_eq!(page.status(), 200, "loading the page without the PIN does not use up openings");
    }
    let r = get(format!("{api}/study")).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "pin_required");
    assert_eq!(get(format!("{api}/instances/{}/rendered", spec.sop)).await.status(), 401);

    let (status, _, body) = unlock("000000").await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("4 attempt(s) left"), "{body}");
    let (status, cookie, _) = unlock("314159").await;
    assert_eq!(status, 204);
    let cookie = cookie.expect("a proof cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains(&format!("Path={api}")), "scoped to this link's share API: {cookie}");
    assert!(!cookie.contains("314159"), "{cookie}");
    assert_eq!(get(format!("{api}/study")).await.status(), 200);
    assert_eq!(get(format!("{api}/instances/{}/rendered", spec.sop)).await.status(), 200);
    assert_eq!(get(format!("{plain_api}/study")).await.status(), 200, "a link without a PIN needs none");

    // Someone else guessing: five wrong PINs lock the link, even against the right one.
    let guesser = reqwest::Client::new();
    for n in 0..5 {
        let r = guesser
            .post(app.url(&format!("{api}/unlock")))
            .json(&json!({"pin": format!("99999{n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "wrong PIN {n}");
    }
    let r = guesser.post(app.url(&format!("{api}/unlock"))).json(&json!({"pin": "314159"})).send().await.unwrap();
    assert_eq!(r.status(), 423);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "pin_locked");
    assert_eq!(get(format!("{api}/study")).await.status(), 200, "who already unlocked keeps reading");
    let (_, listed) = app.get_json(&format!("/api/studies/{}/links", spec.study)).await;
    assert!(listed["items"][0]["pin_locked_until"].is_string(), "{listed}");
    let (_, log) = app.get_json(&format!("/api/links/{}/access", link["id"].as_str().unwrap())).await;
    let outcomes: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "unlock_link")
        .map(|e| e["detail"]["reason"].as_str().unwrap_or(e["outcome"].as_str().unwrap()))
        .collect();
    let wrong = "wrong_pin";
    assert_eq!(outcomes, vec!["locked", wrong, wrong, wrong, wrong, wrong, "allowed", wrong]);
    assert_eq!(listed["items"][0]["opens"], 1, "one opening: the right PIN");
}

#[tokio::test]
async fn a_links_note_reaches_its_holder_only_for_links_made_since_the_dialog_says_so() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(960, 1, 1).size(16);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    let (status, link) =
        create_link(&app, app.token(), &spec.study, json!({"note": "for Dr Lee, second opinion"})).await;
    assert_eq!(status, 201, "{link}");
    let (_, api) = share(link["url"].as_str().unwrap());
    let about = |api: String| {
        let url = app.url(&format!("{api}/about"));
        async move { reqwest::get(url).await.unwrap().json::<Value>().await.unwrap() }
    };
    let seen = about(api.clone()).await;
    assert_eq!((seen["note"].as_str(), seen["sender"].as_str()), (Some("for Dr Lee, second opinion"), Some("admin")));
    // A link made before notes were shown: its note was written for the owner alone.
    app.catalog_sql("UPDATE links SET note_shown = FALSE").await.unwrap();
    let seen = about(api).await;
    assert!(seen["note"].is_null(), "an older link's note stays with its owner: {seen}");
    let (_, listed) = app.get_json(&format!("/api/studies/{}/links", spec.study)).await;
    assert_eq!(listed["items"][0]["note"], "for Dr Lee, second opinion", "the owner still sees it: {listed}");
}
