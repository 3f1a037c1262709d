//! Turning the operation tables into the OpenAPI 3.1 document (built once, then shared).
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use super::{field, operations, template, Access, Body, Op};

/// The document, built on first use.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        for root in op.roots {
            let path = template(&format!("{root}{}", op.path));
            let access = if root.starts_with("/share/") { Access::Link } else { op.access };
            let item = paths.entry(path.clone()).or_insert_with(|| json!({}));
            item[op.method.to_lowercase()] = operation(op, &path, access);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Ferrum PACS",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "DICOM upload, catalog, viewer links and DICOMweb. Every error is \
                            `{\"error\": code, \"message\": text}`. A study the caller may not \
                            see answers 404, as if it did not exist.",
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "tags": tags(),
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                            "description": "An access token from POST /api/auth/login" }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": { "type": "string", "description": "a stable code to switch on" },
                        "message": { "type": "string", "description": "what to do, for a person" }
                    }
                }
            }
        }
    })
}

fn tags() -> Value {
    let mut seen: Vec<&str> = Vec::new();
    for op in operations() {
        if !seen.contains(&op.tag) {
            seen.push(op.tag);
        }
    }
    seen.into_iter().map(|t| json!({ "name": t })).collect()
}

fn operation(op: &Op, path: &str, access: Access) -> Value {
    let mut parameters: Vec<Value> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(name, _)| {
            json!({ "name": name, "in": "path", "required": true,
                    "description": describe_path_parameter(name), "schema": { "type": "string" } })
        })
        .collect();
    parameters.extend(op.query.iter().map(|spec| {
        let (name, kind, required) = field(spec);
        json!({ "name": name, "in": "query", "required": required, "schema": schema(kind) })
    }));
    let mut o = json!({
        "operationId": operation_id(op.method, path),
        "tags": [op.tag],
        "summary": op.summary,
        "responses": responses(op, access),
    });
    if !parameters.is_empty() {
        o["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = request_body(op.body) {
        o["requestBody"] = body;
    }
    o["security"] = match access {
        Access::Account | Access::Admin => json!([{ "bearer": [] }]),
        Access::Public | Access::Link => json!([]),
    };
    if access == Access::Admin {
        o["description"] = json!("Admins only.");
    }
    o
}

fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_matches(|c| c == '{' || c == '}').replace(['-', '.'], "_"))
        .collect();
    format!("{}_{}", method.to_lowercase(), if words.is_empty() { "root".to_owned() } else { words.join("_") })
}

fn describe_path_parameter(name: &str) -> &'static str {
    match name {
        "study_uid" | "study" => "Study Instance UID",
        "series_uid" | "series" => "Series Instance UID",
        "sop_uid" | "sop" => "SOP Instance UID",
        "token" => "the viewer link's token",
        "patient_id" => "Patient ID",
        "name" => "an account's or a group's name",
        "user" => "an account's name",
        "grantee" => "`user:NAME` or `group:NAME`",
        "ae_title" => "the remote application entity's title",
        "id" => "the identifier the list gave",
        "frames" => "frame numbers from 1, comma-separated",
        "frame" => "a frame number, from 1",
        "path" => "a file path",
        _ => "",
    }
}

fn schema(kind: &str) -> Value {
    match kind {
        "array" => json!({ "type": "array", "items": { "type": "string" } }),
        kind => json!({ "type": kind }),
    }
}

fn request_body(body: Body) -> Option<Value> {
    let content = match body {
        Body::None => return None,
        Body::Json(fields) => {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for spec in fields {
                let (name, kind, needed) = field(spec);
                properties.insert(name.to_owned(), schema(kind));
                if needed {
                    required.push(name);
                }
            }
            json!({ "application/json": { "schema": {
                "type": "object", "properties": properties, "required": required } } })
        }
        Body::Upload => json!({
            "application/dicom": { "schema": { "type": "string", "contentMediaType": "application/dicom" } },
            "application/zip": { "schema": { "type": "string", "contentMediaType": "application/zip" } },
            "multipart/form-data": { "schema": { "type": "object" } }
        }),
        Body::Stow => json!({
            "multipart/related": { "schema": { "type": "string" } },
            "application/dicom": { "schema": { "type": "string", "contentMediaType": "application/dicom" } }
        }),
    };
    Some(json!({ "required": true, "content": content }))
}

fn responses(op: &Op, access: Access) -> Value {
    let (status, media) = op.ok;
    let mut r = Map::new();
    let ok = if media.is_empty() {
        json!({ "description": "done" })
    } else {
        let mut content = Map::new();
        content.insert(media.to_owned(), json!({}));
        json!({ "description": "done", "content": content })
    };
    r.insert(status.to_string(), ok);
    let error = |why: &str| {
        json!({ "description": why,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
    };
    r.insert("400".into(), error("a malformed identifier, parameter or body"));
    match access {
        Access::Public => {}
        Access::Account | Access::Admin => {
            r.insert("401".into(), error("no valid access token"));
            r.insert("403".into(), error("the caller may see the object but not do this"));
        }
        Access::Link => {
            r.insert("401".into(), error("the link needs its PIN (`pin_required`)"));
            r.insert("410".into(), error("the link expired, was revoked or is used up"));
        }
    }
    if op.path.contains('{') {
        r.insert("404".into(), error("no such object, or one the caller may not see"));
    }
    if op.body != Body::None {
        r.insert("413".into(), error("the body is over its limit"));
        r.insert("415".into(), error("a content type the operation does not take"));
        r.insert("422".into(), error("a well-formed request the operation refuses, with a code"));
    }
    r.insert("503".into(), error("the catalog or the blob store is unavailable; retry"));
    Value::Object(r)
}
