//! The viewer as a reader uses it, in headless Chromium on a referrer's link: what is labelled
//! is what is drawn even on a slow network, the four-corner overlay, orientation markers that
//! follow rotation and flips, the scale bar, modality-aware presets, and the keyboard tools.
//! Screenshots go to `target/tmp/browser-artifacts/`.
use serde_json::{json, Value};

use dicom_dictionary_std::tags;
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};

use crate::fixtures::{dicom, multipart, samples_dir, samples_zip, Spec};
use crate::harness::{app, TestApp};
use crate::webdriver::Browser;

const VIEWER: &str = "#viewer";

/// A fingerprint of the canvas's pixels, computed in the page in the same task as whatever
/// else the script reads, so that a label and a picture are sampled together.
const HASH: &str = "const c = document.querySelector('#viewer canvas'); \
     const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
     let h = 0x811c9dc5; for (let i = 0; i < d.length; i += 4) h = Math.imul(h ^ d[i], 16777619) >>> 0; \
     const hash = h.toString(16);";

/// A link (no PIN, no limit) to the sample study with this description: its URL.
async fn link_to(app: &TestApp, description: &str) -> String {
    link_with_id(app, description).await.0
}

/// A link's URL and id.
async fn link_with_id(app: &TestApp, description: &str) -> (String, String) {
    let (_, list) = app.get_json("/api/studies?limit=100").await;
    let study = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["study_description"] == description)
        .unwrap_or_else(|| panic!("no sample study {description}: {list}"));
    let uid = study["study_instance_uid"].as_str().unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/studies/{uid}/links")))
        .bearer_auth(app.token())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let link = r.json::<Value>().await.unwrap();
    (link["url"].as_str().unwrap().to_owned(), link["id"].as_str().unwrap().to_owned())
}

async fn samples_app() -> TestApp {
    let app = app().spawn().await.logged_in_as_admin().await;
    assert_eq!(app.upload("application/zip", samples_zip()).await.0, 201);
    app
}

/// Waits until slice `index` is on the canvas (any window); answers the canvas's hash.
async fn drawn(browser: &mut Browser, index: u64) -> String {
    let script = format!(
        "const v = document.querySelector(arguments[0]); \
         if (!v.dataset.drawn || !v.dataset.drawn.startsWith(arguments[1] + '|') || v.dataset.loading) return null; \
         {HASH} return hash;"
    );
    let h = browser.until(&format!("slice {index} drawn"), &script, vec![json!(VIEWER), json!(index)]).await;
    h.as_str().unwrap().to_owned()
}

async fn jump(browser: &Browser, index: u64) {
    browser
        .js(
            "const s = document.querySelector('.fv-slice'); s.value = arguments[0]; \
             s.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(index)],
        )
        .await;
}

async fn press(browser: &Browser, keys: &str) {
    let stage = browser.client.find(fantoccini::Locator::Css(".fv-stage")).await.unwrap();
    stage.send_keys(keys).await.unwrap();
}

async fn corner(browser: &Browser, which: &str) -> String {
    let v = browser.js(&format!("return document.querySelector('.fv-{which}').innerText"), vec![]).await;
    v.as_str().unwrap().to_owned()
}

