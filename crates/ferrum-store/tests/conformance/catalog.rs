//! Catalog cases.
use std::sync::Arc;

use ferrum_store::access::{Grantee, Level, LinkPrincipal, UserPrincipal};
use ferrum_store::audit::{Action, AuditQuery, AuditRecord, NewAuditEvent, Outcome};
use ferrum_store::catalog::SqliteCatalog;
use ferrum_store::model::*;
use ferrum_store::{Catalog, Principal, StoreError};

pub type Store = Arc<dyn Catalog>;

/// The service itself: sees and writes everything.
pub(crate) fn sys() -> Principal {
    Principal::System
}

/// An account as the server's extractor makes its principal.
pub(crate) async fn account(store: &Store, name: &str, role: Role) -> Principal {
    let u = match store.find_user(name).await.unwrap() {
        Some(u) => u,
        None => store.create_user(name, "hash", role, &change("create_user")).await.unwrap(),
    };
    Principal::User(UserPrincipal {
        id: u.id,
        username: u.username,
        role: u.role,
        groups: store.groups_of(u.id).await.unwrap(),
    })
}

pub(crate) fn instance(study: u32, series: u32, n: u32, sha: &str) -> NewInstance {
    NewInstance {
        attributes: InstanceAttributes {
            patient_name: Some(format!("Müller^Patient{study}")),
            patient_id: Some(format!("P{study}")),
            study_instance_uid: format!("1.2.3.{study}"),
            study_date: Some(format!("202401{:02}", study % 28 + 1)),
            accession_number: Some(format!("A{study}")),
            study_description: Some("Chest CT".into()),
            series_instance_uid: format!("1.2.3.{study}.{series}"),
            modality: Some(if series == 2 { "MR".into() } else { "CT".into() }),
            series_number: Some(i64::from(series)),
            sop_instance_uid: format!("1.2.3.{study}.{series}.{n}"),
            instance_number: Some(i64::from(n)),
            transfer_syntax_uid: "1.2.840.10008.1.2.1".into(),
            ..Default::default()
        },
        size_bytes: 100,
        sha256: sha.into(),
        blob_key: format!("dicom/{sha}.dcm"),
        uploaded_by: "alice".into(),
        warnings: Vec::new(),
        metadata: Some(format!(r#"{{"00080018":{{"vr":"UI","Value":["1.2.3.{study}.{series}.{n}"]}},"sha":"{sha}"}}"#)),
    }
}

pub(crate) fn event(action: &str, study: &str) -> NewAuditEvent {
    let mut e = NewAuditEvent::new("user:alice", action.parse::<Action>().unwrap(), Outcome::Allowed);
    e.study_uid = Some(study.into());
    e.remote_addr = Some("127.0.0.1".into());
    e
}

/// An account-side event (no study).
fn change(action: &str) -> NewAuditEvent {
    let mut e = NewAuditEvent::new("user:root", action.parse::<Action>().unwrap(), Outcome::Allowed);
    e.remote_addr = Some("127.0.0.1".into());
    e
}

/// The actions of the trail with no study, oldest first.
async fn account_actions(store: &Store) -> Vec<String> {
    let q = AuditQuery { limit: 1000, ..Default::default() };
    let mut events: Vec<AuditRecord> = store.query_audit(&q).await.unwrap();
    events.retain(|e| e.study_uid.is_none());
    events.into_iter().rev().map(|e| e.action).collect()
}

fn query() -> StudyQuery {
    StudyQuery { limit: 50, ..Default::default() }
}

pub async fn usernames_are_unique_forever(store: Store) {
    let u = store.create_user("alice", "hash", Role::Radiologist, &change("create_user")).await.unwrap();
    assert_eq!(u.role, Role::Radiologist);
    assert!(matches!(
        store.create_user("alice", "other", Role::Admin, &change("create_user")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.find_user("alice").await.unwrap().unwrap().password_hash.as_deref(), Some("hash"));
    assert!(store.find_user("bob").await.unwrap().is_none());
    assert_eq!(store.count_users().await.unwrap(), 1);
}

pub async fn failed_logins_lock_after_the_limit_and_success_resets(store: Store) {
    let u = store.create_user("carol", "hash", Role::Admin, &change("create_user")).await.unwrap();
    let now = "2026-01-01T00:00:00.000000Z";
    assert!(store.claim_login_attempt(u.id, now, 2, FUTURE).await.unwrap());
    assert!(store.find_user("carol").await.unwrap().unwrap().locked_until.is_none());
    assert!(store.claim_login_attempt(u.id, now, 2, FUTURE).await.unwrap(), "the attempt that reaches the limit");
    assert!(store.find_user("carol").await.unwrap().unwrap().locked_until.is_some());
    assert!(!store.claim_login_attempt(u.id, now, 2, FUTURE).await.unwrap(), "locked: not even counted");
    assert_eq!(store.find_user("carol").await.unwrap().unwrap().failed_logins, 2);
    assert!(store.claim_login_attempt(u.id, "3000-01-01T00:00:00.000000Z", 2, "3001").await.unwrap(), "after the lock");
    store.record_login_success(u.id).await.unwrap();
    let u = store.find_user("carol").await.unwrap().unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (0, None));
}

pub async fn a_burst_of_login_attempts_gets_no_more_than_the_limit(store: Store) {
    let u = store.create_user("mallory", "hash", Role::Radiologist, &change("create_user")).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.claim_login_attempt(u.id, "2026-01-01T00:00:00.000000Z", 5, FUTURE).await.unwrap()
        }));
    }
    let mut claimed = 0;
    for t in tasks {
        claimed += usize::from(t.await.unwrap());
    }
    assert_eq!(claimed, 5);
}

pub async fn accounts_are_changed_listed_and_deleted_for_good(store: Store) {
    let dan = store.create_user("dan", "h1", Role::Radiologist, &change("create_user")).await.unwrap();
    store.create_user("amy", "h2", Role::Admin, &change("create_user")).await.unwrap();
    store.claim_login_attempt(dan.id, "2026-01-01T00:00:00.000000Z", 1, FUTURE).await.unwrap();
    let names = |users: Vec<User>| users.into_iter().map(|u| u.username).collect::<Vec<_>>();
    assert_eq!(names(store.list_users().await.unwrap()), vec!["amy", "dan"]);

    let promoted = store
        .update_user("dan", &UserChange { role: Some(Role::Admin), ..Default::default() }, &[change("update_user")])
        .await
        .unwrap();
    assert_eq!((promoted.role, promoted.password_hash.as_deref()), (Role::Admin, Some("h1")));
    assert!(promoted.locked_until.is_some(), "a role change leaves a lockout alone");
    let reset = UserChange { password_hash: Some("h3".into()), ..Default::default() };
    let dan = store.update_user("dan", &reset, &[change("reset_password")]).await.unwrap();
    assert_eq!(
        (dan.role, dan.password_hash.as_deref(), dan.failed_logins, dan.locked_until),
        (Role::Admin, Some("h3"), 0, None)
    );

    store.delete_user("dan", &change("delete_user")).await.unwrap();
    assert_eq!(names(store.list_users().await.unwrap()), vec!["amy"]);
    let gone = store.find_user("dan").await.unwrap().unwrap();
    assert!(gone.deleted && gone.password_hash.is_none());
    assert!(matches!(store.delete_user("dan", &change("delete_user")).await, Err(StoreError::NotFound)));
    assert!(matches!(store.update_user("dan", &reset, &[change("reset_password")]).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.create_user("dan", "h4", Role::Radiologist, &change("create_user")).await,
        Err(StoreError::Conflict(_))
    ));
    // Each change's event was committed with it; the refused ones left none.
    assert_eq!(
        account_actions(&store).await,
        vec!["create_user", "create_user", "update_user", "reset_password", "delete_user"]
    );
}

