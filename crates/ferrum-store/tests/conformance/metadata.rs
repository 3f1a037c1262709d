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

/// What a metadata answer reads of each row.
fn lines_of(rows: &[InstanceMetadata]) -> Vec<MetadataLine> {
    rows.iter()
        .map(|r| {
            let i = &r.instance;
            MetadataLine {
                study_instance_uid: i.study_instance_uid.clone(),
                series_instance_uid: i.series_instance_uid.clone(),
                sop_instance_uid: i.sop_instance_uid.clone(),
                transfer_syntax_uid: i.transfer_syntax_uid.clone(),
                sop_class_uid: i.sop_class_uid.clone(),
                instance_number: i.instance_number,
                rows: i.rows,
                columns: i.columns,
                number_of_frames: i.number_of_frames,
                dataset: r.dataset.clone(),
            }
        })
        .collect()
}

pub async fn metadata_lines_say_what_the_metadata_rows_say(store: Store) {
    let tricky = r#"{"00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller^Hans=山田^太郎"}]},"0008103E":{"vr":"LO","Value":["a\u001fb\u001ec | \"d\""]}}"#;
    let batch = [
        NewInstance { metadata: Some(tricky.into()), ..instance(86, 1, 2, "l2") },
        NewInstance { metadata: None, ..instance(86, 1, 1, "l1") },
        {
            let mut bare = NewInstance { metadata: Some("{}".into()), ..instance(86, 2, 1, "l3") };
            (bare.attributes.rows, bare.attributes.columns, bare.attributes.instance_number) = (None, None, None);
            bare
        },
    ];
    store.insert_instances(&sys(), &batch, ConflictPolicy::Reject, &[]).await.unwrap();
    let study = MetadataScope::Study { study_uid: "1.2.3.86".into() };
    for scope in [study.clone(), scope_series(86, 1), scope_series(86, 2)] {
        let rows = store.metadata(&sys(), &scope).await.unwrap();
        assert!(!rows.is_empty());
        assert_eq!(store.metadata_lines(&sys(), &scope).await.unwrap(), lines_of(&rows), "{scope:?}");
    }
    let lines = store.metadata_lines(&sys(), &study).await.unwrap();
    assert_eq!(lines[1].dataset.as_deref(), Some(tricky), "the kept text comes back as it was");
    assert_eq!(lines[0].dataset, None);
    let stranger = account(&store, "lines-stranger", Role::Radiologist).await;
    assert!(store.metadata_lines(&stranger, &study).await.unwrap().is_empty(), "not shared: nothing");
    assert!(store.metadata_lines(&sys(), &scope_series(87, 1)).await.unwrap().is_empty());
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
                metadata_lines_say_what_the_metadata_rows_say,
            ]
        );
    };
}

metadata_cases!(metadata_sqlite, sqlite);
metadata_cases!(metadata_postgres, postgres);
