//! Retention, legal holds and account deletion over HTTP: the sweep erases a study past its
//! date (its own, or `FERRUM_RETENTION_DAYS` after its upload) as the service and leaves a
//! held one, which no DELETE takes either until the hold is lifted; an account's deletion
//! reassigns or erases its studies.
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

async fn send(app: &TestApp, method: &str, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = app.client.request(method.parse().unwrap(), app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn eventually(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = Instant::now();
    while !check().await {
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    true
}

async fn upload_one(app: &TestApp, token: &str, spec: &Spec) {
    assert_eq!(app.upload_as(token, "application/dicom", dicom(spec)).await.0, 201);
}

async fn status_of(app: &TestApp, token: &str, path: &str) -> u16 {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_sweep_erases_expired_studies_and_leaves_held_ones_until_the_hold_is_lifted() {
    let app = app()
        .env("FERRUM_SWEEP_INTERVAL_SECS", "1")
        .env("FERRUM_RETENTION_DAYS", "3650")
        .env("FERRUM_BLOB_DELETE_GRACE_SECS", "1")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let admin = app.token().to_owned();
    let owner = app.add_user("owner", "radiologist").await;
    let [expired, held, fresh, old] = [3401, 3402, 3403, 3404].map(|n| Spec::new(n, 1, 1).size(16));
    for s in [&expired, &held, &fresh, &old] {
        upload_one(&app, &owner, s).await;
    }
    let path = |s: &Spec, tail: &str| format!("/api/studies/{}{tail}", s.study);

    // Admins only; dates and day counts are checked.
    assert_eq!(send(&app, "PUT", &owner, &path(&expired, "/retention"), Some(json!({"days": 1}))).await.0, 403);
    assert_eq!(send(&app, "PUT", &owner, &path(&held, "/legal-hold"), None).await.0, 403);
    for bad in [json!({"retain_until": "2020-13-01"}), json!({"days": -1}), json!({"retain_until": "20200101"})] {
        assert_eq!(send(&app, "PUT", &admin, &path(&expired, "/retention"), Some(bad)).await.0, 422);
    }
    assert_eq!(send(&app, "PUT", &admin, &path(&expired, "/retention"), Some(json!({}))).await.0, 400);
    let both = json!({"days": 1, "retain_until": "2020-01-01"});
    assert_eq!(send(&app, "PUT", &admin, &path(&expired, "/retention"), Some(both)).await.0, 400);
    assert_eq!(send(&app, "PUT", &admin, "/api/studies/1.2.3.404/retention", Some(json!({"days": 1}))).await.0, 404);

    // A hold first, then a date in the past for both: only the one not held goes.
    let (status, hold) = send(&app, "PUT", &admin, &path(&held, "/legal-hold"), None).await;
    assert_eq!(status, 200, "{hold}");
    assert_eq!(hold["legal_hold"]["held"], true);
    assert_eq!(hold["legal_hold"]["by"], "admin");
    for s in [&expired, &held] {
        let (status, body) =
            send(&app, "PUT", &admin, &path(s, "/retention"), Some(json!({"retain_until": "2020-01-01"}))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["retention"], json!({"retain_until": "2020-01-01", "basis": "study"}));
    }
    // Uploaded long ago: past the default of ten years.
    app.catalog_sql(&format!(
        "UPDATE studies SET uploaded_at = '2001-01-01T00:00:00.000000Z' WHERE study_uid = '{}'",
        old.study
    ))
    .await
    .unwrap();

    let gone = eventually(Duration::from_secs(30), async || {
        status_of(&app, &admin, &path(&expired, "")).await == 404
            && status_of(&app, &admin, &path(&old, "")).await == 404
    })
    .await;
    assert!(gone, "the sweep erased the studies past their retention");
    let (_, study) = app.get_json(&path(&held, "")).await;
    assert_eq!(study["legal_hold"]["held"], true, "{study}");
    assert_eq!(study["retention"]["retain_until"], "2020-01-01");
    let (_, study) = app.get_json(&path(&fresh, "")).await;
    assert_eq!(study["retention"]["basis"], "default", "{study}");
    assert_eq!(study["legal_hold"]["held"], false);

    // Held: nobody's DELETE takes it, of the study, its series or its patient.
    for (token, what) in
        [(&owner, path(&held, "")), (&admin, path(&held, "")), (&admin, format!("/api/series/{}", held.series))]
    {
        let (status, body) = send(&app, "DELETE", token, &what, None).await;
        assert_eq!((status, body["error"].as_str()), (409, Some("legal_hold")), "{what}: {body}");
    }
    let (status, _) = send(&app, "DELETE", &admin, &format!("/api/patients/{}", held.patient_id), None).await;
    assert_eq!(status, 409);

    // The sweep's erases are the service's, with the reason.
    let (_, trail) = app.get_json("/api/audit?action=erase_study&limit=100").await;
    let sweeps: Vec<&Value> = trail["items"].as_array().unwrap().iter().filter(|e| e["actor"] == "system").collect();
    assert_eq!(sweeps.len(), 2, "{trail}");
    assert!(sweeps.iter().all(|e| e["detail"]["reason"] == "retention"));
    let (_, trail) = app.get_json("/api/audit?action=place_legal_hold,set_retention&outcome=allowed").await;
    assert_eq!(trail["items"].as_array().unwrap().len(), 3, "{trail}");

    // Lifted: the next sweep takes it (its date is long past).
    assert_eq!(send(&app, "DELETE", &owner, &path(&held, "/legal-hold"), None).await.0, 403);
    assert_eq!(send(&app, "DELETE", &admin, &path(&held, "/legal-hold"), None).await.0, 204);
    let swept =
        eventually(Duration::from_secs(30), async || status_of(&app, &admin, &path(&held, "")).await == 404).await;
    assert!(swept, "a lifted hold lets the sweep erase the study");
    assert_eq!(status_of(&app, &admin, &path(&fresh, "")).await, 200, "a study within its retention stays");
    assert_eq!(send(&app, "DELETE", &admin, &path(&fresh, "/retention"), None).await.0, 204);
}

#[tokio::test]
async fn deleting_an_account_reassigns_or_erases_its_studies_as_the_admin_chooses() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let leaver = app.add_user("leaver", "radiologist").await;
    let heir = app.add_user("heir", "radiologist").await;
    let gone = app.add_user("gone", "radiologist").await;
    let kept = app.add_user("kept", "radiologist").await;
    let [a, b, c, d] = [3501, 3502, 3503, 3504].map(|n| Spec::new(n, 1, 1).size(16));
    upload_one(&app, &leaver, &a).await;
    upload_one(&app, &leaver, &b).await;
    upload_one(&app, &gone, &c).await;
    upload_one(&app, &kept, &d).await;
    let (status, link_a) = crate::links::create_link(&app, &leaver, &a.study, json!({})).await;
    assert_eq!(status, 201, "{link_a}");
    let token_a = link_a["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();

    for bad in ["?studies=reassign", "?studies=bogus", "?studies=erase&to=heir"] {
        assert_eq!(send(&app, "DELETE", &admin, &format!("/api/users/leaver{bad}"), None).await.0, 400, "{bad}");
    }
    let (status, body) = send(&app, "DELETE", &admin, "/api/users/leaver?studies=reassign&to=ghost", None).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("unknown_account")), "{body}");
    assert_eq!(send(&app, "DELETE", &heir, "/api/users/leaver?studies=erase", None).await.0, 403);

    // Reassigned: the heir owns both, the links keep working.
    let (status, body) = send(&app, "DELETE", &admin, "/api/users/leaver?studies=reassign&to=heir", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"studies_reassigned": 2, "studies_erased": 0, "links_revoked": 0}));
    let (_, mine) = send(&app, "GET", &heir, "/api/studies?scope=mine", None).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2, "{mine}");
    let shared = app.client.get(app.url(&format!("/api/share/{token_a}/study"))).send().await.unwrap();
    assert_eq!(shared.status(), 200, "a link to a reassigned study still opens");
    let (_, trail) = app.get_json(&format!("/api/audit?action=transfer_study&study_uid={}", a.study)).await;
    assert_eq!(trail["items"][0]["detail"]["via"], "account_deletion", "{trail}");

    // Erased: its study goes through the erase path, its links to others' studies are revoked.
    let grant = json!({"grantee": "user:gone", "level": "share"});
    assert_eq!(send(&app, "PUT", &heir, &format!("/api/studies/{}/grants", a.study), Some(grant)).await.0, 200);
    let (status, link) = crate::links::create_link(&app, &gone, &a.study, json!({})).await;
    assert_eq!(status, 201, "{link}");
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let (status, body) = send(&app, "DELETE", &admin, "/api/users/gone?studies=erase", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"studies_reassigned": 0, "studies_erased": 1, "links_revoked": 1}));
    assert_eq!(status_of(&app, &admin, &format!("/api/studies/{}", c.study)).await, 404);
    let opened = app.client.get(app.url(&format!("/api/share/{token}/study"))).send().await.unwrap();
    assert_eq!(opened.status(), 410, "the deleted account's link is revoked");
    let (_, trail) = app.get_json(&format!("/api/audit?action=erase_study&study_uid={}", c.study)).await;
    assert_eq!(trail["items"][0]["detail"]["instances"], 1, "{trail}");

    // No choice: as before, the studies stay with the tombstone, seen by admins.
    assert_eq!(send(&app, "DELETE", &admin, "/api/users/kept", None).await.0, 204);
    assert_eq!(status_of(&app, &admin, &format!("/api/studies/{}", d.study)).await, 200);
    let (_, trail) = app.get_json("/api/audit?action=delete_user").await;
    let details: Vec<&Value> = trail["items"].as_array().unwrap().iter().map(|e| &e["detail"]).collect();
    assert!(details.iter().any(|d| d["studies"] == "keep"), "{trail}");
    assert!(details.iter().any(|d| d["studies"] == "erase" && d["studies_erased"] == 1), "{trail}");
}
