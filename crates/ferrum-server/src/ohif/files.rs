//! The dist's files: a request's path checked and mapped into the folder (never outside it),
//! the build's root-relative references moved under `/ohif/`, and the page's policy.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::PREFIX;

/// The public path the published build was made with, as its webpack runtime sets it.
const JS_PUBLIC_PATH: &str = "__webpack_require__.p = \"/\"";

/// What one answer carries: bytes kept in memory (rewritten), or a file to stream as is.
pub enum Served {
    Bytes(Bytes),
    File(PathBuf),
}

pub struct OhifDist {
    dir: PathBuf,
    index: Bytes,
    csp: String,
    /// Files whose text was rewritten, by their path in the dist.
    rewritten: Mutex<HashMap<String, Bytes>>,
    /// Text files found to need no rewriting, served from disk from then on.
    unchanged: Mutex<HashSet<String>>,
}

impl OhifDist {
    /// The dist at `dir`, its page read and rewritten once.
    pub fn open(dir: &Path) -> std::io::Result<OhifDist> {
        let dir = dir.canonicalize()?;
        let page = std::fs::read_to_string(dir.join("index.html"))?;
        let page = rewrite_page(&page);
        let csp = policy(&page);
        Ok(OhifDist { dir, index: Bytes::from(page), csp, rewritten: Mutex::default(), unchanged: Mutex::default() })
    }

    /// The Content-Security-Policy of every answer under `/ohif/` (see [`policy`]).
    pub fn csp(&self) -> &str {
        &self.csp
    }

    /// The viewer's page, for `/ohif/` and every route of its router.
    pub fn index(&self) -> Bytes {
        self.index.clone()
    }

    /// The file at `tail` (the path below `/ohif/`): `None` when there is no such file, or
    /// the path is not a plain relative one (`..`, hidden names, odd characters).
    pub async fn file(&self, tail: &str) -> std::io::Result<Option<Served>> {
        let Some(path) = self.resolve(tail).await else { return Ok(None) };
        let rewrite: Option<fn(&str) -> String> = match tail.rsplit('.').next() {
            Some("js") => Some(rewrite_js),
            Some("css") => Some(rewrite_css),
            _ if tail == "manifest.json" => Some(rewrite_manifest),
            _ => None,
        };
        let Some(rewrite) = rewrite else { return Ok(Some(Served::File(path))) };
        if let Some(bytes) = self.rewritten.lock().expect("cache lock").get(tail) {
            return Ok(Some(Served::Bytes(bytes.clone())));
        }
        if self.unchanged.lock().expect("cache lock").contains(tail) {
            return Ok(Some(Served::File(path)));
        }
        let text = tokio::fs::read_to_string(&path).await?;
        let new = rewrite(&text);
        if new == text {
            self.unchanged.lock().expect("cache lock").insert(tail.to_owned());
            return Ok(Some(Served::File(path)));
        }
        let bytes = Bytes::from(new);
        self.rewritten.lock().expect("cache lock").insert(tail.to_owned(), bytes.clone());
        Ok(Some(Served::Bytes(bytes)))
    }

    async fn resolve(&self, tail: &str) -> Option<PathBuf> {
        if tail.is_empty() || !tail.split('/').all(plain_segment) {
            return None;
        }
        let path = tokio::fs::canonicalize(self.dir.join(tail)).await.ok()?;
        // A symbolic link inside the dist may not lead out of it.
        (path.starts_with(&self.dir) && tokio::fs::metadata(&path).await.ok()?.is_file()).then_some(path)
    }
}

fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@' | b'+'))
}

/// The page's references to `/…` moved under `/ohif/`.
fn rewrite_page(page: &str) -> String {
    page.replace("window.PUBLIC_URL=\"/\"", &format!("window.PUBLIC_URL=\"{PREFIX}\""))
        .replace("src=\"/", &format!("src=\"{PREFIX}"))
        .replace("href=\"/", &format!("href=\"{PREFIX}"))
        .replace("content=\"/", &format!("content=\"{PREFIX}"))
}

fn rewrite_js(js: &str) -> String {
    js.replace(JS_PUBLIC_PATH, &format!("__webpack_require__.p = \"{PREFIX}\""))
}

fn rewrite_css(css: &str) -> String {
    css.replace("url(/", &format!("url({PREFIX}"))
}

fn rewrite_manifest(json: &str) -> String {
    json.replace("\"/assets/", &format!("\"{PREFIX}assets/"))
}

/// The policy OHIF runs under: the page's two inline scripts by their hashes (never any
/// other inline script), WebAssembly compilation for its image codecs (`'wasm-unsafe-eval'`,
/// which allows no JavaScript `eval`), workers from its own files or `blob:` URLs, inline
/// styles (React sets `style` attributes), images and fonts from `data:`/`blob:`. Requests
/// go to this origin only; no framing, no plugins. Set on every file, since a worker runs
/// under its own script's policy.
fn policy(page: &str) -> String {
    let hashes: String = inline_scripts(page)
        .map(|script| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(script.as_bytes()))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; worker-src 'self' blob:; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
         media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of each `<script>` without `src`.
fn inline_scripts(page: &str) -> impl Iterator<Item = &str> {
    page.split("<script").skip(1).filter_map(|rest| {
        let (attrs, body) = rest.split_once('>')?;
        if attrs.contains("src=") {
            return None;
        }
        Some(body.split_once("</script>")?.0).filter(|s| !s.is_empty())
    })
}

/// The type of a dist file; `nosniff` is on, so each must be right (`application/wasm`
/// for streaming compilation, JavaScript for modules and workers).
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "jsonc" | "map") => "application/json",
        Some("webapp") => "application/x-web-app-manifest+json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<head><script>console.time("x"),window.PUBLIC_URL="/"</script><link rel="manifest" href="/manifest.json"><script rel="preload" as="script" src="/app-config.js"></script><script defer src="/app.bundle.1.js"></script></head>"#;

    #[test]
    fn the_page_is_moved_under_the_prefix() {
        let page = rewrite_page(PAGE);
        assert!(page.contains(r#"window.PUBLIC_URL="/ohif/""#));
        assert!(page.contains(r#"href="/ohif/manifest.json""#));
        assert!(page.contains(r#"src="/ohif/app-config.js""#) && page.contains(r#"src="/ohif/app.bundle.1.js""#));
        assert!(!page.contains(r#"="/a"#));
    }

    #[test]
    fn bundles_and_stylesheets_load_from_the_prefix() {
        assert_eq!(
            rewrite_js(r#"(() => { __webpack_require__.p = "/"; })();"#),
            r#"(() => { __webpack_require__.p = "/ohif/"; })();"#
        );
        assert_eq!(rewrite_css("src:url(/a.woff2)"), "src:url(/ohif/a.woff2)");
    }

    #[test]
    fn the_policy_names_each_inline_script_by_its_hash_and_nothing_else_inline() {
        let page = rewrite_page(PAGE);
        let csp = policy(&page);
        let hash = STANDARD.encode(Sha256::digest(br#"console.time("x"),window.PUBLIC_URL="/ohif/""#));
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 1);
        assert!(!csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"));
    }

    #[test]
    fn only_plain_relative_paths_name_files() {
        for ok in ["app.bundle.1.js", "assets/favicon.ico", "ort/ort-wasm.wasm"] {
            assert!(ok.split('/').all(plain_segment), "{ok}");
        }
        for bad in ["../etc/passwd", "a/../../b", ".env", "a//b", "a\\b", "a%2e%2e", "/abs"] {
            assert!(!bad.split('/').all(plain_segment), "{bad}");
        }
    }
}
