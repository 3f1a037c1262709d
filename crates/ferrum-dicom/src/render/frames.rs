//! Finding the bytes of one frame: a slice of native pixel data, or the fragments of an
//! encapsulated frame, located by the Extended Offset Table, the Basic Offset Table, one
//! fragment per frame, or the codec's start-of-image marker, in that order of trust.
use std::borrow::Cow;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::RenderError;
use super::header::ImageHeader;

/// The raw bytes of one native frame, little endian, starting at bit `bit_offset` of the
/// first byte (only 1-bit data has frames that start mid-byte).
pub(crate) struct NativeFrame<'a> {
    pub bytes: Cow<'a, [u8]>,
    pub bit_offset: usize,
}

pub(crate) fn native_frame<'a>(
    obj: &'a InMemDicomObject,
    header: &ImageHeader,
    frame: u32,
) -> Result<NativeFrame<'a>, RenderError> {
    let element = obj.get(tags::PIXEL_DATA).ok_or(RenderError::NoPixelData)?;
    let Value::Primitive(value) = element.value() else {
        return Err(RenderError::malformed("encapsulated pixel data in a native transfer syntax"));
    };
    let frame_bits = if header.bits_allocated == 1 {
        header.pixels() as u64 * header.samples as u64
    } else {
        header.frame_bytes() as u64 * 8
    };
    let start_bit = frame_bits * frame as u64;
    let start = (start_bit / 8) as usize;
    let bit_offset = (start_bit % 8) as usize;
    let len = ((bit_offset as u64 + frame_bits).div_ceil(8)) as usize;
    let end = start.checked_add(len).ok_or_else(|| RenderError::malformed("frame offset overflows"))?;
    let short = |have: usize| {
        RenderError::malformed(format!("pixel data holds {have} bytes, frame {} needs bytes {start}..{end}", frame + 1))
    };
    let bytes: Cow<[u8]> = match value {
        PrimitiveValue::U8(v) => Cow::Borrowed(v.get(start..end).ok_or_else(|| short(v.len()))?),
        // The parser swapped each 16-bit word; a 32-bit cell written big endian has its
        // high word first (as pydicom and GDCM read it), so the words of a pair trade places.
        PrimitiveValue::U16(v) if header.bits_allocated == 32 && header.big_endian() => {
            let words = v.get(start / 2..end / 2).ok_or_else(|| short(v.len() * 2))?;
            Cow::Owned(
                words.chunks_exact(2).flat_map(|w| (u32::from(w[0]) << 16 | u32::from(w[1])).to_le_bytes()).collect(),
            )
        }
        // Words are already in machine order; rebuild little-endian bytes for just this frame.
        PrimitiveValue::U16(v) => Cow::Owned(word_frame(v, start, end, len).ok_or_else(|| short(v.len() * 2))?),
        PrimitiveValue::I16(v) => Cow::Owned(word_frame(v, start, end, len).ok_or_else(|| short(v.len() * 2))?),
        PrimitiveValue::U32(v) => le_slice(v.iter().flat_map(|w| w.to_le_bytes()), start, end)?,
        PrimitiveValue::I32(v) => le_slice(v.iter().flat_map(|w| w.to_le_bytes()), start, end)?,
        PrimitiveValue::Empty => return Err(RenderError::NoPixelData),
        other => {
            let all = other.to_bytes();
            Cow::Owned(all.get(start..end).ok_or_else(|| short(all.len()))?.to_vec())
        }
    };
    Ok(NativeFrame { bytes, bit_offset })
}

