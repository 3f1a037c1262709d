//! Renders every file of the committed corpus (tests/render-corpus, made by
//! scripts/make_render_corpus.py) and compares it with the reference PNG that an
//! independent implementation (dcmtk, OpenJPEG, pydicom) produced for it.
//!
//! Needs only the committed files: no Python or dcmtk at test time.
use std::path::{Path, PathBuf};

use ferrum_dicom::render::{render, render_image, Image8, ImageFormat, RenderError, RenderOptions, Window};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/render-corpus")
}

fn load_reference(path: &Path) -> Image8 {
    let img = image::open(path).unwrap_or_else(|e| panic!("reference {}: {e}", path.display()));
    let (width, height) = (img.width(), img.height());
    match img {
        image::DynamicImage::ImageLuma8(g) => Image8 { width, height, channels: 1, data: g.into_raw() },
        other => Image8 { width, height, channels: 3, data: other.to_rgb8().into_raw() },
    }
}

fn as_rgb(img: &Image8) -> Vec<u8> {
    if img.channels == 3 {
        img.data.clone()
    } else {
        img.data.iter().flat_map(|&v| [v, v, v]).collect()
    }
}

fn mean_absolute_difference(a: &Image8, b: &Image8) -> f64 {
    let (a, b) = (as_rgb(a), as_rgb(b));
    let sum: u64 = a.iter().zip(&b).map(|(x, y)| (*x as i32 - *y as i32).unsigned_abs() as u64).sum();
    sum as f64 / a.len().max(1) as f64
}

#[test]
fn every_corpus_file_matches_its_independent_reference() {
    let dir = corpus_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("corpus manifest")).unwrap();
    let tolerance = |lossless: bool| if lossless { 1.0 } else { 3.0 };
    let mut failures = Vec::new();
    println!("{:<40} {:>5} {:>7} {:>6}  note", "file", "frame", "MAD", "limit");
    for entry in manifest["entries"].as_array().expect("entries") {
        let file = entry["file"].as_str().unwrap();
        let frame = entry["frame"].as_u64().unwrap() as u32;
        let window = entry["window"]
            .as_array()
            .map(|w| Window { center: w[0].as_f64().unwrap(), width: w[1].as_f64().unwrap() });
        let lossless = entry["lossless"].as_bool().unwrap();
        let expect = entry["expect"].as_str().unwrap_or("match");
        let note = entry["note"].as_str().unwrap_or("");
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let opts = RenderOptions { frame, window, size: None, format: ImageFormat::Png };
        let rendered = render_image(&bytes, &opts);
        if expect == "unsupported" {
            match rendered {
                Err(RenderError::UnsupportedPixelData { .. }) => {
                    println!("{file:<40} {frame:>5} {:>7} {:>6}  {note}", "unsup.", "-")
                }
                other => failures.push(format!("{file}: expected UnsupportedPixelData, got {other:?}")),
            }
            continue;
        }
        let rendered = match rendered {
            Ok(r) => r,
            Err(e) => {
                println!("{file:<40} {frame:>5} {:>7} {:>6}  {note}", "ERROR", "-");
                failures.push(format!("{file} frame {frame}: {e}"));
                continue;
            }
        };
        let reference = load_reference(&dir.join(entry["reference"].as_str().unwrap()));
        if (rendered.width, rendered.height) != (reference.width, reference.height) {
            failures.push(format!(
                "{file}: rendered {}×{}, reference {}×{}",
                rendered.width, rendered.height, reference.width, reference.height
            ));
            continue;
        }
        let mad = mean_absolute_difference(&rendered, &reference);
        let limit = tolerance(lossless);
        println!("{file:<40} {frame:>5} {mad:>7.3} {limit:>6.1}  {note}");
        if mad > limit {
            failures.push(format!("{file} frame {frame}: mean absolute difference {mad:.3} > {limit}"));
        }
        // The encoders must accept what the pipeline produced.
        let png = render(&bytes, &RenderOptions { size: Some(32), ..opts }).unwrap();
        assert!(png.width <= 32 && png.height <= 32 && png.bytes.starts_with(b"\x89PNG"));
    }
    assert!(failures.is_empty(), "{} corpus file(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn frame_count_reads_the_header_only() {
    let dir = corpus_dir();
    let count = |name: &str| ferrum_dicom::render::frame_count(&std::fs::read(dir.join(name)).unwrap()).unwrap();
    assert_eq!(count("ct_multiframe.dcm"), 3);
    assert_eq!(count("enhanced_ct.dcm"), 3);
    assert_eq!(count("ct_explicit_le.dcm"), 1);
}

#[test]
fn asking_for_a_frame_past_the_end_is_frame_out_of_range() {
    let bytes = std::fs::read(corpus_dir().join("ct_multiframe.dcm")).unwrap();
    let err = render(&bytes, &RenderOptions { frame: 3, ..RenderOptions::default() }).unwrap_err();
    assert_eq!(err, RenderError::FrameOutOfRange { frame: 3, frames: 3 });
}

#[test]
fn thumbnails_and_jpeg_output_have_the_requested_shape() {
    let bytes = std::fs::read(corpus_dir().join("ct_explicit_le.dcm")).unwrap();
    let jpeg =
        render(&bytes, &RenderOptions { size: Some(48), format: ImageFormat::Jpeg, ..Default::default() }).unwrap();
    assert_eq!(jpeg.content_type, "image/jpeg");
    assert_eq!(jpeg.width, 48);
    assert_eq!(jpeg.height, 40);
    assert!(jpeg.bytes.starts_with(&[0xFF, 0xD8]));
    let grey = ferrum_dicom::render::placeholder(64, ImageFormat::Png);
    assert_eq!((grey.width, grey.height, grey.content_type), (64, 64, "image/png"));
}

