//! Where an object's data set starts and how it is encoded, before any parser sees it.
//!
//! A Part-10 file is a 128-byte preamble, `DICM`, a File Meta group (explicit VR little
//! endian, group 0002) naming the transfer syntax, then the data set. Real files also come
//! without any of the first three (a data set as a device dumped it), with a meta group but
//! no `DICM`, or with a wrong File Meta Information Group Length. This module finds the data
//! set in all of these cases: it walks the meta group element by element while the group is
//! 0002 (as pydicom and dcmtk do, so a wrong group length does not derail it), and when
//! there is no meta group it detects the encoding from the first elements (implicit or
//! explicit VR, little or big endian), as pydicom's `force=True` and dcmtk do.
//!
//! What the parser then reads is always a clean File Meta group written here (see
//! [`Framing::meta_bytes`]) followed by the data set bytes as sent; the stored object is
//! never changed.
use std::io::{Read, Seek, SeekFrom};

use dicom_core::VR;
use dicom_object::FileMetaTableBuilder;

use crate::warning::{self, Warning};
use crate::DicomError;

pub(crate) const IMPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2";
pub(crate) const EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1";
pub(crate) const EXPLICIT_VR_BIG_ENDIAN: &str = "1.2.840.10008.1.2.2";

/// A File Meta group larger than this is refused: it holds a handful of UIDs and names.
const MAX_META: u64 = 1 << 20;
/// How much of a data set without meta is looked at to detect its encoding.
const SNIFF: usize = 4096;
/// Elements checked for consistency when detecting an encoding.
const SNIFF_ELEMENTS: usize = 8;

/// Where the data set is and how to read it.
#[derive(Debug, Clone)]
pub(crate) struct Framing {
    /// Offset of the data set's first element in the object.
    pub data_start: u64,
    /// Declared in the File Meta group, or detected.
    pub transfer_syntax: String,
    pub media_storage_sop_class_uid: Option<String>,
    pub warnings: Vec<Warning>,
}

impl Framing {
    /// A well-formed `DICM` + File Meta group for the parser to read before the data set
    /// bytes, naming the transfer syntax found here. The Media Storage SOP Class/Instance
    /// UIDs are left empty (the parser copies them from the data set): the parser refuses a
    /// meta group whose UIDs are not digits and dots, which is what lenient UIDs are for.
    pub(crate) fn meta_bytes(&self) -> Result<Vec<u8>, DicomError> {
        let meta = FileMetaTableBuilder::new()
            .transfer_syntax(self.transfer_syntax.as_str())
            .media_storage_sop_class_uid("")
            .media_storage_sop_instance_uid("")
            .build()
            .map_err(|e| DicomError::Malformed(format!("File Meta group: {e}")))?;
        let mut out = b"DICM".to_vec();
        meta.write(&mut out).map_err(|e| DicomError::Malformed(format!("File Meta group: {e}")))?;
        Ok(out)
    }
}

/// How a data set's elements are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Encoding {
    pub explicit: bool,
    pub big_endian: bool,
}

impl Encoding {
    const CANDIDATES: [Encoding; 3] = [
        Encoding { explicit: true, big_endian: false },
        Encoding { explicit: false, big_endian: false },
        // Implicit VR big endian is not a transfer syntax: nothing writes it.
        Encoding { explicit: true, big_endian: true },
    ];

    fn transfer_syntax(self) -> &'static str {
        match (self.explicit, self.big_endian) {
            (false, _) => IMPLICIT_VR_LITTLE_ENDIAN,
            (true, false) => EXPLICIT_VR_LITTLE_ENDIAN,
            (true, true) => EXPLICIT_VR_BIG_ENDIAN,
        }
    }

    fn name(self) -> &'static str {
        match (self.explicit, self.big_endian) {
            (false, _) => "implicit VR little endian",
            (true, false) => "explicit VR little endian",
            (true, true) => "explicit VR big endian",
        }
    }
}

/// Whether the first bytes of a file (the first 132, or all of a shorter file) look like
/// DICOM: a `DICM` marker, a File Meta group, or a data set whose encoding can be detected.
pub(crate) fn looks_like_dicom(head: &[u8]) -> bool {
    marker(head).is_some() || meta_group_at(head, 0) || detect(head, false).is_some()
}

fn marker(head: &[u8]) -> Option<u64> {
    if head.len() >= 132 && &head[128..132] == b"DICM" {
        Some(132)
    } else if head.len() >= 4 && &head[..4] == b"DICM" {
        Some(4)
    } else {
        None
    }
}

/// Whether an explicit VR little endian element of group 0002 starts at `at`.
fn meta_group_at(head: &[u8], at: usize) -> bool {
    head.get(at..at + 6).is_some_and(|b| b[..2] == [2, 0] && VR::from_binary([b[4], b[5]]).is_some())
}

