//! Identity: the TOTP second factor (enrolment, codes at login, replays, recovery codes,
//! turning it off), MFA required per role, idle sessions and the session list, disabled and
//! locked accounts, and users changing their own password.
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::{dicom, Spec};
use crate::harness::{app, TestApp, ADMIN_PASSWORD};

const PW: &str = "a-long-password-1";

async fn login(app: &TestApp, user: &str, password: &str, totp: Option<&str>) -> (u16, Value) {
    let mut body = json!({ "username": user, "password": password });
    if let Some(code) = totp {
        body["totp"] = json!(code);
    }
    let r = app.client.post(app.url("/api/auth/login")).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The code of time `step` for a base32 secret, as an authenticator app computes it.
pub fn code_at_step(secret: &str, step: u64) -> String {
    let totp = totp_rs::Builder::new().with_secret(totp_rs::Secret::try_from_base32(secret).unwrap()).build().unwrap();
    totp.generate(step * 30).to_string()
}

/// Turns MFA on for the caller; answers the secret, the step the verifying code used, and
/// the recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (String, u64, Vec<String>) {
    let (status, started) = send(app, Method::POST, "/api/me/mfa/totp", token, None).await;
    assert_eq!(status, 200, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    let step = now() / 30;
    let (status, done) =
        send(app, Method::POST, "/api/me/mfa/totp/verify", token, Some(json!({"code": code_at_step(&secret, step)})))
            .await;
    assert_eq!(status, 200, "{done}");
    let codes = done["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (secret, step, codes)
}

#[tokio::test]
async fn mfa_enrolment_makes_login_ask_for_a_code_refuses_replays_and_takes_each_recovery_code_once() {
    let app = app().spawn().await;
    let bob = app.add_user("bob", "radiologist").await;

    let (status, started) = send(&app, Method::POST, "/api/me/mfa/totp", &bob, None).await;
    assert_eq!(status, 200, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    let url = started["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/") && url.contains(&format!("secret={secret}")), "{url}");
    assert!(started["qr_svg"].as_str().unwrap().contains("<svg"), "the QR code is rendered as SVG");
    let (_, me) = send(&app, Method::GET, "/api/me", &bob, None).await;
    assert_eq!(me["mfa_enabled"], false, "pending until a code verifies it");
    assert_eq!(login(&app, "bob", PW, None).await.0, 200, "not on yet");

    let (status, body) =
        send(&app, Method::POST, "/api/me/mfa/totp/verify", &bob, Some(json!({"code": "12345x"}))).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid_code")), "{body}");
    let step = now() / 30;
    let code = code_at_step(&secret, step);
    let (status, done) = send(&app, Method::POST, "/api/me/mfa/totp/verify", &bob, Some(json!({"code": code}))).await;
    assert_eq!(status, 200, "{done}");
    let recovery: Vec<String> =
        done["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(recovery.len(), 10);
    let (_, me) = send(&app, Method::GET, "/api/me", &bob, None).await;
    assert_eq!((me["mfa_enabled"].as_bool(), me["recovery_codes_left"].as_i64()), (Some(true), Some(10)), "{me}");

    // The password first: a wrong one is the ordinary 401, a right one without a code asks for it.
    let (status, body) = login(&app, "bob", "wrong-password-x", None).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")), "{body}");
    let (status, body) = login(&app, "bob", PW, None).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("mfa_required")), "{body}");
    let (status, body) = login(&app, "bob", "wrong-password-x", Some(&code_at_step(&secret, step + 1))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized")),
        "a code does not make up for the password"
    );

    // The verifying code's step is used; the next one works once.
    let (status, body) = login(&app, "bob", PW, Some(&code)).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("mfa_invalid")), "{body}");
    let next = code_at_step(&secret, step + 1);
    let (status, body) = login(&app, "bob", PW, Some(&next)).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(send(&app, Method::GET, "/api/studies", &token, None).await.0, 200);
    let (status, body) = login(&app, "bob", PW, Some(&next)).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("mfa_invalid")), "a replay within its window: {body}");

    // A recovery code works once, typed however.
    let typed = recovery[0].to_uppercase().replace('-', " ");
    assert_eq!(login(&app, "bob", PW, Some(&typed)).await.0, 200);
    let (status, body) = login(&app, "bob", PW, Some(&recovery[0])).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("mfa_invalid")), "{body}");
    let (_, me) = send(&app, Method::GET, "/api/me", &token, None).await;
    assert_eq!(me["recovery_codes_left"], 9);

    // Turning it off needs the password and a code (here a recovery code).
    let off = |password: &str, code: &str| json!({"password": password, "code": code});
    let (status, body) =
        send(&app, Method::DELETE, "/api/me/mfa/totp", &token, Some(off("nope-nope-nope", &recovery[1]))).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("wrong_credentials")), "{body}");
    let (status, body) = send(&app, Method::DELETE, "/api/me/mfa/totp", &token, Some(off(PW, "000000"))).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("wrong_credentials")), "{body}");
    let (status, body) = send(&app, Method::DELETE, "/api/me/mfa/totp", &token, Some(off(PW, &recovery[1]))).await;
    assert_eq!(status, 204, "{body}");
    let (_, me) = send(&app, Method::GET, "/api/me", &token, None).await;
    assert_eq!(me["mfa_enabled"], false);
    assert_eq!(login(&app, "bob", PW, None).await.0, 200);

    assert!(!app.log_text().contains(&secret), "the TOTP secret is never logged");
    let (_, audit) = app.logged_in_as_admin().await.get_json("/api/audit?limit=200").await;
    let actions: Vec<String> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let outcome = e["detail"]["reason"].as_str().unwrap_or(e["outcome"].as_str().unwrap());
            format!("{}/{outcome}", e["action"].as_str().unwrap())
        })
        .collect();
    let expected = ["mfa_enrol/allowed", "mfa_enable/allowed", "login/mfa_required", "mfa_recovery_used/allowed"];
    for expected in expected.into_iter().chain(["mfa_disable/allowed"]) {
        assert!(actions.iter().any(|a| a == expected), "{expected} not in {actions:?}");
    }
}

