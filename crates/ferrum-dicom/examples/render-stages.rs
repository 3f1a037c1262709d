//! Where the time of one rendered frame goes, stage by stage, for a file on disk:
//! parse + decode (`prepare`), window to 8 bits (`image`), and JPEG / PNG encoding.
//! Prints figures only; nothing here is a test.
//!
//!     cargo run --release -p ferrum-dicom --example render-stages -- CT.dcm [repeats]
use std::time::{Duration, Instant};

use ferrum_dicom::render::{prepare, ImageFormat, RenderOptions, Window};

fn per_call(total: Duration, n: u32) -> f64 {
    total.as_secs_f64() * 1000.0 / n as f64
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: render-stages FILE.dcm [repeats]");
    let repeats: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let bytes = std::fs::read(&path).expect("readable file");
    let window = Some(Window { center: 40.0, width: 400.0 });

    let t = Instant::now();
    for _ in 0..repeats {
        prepare(&bytes, 0).expect("renderable frame");
    }
    let prepare_ms = per_call(t.elapsed(), repeats);
    let frame = prepare(&bytes, 0).unwrap();
    let t = Instant::now();
    for _ in 0..repeats {
        std::hint::black_box(frame.image(window, None));
    }
    let image_ms = per_call(t.elapsed(), repeats);
    let mut encoded = Vec::new();
    for format in [ImageFormat::Jpeg, ImageFormat::Png] {
        let opts = RenderOptions { frame: 0, window, size: None, format };
        let t = Instant::now();
        for _ in 0..repeats {
            std::hint::black_box(frame.render(&opts).unwrap());
        }
        encoded.push(per_call(t.elapsed(), repeats) - image_ms);
    }
    println!("{path}: {} bytes, {repeats} repeats, ms per call", bytes.len());
    println!("  parse + decode (prepare)   {prepare_ms:8.3}");
    println!("  window to 8 bits (image)   {image_ms:8.3}");
    println!("  JPEG encode                {:8.3}", encoded[0]);
    println!("  PNG encode                 {:8.3}", encoded[1]);
    println!("  first JPEG of a frame      {:8.3}", prepare_ms + image_ms + encoded[0]);
}
