//! PS3.15 Table E.1-1 as data, and what its codes mean for the options this profile uses.
//!
//! The rows are generated from the standard's table (see `table_generated.rs` and the test
//! below); nothing here lists attributes by hand. [`action`] resolves a row's basic-profile
//! code and option codes into the one thing done to an attribute.

/// A basic-profile code of Table E.1-1 (PS3.15 E.1.1, Table E.1-1a). Every code the
/// standard defines, including those its current table gives no attribute (K, C); the
/// names spell the standard's codes (`X/Z/D` is `XZD`).
#[allow(dead_code, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basic {
    /// Replace with a non-zero length dummy value consistent with the VR.
    D,
    /// Replace with a zero length value.
    Z,
    /// Remove.
    X,
    /// Keep.
    K,
    /// Clean: replace with values of similar meaning known not to identify.
    C,
    /// Replace with a non-zero length UID, consistent within the set of objects.
    U,
    /// Z unless D is required to maintain IOD conformance.
    ZD,
    /// X unless Z is required.
    XZ,
    /// X unless D is required.
    XD,
    /// X unless Z or D is required.
    XZD,
    /// X unless Z, or the replacement of the instance UIDs it contains, is required.
    XZU,
}

/// An option column's code: keep, or clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionCode {
    K,
    C,
}

/// One row of Table E.1-1: the attributes whose tag `t` satisfies `t & mask == tag`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub tag: u32,
    pub mask: u32,
    pub basic: Basic,
    /// Retain Longitudinal Temporal Information with Modified Dates Option.
    pub modified_dates: Option<OptionCode>,
    /// Clean Descriptors Option.
    pub clean_descriptors: Option<OptionCode>,
    /// Retain Patient Characteristics Option.
    pub patient_characteristics: Option<OptionCode>,
}

/// What is done to one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Keep,
    Remove,
    /// Present with an empty value (a sequence with no items).
    Empty,
    /// A dummy of the VR; a sequence is kept and its items are treated in turn.
    Dummy,
    /// Dates and date-times shifted, text cleaned; a sequence's items treated in turn.
    Clean,
    /// Every UID remapped; a sequence is kept and its items are treated in turn.
    Uid,
}

pub(crate) use super::table_generated::{ATTRIBUTES, PRIVATE};

/// The row for `tag`: an exact row first, then a row with a pattern (`50xx,xxxx`).
pub(crate) fn entry(tag: u32) -> Option<&'static Entry> {
    if let Ok(i) = ATTRIBUTES.binary_search_by_key(&tag, |e| e.tag).map(|i| &ATTRIBUTES[i]) {
        if i.mask == u32::MAX {
            return Some(i);
        }
    }
    ATTRIBUTES.iter().find(|e| e.mask != u32::MAX && tag & e.mask == e.tag)
}

/// What the profile with its three options does to `tag` (not private: see [`PRIVATE`]).
///
/// An option's code replaces the basic one. When two options name the same attribute, clean
/// wins over keep, so that no option keeps what another says must change. The combined codes
/// leave the choice to what the IOD requires, which is not known here for every object: the
/// choice that keeps any IOD conformant is taken (a dummy for Type 1, an empty value for
/// Type 2, the references kept with their UIDs remapped).
pub(crate) fn action(tag: u32) -> Action {
    let Some(e) = entry(tag) else {
        return Action::Keep;
    };
    let options = [e.modified_dates, e.clean_descriptors, e.patient_characteristics];
    if options.contains(&Some(OptionCode::C)) {
        return Action::Clean;
    }
    if options.contains(&Some(OptionCode::K)) {
        return Action::Keep;
    }
    basic_action(e.basic)
}

pub(crate) fn basic_action(basic: Basic) -> Action {
    match basic {
        Basic::K => Action::Keep,
        Basic::X => Action::Remove,
        Basic::Z | Basic::XZ => Action::Empty,
        Basic::D | Basic::ZD | Basic::XD | Basic::XZD => Action::Dummy,
        Basic::C => Action::Clean,
        Basic::U | Basic::XZU => Action::Uid,
    }
}

#[cfg(test)]
mod tests {
    //! The generator of `table_generated.rs`, run as a test: it fails when the checked-in
    //! file and the standard's JSON disagree, and rewrites the file when
    //! `FERRUM_REGENERATE_DEID_TABLE=1`.
    use super::*;

    const JSON: &str = include_str!("../../data/innolitics-dicom-standard/confidentiality_profile_attributes.json");
    const GENERATED: &str = include_str!("table_generated.rs");
    const GENERATED_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/deid/table_generated.rs");

