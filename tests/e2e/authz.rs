//! Every route × every kind of caller, with the status each must get. The table is checked
//! against the router's own list (crates/ferrum-server/src/routes/mod.rs): a route added
//! without a row here fails this test.
use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::fixtures::*;
use crate::harness::{app, TestApp};

/// The callers with an `Authorization` header (or none), in the order of each row's codes.
const USERS: [&str; 10] =
    ["anonymous", "expired", "forged", "owner", "reader", "sharer", "contributor", "grouped", "stranger", "admin"];
/// The holders of a viewer link, in the order of each share row's codes.
const LINKS: [&str; 5] = ["this", "other", "revoked", "used_up", "forged"];

/// The routes as the router declares them: `(METHOD, path)`. The DICOMweb tree is declared
/// once and served under both of its roots.
fn declared_routes() -> BTreeSet<(String, String)> {
    let sources: [(&str, &[&str]); 2] = [
        (include_str!("../../crates/ferrum-server/src/routes/mod.rs"), &[""]),
        (
            include_str!("../../crates/ferrum-server/src/routes/dicomweb/mod.rs"),
            &["/dicomweb", "/share/{token}/dicomweb"],
        ),
    ];
    let mut routes = BTreeSet::new();
    for (source, roots) in sources {
        let mut prefix = "";
        let mut roots = roots;
        for line in source.lines() {
            if line.contains("web::scope(\"/api\")") {
                prefix = "/api";
            }
            // STOW-RS is registered under `/dicomweb` only.
            if line.contains("fn store(") {
                roots = &["/dicomweb"];
            }
            if line.contains("fn tree(") {
                roots = &["/dicomweb", "/share/{token}/dicomweb"];
            }
            let Some((method, path)) = ["get", "post", "put", "patch", "delete"].iter().find_map(|m| {
                let (_, rest) = line.split_once(&format!(".{m}(\""))?;
                Some((m.to_uppercase(), rest.split_once('"')?.0))
            }) else {
                continue;
            };
            for root in roots {
                routes.insert((method.clone(), format!("{root}{prefix}{path}")));
            }
        }
    }
    routes
}

