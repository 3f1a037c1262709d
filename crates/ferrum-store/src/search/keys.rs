//! The search columns of a study, computed from its attributes and its series in one place
//! for every path that changes them (ingest, erase of a series, rectification) and for the
//! start-up backfill: what the listing filters and free text match against.
use super::fold::fold;

/// Bumped when what [`SearchColumns::compute`] produces changes: rows computed by an older
/// version are recomputed at start-up.
pub const SEARCH_VERSION: i64 = 1;

/// Longest key kept (longer words are cut: nobody types 64 characters of one word).
const MAX_KEY_CHARS: usize = 64;
/// Longest free-text document kept per study.
const MAX_TEXT_CHARS: usize = 2000;

/// What a study's search columns are computed from.
#[derive(Debug, Clone, Default)]
pub struct StudySearchInput {
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
    pub accession_number: Option<String>,
    pub study_description: Option<String>,
    pub referring_physician_name: Option<String>,
    pub institution_name: Option<String>,
    /// Per series: description and body part examined.
    pub series: Vec<(Option<String>, Option<String>)>,
}

/// A field of the `study_keys` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyField {
    /// Words of every component of every group of the patient's name, and each group whole.
    PatientName,
    /// Words of the study's and its series' descriptions and body parts.
    Description,
    /// The referring physician's name, as the patient's.
    Referring,
    /// Words of the institution name.
    Institution,
}

impl KeyField {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyField::PatientName => "pn",
            KeyField::Description => "desc",
            KeyField::Referring => "ref",
            KeyField::Institution => "inst",
        }
    }
}

/// The computed columns: `studies.patient_name_folded`, `patient_id_key`, `accession_key`,
/// `search_text`, and the `study_keys` rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchColumns {
    pub patient_name_folded: Option<String>,
    pub patient_id_key: Option<String>,
    pub accession_key: Option<String>,
    /// The free-text document: folded words separated by single spaces, with a space at
    /// each end so that a word's first and last trigrams are its own.
    pub search_text: String,
    /// Distinct `(field, key)` pairs, sorted.
    pub keys: Vec<(KeyField, String)>,
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The words of folded text: split on white space and punctuation that separates words in
/// names and descriptions; a hyphenated word gives its parts and itself.
fn words(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in folded.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '(' | ')' | '.' | ':' | '"')) {
        if w.is_empty() {
            continue;
        }
        if w.contains('-') {
            out.extend(w.split('-').filter(|p| !p.is_empty()).map(str::to_owned));
        }
        out.push(w.to_owned());
    }
    out
}

/// A DICOM person name (`Family^Given^Middle^Prefix^Suffix`, up to three groups separated
/// by `=`: alphabetic, ideographic, phonetic) as keys: each word of each component, and
/// each group whole with its `^` (for wildcard patterns over the whole name).
pub fn person_name_keys(name: &str) -> Vec<String> {
    let folded = fold(name.trim());
    let mut out = Vec::new();
    for group in folded.split('=') {
        let group = group.trim_end_matches('^').trim();
        if group.is_empty() {
            continue;
        }
        for component in group.split('^') {
            out.extend(words(component));
        }
        out.push(group.to_owned());
    }
    out
}

/// The case-folded, trimmed key of an identifier (patient ID, accession number).
pub fn identifier_key(id: &str) -> Option<String> {
    let key = fold(id.trim());
    (!key.is_empty()).then(|| cut(&key, MAX_KEY_CHARS))
}

