//! The audit trail in headless Chromium: an admin opens a study, finds the views on the
//! audit page filtered by action (the filter kept in the address across a reload), pages to
//! older events, exports the filtered events as CSV (the file lands in the download folder),
//! and sees "Who accessed this study" on the study page; the audit page fits a phone.
//! Screenshots of every step go to `target/tmp/browser-artifacts/`.
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::browser::log_in_as;
use crate::fixtures::{dicom, Spec};
use crate::harness::{app, ADMIN_PASSWORD};
use crate::webdriver::Browser;

const ROWS: &str = "#audit-table tr.audit-row";

async fn rows(browser: &Browser) -> u64 {
    browser.js("return document.querySelectorAll(arguments[0]).length", vec![json!(ROWS)]).await.as_u64().unwrap()
}

/// Waits for a finished download in `dir` whose name ends with `ext`; answers its text.
async fn downloaded(dir: &Path, ext: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == ext));
        if let Some(path) = done {
            return std::fs::read_to_string(path).unwrap();
        }
        assert!(Instant::now() < deadline, "no .{ext} file was downloaded to {}", dir.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_admin_finds_a_study_view_on_the_audit_page_pages_older_exports_csv_and_sees_who_accessed_it() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let study = Spec::new(1400, 1, 1).name("Audited^Patient").size(64);
    assert_eq!(app.upload("application/dicom", dicom(&study)).await.0, 201);
    let other = Spec::new(1401, 1, 1).name("Other^Patient").size(64);
    assert_eq!(app.upload("application/dicom", dicom(&other)).await.0, 201);
    // More views than one page of the audit table (100) holds, so that "Older" has a page to load.
    for _ in 0..104 {
        assert_eq!(app.get(&format!("/api/studies/{}", other.study)).send().await.unwrap().status(), 200);
    }

    let downloads = tempfile::tempdir().unwrap();
    let mut admin = Browser::launch_downloading("audit-page", downloads.path()).await;
    log_in_as(&mut admin, &app, "admin", ADMIN_PASSWORD).await;

    // The admin opens the study: a view_study event, and the access panel lists the admin.
    admin.goto(&app.url(&format!("/#/studies/{}", study.study))).await;
    admin.wait_for("#series-list .series-card").await;
    admin
        .until(
            "the access panel with user:admin",
            "const p = document.querySelector('#study-access-log'); \
             return p && !p.hidden && !!p.querySelector('#study-access-actors tr.access-actor[data-actor=\"user:admin\"]')",
            vec![],
        )
        .await;
    let panel = admin.js("return document.querySelector('#study-access-log').innerText", vec![]).await;
    let panel = panel.as_str().unwrap();
    assert!(panel.contains("Who accessed this study") && panel.contains("user:admin"), "{panel}");
    assert!(panel.contains("view_study") && panel.contains("upload"), "the recent events: {panel}");
    admin.js("document.querySelector('#study-access-log').scrollIntoView()", vec![]).await;
    admin.screenshot("study-access-panel").await;

    // An admin restricts processing of the study from its page, and lifts it again.
    let restriction = format!("/api/studies/{}/restriction", study.study);
    admin.js("window.scrollTo(0, 0)", vec![]).await;
    admin.until("the restriction state", "return !document.querySelector('#restrict-toggle').disabled", vec![]).await;
    admin.click("#restrict-toggle").await;
    admin
        .until(
            "the study restricted",
            "return document.querySelector('#restrict-toggle').dataset.restricted === 'true' \
             && document.querySelector('#restrict-status').innerText.includes('only admins')",
            vec![],
        )
        .await;
    admin.screenshot("study-restricted").await;
    assert_eq!(app.get_json(&restriction).await.1["restricted"], true);
    admin.click("#restrict-toggle").await;
    admin
        .until(
            "the restriction lifted",
            "return document.querySelector('#restrict-toggle').dataset.restricted === 'false'",
            vec![],
        )
        .await;
    assert_eq!(app.get_json(&restriction).await.1["restricted"], false);

    // The audit page, from the admin's navigation, filtered by action.
    admin.js("window.scrollTo(0, 0)", vec![]).await;
    admin.click("#nav-audit").await;
    admin.wait_for("#audit-filters").await;
    admin
        .until("the unfiltered events", &format!("return document.querySelectorAll('{ROWS}').length > 0"), vec![])
        .await;
    admin.fill("#a-action", "view_study").await;
    admin.click("#audit-filters button[type=submit]").await;
    admin.until("the filter in the address", "return location.hash === '#/audit?action=view_study'", vec![]).await;
    let first_page = admin
        .until(
            "a full page of view_study events",
            "const r = [...document.querySelectorAll(arguments[0])]; \
             return r.length === 100 && r.every((x) => x.dataset.action === 'view_study') ? r.length : null",
            vec![json!(ROWS)],
        )
        .await;
    assert_eq!(first_page, json!(100));
    // The newest is the admin's own view of the study, in the browser.
    let newest = admin
        .js(
            "const r = document.querySelector(arguments[0]); \
             return [r.dataset.studyUid, r.cells[1].innerText, r.cells[3].innerText]",
            vec![json!(ROWS)],
        )
        .await;
    assert_eq!(newest, json!([study.study, "user:admin", "allowed"]));
    admin.screenshot("audit-filtered").await;

    // Reloaded, the page keeps the filter.
    admin.client.refresh().await.unwrap();
    admin
        .until(
            "the filter kept",
            "const a = document.querySelector('#a-action'); return a && a.value === 'view_study'",
            vec![],
        )
        .await;
    admin
        .until("the first page again", &format!("return document.querySelectorAll('{ROWS}').length === 100"), vec![])
        .await;

    // Older: the rest of the 105 views (104 by the API, one in the browser), and no more pages.
    admin.click("#audit-older").await;
    admin.until("the older page", &format!("return document.querySelectorAll('{ROWS}').length === 105"), vec![]).await;
    admin.until("no further page", "return document.querySelector('#audit-more').hidden", vec![]).await;
    let seqs = admin
        .js("return [...document.querySelectorAll(arguments[0])].map((r) => Number(r.dataset.seq))", vec![json!(ROWS)])
        .await;
    let seqs: Vec<i64> = serde_json::from_value(seqs).unwrap();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats: {seqs:?}");
    assert_eq!(rows(&admin).await, 105);
    admin.screenshot("audit-older").await;

    // CSV of the current filters, fetched with the token and saved as a file.
    admin.js("window.scrollTo(0, 0)", vec![]).await;
    admin.click("#audit-export-csv").await;
    admin
        .until(
            "the export saved",
            "const s = document.querySelector('#audit-export-status'); return s && s.dataset.exported === 'csv'",
            vec![],
        )
        .await;
    let csv = downloaded(downloads.path(), "csv").await;
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.contains("action") && header.contains("study_uid"), "{header}");
    let body: Vec<&str> = lines.collect();
    assert_eq!(body.len(), 105, "one line per view_study event:\n{csv}");
    assert!(body.iter().all(|l| l.contains("view_study")), "{csv}");
    assert!(body.iter().any(|l| l.contains(&study.study)), "{csv}");
    admin.screenshot("audit-exported").await;
    // The export is itself on the record.
    let (status, exports) = app.get_json("/api/audit?action=export_audit").await;
    assert_eq!(status, 200);
    assert_eq!(exports["items"][0]["actor"], json!("user:admin"), "{exports}");
    admin.close().await;

    // On a phone the page does not scroll sideways: the table scrolls inside its wrapper.
    let mut phone = Browser::launch_phone("audit-page-phone").await;
    log_in_as(&mut phone, &app, "admin", ADMIN_PASSWORD).await;
    phone.goto(&app.url("/#/audit?action=view_study")).await;
    phone
        .until("the events on a phone", &format!("return document.querySelectorAll('{ROWS}').length > 0"), vec![])
        .await;
    let widths = phone
        .js(
            "const w = document.querySelector('#audit-table').closest('.table-wrap'); \
             return [document.documentElement.scrollWidth, window.innerWidth, w.scrollWidth > w.clientWidth]",
            vec![],
        )
        .await;
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "the page is wider than the phone: {widths}");
    assert_eq!(widths[2], json!(true), "the table scrolls inside its wrapper: {widths}");
    phone.screenshot("audit-phone").await;
    phone.close().await;
}