pub async fn sessions_rotate_once_and_end_with_logout_password_reset_or_deletion(store: Store) {
    let eve = store.create_user("eve", "h", Role::Radiologist, &change("create_user")).await.unwrap();
    let open = |id: &str| NewSession {
        id: id.into(),
        user_id: eve.id,
        refresh_hash: "r0".into(),
        expires_at: FUTURE.into(),
        address: None,
        user_agent: None,
    };
    for id in ["s1", "s2", "s3"] {
        store.create_session(&open(id)).await.unwrap();
    }
    let s1 = store.find_session("s1").await.unwrap().unwrap();
    assert_eq!(
        (s1.username.as_str(), s1.role, s1.user_deleted, s1.revoked_at),
        ("eve", Role::Radiologist, false, None)
    );
    assert!(store.find_session("nope").await.unwrap().is_none());

    assert!(store.rotate_session("s1", "r0", "r1").await.unwrap());
    assert!(!store.rotate_session("s1", "r0", "r2").await.unwrap(), "a used refresh secret does not rotate again");
    assert_eq!(store.find_session("s1").await.unwrap().unwrap().refresh_hash, "r1");

    store.revoke_session("s1", &change("logout")).await.unwrap();
    assert!(store.find_session("s1").await.unwrap().unwrap().revoked_at.is_some());
    assert!(!store.rotate_session("s1", "r1", "r3").await.unwrap(), "a closed session does not rotate");

    store
        .update_user("eve", &UserChange { role: Some(Role::Admin), ..Default::default() }, &[change("update_user")])
        .await
        .unwrap();
    let s2 = store.find_session("s2").await.unwrap().unwrap();
    assert_eq!((s2.role, s2.revoked_at), (Role::Admin, None), "the role is the account's as it is now");
    store
        .update_user(
            "eve",
            &UserChange { password_hash: Some("h2".into()), ..Default::default() },
            &[change("update_user")],
        )
        .await
        .unwrap();
    assert!(store.find_session("s2").await.unwrap().unwrap().revoked_at.is_some(), "a new password ends sessions");

    store.create_session(&open("s4")).await.unwrap();
    store.delete_user("eve", &change("delete_user")).await.unwrap();
    let s4 = store.find_session("s4").await.unwrap().unwrap();
    assert!(s4.user_deleted && s4.revoked_at.is_some());
}

pub async fn a_series_remembers_which_instance_its_thumbnail_shows(store: Store) {
    store.insert_instances(&sys(), &[instance(32, 1, 1, "t1")], ConflictPolicy::Reject, &[]).await.unwrap();
    let series = "1.2.3.32.1";
    assert_eq!(store.swap_series_thumbnail(series, "aaa").await.unwrap(), None);
    assert_eq!(store.swap_series_thumbnail(series, "bbb").await.unwrap().as_deref(), Some("aaa"));
    assert_eq!(store.swap_series_thumbnail(series, "bbb").await.unwrap().as_deref(), Some("bbb"));
    assert_eq!(store.swap_series_thumbnail("9.9.9", "ccc").await.unwrap(), None, "an unknown series");
}

pub async fn same_object_twice_is_a_duplicate_and_a_different_one_a_conflict(store: Store) {
    let first = instance(1, 1, 1, "aa");
    assert_eq!(
        store.insert_instances(&sys(), std::slice::from_ref(&first), ConflictPolicy::Reject, &[]).await.unwrap(),
        vec![InsertOutcome::Stored]
    );
    assert_eq!(
        store.insert_instances(&sys(), std::slice::from_ref(&first), ConflictPolicy::Reject, &[]).await.unwrap(),
        vec![InsertOutcome::Duplicate]
    );
    let other = instance(1, 1, 1, "bb");
    assert_eq!(
        store.insert_instances(&sys(), std::slice::from_ref(&other), ConflictPolicy::Reject, &[]).await.unwrap(),
        vec![InsertOutcome::Conflict]
    );
    assert_eq!(store.find_instance(&sys(), &first.attributes.sop_instance_uid).await.unwrap().unwrap().sha256, "aa");
    assert_eq!(
        store.insert_instances(&sys(), &[other], ConflictPolicy::Overwrite, &[]).await.unwrap(),
        vec![InsertOutcome::Replaced { old_blob_key: "dicom/aa.dcm".into() }]
    );
    assert_eq!(store.find_instance(&sys(), &first.attributes.sop_instance_uid).await.unwrap().unwrap().sha256, "bb");
    // Burned In Annotation as read at ingest: YES, NO, or not said.
    for (n, flag) in [(2, Some(true)), (3, Some(false)), (4, None)] {
        let mut i = instance(1, 1, n, &format!("burn{n}"));
        i.attributes.burned_in_annotation = flag;
        store.insert_instances(&sys(), &[i.clone()], ConflictPolicy::Reject, &[]).await.unwrap();
        let found = store.find_instance(&sys(), &i.attributes.sop_instance_uid).await.unwrap().unwrap();
        assert_eq!(found.burned_in_annotation, flag);
    }
}

pub async fn a_batch_gets_one_outcome_per_instance_in_order(store: Store) {
    let a = instance(2, 1, 1, "a1");
    let b = instance(2, 1, 2, "a2");
    let outcomes = store.insert_instances(&sys(), &[a.clone(), b, a], ConflictPolicy::Reject, &[]).await.unwrap();
    assert_eq!(outcomes, vec![InsertOutcome::Stored, InsertOutcome::Stored, InsertOutcome::Duplicate]);
    let study = store.get_study(&sys(), "1.2.3.2").await.unwrap().unwrap();
    assert_eq!(study.summary.num_instances, 2);
    assert_eq!(study.series[0].instances.len(), 2);
}

pub async fn concurrent_uploads_of_one_instance_store_it_once(store: Store) {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.insert_instances(&sys(), &[instance(3, 1, 1, "cc")], ConflictPolicy::Reject, &[]).await.unwrap()
        }));
    }
    let mut stored = 0;
    for t in tasks {
        if t.await.unwrap() == vec![InsertOutcome::Stored] {
            stored += 1;
        }
    }
    assert_eq!(stored, 1);
}

pub async fn study_detail_has_counts_series_and_owner(store: Store) {
    let batch: Vec<NewInstance> =
        (1..=3).map(|n| instance(4, 1, n, &format!("d{n}"))).chain([instance(4, 2, 1, "e1")]).collect();
    store.insert_instances(&sys(), &batch, ConflictPolicy::Reject, &[]).await.unwrap();
    let s = store.get_study(&sys(), "1.2.3.4").await.unwrap().unwrap();
    assert_eq!((s.summary.num_series, s.summary.num_instances), (2, 4));
    assert_eq!(s.summary.modalities, vec!["CT".to_owned(), "MR".to_owned()]);
    assert_eq!(s.series.iter().map(|x| x.instances.len()).collect::<Vec<_>>(), vec![3, 1]);
    assert!(store.get_study(&sys(), "9.9.9").await.unwrap().is_none());
    let series: Vec<_> = store.series_instances(&sys(), "1.2.3.4.1").await.unwrap();
    let order: Vec<_> = series.iter().map(|i| i.instance_number).collect();
    assert_eq!(order, vec![Some(1), Some(2), Some(3)], "in instance-number order");
    assert!(store.series_instances(&sys(), "9.9.9").await.unwrap().is_empty());
}

