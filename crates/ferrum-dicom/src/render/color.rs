//! Colour frames to 8-bit RGB: RGB scaled from its stored bits, YBR (full and partial
//! range) converted with the coefficients of PS3.3 C.7.6.3.1.2, and palette lookups.
use super::decode::Samples;
use super::grey::StoredBits;
use super::palette::Palette;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColorIn {
    Rgb,
    YbrFull,
    YbrPartial,
}

/// Three interleaved samples per pixel → RGB8.
pub(crate) fn to_rgb8(samples: &Samples, model: ColorIn, bits: StoredBits) -> Vec<u8> {
    let max = ((1u64 << bits.bits_stored.min(32)) - 1) as f32;
    if model == ColorIn::Rgb {
        if let (Samples::U8(v), 8) = (samples, bits.bits_stored) {
            return v.clone();
        }
        let scale = 255.0 / max;
        return (0..samples.len()).map(|i| (bits.index(samples.get(i)) as f32 * scale + 0.5) as u8).collect();
    }
    let half = (1u64 << (bits.bits_stored.min(32) - 1)) as f32;
    let scale = 255.0 / max;
    let n = samples.len() / 3;
    let mut out = Vec::with_capacity(n * 3);
    for p in 0..n {
        let y = bits.index(samples.get(p * 3)) as f32;
        let cb = bits.index(samples.get(p * 3 + 1)) as f32 - half;
        let cr = bits.index(samples.get(p * 3 + 2)) as f32 - half;
        let rgb = match model {
            ColorIn::YbrPartial => {
                let y = 1.1644 * (y - 16.0 * half / 128.0);
                [y + 1.5960 * cr, y - 0.3917 * cb - 0.8130 * cr, y + 2.0173 * cb]
            }
            _ => [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb],
        };
        out.extend(rgb.map(|c| (c.clamp(0.0, max) * scale + 0.5) as u8));
    }
    out
}

/// One sample per pixel through the palette → RGB8, via a table when the stored range
/// is small enough to enumerate.
pub(crate) fn palette_to_rgb8(samples: &Samples, palette: &Palette, bits: StoredBits) -> Vec<u8> {
    let n = samples.len();
    let mut out = Vec::with_capacity(n * 3);
    if bits.bits_stored <= 16 {
        let table: Vec<[u8; 3]> = (0..1u32 << bits.bits_stored).map(|i| palette.to_rgb8(bits.value(i))).collect();
        for i in 0..n {
            out.extend_from_slice(&table[bits.index(samples.get(i)) as usize]);
        }
    } else {
        for i in 0..n {
            out.extend_from_slice(&palette.to_rgb8(bits.value(bits.index(samples.get(i)))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const B8: StoredBits = StoredBits { bits_stored: 8, shift: 0, signed: false };

    #[test]
    fn ybr_full_grey_stays_grey_and_primaries_come_back() {
        let out = to_rgb8(&Samples::U8(vec![100, 128, 128]), ColorIn::YbrFull, B8);
        assert_eq!(out, vec![100, 100, 100]);
        // pure red (255,0,0) in YBR_FULL is about Y=76, Cb=85, Cr=255
        let out = to_rgb8(&Samples::U8(vec![76, 85, 255]), ColorIn::YbrFull, B8);
        assert!(out[0] >= 253 && out[1] <= 2 && out[2] <= 2, "{out:?}");
    }

    #[test]
    fn sixteen_bit_rgb_scales_to_eight_bits() {
        let bits = StoredBits { bits_stored: 16, shift: 0, signed: false };
        assert_eq!(to_rgb8(&Samples::U16(vec![0, 65535, 32768]), ColorIn::Rgb, bits), vec![0, 255, 128]);
    }
}
