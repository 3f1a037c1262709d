//! One de-identified link's view of its study: the stored objects it may serve (burned-in
//! annotation left out), found by the new UIDs its holder knows, and the study JSON built
//! from de-identified objects.
use ferrum_dicom::deid::{Context, DeidError};
use ferrum_store::model::{InstanceRecord, SeriesDetail, StudyDetail};
use ferrum_store::Principal;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::state::AppState;

pub struct DeidView {
    pub context: Context,
    /// The study as the link's principal sees it, without the objects left out.
    pub study: StudyDetail,
    /// Objects left out for Burned In Annotation = YES.
    pub left_out: usize,
}

impl DeidView {
    /// The view of the link's study; 404 when the principal sees no such study.
    pub async fn load(
        state: &AppState,
        principal: &Principal,
        study_uid: &str,
        context: Context,
    ) -> Result<DeidView, ApiError> {
        // A de-identified link's own principal reads nothing plain; this view is the one
        // reader of its rows, and rewrites everything it serves.
        let principal = match principal {
            Principal::Link(link) => link.deidentifying(),
            other => other.clone(),
        };
        let mut study = state
            .catalog
            .get_study(&principal, study_uid)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such study".into()))?;
        let mut left_out = 0;
        for series in &mut study.series {
            let mut kept = Vec::with_capacity(series.instances.len());
            for instance in std::mem::take(&mut series.instances) {
                if burned_in(state, &instance).await? && !context.keeps_burned_in() {
                    left_out += 1;
                } else {
                    kept.push(instance);
                }
            }
            series.num_instances = kept.len() as i64;
            series.instances = kept;
        }
        study.series.retain(|s| !s.instances.is_empty());
        Ok(DeidView { context, study, left_out })
    }

    /// The series the link holder names by its new UID. An original UID names nothing.
    pub fn series(&self, new_uid: &str) -> Option<&SeriesDetail> {
        self.study.series.iter().find(|s| self.context.uid(&s.series_instance_uid) == new_uid)
    }

    /// The instance the link holder names by its new UID.
    pub fn instance(&self, new_uid: &str) -> Option<&InstanceRecord> {
        self.instances().find(|i| self.context.uid(&i.sop_instance_uid) == new_uid)
    }

    pub fn instances(&self) -> impl Iterator<Item = &InstanceRecord> {
        self.study.series.iter().flat_map(|s| s.instances.iter())
    }

    /// The study as the link shows it: the fields the viewer reads, taken from the
    /// de-identified first object of each series (so that they say what the files say),
    /// the instances' technical fields from the catalog, every UID remapped, and nothing
    /// about who uploaded or owns it.
    pub async fn json(&self, state: &AppState) -> Result<Value, ApiError> {
        let ctx = &self.context;
        let mut series_json = Vec::new();
        let mut study_fields = None;
        for series in &self.study.series {
            let first = &series.instances[0];
            let bytes = super::read_object(state.blobs.as_ref(), first).await?;
            let header = match super::deidentify(bytes, ctx).await? {
                Ok(out) => ferrum_dicom::inspect(std::io::Cursor::new(out.bytes)).ok().map(|i| i.attributes),
                Err(DeidError::BurnedIn) => None,
                Err(e) => {
                    tracing::info!(error = %e, "a series header could not be de-identified for a link");
                    None
                }
            };
            if study_fields.is_none() {
                study_fields = header.as_ref().map(|a| (a.patient.clone(), a.study.clone()));
            }
            let s = header.map(|a| a.series);
            let instances: Vec<Value> = series
                .instances
                .iter()
                .map(|i| {
                    json!({
                        "sop_instance_uid": ctx.uid(&i.sop_instance_uid),
                        "series_instance_uid": ctx.uid(&i.series_instance_uid),
                        "study_instance_uid": ctx.uid(&i.study_instance_uid),
                        "sop_class_uid": i.sop_class_uid,
                        "instance_number": i.instance_number,
                        "transfer_syntax_uid": ferrum_dicom::deid::output_transfer_syntax(&i.transfer_syntax_uid),
                        "rows": i.rows,
                        "columns": i.columns,
                        "number_of_frames": i.number_of_frames,
                        "slice_position": i.slice_position,
                        // Geometry identifies no one, and the viewer measures with it.
                        "pixel_spacing": i.pixel_spacing,
                        "image_orientation": i.image_orientation,
                        "slice_thickness": i.slice_thickness,
                    })
                })
                .collect();
            series_json.push(json!({
                "series_instance_uid": ctx.uid(&series.series_instance_uid),
                "modality": s.as_ref().and_then(|s| s.modality.clone()).or_else(|| series.modality.clone()),
                "series_number": s.as_ref().and_then(|s| s.series_number).or(series.series_number),
                "series_description": s.as_ref().and_then(|s| s.series_description.clone()),
                "body_part_examined": s.as_ref().and_then(|s| s.body_part_examined.clone()),
                "num_instances": series.instances.len(),
                "instances": instances,
            }));
        }
        let (patient, study) = match study_fields {
            Some((p, s)) => (Some(p), Some(s)),
            None => (None, None),
        };
        let mut modalities: Vec<String> = self.study.series.iter().filter_map(|s| s.modality.clone()).collect();
        modalities.sort();
        modalities.dedup();
        Ok(json!({
            "study_instance_uid": ctx.uid(&self.study.summary.study_instance_uid),
            "patient_name": patient.as_ref().and_then(|p| p.patient_name.clone()),
            "patient_id": patient.as_ref().and_then(|p| p.patient_id.clone()),
            "patient_birth_date": patient.as_ref().and_then(|p| p.patient_birth_date.clone()),
            "patient_sex": patient.as_ref().and_then(|p| p.patient_sex.clone()),
            "study_date": study.as_ref().and_then(|s| s.study_date.clone()),
            "study_time": study.as_ref().and_then(|s| s.study_time.clone()),
            "accession_number": study.as_ref().and_then(|s| s.accession_number.clone()),
            "study_description": study.as_ref().and_then(|s| s.study_description.clone()),
            "referring_physician_name": study.as_ref().and_then(|s| s.referring_physician_name.clone()),
            "institution_name": study.as_ref().and_then(|s| s.institution_name.clone()),
            "modalities": modalities,
            "num_series": self.study.series.len(),
            "num_instances": self.instances().count(),
            "deidentified": true,
            "left_out": { "burned_in_annotation": self.left_out },
            "series": series_json,
        }))
    }
}

/// Whether the object declares Burned In Annotation = YES: as catalogued at ingest, or read
/// now for an object catalogued before the flag was kept (when in doubt, it is left out).
async fn burned_in(state: &AppState, instance: &InstanceRecord) -> Result<bool, ApiError> {
    if let Some(flag) = instance.burned_in_annotation {
        return Ok(flag);
    }
    let bytes = super::read_object(state.blobs.as_ref(), instance).await?;
    let inspected = tokio::task::spawn_blocking(move || ferrum_dicom::inspect(std::io::Cursor::new(bytes)))
        .await
        .map_err(ApiError::internal)?;
    Ok(inspected.map_or(true, |i| i.attributes.instance.burned_in_annotation == Some(true)))
}