pub async fn listing_filters_and_visibility(store: Store) {
    let mut batch = Vec::new();
    for study in 10..16 {
        batch.push(instance(study, if study % 2 == 0 { 1 } else { 2 }, 1, &format!("f{study}")));
    }
    let mut bobs = instance(16, 1, 1, "f16");
    bobs.uploaded_by = "bob".into();
    bobs.attributes.patient_name = Some("Zoë^Other".into());
    store.insert_instances(&sys(), &batch, ConflictPolicy::Reject, &[]).await.unwrap();
    let bob = account(&store, "bob", Role::Radiologist).await;
    store.insert_instances(&bob, &[bobs], ConflictPolicy::Reject, &[]).await.unwrap();
    let cases = [
        ("everything", query(), 7),
        ("wildcard, case and accents", StudyQuery { patient_name: Some("MULLER*".into()), ..query() }, 6),
        ("prefix without wildcard", StudyQuery { patient_name: Some("zoe".into()), ..query() }, 1),
        ("* and ?", StudyQuery { patient_name: Some("*patient1?".into()), ..query() }, 6),
        ("modality of any series", StudyQuery { modalities: vec!["mr".into()], ..query() }, 3),
        ("patient id", StudyQuery { patient_id: Some("P12".into()), ..query() }, 1),
        (
            "date range",
            StudyQuery { date_from: Some("20240112".into()), date_to: Some("20240114".into()), ..query() },
            3,
        ),
        ("free text", StudyQuery { q: Some("a13".into()), ..query() }, 1),
    ];
    for (what, q, expected) in cases {
        assert_eq!(store.list_studies(&sys(), &q).await.unwrap().items.len(), expected, "{what}");
    }
    let bobs = store.list_studies(&bob, &query()).await.unwrap();
    assert_eq!(bobs.items.len(), 1, "a radiologist sees what they own");
    assert_eq!((bobs.items[0].owner.as_deref(), bobs.items[0].access.level), (Some("bob"), Level::Own));
}

pub async fn pagination_visits_every_study_once(store: Store) {
    let batch: Vec<NewInstance> = (20..33).map(|s| instance(s, 1, 1, &format!("g{s}"))).collect();
    store.insert_instances(&sys(), &batch, ConflictPolicy::Reject, &[]).await.unwrap();
    for sort in
        [StudySort::StudyDateAsc, StudySort::StudyDateDesc, StudySort::UploadedAtDesc, StudySort::PatientNameAsc]
    {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .list_studies(&sys(), &StudyQuery { limit: 4, cursor: cursor.clone(), sort: Some(sort), ..query() })
                .await
                .unwrap();
            seen.extend(page.items.into_iter().map(|s| s.study_instance_uid));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (13, 13), "{sort:?}");
    }
    assert!(matches!(
        store.list_studies(&sys(), &StudyQuery { cursor: Some("junk".into()), ..query() }).await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn audit_events_commit_with_their_rows_and_list_newest_first(store: Store) {
    store
        .insert_instances(&sys(), &[instance(40, 1, 1, "h1")], ConflictPolicy::Reject, &[event("upload", "1.2.3.40")])
        .await
        .unwrap();
    store.append_audit(&event("view_study", "1.2.3.40")).await.unwrap();
    store.append_audit(&event("view_study", "1.2.3.41")).await.unwrap();
    let q = |study: Option<&str>| AuditQuery { study_uid: study.map(str::to_owned), limit: 10, ..Default::default() };
    let all = store.query_audit(&q(Some("1.2.3.40"))).await.unwrap();
    assert_eq!(all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["view_study", "upload"]);
    assert_eq!(store.query_audit(&q(None)).await.unwrap().len(), 3);
}

/// Each event names its predecessor's hash and has the next sequence number, however many
/// writers append at once (on PostgreSQL, from separate connections).
pub async fn the_audit_chain_has_no_gaps_under_concurrent_appends(store: Store) {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                store.append_audit(&event("view_study", &format!("1.2.3.{t}.{i}"))).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let chain = store.audit_chain(0, 1000).await.unwrap();
    assert_eq!(chain.len(), 80);
    let mut prev = ferrum_store::audit::GENESIS.to_owned();
    for (i, r) in chain.iter().enumerate() {
        assert_eq!(r.seq, i as i64 + 1);
        assert_eq!(r.prev_hash, prev);
        assert_eq!(r.compute_hash(), r.hash);
        prev = r.hash.clone();
    }
    assert_eq!(store.audit_head().await.unwrap(), (80, prev));
}

pub async fn audit_queries_filter_and_page_by_sequence(store: Store) {
    store.insert_instances(&sys(), &[instance(41, 1, 1, "q1")], ConflictPolicy::Reject, &[]).await.unwrap();
    for i in 0..5 {
        let mut e = event(if i % 2 == 0 { "view_study" } else { "view_image" }, "1.2.3.41");
        e.request_id = Some(format!("r{i}"));
        if i == 4 {
            e.outcome = Outcome::Denied;
            e.actor = "user:bob".into();
        }
        store.append_audit(&e).await.unwrap();
    }
    store.append_audit(&event("view_study", "1.2.3.99")).await.unwrap();
    let run = |q: AuditQuery| {
        let store = store.clone();
        async move { store.query_audit(&AuditQuery { limit: 100, ..q }).await.unwrap() }
    };
    let seqs = |v: Vec<AuditRecord>| v.iter().map(|r| r.seq).collect::<Vec<_>>();
    assert_eq!(seqs(run(AuditQuery::default()).await), vec![6, 5, 4, 3, 2, 1]);
    assert_eq!(seqs(run(AuditQuery { actions: vec![Action::ViewImage], ..Default::default() }).await), vec![4, 2]);
    assert_eq!(seqs(run(AuditQuery { outcome: Some(Outcome::Denied), ..Default::default() }).await), vec![5]);
    assert_eq!(seqs(run(AuditQuery { actor: Some("user:bob".into()), ..Default::default() }).await), vec![5]);
    assert_eq!(seqs(run(AuditQuery { request_id: Some("r2".into()), ..Default::default() }).await), vec![3]);
    // Through the catalog's studies: the patient of 1.2.3.41.
    let patient = store.get_study(&sys(), "1.2.3.41").await.unwrap().unwrap().summary.patient_id.unwrap();
    assert_eq!(seqs(run(AuditQuery { patient_id: Some(patient), ..Default::default() }).await), vec![5, 4, 3, 2, 1]);
    assert_eq!(seqs(run(AuditQuery { before_seq: Some(3), ..Default::default() }).await), vec![2, 1]);
    assert_eq!(seqs(run(AuditQuery { after_seq: Some(4), ..Default::default() }).await), vec![5, 6]);
    let far = "2999-01-01T00:00:00.000000Z".to_owned();
    assert!(run(AuditQuery { from: Some(far.clone()), ..Default::default() }).await.is_empty());
    assert_eq!(run(AuditQuery { to: Some(far), ..Default::default() }).await.len(), 6);
}

/// Retention removes the oldest events and leaves a signed checkpoint at the last one, from
/// which the rest of the chain still follows.
pub async fn pruning_leaves_a_checkpoint_the_chain_continues_from(store: Store) {
    for i in 0..4 {
        store.append_audit(&event("view_study", &format!("1.2.3.5{i}"))).await.unwrap();
    }
    let sign = |seq: i64, hash: &str, at: &str, pruned: i64| ("k".to_owned(), format!("{seq}:{hash}:{at}:{pruned}"));
    assert!(store.prune_audit("2000-01-01T00:00:00Z", &sign).await.unwrap().is_none());
    let chain = store.audit_chain(0, 10).await.unwrap();
    let cut = chain[2].at.clone();
    // Everything strictly before the third event's time.
    let checkpoint = store.prune_audit(&cut, &sign).await.unwrap().unwrap();
    assert_eq!((checkpoint.seq, checkpoint.pruned, checkpoint.hash.as_str()), (2, 2, chain[1].hash.as_str()));
    assert_eq!(store.audit_checkpoint().await.unwrap(), Some(checkpoint.clone()));
    let rest = store.audit_chain(0, 10).await.unwrap();
    assert_eq!(rest.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 4]);
    assert_eq!(rest[0].prev_hash, checkpoint.hash);
    // Appends go on after a prune.
    assert_eq!(store.append_audit(&event("view_study", "1.2.3.59")).await.unwrap().seq, 5);
}

pub async fn referenced_blob_keys_are_told_apart_from_orphans(store: Store) {
    store.insert_instances(&sys(), &[instance(50, 1, 1, "k1")], ConflictPolicy::Reject, &[]).await.unwrap();
    let found = store.referenced_blob_keys(&["dicom/k1.dcm".into(), "dicom/orphan.dcm".into()]).await.unwrap();
    assert!(found.contains("dicom/k1.dcm"));
    assert!(!found.contains("dicom/orphan.dcm"));
}

pub async fn health_answers_ok(store: Store) {
    store.health().await.unwrap();
}

pub(crate) async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("catalog.db").display());
    (Arc::new(SqliteCatalog::open(&url, 4).await.unwrap()), dir)
}

