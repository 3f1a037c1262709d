//! PALETTE COLOR (PS3.3 C.7.6.3.1.5–6): three LUTs, plain or segmented, from stored
//! value to red, green and blue.
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::RenderError;
use super::lut::{self, Lut};

/// Segments may point at other segments; a hostile table must not recurse forever.
const MAX_INDIRECTION: u32 = 4;

pub(crate) struct Palette {
    pub channels: [Lut; 3],
}

impl Palette {
    pub(crate) fn read(obj: &InMemDicomObject) -> Result<Self, RenderError> {
        let specs = [
            (
                tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
                tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
                tags::SEGMENTED_RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            ),
            (
                tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
                tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
                tags::SEGMENTED_GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            ),
            (
                tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
                tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
                tags::SEGMENTED_BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            ),
        ];
        let mut out = Vec::with_capacity(3);
        for (descriptor, data, segmented) in specs {
            // The first mapped value is unsigned for palettes even on signed images.
            let (entries, first, bits) = lut::descriptor(obj, descriptor, false)?
                .ok_or_else(|| RenderError::malformed("PALETTE COLOR image without palette descriptors"))?;
            let lut = if let Some(words) = lut::words(obj, data) {
                lut::from_words(entries, first, bits, &words)?
            } else if let Some(words) = lut::words(obj, segmented) {
                Lut { first, bits, data: expand_segmented(&words, entries)? }
            } else {
                return Err(RenderError::malformed("PALETTE COLOR image without palette data"));
            };
            out.push(lut);
        }
        let [r, g, b]: [Lut; 3] = out.try_into().map_err(|_| RenderError::malformed("palette"))?;
        Ok(Palette { channels: [r, g, b] })
    }

    /// A table from every stored value to RGB, so that the frame is one lookup per pixel.
    pub(crate) fn to_rgb8(&self, value: i64) -> [u8; 3] {
        [0, 1, 2].map(|c| scale_to_u8(self.channels[c].lookup(value), self.channels[c].bits))
    }
}

fn scale_to_u8(v: u16, bits: u16) -> u8 {
    if bits <= 8 {
        v.min(255) as u8
    } else {
        (v >> 8) as u8
    }
}

/// Expands segmented LUT data (PS3.3 C.7.9.2): discrete, linear and indirect segments.
pub(crate) fn expand_segmented(words: &[u16], entries: usize) -> Result<Vec<u16>, RenderError> {
    let mut out = Vec::with_capacity(entries.min(65536));
    expand_into(words, &mut out, entries, 0)?;
    if out.is_empty() {
        return Err(RenderError::malformed("segmented palette expands to nothing"));
    }
    out.resize(entries.max(1), *out.last().unwrap_or(&0));
    Ok(out)
}

fn expand_into(words: &[u16], out: &mut Vec<u16>, limit: usize, depth: u32) -> Result<(), RenderError> {
    let bad = || RenderError::malformed("segmented palette data is inconsistent");
    let mut i = 0;
    while i < words.len() && out.len() < limit {
        let opcode = words[i];
        let length = *words.get(i + 1).ok_or_else(bad)? as usize;
        i += 2;
        match opcode {
            0 => {
                let values = words.get(i..i + length).ok_or_else(bad)?;
                out.extend_from_slice(values);
                i += length;
            }
            1 => {
                let y1 = *words.get(i).ok_or_else(bad)? as f64;
                let y0 = *out.last().ok_or_else(bad)? as f64;
                for k in 1..=length {
                    out.push((y0 + (y1 - y0) * k as f64 / length as f64).round() as u16);
                }
                i += 1;
            }
            2 => {
                if depth >= MAX_INDIRECTION {
                    return Err(bad());
                }
                let lo = *words.get(i).ok_or_else(bad)? as usize;
                let hi = *words.get(i + 1).ok_or_else(bad)? as usize;
                let offset = lo | (hi << 16);
                i += 2;
                // `length` segments starting at word `offset` of this same table.
                let mut j = offset;
                for _ in 0..length {
                    let end = segment_end(words, j).ok_or_else(bad)?;
                    expand_into(&words[j..end], out, limit, depth + 1)?;
                    j = end;
                }
            }
            _ => return Err(bad()),
        }
    }
    out.truncate(limit);
    Ok(())
}

fn segment_end(words: &[u16], start: usize) -> Option<usize> {
    let opcode = *words.get(start)?;
    let length = *words.get(start + 1)? as usize;
    let end = match opcode {
        0 => start + 2 + length,
        1 => start + 3,
        2 => start + 4,
        _ => return None,
    };
    (end <= words.len()).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discrete_then_linear_segments_expand_as_the_standard_describes() {
        // discrete [0, 10], then a ramp from 10 up to 50 in 4 steps
        let words = [0, 2, 0, 10, 1, 4, 50];
        assert_eq!(expand_segmented(&words, 6).unwrap(), vec![0, 10, 20, 30, 40, 50]);
    }

    #[test]
    fn indirect_segment_repeats_earlier_segments() {
        // segments at word 0: discrete [5]; linear to 7 over 2; then indirect copy of both
        let words = [0, 1, 5, 1, 2, 7, 2, 2, 0, 0];
        assert_eq!(expand_segmented(&words, 6).unwrap(), vec![5, 6, 7, 5, 6, 7]);
    }

    #[test]
    fn short_segmented_table_is_padded_with_its_last_value() {
        let words = [0, 2, 1, 2];
        assert_eq!(expand_segmented(&words, 4).unwrap(), vec![1, 2, 2, 2]);
    }

    #[test]
    fn hostile_segmented_tables_are_errors_not_panics() {
        for words in [&[1u16, 3, 9][..], &[0, 100, 1], &[2, 1, 0, 0], &[7, 1], &[0]] {
            let _ = expand_segmented(words, 16);
        }
        assert!(expand_segmented(&[1, 3, 9], 4).is_err());
    }
}
