//! The seeded archive's studies (`ferrum_store::catalog::seed::seeded_studies`) written as
//! small DICOM files, one instance per series, so that a reference PACS can be loaded over
//! its upload route with the same studies (names, IDs, dates, modalities, descriptions,
//! physicians, institutions) that the seeding writes straight into Ferrum's catalog.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use ferrum_store::catalog::seed::SeedStudy;

const SECONDARY_CAPTURE: &str = "1.2.840.10008.5.1.4.1.1.7";

/// One file per series of `study`: the study's attributes, the series', and 8×8 pixels.
pub fn study_files(study: &SeedStudy) -> Vec<Vec<u8>> {
    study
        .series
        .iter()
        .enumerate()
        .map(|(n, (series_uid, modality, description, body_part))| {
            let sop_uid = format!("{series_uid}.1");
            let mut obj = InMemDicomObject::new_empty();
            let mut s = |tag, vr, v: &str| {
                obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
            };
            s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
            s(tags::SOP_CLASS_UID, VR::UI, SECONDARY_CAPTURE);
            s(tags::SOP_INSTANCE_UID, VR::UI, &sop_uid);
            s(tags::STUDY_INSTANCE_UID, VR::UI, &study.uid);
            s(tags::SERIES_INSTANCE_UID, VR::UI, series_uid);
            s(tags::PATIENT_NAME, VR::PN, &study.name);
            s(tags::PATIENT_ID, VR::LO, &study.patient_id);
            s(tags::PATIENT_BIRTH_DATE, VR::DA, &study.birth);
            s(tags::PATIENT_SEX, VR::CS, study.sex);
            s(tags::STUDY_DATE, VR::DA, &study.date);
            s(tags::STUDY_TIME, VR::TM, &study.time);
            s(tags::ACCESSION_NUMBER, VR::SH, &study.accession);
            s(tags::STUDY_DESCRIPTION, VR::LO, study.description);
            s(tags::REFERRING_PHYSICIAN_NAME, VR::PN, study.referring);
            s(tags::INSTITUTION_NAME, VR::LO, study.institution);
            s(tags::STUDY_ID, VR::SH, "1");
            s(tags::MODALITY, VR::CS, modality);
            s(tags::SERIES_DESCRIPTION, VR::LO, description);
            s(tags::BODY_PART_EXAMINED, VR::CS, body_part);
            s(tags::SERIES_NUMBER, VR::IS, &(n + 1).to_string());
            s(tags::INSTANCE_NUMBER, VR::IS, "1");
            s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
            for (tag, v) in [
                (tags::SAMPLES_PER_PIXEL, 1u16),
                (tags::ROWS, 8),
                (tags::COLUMNS, 8),
                (tags::BITS_ALLOCATED, 8),
                (tags::BITS_STORED, 8),
                (tags::HIGH_BIT, 7),
                (tags::PIXEL_REPRESENTATION, 0),
            ] {
                obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
            }
            obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(vec![128u8; 64])));
            let file = obj
                .with_meta(
                    FileMetaTableBuilder::new()
                        .transfer_syntax("1.2.840.10008.1.2.1")
                        .media_storage_sop_class_uid(SECONDARY_CAPTURE)
                        .media_storage_sop_instance_uid(sop_uid),
                )
                .expect("file meta");
            let mut out = Vec::with_capacity(2048);
            file.write_all(&mut out).expect("encode");
            out
        })
        .collect()
}

/// POSTs `files` one per request to `url` (with `auth` as its `Authorization`) from
/// `clients` keep-alive clients. Answers the time it took.
pub async fn upload(
    url: &str,
    auth: Option<String>,
    files: Arc<Vec<Vec<u8>>>,
    clients: usize,
) -> anyhow::Result<Duration> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, next, files, url, auth) =
            (client.clone(), next.clone(), files.clone(), url.to_owned(), auth.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = files.get(i) else { break };
                let mut req = client.post(&url).header("content-type", "application/dicom").body(body.clone());
                if let Some(a) = &auth {
                    req = req.header("authorization", a);
                }
                let r = req.send().await?;
                let status = r.status();
                r.bytes().await?;
                if !status.is_success() {
                    bail!("upload {i} answered {status}");
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(started.elapsed())
}
