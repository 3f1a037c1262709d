//! Login, tokens, lockout.
use serde_json::Value;

use crate::harness::{app, ADMIN_PASSWORD};

#[tokio::test]
async fn login_answers_a_bearer_token_that_opens_the_api() {
    let app = app().spawn().await;
    let r = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    let token = body["access_token"].as_str().unwrap();
    let me: Value = app.client.get(app.url("/api/me")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = app().spawn().await;
    let a = app.login("admin", "wrong").await;
    let b = app.login("nobody", "wrong").await;
    assert_eq!(a.status(), 401);
    assert_eq!(b.status(), 401);
    assert_eq!(a.json::<Value>().await.unwrap(), b.json::<Value>().await.unwrap());
}

#[tokio::test]
async fn missing_forged_and_expired_tokens_are_401() {
    let app = app().env("FERRUM_TOKEN_TTL_SECS", "1").spawn().await;
    let token = app.token_for("admin", ADMIN_PASSWORD).await;
    let r = app.client.get(app.url("/api/studies")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    let r = app.client.get(app.url("/api/studies")).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // expiry is whole seconds: wait past it
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = app.client.get(app.url("/api/studies")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account() {
    let app = app().env("FERRUM_LOGIN_MAX_FAILURES", "3").spawn().await;
    for _ in 0..3 {
        assert_eq!(app.login("admin", "guess").await.status(), 401);
    }
    let r = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 423, "even the right password is refused while locked");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "account_locked");
}

#[tokio::test]
async fn health_and_readiness_answer_without_a_token() {
    let app = app().spawn().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r: Value = app.client.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["catalog"], "ok");
    assert_eq!(r["blob_store"], "ok");
}
