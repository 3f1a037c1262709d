//! Who may open an association: the calling AE title must be a known node calling from its
//! host, with an account that is neither deleted nor disabled, and the called AE title must
//! be this server's. A refusal is the standard's A-ASSOCIATE-RJ (permanent, service user:
//! "calling AE title not recognized" or "called AE title not recognized", PS3.8 9.3.4);
//! a full listener answers transient, "local limit exceeded".
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dicom_ul::association::server::AccessControl;
use dicom_ul::pdu::{
    AssociationRJ, AssociationRJResult, AssociationRJServiceProviderPresentationReason, AssociationRJServiceUserReason,
    AssociationRJSource, UserIdentity,
};
use dicom_ul::Pdu;
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::model::DicomNode;
use tokio::io::AsyncWriteExt;

use super::{Dimse, Wire};

/// How long a host name of a node may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

/// What the acceptance decided for the association request.
#[derive(Debug, Clone)]
pub(super) enum Decision {
    Known(DicomNode),
    /// An AE title that is no node, admitted by `FERRUM_DICOM_ALLOW_UNKNOWN` (C-ECHO only).
    Unknown {
        calling: String,
    },
    Refused {
        calling: String,
        called: String,
        reason: &'static str,
    },
}

struct Candidate {
    node: DicomNode,
    addresses: Vec<IpAddr>,
}

/// The acceptance policy of one association request, holding the decision it makes.
#[derive(Clone)]
pub(super) struct NodeAccess {
    candidates: Arc<Vec<Candidate>>,
    peer: IpAddr,
    allow_unknown: bool,
    decision: Arc<Mutex<Option<Decision>>>,
}

/// An IPv4 peer reached through an IPv6 socket is still the IPv4 host.
pub(super) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

impl NodeAccess {
    /// The known nodes as they are now, host names resolved.
    pub(super) async fn load(dimse: &Dimse, peer: IpAddr) -> Result<NodeAccess, ferrum_store::StoreError> {
        let nodes = dimse.catalog.list_dicom_nodes().await?;
        let mut candidates = Vec::with_capacity(nodes.len());
        for node in nodes {
            let addresses = match node.host.parse::<IpAddr>() {
                Ok(ip) => vec![canonical(ip)],
                Err(_) => resolve(&node.host).await,
            };
            candidates.push(Candidate { node, addresses });
        }
        Ok(NodeAccess {
            candidates: Arc::new(candidates),
            peer: canonical(peer),
            allow_unknown: dimse.config.allow_unknown,
            decision: Arc::default(),
        })
    }

    pub(super) fn decision(&self) -> Option<Decision> {
        self.decision.lock().map(|d| d.clone()).unwrap_or(None)
    }

    fn decide(&self, this: &str, calling: &str, called: &str) -> Decision {
        let calling = calling.trim_matches([' ', '\0']).to_owned();
        let called = called.trim_matches([' ', '\0']).to_owned();
        let refused = |reason| Decision::Refused { calling: calling.clone(), called: called.clone(), reason };
        if called != this {
            return refused("called_ae_title");
        }
        match self.candidates.iter().find(|c| c.node.ae_title == calling) {
            Some(c) if !c.addresses.contains(&self.peer) => refused("host_mismatch"),
            Some(c) if !c.node.account_active => refused("account_inactive"),
            Some(c) => Decision::Known(c.node.clone()),
            None if self.allow_unknown => Decision::Unknown { calling },
            None => refused("unknown_ae_title"),
        }
    }
}

async fn resolve(host: &str) -> Vec<IpAddr> {
    match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, 0))).await {
        Ok(Ok(addrs)) => addrs.map(|a| canonical(a.ip())).collect(),
        _ => {
            tracing::warn!("a DICOM node's host name does not resolve; its associations are refused");
            Vec::new()
        }
    }
}

impl AccessControl for NodeAccess {
    fn check_access(
        &self,
        this_ae_title: &str,
        calling_ae_title: &str,
        called_ae_title: &str,
        _user_identity: Option<&UserIdentity>,
    ) -> Result<(), AssociationRJServiceUserReason> {
        let decision = self.decide(this_ae_title, calling_ae_title, called_ae_title);
        let answer = match &decision {
            Decision::Refused { reason: "called_ae_title", .. } => {
                Err(AssociationRJServiceUserReason::CalledAETitleNotRecognized)
            }
            Decision::Refused { .. } => Err(AssociationRJServiceUserReason::CallingAETitleNotRecognized),
            _ => Ok(()),
        };
        if let Ok(mut d) = self.decision.lock() {
            *d = Some(decision);
        }
        answer
    }
}

/// The event of an association request: accepted (for the node's account) or refused.
pub(super) fn association_event(peer: SocketAddr, calling: &str, called: &str, decision: &str) -> NewAuditEvent {
    let mut event = NewAuditEvent::new("anonymous", Action::DicomAssociation, Outcome::Denied);
    event.remote_addr = Some(canonical(peer.ip()).to_string());
    event.user_agent = Some(format!("dicom:{calling}"));
    event.detail =
        Some(serde_json::json!({ "calling_ae_title": calling, "called_ae_title": called, "decision": decision }));
    event
}

/// Answers an association request with a transient rejection (the listener is full).
pub(super) async fn reject_busy<S: Wire>(dimse: &Dimse, mut socket: S, peer: SocketAddr) {
    // Read the request first: closing with it unread would reset the connection before
    // the peer reads the answer.
    let mut buffer = bytes::BytesMut::new();
    let read = dicom_ul::association::read_pdu_from_wire_async(&mut socket, &mut buffer, dimse.config.max_pdu, true);
    let Ok(Ok(Pdu::AssociationRQ(rq))) = tokio::time::timeout(dimse.config.timeout, read).await else { return };
    let rj = Pdu::AssociationRJ(AssociationRJ {
        result: AssociationRJResult::Transient,
        source: AssociationRJSource::ServiceProviderPresentation(
            AssociationRJServiceProviderPresentationReason::LocalLimitExceeded,
        ),
    });
    let mut out = Vec::new();
    if dicom_ul::write_pdu(&mut out, &rj).is_ok() {
        let _ = socket.write_all(&out).await;
    }
    let event = association_event(peer, rq.calling_ae_title.trim(), rq.called_ae_title.trim(), "busy");
    if let Err(e) = dimse.catalog.append_audit(&event).await {
        tracing::error!(error = %e, "audit event could not be written");
    }
}