fn job(kind: &str, subject: &str, run_after: &str) -> NewJob {
    NewJob { kind: kind.into(), subject: subject.into(), run_after: run_after.into() }
}

pub(crate) const PAST: &str = "2000-01-01T00:00:00.000000Z";
pub(crate) const FUTURE: &str = "2999-01-01T00:00:00.000000Z";
pub(crate) const LEASE: std::time::Duration = std::time::Duration::from_secs(300);

pub async fn a_job_queued_twice_is_one_job_and_a_claim_is_exclusive(store: Store) {
    store.enqueue_jobs(&[job("thumbnail", "1.2.3", PAST), job("thumbnail", "1.2.3", PAST)]).await.unwrap();
    store.enqueue_jobs(&[job("thumbnail", "1.2.4", FUTURE)]).await.unwrap();
    let claimed = store.claim_jobs(10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1, "one due job: {claimed:?}");
    assert_eq!((claimed[0].kind.as_str(), claimed[0].subject.as_str(), claimed[0].attempts), ("thumbnail", "1.2.3", 1));
    assert!(store.claim_jobs(10, LEASE).await.unwrap().is_empty(), "a leased job is nobody else's");
    store.complete_job(&claimed[0]).await.unwrap();
    assert!(store.claim_jobs(10, LEASE).await.unwrap().is_empty(), "done is gone; the other is not due");
}

pub async fn a_job_queued_again_while_it_runs_runs_again_after(store: Store) {
    store.enqueue_jobs(&[job("thumbnail", "s", PAST)]).await.unwrap();
    let first = store.claim_jobs(1, LEASE).await.unwrap().remove(0);
    store.enqueue_jobs(&[job("thumbnail", "s", PAST)]).await.unwrap();
    store.complete_job(&first).await.unwrap();
    let again = store.claim_jobs(1, LEASE).await.unwrap();
    assert_eq!(again.len(), 1, "the work queued meanwhile is not lost");
    store.complete_job(&again[0]).await.unwrap();
    assert!(store.claim_jobs(1, LEASE).await.unwrap().is_empty());
}

pub async fn a_failed_job_waits_for_its_retry_and_an_expired_lease_frees_a_job(store: Store) {
    store.enqueue_jobs(&[job("sweep", "orphans", PAST)]).await.unwrap();
    let claimed = store.claim_jobs(1, LEASE).await.unwrap().remove(0);
    store.fail_job(&claimed, "store down", FUTURE).await.unwrap();
    assert!(store.claim_jobs(1, LEASE).await.unwrap().is_empty(), "not before its retry time");

    store.enqueue_jobs(&[job("sweep", "other", PAST)]).await.unwrap();
    let short = store.claim_jobs(1, std::time::Duration::from_millis(1)).await.unwrap();
    assert_eq!(short.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let reclaimed = store.claim_jobs(1, LEASE).await.unwrap();
    assert_eq!(reclaimed.len(), 1, "a worker that died loses its job back to the queue");
    assert_eq!(reclaimed[0].attempts, 2);
}

pub async fn concurrent_claimers_get_each_job_exactly_once(store: Store) {
    let jobs: Vec<NewJob> = (0..300).map(|i| job("thumbnail", &format!("series-{i}"), PAST)).collect();
    store.enqueue_jobs(&jobs).await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim_jobs(7, LEASE).await.unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                for j in claimed {
                    store.complete_job(&j).await.unwrap();
                    mine.push(j.subject);
                }
            }
        }));
    }
    let mut done = Vec::new();
    for w in workers {
        done.extend(w.await.unwrap());
    }
    let unique: std::collections::HashSet<_> = done.iter().collect();
    assert_eq!((done.len(), unique.len()), (300, 300), "every job done, none twice");
}

/// Every catalog case, instantiated for one backend.
pub(crate) fn link(id: &str, study: &str) -> NewLink {
    NewLink {
        id: id.into(),
        study_uid: study.into(),
        created_by: "alice".into(),
        expires_at: FUTURE.into(),
        allow_download: false,
        series_uids: Vec::new(),
        max_opens: None,
        pin_hash: None,
        note: None,
        deid_key: None,
    }
}

pub async fn links_are_kept_revoked_once_and_counted(store: Store) {
    assert!(matches!(
        store.create_link(&link("a1", "1.2.3.30"), &event("create_link", "1.2.3.30")).await,
        Err(StoreError::NotFound)
    ));
    store.insert_instances(&sys(), &[instance(30, 1, 1, "l1")], ConflictPolicy::Reject, &[]).await.unwrap();
    let made = store.create_link(&link("a1", "1.2.3.30"), &event("create_link", "1.2.3.30")).await.unwrap();
    assert_eq!((made.opens, made.revoked_at.as_deref(), made.allow_download), (0, None, false));
    assert!(made.note_shown, "a link made now shows its note to its holder");
    let narrowed = NewLink {
        allow_download: true,
        series_uids: vec!["1.2.3.30.1".into(), "1.2.3.30.2".into()],
        max_opens: Some(3),
        ..link("a2", "1.2.3.30")
    };
    let a2 = store.create_link(&narrowed, &event("create_link", "1.2.3.30")).await.unwrap();
    assert!(!a2.deidentified());
    assert_eq!((a2.series_uids, a2.max_opens), (narrowed.series_uids, Some(3)));
    assert_eq!(store.list_links("1.2.3.30").await.unwrap().len(), 2);
    let deid = NewLink { deid_key: Some("00ff".into()), ..link("a3", "1.2.3.30") };
    let a3 = store.create_link(&deid, &event("create_link", "1.2.3.30")).await.unwrap();
    assert_eq!((a3.deid_key.as_deref(), a3.deidentified()), (Some("00ff"), true));
    assert!(store.claim_link_open("a1").await.unwrap());
    assert!(store.claim_link_open("a1").await.unwrap());
    store.revoke_link("a1", "2026-01-01T00:00:00.000000Z", &event("revoke_link", "1.2.3.30")).await.unwrap();
    store.revoke_link("a1", "2027-01-01T00:00:00.000000Z", &event("revoke_link", "1.2.3.30")).await.unwrap();
    let a1 = store.find_link("a1").await.unwrap().unwrap();
    assert_eq!((a1.opens, a1.revoked_at.as_deref()), (2, Some("2026-01-01T00:00:00.000000Z")));
    assert!(store.find_link("nope").await.unwrap().is_none());

    let mut opened = event("open_link", "1.2.3.30");
    opened.actor = "link:a1".into();
    store.append_audit(&opened).await.unwrap();
    store.append_audit(&event("view_study", "1.2.3.30")).await.unwrap();
    let by_link = AuditQuery { actor: Some("link:a1".into()), limit: 10, ..Default::default() };
    let log = store.query_audit(&by_link).await.unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["open_link"]);
}

