//! A study listing as CSV: the same filters, order and visibility as the JSON listing, read
//! page by page through the keyset cursor up to [`MAX_ROWS`] rows.
use ferrum_store::model::{StudyQuery, StudySummary};

/// Most rows one export holds; a larger result is cut there and says so in its headers.
pub const MAX_ROWS: usize = 100_000;
/// Rows read from the catalog per page (the listing's largest page).
pub const PAGE_ROWS: u32 = 500;

const HEADER: [&str; 19] = [
    "study_instance_uid",
    "patient_name",
    "patient_id",
    "patient_birth_date",
    "patient_sex",
    "accession_number",
    "study_date",
    "study_time",
    "study_description",
    "modalities",
    "num_series",
    "num_instances",
    "referring_physician_name",
    "institution_name",
    "owner",
    "uploaded_by",
    "uploaded_at",
    "access_level",
    "access_basis",
];

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, and the tab and carriage
/// return some of them strip first) gets a leading apostrophe, as OWASP advises.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes the header row.
pub fn header<W: std::io::Write>(w: &mut csv::Writer<W>) -> csv::Result<()> {
    w.write_record(HEADER)
}

/// Writes one study as a row; every text cell goes through [`neutralise`].
pub fn row<W: std::io::Write>(w: &mut csv::Writer<W>, s: &StudySummary) -> csv::Result<()> {
    let opt = |v: &Option<String>| v.as_deref().map(neutralise).unwrap_or_default().into_owned();
    let cells = [
        neutralise(&s.study_instance_uid).into_owned(),
        opt(&s.patient_name),
        opt(&s.patient_id),
        opt(&s.patient_birth_date),
        opt(&s.patient_sex),
        opt(&s.accession_number),
        opt(&s.study_date),
        opt(&s.study_time),
        opt(&s.study_description),
        neutralise(&s.modalities.join("\\")).into_owned(),
        s.num_series.to_string(),
        s.num_instances.to_string(),
        opt(&s.referring_physician_name),
        opt(&s.institution_name),
        opt(&s.owner),
        neutralise(&s.uploaded_by).into_owned(),
        s.uploaded_at.clone(),
        s.access.level.as_str().to_owned(),
        s.access.basis.to_owned(),
    ];
    w.write_record(&cells)
}

/// The query for the export's pages: the listing's largest page, from the caller's cursor.
pub fn paged(mut query: StudyQuery) -> StudyQuery {
    query.limit = PAGE_ROWS;
    query
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for fine in ["DOE^JOHN", "1.2.3", "", "a=b", " =1"] {
            assert_eq!(neutralise(fine), fine);
        }
    }
}