async fn markers(browser: &Browser) -> Vec<String> {
    let v = browser
        .js(
            "return ['top', 'right', 'bottom', 'left'].map((s) => document.querySelector('.fv-m-' + s).innerText)",
            vec![],
        )
        .await;
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn after_a_slider_jump_on_a_slow_network_the_label_always_names_the_slice_on_the_canvas() {
    // 40 slices of noise, each its own: far more than the viewer prefetches around a slice.
    let app = app().spawn().await.logged_in_as_admin().await;
    let files: Vec<(String, Vec<u8>)> =
        (1..=40u32).map(|i| (format!("s{i}.dcm"), dicom(&Spec::new(900, 1, i).size(32).seed(i as u8)))).collect();
    let parts: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (content_type, body) = multipart(&parts);
    assert_eq!(app.upload(&content_type, body).await.0, 201);
    let url = link_to(&app, "Test study").await;
    let mut referrer = Browser::launch("viewer-slow-network").await;
    referrer.goto(&url).await;

    // The pictures of slices 21 (where it opens) and 11, on a fast network.
    let middle = drawn(&mut referrer, 20).await;
    jump(&referrer, 10).await;
    let eleventh = drawn(&mut referrer, 10).await;
    assert_ne!(eleventh, middle);

    // A fresh viewer without the browser's HTTP cache (it opens on slice 21 and fetches its
    // neighbours), then a slow network: 1.6 Mbit/s and 1.5 s round trips, far longer than
    // the reader takes between jumps.
    referrer.cdp("Network.enable", json!({})).await;
    referrer.cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true })).await;
    referrer.client.refresh().await.unwrap();
    assert_eq!(drawn(&mut referrer, 20).await, middle);
    referrer
        .cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 1500, "downloadThroughput": 200_000, "uploadThroughput": 200_000 }),
        )
        .await;

    // Sample label, counter, indicator and picture together every 30 ms while the reader
    // jumps to slice 4, then to 36 before 4 can have come, then to 11.
    let sampler = format!(
        "window.samples = []; window.sampler = setInterval(() => {{ \
           const v = document.querySelector('#viewer'); {HASH} \
           window.samples.push({{ label: Number(document.querySelector('.fv-bl').dataset.index), \
             counter: document.querySelector('.fv-pos').innerText, wanted: Number(v.dataset.index), \
             loading: !document.querySelector('.fv-loading').hidden, hash }}); }}, 30);"
    );
    referrer.js(&sampler, vec![]).await;
    jump(&referrer, 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    referrer.screenshot("jumped-loading").await;
    jump(&referrer, 35).await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    jump(&referrer, 10).await;
    let last = drawn(&mut referrer, 10).await;
    referrer.screenshot("jumped-drawn").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let samples = referrer.js("clearInterval(window.sampler); return window.samples", vec![]).await;
    let samples = samples.as_array().unwrap();

    assert_eq!(last, eleventh, "slice 11 is what is drawn at the end");
    assert!(samples.len() > 10, "sampled while loading: {}", samples.len());
    let mut loading_seen = 0;
    for s in samples {
        let label = s["label"].as_u64().unwrap();
        // Slices left before they came are never shown, even once they arrive.
        assert!(label == 20 || label == 10, "a slice left meanwhile was shown: {s}");
        let picture = if label == 20 { &middle } else { &eleventh };
        assert_eq!(s["hash"], json!(picture), "the overlay names slice {label} but another is drawn: {s}");
        assert_eq!(s["counter"], json!(format!("{} / 40", label + 1)), "{s}");
        if s["wanted"] != s["label"] {
            assert_eq!(s["loading"], json!(true), "a slice is on its way without an indicator: {s}");
            loading_seen += 1;
        }
    }
    assert!(loading_seen > 3, "the indicator was seen while loading ({loading_seen} samples)");
    assert_eq!(samples.last().unwrap()["label"], json!(10), "it stays on slice 11 after the stale ones arrive");
    let labels: Vec<String> = samples
        .iter()
        .map(|s| format!("{}{}", s["label"], if s["loading"] == json!(true) { "*" } else { "" }))
        .collect();
    println!("{} samples, {loading_seen} while loading: {}", samples.len(), labels.join(" "));
    referrer.close().await;
}

