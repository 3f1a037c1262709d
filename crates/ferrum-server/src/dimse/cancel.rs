//! C-CANCEL (PS3.7 9.1.5, 9.3.2.3) of a running C-FIND or C-MOVE: between two responses or
//! sub-operations the requester's association is read without waiting, and a C-CANCEL-RQ
//! naming the running request's Message ID stops it (the caller then answers `FE00` Cancel).
//! Nothing else may come meanwhile: this server runs one operation at a time, so another
//! request or a data set is a protocol error (A-ABORT). A C-GET reads its C-CANCEL while it
//! waits for each sub-operation's response on the same association (`get.rs`).
use dicom_ul::association::AsyncServerAssociation;
use dicom_ul::pdu::{AbortRQServiceProviderReason, PDataValueType};
use dicom_ul::Pdu;
use ferrum_dicom::dimse::{field, Command};
use futures_util::FutureExt;

use super::association::Abort;
use super::Wire;

/// Watches one running request for its C-CANCEL.
pub(super) struct CancelWatch {
    message_id: u16,
    /// A command set arriving in more than one fragment.
    command: Vec<u8>,
}

impl CancelWatch {
    pub(super) fn new(message_id: u16) -> CancelWatch {
        CancelWatch { message_id, command: Vec::new() }
    }

    /// Whether the request was cancelled, from what has already arrived. dicom-ul keeps a
    /// partly read PDU in the association's buffer, so looking and not waiting loses nothing.
    pub(super) fn cancelled<S: Wire>(&mut self, assoc: &mut AsyncServerAssociation<S>) -> Result<bool, Abort> {
        loop {
            let Some(received) = assoc.receive().now_or_never() else { return Ok(false) };
            let data = match received {
                Ok(Pdu::PData { data }) => data,
                Ok(Pdu::AbortRQ { .. }) => {
                    return Err(Abort(AbortRQServiceProviderReason::ReasonNotSpecified, "aborted_by_peer"))
                }
                Ok(_) => return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "unexpected_pdu")),
                Err(_) => return Err(Abort(AbortRQServiceProviderReason::ReasonNotSpecified, "receive")),
            };
            for pdv in data {
                if pdv.value_type != PDataValueType::Command {
                    return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "data_during_operation"));
                }
                self.command.extend_from_slice(&pdv.data);
                if !pdv.is_last {
                    continue;
                }
                let command = Command::read(&std::mem::take(&mut self.command))
                    .map_err(|_| Abort(AbortRQServiceProviderReason::InvalidPduParameter, "unreadable_command"))?;
                match command.field {
                    field::C_CANCEL_RQ if command.responding_to == Some(self.message_id) => return Ok(true),
                    // A cancel of some other request: nothing runs under it.
                    field::C_CANCEL_RQ => {}
                    _ => return Err(Abort(AbortRQServiceProviderReason::UnexpectedPdu, "command_during_operation")),
                }
            }
        }
    }
}
