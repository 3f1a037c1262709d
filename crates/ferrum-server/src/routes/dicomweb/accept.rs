//! `Accept` for WADO-RS instance retrieval (PS3.18 8.7): which media ranges a client takes,
//! and how a stored object is sent. Objects are sent byte for byte in the transfer syntax
//! they were stored in, or rewritten in explicit VR little endian when the client asks for
//! it and the object is uncompressed in another encoding; a client that insists on anything
//! else is told so (406) rather than sent something else.

/// Explicit VR Little Endian, the one transfer syntax every DICOMweb client takes.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// One media range of an `Accept` header, as far as retrieval cares.
#[derive(Debug, PartialEq, Eq)]
struct Range {
    media: String,
    /// The `type` parameter of `multipart/related`.
    part_type: Option<String>,
    transfer_syntax: Option<String>,
}

/// The media ranges of a header, lower-cased, parameters unquoted; `q` is not weighed (each
/// range is a yes, in the client's order).
fn ranges(header: &str) -> Vec<Range> {
    header
        .split(',')
        .filter_map(|raw| {
            let mut parts = raw.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            let (mut part_type, mut transfer_syntax) = (None, None);
            for p in parts {
                let Some((k, v)) = p.split_once('=') else { continue };
                let v = v.trim().trim_matches('"').trim().to_owned();
                match k.trim().to_ascii_lowercase().as_str() {
                    "type" => part_type = Some(v.to_ascii_lowercase()),
                    "transfer-syntax" => transfer_syntax = Some(v),
                    _ => {}
                }
            }
            Some(Range { media, part_type, transfer_syntax })
        })
        .collect()
}

/// The client's wish for the objects of a retrieval.
#[derive(Debug)]
pub struct DicomAccept {
    ranges: Vec<Range>,
}

impl DicomAccept {
    /// `None` header: anything goes. An error names what the server can send instead.
    pub fn parse(header: Option<&str>) -> Result<DicomAccept, String> {
        let all = ranges(header.unwrap_or("*/*"));
        let ranges: Vec<Range> = all
            .into_iter()
            .filter(|r| match r.media.as_str() {
                "*/*" | "multipart/*" => true,
                "multipart/related" => {
                    matches!(r.part_type.as_deref(), None | Some("application/dicom" | "application/*" | "*/*"))
                }
                _ => false,
            })
            .collect();
        if ranges.is_empty() {
            return Err("instances are sent as multipart/related; type=\"application/dicom\"".into());
        }
        Ok(DicomAccept { ranges })
    }

    /// How an object stored in `stored` (a transfer syntax UID) is sent, by the first range
    /// that takes it; `None` when none does. No `transfer-syntax` parameter is taken as "as
    /// stored": that is what viewers and scripts mean by it, and the original bytes are what
    /// a PACS owes them.
    pub fn send_as(&self, stored: &str) -> Option<Sending> {
        self.ranges.iter().find_map(|r| match r.transfer_syntax.as_deref() {
            None | Some("*") => Some(Sending::AsStored),
            Some(ts) if ts == stored => Some(Sending::AsStored),
            Some(EXPLICIT_LE) if ferrum_dicom::transcode::to_explicit_le_from(stored) => Some(Sending::ExplicitLe),
            Some(_) => None,
        })
    }

    /// Why an object stored in `stored` cannot be sent.
    pub fn refusal(&self, stored: &str) -> String {
        let asked: Vec<&str> = self.ranges.iter().filter_map(|r| r.transfer_syntax.as_deref()).collect();
        let rewritten = if ferrum_dicom::transcode::to_explicit_le_from(stored) {
            format!(" or {EXPLICIT_LE}")
        } else {
            String::new()
        };
        format!(
            "an instance is stored in transfer syntax {stored} and is sent as stored{} (asked for: {}); \
             accept transfer-syntax=* or {stored}{rewritten}",
            if rewritten.is_empty() { "" } else { " or in explicit VR little endian" },
            asked.join(", ")
        )
    }
}

/// How an object goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// Its stored bytes.
    AsStored,
    /// Rewritten in explicit VR little endian.
    ExplicitLe,
}

