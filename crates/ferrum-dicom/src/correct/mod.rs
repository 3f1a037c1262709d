//! Rectification of a stored object: a few patient and study attributes get new values and
//! every other byte stays as it was.
//!
//! The object is not decoded and written again (a writer would re-encode every element:
//! lengths, padding, private tags, sequences of undefined length, the order of a sloppy
//! device's elements). The attributes that can be corrected all sit near the start of the
//! data set, in groups 0008 and 0010 before (0010,0040), so the data set's top-level
//! elements are walked only up to there, in the object's own encoding (implicit or explicit
//! VR, little or big endian): those elements are replaced (or inserted in tag order when
//! absent), group lengths of those groups are adjusted, and everything from the first later
//! element — Pixel Data included — is the original's bytes, unchanged. The File Meta group
//! stays as it was; so does the transfer syntax. A deflated data set is inflated, corrected
//! the same way and deflated again.
//!
//! New values are written in the object's declared Specific Character Set; a value that set
//! cannot hold is refused, as rewriting every other text value in another set would change
//! them too.
mod values;

use std::collections::BTreeMap;
use std::io::{Read, Write};

pub use values::{Attribute, InvalidValue, Value};

use crate::{charset, framing, DicomError};

/// The last tag a correction touches: the walk stops at the first element after it.
const LAST_TAG: (u16, u16) = (0x0010, 0x0040);
const CHARACTER_SET: (u16, u16) = (0x0008, 0x0005);
const DEFLATED: &str = "1.2.840.10008.1.2.1.99";
/// The most a deflated data set may inflate to (as for ingest).
const MAX_INFLATED: u64 = 256 * 1024 * 1024;
/// Nesting of sequences walked before the object is refused as hostile.
const MAX_DEPTH: u32 = 64;
const UNDEFINED: u32 = u32::MAX;

/// The new values, by attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrections(BTreeMap<Attribute, Value>);

impl Corrections {
    pub fn new() -> Self {
        Corrections::default()
    }

    pub fn set(&mut self, attribute: Attribute, value: Value) {
        self.0.insert(attribute, value);
    }

    pub fn get(&self, attribute: Attribute) -> Option<&Value> {
        self.0.get(&attribute)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The attributes changed, in tag order.
    pub fn attributes(&self) -> impl Iterator<Item = Attribute> + '_ {
        self.0.keys().copied()
    }
}

