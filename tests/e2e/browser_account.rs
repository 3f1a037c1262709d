//! The account page in headless Chromium: a radiologist turns on two-factor authentication
//! from the QR code page (the test reads the secret shown and computes the code as an
//! authenticator app would), keeps the recovery codes, signs out and in again with a code,
//! and sees their sessions; an account whose role must use MFA is kept on the account page
//! until it enrols.
use serde_json::json;

use crate::browser::log_in_as;
use crate::harness::{app, TestApp};
use crate::identity::code_at_step;
use crate::webdriver::Browser;

fn step_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 30
}

/// Enrols from the account page; answers the secret and the step of the code used.
async fn enrol_in_browser(browser: &mut Browser) -> (String, u64) {
    browser.click("#mfa-start").await;
    browser.wait_for("#mfa-secret").await;
    browser
        .until(
            "the QR code drawn",
            "const i = document.querySelector('#mfa-qr'); return i && i.naturalWidth > 0 ? true : null;",
            vec![],
        )
        .await;
    browser.screenshot("mfa-qr-code").await;
    let secret = browser.js("return document.querySelector('#mfa-secret').textContent", vec![]).await;
    let secret = secret.as_str().unwrap().to_owned();
    let step = step_now();
    browser.fill("#mfa-code", &code_at_step(&secret, step)).await;
    browser.click("#mfa-verify").await;
    let shown = browser
        .until(
            "the recovery codes",
            "const n = document.querySelectorAll('#recovery-codes li').length; return n ? n : null;",
            vec![],
        )
        .await;
    assert_eq!(shown, json!(10));
    browser.screenshot("recovery-codes").await;
    browser.click("#recovery-done").await;
    browser
        .until("MFA on", "const s = document.querySelector('#mfa-status'); return s && s.textContent.startsWith('On') ? true : null;", vec![])
        .await;
    (secret, step)
}

async fn sign_in_form(browser: &mut Browser, app: &TestApp, user: &str, password: &str) {
    browser.goto(&app.url("/#/login")).await;
    browser.fill("#username", user).await;
    browser.fill("#password", password).await;
    browser.click("#login-submit").await;
}

#[tokio::test]
async fn mfa_is_enrolled_from_the_account_page_and_then_asked_for_at_sign_in() {
    let app = app().spawn().await.logged_in_as_admin().await;
    app.add_user("bob", "radiologist").await;
    let mut browser = Browser::launch("account-mfa").await;
    log_in_as(&mut browser, &app, "bob", "a-long-password-1").await;
    browser.click("#nav-account").await;
    browser.wait_for("#mfa-start").await;
    let (secret, step) = enrol_in_browser(&mut browser).await;
    browser
        .until(
            "the session list",
            "return document.querySelectorAll('#sessions tr.session-row').length || null;",
            vec![],
        )
        .await;
    let current =
        browser.js("return document.querySelectorAll('#sessions tr[data-current=\"true\"]').length", vec![]).await;
    assert_eq!(current, json!(1));
    browser.screenshot("account-page").await;

    // Sign out, and in again: the password, then the code.
    browser.click("#logout").await;
    browser.until("the login page", "return location.hash.startsWith('#/login') || null", vec![]).await;
    sign_in_form(&mut browser, &app, "bob", "a-long-password-1").await;
    browser
        .until(
            "the code field",
            "const f = document.querySelector('#totp'); return f && f.offsetParent !== null ? true : null;",
            vec![],
        )
        .await;
    browser.screenshot("asked-for-code").await;
    browser.fill("#totp", &code_at_step(&secret, step + 1)).await;
    browser.click("#login-submit").await;
    browser.until("the study list", "return location.hash.startsWith('#/studies') || null", vec![]).await;
    browser.close().await;
}

#[tokio::test]
async fn an_account_whose_role_must_use_mfa_is_kept_on_the_account_page_until_it_enrols() {
    let app = app().spawn().await.logged_in_as_admin().await;
    app.add_user("carol", "radiologist").await;
    let r = app
        .client
        .put(app.url("/api/settings/mfa"))
        .bearer_auth(app.token())
        .json(&json!({"required_roles": ["radiologist"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut browser = Browser::launch("account-forced-enrolment").await;
    sign_in_form(&mut browser, &app, "carol", "a-long-password-1").await;
    browser.until("the account page", "return location.hash.startsWith('#/account') || null", vec![]).await;
    browser.wait_for("#mfa-required-notice").await;
    browser.screenshot("forced-enrolment").await;
    browser.goto(&app.url("/#/studies")).await;
    browser.until("sent back to enrol", "return location.hash.startsWith('#/account') || null", vec![]).await;
    browser.wait_for("#mfa-start").await;
    enrol_in_browser(&mut browser).await;
    browser.goto(&app.url("/#/studies")).await;
    browser
        .until(
            "the study list open",
            "return location.hash.startsWith('#/studies') && document.querySelector('#study-list') ? true : null",
            vec![],
        )
        .await;
    browser.close().await;
}
