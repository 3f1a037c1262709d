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

#[test]
fn every_ferrum_setting_in_compose_is_one_the_binary_reads_and_they_validate() {
    let doc = compose();
    let env = environment(service(&doc, "ferrum"));
    let command = Cli::command();
    let mut args = vec!["ferrum".to_owned()];
    for (key, value) in &env {
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
    let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("compose settings refused: {e}"));
    let bind = cli.settings.validate().expect("the compose settings validate");
    assert_eq!(bind.port(), 8080);
    assert!(cli.settings.database_url().starts_with("postgres://"), "production runs on PostgreSQL");
    assert!(cli.settings.s3_bucket.is_some(), "production keeps blobs in S3");
    assert!(cli.settings.s3_presign_secs > 0, "raw downloads go through presigned URLs");
    assert!(env.contains_key("AWS_ACCESS_KEY_ID") && env.contains_key("AWS_SECRET_ACCESS_KEY"));
}

#[test]
fn compose_wires_ferrum_to_its_database_and_bucket_and_waits_until_they_are_healthy() {
    let doc = compose();
    let ferrum = service(&doc, "ferrum");
    assert_eq!(ferrum["build"].as_str(), Some("."), "ferrum is built from the repository's Dockerfile");
    let dockerfile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile")).unwrap();
    assert!(dockerfile.contains("--bin ferrum"));
    let env = environment(ferrum);

    let postgres = service(&doc, "postgres");
    let pg = environment(postgres);
    let expected_url =
        format!("postgres://{}:{}@postgres:5432/{}", pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], pg["POSTGRES_DB"]);
    assert_eq!(env["DATABASE_URL"], expected_url);
    assert_eq!(depends_on(ferrum, "postgres"), "service_healthy");

    let minio = environment(service(&doc, "minio"));
    assert_eq!(env["FERRUM_S3_ENDPOINT"], "http://minio:9000");
    assert_eq!(env["AWS_ACCESS_KEY_ID"], minio["MINIO_ROOT_USER"]);
    assert_eq!(env["AWS_SECRET_ACCESS_KEY"], minio["MINIO_ROOT_PASSWORD"]);
    assert!(minio.contains_key("MINIO_KMS_SECRET_KEY"), "SSE-S3 (ferrum's default) needs a MinIO KMS key");
    let init = service(&doc, "minio-init");
    let script = init["entrypoint"].as_sequence().unwrap().last().unwrap().as_str().unwrap();
    assert!(script.contains(&format!("mc mb --ignore-existing ferrum/{}", env["FERRUM_S3_BUCKET"])), "{script}");
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
