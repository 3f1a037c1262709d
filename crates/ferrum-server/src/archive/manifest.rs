//! `manifest.json`: what the archive holds, for people and programs that do not read a
//! DICOMDIR. The generated names mapped to the UIDs as stored, the catalog's metadata of each
//! patient, study and series, and the SHA-256 and size of every file as written (the
//! DICOMDIR's too).
use ferrum_store::model::ExportScope;
use serde_json::{json, Value};

use super::deidentify::Deidentification;
use super::layout::{component, Layout};

/// The archive format; `/2` is the DICOMDIR tree (`/1` was `<series>/<sop>.dcm`).
pub const FORMAT: &str = "ferrum-archive/2";

/// A file as written: its SHA-256 (hex) and size.
#[derive(Debug, Clone)]
pub struct Written {
    pub sha256: String,
    pub bytes: u64,
}

fn scope_json(scope: &ExportScope) -> Value {
    match scope {
        ExportScope::Study(uid) => json!({ "study_instance_uid": uid }),
        ExportScope::Patient(id) => json!({ "patient_id": id }),
        ExportScope::Uploader(name) => json!({ "uploaded_by": name }),
    }
}

/// `files` are the objects as written, in [`Layout::files`] order.
/// `deidentified` is set for a de-identified export: its manifest names the scope by the
/// new values and says nothing of who uploaded what or when (dates as stored).
pub fn build(
    scope: &ExportScope,
    layout: &Layout,
    files: &[Written],
    dicomdir: &Written,
    deidentified: Option<&Deidentification>,
) -> Value {
    let patient_count = layout.patients.len();
    let patients: Vec<Value> = layout
        .patients
        .iter()
        .enumerate()
        .map(|(p, patient)| {
            let pt = component("PT", p, patient_count);
            let first = &patient.studies[0].detail.summary;
            let study_count = patient.studies.len();
            let studies: Vec<Value> = patient
                .studies
                .iter()
                .enumerate()
                .map(|(s, study)| {
                    let dir = format!("{pt}/{}", component("ST", s, study_count));
                    let series_count = study.detail.series.len();
                    let series: Vec<Value> = study
                        .detail
                        .series
                        .iter()
                        .enumerate()
                        .map(|(e, se)| {
                            json!({
                                "path": format!("{dir}/{}", component("SE", e, series_count)),
                                "series_instance_uid": se.series_instance_uid,
                                "modality": se.modality,
                                "series_number": se.series_number,
                                "series_description": se.series_description,
                                "body_part_examined": se.body_part_examined,
                                "instances": se.instances.len(),
                            })
                        })
                        .collect();
                    let sum = &study.detail.summary;
                    let mut study = json!({
                        "path": dir,
                        "study_instance_uid": sum.study_instance_uid,
                        "study_id": study.study_id,
                        "study_date": sum.study_date,
                        "study_time": sum.study_time,
                        "accession_number": sum.accession_number,
                        "study_description": sum.study_description,
                        "referring_physician_name": sum.referring_physician_name,
                        "institution_name": sum.institution_name,
                        "modalities": sum.modalities,
                        "uploaded_by": sum.uploaded_by,
                        "uploaded_at": sum.uploaded_at,
                        "series": series,
                    });
                    if deidentified.is_some() {
                        let fields = study.as_object_mut().expect("an object");
                        fields.remove("uploaded_by");
                        fields.remove("uploaded_at");
                    }
                    study
                })
                .collect();
            json!({
                "path": pt,
                "patient_id": first.patient_id,
                "patient_name": first.patient_name,
                "patient_birth_date": first.patient_birth_date,
                "patient_sex": first.patient_sex,
                "studies": studies,
            })
        })
        .collect();
    let files: Vec<Value> = layout
        .files()
        .zip(files)
        .map(|(f, w)| {
            json!({
                "path": f.path,
                "study_instance_uid": f.study.detail.summary.study_instance_uid,
                "series_instance_uid": f.series.series_instance_uid,
                "sop_instance_uid": f.instance.sop_instance_uid,
                "sop_class_uid": f.instance.sop_class_uid,
                "transfer_syntax_uid": f.instance.transfer_syntax_uid,
                "instance_number": f.instance.instance_number,
                "sha256": w.sha256,
                "bytes": w.bytes,
            })
        })
        .collect();
    let mut manifest = json!({
        "format": FORMAT,
        "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "scope": match deidentified {
            Some(d) => d.scope.clone(),
            None => scope_json(scope),
        },
        "dicomdir": { "path": "DICOMDIR", "sha256": dicomdir.sha256, "bytes": dicomdir.bytes },
        "patients": patients,
        "files": files,
    });
    if let Some(d) = deidentified {
        manifest["deidentified"] = json!({
            "method": super::deidentify::METHOD,
            "left_out": { "burned_in_annotation": d.left_out_burned_in },
        });
    }
    manifest
}
