//! The grey-scale pipeline in the standard's order: stored value (masked, sign-extended)
//! → modality LUT → VOI → presentation (MONOCHROME1 / INVERSE) → 8 bits.
//!
//! For up to 16 bits stored the whole chain is folded into one table indexed by the raw
//! stored value, so that a frame costs one lookup per pixel and no float math.
//!
//! Padding pixels (Pixel Padding Value, optionally up to Pixel Padding Range Limit) are
//! background: black, and left out of the window derived from the frame's own range.
//! Float and double pixel data carry modality values directly and take the per-pixel path.
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::decode::Samples;
use super::modality::Modality;
use super::voi::{apply_window, min_max_window, Voi, VoiFunction, Window};

/// How raw samples become stored values: shift down to the high bit, mask, sign-extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredBits {
    pub bits_stored: u16,
    pub shift: u16,
    pub signed: bool,
}

impl StoredBits {
    #[inline]
    fn mask(self) -> u32 {
        if self.bits_stored >= 32 {
            u32::MAX
        } else {
            (1u32 << self.bits_stored) - 1
        }
    }

    /// Masked raw value: junk above the stored bits (overlays, padding) is dropped.
    #[inline]
    pub(crate) fn index(self, raw: u32) -> u32 {
        (raw >> self.shift) & self.mask()
    }

    #[inline]
    pub(crate) fn value(self, index: u32) -> i64 {
        if self.signed && self.bits_stored < 64 && index >> (self.bits_stored - 1) & 1 == 1 {
            index as i64 - (1i64 << self.bits_stored)
        } else {
            index as i64
        }
    }
}

/// Stored values that mark padding (PS3.3 C.7.5.1.1.2), both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Padding {
    lo: i64,
    hi: i64,
}

impl Padding {
    /// Pixel Padding Value and Range Limit, in stored-value units. Both are US or SS after
    /// Pixel Representation; where the parser read a negative SS as US, it is sign-extended.
    pub(crate) fn read(obj: &InMemDicomObject, signed: bool) -> Option<Self> {
        let value = |tag| {
            let v = obj.get(tag)?.to_int::<i64>().ok()?;
            Some(if signed && (32768..65536).contains(&v) { v - 65536 } else { v })
        };
        let first = value(tags::PIXEL_PADDING_VALUE)?;
        let limit = value(tags::PIXEL_PADDING_RANGE_LIMIT).unwrap_or(first);
        Some(Padding { lo: first.min(limit), hi: first.max(limit) })
    }

    #[inline]
    fn contains(self, stored: i64) -> bool {
        (self.lo..=self.hi).contains(&stored)
    }
}

pub(crate) struct GreyPipeline {
    pub modality: Modality,
    pub voi: Voi,
    /// MONOCHROME1, or Presentation LUT Shape INVERSE.
    pub invert: bool,
    pub padding: Option<Padding>,
}

/// What padding becomes on screen.
const BACKGROUND: u8 = 0;

impl GreyPipeline {
    /// Renders one frame of single-sample data to 8-bit grey.
    pub(crate) fn render(&self, samples: &Samples, bits: StoredBits, request: Option<Window>) -> Vec<u8> {
        let voi = self.effective_voi(samples, bits, request);
        if let Samples::F64(v) = samples {
            return v
                .iter()
                .map(
                    |&x| {
                        if x.is_finite() {
                            self.output_modality(self.modality.apply_f64(x), &voi)
                        } else {
                            BACKGROUND
                        }
                    },
                )
                .collect();
        }
        if bits.bits_stored <= 16 {
            let lut = self.table(bits, &voi);
            match samples {
                Samples::U8(v) => v.iter().map(|&x| lut[bits.index(x as u32) as usize]).collect(),
                Samples::U16(v) => v.iter().map(|&x| lut[bits.index(x as u32) as usize]).collect(),
                Samples::U32(v) => v.iter().map(|&x| lut[bits.index(x) as usize]).collect(),
                Samples::F64(_) => unreachable!("float samples returned above"),
            }
        } else {
            let one = |x: u32| self.output(bits.value(bits.index(x)), &voi);
            match samples {
                Samples::U8(v) => v.iter().map(|&x| one(x as u32)).collect(),
                Samples::U16(v) => v.iter().map(|&x| one(x as u32)).collect(),
                Samples::U32(v) => v.iter().map(|&x| one(x)).collect(),
                Samples::F64(_) => unreachable!("float samples returned above"),
            }
        }
    }

    /// The frame's modality values (stored value through the Modality LUT or rescale), row
    /// by row: what a reader measures, e.g. Hounsfield units.
    pub(crate) fn modality_values(&self, samples: &Samples, bits: StoredBits, pixels: usize) -> Vec<f32> {
        let m = |raw: u32| self.modality.apply(bits.value(bits.index(raw))) as f32;
        let mut out: Vec<f32> = match samples {
            Samples::U8(v) => v.iter().map(|&x| m(x as u32)).collect(),
            Samples::U16(v) => v.iter().map(|&x| m(x as u32)).collect(),
            Samples::U32(v) => v.iter().map(|&x| m(x)).collect(),
            Samples::F64(v) => v.iter().map(|&x| self.modality.apply_f64(x) as f32).collect(),
        };
        out.truncate(pixels);
        out
    }

