//! One association: negotiation through dicom-ul, then DIMSE messages reassembled from
//! P-DATA fragments (a command set, then its data set if it has one) and answered one at a
//! time. A peer that breaks the protocol (a PDU larger than offered, a fragment for a
//! presentation context that was not accepted, a data set without its command, an
//! unreadable command set) gets an A-ABORT; the listener itself never stops.
use std::collections::HashMap;
use std::net::SocketAddr;

use dicom_dictionary_std::uids;
use dicom_ul::association::server::{Negotiation, ServerAssociationOptions};
use dicom_ul::association::{AsyncServerAssociation, Error as UlError};
use dicom_ul::pdu::{
    AbortRQServiceProviderReason, AbortRQSource, PDataValue, PDataValueType, PresentationContextResultReason,
    ReadError, RequestorRoles,
};
use dicom_ul::Pdu;
use ferrum_dicom::dimse::{field, status, Command, Response};
use ferrum_store::access::UserPrincipal;
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::model::{DicomNode, DicomService};
use ferrum_store::Principal;
use tokio::net::TcpStream;

use super::acceptance::{association_event, canonical, Decision, NodeAccess};
use super::store::Receiving;
use super::{Dimse, Wire};
use crate::ingest::{Session, Uploader};

/// The transfer syntaxes accepted for every presentation context: those Ferrum stores and
/// decodes. The caller's order of preference among them is kept.
pub(super) const TRANSFER_SYNTAXES: &[&str] = &[
    uids::EXPLICIT_VR_LITTLE_ENDIAN,
    uids::IMPLICIT_VR_LITTLE_ENDIAN,
    uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    // Explicit VR Big Endian: retired, still sent by old modalities.
    "1.2.840.10008.1.2.2",
    uids::JPEG_BASELINE8_BIT,
    uids::JPEG_EXTENDED12_BIT,
    uids::JPEG_LOSSLESS,
    uids::JPEG_LOSSLESS_SV1,
    uids::JPEGLS_LOSSLESS,
    uids::JPEGLS_NEAR_LOSSLESS,
    uids::JPEG2000_LOSSLESS,
    uids::JPEG2000,
    uids::JPEG2000MC_LOSSLESS,
    uids::JPEG2000MC,
    uids::RLE_LOSSLESS,
];

/// Largest command set taken (they hold a handful of short elements).
const MAX_COMMAND_BYTES: usize = 64 * 1024;

/// Who the association acts for.
/// What a query or retrieve request came with: its presentation context (and that context's
/// abstract and transfer syntax), the command and the identifier data set.
#[derive(Clone, Copy)]
pub(super) struct Request<'a> {
    pub pc: u8,
    pub abstract_syntax: &'a str,
    pub transfer_syntax: &'a str,
    pub command: &'a Command,
    pub identifier: &'a [u8],
}

pub(super) struct Peer {
    pub node: Option<DicomNode>,
    pub principal: Option<Principal>,
    pub calling: String,
    pub addr: SocketAddr,
    /// This association's id, on every audit event it causes.
    pub id: String,
}

impl Peer {
    pub(super) fn may(&self, service: DicomService) -> bool {
        self.principal.is_some() && self.node.as_ref().is_some_and(|n| n.may(service))
    }

    /// An event of this association, as its account (or `anonymous`).
    pub(super) fn event(&self, action: Action, outcome: Outcome) -> NewAuditEvent {
        let actor = self.principal.as_ref().map_or_else(|| "anonymous".to_owned(), |p| p.actor());
        let mut event = NewAuditEvent::new(actor, action, outcome);
        event.remote_addr = Some(canonical(self.addr.ip()).to_string());
        event.user_agent = Some(format!("dicom:{}", self.calling));
        event.request_id = Some(self.id.clone());
        event
    }
}