#[tokio::test]
async fn wrong_codes_count_toward_the_lockout_like_wrong_passwords() {
    let app = app().env("FERRUM_LOGIN_MAX_FAILURES", "3").spawn().await;
    let bob = app.add_user("bob", "radiologist").await;
    let (secret, step, _) = enrol(&app, &bob).await;
    for _ in 0..3 {
        assert_eq!(login(&app, "bob", PW, Some("000000")).await.0, 401);
    }
    let (status, body) = login(&app, "bob", PW, Some(&code_at_step(&secret, step + 1))).await;
    assert_eq!((status, body["error"].as_str()), (423, Some("account_locked")), "{body}");
}

#[tokio::test]
async fn a_role_that_must_use_mfa_gets_sessions_limited_to_enrolment_until_it_enrols() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let bob = app.add_user("bob", "radiologist").await;
    let (status, body) = send(&app, Method::GET, "/api/settings/mfa", &admin, None).await;
    assert_eq!((status, body["required_roles"].clone()), (200, json!([])));
    let (status, body) =
        send(&app, Method::PUT, "/api/settings/mfa", &admin, Some(json!({"required_roles": ["nurse"]}))).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid_role")));
    let policy = json!({"required_roles": ["radiologist"]});
    assert_eq!(send(&app, Method::PUT, "/api/settings/mfa", &admin, Some(policy)).await.0, 200);

    // A live session of that role is limited from its next request on.
    let (status, body) = send(&app, Method::GET, "/api/studies", &bob, None).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("mfa_enrolment_required")), "{body}");

    let (status, body) = login(&app, "bob", PW, None).await;
    assert_eq!((status, body["mfa_enrolment_required"].as_bool()), (200, Some(true)), "{body}");
    let limited = body["access_token"].as_str().unwrap().to_owned();
    let upload = app.upload_as(&limited, "application/dicom", dicom(&Spec::new(4100, 1, 1).size(16))).await;
    assert_eq!(upload.0, 403);
    for (method, path) in
        [(Method::GET, "/api/studies"), (Method::GET, "/api/me/sessions"), (Method::GET, "/api/directory")]
    {
        assert_eq!(send(&app, method, path, &limited, None).await.0, 403, "{path}");
    }
    let (status, me) = send(&app, Method::GET, "/api/me", &limited, None).await;
    assert_eq!((status, me["mfa_enrolment_required"].as_bool()), (200, Some(true)));
    assert_eq!(send(&app, Method::GET, "/api/studies", &admin, None).await.0, 200, "admins are not required");

    enrol(&app, &limited).await;
    assert_eq!(send(&app, Method::GET, "/api/studies", &limited, None).await.0, 200, "the same session, enrolled");
    let (_, me) = send(&app, Method::GET, "/api/me", &limited, None).await;
    assert_eq!((me["mfa_enabled"].as_bool(), me["mfa_enrolment_required"].as_bool()), (Some(true), Some(false)));
    assert_eq!(send(&app, Method::POST, "/api/auth/logout", &limited, None).await.0, 204);

    // The configured default holds until an admin sets the policy.
    let strict = crate::harness::app().env("FERRUM_MFA_REQUIRED_ROLES", "admin").spawn().await;
    let (status, body) = login(&strict, "admin", ADMIN_PASSWORD, None).await;
    assert_eq!((status, body["mfa_enrolment_required"].as_bool()), (200, Some(true)));
    let token = body["access_token"].as_str().unwrap();
    let (status, body) = send(&strict, Method::GET, "/api/settings/mfa", token, None).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("mfa_enrolment_required")));
}