/// How the corrected object is made from the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// `head`, then the original's bytes from `resume_at` to its end.
    Splice { head: Vec<u8>, resume_at: u64 },
    /// The whole corrected object (a deflated data set, deflated again).
    Whole(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    /// The bytes handed in end before the corrected attributes do: hand in more (all).
    #[error("more of the object is needed")]
    NeedMore,
    #[error("{attribute} cannot be written in the object's character set ({charset})")]
    Unrepresentable { attribute: &'static str, charset: String },
    #[error(transparent)]
    Dicom(#[from] DicomError),
}

/// Plans the correction of the object whose first bytes are `prefix` (all of it, or at least
/// as far as its (0010,0040); a deflated one whole) and whose length is `total_len`.
pub fn plan(prefix: &[u8], total_len: u64, corrections: &Corrections) -> Result<Edit, CorrectionError> {
    let framing = framing::read(&mut std::io::Cursor::new(prefix))?;
    let start = framing.data_start as usize;
    let complete = prefix.len() as u64 >= total_len;
    if framing.transfer_syntax == DEFLATED {
        if !complete {
            return Err(CorrectionError::NeedMore);
        }
        let mut plain = Vec::new();
        flate2::read::DeflateDecoder::new(&prefix[start..])
            .take(MAX_INFLATED + 1)
            .read_to_end(&mut plain)
            .map_err(|e| DicomError::Malformed(format!("the deflated data set does not inflate: {e}")))?;
        if plain.len() as u64 > MAX_INFLATED {
            return Err(DicomError::Malformed("the deflated data set inflates to more than 256 MiB".into()).into());
        }
        let walk = Walk { data: &plain, explicit: true, big_endian: false, complete: true };
        let (region, resume) = walk.corrected_region(corrections)?;
        let mut deflater = flate2::write::DeflateEncoder::new(prefix[..start].to_vec(), flate2::Compression::default());
        let written = deflater.write_all(&region).and_then(|()| deflater.write_all(&plain[resume..]));
        let out =
            written.and_then(|()| deflater.finish()).map_err(|e| DicomError::Malformed(format!("deflate: {e}")))?;
        return Ok(Edit::Whole(out));
    }
    let walk = Walk {
        data: &prefix[start..],
        explicit: framing.transfer_syntax != framing::IMPLICIT_VR_LITTLE_ENDIAN,
        big_endian: framing.transfer_syntax == framing::EXPLICIT_VR_BIG_ENDIAN,
        complete,
    };
    let (region, resume) = walk.corrected_region(corrections)?;
    let mut head = prefix[..start].to_vec();
    head.extend_from_slice(&region);
    Ok(Edit::Splice { head, resume_at: (start + resume) as u64 })
}

/// Applies `edit` to the whole original object (for objects held in memory, and tests).
pub fn apply(original: &[u8], edit: Edit) -> Vec<u8> {
    match edit {
        Edit::Splice { mut head, resume_at } => {
            head.extend_from_slice(&original[resume_at as usize..]);
            head
        }
        Edit::Whole(bytes) => bytes,
    }
}

/// One top-level element: its tag and where its bytes are.
struct Element {
    tag: (u16, u16),
    start: usize,
    end: usize,
}

/// A data set's bytes in one encoding. `complete`: they run to the end of the object.
#[derive(Clone, Copy)]
struct Walk<'a> {
    data: &'a [u8],
    explicit: bool,
    big_endian: bool,
    complete: bool,
}

impl<'a> Walk<'a> {
    fn short_of_data(&self) -> CorrectionError {
        if self.complete {
            DicomError::Truncated("the data set ends inside an element".into()).into()
        } else {
            CorrectionError::NeedMore
        }
    }

    fn bytes(&self, at: usize, n: usize) -> Result<&'a [u8], CorrectionError> {
        self.data.get(at..at.checked_add(n).ok_or_else(|| self.short_of_data())?).ok_or_else(|| self.short_of_data())
    }

    fn u16_at(&self, at: usize) -> Result<u16, CorrectionError> {
        let b = self.bytes(at, 2)?;
        Ok(if self.big_endian { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    }

    fn u32_at(&self, at: usize) -> Result<u32, CorrectionError> {
        let b = self.bytes(at, 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Ok(if self.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }

    fn tag_at(&self, at: usize) -> Result<(u16, u16), CorrectionError> {
        Ok((self.u16_at(at)?, self.u16_at(at + 2)?))
    }

    /// The element at `at`: its VR (explicit encodings), value length, and header length.
    fn header(&self, at: usize) -> Result<(Option<[u8; 2]>, u32, usize), CorrectionError> {
        let tag = self.tag_at(at)?;
        if tag.0 == 0xFFFE || !self.explicit {
            return Ok((None, self.u32_at(at + 4)?, 8));
        }
        let vr_bytes = self.bytes(at + 4, 2)?;
        let vr_bytes = [vr_bytes[0], vr_bytes[1]];
        let vr = dicom_core::VR::from_binary(vr_bytes)
            .ok_or_else(|| DicomError::Malformed(format!("unknown VR in ({:04X},{:04X})", tag.0, tag.1)))?;
        if framing::long_length(vr) {
            Ok((Some(vr_bytes), self.u32_at(at + 8)?, 12))
        } else {
            Ok((Some(vr_bytes), u32::from(self.u16_at(at + 6)?), 8))
        }
    }

    /// Where the value starting at `at` with length `len` ends; an undefined length is a
    /// sequence (or encapsulated data) whose items are walked.
    fn value_end(&self, at: usize, len: u32, vr: Option<[u8; 2]>, depth: u32) -> Result<usize, CorrectionError> {
        if len != UNDEFINED {
            let end = at.checked_add(len as usize).ok_or_else(|| self.short_of_data())?;
            if end > self.data.len() {
                return Err(self.short_of_data());
            }
            return Ok(end);
        }
        if depth > MAX_DEPTH {
            return Err(DicomError::Malformed("sequences nested too deeply".into()).into());
        }
        // An UN value of undefined length holds implicit VR little endian (PS3.5 6.2.2).
        let inner = if vr == Some(*b"UN") { Walk { explicit: false, big_endian: false, ..*self } } else { *self };
        inner.sequence_end(at, depth + 1)
    }

    fn sequence_end(&self, mut at: usize, depth: u32) -> Result<usize, CorrectionError> {
        loop {
            let tag = self.tag_at(at)?;
            let len = self.u32_at(at + 4)?;
            match tag {
                (0xFFFE, 0xE0DD) => return Ok(at + 8),
                (0xFFFE, 0xE000) if len == UNDEFINED => at = self.item_end(at + 8, depth)?,
                (0xFFFE, 0xE000) => at = self.value_end(at + 8, len, None, depth)?,
                _ => return Err(DicomError::Malformed("a sequence holds something other than items".into()).into()),
            }
        }
    }

    fn item_end(&self, mut at: usize, depth: u32) -> Result<usize, CorrectionError> {
        loop {
            if self.tag_at(at)? == (0xFFFE, 0xE00D) {
                return Ok(at + 8);
            }
            let (vr, len, header_len) = self.header(at)?;
            at = self.value_end(at + header_len, len, vr, depth)?;
        }
    }

    /// The top-level elements up to [`LAST_TAG`], and where the first one after it starts.
    fn leading_elements(&self) -> Result<(Vec<Element>, usize), CorrectionError> {
        let mut elements = Vec::new();
        let mut at = 0;
        loop {
            if self.data.len() - at < 8 {
                if self.complete {
                    // The end of the data set (or a few padding bytes): nothing later.
                    return Ok((elements, at));
                }
                return Err(CorrectionError::NeedMore);
            }
            let tag = self.tag_at(at)?;
            if tag > LAST_TAG {
                return Ok((elements, at));
            }
            if tag.0 == 0xFFFE {
                return Err(DicomError::Malformed("an item delimiter at the top level of the data set".into()).into());
            }
            let (vr, len, header_len) = self.header(at)?;
            let end = self.value_end(at + header_len, len, vr, 0)?;
            elements.push(Element { tag, start: at, end });
            at = end;
        }
    }

    fn element(&self, tag: (u16, u16), vr: [u8; 2], value: &[u8]) -> Vec<u8> {
        let w16 = |v: u16| if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let w32 = |v: u32| if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut out = Vec::with_capacity(value.len() + 8);
        out.extend_from_slice(&w16(tag.0));
        out.extend_from_slice(&w16(tag.1));
        if self.explicit {
            out.extend_from_slice(&vr);
            out.extend_from_slice(&w16(value.len() as u16));
        } else {
            out.extend_from_slice(&w32(value.len() as u32));
        }
        out.extend_from_slice(value);
        out
    }

    /// The corrected bytes of the data set's start, and the offset in `data` from which the
    /// original continues unchanged.
    fn corrected_region(&self, corrections: &Corrections) -> Result<(Vec<u8>, usize), CorrectionError> {
        let (elements, resume) = self.leading_elements()?;
        let charsets: Vec<String> = elements
            .iter()
            .rfind(|e| e.tag == CHARACTER_SET)
            .map(|e| {
                let (_, _, header_len) = self.header(e.start).unwrap_or((None, 0, 8));
                let raw = String::from_utf8_lossy(&self.data[e.start + header_len..e.end]).into_owned();
                raw.trim_matches(['\0', ' ']).split('\\').map(|s| s.trim().to_owned()).collect()
            })
            .unwrap_or_default();
        let mut pending: Vec<((u16, u16), Vec<u8>)> = Vec::new();
        for attribute in corrections.attributes() {
            let value = corrections.get(attribute).expect("listed attribute");
            let mut bytes = encode(value.as_str(), &charsets).ok_or_else(|| CorrectionError::Unrepresentable {
                attribute: attribute.name(),
                charset: if charsets.is_empty() { "default repertoire (ASCII)".into() } else { charsets.join("\\") },
            })?;
            if bytes.len() % 2 == 1 {
                bytes.push(b' ');
            }
            pending.push((attribute.tag(), self.element(attribute.tag(), attribute.vr(), &bytes)));
        }
        // Each element as it will be: replaced (every occurrence of a repeated one), kept,
        // or, for an attribute the object lacks, inserted before the first later tag.
        let (present, mut missing): (Vec<_>, Vec<_>) =
            pending.iter().partition(|(tag, _)| elements.iter().any(|e| e.tag == *tag));
        let mut out: Vec<((u16, u16), Vec<u8>, usize)> = Vec::new(); // (tag, bytes, old length)
        for e in &elements {
            while missing.first().is_some_and(|(tag, _)| *tag < e.tag) {
                let (tag, bytes) = missing.remove(0);
                out.push((*tag, bytes.clone(), 0));
            }
            let bytes = match present.iter().find(|(tag, _)| *tag == e.tag) {
                Some((_, bytes)) => bytes.clone(),
                None => self.data[e.start..e.end].to_vec(),
            };
            out.push((e.tag, bytes, e.end - e.start));
        }
        out.extend(missing.into_iter().map(|(tag, bytes)| (*tag, bytes.clone(), 0)));
        // Group lengths (retired, still written by some) grow or shrink with their group.
        for group in [0x0008u16, 0x0010] {
            let delta: i64 = out
                .iter()
                .filter(|(t, _, _)| t.0 == group && t.1 != 0)
                .map(|(_, b, old)| b.len() as i64 - *old as i64)
                .sum();
            if delta == 0 {
                continue;
            }
            // A UL of 4 bytes: its value is the element's last 4 bytes.
            for (_, bytes, _) in out.iter_mut().filter(|(t, b, _)| *t == (group, 0) && b.len() == 12) {
                let old = Walk { data: bytes, ..*self }.u32_at(8)? as i64;
                let new = u32::try_from(old + delta).unwrap_or(0);
                let encoded = if self.big_endian { new.to_be_bytes() } else { new.to_le_bytes() };
                bytes[8..].copy_from_slice(&encoded);
            }
        }
        Ok((out.into_iter().flat_map(|(_, b, _)| b).collect(), resume))
    }
}

/// The value's bytes in the declared character sets; `None` when they cannot hold it.
fn encode(value: &str, charsets: &[String]) -> Option<Vec<u8>> {
    if value.is_ascii() {
        return Some(value.as_bytes().to_vec());
    }
    if charset::uses_code_extensions(charsets) {
        return None;
    }
    match charsets.first().map(|c| charset::term(c)).unwrap_or_default().as_str() {
        "" | "IR 6" => None,
        "IR 100" => value.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
        "IR 192" => Some(value.as_bytes().to_vec()),
        other => {
            let (bytes, _, had_errors) = charset::plain_encoding(other)?.encode(value);
            (!had_errors).then(|| bytes.into_owned())
        }
    }
}

#[cfg(test)]
mod tests;
