//! DICOM over TLS with dcmtk's own TLS clients: a throwaway CA issues the listener's
//! certificate (and clients' for mutual TLS); `echoscu` and `storescu` with `+tla` / `+tls`
//! associate over TLS, a plain client on the TLS port is refused while the listener goes on
//! serving, and half-set or unreadable TLS files stop the start-up naming the setting.
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

use crate::dimse::{add_node, data_set, dcmtk, file_over_http, folder_of, port, sop_uid_of, text};
use crate::fixtures::*;
use crate::hardening::refused_start;
use crate::harness::{app, TestApp};

/// A certificate authority of its own, writing the PEM files it issues into a folder.
struct Pki {
    dir: tempfile::TempDir,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, format!("{name} test CA"));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        std::fs::write(dir.path().join("ca.pem"), cert.pem()).unwrap();
        Pki { dir, issuer: Issuer::new(params, key) }
    }

    fn ca(&self) -> String {
        self.dir.path().join("ca.pem").display().to_string()
    }

    /// A certificate for 127.0.0.1 issued by this CA: (key file, certificate file).
    fn issue(&self, name: &str, usage: ExtendedKeyUsagePurpose) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let (key_path, cert_path) = (self.file(&format!("{name}-key.pem")), self.file(&format!("{name}-cert.pem")));
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        std::fs::write(&cert_path, cert.pem()).unwrap();
        (key_path.display().to_string(), cert_path.display().to_string())
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

async fn tls_app(pki: &Pki, client_ca: Option<&str>) -> TestApp {
    let (key, cert) = pki.issue("server", ExtendedKeyUsagePurpose::ServerAuth);
    let mut builder = app()
        .env("FERRUM_DICOM_BIND", "127.0.0.1:0")
        .env("FERRUM_DICOM_TLS_CERT", cert)
        .env("FERRUM_DICOM_TLS_KEY", key);
    if let Some(ca) = client_ca {
        builder = builder.env("FERRUM_DICOM_TLS_CLIENT_CA", ca);
    }
    builder.spawn().await.logged_in_as_admin().await
}

/// `echoscu` with the TLS arguments `tls` (`+tla` or `+tls KEY CERT`, and `+cf CA`).
fn echo_tls(app: &TestApp, calling: &str, tls: &[&str]) -> std::process::Output {
    let port = port(app);
    let mut args = vec!["-aet", calling, "-aec", "FERRUM"];
    args.extend_from_slice(tls);
    args.extend(["127.0.0.1", port.as_str()]);
    dcmtk("echoscu", &args)
}

#[tokio::test]
async fn dicom_over_tls_serves_dcmtks_tls_clients_and_refuses_plain_ones() {
    let pki = Pki::new("ferrum");
    let app = tls_app(&pki, None).await;
    add_node(&app, "MODALITY", "admin", &["store"]).await;
    let ca = pki.ca();
    let anonymous = ["+tla", "+cf", ca.as_str()];

    let out = echo_tls(&app, "MODALITY", &anonymous);
    assert!(out.status.success(), "C-ECHO over TLS: {}", text(&out));
    // The known-node rules hold over TLS as over TCP.
    let out = echo_tls(&app, "STRANGER", &anonymous);
    assert!(text(&out).contains("Calling AE Title Not Recognized"), "{}", text(&out));

    // A plain DICOM client on the TLS port gets no association, and the listener goes on.
    let plain = dcmtk("echoscu", &["-aet", "MODALITY", "-aec", "FERRUM", "127.0.0.1", &port(&app)]);
    assert!(!plain.status.success(), "plain TCP on the TLS port: {}", text(&plain));
    assert!(app.log_shows("tls_handshake").await, "the refusal is logged by its kind: {}", app.log_text());
    // A client that trusts another CA refuses the listener's certificate.
    let other = Pki::new("other");
    let other_ca = other.ca();
    let out = echo_tls(&app, "MODALITY", &["+tla", "+cf", other_ca.as_str()]);
    assert!(!out.status.success(), "a certificate from an untrusted CA: {}", text(&out));
    let out = echo_tls(&app, "MODALITY", &anonymous);
    assert!(out.status.success(), "still serving: {}", text(&out));

    // C-STORE over TLS: every object stored exactly as sent.
    let specs: Vec<Spec> = (1..=4).map(|i| Spec::new(901, 1, i)).collect();
    let folder = folder_of(&specs);
    let port = port(&app);
    let dir = folder.path().display().to_string();
    let mut args = vec!["-v", "+sd", "-aet", "MODALITY", "-aec", "FERRUM"];
    args.extend_from_slice(&anonymous);
    args.extend(["127.0.0.1", port.as_str(), dir.as_str()]);
    let out = dcmtk("storescu", &args);
    let t = text(&out);
    assert!(out.status.success() && !t.contains("Store Response (Error") && !t.contains("Store Failed"), "{t}");
    for entry in std::fs::read_dir(folder.path()).unwrap() {
        let sent = std::fs::read(entry.unwrap().path()).unwrap();
        let stored = file_over_http(&app, &sop_uid_of(&sent)).await;
        assert_eq!(data_set(&stored), data_set(&sent), "the data set as sent over TLS");
    }
    let (_, studies) = app.get_json("/api/studies?limit=10").await;
    assert_eq!(studies["items"].as_array().unwrap().len(), 1, "{studies}");
}

