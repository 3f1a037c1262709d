//! The attributes a rectification may change, and what each value must be by its VR
//! (PS3.5 6.2): parsed here, before any object is touched. Errors name the attribute and the
//! rule, never the value (it is patient data).

/// An attribute that can be corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attribute {
    AccessionNumber,
    StudyDescription,
    PatientName,
    PatientId,
    PatientBirthDate,
    PatientSex,
}

impl Attribute {
    pub const ALL: [Attribute; 6] = [
        Attribute::PatientName,
        Attribute::PatientId,
        Attribute::PatientBirthDate,
        Attribute::PatientSex,
        Attribute::AccessionNumber,
        Attribute::StudyDescription,
    ];

    /// The name the API and the audit trail use (the catalog's column).
    pub fn name(self) -> &'static str {
        match self {
            Attribute::PatientName => "patient_name",
            Attribute::PatientId => "patient_id",
            Attribute::PatientBirthDate => "patient_birth_date",
            Attribute::PatientSex => "patient_sex",
            Attribute::AccessionNumber => "accession_number",
            Attribute::StudyDescription => "study_description",
        }
    }

    pub fn parse_name(name: &str) -> Option<Attribute> {
        Attribute::ALL.into_iter().find(|a| a.name() == name)
    }

    pub(crate) fn tag(self) -> (u16, u16) {
        match self {
            Attribute::AccessionNumber => (0x0008, 0x0050),
            Attribute::StudyDescription => (0x0008, 0x1030),
            Attribute::PatientName => (0x0010, 0x0010),
            Attribute::PatientId => (0x0010, 0x0020),
            Attribute::PatientBirthDate => (0x0010, 0x0030),
            Attribute::PatientSex => (0x0010, 0x0040),
        }
    }

    pub(crate) fn vr(self) -> [u8; 2] {
        *match self {
            Attribute::AccessionNumber => b"SH",
            Attribute::StudyDescription | Attribute::PatientId => b"LO",
            Attribute::PatientName => b"PN",
            Attribute::PatientBirthDate => b"DA",
            Attribute::PatientSex => b"CS",
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            Attribute::AccessionNumber => "AccessionNumber (0008,0050)",
            Attribute::StudyDescription => "StudyDescription (0008,1030)",
            Attribute::PatientName => "PatientName (0010,0010)",
            Attribute::PatientId => "PatientID (0010,0020)",
            Attribute::PatientBirthDate => "PatientBirthDate (0010,0030)",
            Attribute::PatientSex => "PatientSex (0010,0040)",
        }
    }
}

/// Why a corrected value is not one its attribute can hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{attribute}: {why}")]
pub struct InvalidValue {
    pub attribute: &'static str,
    pub why: &'static str,
}

/// A value checked against its attribute's VR; empty means "unknown" (these attributes are
/// type 2: present, possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value(String);

impl Value {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses `raw` for `attribute`. Leading and trailing spaces are not significant in these
    /// VRs and are dropped.
    pub fn parse(attribute: Attribute, raw: &str) -> Result<Value, InvalidValue> {
        let bad = |why| InvalidValue { attribute: attribute.keyword(), why };
        let v = raw.trim_matches(' ');
        if v.chars().any(|c| c.is_control()) {
            return Err(bad("control characters are not allowed"));
        }
        if v.contains('\\') {
            return Err(bad("a backslash separates values and one value is expected"));
        }
        let chars = v.chars().count();
        match attribute {
            Attribute::PatientName => {
                let groups: Vec<&str> = v.split('=').collect();
                if groups.len() > 3 {
                    return Err(bad("a person name has at most three component groups (separated by '=')"));
                }
                if groups.iter().any(|g| g.split('^').count() > 5) {
                    return Err(bad("a person name has at most five components (separated by '^')"));
                }
                if groups.iter().any(|g| g.chars().count() > 64) {
                    return Err(bad("each component group of a person name is at most 64 characters"));
                }
            }
            Attribute::PatientId | Attribute::StudyDescription if chars > 64 => {
                return Err(bad("at most 64 characters (VR LO)"));
            }
            Attribute::AccessionNumber if chars > 16 => return Err(bad("at most 16 characters (VR SH)")),
            Attribute::PatientBirthDate if !v.is_empty() && !is_date(v) => {
                return Err(bad("a date is YYYYMMDD (VR DA), a real day"));
            }
            Attribute::PatientSex if !matches!(v, "" | "M" | "F" | "O") => {
                return Err(bad("M, F, O or empty (VR CS, defined terms)"));
            }
            _ => {}
        }
        Ok(Value(v.to_owned()))
    }
}

fn is_date(v: &str) -> bool {
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_held_to_their_vr() {
        assert!(Value::parse(Attribute::PatientName, "Doe^Jane^^Dr").is_ok());
        assert!(Value::parse(Attribute::PatientName, "Müller^Jürgen=ミュラー").is_ok());
        assert!(Value::parse(Attribute::PatientName, "a^b^c^d^e^f").is_err());
        assert!(Value::parse(Attribute::PatientName, "a\\b").is_err());
        assert!(Value::parse(Attribute::PatientId, "x\n").is_err());
        assert!(Value::parse(Attribute::PatientId, &"9".repeat(65)).is_err());
        assert!(Value::parse(Attribute::AccessionNumber, &"9".repeat(17)).is_err());
        assert!(Value::parse(Attribute::PatientBirthDate, "20240230").is_err());
        assert!(Value::parse(Attribute::PatientBirthDate, "2024-02-03").is_err());
        assert_eq!(Value::parse(Attribute::PatientBirthDate, "20240229").unwrap().as_str(), "20240229");
        assert!(Value::parse(Attribute::PatientSex, "X").is_err());
        assert_eq!(Value::parse(Attribute::PatientSex, " F ").unwrap().as_str(), "F");
        assert_eq!(Value::parse(Attribute::StudyDescription, "").unwrap().as_str(), "");
    }

    #[test]
    fn an_error_names_the_attribute_not_the_value() {
        let e = Value::parse(Attribute::PatientSex, "Secret").unwrap_err();
        assert!(!e.to_string().contains("Secret"));
        assert!(e.to_string().contains("PatientSex"));
    }
}
