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

#[tokio::test]
async fn refresh_tokens_renew_once_and_logout_deletion_or_demotion_take_effect_on_the_next_request() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut r = app.client.post(app.url(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let me = |token: String| {
        let r = app.client.get(app.url("/api/me")).bearer_auth(token);
        async move { r.send().await.unwrap().status().as_u16() }
    };

    let login: Value = app.login("admin", ADMIN_PASSWORD).await.json().await.unwrap();
    let (access, refresh) = (login["access_token"].as_str().unwrap(), login["refresh_token"].as_str().unwrap());
    let (status, renewed) = post("/api/auth/refresh", None, serde_json::json!({ "refresh_token": refresh })).await;
    assert_eq!(status, 200, "{renewed}");
    let access2 = renewed["access_token"].as_str().unwrap().to_owned();
    assert_ne!(renewed["refresh_token"].as_str().unwrap(), refresh, "the refresh token rotates");
    assert_eq!(me(access2.clone()).await, 200);
    assert_eq!(me(access.to_owned()).await, 200, "earlier access tokens of the session live until they expire");

    // The old refresh token again: someone else has it, so the whole session ends.
    let (status, body) = post("/api/auth/refresh", None, serde_json::json!({ "refresh_token": refresh })).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["message"].as_str().unwrap().contains("used already"), "{body}");
    assert_eq!(me(access2).await, 401);
    let (status, _) = post("/api/auth/refresh", None, serde_json::json!({ "refresh_token": "nope.nope" })).await;
    assert_eq!(status, 401);

    // Logout ends this session only.
    let other = app.token_for("admin", ADMIN_PASSWORD).await;
    let mine = app.token_for("admin", ADMIN_PASSWORD).await;
    assert_eq!(post("/api/auth/logout", Some(&mine), serde_json::json!({})).await.0, 204);
    assert_eq!(me(mine).await, 401);
    assert_eq!(me(other).await, 200);

    // An account deleted or demoted by an admin: its live tokens change at once.
    let bob = app.add_user("bob", "admin").await;
    let carol = app.add_user("carol", "radiologist").await;
    assert_eq!(app.client.get(app.url("/api/users")).bearer_auth(&bob).send().await.unwrap().status(), 200);
    let patch = app
        .client
        .patch(app.url("/api/users/bob"))
        .bearer_auth(app.token())
        .json(&serde_json::json!({"role": "radiologist"}));
    assert_eq!(patch.send().await.unwrap().status(), 200);
    assert_eq!(app.client.get(app.url("/api/users")).bearer_auth(&bob).send().await.unwrap().status(), 403);
    let delete = app.client.delete(app.url("/api/users/carol")).bearer_auth(app.token());
    assert_eq!(delete.send().await.unwrap().status(), 204);
    assert_eq!(me(carol).await, 401);
}