#[tokio::test]
async fn the_overlay_shows_the_four_corners_and_markers_that_follow_rotation_and_flips() {
    let app = samples_app().await;
    let mut referrer = Browser::launch("viewer-overlay").await;
    referrer.goto(&link_to(&app, "CT Thorax").await).await;
    drawn(&mut referrer, 4).await;
    referrer.screenshot("ct-overlay").await;

    assert!(corner(&referrer, "tl").await.contains("PAT-0001"), "patient in the top left");
    let tr = corner(&referrer, "tr").await;
    assert!(tr.contains("CT") && tr.contains("series 1"), "series in the top right: {tr}");
    let bl = corner(&referrer, "bl").await;
    assert!(
        bl.contains("5 / 8") && bl.contains("pos 75.0 mm") && bl.contains("thk 5.0 mm"),
        "slice in the bottom left: {bl}"
    );
    let br = corner(&referrer, "br").await;
    assert!(br.contains("C/W auto") && br.contains("zoom"), "window and zoom in the bottom right: {br}");

    // Presets on CT, labelled centre/width.
    let presets =
        referrer.js("return [...document.querySelectorAll('.fv-preset option')].map((o) => o.text)", vec![]).await;
    assert!(presets.as_array().unwrap().len() >= 5, "{presets}");
    press(&referrer, "3").await; // 1 auto, 2 brain, 3 lung
    referrer
        .until("the lung window", "return document.querySelector('#viewer').dataset.drawn === '4|-600,1500'", vec![])
        .await;
    assert!(corner(&referrer, "br").await.contains("C/W -600/1500"), "centre/width, in that order");

    // Axial: anterior up, the patient's right on the left of the screen.
    assert_eq!(markers(&referrer).await, ["A", "L", "P", "R"]);
    press(&referrer, "r").await;
    assert_eq!(markers(&referrer).await, ["R", "A", "L", "P"], "rotated 90° clockwise");
    press(&referrer, "h").await;
    assert_eq!(markers(&referrer).await, ["R", "P", "L", "A"], "then mirrored left-right on the screen");
    press(&referrer, "v").await;
    assert_eq!(markers(&referrer).await, ["L", "P", "R", "A"], "then mirrored top-bottom");
    referrer.screenshot("ct-rotated-flipped").await;

    // 1:1 and the scale bar: 64 px of 0.7 mm.
    press(&referrer, "o").await;
    assert!(corner(&referrer, "br").await.contains("zoom 100%"));
    let bar = referrer
        .js(
            "const b = document.querySelector('.fv-scalebar'); \
             return b.hidden ? null : [Number(b.dataset.mm), b.querySelector('.fv-scalebar-line').getBoundingClientRect().width]",
            vec![],
        )
        .await;
    let (mm, px) = (bar[0].as_f64().unwrap(), bar[1].as_f64().unwrap());
    assert!((px - mm / 0.7).abs() <= 1.5, "the bar of {mm} mm is {px} px at 1:1 with 0.7 mm pixels");
    referrer.screenshot("ct-one-to-one").await;

    // MR, sagittal: no CT presets; head up, anterior on the left.
    referrer.goto(&link_to(&app, "MR Brain").await).await;
    drawn(&mut referrer, 3).await;
    let presets =
        referrer.js("return [...document.querySelectorAll('.fv-preset option')].map((o) => o.text)", vec![]).await;
    assert_eq!(presets.as_array().unwrap().len(), 1, "only the automatic window on MR: {presets}");
    assert!(!presets.to_string().contains("CT"));
    assert_eq!(markers(&referrer).await, ["H", "P", "F", "A"]);
    assert!(corner(&referrer, "bl").await.contains("thk 4.0 mm"));
    referrer.screenshot("mr-overlay").await;
    referrer.close().await;
}

#[tokio::test]
async fn every_tool_has_a_key_listed_in_the_help_and_cine_plays_at_the_chosen_speed() {
    let app = samples_app().await;
    let mut referrer = Browser::launch("viewer-tools").await;
    referrer.goto(&link_to(&app, "CT Thorax").await).await;
    let plain = drawn(&mut referrer, 4).await;

    press(&referrer, "?").await;
    let rows = referrer
        .until(
            "the help",
            "const h = document.querySelector('.fv-help'); return h && !h.hidden && h.querySelectorAll('tr').length",
            vec![],
        )
        .await;
    assert!(rows.as_u64().unwrap() >= 15, "{rows} shortcuts listed");
    let help = referrer.js("return document.querySelector('.fv-help').innerText", vec![]).await;
    for tool in ["invert", "rotate", "flip", "zoom", "1:1", "full screen", "cine"] {
        assert!(help.as_str().unwrap().contains(tool), "{tool} in the help: {help}");
    }
    referrer.screenshot("help").await;
    press(&referrer, "\u{e00c}").await; // Escape
    assert_eq!(referrer.js("return document.querySelector('.fv-help').hidden", vec![]).await, json!(true));

    press(&referrer, "i").await;
    let inverted = referrer.js(&format!("{HASH} return hash"), vec![]).await;
    assert_ne!(json!(plain), inverted, "inverting changed the picture");
    assert!(corner(&referrer, "br").await.contains("inverted"));
    press(&referrer, "i").await;

    press(&referrer, "f").await;
    referrer
        .until(
            "full screen",
            "return document.fullscreenElement && document.fullscreenElement.classList.contains('fv')",
            vec![],
        )
        .await;
    referrer.screenshot("full-screen").await;
    press(&referrer, "f").await;
    referrer.until("full screen left", "return document.fullscreenElement === null", vec![]).await;

    // Cine: faster by two steps, then play; slices advance while it runs and stop after.
    press(&referrer, "]]").await;
    assert_eq!(
        referrer.js("return document.querySelector('.fv-speed-label').innerText", vec![]).await,
        json!("14 fps")
    );
    press(&referrer, " ").await;
    referrer
        .until(
            "cine to move on",
            "const v = document.querySelector('#viewer'); return v.dataset.playing === '1' && !v.dataset.drawn.startsWith('4|')",
            vec![],
        )
        .await;
    press(&referrer, " ").await;
    referrer.until("cine to stop", "return document.querySelector('#viewer').dataset.playing === ''", vec![]).await;
    referrer.screenshot("cine-stopped").await;
    referrer.close().await;
}

