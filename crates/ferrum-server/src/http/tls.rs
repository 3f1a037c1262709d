//! HTTPS served by the process itself, from the PEM files `FERRUM_TLS_CERT` and
//! `FERRUM_TLS_KEY`, with rustls on the aws-lc-rs provider (the one the S3 client already
//! links, so there is one crypto library in the binary). TLS 1.2 and 1.3 with rustls's safe
//! defaults; no client certificates. The files are read once at start-up.
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::config::SettingError;

/// The server's TLS configuration; each failure names the setting whose file is at fault.
pub fn load(cert: &Path, key: &Path) -> Result<ServerConfig, SettingError> {
    let cert_error = |why: String| SettingError { name: "FERRUM_TLS_CERT", why };
    let key_error = |why: String| SettingError { name: "FERRUM_TLS_KEY", why };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| cert_error(format!("cannot read {}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(format!("{} is not a PEM certificate chain: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(cert_error(format!("{} holds no CERTIFICATE block", cert.display())));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| key_error(format!("cannot read a PEM private key from {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| key_error(format!("TLS set-up: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| key_error(format!("the key does not fit the certificate of FERRUM_TLS_CERT: {e}")))
}