#[tokio::test]
async fn with_a_client_ca_only_clients_holding_a_certificate_it_issued_may_associate() {
    let pki = Pki::new("ferrum");
    let ca = pki.ca();
    let app = tls_app(&pki, Some(&ca)).await;
    add_node(&app, "WORKSTATION", "admin", &[]).await;
    let (key, cert) = pki.issue("workstation", ExtendedKeyUsagePurpose::ClientAuth);

    let out = echo_tls(&app, "WORKSTATION", &["+tls", &key, &cert, "+cf", &ca]);
    assert!(out.status.success(), "a certificate the CA issued: {}", text(&out));
    let out = echo_tls(&app, "WORKSTATION", &["+tla", "+cf", &ca]);
    assert!(!out.status.success(), "no client certificate: {}", text(&out));
    let stranger = Pki::new("stranger");
    let (key2, cert2) = stranger.issue("intruder", ExtendedKeyUsagePurpose::ClientAuth);
    let out = echo_tls(&app, "WORKSTATION", &["+tls", &key2, &cert2, "+cf", &ca]);
    assert!(!out.status.success(), "a certificate another CA issued: {}", text(&out));
    let out = echo_tls(&app, "WORKSTATION", &["+tls", &key, &cert, "+cf", &ca]);
    assert!(out.status.success(), "still serving: {}", text(&out));
}

#[test]
fn half_set_or_unreadable_dicom_tls_files_stop_the_start_naming_the_setting() {
    let pki = Pki::new("ferrum");
    let (key, cert) = pki.issue("server", ExtendedKeyUsagePurpose::ServerAuth);
    let bind = ("FERRUM_DICOM_BIND", "127.0.0.1:0");
    let stderr = refused_start(&[bind, ("FERRUM_DICOM_TLS_CERT", &cert)]);
    assert!(stderr.contains("FERRUM_DICOM_TLS_KEY"), "{stderr}");
    let stderr = refused_start(&[bind, ("FERRUM_DICOM_TLS_KEY", &key)]);
    assert!(stderr.contains("FERRUM_DICOM_TLS_CERT"), "{stderr}");
    let stderr = refused_start(&[bind, ("FERRUM_DICOM_TLS_CLIENT_CA", &cert)]);
    assert!(stderr.contains("FERRUM_DICOM_TLS_CLIENT_CA"), "{stderr}");

    let missing = Path::new(&cert).with_file_name("missing.pem").display().to_string();
    let stderr = refused_start(&[bind, ("FERRUM_DICOM_TLS_CERT", &missing), ("FERRUM_DICOM_TLS_KEY", &key)]);
    assert!(stderr.contains("FERRUM_DICOM_TLS_CERT") && stderr.contains("cannot read"), "{stderr}");
    let stderr = refused_start(&[bind, ("FERRUM_DICOM_TLS_CERT", &cert), ("FERRUM_DICOM_TLS_KEY", &missing)]);
    assert!(stderr.contains("FERRUM_DICOM_TLS_KEY"), "{stderr}");
    let garbage = pki.file("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let garbage = garbage.display().to_string();
    let stderr = refused_start(&[
        bind,
        ("FERRUM_DICOM_TLS_CERT", &cert),
        ("FERRUM_DICOM_TLS_KEY", &key),
        ("FERRUM_DICOM_TLS_CLIENT_CA", &garbage),
    ]);
    assert!(stderr.contains("FERRUM_DICOM_TLS_CLIENT_CA"), "{stderr}");
}
