//! Erase and the blob outbox: rows gone in one transaction with the audit event, released
//! keys in the outbox, claims exclusive.
use std::collections::HashSet;

use ferrum_store::access::{Grantee, Level};
use ferrum_store::audit::AuditQuery;
use ferrum_store::model::*;
use ferrum_store::StoreError;

use crate::catalog::{account, event, instance, link, postgres, sqlite, sys, Store, FUTURE, LEASE, PAST};

async fn insert(store: &Store, batch: &[NewInstance]) {
    store.insert_instances(&sys(), batch, ConflictPolicy::Reject, &[]).await.unwrap();
}

fn keys(batch: &[NewInstance]) -> Vec<String> {
    let mut keys: Vec<String> = batch.iter().map(|i| i.blob_key.clone()).collect();
    keys.sort();
    keys
}

pub async fn erasing_a_study_removes_its_rows_links_and_grants_and_releases_its_keys(store: Store) {
    let study = "1.2.3.70";
    let batch = [instance(70, 1, 1, "e1"), instance(70, 1, 2, "e2"), instance(70, 2, 1, "e3")];
    insert(&store, &batch).await;
    insert(&store, &[instance(71, 1, 1, "e9")]).await;
    account(&store, "ann", Role::Radiologist).await;
    let owner = account(&store, "ben", Role::Admin).await;
    store
        .put_grant(
            study,
            &Grantee::User("ann".into()),
            Level::Read,
            owner.user().unwrap().id,
            &event("grant_study", study),
        )
        .await
        .unwrap();
    store.create_link(&link("x1", study), &event("create_link", study)).await.unwrap();

    let erased = store.erase(&EraseTarget::Study(study.into()), &event("erase_study", study)).await.unwrap();
    assert_eq!((erased.studies, erased.series, erased.instances, erased.blobs_released), (1, 2, 3, 3));
    assert_eq!(erased.released_keys, keys(&batch));
    assert!(store.get_study(&sys(), study).await.unwrap().is_none());
    for i in &batch {
        assert!(store.find_instance(&sys(), &i.attributes.sop_instance_uid).await.unwrap().is_none());
    }
    assert!(store.series_instances(&sys(), "1.2.3.70.1").await.unwrap().is_empty());
    assert!(store.list_links(study).await.unwrap().is_empty());
    assert!(store.find_link("x1").await.unwrap().is_none());
    assert!(store.list_grants(study).await.unwrap().is_empty());
    assert!(store.referenced_blob_keys(&keys(&batch)).await.unwrap().is_empty());
    assert_eq!(store.released_blob_keys().await.unwrap(), keys(&batch), "the keys wait in the outbox");
    assert!(store.get_study(&sys(), "1.2.3.71").await.unwrap().is_some(), "another study is untouched");

    let q = AuditQuery { limit: 100, ..Default::default() };
    let trail = store.query_audit(&q).await.unwrap();
    let erase = trail.iter().find(|e| e.action == "erase_study").expect("the erase is on the trail");
    assert_eq!(erase.study_uid.as_deref(), Some(study));
    let detail: serde_json::Value = serde_json::from_str(erase.detail.as_deref().unwrap()).unwrap();
    assert_eq!(
        (detail["studies"].as_u64(), detail["instances"].as_u64(), detail["blobs_released"].as_u64()),
        (Some(1), Some(3), Some(3))
    );
    assert!(trail.iter().any(|e| e.action == "grant_study"), "earlier events of the study stay");

    let again = store.erase(&EraseTarget::Study(study.into()), &event("erase_study", study)).await;
    assert!(matches!(again, Err(StoreError::NotFound)), "{again:?}");
    let count = store.query_audit(&q).await.unwrap().iter().filter(|e| e.action == "erase_study").count();
    assert_eq!(count, 1, "a refused erase leaves no event");
}

pub async fn erasing_a_series_keeps_the_study_until_its_last_series_goes(store: Store) {
    insert(&store, &[instance(72, 1, 1, "s1"), instance(72, 1, 2, "s2"), instance(72, 2, 1, "s3")]).await;
    assert_eq!(store.series_study("1.2.3.72.1").await.unwrap().as_deref(), Some("1.2.3.72"));
    let first =
        store.erase(&EraseTarget::Series("1.2.3.72.1".into()), &event("erase_series", "1.2.3.72")).await.unwrap();
    assert_eq!((first.studies, first.series, first.instances, first.blobs_released), (0, 1, 2, 2));
    let detail = store.get_study(&sys(), "1.2.3.72").await.unwrap().expect("the study stays");
    assert_eq!(detail.series.len(), 1);
    let last =
        store.erase(&EraseTarget::Series("1.2.3.72.2".into()), &event("erase_series", "1.2.3.72")).await.unwrap();
    assert_eq!((last.studies, last.series, last.instances), (1, 1, 1));
    assert!(store.get_study(&sys(), "1.2.3.72").await.unwrap().is_none());
    assert!(store.series_study("1.2.3.72.2").await.unwrap().is_none());
}

