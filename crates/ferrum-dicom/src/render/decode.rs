//! From a frame's bytes to samples: native layouts (1/8/16/32 bits, planar, 4:2:2) and
//! the codecs of the encapsulated transfer syntaxes.
//!
//! Every codec's declared size is compared with the header before it allocates, so a
//! bit stream that claims to be larger than its DICOM header says is refused.
use std::borrow::Cow;
use std::io::Read;

use dicom_object::InMemDicomObject;

use super::error::RenderError;
use super::frames::{self, FrameStart};
use super::header::ImageHeader;
use super::{codecs, rle};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Samples {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    /// Float and Double Float Pixel Data: modality values, grey only.
    F64(Vec<f64>),
}

impl Samples {
    pub(crate) fn len(&self) -> usize {
        match self {
            Samples::U8(v) => v.len(),
            Samples::U16(v) => v.len(),
            Samples::U32(v) => v.len(),
            Samples::F64(v) => v.len(),
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Samples::U8(v) => v.len(),
            Samples::U16(v) => v.len() * 2,
            Samples::U32(v) => v.len() * 4,
            Samples::F64(v) => v.len() * 8,
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> u32 {
        match self {
            Samples::U8(v) => v[i] as u32,
            Samples::U16(v) => v[i] as u32,
            Samples::U32(v) => v[i],
            // Only grey-scale images have float samples, and they never come through here.
            Samples::F64(v) => v[i] as u32,
        }
    }

    pub(crate) fn from_le(bytes: &[u8], bits_allocated: u16) -> Self {
        match bits_allocated {
            8 | 1 => Samples::U8(bytes.to_vec()),
            16 => Samples::U16(bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()),
            _ => Samples::U32(bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
        }
    }
}

/// What the samples of a decoded frame mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// As the header says (grey, palette, RGB or full-range YBR), pixel-interleaved.
    AsHeader,
    /// The codec already turned YBR into RGB.
    Rgb,
}

pub(crate) struct DecodedFrame {
    pub samples: Samples,
    pub layout: Layout,
    /// Whether stored values must be shifted down from the high bit: native data only;
    /// codecs hand back plain sample values.
    pub native: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Native,
    EncapsulatedNative,
    DeflatedFrames,
    Jpeg,
    JpegLs,
    J2k,
    Rle,
    Unsupported,
}

fn codec(uid: &str) -> Codec {
    match uid {
        "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.1.99" | "1.2.840.10008.1.2.2" => Codec::Native,
        "1.2.840.10008.1.2.1.98" => Codec::EncapsulatedNative,
        "1.2.840.10008.1.2.8.1" => Codec::DeflatedFrames,
        "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" | "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => {
            Codec::Jpeg
        }
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => Codec::JpegLs,
        "1.2.840.10008.1.2.4.90"
        | "1.2.840.10008.1.2.4.91"
        | "1.2.840.10008.1.2.4.92"
        | "1.2.840.10008.1.2.4.93"
        | "1.2.840.10008.1.2.4.201"
        | "1.2.840.10008.1.2.4.202"
        | "1.2.840.10008.1.2.4.203" => Codec::J2k,
        "1.2.840.10008.1.2.5" => Codec::Rle,
        _ => Codec::Unsupported,
    }
}

/// What starts a frame in the bitstream of transfer syntax `uid`.
pub(crate) fn frame_start(uid: &str) -> FrameStart {
    match codec(uid) {
        Codec::Jpeg | Codec::JpegLs => FrameStart::Jpeg,
        Codec::J2k => FrameStart::J2k,
        Codec::Rle => FrameStart::Rle,
        _ => FrameStart::Unknown,
    }
}

pub(crate) fn is_encapsulated(uid: &str) -> bool {
    !matches!(codec(uid), Codec::Native)
}

pub(crate) fn unsupported(header: &ImageHeader, detail: impl Into<String>) -> RenderError {
    use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
    use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
    let name = TransferSyntaxRegistry
        .get(&header.transfer_syntax)
        .map(|ts| ts.name().to_owned())
        .unwrap_or_else(|| "unknown transfer syntax".to_owned());
    RenderError::UnsupportedPixelData { transfer_syntax: header.transfer_syntax.clone(), name, detail: detail.into() }
}

pub(crate) fn decode_frame(
    obj: &InMemDicomObject,
    header: &ImageHeader,
    frame: u32,
) -> Result<DecodedFrame, RenderError> {
    let codec = codec(&header.transfer_syntax);
    let encapsulated = |start| frames::encapsulated_frame(obj, header.frames, frame, start);
    if header.is_float() {
        if codec != Codec::Native {
            return Err(unsupported(header, "float pixel data is defined for native transfer syntaxes only"));
        }
        let samples = Samples::F64(frames::float_frame(obj, header, frame)?);
        return Ok(DecodedFrame { samples, layout: Layout::AsHeader, native: false });
    }
    let (bytes, layout) = match codec {
        Codec::Native if header.bits_allocated == 16 && !header.planar => {
            if let Some(words) = frames::native_words(obj, header, frame) {
                return Ok(DecodedFrame { samples: Samples::U16(words), layout: Layout::AsHeader, native: true });
            }
            let native = frames::native_frame(obj, header, frame)?;
            return native_samples(header, &native.bytes, native.bit_offset);
        }
        Codec::Native => {
            let native = frames::native_frame(obj, header, frame)?;
            return native_samples(header, &native.bytes, native.bit_offset);
        }
        Codec::EncapsulatedNative => {
            let bytes = encapsulated(FrameStart::Unknown)?;
            return native_samples(header, &bytes, 0);
        }
        Codec::DeflatedFrames => {
            let compressed = encapsulated(FrameStart::Unknown)?;
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(compressed.as_ref())
                .take(header.frame_bytes() as u64)
                .read_to_end(&mut out)
                .map_err(|e| unsupported(header, format!("deflate: {e}")))?;
            return native_samples(header, &out, 0);
        }
        Codec::Rle => {
            let data = encapsulated(FrameStart::Rle)?;
            let bps = (header.bits_allocated as usize / 8).max(1);
            let bytes = rle::decode(&data, header.pixels(), header.samples as usize, bps)?;
            (Cow::<[u8]>::Owned(bytes), Layout::AsHeader)
        }
        Codec::Jpeg => {
            let data = encapsulated(FrameStart::Jpeg)?;
            return contained(header, || codecs::decode_jpeg(&data, header));
        }
        Codec::JpegLs => {
            let data = encapsulated(FrameStart::Jpeg)?;
            return contained(header, || codecs::decode_jpeg_ls(&data, header));
        }
        Codec::J2k => {
            let data = encapsulated(FrameStart::J2k)?;
            return contained(header, || codecs::decode_j2k(&data, header));
        }
        Codec::Unsupported => return Err(unsupported(header, "no decoder for this transfer syntax is built in")),
    };
    if bytes.len() < header.frame_bytes() {
        return Err(RenderError::malformed("decoded frame is shorter than the header declares"));
    }
    Ok(DecodedFrame { samples: Samples::from_le(&bytes, header.bits_allocated), layout, native: false })
}

/// Runs a third-party codec so that a panic inside it on hostile data becomes an error
/// for this one request instead of taking down the worker thread.
fn contained(
    header: &ImageHeader,
    decode: impl FnOnce() -> Result<DecodedFrame, String>,
) -> Result<DecodedFrame, RenderError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)) {
        Ok(result) => result.map_err(|e| unsupported(header, e)),
        Err(_) => Err(unsupported(header, "the decoder failed on this bit stream")),
    }
}

