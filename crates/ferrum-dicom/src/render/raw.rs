//! The bytes of frames as they are stored, for a client that decodes them itself (WADO-RS
//! frames, PS3.18 8.7.3.3): native pixel data sliced per frame and rewritten little endian,
//! or the compressed bitstream of an encapsulated frame, untouched.
use dicom_dictionary_std::tags;

use super::decode::{frame_start, is_encapsulated};
use super::error::RenderError;
use super::frames;
use super::header::ImageHeader;

/// One frame's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawFrame {
    /// Native pixels, little endian, as many bytes as the frame takes.
    Native(Vec<u8>),
    /// The codec's bitstream, in the object's transfer syntax.
    Encapsulated(Vec<u8>),
}

/// The stored frames of an object: the transfer syntax it is in, and each of `wanted`
/// (0-based), in the order asked.
pub fn raw_frames(part10: &[u8], wanted: &[u32]) -> Result<(String, Vec<RawFrame>), RenderError> {
    let obj = super::open(part10, false)?;
    let transfer_syntax = obj.meta().transfer_syntax().trim_end_matches(['\0', ' ']).to_owned();
    if obj.get(tags::PIXEL_DATA).is_none() {
        return Err(RenderError::NoPixelData);
    }
    let header = ImageHeader::read(&obj, &transfer_syntax)?;
    let mut out = Vec::with_capacity(wanted.len());
    for &frame in wanted {
        if frame >= header.frames {
            return Err(RenderError::FrameOutOfRange { frame, frames: header.frames });
        }
        out.push(if is_encapsulated(&transfer_syntax) {
            let start = frame_start(&transfer_syntax);
            RawFrame::Encapsulated(frames::encapsulated_frame(&obj, header.frames, frame, start)?.into_owned())
        } else {
            RawFrame::Native(frames::native_frame(&obj, &header, frame)?.bytes.into_owned())
        });
    }
    Ok((transfer_syntax, out))
}
