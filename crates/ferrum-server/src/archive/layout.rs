//! Where each object goes in an export: a `PATIENT/STUDY/SERIES/IMAGE` tree whose names are
//! made up here, never taken from the data. DICOMDIR's Referenced File IDs allow only
//! components of up to 8 characters from A–Z, 0–9 and `_` (PS3.10 §8.5), and a UID or a
//! patient ID is neither short enough nor safe as a path on whoever unpacks the archive; so
//! the names are a level prefix and a number, as pydicom's FileSet writes them
//! (`PT000000/ST000000/SE000000/IM000000`), and the manifest maps them to the UIDs.
//!
//! Studies with the same Patient ID are one patient (the catalog answers them ordered by
//! patient ID); a study without a Patient ID is a patient of its own, since nothing says
//! whose it is.
use ferrum_dicom::dicomdir::{FileSet, ImageRecord, PatientRecord, SeriesRecord, StudyRecord};
use ferrum_dicom::InstanceAttributes;
use ferrum_store::model::{ExportStudy, InstanceRecord, SeriesDetail};

/// Siblings beyond which a level's numbers are written in base 36 (six digits either way).
const DECIMAL_SIBLINGS: usize = 1_000_000;

/// The export's studies grouped by patient, in archive order. Public so that a caller that
/// changes objects on the way (de-identification) can change the values the DICOMDIR and the
/// manifest are made of to match, before the archive is written.
#[derive(Debug, Clone)]
pub struct Layout {
    pub patients: Vec<PatientGroup>,
}

#[derive(Debug, Clone)]
pub struct PatientGroup {
    pub studies: Vec<ExportStudy>,
}

/// One object of the archive and where it goes.
pub struct Placed<'a> {
    /// The archive path, `/`-separated (the Referenced File ID's components).
    pub path: String,
    pub components: [String; 4],
    pub study: &'a ExportStudy,
    pub series: &'a SeriesDetail,
    pub instance: &'a InstanceRecord,
}

/// The name of the `index`-th of `siblings` entries of a level: the prefix and six digits.
pub fn component(prefix: &str, index: usize, siblings: usize) -> String {
    if siblings <= DECIMAL_SIBLINGS {
        return format!("{prefix}{index:06}");
    }
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = index;
    let mut digits = [b'0'; 6];
    for d in digits.iter_mut().rev() {
        *d = DIGITS[n % 36];
        n /= 36;
    }
    format!("{prefix}{}", String::from_utf8_lossy(&digits))
}

impl Layout {
    /// Groups studies (as the catalog orders them: by patient ID) into patients.
    pub fn plan(studies: Vec<ExportStudy>) -> Layout {
        let mut patients: Vec<PatientGroup> = Vec::new();
        for study in studies {
            let id = study.detail.summary.patient_id.as_deref().filter(|id| !id.trim().is_empty());
            let same = match (id, patients.last()) {
                (Some(id), Some(last)) => last.studies[0].detail.summary.patient_id.as_deref() == Some(id),
                _ => false,
            };
            match patients.last_mut() {
                Some(last) if same => last.studies.push(study),
                _ => patients.push(PatientGroup { studies: vec![study] }),
            }
        }
        Layout { patients }
    }

    pub fn studies(&self) -> impl Iterator<Item = &ExportStudy> {
        self.patients.iter().flat_map(|p| p.studies.iter())
    }

    pub fn is_empty(&self) -> bool {
        self.patients.is_empty()
    }

