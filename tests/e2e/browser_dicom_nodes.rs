//! The DICOM nodes page in headless Chromium: an admin adds a node (AE title, host, port,
//! account, services), a bad host is answered with the server's reason, the node then
//! associates with the real listener (dcmtk's `echoscu`), the admin edits its port, account
//! and services and deletes it; an account that is no admin has no such page in its
//! navigation and the API refuses it. Screenshots go to `target/tmp/browser-artifacts/`.
use serde_json::{json, Value};

use crate::browser::log_in_as;
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

async fn pick(browser: &Browser, css: &str, value: &str) {
    browser
        .js(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await;
}

async fn nodes(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get_json("/api/dicom-nodes").await;
    assert_eq!(status, 200);
    list["items"].as_array().unwrap().clone()
}

fn services(node: &Value) -> Vec<String> {
    let mut s: Vec<String> = node["services"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().into()).collect();
    s.sort();
    s
}

fn echo(app: &TestApp, calling: &str) -> bool {
    let port = app.dicom_addr.expect("the DICOM listener").port().to_string();
    std::process::Command::new("echoscu")
        .args(["-aet", calling, "-aec", "FERRUM", "127.0.0.1", &port])
        .output()
        .expect("dcmtk's echoscu cannot run: install the dcmtk package")
        .status
        .success()
}

#[tokio::test]
async fn an_admin_adds_edits_and_deletes_a_dicom_node_and_other_accounts_have_no_such_page() {
    let app = app().env("FERRUM_DICOM_BIND", "127.0.0.1:0").spawn().await.logged_in_as_admin().await;
    app.add_user("ct.scanner", "radiologist").await;
    let colleague = app.add_user("dr.okafor", "radiologist").await;

    let mut admin = Browser::launch("dicom-nodes").await;
    log_in_as(&mut admin, &app, "admin", ADMIN_PASSWORD).await;
    admin.click("#nav-dicom-nodes").await;
    admin.wait_for("#dicom-node-list tr.empty-row").await;
    admin.screenshot("no-nodes").await;

    // A host the server does not take: its reason, and nothing added.
    admin.fill("#node-ae-title", "CT_SCANNER").await;
    admin.fill("#node-host", "not a host!").await;
    admin.fill("#node-port", "11113").await;
    admin.wait_for("#node-account option[value=\"ct.scanner\"]").await;
    pick(&admin, "#node-account", "ct.scanner").await;
    admin.click("#node-service-store").await;
    admin.click("#node-service-find").await;
    admin.click("#dicom-node-submit").await;
    admin
        .until(
            "the server's reason",
            "const e = document.querySelector('#dicom-node-error'); return e && !e.hidden ? e.textContent : null",
            vec![],
        )
        .await;
    assert!(text(&admin, "#dicom-node-error").await.contains("host"), "{}", text(&admin, "#dicom-node-error").await);
    assert!(nodes(&app).await.is_empty());
    admin.screenshot("bad-host").await;

    admin.fill("#node-host", "127.0.0.1").await;
    admin.click("#dicom-node-submit").await;
    let row = "#dicom-node-list tr.dicom-node-row[data-ae-title=\"CT_SCANNER\"]";
    admin.wait_for(row).await;
    assert_eq!(text(&admin, &format!("{row} .node-account")).await, "ct.scanner");
    admin.screenshot("node-added").await;
    let list = nodes(&app).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let node = &list[0];
    assert_eq!((node["ae_title"].as_str(), node["host"].as_str()), (Some("CT_SCANNER"), Some("127.0.0.1")));
    assert_eq!((node["port"].as_u64(), node["account"].as_str()), (Some(11113), Some("ct.scanner")));
    assert_eq!(services(node), ["find", "store"]);
    // The listener knows it from its next association.
    assert!(echo(&app, "CT_SCANNER"), "C-ECHO from the node added on the page");

    // Edited: port, account and services; the AE title stays.
    admin.click(&format!("{row} button.node-edit")).await;
    admin
        .until(
            "the edit form",
            "return document.querySelector('#dicom-node-form-title').textContent === 'Edit CT_SCANNER' || null",
            vec![],
        )
        .await;
    let disabled = admin.js("return document.querySelector('#node-ae-title').disabled", vec![]).await;
    assert_eq!(disabled, json!(true), "the AE title is the node's name");
    admin.fill("#node-port", "11114").await;
    pick(&admin, "#node-account", "admin").await;
    admin.click("#node-service-find").await;
    admin.click("#node-service-move").await;
    admin.screenshot("editing").await;
    admin.click("#dicom-node-submit").await;
    admin
        .until(
            "the saved row",
            "const c = document.querySelector(arguments[0]); return c && c.innerText === '11114' ? true : null",
            vec![json!(format!("{row} .node-port"))],
        )
        .await;
    assert_eq!(text(&admin, &format!("{row} .node-services")).await, "store, move");
    let node = nodes(&app).await.remove(0);
    assert_eq!((node["port"].as_u64(), node["account"].as_str()), (Some(11114), Some("admin")));
    assert_eq!(services(&node), ["move", "store"]);
    admin.screenshot("node-edited").await;

    // Deleted (the confirmation is accepted): gone from the page, the API and the listener.
    admin.click(&format!("{row} button.node-delete")).await;
    admin.wait_for("#dicom-node-list tr.empty-row").await;
    assert!(nodes(&app).await.is_empty());
    assert!(!echo(&app, "CT_SCANNER"), "a deleted node is refused");
    let (_, events) = app.get_json("/api/audit?limit=100").await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "allowed")
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["create_dicom_node", "update_dicom_node", "delete_dicom_node"] {
        assert_eq!(actions.iter().filter(|a| **a == action).count(), 1, "{action}: {actions:?}");
    }
    admin.close().await;

    // Someone who is no admin: no link, the page says so, the API refuses.
    let mut other = Browser::launch("dicom-nodes-not-admin").await;
    log_in_as(&mut other, &app, "dr.okafor", PASSWORD).await;
    other.wait_for("#nav-studies").await;
    let link = other.js("return document.querySelector('#nav-dicom-nodes') !== null", vec![]).await;
    assert_eq!(link, json!(false), "no DICOM nodes link for a radiologist");
    other.goto(&app.url("/#/dicom-nodes")).await;
    other.wait_for("main .notice").await;
    assert!(text(&other, "main .notice").await.contains("Only administrators"));
    let dicom_nodes = app.url("/api/dicom-nodes");
    let r = app.client.get(&dicom_nodes).bearer_auth(&colleague).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let body =
        json!({"ae_title": "SNEAKY", "host": "127.0.0.1", "port": 104, "account": "dr.okafor", "services": ["find"]});
    let r = app.client.post(&dicom_nodes).bearer_auth(&colleague).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(nodes(&app).await.is_empty());
    other.close().await;
}
