//! The Store Instances Response Module (PS3.18 Annex I) of a STOW-RS request, rendered from
//! the ingest report's per-file outcomes, and the status PS3.18 10.5.3 gives it: 200 when
//! every object is stored, 202 when some are and others failed or carry warnings, 409 when
//! none is.
use actix_web::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::ingest::{FileReport, FileStatus, Refusal, UploadReport};

/// Warning Reason B007, "Data set does not match SOP class": the object is stored as sent
/// although it breaks a rule of the standard (ingest's `warnings`); nothing is coerced or
/// discarded, so B000 and B006 never apply.
const NONCONFORMANT: u16 = 0xB007;

/// The Failure Reason of a refusal (PS3.18 Table I.2-2 and PS3.7 Annex C). The study
/// mismatch has no code of the standard's own; C409 is the one dcm4chee answers.
fn failure_reason(refusal: Refusal) -> u16 {
    match refusal {
        // Cannot understand.
        Refusal::Unreadable => 0xC000,
        // Data set does not match SOP class: the identifiers every instance has are not there.
        Refusal::Incomplete => 0xA900,
        // Referenced Transfer Syntax not supported.
        Refusal::TransferSyntax => 0xC122,
        // Duplicate SOP Instance: another object is stored under the same UID.
        Refusal::Conflict => 0x0111,
        // Not authorized.
        Refusal::NotWritable => 0x0124,
        Refusal::OtherStudy => 0xC409,
    }
}

/// SOP Class not supported: a DICOMDIR, which ingest skips (a medium's directory, not an
/// instance).
const SOP_CLASS_NOT_SUPPORTED: u16 = 0x0122;

fn text(vr: &str, value: &str) -> Value {
    json!({"vr": vr, "Value": [value]})
}

fn number(value: u16) -> Value {
    json!({"vr": "US", "Value": [value]})
}

fn instance_url(base: &str, f: &FileReport) -> Option<String> {
    Some(format!(
        "{base}/studies/{}/series/{}/instances/{}",
        f.study_instance_uid.as_deref()?,
        f.series_instance_uid.as_deref()?,
        f.sop_instance_uid.as_deref()?
    ))
}

/// The item naming one instance: its SOP Class and Instance UIDs.
fn reference(f: &FileReport) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("00081150".into(), text("UI", f.sop_class_uid.as_deref().unwrap_or("")));
    item.insert("00081155".into(), text("UI", f.sop_instance_uid.as_deref().unwrap_or("")));
    item
}

fn sequence(items: Vec<Map<String, Value>>) -> Value {
    json!({"vr": "SQ", "Value": items})
}