pub async fn wrong_pins_lock_a_link_and_a_right_one_resets(store: Store) {
    store.insert_instances(&sys(), &[instance(31, 1, 1, "p1")], ConflictPolicy::Reject, &[]).await.unwrap();
    let made = store
        .create_link(
            &NewLink { pin_hash: Some("argon".into()), ..link("p1", "1.2.3.31") },
            &event("create_link", "1.2.3.30"),
        )
        .await
        .unwrap();
    assert_eq!((made.pin_hash.as_deref(), made.pin_failures, made.pin_locked_until), (Some("argon"), 0, None));
    let now = "2026-01-01T00:00:00.000000Z";
    assert_eq!(store.claim_pin_attempt("p1", now, 2, FUTURE).await.unwrap(), Some(1));
    assert!(store.find_link("p1").await.unwrap().unwrap().pin_locked_until.is_none());
    store.record_pin_success("p1").await.unwrap();
    assert_eq!(store.claim_pin_attempt("p1", now, 2, FUTURE).await.unwrap(), Some(1), "success reset the count");
    assert_eq!(store.claim_pin_attempt("p1", now, 2, FUTURE).await.unwrap(), Some(2));
    let locked = store.find_link("p1").await.unwrap().unwrap();
    assert_eq!(locked.pin_locked_until.as_deref(), Some(FUTURE));
    assert_eq!(store.claim_pin_attempt("p1", now, 2, FUTURE).await.unwrap(), None, "locked: not counted");
}

pub async fn parallel_pin_attempts_and_openings_never_overshoot(store: Store) {
    store.insert_instances(&sys(), &[instance(33, 1, 1, "p2")], ConflictPolicy::Reject, &[]).await.unwrap();
    let limited = NewLink { pin_hash: Some("argon".into()), max_opens: Some(3), ..link("p2", "1.2.3.33") };
    store.create_link(&limited, &event("create_link", "1.2.3.30")).await.unwrap();
    let mut pins = Vec::new();
    let mut opens = Vec::new();
    for _ in 0..40 {
        let (a, b) = (store.clone(), store.clone());
        pins.push(tokio::spawn(async move {
            a.claim_pin_attempt("p2", "2026-01-01T00:00:00.000000Z", 5, FUTURE).await.unwrap().is_some()
        }));
        opens.push(tokio::spawn(async move { b.claim_link_open("p2").await.unwrap() }));
    }
    let (mut judged, mut opened) = (0, 0);
    for (p, o) in pins.into_iter().zip(opens) {
        judged += usize::from(p.await.unwrap());
        opened += usize::from(o.await.unwrap());
    }
    assert_eq!((judged, opened), (5, 3));
    assert_eq!(store.find_link("p2").await.unwrap().unwrap().opens, 3);
}

/// Two radiologists, a group, and a study of each.
async fn two_owners(store: &Store) -> (Principal, Principal) {
    let ann = account(store, "ann", Role::Radiologist).await;
    let ben = account(store, "ben", Role::Radiologist).await;
    store.insert_instances(&ann, &[instance(60, 1, 1, "s60")], ConflictPolicy::Reject, &[]).await.unwrap();
    store.insert_instances(&ben, &[instance(61, 1, 1, "s61")], ConflictPolicy::Reject, &[]).await.unwrap();
    (ann, ben)
}

pub async fn every_read_is_denied_to_an_account_the_study_is_not_shared_with(store: Store) {
    let (ann, ben) = two_owners(&store).await;
    let (study, series, sop) = ("1.2.3.61", "1.2.3.61.1", "1.2.3.61.1.1");
    assert!(store.get_study(&ann, study).await.unwrap().is_none());
    assert!(store.study_access(&ann, study).await.unwrap().is_none());
    assert!(store.find_instance(&ann, sop).await.unwrap().is_none());
    assert!(store.series_instances(&ann, series).await.unwrap().is_empty());
    let listed: Vec<_> =
        store.list_studies(&ann, &query()).await.unwrap().items.into_iter().map(|s| s.study_instance_uid).collect();
    assert_eq!(listed, vec!["1.2.3.60"]);
    let found = StudyQuery { patient_id: Some("P61".into()), ..query() };
    assert!(store.list_studies(&ann, &found).await.unwrap().items.is_empty(), "a search finds nothing of it");
    assert!(store.get_study(&ben, study).await.unwrap().is_some());
    let admin = account(&store, "root", Role::Admin).await;
    assert_eq!(store.study_access(&admin, study).await.unwrap().unwrap().basis, "admin");
}

pub async fn an_upload_into_another_accounts_study_or_series_is_refused(store: Store) {
    let (ann, _ben) = two_owners(&store).await;
    let intruder = instance(61, 9, 1, "x1");
    let outcomes = store.insert_instances(&ann, &[intruder], ConflictPolicy::Overwrite, &[]).await.unwrap();
    assert!(matches!(&outcomes[0], InsertOutcome::Refused { code: "study_not_writable", .. }), "{outcomes:?}");
    let mut stolen_series = instance(60, 1, 7, "x2");
    stolen_series.attributes.series_instance_uid = "1.2.3.61.1".into();
    let outcomes = store.insert_instances(&ann, &[stolen_series], ConflictPolicy::Reject, &[]).await.unwrap();
    assert!(matches!(&outcomes[0], InsertOutcome::Refused { code: "series_in_another_study", .. }), "{outcomes:?}");
    let ben_sees = store.get_study(&sys(), "1.2.3.61").await.unwrap().unwrap();
    assert_eq!((ben_sees.summary.num_series, ben_sees.summary.num_instances), (1, 1), "nothing merged");
    let mut renamed = instance(61, 1, 1, "x3");
    renamed.attributes.patient_name = Some("Other^Patient".into());
    let ben = account(&store, "ben", Role::Radiologist).await;
    store.insert_instances(&ben, &[instance(61, 1, 2, "x4"), renamed], ConflictPolicy::Overwrite, &[]).await.unwrap();
    let after = store.get_study(&sys(), "1.2.3.61").await.unwrap().unwrap();
    assert_eq!(after.summary.patient_name.as_deref(), Some("Müller^Patient61"), "patient fields are kept");
}

