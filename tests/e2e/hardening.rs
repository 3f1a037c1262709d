//! What every answer and connection gets whatever the route: security headers, no caching of
//! patient data, CORS for configured origins only, TLS with HSTS, cut-offs for clients that
//! stall, refusal of placeholder secrets at start-up, private files, and the client address
//! believed only from trusted proxies.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::harness::{app, binary, TestApp, ADMIN_PASSWORD};

/// The headers every answer must carry, whatever it is.
fn assert_hardened(what: &str, h: &HeaderMap) {
    let get = |name: &str| h.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("cross-origin-opener-policy"), "same-origin", "{what}");
    assert!(get("permissions-policy").contains("camera=()"), "{what}: {:?}", get("permissions-policy"));
    assert!(get("content-security-policy").contains("frame-ancestors 'none'"), "{what}: {h:?}");
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn create_link(app: &TestApp, study: &str, body: Value) -> Value {
    let r = app
        .client
        .post(app.url(&format!("/api/studies/{study}/links")))
        .bearer_auth(app.token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_patient_data_is_never_stored() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(700, 1, 1).size(16);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    let link = create_link(&app, &spec.study, json!({})).await;
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let revoked = create_link(&app, &spec.study, json!({})).await;
    let revoked_token = revoked["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let r = app.client.delete(app.url(&format!("/api/links/{}", revoked["id"].as_str().unwrap())));
    assert_eq!(r.bearer_auth(app.token()).send().await.unwrap().status(), 204);

    let anonymous = reqwest::Client::new();
    let signed_in = |p: &str| app.get(p);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("the app page", anonymous.get(app.url("/")), 200),
        ("an asset", anonymous.get(app.url("/assets/app/main.js")), 200),
        ("a missing asset", anonymous.get(app.url("/assets/nope.js")), 404),
        ("a route that does not exist", anonymous.get(app.url("/no/such/page")), 404),
        ("an API route that does not exist", signed_in("/api/no-such-route"), 404),
        ("the health check", anonymous.get(app.url("/healthz")), 200),
        ("an API call without a token", anonymous.get(app.url("/api/studies")), 401),
        (
            "a malformed JSON body",
            anonymous.post(app.url("/api/auth/login")).header("content-type", "application/json").body("{"),
            400,
        ),
        ("the study list", signed_in("/api/studies"), 200),
        ("a study", signed_in(&format!("/api/studies/{}", spec.study)), 200),
        ("a stored file", signed_in(&format!("/api/instances/{}/file", spec.sop)), 200),
        ("a rendered frame", signed_in(&format!("/api/instances/{}/rendered", spec.sop)), 200),
        ("the audit trail", signed_in("/api/audit"), 200),
        ("the viewer page", anonymous.get(app.url(&format!("/v/{token}"))), 200),
        ("the viewer page of a revoked link", anonymous.get(app.url(&format!("/v/{revoked_token}"))), 410),
        ("the viewer page of an unknown link", anonymous.get(app.url("/v/not-a-link")), 404),
        ("the share API", anonymous.get(app.url(&format!("/api/share/{token}/study"))), 200),
    ];
    for (what, request, status) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{what}");
        let h = r.headers().clone();
        assert_hardened(what, &h);
        assert!(h.get("strict-transport-security").is_none(), "{what}: no HSTS over plain HTTP");
        let cache = header(&h, "cache-control");
        if what.contains("asset") {
            assert!(!cache.contains("max-age"), "{what}: assets are revalidated: {cache}");
        } else {
            assert!(cache.contains("no-store"), "{what}: {cache:?}");
        }
        if header(&h, "content-type").starts_with("text/html") {
            let csp = header(&h, "content-security-policy");
            assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "{what}: {csp}");
        }
    }

    // Thumbnails are patient data too: not kept in a browser's cache either.
    let thumbnail = format!("/api/series/{}/thumbnail", spec.series);
    let deadline = Instant::now() + Duration::from_secs(30);
    let r = loop {
        let r = app.get(&thumbnail).send().await.unwrap();
        if r.status() == 200 || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(r.status(), 200);
    assert_hardened("a thumbnail", r.headers());
    assert_eq!(header(r.headers(), "cache-control"), "no-store");
}