/// Whether a stored transfer syntax is native (uncompressed) pixel data.
pub fn is_native(ts: &str) -> bool {
    matches!(ts, "1.2.840.10008.1.2" | EXPLICIT_LE | "1.2.840.10008.1.2.1.99" | "1.2.840.10008.1.2.2")
}

/// The media type of a compressed frame's bitstream (PS3.18 table 8.7.3-2).
fn bitstream_media(ts: &str) -> &'static str {
    match ts {
        "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" | "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => {
            "image/jpeg"
        }
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => "image/jls",
        "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91" => "image/jp2",
        "1.2.840.10008.1.2.4.92" | "1.2.840.10008.1.2.4.93" => "image/jpx",
        "1.2.840.10008.1.2.4.201" | "1.2.840.10008.1.2.4.202" | "1.2.840.10008.1.2.4.203" => "image/jphc",
        "1.2.840.10008.1.2.5" => "image/dicom-rle",
        _ => "application/octet-stream",
    }
}

/// The `Content-Type` of each frame of an object stored in `ts`, if the client's `Accept`
/// takes it: native pixels as little-endian `application/octet-stream`, a compressed
/// frame as its bitstream. Compressed frames are not decoded for a client that takes only
/// native pixels; it is told so.
pub fn frame_part(header: Option<&str>, ts: &str) -> Result<String, String> {
    let native = is_native(ts);
    let media = if native { "application/octet-stream" } else { bitstream_media(ts) };
    let sent_ts = if native { EXPLICIT_LE } else { ts };
    // The first range that takes the frame says which type its parts are sent as.
    let sent_as = ranges(header.unwrap_or("*/*")).iter().find_map(|r| {
        let ts_ok =
            matches!(r.transfer_syntax.as_deref(), None | Some("*")) || r.transfer_syntax.as_deref() == Some(sent_ts);
        match r.media.as_str() {
            "*/*" | "multipart/*" => Some(media),
            "multipart/related" => match r.part_type.as_deref() {
                None | Some("*/*") => ts_ok.then_some(media),
                Some("application/octet-stream") if native => ts_ok.then_some(media),
                // A compressed bitstream as octet-stream only to one that takes any or this one.
                Some("application/octet-stream") => (r.transfer_syntax.as_deref() == Some("*")
                    || r.transfer_syntax.as_deref() == Some(ts))
                .then_some("application/octet-stream"),
                Some(t) => (!native && (t == media || t == "image/*") && ts_ok).then_some(media),
            },
            _ => None,
        }
    });
    if let Some(sent_as) = sent_as {
        return Ok(format!("{sent_as}; transfer-syntax={sent_ts}"));
    }
    Err(if native {
        "frames of this instance are sent as multipart/related; type=\"application/octet-stream\"".into()
    } else {
        format!(
            "this instance is stored compressed ({ts}) and its frames are sent as stored: accept \
             multipart/related; type=\"{media}\" or type=\"application/octet-stream\"; transfer-syntax=*"
        )
    })
}