pub async fn grants_to_accounts_and_groups_give_their_level_until_withdrawn(store: Store) {
    let (ann, ben) = two_owners(&store).await;
    let study = "1.2.3.61";
    let ben_id = ben.user().unwrap().id;
    store
        .put_grant(study, &Grantee::User("ann".into()), Level::Read, ben_id, &event("grant_study", study))
        .await
        .unwrap();
    assert_eq!(store.study_access(&ann, study).await.unwrap().unwrap().level, Level::Read);
    let shared = StudyQuery { scope: Scope::Shared, ..query() };
    let mine = StudyQuery { scope: Scope::Mine, ..query() };
    assert_eq!(store.list_studies(&ann, &shared).await.unwrap().items.len(), 1);
    assert_eq!(store.list_studies(&ann, &mine).await.unwrap().items[0].study_instance_uid, "1.2.3.60");
    let refused = store.insert_instances(&ann, &[instance(61, 3, 1, "y1")], ConflictPolicy::Reject, &[]).await.unwrap();
    assert!(matches!(refused[0], InsertOutcome::Refused { .. }), "read does not contribute");

    store.create_group("ct-team", &change("create_group")).await.unwrap();
    assert!(matches!(store.create_group("ct-team", &change("create_group")).await, Err(StoreError::Conflict(_))));
    store.add_member("ct-team", "ann", &change("add_member")).await.unwrap();
    store.add_member("ct-team", "ann", &change("add_member")).await.unwrap();
    assert!(matches!(store.add_member("ct-team", "nobody", &change("add_member")).await, Err(StoreError::NotFound)));
    store
        .put_grant(study, &Grantee::Group("ct-team".into()), Level::Contribute, ben_id, &event("grant_study", study))
        .await
        .unwrap();
    let ann = account(&store, "ann", Role::Radiologist).await;
    assert_eq!(store.study_access(&ann, study).await.unwrap().unwrap().level, Level::Contribute);
    let added = store.insert_instances(&ann, &[instance(61, 3, 1, "y1")], ConflictPolicy::Reject, &[]).await.unwrap();
    assert_eq!(added, vec![InsertOutcome::Stored]);
    assert_eq!(store.list_grants(study).await.unwrap().len(), 2);

    store.delete_grant(study, &Grantee::User("ann".into()), &event("withdraw_grant", study)).await.unwrap();
    store.remove_member("ct-team", "ann", &change("remove_member")).await.unwrap();
    let ann = account(&store, "ann", Role::Radiologist).await;
    assert!(store.get_study(&ann, study).await.unwrap().is_none(), "withdrawn");
    assert!(matches!(
        store
            .put_grant(study, &Grantee::User("nobody".into()), Level::Read, ben_id, &event("grant_study", study))
            .await,
        Err(StoreError::NotFound)
    ));

    store.transfer_study(study, "ann", &event("transfer_study", study)).await.unwrap();
    assert_eq!(store.study_access(&ann, study).await.unwrap().unwrap().basis, "owner");
    assert!(store.get_study(&ben, study).await.unwrap().is_none(), "the former owner keeps nothing");
    store.delete_group("ct-team", &change("delete_group")).await.unwrap();
    assert!(store.list_grants(study).await.unwrap().is_empty(), "a deleted group's grants go with it");
    // Each change's event was committed with it; the refused grant left none.
    let q = AuditQuery { study_uid: Some(study.into()), limit: 100, ..Default::default() };
    let actions: Vec<String> = store.query_audit(&q).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec!["transfer_study", "withdraw_grant", "grant_study", "grant_study"]);
    assert!(matches!(store.delete_group("ct-team", &change("delete_group")).await, Err(StoreError::NotFound)));
    assert_eq!(
        account_actions(&store).await,
        vec!["create_user", "create_user", "create_group", "add_member", "add_member", "remove_member", "delete_group"],
        "a member added again is recorded; the refused group changes are not"
    );
}

pub async fn a_link_principal_sees_its_study_and_series_only(store: Store) {
    let (_ann, ben) = two_owners(&store).await;
    store.insert_instances(&ben, &[instance(61, 2, 1, "z1")], ConflictPolicy::Reject, &[]).await.unwrap();
    let link = Principal::Link(LinkPrincipal {
        link_id: "l1".into(),
        study_uid: "1.2.3.61".into(),
        series: vec!["1.2.3.61.2".into()],
        allow_download: false,
        deidentified: false,
    });
    let study = store.get_study(&link, "1.2.3.61").await.unwrap().unwrap();
    assert_eq!((study.summary.num_series, study.summary.modalities.clone()), (1, vec!["MR".to_owned()]));
    assert!(store.find_instance(&link, "1.2.3.61.1.1").await.unwrap().is_none(), "another series");
    assert!(store.find_instance(&link, "1.2.3.61.2.1").await.unwrap().is_some());
    assert!(store.get_study(&link, "1.2.3.60").await.unwrap().is_none(), "another study");
    assert!(store.list_studies(&link, &StudyQuery { scope: Scope::Mine, ..query() }).await.unwrap().items.is_empty());
    let refused =
        store.insert_instances(&link, &[instance(61, 2, 2, "z2")], ConflictPolicy::Reject, &[]).await.unwrap();
    assert!(matches!(refused[0], InsertOutcome::Refused { .. }), "a link never writes");
}

pub async fn a_deidentified_link_principal_reads_nothing_until_it_deidentifies(store: Store) {
    let (_ann, ben) = two_owners(&store).await;
    store.insert_instances(&ben, &[instance(62, 1, 1, "d1")], ConflictPolicy::Reject, &[]).await.unwrap();
    let link = LinkPrincipal {
        link_id: "l2".into(),
        study_uid: "1.2.3.62".into(),
        series: Vec::new(),
        allow_download: true,
        deidentified: true,
    };
    let plain = Principal::Link(link.clone());
    assert!(plain.is_deidentified());
    assert!(store.get_study(&plain, "1.2.3.62").await.unwrap().is_none(), "the study, plain");
    assert!(store.find_instance(&plain, "1.2.3.62.1.1").await.unwrap().is_none(), "an instance, plain");
    let scope = MetadataScope::Study { study_uid: "1.2.3.62".into() };
    assert!(store.metadata(&plain, &scope).await.unwrap().is_empty(), "metadata, plain");
    let deidentifying = link.deidentifying();
    assert!(!deidentifying.is_deidentified());
    assert!(store.get_study(&deidentifying, "1.2.3.62").await.unwrap().is_some());
    assert!(store.get_study(&deidentifying, "1.2.3.60").await.unwrap().is_none(), "still one study");
}

pub async fn an_instances_warnings_come_back_as_they_were_stored(store: Store) {
    let warning =
        InstanceWarning { code: "nonconformant_uid".into(), message: "SOPInstanceUID (0008,0018) has …".into() };
    let flagged = NewInstance { warnings: vec![warning.clone()], ..instance(34, 1, 1, "w1") };
    store.insert_instances(&sys(), &[flagged, instance(34, 1, 2, "w2")], ConflictPolicy::Reject, &[]).await.unwrap();
    assert_eq!(*store.find_instance(&sys(), "1.2.3.34.1.1").await.unwrap().unwrap().warnings, vec![warning]);
    assert!(store.find_instance(&sys(), "1.2.3.34.1.2").await.unwrap().unwrap().warnings.is_empty());
    let study = store.get_study(&sys(), "1.2.3.34").await.unwrap().unwrap();
    let counts: Vec<usize> = study.series[0].instances.iter().map(|i| i.warnings.len()).collect();
    assert_eq!(counts, vec![1, 0]);
}