    fn basic_code(code: &str) -> &'static str {
        match code {
            "D" => "D",
            "Z" => "Z",
            "X" => "X",
            "K" => "K",
            "C" => "C",
            "U" => "U",
            "Z/D" => "ZD",
            "X/Z" => "XZ",
            "X/D" => "XD",
            "X/Z/D" => "XZD",
            "X/Z/U*" => "XZU",
            other => panic!("a basic-profile code this generator does not know: {other}"),
        }
    }

    fn option_code(row: &serde_json::Value, column: &str) -> &'static str {
        match row.get(column).and_then(|v| v.as_str()) {
            None => "None",
            Some("K") => "Some(OptionCode::K)",
            Some("C") => "Some(OptionCode::C)",
            Some(other) => panic!("an option code this generator does not know: {other} in {column}"),
        }
    }

    /// `(gggg,eeee)` with `X` for any hex digit: the value and the mask of the fixed digits.
    fn tag_and_mask(tag: &str) -> Option<(u32, u32)> {
        let digits: String = tag.trim_matches(|c| c == '(' || c == ')').replace(',', "");
        if digits.len() != 8 {
            return None;
        }
        let (mut value, mut mask) = (0u32, 0u32);
        for c in digits.chars() {
            value <<= 4;
            mask <<= 4;
            if c != 'X' && c != 'x' {
                value |= c.to_digit(16)?;
                mask |= 0xF;
            }
        }
        Some((value, mask))
    }

    fn generate() -> String {
        let rows: Vec<serde_json::Value> = serde_json::from_str(JSON).expect("the table is JSON");
        let mut exact = Vec::new();
        let mut private = None;
        for row in &rows {
            let tag = row["tag"].as_str().expect("every row has a tag");
            let basic = basic_code(row["basicProfile"].as_str().expect("every row has a basic code"));
            let Some((value, mask)) = tag_and_mask(tag) else {
                assert!(tag.contains("IS ODD"), "a tag this generator does not read: {tag}");
                private = Some(basic);
                continue;
            };
            // One line per row: names hold line breaks where the standard's cell wraps.
            let name = row["name"].as_str().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
            exact.push((
                value,
                format!(
                    "    // {tag} {name}\n    Entry {{ tag: 0x{:04X}_{:04X}, mask: 0x{:04X}_{:04X}, basic: Basic::{basic}, \
                     modified_dates: {}, clean_descriptors: {}, patient_characteristics: {} }},\n",
                    value >> 16,
                    value & 0xFFFF,
                    mask >> 16,
                    mask & 0xFFFF,
                    option_code(row, "rtnLongModifDatesOpt"),
                    option_code(row, "cleanDescOpt"),
                    option_code(row, "rtnPatCharsOpt"),
                ),
            ));
        }
        exact.sort_by_key(|(tag, _)| *tag);
        let private = private.expect("the table has a row for private attributes");
        let mut out = String::from(
            "// @generated from data/innolitics-dicom-standard/confidentiality_profile_attributes.json\n\
             // (PS3.15 Table E.1-1) by the test in table.rs; do not edit. To regenerate:\n\
             // FERRUM_REGENERATE_DEID_TABLE=1 cargo test --workspace --lib deid::table\n\
             use super::table::{Basic, Entry, OptionCode};\n\n\
             /// The basic-profile code of private attributes (odd groups).\n",
        );
        out.push_str(&format!("pub(crate) const PRIVATE: Basic = Basic::{private};\n\n"));
        out.push_str("/// Every other row, sorted by tag (patterns such as `50xx,xxxx` by their fixed digits).\n");
        out.push_str("#[rustfmt::skip]\npub(crate) static ATTRIBUTES: &[Entry] = &[\n");
        for (_, line) in exact {
            out.push_str(&line);
        }
        out.push_str("];\n");
        out
    }

    #[test]
    fn generated_table_matches_the_standard() {
        let generated = generate();
        if std::env::var_os("FERRUM_REGENERATE_DEID_TABLE").is_some() {
            std::fs::write(GENERATED_PATH, &generated).expect("write table_generated.rs");
            return;
        }
        assert!(
            GENERATED == generated,
            "table_generated.rs does not match the standard's JSON; regenerate it with \
             FERRUM_REGENERATE_DEID_TABLE=1 cargo test --workspace --lib deid::table"
        );
    }

    #[test]
    fn options_resolve_as_the_standard_says() {
        // Patient Name: Z.
        assert_eq!(action(0x0010_0010), Action::Empty);
        // Patient ID: Z/D, a dummy (a pseudonym).
        assert_eq!(action(0x0010_0020), Action::Dummy);
        // Patient's Birth Date: Z, no option keeps or shifts it.
        assert_eq!(action(0x0010_0030), Action::Empty);
        // Patient's Sex, Age, Weight: kept with Retain Patient Characteristics.
        assert_eq!(action(0x0010_0040), Action::Keep);
        assert_eq!(action(0x0010_1010), Action::Keep);
        assert_eq!(action(0x0010_1030), Action::Keep);
        // Study Date: Z in the basic profile, C (shifted) with Modified Dates.
        assert_eq!(action(0x0008_0020), Action::Clean);
        // Study Description: X, C with Clean Descriptors.
        assert_eq!(action(0x0008_1030), Action::Clean);
        // Accession Number: Z. Institution Name: X/Z/D.
        assert_eq!(action(0x0008_0050), Action::Empty);
        assert_eq!(action(0x0008_0080), Action::Dummy);
        // Referring Physician's Name: Z. Operators' Name: X/Z/D.
        assert_eq!(action(0x0008_0090), Action::Empty);
        // UIDs: U; references: X/Z/U*.
        assert_eq!(action(0x0008_0018), Action::Uid);
        assert_eq!(action(0x0020_000D), Action::Uid);
        assert_eq!(action(0x0008_1155), Action::Uid);
        assert_eq!(action(0x0008_1140), Action::Uid);
        // Curves and overlays by pattern; an attribute not in the table is kept.
        assert_eq!(action(0x5002_3000), Action::Remove);
        assert_eq!(action(0x6000_3000), Action::Remove);
        assert_eq!(action(0x0028_0010), Action::Keep);
        assert_eq!(basic_action(PRIVATE), Action::Remove);
    }
}