/// The first CT thorax slice's stored values (rescale 1/0: Hounsfield units), 64×64.
fn thorax_first_slice() -> (String, Vec<f64>) {
    let obj = dicom_object::open_file(samples_dir().join("ct-thorax/IM0001.dcm")).unwrap();
    let sop = obj.element(tags::SOP_INSTANCE_UID).unwrap().to_str().unwrap().trim_end_matches('\0').to_owned();
    let bytes = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
    let hu = bytes.chunks(2).map(|c| f64::from(i16::from_le_bytes([c[0], c[1]]))).collect();
    (sop, hu)
}

/// A left-button drag on the stage from (x0, y0) to (x1, y1), offsets from its centre; a
/// click when both are the same.
async fn left_drag(browser: &mut Browser, from: (f64, f64), to: (f64, f64)) {
    let element = browser.wait_for(".fv-stage").await;
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement { element, duration: None, x: from.0, y: from.1 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy {
            duration: Some(std::time::Duration::from_millis(60)),
            x: (to.0 - from.0) / 2.0,
            y: (to.1 - from.1) / 2.0,
        })
        .then(PointerAction::MoveBy {
            duration: Some(std::time::Duration::from_millis(60)),
            x: (to.0 - from.0) / 2.0,
            y: (to.1 - from.1) / 2.0,
        })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    browser.client.perform_actions(mouse).await.expect("drag");
}

