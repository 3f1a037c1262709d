//! The access model from outside: studies shared inside the product, and the holes an
//! attacker with an ordinary account (or only a link, or only a login form) would try.
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

async fn send(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    send(app, reqwest::Method::GET, token, path, None).await
}

fn file_line(report: &Value) -> &Value {
    &report["files"][0]
}

#[tokio::test]
async fn an_upload_naming_another_accounts_study_or_series_is_refused_and_merges_nothing() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("owner", "radiologist").await;
    let intruder = app.add_user("intruder", "radiologist").await;
    let theirs = Spec::new(1200, 1, 1).name("Owner^Patient").size(16);
    assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&theirs)).await.0, 201);

    // A series of one's own naming the owner's study.
    let injected = Spec::new(1200, 7, 1).name("Wrong^Patient").size(16);
    let (status, report) = app.upload_as(&intruder, "application/dicom", dicom(&injected)).await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(
        (file_line(&report)["status"].as_str(), file_line(&report)["code"].as_str()),
        (Some("rejected"), Some("study_not_writable")),
        "{report}"
    );
    assert!(!report.to_string().contains("Owner^Patient"), "nothing of the owner's study is told: {report}");

    // The owner's series UID inside a study of one's own.
    let mut hijack = Spec::new(1201, 1, 1).size(16);
    hijack.series = theirs.series.clone();
    let (status, report) = app.upload_as(&intruder, "application/dicom", dicom(&hijack)).await;
    assert_eq!((status, file_line(&report)["code"].as_str()), (422, Some("series_in_another_study")), "{report}");

    let (status, study) = get(&app, &owner, &format!("/api/studies/{}", theirs.study)).await;
    assert_eq!(status, 200);
    assert_eq!((study["num_series"].as_i64(), study["num_instances"].as_i64()), (Some(1), Some(1)), "{study}");
    let (status, _) = get(&app, &owner, &format!("/api/series/{}/thumbnail", theirs.series)).await;
    assert_eq!(status, 200, "the owner's series still answers");
    for path in [
        format!("/api/studies/{}", theirs.study),
        format!("/api/series/{}/thumbnail", theirs.series),
        format!("/api/instances/{}/file", theirs.sop),
    ] {
        assert_eq!(get(&app, &intruder, &path).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn a_study_shared_with_an_account_or_group_gives_its_level_until_withdrawn() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let owner = app.add_user("owner", "radiologist").await;
    let colleague = app.add_user("colleague", "radiologist").await;
    let member = app.add_user("member", "radiologist").await;
    let study = Spec::new(1210, 1, 1).size(16);
    assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&study)).await.0, 201);
    let grants = format!("/api/studies/{}/grants", study.study);
    let put = |token: String, body: Value| {
        let grants = grants.clone();
        let app = &app;
        async move { send(app, reqwest::Method::PUT, &token, &grants, Some(body)).await }
    };

    assert_eq!(get(&app, &colleague, &format!("/api/studies/{}", study.study)).await.0, 404);
    let (status, body) = put(colleague.clone(), json!({"grantee": "user:colleague", "level": "read"})).await;
    assert_eq!(status, 404, "only who sees the study may even ask: {body}");
    let (status, body) = put(owner.clone(), json!({"grantee": "user:colleague", "level": "read"})).await;
    assert_eq!((status, body["level"].as_str()), (200, Some("read")), "{body}");

    let (status, seen) = get(&app, &colleague, &format!("/api/studies/{}", study.study)).await;
    assert_eq!(
        (status, seen["access"]["level"].as_str(), seen["access"]["basis"].as_str()),
        (200, Some("read"), Some("grant")),
        "{seen}"
    );
    let (_, shared) = get(&app, &colleague, "/api/studies?scope=shared").await;
    assert_eq!(shared["items"].as_array().unwrap().len(), 1);
    let (_, mine) = get(&app, &colleague, "/api/studies?scope=mine").await;
    assert!(mine["items"].as_array().unwrap().is_empty());
    assert_eq!(get(&app, &colleague, &format!("/api/instances/{}/file", study.sop)).await.0, 200, "read downloads");
    let link = json!({"expires_in": 600});
    let links = format!("/api/studies/{}/links", study.study);
    assert_eq!(
        send(&app, reqwest::Method::POST, &colleague, &links, Some(link.clone())).await.0,
        403,
        "read does not share"
    );
    let more = Spec::new(1210, 2, 1).size(16);
    let (status, report) = app.upload_as(&colleague, "application/dicom", dicom(&more)).await;
    assert_eq!(
        (status, file_line(&report)["code"].as_str()),
        (422, Some("study_not_writable")),
        "read does not contribute"
    );
    assert_eq!(put(colleague.clone(), json!({"grantee": "user:member", "level": "read"})).await.0, 403, "nor re-share");

    assert_eq!(put(owner.clone(), json!({"grantee": "user:colleague", "level": "share"})).await.0, 200);
    assert_eq!(
        send(&app, reqwest::Method::POST, &colleague, &links, Some(link.clone())).await.0,
        201,
        "share makes links"
    );

    // A group at contribute level.
    assert_eq!(send(&app, reqwest::Method::POST, &admin, "/api/groups", Some(json!({"name": "ct-team"}))).await.0, 201);
    assert_eq!(send(&app, reqwest::Method::PUT, &admin, "/api/groups/ct-team/members/member", None).await.0, 204);
    assert_eq!(get(&app, &owner, "/api/groups").await.0, 403, "groups are the admins'");
    assert_eq!(put(owner.clone(), json!({"grantee": "group:ct-team", "level": "contribute"})).await.0, 200);
    let (status, report) = app.upload_as(&member, "application/dicom", dicom(&more)).await;
    assert_eq!(status, 201, "contribute uploads into the study: {report}");
    let (_, listed) = get(&app, &owner, &grants).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");

    // Withdrawn: effective on the next request.
    assert_eq!(send(&app, reqwest::Method::DELETE, &admin, "/api/groups/ct-team/members/member", None).await.0, 204);
    assert_eq!(get(&app, &member, &format!("/api/studies/{}", study.study)).await.0, 404);
    let (status, _) = send(&app, reqwest::Method::DELETE, &owner, &format!("{grants}/user:colleague"), None).await;
    assert_eq!(status, 204);
    assert_eq!(get(&app, &colleague, &format!("/api/instances/{}/file", study.sop)).await.0, 404);

    // Ownership moves; the former owner keeps nothing of their own.
    let owner_path = format!("/api/studies/{}/owner", study.study);
    assert_eq!(
        send(&app, reqwest::Method::PUT, &owner, &owner_path, Some(json!({"username": "colleague"}))).await.0,
        204
    );
    let (_, seen) = get(&app, &colleague, &format!("/api/studies/{}", study.study)).await;
    assert_eq!(
        (seen["owner"].as_str(), seen["access"]["basis"].as_str()),
        (Some("colleague"), Some("owner")),
        "{seen}"
    );
    assert_eq!(get(&app, &owner, &format!("/api/studies/{}", study.study)).await.0, 404);

    let (_, audit) = get(&app, &admin, &format!("/api/audit?study_uid={}", study.study)).await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["grant_study", "withdraw_grant", "transfer_study"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}

