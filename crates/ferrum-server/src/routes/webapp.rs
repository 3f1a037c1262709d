//! The web app and the viewer's static files, embedded in the binary (`web/`): `GET /` is the
//! app's page, `GET /assets/<path>` any file under `web/`. Pages are served with a strict
//! Content-Security-Policy (no inline script, nothing from other origins), so that a patient
//! name carrying markup can never run as code.
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/"]
#[exclude = "*.md"]
struct Assets;

pub const CSP: &str = "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; \
                       connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// An HTML page of ours, with the headers every page gets.
pub fn page(status: StatusCode, path: &str) -> HttpResponse {
    page_with(status, path, |html| html)
}

/// A page whose `<body>` carries `data-state="{state}"`, for its stylesheet to show the
/// message of that state. `state` is a word of ours, never anything from the request.
pub fn page_in_state(status: StatusCode, path: &str, state: &'static str) -> HttpResponse {
    page_with(status, path, |html| {
        String::from_utf8_lossy(&html).replacen("<body>", &format!("<body data-state=\"{state}\">"), 1).into_bytes()
    })
}

fn page_with(status: StatusCode, path: &str, edit: impl FnOnce(Vec<u8>) -> Vec<u8>) -> HttpResponse {
    match Assets::get(path) {
        Some(file) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header(("x-robots-tag", "noindex"))
            .body(edit(file.data.into_owned())),
        None => HttpResponse::InternalServerError().body("page missing from the build"),
    }
}

pub async fn app() -> HttpResponse {
    page(StatusCode::OK, "app/index.html")
}

pub async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(file) = Assets::get(&path) else {
        return HttpResponse::NotFound().content_type("text/plain").body("no such file");
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let fresh = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag);
    let mut answer = if fresh { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    answer
        .insert_header((header::ETAG, etag))
        // Revalidated on each load: the files change with the binary, their names do not.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if fresh {
        return answer.finish();
    }
    if path.ends_with(".html") {
        answer.insert_header((header::CONTENT_SECURITY_POLICY, CSP));
    }
    answer.content_type(content_type(&path)).body(file.data.into_owned())
}
