//! The command line: import, migrate, configuration errors.
use crate::fixtures::samples_dir;
use crate::harness::app;

#[tokio::test]
async fn import_ingests_a_folder_through_the_pipeline_and_prints_a_summary() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let out = app.command().arg("import").arg(samples_dir()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let stored_line = text.lines().find(|l| l.starts_with("stored")).unwrap_or_else(|| panic!("no summary: {text}"));
    assert!(stored_line.split_whitespace().any(|w| w == "20"), "{text}");
    assert!(text.contains("README.txt"), "skipped files are listed: {text}");
    let (_, list) = app.get_json("/api/studies").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 6);

    let again = app.command().arg("import").arg(samples_dir()).output().unwrap();
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.lines().any(|l| l.starts_with("duplicate") && l.contains("20")), "{text}");
}

#[test]
fn import_into_a_fresh_data_directory_makes_the_first_admin_as_serve_would() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(crate::harness::binary())
        .env_clear()
        .env("FERRUM_DATA_DIR", dir.path())
        .arg("import")
        .arg(samples_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Created the first account: username `admin`"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("stored") && l.contains("20")), "{text}");
}

#[test]
fn migrate_succeeds_and_bad_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(crate::harness::binary());
        cmd.env_clear().env("FERRUM_DATA_DIR", dir.path()).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&["migrate"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("catalog.db").exists());

    let out = run(&["serve"], &[("FERRUM_BIND", "not-an-address")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FERRUM_BIND"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = run(&["serve"], &[("FERRUM_CONFLICT_POLICY", "sometimes")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FERRUM_CONFLICT_POLICY")
            || String::from_utf8_lossy(&out.stderr).contains("conflict-policy")
    );
}
