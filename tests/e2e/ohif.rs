//! OHIF (npm's `@ohif/app`, its published `dist/`, installed by scripts/test-services.sh as
//! `FERRUM_TEST_OHIF_DIR`) served by the real binary under `/ohif/`, then driven in headless
//! Chromium: through a signed-in session (the study list shows the uploaded studies, "Open
//! in OHIF" on the study page opens the study, its first image is drawn and scrolling
//! changes it) and through a viewer link with a PIN (the same from the link's page).
//! Screenshots of every step go to `target/tmp/browser-artifacts/`.
use serde_json::json;

use crate::browser::log_in_as;
use crate::fixtures::*;
use crate::harness::{app, TestApp};
use crate::links::create_link;
use crate::webdriver::Browser;

const PASSWORD: &str = "a-long-password-1";

fn ohif_dir() -> String {
    std::env::var("FERRUM_TEST_OHIF_DIR")
        .expect("FERRUM_TEST_OHIF_DIR is not set: run `eval \"$(scripts/test-services.sh)\"`, which installs @ohif/app")
}

/// Study 7700: one series of eight noisy 64×64 slices (each its own pixels); study 7701.
async fn world() -> (TestApp, String, Spec) {
    let app = app().env("FERRUM_OHIF_DIR", ohif_dir()).spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("dr.osei", "radiologist").await;
    for n in 1..=8 {
        let s = Spec::new(7700, 1, n).name("Maxwell^Rex").size(64).seed(n as u8 * 17);
        assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&s)).await.0, 201);
    }
    let other = Spec::new(7701, 1, 1).name("Xiong^Li").size(64);
    assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&other)).await.0, 201);
    (app, owner, Spec::new(7700, 1, 1))
}

/// A fingerprint of what OHIF's viewport shows, once it shows an image: null until then.
const VIEWPORT: &str = r#"
const c = document.querySelector('canvas.cornerstone-canvas') || document.querySelector('.viewport-element canvas');
if (!c || !c.width || !c.height) return null;
let ctx = c.getContext('2d');
let src = c;
if (!ctx) {
  src = document.createElement('canvas'); src.width = c.width; src.height = c.height;
  ctx = src.getContext('2d'); ctx.drawImage(c, 0, 0);
}
const d = ctx.getImageData(0, 0, src.width, src.height).data;
let h = 0x811c9dc5, lit = 0;
for (let i = 0; i < d.length; i += 4) {
  h = Math.imul(h ^ d[i], 16777619) >>> 0;
  if (d[i] > 16) lit++;
}
return lit > 500 ? `${h.toString(16)}:${lit}` : null;
"#;

/// Waits for the first image, turns the mouse wheel over the viewport, and checks that it
/// then shows another image.
async fn first_image_then_scroll(browser: &mut Browser) {
    let before = browser.until("the first image", VIEWPORT, vec![]).await;
    browser.screenshot("first-image").await;
    // OHIF's first-visit tour points at the viewport; put it away as a user would.
    browser
        .js(
            "for (const b of document.querySelectorAll('button, a')) if (b.innerText.trim() === 'Skip all') b.click();",
            vec![],
        )
        .await;
    let canvas = "canvas.cornerstone-canvas";
    let mut after = before.clone();
    for _ in 0..20 {
        browser.wheel(canvas, 120).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        after = browser.js(VIEWPORT, vec![]).await;
        if !after.is_null() && after != before {
            break;
        }
    }
    browser.screenshot("scrolled").await;
    assert!(!after.is_null() && after != before, "scrolling did not change the image: {before} → {after}");
}