/// Finds the data set of the object in `source`.
pub(crate) fn read<R: Read + Seek>(source: &mut R) -> Result<Framing, DicomError> {
    let file_len = source.seek(SeekFrom::End(0)).map_err(io)?;
    let source = &mut Prefix::new(source)?;
    let head = source.read_at(0, 132)?;
    let (meta_at, mut warnings) = match marker(&head) {
        Some(at) => (Some(at), Vec::new()),
        None if meta_group_at(&head, 0) => (
            Some(0),
            vec![Warning::new(
                warning::NO_DICM_PREFIX,
                "the File Meta group is not preceded by the preamble and the DICM marker",
            )],
        ),
        None => (None, Vec::new()),
    };
    let Some(meta_at) = meta_at else {
        let sample = source.read_at(0, SNIFF)?;
        let encoding = detect(&sample, sample.len() as u64 == file_len).ok_or(DicomError::NotDicom)?;
        warnings.push(Warning::new(
            warning::NO_FILE_META,
            format!("no File Meta group; the data set was read as {}", encoding.name()),
        ));
        return Ok(Framing {
            data_start: 0,
            transfer_syntax: encoding.transfer_syntax().to_owned(),
            media_storage_sop_class_uid: None,
            warnings,
        });
    };

    let meta = walk_meta(source, meta_at, file_len)?;
    let walked = meta.end - meta_at;
    match meta.group_length {
        Some((declared, at)) if declared as u64 != meta.end - (at + 12) => warnings.push(Warning::new(
            warning::META_GROUP_LENGTH,
            format!(
                "File Meta Information Group Length (0002,0000) says {declared} bytes, the group holds {}",
                meta.end - (at + 12)
            ),
        )),
        Some(_) => {}
        None if walked > 0 => warnings.push(Warning::new(
            warning::META_GROUP_LENGTH,
            "the File Meta group has no File Meta Information Group Length (0002,0000)",
        )),
        None => {}
    }
    let transfer_syntax = match meta.transfer_syntax {
        Some(ts) if ts == IMPLICIT_VR_LITTLE_ENDIAN || ts == EXPLICIT_VR_LITTLE_ENDIAN => {
            // Writers that declare one little endian syntax and write the other exist; the
            // first elements tell (as pydicom checks too). Only these two: for any other
            // syntax the declaration also says how the pixel data is encoded.
            let sample = source.read_at(meta.end, SNIFF)?;
            let whole = meta.end + sample.len() as u64 == file_len;
            let declared = Encoding { explicit: ts == EXPLICIT_VR_LITTLE_ENDIAN, big_endian: false };
            let other = Encoding { explicit: !declared.explicit, ..declared };
            // The other reading must hold for every element looked at (none may run past
            // the sample), so that an unusual but correct data set is never re-read.
            match (plausible(&sample, declared, whole), plausible(&sample, other, true)) {
                (false, true) => {
                    let found = other;
                    warnings.push(Warning::new(
                        warning::TRANSFER_SYNTAX_MISMATCH,
                        format!(
                            "the File Meta group declares {}, but the data set is {}; it was read as such",
                            if ts == IMPLICIT_VR_LITTLE_ENDIAN { "implicit VR" } else { "explicit VR" },
                            found.name()
                        ),
                    ));
                    found.transfer_syntax().to_owned()
                }
                _ => ts,
            }
        }
        Some(ts) => ts,
        None => {
            let sample = source.read_at(meta.end, SNIFF)?;
            let encoding = detect(&sample, meta.end + sample.len() as u64 == file_len).ok_or_else(|| {
                DicomError::Malformed("the File Meta group names no transfer syntax (0002,0010)".into())
            })?;
            warnings.push(Warning::new(
                warning::NO_FILE_META,
                format!(
                    "the File Meta group names no transfer syntax (0002,0010); the data set was read as {}",
                    encoding.name()
                ),
            ));
            encoding.transfer_syntax().to_owned()
        }
    };
    Ok(Framing { data_start: meta.end, transfer_syntax, media_storage_sop_class_uid: meta.sop_class, warnings })
}

struct Meta {
    end: u64,
    /// The declared value and where its element starts.
    group_length: Option<(u32, u64)>,
    transfer_syntax: Option<String>,
    sop_class: Option<String>,
}

