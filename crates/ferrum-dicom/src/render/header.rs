//! The image pixel description (PS3.3 C.7.6.3) read from a parsed object, with the size
//! limits checked before anything is allocated for the frame.
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::RenderError;

/// Frames bigger than this many pixels are refused: 8192×8192 covers mammography and
/// every modality a clinic sends; a hostile header must not make us allocate gigabytes.
pub(crate) const MAX_FRAME_PIXELS: u64 = 8192 * 8192;
/// Declared size of all frames together, compared before touching the pixel data.
pub(crate) const MAX_TOTAL_BYTES: u64 = 8 << 30;

const BIG_ENDIAN: &str = "1.2.840.10008.1.2.2";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Photometric {
    Monochrome1,
    Monochrome2,
    Palette,
    Rgb,
    YbrFull,
    YbrFull422,
    YbrPartial422,
    YbrIct,
    YbrRct,
}

impl Photometric {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.trim_matches(|c: char| c == ' ' || c == '\0') {
            "MONOCHROME1" => Photometric::Monochrome1,
            "MONOCHROME2" => Photometric::Monochrome2,
            "PALETTE COLOR" => Photometric::Palette,
            "RGB" => Photometric::Rgb,
            "YBR_FULL" => Photometric::YbrFull,
            "YBR_FULL_422" => Photometric::YbrFull422,
            "YBR_PARTIAL_422" | "YBR_PARTIAL_420" => Photometric::YbrPartial422,
            "YBR_ICT" => Photometric::YbrIct,
            "YBR_RCT" => Photometric::YbrRct,
            _ => return None,
        })
    }

    pub(crate) fn is_grey(self) -> bool {
        matches!(self, Photometric::Monochrome1 | Photometric::Monochrome2)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ImageHeader {
    pub transfer_syntax: String,
    pub rows: u32,
    pub cols: u32,
    pub samples: u16,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub high_bit: u16,
    pub signed: bool,
    pub photometric: Photometric,
    pub planar: bool,
    pub frames: u32,
    /// Native YBR_FULL_422: two bytes per pixel on the wire, not three.
    pub native_422: bool,
    /// Float (32) or Double Float (64) Pixel Data instead of Pixel Data: the bits that
    /// the attribute present implies, which Bits Allocated must match.
    pub float_bits: Option<u16>,
}

impl ImageHeader {
    pub(crate) fn read(obj: &InMemDicomObject, transfer_syntax: &str) -> Result<Self, RenderError> {
        let float_bits = match obj.get(tags::PIXEL_DATA) {
            Some(_) => None,
            None if obj.get(tags::FLOAT_PIXEL_DATA).is_some() => Some(32),
            None if obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_some() => Some(64),
            None => None,
        };
        let rows = required_u32(obj, tags::ROWS, "Rows")?;
        let cols = required_u32(obj, tags::COLUMNS, "Columns")?;
        let samples = uint(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) as u16;
        let bits_allocated = required_u32(obj, tags::BITS_ALLOCATED, "Bits Allocated")? as u16;
        let bits_stored = uint(obj, tags::BITS_STORED).map(|b| b as u16).unwrap_or(bits_allocated);
        let high_bit = uint(obj, tags::HIGH_BIT).map(|b| b as u16).unwrap_or(bits_stored.saturating_sub(1));
        let signed = uint(obj, tags::PIXEL_REPRESENTATION) == Some(1);
        let planar = uint(obj, tags::PLANAR_CONFIGURATION) == Some(1);
        let frames = string(obj, tags::NUMBER_OF_FRAMES)
            .and_then(|s| s.trim().parse::<i64>().ok())
            .map(|n| n.clamp(1, u32::MAX as i64) as u32)
            .unwrap_or(1);
        let photometric_text = string(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
        let photometric = match Photometric::parse(&photometric_text) {
            Some(p) => p,
            // A missing value on a single-sample image is almost always plain grey-scale.
            None if photometric_text.trim().is_empty() && samples == 1 => Photometric::Monochrome2,
            None if photometric_text.trim().is_empty() && samples == 3 => Photometric::Rgb,
            None => {
                return Err(RenderError::malformed(format!(
                    "unsupported photometric interpretation {:?}",
                    photometric_text.trim()
                )))
            }
        };
        let header = ImageHeader {
            transfer_syntax: transfer_syntax.to_owned(),
            rows,
            cols,
            samples,
            bits_allocated,
            bits_stored,
            high_bit,
            signed,
            photometric,
            planar,
            frames,
            native_422: photometric == Photometric::YbrFull422 && !super::decode::is_encapsulated(transfer_syntax),
            float_bits,
        };
        header.validate()?;
        Ok(header)
    }

    fn validate(&self) -> Result<(), RenderError> {
        if self.rows == 0 || self.cols == 0 {
            return Err(RenderError::malformed("Rows or Columns is zero"));
        }
        if let Some(expected) = self.float_bits {
            if self.bits_allocated != expected || !self.photometric.is_grey() {
                return Err(RenderError::malformed(format!(
                    "float pixel data needs Bits Allocated {expected} and a MONOCHROME photometric interpretation"
                )));
            }
        } else if !matches!(self.bits_allocated, 1 | 8 | 16 | 32) {
            return Err(RenderError::malformed(format!(
                "Bits Allocated {} is not 1, 8, 16 or 32",
                self.bits_allocated
            )));
        }
        if self.bits_stored == 0 || self.bits_stored > self.bits_allocated || self.high_bit >= self.bits_allocated {
            return Err(RenderError::malformed(format!(
                "Bits Stored {} / High Bit {} do not fit Bits Allocated {}",
                self.bits_stored, self.high_bit, self.bits_allocated
            )));
        }
        let expected_samples =
            if self.photometric.is_grey() || self.photometric == Photometric::Palette { 1 } else { 3 };
        if self.samples != expected_samples {
            return Err(RenderError::malformed(format!(
                "Samples per Pixel {} does not match the photometric interpretation",
                self.samples
            )));
        }
        let pixels = self.rows as u64 * self.cols as u64;
        if pixels > MAX_FRAME_PIXELS {
            return Err(RenderError::TooLarge {
                detail: format!(
                    "{}×{} pixels per frame, the limit is {} pixels",
                    self.cols, self.rows, MAX_FRAME_PIXELS
                ),
            });
        }
        let total = self.frame_bytes() as u64 * self.frames as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(RenderError::TooLarge {
                detail: format!("{} frames of {}×{} declare {} bytes", self.frames, self.cols, self.rows, total),
            });
        }
        Ok(())
    }

    pub(crate) fn is_float(&self) -> bool {
        self.float_bits.is_some()
    }

    /// Explicit VR Big Endian: the only native transfer syntax whose words are swapped.
    pub(crate) fn big_endian(&self) -> bool {
        self.transfer_syntax == BIG_ENDIAN
    }

    pub(crate) fn pixels(&self) -> usize {
        self.rows as usize * self.cols as usize
    }

    /// Bytes one uncompressed frame occupies (rounded up to whole bytes for 1-bit data).
    pub(crate) fn frame_bytes(&self) -> usize {
        if self.native_422 {
            return self.cols.div_ceil(2) as usize * 4 * self.rows as usize;
        }
        (self.pixels() * self.samples as usize * self.bits_allocated as usize).div_ceil(8)
    }
}

fn required_u32(obj: &InMemDicomObject, tag: Tag, name: &str) -> Result<u32, RenderError> {
    uint(obj, tag).ok_or_else(|| RenderError::malformed(format!("missing or invalid {name}")))
}

pub(crate) fn uint(obj: &InMemDicomObject, tag: Tag) -> Option<u32> {
    obj.get(tag)?.to_int::<u32>().ok()
}

pub(crate) fn string(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)?.to_str().ok().map(|s| s.trim_matches(|c: char| c == ' ' || c == '\0').to_owned())
}

pub(crate) fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    obj.get(tag)?.to_float64().ok().filter(|v| v.is_finite())
}

pub(crate) fn floats(obj: &InMemDicomObject, tag: Tag) -> Vec<f64> {
    obj.get(tag)
        .and_then(|e| e.to_multi_float64().ok())
        .map(|v| v.into_iter().filter(|x| x.is_finite()).collect())
        .unwrap_or_default()
}

pub(crate) fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag)?.items()?.first()
}

/// The functional-group items that describe `frame` of an enhanced multi-frame object:
/// its per-frame item first, then the shared one, so that a lookup falls back in the
/// order PS3.3 C.7.6.16 prescribes.
pub(crate) fn functional_groups(obj: &InMemDicomObject, frame: u32) -> Vec<&InMemDicomObject> {
    let mut groups = Vec::with_capacity(2);
    if let Some(items) = obj.get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).and_then(|e| e.items()) {
        if let Some(item) = items.get(frame as usize) {
            groups.push(item);
        }
    }
    if let Some(item) = first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE) {
        groups.push(item);
    }
    groups
}
