//! The web app and the viewer in headless Chromium: a radiologist logs in, drops a ZIP,
//! finds the study, shares it; a referrer in a fresh browser scrolls and windows it; the
//! link is revoked and the referrer sees the closed-link page. Screenshots of every step go
//! to `target/tmp/browser-artifacts/`.
use serde_json::{json, Value};

use crate::fixtures::{dicom, multipart, samples, samples_zip, Spec};
use crate::harness::{app, TestApp, ADMIN_PASSWORD};
use crate::webdriver::Browser;

const VIEWER: &str = "#viewer";
const CANVAS: &str = "#viewer canvas";

async fn log_in(browser: &mut Browser, app: &TestApp) {
    log_in_as(browser, app, "admin", ADMIN_PASSWORD).await;
}

/// Signs in through the login page and waits for the study list.
pub async fn log_in_as(browser: &mut Browser, app: &TestApp, username: &str, password: &str) {
    browser.goto(&app.url("/")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", password).await;
    browser.click("#login-submit").await;
    browser.until("the study list", "return location.hash.startsWith('#/studies')", vec![]).await;
}

/// The study of the samples with the most slices in one series (the CT thorax).
async fn thorax(app: &TestApp) -> String {
    let (_, list) = app.get_json("/api/studies?limit=100").await;
    let items = list["items"].as_array().unwrap();
    let best = items.iter().max_by_key(|s| s["num_instances"].as_i64()).unwrap();
    best["study_instance_uid"].as_str().unwrap().to_owned()
}

/// Waits until the viewer has drawn slice `index` (and window `window`), answers the canvas.
async fn drawn(browser: &mut Browser, index: Option<u64>, window: &str) -> String {
    let want = index.map(|i| format!("{i}|{window}"));
    browser
        .until(
            "the viewer to draw",
            "const v = document.querySelector(arguments[0]); const d = v && v.dataset.drawn; \
             return d && (arguments[1] === null || d === arguments[1]) ? d : null;",
            vec![json!(VIEWER), json!(want)],
        )
        .await;
    browser.canvas_hash(CANVAS).await
}

async fn slice_index(browser: &Browser) -> u64 {
    let v = browser.js("return Number(document.querySelector(arguments[0]).dataset.index)", vec![json!(VIEWER)]).await;
    v.as_u64().unwrap()
}

#[tokio::test]
async fn a_study_dropped_in_the_browser_is_shared_viewed_scrolled_windowed_and_revoked() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let mut radiologist = Browser::launch("share-and-revoke").await;

    log_in(&mut radiologist, &app).await;
    radiologist.screenshot("study-list-empty").await;

    // Upload: the samples as one ZIP, dropped on the page.
    radiologist.goto(&app.url("/#/upload")).await;
    let zip = tempfile::Builder::new().suffix(".zip").tempfile().unwrap();
    std::fs::write(zip.path(), samples_zip()).unwrap();
    radiologist.drop_files("#dropzone", &[zip.path().to_owned()]).await;
    let dicom_files = samples().iter().filter(|(n, _)| n.ends_with(".dcm")).count() as u64;
    let stored = radiologist
        .until(
            "every sample stored",
            "const n = document.querySelectorAll('#upload-results tr[data-status=\"stored\"]').length; \
             return n >= arguments[0] ? n : null;",
            vec![json!(dicom_files)],
        )
        .await;
    assert_eq!(stored, json!(dicom_files));
    radiologist.screenshot("upload-results").await;
    let skipped = radiologist
        .js("return document.querySelectorAll('#upload-results tr[data-status=\"skipped\"]').length", vec![])
        .await;
    assert_eq!(skipped, json!(1), "README.txt is listed as skipped");

    // The list shows it; open it.
    let study = thorax(&app).await;
    radiologist.goto(&app.url("/#/studies")).await;
    let row = format!("tr.study-row[data-uid=\"{study}\"]");
    radiologist.wait_for(&row).await;
    radiologist.screenshot("study-list").await;
    radiologist.click(&row).await;
    radiologist.until("the study page", "return location.hash.startsWith('#/studies/')", vec![]).await;
    radiologist.wait_for("#series-list .series-card").await;
    drawn(&mut radiologist, None, "").await;
    radiologist.screenshot("study-page").await;

    // Share it with downloads allowed.
    radiologist.click("#share-open").await;
    radiologist.click("#share-download").await;
    radiologist.click("#share-create").await;
    let url = radiologist
        .until("the link's URL", "const u = document.querySelector('#share-url'); return u && u.value;", vec![])
        .await;
    let url = url.as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.url("/v/")), "{url}");
    radiologist.wait_for("#link-list tr.link-row").await;
    radiologist.screenshot("share-dialog").await;

    // The referrer: a fresh browser, no cookies, no account.
    let mut referrer = Browser::launch("share-and-revoke-referrer").await;
    referrer.goto(&url).await;
    let first = drawn(&mut referrer, None, "").await;
    let first_ms = referrer
        .js("return Number(document.querySelector(arguments[0]).dataset.firstImageMs)", vec![json!(VIEWER)])
        .await;
    println!("first image drawn {first_ms} ms after the viewer started");
    referrer.screenshot("viewer-opened").await;
    let text: Value = referrer.js("return document.body.innerText", vec![]).await;
    assert!(text.as_str().unwrap().contains("Download"), "downloads were allowed");

    // Scroll to the next slice: the picture changes.
    let start = slice_index(&referrer).await;
    referrer.js("document.querySelector('.fv-stage').dispatchEvent(new WheelEvent('wheel', {deltaY: 100, bubbles: true, cancelable: true}))", vec![]).await;
    let next = drawn(&mut referrer, Some(start + 1), "").await;
    assert_ne!(first, next, "scrolling changed the canvas");
    let overlay = referrer.js("return document.querySelector('.fv-overlay').innerText", vec![]).await;
    // Slices run from the top of the stack down (z = 95, 90, … 60 mm): the 6th is at 70 mm.
    assert!(overlay.as_str().unwrap().contains(&format!("pos {}.0 mm", 95 - 5 * (start + 1))), "{overlay}");
    referrer.screenshot("viewer-next-slice").await;

    // A window preset: the pixels change.
    referrer
        .js(
            "const s = document.querySelector('.fv-preset'); s.value = '-600,1500'; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await;
    let lung = drawn(&mut referrer, Some(start + 1), "-600,1500").await;
    assert_ne!(next, lung, "the window changed the canvas");
    referrer.screenshot("viewer-lung-window").await;

    // Window/level by right-drag: 40 px right widens the window by 160, 20 px down raises
    // the centre by 40 (from the lung preset's -600/1500).
    referrer.right_drag(".fv-stage", 40.0, 20.0).await;
    let dragged = drawn(&mut referrer, Some(start + 1), "-560,1660").await;
    assert_ne!(lung, dragged, "dragging the window changed the canvas");
    referrer.screenshot("viewer-dragged-window").await;

    // Revoked: the referrer's next load is the closed-link page.
    radiologist.click("#share-close").await;
    radiologist.click("#link-list tr.link-row button.link-revoke").await;
    radiologist
        .until(
            "the link to show revoked",
            "return document.querySelector('#link-list').innerText.toLowerCase().includes('revoked')",
            vec![],
        )
        .await;
    radiologist.screenshot("link-revoked").await;
    // The link's access log shows the referrer's visit: the opening and the frames.
    radiologist.click("#link-list tr.link-row button.link-log").await;
    radiologist.wait_for("#link-access-summary li.opening").await;
    radiologist.click("#link-access-raw summary").await;
    radiologist
        .until(
            "the access log",
            "const t = document.querySelector('#link-access-log'); \
             return t && t.innerText.includes('open_link') && t.innerText.includes('view_image')",
            vec![],
        )
        .await;
    radiologist.screenshot("access-log").await;
    // Each request's detail is shown as words, with the referrer's browser beside it.
    let log = radiologist.js("return document.querySelector('#link-access-log').innerText", vec![]).await;
    let log = log.as_str().unwrap();
    assert!(!log.contains("[object Object]"), "the detail is shown readably: {log}");
    assert!(log.to_lowercase().contains("browser") && log.contains("HeadlessChrome"), "the user agent column: {log}");
    referrer.client.refresh().await.unwrap();
    referrer
        .until("the closed-link page", "return document.body.innerText.includes('no longer available')", vec![])
        .await;
    referrer.screenshot("link-gone").await;
    let leaked = referrer.js("return document.body.innerText", vec![]).await;
    assert!(!leaked.as_str().unwrap().contains("Thorax"), "no patient data on the closed-link page");

    referrer.close().await;
    radiologist.close().await;
}

