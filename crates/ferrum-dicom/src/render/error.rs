//! Why a frame could not be rendered, in words a user can act on.
//!
//! Like [`crate::DicomError`], no variant carries a tag value: these messages reach logs.
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenderError {
    /// The pixel data is there but no decoder here can read it.
    #[error("cannot decode pixel data in transfer syntax {transfer_syntax} ({name}): {detail}")]
    UnsupportedPixelData { transfer_syntax: String, name: String, detail: String },
    /// The header declares an image larger than the renderer will allocate for.
    #[error("image too large to render: {detail}")]
    TooLarge { detail: String },
    /// The object has no Pixel Data (a structured report, a presentation state, …).
    #[error("the object has no pixel data")]
    NoPixelData,
    /// A frame past the last one was asked for.
    #[error("frame {frame} is out of range: the object has {frames} frame(s)")]
    FrameOutOfRange { frame: u32, frames: u32 },
    /// Modality values were asked of colour pixels, which have none.
    #[error("colour pixels have no modality values")]
    NoModalityValues,
    /// The bytes or the image attributes contradict themselves.
    #[error("malformed image: {0}")]
    Malformed(String),
}

impl RenderError {
    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        RenderError::Malformed(what.into())
    }
}
