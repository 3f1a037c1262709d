//! The app around the viewer in headless Chromium: the study page opens with the viewer in
//! view on a 1080 px screen and each series shown once, with a full-window viewer route;
//! upload results grouped by study with UIDs on demand; the share dialog's note, expiry
//! choices within the server's cap and QR code; the link table's states; the access log
//! summarised per opening. Screenshots of every step go to `target/tmp/browser-artifacts/`.
use serde_json::{json, Value};

use crate::browser::log_in_as;
use crate::fixtures::{samples, samples_zip};
use crate::harness::{app, TestApp, ADMIN_PASSWORD};
use crate::webdriver::Browser;

/// Waits until the viewer in `#viewer` has drawn an image.
pub async fn viewer_drawn(browser: &mut Browser) {
    browser
        .until(
            "the viewer to draw",
            "const v = document.querySelector('#viewer'); return v && v.dataset.drawn;",
            vec![],
        )
        .await;
}

async fn studies(app: &TestApp) -> Vec<Value> {
    let (_, list) = app.get_json("/api/studies?limit=100").await;
    list["items"].as_array().unwrap().clone()
}

/// The study of the samples with the most images (the CT thorax).
pub async fn biggest(app: &TestApp) -> Value {
    let items = studies(app).await;
    let best = items.iter().max_by_key(|s| s["num_instances"].as_i64()).unwrap();
    let uid = best["study_instance_uid"].as_str().unwrap();
    app.get_json(&format!("/api/studies/{uid}")).await.1
}

