//! Rectifies every file of the render corpus (every transfer syntax the server reads:
//! implicit and explicit VR, big endian, deflated, encapsulated) and checks that the new
//! values are read back, that every other indexed attribute is unchanged, and that the
//! image renders exactly as before.
use std::path::Path;

use ferrum_dicom::correct::{apply, plan, Attribute, Corrections, Edit, Value};
use ferrum_dicom::render::{render_image, RenderOptions};
use ferrum_dicom::{inspect, ImageFormat};

fn corrections() -> Corrections {
    let mut c = Corrections::new();
    for (a, v) in [
        (Attribute::PatientName, "Rectified^Patient^Q"),
        (Attribute::PatientId, "RECT-0042"),
        (Attribute::PatientBirthDate, "19800229"),
        (Attribute::PatientSex, "O"),
        (Attribute::AccessionNumber, "ACC777"),
        (Attribute::StudyDescription, "Corrected description"),
    ] {
        c.set(a, Value::parse(a, v).unwrap());
    }
    c
}

#[test]
fn every_corpus_file_is_corrected_in_its_own_encoding_with_its_pixels_untouched() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/render-corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dcm"))
        .collect();
    files.sort();
    assert!(files.len() > 40, "the corpus is there");
    let c = corrections();
    let mut syntaxes = std::collections::BTreeSet::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let original = std::fs::read(path).unwrap();
        let before = inspect(std::io::Cursor::new(&original)).unwrap_or_else(|e| panic!("{name}: {e}")).attributes;
        let edit = plan(&original, original.len() as u64, &c).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Edit::Splice { resume_at, .. } = &edit {
            assert!(*resume_at > 132, "{name}: the original continues after the patient module");
        }
        let out = apply(&original, edit);
        let after = inspect(std::io::Cursor::new(&out)).unwrap_or_else(|e| panic!("{name}: {e}")).attributes;
        assert_eq!(after.patient.patient_name.as_deref(), Some("Rectified^Patient^Q"), "{name}");
        assert_eq!(after.patient.patient_id.as_deref(), Some("RECT-0042"), "{name}");
        assert_eq!(after.patient.patient_birth_date.as_deref(), Some("19800229"), "{name}");
        assert_eq!(after.patient.patient_sex.as_deref(), Some("O"), "{name}");
        assert_eq!(after.study.accession_number.as_deref(), Some("ACC777"), "{name}");
        assert_eq!(after.study.study_description.as_deref(), Some("Corrected description"), "{name}");
        assert_eq!(after.series, before.series, "{name}");
        assert_eq!(after.instance, before.instance, "{name}: transfer syntax, geometry and UIDs kept");
        assert_eq!(after.study.study_instance_uid, before.study.study_instance_uid, "{name}");
        assert_eq!(after.study.study_date, before.study.study_date, "{name}");
        let opts = RenderOptions { frame: 0, window: None, size: None, format: ImageFormat::Png };
        match (render_image(&original, &opts), render_image(&out, &opts)) {
            (Ok(a), Ok(b)) => assert!(a.data == b.data, "{name}: the same pixels"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
            (a, b) => panic!("{name}: rendered {:?} before, {:?} after", a.is_ok(), b.is_ok()),
        }
        syntaxes.insert(before.instance.transfer_syntax_uid.clone());
    }
    for ts in [
        "1.2.840.10008.1.2",
        "1.2.840.10008.1.2.1",
        "1.2.840.10008.1.2.2",
        "1.2.840.10008.1.2.1.99",
        "1.2.840.10008.1.2.5",
    ] {
        assert!(syntaxes.contains(ts), "the corpus holds {ts}");
    }
}
