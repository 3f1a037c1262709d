//! C-FIND SCP (PS3.4 C.4.1) for the Patient Root and Study Root information models, at the
//! PATIENT, STUDY, SERIES and IMAGE levels, on the study search engine of QIDO-RS: the
//! identifier's keys become the same matches (wildcards, ranges, lists, universal matching),
//! the search runs as the node's account through the one access predicate, and each match
//! answers the requested return keys from the metadata kept at ingest. A C-CANCEL read
//! between two matches ends the answers with `FE00`.
use std::collections::HashMap;

use dicom_core::VR;
use dicom_dictionary_std::uids;
use dicom_ul::association::AsyncServerAssociation;
use dicom_ul::pdu::AbortRQServiceProviderReason;
use ferrum_dicom::dimse::{field, status, QueryKey, Response};
use ferrum_store::audit::{Action, Outcome};
use ferrum_store::catalog::{QidoLevel, QidoRow};
use ferrum_store::model::DicomService;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::association::{send_command, Abort, Peer, Request};
use super::cancel::CancelWatch;
use super::{Dimse, Wire};
use crate::routes::dicomweb::qido;

pub(super) const PATIENT_ROOT: &str = uids::PATIENT_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_FIND;
pub(super) const STUDY_ROOT: &str = uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_FIND;
pub(super) const INFORMATION_MODELS: &[&str] = &[PATIENT_ROOT, STUDY_ROOT];

/// Largest identifier taken.
pub(super) const MAX_IDENTIFIER_BYTES: usize = 256 * 1024;
/// Most matches one C-FIND answers (a search that would return more is narrowed by the
/// caller, as with QIDO's paging).
const MAX_MATCHES: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FindLevel {
    Patient,
    Study,
    Series,
    Image,
}

impl FindLevel {
    fn parse(raw: &str) -> Option<FindLevel> {
        match raw.trim() {
            "PATIENT" => Some(FindLevel::Patient),
            "STUDY" => Some(FindLevel::Study),
            "SERIES" => Some(FindLevel::Series),
            "IMAGE" => Some(FindLevel::Image),
            _ => None,
        }
    }

    fn qido(self) -> QidoLevel {
        match self {
            FindLevel::Patient | FindLevel::Study => QidoLevel::Study,
            FindLevel::Series => QidoLevel::Series,
            FindLevel::Image => QidoLevel::Instance,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FindLevel::Patient => "PATIENT",
            FindLevel::Study => "STUDY",
            FindLevel::Series => "SERIES",
            FindLevel::Image => "IMAGE",
        }
    }
}

/// Why a C-FIND failed, as its status and comment.
struct Failure(u16, String);

pub(super) async fn answer<S: Wire>(
    dimse: &Dimse,
    peer: &Peer,
    assoc: &mut AsyncServerAssociation<S>,
    request: &Request<'_>,
) -> Result<(), Abort> {
    let Request { pc, abstract_syntax, transfer_syntax, command, identifier } = *request;
    let finish = |code: u16, comment: Option<String>| {
        let mut rsp = Response::new(field::C_FIND_RSP, command, code);
        rsp.sop_class_uid = Some(abstract_syntax.to_owned());
        rsp.comment = comment;
        rsp
    };
    if !INFORMATION_MODELS.contains(&abstract_syntax) {
        return send_command(assoc, pc, &finish(status::SOP_CLASS_NOT_SUPPORTED, None)).await;
    }
    let Some(principal) = peer.principal.as_ref().filter(|_| peer.may(DicomService::Find)) else {
        let mut event = peer.event(Action::SearchStudies, Outcome::Denied);
        event.detail = Some(serde_json::json!({ "via": "dimse", "reason": "service_not_allowed" }));
        if let Err(e) = dimse.catalog.append_audit(&event).await {
            tracing::error!(error = %e, "audit event could not be written");
        }
        return send_command(assoc, pc, &finish(status::NOT_AUTHORIZED, Some("this AE may not query".into()))).await;
    };
    let matches = match search(dimse, peer, principal, abstract_syntax, transfer_syntax, identifier).await {
        Ok(m) => m,
        Err(Failure(code, why)) => return send_command(assoc, pc, &finish(code, Some(why))).await,
    };
    let mut watch = CancelWatch::new(command.message_id);
    for identifier in matches {
        if watch.cancelled(assoc)? {
            return send_command(assoc, pc, &finish(status::CANCEL, None)).await;
        }
        let mut rsp = finish(status::PENDING, None);
        rsp.has_data_set = true;
        send_command(assoc, pc, &rsp).await?;
        let mut writer = assoc.send_pdata(pc);
        let sent = async {
            writer.write_all(&identifier).await?;
            writer.finish().await
        };
        sent.await.map_err(|_| Abort(AbortRQServiceProviderReason::ReasonNotSpecified, "send"))?;
    }
    send_command(assoc, pc, &finish(status::SUCCESS, None)).await
}