#[tokio::test]
async fn an_idle_session_ends_for_access_tokens_and_for_refresh() {
    let app = app().env("FERRUM_SESSION_IDLE_SECS", "2").spawn().await;
    let (_, a) = login(&app, "admin", ADMIN_PASSWORD, None).await;
    let token = a["access_token"].as_str().unwrap().to_owned();
    // Used every second or so, it stays open past the idle timeout.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(send(&app, Method::GET, "/api/me", &token, None).await.0, 200);
    }
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let (status, body) = send(&app, Method::GET, "/api/me", &token, None).await;
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap().contains("without use"), "{body}");
    let refresh = json!({"refresh_token": a["refresh_token"]});
    let r = app.client.post(app.url("/api/auth/refresh")).json(&refresh).send().await.unwrap();
    assert_eq!(r.status(), 401, "refresh does not revive an idle session");

    // A refresh in time is a use; one after the idle timeout is refused.
    let (_, b) = login(&app, "admin", ADMIN_PASSWORD, None).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = app.client.post(app.url("/api/auth/refresh")).json(&json!({"refresh_token": b["refresh_token"]}));
    let renewed: Value = r.send().await.unwrap().json().await.unwrap();
    assert!(renewed["access_token"].is_string(), "{renewed}");
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let r = app.client.post(app.url("/api/auth/refresh")).json(&json!({"refresh_token": renewed["refresh_token"]}));
    assert_eq!(r.send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn sessions_are_listed_and_ended_one_at_a_time_or_all_but_this_one() {
    let app = app().spawn().await.logged_in_as_admin().await;
    app.add_user("bob", "radiologist").await;
    let mut tokens = Vec::new();
    for agent in ["agent-one", "agent-two", "agent-three"] {
        let r = app
            .client
            .post(app.url("/api/auth/login"))
            .header("user-agent", agent)
            .json(&json!({"username": "bob", "password": PW}))
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    let (status, list) = send(&app, Method::GET, "/api/me/sessions", &tokens[0], None).await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 4, "three logins here and the one of add_user");
    let current: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "agent-one");
    assert_eq!(current[0]["address"], "127.0.0.1");
    for key in ["id", "created_at", "last_used_at"] {
        assert!(current[0][key].is_string(), "{key}");
    }

    // Another account's session id is not found.
    let (_, admins) = send(&app, Method::GET, "/api/me/sessions", app.token(), None).await;
    let admin_sid = admins[0]["id"].as_str().unwrap();
    assert_eq!(send(&app, Method::DELETE, &format!("/api/me/sessions/{admin_sid}"), &tokens[0], None).await.0, 404);
    assert_eq!(send(&app, Method::GET, "/api/me", app.token(), None).await.0, 200);

    let two = list.iter().find(|s| s["user_agent"] == "agent-two").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(send(&app, Method::DELETE, &format!("/api/me/sessions/{two}"), &tokens[0], None).await.0, 204);
    assert_eq!(send(&app, Method::GET, "/api/me", &tokens[1], None).await.0, 401);
    let (status, body) = send(&app, Method::DELETE, "/api/me/sessions", &tokens[0], None).await;
    assert_eq!((status, body["ended"].as_u64()), (200, Some(2)), "{body}");
    assert_eq!(send(&app, Method::GET, "/api/me", &tokens[2], None).await.0, 401);
    assert_eq!(send(&app, Method::GET, "/api/me", &tokens[0], None).await.0, 200, "this one stays");
    let (_, list) = send(&app, Method::GET, "/api/me/sessions", &tokens[0], None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_cannot_log_in_and_its_links_keep_working() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let bob = app.add_user("bob", "radiologist").await;
    let study = Spec::new(4200, 1, 1).size(16);
    assert_eq!(app.upload_as(&bob, "application/dicom", dicom(&study)).await.0, 201);
    let (status, link) = crate::links::create_link(&app, &bob, &study.study, json!({})).await;
    assert_eq!(status, 201, "{link}");
    let link_token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();

    let (status, body) = send(&app, Method::PATCH, "/api/users/admin", &admin, Some(json!({"disabled": true}))).await;
    assert_eq!(status, 409, "an admin cannot disable themselves: {body}");
    let (status, body) = send(&app, Method::PATCH, "/api/users/bob", &admin, Some(json!({"disabled": true}))).await;
    assert_eq!((status, body["disabled"].as_bool()), (200, Some(true)), "{body}");
    assert_eq!(send(&app, Method::GET, "/api/me", &bob, None).await.0, 401, "its sessions end at once");
    let disabled = login(&app, "bob", PW, None).await;
    let wrong = login(&app, "bob", "wrong-password-x", None).await;
    assert_eq!(disabled, wrong, "the same answer as a wrong password");
    assert_eq!(disabled.0, 401);
    let r = app.client.get(app.url(&format!("/api/share/{link_token}/study"))).send().await.unwrap();
    assert_eq!(r.status(), 200, "links it made keep working");
    let (_, users) = send(&app, Method::GET, "/api/users", &admin, None).await;
    let listed = users["items"].as_array().unwrap().iter().find(|u| u["username"] == "bob").unwrap().clone();
    assert_eq!(listed["disabled"], true);

    let (status, _) = send(&app, Method::PATCH, "/api/users/bob", &admin, Some(json!({"disabled": false}))).await;
    assert_eq!(status, 200);
    assert_eq!(login(&app, "bob", PW, None).await.0, 200);
    let (_, audit) = app.get_json("/api/audit?limit=100").await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"account_disable") && actions.contains(&"account_enable"), "{actions:?}");
}