async fn last_measure(browser: &mut Browser, kind: &str, previous: &Value) -> Value {
    let v = browser
        .until(
            &format!("the {kind} measured"),
            "const m = document.querySelector('#viewer').dataset.lastMeasure; \
             return m && m !== arguments[1] && JSON.parse(m).kind === arguments[0] && !m.includes('…') ? m : null",
            vec![json!(kind), previous.clone()],
        )
        .await;
    serde_json::from_str(v.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn the_value_under_the_cursor_is_the_file_s_hu_and_lengths_angles_and_rois_measure_in_mm() {
    let app = samples_app().await;
    let (sop, hu) = thorax_first_slice();

    // The values on the user API: the file's, 64×64 after an 8-byte size.
    let r =
        app.client.get(app.url(&format!("/api/instances/{sop}/values"))).bearer_auth(app.token()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len(), 8 + 64 * 64 * 4);
    assert_eq!(&body[..8], &[64, 0, 0, 0, 64, 0, 0, 0]);
    let api: Vec<f64> = body[8..].chunks(4).map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect();
    assert_eq!(api, hu, "the API answers the file's values");
    let anonymous = app.client.get(app.url(&format!("/api/instances/{sop}/values"))).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let mut referrer = Browser::launch("viewer-measure").await;
    let (url, link) = link_with_id(&app, "CT Thorax").await;
    referrer.goto(&url).await;
    drawn(&mut referrer, 4).await;
    press(&referrer, "\u{e011}").await; // Home: the first slice, z = 95 mm, IM0001
    drawn(&mut referrer, 0).await;
    press(&referrer, "o").await; // 1:1: one CSS pixel per image pixel

    // Value under the pointer, through the share API.
    let element = referrer.wait_for(".fv-stage").await;
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element,
        duration: None,
        x: 5.0,
        y: -7.0,
    });
    referrer.client.perform_actions(hover).await.unwrap();
    let probe = referrer
        .until(
            "the value under the pointer",
            "const p = document.querySelector('.fv-probe'); return p.dataset.value !== undefined && p.innerText.includes('HU') ? [Number(p.dataset.x), Number(p.dataset.y), Number(p.dataset.value), p.innerText] : null",
            vec![],
        )
        .await;
    let (x, y, value) = (probe[0].as_u64().unwrap(), probe[1].as_u64().unwrap(), probe[2].as_f64().unwrap());
    assert!(x.abs_diff(37) <= 1 && y.abs_diff(25) <= 1, "the pixel under the pointer: {probe}");
    assert_eq!(value, hu[(y * 64 + x) as usize], "HU under the pointer equals the file's: {probe}");
    referrer.screenshot("value-under-pointer").await;
    // Audited like frames: on the user API (the first read of the series, so written at
    // once), and on the link's access log (counted with the frames of that minute).
    let (_, audit) = app.get_json("/api/audit?action=view_image").await;
    let values_read = audit["items"].as_array().unwrap().iter().any(|e| e.to_string().contains("\"values\":true"));
    assert!(values_read, "the values read is audited: {audit}");
    let (_, log) = app.get_json(&format!("/api/links/{link}/access")).await;
    assert!(log["items"].as_array().unwrap().iter().any(|e| e["action"] == "view_image"), "{log}");

    // A length of 40 image pixels of 0.7 mm: 28 mm, within one pixel.
    press(&referrer, "l").await;
    left_drag(&mut referrer, (-20.0, 0.0), (20.0, 0.0)).await;
    let length = last_measure(&mut referrer, "length", &Value::Null).await;
    let mm: f64 = length["label"].as_str().unwrap().trim_end_matches(" mm").parse().unwrap();
    assert!((mm - 28.0).abs() <= 0.7, "{length}");
    referrer.screenshot("length").await;

    // A right angle: one arm dragged to the right, the other clicked above the vertex.
    press(&referrer, "a").await;
    left_drag(&mut referrer, (0.0, 10.0), (25.0, 10.0)).await;
    left_drag(&mut referrer, (0.0, -15.0), (0.0, -15.0)).await;
    let angle = last_measure(&mut referrer, "angle", &json!(length.to_string())).await;
    let deg: f64 = angle["label"].as_str().unwrap().trim_end_matches('°').parse().unwrap();
    assert!((deg - 90.0).abs() <= 2.0, "{angle}");

    // A rectangle: the statistics of the file's values whose pixel centres lie in it.
    press(&referrer, "b").await;
    left_drag(&mut referrer, (-12.0, -8.0), (10.0, 9.0)).await;
    let rect = last_measure(&mut referrer, "rect", &Value::Null).await;
    let p = &rect["points"];
    let (x0, y0, x1, y1) =
        (p[0][0].as_f64().unwrap(), p[0][1].as_f64().unwrap(), p[1][0].as_f64().unwrap(), p[1][1].as_f64().unwrap());
    let inside: Vec<f64> = (0..64 * 64)
        .filter(|i| {
            let (cx, cy) = ((i % 64) as f64 + 0.5, (i / 64) as f64 + 0.5);
            cx >= x0.min(x1) && cx <= x0.max(x1) && cy >= y0.min(y1) && cy <= y0.max(y1)
        })
        .map(|i| hu[i])
        .collect();
    let mean = inside.iter().sum::<f64>() / inside.len() as f64;
    let stats = &rect["stats"];
    assert_eq!(stats["n"], json!(inside.len()), "{rect}");
    assert!((stats["mean"].as_f64().unwrap() - mean).abs() < 0.01, "mean {mean}: {rect}");
    assert_eq!(stats["min"].as_f64().unwrap(), inside.iter().cloned().fold(f64::MAX, f64::min));
    assert_eq!(stats["max"].as_f64().unwrap(), inside.iter().cloned().fold(f64::MIN, f64::max));
    assert!((stats["area"].as_f64().unwrap() - inside.len() as f64 * 0.49).abs() < 0.01, "area in mm²: {rect}");
    assert!(rect["label"].as_str().unwrap().contains("HU"));

    // An ellipse inside the same box holds fewer pixels.
    press(&referrer, "e").await;
    left_drag(&mut referrer, (-12.0, -8.0), (10.0, 9.0)).await;
    let ellipse = last_measure(&mut referrer, "ellipse", &json!(rect.to_string())).await;
    assert!(ellipse["stats"]["n"].as_u64().unwrap() < inside.len() as u64, "{ellipse}");
    referrer.screenshot("measurements").await;
    referrer.close().await;
}