async fn link_for(app: &TestApp, token: &str, study: &str, body: Value) -> String {
    let (status, link) =
        send(app, reqwest::Method::POST, token, &format!("/api/studies/{study}/links"), Some(body)).await;
    assert_eq!(status, 201, "{link}");
    link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_used_up_link_is_closed_on_every_share_route_and_parallel_openings_never_overshoot() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let study = Spec::new(1220, 1, 1).size(16);
    assert_eq!(app.upload("application/dicom", dicom(&study)).await.0, 201);
    let token = link_for(&app, &admin, &study.study, json!({"max_opens": 1, "allow_download": true})).await;
    let api = format!("/api/share/{token}");
    let routes = [
        format!("{api}/study"),
        format!("{api}/series/{}/thumbnail", study.series),
        format!("{api}/instances/{}/rendered", study.sop),
        format!("{api}/archive"),
    ];

    let viewer = reqwest::Client::builder().cookie_store(true).build().unwrap();
    assert_eq!(viewer.get(app.url(&format!("/v/{token}"))).send().await.unwrap().status(), 200);
    for r in &routes {
        assert_eq!(viewer.get(app.url(r)).send().await.unwrap().status(), 200, "the one opening works: {r}");
    }
    let stranger = reqwest::Client::new();
    assert_eq!(stranger.get(app.url(&format!("/v/{token}"))).send().await.unwrap().status(), 410);
    for r in &routes {
        let resp = stranger.get(app.url(r)).send().await.unwrap();
        assert_eq!(resp.status(), 410, "{r}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "link_used_up");
    }

    let token = link_for(&app, &admin, &study.study, json!({"max_opens": 3})).await;
    let mut opens = Vec::new();
    for _ in 0..20 {
        let url = app.url(&format!("/v/{token}"));
        opens.push(tokio::spawn(async move { reqwest::get(url).await.unwrap().status().as_u16() }));
    }
    let mut ok = 0;
    for o in opens {
        ok += usize::from(o.await.unwrap() == 200);
    }
    assert_eq!(ok, 3, "exactly max_opens openings");
}

#[tokio::test]
async fn simultaneous_wrong_pins_and_passwords_get_no_more_checks_than_the_limit() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let study = Spec::new(1230, 1, 1).size(16);
    assert_eq!(app.upload("application/dicom", dicom(&study)).await.0, 201);
    let token = link_for(&app, &admin, &study.study, json!({"pin": "482913"})).await;
    let mut tries = Vec::new();
    for i in 0..40 {
        let url = app.url(&format!("/api/share/{token}/unlock"));
        tries.push(tokio::spawn(async move {
            let pin = format!("{:06}", 100000 + i);
            reqwest::Client::new().post(url).json(&json!({ "pin": pin })).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    let judged = statuses.iter().filter(|s| **s == 401).count();
    assert!(judged <= 5, "{judged} PINs judged: {statuses:?}");
    assert!(statuses.iter().all(|s| matches!(s, 401 | 423 | 429)), "{statuses:?}");

    app.add_user("victim", "radiologist").await;
    let mut tries = Vec::new();
    for i in 0..40 {
        let url = app.url("/api/auth/login");
        tries.push(tokio::spawn(async move {
            let body = json!({"username": "victim", "password": format!("guess-number-{i}")});
            reqwest::Client::new().post(url).json(&body).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    let judged = statuses.iter().filter(|s| **s == 401).count();
    assert!(judged <= 5, "{judged} passwords judged: {statuses:?}");
    assert_eq!(app.login("victim", "a-long-password-1").await.status(), 423, "locked, even with the right password");
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_logins_with_made_up_names_is_answered_in_bounded_memory_alike_for_all_names() {
    let app = app().spawn().await;
    // A name that exists and one that does not answer alike.
    let unknown: Value = app.login("nobody-here", "wrong-password-1").await.json().await.unwrap();
    let known: Value = app.login("admin", "wrong-password-1").await.json().await.unwrap();
    assert_eq!(unknown, known);
    let pid = app.pid();
    let mut tries = Vec::new();
    for i in 0..400 {
        let url = app.url("/api/auth/login");
        tries.push(tokio::spawn(async move {
            let body = json!({"username": format!("ghost{i}"), "password": "whatever-password"});
            let r = reqwest::Client::new().post(url).json(&body).send().await.unwrap();
            let retry = r.headers().get("retry-after").is_some();
            (r.status().as_u16(), retry)
        }));
    }
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses.iter().all(|(s, _)| matches!(s, 401 | 429)), "{statuses:?}");
    assert!(statuses.iter().filter(|(s, _)| *s == 429).all(|(_, retry)| *retry), "429 says when to retry");
    let peak_mib = peak_rss_kib(pid) / 1024;
    assert!(peak_mib < 256, "peak RSS {peak_mib} MiB under the flood");
}
