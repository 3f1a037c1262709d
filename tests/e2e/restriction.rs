//! Restriction of processing: a restricted study is for admins only until an admin lifts it.
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::app;

#[tokio::test]
async fn a_restricted_study_is_hidden_from_everyone_but_admins_until_lifted() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("owner", "radiologist").await;
    let reader = app.add_user("reader", "radiologist").await;
    let spec = Spec::new(3400, 1, 1).size(16);
    assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&spec)).await.0, 201);
    let grant = json!({"grantee": "user:reader", "level": "read"});
    let grants = app.url(&format!("/api/studies/{}/grants", spec.study));
    assert_eq!(app.client.put(&grants).bearer_auth(&owner).json(&grant).send().await.unwrap().status(), 200);
    let (_, link) = crate::links::create_link(&app, &owner, &spec.study, json!({})).await;
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();

    let status = |who: String, path: String| {
        let app = &app;
        async move { app.client.get(app.url(&path)).bearer_auth(who).send().await.unwrap().status().as_u16() }
    };
    let listed = |who: String| {
        let app = &app;
        async move {
            let v: Value =
                app.client.get(app.url("/api/studies")).bearer_auth(who).send().await.unwrap().json().await.unwrap();
            v["items"].as_array().unwrap().len()
        }
    };
    let study = format!("/api/studies/{}", spec.study);
    let image = format!("/api/instances/{}/rendered", spec.sop);
    let shared = app.url(&format!("/api/share/{token}/study"));
    // Before: everyone it is shared with sees it.
    assert_eq!(status(reader.clone(), study.clone()).await, 200);
    assert_eq!(reqwest::get(&shared).await.unwrap().status(), 200);

    let restriction = app.url(&format!("{study}/restriction"));
    let r = app.client.put(&restriction).bearer_auth(&owner).send().await.unwrap();
    assert_eq!(r.status(), 403, "only an admin restricts");
    let r = app.client.put(&restriction).bearer_auth(app.token()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["restricted"].as_bool(), v["restricted_by"].as_str()), (Some(true), Some("admin")));

    for who in [&owner, &reader] {
        assert_eq!(status(who.clone(), study.clone()).await, 404);
        assert_eq!(status(who.clone(), image.clone()).await, 404);
        assert_eq!(listed(who.clone()).await, 0, "gone from listings");
    }
    assert_eq!(reqwest::get(&shared).await.unwrap().status(), 404, "its links stop working");
    let more = Spec::new(3400, 1, 2).size(16);
    let (status_code, report) = app.upload_as(&owner, "application/dicom", dicom(&more)).await;
    assert_eq!(status_code, 422, "nobody but an admin adds to it: {report}");
    assert_eq!(report["files"][0]["code"], "study_not_writable");
    // Admins still see it, and say so.
    assert_eq!(status(app.token().to_owned(), study.clone()).await, 200);
    let (_, v) = app.get_json(&format!("{study}/restriction")).await;
    assert_eq!(v["restricted"], true);

    let r = app.client.delete(&restriction).bearer_auth(app.token()).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(status(owner.clone(), study.clone()).await, 200);
    assert_eq!(status(reader.clone(), study.clone()).await, 200, "grants work again");
    assert_eq!(reqwest::get(&shared).await.unwrap().status(), 200, "and links");
    let (_, audit) = app
        .get_json(&format!(
            "/api/audit?study_uid={}&outcome=allowed&action=restrict_study,lift_restriction",
            spec.study
        ))
        .await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["lift_restriction", "restrict_study"]);
    let (_, audit) =
        app.get_json(&format!("/api/audit?study_uid={}&outcome=denied&action=restrict_study", spec.study)).await;
    assert_eq!(audit["items"][0]["actor"], "user:owner", "the owner's attempt is on the trail");
}
