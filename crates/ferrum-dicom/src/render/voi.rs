//! The VOI stage (PS3.3 C.11.2): modality value → display value in [0, 1], by a window
//! (LINEAR, LINEAR_EXACT or SIGMOID) or a VOI LUT. The caller scales to 8 bits.
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::RenderError;
use super::header::{first_item, floats, functional_groups, string};
use super::lut::{self, Lut};

/// A window as requested by a viewer or stored in the file: center and width in modality
/// units (e.g. Hounsfield units for CT).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub center: f64,
    pub width: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum VoiFunction {
    #[default]
    Linear,
    LinearExact,
    Sigmoid,
}

impl VoiFunction {
    fn parse(s: &str) -> Self {
        match s.trim() {
            "LINEAR_EXACT" => VoiFunction::LinearExact,
            "SIGMOID" => VoiFunction::Sigmoid,
            _ => VoiFunction::Linear,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Voi {
    Window {
        window: Window,
        function: VoiFunction,
    },
    Lut(Lut),
    /// Nothing in the file: the caller derives a window from the frame's own range.
    None {
        function: VoiFunction,
    },
}

impl Voi {
    /// The file's first VOI for `frame`: per-frame then shared Frame VOI LUT, then the
    /// top-level window, then the VOI LUT Sequence.
    pub(crate) fn read(obj: &InMemDicomObject, frame: u32, signed: bool) -> Result<Self, RenderError> {
        let mut function = None;
        for group in functional_groups(obj, frame) {
            if let Some(item) = first_item(group, tags::FRAME_VOILUT_SEQUENCE) {
                function = function.or_else(|| string(item, tags::VOILUT_FUNCTION).map(|s| VoiFunction::parse(&s)));
                if let Some(window) = window(item) {
                    return Ok(Voi::Window { window, function: function.unwrap_or_default() });
                }
            }
        }
        let function =
            function.or_else(|| string(obj, tags::VOILUT_FUNCTION).map(|s| VoiFunction::parse(&s))).unwrap_or_default();
        if let Some(window) = window(obj) {
            return Ok(Voi::Window { window, function });
        }
        if let Some(item) = first_item(obj, tags::VOILUT_SEQUENCE) {
            if let Some(lut) = lut::read_item(item, signed)? {
                return Ok(Voi::Lut(lut));
            }
        }
        Ok(Voi::None { function })
    }

    pub(crate) fn function(&self) -> VoiFunction {
        match self {
            Voi::Window { function, .. } | Voi::None { function } => *function,
            Voi::Lut(_) => VoiFunction::Linear,
        }
    }

    /// Display value in [0, 1] for modality value `x`.
    #[inline]
    pub(crate) fn apply(&self, x: f64) -> f64 {
        match self {
            Voi::Window { window, function } => apply_window(*function, *window, x),
            Voi::Lut(lut) => lut.lookup(x.floor() as i64) as f64 / lut.max_value(),
            Voi::None { .. } => x,
        }
    }
}

fn window(obj: &InMemDicomObject) -> Option<Window> {
    let center = *floats(obj, tags::WINDOW_CENTER).first()?;
    let width = *floats(obj, tags::WINDOW_WIDTH).first()?;
    (width > 0.0).then_some(Window { center, width })
}

/// A window spanning exactly `[min, max]`, the default when the file has none.
pub(crate) fn min_max_window(min: f64, max: f64, function: VoiFunction) -> Window {
    match function {
        VoiFunction::Linear => Window { center: (min + max + 1.0) / 2.0, width: (max - min + 1.0).max(1.0) },
        _ => Window { center: (min + max) / 2.0, width: (max - min).max(1.0) },
    }
}

/// The three window functions of PS3.3 C.11.2.1.2–3, with output range [0, 1].
#[inline]
pub(crate) fn apply_window(function: VoiFunction, Window { center: c, width: w }: Window, x: f64) -> f64 {
    match function {
        VoiFunction::Linear => {
            // LINEAR needs w ≥ 1; a narrower window degenerates to a threshold.
            if w <= 1.0 {
                return if x > c - 0.5 { 1.0 } else { 0.0 };
            }
            let lower = c - 0.5 - (w - 1.0) / 2.0;
            let upper = c - 0.5 + (w - 1.0) / 2.0;
            if x <= lower {
                0.0
            } else if x > upper {
                1.0
            } else {
                (x - (c - 0.5)) / (w - 1.0) + 0.5
            }
        }
        VoiFunction::LinearExact => {
            if x <= c - w / 2.0 {
                0.0
            } else if x > c + w / 2.0 {
                1.0
            } else {
                (x - c) / w + 0.5
            }
        }
        VoiFunction::Sigmoid => 1.0 / (1.0 + (-4.0 * (x - c) / w).exp()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to8(v: f64) -> f64 {
        v * 255.0
    }

    #[test]
    fn linear_follows_the_standard_formula() {
        let w = Window { center: 40.0, width: 400.0 };
        // bounds: c - 0.5 ∓ (w-1)/2 = -160 and 239
        assert_eq!(apply_window(VoiFunction::Linear, w, -160.0), 0.0);
        assert_eq!(apply_window(VoiFunction::Linear, w, 239.5), 1.0);
        let y = to8(apply_window(VoiFunction::Linear, w, 39.5));
        assert!((y - 127.5).abs() < 1e-9, "{y}");
        let y = to8(apply_window(VoiFunction::Linear, w, 100.0));
        assert!((y - ((100.0 - 39.5) / 399.0 + 0.5) * 255.0).abs() < 1e-9);
    }

    #[test]
    fn linear_exact_differs_from_linear_by_the_half_unit_offset() {
        let w = Window { center: 40.0, width: 400.0 };
        assert_eq!(apply_window(VoiFunction::LinearExact, w, -160.0), 0.0);
        assert_eq!(apply_window(VoiFunction::LinearExact, w, 240.0), 1.0);
        assert_eq!(to8(apply_window(VoiFunction::LinearExact, w, 40.0)), 127.5);
        let linear = apply_window(VoiFunction::Linear, w, 40.0);
        assert!(linear > 0.5, "LINEAR centres on c - 0.5");
    }

    #[test]
    fn sigmoid_is_half_at_the_center_and_follows_the_logistic_curve() {
        let w = Window { center: 100.0, width: 50.0 };
        assert_eq!(apply_window(VoiFunction::Sigmoid, w, 100.0), 0.5);
        let y = apply_window(VoiFunction::Sigmoid, w, 125.0);
        assert!((y - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn width_one_linear_window_is_a_threshold() {
        let w = Window { center: 10.0, width: 1.0 };
        assert_eq!(apply_window(VoiFunction::Linear, w, 9.0), 0.0);
        assert_eq!(apply_window(VoiFunction::Linear, w, 10.0), 1.0);
    }

    #[test]
    fn min_max_window_maps_min_to_black_and_max_to_white() {
        let w = min_max_window(-1000.0, 3000.0, VoiFunction::Linear);
        assert_eq!(apply_window(VoiFunction::Linear, w, -1000.0), 0.0);
        assert_eq!(apply_window(VoiFunction::Linear, w, 3000.0), 1.0);
    }
}
