//! Key ids on access tokens and key rotation: a token signed with an earlier key verifies
//! after a new key signs; a token naming an unknown key does not; a token made before key
//! ids (no `kid`) still verifies with the single secret, so the upgrade logs nobody out.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::harness::{app, TestApp, ADMIN_PASSWORD};

const A: &str = "e2e-first-signing-key-4b7d9e1f3a5c7e9b1d3f5a7c";
const B: &str = "e2e-second-signing-key-8c2e4a6b8d0f2a4c6e8b0d2f";
const LINKS: &str = "1:e2e-link-signing-key-0a2c4e6b8d1f3a5c7e9b2d4f";

fn sign(secret: &str, header: &Value, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

fn part(token: &str, n: usize) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(n).unwrap()).unwrap()).unwrap()
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.client.get(app.url("/api/me")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn configured_keys_rotate_without_logging_anyone_out_and_unknown_kids_are_refused() {
    let mut app = app().env("FERRUM_JWT_KEYS", format!("one:{A}")).env("FERRUM_LINK_KEYS", LINKS).spawn().await;
    let old = app.token_for("admin", ADMIN_PASSWORD).await;
    assert_eq!(part(&old, 0)["kid"], "one");

    app.set_env("FERRUM_JWT_KEYS", format!("two:{B},one:{A}"));
    app.restart();
    assert_eq!(me(&app, &old).await, 200, "a token of the earlier key still verifies");
    let new = app.token_for("admin", ADMIN_PASSWORD).await;
    assert_eq!(part(&new, 0)["kid"], "two", "the first key signs");

    let claims = part(&new, 1);
    let hs = |kid: Option<&str>| match kid {
        Some(k) => json!({"alg": "HS256", "typ": "JWT", "kid": k}),
        None => json!({"alg": "HS256", "typ": "JWT"}),
    };
    assert_eq!(me(&app, &sign(A, &hs(Some("one")), &claims)).await, 200, "the forging here is faithful");
    assert_eq!(me(&app, &sign(A, &hs(Some("zzz")), &claims)).await, 401, "an unknown kid");
    assert_eq!(me(&app, &sign(A, &hs(Some("two")), &claims)).await, 401, "a key under another's id");
    assert_eq!(me(&app, &sign(A, &hs(None), &claims)).await, 401, "no kid and no single secret");

    app.set_env("FERRUM_JWT_KEYS", format!("two:{B}"));
    app.restart();
    assert_eq!(me(&app, &old).await, 401, "a retired key verifies nothing");
    assert_eq!(me(&app, &new).await, 200);
}

#[tokio::test]
async fn the_embedded_default_rotates_with_the_cli_and_tokens_without_a_kid_still_verify() {
    let mut app = app().spawn().await;
    let old = app.token_for("admin", ADMIN_PASSWORD).await;
    let first_kid = part(&old, 0)["kid"].as_str().unwrap().to_owned();
    assert!(first_kid.starts_with("s-"), "{first_kid}");
    // A token as issued before key ids: no kid, signed with the data directory's secret.
    let secret = std::fs::read_to_string(app.data_dir.join("jwt-secret")).unwrap();
    let legacy = sign(secret.trim(), &json!({"alg": "HS256", "typ": "JWT"}), &part(&old, 1));
    assert_eq!(me(&app, &legacy).await, 200);

    let out = app.command().args(["keys", "rotate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    app.restart();
    assert_eq!(me(&app, &old).await, 200, "nobody is logged out");
    assert_eq!(me(&app, &legacy).await, 200);
    let new = app.token_for("admin", ADMIN_PASSWORD).await;
    let kid = part(&new, 0)["kid"].as_str().unwrap().to_owned();
    assert!(kid.starts_with('k') && kid != first_kid, "{kid}");
    let listed = app.command().args(["keys", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.lines().next(), Some(kid.as_str()), "{listed}");
    assert!(!listed.contains(secret.trim()), "keys list shows ids only");

    let refused = app.command().args(["keys", "rotate"]).env("FERRUM_JWT_SECRET", A).output().unwrap();
    assert!(!refused.status.success(), "configured keys rotate in the configuration");
}
