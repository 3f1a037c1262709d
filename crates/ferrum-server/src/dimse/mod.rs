//! The DICOM listener (DIMSE over the DICOM upper layer, PS3.7/PS3.8), in `ferrum serve`
//! when `FERRUM_DICOM_BIND` is set. The upper layer (A-ASSOCIATE negotiation, PDUs) is
//! dicom-ul's; this module decides who may associate ([`acceptance`]), reassembles DIMSE
//! messages from P-DATA ([`association`]) and answers them: C-ECHO, C-STORE through the
//! same ingest pipeline as HTTP uploads ([`store`]), C-FIND on the study search engine
//! ([`find`]), C-GET sending the stored objects back on the association ([`get`]), C-MOVE
//! sending them to a known node ([`move_scp`]). With `FERRUM_DICOM_TLS_CERT` and
//! `FERRUM_DICOM_TLS_KEY` the listener speaks DICOM over TLS only ([`tls`]).
//!
//! Every association acts for one known node's account, through the catalog's one access
//! predicate; its acceptance or rejection is audited, and so is everything it then does.
mod acceptance;
mod association;
mod cancel;
mod find;
mod get;
mod move_scp;
mod store;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ferrum_store::Catalog;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::ingest::Ingestor;

/// The listener's limits and identity, from the settings.
#[derive(Debug, Clone)]
pub struct DimseConfig {
    pub ae_title: String,
    pub allow_unknown: bool,
    pub max_pdu: u32,
    pub max_object_bytes: u64,
    pub max_associations: usize,
    pub timeout: Duration,
}

impl DimseConfig {
    pub fn from_settings(settings: &Settings) -> DimseConfig {
        DimseConfig {
            ae_title: ferrum_dicom::AeTitle::parse(&settings.dicom_aet)
                .map(|t| t.as_str().to_owned())
                .unwrap_or_else(|_| settings.dicom_aet.clone()),
            allow_unknown: settings.dicom_allow_unknown,
            max_pdu: settings.dicom_max_pdu,
            max_object_bytes: settings.dicom_max_object_bytes,
            max_associations: settings.dicom_max_associations,
            timeout: Duration::from_secs(settings.dicom_timeout_secs),
        }
    }
}

/// What every association shares.
pub struct Dimse {
    pub catalog: Arc<dyn Catalog>,
    pub ingestor: Arc<Ingestor>,
    pub config: DimseConfig,
    /// The listener's TLS, when it speaks DICOM over TLS.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// The byte stream an association runs on: TCP, or TLS over TCP.
pub(crate) trait Wire: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Wire for T {}

/// The running listener: where it is bound, and its accept loop, which ends once `stop` was
/// cancelled and the associations in progress are over.
pub struct Listener {
    pub addr: SocketAddr,
    pub stopped: tokio::task::JoinHandle<()>,
}

/// Binds the listener and serves associations until `stop` is cancelled; then accepts no
/// more and lets the associations in progress finish (the caller bounds how long it waits).
pub async fn start(addr: SocketAddr, dimse: Arc<Dimse>, stop: CancellationToken) -> anyhow::Result<Listener> {
    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("FERRUM_DICOM_BIND: cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    let max = dimse.config.max_associations;
    let slots = Arc::new(Semaphore::new(max));
    let stopped = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = stop.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (socket, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "DICOM listener cannot accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = socket.set_nodelay(true);
            let dimse = dimse.clone();
            match slots.clone().try_acquire_owned() {
                Ok(permit) => {
                    tokio::spawn(async move {
                        association::serve(&dimse, socket, peer).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    tokio::spawn(async move { tls::reject_busy(&dimse, socket, peer).await });
                }
            }
        }
        drop(listener);
        // Every slot back: no association is left.
        let _ = slots.acquire_many(u32::try_from(max).unwrap_or(u32::MAX)).await;
    });
    Ok(Listener { addr: bound, stopped })
}
