//! The modality LUT stage (PS3.3 C.11.1): stored value → modality value (e.g. Hounsfield
//! units), by rescale slope/intercept or by a Modality LUT Sequence.
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::RenderError;
use super::header::{first_item, float, functional_groups};
use super::lut::{self, Lut};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Modality {
    Rescale { slope: f64, intercept: f64 },
    Lut(Lut),
}

impl Modality {
    pub(crate) const IDENTITY: Modality = Modality::Rescale { slope: 1.0, intercept: 0.0 };

    /// The transform for `frame`: per-frame Pixel Value Transformation first, then the
    /// shared one, then the top-level attributes.
    pub(crate) fn read(obj: &InMemDicomObject, frame: u32, signed: bool) -> Result<Self, RenderError> {
        for group in functional_groups(obj, frame) {
            if let Some(item) = first_item(group, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE) {
                if let Some(m) = rescale(item) {
                    return Ok(m);
                }
            }
        }
        if let Some(item) = first_item(obj, tags::MODALITY_LUT_SEQUENCE) {
            if let Some(lut) = lut::read_item(item, signed)? {
                return Ok(Modality::Lut(lut));
            }
        }
        Ok(rescale(obj).unwrap_or(Modality::IDENTITY))
    }

    /// For real-valued (float) pixel data; a LUT is indexed by the value's floor.
    #[inline]
    pub(crate) fn apply_f64(&self, value: f64) -> f64 {
        match self {
            Modality::Rescale { slope, intercept } => value * slope + intercept,
            Modality::Lut(lut) => lut.lookup(value.floor().clamp(i64::MIN as f64, i64::MAX as f64) as i64) as f64,
        }
    }

    #[inline]
    pub(crate) fn apply(&self, stored: i64) -> f64 {
        match self {
            Modality::Rescale { slope, intercept } => stored as f64 * slope + intercept,
            Modality::Lut(lut) => lut.lookup(stored) as f64,
        }
    }
}

fn rescale(obj: &InMemDicomObject) -> Option<Modality> {
    let slope = float(obj, tags::RESCALE_SLOPE);
    let intercept = float(obj, tags::RESCALE_INTERCEPT);
    if slope.is_none() && intercept.is_none() {
        return None;
    }
    // A zero slope would flatten the image; treat it as absent, as dcmtk does.
    let slope = slope.filter(|s| *s != 0.0).unwrap_or(1.0);
    Some(Modality::Rescale { slope, intercept: intercept.unwrap_or(0.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_maps_stored_to_hounsfield() {
        let m = Modality::Rescale { slope: 1.0, intercept: -1024.0 };
        assert_eq!(m.apply(0), -1024.0);
        assert_eq!(m.apply(1064), 40.0);
    }

    #[test]
    fn modality_lut_clamps_outside_its_range() {
        let m = Modality::Lut(Lut { first: 10, bits: 16, data: vec![100, 200, 300] });
        assert_eq!(m.apply(0), 100.0);
        assert_eq!(m.apply(11), 200.0);
        assert_eq!(m.apply(99), 300.0);
    }
}
