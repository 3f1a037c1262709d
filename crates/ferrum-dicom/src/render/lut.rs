//! Lookup tables as PS3.3 C.11.1 stores them: a descriptor (entries, first mapped value,
//! bits per entry) and 16-bit words of data, possibly 8-bit entries packed two per word.
use dicom_core::Tag;
use dicom_object::InMemDicomObject;

use super::error::RenderError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lut {
    /// Input value mapped to `data[0]`; inputs below clamp to the first entry.
    pub first: i64,
    pub bits: u16,
    pub data: Vec<u16>,
}

impl Lut {
    #[inline]
    pub(crate) fn lookup(&self, value: i64) -> u16 {
        let last = self.data.len() as i64 - 1;
        self.data[(value - self.first).clamp(0, last.max(0)) as usize]
    }

    /// Largest value an entry may hold, for scaling the output to 8 bits.
    pub(crate) fn max_value(&self) -> f64 {
        ((1u32 << self.bits.clamp(1, 16)) - 1) as f64
    }
}

/// The descriptor's three numbers. `signed_input` says whether the first mapped value is
/// a signed pixel value written into an unsigned field (PS3.3 C.11.1.1.1).
pub(crate) fn descriptor(
    obj: &InMemDicomObject,
    tag: Tag,
    signed_input: bool,
) -> Result<Option<(usize, i64, u16)>, RenderError> {
    let Some(element) = obj.get(tag) else { return Ok(None) };
    let values: Vec<i64> =
        element.to_multi_int::<i64>().map_err(|_| RenderError::malformed("unreadable LUT descriptor"))?;
    let [entries, first, bits] = values[..] else {
        return Err(RenderError::malformed("LUT descriptor does not have three values"));
    };
    let entries = match entries {
        0 => 65536,
        n if n < 0 => n + 65536,
        n => n,
    } as usize;
    let first = if signed_input && first > 32767 { first - 65536 } else { first };
    let bits = bits.clamp(1, 16) as u16;
    Ok(Some((entries, first, bits)))
}

/// The LUT data as 16-bit words, exactly as stored.
pub(crate) fn words(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<u16>> {
    let element = obj.get(tag)?;
    if let Ok(bytes) = element.to_bytes() {
        if matches!(element.vr(), dicom_core::VR::OB) {
            return Some(bytes.iter().map(|&b| b as u16).collect());
        }
    }
    element
        .to_multi_int::<u16>()
        .ok()
        .or_else(|| element.to_multi_int::<i32>().ok().map(|v| v.into_iter().map(|x| x as u16).collect()))
}

/// Builds a LUT from a descriptor and its data words, unpacking 8-bit entries stored two
/// per word (the count of words is then half the count of entries).
pub(crate) fn from_words(entries: usize, first: i64, bits: u16, words: &[u16]) -> Result<Lut, RenderError> {
    let data: Vec<u16> = if bits <= 8 && words.len() * 2 == entries && words.len() != entries {
        words.iter().flat_map(|w| [w & 0xff, w >> 8]).collect()
    } else if words.len() >= entries {
        words[..entries].to_vec()
    } else if !words.is_empty() {
        // Tolerate a short table: dcmtk does too, and real files carry them.
        words.to_vec()
    } else {
        return Err(RenderError::malformed("LUT has no data"));
    };
    // 8-bit entries whose high byte is set are in the other byte of the word.
    let data = if bits <= 8 && data.iter().all(|&v| v & 0xff == 0) && data.iter().any(|&v| v != 0) {
        data.into_iter().map(|v| v >> 8).collect()
    } else {
        data
    };
    Ok(Lut { first, bits, data })
}

/// Reads one LUT item (Modality or VOI LUT Sequence item) with (0028,3002) and (0028,3006).
pub(crate) fn read_item(item: &InMemDicomObject, signed_input: bool) -> Result<Option<Lut>, RenderError> {
    use dicom_dictionary_std::tags;
    let Some((entries, first, bits)) = descriptor(item, tags::LUT_DESCRIPTOR, signed_input)? else {
        return Ok(None);
    };
    let Some(words) = words(item, tags::LUT_DATA) else { return Ok(None) };
    from_words(entries, first, bits, &words).map(Some)
}