/// SCP/SCU role selection (PS3.7 D.3.3.4): a C-GET caller takes the SCP role of the storage
/// classes it offers, to receive the sub-operations; granted as asked for storage classes.
#[derive(Debug, Clone, Copy)]
pub(super) struct StorageRoles;

impl Negotiation for StorageRoles {
    fn negotiate_roles(&self, sop_class_uid: &str, scu: bool, scp: bool) -> Option<RequestorRoles> {
        let class = sop_class_uid.trim_end_matches(['\0', ' ']);
        ferrum_dicom::dimse::is_storage_sop_class(class).then_some(RequestorRoles { scu, scp })
    }
}

fn options(dimse: &Dimse, access: NodeAccess) -> ServerAssociationOptions<'static, NodeAccess, StorageRoles> {
    let mut options = ServerAssociationOptions::new()
        .ae_access_control(access)
        .with_negotiation(StorageRoles)
        .ae_title(dimse.config.ae_title.clone())
        .max_pdu_length(dimse.config.max_pdu)
        .strict(true)
        .read_timeout(dimse.config.timeout)
        .write_timeout(dimse.config.timeout)
        .with_abstract_syntax(uids::VERIFICATION);
    for uid in ferrum_dicom::dimse::storage_sop_classes() {
        options = options.with_abstract_syntax(uid);
    }
    let models = [super::find::INFORMATION_MODELS, super::get::INFORMATION_MODELS, super::move_scp::INFORMATION_MODELS];
    for uid in models.concat() {
        options = options.with_abstract_syntax(uid);
    }
    for ts in TRANSFER_SYNTAXES {
        options = options.with_transfer_syntax(*ts);
    }
    options
}

pub(super) async fn serve(dimse: &Dimse, socket: TcpStream, addr: SocketAddr) {
    let access = match NodeAccess::load(dimse, addr.ip()).await {
        Ok(access) => access,
        Err(e) => {
            tracing::error!(error = %e, "DICOM association refused: the known nodes cannot be read");
            return;
        }
    };
    let options = options(dimse, access.clone());
    match &dimse.tls {
        None => {
            let established = options.establish_async(socket).await.map_err(|e| failure_kind(&e));
            converse(dimse, addr, &access, established).await;
        }
        Some(tls) => {
            // dicom-ul's read timeout starts after the TLS handshake: the whole request,
            // handshake included, gets the association timeout.
            let options = options.tls_config(tls.clone());
            let establish = options.establish_tls_async(socket);
            let established = match tokio::time::timeout(dimse.config.timeout, establish).await {
                Ok(established) => established.map_err(|e| failure_kind(&e)),
                Err(_) => Err("timeout"),
            };
            converse(dimse, addr, &access, established).await;
        }
    }
}

/// The association once negotiated (or the request's failure, by its kind), on TCP or TLS.
async fn converse<S: Wire>(
    dimse: &Dimse,
    addr: SocketAddr,
    access: &NodeAccess,
    established: Result<AsyncServerAssociation<S>, &'static str>,
) {
    let decision = access.decision();
    let assoc = match established {
        Ok(assoc) => assoc,
        Err(failure) => {
            match decision {
                Some(Decision::Refused { calling, called, reason }) => {
                    tracing::info!(reason, "DICOM association rejected");
                    let event = association_event(addr, &calling, &called, reason);
                    if let Err(e) = dimse.catalog.append_audit(&event).await {
                        tracing::error!(error = %e, "audit event could not be written");
                    }
                }
                // The kind only: the error's text can hold the PDU, which can hold patient data.
                _ => tracing::info!(failure, "DICOM association request failed"),
            }
            return;
        }
    };
    let Some(peer) = admit(dimse, addr, decision).await else {
        let _ = assoc.abort().await;
        return;
    };
    let mut event = peer.event(Action::DicomAssociation, Outcome::Allowed);
    event.detail = Some(serde_json::json!({
        "calling_ae_title": peer.calling,
        "called_ae_title": dimse.config.ae_title,
        "decision": "accepted",
    }));
    if let Err(e) = dimse.catalog.append_audit(&event).await {
        // Fail closed, as every access to patient data does.
        tracing::error!(error = %e, "audit event could not be written; association aborted");
        let _ = assoc.abort().await;
        return;
    }
    // An ingest session only for a node with an account: an unknown caller (C-ECHO only)
    // has nothing to store with.
    let session = match (&peer.principal, &peer.node) {
        (Some(principal), Some(node)) => Some(dimse.ingestor.session(Uploader {
            principal: principal.clone(),
            username: node.account.clone(),
            audit: peer.event(Action::Upload, Outcome::Allowed),
        })),
        _ => None,
    };
    let mut conversation = Conversation::new(dimse, &peer, &assoc, session);
    conversation.run(assoc).await;
}

