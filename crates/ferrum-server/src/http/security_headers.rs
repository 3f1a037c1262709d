//! Headers on every answer (API, pages, assets, errors, 404s) that tell browsers not to
//! sniff types, leak the URL (viewer-link tokens live in it) as a referrer, frame the app,
//! share a window with other origins, use devices, or keep patient data in their caches.
//!
//! A page's own Content-Security-Policy is kept; anything else gets one that allows nothing,
//! so that a JSON body or a file opened as a document cannot load or run anything. Every
//! answer outside `/assets/` must not be stored: answers carry patient data (studies,
//! files, frames, thumbnails, audit events) or credentials. Thumbnails and rendered frames
//! are patient data too (burned-in names, faces in head reconstructions), and on a shared
//! reading-room workstation the browser's disk cache outlives the session, so they are not
//! cached either: the viewer keeps the frames it loaded in memory for the page's life, and
//! thumbnails are pre-made in the blob store, so a reload costs a fetch, not a render. A
//! handler's header that already says `no-store` (e.g. `private, no-store`) is kept.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error};

/// For answers that are not one of our pages: nothing may load, run, or frame them.
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Powerful features the app never uses, off for it and anything it might embed.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
/// One year, as browsers' preload lists expect; only sent when TLS is served here.
const HSTS: &str = "max-age=31536000";

/// What depends on how the service is reached; in the app data (absent: neither).
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// TLS is served by this process: `Strict-Transport-Security` on every answer.
    pub hsts: bool,
    /// Browsers reach the service over HTTPS: every cookie is `Secure`.
    pub secure_cookies: bool,
}

/// The middleware, for `App::wrap(from_fn(…))`. Outermost, so that errors of the layers
/// inside it (extractor failures, anything answered as an error) get the headers too.
pub async fn apply<B: MessageBody>(req: ServiceRequest, next: Next<B>) -> Result<ServiceResponse<B>, Error> {
    let policy = req.app_data::<web::Data<Policy>>().map(|p| *p.get_ref()).unwrap_or_default();
    let is_asset = req.path().starts_with("/assets/");
    match next.call(req).await {
        Ok(mut res) => {
            secure(res.headers_mut(), policy, is_asset);
            Ok(res)
        }
        // Turned into an answer later, by actix: the headers go onto that answer.
        Err(mut e) => {
            e.add_response_mapper(move |mut answer| {
                secure(answer.headers_mut(), policy, is_asset);
                answer
            });
            Err(e)
        }
    }
}

fn secure(h: &mut HeaderMap, policy: Policy, is_asset: bool) {
    let fixed = |v: &'static str| HeaderValue::from_static(v);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, fixed("nosniff"));
    h.insert(header::REFERRER_POLICY, fixed("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, fixed("DENY"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), fixed("same-origin"));
    h.insert(HeaderName::from_static("permissions-policy"), fixed(PERMISSIONS_POLICY));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, fixed(NON_PAGE_CSP));
    }
    let stored = h.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_none_or(|v| !v.contains("no-store"));
    if !is_asset && stored {
        h.insert(header::CACHE_CONTROL, fixed("no-store"));
    }
    if policy.hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, fixed(HSTS));
    }
    if policy.secure_cookies {
        mark_cookies_secure(h);
    }
}

/// Adds `Secure` to every `Set-Cookie` that lacks it, so that no handler can forget.
fn mark_cookies_secure(h: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).cloned().collect();
    if cookies.is_empty() {
        return;
    }
    h.remove(header::SET_COOKIE);
    for cookie in cookies {
        let text = cookie.to_str().unwrap_or("");
        let secure = text.split(';').skip(1).any(|a| a.trim().eq_ignore_ascii_case("secure"));
        let value =
            if secure { cookie.clone() } else { HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie) };
        h.append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secured(h: &mut HeaderMap, is_asset: bool) {
        secure(h, Policy { hsts: false, secure_cookies: true }, is_asset);
    }

    #[test]
    fn a_page_keeps_its_own_content_security_policy() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'"));
        secured(&mut h, false);
        assert_eq!(h.get(header::CONTENT_SECURITY_POLICY).unwrap(), "default-src 'self'");
    }

    #[test]
    fn a_cache_header_without_no_store_is_replaced_outside_assets() {
        let mut h = HeaderMap::new();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
        secured(&mut h, false);
        assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-store");

        let mut h = HeaderMap::new();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        secured(&mut h, false);
        assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "private, no-store");

        let mut h = HeaderMap::new();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        secured(&mut h, true);
        assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-cache");
    }

    #[test]
    fn every_cookie_becomes_secure_once() {
        let mut h = HeaderMap::new();
        h.append(header::SET_COOKIE, HeaderValue::from_static("a=1; Path=/; HttpOnly"));
        h.append(header::SET_COOKIE, HeaderValue::from_static("b=2; Secure; HttpOnly"));
        secured(&mut h, false);
        let cookies: Vec<_> = h.get_all(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned()).collect();
        assert_eq!(cookies, ["a=1; Path=/; HttpOnly; Secure", "b=2; Secure; HttpOnly"]);
    }
}
