//! C-GET SCP (PS3.4 C.4.3) for the Patient Root and Study Root information models: the
//! identifier's unique keys select instances on the search engine, as the node's account;
//! each goes back on the same association as a C-STORE sub-operation (the stored data set
//! as it is, in a presentation context the caller offered for its SOP class and transfer
//! syntax, with the SCP role), with a Pending response and its counts after each, and a
//! C-CANCEL honoured between sub-operations.
use std::collections::HashMap;

use dicom_dictionary_std::uids;
use dicom_ul::association::{AsyncAssociation, AsyncServerAssociation};
use dicom_ul::pdu::{AbortRQServiceProviderReason, PDataValue, PDataValueType};
use dicom_ul::Pdu;
use ferrum_dicom::dimse::{field, status, Command, Response};
use ferrum_store::audit::{Action, Outcome};
use ferrum_store::catalog::QidoLevel;
use ferrum_store::model::{DicomService, InstanceRecord};
use ferrum_store::{BlobKey, Principal};
use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;

use super::association::{send_command, Abort, Peer, Request};
use super::{Dimse, Wire};
use crate::routes::dicomweb::qido;

pub(super) const PATIENT_ROOT: &str = uids::PATIENT_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_GET;
pub(super) const STUDY_ROOT: &str = uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_GET;
pub(super) const INFORMATION_MODELS: &[&str] = &[PATIENT_ROOT, STUDY_ROOT];

/// Most instances one C-GET sends.
const MAX_INSTANCES: i64 = 10_000;

/// How one sub-operation ended.
pub(super) enum Sub {
    Completed,
    Warning,
    Failed,
}

/// Counts of the sub-operations: remaining, completed, failed, warning.
#[derive(Default, Clone, Copy)]
pub(super) struct Counts {
    pub remaining: usize,
    pub completed: usize,
    pub failed: usize,
    pub warning: usize,
}

impl Counts {
    pub(super) fn add(&mut self, sub: Sub) {
        self.remaining -= 1;
        match sub {
            Sub::Completed => self.completed += 1,
            Sub::Warning => self.warning += 1,
            Sub::Failed => self.failed += 1,
        }
    }

    /// The final status: success, or sub-operations complete with failures or warnings.
    pub(super) fn final_status(self) -> u16 {
        if self.failed + self.warning > 0 {
            status::SUBOPERATIONS_WITH_FAILURES
        } else {
            status::SUCCESS
        }
    }

    pub(super) fn as_array(self) -> [u16; 4] {
        let n = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
        [n(self.remaining), n(self.completed), n(self.failed), n(self.warning)]
    }
}

/// A C-GET or C-MOVE response (`kind`) to `command`, on the information model it came on.
pub(super) fn retrieve_response(
    kind: u16,
    command: &Command,
    abstract_syntax: &str,
    code: u16,
    counts: Option<Counts>,
    comment: Option<&str>,
) -> Response {
    let mut rsp = Response::new(kind, command, code);
    rsp.sop_class_uid = Some(abstract_syntax.to_owned());
    rsp.counts = counts.map(Counts::as_array);
    rsp.comment = comment.map(str::to_owned);
    rsp
}

/// The node's account when the node may use `service` (C-GET or C-MOVE, `name` in the audit
/// detail); otherwise the refusal is audited and there is none.
pub(super) async fn retriever<'p>(
    dimse: &Dimse,
    peer: &'p Peer,
    service: DicomService,
    name: &str,
) -> Option<&'p Principal> {
    if let Some(principal) = peer.principal.as_ref().filter(|_| peer.may(service)) {
        return Some(principal);
    }
    let mut event = peer.event(Action::ExportStudy, Outcome::Denied);
    event.detail = Some(serde_json::json!({ "via": "dimse", "service": name, "reason": "service_not_allowed" }));
    if let Err(e) = dimse.catalog.append_audit(&event).await {
        tracing::error!(error = %e, "audit event could not be written");
    }
    None
}

