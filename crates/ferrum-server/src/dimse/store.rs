//! C-STORE SCP: each data set, with a File Meta group made from its request, is spooled
//! (bounded by `FERRUM_DICOM_MAX_OBJECT_BYTES`) and goes through the ingest pipeline of
//! HTTP uploads, committed before it is answered: Success only once the object and its
//! catalog rows are durable. The per-file outcome of ingest is rendered as the standard's
//! statuses ([`status_of`]).
use ferrum_dicom::dimse::{field, status, Command, Response};
use ferrum_store::audit::{Action, Outcome};
use ferrum_store::model::DicomService;

use super::association::Peer;
use super::Dimse;
use crate::ingest::{FileReport, FileStatus, Session, SpoolError, SpoolWriter};

/// A C-STORE data set being received. A request refused before its data set arrives
/// (not allowed, not a storage SOP class, too large) still has its data set read, and
/// dropped, so that the association can go on.
pub(super) struct Receiving {
    spool: Option<SpoolWriter>,
    refusal: Option<(u16, &'static str)>,
}

impl Receiving {
    pub(super) async fn start(
        dimse: &Dimse,
        peer: &Peer,
        command: &Command,
        abstract_syntax: &str,
        transfer_syntax: &str,
    ) -> Receiving {
        let refused = |status, why| Receiving { spool: None, refusal: Some((status, why)) };
        if !peer.may(DicomService::Store) {
            let mut event = peer.event(Action::Upload, Outcome::Denied);
            event.detail = Some(serde_json::json!({ "via": "dimse", "reason": "service_not_allowed" }));
            if let Err(e) = dimse.catalog.append_audit(&event).await {
                tracing::error!(error = %e, "audit event could not be written");
            }
            return refused(status::NOT_AUTHORIZED, "this AE may not store");
        }
        let (Some(class), Some(instance)) = (&command.affected_sop_class_uid, &command.affected_sop_instance_uid)
        else {
            return refused(status::CANNOT_UNDERSTAND, "no affected SOP class or instance UID");
        };
        if class != abstract_syntax || !ferrum_dicom::dimse::is_storage_sop_class(class) {
            return refused(status::SOP_CLASS_NOT_SUPPORTED, "SOP class not accepted");
        }
        let Ok(header) = ferrum_dicom::dimse::part10_header(class, instance, transfer_syntax, &peer.calling) else {
            return refused(status::CANNOT_UNDERSTAND, "unusable SOP class or instance UID");
        };
        let limit = dimse.config.max_object_bytes.saturating_add(header.len() as u64);
        // A C-STORE does not say how large its data set is. Sized for the largest object
        // kept in memory, the buffer never grows by copying itself (from the default 64 KiB,
        // a 0.5 MB CT slice is copied about twice over while it arrives); the capacity an
        // object does not fill is never written to.
        let hint = Some(crate::ingest::spool::MEMORY_LIMIT as u64);
        let mut spool = SpoolWriter::new(&dimse.ingestor.spool_dir, limit, hint);
        match spool.write(&header).await {
            Ok(()) => Receiving { spool: Some(spool), refusal: None },
            Err(_) => refused(status::OUT_OF_RESOURCES, "cannot spool"),
        }
    }

    pub(super) async fn write(&mut self, bytes: &[u8]) {
        let Some(spool) = self.spool.as_mut() else { return };
        if let Err(e) = spool.write(bytes).await {
            self.spool = None;
            self.refusal = Some(match e {
                SpoolError::TooLarge(_) => (status::OUT_OF_RESOURCES, "object larger than allowed"),
                SpoolError::Io(_) => (status::OUT_OF_RESOURCES, "cannot spool"),
            });
        }
    }

    /// Ingests the object and commits it; answers the C-STORE response.
    pub(super) async fn finish(self, session: Option<&mut Session<'_>>, command: &Command) -> Response {
        let mut rsp = Response::new(field::C_STORE_RSP, command, status::SUCCESS);
        rsp.sop_instance_uid = command.affected_sop_instance_uid.clone();
        let outcome = match (self.spool, self.refusal) {
            (_, Some(refusal)) => Err(refusal),
            (None, None) => Err((status::OUT_OF_RESOURCES, "cannot spool")),
            (Some(spool), None) => match session {
                Some(session) => ingest(session, spool, command).await,
                None => Err((status::NOT_AUTHORIZED, "this AE may not store")),
            },
        };
        match outcome {
            Ok(line) => {
                let (code, comment) = status_of(&line);
                rsp.status = code;
                rsp.comment = comment;
            }
            Err((code, why)) => {
                rsp.status = code;
                rsp.comment = Some(why.into());
            }
        }
        rsp
    }
}

async fn ingest(
    session: &mut Session<'_>,
    spool: SpoolWriter,
    command: &Command,
) -> Result<FileReport, (u16, &'static str)> {
    let spooled = spool.finish().await.map_err(|_| (status::OUT_OF_RESOURCES, "cannot spool"))?;
    let name = command.affected_sop_instance_uid.clone().unwrap_or_default();
    let failed = |e: crate::ingest::IngestError| {
        tracing::error!(error = %e, "C-STORE could not be stored");
        (status::OUT_OF_RESOURCES, "storage failed")
    };
    // A C-STORE carries one DICOM object, never read as a ZIP.
    session.add_instance(name, spooled, crate::ingest::Origin::Direct).await.map_err(failed)?;
    // Committed before the answer: Success means durable.
    session.flush().await.map_err(failed)?;
    session.take_line().ok_or((status::OUT_OF_RESOURCES, "storage failed"))
}

/// The C-STORE status of an ingest outcome (PS3.4 B.2.3), with a short comment that names
/// no patient data.
pub(super) fn status_of(line: &FileReport) -> (u16, Option<String>) {
    match line.status {
        FileStatus::Stored if line.warnings.is_empty() => (status::SUCCESS, None),
        FileStatus::Stored => (status::WARNING_DOES_NOT_MATCH, line.warnings.first().map(|w| w.code.to_owned())),
        FileStatus::Duplicate => (status::SUCCESS, None),
        FileStatus::Rejected => match line.code {
            Some("study_not_writable") => (status::NOT_AUTHORIZED, Some("study not writable".into())),
            Some(code) => (status::CONFLICT, Some(code.into())),
            None if line.sop_instance_uid.is_some() => (status::CONFLICT, Some("conflict".into())),
            None => (status::CANNOT_UNDERSTAND, Some("not a readable data set".into())),
        },
        FileStatus::Skipped => (status::CANNOT_UNDERSTAND, Some("not a storable object".into())),
    }
}