#[tokio::test]
async fn a_locked_account_is_unlocked_by_an_admin_or_by_the_cli() {
    let app = app().env("FERRUM_LOGIN_MAX_FAILURES", "2").spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    app.add_user("bob", "radiologist").await;
    let lock = || async {
        for _ in 0..2 {
            assert_eq!(login(&app, "bob", "wrong-password-x", None).await.0, 401);
        }
        assert_eq!(login(&app, "bob", PW, None).await.0, 423);
    };
    lock().await;
    let (status, body) = send(&app, Method::POST, "/api/users/bob/unlock", &admin, None).await;
    assert_eq!((status, body["locked_until"].clone()), (200, Value::Null), "{body}");
    assert_eq!(login(&app, "bob", PW, None).await.0, 200);
    assert_eq!(send(&app, Method::POST, "/api/users/nobody/unlock", &admin, None).await.0, 404);

    lock().await;
    let out = app.command().args(["user", "unlock", "bob"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(login(&app, "bob", PW, None).await.0, 200);
    let out = app.command().args(["user", "unlock", "nobody"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account"), "{}", String::from_utf8_lossy(&out.stderr));
    // The service's own account changes are recorded with them: the first admin, and the
    // command line's `user add` and `user unlock` (the refused unlock left nothing).
    let (_, audit) = app.get_json("/api/audit?actor=system&limit=100").await;
    let events: Vec<(String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["detail"]["account"].as_str().unwrap_or("").to_owned()))
        .collect();
    let expected = [("create_user", "user:admin"), ("create_user", "user:bob"), ("account_unlock", "user:bob")];
    assert_eq!(events, expected.map(|(a, b)| (a.to_owned(), b.to_owned())), "{audit}");
    assert!(audit["items"][0]["detail"]["via"] == "cli", "{audit}");
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_ends_the_other_sessions() {
    let app = app().spawn().await;
    let other = app.add_user("bob", "radiologist").await;
    let this = app.token_for("bob", PW).await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, body) =
        send(&app, Method::POST, "/api/me/password", &this, Some(change("wrong-password-x", "a-new-password-2"))).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("wrong_credentials")), "{body}");
    let (status, body) = send(&app, Method::POST, "/api/me/password", &this, Some(change(PW, "short"))).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("weak_password")), "{body}");
    let (status, body) =
        send(&app, Method::POST, "/api/me/password", &this, Some(change(PW, "a-new-password-2"))).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(send(&app, Method::GET, "/api/me", &this, None).await.0, 200, "this session stays");
    assert_eq!(send(&app, Method::GET, "/api/me", &other, None).await.0, 401, "the others end");
    assert_eq!(login(&app, "bob", PW, None).await.0, 401);
    assert_eq!(login(&app, "bob", "a-new-password-2", None).await.0, 200);
}