pub(super) async fn answer<S: Wire>(
    dimse: &Dimse,
    peer: &Peer,
    assoc: &mut AsyncServerAssociation<S>,
    contexts: &HashMap<u8, (String, String)>,
    request: &Request<'_>,
    next_id: &mut u16,
) -> Result<(), Abort> {
    let Request { pc, abstract_syntax, transfer_syntax, command, identifier } = *request;
    let respond = |code: u16, counts: Option<Counts>, comment: Option<&str>| {
        retrieve_response(field::C_GET_RSP, command, abstract_syntax, code, counts, comment)
    };
    if !INFORMATION_MODELS.contains(&abstract_syntax) {
        return send_command(assoc, pc, &respond(status::SOP_CLASS_NOT_SUPPORTED, None, None)).await;
    }
    let Some(principal) = retriever(dimse, peer, DicomService::Get, "get").await else {
        return send_command(assoc, pc, &respond(status::NOT_AUTHORIZED, None, Some("this AE may not retrieve"))).await;
    };
    let instances = match select(dimse, principal, transfer_syntax, identifier).await {
        Ok(instances) => instances,
        Err((code, why)) => return send_command(assoc, pc, &respond(code, None, Some(why))).await,
    };
    if audit_export(dimse, peer, &instances, serde_json::json!({ "via": "dimse", "service": "get" })).await.is_err() {
        return send_command(assoc, pc, &respond(status::UNABLE_TO_PROCESS, None, Some("audit unavailable"))).await;
    }
    let mut counts = Counts { remaining: instances.len(), ..Counts::default() };
    let mut cancelled = false;
    for instance in &instances {
        let (sub, cancel) = send_one::<S, _>(dimse, assoc, contexts, instance, next_id, command.message_id).await?;
        cancelled |= cancel;
        counts.add(sub);
        if cancelled {
            break;
        }
        if counts.remaining > 0 {
            send_command(assoc, pc, &respond(status::PENDING, Some(counts), None)).await?;
        }
    }
    let code = if cancelled { status::CANCEL } else { counts.final_status() };
    if !cancelled {
        counts.remaining = 0;
    }
    send_command(assoc, pc, &respond(code, Some(counts), None)).await
}

/// The instances the identifier's unique keys name, as the principal may see them.
pub(super) async fn select(
    dimse: &Dimse,
    principal: &ferrum_store::Principal,
    transfer_syntax: &str,
    identifier: &[u8],
) -> Result<Vec<InstanceRecord>, (u16, &'static str)> {
    let bad = (status::IDENTIFIER_DOES_NOT_MATCH, "invalid identifier");
    let identifier = ferrum_dicom::dimse::read_identifier(identifier, transfer_syntax).map_err(|_| bad)?;
    if !matches!(identifier.level.as_str(), "PATIENT" | "STUDY" | "SERIES" | "IMAGE") {
        return Err((status::IDENTIFIER_DOES_NOT_MATCH, "no valid Query/Retrieve Level"));
    }
    // Only the unique keys select (PS3.4 C.4.3.1.2: a retrieve is not a search).
    let params: Vec<(String, String)> = identifier
        .keys
        .iter()
        .map(|k| (k.json_tag(), k.value.clone()))
        .filter(|(tag, value)| {
            !value.is_empty() && matches!(tag.as_str(), "00100020" | "0020000D" | "0020000E" | "00080018")
        })
        .collect();
    if params.is_empty() {
        return Err((status::IDENTIFIER_DOES_NOT_MATCH, "no unique key"));
    }
    let mut parsed = qido::parse(QidoLevel::Instance, None, None, params).map_err(|_| bad)?;
    parsed.query.limit = MAX_INSTANCES;
    let failed = |e: ferrum_store::StoreError| {
        tracing::error!(error = %e, "C-GET failed");
        (status::UNABLE_TO_PROCESS, "search failed")
    };
    let rows = dimse.catalog.qido(principal, &parsed.query).await.map_err(failed)?;
    let mut instances = Vec::with_capacity(rows.len());
    for sop in rows.iter().filter_map(|r| r.sop_uid.as_deref()) {
        if let Some(record) = dimse.catalog.find_instance(principal, sop).await.map_err(failed)? {
            instances.push(record);
        }
    }
    Ok(instances)
}

