//! The study listing as CSV: the same filters and visibility as the JSON listing, every page,
//! formula cells neutralised, and the export audited.
use crate::fixtures::*;
use crate::harness::app;

fn rows(body: &[u8]) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(body).records().map(|r| r.unwrap()).collect()
}

fn column(headers: &csv::StringRecord, name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}: {headers:?}"))
}

#[tokio::test]
async fn a_listing_exports_as_csv_with_its_filters_scope_and_formulas_neutralised() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let alice = app.add_user("alice", "radiologist").await;
    // Alice's: seven studies (more than one page of the export at limit 3 would be), one named
    // as a formula; the admin's: one more that alice must not see.
    let mut parts = Vec::new();
    for n in 0..7u32 {
        let name = if n == 0 { "=HYPERLINK(\"http://evil\")^X".to_owned() } else { format!("Csvpat{n}^Anna") };
        let mut spec = Spec::new(700 + n, 1, 1).name(&name);
        spec.patient_id = if n == 1 { "-2+3".to_owned() } else { format!("CSV-{n:03}") };
        parts.push((format!("a{n}.dcm"), dicom(&spec)));
    }
    let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (status, body) = app.upload_as(&alice, "application/zip", zip_of(&refs)).await;
    assert!(status < 300, "{body}");
    let hidden = Spec::new(799, 1, 1).name("Csvpat9^Hidden");
    app.upload("application/dicom", dicom(&hidden)).await;

    let export = |token: String, query: &str, accept: bool| {
        let req = app.client.get(app.url(&format!("/api/studies?{query}"))).bearer_auth(token);
        let req = if accept { req.header("accept", "text/csv") } else { req };
        let query = query.to_owned();
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200, "{query}");
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"), "{query}");
            let n: usize = r.headers()["x-ferrum-rows"].to_str().unwrap().parse().unwrap();
            let body = r.bytes().await.unwrap();
            let mut reader = csv::Reader::from_reader(&body[..]);
            let headers = reader.headers().unwrap().clone();
            let rows = rows(&body);
            assert_eq!(rows.len(), n, "x-ferrum-rows says the rows sent");
            (headers, rows, String::from_utf8(body.to_vec()).unwrap())
        }
    };

    // The admin, with Accept, filtered by name: every Csvpat study, alice's and their own.
    let (headers, all, _) = export(app.token().to_owned(), "patient_name=csvpat", true).await;
    assert_eq!(all.len(), 7, "six of alice's and the admin's own");
    assert!(!headers.iter().any(|h| h.contains("thumbnail")), "no thumbnail URLs: {headers:?}");
    let id = column(&headers, "patient_id");
    let name = column(&headers, "patient_name");

    // Alice, with format=csv: only hers, and a filter still applies.
    let (_, mine, text) = export(alice.clone(), "format=csv&sort=patient_name", false).await;
    assert_eq!(mine.len(), 7, "all seven of hers and not the admin's");
    assert!(!text.contains("Hidden"), "another's study leaked into the export");
    let formula = mine.iter().find(|r| r[name].contains("HYPERLINK")).expect("the formula-named study");
    assert!(formula[name].starts_with("'="), "a formula is neutralised: {:?}", &formula[name]);
    let minus = mine.iter().find(|r| r[id].contains("2+3")).expect("the study with a minus ID");
    assert_eq!(&minus[id], "'-2+3");
    let (_, one, _) = export(alice.clone(), "format=csv&patient_id=CSV-004", false).await;
    assert_eq!(one.len(), 1);
    assert_eq!(&one[0][id], "CSV-004");
    let (_, none, _) = export(alice.clone(), "format=csv&patient_name=hidden", false).await;
    assert!(none.is_empty(), "a study alice may not see is not found by name either");

    // Bad input is a JSON 400 as for the listing.
    let r = app.get("/api/studies?format=xls").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "bad_request", "{body}");

    // Audited as a search, saying the format and how many rows left.
    let (status, audit) = app.get_json("/api/audit?action=search_studies&limit=100").await;
    assert_eq!(status, 200);
    let csv_events: Vec<&serde_json::Value> =
        audit["items"].as_array().unwrap().iter().filter(|e| e["detail"]["format"] == "csv").collect();
    assert_eq!(csv_events.len(), 4, "{csv_events:?}");
    let first = csv_events.iter().find(|e| e["actor"] == "user:admin").expect("the admin's export");
    assert_eq!(first["detail"]["results"], 7);
    assert_eq!(first["detail"]["study_uids"].as_array().unwrap().len(), 7);
    assert!(first["detail"]["filters"].as_array().unwrap().iter().any(|f| f == "patient_name"));
}