    /// Every object with its path, in archive order.
    pub fn files(&self) -> impl Iterator<Item = Placed<'_>> {
        let patients = self.patients.len();
        self.patients.iter().enumerate().flat_map(move |(p, patient)| {
            let pt = component("PT", p, patients);
            let studies = patient.studies.len();
            patient.studies.iter().enumerate().flat_map(move |(s, study)| {
                let (pt, st) = (pt.clone(), component("ST", s, studies));
                let series_count = study.detail.series.len();
                study.detail.series.iter().enumerate().flat_map(move |(e, series)| {
                    let (pt, st, se) = (pt.clone(), st.clone(), component("SE", e, series_count));
                    let images = series.instances.len();
                    series.instances.iter().enumerate().map(move |(i, instance)| {
                        let components = [pt.clone(), st.clone(), se.clone(), component("IM", i, images)];
                        Placed { path: components.join("/"), components, study, series, instance }
                    })
                })
            })
        })
    }

    /// This layout with every value the DICOMDIR and the manifest take replaced by what the
    /// objects as written say (`written` in [`Layout::files`] order, one per object): for a
    /// transform that rewrites the objects, so that neither states a value the files no
    /// longer hold. Patient and study keys come from each study's first object, series keys
    /// from each series' first; what no object carries (who uploaded it, when, its stored
    /// hash and key) is cleared.
    pub fn described_by(&self, written: &[InstanceAttributes]) -> anyhow::Result<Layout> {
        let mut out = self.clone();
        let mut next = written.iter();
        for study in out.patients.iter_mut().flat_map(|p| p.studies.iter_mut()) {
            let mut first_of_study = true;
            for series in &mut study.detail.series {
                let mut first_of_series = true;
                for instance in &mut series.instances {
                    let a = next.next().ok_or_else(|| anyhow::anyhow!("fewer objects written than planned"))?;
                    if first_of_study {
                        first_of_study = false;
                        let s = &mut study.detail.summary;
                        s.study_instance_uid = a.study.study_instance_uid.as_str().to_owned();
                        s.patient_name = a.patient.patient_name.clone();
                        s.patient_id = a.patient.patient_id.clone();
                        s.patient_birth_date = a.patient.patient_birth_date.clone();
                        s.patient_sex = a.patient.patient_sex.clone();
                        s.study_date = a.study.study_date.clone();
                        s.study_time = a.study.study_time.clone();
                        s.accession_number = a.study.accession_number.clone();
                        s.study_description = a.study.study_description.clone();
                        s.referring_physician_name = a.study.referring_physician_name.clone();
                        s.institution_name = a.study.institution_name.clone();
                        s.uploaded_by.clear();
                        s.uploaded_at.clear();
                        s.owner = None;
                        study.study_id = a.study.study_id.clone();
                    }
                    if first_of_series {
                        first_of_series = false;
                        series.series_instance_uid = a.series.series_instance_uid.as_str().to_owned();
                        series.modality = a.series.modality.clone();
                        series.series_number = a.series.series_number;
                        series.series_description = a.series.series_description.clone();
                        series.body_part_examined = a.series.body_part_examined.clone();
                    }
                    instance.sop_instance_uid = a.instance.sop_instance_uid.as_str().to_owned();
                    instance.series_instance_uid = a.series.series_instance_uid.as_str().to_owned();
                    instance.study_instance_uid = a.study.study_instance_uid.as_str().to_owned();
                    instance.sop_class_uid = a.instance.sop_class_uid.clone();
                    instance.instance_number = a.instance.instance_number;
                    instance.transfer_syntax_uid = a.instance.transfer_syntax_uid.clone();
                    instance.rows = a.instance.rows;
                    instance.columns = a.instance.columns;
                    instance.number_of_frames = a.instance.number_of_frames;
                    instance.slice_position = a.instance.slice_position;
                    instance.sha256.clear();
                    instance.blob_key.clear();
                    instance.uploaded_by.clear();
                    instance.created_at.clear();
                }
            }
            let mut modalities: Vec<String> = study.detail.series.iter().filter_map(|s| s.modality.clone()).collect();
            modalities.sort();
            modalities.dedup();
            study.detail.summary.modalities = modalities;
        }
        anyhow::ensure!(next.next().is_none(), "more objects written than planned");
        Ok(out)
    }

    /// Keeps only the objects `keep` answers true for, dropping series, studies and
    /// patients left empty; answers how many objects were dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(&InstanceRecord) -> bool) -> u64 {
        let mut dropped = 0u64;
        for study in self.patients.iter_mut().flat_map(|p| p.studies.iter_mut()) {
            for series in &mut study.detail.series {
                let before = series.instances.len();
                series.instances.retain(|i| keep(i));
                dropped += (before - series.instances.len()) as u64;
                series.num_instances = series.instances.len() as i64;
            }
            study.detail.series.retain(|s| !s.instances.is_empty());
            study.detail.summary.num_series = study.detail.series.len() as i64;
            study.detail.summary.num_instances = study.detail.series.iter().map(|s| s.num_instances).sum();
        }
        for patient in &mut self.patients {
            patient.studies.retain(|s| !s.detail.series.is_empty());
        }
        self.patients.retain(|p| !p.studies.is_empty());
        dropped
    }

    /// The DICOMDIR's records, from the catalog's values.
    pub fn file_set(&self, id: &str, instance_uid: &str) -> FileSet {
        let patients = self.patients.len();
        let patients = self
            .patients
            .iter()
            .enumerate()
            .map(|(p, patient)| {
                let pt = component("PT", p, patients);
                let first = &patient.studies[0].detail.summary;
                let studies = patient.studies.len();
                PatientRecord {
                    patient_id: first.patient_id.clone(),
                    patient_name: first.patient_name.clone(),
                    studies: patient
                        .studies
                        .iter()
                        .enumerate()
                        .map(|(s, study)| study_record(study, [&pt, &component("ST", s, studies)]))
                        .collect(),
                }
            })
            .collect();
        FileSet { id: id.to_owned(), instance_uid: instance_uid.to_owned(), patients }
    }
}

