//! The app's pages for every reader: text at WCAG AA contrast, every control labelled, the
//! share dialog by keyboard alone, the password rule stated before a failure; on a 390 px
//! phone the study list as cards and no page scrolling sideways. The viewer itself is left
//! out of the scans (it is checked with its own tests). Screenshots go to
//! `target/tmp/browser-artifacts/`.
use serde_json::{json, Value};

use crate::browser::log_in_as;
use crate::browser_app::biggest;
use crate::fixtures::samples_zip;
use crate::harness::{app, TestApp, ADMIN_PASSWORD};
use crate::webdriver::Browser;

/// Visible text below WCAG AA (4.5:1, 3:1 for large text) against what is behind it, and
/// visible controls without an accessible name; disabled controls are exempt, as in WCAG.
const SCAN: &str = r#"
const rgba = (c) => (c.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const behind = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
  if (c.length === 3 || c[3] > 0.5) return c.slice(0, 3); } return [15, 17, 20]; };
const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
  && getComputedStyle(e).visibility !== 'hidden' && !e.closest('#viewer, [aria-hidden="true"]'); };
const faint = [];
for (const el of document.querySelectorAll('body *')) {
  if (!shown(el) || el.closest(':disabled') || ['SCRIPT', 'STYLE', 'OPTION'].includes(el.tagName)) continue;
  if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
  const s = getComputedStyle(el);
  const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  const r = ratio(rgba(s.color).slice(0, 3), behind(el));
  if (r < need) faint.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${r.toFixed(2)}`);
}
const unnamed = [...document.querySelectorAll('input, select, textarea, button')].filter((c) => shown(c) && c.type !== 'hidden')
  .filter((c) => !(c.labels?.length || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby') || c.title
    || (c.tagName === 'BUTTON' && c.textContent.trim())))
  .map((c) => `${c.tagName.toLowerCase()}#${c.id}.${c.className}`);
return { faint, unnamed };
"#;

async fn scan(browser: &mut Browser, page: &str) {
    let found: Value = browser.js(SCAN, vec![]).await;
    println!("{page}: {found}");
    assert_eq!(found["faint"], json!([]), "{page}: text below WCAG AA contrast");
    assert_eq!(found["unnamed"], json!([]), "{page}: controls without a name");
}

async fn world() -> (TestApp, String) {
    let app = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    let uid = biggest(&app).await["study_instance_uid"].as_str().unwrap().to_owned();
    (app, uid)
}

/// The pages an admin sees, with what each waits for.
fn pages(uid: &str) -> Vec<(String, &'static str)> {
    vec![
        ("#/studies".into(), "#study-list tr.study-row"),
        (format!("#/studies/{uid}"), "#series-list .series-card"),
        ("#/upload".into(), "#dropzone"),
        ("#/account".into(), "#password-form"),
        ("#/admin".into(), "#user-list tr.user-row"),
        ("#/groups".into(), "#page h1"),
        ("#/dicom-nodes".into(), "#page h1"),
        ("#/audit".into(), "#audit-table tr.audit-row"),
    ]
}

#[tokio::test]
async fn every_page_meets_wcag_aa_contrast_labels_its_controls_and_the_share_dialog_works_by_keyboard() {
    let (app, uid) = world().await;
    let mut browser = Browser::launch("a11y").await;
    log_in_as(&mut browser, &app, "admin", ADMIN_PASSWORD).await;
    for (hash, ready) in pages(&uid) {
        browser.goto(&app.url(&format!("/{hash}"))).await;
        browser.wait_for(ready).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        scan(&mut browser, &hash).await;
    }

    // The password rule is on the account page before anything was tried.
    browser.goto(&app.url("/#/account")).await;
    browser.wait_for("#password-form").await;
    let rule = browser.js("const r = document.getElementById('new-password-rule'); return r && r.getBoundingClientRect().height > 0 && r.textContent", vec![]).await;
    assert!(rule.as_str().is_some_and(|r| r.contains("10 characters")), "{rule}");
    browser.goto(&app.url("/#/admin")).await;
    browser.wait_for("#new-password-rule").await;

    // The share dialog by keyboard: open with Enter, the note has focus, Esc closes it.
    browser.goto(&app.url(&format!("/#/studies/{uid}"))).await;
    let open = browser.wait_for("#share-open").await;
    open.send_keys("\u{E007}").await.unwrap();
    browser
        .until(
            "the note focused",
            "return document.activeElement && document.activeElement.id === 'share-note'",
            vec![],
        )
        .await;
    scan(&mut browser, "share dialog").await;
    browser.screenshot("share-dialog-keyboard").await;
    let note = browser.wait_for("#share-note").await;
    note.send_keys("\u{E00C}").await.unwrap();
    browser.until("the dialog closed", "return !document.getElementById('share-dialog').open", vec![]).await;
    browser.close().await;
}

#[tokio::test]
async fn on_a_390_px_phone_the_study_list_is_cards_and_no_page_scrolls_sideways() {
    let (app, uid) = world().await;
    let mut phone = Browser::launch_phone("phone-pages").await;
    log_in_as(&mut phone, &app, "admin", ADMIN_PASSWORD).await;
    for (hash, ready) in pages(&uid) {
        phone.goto(&app.url(&format!("/{hash}"))).await;
        phone.wait_for(ready).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        phone
            .screenshot(&format!(
                "phone-{}",
                hash.trim_start_matches("#/").replace('/', "-").chars().take(30).collect::<String>()
            ))
            .await;
        let widths = phone
            .js(
                "return { sw: document.documentElement.scrollWidth, bw: document.body.scrollWidth, iw: innerWidth }",
                vec![],
            )
            .await;
        assert_eq!(widths["iw"], json!(390), "{hash}: {widths}");
        assert!(
            widths["sw"].as_u64().unwrap() <= 390 && widths["bw"].as_u64().unwrap() <= 390,
            "{hash} scrolls sideways: {widths}"
        );
    }
    // The study page: series in a row above a viewer that keeps most of the screen.
    phone.goto(&app.url(&format!("/#/studies/{uid}"))).await;
    crate::browser_app::viewer_drawn(&mut phone).await;
    let stage =
        phone.js("return document.querySelector('#viewer canvas').getBoundingClientRect().height", vec![]).await;
    assert!(stage.as_f64().unwrap() >= 300.0, "the image has room on a phone: {stage}");
    phone.goto(&app.url("/#/studies")).await;
    phone.wait_for("#study-list tr.study-row").await;
    let cards = phone
        .js(
            "const rows = [...document.querySelectorAll('#study-list tr.study-row')]; \
             const wrap = document.querySelector('#study-list').parentElement; \
             return { grid: rows.every((r) => getComputedStyle(r).display === 'grid'), \
               widest: Math.max(...rows.map((r) => r.getBoundingClientRect().right)), \
               scrolls: wrap.scrollWidth > wrap.clientWidth, headings: document.querySelector('#study-list thead').getBoundingClientRect().height };",
            vec![],
        )
        .await;
    assert_eq!(cards["grid"], json!(true), "each study is a card: {cards}");
    assert!(cards["widest"].as_f64().unwrap() <= 390.0, "{cards}");
    assert_eq!(cards["scrolls"], json!(false), "the list does not scroll sideways inside either: {cards}");
    phone.close().await;
}
