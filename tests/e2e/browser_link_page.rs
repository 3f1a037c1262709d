//! The referrer's link page in headless Chromium: a styled PIN page with the sender's name
//! and note and nothing about the patient; closed links that say which state they are in
//! (expired, revoked, used up, PIN locked) without patient data, while an unknown token keeps
//! the generic message; the viewer filling the window on a desktop and on a phone.
//! Screenshots of every step go to `target/tmp/browser-artifacts/`.
use serde_json::{json, Value};

use crate::browser_app::{biggest, link, person_name, token_of, viewer_drawn, wrong_pin};
use crate::fixtures::samples_zip;
use crate::harness::app;
use crate::webdriver::Browser;

/// WCAG contrast of two computed CSS colours, in the page.
const CONTRAST: &str = "const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number); \
    const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); \
      return 0.2126 * r + 0.7152 * g + 0.0722 * b; }; \
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };";

async fn page_text(browser: &Browser) -> String {
    browser.js("return document.body.innerText", vec![]).await.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_pin_page_names_the_sender_and_the_note_shows_nothing_of_the_patient_and_opens_full_window() {
    let app = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    let study = biggest(&app).await;
    let uid = study["study_instance_uid"].as_str().unwrap().to_owned();
    let patient = person_name(&study["patient_name"]);
    let made = link(&app, &uid, json!({ "pin": "246810", "note": "For Dr Weber: the follow-up we discussed" })).await;

    let mut referrer = Browser::launch("link-pin-page").await;
    referrer.goto(made["url"].as_str().unwrap()).await;
    referrer.wait_for("#pin-form:not([hidden])").await;
    referrer.until("the sender", "return !document.querySelector('#sender').hidden", vec![]).await;
    referrer.screenshot("pin-page").await;
    let text = page_text(&referrer).await;
    assert!(text.contains("Shared with you by admin"), "{text}");
    assert!(text.contains("For Dr Weber: the follow-up we discussed"), "{text}");
    assert!(!text.contains(&patient) && !text.contains("Thorax"), "no patient data before the PIN: {text}");
    assert!(!text.contains("Loading") && !text.contains("Opening the link"), "no stale loading line: {text}");
    let style = referrer
        .js(
            &format!(
                "{CONTRAST} const b = getComputedStyle(document.querySelector('#pin-submit')); \
                 const card = getComputedStyle(document.querySelector('.card')); \
                 return {{ button: ratio(b.color, b.backgroundColor), card: card.backgroundColor, \
                   labelled: document.querySelector('#pin').labels.length }};"
            ),
            vec![],
        )
        .await;
    assert!(style["button"].as_f64().unwrap() >= 4.5, "the PIN button reads at WCAG AA: {style}");
    assert_ne!(style["card"], json!("rgba(0, 0, 0, 0)"), "the PIN page is styled: {style}");
    assert_eq!(style["labelled"], json!(1), "{style}");

    referrer.fill("#pin", "246810").await;
    referrer.click("#pin-submit").await;
    viewer_drawn(&mut referrer).await;
    referrer.screenshot("pin-page-opened").await;
    let full = referrer
        .js(
            "const v = document.querySelector('#viewer').getBoundingClientRect(); \
             return { w: v.width, h: v.height, iw: innerWidth, ih: innerHeight, sw: document.documentElement.scrollWidth };",
            vec![],
        )
        .await;
    assert_eq!(full["w"], full["iw"], "{full}");
    assert!(full["h"].as_f64().unwrap() >= 0.9 * full["ih"].as_f64().unwrap(), "the viewer fills the window: {full}");
    referrer.close().await;

    // On a phone, a link without a PIN: the viewer fills the screen, nothing scrolls sideways.
    let open = link(&app, &uid, json!({})).await;
    let mut phone = Browser::launch_phone("link-page-phone").await;
    phone.goto(open["url"].as_str().unwrap()).await;
    viewer_drawn(&mut phone).await;
    phone.screenshot("phone-viewer").await;
    let full = phone
        .js(
            "const v = document.querySelector('#viewer').getBoundingClientRect(); \
             return { w: v.width, h: v.height, iw: innerWidth, ih: innerHeight, sw: document.documentElement.scrollWidth };",
            vec![],
        )
        .await;
    assert_eq!(full["iw"], json!(390), "{full}");
    assert_eq!(full["w"], full["iw"], "{full}");
    assert!(full["sw"].as_f64().unwrap() <= 390.0, "no sideways scrolling: {full}");
    assert!(full["h"].as_f64().unwrap() >= 0.9 * full["ih"].as_f64().unwrap(), "the viewer fills the screen: {full}");
    phone.close().await;
}

#[tokio::test]
async fn a_closed_link_says_whether_it_expired_was_revoked_used_up_or_is_pin_locked_and_an_unknown_one_stays_generic() {
    let app = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    let study = biggest(&app).await;
    let uid = study["study_instance_uid"].as_str().unwrap().to_owned();
    let patient = person_name(&study["patient_name"]);

    let expired = link(&app, &uid, json!({ "expires_in": 1 })).await;
    let revoked = link(&app, &uid, json!({})).await;
    let r =
        app.client.delete(app.url(&format!("/api/links/{}", revoked["id"].as_str().unwrap()))).bearer_auth(app.token());
    assert_eq!(r.send().await.unwrap().status(), 204);
    let used_up = link(&app, &uid, json!({ "max_opens": 1 })).await;
    assert_eq!(app.client.get(used_up["url"].as_str().unwrap()).send().await.unwrap().status(), 200);
    let locked = link(&app, &uid, json!({ "pin": "246810", "note": "for the clinic" })).await;
    let mut last = 0;
    for _ in 0..6 {
        last = wrong_pin(&app, &locked).await;
    }
    assert_eq!(last, 423, "six wrong PINs lock the link");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    // A token the server never signed: as before, 404 and the generic words.
    let unknown = app.url("/v/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let r = app.client.get(&unknown).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(!body.contains("data-state"), "an unknown token learns no state");
    let r = app.client.get(expired["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("<body data-state=\"expired\">"));

    let mut browser = Browser::launch("link-closed-states").await;
    let generic = "It has expired, was revoked, or never existed.";
    let cases: [(&str, String, &str); 5] = [
        ("expired", expired["url"].as_str().unwrap().to_owned(), "It has expired"),
        ("revoked", revoked["url"].as_str().unwrap().to_owned(), "It has been revoked"),
        ("used-up", used_up["url"].as_str().unwrap().to_owned(), "It has been used up"),
        ("pin-locked", locked["url"].as_str().unwrap().to_owned(), "It has been locked for now"),
        ("unknown", unknown.clone(), generic),
    ];
    for (name, url, says) in cases {
        browser.goto(&url).await;
        browser
            .until(
                &format!("the {name} message"),
                "return document.body.innerText.includes(arguments[0])",
                vec![json!(says)],
            )
            .await;
        browser.screenshot(&format!("closed-{name}")).await;
        let text = page_text(&browser).await;
        assert!(!text.contains(&patient) && !text.contains("Thorax"), "{name}: no patient data: {text}");
        if name != "unknown" {
            assert!(!text.contains(generic), "{name}: the page says which state, not all of them: {text}");
        }
        if name == "pin-locked" {
            assert!(text.contains("accepts PINs again after"), "{text}");
            assert!(text.contains("admin") && text.contains("for the clinic"), "{text}");
            let form: Value = browser.js("return document.querySelector('#pin-form').hidden", vec![]).await;
            assert_eq!(form, json!(true), "no PIN field while PINs are refused");
        }
    }
    assert!(!token_of(&expired).is_empty());
    browser.close().await;
}