fn hs256(secret: &[u8], claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The claims of a real token, to forge look-alikes from.
fn claims_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

struct World {
    app: TestApp,
    tokens: Vec<Option<String>>,
    study: Spec,
    link_tokens: Vec<String>,
    link_id: String,
}

async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> u16 {
    call_traced(app, method, path, token, body).await.0
}

/// The status and the request id the server gave the request.
async fn call_traced(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String) {
    let mut r = app.client.request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    traced(r.send().await.unwrap())
}

fn traced(r: reqwest::Response) -> (u16, String) {
    let id = r.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (r.status().as_u16(), id)
}

/// What each request must have left on the audit trail.
struct Traced {
    what: String,
    status: u16,
    request_id: String,
    audit: &'static str,
}

/// Every request of the table has its events, with the row's action and the outcome its
/// status means; the rows without an action have none.
async fn check_audit(app: &TestApp, traced: &[Traced]) -> Vec<String> {
    let admin = app.token_for("admin", crate::harness::ADMIN_PASSWORD).await;
    let mut wrong = Vec::new();
    for t in traced {
        if t.request_id.is_empty() {
            wrong.push(format!("{}: no X-Request-Id", t.what));
            continue;
        }
        let url = app.url(&format!("/api/audit?request_id={}", t.request_id));
        let v: Value = app.client.get(url).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
        let events = v["items"].as_array().unwrap_or_else(|| panic!("{v}"));
        let outcome = match t.status {
            0..=399 => "allowed",
            404 => "not_found",
            400..=499 => "denied",
            _ => "error",
        };
        if t.audit == "-" {
            if !events.is_empty() {
                wrong.push(format!("{}: recorded {events:?}, expected nothing", t.what));
            }
            continue;
        }
        let mine: Vec<&Value> = events.iter().filter(|e| e["action"] != "mfa_recovery_used").collect();
        if mine.is_empty() {
            wrong.push(format!("{}: nothing on the audit trail, expected {} {outcome}", t.what, t.audit));
        }
        for e in mine {
            // Every event has the answer's outcome: an upload refused into a study it may not
            // write is denied, not an allowed upload naming that study.
            if e["action"] != t.audit || e["outcome"] != outcome {
                wrong.push(format!(
                    "{}: recorded {} {}, expected {} {outcome}",
                    t.what, e["action"], e["outcome"], t.audit
                ));
            }
        }
    }
    wrong
}

/// A new link's token and id.
async fn make_link(app: &TestApp, token: &str, study: &str, body: Value) -> (String, String) {
    let (status, v) = crate::links::create_link(app, token, study, body).await;
    assert_eq!(status, 201, "{v}");
    (v["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned(), v["id"].as_str().unwrap().to_owned())
}

async fn world() -> World {
    // Uncoalesced: the table checks each request's own events.
    let app = app().env("FERRUM_AUDIT_COALESCE_SECS", "0").spawn().await.logged_in_as_admin().await;
    let admin = app.token().to_owned();
    let mut named = Vec::new();
    for name in ["owner", "reader", "sharer", "contributor", "grouped", "stranger"] {
        named.push(app.add_user(name, "radiologist").await);
    }
    let study = Spec::new(1300, 1, 1).size(16);
    assert_eq!(app.upload_as(&named[0], "application/dicom", dicom(&study)).await.0, 201);
    let other = Spec::new(1301, 1, 1).size(16);
    assert_eq!(app.upload_as(&named[5], "application/dicom", dicom(&other)).await.0, 201);
    let grants = format!("/api/studies/{}/grants", study.study);
    for (who, level) in [("user:reader", "read"), ("user:sharer", "share"), ("user:contributor", "contribute")] {
        assert_eq!(
            call(&app, "PUT", &grants, Some(&named[0]), Some(json!({"grantee": who, "level": level}))).await,
            200
        );
    }
    assert_eq!(call(&app, "POST", "/api/groups", Some(&admin), Some(json!({"name": "readers"}))).await, 201);
    assert_eq!(call(&app, "PUT", "/api/groups/readers/members/grouped", Some(&admin), None).await, 204);
    // A group no caller is in, for the rows that change grants and memberships.
    assert_eq!(call(&app, "POST", "/api/groups", Some(&admin), Some(json!({"name": "spare"}))).await, 201);
    let g = json!({"grantee": "group:readers", "level": "read"});
    assert_eq!(call(&app, "PUT", &grants, Some(&named[0]), Some(g)).await, 200);

    let secret = b"a-test-signing-secret-of-forty-characters";
    let mut expired = claims_of(&named[0]);
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 60);
    expired["iat"] = json!(chrono::Utc::now().timestamp() - 3600);
    let forged = hs256(b"not-the-server-secret-but-long-enough", &claims_of(&named[0]));
    let tokens = vec![
        None,
        Some(hs256(secret, &expired)),
        Some(forged),
        Some(named[0].clone()),
        Some(named[1].clone()),
        Some(named[2].clone()),
        Some(named[3].clone()),
        Some(named[4].clone()),
        Some(named[5].clone()),
        Some(admin.clone()),
    ];

    let (this, link_id) = make_link(&app, &named[0], &study.study, json!({"allow_download": true})).await;
    let (other_link, _) = make_link(&app, &named[5], &other.study, json!({"allow_download": true})).await;
    let (revoked, revoked_id) = make_link(&app, &named[0], &study.study, json!({"allow_download": true})).await;
    assert_eq!(call(&app, "DELETE", &format!("/api/links/{revoked_id}"), Some(&named[0]), None).await, 204);
    let (used_up, _) = make_link(&app, &named[0], &study.study, json!({"allow_download": true, "max_opens": 1})).await;
    assert_eq!(call(&app, "GET", &format!("/v/{used_up}"), None, None).await, 200);
    let mut forged_link = this.clone();
    forged_link.replace_range(forged_link.len() - 4.., "AAAA");
    World { app, tokens, study, link_tokens: vec![this, other_link, revoked, used_up, forged_link], link_id }
}

/// `codes` has one status per caller of [`USERS`] (or [`LINKS`] for share rows).
struct Row {
    method: &'static str,
    path: &'static str,
    codes: &'static str,
    /// The action every request of the row records on the audit trail (`-`: none).
    audit: &'static str,
}

const fn row(method: &'static str, path: &'static str, codes: &'static str, audit: &'static str) -> Row {
    Row { method, path, codes, audit }
}

/// anonymous expired forged owner reader sharer contributor grouped stranger admin
const USER_ROWS: &[Row] = &[
    row("GET", "/healthz", "200 200 200 200 200 200 200 200 200 200", "-"),
    row("GET", "/api/openapi.json", "200 200 200 200 200 200 200 200 200 200", "-"),
    row("GET", "/api/docs", "200 200 200 200 200 200 200 200 200 200", "-"),
    row("GET", "/readyz", "200 200 200 200 200 200 200 200 200 200", "-"),
    row("GET", "/metrics", "200 200 200 200 200 200 200 200 200 200", "-"),
    row("GET", "/", "200 200 200 200 200 200 200 200 200 200", "-"),
    row("GET", "/assets/{path:.*}", "200 200 200 200 200 200 200 200 200 200", "-"),
    // WADO-URI of the table's instance (a picture by default).
    row("GET", "/wado", "401 401 401 200 200 200 200 200 404 200", "view_image"),
    // Not served without FERRUM_OHIF_DIR (tests/e2e/ohif.rs serves it).
    row("GET", "/ohif", "404 404 404 404 404 404 404 404 404 404", "-"),
    row("GET", "/ohif/app-config.js", "404 404 404 404 404 404 404 404 404 404", "-"),
    row("GET", "/ohif/{path:.*}", "404 404 404 404 404 404 404 404 404 404", "-"),
    row("POST", "/api/auth/login", "401 401 401 401 401 401 401 401 401 401", "login"),
    row("POST", "/api/auth/refresh", "401 401 401 401 401 401 401 401 401 401", "token_refresh"),
    row("GET", "/api/me", "401 401 401 200 200 200 200 200 200 200", "view_account"),
    row("POST", "/api/me/mfa/totp", "401 401 401 200 200 200 200 200 200 200", "mfa_enrol"),
    // A wrong code for the enrolment the row above started.
    row("POST", "/api/me/mfa/totp/verify", "401 401 401 422 422 422 422 422 422 422", "mfa_enable"),
    // Nobody has MFA on, so there is nothing to turn off.
    row("DELETE", "/api/me/mfa/totp", "401 401 401 409 409 409 409 409 409 409", "mfa_disable"),
    row("GET", "/api/me/sessions", "401 401 401 200 200 200 200 200 200 200", "list_sessions"),
    // Another account's session is as good as none.
    row("DELETE", "/api/me/sessions/{id}", "401 401 401 404 404 404 404 404 404 404", "session_end"),
    row("DELETE", "/api/me/sessions", "401 401 401 200 200 200 200 200 200 200", "session_end"),
    row("POST", "/api/me/password", "401 401 401 204 204 204 204 204 204 204", "password_change"),
    row("GET", "/api/settings/mfa", "401 401 401 403 403 403 403 403 403 200", "read_settings"),
    row("PUT", "/api/settings/mfa", "401 401 401 403 403 403 403 403 403 200", "mfa_policy_change"),
    row("POST", "/api/users", "401 401 401 403 403 403 403 403 403 201", "create_user"),
    row("GET", "/api/users", "401 401 401 403 403 403 403 403 403 200", "list_users"),
    row("PATCH", "/api/users/{name}", "401 401 401 403 403 403 403 403 403 200", "update_user"),
    row("DELETE", "/api/users/{name}", "401 401 401 403 403 403 403 403 403 204", "delete_user"),
    row("POST", "/api/users/{name}/unlock", "401 401 401 403 403 403 403 403 403 200", "account_unlock"),
    row("POST", "/api/uploads", "401 401 401 201 422 422 201 422 422 201", "upload"),
    row("GET", "/api/studies", "401 401 401 200 200 200 200 200 200 200", "search_studies"),
    row("GET", "/api/studies/{study_uid}", "401 401 401 200 200 200 200 200 404 200", "view_study"),
    row("GET", "/api/studies/{study_uid}/thumbnail", "401 401 401 200 200 200 200 200 404 200", "view_thumbnail"),
    row("GET", "/api/series/{series_uid}/thumbnail", "401 401 401 200 200 200 200 200 404 200", "view_thumbnail"),
    row("GET", "/api/instances/{sop_uid}/file", "401 401 401 200 200 200 200 200 404 200", "download_instance"),
    row("GET", "/api/instances/{sop_uid}/rendered", "401 401 401 200 200 200 200 200 404 200", "view_image"),
    row("GET", "/api/instances/{sop_uid}/values", "401 401 401 200 200 200 200 200 404 200", "view_image"),
    row("GET", "/api/studies/{study_uid}/archive", "401 401 401 200 200 200 200 200 404 200", "export_study"),
    row("GET", "/dicomweb/studies", "401 401 401 200 200 200 200 200 200 200", "search_studies"),
    // STOW-RS of a new series into the table's study: as the upload row above (409: none stored).
    row("POST", "/dicomweb/studies", "401 401 401 200 409 409 200 409 409 200", "upload"),
    row("POST", "/dicomweb/studies/{study}", "401 401 401 200 409 409 200 409 409 200", "upload"),
    row("GET", "/dicomweb/studies/{study}/series", "401 401 401 200 200 200 200 200 200 200", "search_studies"),
    row("GET", "/dicomweb/series", "401 401 401 200 200 200 200 200 200 200", "search_studies"),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/instances",
        "401 401 401 200 200 200 200 200 200 200",
        "search_studies",
    ),
    row("GET", "/dicomweb/studies/{study}/instances", "401 401 401 200 200 200 200 200 200 200", "search_studies"),
    row("GET", "/dicomweb/instances", "401 401 401 200 200 200 200 200 200 200", "search_studies"),
    row("GET", "/dicomweb/studies/{study}/metadata", "401 401 401 200 200 200 200 200 404 200", "view_study"),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/metadata",
        "401 401 401 200 200 200 200 200 404 200",
        "view_study",
    ),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/instances/{sop}/metadata",
        "401 401 401 200 200 200 200 200 404 200",
        "view_study",
    ),
    row("GET", "/dicomweb/studies/{study}", "401 401 401 200 200 200 200 200 404 200", "export_study"),
    row("GET", "/dicomweb/studies/{study}/series/{series}", "401 401 401 200 200 200 200 200 404 200", "export_study"),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/instances/{sop}",
        "401 401 401 200 200 200 200 200 404 200",
        "download_instance",
    ),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}",
        "401 401 401 200 200 200 200 200 404 200",
        "view_image",
    ),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/instances/{sop}/rendered",
        "401 401 401 200 200 200 200 200 404 200",
        "view_image",
    ),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frame}/rendered",
        "401 401 401 200 200 200 200 200 404 200",
        "view_image",
    ),
    row("GET", "/dicomweb/studies/{study}/thumbnail", "401 401 401 200 200 200 200 200 404 200", "view_thumbnail"),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/thumbnail",
        "401 401 401 200 200 200 200 200 404 200",
        "view_thumbnail",
    ),
    row(
        "GET",
        "/dicomweb/studies/{study}/series/{series}/instances/{sop}/thumbnail",
        "401 401 401 200 200 200 200 200 404 200",
        "view_thumbnail",
    ),
    row("GET", "/api/studies/{study_uid}/grants", "401 401 401 200 403 403 403 403 404 200", "list_grants"),
    row("PUT", "/api/studies/{study_uid}/grants", "401 401 401 200 403 403 403 403 404 200", "grant_study"),
    row(
        "DELETE",
        "/api/studies/{study_uid}/grants/{grantee}",
        "401 401 401 204 403 403 403 403 404 204",
        "withdraw_grant",
    ),
    row("PUT", "/api/studies/{study_uid}/owner", "401 401 401 204 403 403 403 403 404 204", "transfer_study"),
    row("GET", "/api/studies/{study_uid}/restriction", "401 401 401 403 403 403 403 403 403 200", "read_restriction"),
    // On a fresh study: the table's own study must stay unrestricted.
    row("PUT", "/api/studies/{study_uid}/restriction", "401 401 401 403 403 403 403 403 403 200", "restrict_study"),
    row(
        "DELETE",
        "/api/studies/{study_uid}/restriction",
        "401 401 401 403 403 403 403 403 403 204",
        "lift_restriction",
    ),
    row("POST", "/api/studies/{study_uid}/links", "401 401 401 201 403 201 201 403 404 201", "create_link"),
    row("GET", "/api/studies/{study_uid}/links", "401 401 401 200 403 200 200 403 404 200", "list_links"),
    row("DELETE", "/api/links/{id}", "401 401 401 204 404 404 404 404 404 204", "revoke_link"),
    row("GET", "/api/links/{id}/access", "401 401 401 200 404 404 404 404 404 200", "read_link_log"),
    row("POST", "/api/groups", "401 401 401 403 403 403 403 403 403 201", "create_group"),
    row("GET", "/api/groups", "401 401 401 403 403 403 403 403 403 200", "list_groups"),
    row("PATCH", "/api/groups/{name}", "401 401 401 403 403 403 403 403 403 200", "rename_group"),
    row("DELETE", "/api/groups/{name}", "401 401 401 403 403 403 403 403 403 204", "delete_group"),
    row("PUT", "/api/groups/{name}/members/{user}", "401 401 401 403 403 403 403 403 403 204", "add_member"),
    row("DELETE", "/api/groups/{name}/members/{user}", "401 401 401 403 403 403 403 403 403 204", "remove_member"),
    row("POST", "/api/dicom-nodes", "401 401 401 403 403 403 403 403 403 201", "create_dicom_node"),
    row("GET", "/api/dicom-nodes", "401 401 401 403 403 403 403 403 403 200", "list_dicom_nodes"),
    row("PATCH", "/api/dicom-nodes/{ae_title}", "401 401 401 403 403 403 403 403 403 200", "update_dicom_node"),
    row("DELETE", "/api/dicom-nodes/{ae_title}", "401 401 401 403 403 403 403 403 403 204", "delete_dicom_node"),
    row("GET", "/api/directory", "401 401 401 200 200 200 200 200 200 200", "search_directory"),
    // Each caller erases a fresh study of the owner's, shared as the table's study is.
    row("DELETE", "/api/studies/{study_uid}", "401 401 401 200 403 403 403 403 404 200", "erase_study"),
    row("DELETE", "/api/series/{series_uid}", "401 401 401 200 403 403 403 403 404 200", "erase_series"),
    row("DELETE", "/api/patients/{patient_id}", "401 401 401 403 403 403 403 403 403 200", "erase_patient"),
    row("GET", "/api/patients/{patient_id}/archive", "401 401 401 403 403 403 403 403 403 200", "export_study"),
    // The owner's uploads: the owner and admins only.
    row("GET", "/api/users/{name}/archive", "401 401 401 200 403 403 403 403 403 200", "export_study"),
    // On fresh studies, like the erase rows.
    row("PATCH", "/api/studies/{study_uid}", "401 401 401 403 403 403 403 403 403 200", "rectify_study"),
    row("PUT", "/api/studies/{study_uid}/retention", "401 401 401 403 403 403 403 403 403 200", "set_retention"),
    row("DELETE", "/api/studies/{study_uid}/retention", "401 401 401 403 403 403 403 403 403 204", "clear_retention"),
    row("PUT", "/api/studies/{study_uid}/legal-hold", "401 401 401 403 403 403 403 403 403 200", "place_legal_hold"),
    row("DELETE", "/api/studies/{study_uid}/legal-hold", "401 401 401 403 403 403 403 403 403 204", "lift_legal_hold"),
    row("GET", "/api/audit", "401 401 401 403 403 403 403 403 403 200", "read_audit"),
    row("GET", "/api/studies/{study_uid}/access", "401 401 401 200 403 403 403 403 404 200", "read_study_access"),
    row("GET", "/api/me/activity", "401 401 401 200 200 200 200 200 200 200", "read_activity"),
    // Last: it ends the caller's session.
    row("POST", "/api/auth/logout", "401 401 401 204 204 204 204 204 204 204", "logout"),
];

