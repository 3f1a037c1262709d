//! DICOM over TLS (PS3.15 B.1, the TLS secure transport connection profile): with
//! `FERRUM_DICOM_TLS_CERT` and `FERRUM_DICOM_TLS_KEY` every association of the listener
//! runs over TLS 1.2 or 1.3 (rustls, through dicom-ul's own TLS acceptor), and a peer that
//! speaks plain DICOM is refused at the handshake. With `FERRUM_DICOM_TLS_CLIENT_CA` a
//! client must also present a certificate that CA issued (mutual TLS); which AE titles may
//! associate is still the known nodes' decision.
use std::net::SocketAddr;
use std::sync::Arc;

use rustls::ServerConfig;
use tokio::net::TcpStream;

use super::{acceptance, Dimse};
use crate::config::{DicomTlsFiles, SettingError, Settings};
use crate::http::tls::{server_config, Pem};

/// The listener's TLS configuration, when the settings ask for one; a failure names the
/// setting whose file is at fault.
pub fn load(settings: &Settings) -> Result<Option<Arc<ServerConfig>>, SettingError> {
    let Some(DicomTlsFiles { cert, key, client_ca }) = settings.dicom_tls_files()? else { return Ok(None) };
    let config = server_config(
        Pem { path: cert, setting: "FERRUM_DICOM_TLS_CERT" },
        Pem { path: key, setting: "FERRUM_DICOM_TLS_KEY" },
        client_ca.map(|path| Pem { path, setting: "FERRUM_DICOM_TLS_CLIENT_CA" }),
    )?;
    Ok(Some(Arc::new(config)))
}

/// The transient rejection of a full listener, over TLS when the listener speaks it.
pub(super) async fn reject_busy(dimse: &Dimse, socket: TcpStream, peer: SocketAddr) {
    let Some(config) = &dimse.tls else {
        return acceptance::reject_busy(dimse, socket, peer).await;
    };
    let handshake = tokio_rustls::TlsAcceptor::from(config.clone()).accept(socket);
    if let Ok(Ok(stream)) = tokio::time::timeout(dimse.config.timeout, handshake).await {
        acceptance::reject_busy(dimse, stream, peer).await;
    }
}
