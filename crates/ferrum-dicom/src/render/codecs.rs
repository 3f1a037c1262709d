//! The codecs behind the encapsulated transfer syntaxes: JPEG (jpeg-decoder, and
//! [`super::jpeg12`] for 12-bit), JPEG-LS ([`super::jpegls`]) and JPEG 2000 / HTJ2K
//! (openjp2, the pure-Rust port of OpenJPEG).
//!
//! Errors are plain text: the caller wraps them with the transfer syntax.
use std::borrow::Cow;

use jpeg_decoder::{CodingProcess, ColorTransform, PixelFormat};

use super::decode::{DecodedFrame, Layout, Samples};
use super::header::{ImageHeader, Photometric};
use super::{jpeg12, jpegls};

fn check_size(what: &str, width: u64, height: u64, components: u64, header: &ImageHeader) -> Result<(), String> {
    if width != header.cols as u64 || height != header.rows as u64 || components != header.samples as u64 {
        return Err(format!(
            "{what} stream is {width}×{height}×{components}, the header says {}×{}×{}",
            header.cols, header.rows, header.samples
        ));
    }
    Ok(())
}

fn is_ybr(p: Photometric) -> bool {
    matches!(p, Photometric::YbrFull | Photometric::YbrFull422 | Photometric::YbrPartial422)
}

pub(crate) fn decode_jpeg(data: &[u8], header: &ImageHeader) -> Result<DecodedFrame, String> {
    let mut decoder = jpeg_decoder::Decoder::new(data);
    if header.samples == 3 {
        // The photometric interpretation, not JFIF/Adobe markers, says whether the DCT
        // data is YCbCr (dcmtk's default "photometric-based" colour handling).
        decoder.set_color_transform(if is_ybr(header.photometric) {
            ColorTransform::YCbCr
        } else {
            ColorTransform::RGB
        });
    }
    if let Err(e) = decoder.read_info() {
        // jpeg-decoder reads 8-bit DCT and lossless only; 12-bit extended has its own decoder.
        if jpeg12::is_12_bit_dct(data) {
            return jpeg12::decode(data, header);
        }
        return Err(format!("JPEG: {e}"));
    }
    let info = decoder.info().ok_or("JPEG: no frame header")?;
    let components = match info.pixel_format {
        PixelFormat::L8 | PixelFormat::L16 => 1,
        PixelFormat::RGB24 => 3,
        PixelFormat::CMYK32 => 4,
    };
    check_size("JPEG", info.width as u64, info.height as u64, components, header)?;
    decoder.set_max_decoding_buffer_size(header.frame_bytes().max(1) * 4);
    let pixels = decoder.decode().map_err(|e| format!("JPEG: {e}"))?;
    let lossless = info.coding_process == CodingProcess::Lossless;
    let samples = match info.pixel_format {
        PixelFormat::L16 => Samples::U16(pixels.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).collect()),
        _ if lossless && header.bits_allocated == 16 => {
            // lossless 16-bit colour also comes back as native-endian words
            Samples::U16(pixels.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).collect())
        }
        _ => Samples::U8(pixels),
    };
    let layout =
        if !lossless && header.samples == 3 && is_ybr(header.photometric) { Layout::Rgb } else { Layout::AsHeader };
    Ok(DecodedFrame { samples, layout, native: false })
}

pub(crate) fn decode_jpeg_ls(data: &[u8], header: &ImageHeader) -> Result<DecodedFrame, String> {
    // A stream without its end marker (after the even-length padding) is truncated: refuse
    // it rather than render a frame whose tail is made up.
    let trimmed = data.strip_suffix(&[0]).unwrap_or(data);
    if !trimmed.ends_with(&[0xFF, 0xD9]) {
        return Err("JPEG-LS: the stream is truncated (no end-of-image marker)".into());
    }
    let (width, height, _, components) = jpegls::frame_info(data)?;
    check_size("JPEG-LS", width as u64, height as u64, components as u64, header)?;
    let decoded = jpegls::decode(data, header.pixels())?;
    let samples = if decoded.precision <= 8 {
        Samples::U8(decoded.samples.into_iter().map(|v| v as u8).collect())
    } else {
        Samples::U16(decoded.samples)
    };
    Ok(DecodedFrame { samples, layout: Layout::AsHeader, native: false })
}

/// Width and height from the SIZ marker, read before openjp2 allocates anything.
fn j2k_size(data: &[u8]) -> Option<(u64, u64, u64)> {
    let siz = data.windows(4).take(4096).position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])? + 4;
    let be32 = |o: usize| data.get(siz + o..siz + o + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64);
    let (x, y, x0, y0) = (be32(4)?, be32(8)?, be32(12)?, be32(16)?);
    let components = data.get(siz + 36..siz + 38).map(|b| u16::from_be_bytes([b[0], b[1]]) as u64)?;
    Some((x.checked_sub(x0)?, y.checked_sub(y0)?, components))
}

/// A component at the image's size: sub-sampled ones (chroma at half width or height, as
/// YBR_FULL_422 streams carry) have each sample repeated over the pixels it covers, as
/// dcmtk does for native 4:2:2.
fn full_size<'a>(component: &'a jpeg2k::ImageComponent, header: &ImageHeader) -> Result<Cow<'a, [i32]>, String> {
    let (w, h) = (header.cols as usize, header.rows as usize);
    let (cw, ch) = (component.width() as usize, component.height() as usize);
    let data = component.data();
    if (cw, ch) == (w, h) && data.len() == w * h {
        return Ok(Cow::Borrowed(data));
    }
    if cw == 0 || ch == 0 || cw > w || ch > h || data.len() != cw * ch {
        return Err(format!("JPEG 2000: a {cw}×{ch} component does not fit a {w}×{h} image"));
    }
    let columns: Vec<usize> = (0..w).map(|x| x * cw / w).collect();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &data[(y * ch / h) * cw..][..cw];
        out.extend(columns.iter().map(|&x| row[x]));
    }
    Ok(Cow::Owned(out))
}

pub(crate) fn decode_j2k(data: &[u8], header: &ImageHeader) -> Result<DecodedFrame, String> {
    let (w, h, c) = j2k_size(data).ok_or("JPEG 2000: no SIZ marker in the code stream")?;
    check_size("JPEG 2000", w, h, c, header)?;
    let image = jpeg2k::Image::from_bytes(data).map_err(|e| format!("JPEG 2000: {e}"))?;
    let components = image.components();
    let n = header.pixels();
    let spp = header.samples as usize;
    if components.len() < spp {
        return Err(format!("JPEG 2000: {} components, the header says {spp}", components.len()));
    }
    let planes = components.iter().take(spp).map(|c| full_size(c, header)).collect::<Result<Vec<_>, _>>()?;
    let value = |i: usize| planes[i % spp][i / spp] as u32;
    let samples = match header.bits_allocated {
        8 => Samples::U8((0..n * spp).map(|i| value(i) as u8).collect()),
        16 => Samples::U16((0..n * spp).map(|i| value(i) as u16).collect()),
        _ => Samples::U32((0..n * spp).map(value).collect()),
    };
    // openjp2 undoes the RCT/ICT itself when the code stream says a transform was used.
    let layout = match header.photometric {
        Photometric::YbrRct | Photometric::YbrIct => Layout::Rgb,
        _ => Layout::AsHeader,
    };
    Ok(DecodedFrame { samples, layout, native: false })
}
