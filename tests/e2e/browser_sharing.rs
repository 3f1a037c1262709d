//! Sharing inside the product, in headless Chromium: an owner shares a study with a
//! colleague from the study page, the colleague finds it under "Shared with me" and may only
//! read it, the owner withdraws it and it is gone from the colleague's list; an admin makes
//! a group on the groups page, adds an account to it and shares a study with the group.
//! Screenshots of every step go to `target/tmp/browser-artifacts/`.
use serde_json::{json, Value};

use crate::browser::log_in_as;
use crate::fixtures::{dicom, Spec};
use crate::harness::{app, TestApp, ADMIN_PASSWORD};
use crate::webdriver::Browser;

/// The password `TestApp::add_user` gives its accounts.
const PASSWORD: &str = "a-long-password-1";

async fn text(browser: &Browser, css: &str) -> String {
    let v = browser
        .js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null", vec![json!(css)])
        .await;
    v.as_str().unwrap_or_default().to_owned()
}

async fn exists(browser: &Browser, css: &str) -> bool {
    browser.js("return document.querySelector(arguments[0]) !== null", vec![json!(css)]).await == json!(true)
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_owner_shares_a_study_with_a_colleague_who_may_read_it_until_it_is_withdrawn() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("dr.adams", "radiologist").await;
    let colleague = app.add_user("dr.okafor", "radiologist").await;
    let study = Spec::new(1300, 1, 1).name("Shared^Patient").size(64);
    assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&study)).await.0, 201);
    // One of the colleague's own, which "Shared with me" leaves out.
    let own = Spec::new(1301, 1, 1).name("Own^Patient").size(64);
    assert_eq!(app.upload_as(&colleague, "application/dicom", dicom(&own)).await.0, 201);

    // The owner shares it at read, from the study page.
    let mut adams = Browser::launch("share-with-colleague-owner").await;
    log_in_as(&mut adams, &app, "dr.adams", PASSWORD).await;
    adams.goto(&app.url(&format!("/#/studies/{}", study.study))).await;
    adams.wait_for("#study-grants #grant-form").await;
    assert_eq!(text(&adams, "#study-access .badge").await, "Yours (owner)");
    adams.fill("#grant-search", "dr.ok").await;
    adams.wait_for("#grant-results input[value=\"user:dr.okafor\"]:checked").await;
    adams.click("#grant-level-read").await;
    adams.screenshot("colleague-found").await;
    adams.click("#grant-add").await;
    let row = "#grant-list tr.grant-row[data-grantee=\"user:dr.okafor\"]";
    adams.wait_for(row).await;
    let level =
        adams.js("return document.querySelector(arguments[0]).value", vec![json!(format!("{row} select"))]).await;
    assert_eq!(level, json!("read"));
    adams.screenshot("shared-with-colleague").await;

    // A viewer link with a note on whom it is for: the links table shows it. (Back to the
    // top first, so that the sticky header does not cover the button.)
    adams.js("window.scrollTo(0, 0)", vec![]).await;
    adams.click("#share-open").await;
    adams.fill("#share-note", "Dr Lee, Leeds General").await;
    adams.click("#share-create").await;
    adams.until("the link's URL", "const u = document.querySelector('#share-url'); return u && u.value;", vec![]).await;
    adams.click("#share-close").await;
    adams
        .until(
            "the note in the links table",
            "const c = document.querySelector('#link-list tr.link-row td.link-note'); \
             return c && c.innerText === 'Dr Lee, Leeds General'",
            vec![],
        )
        .await;
    adams.screenshot("link-with-note").await;

    // The colleague finds it under "Shared with me", with its owner, and may only read it.
    let mut okafor = Browser::launch("share-with-colleague-colleague").await;
    log_in_as(&mut okafor, &app, "dr.okafor", PASSWORD).await;
    let uids =
        "const u = [...document.querySelectorAll('#study-list tr.study-row')].map((r) => r.dataset.uid).join(' ');";
    okafor.until("both studies under All", &format!("{uids} return u.split(' ').length === 2"), vec![]).await;
    okafor.click("label[for=scope-shared]").await;
    okafor.until("only the shared study", &format!("{uids} return u === arguments[0]"), vec![json!(study.study)]).await;
    let hash = okafor.js("return location.hash", vec![]).await;
    assert!(hash.as_str().unwrap().contains("scope=shared"), "the filter is kept in the URL: {hash}");
    let owner_cell = text(&okafor, "#study-list tr.study-row td.owner").await;
    assert!(owner_cell.contains("dr.adams") && owner_cell.contains("shared · read"), "{owner_cell}");
    okafor.screenshot("shared-with-me").await;

    okafor.click("#study-list tr.study-row a").await;
    okafor.wait_for("#series-list .series-card").await;
    assert_eq!(text(&okafor, "#study-access .badge").await, "Shared with you: read");
    assert!(text(&okafor, "#study-owner").await.contains("dr.adams"));
    for absent in ["#share-open", "#study-links", "#study-grants"] {
        assert!(!exists(&okafor, absent).await, "a reader has no {absent}");
    }
    okafor.screenshot("colleague-reads").await;

    // Withdrawn: the colleague's list no longer has it, nor does the server give it.
    adams.click(&format!("{row} button.grant-withdraw")).await;
    adams.until("the grant gone", "return document.querySelector('#grant-list tr.grant-row') === null", vec![]).await;
    adams.screenshot("withdrawn").await;
    okafor.goto(&app.url("/#/studies?scope=shared")).await;
    okafor
        .until(
            "an empty shared list",
            "return document.querySelector('#study-count').innerText === 'No studies' \
             && !document.querySelector('#study-list tr.study-row')",
            vec![],
        )
        .await;
    okafor.screenshot("shared-with-me-after-withdrawal").await;
    assert_eq!(get(&app, &colleague, &format!("/api/studies/{}", study.study)).await.0, 404);

    okafor.close().await;
    adams.close().await;
}

