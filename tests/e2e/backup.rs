//! `ferrum backup DIR` / `ferrum restore DIR` on the embedded default: an online backup taken
//! during uploads restores into a fresh data directory that serves every acknowledged object
//! byte for byte, signs in the same accounts and verifies the same audit chain; the second
//! backup copies only what changed; the repository holds no patient byte in the clear; a
//! damaged copy, a wrong key or an occupied data directory stop the restore; pruning keeps
//! the newest snapshot. With PostgreSQL or S3 the commands refuse and name the procedure,
//! and that procedure (`pg_dump`, then a copy of the bucket) restores a working archive.
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::dimse::file_over_http;
use crate::dimse::sop_uid_of;
use crate::fixtures::*;
use crate::harness::{app, catalog_is_postgres, TestApp};

const BACKUP_KEY: &str = "5a0c7e2b9d4f6a8c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c";
const OTHER_KEY: &str = "0b1d3f5a7c9e2b4d6f8a1c3e5b7d9f0a2c4e6b8d1f3a5c7e9b0d2f4a6c8e1b3d";
const BLOB_KEY: &str = "7d9e1f2a4b6c8d0e3c1f0e7a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c";

fn key_file(dir: &Path, name: &str, key: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{key}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Runs `ferrum ARGS` with the settings of `app` (its data directory unless `data_dir`).
fn ferrum(app: &TestApp, data_dir: Option<&Path>, args: &[&str]) -> (bool, Value, String) {
    let mut cmd = app.command();
    if let Some(dir) = data_dir {
        cmd.env("FERRUM_DATA_DIR", dir);
    }
    let out = cmd.args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = stdout.lines().last().and_then(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
    (out.status.success(), json, format!("{stdout}\n{stderr}"))
}

fn study_specs(study: u32, n: u32) -> Vec<Spec> {
    (1..=n)
        .map(|i| {
            let mut s = Spec::new(study, 1, i);
            s.patient_name = "Backup^Patient".into();
            s.size = 48;
            s
        })
        .collect()
}

async fn upload(app: &TestApp, specs: &[Spec]) -> Vec<Vec<u8>> {
    let files: Vec<Vec<u8>> = specs.iter().map(dicom).collect();
    let named: Vec<(String, &[u8])> =
        files.iter().enumerate().map(|(i, f)| (format!("{i}.dcm"), f.as_slice())).collect();
    let entries: Vec<(&str, &[u8])> = named.iter().map(|(n, f)| (n.as_str(), *f)).collect();
    let (status, report) = app.upload("application/zip", zip_of(&entries)).await;
    assert_eq!(status, 201, "{report}");
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_backup_restores_into_a_fresh_directory_byte_for_byte_and_copies_only_what_changed() {
    let keys = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    let repo_dir = repo.path().join("repo");
    let key = key_file(keys.path(), "backup.key", BACKUP_KEY);
    let blob_key = key_file(keys.path(), "blob.key", BLOB_KEY);
    let mut source = app()
        .local_blobs()
        .env("FERRUM_BACKUP_KEY_FILE", key.to_string_lossy())
        .env("FERRUM_ENCRYPTION_KEY_FILE", blob_key.to_string_lossy())
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let repo_arg = repo_dir.to_string_lossy().to_string();
    if catalog_is_postgres() {
        let (ok, _, out) = ferrum(&source, None, &["backup", &repo_arg]);
        assert!(!ok && out.contains("pg_dump"), "a PostgreSQL set-up is refused, naming the procedure: {out}");
        return;
    }
    let mut sent = upload(&source, &study_specs(8100, 6)).await;
    source.add_user("backup-rad", "radiologist").await;

    // The first backup runs while four more studies are uploaded.
    let uploads = {
        let base_specs: Vec<Vec<Spec>> = (0..4).map(|n| study_specs(8200 + n, 3)).collect();
        let files: Vec<Vec<Vec<u8>>> = base_specs.iter().map(|s| s.iter().map(dicom).collect()).collect();
        let client = reqwest::Client::new();
        let (url, token) = (source.url("/api/uploads"), source.token().to_owned());
        let files2 = files.clone();
        let task = tokio::spawn(async move {
            for study in files2 {
                for file in study {
                    let r = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("Content-Type", "application/dicom")
                        .body(file)
                        .send()
                        .await
                        .unwrap();
                    assert!(r.status().is_success(), "upload during the backup: {}", r.status());
                }
            }
        });
        (task, files)
    };
    let (ok, first, out) = ferrum(&source, None, &["backup", &repo_arg]);
    assert!(ok, "backup: {out}");
    uploads.0.await.unwrap();
    sent.extend(uploads.1.into_iter().flatten());
    assert!(first["new_objects"].as_u64().unwrap() > 6, "{first}");
    assert_eq!(first["unchanged"], 0, "{first}");

    // Nothing of the patient is readable in the repository: not the name, not a UID.
    let uid = sop_uid_of(&sent[0]);
    for path in &file_paths_under(&repo_dir) {
        let bytes = std::fs::read(path).unwrap();
        assert!(!bytes.windows(14).any(|w| w == b"Backup^Patient"), "{} holds the name", path.display());
        assert!(!bytes.windows(uid.len()).any(|w| w == uid.as_bytes()), "{} holds a UID", path.display());
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is open to others", path.display());
    }

    // The second backup reads and copies only what changed: the catalog and the files stored
    // since (the concurrent uploads that came after the first snapshot).
    let (ok, second, out) = ferrum(&source, None, &["backup", &repo_arg]);
    assert!(ok, "second backup: {out}");
    assert!(second["unchanged"].as_u64().unwrap() >= first["files"].as_u64().unwrap() - 1, "{second}");
    assert!(second["new_objects"].as_u64().unwrap() >= 1, "the catalog changed at least: {second}");
    let (ok, _, listed) = ferrum(&source, None, &["restore", &repo_arg, "--list"]);
    assert!(ok, "{listed}");
    assert_eq!(listed.lines().filter(|l| l.starts_with('{')).count(), 2, "{listed}");

    // Restored into a fresh data directory, a server on it is the source as it was.
    let target = tempfile::tempdir().unwrap();
    let restored_dir = target.path().join("data");
    let (ok, restored, out) = ferrum(&source, Some(&restored_dir), &["restore", &repo_arg]);
    assert!(ok, "restore: {out}");
    assert_eq!(restored["snapshot"], second["snapshot"], "{restored}");
    let (ok, _, out) = ferrum(&source, Some(&restored_dir), &["audit", "verify"]);
    assert!(ok && out.contains(r#""status": "intact""#), "the restored audit chain: {out}");
    let old_token = source.token().to_owned();
    source.kill();
    let copy = app()
        .local_blobs()
        .env("FERRUM_DATA_DIR", restored_dir.to_string_lossy())
        .env("FERRUM_ENCRYPTION_KEY_FILE", blob_key.to_string_lossy())
        .spawn()
        .await;
    copy.token_for("backup-rad", "a-long-password-1").await;
    let copy = copy.logged_in_as_admin().await;
    // The signing keys came back too: a token the source issued still opens the copy.
    let r = reqwest::Client::new().get(copy.url("/api/studies")).bearer_auth(&old_token).send().await.unwrap();
    assert_eq!(r.status(), 200, "the source's access token on the restored server");
    for file in &sent {
        let stored = file_over_http(&copy, &sop_uid_of(file)).await;
        assert_eq!(&stored, file, "restored byte for byte");
    }
    let (_, studies) = copy.get_json("/api/studies?limit=50").await;
    assert_eq!(studies["items"].as_array().unwrap().len(), 5, "{studies}");
    let (_, events) = copy.get_json("/api/audit?action=backup,restore&limit=10").await;
    let actions: Vec<&str> = events["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"restore") && actions.contains(&"backup"), "{events}");
}

#[tokio::test]
async fn a_restore_refuses_an_occupied_directory_a_wrong_key_and_a_damaged_copy_and_pruning_keeps_the_newest() {
    if catalog_is_postgres() {
        return;
    }
    let keys = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    let repo_arg = repo.path().join("repo").to_string_lossy().to_string();
    let key = key_file(keys.path(), "backup.key", BACKUP_KEY);
    let source = app()
        .local_blobs()
        .env("FERRUM_BACKUP_KEY_FILE", key.to_string_lossy())
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    upload(&source, &study_specs(8300, 3)).await;
    let (ok, _, out) = ferrum(&source, None, &["backup", &repo_arg]);
    assert!(ok, "{out}");

    // A key file others can read is refused, for a backup as for the blob directory.
    let open_key = key_file(keys.path(), "open.key", BACKUP_KEY);
    std::fs::set_permissions(&open_key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, _, out) = ferrum(&source, None, &["backup", &repo_arg, "--key-file", &open_key.to_string_lossy()]);
    assert!(!ok && out.contains("chmod 600"), "{out}");

    // The live data directory is never overwritten.
    let (ok, _, out) = ferrum(&source, None, &["restore", &repo_arg]);
    assert!(!ok && out.contains("not empty"), "{out}");

    // Another key opens nothing.
    let wrong = key_file(keys.path(), "wrong.key", OTHER_KEY);
    let target = tempfile::tempdir().unwrap();
    let fresh = target.path().join("a");
    let (ok, _, out) = ferrum(&source, Some(&fresh), &["restore", &repo_arg, "--key-file", &wrong.to_string_lossy()]);
    assert!(!ok && out.contains("not in the encryption key file"), "{out}");

    // One flipped byte in one copy stops the restore, and nothing is left behind.
    let objects = file_paths_under(&repo.path().join("repo").join("objects"));
    let victim = objects.iter().max_by_key(|p| std::fs::metadata(p).unwrap().len()).unwrap();
    let mut bytes = std::fs::read(victim).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(victim, &bytes).unwrap();
    let damaged = target.path().join("b");
    let (ok, _, out) = ferrum(&source, Some(&damaged), &["restore", &repo_arg]);
    assert!(!ok && out.contains("failed authentication"), "{out}");
    assert_eq!(std::fs::read_dir(&damaged).map(|d| d.count()).unwrap_or(0), 0, "a failed restore leaves nothing");
    bytes[at] ^= 0x40;
    std::fs::write(victim, &bytes).unwrap();

    // Keeping 0 days prunes every snapshot but the newest, and the copies only they used.
    upload(&source, &study_specs(8301, 2)).await;
    let (ok, _, out) = ferrum(&source, None, &["backup", &repo_arg]);
    assert!(ok, "{out}");
    let (ok, pruned, out) = ferrum(&source, None, &["backup", &repo_arg, "--keep-days", "0"]);
    assert!(ok, "{out}");
    assert_eq!(pruned["pruned_snapshots"], 2, "{pruned}");
    assert!(pruned["pruned_objects"].as_u64().unwrap() >= 2, "the older catalogs go: {pruned}");
    let (ok, _, listed) = ferrum(&source, None, &["restore", &repo_arg, "--list"]);
    assert!(ok && listed.lines().filter(|l| l.starts_with('{')).count() == 1, "{listed}");
    let (ok, restored, out) = ferrum(&source, Some(&target.path().join("c")), &["restore", &repo_arg]);
    assert!(ok && restored["snapshot"] == pruned["snapshot"], "{out}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn run(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed (PostgreSQL's client tools): {e}"));
    assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The README's procedure for PostgreSQL + S3: the catalog dumped first, then the bucket
/// copied (the test S3 server keeps a bucket as a directory, so the copy is of that; in
/// production a bucket copy or its versioning), restored into a fresh database and bucket.
#[tokio::test]
async fn with_postgresql_and_s3_a_pg_dump_then_a_bucket_copy_restores_a_working_archive() {
    const AUDIT_KEY: &str = "e2e-backup-audit-key-3f9a1c7e5b2d4f6a8c0e1b3d";
    let source = app().production().env("FERRUM_AUDIT_KEY", AUDIT_KEY).spawn().await.logged_in_as_admin().await;
    let sent = upload(&source, &study_specs(8400, 4)).await;
    source.add_user("pg-rad", "radiologist").await;
    let work = tempfile::tempdir().unwrap();
    let dump = work.path().join("catalog.dump");
    let source_db = source.setting("DATABASE_URL").unwrap().to_owned();
    run("pg_dump", &["--format=custom", "--no-owner", "--file", &dump.to_string_lossy(), &source_db]);
    let (ok, _, out) = ferrum(&source, None, &["backup", &work.path().join("repo").to_string_lossy()]);
    assert!(!ok && out.contains("pg_dump"), "ferrum backup refuses this set-up, naming the procedure: {out}");

    let mut target = app().production().env("FERRUM_AUDIT_KEY", AUDIT_KEY).spawn().await;
    target.kill();
    let target_db = target.setting("DATABASE_URL").unwrap().to_owned();
    run("pg_restore", &["--clean", "--if-exists", "--no-owner", "--dbname", &target_db, &dump.to_string_lossy()]);
    copy_tree(&source.blob_root(), &target.blob_root());
    drop(source);
    target.start();
    target.token_for("pg-rad", "a-long-password-1").await;
    let target = target.logged_in_as_admin().await;
    for file in &sent {
        assert_eq!(&file_over_http(&target, &sop_uid_of(file)).await, file, "restored byte for byte");
    }
    let out = target.command().args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains(r#""status": "intact""#), "{text}");
}