/// One frame of Float (32-bit) or Double Float (64-bit) Pixel Data, widened to f64.
pub(crate) fn float_frame(obj: &InMemDicomObject, header: &ImageHeader, frame: u32) -> Result<Vec<f64>, RenderError> {
    let (tag, width) =
        if header.bits_allocated == 64 { (tags::DOUBLE_FLOAT_PIXEL_DATA, 8) } else { (tags::FLOAT_PIXEL_DATA, 4) };
    let element = obj.get(tag).ok_or(RenderError::NoPixelData)?;
    let n = header.pixels();
    let start = n * frame as usize;
    let short = || RenderError::malformed(format!("float pixel data is shorter than frame {}", frame + 1));
    let Value::Primitive(value) = element.value() else {
        return Err(RenderError::malformed("float pixel data is not a plain value"));
    };
    match value {
        PrimitiveValue::F32(v) => Ok(v.get(start..start + n).ok_or_else(short)?.iter().map(|&x| x as f64).collect()),
        PrimitiveValue::F64(v) => Ok(v.get(start..start + n).ok_or_else(short)?.to_vec()),
        PrimitiveValue::Empty => Err(RenderError::NoPixelData),
        other => {
            // Kept as bytes by the parser: in the transfer syntax's byte order.
            let bytes = other.to_bytes();
            let frame = bytes.get(start * width..(start + n) * width).ok_or_else(short)?;
            let be = header.big_endian();
            Ok(frame
                .chunks_exact(width)
                .map(|c| match (width, be) {
                    (4, false) => f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64,
                    (4, true) => f32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f64,
                    (_, false) => f64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
                    (_, true) => f64::from_be_bytes(c.try_into().unwrap_or([0; 8])),
                })
                .collect())
        }
    }
}

/// Bytes `start..end` (of which the frame's `len`) of 16-bit words, little-endian.
fn word_frame<W: Copy + Into<i32>>(words: &[W], start: usize, end: usize, len: usize) -> Option<Vec<u8>> {
    let w0 = start / 2;
    let words = words.get(w0..end.div_ceil(2))?;
    let mut out: Vec<u8> = words.iter().flat_map(|w| ((*w).into() as u16).to_le_bytes()).collect();
    out.drain(..start - w0 * 2);
    out.truncate(len);
    Some(out)
}

/// The words of a 16-bit native frame, when the parser kept them as words: the common
/// CT/MR case, taken without a round trip through bytes.
pub(crate) fn native_words(obj: &InMemDicomObject, header: &ImageHeader, frame: u32) -> Option<Vec<u16>> {
    let Value::Primitive(PrimitiveValue::U16(words)) = obj.get(tags::PIXEL_DATA)?.value() else { return None };
    let per_frame = header.frame_bytes() / 2;
    words.get(per_frame * frame as usize..per_frame * (frame as usize + 1)).map(<[u16]>::to_vec)
}

fn le_slice<'a>(bytes: impl Iterator<Item = u8>, start: usize, end: usize) -> Result<Cow<'a, [u8]>, RenderError> {
    let out: Vec<u8> = bytes.skip(start).take(end - start).collect();
    if out.len() != end - start {
        return Err(RenderError::malformed("pixel data is shorter than the frames it declares"));
    }
    Ok(Cow::Owned(out))
}

/// What starts a frame in a codec's bit stream, for objects without any offset table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FrameStart {
    Jpeg,
    J2k,
    Rle,
    /// No way to tell: only one fragment per frame works.
    Unknown,
}

impl FrameStart {
    fn starts_frame(self, fragment: &[u8]) -> bool {
        match self {
            FrameStart::Jpeg => fragment.starts_with(&[0xFF, 0xD8]),
            FrameStart::J2k => {
                fragment.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) || fragment.get(4..8) == Some(b"jP  ".as_slice())
            }
            FrameStart::Rle => {
                fragment.len() >= 64 && {
                    let n = u32::from_le_bytes([fragment[0], fragment[1], fragment[2], fragment[3]]);
                    let first = u32::from_le_bytes([fragment[4], fragment[5], fragment[6], fragment[7]]);
                    (1..=15).contains(&n) && first == 64
                }
            }
            FrameStart::Unknown => false,
        }
    }
}