#[tokio::test]
async fn cors_is_off_unless_configured_and_then_answers_only_the_configured_origin() {
    let viewer = "https://viewer.example.org";
    let preflight = |app: &TestApp, origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/studies"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
    };

    let closed = app().spawn().await.logged_in_as_admin().await;
    let r = preflight(&closed, viewer).send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none(), "no CORS by default: {:?}", r.headers());
    assert_hardened("a preflight without CORS", r.headers());
    let r = closed.get("/api/studies").header("origin", viewer).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let open = app().env("FERRUM_CORS_ORIGINS", format!("{viewer}, http://localhost:3000")).spawn().await;
    let open = open.logged_in_as_admin().await;
    let r = preflight(&open, viewer).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let h = r.headers().clone();
    assert_eq!(header(&h, "access-control-allow-origin"), viewer);
    assert!(header(&h, "access-control-allow-methods").contains("GET"), "{h:?}");
    assert!(header(&h, "access-control-allow-headers").to_ascii_lowercase().contains("authorization"), "{h:?}");
    assert!(h.get("access-control-allow-credentials").is_none(), "never credentials cross-origin");
    assert_hardened("a CORS preflight", &h);

    let r = open.get("/api/studies").header("origin", viewer).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "access-control-allow-origin"), viewer);
    assert!(header(r.headers(), "vary").to_ascii_lowercase().contains("origin"), "{:?}", r.headers());

    // Another origin gets no grant, and its (or a same-origin page's) requests still work.
    let r = open.get("/api/studies").header("origin", "https://evil.example.net").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = preflight(&open, "https://evil.example.net").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = open.get("/api/studies").header("origin", &open.base).send().await.unwrap();
    assert_eq!(r.status(), 200, "the app's own origin is not blocked");
}

/// A self-signed certificate for 127.0.0.1 and localhost, as PEM files in `dir`.
fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    (cert_path, key_path, cert.cert.der().to_vec())
}

/// One HTTPS request over a fresh connection that trusts only `der`; answers the status,
/// the headers (names in lower case) and the body. Enough HTTP/1.1 for these tests.
async fn https(
    der: &[u8],
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.to_vec().into()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let addr = base.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config)).connect(name, tcp).await.unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    tls.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    // A peer that closes without close_notify is fine here: the whole answer has arrived.
    let _ = tls.read_to_end(&mut answer).await;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("a whole HTTP head");
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    assert!(!headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")), "{head}");
    (status, headers, answer[split + 4..].to_vec())
}

