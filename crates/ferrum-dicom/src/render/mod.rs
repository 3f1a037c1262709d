//! Rendering one frame of a DICOM object to an 8-bit PNG or JPEG.
//!
//! The pipeline follows the standard's order (PS3.3 C.11, C.8.7): decode the frame
//! ([`decode`], [`codecs`], [`rle`]), mask and sign-extend stored values, apply the
//! modality LUT ([`modality`]), the VOI window or LUT ([`voi`]), the presentation shape
//! (MONOCHROME1 inverts), then resize and encode ([`encode`]). Colour goes through
//! [`color`] and [`palette`] instead. Nothing here reads files or talks to a network: the
//! caller hands in the bytes of a Part-10 object.
//!
//! Windowing is implemented here rather than taken from a codec library: it is what a
//! radiologist judges, and each step is unit-tested against the standard's formulas.
//!
//! ```no_run
//! use ferrum_dicom::render::{render, RenderOptions, ImageFormat};
//! let bytes = std::fs::read("CT0001.dcm").unwrap();
//! let thumb = render(&bytes, &RenderOptions { size: Some(256), ..RenderOptions::default() }).unwrap();
//! assert_eq!(thumb.content_type, "image/png");
//! ```
mod codecs;
mod color;
mod decode;
mod encode;
mod error;
mod frames;
mod grey;
mod header;
mod jpeg12;
mod jpegls;
mod lut;
mod modality;
mod palette;
mod raw;
mod rle;
mod scan;
mod voi;

use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{FileDicomObject, InMemDicomObject, OpenFileOptions};

pub use encode::{Image8, ImageFormat, Rendered};
pub use error::RenderError;
pub use raw::{raw_frames, RawFrame};
pub use voi::Window;

use color::ColorIn;
use decode::Layout;
use grey::{GreyPipeline, StoredBits};
use header::{ImageHeader, Photometric};

/// What to render.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RenderOptions {
    /// 0-based frame number.
    pub frame: u32,
    /// A window chosen by the viewer; overrides the file's VOI.
    pub window: Option<Window>,
    /// Longest edge of the output in pixels, aspect kept; `None` for full size.
    pub size: Option<u32>,
    pub format: ImageFormat,
}

/// Renders one frame to an encoded image.
pub fn render(part10: &[u8], opts: &RenderOptions) -> Result<Rendered, RenderError> {
    prepare(part10, opts.frame)?.render(opts)
}

/// Renders one frame to 8-bit pixels (resized when `opts.size` says so), without encoding.
pub fn render_image(part10: &[u8], opts: &RenderOptions) -> Result<Image8, RenderError> {
    Ok(prepare(part10, opts.frame)?.image(opts.window, opts.size))
}

/// Decodes one frame (0-based) and reads what displaying it takes (modality LUT, the file's
/// VOI, padding, palette), so that it can be rendered again with another window, size or
/// format without parsing or decoding the object again.
pub fn prepare(part10: &[u8], frame: u32) -> Result<PreparedFrame, RenderError> {
    let obj = open(part10, false)?;
    let transfer_syntax = obj.meta().transfer_syntax().trim_end_matches(['\0', ' ']).to_owned();
    let pixel_tags = [tags::PIXEL_DATA, tags::FLOAT_PIXEL_DATA, tags::DOUBLE_FLOAT_PIXEL_DATA];
    if pixel_tags.iter().all(|&t| obj.get(t).is_none()) {
        return Err(RenderError::NoPixelData);
    }
    let header = ImageHeader::read(&obj, &transfer_syntax)?;
    if frame >= header.frames {
        return Err(RenderError::FrameOutOfRange { frame, frames: header.frames });
    }
    prepare_frame(&obj, &header, frame)
}

/// One frame's modality values, row by row.
pub struct ModalityFrame {
    pub width: u32,
    pub height: u32,
    pub values: Vec<f32>,
}

impl ModalityFrame {
    /// The wire form: width and height (u32, little-endian), then the values (f32,
    /// little-endian), so that a viewer can read it into a `Float32Array` as it comes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.values.len() * 4);
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }
}

/// A decoded frame ready to be windowed, resized and encoded any number of times.
pub struct PreparedFrame {
    width: u32,
    height: u32,
    pixels: Pixels,
}

enum Pixels {
    /// Stored values and the grey-scale pipeline: the window is chosen at render time.
    Grey { samples: decode::Samples, bits: StoredBits, pipeline: GreyPipeline },
    /// Colour does not depend on the window: kept as full-size RGB8.
    Colour(Vec<u8>),
}

impl PreparedFrame {
    /// The frame with `window` (else the file's VOI), fitted into `size`.
    pub fn image(&self, window: Option<Window>, size: Option<u32>) -> Image8 {
        let (channels, data) = match &self.pixels {
            Pixels::Grey { samples, bits, pipeline } => (1, pipeline.render(samples, *bits, window)),
            Pixels::Colour(rgb) => (3, rgb.clone()),
        };
        let mut data = data;
        data.truncate((self.width * self.height) as usize * channels as usize);
        encode::fit(Image8 { width: self.width, height: self.height, channels, data }, size)
    }

