//! The study list's search in headless Chromium: the filter bar and the advanced panel, column
//! sorting, the total, keyboard navigation (↑/↓, Enter opens), a saved search and the CSV of
//! the current filters.
use serde_json::json;

use crate::browser::log_in_as;
use crate::fixtures::{dicom, multipart, Spec};
use crate::harness::{app, ADMIN_PASSWORD};
use crate::webdriver::Browser;

const ROWS: &str =
    "return [...document.querySelectorAll('#study-list tr.study-row')].map((r) => r.dataset.uid).join(' ')";
const DOWN: char = '\u{E015}';
const UP: char = '\u{E013}';
const ENTER: char = '\u{E007}';

/// Presses and releases `key` on whatever has the focus, as a keyboard does.
async fn press(browser: &Browser, key: char) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys =
        KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    browser.client.perform_actions(keys).await.unwrap();
}

/// The accession column of the list, top to bottom.
const ACCESSIONS: &str =
    "return [...document.querySelectorAll('#study-list tr.study-row')].map((r) => r.cells[3].innerText).join(' ')";

#[tokio::test]
async fn the_study_list_filters_sorts_by_heading_moves_by_keyboard_saves_and_exports_csv() {
    let app = app().spawn().await.logged_in_as_admin().await;
    // Three Searchme studies with accessions out of upload order, and one other.
    let specs: Vec<Spec> = [("B200", "20240105"), ("C300", "20240101"), ("A100", "20240110")]
        .iter()
        .enumerate()
        .map(|(i, (acc, date))| {
            let mut s = Spec::new(4000 + i as u32, 1, 1).name(&format!("Searchme^Pat{i}")).date(date);
            s.accession = (*acc).to_owned();
            s
        })
        .chain(std::iter::once(Spec::new(4010, 1, 1).name("Other^Person")))
        .collect();
    let files: Vec<(String, Vec<u8>)> = specs.iter().map(|s| (format!("{}.dcm", s.study), dicom(s))).collect();
    let parts: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (content_type, body) = multipart(&parts);
    assert_eq!(app.upload(&content_type, body).await.0, 201);

    let downloads = tempfile::tempdir().unwrap();
    let mut browser = Browser::launch_downloading("search", downloads.path()).await;
    log_in_as(&mut browser, &app, "admin", ADMIN_PASSWORD).await;
    browser.until("all four studies", &format!("{ROWS}.split(' ').length === 4"), vec![]).await;

    // The bar: a name filter, and the total.
    browser.fill("#f-patient_name", "searchme").await;
    browser.until("three matches", &format!("{ROWS}.split(' ').filter(Boolean).length === 3"), vec![]).await;
    let count = browser
        .until(
            "the total",
            "const c = document.querySelector('#study-count'); return c.dataset.total === '3' && c.innerText",
            vec![],
        )
        .await;
    assert_eq!(count, json!("3 studies"));

    // The advanced panel: closed at first, a filter in it narrows the list and goes in the URL.
    let open = browser.js("return document.querySelector('#study-advanced').open", vec![]).await;
    assert_eq!(open, json!(false));
    browser.click("#study-advanced summary").await;
    browser.fill("#f-uploader", "nobody").await;
    browser
        .until(
            "no match for another uploader",
            "return document.querySelector('#study-count').innerText === 'No studies'",
            vec![],
        )
        .await;
    browser.fill("#f-uploader", "admin").await;
    browser.until("the three again", &format!("{ROWS}.split(' ').filter(Boolean).length === 3"), vec![]).await;
    browser.screenshot("advanced").await;

    // Sorting by a heading, then the other way by clicking it again.
    browser.click("#study-list th[data-sort=accession] button").await;
    browser.until("accession A–Z", &format!("{ACCESSIONS} === 'A100 B200 C300'"), vec![]).await;
    let sort =
        browser.js("return document.querySelector('th[data-sort=accession]').getAttribute('aria-sort')", vec![]).await;
    assert_eq!(sort, json!("ascending"));
    browser.click("#study-list th[data-sort=accession] button").await;
    browser.until("accession Z–A", &format!("{ACCESSIONS} === 'C300 B200 A100'"), vec![]).await;
    browser.click("#study-list th[data-sort=study_date] button").await;
    browser.until("newest study first", &format!("{ACCESSIONS} === 'A100 B200 C300'"), vec![]).await;
    let hash = browser.js("return location.hash", vec![]).await;
    let hash = hash.as_str().unwrap();
    for part in ["patient_name=searchme", "uploader=admin", "sort=-study_date"] {
        assert!(hash.contains(part), "{part} kept in the address: {hash}");
    }

    // A saved search: kept per account, and choosing it puts its filters back.
    browser.js("window.prompt = () => 'Searchme by date'", vec![]).await;
    browser.click("#save-search").await;
    let saved = browser.js("return localStorage.getItem('ferrum.searches.admin')", vec![]).await;
    assert!(saved.as_str().unwrap_or("").contains("Searchme by date"), "{saved}");
    browser.click("#study-filters button[type=reset]").await;
    browser.until("the whole list", &format!("{ROWS}.split(' ').length === 4"), vec![]).await;
    browser
        .js(
            "const s = document.querySelector('#saved-searches'); s.value = 'Searchme by date'; \
             s.dispatchEvent(new Event('change', { bubbles: true }))",
            vec![],
        )
        .await;
    browser.until("the saved search back", &format!("{ACCESSIONS} === 'A100 B200 C300'"), vec![]).await;

    // The CSV of the current filters.
    browser.click("#study-csv").await;
    browser
        .until("the CSV saved", "return document.querySelector('#study-csv-status').dataset.rows === '3'", vec![])
        .await;
    let csv = browser_file(downloads.path()).await;
    assert!(csv.starts_with("study_instance_uid,"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "a header and three studies: {csv}");
    assert!(!csv.contains("Other^Person"), "the filters apply to the CSV: {csv}");

    // The keyboard: ↓ from the name field into the list, ↓ ↓ ↑, then Enter opens the second.
    browser.js("document.querySelector('#f-patient_name').focus()", vec![]).await;
    press(&browser, DOWN).await;
    browser
        .until(
            "the first row selected",
            "return document.querySelector('#study-list tr.study-row.selected')?.rowIndex === 1",
            vec![],
        )
        .await;
    for key in [DOWN, DOWN, UP] {
        press(&browser, key).await;
    }
    let second = browser
        .until("the second row selected", "const r = document.querySelector('#study-list tr.study-row.selected'); return r?.rowIndex === 2 && r.dataset.uid", vec![])
        .await;
    browser.screenshot("keyboard-selection").await;
    press(&browser, ENTER).await;
    let want = format!("#/studies/{}", second.as_str().unwrap());
    browser.until("the study opened", "return location.hash === arguments[0]", vec![json!(want)]).await;
    assert_eq!(second.as_str().unwrap(), specs[0].study.as_str(), "the second by date is B200's");
    browser.close().await;
}

/// The one CSV the browser saved in `dir`, once it is complete.
async fn browser_file(dir: &std::path::Path) -> String {
    for _ in 0..200 {
        let done: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        if let [one] = done.as_slice() {
            return std::fs::read_to_string(one).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no CSV was saved in {}", dir.display());
}
