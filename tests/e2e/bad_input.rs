//! The bad-input sweep: every operation of the server's own OpenAPI document, called with
//! malformed identifiers, query values, JSON bodies, headers and oversized inputs. Every
//! answer must be below 500, every 4xx of the API must carry the JSON error shape with a
//! reason, and the server must keep serving. Requests go with an admin's token (which
//! reaches the most code) or the link's token in the path, against real objects, so that the
//! handlers get past their lookups to the part under test.
use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, TestApp};

/// What a path parameter is replaced by, one at a time.
const BAD_IDS: &[&str] =
    &["%00", "..%2F..%2Fetc%2Fpasswd", "%ff%fe", "1.2.3'%20OR%20'1'='1", "%F0%9F%92%A9", "%20", "-1", "*"];

/// What a query parameter is set to, one at a time.
const BAD_VALUES: &[&str] = &[
    "",
    "-1",
    "0",
    "99999999999999999999999",
    "abc",
    "%00",
    "%ff",
    "1,2,3",
    "*",
    "%5C",
    "2024-13-45",
    "true%00",
    "1e309",
    "NaN",
    "%25",
];

/// Real objects for the path parameters, so that each request reaches what it sends.
struct World {
    ids: BTreeMap<&'static str, String>,
    token: String,
}

impl World {
    fn fill(&self, template: &str) -> String {
        let mut path = template.to_owned();
        for (name, value) in &self.ids {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        path
    }
}

struct Failure(String);

/// One request and what is wrong with its answer, if anything.
async fn check(what: &str, request: reqwest::RequestBuilder, is_api: bool, wrong: &mut Vec<Failure>) {
    let answer = match request.send().await {
        Ok(a) => a,
        Err(e) => {
            wrong.push(Failure(format!("{what}: no answer: {e}")));
            return;
        }
    };
    let status = answer.status().as_u16();
    let media = answer.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = answer.bytes().await.unwrap_or_default();
    if status >= 500 {
        wrong.push(Failure(format!("{what}: {status} {}", String::from_utf8_lossy(&body[..body.len().min(300)]))));
        return;
    }
    // 414 and 431 come from the HTTP layer, before any route: no body of ours.
    if is_api && (400..500).contains(&status) && status != 414 && status != 431 {
        let reason: Option<Value> = serde_json::from_slice(&body).ok();
        let named = reason
            .as_ref()
            .is_some_and(|v| v["error"].as_str().is_some_and(|c| !c.is_empty()) && v["message"].is_string());
        if !named || !media.starts_with("application/json") {
            wrong.push(Failure(format!(
                "{what}: {status} without a JSON reason ({media}): {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            )));
        }
    }
}

/// Bodies that are not what a JSON operation takes, for its `fields` (name → JSON type).
fn bad_json_bodies(fields: &BTreeMap<String, String>) -> Vec<(String, &'static str, Vec<u8>)> {
    let json_type = "application/json";
    let mut bodies: Vec<(String, &'static str, Vec<u8>)> = vec![
        ("truncated".into(), json_type, b"{\"a\":".to_vec()),
        ("array".into(), json_type, b"[]".to_vec()),
        ("null".into(), json_type, b"null".to_vec()),
        ("string".into(), json_type, b"\"text\"".to_vec()),
        ("nested 100000 deep".into(), json_type, "[".repeat(100_000).into_bytes()),
        ("not UTF-8".into(), json_type, b"{\"a\":\"\xff\xfe\"}".to_vec()),
        ("empty".into(), json_type, Vec::new()),
        ("3 MB".into(), json_type, format!("{{\"a\":\"{}\"}}", "x".repeat(3 << 20)).into_bytes()),
        ("JSON as text/plain".into(), "text/plain", b"{}".to_vec()),
        ("JSON as a form".into(), "application/x-www-form-urlencoded", b"a=1".to_vec()),
    ];
    let wrong_type = |kind: &str| match kind {
        "string" => json!(12345),
        "integer" => json!("abc"),
        "boolean" => json!("yes"),
        "array" => json!({ "not": "a list" }),
        _ => json!([]),
    };
    let all_wrong: serde_json::Map<String, Value> =
        fields.iter().map(|(name, kind)| (name.clone(), wrong_type(kind))).collect();
    bodies.push(("every field of the wrong type".into(), json_type, Value::Object(all_wrong).to_string().into_bytes()));
    for (name, kind) in fields {
        let values: Vec<(&str, Value)> = match kind.as_str() {
            "string" => vec![
                ("100 KB", json!("x".repeat(100_000))),
                ("NUL and controls", json!("a\u{0}b\u{1b}[31m\u{7f}")),
                ("an empty string", json!("")),
                ("markup", json!("<script>alert(1)</script>")),
            ],
            "integer" => vec![("negative", json!(-1)), ("huge", json!(1e300)), ("fractional", json!(1.5))],
            "array" => {
                vec![("10,000 items", json!(vec!["x"; 10_000])), ("of numbers", json!([1, 2, 3])), ("empty", json!([]))]
            }
            _ => vec![("null", Value::Null)],
        };
        for (label, value) in values {
            let body = json!({ name.clone(): value });
            bodies.push((format!("{name} {label}"), json_type, body.to_string().into_bytes()));
        }
    }
    bodies
}

/// Bodies for the operations that take DICOM: each is refused with a reason.
fn bad_dicom_bodies() -> Vec<(String, &'static str, Vec<u8>)> {
    vec![
        ("garbage as DICOM".into(), "application/dicom", b"not a dicom file at all".to_vec()),
        ("empty DICOM".into(), "application/dicom", Vec::new()),
        ("a preamble and DICM alone".into(), "application/dicom", [vec![0u8; 128], b"DICM".to_vec()].concat()),
        ("garbage as a ZIP".into(), "application/zip", b"PK\x03\x04garbage".to_vec()),
        ("multipart without a boundary".into(), "multipart/form-data", b"--x\r\n\r\n".to_vec()),
        ("multipart with an empty boundary".into(), "multipart/form-data; boundary=", b"--\r\n".to_vec()),
        (
            "multipart never closed".into(),
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.dcm\"\r\n\r\nabc".to_vec(),
        ),
        ("related without type".into(), "multipart/related; boundary=b", b"--b\r\n\r\nabc\r\n--b--".to_vec()),
        ("an image".into(), "image/png", b"\x89PNG\r\n\x1a\n".to_vec()),
        ("no content type".into(), "", b"abc".to_vec()),
    ]
}

async fn world(app: &TestApp) -> World {
    let admin = app.token();
    let spec = Spec::new(4100, 1, 1).size(16);
    let (status, _) = app.upload("application/dicom", dicom(&spec)).await;
    assert_eq!(status, 201);
    let post = |path: &str, body: Value| app.client.post(app.url(path)).bearer_auth(admin).json(&body).send();
    let r = post(&format!("/api/studies/{}/links", spec.study), json!({ "expires_in": 3600 })).await.unwrap();
    assert_eq!(r.status(), 201);
    let link: Value = r.json().await.unwrap();
    let link_token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    app.add_user("victim", "radiologist").await;
    assert_eq!(post("/api/groups", json!({ "name": "sweep" })).await.unwrap().status(), 201);
    let node =
        json!({ "ae_title": "SWEEPNODE", "host": "127.0.0.1", "port": 104, "account": "victim", "services": ["find"] });
    assert_eq!(post("/api/dicom-nodes", node).await.unwrap().status(), 201);
    let ids = BTreeMap::from([
        ("study_uid", spec.study.clone()),
        ("study", spec.study.clone()),
        ("series_uid", spec.series.clone()),
        ("series", spec.series.clone()),
        ("sop_uid", spec.sop.clone()),
        ("sop", spec.sop.clone()),
        ("patient_id", spec.patient_id.clone()),
        ("token", link_token),
        ("id", link["id"].as_str().unwrap().to_owned()),
        ("name", "victim".to_owned()),
        ("user", "victim".to_owned()),
        ("grantee", "user:victim".to_owned()),
        ("ae_title", "SWEEPNODE".to_owned()),
        ("frames", "1".to_owned()),
        ("frame", "1".to_owned()),
        ("path", "app/main.js".to_owned()),
    ]);
    World { ids, token: admin.to_owned() }
}

/// The operations of the document, `(method, template, operation)`, those that end or erase
/// things last so that every other one meets the objects it names.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    ops.sort_by_key(|(method, path, _)| {
        (method == "DELETE", path.contains("{study_uid}") || path.contains("{patient_id}"))
    });
    ops
}

fn is_api(path: &str) -> bool {
    ["/api/", "/dicomweb", "/share/", "/wado"].iter().any(|p| path.starts_with(p))
}

#[tokio::test]
async fn every_operation_answers_malformed_input_with_a_4xx_and_a_reason_and_the_server_keeps_serving() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let w = world(&app).await;
    let doc: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut wrong = Vec::new();
    let mut sent = 0usize;
    for (method, template, op) in operations(&doc) {
        // Ending the caller's own session would leave the rest of the sweep unauthenticated.
        if template == "/api/auth/logout" || template == "/api/me/sessions" || template == "/api/me/sessions/{id}" {
            continue;
        }
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let api = is_api(&template);
        let request = |path: &str| app.client.request(m.clone(), app.url(path)).bearer_auth(&w.token);
        let path_params: Vec<String> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        let query_params: Vec<String> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter().filter(|p| p["in"] == "query").map(|p| p["name"].as_str().unwrap().to_owned()).collect()
            })
            .unwrap_or_default();
        let filled = w.fill(&template);

        // Malformed identifiers, one parameter at a time, and one very long one.
        for name in &path_params {
            for bad in BAD_IDS.iter().copied().map(str::to_owned).chain([format!("1.{}", "2".repeat(5000))]) {
                let path = w.fill(&template.replace(&format!("{{{name}}}"), &bad));
                let what = format!("{method} {template} with {name}={}", &bad[..bad.len().min(40)]);
                check(&what, request(&path), api, &mut wrong).await;
                sent += 1;
            }
        }
        // Malformed query values, one parameter at a time, and repeated or unknown ones.
        for name in &query_params {
            for bad in BAD_VALUES.iter().copied().map(str::to_owned).chain(["a".repeat(20_000)]) {
                let path = format!("{filled}?{name}={bad}");
                let what = format!("{method} {template}?{name}={}", &bad[..bad.len().min(40)]);
                check(&what, request(&path), api, &mut wrong).await;
                sent += 1;
            }
            let path = format!("{filled}?{name}=1&{name}=2");
            check(&format!("{method} {template} with {name} twice"), request(&path), api, &mut wrong).await;
            sent += 1;
        }
        let path = format!("{filled}?no_such_parameter=%00&=&&%zz");
        check(&format!("{method} {template} with a malformed query"), request(&path), api, &mut wrong).await;
        // Headers: a forged token, garbage negotiation, an absurd range.
        let headers: &[(&str, String)] = &[
            ("authorization", format!("Bearer {}", "A".repeat(6000))),
            ("authorization", "Basic Zm9vOmJhcg==".to_owned()),
            ("accept", "application/dicom; transfer-syntax=1.2.%00, */*;q=abc".to_owned()),
            ("range", "bytes=99999999999999999999-1".to_owned()),
            ("if-none-match", format!("\"{}\"", "e".repeat(4000))),
            ("content-type", "multipart/related; type=\"application/dicom\"; boundary=".to_owned()),
        ];
        for (name, value) in headers {
            let r = app.client.request(m.clone(), app.url(&filled)).header(*name, value.as_str());
            let r = if *name == "authorization" { r } else { r.bearer_auth(&w.token) };
            check(&format!("{method} {template} with a bad {name}"), r, api, &mut wrong).await;
            sent += 1;
        }
        // Bodies.
        let body = &op["requestBody"]["content"];
        let bodies = if let Some(schema) = body.get("application/json") {
            let fields: BTreeMap<String, String> = schema["schema"]["properties"]
                .as_object()
                .map(|p| {
                    p.iter().map(|(k, v)| (k.clone(), v["type"].as_str().unwrap_or("string").to_owned())).collect()
                })
                .unwrap_or_default();
            bad_json_bodies(&fields)
        } else if body.is_object() {
            bad_dicom_bodies()
        } else {
            Vec::new()
        };
        for (label, media, bytes) in bodies {
            let mut r = request(&filled).body(bytes);
            if !media.is_empty() {
                r = r.header("content-type", media);
            }
            check(&format!("{method} {template} with a body: {label}"), r, api, &mut wrong).await;
            sent += 1;
        }
    }
    // Logging out with garbage still answers as logging out does.
    let r = app.client.post(app.url("/api/auth/logout")).header("authorization", "Bearer x.y.z").body("{");
    check("POST /api/auth/logout with a forged token", r, true, &mut wrong).await;

    let failures: Vec<&str> = wrong.iter().map(|f| f.0.as_str()).collect();
    assert!(failures.is_empty(), "{} of {sent} requests answered wrongly:\n{}", failures.len(), failures.join("\n"));
    assert!(sent > 3000, "only {sent} requests were sent: did the document lose its operations?");
    // Still serving, with the same session.
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(app.get("/api/me").send().await.unwrap().status(), 200);
    assert!(!app.log_text().contains("panicked"), "the server panicked: {}", app.log_text());
}