/// The principal of an accepted association: its node's account as it is now.
async fn admit(dimse: &Dimse, addr: SocketAddr, decision: Option<Decision>) -> Option<Peer> {
    let id = uuid::Uuid::new_v4().to_string();
    match decision? {
        Decision::Known(node) => {
            let user = dimse.catalog.find_user(&node.account).await.ok().flatten()?;
            if user.deleted || user.disabled {
                return None;
            }
            let groups = dimse.catalog.groups_of(user.id).await.ok()?;
            let principal =
                Principal::User(UserPrincipal { id: user.id, username: user.username, role: user.role, groups });
            let calling = node.ae_title.clone();
            Some(Peer { node: Some(node), principal: Some(principal), calling, addr, id })
        }
        Decision::Unknown { calling } => Some(Peer { node: None, principal: None, calling, addr, id }),
        Decision::Refused { .. } => None,
    }
}

/// A request whose command set is in, waiting for its data set.
enum Awaiting {
    Store(Box<Receiving>),
    Identifier(Vec<u8>),
}

struct InFlight {
    pc: u8,
    command: Command,
    data: Awaiting,
}

/// Why the association must end with an A-ABORT.
pub(super) struct Abort(pub(super) AbortRQServiceProviderReason, pub(super) &'static str);

struct Conversation<'a> {
    dimse: &'a Dimse,
    peer: &'a Peer,
    /// Accepted presentation contexts: id → (abstract syntax, transfer syntax).
    contexts: HashMap<u8, (String, String)>,
    session: Option<Session<'a>>,
    command_bytes: Vec<u8>,
    command_pc: Option<u8>,
    in_flight: Option<InFlight>,
    /// The last Message ID this server used for a request of its own (C-GET sub-operations).
    next_id: u16,
}