    /// Renders and encodes as `opts` says (its `frame` is the one prepared, and ignored).
    pub fn render(&self, opts: &RenderOptions) -> Result<Rendered, RenderError> {
        encode::encode(&self.image(opts.window, opts.size), opts.format)
    }

    /// The frame's modality values (Hounsfield units for CT), for measuring; nothing for
    /// colour, whose samples have no unit.
    pub fn modality_values(&self) -> Option<ModalityFrame> {
        let Pixels::Grey { samples, bits, pipeline } = &self.pixels else { return None };
        let values = pipeline.modality_values(samples, *bits, (self.width * self.height) as usize);
        Some(ModalityFrame { width: self.width, height: self.height, values })
    }

    /// Bytes held, for a cache to count against its budget.
    pub fn heap_bytes(&self) -> usize {
        match &self.pixels {
            Pixels::Grey { samples, .. } => samples.heap_bytes(),
            Pixels::Colour(rgb) => rgb.len(),
        }
    }
}

/// Number of frames, read from the header only (Pixel Data is not loaded).
pub fn frame_count(part10: &[u8]) -> Result<u32, RenderError> {
    let obj = open(part10, true)?;
    if obj.get(tags::ROWS).is_none() {
        return Err(RenderError::NoPixelData);
    }
    let transfer_syntax = obj.meta().transfer_syntax().trim_end_matches(['\0', ' ']).to_owned();
    Ok(ImageHeader::read(&obj, &transfer_syntax)?.frames)
}

/// A neutral grey square, for pixel data this renderer cannot decode.
pub fn placeholder(size: u32, format: ImageFormat) -> Rendered {
    let size = size.clamp(1, 4096);
    let image = Image8 { width: size, height: size, channels: 1, data: vec![128; (size * size) as usize] };
    encode::encode(&image, format).expect("encoding a small grey square cannot fail")
}

pub(crate) fn open(part10: &[u8], header_only: bool) -> Result<FileDicomObject<InMemDicomObject>, RenderError> {
    // A Part-10 file or a data set without a File Meta group (its encoding detected): the
    // parser reads a clean meta group naming the transfer syntax, then the data set.
    let framing = crate::framing::read(&mut std::io::Cursor::new(part10)).map_err(|e| match e {
        crate::DicomError::NotDicom => RenderError::malformed("not a DICOM file"),
        e => RenderError::malformed(e.to_string()),
    })?;
    let data = &part10[(framing.data_start as usize).min(part10.len())..];
    let usable = scan::check_data_set(data, &framing.transfer_syntax)?;
    let meta = framing.meta_bytes().map_err(|e| RenderError::malformed(e.to_string()))?;
    let mut options = OpenFileOptions::new().read_preamble(ReadPreamble::Never);
    if header_only {
        options = options.read_until(tags::PIXEL_DATA);
    }
    options.from_reader(std::io::Read::chain(meta.as_slice(), &data[..usable])).map_err(|e| {
        let text = e.to_string();
        RenderError::malformed(text.lines().next().unwrap_or("unreadable DICOM").to_owned())
    })
}

fn prepare_frame(obj: &InMemDicomObject, header: &ImageHeader, frame: u32) -> Result<PreparedFrame, RenderError> {
    let decoded = decode::decode_frame(obj, header, frame)?;
    let spp = header.samples as usize;
    let expected = header.pixels() * spp;
    if decoded.samples.len() < expected {
        return Err(RenderError::malformed("decoded frame is shorter than the header declares"));
    }
    let bits = StoredBits {
        bits_stored: header.bits_stored,
        shift: if decoded.native { (header.high_bit + 1).saturating_sub(header.bits_stored) } else { 0 },
        signed: header.signed,
    };
    let pixels = match header.photometric {
        p if p.is_grey() => {
            let modality = modality::Modality::read(obj, frame, header.signed)?;
            // A VOI LUT's first mapped value is a modality value: negative whenever the
            // modality output can be, even when written into an unsigned field.
            let signed_output = header.signed || modality.apply(0) < 0.0;
            let pipeline = GreyPipeline {
                voi: voi::Voi::read(obj, frame, signed_output)?,
                modality,
                invert: grey::inverts(
                    p == Photometric::Monochrome1,
                    header::string(obj, tags::PRESENTATION_LUT_SHAPE).as_deref(),
                ),
                padding: grey::Padding::read(obj, header.signed),
            };
            Pixels::Grey { samples: decoded.samples, bits, pipeline }
        }
        Photometric::Palette => {
            let palette = palette::Palette::read(obj)?;
            Pixels::Colour(color::palette_to_rgb8(&decoded.samples, &palette, bits))
        }
        p => {
            let model = match (decoded.layout, p) {
                (Layout::Rgb, _) | (_, Photometric::Rgb | Photometric::YbrIct | Photometric::YbrRct) => ColorIn::Rgb,
                (_, Photometric::YbrPartial422) => ColorIn::YbrPartial,
                _ => ColorIn::YbrFull,
            };
            Pixels::Colour(color::to_rgb8(&decoded.samples, model, bits))
        }
    };
    Ok(PreparedFrame { width: header.cols, height: header.rows, pixels })
}
