//! Encryption at rest of the local blob directory: no patient byte on disk, every route
//! serves the plaintext (ranges too), an erase destroys the object's key, a master key
//! rolls without downtime, and settings that cannot work are refused at start-up.
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::fixtures::*;
use crate::harness::app;

const MASTER: &str = "3c1f0e7a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e";
const NEXT: &str = "9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a090";

fn key_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("master.keys");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn an_encrypted_blob_directory_holds_no_patient_bytes_serves_them_and_an_erase_destroys_the_key() {
    let keys = tempfile::tempdir().unwrap();
    let app = app()
        .local_blobs()
        .env("FERRUM_ENCRYPTION_KEY_FILE", key_file(keys.path(), MASTER).to_string_lossy())
        .env("FERRUM_BLOB_DELETE_GRACE_SECS", "0")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let mut specs = vec![Spec::new(7100, 1, 1), Spec::new(7100, 1, 2)];
    for s in &mut specs {
        s.patient_name = "Crypt^Patient".into();
        s.size = 64;
    }
    let files: Vec<Vec<u8>> = specs.iter().map(dicom).collect();
    let (status, report) =
        app.upload("application/zip", zip_of(&[("a.dcm", files[0].as_slice()), ("b.dcm", files[1].as_slice())])).await;
    assert_eq!(status, 201, "{report}");

    // The thumbnail is made (and sealed) in the background.
    let thumbnail = format!("/api/series/{}/thumbnail", specs[0].series);
    let started = Instant::now();
    while app.get(&thumbnail).send().await.unwrap().status() != 200 {
        assert!(started.elapsed() < Duration::from_secs(20), "no thumbnail");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let blobs = app.data_dir.join("blobs");
    let stored = file_paths_under(&blobs);
    assert!(stored.len() >= 3, "two objects and a thumbnail: {stored:?}");
    for path in &stored {
        let bytes = std::fs::read(path).unwrap();
        for needle in [b"Crypt^Patient".as_slice(), specs[0].sop.as_bytes(), specs[0].study.as_bytes(), b"DICM"] {
            assert!(!contains(&bytes, needle), "{} holds {:?}", path.display(), String::from_utf8_lossy(needle));
        }
    }
    let key_files = file_paths_under(&app.data_dir.join("keys"));
    assert_eq!(key_files.len(), 2, "one data key per object: {key_files:?}");

    // Every route answers the plaintext.
    let file = format!("/api/instances/{}/file", specs[0].sop);
    let whole = app.get(&file).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), files[0].as_slice());
    let ranged = app.get(&file).header("Range", "bytes=128-1000").send().await.unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), &files[0][128..=1000]);
    let rendered = app.get(&format!("/api/instances/{}/rendered?format=png", specs[1].sop)).send().await.unwrap();
    assert_eq!(rendered.status(), 200);
    let archive = app.get(&format!("/api/studies/{}/archive", specs[0].study)).send().await.unwrap();
    assert_eq!(archive.status(), 200);
    let archive = archive.bytes().await.unwrap();
    assert!(contains(&archive, &files[1][..600]), "the archive carries the plaintext object");

    // The erase destroys the keys first: a copy of an object kept from before opens nothing.
    let kept = std::fs::read(&stored[0]).unwrap();
    let r = app.client.delete(app.url(&format!("/api/studies/{}", specs[0].study))).bearer_auth(app.token());
    assert_eq!(r.send().await.unwrap().status(), 200);
    let started = Instant::now();
    while !file_paths_under(&app.data_dir.join("keys")).is_empty() || !file_paths_under(&blobs.join("dicom")).is_empty()
    {
        assert!(started.elapsed() < Duration::from_secs(30), "keys and objects remain after the erase");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!kept.is_empty() && !contains(&kept, b"Crypt^Patient"));
}

#[tokio::test]
async fn a_master_key_rolls_while_objects_stay_readable_and_bad_settings_are_refused() {
    let keys = tempfile::tempdir().unwrap();
    let path = key_file(keys.path(), MASTER);
    let mut app = app()
        .local_blobs()
        .env("FERRUM_ENCRYPTION_KEY_FILE", path.to_string_lossy())
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let spec = Spec::new(7101, 1, 1);
    let bytes = dicom(&spec);
    assert_eq!(app.upload("application/dicom", bytes.clone()).await.0, 201);

    // The new key goes first; the old one stays below it until every data key is re-wrapped.
    std::fs::write(&path, format!("{NEXT}\n{MASTER}\n")).unwrap();
    let out = app.command().args(["encryption", "rewrap"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("data keys re-wrapped: 1,"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(&path, format!("{NEXT}\n")).unwrap();
    app.restart();
    let app = app.logged_in_as_admin().await;
    let r = app.get(&format!("/api/instances/{}/file", spec.sop)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // Re-wrapping without the master key that wraps the data keys fails.
    std::fs::write(&path, format!("{MASTER}\n")).unwrap();
    let out = app.command().args(["encryption", "rewrap"]).output().unwrap();
    assert!(!out.status.success(), "re-wrapping without the wrapping key fails");

    // A key file others can read, a malformed one, and encryption with S3 do not start.
    std::fs::write(&path, format!("{NEXT}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let status = app.command().args(["encryption", "status"]).output().unwrap();
    assert!(!status.status.success() && String::from_utf8_lossy(&status.stderr).contains("chmod 600"), "{status:?}");
    std::fs::write(&path, "not a key\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let status = app.command().args(["encryption", "status"]).output().unwrap();
    assert!(!status.status.success() && String::from_utf8_lossy(&status.stderr).contains("64 hex digits"));
    let status = app.command().args(["encryption", "status"]).env("FERRUM_S3_BUCKET", "some-bucket").output().unwrap();
    assert!(!status.status.success() && String::from_utf8_lossy(&status.stderr).contains("FERRUM_ENCRYPTION_KEY_FILE"));
}
