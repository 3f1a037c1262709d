//! The API reference as a client reads it: the OpenAPI 3.1 document (checked against the
//! router by the server's own tests) and the page that lays it out.
use serde_json::Value;

use crate::harness::app;

#[tokio::test]
async fn the_openapi_document_and_its_page_are_served_without_credentials() {
    let app = app().spawn().await;
    let r = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let search = &doc["paths"]["/api/studies"]["get"];
    let names: Vec<&str> =
        search["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"patient_name") && names.contains(&"cursor"), "{names:?}");
    assert_eq!(search["security"][0]["bearer"], serde_json::json!([]));
    let share = &doc["paths"]["/share/{token}/dicomweb/studies"]["get"];
    assert_eq!(share["security"], serde_json::json!([]), "a link's root takes no bearer token");
    assert!(doc["paths"]["/share/{token}/dicomweb/studies"]["post"].is_null(), "STOW-RS is not under a link");
    assert!(doc["paths"].as_object().unwrap().len() > 80);

    let page = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("/assets/api/reference.js"), "{html}");
    let script = app.client.get(app.url("/assets/api/reference.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("/api/openapi.json"));
}
