//! A walk over the element headers of a Part-10 object, before the full parser sees it.
//!
//! The parser reserves and zero-fills each element's declared length before reading it,
//! so a 2 KB file that declares a 4 GB element costs a 4 GB allocation. Here every declared
//! length is checked against the bytes that are actually there, so that nothing later
//! allocates more than the size of the input.
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use super::error::RenderError;

const UNDEFINED: u32 = 0xFFFF_FFFF;
const MAX_DEPTH: u32 = 32;

#[derive(Clone, Copy)]
struct Syntax {
    explicit: bool,
    big_endian: bool,
}

struct Walker<'a> {
    data: &'a [u8],
    pos: usize,
    /// Where the top-level Pixel Data ends, once walked.
    pixel_end: Option<usize>,
}

fn bad(what: impl Into<String>) -> RenderError {
    RenderError::malformed(what.into())
}

impl<'a> Walker<'a> {
    fn u16(&self, at: usize, be: bool) -> Option<u16> {
        let b = self.data.get(at..at + 2)?;
        Some(if be { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    }

    fn u32(&self, at: usize, be: bool) -> Option<u32> {
        let b = self.data.get(at..at + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if be { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }

    /// Reads one element header: tag, VR (if explicit) and length.
    fn header(&mut self, syntax: Syntax) -> Result<(Tag, Option<VR>, u32), RenderError> {
        let truncated = || bad("the file ends inside an element header");
        let be = syntax.big_endian;
        let group = self.u16(self.pos, be).ok_or_else(truncated)?;
        let element = self.u16(self.pos + 2, be).ok_or_else(truncated)?;
        let tag = Tag(group, element);
        if group == 0xFFFE || !syntax.explicit {
            let length = self.u32(self.pos + 4, be).ok_or_else(truncated)?;
            self.pos += 8;
            return Ok((tag, None, length));
        }
        let vr_bytes = self.data.get(self.pos + 4..self.pos + 6).ok_or_else(truncated)?;
        // The parser reads an unknown VR as UN, with a 4-byte length: so must we.
        let vr = Some(VR::from_binary([vr_bytes[0], vr_bytes[1]]).unwrap_or(VR::UN));
        let long = vr.is_some_and(crate::framing::long_length);
        if long {
            let length = self.u32(self.pos + 8, be).ok_or_else(truncated)?;
            self.pos += 12;
            Ok((tag, vr, length))
        } else {
            let length = self.u16(self.pos + 6, be).ok_or_else(truncated)? as u32;
            self.pos += 8;
            Ok((tag, vr, length))
        }
    }

    fn skip(&mut self, length: u32, end: usize) -> Result<(), RenderError> {
        let to = self.pos.checked_add(length as usize).filter(|&to| to <= end).ok_or_else(|| {
            bad(format!("an element declares {length} bytes but only {} remain", end.saturating_sub(self.pos)))
        })?;
        self.pos = to;
        Ok(())
    }

    /// Elements until `end`, or until an item delimiter when `end` is unknown.
    fn data_set(
        &mut self,
        syntax: Syntax,
        end: usize,
        depth: u32,
        stop_at_group: Option<u16>,
    ) -> Result<(), RenderError> {
        if depth > MAX_DEPTH {
            return Err(bad("sequences nested too deeply"));
        }
        while self.pos < end {
            if let Some(group) = stop_at_group {
                if self.u16(self.pos, false) != Some(group) {
                    return Ok(());
                }
            }
            let (tag, vr, length) = match self.header(syntax) {
                Ok(h) => h,
                // Trailing bytes too short for a header: nothing here can allocate, so
                // leave the verdict on them to the parser.
                Err(_) if depth == 0 => return Ok(()),
                Err(e) => return Err(e),
            };
            match tag {
                Tag(0xFFFE, 0xE00D) => return Ok(()),
                Tag(0xFFFE, _) => return Err(bad("an item outside a sequence")),
                _ => {}
            }
            let is_sequence = vr == Some(VR::SQ)
                || (vr.is_none()
                    && StandardDataDictionary.by_tag(tag).map(|e| e.vr().relaxed() == VR::SQ).unwrap_or(false));
            if length == UNDEFINED {
                // A sequence, encapsulated pixel data, or UN of undefined length (parsed as
                // implicit VR little endian, PS3.5 6.2.2).
                let inner = if vr == Some(VR::UN) { Syntax { explicit: false, big_endian: false } } else { syntax };
                self.items(inner, end, depth + 1, !is_sequence && tag == Tag(0x7FE0, 0x0010))?;
            } else if is_sequence {
                let stop = self.pos.checked_add(length as usize).filter(|&s| s <= end).ok_or_else(|| {
                    bad(format!("a sequence declares {length} bytes but only {} remain", end.saturating_sub(self.pos)))
                })?;
                self.items(syntax, stop, depth + 1, false)?;
                self.pos = stop;
            } else {
                self.skip(length, end)?;
            }
            if depth == 0 && is_pixel_data(tag) && self.pixel_end.is_none() {
                self.pixel_end = Some(self.pos);
            }
        }
        Ok(())
    }

    /// Items of a sequence (or fragments of pixel data) until `end` or a sequence delimiter.
    fn items(&mut self, syntax: Syntax, end: usize, depth: u32, fragments: bool) -> Result<(), RenderError> {
        while self.pos < end {
            let (tag, _, length) = self.header(Syntax { explicit: false, ..syntax })?;
            match tag {
                Tag(0xFFFE, 0xE0DD) => return Ok(()),
                Tag(0xFFFE, 0xE000) if fragments => self.skip(length, end)?,
                Tag(0xFFFE, 0xE000) if length == UNDEFINED => self.data_set(syntax, end, depth, None)?,
                Tag(0xFFFE, 0xE000) => {
                    let stop = self.pos.checked_add(length as usize).filter(|&s| s <= end).ok_or_else(|| {
                        bad(format!("an item declares {length} bytes but only {} remain", end.saturating_sub(self.pos)))
                    })?;
                    self.data_set(syntax, stop, depth, None)?;
                    self.pos = stop;
                }
                _ => return Err(bad("a sequence holds something other than items")),
            }
        }
        Ok(())
    }
}

/// Checks that every declared length in `data` (a data set in `transfer_syntax`, without
/// its File Meta group) fits in the bytes present, and answers how many bytes to parse: up
/// to the end of the Pixel Data when the data set has one, so that whatever follows it
/// (padding, signatures, or bytes that are not elements at all) never stops a rendering.
/// Deflated data sets are checked by the inflater's own limit, and parsed whole.
pub(crate) fn check_data_set(data: &[u8], transfer_syntax: &str) -> Result<usize, RenderError> {
    let syntax = match transfer_syntax {
        "1.2.840.10008.1.2" => Syntax { explicit: false, big_endian: false },
        "1.2.840.10008.1.2.2" => Syntax { explicit: true, big_endian: true },
        "1.2.840.10008.1.2.1.99" | "1.2.840.10008.1.2.4.95" | "1.2.840.10008.1.2.4.205" => {
            let inflated = inflate(data)?;
            let mut inner = Walker { data: &inflated, pos: 0, pixel_end: None };
            inner.data_set(Syntax { explicit: true, big_endian: false }, inflated.len(), 0, None)?;
            return Ok(data.len());
        }
        _ => Syntax { explicit: true, big_endian: false },
    };
    let mut walker = Walker { data, pos: 0, pixel_end: None };
    match walker.data_set(syntax, data.len(), 0, None) {
        Ok(()) => Ok(walker.pixel_end.unwrap_or(data.len())),
        Err(_) if walker.pixel_end.is_some() => Ok(walker.pixel_end.unwrap_or(data.len())),
        Err(e) => Err(e),
    }
}

/// Pixel Data, Float Pixel Data or Double Float Pixel Data (not the offset tables before them).
fn is_pixel_data(tag: Tag) -> bool {
    matches!(tag, Tag(0x7FE0, 0x0008 | 0x0009 | 0x0010))
}

/// Deflated data sets are inflated once here to check them; a deflate bomb stops at the cap.
fn inflate(deflated: &[u8]) -> Result<Vec<u8>, RenderError> {
    use std::io::Read;
    const CAP: u64 = 512 << 20;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(deflated)
        .take(CAP + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("deflated data set: {e}")))?;
    if out.len() as u64 > CAP {
        return Err(RenderError::TooLarge { detail: format!("deflated data set inflates past {CAP} bytes") });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit_element(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&tag.0.to_le_bytes());
        out.extend_from_slice(&tag.1.to_le_bytes());
        out.extend_from_slice(vr);
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        out.extend_from_slice(value);
        out
    }

    const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

    #[test]
    fn consistent_lengths_pass() {
        let body = explicit_element((0x0028, 0x0010), b"US", &[8, 0]);
        assert_eq!(check_data_set(&body, EXPLICIT_LE).unwrap(), body.len());
    }

    #[test]
    fn what_follows_the_pixel_data_is_left_out_of_the_parse() {
        let mut body = explicit_element((0x0028, 0x0010), b"US", &[8, 0]);
        body.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
        body.extend_from_slice(b"OW\0\0");
        body.extend_from_slice(&4u32.to_le_bytes());
        body.extend_from_slice(&[1, 2, 3, 4]);
        let pixel_end = body.len();
        body.extend_from_slice(b"garbage that declares a length far past the end");
        assert_eq!(check_data_set(&body, EXPLICIT_LE).unwrap(), pixel_end);
    }

    #[test]
    fn a_length_past_the_end_of_the_file_is_refused() {
        let mut body = Vec::new();
        body.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
        body.extend_from_slice(b"OW\0\0");
        body.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        body.extend_from_slice(&[0; 16]);
        let err = check_data_set(&body, EXPLICIT_LE).unwrap_err();
        assert!(err.to_string().contains("declares 4294967280 bytes"), "{err}");
    }
}
