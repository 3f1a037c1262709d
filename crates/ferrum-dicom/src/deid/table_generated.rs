// @generated from data/innolitics-dicom-standard/confidentiality_profile_attributes.json
// (PS3.15 Table E.1-1) by the test in table.rs; do not edit. To regenerate:
// FERRUM_REGENERATE_DEID_TABLE=1 cargo test --workspace --lib deid::table
use super::table::{Basic, Entry, OptionCode};

/// The basic-profile code of private attributes (odd groups).
pub(crate) const PRIVATE: Basic = Basic::X;

/// Every other row, sorted by tag (patterns such as `50xx,xxxx` by their fixed digits).
#[rustfmt::skip]
pub(crate) static ATTRIBUTES: &[Entry] = &[
    // (0000,1000) Affected SOP Instance UID
    Entry { tag: 0x0000_1000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0000,1001) Requested SOP Instance UID
    Entry { tag: 0x0000_1001, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0002,0003) Media Storage SOP Instance UID
    Entry { tag: 0x0002_0003, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0004,1511) Referenced SOP Instance UID in File
    Entry { tag: 0x0004_1511, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0012) Instance Creation Date
    Entry { tag: 0x0008_0012, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0013) Instance Creation Time
    Entry { tag: 0x0008_0013, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0014) Instance Creator UID
    Entry { tag: 0x0008_0014, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0015) Instance Coercion DateTime
    Entry { tag: 0x0008_0015, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0017) Acquisition UID
    Entry { tag: 0x0008_0017, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0018) SOP Instance UID
    Entry { tag: 0x0008_0018, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0019) Pyramid UID
    Entry { tag: 0x0008_0019, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0020) Study Date
    Entry { tag: 0x0008_0020, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0021) Series Date
    Entry { tag: 0x0008_0021, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0022) Acquisition Date
    Entry { tag: 0x0008_0022, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0023) Content Date
    Entry { tag: 0x0008_0023, mask: 0xFFFF_FFFF, basic: Basic::ZD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0024) Overlay Date
    Entry { tag: 0x0008_0024, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0025) Curve Date
    Entry { tag: 0x0008_0025, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,002A) Acquisition DateTime
    Entry { tag: 0x0008_002A, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0030) Study Time
    Entry { tag: 0x0008_0030, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0031) Series Time
    Entry { tag: 0x0008_0031, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0032) Acquisition Time
    Entry { tag: 0x0008_0032, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0033) Content Time
    Entry { tag: 0x0008_0033, mask: 0xFFFF_FFFF, basic: Basic::ZD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0034) Overlay Time
    Entry { tag: 0x0008_0034, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0035) Curve Time
    Entry { tag: 0x0008_0035, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0050) Accession Number
    Entry { tag: 0x0008_0050, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0054) Retrieve AE Title
    Entry { tag: 0x0008_0054, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0055) Station AE Title
    Entry { tag: 0x0008_0055, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0058) Failed SOP Instance UID List
    Entry { tag: 0x0008_0058, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0080) Institution Name
    Entry { tag: 0x0008_0080, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0081) Institution Address
    Entry { tag: 0x0008_0081, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0082) Institution Code Sequence
    Entry { tag: 0x0008_0082, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0090) Referring Physician's Name
    Entry { tag: 0x0008_0090, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0092) Referring Physician's Address
    Entry { tag: 0x0008_0092, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0094) Referring Physician's Telephone Numbers
    Entry { tag: 0x0008_0094, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0096) Referring Physician Identification Sequence
    Entry { tag: 0x0008_0096, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,009C) Consulting Physician's Name
    Entry { tag: 0x0008_009C, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,009D) Consulting Physician Identification Sequence
    Entry { tag: 0x0008_009D, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,0106) Context Group Version
    Entry { tag: 0x0008_0106, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0107) Context Group Local Version
    Entry { tag: 0x0008_0107, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,0201) Timezone Offset From UTC
    Entry { tag: 0x0008_0201, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0008,1000) Network ID
    Entry { tag: 0x0008_1000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1010) Station Name
    Entry { tag: 0x0008_1010, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1030) Study Description
    Entry { tag: 0x0008_1030, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0008,103E) Series Description
    Entry { tag: 0x0008_103E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0008,1040) Institutional Department Name
    Entry { tag: 0x0008_1040, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1041) Institutional Department Type Code Sequence
    Entry { tag: 0x0008_1041, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1048) Physician(s) of Record
    Entry { tag: 0x0008_1048, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1049) Physician(s) of Record Identification Sequence
    Entry { tag: 0x0008_1049, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1050) Performing Physician's Name
    Entry { tag: 0x0008_1050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1052) Performing Physician Identification Sequence
    Entry { tag: 0x0008_1052, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1060) Name of Physician(s) Reading Study
    Entry { tag: 0x0008_1060, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1062) Physician(s) Reading Study Identification Sequence
    Entry { tag: 0x0008_1062, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1070) Operators' Name
    Entry { tag: 0x0008_1070, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1072) Operator Identification Sequence
    Entry { tag: 0x0008_1072, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1080) Admitting Diagnoses Description
    Entry { tag: 0x0008_1080, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0008,1084) Admitting Diagnoses Code Sequence
    Entry { tag: 0x0008_1084, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0008,1088) Pyramid Description
    Entry { tag: 0x0008_1088, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0008,1110) Referenced Study Sequence
    Entry { tag: 0x0008_1110, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1111) Referenced Performed Procedure Step Sequence
    Entry { tag: 0x0008_1111, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1120) Referenced Patient Sequence
    Entry { tag: 0x0008_1120, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1140) Referenced Image Sequence
    Entry { tag: 0x0008_1140, mask: 0xFFFF_FFFF, basic: Basic::XZU, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1155) Referenced SOP Instance UID
    Entry { tag: 0x0008_1155, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,1195) Transaction UID
    Entry { tag: 0x0008_1195, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,2111) Derivation Description
    Entry { tag: 0x0008_2111, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0008,2112) Source Image Sequence
    Entry { tag: 0x0008_2112, mask: 0xFFFF_FFFF, basic: Basic::XZU, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,3010) Irradiation Event UID
    Entry { tag: 0x0008_3010, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0008,4000) Identifying Comments
    Entry { tag: 0x0008_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0010,0010) Patient's Name
    Entry { tag: 0x0010_0010, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,0020) Patient ID
    Entry { tag: 0x0010_0020, mask: 0xFFFF_FFFF, basic: Basic::ZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,0021) Issuer of Patient ID
    Entry { tag: 0x0010_0021, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,0030) Patient's Birth Date
    Entry { tag: 0x0010_0030, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,0032) Patient's Birth Time
    Entry { tag: 0x0010_0032, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,0040) Patient's Sex
    Entry { tag: 0x0010_0040, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,0050) Patient's Insurance Plan Code Sequence
    Entry { tag: 0x0010_0050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,0101) Patient's Primary Language Code Sequence
    Entry { tag: 0x0010_0101, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,0102) Patient's Primary Language Modifier Code Sequence
    Entry { tag: 0x0010_0102, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1000) Other Patient IDs
    Entry { tag: 0x0010_1000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1001) Other Patient Names
    Entry { tag: 0x0010_1001, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1002) Other Patient IDs Sequence
    Entry { tag: 0x0010_1002, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1005) Patient's Birth Name
    Entry { tag: 0x0010_1005, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1010) Patient's Age
    Entry { tag: 0x0010_1010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,1020) Patient's Size
    Entry { tag: 0x0010_1020, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,1030) Patient's Weight
    Entry { tag: 0x0010_1030, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,1040) Patient's Address
    Entry { tag: 0x0010_1040, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1050) Insurance Plan Identification
    Entry { tag: 0x0010_1050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1060) Patient's Mother's Birth Name
    Entry { tag: 0x0010_1060, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1080) Military Rank
    Entry { tag: 0x0010_1080, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1081) Branch of Service
    Entry { tag: 0x0010_1081, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1090) Medical Record Locator
    Entry { tag: 0x0010_1090, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,1100) Referenced Patient Photo Sequence
    Entry { tag: 0x0010_1100, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,2000) Medical Alerts
    Entry { tag: 0x0010_2000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0010,2110) Allergies
    Entry { tag: 0x0010_2110, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: Some(OptionCode::C) },
    // (0010,2150) Country of Residence
    Entry { tag: 0x0010_2150, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,2152) Region of Residence
    Entry { tag: 0x0010_2152, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,2154) Patient's Telephone Numbers
    Entry { tag: 0x0010_2154, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,2155) Patient's Telecom Information
    Entry { tag: 0x0010_2155, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,2160) Ethnic Group
    Entry { tag: 0x0010_2160, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,2180) Occupation
    Entry { tag: 0x0010_2180, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0010,21A0) Smoking Status
    Entry { tag: 0x0010_21A0, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,21B0) Additional Patient History
    Entry { tag: 0x0010_21B0, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0010,21C0) Pregnancy Status
    Entry { tag: 0x0010_21C0, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,21D0) Last Menstrual Date
    Entry { tag: 0x0010_21D0, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0010,21F0) Patient's Religious Preference
    Entry { tag: 0x0010_21F0, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,2203) Patient's Sex Neutered
    Entry { tag: 0x0010_2203, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0010,2297) Responsible Person
    Entry { tag: 0x0010_2297, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,2299) Responsible Organization
    Entry { tag: 0x0010_2299, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0010,4000) Patient Comments
    Entry { tag: 0x0010_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0012,0010) Clinical Trial Sponsor Name
    Entry { tag: 0x0012_0010, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0020) Clinical Trial Protocol ID
    Entry { tag: 0x0012_0020, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0021) Clinical Trial Protocol Name
    Entry { tag: 0x0012_0021, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0022) Issuer of Clinical Trial Protocol ID
    Entry { tag: 0x0012_0022, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0023) Other Clinical Trial Protocol IDs Sequence
    Entry { tag: 0x0012_0023, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0030) Clinical Trial Site ID
    Entry { tag: 0x0012_0030, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0031) Clinical Trial Site Name
    Entry { tag: 0x0012_0031, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0032) Issuer of Clinical Trial Site ID
    Entry { tag: 0x0012_0032, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0040) Clinical Trial Subject ID
    Entry { tag: 0x0012_0040, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0041) Issuer of Clinical Trial Subject ID
    Entry { tag: 0x0012_0041, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0042) Clinical Trial Subject Reading ID
    Entry { tag: 0x0012_0042, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0043) Issuer of Clinical Trial Subject Reading ID
    Entry { tag: 0x0012_0043, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0050) Clinical Trial Time Point ID
    Entry { tag: 0x0012_0050, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0051) Clinical Trial Time Point Description
    Entry { tag: 0x0012_0051, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0012,0055) Issuer of Clinical Trial Time Point ID
    Entry { tag: 0x0012_0055, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0060) Clinical Trial Coordinating Center Name
    Entry { tag: 0x0012_0060, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0071) Clinical Trial Series ID
    Entry { tag: 0x0012_0071, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0072) Clinical Trial Series Description
    Entry { tag: 0x0012_0072, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0012,0073) Issuer of Clinical Trial Series ID
    Entry { tag: 0x0012_0073, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0081) Clinical Trial Protocol Ethics Committee Name
    Entry { tag: 0x0012_0081, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0082) Clinical Trial Protocol Ethics Committee Approval Number
    Entry { tag: 0x0012_0082, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0012,0086) Ethics Committee Approval Effectiveness Start Date
    Entry { tag: 0x0012_0086, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0012,0087) Ethics Committee Approval Effectiveness End Date
    Entry { tag: 0x0012_0087, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0014,407C) Calibration Time
    Entry { tag: 0x0014_407C, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0014,407E) Calibration Date
    Entry { tag: 0x0014_407E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0016,002B) Maker Note
    Entry { tag: 0x0016_002B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0016,004B) Device Setting Description
    Entry { tag: 0x0016_004B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0016,004D) Camera Owner Name
    Entry { tag: 0x0016_004D, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,004E) Lens Specification
    Entry { tag: 0x0016_004E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,004F) Lens Make
    Entry { tag: 0x0016_004F, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0050) Lens Model
    Entry { tag: 0x0016_0050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0051) Lens Serial Number
    Entry { tag: 0x0016_0051, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0070) GPS Version ID
    Entry { tag: 0x0016_0070, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0071) GPS Latitude Ref
    Entry { tag: 0x0016_0071, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0072) GPS Latitude
    Entry { tag: 0x0016_0072, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0073) GPS Longitude Ref
    Entry { tag: 0x0016_0073, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0074) GPS Longitude
    Entry { tag: 0x0016_0074, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0075) GPS Altitude Ref
    Entry { tag: 0x0016_0075, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0076) GPS Altitude
    Entry { tag: 0x0016_0076, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0077) GPS Time Stamp
    Entry { tag: 0x0016_0077, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0078) GPS Satellites
    Entry { tag: 0x0016_0078, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0079) GPS Status
    Entry { tag: 0x0016_0079, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,007A) GPS Measure Mode
    Entry { tag: 0x0016_007A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,007B) GPS DOP
    Entry { tag: 0x0016_007B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,007C) GPS Speed Ref
    Entry { tag: 0x0016_007C, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,007D) GPS Speed
    Entry { tag: 0x0016_007D, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,007E) GPS Track Ref
    Entry { tag: 0x0016_007E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,007F) GPS Track
    Entry { tag: 0x0016_007F, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0080) GPS Img Direction Ref
    Entry { tag: 0x0016_0080, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0081) GPS Img Direction
    Entry { tag: 0x0016_0081, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0082) GPS Map Datum
    Entry { tag: 0x0016_0082, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0083) GPS Dest Latitude Ref
    Entry { tag: 0x0016_0083, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0084) GPS Dest Latitude
    Entry { tag: 0x0016_0084, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0085) GPS Dest Longitude Ref
    Entry { tag: 0x0016_0085, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0086) GPS Dest Longitude
    Entry { tag: 0x0016_0086, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0087) GPS Dest Bearing Ref
    Entry { tag: 0x0016_0087, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0088) GPS Dest Bearing
    Entry { tag: 0x0016_0088, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,0089) GPS Dest Distance Ref
    Entry { tag: 0x0016_0089, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,008A) GPS Dest Distance
    Entry { tag: 0x0016_008A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,008B) GPS Processing Method
    Entry { tag: 0x0016_008B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,008C) GPS Area Information
    Entry { tag: 0x0016_008C, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0016,008D) GPS Date Stamp
    Entry { tag: 0x0016_008D, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0016,008E) GPS Differential
    Entry { tag: 0x0016_008E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,0010) Contrast/Bolus Agent
    Entry { tag: 0x0018_0010, mask: 0xFFFF_FFFF, basic: Basic::ZD, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,0027) Intervention Drug Stop Time
    Entry { tag: 0x0018_0027, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,0035) Intervention Drug Start Time
    Entry { tag: 0x0018_0035, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1000) Device Serial Number
    Entry { tag: 0x0018_1000, mask: 0xFFFF_FFFF, basic: Basic::XZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,1002) Device UID
    Entry { tag: 0x0018_1002, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,1004) Plate ID
    Entry { tag: 0x0018_1004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,1005) Generator ID
    Entry { tag: 0x0018_1005, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,1007) Cassette ID
    Entry { tag: 0x0018_1007, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,1008) Gantry ID
    Entry { tag: 0x0018_1008, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,1009) Unique Device Identifier
    Entry { tag: 0x0018_1009, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,100A) UDI Sequence
    Entry { tag: 0x0018_100A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,100B) Manufacturer's Device Class UID
    Entry { tag: 0x0018_100B, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,1012) Date of Secondary Capture
    Entry { tag: 0x0018_1012, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1014) Time of Secondary Capture
    Entry { tag: 0x0018_1014, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1030) Protocol Name
    Entry { tag: 0x0018_1030, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,1042) Contrast/Bolus Start Time
    Entry { tag: 0x0018_1042, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1043) Contrast/Bolus Stop Time
    Entry { tag: 0x0018_1043, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1072) Radiopharmaceutical Start Time
    Entry { tag: 0x0018_1072, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1073) Radiopharmaceutical Stop Time
    Entry { tag: 0x0018_1073, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1078) Radiopharmaceutical Start DateTime
    Entry { tag: 0x0018_1078, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1079) Radiopharmaceutical Stop DateTime
    Entry { tag: 0x0018_1079, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,11BB) Acquisition Field Of View Label
    Entry { tag: 0x0018_11BB, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,1200) Date of Last Calibration
    Entry { tag: 0x0018_1200, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1201) Time of Last Calibration
    Entry { tag: 0x0018_1201, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1202) DateTime of Last Calibration
    Entry { tag: 0x0018_1202, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1203) Calibration DateTime
    Entry { tag: 0x0018_1203, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1204) Date of Manufacture
    Entry { tag: 0x0018_1204, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1205) Date of Installation
    Entry { tag: 0x0018_1205, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,1400) Acquisition Device Processing Description
    Entry { tag: 0x0018_1400, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,2042) Target UID
    Entry { tag: 0x0018_2042, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,4000) Acquisition Comments
    Entry { tag: 0x0018_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,5011) Transducer Identification Sequence
    Entry { tag: 0x0018_5011, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,700A) Detector ID
    Entry { tag: 0x0018_700A, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,700C) Date of Last Detector Calibration
    Entry { tag: 0x0018_700C, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,700E) Time of Last Detector Calibration
    Entry { tag: 0x0018_700E, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9074) Frame Acquisition DateTime
    Entry { tag: 0x0018_9074, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9151) Frame Reference DateTime
    Entry { tag: 0x0018_9151, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9185) Respiratory Motion Compensation Technique Description
    Entry { tag: 0x0018_9185, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,9367) X-Ray Source ID
    Entry { tag: 0x0018_9367, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,9369) Source Start DateTime
    Entry { tag: 0x0018_9369, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,936A) Source End DateTime
    Entry { tag: 0x0018_936A, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9371) X-Ray Detector ID
    Entry { tag: 0x0018_9371, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,9373) X-Ray Detector Label
    Entry { tag: 0x0018_9373, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0018,937B) Multi-energy Acquisition Description
    Entry { tag: 0x0018_937B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,937F) Decomposition Description
    Entry { tag: 0x0018_937F, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,9424) Acquisition Protocol Description
    Entry { tag: 0x0018_9424, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,9516) Start Acquisition DateTime
    Entry { tag: 0x0018_9516, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9517) End Acquisition DateTime
    Entry { tag: 0x0018_9517, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9623) Functional Sync Pulse
    Entry { tag: 0x0018_9623, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9701) Decay Correction DateTime
    Entry { tag: 0x0018_9701, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9804) Exclusion Start DateTime
    Entry { tag: 0x0018_9804, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9919) Instruction Performed DateTime
    Entry { tag: 0x0018_9919, mask: 0xFFFF_FFFF, basic: Basic::ZD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,9937) Requested Series Description
    Entry { tag: 0x0018_9937, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0018,A002) Contribution DateTime
    Entry { tag: 0x0018_A002, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0018,A003) Contribution Description
    Entry { tag: 0x0018_A003, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0020,000D) Study Instance UID
    Entry { tag: 0x0020_000D, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,000E) Series Instance UID
    Entry { tag: 0x0020_000E, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,0010) Study ID
    Entry { tag: 0x0020_0010, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,0027) Pyramid Label
    Entry { tag: 0x0020_0027, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0020,0052) Frame of Reference UID
    Entry { tag: 0x0020_0052, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,0200) Synchronization Frame of Reference UID
    Entry { tag: 0x0020_0200, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,3401) Modifying Device ID
    Entry { tag: 0x0020_3401, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,3403) Modified Image Date
    Entry { tag: 0x0020_3403, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0020,3405) Modified Image Time
    Entry { tag: 0x0020_3405, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0020,3406) Modified Image Description
    Entry { tag: 0x0020_3406, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,4000) Image Comments
    Entry { tag: 0x0020_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0020,9158) Frame Comments
    Entry { tag: 0x0020_9158, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0020,9161) Concatenation UID
    Entry { tag: 0x0020_9161, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0020,9164) Dimension Organization UID
    Entry { tag: 0x0020_9164, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0028,1199) Palette Color Lookup Table UID
    Entry { tag: 0x0028_1199, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0028,1214) Large Palette Color Lookup Table UID
    Entry { tag: 0x0028_1214, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0028,4000) Image Presentation Comments
    Entry { tag: 0x0028_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0032,0012) Study ID Issuer
    Entry { tag: 0x0032_0012, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0032,0032) Study Verified Date
    Entry { tag: 0x0032_0032, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,0033) Study Verified Time
    Entry { tag: 0x0032_0033, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,0034) Study Read Date
    Entry { tag: 0x0032_0034, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,0035) Study Read Time
    Entry { tag: 0x0032_0035, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1000) Scheduled Study Start Date
    Entry { tag: 0x0032_1000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1001) Scheduled Study Start Time
    Entry { tag: 0x0032_1001, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1010) Scheduled Study Stop Date
    Entry { tag: 0x0032_1010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1011) Scheduled Study Stop Time
    Entry { tag: 0x0032_1011, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1020) Scheduled Study Location
    Entry { tag: 0x0032_1020, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0032,1021) Scheduled Study Location AE Title
    Entry { tag: 0x0032_1021, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0032,1030) Reason for Study
    Entry { tag: 0x0032_1030, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0032,1032) Requesting Physician
    Entry { tag: 0x0032_1032, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0032,1033) Requesting Service
    Entry { tag: 0x0032_1033, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0032,1040) Study Arrival Date
    Entry { tag: 0x0032_1040, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1041) Study Arrival Time
    Entry { tag: 0x0032_1041, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1050) Study Completion Date
    Entry { tag: 0x0032_1050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1051) Study Completion Time
    Entry { tag: 0x0032_1051, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0032,1060) Requested Procedure Description
    Entry { tag: 0x0032_1060, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0032,1066) Reason for Visit
    Entry { tag: 0x0032_1066, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0032,1067) Reason for Visit Code Sequence
    Entry { tag: 0x0032_1067, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0032,1070) Requested Contrast Agent
    Entry { tag: 0x0032_1070, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0032,4000) Study Comments
    Entry { tag: 0x0032_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0034,0001) Flow Identifier Sequence
    Entry { tag: 0x0034_0001, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0034,0002) Flow Identifier
    Entry { tag: 0x0034_0002, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0034,0005) Source Identifier
    Entry { tag: 0x0034_0005, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0034,0007) Frame Origin Timestamp
    Entry { tag: 0x0034_0007, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,0004) Referenced Patient Alias Sequence
    Entry { tag: 0x0038_0004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0010) Admission ID
    Entry { tag: 0x0038_0010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0011) Issuer of Admission ID
    Entry { tag: 0x0038_0011, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0014) Issuer of Admission ID Sequence
    Entry { tag: 0x0038_0014, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,001A) Scheduled Admission Date
    Entry { tag: 0x0038_001A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,001B) Scheduled Admission Time
    Entry { tag: 0x0038_001B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,001C) Scheduled Discharge Date
    Entry { tag: 0x0038_001C, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,001D) Scheduled Discharge Time
    Entry { tag: 0x0038_001D, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,001E) Scheduled Patient Institution Residence
    Entry { tag: 0x0038_001E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0020) Admitting Date
    Entry { tag: 0x0038_0020, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,0021) Admitting Time
    Entry { tag: 0x0038_0021, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,0030) Discharge Date
    Entry { tag: 0x0038_0030, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,0032) Discharge Time
    Entry { tag: 0x0038_0032, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0038,0040) Discharge Diagnosis Description
    Entry { tag: 0x0038_0040, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0038,0050) Special Needs
    Entry { tag: 0x0038_0050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::C) },
    // (0038,0060) Service Episode ID
    Entry { tag: 0x0038_0060, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0061) Issuer of Service Episode ID
    Entry { tag: 0x0038_0061, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0062) Service Episode Description
    Entry { tag: 0x0038_0062, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0038,0064) Issuer of Service Episode ID Sequence
    Entry { tag: 0x0038_0064, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0300) Current Patient Location
    Entry { tag: 0x0038_0300, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0400) Patient's Institution Residence
    Entry { tag: 0x0038_0400, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0038,0500) Patient State
    Entry { tag: 0x0038_0500, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: Some(OptionCode::C) },
    // (0038,4000) Visit Comments
    Entry { tag: 0x0038_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (003A,0310) Multiplex Group UID
    Entry { tag: 0x003A_0310, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (003A,0314) Impedance Measurement DateTime
    Entry { tag: 0x003A_0314, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (003A,0329) Waveform Filter Description
    Entry { tag: 0x003A_0329, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (003A,032B) Filter Lookup Table Description
    Entry { tag: 0x003A_032B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0001) Scheduled Station AE Title
    Entry { tag: 0x0040_0001, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0002) Scheduled Procedure Step Start Date
    Entry { tag: 0x0040_0002, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0003) Scheduled Procedure Step Start Time
    Entry { tag: 0x0040_0003, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0004) Scheduled Procedure Step End Date
    Entry { tag: 0x0040_0004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0005) Scheduled Procedure Step End Time
    Entry { tag: 0x0040_0005, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0006) Scheduled Performing Physician's Name
    Entry { tag: 0x0040_0006, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0007) Scheduled Procedure Step Description
    Entry { tag: 0x0040_0007, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0009) Scheduled Procedure Step ID
    Entry { tag: 0x0040_0009, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,000B) Scheduled Performing Physician Identification Sequence
    Entry { tag: 0x0040_000B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0010) Scheduled Station Name
    Entry { tag: 0x0040_0010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0011) Scheduled Procedure Step Location
    Entry { tag: 0x0040_0011, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0012) Pre-Medication
    Entry { tag: 0x0040_0012, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::C) },
    // (0040,0241) Performed Station AE Title
    Entry { tag: 0x0040_0241, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0242) Performed Station Name
    Entry { tag: 0x0040_0242, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0243) Performed Location
    Entry { tag: 0x0040_0243, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0244) Performed Procedure Step Start Date
    Entry { tag: 0x0040_0244, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0245) Performed Procedure Step Start Time
    Entry { tag: 0x0040_0245, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0250) Performed Procedure Step End Date
    Entry { tag: 0x0040_0250, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0251) Performed Procedure Step End Time
    Entry { tag: 0x0040_0251, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,0253) Performed Procedure Step ID
    Entry { tag: 0x0040_0253, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0254) Performed Procedure Step Description
    Entry { tag: 0x0040_0254, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0275) Request Attributes Sequence
    Entry { tag: 0x0040_0275, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0280) Comments on the Performed Procedure Step
    Entry { tag: 0x0040_0280, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0310) Comments on Radiation Dose
    Entry { tag: 0x0040_0310, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,050A) Specimen Accession Number
    Entry { tag: 0x0040_050A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0512) Container Identifier
    Entry { tag: 0x0040_0512, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0513) Issuer of the Container Identifier Sequence
    Entry { tag: 0x0040_0513, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,051A) Container Description
    Entry { tag: 0x0040_051A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0551) Specimen Identifier
    Entry { tag: 0x0040_0551, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0554) Specimen UID
    Entry { tag: 0x0040_0554, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0555) Acquisition Context Sequence
    Entry { tag: 0x0040_0555, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0562) Issuer of the Specimen Identifier Sequence
    Entry { tag: 0x0040_0562, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,0600) Specimen Short Description
    Entry { tag: 0x0040_0600, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0602) Specimen Detailed Description
    Entry { tag: 0x0040_0602, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,0610) Specimen Preparation Sequence
    Entry { tag: 0x0040_0610, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,06FA) Slide Identifier
    Entry { tag: 0x0040_06FA, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1001) Requested Procedure ID
    Entry { tag: 0x0040_1001, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1002) Reason for the Requested Procedure
    Entry { tag: 0x0040_1002, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,1004) Patient Transport Arrangements
    Entry { tag: 0x0040_1004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1005) Requested Procedure Location
    Entry { tag: 0x0040_1005, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,100A) Reason for Requested Procedure Code Sequence
    Entry { tag: 0x0040_100A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,1010) Names of Intended Recipients of Results
    Entry { tag: 0x0040_1010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1011) Intended Recipients of Results Identification Sequence
    Entry { tag: 0x0040_1011, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1101) Person Identification Code Sequence
    Entry { tag: 0x0040_1101, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1102) Person's Address
    Entry { tag: 0x0040_1102, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1103) Person's Telephone Numbers
    Entry { tag: 0x0040_1103, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1104) Person's Telecom Information
    Entry { tag: 0x0040_1104, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,1400) Requested Procedure Comments
    Entry { tag: 0x0040_1400, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,2001) Reason for the Imaging Service Request
    Entry { tag: 0x0040_2001, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,2004) Issue Date of Imaging Service Request
    Entry { tag: 0x0040_2004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,2005) Issue Time of Imaging Service Request
    Entry { tag: 0x0040_2005, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,2008) Order Entered By
    Entry { tag: 0x0040_2008, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,2009) Order Enterer's Location
    Entry { tag: 0x0040_2009, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,2010) Order Callback Phone Number
    Entry { tag: 0x0040_2010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,2011) Order Callback Telecom Information
    Entry { tag: 0x0040_2011, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,2016) Placer Order Number / Imaging Service Request
    Entry { tag: 0x0040_2016, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,2017) Filler Order Number / Imaging Service Request
    Entry { tag: 0x0040_2017, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,2400) Imaging Service Request Comments
    Entry { tag: 0x0040_2400, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0040,3001) Confidentiality Constraint on Patient Data Description
    Entry { tag: 0x0040_3001, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4005) Scheduled Procedure Step Start DateTime
    Entry { tag: 0x0040_4005, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,4008) Scheduled Procedure Step Expiration DateTime
    Entry { tag: 0x0040_4008, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,4010) Scheduled Procedure Step Modification DateTime
    Entry { tag: 0x0040_4010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,4011) Expected Completion DateTime
    Entry { tag: 0x0040_4011, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,4023) Referenced General Purpose Scheduled Procedure Step Transaction UID
    Entry { tag: 0x0040_4023, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4025) Scheduled Station Name Code Sequence
    Entry { tag: 0x0040_4025, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4027) Scheduled Station Geographic Location Code Sequence
    Entry { tag: 0x0040_4027, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4028) Performed Station Name Code Sequence
    Entry { tag: 0x0040_4028, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4030) Performed Station Geographic Location Code Sequence
    Entry { tag: 0x0040_4030, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4034) Scheduled Human Performers Sequence
    Entry { tag: 0x0040_4034, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4035) Actual Human Performers Sequence
    Entry { tag: 0x0040_4035, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4036) Human Performer's Organization
    Entry { tag: 0x0040_4036, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4037) Human Performer's Name
    Entry { tag: 0x0040_4037, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,4050) Performed Procedure Step Start DateTime
    Entry { tag: 0x0040_4050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,4051) Performed Procedure Step End DateTime
    Entry { tag: 0x0040_4051, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,4052) Procedure Step Cancellation DateTime
    Entry { tag: 0x0040_4052, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A023) Findings Group Recording Date (Trial)
    Entry { tag: 0x0040_A023, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A024) Findings Group Recording Time (Trial)
    Entry { tag: 0x0040_A024, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A027) Verifying Organization
    Entry { tag: 0x0040_A027, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A030) Verification DateTime
    Entry { tag: 0x0040_A030, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A032) Observation DateTime
    Entry { tag: 0x0040_A032, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A033) Observation Start DateTime
    Entry { tag: 0x0040_A033, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A073) Verifying Observer Sequence
    Entry { tag: 0x0040_A073, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A075) Verifying Observer Name
    Entry { tag: 0x0040_A075, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A078) Author Observer Sequence
    Entry { tag: 0x0040_A078, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A07A) Participant Sequence
    Entry { tag: 0x0040_A07A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A07C) Custodial Organization Sequence
    Entry { tag: 0x0040_A07C, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A082) Participation DateTime
    Entry { tag: 0x0040_A082, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A088) Verifying Observer Identification Code Sequence
    Entry { tag: 0x0040_A088, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A110) Date of Document or Verbal Transaction (Trial)
    Entry { tag: 0x0040_A110, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A112) Time of Document Creation or Verbal Transaction (Trial)
    Entry { tag: 0x0040_A112, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A120) DateTime
    Entry { tag: 0x0040_A120, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A121) Date
    Entry { tag: 0x0040_A121, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A122) Time
    Entry { tag: 0x0040_A122, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A123) Person Name
    Entry { tag: 0x0040_A123, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A124) UID
    Entry { tag: 0x0040_A124, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A13A) Referenced DateTime
    Entry { tag: 0x0040_A13A, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A171) Observation UID
    Entry { tag: 0x0040_A171, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A172) Referenced Observation UID (Trial)
    Entry { tag: 0x0040_A172, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A192) Observation Date (Trial)
    Entry { tag: 0x0040_A192, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A193) Observation Time (Trial)
    Entry { tag: 0x0040_A193, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,A307) Current Observer (Trial)
    Entry { tag: 0x0040_A307, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A352) Verbal Source (Trial)
    Entry { tag: 0x0040_A352, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A353) Address (Trial)
    Entry { tag: 0x0040_A353, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A354) Telephone Number (Trial)
    Entry { tag: 0x0040_A354, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A358) Verbal Source Identifier Code Sequence (Trial)
    Entry { tag: 0x0040_A358, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A402) Observation Subject UID (Trial)
    Entry { tag: 0x0040_A402, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,A730) Content Sequence
    Entry { tag: 0x0040_A730, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,DB06) Template Version
    Entry { tag: 0x0040_DB06, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,DB07) Template Local Version
    Entry { tag: 0x0040_DB07, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0040,DB0C) Template Extension Organization UID
    Entry { tag: 0x0040_DB0C, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,DB0D) Template Extension Creator UID
    Entry { tag: 0x0040_DB0D, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0040,E004) HL7 Document Effective Time
    Entry { tag: 0x0040_E004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0042,0011) Encapsulated Document
    Entry { tag: 0x0042_0011, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0044,0004) Approval Status DateTime
    Entry { tag: 0x0044_0004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0044,000B) Product Expiration DateTime
    Entry { tag: 0x0044_000B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0044,0010) Substance Administration DateTime
    Entry { tag: 0x0044_0010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0044,0104) Assertion DateTime
    Entry { tag: 0x0044_0104, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0044,0105) Assertion Expiration DateTime
    Entry { tag: 0x0044_0105, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0050,001B) Container Component ID
    Entry { tag: 0x0050_001B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0050,0020) Device Description
    Entry { tag: 0x0050_0020, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0050,0021) Long Device Description
    Entry { tag: 0x0050_0021, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0062,0021) Tracking UID
    Entry { tag: 0x0062_0021, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0064,0003) Source Frame of Reference UID
    Entry { tag: 0x0064_0003, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0068,6226) Effective DateTime
    Entry { tag: 0x0068_6226, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0068,6270) Information Issue DateTime
    Entry { tag: 0x0068_6270, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (006A,0003) Annotation Group UID
    Entry { tag: 0x006A_0003, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (006A,0005) Annotation Group Label
    Entry { tag: 0x006A_0005, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (006A,0006) Annotation Group Description
    Entry { tag: 0x006A_0006, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0070,0001) Graphic Annotation Sequence
    Entry { tag: 0x0070_0001, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0070,0082) Presentation Creation Date
    Entry { tag: 0x0070_0082, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0070,0083) Presentation Creation Time
    Entry { tag: 0x0070_0083, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0070,0084) Content Creator's Name
    Entry { tag: 0x0070_0084, mask: 0xFFFF_FFFF, basic: Basic::ZD, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0070,0086) Content Creator's Identification Code Sequence
    Entry { tag: 0x0070_0086, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0070,031A) Fiducial UID
    Entry { tag: 0x0070_031A, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0070,1101) Presentation Display Collection UID
    Entry { tag: 0x0070_1101, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0070,1102) Presentation Sequence Collection UID
    Entry { tag: 0x0070_1102, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0072,000A) Hanging Protocol Creation DateTime
    Entry { tag: 0x0072_000A, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0072,005E) Selector AE Value
    Entry { tag: 0x0072_005E, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0072,005F) Selector AS Value
    Entry { tag: 0x0072_005F, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: Some(OptionCode::K) },
    // (0072,0061) Selector DA Value
    Entry { tag: 0x0072_0061, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0072,0063) Selector DT Value
    Entry { tag: 0x0072_0063, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0072,0065) Selector OB Value
    Entry { tag: 0x0072_0065, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0072,0066) Selector LO Value
    Entry { tag: 0x0072_0066, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0072,0068) Selector LT Value
    Entry { tag: 0x0072_0068, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0072,006A) Selector PN Value
    Entry { tag: 0x0072_006A, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0072,006B) Selector TM Value
    Entry { tag: 0x0072_006B, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0072,006C) Selector SH Value
    Entry { tag: 0x0072_006C, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0072,006D) Selector UN Value
    Entry { tag: 0x0072_006D, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0072,006E) Selector ST Value
    Entry { tag: 0x0072_006E, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0072,0070) Selector UT Value
    Entry { tag: 0x0072_0070, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0072,0071) Selector UR Value
    Entry { tag: 0x0072_0071, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0074,1234) Receiving AE
    Entry { tag: 0x0074_1234, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0074,1236) Requesting AE
    Entry { tag: 0x0074_1236, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0088,0140) Storage Media File-set UID
    Entry { tag: 0x0088_0140, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0088,0200) Icon Image Sequence (see Note 11)
    Entry { tag: 0x0088_0200, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0088,0904) Topic Title
    Entry { tag: 0x0088_0904, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0088,0906) Topic Subject
    Entry { tag: 0x0088_0906, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0088,0910) Topic Author
    Entry { tag: 0x0088_0910, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0088,0912) Topic Keywords
    Entry { tag: 0x0088_0912, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0100,0420) SOP Authorization DateTime
    Entry { tag: 0x0100_0420, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0400,0100) Digital Signature UID
    Entry { tag: 0x0400_0100, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0105) Digital Signature DateTime
    Entry { tag: 0x0400_0105, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0400,0115) Certificate of Signer
    Entry { tag: 0x0400_0115, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0310) Certified Timestamp
    Entry { tag: 0x0400_0310, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0400,0402) Referenced Digital Signature Sequence
    Entry { tag: 0x0400_0402, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0403) Referenced SOP Instance MAC Sequence
    Entry { tag: 0x0400_0403, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0404) MAC
    Entry { tag: 0x0400_0404, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0550) Modified Attributes Sequence
    Entry { tag: 0x0400_0550, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0551) Nonconforming Modified Attributes Sequence
    Entry { tag: 0x0400_0551, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0552) Nonconforming Data Element Value
    Entry { tag: 0x0400_0552, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0561) Original Attributes Sequence
    Entry { tag: 0x0400_0561, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0562) Attribute Modification DateTime
    Entry { tag: 0x0400_0562, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (0400,0563) Modifying System
    Entry { tag: 0x0400_0563, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0564) Source of Previous Values
    Entry { tag: 0x0400_0564, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (0400,0565) Reason for the Attribute Modification
    Entry { tag: 0x0400_0565, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (0400,0600) Instance Origin Status
    Entry { tag: 0x0400_0600, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (2030,0020) Text String
    Entry { tag: 0x2030_0020, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (2100,0040) Creation Date
    Entry { tag: 0x2100_0040, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (2100,0050) Creation Time
    Entry { tag: 0x2100_0050, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (2100,0070) Originator
    Entry { tag: 0x2100_0070, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (2100,0140) Destination AE
    Entry { tag: 0x2100_0140, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (2200,0002) Label Text
    Entry { tag: 0x2200_0002, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (2200,0005) Barcode Value
    Entry { tag: 0x2200_0005, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3002,0121) Position Acquisition Template Name
    Entry { tag: 0x3002_0121, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3002,0123) Position Acquisition Template Description
    Entry { tag: 0x3002_0123, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,0002) Structure Set Label
    Entry { tag: 0x3006_0002, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,0004) Structure Set Name
    Entry { tag: 0x3006_0004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,0006) Structure Set Description
    Entry { tag: 0x3006_0006, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,0008) Structure Set Date
    Entry { tag: 0x3006_0008, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3006,0009) Structure Set Time
    Entry { tag: 0x3006_0009, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3006,0024) Referenced Frame of Reference UID
    Entry { tag: 0x3006_0024, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3006,0026) ROI Name
    Entry { tag: 0x3006_0026, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,0028) ROI Description
    Entry { tag: 0x3006_0028, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,002D) ROI DateTime
    Entry { tag: 0x3006_002D, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3006,002E) ROI Observation DateTime
    Entry { tag: 0x3006_002E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3006,0038) ROI Generation Description
    Entry { tag: 0x3006_0038, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,004D) ROI Creator Sequence
    Entry { tag: 0x3006_004D, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3006,004E) ROI Interpreter Sequence
    Entry { tag: 0x3006_004E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3006,0085) ROI Observation Label
    Entry { tag: 0x3006_0085, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,0088) ROI Observation Description
    Entry { tag: 0x3006_0088, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3006,00A6) ROI Interpreter
    Entry { tag: 0x3006_00A6, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3006,00C2) Related Frame of Reference UID
    Entry { tag: 0x3006_00C2, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3008,0024) Treatment Control Point Date
    Entry { tag: 0x3008_0024, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0025) Treatment Control Point Time
    Entry { tag: 0x3008_0025, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0054) First Treatment Date
    Entry { tag: 0x3008_0054, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0056) Most Recent Treatment Date
    Entry { tag: 0x3008_0056, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0105) Source Serial Number
    Entry { tag: 0x3008_0105, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3008,0162) Safe Position Exit Date
    Entry { tag: 0x3008_0162, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0164) Safe Position Exit Time
    Entry { tag: 0x3008_0164, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0166) Safe Position Return Date
    Entry { tag: 0x3008_0166, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0168) Safe Position Return Time
    Entry { tag: 0x3008_0168, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0250) Treatment Date
    Entry { tag: 0x3008_0250, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3008,0251) Treatment Time
    Entry { tag: 0x3008_0251, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,0002) RT Plan Label
    Entry { tag: 0x300A_0002, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0003) RT Plan Name
    Entry { tag: 0x300A_0003, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0004) RT Plan Description
    Entry { tag: 0x300A_0004, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0006) RT Plan Date
    Entry { tag: 0x300A_0006, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,0007) RT Plan Time
    Entry { tag: 0x300A_0007, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,000B) Treatment Sites
    Entry { tag: 0x300A_000B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,000E) Prescription Description
    Entry { tag: 0x300A_000E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0013) Dose Reference UID
    Entry { tag: 0x300A_0013, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,0016) Dose Reference Description
    Entry { tag: 0x300A_0016, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0072) Fraction Group Description
    Entry { tag: 0x300A_0072, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0083) Referenced Dose Reference UID
    Entry { tag: 0x300A_0083, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,00B2) Treatment Machine Name
    Entry { tag: 0x300A_00B2, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,00C3) Beam Description
    Entry { tag: 0x300A_00C3, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,00DD) Bolus Description
    Entry { tag: 0x300A_00DD, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0196) Fixation Device Description
    Entry { tag: 0x300A_0196, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,01A6) Shielding Device Description
    Entry { tag: 0x300A_01A6, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,01B2) Setup Technique Description
    Entry { tag: 0x300A_01B2, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0216) Source Manufacturer
    Entry { tag: 0x300A_0216, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,022C) Source Strength Reference Date
    Entry { tag: 0x300A_022C, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,022E) Source Strength Reference Time
    Entry { tag: 0x300A_022E, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,02EB) Compensator Description
    Entry { tag: 0x300A_02EB, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0608) Treatment Position Group Label
    Entry { tag: 0x300A_0608, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0609) Treatment Position Group UID
    Entry { tag: 0x300A_0609, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,0611) RT Accessory Holder Slot ID
    Entry { tag: 0x300A_0611, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,0615) RT Accessory Device Slot ID
    Entry { tag: 0x300A_0615, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,0619) Radiation Dose Identification Label
    Entry { tag: 0x300A_0619, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0623) Radiation Dose In-Vivo Measurement Label
    Entry { tag: 0x300A_0623, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,062A) RT Tolerance Set Label
    Entry { tag: 0x300A_062A, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0650) Patient Setup UID
    Entry { tag: 0x300A_0650, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,0676) Equipment Frame of Reference Description
    Entry { tag: 0x300A_0676, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,067C) Radiation Generation Mode Label
    Entry { tag: 0x300A_067C, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,067D) Radiation Generation Mode Description
    Entry { tag: 0x300A_067D, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0700) Treatment Session UID
    Entry { tag: 0x300A_0700, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,0734) Treatment Tolerance Violation Description
    Entry { tag: 0x300A_0734, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0736) Treatment Tolerance Violation DateTime
    Entry { tag: 0x300A_0736, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,073A) Recorded RT Control Point DateTime
    Entry { tag: 0x300A_073A, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,0741) Interlock DateTime
    Entry { tag: 0x300A_0741, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,0742) Interlock Description
    Entry { tag: 0x300A_0742, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0760) Override DateTime
    Entry { tag: 0x300A_0760, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300A,0783) Interlock Origin Description
    Entry { tag: 0x300A_0783, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0785) Referenced Treatment Position Group UID
    Entry { tag: 0x300A_0785, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (300A,078E) Patient Treatment Preparation Procedure Parameter Description
    Entry { tag: 0x300A_078E, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0792) Patient Treatment Preparation Method Description
    Entry { tag: 0x300A_0792, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,0794) Patient Setup Photo Description
    Entry { tag: 0x300A_0794, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300A,079A) Displacement Reference Label
    Entry { tag: 0x300A_079A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300C,0113) Reason for Omission Description
    Entry { tag: 0x300C_0113, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (300C,0127) Beam Hold Transition DateTime
    Entry { tag: 0x300C_0127, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300E,0004) Review Date
    Entry { tag: 0x300E_0004, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300E,0005) Review Time
    Entry { tag: 0x300E_0005, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (300E,0008) Reviewer Name
    Entry { tag: 0x300E_0008, mask: 0xFFFF_FFFF, basic: Basic::XZ, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,0006) Conceptual Volume UID
    Entry { tag: 0x3010_0006, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,000B) Referenced Conceptual Volume UID
    Entry { tag: 0x3010_000B, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,000F) Conceptual Volume Combination Description
    Entry { tag: 0x3010_000F, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0013) Constituent Conceptual Volume UID
    Entry { tag: 0x3010_0013, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,0015) Source Conceptual Volume UID
    Entry { tag: 0x3010_0015, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,0017) Conceptual Volume Description
    Entry { tag: 0x3010_0017, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,001B) Device Alternate Identifier
    Entry { tag: 0x3010_001B, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,002D) Device Label
    Entry { tag: 0x3010_002D, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,0031) Referenced Fiducials UID
    Entry { tag: 0x3010_0031, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,0033) User Content Label
    Entry { tag: 0x3010_0033, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0034) User Content Long Label
    Entry { tag: 0x3010_0034, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0035) Entity Label
    Entry { tag: 0x3010_0035, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0036) Entity Name
    Entry { tag: 0x3010_0036, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0037) Entity Description
    Entry { tag: 0x3010_0037, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0038) Entity Long Label
    Entry { tag: 0x3010_0038, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,003B) RT Treatment Phase UID
    Entry { tag: 0x3010_003B, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,0043) Manufacturer's Device Identifier
    Entry { tag: 0x3010_0043, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,004C) Intended Phase Start Date
    Entry { tag: 0x3010_004C, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3010,004D) Intended Phase End Date
    Entry { tag: 0x3010_004D, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (3010,0054) RT Prescription Label
    Entry { tag: 0x3010_0054, mask: 0xFFFF_FFFF, basic: Basic::D, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0056) RT Treatment Approach Label
    Entry { tag: 0x3010_0056, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,005A) RT Physician Intent Narrative
    Entry { tag: 0x3010_005A, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,005C) Reason for Superseding
    Entry { tag: 0x3010_005C, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0061) Prior Treatment Dose Description
    Entry { tag: 0x3010_0061, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,006E) Dosimetric Objective UID
    Entry { tag: 0x3010_006E, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,006F) Referenced Dosimetric Objective UID
    Entry { tag: 0x3010_006F, mask: 0xFFFF_FFFF, basic: Basic::U, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (3010,0077) Treatment Site
    Entry { tag: 0x3010_0077, mask: 0xFFFF_FFFF, basic: Basic::XD, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,007A) Treatment Technique Notes
    Entry { tag: 0x3010_007A, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,007B) Prescription Notes
    Entry { tag: 0x3010_007B, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,007F) Fractionation Notes
    Entry { tag: 0x3010_007F, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0081) Prescription Notes Sequence
    Entry { tag: 0x3010_0081, mask: 0xFFFF_FFFF, basic: Basic::Z, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (3010,0085) Intended Fraction Start Time
    Entry { tag: 0x3010_0085, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (4000,0010) Arbitrary
    Entry { tag: 0x4000_0010, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4000,4000) Text Comments
    Entry { tag: 0x4000_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0040) Results ID
    Entry { tag: 0x4008_0040, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0042) Results ID Issuer
    Entry { tag: 0x4008_0042, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0100) Interpretation Recorded Date
    Entry { tag: 0x4008_0100, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (4008,0101) Interpretation Recorded Time
    Entry { tag: 0x4008_0101, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (4008,0102) Interpretation Recorder
    Entry { tag: 0x4008_0102, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0108) Interpretation Transcription Date
    Entry { tag: 0x4008_0108, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (4008,0109) Interpretation Transcription Time
    Entry { tag: 0x4008_0109, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (4008,010A) Interpretation Transcriber
    Entry { tag: 0x4008_010A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,010B) Interpretation Text
    Entry { tag: 0x4008_010B, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (4008,010C) Interpretation Author
    Entry { tag: 0x4008_010C, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0111) Interpretation Approver Sequence
    Entry { tag: 0x4008_0111, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0112) Interpretation Approval Date
    Entry { tag: 0x4008_0112, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (4008,0113) Interpretation Approval Time
    Entry { tag: 0x4008_0113, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: Some(OptionCode::C), clean_descriptors: None, patient_characteristics: None },
    // (4008,0114) Physician Approving Interpretation
    Entry { tag: 0x4008_0114, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0115) Interpretation Diagnosis Description
    Entry { tag: 0x4008_0115, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (4008,0118) Results Distribution List Sequence
    Entry { tag: 0x4008_0118, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0119) Distribution Name
    Entry { tag: 0x4008_0119, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,011A) Distribution Address
    Entry { tag: 0x4008_011A, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0200) Interpretation ID
    Entry { tag: 0x4008_0200, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0202) Interpretation ID Issuer
    Entry { tag: 0x4008_0202, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (4008,0300) Impressions
    Entry { tag: 0x4008_0300, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (4008,4000) Results Comments
    Entry { tag: 0x4008_4000, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: Some(OptionCode::C), patient_characteristics: None },
    // (50XX,XXXX) Curve Data
    Entry { tag: 0x5000_0000, mask: 0xFF00_0000, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (60XX,3000) Overlay Data
    Entry { tag: 0x6000_3000, mask: 0xFF00_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (60XX,4000) Overlay Comments
    Entry { tag: 0x6000_4000, mask: 0xFF00_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (FFFA,FFFA) Digital Signatures Sequence
    Entry { tag: 0xFFFA_FFFA, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
    // (FFFC,FFFC) Data Set Trailing Padding
    Entry { tag: 0xFFFC_FFFC, mask: 0xFFFF_FFFF, basic: Basic::X, modified_dates: None, clean_descriptors: None, patient_characteristics: None },
];