fn session(id: &str, user_id: i64) -> NewSession {
    NewSession {
        id: id.into(),
        user_id,
        refresh_hash: "r".into(),
        expires_at: FUTURE.into(),
        address: Some("192.0.2.1".into()),
        user_agent: Some("test agent".into()),
    }
}

pub async fn sessions_are_listed_touched_and_ended_by_their_owner_only(store: Store) {
    let ann = store.create_user("ann", "h", Role::Radiologist, &change("create_user")).await.unwrap();
    let ben = store.create_user("ben", "h", Role::Radiologist, &change("create_user")).await.unwrap();
    for id in ["a1", "a2", "a3"] {
        store.create_session(&session(id, ann.id)).await.unwrap();
    }
    store.create_session(&session("b1", ben.id)).await.unwrap();
    let a1 = store.find_session("a1").await.unwrap().unwrap();
    assert_eq!(a1.last_used_at, a1.created_at, "a new session was last used when it opened");
    let now = "2100-01-01T00:00:00.000000Z";
    let listed = store.list_sessions(ann.id, PAST, PAST).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(
        (listed[0].address.as_deref(), listed[0].user_agent.as_deref()),
        (Some("192.0.2.1"), Some("test agent"))
    );

    // Touching writes only when the last use is older than asked.
    store.touch_session("a1", now, PAST).await.unwrap();
    assert_eq!(store.find_session("a1").await.unwrap().unwrap().last_used_at, a1.created_at);
    store.touch_session("a1", now, now).await.unwrap();
    assert_eq!(store.find_session("a1").await.unwrap().unwrap().last_used_at, now);
    // Idle ones are not listed: only a1 was used after the cut-off.
    let cutoff = "2099-01-01T00:00:00.000000Z";
    let ids = |v: Vec<SessionInfo>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_sessions(ann.id, PAST, cutoff).await.unwrap()), vec!["a1"]);
    assert!(store.find_session("a2").await.unwrap().unwrap().is_open(PAST, PAST));
    assert!(!store.find_session("a2").await.unwrap().unwrap().is_open(PAST, cutoff), "idle");

    assert!(
        !store.revoke_user_session(ann.id, "b1", &change("session_end")).await.unwrap(),
        "another account's session"
    );
    assert!(store.find_session("b1").await.unwrap().unwrap().revoked_at.is_none());
    assert!(store.revoke_user_session(ann.id, "a2", &change("session_end")).await.unwrap());
    assert!(!store.revoke_user_session(ann.id, "a2", &change("session_end")).await.unwrap(), "ended already");
    assert_eq!(store.revoke_other_sessions(ann.id, "a1", &change("session_end")).await.unwrap(), 1);
    assert_eq!(ids(store.list_sessions(ann.id, PAST, PAST).await.unwrap()), vec!["a1"]);
    assert_eq!(store.list_sessions(ben.id, PAST, PAST).await.unwrap().len(), 1);
    // An ending is recorded with it (the others' with how many ended); a refused one is not.
    let q = AuditQuery { actions: vec![Action::SessionEnd], limit: 10, ..Default::default() };
    let ends = store.query_audit(&q).await.unwrap();
    assert_eq!(ends.len(), 2);
    let ended: serde_json::Value = serde_json::from_str(ends[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(ended["ended"], 1);
    assert!(ends[1].detail.is_none());
}

pub async fn a_password_change_ends_other_sessions_and_disabling_ends_all(store: Store) {
    let cy = store.create_user("cy", "h", Role::Radiologist, &change("create_user")).await.unwrap();
    for id in ["c1", "c2"] {
        store.create_session(&session(id, cy.id)).await.unwrap();
    }
    store.claim_login_attempt(cy.id, PAST, 1, FUTURE).await.unwrap();
    store.change_password(cy.id, "h2", "c1", &change("password_change")).await.unwrap();
    let user = store.find_user("cy").await.unwrap().unwrap();
    assert_eq!((user.password_hash.as_deref(), user.locked_until), (Some("h2"), None));
    assert!(store.find_session("c1").await.unwrap().unwrap().revoked_at.is_none());
    assert!(store.find_session("c2").await.unwrap().unwrap().revoked_at.is_some());

    let disable = UserChange { disabled: Some(true), ..Default::default() };
    let off = store.update_user("cy", &disable, &[change("account_disable")]).await.unwrap();
    assert!(off.disabled);
    let c1 = store.find_session("c1").await.unwrap().unwrap();
    assert!(c1.user_disabled && c1.revoked_at.is_some() && !c1.is_open(PAST, PAST));
    assert!(store.list_users().await.unwrap().iter().any(|u| u.username == "cy" && u.disabled));
    let enable = UserChange { disabled: Some(false), role: Some(Role::Admin), ..Default::default() };
    let on = store.update_user("cy", &enable, &[change("update_user"), change("account_enable")]).await.unwrap();
    assert!(!on.disabled);

    store.claim_login_attempt(cy.id, PAST, 1, FUTURE).await.unwrap();
    assert!(store.find_user("cy").await.unwrap().unwrap().locked_until.is_some());
    let unlocked = store.unlock_user("cy", &change("account_unlock")).await.unwrap();
    assert_eq!((unlocked.failed_logins, unlocked.locked_until), (0, None));
    assert!(matches!(store.unlock_user("nobody", &change("account_unlock")).await, Err(StoreError::NotFound)));
    let refused = store.change_password(9999, "h3", "c1", &change("password_change")).await;
    assert!(matches!(refused, Err(StoreError::NotFound)));
    // Each change's events were committed with it, in order; the refused ones left none.
    assert_eq!(
        account_actions(&store).await,
        vec!["create_user", "password_change", "account_disable", "update_user", "account_enable", "account_unlock"]
    );
}

pub async fn totp_turns_on_once_verified_and_each_step_and_recovery_code_works_once(store: Store) {
    let di = store.create_user("di", "h", Role::Admin, &change("create_user")).await.unwrap();
    assert!(!di.mfa_enabled);
    store.set_totp_pending(di.id, "SECRETONE", &change("mfa_enrol")).await.unwrap();
    store.set_totp_pending(di.id, "SECRETTWO", &change("mfa_enrol")).await.unwrap();
    let state = store.totp_state(di.id).await.unwrap();
    assert_eq!((state.secret, state.pending.as_deref()), (None, Some("SECRETTWO")));
    assert!(!format!("{:?}", store.totp_state(di.id).await.unwrap()).contains("SECRET"), "Debug hides secrets");
    assert!(!store.claim_totp_step(di.id, 5).await.unwrap(), "no step is accepted while TOTP is off");

    let hashes = vec!["r1".to_owned(), "r2".to_owned()];
    assert!(
        !store.enable_totp(di.id, "SECRETONE", 10, &hashes, &change("mfa_enable")).await.unwrap(),
        "a stale enrolment"
    );
    assert!(store.enable_totp(di.id, "SECRETTWO", 10, &hashes, &change("mfa_enable")).await.unwrap());
    assert!(store.find_user("di").await.unwrap().unwrap().mfa_enabled);
    let state = store.totp_state(di.id).await.unwrap();
    assert_eq!((state.secret.as_deref(), state.pending, state.last_step), (Some("SECRETTWO"), None, Some(10)));
    assert!(matches!(store.set_totp_pending(di.id, "X", &change("mfa_enrol")).await, Err(StoreError::Conflict(_))));

    assert!(!store.claim_totp_step(di.id, 10).await.unwrap(), "the enrolling code's step is used");
    assert!(store.claim_totp_step(di.id, 11).await.unwrap());
    assert!(!store.claim_totp_step(di.id, 11).await.unwrap(), "a replay");
    assert!(!store.claim_totp_step(di.id, 9).await.unwrap(), "an older step");

    assert_eq!(store.recovery_codes_left(di.id).await.unwrap(), 2);
    assert!(store.use_recovery_code(di.id, "r1").await.unwrap());
    assert!(!store.use_recovery_code(di.id, "r1").await.unwrap(), "once");
    assert!(!store.use_recovery_code(di.id, "nope").await.unwrap());
    assert_eq!(store.recovery_codes_left(di.id).await.unwrap(), 1);

    store.create_session(&session("d1", di.id)).await.unwrap();
    assert!(store.find_session("d1").await.unwrap().unwrap().mfa_enabled);
    store.disable_totp(di.id, &change("mfa_disable")).await.unwrap();
    assert!(!store.find_user("di").await.unwrap().unwrap().mfa_enabled);
    assert_eq!(store.recovery_codes_left(di.id).await.unwrap(), 0);
    assert!(!store.find_session("d1").await.unwrap().unwrap().mfa_enabled);
    // The stale enrolment and the refused pending secret left no event.
    assert_eq!(
        account_actions(&store).await,
        vec!["create_user", "mfa_enrol", "mfa_enrol", "mfa_enable", "mfa_disable"]
    );
}

pub async fn settings_are_kept_replaced_and_seen_by_sessions(store: Store) {
    assert_eq!(store.setting("mfa_required_roles").await.unwrap(), None);
    let ed = store.create_user("ed", "h", Role::Radiologist, &change("create_user")).await.unwrap();
    store.create_session(&session("e1", ed.id)).await.unwrap();
    assert_eq!(store.find_session("e1").await.unwrap().unwrap().mfa_required_roles, None);
    store.put_setting("mfa_required_roles", "admin", &change("mfa_policy_change")).await.unwrap();
    store.put_setting("mfa_required_roles", "admin,radiologist", &change("mfa_policy_change")).await.unwrap();
    assert_eq!(store.setting("mfa_required_roles").await.unwrap().as_deref(), Some("admin,radiologist"));
    assert_eq!(
        store.find_session("e1").await.unwrap().unwrap().mfa_required_roles.as_deref(),
        Some("admin,radiologist")
    );
}

macro_rules! catalog_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            catalog,
            [
                usernames_are_unique_forever,
                failed_logins_lock_after_the_limit_and_success_resets,
                a_burst_of_login_attempts_gets_no_more_than_the_limit,
                parallel_pin_attempts_and_openings_never_overshoot,
                every_read_is_denied_to_an_account_the_study_is_not_shared_with,
                an_upload_into_another_accounts_study_or_series_is_refused,
                grants_to_accounts_and_groups_give_their_level_until_withdrawn,
                a_link_principal_sees_its_study_and_series_only,
                a_deidentified_link_principal_reads_nothing_until_it_deidentifies,
                same_object_twice_is_a_duplicate_and_a_different_one_a_conflict,
                a_batch_gets_one_outcome_per_instance_in_order,
                concurrent_uploads_of_one_instance_store_it_once,
                study_detail_has_counts_series_and_owner,
                listing_filters_and_visibility,
                pagination_visits_every_study_once,
                audit_events_commit_with_their_rows_and_list_newest_first,
                the_audit_chain_has_no_gaps_under_concurrent_appends,
                audit_queries_filter_and_page_by_sequence,
                pruning_leaves_a_checkpoint_the_chain_continues_from,
                referenced_blob_keys_are_told_apart_from_orphans,
                health_answers_ok,
                a_job_queued_twice_is_one_job_and_a_claim_is_exclusive,
                a_job_queued_again_while_it_runs_runs_again_after,
                a_failed_job_waits_for_its_retry_and_an_expired_lease_frees_a_job,
                concurrent_claimers_get_each_job_exactly_once,
                links_are_kept_revoked_once_and_counted,
                wrong_pins_lock_a_link_and_a_right_one_resets,
                accounts_are_changed_listed_and_deleted_for_good,
                sessions_rotate_once_and_end_with_logout_password_reset_or_deletion,
                a_series_remembers_which_instance_its_thumbnail_shows,
                an_instances_warnings_come_back_as_they_were_stored,
                sessions_are_listed_touched_and_ended_by_their_owner_only,
                a_password_change_ends_other_sessions_and_disabling_ends_all,
                totp_turns_on_once_verified_and_each_step_and_recovery_code_works_once,
                settings_are_kept_replaced_and_seen_by_sessions,
            ]
        );
    };
}