/// Records the retrieve before anything is sent, one `export_study` event per study with
/// `detail` and its instance count: fails closed.
pub(super) async fn audit_export(
    dimse: &Dimse,
    peer: &Peer,
    instances: &[InstanceRecord],
    detail: serde_json::Value,
) -> Result<(), ()> {
    let mut per_study: Vec<(&str, usize)> = Vec::new();
    for i in instances {
        match per_study.iter_mut().find(|(s, _)| *s == i.study_instance_uid) {
            Some((_, n)) => *n += 1,
            None => per_study.push((&i.study_instance_uid, 1)),
        }
    }
    for (study, n) in per_study {
        let mut event = peer.event(Action::ExportStudy, Outcome::Allowed);
        event.study_uid = Some(study.to_owned());
        let mut d = detail.clone();
        d["instances"] = n.into();
        event.detail = Some(d);
        if let Err(e) = dimse.catalog.append_audit(&event).await {
            tracing::error!(error = %e, "audit event could not be written; retrieve refused");
            return Err(());
        }
    }
    Ok(())
}

fn lost(_: impl std::fmt::Debug) -> Abort {
    Abort(AbortRQServiceProviderReason::ReasonNotSpecified, "send")
}

/// Sends one instance as a C-STORE sub-operation and reads its response, on the C-GET's own
/// association or on C-MOVE's to its destination; also says whether a C-CANCEL of the
/// C-GET came meanwhile.
pub(super) async fn send_one<S: Wire, A>(
    dimse: &Dimse,
    assoc: &mut A,
    contexts: &HashMap<u8, (String, String)>,
    instance: &InstanceRecord,
    next_id: &mut u16,
    get_id: u16,
) -> Result<(Sub, bool), Abort>
where
    A: AsyncAssociation<S> + Send,
{
    let class = instance.sop_class_uid.clone().unwrap_or_default();
    // No transcoding: the caller must have offered the syntax the object is stored in.
    let Some(pc) =
        contexts.iter().find(|(_, (a, t))| *a == class && *t == instance.transfer_syntax_uid).map(|(id, _)| *id)
    else {
        return Ok((Sub::Failed, false));
    };
    let Ok(key) = BlobKey::parse(&instance.blob_key) else { return Ok((Sub::Failed, false)) };
    let object = match dimse.ingestor.blobs.get(&key, None).await {
        Ok(stream) => match stream.try_collect::<Vec<bytes::Bytes>>().await {
            Ok(chunks) => chunks.concat(),
            Err(_) => return Ok((Sub::Failed, false)),
        },
        Err(e) => {
            tracing::error!(error = %e, "C-GET cannot read a stored object");
            return Ok((Sub::Failed, false));
        }
    };
    let Ok((start, _)) = ferrum_dicom::dimse::data_set_start(&object) else { return Ok((Sub::Failed, false)) };
    *next_id = next_id.wrapping_add(1);
    let Ok(request) = ferrum_dicom::dimse::store_request(*next_id, &class, &instance.sop_instance_uid) else {
        return Ok((Sub::Failed, false));
    };
    let pdu = Pdu::PData {
        data: vec![PDataValue {
            presentation_context_id: pc,
            value_type: PDataValueType::Command,
            is_last: true,
            data: request,
        }],
    };
    AsyncAssociation::send(assoc, &pdu).await.map_err(lost)?;
    let mut writer = AsyncAssociation::send_pdata(assoc, pc);
    writer.write_all(&object[start..]).await.map_err(lost)?;
    writer.finish().await.map_err(lost)?;
    // The sub-operation's response, and perhaps a C-CANCEL of the C-GET before it.
    let mut cancelled = false;
    let mut command = Vec::new();
    loop {
        match AsyncAssociation::receive(assoc).await {
            Ok(Pdu::PData { data }) => {
                for pdv in data {
                    if pdv.value_type != PDataValueType::Command {
                        return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "data_during_get"));
                    }
                    command.extend_from_slice(&pdv.data);
                    if !pdv.is_last {
                        continue;
                    }
                    let c = Command::read(&std::mem::take(&mut command))
                        .map_err(|_| Abort(AbortRQServiceProviderReason::InvalidPduParameter, "unreadable_command"))?;
                    match c.field {
                        field::C_CANCEL_RQ if c.responding_to == Some(get_id) => cancelled = true,
                        field::C_STORE_RSP => {
                            let sub = match c.status.unwrap_or(0xFFFF) {
                                0x0000 => Sub::Completed,
                                0xB000..=0xBFFF => Sub::Warning,
                                _ => Sub::Failed,
                            };
                            return Ok((sub, cancelled));
                        }
                        _ => return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "unexpected_command")),
                    }
                }
            }
            _ => return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "no_store_response")),
        }
    }
}
