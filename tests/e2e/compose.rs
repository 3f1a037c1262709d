//! docker-compose.yml cannot be run here (no container engine), so it is checked against
//! what the binary accepts: every setting it passes is one `ferrum` reads, the values
//! validate, and the services it names are the ones it defines, healthy before use.
use std::collections::{BTreeMap, HashMap};

use clap::{CommandFactory, Parser};
use ferrum_server::cli::Cli;
use serde_yaml::Value;

fn compose() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).expect("docker-compose.yml is YAML")
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["services"].get(name).unwrap_or_else(|| panic!("docker-compose.yml has no service {name}"))
}

/// A service's environment, with `${VAR…}` interpolations replaced by stand-in values.
fn environment(service: &Value) -> BTreeMap<String, String> {
    let example = dot_env_example();
    let mapping = service["environment"].as_mapping().expect("environment is a mapping");
    mapping
        .iter()
        .map(|(k, v)| {
            let raw = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => panic!("unexpected value {other:?}"),
            };
            (k.as_str().unwrap().to_owned(), interpolate(&raw, &example))
        })
        .collect()
}

/// The secrets `.env.example` documents, which `docker compose` reads from `.env`.
fn dot_env_example() -> HashMap<String, String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains('='))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

/// `${NAME}`, `${NAME:?message}` and `${NAME:-default}` as compose reads them.
fn interpolate(raw: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("unclosed ${") + start;
        let expr = &rest[start + 2..end];
        let name_end = expr.find([':', '-', '?']).unwrap_or(expr.len());
        let name = &expr[..name_end];
        let value = match vars.get(name) {
            Some(v) => v.clone(),
            None if expr[name_end..].starts_with(":-") => expr[name_end + 2..].to_owned(),
            None => panic!("${{{name}}} is used by docker-compose.yml but not documented in .env.example"),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn depends_on(service: &Value, name: &str) -> String {
    service["depends_on"][name]["condition"].as_str().unwrap_or_else(|| panic!("no depends_on {name}")).to_owned()
}

/// The command line `ferrum` would get from the compose file's environment for it.
fn ferrum_args(env: &BTreeMap<String, String>) -> Vec<String> {
    let command = Cli::command();
    let mut args = vec!["ferrum".to_owned()];
    for (key, value) in env {
        // The standard AWS credential chain reads these, not `ferrum`'s flags.
        if key.starts_with("AWS_") {
            continue;
        }
        let arg = command
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == key.as_str()))
            .unwrap_or_else(|| panic!("docker-compose.yml sets {key}, which ferrum does not read"));
        args.push(format!("--{}={value}", arg.get_long().unwrap()));
    }
    args
}

#[test]
fn every_ferrum_setting_in_compose_is_one_the_binary_reads_and_they_validate() {
    let doc = compose();
    let mut env = environment(service(&doc, "ferrum"));

    // Copied unchanged, .env.example's secrets stop the start-up, each named.
    for secret in ["FERRUM_JWT_SECRET", "FERRUM_ADMIN_PASSWORD"] {
        let cli = Cli::try_parse_from(ferrum_args(&env)).unwrap_or_else(|e| panic!("compose settings refused: {e}"));
        let refused = cli.settings.validate().expect_err("the placeholders of .env.example are refused");
        assert_eq!(refused.name, secret, "{refused}");
        env.insert(secret.to_owned(), "q7Lw2vN9xK4pR8sT1yU6zA3bC5dE0fGh".to_owned());
    }
    let cli = Cli::try_parse_from(ferrum_args(&env)).unwrap_or_else(|e| panic!("compose settings refused: {e}"));
    let bind = cli.settings.validate().expect("the compose settings validate once the secrets are set");
    assert_eq!(bind.port(), 8080);
    assert!(cli.settings.database_url().starts_with("postgres://"), "production runs on PostgreSQL");
    assert!(cli.settings.s3_bucket.is_some(), "production keeps blobs in S3");
    assert_eq!(cli.settings.s3_presign_secs, 0, "browsers cannot reach the unpublished store: no presigned URLs");
    assert!(env.contains_key("AWS_ACCESS_KEY_ID") && env.contains_key("AWS_SECRET_ACCESS_KEY"));
}

#[test]
fn compose_wires_ferrum_to_its_database_and_bucket_and_waits_until_they_are_healthy() {
    let doc = compose();
    let ferrum = service(&doc, "ferrum");
    assert_eq!(ferrum["build"].as_str(), Some("."), "ferrum is built from the repository's Dockerfile");
    assert!(dockerfile().contains("--bin ferrum"));
    let env = environment(ferrum);

    let postgres = service(&doc, "postgres");
    let pg = environment(postgres);
    let expected_url =
        format!("postgres://{}:{}@postgres:5432/{}", pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], pg["POSTGRES_DB"]);
    assert_eq!(env["DATABASE_URL"], expected_url);
    assert_eq!(depends_on(ferrum, "postgres"), "service_healthy");

    let minio = environment(service(&doc, "minio"));
    assert_eq!(env["FERRUM_S3_ENDPOINT"], "http://minio:9000");
    assert!(minio.contains_key("MINIO_KMS_SECRET_KEY"), "SSE-S3 (ferrum's default) needs a MinIO KMS key");
    let init = service(&doc, "minio-init");
    let init_env = environment(init);
    assert_eq!(init_env["BUCKET"], env["FERRUM_S3_BUCKET"]);
    assert!(init_script(&doc).contains("mc mb --ignore-existing \"store/$BUCKET\""), "{}", init_script(&doc));
    assert_eq!(depends_on(init, "minio"), "service_healthy");
    assert_eq!(depends_on(ferrum, "minio-init"), "service_completed_successfully");

    for name in ["postgres", "minio", "ferrum"] {
        assert!(service(&doc, name)["healthcheck"]["test"].is_sequence(), "{name} has a health check");
    }
    assert!(ferrum["healthcheck"]["test"]
        .as_sequence()
        .unwrap()
        .iter()
        .any(|t| t.as_str().unwrap().ends_with("/readyz")));
}