#[tokio::test]
async fn ohif_is_served_under_its_prefix_with_ferrums_configuration() {
    let (app, owner, _) = world().await;
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirect.get(app.url("/ohif")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (308, "/ohif/"));

    for page in ["/ohif/", "/ohif/viewer?StudyInstanceUIDs=1.2.3", "/ohif/index.html"] {
        let r = app.client.get(app.url(page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(
            csp.contains("'wasm-unsafe-eval'") && csp.contains("'sha256-") && csp.contains("frame-ancestors 'none'")
        );
        assert!(!csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        let html = r.text().await.unwrap();
        assert!(
            html.contains(r#"window.PUBLIC_URL="/ohif/""#) && html.contains(r#"src="/ohif/app-config.js""#),
            "{page}"
        );
    }

    let config = app.client.get(app.url("/ohif/app-config.js")).send().await.unwrap();
    assert!(config.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    let config = config.text().await.unwrap();
    assert!(config.contains("ferrum-session") && config.contains("'/dicomweb'") && config.contains("/share/"));
    assert!(!config.contains("cloudfront"), "the dist's own data source is not served");

    let dist = std::path::PathBuf::from(ohif_dir());
    let names: Vec<String> =
        std::fs::read_dir(&dist).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    let bundle = names.iter().find(|n| n.starts_with("app.bundle.") && n.ends_with(".js")).unwrap();
    let js = app.client.get(app.url(&format!("/ohif/{bundle}"))).send().await.unwrap().text().await.unwrap();
    assert!(js.contains(r#"__webpack_require__.p = "/ohif/""#), "chunks load from /ohif/");
    let wasm = names.iter().find(|n| n.ends_with(".wasm")).unwrap();
    let r = app.client.get(app.url(&format!("/ohif/{wasm}"))).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap()), (200, "application/wasm"));
    assert_eq!(r.bytes().await.unwrap().len() as u64, std::fs::metadata(dist.join(wasm)).unwrap().len());

    for missing in ["/ohif/no-such-chunk.js", "/ohif/..%2f..%2fCargo.toml", "/ohif/.hidden", "/ohif/assets/../../x.js"]
    {
        let r = app.client.get(app.url(missing)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{missing}");
    }

    let me: serde_json::Value =
        app.client.get(app.url("/api/me")).bearer_auth(&owner).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["ohif"], true);
}

#[tokio::test]
async fn ohif_shows_the_study_list_and_opens_a_study_through_a_signed_in_session() {
    let (app, _, study) = world().await;
    let mut browser = Browser::launch("ohif-session").await;
    log_in_as(&mut browser, &app, "dr.osei", PASSWORD).await;

    browser.goto(&app.url("/ohif/")).await;
    browser
        .until(
            "the study list",
            "const t = document.body.innerText; return t.includes('Maxwell') && t.includes('Xiong');",
            vec![],
        )
        .await;
    browser.screenshot("study-list").await;

    browser.goto(&app.url(&format!("/#/studies/{}", study.study))).await;
    browser.click("#open-ohif").await;
    browser.until("OHIF's viewer", "return location.pathname === '/ohif/viewer'", vec![]).await;
    first_image_then_scroll(&mut browser).await;
    browser.close().await;
}

#[tokio::test]
async fn ohif_opens_a_viewer_links_study_through_its_dicomweb_root() {
    let (app, owner, study) = world().await;
    let (status, link) = create_link(&app, &owner, &study.study, json!({"pin": "604218"})).await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    let token = url.rsplit('/').next().unwrap().to_owned();

    let mut browser = Browser::launch("ohif-link").await;
    browser.goto(&url).await;
    browser.until("the PIN form", "return !document.getElementById('pin-form').hidden", vec![]).await;
    browser.fill("#pin", "604218").await;
    browser.click("#pin-submit").await;
    browser.until("the link's OHIF button", "return !document.getElementById('viewer-actions').hidden", vec![]).await;
    browser.screenshot("link-page").await;
    browser.click("#open-ohif").await;
    browser.until("OHIF's viewer", "return location.pathname === '/ohif/viewer'", vec![]).await;
    first_image_then_scroll(&mut browser).await;
    // It read the study through the link's root, as the link.
    let (_, log) = app.get_json(&format!("/api/audit?actor=link:{}&limit=200", link["id"].as_str().unwrap())).await;
    let events = log["items"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["action"] == "view_image" && e["detail"]["via"] == "dicomweb"),
        "frames read as the link: {events:?}"
    );
    assert!(!token.is_empty());
    browser.close().await;
}

#[tokio::test]
async fn ohif_opens_a_deidentified_links_study_and_shows_no_original_value() {
    let (app, owner, study) = world().await;
    let (status, link) = create_link(&app, &owner, &study.study, json!({"deidentify": true})).await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();

    let mut browser = Browser::launch("ohif-deidentified-link").await;
    browser.goto(&url).await;
    browser.until("the link's OHIF button", "return !document.getElementById('viewer-actions').hidden", vec![]).await;
    browser.click("#open-ohif").await;
    browser.until("OHIF's viewer", "return location.pathname === '/ohif/viewer'", vec![]).await;
    first_image_then_scroll(&mut browser).await;
    let shown = browser.js("return document.body.innerText + location.href", vec![]).await;
    let shown = shown.as_str().unwrap();
    for original in ["Maxwell", "PID7700", study.study.as_str()] {
        assert!(!shown.contains(original), "OHIF shows {original:?}: {shown}");
    }
    let (_, log) = app.get_json(&format!("/api/links/{}/access", link["id"].as_str().unwrap())).await;
    let events = log["items"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["action"] == "view_image" && e["detail"]["via"] == "dicomweb"),
        "frames read through the link's root: {events:?}"
    );
    for event in events {
        assert_eq!(event["detail"]["deidentified"], true, "{event}");
    }
    browser.close().await;
}