/// A slice of a 32×32 stack of study 950: series `series` in planes `orientation` (row and
/// column directions), at `position` (Image Position (Patient)).
fn placed_slice(series: u32, instance: u32, description: &str, orientation: &str, position: [f64; 3]) -> Vec<u8> {
    use dicom_core::{DataElement, PrimitiveValue, VR};
    let spec = Spec::new(950, series, instance).size(32).seed((series * 40 + instance) as u8);
    let mut obj = crate::fixtures::object(&spec);
    let mut put = |tag, vr, v: String| obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    put(tags::SERIES_NUMBER, VR::IS, series.to_string());
    put(tags::INSTANCE_NUMBER, VR::IS, instance.to_string());
    put(tags::SERIES_DESCRIPTION, VR::LO, description.to_owned());
    put(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, orientation.to_owned());
    put(tags::IMAGE_POSITION_PATIENT, VR::DS, position.map(|v| v.to_string()).join("\\"));
    put(tags::PIXEL_SPACING, VR::DS, "1\\1".to_owned());
    crate::fixtures::encode(obj, &spec.sop)
}

/// Waits until viewport `cell` has slice `index` on its canvas.
async fn cell_drawn(browser: &mut Browser, cell: u32, index: u64) {
    browser
        .until(
            &format!("viewport {cell} to draw slice {index}"),
            "const c = document.querySelector(`.fv-cell[data-cell=\"${arguments[0]}\"]`); \
             return !!c && (c.dataset.drawn || '').startsWith(arguments[1] + '|') && !c.dataset.loading",
            vec![json!(cell), json!(index)],
        )
        .await;
}

async fn cell_mark(browser: &Browser, cell: u32, key: &str) -> Value {
    browser
        .js(
            "const c = document.querySelector(`.fv-cell[data-cell=\"${arguments[0]}\"]`); return c ? c.dataset[arguments[1]] ?? null : null",
            vec![json!(cell), json!(key)],
        )
        .await
}

async fn jump_cell(browser: &Browser, cell: u32, index: u64) {
    browser
        .js(
            "const s = document.querySelector(`.fv-cell[data-cell=\"${arguments[0]}\"] .fv-slice`); s.value = arguments[1]; \
             s.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(cell), json!(index)],
        )
        .await;
}