fn study_record(study: &ExportStudy, dirs: [&str; 2]) -> StudyRecord {
    let s = &study.detail.summary;
    let series_count = study.detail.series.len();
    StudyRecord {
        study_instance_uid: s.study_instance_uid.clone(),
        study_date: s.study_date.clone(),
        study_time: s.study_time.clone(),
        study_description: s.study_description.clone(),
        study_id: study.study_id.clone(),
        accession_number: s.accession_number.clone(),
        series: study
            .detail
            .series
            .iter()
            .enumerate()
            .map(|(e, series)| {
                let se = component("SE", e, series_count);
                let images = series.instances.len();
                SeriesRecord {
                    series_instance_uid: series.series_instance_uid.clone(),
                    modality: series.modality.clone(),
                    series_number: series.series_number,
                    images: series
                        .instances
                        .iter()
                        .enumerate()
                        .map(|(i, instance)| ImageRecord {
                            file_id: vec![dirs[0].into(), dirs[1].into(), se.clone(), component("IM", i, images)],
                            sop_class_uid: instance.sop_class_uid.clone(),
                            sop_instance_uid: instance.sop_instance_uid.clone(),
                            transfer_syntax_uid: instance.transfer_syntax_uid.clone(),
                            instance_number: instance.instance_number,
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use ferrum_dicom::dicomdir::is_file_id_component;
    use ferrum_store::access::{Level, StudyAccess};
    use ferrum_store::model::{StudyDetail, StudySummary, Warnings};

    use super::*;

    fn instance(sop: &str) -> InstanceRecord {
        InstanceRecord {
            sop_instance_uid: sop.into(),
            series_instance_uid: String::new(),
            study_instance_uid: String::new(),
            sop_class_uid: Some("1.2.840.10008.5.1.4.1.1.2".into()),
            instance_number: Some(1),
            transfer_syntax_uid: "1.2.840.10008.1.2.1".into(),
            rows: None,
            columns: None,
            number_of_frames: None,
            slice_position: None,
            pixel_spacing: None,
            image_orientation: None,
            slice_thickness: None,
            size_bytes: 1,
            sha256: "00".into(),
            blob_key: String::new(),
            uploaded_by: "ann".into(),
            created_at: String::new(),
            warnings: Warnings::default(),
            burned_in_annotation: None,
        }
    }

    fn study(uid: &str, patient: Option<&str>, series: &[&[&str]]) -> ExportStudy {
        let summary = StudySummary {
            study_instance_uid: uid.into(),
            patient_name: Some("../../etc^passwd".into()),
            patient_id: patient.map(str::to_owned),
            patient_birth_date: None,
            patient_sex: None,
            study_date: None,
            study_time: None,
            accession_number: None,
            study_description: None,
            referring_physician_name: None,
            institution_name: None,
            modalities: vec![],
            num_series: 0,
            num_instances: 0,
            uploaded_by: "ann".into(),
            uploaded_at: String::new(),
            owner: None,
            access: StudyAccess { level: Level::Read, basis: "owner" },
        };
        let series = series
            .iter()
            .enumerate()
            .map(|(i, sops)| SeriesDetail {
                series_instance_uid: format!("{uid}.{i}"),
                modality: None,
                series_number: None,
                series_description: None,
                body_part_examined: None,
                num_instances: sops.len() as i64,
                instances: sops.iter().map(|s| instance(s)).collect(),
            })
            .collect();
        ExportStudy { detail: StudyDetail { summary, series }, study_id: None }
    }

    #[test]
    fn studies_of_one_patient_id_share_a_patient_and_those_without_one_stand_alone() {
        let layout = Layout::plan(vec![
            study("1", Some("A"), &[&["1.1"]]),
            study("2", Some("A"), &[&["2.1"]]),
            study("3", None, &[&["3.1"]]),
            study("4", Some(" "), &[&["4.1"]]),
            study("5", Some("B"), &[&["5.1", "5.2"], &["5.3"]]),
        ]);
        let paths: Vec<(String, String)> =
            layout.files().map(|f| (f.path.clone(), f.instance.sop_instance_uid.clone())).collect();
        let expect = |p: &str, s: &str| (p.to_owned(), s.to_owned());
        assert_eq!(
            paths,
            [
                expect("PT000000/ST000000/SE000000/IM000000", "1.1"),
                expect("PT000000/ST000001/SE000000/IM000000", "2.1"),
                expect("PT000001/ST000000/SE000000/IM000000", "3.1"),
                expect("PT000002/ST000000/SE000000/IM000000", "4.1"),
                expect("PT000003/ST000000/SE000000/IM000000", "5.1"),
                expect("PT000003/ST000000/SE000000/IM000001", "5.2"),
                expect("PT000003/ST000000/SE000001/IM000000", "5.3"),
            ]
        );
    }

    #[test]
    fn names_are_valid_file_id_components_whatever_the_data_and_the_counts() {
        for (index, siblings) in [(0, 1), (999_999, 1_000_000), (1_000_000, 1_000_001), (2_176_782_335, 3_000_000_000)]
        {
            let name = component("IM", index, siblings);
            assert!(is_file_id_component(&name), "{name}");
        }
        assert_eq!(component("IM", 35, 2_000_000), "IM00000Z");
        assert_eq!(component("IM", 36, 2_000_000), "IM000010");
        let layout = Layout::plan(vec![study("1", Some("../x"), &[&["a/../b"]])]);
        let set = layout.file_set("FERRUM", "2.25.1");
        assert_eq!(
            set.patients[0].studies[0].series[0].images[0].file_id,
            ["PT000000", "ST000000", "SE000000", "IM000000"]
        );
        assert_eq!(set.patients[0].patient_id.as_deref(), Some("../x"), "the DICOMDIR keeps the values as stored");
        assert!(set.encode().is_ok());
    }
}
