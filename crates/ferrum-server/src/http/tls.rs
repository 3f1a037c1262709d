//! HTTPS served by the process itself, from the PEM files `FERRUM_TLS_CERT` and
//! `FERRUM_TLS_KEY`, with rustls on the aws-lc-rs provider (the one the S3 client already
//! links, so there is one crypto library in the binary). TLS 1.2 and 1.3 with rustls's safe
//! defaults; no client certificates. The files are read once at start-up. The DICOM
//! listener's TLS (`crate::dimse::tls`) is built by the same [`server_config`].
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::config::SettingError;

/// The server's TLS configuration; each failure names the setting whose file is at fault.
pub fn load(cert: &Path, key: &Path) -> Result<ServerConfig, SettingError> {
    server_config(Pem { path: cert, setting: "FERRUM_TLS_CERT" }, Pem { path: key, setting: "FERRUM_TLS_KEY" }, None)
}

/// A PEM file and the setting that names it.
#[derive(Clone, Copy)]
pub struct Pem<'a> {
    pub path: &'a Path,
    pub setting: &'static str,
}

/// A PEM file's certificates (at least one).
fn certificates(pem: Pem<'_>) -> Result<Vec<CertificateDer<'static>>, SettingError> {
    let error = |why: String| SettingError { name: pem.setting, why };
    let path = pem.path.display();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(pem.path)
        .map_err(|e| error(format!("cannot read {path}: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| error(format!("{path} is not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(error(format!("{path} holds no CERTIFICATE block")));
    }
    Ok(chain)
}

/// TLS 1.2 and 1.3 with the certificate chain `cert` and its `key`; with `client_ca`, every
/// client must present a certificate issued by one of that file's certificates.
pub fn server_config(cert: Pem<'_>, key: Pem<'_>, client_ca: Option<Pem<'_>>) -> Result<ServerConfig, SettingError> {
    let key_error = |why: String| SettingError { name: key.setting, why };
    let chain = certificates(cert)?;
    let private = PrivateKeyDer::from_pem_file(key.path)
        .map_err(|e| key_error(format!("cannot read a PEM private key from {}: {e}", key.path.display())))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| key_error(format!("TLS set-up: {e}")))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let ca_error = |why: String| SettingError { name: ca.setting, why };
            let mut roots = RootCertStore::empty();
            for c in certificates(ca)? {
                roots.add(c).map_err(|e| ca_error(format!("{}: {e}", ca.path.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| ca_error(format!("{}: {e}", ca.path.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    builder
        .with_single_cert(chain, private)
        .map_err(|e| key_error(format!("the key does not fit the certificate of {}: {e}", cert.setting)))
}