impl SearchColumns {
    pub fn compute(input: &StudySearchInput) -> SearchColumns {
        let mut keys: Vec<(KeyField, String)> = Vec::new();
        let mut text: Vec<String> = Vec::new();
        let add_name = |field: KeyField, name: &Option<String>, keys: &mut Vec<(KeyField, String)>| {
            if let Some(name) = name {
                for k in person_name_keys(name) {
                    keys.push((field, k));
                }
            }
        };
        add_name(KeyField::PatientName, &input.patient_name, &mut keys);
        add_name(KeyField::Referring, &input.referring_physician_name, &mut keys);
        // Names in the free text: the words, not the whole groups.
        for name in [&input.patient_name, &input.referring_physician_name].into_iter().flatten() {
            for group in fold(name).split('=') {
                for component in group.split('^') {
                    text.extend(words(component));
                }
            }
        }
        let patient_id_key = input.patient_id.as_deref().and_then(identifier_key);
        let accession_key = input.accession_number.as_deref().and_then(identifier_key);
        text.extend(patient_id_key.iter().cloned());
        text.extend(accession_key.iter().cloned());
        let descriptions =
            std::iter::once(&input.study_description).chain(input.series.iter().flat_map(|(d, b)| [d, b])).flatten();
        for d in descriptions {
            for w in words(&fold(d)) {
                keys.push((KeyField::Description, w.clone()));
                text.push(w);
            }
        }
        if let Some(inst) = &input.institution_name {
            for w in words(&fold(inst)) {
                keys.push((KeyField::Institution, w.clone()));
                text.push(w);
            }
        }
        let mut keys: Vec<(KeyField, String)> =
            keys.into_iter().filter(|(_, k)| !k.is_empty()).map(|(f, k)| (f, cut(&k, MAX_KEY_CHARS))).collect();
        keys.sort();
        keys.dedup();
        // Each word once in the document: repeated series descriptions add nothing.
        let mut seen = std::collections::HashSet::new();
        text.retain(|w| seen.insert(w.clone()));
        let mut search_text = format!(" {} ", text.join(" "));
        if search_text.chars().count() > MAX_TEXT_CHARS {
            search_text = format!("{} ", cut(&search_text, MAX_TEXT_CHARS - 1));
        }
        SearchColumns {
            patient_name_folded: input.patient_name.as_deref().map(|n| fold(n.trim())),
            patient_id_key,
            accession_key,
            search_text,
            keys,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_name_gives_every_component_of_every_group() {
        assert_eq!(person_name_keys("MÜLLER^HANS"), ["muller", "hans", "muller^hans"]);
        assert_eq!(
            person_name_keys("Yamada^Tarou=山田^太郎=やまだ^たろう"),
            ["yamada", "tarou", "yamada^tarou", "山田", "太郎", "山田^太郎", "やまだ", "たろう", "やまだ^たろう"]
        );
        assert_eq!(person_name_keys("=山田^太郎"), ["山田", "太郎", "山田^太郎"]);
        assert_eq!(
            person_name_keys("Smith-Jones^Mary Ann^^Dr"),
            ["smith", "jones", "smith-jones", "mary", "ann", "dr", "smith-jones^mary ann^^dr"]
        );
        assert!(person_name_keys("  ").is_empty());
    }

    #[test]
    fn the_columns_hold_names_ids_and_descriptions_folded() {
        let cols = SearchColumns::compute(&StudySearchInput {
            patient_name: Some("Müller^Hans".into()),
            patient_id: Some(" pat-01 ".into()),
            accession_number: Some("ACC9".into()),
            study_description: Some("CT Thorax".into()),
            institution_name: Some("St. Mary's".into()),
            series: vec![(Some("Thorax axial".into()), Some("CHEST".into())), (Some("Thorax axial".into()), None)],
            ..Default::default()
        });
        assert_eq!(cols.patient_name_folded.as_deref(), Some("muller^hans"));
        assert_eq!(cols.patient_id_key.as_deref(), Some("pat-01"));
        assert_eq!(cols.accession_key.as_deref(), Some("acc9"));
        assert_eq!(cols.search_text, " muller hans pat-01 acc9 ct thorax axial chest st mary's ");
        assert!(cols.keys.contains(&(KeyField::Description, "chest".into())));
        assert!(cols.keys.contains(&(KeyField::Institution, "mary's".into())));
        assert!(cols.keys.contains(&(KeyField::PatientName, "muller^hans".into())));
    }
}