/// A DICOM person name as the app writes it: components joined by spaces, groups by " / ".
pub fn person_name(v: &Value) -> String {
    let s = v.as_str().map(str::to_owned).or_else(|| v["Alphabetic"].as_str().map(str::to_owned)).unwrap_or_default();
    s.split('=')
        .map(|g| g.replace('^', " ").split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|g| !g.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

pub async fn link(app: &TestApp, study: &str, body: Value) -> Value {
    let r = app
        .client
        .post(app.url(&format!("/api/studies/{study}/links")))
        .bearer_auth(app.token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

pub fn token_of(link: &Value) -> String {
    link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

pub async fn wrong_pin(app: &TestApp, link: &Value) -> u16 {
    let url = app.url(&format!("/api/share/{}/unlock", token_of(link)));
    app.client.post(url).json(&json!({ "pin": "000000" })).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_study_page_opens_with_the_viewer_in_view_each_series_once_and_a_full_window_viewer() {
    let app = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    let study = biggest(&app).await;
    let uid = study["study_instance_uid"].as_str().unwrap();
    let series = study["series"].as_array().unwrap().len() as u64;

    let mut browser = Browser::launch("study-page-layout").await;
    // A 1080 px screen: the window is that tall inside, so add what the browser itself takes.
    browser.client.set_window_size(1920, 1080).await.unwrap();
    let chrome = browser.js("return outerHeight - innerHeight", vec![]).await.as_u64().unwrap() as u32;
    browser.client.set_window_size(1920, 1080 + chrome).await.unwrap();
    log_in_as(&mut browser, &app, "admin", ADMIN_PASSWORD).await;
    browser.goto(&app.url(&format!("/#/studies/{uid}"))).await;
    browser.wait_for("#series-list .series-card").await;
    viewer_drawn(&mut browser).await;
    browser
        .until(
            "the thumbnails",
            "return [...document.querySelectorAll('#series-list img')].every((i) => i.complete && i.naturalWidth > 0)",
            vec![],
        )
        .await;
    browser.screenshot("study-page-1080").await;
    let geometry = browser
        .js(
            "const c = document.querySelector('#viewer canvas').getBoundingClientRect(); \
             const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 \
               && getComputedStyle(e).visibility !== 'hidden'; }; \
             return { top: c.top, bottom: c.bottom, height: c.height, inner: innerHeight, \
               thumbnails: [...document.querySelectorAll('img')].filter(shown).length };",
            vec![],
        )
        .await;
    println!("study page at 1920×1080: {geometry}");
    assert_eq!(geometry["inner"], json!(1080), "{geometry}");
    let top = geometry["top"].as_f64().unwrap();
    assert!(top < 300.0, "the image starts near the top, not below the fold: {geometry}");
    assert!(geometry["bottom"].as_f64().unwrap() <= 1080.0, "the whole image is in view: {geometry}");
    assert!(geometry["height"].as_f64().unwrap() > 500.0, "and it is large: {geometry}");
    assert_eq!(geometry["thumbnails"], json!(series), "each series' thumbnail is shown once: {geometry}");
    let text = browser.js("return document.querySelector('#page').innerText", vec![]).await;
    assert!(!text.as_str().unwrap().lines().any(|l| l.trim() == "null"), "no stray text: {text}");

    // The page's buttons: the full-window viewer, share, download (no OHIF configured here).
    for id in ["#open-viewer", "#share-open", "#study-download"] {
        let shown = browser
            .js("const e = document.querySelector(arguments[0]); return !!e && e.getBoundingClientRect().top < innerHeight;", vec![json!(id)])
            .await;
        assert_eq!(shown, json!(true), "{id} is on screen");
    }
    assert_eq!(browser.js("return document.querySelector('#open-ohif')", vec![]).await, Value::Null);

    // The full-window viewer, and back with Esc.
    browser.click("#open-viewer").await;
    browser.until("the viewer route", "return location.hash.endsWith('/view')", vec![]).await;
    viewer_drawn(&mut browser).await;
    browser.screenshot("full-window-viewer").await;
    let full = browser
        .js(
            "const v = document.querySelector('#viewer').getBoundingClientRect(); \
             const header = document.querySelector('.app-header').getBoundingClientRect(); \
             return { w: v.width, h: v.height, iw: innerWidth, ih: innerHeight, header: header.height };",
            vec![],
        )
        .await;
    assert_eq!(full["w"], full["iw"], "the viewer is as wide as the window: {full}");
    assert!(full["h"].as_f64().unwrap() >= 0.93 * full["ih"].as_f64().unwrap(), "and nearly as tall: {full}");
    assert_eq!(full["header"], json!(0), "the app's header is out of the way: {full}");
    let body = browser.client.find(fantoccini::Locator::Css("body")).await.unwrap();
    body.send_keys("\u{E00C}").await.unwrap();
    browser
        .until(
            "the study page again",
            "return /^#\\/studies\\/[^/]+$/.test(location.hash) && !!document.querySelector('#series-list')",
            vec![],
        )
        .await;
    browser.close().await;
}

#[tokio::test]
async fn upload_results_are_grouped_by_study_with_patient_date_description_and_counts_and_uids_on_demand() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let mut browser = Browser::launch("upload-grouped").await;
    log_in_as(&mut browser, &app, "admin", ADMIN_PASSWORD).await;
    browser.goto(&app.url("/#/upload")).await;
    let zip = tempfile::Builder::new().suffix(".zip").tempfile().unwrap();
    std::fs::write(zip.path(), samples_zip()).unwrap();
    browser.drop_files("#dropzone", &[zip.path().to_owned()]).await;
    let files = samples().iter().filter(|(n, _)| n.ends_with(".dcm")).count() as u64;
    browser
        .until(
            "every sample stored",
            "return document.querySelectorAll('#upload-results tr[data-status=\"stored\"]').length >= arguments[0]",
            vec![json!(files)],
        )
        .await;
    let list = studies(&app).await;
    assert!(list.len() >= 4, "the samples hold several studies");
    browser
        .until(
            "every study card filled in",
            "const cards = [...document.querySelectorAll('#upload-studies li.upload-study')]; \
             return cards.length === arguments[0] && cards.every((c) => c.dataset.images && !c.innerText.includes('Loading'));",
            vec![json!(list.len())],
        )
        .await;
    browser.screenshot("upload-grouped").await;
    let page = browser.js("return document.querySelector('#page').innerText", vec![]).await;
    let page = page.as_str().unwrap();
    for s in &list {
        let uid = s["study_instance_uid"].as_str().unwrap();
        let card = browser
            .js(
                "return document.querySelector(`#upload-studies li[data-uid=\"${arguments[0]}\"]`).innerText",
                vec![json!(uid)],
            )
            .await;
        let card = card.as_str().unwrap();
        let name = person_name(&s["patient_name"]);
        assert!(card.contains(&name), "the card names the patient {name}: {card}");
        if let Some(d) = s["study_description"].as_str() {
            assert!(card.contains(d), "the card has the description {d}: {card}");
        }
        if let Some(date) = s["study_date"].as_str().filter(|d| d.len() == 8) {
            let shown = format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]);
            assert!(card.contains(&shown), "the card has the study date {shown}: {card}");
        }
        let n = s["num_instances"].as_i64().unwrap();
        assert!(card.contains(&format!("{n} stored")), "the card counts what was stored ({n}): {card}");
        assert!(!page.contains(uid), "no study UID on the page until asked for: {uid}");
    }
    // UIDs on demand: the study's under its card, each file's in the per-file results.
    let first = list[0]["study_instance_uid"].as_str().unwrap();
    browser.click(&format!("#upload-studies li[data-uid=\"{first}\"] .uid-details summary")).await;
    let card = browser
        .js(
            "return document.querySelector(`#upload-studies li[data-uid=\"${arguments[0]}\"]`).innerText",
            vec![json!(first)],
        )
        .await;
    assert!(card.as_str().unwrap().contains(first), "{card}");
    let sop = browser
        .js("return document.querySelector('#upload-results tr[data-status=\"stored\"] td.detail').textContent", vec![])
        .await;
    let sop = sop.as_str().unwrap().to_owned();
    assert!(!page.contains(&sop), "no SOP UID on the page until asked for");
    browser.click("#upload-files summary").await;
    let shown = browser.js("return document.querySelector('#page').innerText", vec![]).await;
    assert!(shown.as_str().unwrap().contains(&sop), "the per-file results show the SOP UIDs");
    browser.screenshot("upload-uids-shown").await;
    browser.close().await;
}

#[tokio::test]
async fn the_share_dialog_takes_a_note_an_expiry_within_the_cap_shows_a_qr_code_and_the_table_each_state() {
    let cap = 10 * 86_400;
    let app = app().env("FERRUM_LINK_MAX_TTL_SECS", cap.to_string()).spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    let study = biggest(&app).await;
    let uid = study["study_instance_uid"].as_str().unwrap().to_owned();

    let mut browser = Browser::launch("share-dialog").await;
    log_in_as(&mut browser, &app, "admin", ADMIN_PASSWORD).await;
    browser.goto(&app.url(&format!("/#/studies/{uid}"))).await;
    browser.wait_for("#link-list").await;
    browser.click("#share-open").await;
    browser
        .until(
            "the cap in the choices",
            "return document.querySelector('#share-expiry-cap').textContent.includes('10 days')",
            vec![],
        )
        .await;
    let choices =
        browser.js("return [...document.querySelectorAll('#share-expiry option')].map((o) => o.value)", vec![]).await;
    let choices: Vec<String> = choices.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert!(choices.len() >= 6, "more than three choices: {choices:?}");
    assert!(choices.contains(&"custom".to_owned()), "{choices:?}");
    let longest = choices.iter().filter_map(|c| c.parse::<u64>().ok()).max().unwrap();
    assert_eq!(longest, cap, "the longest choice is the server's cap: {choices:?}");
    let picked = browser.js("return document.querySelector('#share-expiry').value", vec![]).await;
    assert_eq!(picked, json!("86400"), "the server's default is chosen");

    browser.fill("#share-note", "Dr Weber, follow-up on Tuesday").await;
    browser
        .js(
            "const s = document.querySelector('#share-expiry'); s.value = 'custom'; s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await;
    browser.wait_for("#share-expiry-custom:not([hidden])").await;
    browser.js("document.querySelector('#share-expiry-amount').value = ''", vec![]).await;
    browser.fill("#share-expiry-amount", "30").await;
    browser.click("#share-create").await;
    browser
        .until(
            "the cap refused",
            "const e = document.querySelector('#share-error'); return !e.hidden && e.textContent.includes('10 days')",
            vec![],
        )
        .await;
    browser.js("document.querySelector('#share-expiry-amount').value = ''", vec![]).await;
    browser.fill("#share-expiry-amount", "3").await;
    browser.click("#share-create").await;
    let url = browser.until("the link's URL", "return document.querySelector('#share-url').value", vec![]).await;
    let url = url.as_str().unwrap().to_owned();

    // The QR code: drawn here, square, with the three finder patterns of a QR symbol (each
    // module of the 7×7 pattern compared, so that data modules cannot pass for one).
    let qr = browser
        .js(
            "const c = document.querySelector('#share-qr'); const n = Number(c.dataset.modules); \
             const scale = c.width / (n + 8); const g = c.getContext('2d'); \
             const dark = (r, col) => g.getImageData(Math.floor((col + 4.5) * scale), Math.floor((r + 4.5) * scale), 1, 1).data[0] < 128; \
             const finder = (r, col) => { for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) { \
               const ring = i === 0 || i === 6 || j === 0 || j === 6, core = i >= 2 && i <= 4 && j >= 2 && j <= 4; \
               if (dark(r + i, col + j) !== (ring || core)) return false; } return true; }; \
             return { w: c.width, h: c.height, n, shown: c.getBoundingClientRect().width, \
               finders: [finder(0, 0), finder(0, n - 7), finder(n - 7, 0)], corner: finder(n - 7, n - 7), quiet: !dark(-2, -2) };",
            vec![],
        )
        .await;
    println!("QR code: {qr}");
    assert_eq!(qr["w"], qr["h"], "{qr}");
    assert!(qr["n"].as_u64().unwrap() >= 25, "a URL needs version 2 or more: {qr}");
    assert_eq!(qr["finders"], json!([true, true, true]), "{qr}");
    assert_eq!(qr["corner"], json!(false), "no finder in the fourth corner: {qr}");
    assert_eq!(qr["quiet"], json!(true), "{qr}");
    assert!(qr["shown"].as_f64().unwrap() >= 120.0, "big enough to scan: {qr}");
    browser.screenshot("share-dialog-qr").await;

    let (_, links) = app.get_json(&format!("/api/studies/{uid}/links")).await;
    let made = &links["items"][0];
    assert_eq!(made["note"], json!("Dr Weber, follow-up on Tuesday"));
    assert!(url.ends_with(&token_of(made)), "{url}");
    let expires = chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap()).unwrap();
    let lifetime = expires.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((3 * 86_400 - 300..=3 * 86_400).contains(&lifetime), "a custom lifetime of 3 days: {lifetime} s");

    // One link in each state.
    let used_up = link(&app, &uid, json!({ "max_opens": 1, "note": "used up" })).await;
    assert_eq!(app.client.get(used_up["url"].as_str().unwrap()).send().await.unwrap().status(), 200);
    let revoked = link(&app, &uid, json!({ "note": "revoked" })).await;
    let r =
        app.client.delete(app.url(&format!("/api/links/{}", revoked["id"].as_str().unwrap()))).bearer_auth(app.token());
    assert_eq!(r.send().await.unwrap().status(), 204);
    let locked = link(&app, &uid, json!({ "pin": "246810", "note": "locked" })).await;
    for _ in 0..6 {
        wrong_pin(&app, &locked).await;
    }
    link(&app, &uid, json!({ "expires_in": 1, "note": "expired" })).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    browser.click("#share-close").await;
    browser.click("#study-links .section-head .link-button").await;
    browser
        .until("five links", "return document.querySelectorAll('#link-list tr.link-row').length === 5", vec![])
        .await;
    browser.screenshot("link-table-states").await;
    let rows = browser
        .js(
            "return [...document.querySelectorAll('#link-list tr.link-row')].map((r) => ({ \
               note: r.querySelector('.link-note').innerText, status: r.dataset.status, \
               badge: r.querySelector('.badge').innerText, opens: r.querySelector('.link-opens').innerText }));",
            vec![],
        )
        .await;
    let want = [
        ("Dr Weber, follow-up on Tuesday", "active", "active", "0"),
        ("used up", "used_up", "used up", "1 / 1"),
        ("revoked", "revoked", "revoked", "0"),
        ("locked", "pin_locked", "PIN locked", "0"),
        ("expired", "expired", "expired", "0"),
    ];
    for (note, status, badge, opens) in want {
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["note"] == json!(note))
            .unwrap_or_else(|| panic!("{note}: {rows}"));
        assert_eq!(
            (row["status"].as_str(), row["badge"].as_str(), row["opens"].as_str()),
            (Some(status), Some(badge), Some(opens)),
            "{row}"
        );
    }
    browser.close().await;
}

#[tokio::test]
async fn a_links_access_log_is_summarised_per_opening_with_the_raw_rows_behind_a_toggle() {
    let app = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    let study = biggest(&app).await;
    let uid = study["study_instance_uid"].as_str().unwrap().to_owned();
    let made = link(&app, &uid, json!({ "pin": "246810", "note": "Dr Weber" })).await;

    // The referrer: one opening, one wrong PIN, then the right one and the images the viewer reads.
    let mut referrer = Browser::launch("access-summary-referrer").await;
    referrer.goto(made["url"].as_str().unwrap()).await;
    referrer.wait_for("#pin-form:not([hidden])").await;
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
    viewer_drawn(&mut referrer).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    referrer.close().await;

    let (_, raw) = app.get_json(&format!("/api/links/{}/access", made["id"].as_str().unwrap())).await;
    let raw = raw["items"].as_array().unwrap().len();
    let images: std::collections::HashSet<String> =
        app.get_json(&format!("/api/links/{}/access", made["id"].as_str().unwrap())).await.1["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == json!("view_image") && e["outcome"] == json!("allowed"))
            .filter_map(|e| e["sop_uid"].as_str().map(str::to_owned))
            .collect();
    assert!(!images.is_empty());

    let mut owner = Browser::launch("access-summary").await;
    log_in_as(&mut owner, &app, "admin", ADMIN_PASSWORD).await;
    owner.goto(&app.url(&format!("/#/studies/{uid}"))).await;
    owner.wait_for("#link-list tr.link-row").await;
    owner.click("#link-list tr.link-row button.link-log").await;
    owner.wait_for("#link-access-summary li.opening").await;
    owner.screenshot("access-summary").await;
    let summary = owner
        .js(
            "const items = [...document.querySelectorAll('#link-access-summary li.opening')]; \
             return { n: items.length, text: items.map((i) => i.innerText).join('\\n'), \
               pin: items[0].dataset.pinFailures, images: items[0].dataset.images, \
               shown: document.querySelector('#link-access-log').innerText };",
            vec![],
        )
        .await;
    println!("{raw} raw rows summarised as: {}", summary["text"]);
    assert_eq!(summary["n"], json!(1), "one opening: {summary}");
    assert_eq!(summary["pin"], json!("1"), "{summary}");
    assert_eq!(summary["images"], json!(images.len().to_string()), "{summary}");
    let text = summary["text"].as_str().unwrap();
    assert!(text.contains("127.0.0.1") && text.contains("1 wrong PIN") && text.contains("HeadlessChrome"), "{text}");
    assert!(!text.contains("refused"), "asking whether a PIN is needed is no refusal: {text}");
    assert!(raw > 3, "more raw rows ({raw}) than openings");
    assert!(!summary["shown"].as_str().unwrap().contains("view_image"), "the raw rows wait behind the toggle");
    owner.click("#link-access-raw summary").await;
    let shown = owner.js("return document.querySelector('#link-access-log').innerText", vec![]).await;
    assert!(
        shown.as_str().unwrap().contains("view_image") && shown.as_str().unwrap().contains(&format!("{raw} requests"))
    );
    owner.screenshot("access-raw").await;
    owner.close().await;
}
