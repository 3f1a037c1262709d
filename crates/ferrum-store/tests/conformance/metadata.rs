//! Metadata kept at ingest: read in scope by whoever may see the study, replaced with its
//! object, gone with an erase, filled in for instances catalogued without it.
use ferrum_store::model::*;

use crate::catalog::{account, event, instance, postgres, sqlite, sys, Store};

fn scope_series(study: u32, series: u32) -> MetadataScope {
    MetadataScope::Series { study_uid: format!("1.2.3.{study}"), series_uid: format!("1.2.3.{study}.{series}") }
}

fn datasets(rows: &[InstanceMetadata]) -> Vec<(String, Option<String>)> {
    rows.iter().map(|r| (r.instance.sop_instance_uid.clone(), r.dataset.clone())).collect()
}

pub async fn metadata_comes_back_in_order_for_those_who_may_see_the_study(store: Store) {
    let batch = [instance(80, 1, 2, "m2"), instance(80, 1, 1, "m1"), instance(80, 2, 1, "m3")];
    store.insert_instances(&sys(), &batch, ConflictPolicy::Reject, &[]).await.unwrap();
    let study = MetadataScope::Study { study_uid: "1.2.3.80".into() };
    let all = store.metadata(&sys(), &study).await.unwrap();
    let sops: Vec<&str> = all.iter().map(|r| r.instance.sop_instance_uid.as_str()).collect();
    assert_eq!(sops, ["1.2.3.80.1.1", "1.2.3.80.1.2", "1.2.3.80.2.1"], "series, then instance order");
    assert_eq!(all[0].dataset.as_deref(), batch[1].metadata.as_deref());
    assert_eq!(store.metadata(&sys(), &scope_series(80, 2)).await.unwrap().len(), 1);
    let one = MetadataScope::Instance {
        study_uid: "1.2.3.80".into(),
        series_uid: "1.2.3.80.1".into(),
        sop_uid: "1.2.3.80.1.2".into(),
    };
    assert_eq!(
        datasets(&store.metadata(&sys(), &one).await.unwrap()),
        [("1.2.3.80.1.2".into(), batch[0].metadata.clone())]
    );
    // The series must be the study's: another study's UID in the path finds nothing.
    let wrong = MetadataScope::Series { study_uid: "1.2.3.81".into(), series_uid: "1.2.3.80.1".into() };
    assert!(store.metadata(&sys(), &wrong).await.unwrap().is_empty());

    let stranger = account(&store, "meta-stranger", Role::Radiologist).await;
    assert!(store.metadata(&stranger, &study).await.unwrap().is_empty(), "not shared: nothing");
}

pub async fn metadata_follows_a_replaced_object_and_goes_with_an_erase(store: Store) {
    let first = instance(82, 1, 1, "r1");
    store.insert_instances(&sys(), std::slice::from_ref(&first), ConflictPolicy::Reject, &[]).await.unwrap();
    let second = instance(82, 1, 1, "r2");
    let outcome =
        store.insert_instances(&sys(), std::slice::from_ref(&second), ConflictPolicy::Overwrite, &[]).await.unwrap();
    assert!(matches!(outcome[0], InsertOutcome::Replaced { .. }), "{outcome:?}");
    let rows = store.metadata(&sys(), &scope_series(82, 1)).await.unwrap();
    assert_eq!(rows[0].dataset, second.metadata, "the replacement's metadata");

    store.erase(&EraseTarget::Study("1.2.3.82".into()), &event("erase_study", "1.2.3.82")).await.unwrap();
    assert!(store.metadata(&sys(), &scope_series(82, 1)).await.unwrap().is_empty());
    assert!(store.instances_without_metadata(100).await.unwrap().is_empty());
    // A new instance with the erased one's UID starts without the old metadata.
    let again = NewInstance { metadata: None, ..instance(82, 1, 1, "r3") };
    store.insert_instances(&sys(), &[again], ConflictPolicy::Reject, &[]).await.unwrap();
    assert_eq!(store.metadata(&sys(), &scope_series(82, 1)).await.unwrap()[0].dataset, None);
}

pub async fn instances_catalogued_without_metadata_are_filled_in_once(store: Store) {
    let bare = [NewInstance { metadata: None, ..instance(84, 1, 1, "b1") }, instance(84, 1, 2, "b2")];
    store.insert_instances(&sys(), &bare, ConflictPolicy::Reject, &[]).await.unwrap();
    let missing = store.instances_without_metadata(10).await.unwrap();
    assert_eq!(missing, [("1.2.3.84.1.1".to_owned(), "dicom/b1.dcm".to_owned())]);
    assert!(!store.put_metadata("1.2.3.84.1.1", "dicom/other.dcm", "{}").await.unwrap(), "not the object read");
    assert!(store.put_metadata("1.2.3.84.1.1", "dicom/b1.dcm", "{\"a\":1}").await.unwrap());
    assert!(!store.put_metadata("1.2.3.84.1.1", "dicom/b1.dcm", "{\"a\":2}").await.unwrap(), "kept once");
    assert!(store.instances_without_metadata(10).await.unwrap().is_empty());
    let rows = store.metadata(&sys(), &scope_series(84, 1)).await.unwrap();
    assert_eq!(rows[0].dataset.as_deref(), Some("{\"a\":1}"));
}

macro_rules! metadata_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            metadata,
            [
                metadata_comes_back_in_order_for_those_who_may_see_the_study,
                metadata_follows_a_replaced_object_and_goes_with_an_erase,
                instances_catalogued_without_metadata_are_filled_in_once,
            ]
        );
    };
}

metadata_cases!(metadata_sqlite, sqlite);
metadata_cases!(metadata_postgres, postgres);