/// Reads group 0002 elements from `at` for as long as the group lasts.
fn walk_meta<R: Read + Seek>(source: &mut Prefix<'_, R>, at: u64, file_len: u64) -> Result<Meta, DicomError> {
    let mut meta = Meta { end: at, group_length: None, transfer_syntax: None, sop_class: None };
    let mut pos = at;
    loop {
        if pos - at > MAX_META {
            return Err(DicomError::Malformed("the File Meta group is larger than 1 MiB".into()));
        }
        let header = source.read_at(pos, 12)?;
        if header.len() < 8 || header[..2] != [2, 0] {
            break;
        }
        let element = u16::from_le_bytes([header[2], header[3]]);
        let (len, header_len) = match VR::from_binary([header[4], header[5]]) {
            Some(vr) if long_length(vr) => {
                if header.len() < 12 {
                    return Err(DicomError::Truncated("the file ends inside the File Meta group".into()));
                }
                (u32::from_le_bytes([header[8], header[9], header[10], header[11]]), 12)
            }
            Some(_) => (u16::from_le_bytes([header[6], header[7]]) as u32, 8),
            // A meta group written in implicit VR, as some old writers did.
            None => (u32::from_le_bytes([header[4], header[5], header[6], header[7]]), 8),
        };
        if len == u32::MAX {
            return Err(DicomError::Malformed("an element of the File Meta group has an undefined length".into()));
        }
        let value_at = pos + header_len;
        let next = value_at + len as u64;
        if next > file_len {
            return Err(DicomError::Truncated("the file ends inside the File Meta group".into()));
        }
        if next - at > MAX_META {
            return Err(DicomError::Malformed("the File Meta group is larger than 1 MiB".into()));
        }
        let text = |source: &mut Prefix<'_, R>| -> Result<Option<String>, DicomError> {
            let value = source.read_at(value_at, len as usize)?;
            let value = String::from_utf8_lossy(&value).trim_matches(['\0', ' ']).to_owned();
            Ok((!value.is_empty()).then_some(value))
        };
        match element {
            0x0000 if len == 4 => {
                let v = source.read_at(value_at, 4)?;
                meta.group_length = Some((u32::from_le_bytes([v[0], v[1], v[2], v[3]]), pos));
            }
            0x0002 => meta.sop_class = text(source)?,
            0x0010 => meta.transfer_syntax = text(source)?,
            _ => {}
        }
        pos = next;
        meta.end = pos;
    }
    Ok(meta)
}

/// VRs whose explicit encoding has two reserved bytes and a 4-byte length (PS3.5 7.1.2).
pub(crate) fn long_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB
            | VR::OD
            | VR::OF
            | VR::OL
            | VR::OV
            | VR::OW
            | VR::SQ
            | VR::UC
            | VR::UN
            | VR::UR
            | VR::UT
            | VR::SV
            | VR::UV
    )
}

/// Detects the encoding of a data set from its first bytes. `whole` says whether `sample`
/// is all of it (then every element must fit). The first element must be of group 0008:
/// an object has a SOP Instance UID (0008,0018) and elements are in ascending order, so
/// nothing but group-length and command or meta groups (handled elsewhere) comes first.
pub(crate) fn detect(sample: &[u8], whole: bool) -> Option<Encoding> {
    Encoding::CANDIDATES.into_iter().find(|&e| plausible(sample, e, whole))
}