/// this-study link, another study's link, revoked, used up, forged token
const LINK_ROWS: &[Row] = &[
    row("GET", "/v/{token}", "200 200 410 410 404", "open_link"),
    // Who sent the link and its note, for the PIN page: a used-up link still answers, for the
    // holder whose opening used it up.
    row("GET", "/api/share/{token}/about", "200 200 410 200 404", "request"),
    row("GET", "/api/share/{token}/study", "200 200 410 410 404", "view_study"),
    row("POST", "/api/share/{token}/unlock", "204 204 410 410 404", "unlock_link"),
    row("GET", "/api/share/{token}/archive", "200 200 410 410 404", "export_study"),
    row("GET", "/api/share/{token}/series/{series_uid}/thumbnail", "200 404 410 410 404", "view_thumbnail"),
    row("GET", "/api/share/{token}/instances/{sop_uid}/rendered", "200 404 410 410 404", "view_image"),
    row("GET", "/api/share/{token}/instances/{sop_uid}/values", "200 404 410 410 404", "view_image"),
    // The link's DICOMweb root: the same state decides it; its searches find its own study.
    row("GET", "/share/{token}/dicomweb/studies", "200 200 410 410 404", "search_studies"),
    row("GET", "/share/{token}/dicomweb/studies/{study}/series", "200 200 410 410 404", "search_studies"),
    row("GET", "/share/{token}/dicomweb/series", "200 200 410 410 404", "search_studies"),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/instances",
        "200 200 410 410 404",
        "search_studies",
    ),
    row("GET", "/share/{token}/dicomweb/studies/{study}/instances", "200 200 410 410 404", "search_studies"),
    row("GET", "/share/{token}/dicomweb/instances", "200 200 410 410 404", "search_studies"),
    row("GET", "/share/{token}/dicomweb/studies/{study}/metadata", "200 404 410 410 404", "view_study"),
    row("GET", "/share/{token}/dicomweb/studies/{study}/series/{series}/metadata", "200 404 410 410 404", "view_study"),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/instances/{sop}/metadata",
        "200 404 410 410 404",
        "view_study",
    ),
    row("GET", "/share/{token}/dicomweb/studies/{study}", "200 404 410 410 404", "export_study"),
    row("GET", "/share/{token}/dicomweb/studies/{study}/series/{series}", "200 404 410 410 404", "export_study"),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/instances/{sop}",
        "200 404 410 410 404",
        "download_instance",
    ),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}",
        "200 404 410 410 404",
        "view_image",
    ),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/instances/{sop}/rendered",
        "200 404 410 410 404",
        "view_image",
    ),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frame}/rendered",
        "200 404 410 410 404",
        "view_image",
    ),
    row("GET", "/share/{token}/dicomweb/studies/{study}/thumbnail", "200 404 410 410 404", "view_thumbnail"),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/thumbnail",
        "200 404 410 410 404",
        "view_thumbnail",
    ),
    row(
        "GET",
        "/share/{token}/dicomweb/studies/{study}/series/{series}/instances/{sop}/thumbnail",
        "200 404 410 410 404",
        "view_thumbnail",
    ),
];