impl<'a> Conversation<'a> {
    fn new<S: Wire>(
        dimse: &'a Dimse,
        peer: &'a Peer,
        assoc: &AsyncServerAssociation<S>,
        session: Option<Session<'a>>,
    ) -> Conversation<'a> {
        let contexts = assoc
            .presentation_contexts()
            .iter()
            .filter(|pc| pc.reason == PresentationContextResultReason::Acceptance)
            .map(|pc| (pc.id, (pc.abstract_syntax.clone(), pc.transfer_syntax.clone())))
            .collect();
        Conversation {
            dimse,
            peer,
            contexts,
            session,
            command_bytes: Vec::new(),
            command_pc: None,
            in_flight: None,
            next_id: 0,
        }
    }

    async fn run<S: Wire>(&mut self, mut assoc: AsyncServerAssociation<S>) {
        loop {
            let pdu = match assoc.receive().await {
                Ok(pdu) => pdu,
                Err(e) => {
                    let reason = match &e {
                        UlError::ConnectionClosed { .. } | UlError::WireRead { .. } => return,
                        UlError::ReceivePdu { source: ReadError::PduTooLarge { .. }, .. } => {
                            Abort(AbortRQServiceProviderReason::InvalidPduParameter, "pdu_too_large")
                        }
                        UlError::Timeout { .. } => Abort(AbortRQServiceProviderReason::ReasonNotSpecified, "timeout"),
                        _ => Abort(AbortRQServiceProviderReason::UnrecognizedPdu, "unreadable_pdu"),
                    };
                    self.abort(assoc, reason).await;
                    return;
                }
            };
            match pdu {
                Pdu::PData { data } => {
                    for pdv in data {
                        match self.fragment(pdv).await {
                            Ok(None) => {}
                            Ok(Some(done)) => {
                                if let Err(reason) = self.answer(&mut assoc, done).await {
                                    self.abort(assoc, reason).await;
                                    return;
                                }
                            }
                            Err(reason) => {
                                self.abort(assoc, reason).await;
                                return;
                            }
                        }
                    }
                }
                Pdu::ReleaseRQ => {
                    let _ = assoc.send(&Pdu::ReleaseRP).await;
                    return;
                }
                Pdu::AbortRQ { .. } => return,
                _ => {
                    self.abort(assoc, Abort(AbortRQServiceProviderReason::UnexpectedPdu, "unexpected_pdu")).await;
                    return;
                }
            }
        }
    }

    async fn abort<S: Wire>(&mut self, mut assoc: AsyncServerAssociation<S>, Abort(reason, why): Abort) {
        tracing::info!(reason = why, "DICOM association aborted");
        let _ = assoc.send(&Pdu::AbortRQ { source: AbortRQSource::ServiceProvider(reason) }).await;
    }

    /// Takes one P-DATA fragment; answers a request once all of it is in.
    async fn fragment(&mut self, pdv: PDataValue) -> Result<Option<InFlight>, Abort> {
        let Some((abstract_syntax, transfer_syntax)) = self.contexts.get(&pdv.presentation_context_id).cloned() else {
            return Err(Abort(AbortRQServiceProviderReason::InvalidPduParameter, "unknown_presentation_context"));
        };
        match pdv.value_type {
            PDataValueType::Command => {
                if self.in_flight.is_some() || self.command_pc.is_some_and(|pc| pc != pdv.presentation_context_id) {
                    return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "command_out_of_turn"));
                }
                if self.command_bytes.len() + pdv.data.len() > MAX_COMMAND_BYTES {
                    return Err(Abort(AbortRQServiceProviderReason::InvalidPduParameter, "command_too_large"));
                }
                self.command_pc = Some(pdv.presentation_context_id);
                self.command_bytes.extend_from_slice(&pdv.data);
                if !pdv.is_last {
                    return Ok(None);
                }
                self.command_pc = None;
                let bytes = std::mem::take(&mut self.command_bytes);
                let command = Command::read(&bytes)
                    .map_err(|_| Abort(AbortRQServiceProviderReason::InvalidPduParameter, "unreadable_command"))?;
                let pc = pdv.presentation_context_id;
                if !command.has_data_set {
                    return Ok(Some(InFlight { pc, command, data: Awaiting::Identifier(Vec::new()) }));
                }
                let data = match command.field {
                    field::C_STORE_RQ => Awaiting::Store(Box::new(
                        Receiving::start(self.dimse, self.peer, &command, &abstract_syntax, &transfer_syntax).await,
                    )),
                    _ => Awaiting::Identifier(Vec::new()),
                };
                self.in_flight = Some(InFlight { pc, command, data });
                Ok(None)
            }
            PDataValueType::Data => {
                let Some(in_flight) = self.in_flight.as_mut().filter(|f| f.pc == pdv.presentation_context_id) else {
                    return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "data_without_command"));
                };
                match &mut in_flight.data {
                    Awaiting::Store(receiving) => receiving.write(&pdv.data).await,
                    Awaiting::Identifier(buffer) => {
                        if buffer.len() + pdv.data.len() > super::find::MAX_IDENTIFIER_BYTES {
                            return Err(Abort(
                                AbortRQServiceProviderReason::InvalidPduParameter,
                                "identifier_too_large",
                            ));
                        }
                        buffer.extend_from_slice(&pdv.data);
                    }
                }
                if pdv.is_last {
                    Ok(self.in_flight.take())
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Answers a complete request.
    async fn answer<S: Wire>(&mut self, assoc: &mut AsyncServerAssociation<S>, done: InFlight) -> Result<(), Abort> {
        let InFlight { pc, command, data } = done;
        let (abstract_syntax, transfer_syntax) = self.contexts.get(&pc).cloned().unwrap_or_default();
        match (command.field, data) {
            (field::C_ECHO_RQ, _) => {
                let mut rsp = Response::new(field::C_ECHO_RSP, &command, status::SUCCESS);
                rsp.sop_class_uid = Some(uids::VERIFICATION.to_owned());
                send_command(assoc, pc, &rsp).await
            }
            (field::C_STORE_RQ, Awaiting::Store(receiving)) => {
                let rsp = receiving.finish(self.session.as_mut(), &command).await;
                send_command(assoc, pc, &rsp).await
            }
            (field::C_FIND_RQ | field::C_GET_RQ | field::C_MOVE_RQ, Awaiting::Identifier(identifier)) => {
                let request = Request {
                    pc,
                    abstract_syntax: &abstract_syntax,
                    transfer_syntax: &transfer_syntax,
                    command: &command,
                    identifier: &identifier,
                };
                match command.field {
                    field::C_FIND_RQ => super::find::answer(self.dimse, self.peer, assoc, &request).await,
                    field::C_GET_RQ => {
                        let contexts = &self.contexts;
                        super::get::answer(self.dimse, self.peer, assoc, contexts, &request, &mut self.next_id).await
                    }
                    _ => super::move_scp::answer(self.dimse, self.peer, assoc, &request).await,
                }
            }
            // A C-CANCEL of a running C-FIND, C-GET or C-MOVE is read while it runs
            // (`cancel.rs`, `get.rs`); one that comes after the final response has nothing
            // left to cancel. C-CANCEL has no response.
            (field::C_CANCEL_RQ, _) => Ok(()),
            (other, _) => {
                let mut rsp = Response::new(other | 0x8000, &command, status::UNRECOGNIZED_OPERATION);
                rsp.comment = Some("operation not supported".into());
                send_command(assoc, pc, &rsp).await
            }
        }
    }
}