fn header_of(headers: &[(String, String)], name: &str) -> String {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// The same headers as a reqwest map, for [`assert_hardened`].
fn header_map(headers: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.append(reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
    }
    map
}

#[tokio::test]
async fn with_a_certificate_configured_the_server_speaks_https_with_hsts_and_secure_cookies() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key, der) = self_signed(certs.path());
    let app =
        app().env("FERRUM_TLS_CERT", cert.to_str().unwrap()).env("FERRUM_TLS_KEY", key.to_str().unwrap()).spawn().await;
    assert!(app.base.starts_with("https://"), "{}", app.base);
    let base = app.base.clone();
    let json = [("content-type", "application/json")];

    let (status, h, _) = https(&der, &base, "GET", "/healthz", &[], b"").await;
    assert_eq!(status, 200);
    assert_eq!(header_of(&h, "strict-transport-security"), "max-age=31536000");
    assert_hardened("the health check over TLS", &header_map(&h));
    let (status, h, _) = https(&der, &base, "GET", "/no/such/page", &[], b"").await;
    assert_eq!(status, 404);
    assert_eq!(header_of(&h, "strict-transport-security"), "max-age=31536000", "on errors too");

    let plain = base.replacen("https://", "http://", 1);
    let probe = reqwest::get(format!("{plain}/healthz")).await;
    assert!(!probe.is_ok_and(|r| r.status().is_success()), "no plain HTTP on the TLS port");

    // The PIN cookie, the one cookie the service sets, is Secure.
    let credentials = json!({"username": "admin", "password": ADMIN_PASSWORD}).to_string();
    let (status, _, login) = https(&der, &base, "POST", "/api/auth/login", &json, credentials.as_bytes()).await;
    assert_eq!(status, 200);
    let login: Value = serde_json::from_slice(&login).unwrap();
    let bearer = format!("Bearer {}", login["access_token"].as_str().unwrap());
    let spec = Spec::new(701, 1, 1);
    let upload = [("authorization", bearer.as_str()), ("content-type", "application/dicom")];
    let (status, _, _) = https(&der, &base, "POST", "/api/uploads", &upload, &dicom(&spec)).await;
    assert_eq!(status, 201);
    let authorized = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    let links = format!("/api/studies/{}/links", spec.study);
    let (status, _, link) = https(&der, &base, "POST", &links, &authorized, br#"{"pin": "271828"}"#).await;
    assert_eq!(status, 201);
    let link: Value = serde_json::from_slice(&link).unwrap();
    let share = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let unlock = format!("/api/share/{share}/unlock");
    let (status, h, _) = https(&der, &base, "POST", &unlock, &json, br#"{"pin": "271828"}"#).await;
    assert_eq!(status, 204);
    let cookie = header_of(&h, "set-cookie");
    assert!(cookie.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure")), "{cookie}");
}

/// Reads until the server closes the connection; answers what it sent and how long it took.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server still holds the connection after {:?}: {e}", start.elapsed()),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://")).unwrap()
}

#[tokio::test]
async fn a_client_that_stalls_in_its_request_header_is_disconnected_within_the_timeout() {
    let app = app().env("FERRUM_REQUEST_HEADER_TIMEOUT_SECS", "1").spawn().await;
    let mut stream = connect(&app);
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").unwrap();
    let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(20));
    assert!(took < Duration::from_secs(4), "held for {took:?}");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn an_upload_that_stops_sending_is_cut_off_after_the_idle_timeout_sized_or_chunked() {
    let app = app().env("FERRUM_BODY_IDLE_TIMEOUT_SECS", "1").spawn().await.logged_in_as_admin().await;
    let head = |framing: &str| {
        format!(
            "POST /api/uploads HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/dicom\r\n{framing}\r\n\r\n",
            app.token()
        )
    };
    let sized = [head("Content-Length: 1000000").into_bytes(), vec![0u8; 1000]].concat();
    // A chunked body is one actix-http would otherwise go on draining with no time limit.
    let chunked =
        [head("Transfer-Encoding: chunked").into_bytes(), b"3e8\r\n".to_vec(), vec![0u8; 1000], b"\r\n".to_vec()]
            .concat();
    for (framing, request) in [("sized", sized), ("chunked", chunked)] {
        let mut stream = connect(&app);
        stream.write_all(&request).unwrap();
        let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(20));
        assert!(took < Duration::from_secs(6), "{framing}: held for {took:?}");
        assert!(answer.starts_with("HTTP/1.1 400"), "{framing}: {answer}");
        assert!(answer.contains("no data arrived"), "{framing}: {answer}");
    }
    let (status, listed) = app.get_json("/api/studies").await;
    assert_eq!((status, listed["items"].as_array().map(Vec::len)), (200, Some(0)), "nothing half-stored");
}

#[tokio::test]
async fn json_bodies_over_the_limit_are_refused_with_413() {
    let app = app().env("FERRUM_MAX_JSON_BYTES", "2048").spawn().await;
    let r = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": "x".repeat(4096)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "payload_too_large");
    assert_eq!(app.login("admin", ADMIN_PASSWORD).await.status(), 200, "small bodies still pass");
}

