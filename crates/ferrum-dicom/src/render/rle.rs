//! RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits
//! segment per byte plane, most significant byte of each sample first.
use super::error::RenderError;

/// Decodes one RLE frame into little-endian, pixel-interleaved samples of
/// `bytes_per_sample` bytes each.
pub(crate) fn decode(
    frame: &[u8],
    pixels: usize,
    samples: usize,
    bytes_per_sample: usize,
) -> Result<Vec<u8>, RenderError> {
    let bad = |why: &str| RenderError::malformed(format!("RLE: {why}"));
    if frame.len() < 64 {
        return Err(bad("frame shorter than its header"));
    }
    let word =
        |i: usize| u32::from_le_bytes([frame[i * 4], frame[i * 4 + 1], frame[i * 4 + 2], frame[i * 4 + 3]]) as usize;
    let segments = word(0);
    let expected = samples * bytes_per_sample;
    if segments != expected {
        return Err(bad(&format!("{segments} segments where {expected} were expected")));
    }
    let mut out = vec![0u8; pixels * expected];
    let mut plane = Vec::with_capacity(pixels);
    for segment in 0..segments {
        let start = word(segment + 1);
        let end = if segment + 1 < segments { word(segment + 2) } else { frame.len() };
        if start < 64 || start > end || end > frame.len() {
            return Err(bad("segment offsets outside the frame"));
        }
        plane.clear();
        unpack_bits(&frame[start..end], &mut plane, pixels);
        // Segment s holds byte (bytes_per_sample - 1 - s % bps) of sample s / bps.
        let sample = segment / bytes_per_sample;
        let byte = bytes_per_sample - 1 - segment % bytes_per_sample;
        let stride = expected;
        let offset = sample * bytes_per_sample + byte;
        for (i, &b) in plane.iter().enumerate() {
            out[i * stride + offset] = b;
        }
    }
    Ok(out)
}

/// PackBits, stopping at `limit` bytes: encoders pad segments, and a hostile run must not
/// grow the output past the frame.
fn unpack_bits(mut src: &[u8], out: &mut Vec<u8>, limit: usize) {
    while let [header, rest @ ..] = src {
        if out.len() >= limit {
            break;
        }
        let n = *header as i8;
        if n >= 0 {
            let count = (n as usize + 1).min(rest.len());
            let take = count.min(limit - out.len());
            out.extend_from_slice(&rest[..take]);
            src = &rest[count..];
        } else if n != -128 {
            let Some((&value, rest)) = rest.split_first() else { break };
            let count = ((1 - n as isize) as usize).min(limit - out.len());
            out.extend(std::iter::repeat_n(value, count));
            src = rest;
        } else {
            src = rest;
        }
    }
    out.resize(limit, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(segments: &[&[u8]]) -> Vec<u8> {
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(&(segments.len() as u32).to_le_bytes());
        let mut offset = 64u32;
        let mut body = Vec::new();
        for (i, s) in segments.iter().enumerate() {
            header[4 + i * 4..8 + i * 4].copy_from_slice(&offset.to_le_bytes());
            offset += s.len() as u32;
            body.extend_from_slice(s);
        }
        header.extend(body);
        header
    }

    #[test]
    fn sixteen_bit_planes_interleave_high_byte_first() {
        // high bytes: literal [1, 2]; low bytes: run of 0xAA ×2
        let f = frame(&[&[1, 1, 2], &[0xFF, 0xAA]]);
        let out = decode(&f, 2, 1, 2).unwrap();
        assert_eq!(out, vec![0xAA, 1, 0xAA, 2]);
    }

    #[test]
    fn truncated_or_lying_rle_is_an_error_or_padded_never_a_panic() {
        assert!(decode(&[0u8; 10], 4, 1, 1).is_err());
        let mut f = frame(&[&[0x7F, 1]]);
        assert_eq!(decode(&f, 4, 1, 1).unwrap(), vec![1, 0, 0, 0]);
        f[4] = 200;
        assert!(decode(&f, 4, 1, 1).is_err());
    }
}