/// What went wrong with an association request, without its content.
fn failure_kind(e: &UlError) -> &'static str {
    match e {
        UlError::ConnectionClosed { .. } | UlError::WireRead { .. } => "connection_closed",
        UlError::Timeout { .. } => "timeout",
        UlError::ReceivePdu { source: ReadError::PduTooLarge { .. }, .. } => "pdu_too_large",
        UlError::ReceivePdu { .. } => "unreadable_pdu",
        UlError::UnexpectedPdu { .. } => "unexpected_pdu",
        UlError::UnknownPdu { .. } => "unknown_pdu",
        UlError::Aborted { .. } => "aborted",
        UlError::TlsHandshake { .. } => "tls_handshake",
        _ => "other",
    }
}

/// Sends a command set with no data set.
pub(super) async fn send_command<S: Wire>(
    assoc: &mut AsyncServerAssociation<S>,
    pc: u8,
    rsp: &Response,
) -> Result<(), Abort> {
    let data = rsp.encode().map_err(|_| Abort(AbortRQServiceProviderReason::ReasonNotSpecified, "encode"))?;
    let pdu = Pdu::PData {
        data: vec![PDataValue {
            presentation_context_id: pc,
            value_type: PDataValueType::Command,
            is_last: true,
            data,
        }],
    };
    assoc.send(&pdu).await.map_err(|_| Abort(AbortRQServiceProviderReason::ReasonNotSpecified, "send"))
}