/// The encoded identifiers of the matches, audited as a search by the node's account.
async fn search(
    dimse: &Dimse,
    peer: &Peer,
    principal: &ferrum_store::Principal,
    abstract_syntax: &str,
    transfer_syntax: &str,
    identifier: &[u8],
) -> Result<Vec<Vec<u8>>, Failure> {
    let unreadable = |_| Failure(status::IDENTIFIER_DOES_NOT_MATCH, "unreadable identifier".into());
    let identifier = ferrum_dicom::dimse::read_identifier(identifier, transfer_syntax).map_err(unreadable)?;
    let level = FindLevel::parse(&identifier.level)
        .ok_or_else(|| Failure(status::IDENTIFIER_DOES_NOT_MATCH, "no valid Query/Retrieve Level".into()))?;
    let keys = identifier.keys;
    if level == FindLevel::Patient && abstract_syntax != PATIENT_ROOT {
        return Err(Failure(status::IDENTIFIER_DOES_NOT_MATCH, "PATIENT level needs Patient Root".into()));
    }
    let params: Vec<(String, String)> =
        keys.iter().filter(|k| k.vr != VR::SQ).map(|k| (k.json_tag(), k.value.clone())).collect();
    let mut parsed = qido::parse(level.qido(), None, None, params).map_err(|e| {
        let message = match e {
            crate::error::ApiError::BadRequest(m) => m,
            _ => "invalid identifier".into(),
        };
        Failure(status::IDENTIFIER_DOES_NOT_MATCH, message)
    })?;
    parsed.query.limit = MAX_MATCHES;
    let rows = dimse.catalog.qido(principal, &parsed.query).await.map_err(|e| {
        tracing::error!(error = %e, "C-FIND failed");
        Failure(status::UNABLE_TO_PROCESS, "search failed".into())
    })?;
    let mut event = peer.event(Action::SearchStudies, Outcome::Allowed);
    let mut uids: Vec<&str> = rows.iter().map(|r| r.study_uid.as_str()).collect();
    uids.dedup();
    event.detail = Some(serde_json::json!({
        "via": "dimse",
        "level": level.name(),
        "filters": parsed.matched,
        "results": rows.len(),
        "study_uids": uids,
    }));
    // Fail closed: nothing is answered unless the search is on the trail.
    dimse.catalog.append_audit(&event).await.map_err(|e| {
        tracing::error!(error = %e, "audit event could not be written; C-FIND refused");
        Failure(status::UNABLE_TO_PROCESS, "audit trail unavailable".into())
    })?;
    let answers = match level {
        FindLevel::Patient => patients(&rows),
        _ => rows.iter().map(|r| qido::answer_row(r, level.qido(), false, None, "")).collect(),
    };
    answers
        .iter()
        .map(|json| {
            let value_of = |k: &QueryKey| json_text(&json[k.json_tag()]);
            ferrum_dicom::dimse::write_identifier(level.name(), &keys, value_of, transfer_syntax)
                .map_err(|_| Failure(status::UNABLE_TO_PROCESS, "encoding".into()))
        })
        .collect()
}

/// One answer per patient ID of the matching studies, with the patient's study count.
fn patients(rows: &[QidoRow]) -> Vec<Value> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, (Value, i64)> = HashMap::new();
    for row in rows {
        let json = qido::answer_row(row, QidoLevel::Study, false, None, "");
        let id = json["00100020"]["Value"][0].as_str().unwrap_or("").to_owned();
        match by_id.get_mut(&id) {
            Some((_, n)) => *n += 1,
            None => {
                order.push(id.clone());
                by_id.insert(id, (json, 1));
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .map(|(mut json, n)| {
            json["00201200"] = serde_json::json!({"vr": "IS", "Value": [n]});
            json
        })
        .collect()
}

/// A DICOM JSON attribute's values as DICOM text: multiple values joined by `\`, person
/// names as their `=`-joined groups.
fn json_text(attr: &Value) -> Option<String> {
    let values = attr.get("Value")?.as_array()?;
    let text: Vec<String> = values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Object(pn) => {
                let group = |k: &str| pn.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                let groups = [group("Alphabetic"), group("Ideographic"), group("Phonetic")];
                let used = groups.iter().rposition(|g| !g.is_empty()).map_or(0, |i| i + 1);
                groups[..used].join("=")
            }
            _ => String::new(),
        })
        .collect();
    Some(text.join("\\"))
}
