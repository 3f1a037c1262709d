//! C-MOVE SCP (PS3.4 C.4.2): the instances C-GET would send ([`super::get::select`], by
//! unique keys, as the requesting node's account) go to the Move Destination instead, which
//! must be a known node: this server opens an association to its host and port as
//! `FERRUM_DICOM_AET` (C-STORE SCU), one presentation context per SOP class and stored
//! transfer syntax, and answers the requester with Pending responses and counts; a
//! C-CANCEL from the requester, read between sub-operations, stops it with `FE00`.
use std::collections::HashMap;

use dicom_dictionary_std::uids;
use dicom_ul::association::client::ClientAssociationOptions;
use dicom_ul::association::AsyncServerAssociation;
use dicom_ul::pdu::PresentationContextResultReason;
use ferrum_dicom::dimse::status;
use ferrum_store::model::DicomService;
use tokio::net::TcpStream;

use super::association::{send_command, Abort, Peer, Request};
use super::cancel::CancelWatch;
use super::get::{audit_export, retrieve_response, retriever, select, send_one, Counts};
use super::{Dimse, Wire};

pub(super) const PATIENT_ROOT: &str = uids::PATIENT_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_MOVE;
pub(super) const STUDY_ROOT: &str = uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_MOVE;
pub(super) const INFORMATION_MODELS: &[&str] = &[PATIENT_ROOT, STUDY_ROOT];

const C_MOVE_RSP: u16 = 0x8021;
/// Refused: Move Destination unknown.
const DESTINATION_UNKNOWN: u16 = 0xA801;
/// Refused: out of resources, unable to perform sub-operations (the destination cannot be
/// reached or accepts none of the objects' contexts).
const UNABLE_TO_PERFORM: u16 = 0xA702;

pub(super) async fn answer<S: Wire>(
    dimse: &Dimse,
    peer: &Peer,
    assoc: &mut AsyncServerAssociation<S>,
    request: &Request<'_>,
) -> Result<(), Abort> {
    let Request { pc, abstract_syntax, transfer_syntax, command, identifier } = *request;
    let respond = |code: u16, counts: Option<Counts>, comment: Option<&str>| {
        retrieve_response(C_MOVE_RSP, command, abstract_syntax, code, counts, comment)
    };
    if !INFORMATION_MODELS.contains(&abstract_syntax) {
        return send_command(assoc, pc, &respond(status::SOP_CLASS_NOT_SUPPORTED, None, None)).await;
    }
    let Some(principal) = retriever(dimse, peer, DicomService::Move, "move").await else {
        return send_command(assoc, pc, &respond(status::NOT_AUTHORIZED, None, Some("this AE may not retrieve"))).await;
    };
    let destination = match command.move_destination.as_deref() {
        Some(ae) => dimse.catalog.find_dicom_node(ae).await.ok().flatten(),
        None => None,
    };
    let Some(destination) = destination else {
        return send_command(assoc, pc, &respond(DESTINATION_UNKNOWN, None, Some("unknown move destination"))).await;
    };
    let instances = match select(dimse, principal, transfer_syntax, identifier).await {
        Ok(instances) => instances,
        Err((code, why)) => return send_command(assoc, pc, &respond(code, None, Some(why))).await,
    };
    let detail = serde_json::json!({ "via": "dimse", "service": "move", "destination": destination.ae_title });
    if audit_export(dimse, peer, &instances, detail).await.is_err() {
        return send_command(assoc, pc, &respond(status::UNABLE_TO_PROCESS, None, Some("audit unavailable"))).await;
    }
    let mut counts = Counts { remaining: instances.len(), ..Counts::default() };
    if instances.is_empty() {
        return send_command(assoc, pc, &respond(status::SUCCESS, Some(counts), None)).await;
    }
    // One presentation context per SOP class and stored transfer syntax: no transcoding.
    let mut proposed: Vec<(String, String)> = instances
        .iter()
        .map(|i| (i.sop_class_uid.clone().unwrap_or_default(), i.transfer_syntax_uid.clone()))
        .collect();
    proposed.sort();
    proposed.dedup();
    let mut options = ClientAssociationOptions::new()
        .calling_ae_title(dimse.config.ae_title.clone())
        .called_ae_title(destination.ae_title.clone())
        .max_pdu_length(dimse.config.max_pdu)
        .read_timeout(dimse.config.timeout)
        .write_timeout(dimse.config.timeout);
    // At most 128 presentation contexts fit an association request (odd ids 1–255).
    for (class, ts) in proposed.iter().take(128) {
        options = options.with_presentation_context(class.clone(), vec![ts.clone()]);
    }
    let target = (destination.host.as_str(), destination.port);
    let mut out = match options.establish_async(target).await {
        Ok(out) => out,
        Err(e) => {
            tracing::warn!(failure = %kind(&e), "C-MOVE destination cannot be reached");
            return send_command(assoc, pc, &respond(UNABLE_TO_PERFORM, None, Some("destination unreachable"))).await;
        }
    };
    let contexts: HashMap<u8, (String, String)> = out
        .presentation_contexts()
        .iter()
        .filter(|c| c.reason == PresentationContextResultReason::Acceptance)
        .map(|c| (c.id, (c.abstract_syntax.clone(), c.transfer_syntax.clone())))
        .collect();
    let mut next_id = 0u16;
    let mut watch = CancelWatch::new(command.message_id);
    let mut cancelled = false;
    for instance in &instances {
        if watch.cancelled(assoc)? {
            cancelled = true;
            break;
        }
        let sub = match send_one::<TcpStream, _>(dimse, &mut out, &contexts, instance, &mut next_id, 0).await {
            Ok((sub, _)) => sub,
            Err(_) => {
                // The destination went away: what is left fails.
                counts.failed += counts.remaining;
                counts.remaining = 0;
                break;
            }
        };
        counts.add(sub);
        if counts.remaining > 0 {
            send_command(assoc, pc, &respond(status::PENDING, Some(counts), None)).await?;
        }
    }
    let _ = out.release().await;
    let code = if cancelled { status::CANCEL } else { counts.final_status() };
    send_command(assoc, pc, &respond(code, Some(counts), None)).await
}

/// The kind of a failure to reach the destination, never its content.
fn kind(e: &dicom_ul::association::Error) -> &'static str {
    use dicom_ul::association::Error as E;
    match e {
        E::Connect { .. } | E::ToAddress { .. } => "connect",
        E::Rejected { .. } => "rejected",
        E::NoAcceptedPresentationContexts { .. } => "no_accepted_presentation_contexts",
        E::Timeout { .. } => "timeout",
        _ => "other",
    }
}