#[tokio::test]
async fn an_admin_makes_a_group_adds_a_member_and_shares_a_study_with_it() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let member = app.add_user("dr.okafor", "radiologist").await;
    let study = Spec::new(1310, 1, 1).name("Group^Patient").size(64);
    assert_eq!(app.upload("application/dicom", dicom(&study)).await.0, 201);

    let mut admin = Browser::launch("groups").await;
    log_in_as(&mut admin, &app, "admin", ADMIN_PASSWORD).await;
    admin.click("#nav-groups").await;
    admin.fill("#new-group-name", "ct-team").await;
    admin.click("#group-create button[type=submit]").await;
    let group = "#group-list tr.group-row[data-name=\"ct-team\"]";
    admin.wait_for(group).await;
    admin.screenshot("group-made").await;

    // A member, picked from the accounts.
    admin
        .js(
            "const s = document.querySelector(arguments[0]); s.value = 'dr.okafor'; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(format!("{group} select.member-pick"))],
        )
        .await;
    admin.click(&format!("{group} button.member-add")).await;
    admin.wait_for(&format!("{group} li.member[data-username=\"dr.okafor\"]")).await;
    admin.screenshot("member-added").await;

    // Renamed in place.
    admin.click(&format!("{group} button.group-rename")).await;
    admin.fill(&format!("{group} input.group-new-name"), "ct-readers").await;
    admin.click(&format!("{group} .rename-form button[type=submit]")).await;
    let renamed = "#group-list tr.group-row[data-name=\"ct-readers\"]";
    admin.wait_for(&format!("{renamed} li.member[data-username=\"dr.okafor\"]")).await;
    admin.screenshot("group-renamed").await;
    let (status, groups) = app.get_json("/api/groups").await;
    assert_eq!(status, 200);
    assert_eq!(
        groups["items"],
        json!([{ "name": "ct-readers", "members": ["dr.okafor"],
                                          "created_at": groups["items"][0]["created_at"] }])
    );

    // Shared with the group at "share": its member sees the study and may make links.
    admin.goto(&app.url(&format!("/#/studies/{}", study.study))).await;
    admin.fill("#grant-search", "ct-").await;
    admin.wait_for("#grant-results input[value=\"group:ct-readers\"]:checked").await;
    admin.click("#grant-level-share").await;
    admin.click("#grant-add").await;
    admin.wait_for("#grant-list tr.grant-row[data-grantee=\"group:ct-readers\"]").await;
    admin.screenshot("shared-with-group").await;
    let (_, shared) = get(&app, &member, "/api/studies?scope=shared").await;
    let items = shared["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{shared}");
    assert_eq!(items[0]["access"], json!({ "level": "share", "basis": "grant" }));
    admin.close().await;
}
