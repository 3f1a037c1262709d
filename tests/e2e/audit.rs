//! The audit trail from outside: tamper evidence (`ferrum audit verify` names an edited and a
//! deleted event, and retention's checkpoint), the exports (CSV, FHIR R4 AuditEvent), what
//! owners and users may read of it, one event per upload and study, coalesced scrolling.
use serde_json::Value;

use crate::fixtures::*;
use crate::harness::{app, TestApp};

async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, v) = app.get_json(&format!("/api/audit?{query}")).await;
    assert_eq!(status, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn verify(app: &TestApp) -> (bool, Value) {
    let out = app.command().args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("verify printed no JSON: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.success(), v)
}

#[tokio::test]
async fn verify_names_the_first_edited_or_deleted_event_and_the_table_refuses_edits() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(2100, 1, 1);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    for _ in 0..3 {
        assert_eq!(app.get_json(&format!("/api/studies/{}", spec.study)).await.0, 200);
    }
    let (ok, v) = verify(&app);
    assert!(ok, "{v}");
    assert_eq!(v["status"], "intact");
    assert!(v["events"].as_u64().unwrap() >= 5, "{v}");

    // The application's own statements cannot change or remove an event.
    let edit = "UPDATE audit_events SET actor = 'user:nobody' WHERE seq = 3";
    let refused = app.catalog_sql(edit).await.unwrap_err().to_string();
    assert!(refused.contains("append-only"), "{refused}");
    assert!(app.catalog_sql("DELETE FROM audit_events WHERE seq = 4").await.is_err());

    // Someone with the database's owner rights drops the guard and edits event 3.
    let unguard = if app.catalog_sql("SELECT 1 FROM pg_catalog.pg_tables LIMIT 1").await.is_ok() {
        "DROP TRIGGER audit_events_append_only ON audit_events"
    } else {
        "DROP TRIGGER audit_events_append_only; DROP TRIGGER audit_events_pruned_only"
    };
    app.catalog_sql(unguard).await.unwrap();
    let original: Vec<Value> = audit(&app, "limit=1000").await;
    let third = original.iter().find(|e| e["seq"] == 3).unwrap()["actor"].as_str().unwrap().to_owned();
    app.catalog_sql(edit).await.unwrap();
    let (ok, v) = verify(&app);
    assert!(!ok, "{v}");
    assert_eq!((v["status"].as_str(), v["seq"].as_i64()), (Some("broken"), Some(3)), "{v}");
    assert!(v["problem"].as_str().unwrap().contains("changed"), "{v}");

    // Put back, it holds again; a deleted event is named as missing.
    app.catalog_sql(&format!("UPDATE audit_events SET actor = '{third}' WHERE seq = 3")).await.unwrap();
    assert!(verify(&app).0);
    app.catalog_sql("DELETE FROM audit_events WHERE seq = 4").await.unwrap();
    let (ok, v) = verify(&app);
    assert!(!ok);
    assert_eq!(v["seq"], 4, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("missing"), "{v}");
}

#[tokio::test]
async fn deleting_the_newest_events_is_caught_by_the_head_and_retention_leaves_a_signed_checkpoint() {
    let mut app = app().spawn().await.logged_in_as_admin().await;
    for _ in 0..3 {
        assert_eq!(app.get_json("/api/studies").await.0, 200);
    }
    let is_pg = app.catalog_sql("SELECT 1 FROM pg_catalog.pg_tables LIMIT 1").await.is_ok();
    let unguard = if is_pg {
        "DROP TRIGGER audit_events_append_only ON audit_events"
    } else {
        "DROP TRIGGER audit_events_pruned_only"
    };
    app.catalog_sql(unguard).await.unwrap();
    app.catalog_sql("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)").await.unwrap();
    let (ok, v) = verify(&app);
    assert!(!ok, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("were deleted"), "{v}");
    app.kill();

    // A fresh trail, pruned by retention: the checkpoint is where verify starts.
    let mut app =
        crate::harness::app().env("FERRUM_AUDIT_RETENTION_DAYS", "0").spawn().await.logged_in_as_admin().await;
    for _ in 0..3 {
        assert_eq!(app.get_json("/api/studies").await.0, 200);
    }
    let out = app.command().args(["audit", "prune"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let checkpoint: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(checkpoint["seq"].as_i64().unwrap() >= 4, "{checkpoint}");
    let (ok, v) = verify(&app);
    assert!(ok, "{v}");
    assert_eq!(v["checkpoint_seq"], checkpoint["seq"]);
    assert_eq!(audit(&app, "action=prune_audit").await.len(), 1, "pruning is itself on the trail");
    // A checkpoint moved by someone without the audit key does not verify.
    let forged = format!("UPDATE audit_checkpoints SET seq = seq - 1 WHERE seq = {}", checkpoint["seq"]);
    app.catalog_sql(&forged).await.unwrap();
    let (ok, v) = verify(&app);
    assert!(!ok);
    assert!(v["problem"].as_str().unwrap().contains("signature"), "{v}");
    app.kill();
}

#[tokio::test]
async fn a_chain_rewritten_consistently_with_its_head_is_caught_by_the_signed_anchor() {
    let app = app().env("FERRUM_AUDIT_ANCHOR_SECS", "1").spawn().await.logged_in_as_admin().await;
    for _ in 0..4 {
        assert_eq!(app.get_json("/api/studies").await.0, 200);
    }
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (ok, v) = verify(&app);
    assert!(ok && v["anchors"].as_u64().unwrap() >= 1, "{v}");
    // Someone with database access only edits event 3 and recomputes every hash after it
    // and the head: the chain is consistent again, but not with the anchor.
    let is_pg = app.catalog_sql("SELECT 1 FROM pg_catalog.pg_tables LIMIT 1").await.is_ok();
    let unguard = if is_pg {
        "DROP TRIGGER audit_events_append_only ON audit_events"
    } else {
        "DROP TRIGGER audit_events_append_only"
    };
    app.catalog_sql(unguard).await.unwrap();
    let mut events = audit(&app, "limit=1000").await;
    events.reverse();
    let mut prev: Option<String> = None;
    let mut sql = String::new();
    for e in events {
        let mut r = ferrum_store::audit::AuditRecord {
            seq: e["seq"].as_i64().unwrap(),
            at: e["at"].as_str().unwrap().into(),
            actor: e["actor"].as_str().unwrap().into(),
            action: e["action"].as_str().unwrap().into(),
            outcome: e["outcome"].as_str().unwrap().into(),
            study_uid: e["study_uid"].as_str().map(Into::into),
            series_uid: e["series_uid"].as_str().map(Into::into),
            sop_uid: e["sop_uid"].as_str().map(Into::into),
            remote_addr: e["remote_addr"].as_str().map(Into::into),
            user_agent: e["user_agent"].as_str().map(Into::into),
            request_id: e["request_id"].as_str().map(Into::into),
            detail: (!e["detail"].is_null()).then(|| e["detail"].to_string()),
            count: e["count"].as_i64().unwrap(),
            prev_hash: e["prev_hash"].as_str().unwrap().into(),
            hash: e["hash"].as_str().unwrap().into(),
        };
        assert_eq!(r.compute_hash(), r.hash, "the test encodes events as the server does");
        if r.seq < 3 {
            prev = Some(r.hash);
            continue;
        }
        if r.seq == 3 {
            r.actor = "user:somebody-else".into();
        }
        r.prev_hash = prev.take().unwrap();
        r.hash = r.compute_hash();
        sql.push_str(&format!(
            "UPDATE audit_events SET actor = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {};\n",
            r.actor, r.prev_hash, r.hash, r.seq
        ));
        sql.push_str(&format!("UPDATE audit_head SET seq = {}, hash = '{}' WHERE id = 1;\n", r.seq, r.hash));
        prev = Some(r.hash);
    }
    app.catalog_sql(&sql).await.unwrap();
    let (ok, v) = verify(&app);
    assert!(!ok, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("anchor"), "{v}");
}

/// FHIR R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html): the elements of cardinality
/// 1.. and the codes of the bound value sets.
fn check_fhir_audit_event(e: &Value) {
    let dcm = "http://dicom.nema.org/resources/ontology/DCM";
    assert_eq!(e["resourceType"], "AuditEvent", "{e}");
    assert_eq!(e["type"]["system"], dcm, "type is from DICOM's audit event IDs: {e}");
    let types = ["110100", "110101", "110103", "110104", "110106", "110107", "110112", "110113", "110114"];
    assert!(types.contains(&e["type"]["code"].as_str().unwrap()), "{e}");
    for sub in e["subtype"].as_array().into_iter().flatten() {
        assert_eq!(sub["system"], dcm);
        assert!(["110122", "110123", "110129", "110136", "110137"].contains(&sub["code"].as_str().unwrap()), "{e}");
    }
    assert!(["C", "R", "U", "D", "E"].contains(&e["action"].as_str().unwrap()), "{e}");
    assert!(["0", "4", "8", "12"].contains(&e["outcome"].as_str().unwrap()), "{e}");
    chrono::DateTime::parse_from_rfc3339(e["recorded"].as_str().unwrap()).expect("recorded is an instant");
    let agents = e["agent"].as_array().expect("agent 1..*");
    assert!(!agents.is_empty());
    for a in agents {
        assert!(a["requestor"].is_boolean(), "agent.requestor 1..1: {e}");
        assert!(a["who"]["display"].is_string(), "{e}");
        if let Some(n) = a.get("network") {
            assert!(["1", "2", "3", "4", "5"].contains(&n["type"].as_str().unwrap()), "{e}");
        }
    }
    assert!(e["source"]["observer"].is_object(), "source.observer 1..1: {e}");
    for t in e["source"]["type"].as_array().into_iter().flatten() {
        assert_eq!(t["system"], "http://terminology.hl7.org/CodeSystem/security-source-type");
    }
    for entity in e["entity"].as_array().into_iter().flatten() {
        assert_eq!(entity["type"]["system"], "http://terminology.hl7.org/CodeSystem/audit-entity-type");
        assert_eq!(entity["role"]["system"], "http://terminology.hl7.org/CodeSystem/object-role");
        assert!(entity["what"]["identifier"]["value"].is_string(), "{e}");
    }
    for ext in e["extension"].as_array().into_iter().flatten() {
        assert!(ext["url"].as_str().unwrap().contains(':'), "an extension's url is absolute");
    }
}

#[tokio::test]
async fn the_trail_exports_as_csv_and_fhir_and_reading_it_is_recorded() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(2101, 1, 1).size(16);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    assert_eq!(app.get_json(&format!("/api/studies/{}", spec.study)).await.0, 200);
    assert_eq!(app.get_json("/api/studies/1.2.3.404").await.0, 404);
    assert_eq!(app.get_json("/api/studies?patient_name=Test*&modality=CT").await.0, 200);

    let r = app.get("/api/audit?limit=1000").header("accept", "text/csv").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = r.bytes().await.unwrap();
    let mut rows = csv::Reader::from_reader(&body[..]);
    let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&header[..5], ["seq", "at", "actor", "action", "outcome"]);
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert!(records.iter().any(|r| &r[3] == "view_study" && &r[4] == "not_found" && &r[5] == "1.2.3.404"));
    let search = records.iter().find(|r| &r[3] == "search_studies").expect("the search is on the trail");
    let detail: Value = serde_json::from_str(&search[12]).unwrap();
    assert_eq!(
        detail["filters"],
        serde_json::json!(["patient_name", "modality"]),
        "the filters used, not their values"
    );
    assert_eq!(detail["study_uids"], serde_json::json!([spec.study]), "and which studies it returned");
    assert!(!String::from_utf8_lossy(&body).contains("Test*"), "a search's values stay out of the trail");

    let r = app.get("/api/audit?format=fhir&limit=1000").send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/fhir+ndjson");
    let text = r.text().await.unwrap();
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.len() >= 5);
    events.iter().for_each(check_fhir_audit_event);
    let viewed = events.iter().find(|e| e["entity"][0]["what"]["identifier"]["value"] == spec.study.as_str()).unwrap();
    assert_eq!(viewed["entity"][0]["what"]["identifier"]["type"]["coding"][0]["code"], "110180");

    let out = app.command().args(["audit", "export", "--format", "fhir"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let exported: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    exported.iter().for_each(check_fhir_audit_event);
    assert!(exported.len() >= events.len());
    let out = app.command().args(["audit", "export", "--since", "2000-01-01"]).output().unwrap();
    let csv_rows = csv::Reader::from_reader(&out.stdout[..]).records().count();
    assert!(csv_rows >= records.len(), "{csv_rows}");

    let reads = audit(&app, "action=read_audit,export_audit").await;
    assert!(reads.len() >= 2, "reading the trail is on the trail: {reads:?}");
    let exports = audit(&app, "action=export_audit").await;
    assert!(exports.iter().any(|e| e["actor"] == "system" && e["detail"]["via"] == "cli"));
    assert_eq!(app.get_json("/api/audit?action=no_such_thing").await.0, 400);
    assert_eq!(app.get_json("/api/audit?from=yesterday").await.0, 400);
    let page = audit(&app, "limit=2").await;
    let (_, v) = app.get_json(&format!("/api/audit?limit=2&cursor={}", page[1]["seq"])).await;
    assert!(v["items"][0]["seq"].as_i64().unwrap() < page[1]["seq"].as_i64().unwrap());
}

#[tokio::test]
async fn owners_see_who_opened_their_study_and_everyone_their_own_activity() {
    let app = app().spawn().await.logged_in_as_admin().await;
    let owner = app.add_user("owner", "radiologist").await;
    let reader = app.add_user("reader", "radiologist").await;
    let stranger = app.add_user("stranger", "radiologist").await;
    let spec = Spec::new(2102, 1, 1).size(16);
    assert_eq!(app.upload_as(&owner, "application/dicom", dicom(&spec)).await.0, 201);
    let grants = app.url(&format!("/api/studies/{}/grants", spec.study));
    let body = serde_json::json!({"grantee": "user:reader", "level": "read"});
    assert_eq!(app.client.put(&grants).bearer_auth(&owner).json(&body).send().await.unwrap().status(), 200);
    let study = app.url(&format!("/api/studies/{}", spec.study));
    assert_eq!(app.client.get(&study).bearer_auth(&reader).send().await.unwrap().status(), 200);
    assert_eq!(app.client.get(&study).bearer_auth(&stranger).send().await.unwrap().status(), 404);
    let (_, link) = crate::links::create_link(&app, &owner, &spec.study, serde_json::json!({})).await;
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    assert_eq!(app.client.get(app.url(&format!("/v/{token}"))).send().await.unwrap().status(), 200);

    let access = app.url(&format!("/api/studies/{}/access", spec.study));
    let r = app.client.get(&access).bearer_auth(&owner).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let actors: Vec<&str> = v["actors"].as_array().unwrap().iter().map(|a| a["actor"].as_str().unwrap()).collect();
    for who in ["user:owner", "user:reader", "user:stranger", &format!("link:{}", link["id"].as_str().unwrap())] {
        assert!(actors.contains(&who), "{who} missing from {actors:?}");
    }
    let probe = v["items"].as_array().unwrap().iter().find(|e| e["actor"] == "user:stranger").unwrap();
    assert_eq!(probe["outcome"], "not_found", "a probe of the study is on its record");
    assert!(probe["remote_addr"].is_null(), "where a colleague connected from is not the owner's to see");
    let opened = v["items"].as_array().unwrap().iter().find(|e| e["action"] == "open_link").unwrap();
    assert!(opened["remote_addr"].is_string(), "a link's visitor's address is, as in the link's log");
    assert_eq!(app.client.get(&access).bearer_auth(&reader).send().await.unwrap().status(), 403);
    assert_eq!(app.client.get(&access).bearer_auth(&stranger).send().await.unwrap().status(), 404);

    let mine: Value =
        app.client.get(app.url("/api/me/activity")).bearer_auth(&reader).send().await.unwrap().json().await.unwrap();
    let items = mine["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["actor"] == "user:reader"), "{mine}");
    for action in ["login", "view_study"] {
        assert!(items.iter().any(|e| e["action"] == action), "{action} missing: {mine}");
    }
}

#[tokio::test]
async fn one_upload_is_one_event_per_study_however_many_commits_it_takes() {
    let app = app().spawn().await.logged_in_as_admin().await;
    // 150 files of two studies: more than one commit batch.
    let mut files = Vec::new();
    for i in 0..150u32 {
        let spec = Spec::new(2103 + i % 2, 1, i + 1);
        files.push((format!("f{i}.dcm"), dicom(&spec)));
    }
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let r = app
        .client
        .post(app.url("/api/uploads"))
        .bearer_auth(app.token())
        .header("content-type", "application/zip")
        .body(zip_of(&entries))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let events = audit(&app, &format!("request_id={id}")).await;
    let mut studies: Vec<&str> = events.iter().map(|e| e["study_uid"].as_str().unwrap()).collect();
    studies.sort();
    let root = Spec::new(2103, 1, 1).study;
    let other = Spec::new(2104, 1, 1).study;
    assert_eq!(studies, vec![root.as_str(), other.as_str()], "{events:?}");
    assert!(events.iter().all(|e| e["action"] == "upload" && e["outcome"] == "allowed"));
    // Again: all duplicates, still one event per study.
    let (status, _) = app.upload("application/zip", zip_of(&entries)).await;
    assert_eq!(status, 200);
    assert_eq!(audit(&app, "action=upload").await.len(), 4);
}

#[tokio::test]
async fn frames_read_while_scrolling_are_coalesced_with_their_count() {
    let app = app().env("FERRUM_AUDIT_COALESCE_SECS", "2").spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(2105, 1, 1).size(16);
    assert_eq!(app.upload("application/dicom", dicom(&spec)).await.0, 201);
    let path = format!("/api/instances/{}/rendered", spec.sop);
    for w in 0..6 {
        assert_eq!(app.get(&format!("{path}?window={},400", 40 + w)).send().await.unwrap().status(), 200);
    }
    // The window closes and is written within a few seconds.
    let mut total = 0;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        total = audit(&app, "action=view_image").await.iter().map(|e| e["count"].as_i64().unwrap()).sum::<i64>();
        if total == 6 {
            break;
        }
    }
    assert_eq!(total, 6, "every rendering is counted");
    let events = audit(&app, "action=view_image").await;
    assert!(events.len() < 6, "and fewer events than renderings: {events:?}");
    assert!(events.iter().any(|e| e["detail"]["coalesced"] == true));
    // A flood of bad tokens is coalesced the same way.
    for _ in 0..30 {
        let r = app.client.get(app.url("/api/studies")).bearer_auth("junk").send().await.unwrap();
        assert_eq!(r.status(), 401);
    }
    let refused = audit(&app, "action=search_studies&outcome=denied").await;
    assert!(!refused.is_empty() && refused.len() < 5, "{refused:?}");
}

/// The audit page offers every action the server records, and nothing else.
#[test]
fn the_audit_page_lists_exactly_the_servers_actions() {
    let page = include_str!("../../web/app/pages/audit.js");
    let start = page.find("const ACTIONS = [").unwrap();
    let list = &page[start..start + page[start..].find("\n];").unwrap()];
    // Every quoted name: the groups' titles have capitals and spaces, the actions do not.
    let mut offered: Vec<&str> = list
        .split('\'')
        .skip(1)
        .step_by(2)
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .collect();
    offered.sort();
    let mut known: Vec<&str> = ferrum_store::audit::Action::ALL.iter().map(|a| a.as_str()).collect();
    known.sort();
    assert_eq!(offered, known);
}