fn dockerfile() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).unwrap()
}

/// The shell script minio-init runs, as the shell sees it (compose turns `$$` into `$`).
fn init_script(doc: &Value) -> String {
    let entrypoint = service(doc, "minio-init")["entrypoint"].as_sequence().unwrap();
    entrypoint.last().unwrap().as_str().unwrap().replace("$$", "$")
}

/// An image reference names an exact release: a tag with at least `major.minor`, or a
/// MinIO `RELEASE.` date, or a digest; never `latest` or a bare major version.
fn pinned(image: &str) -> bool {
    if image.contains("@sha256:") {
        return true;
    }
    let Some((_, tag)) = image.rsplit_once(':') else { return false };
    let exact_version =
        tag.split(['-', '.']).take(2).filter(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty()).count() == 2;
    tag != "latest" && (exact_version || tag.starts_with("RELEASE.20"))
}

#[test]
fn every_image_is_pinned_and_the_service_runs_as_a_non_root_user() {
    let doc = compose();
    for (name, service) in doc["services"].as_mapping().unwrap() {
        if let Some(image) = service["image"].as_str() {
            assert!(pinned(image), "{} uses {image}, not an exact release", name.as_str().unwrap());
        }
    }
    let dockerfile = dockerfile();
    for line in dockerfile.lines().filter(|l| l.starts_with("FROM ")) {
        let image = line.split_whitespace().nth(1).unwrap();
        assert!(pinned(image), "the Dockerfile builds on {image}, not an exact release");
    }
    assert!(!pinned("postgres:16-bookworm") && !pinned("minio/minio:latest") && pinned("postgres:16.10-bookworm"));

    // The last USER of the final stage decides who the service runs as.
    let final_stage = dockerfile.rsplit("\nFROM ").next().unwrap();
    let user = final_stage.lines().rev().find_map(|l| l.strip_prefix("USER ")).expect("the image sets a USER");
    let user = user.trim().split(':').next().unwrap();
    assert!(user != "root" && user != "0", "the image runs as {user}");
    assert!(service(&doc, "ferrum")["user"].as_str().is_none_or(|u| !u.starts_with('0') && !u.starts_with("root")));

    let ignored =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.dockerignore")).expect(".dockerignore");
    let ignored: Vec<&str> = ignored.lines().map(str::trim).collect();
    for kept_out in ["data/", "target/", ".env", "*.pem", "*.key"] {
        assert!(ignored.contains(&kept_out), ".dockerignore does not keep {kept_out} out of the build context");
    }
}

#[test]
fn the_object_store_is_not_published_and_ferrum_uses_its_own_key_limited_to_its_bucket() {
    let doc = compose();
    for name in ["minio", "postgres", "minio-init"] {
        assert!(service(&doc, name)["ports"].is_null(), "{name} is published on the host");
    }
    let env = environment(service(&doc, "ferrum"));
    let minio = environment(service(&doc, "minio"));
    assert_ne!(env["AWS_ACCESS_KEY_ID"], minio["MINIO_ROOT_USER"], "ferrum must not use MinIO's root account");
    assert_ne!(env["AWS_SECRET_ACCESS_KEY"], minio["MINIO_ROOT_PASSWORD"]);
    let raw = service(&doc, "ferrum")["environment"]["AWS_ACCESS_KEY_ID"].as_str().unwrap().to_owned();
    assert!(!raw.contains("MINIO_ROOT"), "{raw}");

    let init = environment(service(&doc, "minio-init"));
    assert_eq!(init["S3_ACCESS_KEY"], env["AWS_ACCESS_KEY_ID"]);
    assert_eq!(init["S3_SECRET_KEY"], env["AWS_SECRET_ACCESS_KEY"]);
    let script = init_script(&doc);
    assert!(script.contains("mc admin user add store \"$S3_ACCESS_KEY\" \"$S3_SECRET_KEY\""), "{script}");
    assert!(script.contains("mc admin policy attach store ferrum-bucket --user \"$S3_ACCESS_KEY\""), "{script}");
    // The policy names the bucket and its objects, nothing wider.
    let resources: Vec<&str> =
        script.match_indices("arn:aws:s3:::").map(|(i, _)| script[i..].split('"').next().unwrap()).collect();
    assert_eq!(resources, ["arn:aws:s3:::$BUCKET", "arn:aws:s3:::$BUCKET/*"], "{script}");
    assert!(!script.contains("\"s3:*\"") && !script.contains("\"Action\": \"*\""), "{script}");
}