    /// Request window over the file's, the file's over the frame's own range.
    fn effective_voi(&self, samples: &Samples, bits: StoredBits, request: Option<Window>) -> Voi {
        if let Some(window) = request.filter(|w| w.width > 0.0 && w.center.is_finite() && w.width.is_finite()) {
            return Voi::Window { window, function: self.voi.function() };
        }
        match &self.voi {
            Voi::None { .. } if matches!(samples, Samples::F64(_)) => {
                // Real values: min and max are black and white exactly, with no half-unit
                // offset meant for integers.
                let (min, max) = self.modality_range(samples, bits);
                let function = VoiFunction::LinearExact;
                Voi::Window { window: min_max_window(min, max, function), function }
            }
            Voi::None { function } => {
                let (min, max) = self.modality_range(samples, bits);
                Voi::Window { window: min_max_window(min, max, *function), function: *function }
            }
            other => other.clone(),
        }
    }

    /// Smallest and largest modality value present in the frame, padding left out.
    fn modality_range(&self, samples: &Samples, bits: StoredBits) -> (f64, f64) {
        if let Samples::F64(v) = samples {
            let (lo, hi) = v
                .iter()
                .filter(|x| x.is_finite())
                .map(|&x| self.modality.apply_f64(x))
                .fold((f64::MAX, f64::MIN), |(a, b), m| (a.min(m), b.max(m)));
            return if lo > hi { (0.0, 0.0) } else { (lo, hi) };
        }
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        let padding = self.padding;
        let mut see = |raw: u32| {
            let v = bits.value(bits.index(raw));
            if padding.is_some_and(|p| p.contains(v)) {
                return;
            }
            lo = lo.min(v);
            hi = hi.max(v);
        };
        match samples {
            Samples::U8(v) => v.iter().for_each(|&x| see(x as u32)),
            Samples::U16(v) => v.iter().for_each(|&x| see(x as u32)),
            Samples::U32(v) => v.iter().for_each(|&x| see(x)),
            Samples::F64(_) => {}
        }
        if lo > hi {
            return (0.0, 0.0);
        }
        match &self.modality {
            Modality::Rescale { .. } => {
                let (a, b) = (self.modality.apply(lo), self.modality.apply(hi));
                (a.min(b), a.max(b))
            }
            Modality::Lut(_) if hi - lo <= 1 << 20 => {
                (lo..=hi).map(|v| self.modality.apply(v)).fold((f64::MAX, f64::MIN), |(a, b), m| (a.min(m), b.max(m)))
            }
            Modality::Lut(_) => (self.modality.apply(lo), self.modality.apply(hi)),
        }
    }

    /// One entry per masked stored value.
    fn table(&self, bits: StoredBits, voi: &Voi) -> Vec<u8> {
        let size = 1usize << bits.bits_stored;
        (0..size as u32).map(|i| self.output(bits.value(i), voi)).collect()
    }

    #[inline]
    fn output(&self, stored: i64, voi: &Voi) -> u8 {
        if self.padding.is_some_and(|p| p.contains(stored)) {
            return BACKGROUND;
        }
        self.output_modality(self.modality.apply(stored), voi)
    }

    #[inline]
    fn output_modality(&self, m: f64, voi: &Voi) -> u8 {
        let y = match voi {
            Voi::Window { window, function } => apply_window(*function, *window, m),
            other => other.apply(m),
        }
        .clamp(0.0, 1.0);
        let y = if self.invert { 1.0 - y } else { y };
        (y * 255.0 + 0.5) as u8
    }
}