/// Runs `ferrum serve` with `env` and expects it to stop at once; answers its stderr.
pub(crate) fn refused_start(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(binary());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("FERRUM_DATA_DIR", dir.path())
        .env("FERRUM_BIND", "127.0.0.1:0")
        .env("FERRUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ferrum started with {env:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!child.wait().unwrap().success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    stderr
}

#[test]
fn start_up_refuses_short_or_placeholder_secrets_and_bad_settings_naming_the_setting() {
    let long_but_repeated = "x".repeat(48);
    let link_keys = format!("1:{long_but_repeated}");
    let cases: &[(&str, &str, &str)] = &[
        ("FERRUM_JWT_SECRET", "too-short-0123", "at least 32"),
        ("FERRUM_JWT_SECRET", "replace-with-at-least-32-random-characters", ".env.example"),
        ("FERRUM_JWT_SECRET", "my-super-secret-signing-key-for-production", "placeholder"),
        ("FERRUM_JWT_SECRET", &long_but_repeated, "repeats"),
        ("FERRUM_ADMIN_PASSWORD", "admin1", "at least 10"),
        ("FERRUM_ADMIN_PASSWORD", "changeme-admin", "placeholder"),
        ("FERRUM_LINK_KEYS", &link_keys, "repeats"),
        ("FERRUM_CORS_ORIGINS", "*", "origin"),
        ("FERRUM_TRUSTED_PROXIES", "proxy.local", "CIDR"),
        ("FERRUM_TLS_CERT", "/nonexistent/cert.pem", "FERRUM_TLS_KEY"),
    ];
    for (name, value, why) in cases {
        let stderr = refused_start(&[(name, value)]);
        assert!(stderr.contains(name) && stderr.contains(why), "{name}={value}: {stderr}");
        if ["FERRUM_JWT_SECRET", "FERRUM_ADMIN_PASSWORD", "FERRUM_LINK_KEYS"].contains(name) {
            assert!(!stderr.contains(value), "the secret is not echoed: {stderr}");
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let path = garbage.to_str().unwrap();
    let stderr = refused_start(&[("FERRUM_TLS_CERT", path), ("FERRUM_TLS_KEY", path)]);
    assert!(stderr.contains("FERRUM_TLS_CERT"), "{stderr}");
}

/// Every directory and file under `dir` that others could read or enter.
fn open_to_others(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.permissions().mode() & 0o077 != 0 {
            found.push(format!("{} {:o}", entry.path().display(), meta.permissions().mode() & 0o777));
        }
        if meta.is_dir() {
            open_to_others(&entry.path(), found);
        }
    }
}

#[tokio::test]
async fn the_data_directory_and_everything_in_it_is_private_to_the_server_user() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let app = app().env("FERRUM_DATA_DIR", data.to_str().unwrap()).spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(702, 1, 1).size(64);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get(&format!("/api/series/{}/thumbnail", spec.series)).send().await.unwrap().status() != 200 {
        assert!(Instant::now() < deadline, "no thumbnail made");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the data directory");
    let secret = std::fs::metadata(data.join("jwt-secret")).unwrap().permissions().mode() & 0o777;
    assert_eq!(secret, 0o600, "jwt-secret");
    let mut open = Vec::new();
    open_to_others(&data, &mut open);
    assert!(open.is_empty(), "open to other users: {open:?}");
    if std::env::var("FERRUM_E2E_BLOBS").as_deref() != Ok("s3") {
        assert!(data.join("blobs").read_dir().unwrap().next().is_some(), "the check saw the blobs");
    }
    if std::env::var("FERRUM_E2E_CATALOG").as_deref() != Ok("postgres") {
        assert!(data.join("catalog.db").exists(), "the check saw the catalog");
    }
}

async fn login_from(app: &TestApp, header: Option<(&str, &str)>) -> String {
    let mut request =
        app.client.post(app.url("/api/auth/login")).json(&json!({"username": "admin", "password": ADMIN_PASSWORD}));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    assert_eq!(request.send().await.unwrap().status(), 200);
    let (status, audit) = app.get_json("/api/audit?limit=1").await;
    assert_eq!(status, 200, "{audit}");
    let event = &audit["items"][0];
    assert_eq!(event["action"], "login", "{event}");
    event["remote_addr"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_audit_trail_records_a_forwarded_address_only_from_a_trusted_proxy() {
    let forged = Some(("x-forwarded-for", "203.0.113.7"));
    let direct = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(login_from(&direct, forged).await, "127.0.0.1", "no proxy is trusted by default");

    let behind =
        app().env("FERRUM_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1/32").spawn().await.logged_in_as_admin().await;
    assert_eq!(login_from(&behind, forged).await, "203.0.113.7");
    // A client's own entry is left of what the proxies appended: the right-most untrusted wins.
    let chain = Some(("x-forwarded-for", "198.51.100.66, 203.0.113.8, 10.2.3.4"));
    assert_eq!(login_from(&behind, chain).await, "203.0.113.8");
    assert_eq!(login_from(&behind, None).await, "127.0.0.1");
    // Only the configured header counts.
    let other_header = Some(("forwarded", "for=203.0.113.9"));
    assert_eq!(login_from(&behind, other_header).await, "127.0.0.1");

    let rfc = app()
        .env("FERRUM_TRUSTED_PROXIES", "127.0.0.1")
        .env("FERRUM_CLIENT_ADDR_HEADER", "forwarded")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let element = Some(("forwarded", "for=\"[2001:db8::17]:4711\";proto=https, for=127.0.0.1"));
    assert_eq!(login_from(&rfc, element).await, "2001:db8::17");
    assert_eq!(login_from(&rfc, forged).await, "127.0.0.1");

    let untrusted = app().env("FERRUM_TRUSTED_PROXIES", "10.0.0.0/8").spawn().await.logged_in_as_admin().await;
    assert_eq!(login_from(&untrusted, forged).await, "127.0.0.1", "the peer is not a trusted proxy");
}