fn plausible(data: &[u8], e: Encoding, whole: bool) -> bool {
    let u16_at = |at: usize| -> Option<u16> {
        let b = data.get(at..at + 2)?;
        Some(if e.big_endian { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = data.get(at..at + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if e.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    if u16_at(0) != Some(0x0008) {
        return false;
    }
    let mut pos = 0usize;
    let mut previous = (0u16, 0u16);
    for _ in 0..SNIFF_ELEMENTS {
        if pos >= data.len() {
            return whole;
        }
        let (Some(group), Some(element)) = (u16_at(pos), u16_at(pos + 2)) else { return !whole && pos > 0 };
        // Ascending order is what tells the encodings apart when the bytes allow several.
        if (group, element) < previous || group == 0xFFFE {
            return false;
        }
        previous = (group, element);
        let (len, header_len) = if e.explicit {
            let Some(vr) = data.get(pos + 4..pos + 6).map(|b| VR::from_binary([b[0], b[1]])) else {
                return !whole && pos > 0;
            };
            let Some(vr) = vr else { return false };
            if long_length(vr) {
                match u32_at(pos + 8) {
                    Some(len) => (len, 12),
                    None => return !whole && pos > 0,
                }
            } else {
                match u16_at(pos + 6) {
                    Some(len) => (len as u32, 8),
                    None => return !whole && pos > 0,
                }
            }
        } else {
            match u32_at(pos + 4) {
                Some(len) => (len, 8),
                None => return !whole && pos > 0,
            }
        };
        if len == u32::MAX {
            // A sequence or encapsulated pixel data of undefined length: what came before
            // was consistent, and its items are walked later.
            return true;
        }
        let next = pos + header_len + len as usize;
        if next > data.len() {
            // Beyond the sample is fine (pixel data); beyond the end of the data set is not.
            return !whole;
        }
        pos = next;
    }
    true
}

/// The first bytes of the object, read once: the meta group and the first elements are
/// read from here in small pieces, and seeking a buffered reader for each would throw its
/// buffer away every time.
struct Prefix<'a, R> {
    bytes: Vec<u8>,
    source: &'a mut R,
}

const PREFIX: u64 = 64 * 1024;

impl<'a, R: Read + Seek> Prefix<'a, R> {
    fn new(source: &'a mut R) -> Result<Self, DicomError> {
        source.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut bytes = Vec::with_capacity(PREFIX as usize);
        (&mut *source).take(PREFIX).read_to_end(&mut bytes).map_err(io)?;
        Ok(Prefix { bytes, source })
    }

    /// Up to `n` bytes from `at` (fewer at the end of the object).
    fn read_at(&mut self, at: u64, n: usize) -> Result<Vec<u8>, DicomError> {
        let len = self.bytes.len() as u64;
        if at + n as u64 <= len || len < PREFIX {
            let from = at.min(len) as usize;
            let to = (at + n as u64).min(len) as usize;
            return Ok(self.bytes[from..to].to_vec());
        }
        self.source.seek(SeekFrom::Start(at)).map_err(io)?;
        let mut out = Vec::with_capacity(n.min(SNIFF));
        (&mut *self.source).take(n as u64).read_to_end(&mut out).map_err(io)?;
        Ok(out)
    }
}

fn io(e: std::io::Error) -> DicomError {
    DicomError::Malformed(format!("read error: {}", e.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(e: Encoding, group: u16, elem: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let w16 = |v: u16| if e.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let w32 = |v: u32| if e.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut out = Vec::new();
        out.extend_from_slice(&w16(group));
        out.extend_from_slice(&w16(elem));
        if !e.explicit {
            out.extend_from_slice(&w32(value.len() as u32));
        } else if long_length(VR::from_binary(*vr).unwrap()) {
            out.extend_from_slice(vr);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&w32(value.len() as u32));
        } else {
            out.extend_from_slice(vr);
            out.extend_from_slice(&w16(value.len() as u16));
        }
        out.extend_from_slice(value);
        out
    }

    fn data_set(e: Encoding) -> Vec<u8> {
        let mut out = element(e, 8, 5, b"CS", b"ISO_IR 100");
        out.extend(element(e, 8, 0x16, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0"));
        out.extend(element(e, 8, 0x18, b"UI", b"1.2.3.4\0"));
        out.extend(element(e, 0x10, 0x10, b"PN", b"Doe^Jane"));
        out.extend(element(e, 0x7FE0, 0x10, b"OB", &[0; 64]));
        out
    }

    #[test]
    fn each_encoding_of_a_data_set_without_meta_is_told_apart() {
        for e in Encoding::CANDIDATES {
            let bytes = data_set(e);
            assert_eq!(detect(&bytes, true), Some(e), "{}", e.name());
            let framing = read(&mut std::io::Cursor::new(&bytes)).unwrap();
            assert_eq!((framing.data_start, framing.transfer_syntax.as_str()), (0, e.transfer_syntax()));
            assert_eq!(framing.warnings[0].code, warning::NO_FILE_META);
        }
    }

    #[test]
    fn text_zeros_and_truncated_elements_are_not_taken_for_a_data_set() {
        assert!(detect(b"just some text, not an image", true).is_none());
        assert!(detect(&[0u8; 200], true).is_none());
        assert!(detect(&[0xFFu8; 200], true).is_none());
        let mut cut = data_set(Encoding::CANDIDATES[0]);
        cut.truncate(40);
        assert!(detect(&cut, true).is_none(), "an element running past the end of the whole file");
        assert!(matches!(read(&mut std::io::Cursor::new(b"hello world")), Err(DicomError::NotDicom)));
    }

    #[test]
    fn a_meta_group_is_walked_by_its_group_not_its_declared_length() {
        let le = Encoding { explicit: true, big_endian: false };
        let mut meta = element(le, 2, 1, b"OB", &[0, 1]);
        meta.extend(element(le, 2, 0x10, b"UI", b"1.2.840.10008.1.2\0"));
        let mut file = vec![0u8; 128];
        file.extend_from_slice(b"DICM");
        file.extend(element(le, 2, 0, b"UL", &999u32.to_le_bytes()));
        file.extend(&meta);
        let start = file.len() as u64;
        file.extend(data_set(Encoding { explicit: false, big_endian: false }));
        let framing = read(&mut std::io::Cursor::new(&file)).unwrap();
        assert_eq!(framing.data_start, start);
        assert_eq!(framing.transfer_syntax, IMPLICIT_VR_LITTLE_ENDIAN);
        assert_eq!(framing.warnings.len(), 1);
        assert_eq!(framing.warnings[0].code, warning::META_GROUP_LENGTH);
        assert!(framing.meta_bytes().unwrap().starts_with(b"DICM\x02\x00\x00\x00UL"));
    }
}