/// The compressed bytes of `frame`, joined across fragments when a frame spans several.
pub(crate) fn encapsulated_frame<'a>(
    obj: &'a InMemDicomObject,
    frames: u32,
    frame: u32,
    start: FrameStart,
) -> Result<Cow<'a, [u8]>, RenderError> {
    let element = obj.get(tags::PIXEL_DATA).ok_or(RenderError::NoPixelData)?;
    let Value::PixelSequence(seq) = element.value() else {
        return Err(RenderError::malformed("native pixel data in an encapsulated transfer syntax"));
    };
    let fragments: Vec<&[u8]> = seq.fragments().iter().map(|f| f.as_slice()).collect();
    if fragments.is_empty() {
        return Err(RenderError::NoPixelData);
    }
    let missing = || RenderError::malformed(format!("no fragment holds frame {}", frame + 1));

    if let Some(range) = extended_offset_range(obj, frame) {
        return by_offsets(&fragments, range).ok_or_else(missing);
    }
    if frames == 1 {
        return Ok(join(&fragments));
    }
    if fragments.len() == frames as usize {
        return Ok(Cow::Borrowed(fragments[frame as usize]));
    }
    let table = seq.offset_table();
    if table.len() == frames as usize {
        let from = table[frame as usize] as u64;
        let to = table.get(frame as usize + 1).map(|&o| o as u64).unwrap_or(u64::MAX);
        return by_offsets(&fragments, (from, to)).ok_or_else(missing);
    }
    let mut starts = fragments.iter().enumerate().filter(|(_, f)| start.starts_frame(f)).map(|(i, _)| i);
    let first = starts.nth(frame as usize).ok_or_else(missing)?;
    let next = starts.next().unwrap_or(fragments.len());
    Ok(join(&fragments[first..next]))
}

/// Byte range of `frame` from the Extended Offset Table, when the object has one.
fn extended_offset_range(obj: &InMemDicomObject, frame: u32) -> Option<(u64, u64)> {
    let offsets = obj.get(tags::EXTENDED_OFFSET_TABLE)?.to_bytes().ok()?;
    let lengths = obj.get(tags::EXTENDED_OFFSET_TABLE_LENGTHS)?.to_bytes().ok()?;
    let read = |b: &[u8], i: usize| b.get(i * 8..i * 8 + 8).map(|s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])));
    let offset = read(&offsets, frame as usize)?;
    let length = read(&lengths, frame as usize)?;
    // Lengths count compressed bytes, not item headers, so the end is found by fragment.
    Some((offset, offset.saturating_add(length).saturating_add(8)))
}

/// Fragments whose item starts at an offset in `[from, to)`, where offsets count from the
/// first fragment's item tag and include each 8-byte item header.
fn by_offsets<'a>(fragments: &[&'a [u8]], (from, to): (u64, u64)) -> Option<Cow<'a, [u8]>> {
    let mut position = 0u64;
    let mut chosen = Vec::new();
    for fragment in fragments {
        if position >= from && position < to {
            chosen.push(*fragment);
        }
        position += 8 + fragment.len() as u64;
    }
    (!chosen.is_empty()).then(|| join(&chosen))
}

fn join<'a>(fragments: &[&'a [u8]]) -> Cow<'a, [u8]> {
    match fragments {
        [one] => Cow::Borrowed(one),
        many => Cow::Owned(many.concat()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_select_the_fragments_of_one_frame() {
        let a = [1u8; 10];
        let b = [2u8; 6];
        let c = [3u8; 4];
        let fragments = [&a[..], &b[..], &c[..]];
        // frame 0 = a+b (items at 0 and 18), frame 1 = c (item at 32)
        assert_eq!(by_offsets(&fragments, (0, 32)).unwrap().len(), 16);
        assert_eq!(by_offsets(&fragments, (32, u64::MAX)).unwrap().as_ref(), &c[..]);
        assert!(by_offsets(&fragments, (1000, u64::MAX)).is_none());
    }

    #[test]
    fn jpeg_and_rle_frame_starts_are_recognised() {
        assert!(FrameStart::Jpeg.starts_frame(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!FrameStart::Jpeg.starts_frame(&[0x12, 0xD8]));
        let mut rle = vec![0u8; 64];
        rle[0] = 1;
        rle[4] = 64;
        assert!(FrameStart::Rle.starts_frame(&rle));
        assert!(!FrameStart::Rle.starts_frame(&rle[..10]));
    }
}