/// Whether the presentation stage inverts: MONOCHROME1 always, MONOCHROME2 when the
/// file asks for the INVERSE presentation LUT shape.
pub(crate) fn inverts(monochrome1: bool, presentation_shape: Option<&str>) -> bool {
    monochrome1 || presentation_shape.map(str::trim) == Some("INVERSE")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::lut::Lut;

    fn pipeline(modality: Modality, voi: Voi, invert: bool) -> GreyPipeline {
        GreyPipeline { modality, voi, invert, padding: None }
    }

    const U12: StoredBits = StoredBits { bits_stored: 12, shift: 0, signed: false };

    #[test]
    fn modality_values_are_rescaled_stored_values_whatever_the_window() {
        let p = pipeline(
            Modality::Rescale { slope: 2.0, intercept: -1024.0 },
            Voi::Window { window: Window { center: 40.0, width: 400.0 }, function: VoiFunction::Linear },
            true,
        );
        // Junk above the 12 stored bits is masked, as for display; the extra sample is cut.
        let values = p.modality_values(&Samples::U16(vec![0, 512, 0xF000 | 532, 7]), U12, 3);
        assert_eq!(values, vec![-1024.0, 0.0, 40.0]);
    }

    #[test]
    fn junk_high_bits_are_masked_before_the_lookup() {
        let p = pipeline(
            Modality::IDENTITY,
            Voi::Window { window: Window { center: 2048.0, width: 4096.0 }, function: VoiFunction::LinearExact },
            false,
        );
        let clean = p.render(&Samples::U16(vec![0, 2048, 4095]), U12, None);
        let junk = p.render(&Samples::U16(vec![0xF000, 0xA000 | 2048, 0x5000 | 4095]), U12, None);
        assert_eq!(clean, junk);
        assert_eq!(clean, vec![0, 128, 255]);
    }

    #[test]
    fn signed_values_are_sign_extended_from_bits_stored() {
        let bits = StoredBits { bits_stored: 12, shift: 0, signed: true };
        assert_eq!(bits.value(0x0FFF), -1);
        assert_eq!(bits.value(0x0800), -2048);
        assert_eq!(bits.value(0x07FF), 2047);
        let p = pipeline(Modality::IDENTITY, Voi::None { function: VoiFunction::Linear }, false);
        // min/max default window: -2048 → black, 2047 → white, -1 in between
        let out = p.render(&Samples::U16(vec![0x0800, 0x07FF, 0x0FFF]), bits, None);
        assert_eq!(out[0], 0);
        assert_eq!(out[1], 255);
        assert_eq!(out[2], 127);
    }

    #[test]
    fn high_bit_below_the_top_shifts_stored_values_down() {
        let bits = StoredBits { bits_stored: 8, shift: 4, signed: false };
        assert_eq!(bits.value(bits.index(0x0FF0)), 255);
        assert_eq!(bits.value(bits.index(0xF00F)), 0);
    }

    #[test]
    fn monochrome1_inverts_the_output() {
        let voi = Voi::Window { window: Window { center: 128.0, width: 256.0 }, function: VoiFunction::LinearExact };
        let normal = pipeline(Modality::IDENTITY, voi.clone(), false);
        let inverted = pipeline(Modality::IDENTITY, voi, inverts(true, None));
        let bits = StoredBits { bits_stored: 8, shift: 0, signed: false };
        let a = normal.render(&Samples::U8(vec![0, 64, 255]), bits, None);
        let b = inverted.render(&Samples::U8(vec![0, 64, 255]), bits, None);
        assert_eq!(a.iter().zip(&b).map(|(x, y)| *x as u16 + *y as u16).collect::<Vec<_>>(), vec![255; 3]);
        assert!(inverts(false, Some("INVERSE")));
        assert!(!inverts(false, Some("IDENTITY")));
    }

    #[test]
    fn request_window_overrides_the_file_window() {
        let p = pipeline(
            Modality::Rescale { slope: 1.0, intercept: -1024.0 },
            Voi::Window { window: Window { center: 40.0, width: 80.0 }, function: VoiFunction::Linear },
            false,
        );
        let px = Samples::U16(vec![1024 + 500]);
        assert_eq!(p.render(&px, U12, None), vec![255]);
        assert_eq!(p.render(&px, U12, Some(Window { center: 500.0, width: 1000.0 })), vec![128]);
    }

    #[test]
    fn voi_lut_scales_by_its_entry_bits() {
        let lut = Lut { first: 0, bits: 8, data: (0..=255).rev().collect() };
        let p = pipeline(Modality::IDENTITY, Voi::Lut(lut), false);
        let bits = StoredBits { bits_stored: 8, shift: 0, signed: false };
        assert_eq!(p.render(&Samples::U8(vec![0, 255, 10]), bits, None), vec![255, 0, 245]);
    }

    #[test]
    fn padding_is_black_and_left_out_of_the_min_max_window() {
        let bits = StoredBits { bits_stored: 16, shift: 0, signed: true };
        let mut p = pipeline(Modality::IDENTITY, Voi::None { function: VoiFunction::Linear }, false);
        p.padding = Some(Padding { lo: -3024, hi: -3024 });
        let px = Samples::U16([-3024i16, -1000, 1000, 0].map(|v| v as u16).to_vec());
        // Without padding -3024 would be black and -1000 grey; with it -1000 is the minimum.
        assert_eq!(p.render(&px, bits, None), vec![0, 0, 255, 128]);
        let inverted = GreyPipeline { invert: true, ..p };
        assert_eq!(inverted.render(&px, bits, None)[0], 0, "padding stays black on MONOCHROME1");
    }

    #[test]
    fn float_samples_map_their_own_range_exactly_and_non_finite_values_are_black() {
        let p = pipeline(Modality::IDENTITY, Voi::None { function: VoiFunction::Linear }, false);
        let bits = StoredBits { bits_stored: 32, shift: 0, signed: true };
        let out = p.render(&Samples::F64(vec![-1.0, 1.0, 0.0, f64::NAN, f64::INFINITY]), bits, None);
        assert_eq!(out, vec![0, 255, 128, 0, 0]);
    }

    #[test]
    fn thirty_two_bit_values_take_the_per_pixel_path() {
        let bits = StoredBits { bits_stored: 32, shift: 0, signed: true };
        let p = pipeline(Modality::IDENTITY, Voi::None { function: VoiFunction::Linear }, false);
        let out = p.render(&Samples::U32(vec![(-100_000i32) as u32, 100_000, 0]), bits, None);
        assert_eq!(out, vec![0, 255, 128]);
    }
}
