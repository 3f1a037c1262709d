use super::*;
use crate::inspect;

fn le_element(group: u16, elem: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&elem.to_le_bytes());
    out.extend_from_slice(vr);
    if vr == b"OB" {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
    out
}

/// A Part-10 file in explicit VR little endian with the given data set.
fn part10(body: &[u8]) -> Vec<u8> {
    let mut meta = le_element(2, 0x02, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0");
    meta.extend(le_element(2, 0x10, b"UI", b"1.2.840.10008.1.2.1\0"));
    let mut file = vec![0u8; 128];
    file.extend_from_slice(b"DICM");
    file.extend(le_element(2, 0, b"UL", &(meta.len() as u32).to_le_bytes()));
    file.extend(meta);
    file.extend_from_slice(body);
    file
}

fn body(charset: Option<&[u8]>, with_group_length: bool) -> Vec<u8> {
    let mut group8 = Vec::new();
    if let Some(cs) = charset {
        group8.extend(le_element(8, 5, b"CS", cs));
    }
    group8.extend(le_element(8, 0x16, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0"));
    group8.extend(le_element(8, 0x18, b"UI", b"1.2.3.4\0"));
    let mut out = Vec::new();
    if with_group_length {
        out.extend(le_element(8, 0, b"UL", &(group8.len() as u32).to_le_bytes()));
    }
    out.extend(group8);
    out.extend(le_element(0x10, 0x10, b"PN", b"Old^Name"));
    out.extend(le_element(0x10, 0x1010, b"AS", b"042Y"));
    out.extend(le_element(0x20, 0x0D, b"UI", b"1.2.3\0"));
    out.extend(le_element(0x20, 0x0E, b"UI", b"1.2.3.1\0"));
    out.extend(le_element(0x7FE0, 0x10, b"OB", &[7u8; 16]));
    out
}

fn corrections(pairs: &[(Attribute, &str)]) -> Corrections {
    let mut c = Corrections::new();
    for (a, v) in pairs {
        c.set(*a, Value::parse(*a, v).unwrap());
    }
    c
}

fn corrected(original: &[u8], c: &Corrections) -> Vec<u8> {
    apply(original, plan(original, original.len() as u64, c).unwrap())
}

#[test]
fn a_present_attribute_is_replaced_and_a_missing_one_inserted_in_tag_order() {
    let original = part10(&body(None, false));
    let c = corrections(&[(Attribute::PatientName, "New^Name^X"), (Attribute::AccessionNumber, "A1")]);
    let out = corrected(&original, &c);
    let a = inspect(std::io::Cursor::new(&out)).unwrap().attributes;
    assert_eq!(a.patient.patient_name.as_deref(), Some("New^Name^X"));
    assert_eq!(a.study.accession_number.as_deref(), Some("A1"));
    // Everything from (0010,1010) on is the original's bytes.
    let tail = le_element(0x10, 0x1010, b"AS", b"042Y");
    let at = original.windows(tail.len()).position(|w| w == tail.as_slice()).unwrap();
    assert!(out.ends_with(&original[at..]));
    // The accession number sits between (0008,0018) and (0010,0010).
    let acc = out.windows(4).position(|w| w == [8, 0, 0x50, 0]).unwrap();
    let sop = out.windows(4).position(|w| w == [8, 0, 0x18, 0]).unwrap();
    let name = out.windows(4).position(|w| w == [0x10, 0, 0x10, 0]).unwrap();
    assert!(sop < acc && acc < name);
}

#[test]
fn a_group_length_follows_its_group() {
    let original = part10(&body(None, true));
    let out = corrected(&original, &corrections(&[(Attribute::AccessionNumber, "ACC-12345")]));
    let at = out.windows(6).position(|w| w == [8, 0, 0, 0, b'U', b'L']).unwrap();
    let declared = u32::from_le_bytes(out[at + 8..at + 12].try_into().unwrap()) as usize;
    let group_end = out.windows(4).position(|w| w == [0x10, 0, 0x10, 0]).unwrap();
    assert_eq!(declared, group_end - (at + 12));
    inspect(std::io::Cursor::new(&out)).unwrap();
}

#[test]
fn non_ascii_values_are_written_in_the_declared_character_set_or_refused() {
    let latin1 = part10(&body(Some(b"ISO_IR 100"), false));
    let out = corrected(&latin1, &corrections(&[(Attribute::PatientName, "Müller^Jürgen")]));
    assert!(out.windows(6).any(|w| w == b"M\xfcller"), "Latin-1 bytes");
    let a = inspect(std::io::Cursor::new(&out)).unwrap().attributes;
    assert_eq!(a.patient.patient_name.as_deref(), Some("Müller^Jürgen"));

    let utf8 = part10(&body(Some(b"ISO_IR 192"), false));
    let out = corrected(&utf8, &corrections(&[(Attribute::PatientName, "山田^太郎")]));
    let a = inspect(std::io::Cursor::new(&out)).unwrap().attributes;
    assert_eq!(a.patient.patient_name.as_deref(), Some("山田^太郎"));

    let refused = plan(&latin1, latin1.len() as u64, &corrections(&[(Attribute::PatientName, "山田^太郎")]));
    assert!(matches!(refused, Err(CorrectionError::Unrepresentable { attribute: "patient_name", .. })));
    let plain = part10(&body(None, false));
    let refused = plan(&plain, plain.len() as u64, &corrections(&[(Attribute::PatientName, "Müller")]));
    assert!(matches!(refused, Err(CorrectionError::Unrepresentable { .. })));
}

#[test]
fn a_prefix_that_stops_before_the_attributes_asks_for_more() {
    let original = part10(&body(None, false));
    let cut = &original[..original.len() - 60];
    let c = corrections(&[(Attribute::PatientSex, "F")]);
    let meta_end = part10(&[]).len();
    assert_eq!(plan(&original[..meta_end + 30], original.len() as u64, &c), Err(CorrectionError::NeedMore));
    // Far enough: the same edit as from the whole object.
    assert_eq!(plan(cut, original.len() as u64, &c).unwrap(), plan(&original, original.len() as u64, &c).unwrap());
}

#[test]
fn an_empty_value_is_written_as_an_empty_element() {
    let original = part10(&body(None, false));
    let out = corrected(&original, &corrections(&[(Attribute::PatientName, "")]));
    assert!(out.windows(8).any(|w| w == [0x10, 0, 0x10, 0, b'P', b'N', 0, 0]));
    assert_eq!(inspect(std::io::Cursor::new(&out)).unwrap().attributes.patient.patient_name, None);
}
