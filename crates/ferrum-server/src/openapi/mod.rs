//! The API reference as an OpenAPI 3.1 document, built from the tables of this module (one
//! row per operation the router registers) and served at `GET /api/openapi.json`. The tests
//! below register the real router and fail when a route is missing from the tables or a row
//! names a route the router does not have, so the document cannot drift from the code.
mod dicomweb;
mod document;
mod json_api;
mod service;

pub use document::document;

/// Who may call an operation; the document's `security` and its error answers follow from it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    /// No credentials (health, the web app's files, login).
    Public,
    /// A bearer token of any account; the handler may ask more (owner, a grant level).
    Account,
    /// A bearer token of an admin.
    Admin,
    /// The viewer link's token in the path (and its cookie, for links with a PIN or a limit).
    Link,
}

/// What the request carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Body {
    None,
    /// A JSON object with these fields, each written `name[:type][!]` (type `string` unless
    /// named; `!` when required).
    Json(&'static [&'static str]),
    /// DICOM files: `application/dicom`, `application/zip` or `multipart/form-data`.
    Upload,
    /// STOW-RS: `multipart/related; type="application/dicom"` (or one `application/dicom`).
    Stow,
}

/// One operation: a method on a path template as the router registers it (actix syntax,
/// `{name}` or `{name:regex}`), under each of `roots`.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub roots: &'static [&'static str],
    pub tag: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// Query parameters, written as the JSON fields are (`name[:type][!]`).
    pub query: &'static [&'static str],
    pub body: Body,
    /// The success status and the media type of its body (`""` for none).
    pub ok: (u16, &'static str),
}

const NO_ROOT: &[&str] = &[""];

/// A row with the usual defaults: no query, no body, 200 JSON, at the root.
pub const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    access: Access,
    summary: &'static str,
) -> Op {
    Op { method, path, roots: NO_ROOT, tag, summary, access, query: &[], body: Body::None, ok: (200, JSON) }
}

pub const JSON: &str = "application/json";

impl Op {
    pub const fn query(self, query: &'static [&'static str]) -> Op {
        Op { query, ..self }
    }
    pub const fn json(self, fields: &'static [&'static str]) -> Op {
        Op { body: Body::Json(fields), ..self }
    }
    pub const fn body(self, body: Body) -> Op {
        Op { body, ..self }
    }
    pub const fn ok(self, status: u16, media: &'static str) -> Op {
        Op { ok: (status, media), ..self }
    }
    pub const fn under(self, roots: &'static [&'static str]) -> Op {
        Op { roots, ..self }
    }
}

/// Every operation of the server, in the order of the reference.
pub fn operations() -> impl Iterator<Item = &'static Op> {
    service::OPS.iter().chain(json_api::OPS).chain(dicomweb::OPS)
}

/// `{name:regex}` → `{name}`: the document's template for an actix path.
pub fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push(c);
            }
            ':' if in_param => skipping = true,
            '}' if in_param => {
                in_param = false;
                skipping = false;
                out.push(c);
            }
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

/// A field or parameter written `name[:type][!]`: its name, JSON type and whether required.
pub fn field(spec: &'static str) -> (&'static str, &'static str, bool) {
    let (spec, required) = match spec.strip_suffix('!') {
        Some(s) => (s, true),
        None => (spec, false),
    };
    let (name, kind) = spec.split_once(':').unwrap_or((spec, "string"));
    (name, kind, required)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;
    use std::rc::Rc;

    use super::*;

    /// What the real router registers, as `(METHOD, template)`.
    fn registered() -> BTreeSet<(String, String)> {
        let log = Rc::new(RefCell::new(Vec::new()));
        let sink = Some(log.clone());
        let _app = actix_web::App::new().configure(|cfg| crate::routes::register(cfg, &sink));
        let routes = log.borrow().iter().map(|e| (e.method.to_string(), template(&e.path))).collect();
        routes
    }

    fn documented() -> BTreeSet<(String, String)> {
        let doc = document();
        let mut ops = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
        ops
    }

    #[test]
    fn the_document_names_every_route_the_router_registers_and_no_other() {
        let (router, doc) = (registered(), documented());
        assert!(router.len() > 100, "the router registered {} routes: is the log wired?", router.len());
        let undocumented: Vec<_> = router.difference(&doc).collect();
        let phantom: Vec<_> = doc.difference(&router).collect();
        assert!(undocumented.is_empty(), "routes missing from the OpenAPI document: {undocumented:?}");
        assert!(phantom.is_empty(), "the OpenAPI document names routes the router lacks: {phantom:?}");
    }

    #[test]
    fn every_route_is_registered_once() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let sink = Some(log.clone());
        let _app = actix_web::App::new().configure(|cfg| crate::routes::register(cfg, &sink));
        let mut seen = BTreeSet::new();
        for e in log.borrow().iter() {
            assert!(seen.insert((e.method.to_string(), e.path.clone())), "registered twice: {} {}", e.method, e.path);
        }
    }

    #[test]
    fn every_operation_declares_its_path_parameters_and_has_a_unique_id() {
        let doc = document();
        let mut ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let in_path: BTreeSet<&str> = path.split('{').skip(1).map(|s| s.split('}').next().unwrap()).collect();
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "operationId {id} twice");
                assert!(!op["summary"].as_str().unwrap().is_empty(), "{method} {path} has no summary");
                let declared: BTreeSet<&str> = op["parameters"]
                    .as_array()
                    .map(|ps| ps.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect())
                    .unwrap_or_default();
                assert_eq!(declared, in_path, "{method} {path}");
                assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            }
        }
        assert_eq!(doc["openapi"], "3.1.0");
    }

    #[test]
    fn templates_drop_the_regexes_of_actix_paths() {
        assert_eq!(template("/assets/{path:.*}"), "/assets/{path}");
        assert_eq!(template("/a/{x}/b/{y:[0-9]+}"), "/a/{x}/b/{y}");
    }
}