/// A new study of the owner's, shared with the readers as the table's study is, for a row
/// that erases: the table's own study must outlive it.
async fn doomed_study(w: &World, r: &Row, i: usize) -> Spec {
    let n = 1400 + 20 * USER_ROWS.iter().position(|x| x.path == r.path && x.method == r.method).unwrap() as u32;
    let spec = Spec::new(n + i as u32, 1, 1).size(16);
    let owner = w.tokens[3].as_deref().unwrap();
    assert_eq!(w.app.upload_as(owner, "application/dicom", dicom(&spec)).await.0, 201);
    let grants = format!("/api/studies/{}/grants", spec.study);
    for (who, level) in [
        ("user:reader", "read"),
        ("user:sharer", "share"),
        ("user:contributor", "contribute"),
        ("group:readers", "read"),
    ] {
        assert_eq!(call(&w.app, "PUT", &grants, Some(owner), Some(json!({"grantee": who, "level": level}))).await, 200);
    }
    spec
}

/// The concrete request for a row and caller number `i`: path, body, and what to prepare.
async fn request_for(w: &World, r: &Row, i: usize) -> (String, Option<Value>) {
    let s = &w.study;
    let admin = w.tokens[9].as_deref();
    let fill = |p: &str| {
        p.replace("{study_uid}", &s.study)
            .replace("{series_uid}", &s.series)
            .replace("{sop_uid}", &s.sop)
            .replace("{study}", &s.study)
            .replace("{series}", &s.series)
            .replace("{sop}", &s.sop)
            .replace("{frames}", "1")
            .replace("{frame}", "1")
            .replace("{path:.*}", "app/app.css")
            .replace("{id}", &w.link_id)
    };
    match (r.method, r.path) {
        ("POST", "/api/auth/login") => {
            (fill(r.path), Some(json!({"username": format!("nobody{i}"), "password": "wrong-password-x"})))
        }
        ("POST", "/api/auth/refresh") => (fill(r.path), Some(json!({"refresh_token": "junk.junk"}))),
        ("POST", "/api/users") => (
            fill(r.path),
            Some(json!({"username": format!("made{i}"), "password": "a-long-password-2", "role": "radiologist"})),
        ),
        ("PATCH", "/api/users/{name}") => ("/api/users/stranger".into(), Some(json!({"role": "radiologist"}))),
        ("POST", "/api/users/{name}/unlock") => ("/api/users/stranger/unlock".into(), None),
        ("POST", "/api/me/mfa/totp/verify") => (fill(r.path), Some(json!({"code": "000000"}))),
        ("DELETE", "/api/me/mfa/totp") => (fill(r.path), Some(json!({"password": "x", "code": "000000"}))),
        ("DELETE", "/api/me/sessions/{id}") => {
            // The session of an account no caller is.
            let other = w.app.add_user(&format!("other{i}"), "radiologist").await;
            let sessions = w.app.client.get(w.app.url("/api/me/sessions")).bearer_auth(&other).send().await.unwrap();
            let sessions: Value = sessions.json().await.unwrap();
            (format!("/api/me/sessions/{}", sessions[0]["id"].as_str().unwrap()), None)
        }
        ("POST", "/api/me/password") => {
            // The password it has, kept, so that later rows can still log in.
            let pw = if i == 9 { crate::harness::ADMIN_PASSWORD } else { "a-long-password-1" };
            (fill(r.path), Some(json!({"current_password": pw, "new_password": pw})))
        }
        ("PUT", "/api/settings/mfa") => (fill(r.path), Some(json!({"required_roles": []}))),
        ("DELETE", "/api/users/{name}") => {
            w.app.add_user(&format!("doomed{i}"), "radiologist").await;
            (format!("/api/users/doomed{i}"), None)
        }
        ("PUT", "/api/studies/{study_uid}/grants") => {
            (fill(r.path), Some(json!({"grantee": "group:spare", "level": "read"})))
        }
        ("DELETE", "/api/studies/{study_uid}/grants/{grantee}") => {
            let grants = format!("/api/studies/{}/grants", s.study);
            let body = json!({"grantee": "group:spare", "level": "read"});
            assert_eq!(call(&w.app, "PUT", &grants, admin, Some(body)).await, 200);
            (format!("{grants}/group:spare"), None)
        }
        ("PUT", "/api/studies/{study_uid}/owner") => (fill(r.path), Some(json!({"username": "owner"}))),
        ("POST", "/api/studies/{study_uid}/links") => (fill(r.path), Some(json!({"expires_in": 60}))),
        ("DELETE", "/api/links/{id}") => {
            let owner = w.tokens[3].as_deref().unwrap();
            let (_, id) = make_link(&w.app, owner, &s.study, json!({})).await;
            (format!("/api/links/{id}"), None)
        }
        ("POST", "/api/groups") => (fill(r.path), Some(json!({"name": format!("group{i}")}))),
        ("PATCH", "/api/groups/{name}") => {
            assert_eq!(call(&w.app, "POST", "/api/groups", admin, Some(json!({"name": format!("old{i}")}))).await, 201);
            (format!("/api/groups/old{i}"), Some(json!({"name": format!("new{i}")})))
        }
        ("DELETE", "/api/groups/{name}") => {
            assert_eq!(
                call(&w.app, "POST", "/api/groups", admin, Some(json!({"name": format!("gone{i}")}))).await,
                201
            );
            (format!("/api/groups/gone{i}"), None)
        }
        ("DELETE", "/api/studies/{study_uid}") => (format!("/api/studies/{}", doomed_study(w, r, i).await.study), None),
        ("PUT" | "DELETE", "/api/studies/{study_uid}/restriction") => {
            (format!("/api/studies/{}/restriction", doomed_study(w, r, i).await.study), None)
        }
        ("PATCH", "/api/studies/{study_uid}") => (
            format!("/api/studies/{}", doomed_study(w, r, i).await.study),
            Some(json!({"study_description": "Corrected"})),
        ),
        ("PUT", "/api/studies/{study_uid}/retention") => {
            (format!("/api/studies/{}/retention", doomed_study(w, r, i).await.study), Some(json!({"days": 30})))
        }
        ("DELETE", "/api/studies/{study_uid}/retention") => {
            (format!("/api/studies/{}/retention", doomed_study(w, r, i).await.study), None)
        }
        ("PUT" | "DELETE", "/api/studies/{study_uid}/legal-hold") => {
            (format!("/api/studies/{}/legal-hold", doomed_study(w, r, i).await.study), None)
        }
        ("DELETE", "/api/series/{series_uid}") => (format!("/api/series/{}", doomed_study(w, r, i).await.series), None),
        ("DELETE", "/api/patients/{patient_id}") => {
            (format!("/api/patients/{}", doomed_study(w, r, i).await.patient_id), None)
        }
        ("GET", "/api/patients/{patient_id}/archive") => (format!("/api/patients/{}/archive", s.patient_id), None),
        ("GET", "/api/users/{name}/archive") => ("/api/users/owner/archive".into(), None),
        ("GET", "/wado") => {
            (format!("/wado?requestType=WADO&studyUID={}&seriesUID={}&objectUID={}", s.study, s.series, s.sop), None)
        }
        ("POST", "/api/dicom-nodes") => (
            fill(r.path),
            Some(json!({"ae_title": format!("NODE{i}"), "host": "127.0.0.1", "port": 104, "account": "owner",
                        "services": ["store"]})),
        ),
        ("PATCH", "/api/dicom-nodes/{ae_title}") | ("DELETE", "/api/dicom-nodes/{ae_title}") => {
            let node = format!("{}{i}", r.method);
            let body = json!({"ae_title": node, "host": "127.0.0.1", "port": 104, "account": "owner", "services": []});
            assert_eq!(call(&w.app, "POST", "/api/dicom-nodes", admin, Some(body)).await, 201);
            let change = (r.method == "PATCH").then(|| json!({"services": ["find"]}));
            (format!("/api/dicom-nodes/{node}"), change)
        }
        ("PUT", "/api/groups/{name}/members/{user}") => ("/api/groups/spare/members/stranger".into(), None),
        ("DELETE", "/api/groups/{name}/members/{user}") => {
            assert_eq!(call(&w.app, "PUT", "/api/groups/spare/members/sharer", admin, None).await, 204);
            ("/api/groups/spare/members/sharer".into(), None)
        }
        _ => (fill(r.path), None),
    }
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_access_model_says() {
    let declared = declared_routes();
    let tabled: BTreeSet<(String, String)> =
        USER_ROWS.iter().chain(LINK_ROWS).map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    assert_eq!(
        declared.difference(&tabled).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes without a row in this table"
    );
    assert_eq!(tabled.difference(&declared).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "rows of no route");

    let w = world().await;
    let mut wrong = Vec::new();
    let mut seen = Vec::new();
    for r in USER_ROWS {
        let expected: Vec<u16> = r.codes.split_whitespace().map(|c| c.parse().unwrap()).collect();
        assert_eq!(expected.len(), USERS.len(), "{} {}", r.method, r.path);
        for (i, who) in USERS.iter().enumerate() {
            let (path, body) = request_for(&w, r, i).await;
            let (status, request_id) = if r.path == "/api/uploads" {
                let file = Spec::new(1300, 10 + i as u32, 1).size(16);
                let t = w.tokens[i].clone().unwrap_or_default();
                let r =
                    w.app.client.post(w.app.url(&path)).header("content-type", "application/dicom").body(dicom(&file));
                let r = if w.tokens[i].is_some() { r.bearer_auth(t) } else { r };
                traced(r.send().await.unwrap())
            } else if r.method == "POST" && r.path.starts_with("/dicomweb/studies") {
                let series = if r.path.ends_with("{study}") { 60 } else { 40 };
                let (ctype, body) = related(&[&dicom(&Spec::new(1300, series + i as u32, 1).size(16))]);
                let r = w.app.client.post(w.app.url(&path)).header("content-type", ctype).body(body);
                let r = if let Some(t) = &w.tokens[i] { r.bearer_auth(t) } else { r };
                traced(r.send().await.unwrap())
            } else {
                call_traced(&w.app, r.method, &path, w.tokens[i].as_deref(), body).await
            };
            let what = format!("{} {} as {who}", r.method, r.path);
            seen.push(Traced { what, status, request_id, audit: r.audit });
            if status != expected[i] {
                wrong.push(format!("{} {} as {who}: {status}, expected {}", r.method, r.path, expected[i]));
            }
        }
    }
    for r in LINK_ROWS {
        let expected: Vec<u16> = r.codes.split_whitespace().map(|c| c.parse().unwrap()).collect();
        assert_eq!(expected.len(), LINKS.len(), "{} {}", r.method, r.path);
        for (i, who) in LINKS.iter().enumerate() {
            let path = r
                .path
                .replace("{token}", &w.link_tokens[i])
                .replace("{series_uid}", &w.study.series)
                .replace("{sop_uid}", &w.study.sop)
                .replace("{study}", &w.study.study)
                .replace("{series}", &w.study.series)
                .replace("{sop}", &w.study.sop)
                .replace("{frames}", "1")
                .replace("{frame}", "1");
            let body = (r.method == "POST").then(|| json!({"pin": "000000"}));
            // Each holder is a fresh browser: no proof cookie from an earlier opening.
            let mut req =
                reqwest::Client::new().request(Method::from_bytes(r.method.as_bytes()).unwrap(), w.app.url(&path));
            if let Some(b) = body {
                req = req.json(&b);
            }
            let (status, request_id) = traced(req.send().await.unwrap());
            if status != expected[i] {
                wrong.push(format!("{} {} as {who} link: {status}, expected {}", r.method, r.path, expected[i]));
            }
            let what = format!("{} {} as {who} link", r.method, r.path);
            seen.push(Traced { what, status, request_id, audit: r.audit });
        }
    }
    assert!(wrong.is_empty(), "{} answers differ from the table:\n{}", wrong.len(), wrong.join("\n"));
    let unrecorded = check_audit(&w.app, &seen).await;
    assert!(
        unrecorded.is_empty(),
        "{} requests differ from the table's audit:\n{}",
        unrecorded.len(),
        unrecorded.join("\n")
    );
}