#[tokio::test]
async fn a_link_with_a_pin_asks_for_it_and_opens_only_with_the_right_one() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let (status, _) = app.upload("application/zip", samples_zip()).await;
    assert_eq!(status, 201);
    let study = thorax(&app).await;
    let r = app
        .client
        .post(app.url(&format!("/api/studies/{study}/links")))
        .bearer_auth(app.token())
        .json(&json!({ "pin": "246810" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let url = r.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned();

    let mut referrer = Browser::launch("pin").await;
    referrer.goto(&url).await;
    referrer.wait_for("#pin-form:not([hidden])").await;
    referrer.screenshot("pin-asked").await;
    referrer.fill("#pin", "111111").await;
    referrer.click("#pin-submit").await;
    referrer
        .until(
            "the wrong-PIN message",
            "return document.querySelector('#pin-error').innerText.includes('wrong PIN')",
            vec![],
        )
        .await;
    referrer.fill("#pin", "246810").await;
    referrer.click("#pin-submit").await;
    drawn(&mut referrer, None, "").await;
    referrer.screenshot("pin-opened").await;
    referrer.close().await;
}

#[tokio::test]
async fn the_study_list_filters_and_pages_on_scroll_and_an_admin_makes_an_account_that_can_log_in() {
    // Access tokens of 4 s, so that the page has to renew its token mid-way.
    let app = app().env("FERRUM_TOKEN_TTL_SECS", "4").spawn().await.logged_in_as_admin().await;
    // 60 studies: more than one page of 50.
    let files: Vec<(String, Vec<u8>)> = (0..60u32)
        .map(|i| {
            let name = if i < 3 { format!("Smith^Ann{i}") } else { format!("Doe^John{i}") };
            (format!("s{i}.dcm"), dicom(&Spec::new(1000 + i, 1, 1).name(&name)))
        })
        .collect();
    let parts: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (content_type, body) = multipart(&parts);
    assert_eq!(app.upload(&content_type, body).await.0, 201);

    let mut browser = Browser::launch("list-and-accounts").await;
    log_in(&mut browser, &app).await;
    let rows = "return document.querySelectorAll('#study-list tr.study-row').length";
    browser.until("the first page", &format!("{rows} >= 50"), vec![]).await;
    browser.js("document.querySelector('#study-list-more').scrollIntoView()", vec![]).await;
    browser.until("all 60 rows after scrolling", &format!("{rows} === 60"), vec![]).await;
    browser.screenshot("sixty-studies").await;

    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    browser.fill("#study-filters [name=patient_name]", "smith*").await;
    browser.until("the filtered list", &format!("{rows} === 3"), vec![]).await;
    let hash = browser.js("return location.hash", vec![]).await;
    assert!(hash.as_str().unwrap().contains("patient_name=smith"), "the filter is kept in the URL: {hash}");
    browser.screenshot("filtered").await;

    // Accounts: create one in the page, then log in with it over the API.
    browser.goto(&app.url("/#/admin")).await;
    browser.wait_for("#user-list tr.user-row[data-username=\"admin\"]").await;
    browser.fill("#user-create [name=username]", "dr.okafor").await;
    browser.fill("#user-create [name=password]", "short").await;
    browser.click("#user-create button[type=submit]").await;
    browser
        .until("the weak-password message", "const e = document.querySelector('#user-create-error'); return e && !e.hidden && e.innerText.includes('10 characters')", vec![])
        .await;
    browser.fill("#user-create [name=password]", "a-long-password-for-okafor").await;
    browser.click("#user-create button[type=submit]").await;
    browser.wait_for("#user-list tr.user-row[data-username=\"dr.okafor\"]").await;
    browser.screenshot("account-made").await;
    app.token_for("dr.okafor", "a-long-password-for-okafor").await;
    browser.close().await;
}

#[tokio::test]
async fn on_a_phone_the_viewer_fills_the_screen_and_swipes_scroll_and_pinches_zoom() {
    let app = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    let study = thorax(&app).await;
    let r = app
        .client
        .post(app.url(&format!("/api/studies/{study}/links")))
        .bearer_auth(app.token())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let url = r.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned();

    let mut phone = Browser::launch_phone("phone").await;
    phone.goto(&url).await;
    let first = drawn(&mut phone, None, "").await;
    let width = phone.js("return document.querySelector(arguments[0]).width", vec![json!(CANVAS)]).await;
    assert!(width.as_u64().unwrap() >= 390 * 3 - 3, "the image spans the phone's width at its density: {width}");
    phone.screenshot("opened").await;

    let start = slice_index(&phone).await;
    phone.swipe(".fv-stage", 0.0, -36.0).await;
    let swiped = drawn(&mut phone, Some(start - 3), "").await;
    assert_ne!(first, swiped, "a swipe moved to another slice");
    phone.screenshot("swiped").await;

    phone.pinch_out(".fv-stage", 80.0).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let zoomed = phone.canvas_hash(CANVAS).await;
    assert_ne!(swiped, zoomed, "pinching zoomed the picture");
    phone.screenshot("pinched").await;
    phone.close().await;
}