/// Truncations and corruptions of real files must come back as errors (or images), never
/// as panics or runaway allocations.
#[test]
fn truncated_and_corrupted_files_are_errors_not_panics() {
    let dir = corpus_dir();
    let names = [
        "ct_explicit_le.dcm",
        "ct_deflated.dcm",
        "bits1_two_frames.dcm",
        "palette8_segmented.dcm",
        "enhanced_ct.dcm",
        "jpeg_lossless_fragments.dcm",
        "jpeg_extended_12bit.dcm",
        "jpeg_baseline_ybr422.dcm",
        "jpegls_rgb_none.dcm",
        "jpegls_rgb_sample.dcm",
        "jpegls_rgb_line.dcm",
        "jpegls_near_lossless.dcm",
        "rle_rgb.dcm",
        "j2k_lossless_ct.dcm",
        "htj2k_lossless_ct.dcm",
    ];
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let opts = RenderOptions::default();
    for name in names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        for cut in (0..bytes.len()).step_by((bytes.len() / 40).max(1)) {
            let _ = render(&bytes[..cut], &opts);
            let _ = ferrum_dicom::render::frame_count(&bytes[..cut]);
        }
        // Corrupt bytes after the file meta group, where the image attributes and pixel data live.
        for _ in 0..60 {
            let mut corrupt = bytes.clone();
            for _ in 0..4 {
                let at = 300 + (next() as usize) % (corrupt.len() - 300);
                corrupt[at] = next() as u8;
            }
            let _ = render(&corrupt, &opts);
        }
    }
    for garbage in [&b""[..], b"DICM", &[0u8; 200], &[0xFFu8; 4096]] {
        assert!(render(garbage, &opts).is_err());
    }
}

fn synthetic(rows: u16, cols: u16, frames: &str, bits: u16, pixel_bytes: usize) -> Vec<u8> {
    use dicom_core::{DataElement, PrimitiveValue, VR};
    use dicom_dictionary_std::tags;
    use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
    let mut obj = InMemDicomObject::new_empty();
    let put = |obj: &mut InMemDicomObject, tag, vr, value: PrimitiveValue| obj.put(DataElement::new(tag, vr, value));
    put(&mut obj, tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.7".into());
    put(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5".into());
    put(&mut obj, tags::ROWS, VR::US, PrimitiveValue::from(rows));
    put(&mut obj, tags::COLUMNS, VR::US, PrimitiveValue::from(cols));
    put(&mut obj, tags::NUMBER_OF_FRAMES, VR::IS, frames.into());
    put(&mut obj, tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16));
    put(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2".into());
    put(&mut obj, tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(bits));
    put(&mut obj, tags::BITS_STORED, VR::US, PrimitiveValue::from(bits));
    put(&mut obj, tags::HIGH_BIT, VR::US, PrimitiveValue::from(bits - 1));
    put(&mut obj, tags::PIXEL_REPRESENTATION, VR::US, PrimitiveValue::from(0u16));
    put(&mut obj, tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(vec![7u8; pixel_bytes]));
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.1")
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
                .media_storage_sop_instance_uid("1.2.3.4.5"),
        )
        .unwrap();
    let mut out = Vec::new();
    file.write_all(&mut out).unwrap();
    out
}

#[test]
fn a_header_claiming_a_gigantic_image_is_refused_before_allocating() {
    let bytes = synthetic(65535, 65535, "1000", 16, 64);
    let err = render(&bytes, &RenderOptions::default()).unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { .. }), "{err:?}");
    // Within the per-frame limit but with far too many frames declared.
    let err = render(&synthetic(4096, 4096, "100000", 16, 64), &RenderOptions::default()).unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { .. }), "{err:?}");
}

#[test]
fn pixel_data_shorter_than_declared_is_malformed() {
    let err = render(&synthetic(64, 64, "1", 16, 100), &RenderOptions::default()).unwrap_err();
    assert!(matches!(err, RenderError::Malformed(_)), "{err:?}");
    assert!(render(&synthetic(8, 8, "1", 8, 64), &RenderOptions::default()).is_ok());
}

#[test]
fn an_object_without_pixel_data_says_so() {
    let mut bytes = synthetic(8, 8, "1", 8, 64);
    // Cut the Pixel Data element off entirely: (7FE0,0010) OB is the last element.
    let at = bytes.windows(4).rposition(|w| w == [0xE0, 0x7F, 0x10, 0x00]).unwrap();
    bytes.truncate(at);
    assert_eq!(render(&bytes, &RenderOptions::default()).unwrap_err(), RenderError::NoPixelData);
}

#[test]
fn an_unsupported_transfer_syntax_is_named_in_the_error() {
    let bytes = std::fs::read(corpus_dir().join("jpeg_lossless_sv1.dcm")).unwrap();
    // Rewrite the transfer syntax to JPIP Referenced, a UID of the same length that no
    // decoder here reads.
    let from = b"1.2.840.10008.1.2.4.70";
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    let mut changed = bytes.clone();
    changed[at..at + from.len()].copy_from_slice(b"1.2.840.10008.1.2.4.94");
    let err = render(&changed, &RenderOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, RenderError::UnsupportedPixelData { .. }), "{err:?}");
    assert!(text.starts_with("cannot decode pixel data in transfer syntax 1.2.840.10008.1.2.4.94 (JPIP"), "{text}");
}
