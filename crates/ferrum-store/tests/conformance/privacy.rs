//! Rectification, retention with legal holds, and what an account's deletion does with its
//! studies: each in one transaction with its audit events, refusals changing nothing.
use ferrum_store::audit::AuditQuery;
use ferrum_store::model::*;
use ferrum_store::{Principal, StoreError};

use crate::catalog::{account, event, instance, link, postgres, sqlite, sys, Store};

async fn insert(store: &Store, principal: &Principal, batch: &[NewInstance]) {
    store.insert_instances(principal, batch, ConflictPolicy::Reject, &[]).await.unwrap();
}

fn version(i: &NewInstance, new_sha: &str) -> InstanceVersion {
    InstanceVersion {
        sop_uid: i.attributes.sop_instance_uid.clone(),
        expected_sha256: i.sha256.clone(),
        sha256: new_sha.into(),
        blob_key: format!("dicom/{new_sha}.dcm"),
        size_bytes: 120,
        metadata: Some(format!(r#"{{"sha":"{new_sha}"}}"#)),
    }
}

async fn actions(store: &Store) -> Vec<(String, Option<String>, Option<String>)> {
    let q = AuditQuery { limit: 1000, ..Default::default() };
    let mut events = store.query_audit(&q).await.unwrap();
    events.reverse();
    events.into_iter().map(|e| (e.action, e.study_uid, e.detail)).collect()
}

pub async fn a_rectification_swaps_every_version_and_the_study_fields_in_one_transaction(store: Store) {
    let study = "1.2.3.80";
    let batch = [instance(80, 1, 1, "r1"), instance(80, 1, 2, "r2")];
    insert(&store, &sys(), &batch).await;
    let change = StudyCorrection {
        patient_name: Some(Some("Meier^Anna".into())),
        patient_sex: Some(Some("F".into())),
        accession_number: Some(None),
        ..Default::default()
    };
    let versions = [version(&batch[0], "n1"), version(&batch[1], "n2")];
    let mut audit = event("rectify_study", study);
    audit.detail = Some(serde_json::json!({"attributes": change.attributes()}));
    let released = store.rectify_study(study, &change, &versions, &audit).await.unwrap();
    assert_eq!(released, vec!["dicom/r1.dcm".to_owned(), "dicom/r2.dcm".to_owned()]);
    let detail = store.get_study(&sys(), study).await.unwrap().unwrap();
    let s = &detail.summary;
    assert_eq!(s.patient_name.as_deref(), Some("Meier^Anna"));
    assert_eq!(s.patient_sex.as_deref(), Some("F"));
    assert_eq!(s.accession_number, None, "emptied");
    assert_eq!(s.patient_id.as_deref(), Some("P80"), "unchanged");
    let shas: Vec<&str> = detail.series[0].instances.iter().map(|i| i.sha256.as_str()).collect();
    assert_eq!(shas, ["n1", "n2"]);
    assert_eq!(detail.series[0].instances[0].blob_key, "dicom/n1.dcm");
    assert_eq!(detail.series[0].instances[0].size_bytes, 120);
    assert_eq!(store.released_blob_keys().await.unwrap(), released);
    // The listing searches the new name, not the old one.
    let q = |name: &str| StudyQuery { patient_name: Some(name.into()), limit: 10, ..Default::default() };
    assert_eq!(store.list_studies(&sys(), &q("meier")).await.unwrap().items.len(), 1);
    assert_eq!(store.list_studies(&sys(), &q("müller")).await.unwrap().items.len(), 0);
    let trail = actions(&store).await;
    let (_, uid, detail) = trail.iter().find(|(a, _, _)| a == "rectify_study").unwrap();
    assert_eq!(uid.as_deref(), Some(study));
    assert!(!detail.as_deref().unwrap().contains("Meier"), "names, not values");
}

pub async fn a_rectification_of_a_study_that_changed_meanwhile_changes_nothing(store: Store) {
    let study = "1.2.3.81";
    let batch = [instance(81, 1, 1, "c1"), instance(81, 1, 2, "c2")];
    insert(&store, &sys(), &batch).await;
    let change = StudyCorrection { patient_name: Some(Some("New^Name".into())), ..Default::default() };
    let audit = event("rectify_study", study);
    // Made from a version the row no longer holds.
    let mut stale = version(&batch[1], "x2");
    stale.expected_sha256 = "older".into();
    let r = store.rectify_study(study, &change, &[version(&batch[0], "x1"), stale], &audit).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    // An instance uploaded since the versions were made.
    insert(&store, &sys(), &[instance(81, 1, 3, "c3")]).await;
    let r = store.rectify_study(study, &change, &[version(&batch[0], "x1"), version(&batch[1], "x2")], &audit).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    let detail = store.get_study(&sys(), study).await.unwrap().unwrap();
    assert_eq!(detail.summary.patient_name.as_deref(), Some("Müller^Patient81"));
    let shas: Vec<&str> = detail.series[0].instances.iter().map(|i| i.sha256.as_str()).collect();
    assert_eq!(shas, ["c1", "c2", "c3"]);
    assert!(store.released_blob_keys().await.unwrap().is_empty());
    assert!(!actions(&store).await.iter().any(|(a, _, _)| a == "rectify_study"), "no event for a refusal");
    let gone = store.rectify_study("1.2.3.999", &change, &[], &audit).await;
    assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
}

pub async fn retention_sweeps_expired_studies_and_never_a_held_one(store: Store) {
    for n in 82..=85 {
        insert(&store, &sys(), &[instance(n, 1, 1, &format!("t{n}"))]).await;
    }
    let (own_past, own_future, held, by_default) = ("1.2.3.82", "1.2.3.83", "1.2.3.84", "1.2.3.85");
    store.set_retention(own_past, Some("2020-01-01"), &event("set_retention", own_past)).await.unwrap();
    store.set_retention(own_future, Some("2999-01-01"), &event("set_retention", own_future)).await.unwrap();
    store.set_retention(held, Some("2020-01-01"), &event("set_retention", held)).await.unwrap();
    store.set_legal_hold(held, Some("root"), &event("place_legal_hold", held)).await.unwrap();
    let state = store.retention(held).await.unwrap().unwrap();
    assert_eq!(state.retain_until.as_deref(), Some("2020-01-01"));
    assert_eq!(state.legal_hold_by.as_deref(), Some("root"));
    assert!(state.legal_hold_at.is_some());
    assert!(matches!(
        store.set_retention("1.2.3.999", None, &event("clear_retention", "1.2.3.999")).await,
        Err(StoreError::NotFound)
    ));

    let today = "2025-06-01";
    assert_eq!(store.expired_studies(today, None, 10).await.unwrap(), vec![own_past.to_owned()]);
    // A default cut-off after every upload takes the study without a date of its own too.
    let cutoff = Some("2999-01-01T00:00:00.000000Z");
    assert_eq!(store.expired_studies(today, cutoff, 10).await.unwrap(), vec![own_past.to_owned(), by_default.into()]);

    // A held study: no erase takes it, neither the sweep's nor anyone's.
    assert!(store.erase_expired(held, today, cutoff, &event("erase_study", held)).await.unwrap().is_none());
    let r = store.erase(&EraseTarget::Study(held.into()), &event("erase_study", held)).await;
    assert!(matches!(r, Err(StoreError::LegalHold)), "{r:?}");
    let r = store.erase(&EraseTarget::Series(format!("{held}.1")), &event("erase_series", held)).await;
    assert!(matches!(r, Err(StoreError::LegalHold)), "{r:?}");
    let r = store.erase(&EraseTarget::Patient("P84".into()), &event("erase_patient", held)).await;
    assert!(matches!(r, Err(StoreError::LegalHold)), "{r:?}");
    assert!(store.get_study(&sys(), held).await.unwrap().is_some());

    let erased = store.erase_expired(own_past, today, cutoff, &event("erase_study", own_past)).await.unwrap();
    assert_eq!(erased.map(|e| e.instances), Some(1));
    assert!(store.get_study(&sys(), own_past).await.unwrap().is_none());
    assert!(store.erase_expired(own_future, today, cutoff, &event("erase_study", own_future)).await.unwrap().is_none());
    assert!(store.get_study(&sys(), own_future).await.unwrap().is_some(), "its own date wins over the default");

    // Lifted: an ordinary study again.
    store.set_legal_hold(held, None, &event("lift_legal_hold", held)).await.unwrap();
    assert_eq!(store.retention(held).await.unwrap().unwrap().legal_hold_at, None);
    store.set_retention(held, None, &event("clear_retention", held)).await.unwrap();
    assert_eq!(store.expired_studies(today, None, 10).await.unwrap(), Vec::<String>::new());
    store.erase(&EraseTarget::Study(held.into()), &event("erase_study", held)).await.unwrap();
    let trail: Vec<String> = actions(&store).await.into_iter().map(|(a, _, _)| a).collect();
    for a in ["set_retention", "place_legal_hold", "lift_legal_hold", "clear_retention", "erase_study"] {
        assert!(trail.iter().any(|t| t == a), "{a} on the trail");
    }
}

pub async fn deleting_an_account_reassigns_or_erases_its_studies(store: Store) {
    let ann = account(&store, "ann", Role::Radiologist).await;
    let bob = account(&store, "bob", Role::Radiologist).await;
    account(&store, "cat", Role::Radiologist).await;
    insert(&store, &ann, &[instance(86, 1, 1, "a86"), instance(87, 1, 1, "a87")]).await;
    insert(&store, &bob, &[instance(88, 1, 1, "b88")]).await;
    let mut ann_link = link("l1", "1.2.3.88");
    ann_link.created_by = "ann".into();
    store.create_link(&ann_link, &event("create_link", "1.2.3.88")).await.unwrap();
    let delete = event("delete_user", "");
    let transfer = event("transfer_study", "");

    let r = store.delete_account("ann", &OwnedStudies::Reassign("nobody".into()), &delete, &transfer).await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    assert!(!store.find_user("ann").await.unwrap().unwrap().deleted, "a refused deletion changes nothing");

    let done = store.delete_account("ann", &OwnedStudies::Reassign("cat".into()), &delete, &transfer).await.unwrap();
    assert_eq!(done, AccountDeletion { studies_reassigned: 2, studies_erased: 0, links_revoked: 0 });
    assert!(store.find_user("ann").await.unwrap().unwrap().deleted);
    let cat = account(&store, "cat", Role::Radiologist).await;
    let mine = StudyQuery { scope: Scope::Mine, limit: 10, ..Default::default() };
    assert_eq!(store.list_studies(&cat, &mine).await.unwrap().items.len(), 2);
    assert!(store.find_link("l1").await.unwrap().unwrap().revoked_at.is_none(), "links stay on reassignment");
    let transfers = actions(&store).await.into_iter().filter(|(a, _, _)| a == "transfer_study").count();
    assert_eq!(transfers, 2, "one event per study moved");

    // Bob's study is held: erasing his studies is refused whole.
    store.set_legal_hold("1.2.3.88", Some("root"), &event("place_legal_hold", "1.2.3.88")).await.unwrap();
    let erase = event("erase_study", "");
    let r = store.delete_account("bob", &OwnedStudies::Erase, &delete, &erase).await;
    assert!(matches!(r, Err(StoreError::LegalHold)), "{r:?}");
    assert!(!store.find_user("bob").await.unwrap().unwrap().deleted);
    store.set_legal_hold("1.2.3.88", None, &event("lift_legal_hold", "1.2.3.88")).await.unwrap();
    let mut bob_link = link("l2", "1.2.3.86");
    bob_link.created_by = "bob".into();
    store.create_link(&bob_link, &event("create_link", "1.2.3.86")).await.unwrap();
    let done = store.delete_account("bob", &OwnedStudies::Erase, &delete, &erase).await.unwrap();
    assert_eq!(done, AccountDeletion { studies_reassigned: 0, studies_erased: 1, links_revoked: 1 });
    assert!(store.get_study(&sys(), "1.2.3.88").await.unwrap().is_none());
    assert!(store.find_link("l2").await.unwrap().unwrap().revoked_at.is_some(), "its links elsewhere are revoked");
    assert_eq!(store.released_blob_keys().await.unwrap(), vec!["dicom/b88.dcm".to_owned()]);
    let trail = actions(&store).await;
    let (_, uid, detail) = trail.iter().rfind(|(a, _, _)| a == "erase_study").unwrap();
    assert_eq!(uid.as_deref(), Some("1.2.3.88"));
    assert!(detail.as_deref().unwrap().contains("\"instances\":1"));
    let gone = store.delete_account("bob", &OwnedStudies::Keep, &delete, &erase).await;
    assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
}

macro_rules! privacy_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            privacy,
            [
                a_rectification_swaps_every_version_and_the_study_fields_in_one_transaction,
                a_rectification_of_a_study_that_changed_meanwhile_changes_nothing,
                retention_sweeps_expired_studies_and_never_a_held_one,
                deleting_an_account_reassigns_or_erases_its_studies,
            ]
        );
    };
}

privacy_cases!(privacy_sqlite, sqlite);
privacy_cases!(privacy_postgres, postgres);