catalog_cases!(sqlite_catalog, sqlite);

/// A fresh schema in the test PostgreSQL for each case, dropped afterwards.
pub struct PgSchema {
    admin_url: String,
    schema: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, schema) = (self.admin_url.clone(), self.schema.clone());
        // Drop cannot await; a short-lived runtime on its own thread does the clean-up.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

/// The test PostgreSQL, as `./scripts/test.sh` starts it. Missing, the case fails: a
/// backend that is not there is never skipped.
pub fn test_database_url() -> String {
    std::env::var("FERRUM_TEST_DATABASE_URL")
        .expect("FERRUM_TEST_DATABASE_URL is not set: run the tests with ./scripts/test.sh, which starts PostgreSQL")
}

pub(crate) async fn postgres() -> (Store, PgSchema) {
    use sqlx::Connection;
    use std::str::FromStr;
    let url = test_database_url();
    let schema = format!("t_{}", uuid_like());
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("cannot reach the test PostgreSQL");
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await.unwrap();
    let options = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap().options([("search_path", schema.as_str())]);
    let store = ferrum_store::catalog::PostgresCatalog::open_with(options, 4).await.unwrap();
    (Arc::new(store), PgSchema { admin_url: url, schema })
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{}_{}", std::process::id(), nanos, N.fetch_add(1, Ordering::Relaxed))
}

catalog_cases!(postgres_catalog, postgres);

/// The seeded catalog reads like any other: studies of 100 instances in two series.
async fn seeded_catalog_is_browsable(url: &str) {
    ferrum_store::catalog::seed::seed(url, 250, 1).await.unwrap();
    ferrum_store::catalog::seed::seed(url, 100, 2).await.unwrap();
    let store = ferrum_store::catalog::open(url, 2).await.unwrap();
    let page = store.list_studies(&sys(), &StudyQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 4, "three studies from the first seeding, one from the second");
    let study = store.get_study(&sys(), "2.25.7.1.1").await.unwrap().expect("the first seeded study");
    assert_eq!(study.series.len(), 2);
    assert_eq!(study.series.iter().map(|s| s.instances.len()).sum::<usize>(), 100);
    let last = store.get_study(&sys(), "2.25.7.1.3").await.unwrap().unwrap();
    assert_eq!(last.series.iter().map(|s| s.instances.len()).sum::<usize>(), 50);
}

#[tokio::test]
async fn seeding_sqlite_makes_a_browsable_catalog() {
    let dir = tempfile::tempdir().unwrap();
    seeded_catalog_is_browsable(&format!("sqlite://{}", dir.path().join("seed.db").display())).await;
}

#[tokio::test]
async fn seeding_postgres_makes_a_browsable_catalog() {
    use sqlx::Connection;
    let admin = test_database_url();
    let name = format!("seed_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("cannot reach the test PostgreSQL");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let url = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);
    seeded_catalog_is_browsable(&url).await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
}