/// Native bytes → interleaved samples: unpacks 1-bit data, interleaves planar colour and
/// expands 4:2:2 YBR so that later stages see one value per sample per pixel.
fn native_samples(header: &ImageHeader, bytes: &[u8], bit_offset: usize) -> Result<DecodedFrame, RenderError> {
    let pixels = header.pixels();
    let spp = header.samples as usize;
    let samples = if header.bits_allocated == 1 {
        let bit = |i: usize| {
            let k = bit_offset + i;
            (bytes[k / 8] >> (k % 8)) & 1
        };
        if bytes.len() * 8 < bit_offset + pixels * spp {
            return Err(RenderError::malformed("pixel data shorter than the frame"));
        }
        Samples::U8((0..pixels * spp).map(bit).collect())
    } else if header.native_422 {
        Samples::from_le(&expand_422(header, bytes)?, header.bits_allocated)
    } else {
        if bytes.len() < header.frame_bytes() {
            return Err(RenderError::malformed("pixel data shorter than the frame"));
        }
        let samples = Samples::from_le(&bytes[..header.frame_bytes()], header.bits_allocated);
        if header.planar && spp > 1 {
            interleave(&samples, spp)
        } else {
            samples
        }
    };
    Ok(DecodedFrame { samples, layout: Layout::AsHeader, native: true })
}

pub(crate) fn interleave(planar: &Samples, spp: usize) -> Samples {
    let n = planar.len() / spp;
    let order = |i: usize| (i % spp) * n + i / spp;
    match planar {
        Samples::U8(v) => Samples::U8((0..v.len()).map(|i| v[order(i)]).collect()),
        Samples::U16(v) => Samples::U16((0..v.len()).map(|i| v[order(i)]).collect()),
        Samples::U32(v) => Samples::U32((0..v.len()).map(|i| v[order(i)]).collect()),
        Samples::F64(v) => Samples::F64((0..v.len()).map(|i| v[order(i)]).collect()),
    }
}

/// Native YBR_FULL_422 stores Y1 Y2 Cb Cr for each pair of pixels along a row.
fn expand_422(header: &ImageHeader, bytes: &[u8]) -> Result<Vec<u8>, RenderError> {
    if header.bits_allocated != 8 {
        return Err(RenderError::malformed("YBR_FULL_422 with more than 8 bits allocated"));
    }
    let (rows, cols) = (header.rows as usize, header.cols as usize);
    let row_bytes = cols.div_ceil(2) * 4;
    if bytes.len() < row_bytes * rows {
        return Err(RenderError::malformed("pixel data shorter than the frame"));
    }
    let mut out = Vec::with_capacity(rows * cols * 3);
    for r in 0..rows {
        let row = &bytes[r * row_bytes..(r + 1) * row_bytes];
        for c in 0..cols {
            let group = &row[(c / 2) * 4..(c / 2) * 4 + 4];
            out.extend_from_slice(&[group[c % 2], group[2], group[3]]);
        }
    }
    Ok(out)
}