pub async fn a_patients_erase_takes_every_study_with_that_id_and_records_no_id(store: Store) {
    let same = |mut i: NewInstance| {
        i.attributes.patient_id = Some("PAT-77".into());
        i
    };
    insert(&store, &[same(instance(73, 1, 1, "p1")), same(instance(74, 1, 1, "p2")), instance(75, 1, 1, "p3")]).await;
    let mut audit = event("erase_patient", "x");
    audit.study_uid = None;
    let erased = store.erase(&EraseTarget::Patient("PAT-77".into()), &audit).await.unwrap();
    assert_eq!((erased.studies, erased.series, erased.instances, erased.blobs_released), (2, 2, 2, 2));
    assert!(store.get_study(&sys(), "1.2.3.73").await.unwrap().is_none());
    assert!(store.get_study(&sys(), "1.2.3.74").await.unwrap().is_none());
    assert!(store.get_study(&sys(), "1.2.3.75").await.unwrap().is_some());
    let trail = store.query_audit(&AuditQuery { limit: 10, ..Default::default() }).await.unwrap();
    let e = trail.iter().find(|e| e.action == "erase_patient").unwrap();
    let text = serde_json::to_string(e).unwrap();
    assert!(!text.contains("PAT-77") && !text.contains("Müller"), "no patient ID or name on the trail: {text}");
    let detail: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["study_uids"], serde_json::json!(["1.2.3.73", "1.2.3.74"]));
    assert!(matches!(store.erase(&EraseTarget::Patient("PAT-77".into()), &audit).await, Err(StoreError::NotFound)));
}

pub async fn replaced_and_refused_objects_go_to_the_outbox_and_a_reupload_is_referenced_again(store: Store) {
    insert(&store, &[instance(76, 1, 1, "o1")]).await;
    let replaced =
        store.insert_instances(&sys(), &[instance(76, 1, 1, "o2")], ConflictPolicy::Overwrite, &[]).await.unwrap();
    assert_eq!(replaced, vec![InsertOutcome::Replaced { old_blob_key: "dicom/o1.dcm".into() }]);
    let conflict =
        store.insert_instances(&sys(), &[instance(76, 1, 1, "o3")], ConflictPolicy::Reject, &[]).await.unwrap();
    assert_eq!(conflict, vec![InsertOutcome::Conflict]);
    assert_eq!(store.released_blob_keys().await.unwrap(), vec!["dicom/o1.dcm".to_string(), "dicom/o3.dcm".into()]);

    // The same bytes again, under a new study, before any job ran: referenced again, so
    // the job's check keeps the object.
    let mut back = instance(77, 1, 1, "o1");
    back.blob_key = "dicom/o1.dcm".into();
    insert(&store, &[back]).await;
    let referenced = store.referenced_blob_keys(&store.released_blob_keys().await.unwrap()).await.unwrap();
    assert_eq!(referenced, HashSet::from(["dicom/o1.dcm".to_string()]));
}

pub async fn outbox_claims_are_exclusive_and_a_release_during_a_claim_is_not_lost(store: Store) {
    store.release_blobs(&["dicom/a.dcm".into(), "dicom/b.dcm".into()]).await.unwrap();
    assert!(store.claim_released_blobs(PAST, 10, LEASE).await.unwrap().is_empty(), "still in its grace period");
    let claimed = store.claim_released_blobs(FUTURE, 10, LEASE).await.unwrap();
    assert_eq!(claimed.iter().map(|b| b.blob_key.as_str()).collect::<Vec<_>>(), ["dicom/a.dcm", "dicom/b.dcm"]);
    assert!(store.claim_released_blobs(FUTURE, 10, LEASE).await.unwrap().is_empty(), "leased: nobody else's");

    store.finish_released_blob(&claimed[0]).await.unwrap();
    store.release_blobs(&["dicom/b.dcm".into()]).await.unwrap();
    store.finish_released_blob(&claimed[1]).await.unwrap();
    assert_eq!(store.released_blob_keys().await.unwrap(), ["dicom/b.dcm"], "released again while claimed: kept");

    let b = store.claim_released_blobs(FUTURE, 10, LEASE).await.unwrap().remove(0);
    store.postpone_released_blob(&b, FUTURE, Some("store down")).await.unwrap();
    assert!(store.claim_released_blobs(FUTURE, 10, LEASE).await.unwrap().is_empty(), "postponed");

    let many: Vec<String> = (0..40).map(|n| format!("dicom/m{n}.dcm")).collect();
    store.release_blobs(&many).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_released_blobs(FUTURE, 3, LEASE).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|b| b.blob_key));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let mut expected = many.clone();
    expected.sort();
    assert_eq!(all, expected, "every key claimed exactly once");
}

macro_rules! erase_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            erase,
            [
                erasing_a_study_removes_its_rows_links_and_grants_and_releases_its_keys,
                erasing_a_series_keeps_the_study_until_its_last_series_goes,
                a_patients_erase_takes_every_study_with_that_id_and_records_no_id,
                replaced_and_refused_objects_go_to_the_outbox_and_a_reupload_is_referenced_again,
                outbox_claims_are_exclusive_and_a_release_during_a_claim_is_not_lost,
            ]
        );
    };
}

erase_cases!(erase_sqlite, sqlite);
erase_cases!(erase_postgres, postgres);
