//! A small C-FIND SCU (Study Root, STUDY level) on one kept-open association, so that a
//! query's time is the server's answer alone, not a client process's start-up and the
//! association's negotiation (`findscu` pays both on every run).
use anyhow::{bail, Context};
use dicom_core::{dicom_value, DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;
use dicom_ul::association::client::ClientAssociationOptions;
use dicom_ul::association::AsyncClientAssociation;
use dicom_ul::pdu::{PDataValue, PDataValueType, PresentationContextResultReason};
use dicom_ul::Pdu;
use ferrum_dicom::dimse::{field, status, Command, QueryKey};
use tokio::net::TcpStream;

const STUDY_ROOT_FIND: &str = uids::STUDY_ROOT_QUERY_RETRIEVE_INFORMATION_MODEL_FIND;

/// A study-level attribute a query can name, by its keyword (as findscu's `-k` names it).
pub fn key(keyword: &str) -> Option<(Tag, VR)> {
    Some(match keyword {
        "PatientName" => (tags::PATIENT_NAME, VR::PN),
        "PatientID" => (tags::PATIENT_ID, VR::LO),
        "PatientBirthDate" => (tags::PATIENT_BIRTH_DATE, VR::DA),
        "StudyInstanceUID" => (tags::STUDY_INSTANCE_UID, VR::UI),
        "StudyDate" => (tags::STUDY_DATE, VR::DA),
        "StudyTime" => (tags::STUDY_TIME, VR::TM),
        "AccessionNumber" => (tags::ACCESSION_NUMBER, VR::SH),
        "StudyDescription" => (tags::STUDY_DESCRIPTION, VR::LO),
        "ModalitiesInStudy" => (tags::MODALITIES_IN_STUDY, VR::CS),
        "NumberOfStudyRelatedInstances" => (tags::NUMBER_OF_STUDY_RELATED_INSTANCES, VR::IS),
        _ => return None,
    })
}

/// `Keyword` or `Keyword=value` (findscu's `-k` form) as a query key.
pub fn query_key(spec: &str) -> anyhow::Result<QueryKey> {
    let (name, value) = spec.split_once('=').unwrap_or((spec, ""));
    let (tag, vr) = key(name).with_context(|| format!("no query key {name}"))?;
    Ok(QueryKey { tag, vr, value: value.to_owned() })
}

pub struct FindClient {
    assoc: AsyncClientAssociation<TcpStream>,
    pc: u8,
    transfer_syntax: String,
    message_id: u16,
}

impl FindClient {
    pub async fn connect(host: &str, port: u16, calling: &str, called: &str) -> anyhow::Result<FindClient> {
        let mut assoc = ClientAssociationOptions::new()
            .calling_ae_title(calling.to_owned())
            .called_ae_title(called.to_owned())
            .with_presentation_context(
                STUDY_ROOT_FIND,
                vec![uids::EXPLICIT_VR_LITTLE_ENDIAN, uids::IMPLICIT_VR_LITTLE_ENDIAN],
            )
            .establish_async((host, port))
            .await
            .with_context(|| format!("association with {called}"))?;
        // Small PDUs each way: without this, Nagle's algorithm and the peer's delayed ACK
        // add tens of milliseconds to a query.
        assoc.inner_stream().set_nodelay(true)?;
        let accepted = assoc
            .presentation_contexts()
            .iter()
            .find(|c| c.reason == PresentationContextResultReason::Acceptance)
            .context("Study Root C-FIND not accepted")?;
        let (pc, transfer_syntax) = (accepted.id, accepted.transfer_syntax.trim_end_matches('\0').to_owned());
        Ok(FindClient { assoc, pc, transfer_syntax, message_id: 0 })
    }

    /// One STUDY-level query; answers the number of matches once the final response is in.
    pub async fn find(&mut self, keys: &[QueryKey]) -> anyhow::Result<usize> {
        self.message_id = self.message_id.wrapping_add(1);
        let command = InMemDicomObject::command_from_element_iter([
            DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from(STUDY_ROOT_FIND)),
            DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [field::C_FIND_RQ])),
            DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [self.message_id])),
            DataElement::new(tags::PRIORITY, VR::US, dicom_value!(U16, [0x0000])),
            // Anything but 0101: an identifier follows.
            DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [0x0001])),
        ]);
        let mut command_bytes = Vec::new();
        command.write_dataset_with_ts(&mut command_bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased())?;
        let identifier =
            ferrum_dicom::dimse::write_identifier("STUDY", keys, |k| Some(k.value.clone()), &self.transfer_syntax)?;
        let pdv = |value_type, data| PDataValue { presentation_context_id: self.pc, value_type, is_last: true, data };
        let request = Pdu::PData {
            data: vec![pdv(PDataValueType::Command, command_bytes), pdv(PDataValueType::Data, identifier)],
        };
        self.assoc.send(&request).await?;
        let mut matches = 0;
        let mut command_bytes = Vec::new();
        loop {
            let pdu = self.assoc.receive().await?;
            let Pdu::PData { data } = pdu else { bail!("unexpected PDU during C-FIND") };
            for pdv in data {
                if pdv.value_type != PDataValueType::Command {
                    continue; // a match's identifier, counted by its command
                }
                command_bytes.extend_from_slice(&pdv.data);
                if !pdv.is_last {
                    continue;
                }
                let rsp = Command::read(&std::mem::take(&mut command_bytes))?;
                match rsp.status {
                    Some(status::PENDING | 0xFF01) => matches += 1,
                    Some(status::SUCCESS) => return Ok(matches),
                    Some(other) => bail!("C-FIND answered {other:04X}"),
                    None => bail!("C-FIND response without a status"),
                }
            }
        }
    }

    pub async fn release(self) {
        let _ = self.assoc.release().await;
    }
}