#[tokio::test]
async fn side_by_side_viewports_scroll_together_by_slice_position_until_unlinked() {
    // Two axial stacks of one study, 5 mm and 3 mm apart over the same 45 mm, and a sagittal one.
    let app = app().spawn().await.logged_in_as_admin().await;
    let axial = "1\\0\\0\\0\\1\\0";
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..10u32 {
        files.push((
            format!("a{i}.dcm"),
            placed_slice(1, i + 1, "Axial 5 mm", axial, [-16.0, -16.0, f64::from(i) * 5.0]),
        ));
    }
    for i in 0..16u32 {
        files.push((
            format!("b{i}.dcm"),
            placed_slice(2, i + 1, "Axial 3 mm", axial, [-16.0, -16.0, f64::from(i) * 3.0]),
        ));
    }
    for i in 0..6u32 {
        let x = f64::from(i) * 4.0 - 10.0;
        files.push((format!("c{i}.dcm"), placed_slice(3, i + 1, "Sagittal", "0\\1\\0\\0\\0\\-1", [x, -16.0, 16.0])));
    }
    let parts: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (content_type, body) = multipart(&parts);
    assert_eq!(app.upload(&content_type, body).await.0, 201);
    let mut referrer = Browser::launch("viewer-layouts").await;
    referrer.goto(&link_to(&app, "Test study").await).await;

    // One viewport at first, on the 5 mm stack's middle slice (20 mm; slices run head first).
    drawn(&mut referrer, 5).await;
    assert_eq!(referrer.js("return document.querySelectorAll('.fv-cell').length", vec![]).await, json!(1));
    assert_eq!(cell_mark(&referrer, 0, "position").await, json!("20"));

    // 1×2: the right opens the 3 mm stack at the slice nearest 20 mm (21 mm).
    referrer.click(".fv-layout-choice[data-layout='1x2']").await;
    cell_drawn(&mut referrer, 1, 8).await;
    assert_eq!(cell_mark(&referrer, 1, "position").await, json!("21"));
    assert!(cell_mark(&referrer, 1, "series").await.as_str().unwrap().ends_with(".950.2"));
    referrer.screenshot("layout-1x2").await;

    // Scrolling the left moves the right to its nearest slice: slider to 35 mm → 36 mm ...
    jump_cell(&referrer, 0, 2).await;
    cell_drawn(&mut referrer, 0, 2).await;
    cell_drawn(&mut referrer, 1, 3).await;
    assert_eq!(cell_mark(&referrer, 1, "position").await, json!("36"));
    // ... a wheel turn to 30 mm → 30 mm.
    referrer.wheel(".fv-cell[data-cell='0'] .fv-stage", 120).await;
    cell_drawn(&mut referrer, 0, 3).await;
    cell_drawn(&mut referrer, 1, 5).await;
    assert_eq!(cell_mark(&referrer, 1, "position").await, json!("30"));
    // And the other way round.
    jump_cell(&referrer, 1, 15).await;
    cell_drawn(&mut referrer, 0, 9).await;
    assert_eq!(cell_mark(&referrer, 0, "position").await, json!("0"));

    // Each viewport keeps its own view: inverting the left leaves the right as it was.
    press(&referrer, "i").await;
    let corners = referrer.js("return [...document.querySelectorAll('.fv-br')].map((c) => c.innerText)", vec![]).await;
    assert!(corners[0].as_str().unwrap().contains("inverted"), "{corners}");
    assert!(!corners[1].as_str().unwrap().contains("inverted"), "{corners}");

    // Unlinked (K), scrolling the left leaves the right where it is.
    press(&referrer, "k").await;
    assert_eq!(referrer.js("return document.querySelector('#viewer').dataset.linked", vec![]).await, json!(""));
    jump_cell(&referrer, 0, 1).await;
    cell_drawn(&mut referrer, 0, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(cell_mark(&referrer, 1, "index").await, json!("15"), "the right stayed put");
    assert_eq!(cell_mark(&referrer, 1, "position").await, json!("0"));
    referrer.screenshot("layout-unlinked").await;

    // 2×2 by key (G), linked again (K): the sagittal stack, in other planes, does not follow.
    press(&referrer, "gk").await;
    cell_drawn(&mut referrer, 2, 3).await;
    assert_eq!(referrer.js("return document.querySelectorAll('.fv-cell').length", vec![]).await, json!(4));
    assert!(cell_mark(&referrer, 2, "series").await.as_str().unwrap().ends_with(".950.3"));
    cell_drawn(&mut referrer, 1, 2).await; // relinking brought the right to the left's 40 mm (39 mm)
    jump_cell(&referrer, 0, 0).await;
    cell_drawn(&mut referrer, 1, 0).await;
    assert_eq!(cell_mark(&referrer, 1, "position").await, json!("45"));
    assert_eq!(cell_mark(&referrer, 2, "index").await, json!("3"), "the sagittal stack stays");
    referrer.screenshot("layout-2x2").await;

    // The help lists the layout keys; G again goes back to one viewport.
    press(&referrer, "?").await;
    let help = referrer.js("return document.querySelector('.fv-help').innerText", vec![]).await;
    assert!(help.as_str().unwrap().contains("next layout") && help.as_str().unwrap().contains("unlink"), "{help}");
    press(&referrer, "\u{e00c}g").await;
    referrer.until("one viewport again", "return document.querySelectorAll('.fv-cell').length === 1", vec![]).await;
    referrer.close().await;
}

/// Three 16×16 slices of study `study` for patient `patient_id`.
fn small_study(study: u32, patient_id: &str, date: &str, description: &str) -> Vec<(String, Vec<u8>)> {
    (1..=3u32)
        .map(|i| {
            let mut spec = Spec::new(study, 1, i).size(16).seed((study % 200 + i) as u8).date(date);
            spec.patient_id = patient_id.to_owned();
            spec.description = description.to_owned();
            (format!("{study}-{i}.dcm"), dicom(&spec))
        })
        .collect()
}

async fn upload_as(app: &TestApp, token: &str, files: Vec<(String, Vec<u8>)>) {
    let parts: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (content_type, body) = multipart(&parts);
    assert_eq!(app.upload_as(token, &content_type, body).await.0, 201);
}

#[tokio::test]
async fn a_user_opens_the_patient_s_prior_beside_the_study_and_a_link_lists_no_priors() {
    // A radiologist's two studies of one patient; a study of the same patient they may not
    // read, and one of a patient whose ID starts alike.
    let app = app().spawn().await.logged_in_as_admin().await;
    let reader = app.add_user("reader", "radiologist").await;
    let mut mine = small_study(960, "PID960", "20240301", "Current CT");
    mine.extend(small_study(961, "PID960", "20230301", "Prior CT"));
    upload_as(&app, &reader, mine).await;
    let mut others = small_study(963, "PID960", "20210301", "Not yours");
    others.extend(small_study(962, "PID9600", "20220301", "Another patient"));
    upload_as(&app, app.token(), others).await;
    let current = Spec::new(960, 1, 1).study;
    let prior = Spec::new(961, 1, 1).study;

    // The viewer as the study page mounts it for a signed-in user, with the user API's priors.
    let mut user = Browser::launch("viewer-priors").await;
    crate::browser::log_in_as(&mut user, &app, "reader", "a-long-password-1").await;
    user.js(
        "window.mounted = Promise.all([import('/assets/viewer/viewer.js'), import('/assets/viewer/priors.js'), \
           import('/assets/app/api.js')]).then(async ([{ mountViewer }, { userApiPriors }, { authHeaders, refreshSession }]) => { \
           const study = await (await fetch('/api/studies/' + arguments[0], { headers: authHeaders() })).json(); \
           const root = document.createElement('div'); root.id = 'viewer'; root.style.height = '640px'; \
           document.body.replaceChildren(root); \
           const enc = encodeURIComponent; \
           mountViewer(root, { study, headers: authHeaders, refresh: refreshSession, \
             thumbnailUrl: (s) => `/api/series/${enc(s)}/thumbnail?size=128`, \
             renderedUrl: (sop, f, w) => `/api/instances/${enc(sop)}/rendered?format=jpeg${f > 1 ? '&frame=' + f : ''}${w ? '&window=' + w.join(',') : ''}`, \
             priors: userApiPriors({ headers: authHeaders, refresh: refreshSession }) }); });",
        vec![json!(current)],
    )
    .await;
    user.until("the viewer mounted", "return !!document.querySelector('#viewer .fv-cell')", vec![]).await;
    drawn(&mut user, 1).await;
    user.until("the priors listed", "return document.querySelector('#viewer').dataset.priors", vec![]).await;
    user.click(".fv-priors-open").await;
    let listed = user.js("return document.querySelector('.fv-priors').innerText", vec![]).await;
    let listed = listed.as_str().unwrap();
    assert!(listed.contains("Prior CT") && listed.contains("2023-03-01"), "{listed}");
    assert!(
        !listed.contains("Current CT") && !listed.contains("Another patient") && !listed.contains("Not yours"),
        "only the patient's other studies the reader may see: {listed}"
    );
    user.click(&format!(".fv-prior-open[data-study='{prior}']")).await;
    cell_drawn(&mut user, 1, 1).await;
    assert_eq!(cell_mark(&user, 1, "study").await, json!(prior));
    assert_eq!(cell_mark(&user, 0, "study").await, json!(current));
    let tr = user.js("return document.querySelector('.fv-cell[data-cell=\"1\"] .fv-tl').innerText", vec![]).await;
    assert!(tr.as_str().unwrap().contains("Prior CT"), "the prior's own overlay: {tr}");
    user.screenshot("prior-beside").await;
    user.close().await;

    // A referrer's link shows its one study: no priors.
    let mut referrer = Browser::launch("viewer-priors-link").await;
    referrer.goto(&link_to(&app, "Current CT").await).await;
    drawn(&mut referrer, 1).await;
    assert_eq!(referrer.js("return document.querySelector('.fv-priors-open').hidden", vec![]).await, json!(true));
    assert_eq!(
        referrer.js("return document.querySelector('#viewer').dataset.priors ?? null", vec![]).await,
        Value::Null
    );
    referrer.close().await;
}
