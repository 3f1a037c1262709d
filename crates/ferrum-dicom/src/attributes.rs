//! The attributes the catalog indexes, at the four levels of the DICOM information model.
use serde::Serialize;

use crate::Uid;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PatientLevel {
    /// Person name as the person would write it (components joined by `^`), decoded from
    /// the declared character set.
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
    pub patient_birth_date: Option<String>,
    pub patient_sex: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyLevel {
    pub study_instance_uid: Uid,
    pub study_date: Option<String>,
    pub study_time: Option<String>,
    pub accession_number: Option<String>,
    pub study_description: Option<String>,
    pub referring_physician_name: Option<String>,
    pub study_id: Option<String>,
    pub institution_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesLevel {
    pub series_instance_uid: Uid,
    pub modality: Option<String>,
    pub series_number: Option<i64>,
    pub series_description: Option<String>,
    pub body_part_examined: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceLevel {
    pub sop_instance_uid: Uid,
    pub sop_class_uid: Option<String>,
    pub instance_number: Option<i64>,
    pub transfer_syntax_uid: String,
    pub rows: Option<i64>,
    pub columns: Option<i64>,
    pub number_of_frames: Option<i64>,
    /// Where the slice lies along the stack, in mm: the Image Position (Patient) projected on
    /// the normal of the Image Orientation (Patient), else Slice Location.
    pub slice_position: Option<f64>,
    /// Geometry a viewer draws with (`\\`-separated as in DICOM): Pixel Spacing (row, column
    /// in mm), Image Orientation (Patient) (row and column direction cosines), and Slice
    /// Thickness in mm.
    pub pixel_spacing: Option<String>,
    pub image_orientation: Option<String>,
    pub slice_thickness: Option<f64>,
    pub photometric_interpretation: Option<String>,
    pub bits_allocated: Option<i64>,
    /// Burned In Annotation (0028,0301): whether the pixels show text (`None`: not said).
    pub burned_in_annotation: Option<bool>,
}

/// Everything extracted from one object's header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceAttributes {
    pub patient: PatientLevel,
    pub study: StudyLevel,
    pub series: SeriesLevel,
    pub instance: InstanceLevel,
}
