//! Accounts managed over the API by an admin: names are unique forever, passwords are
//! checked, an admin cannot lock themselves out, and every change is audited.
use serde_json::{json, Value};

use crate::harness::app;

#[tokio::test]
async fn an_admin_creates_changes_and_deletes_accounts_and_a_deleted_name_stays_taken() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let send = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let mut r = app.client.request(method, app.url(path)).bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let admin = app.token().to_owned();
    use reqwest::Method as M;

    let (status, body) = send(
        M::POST,
        "/api/users",
        &admin,
        Some(json!({"username": "dr.lee", "password": "short", "role": "radiologist"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("weak_password")), "{body}");
    let (status, body) = send(
        M::POST,
        "/api/users",
        &admin,
        Some(json!({"username": "Dr Lee", "password": "a-long-password-2", "role": "radiologist"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid_username")), "{body}");
    let (status, body) = send(
        M::POST,
        "/api/users",
        &admin,
        Some(json!({"username": "dr.lee", "password": "a-long-password-2", "role": "nurse"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid_role")), "{body}");
    let (status, body) = send(
        M::POST,
        "/api/users",
        &admin,
        Some(json!({"username": "dr.lee", "password": "a-long-password-2", "role": "radiologist"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!((body["username"].as_str(), body["role"].as_str()), (Some("dr.lee"), Some("radiologist")));
    assert!(body.get("password_hash").is_none());

    let lee = app.token_for("dr.lee", "a-long-password-2").await;
    let (status, _) = send(M::GET, "/api/users", &lee, None).await;
    assert_eq!(status, 403, "a radiologist does not manage accounts");
    let (status, _) = send(
        M::POST,
        "/api/users",
        &lee,
        Some(json!({"username": "x1", "password": "a-long-password-2", "role": "admin"})),
    )
    .await;
    assert_eq!(status, 403);

    let (_, list) = send(M::GET, "/api/users", &admin, None).await;
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["admin", "dr.lee"]);

    let (status, body) = send(M::PATCH, "/api/users/dr.lee", &admin, Some(json!({"role": "admin"}))).await;
    assert_eq!((status, body["role"].as_str()), (200, Some("admin")), "{body}");
    let (status, _) =
        send(M::PATCH, "/api/users/dr.lee", &admin, Some(json!({"password": "another-long-password"}))).await;
    assert_eq!(status, 200);
    assert_eq!(app.login("dr.lee", "a-long-password-2").await.status(), 401, "the old password is gone");
    app.token_for("dr.lee", "another-long-password").await;
    let (status, _) = send(M::PATCH, "/api/users/nobody", &admin, Some(json!({"role": "admin"}))).await;
    assert_eq!(status, 404);
    let (status, _) = send(M::PATCH, "/api/users/admin", &admin, Some(json!({"role": "radiologist"}))).await;
    assert_eq!(status, 409, "an admin cannot demote themselves");
    let (status, _) = send(M::DELETE, "/api/users/admin", &admin, None).await;
    assert_eq!(status, 409, "nor delete themselves");

    let (status, _) = send(M::DELETE, "/api/users/dr.lee", &admin, None).await;
    assert_eq!(status, 204);
    assert_eq!(app.login("dr.lee", "another-long-password").await.status(), 401);
    let (status, _) = send(M::DELETE, "/api/users/dr.lee", &admin, None).await;
    assert_eq!(status, 404);
    let (status, body) = send(
        M::POST,
        "/api/users",
        &admin,
        Some(json!({"username": "dr.lee", "password": "a-long-password-3", "role": "radiologist"})),
    )
    .await;
    assert_eq!(status, 409, "a deleted name is never issued again: {body}");

    let (_, audit) = app.get_json("/api/audit?limit=100").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter(|e| e["detail"]["account"] == "user:dr.lee")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["delete_user", "reset_password", "update_user", "create_user"]);
}