/// The picture format a client takes for a rendered resource: JPEG unless it names PNG
/// only (PS3.18 8.3.5.1 makes JPEG the default).
pub fn rendered_format(header: Option<&str>) -> Result<ferrum_dicom::render::ImageFormat, String> {
    use ferrum_dicom::render::ImageFormat;
    let all = ranges(header.unwrap_or("*/*"));
    for r in &all {
        match r.media.as_str() {
            "image/jpeg" | "image/*" | "*/*" => return Ok(ImageFormat::Jpeg),
            "image/png" => return Ok(ImageFormat::Png),
            _ => {}
        }
    }
    Err("rendered images are sent as image/jpeg or image/png".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn takes(header: Option<&str>, stored: &str) -> Result<bool, String> {
        DicomAccept::parse(header).map(|a| a.send_as(stored) == Some(Sending::AsStored))
    }

    #[test]
    fn the_stored_transfer_syntax_is_taken_with_or_without_a_wildcard() {
        assert_eq!(takes(None, "1.2.840.10008.1.2.4.50"), Ok(true));
        assert_eq!(takes(Some("*/*"), "1.2.840.10008.1.2"), Ok(true));
        assert_eq!(takes(Some(r#"multipart/related; type="application/dicom""#), "1.2.840.10008.1.2.2"), Ok(true));
        let any = r#"multipart/related; type="application/dicom"; transfer-syntax=*"#;
        assert_eq!(takes(Some(any), "1.2.840.10008.1.2.4.90"), Ok(true));
        let ele = r#"multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1"#;
        assert_eq!(takes(Some(ele), EXPLICIT_LE), Ok(true));
    }

    #[test]
    fn frames_go_as_native_octets_or_as_their_bitstream_when_the_client_takes_it() {
        let octets = r#"multipart/related; type="application/octet-stream""#;
        assert_eq!(
            frame_part(Some(octets), "1.2.840.10008.1.2.2").unwrap(),
            "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"
        );
        let jpeg = "1.2.840.10008.1.2.4.50";
        assert!(frame_part(Some(octets), jpeg).is_err(), "compressed frames are not decoded");
        let any = r#"multipart/related; type="application/octet-stream"; transfer-syntax=*"#;
        assert_eq!(
            frame_part(Some(any), jpeg).unwrap(),
            "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.50"
        );
        let as_jpeg = r#"multipart/related; type="image/jpeg""#;
        assert_eq!(frame_part(Some(as_jpeg), jpeg).unwrap(), "image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50");
        assert!(frame_part(Some(as_jpeg), "1.2.840.10008.1.2.4.90").is_err());
        assert!(frame_part(Some(as_jpeg), EXPLICIT_LE).is_err());
        assert!(frame_part(None, "1.2.840.10008.1.2.4.90").unwrap().starts_with("image/jp2;"));
    }

    #[test]
    fn rendered_is_jpeg_unless_png_is_asked_for() {
        use ferrum_dicom::render::ImageFormat;
        assert_eq!(rendered_format(None), Ok(ImageFormat::Jpeg));
        assert_eq!(rendered_format(Some("image/png")), Ok(ImageFormat::Png));
        assert_eq!(rendered_format(Some("image/png, image/jpeg")), Ok(ImageFormat::Png));
        assert!(rendered_format(Some("application/dicom")).is_err());
    }

    #[test]
    fn another_transfer_syntax_is_not_taken_and_other_media_are_refused() {
        let ele = r#"multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1"#;
        assert_eq!(takes(Some(ele), "1.2.840.10008.1.2.4.50"), Ok(false));
        let either =
            format!("{ele}, multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.50");
        assert_eq!(takes(Some(&either), "1.2.840.10008.1.2.4.50"), Ok(true));
        assert!(takes(Some("application/json"), EXPLICIT_LE).is_err());
        assert!(takes(Some(r#"multipart/related; type="image/jpeg""#), EXPLICIT_LE).is_err());
        let refusal = DicomAccept::parse(Some(ele)).unwrap().refusal("1.2.840.10008.1.2.4.50");
        assert!(refusal.contains("1.2.840.10008.1.2.4.50") && refusal.contains(EXPLICIT_LE), "{refusal}");
    }

    #[test]
    fn explicit_little_endian_is_made_from_other_uncompressed_encodings_only() {
        let ele = r#"multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1"#;
        let accept = DicomAccept::parse(Some(ele)).unwrap();
        for ts in ["1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.1.98"] {
            assert_eq!(accept.send_as(ts), Some(Sending::ExplicitLe), "{ts}");
        }
        assert_eq!(accept.send_as(EXPLICIT_LE), Some(Sending::AsStored));
        assert_eq!(accept.send_as("1.2.840.10008.1.2.4.90"), None);
        let any = DicomAccept::parse(Some(&format!(
            "{ele}, multipart/related; type=\"application/dicom\"; transfer-syntax=*"
        )))
        .unwrap();
        assert_eq!(any.send_as("1.2.840.10008.1.2"), Some(Sending::ExplicitLe), "the client's first range decides");
        assert!(DicomAccept::parse(Some(ele)).unwrap().refusal("1.2.840.10008.1.2").contains(EXPLICIT_LE));
    }
}