/// `base` is the DICOMweb root the client reached; `study` the one of the path, if any.
pub fn render(report: &UploadReport, base: &str, study: Option<&str>) -> (StatusCode, Value) {
    let (mut referenced, mut failed, mut other) = (Vec::new(), Vec::new(), Vec::new());
    let mut warned = false;
    for f in &report.files {
        match f.status {
            FileStatus::Stored | FileStatus::Duplicate => {
                let mut item = reference(f);
                if let Some(url) = instance_url(base, f) {
                    item.insert("00081190".into(), text("UR", &url));
                }
                if !f.warnings.is_empty() {
                    warned = true;
                    item.insert("00081196".into(), number(NONCONFORMANT));
                }
                referenced.push(item);
            }
            FileStatus::Rejected => {
                let reason = failure_reason(f.refusal.unwrap_or(Refusal::Unreadable));
                if f.sop_instance_uid.is_some() {
                    let mut item = reference(f);
                    item.insert("00081197".into(), number(reason));
                    failed.push(item);
                } else {
                    // Nothing names the instance: a failure of the part, not of a SOP Instance.
                    other.push(Map::from_iter([("00081197".to_owned(), number(reason))]));
                }
            }
            FileStatus::Skipped => {
                other.push(Map::from_iter([("00081197".to_owned(), number(SOP_CLASS_NOT_SUPPORTED))]));
            }
        }
    }
    // The study where the stored objects are, when they are in one (Type 2: empty otherwise).
    let mut studies: Vec<&str> = report.studies.iter().map(|s| s.study_instance_uid.as_str()).collect();
    studies.dedup();
    let study_url = match (study, studies.as_slice()) {
        (Some(s), _) | (None, &[s]) => Some(format!("{base}/studies/{s}")),
        _ => None,
    };
    let status = if referenced.is_empty() {
        StatusCode::CONFLICT
    } else if warned || !failed.is_empty() || !other.is_empty() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let mut body = Map::new();
    body.insert("00081190".into(), study_url.map_or_else(|| json!({"vr": "UR"}), |u| text("UR", &u)));
    if !failed.is_empty() {
        body.insert("00081198".into(), sequence(failed));
    }
    if !referenced.is_empty() {
        body.insert("00081199".into(), sequence(referenced));
    }
    if !other.is_empty() {
        body.insert("0008119A".into(), sequence(other));
    }
    (status, Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(status: FileStatus, sop: Option<&str>) -> FileReport {
        let mut f = FileReport::rejected("f", "x");
        f.status = status;
        f.refusal = (status == FileStatus::Rejected).then_some(Refusal::Unreadable);
        f.sop_instance_uid = sop.map(str::to_owned);
        f.study_instance_uid = sop.map(|_| "1.2".to_owned());
        f.series_instance_uid = sop.map(|_| "1.2.3".to_owned());
        f.sop_class_uid = sop.map(|_| "1.2.840.10008.5.1.4.1.1.2".to_owned());
        f
    }

    fn report(files: Vec<FileReport>) -> UploadReport {
        let mut r = UploadReport { files, ..UploadReport::default() };
        r.finish();
        r
    }

    #[test]
    fn all_stored_is_200_with_each_instance_and_the_study_url() {
        let (status, body) =
            render(&report(vec![line(FileStatus::Stored, Some("1.2.3.4"))]), "http://h/dicomweb", None);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["00081190"]["Value"][0], "http://h/dicomweb/studies/1.2");
        let item = &body["00081199"]["Value"][0];
        assert_eq!(item["00081155"]["Value"][0], "1.2.3.4");
        assert_eq!(item["00081150"]["vr"], "UI");
        assert_eq!(item["00081190"]["Value"][0], "http://h/dicomweb/studies/1.2/series/1.2.3/instances/1.2.3.4");
        assert!(body.get("00081198").is_none() && body.get("0008119A").is_none());
    }

    #[test]
    fn warnings_or_some_failures_are_202_and_no_success_is_409() {
        let mut warned = line(FileStatus::Stored, Some("1.2.3.4"));
        warned.warnings.push(ferrum_dicom::Warning { code: "no_file_meta", message: "m".into() });
        let (status, body) = render(&report(vec![warned]), "b", None);
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(body["00081199"]["Value"][0]["00081196"]["Value"][0], 0xB007);

        let mut conflict = line(FileStatus::Rejected, Some("1.2.3.5"));
        conflict.refusal = Some(Refusal::Conflict);
        let files = vec![line(FileStatus::Stored, Some("1.2.3.4")), conflict.clone(), line(FileStatus::Rejected, None)];
        let (status, body) = render(&report(files), "b", None);
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(body["00081198"]["Value"][0]["00081197"]["Value"][0], 0x0111);
        assert_eq!(body["0008119A"]["Value"][0]["00081197"]["Value"][0], 0xC000);

        let mut other = line(FileStatus::Rejected, Some("1.2.3.6"));
        other.refusal = Some(Refusal::OtherStudy);
        let (status, body) = render(&report(vec![other]), "b", Some("9.9"));
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["00081198"]["Value"][0]["00081197"]["Value"][0], 0xC409);
        assert_eq!(body["00081190"]["Value"][0], "b/studies/9.9");
        assert!(body.get("00081199").is_none());
    }
}
