//! Exports: the studies of a scope as the principal may see them, in export order.
use ferrum_store::access::{Grantee, Level, LinkPrincipal, Principal};
use ferrum_store::model::*;

use crate::catalog::{account, event, instance, postgres, sqlite, sys, Store};

fn uids(studies: &[ExportStudy]) -> Vec<String> {
    studies.iter().map(|s| s.detail.summary.study_instance_uid.clone()).collect()
}

fn sops(study: &ExportStudy) -> Vec<String> {
    study.detail.series.iter().flat_map(|s| s.instances.iter().map(|i| i.sop_instance_uid.clone())).collect()
}

/// Ann's two studies of patient P80 (the later one first by UID), Ben's study of P82.
async fn world(store: &Store) -> (Principal, Principal) {
    let ann = account(store, "ann", Role::Radiologist).await;
    let ben = account(store, "ben", Role::Radiologist).await;
    let mut first = vec![instance(80, 1, 2, "x2"), instance(80, 1, 1, "x1"), instance(80, 2, 1, "x3")];
    for i in &mut first {
        i.attributes.study_id = Some("S80".into());
        i.attributes.study_date = Some("20240301".into());
        i.uploaded_by = "ann".into();
    }
    let mut second = instance(79, 1, 1, "x4");
    second.attributes.patient_id = Some("P80".into());
    second.attributes.study_date = Some("20240401".into());
    second.uploaded_by = "ann".into();
    first.push(second);
    store.insert_instances(&ann, &first, ConflictPolicy::Reject, &[]).await.unwrap();
    let mut bens = instance(82, 1, 1, "x5");
    bens.uploaded_by = "ben".into();
    store.insert_instances(&ben, &[bens], ConflictPolicy::Reject, &[]).await.unwrap();
    (ann, ben)
}

pub async fn an_export_takes_its_scope_in_patient_date_and_display_order(store: Store) {
    let (ann, _ben) = world(&store).await;
    let one = store.export_studies(&ann, &ExportScope::Study("1.2.3.80".into())).await.unwrap();
    assert_eq!(uids(&one), ["1.2.3.80"]);
    assert_eq!(one[0].study_id.as_deref(), Some("S80"));
    assert_eq!(sops(&one[0]), ["1.2.3.80.1.1", "1.2.3.80.1.2", "1.2.3.80.2.1"], "instances in display order");
    assert_eq!((one[0].detail.summary.num_series, one[0].detail.summary.num_instances), (2, 3));
    let record = &one[0].detail.series[0].instances[0];
    assert_eq!((record.instance_number, record.transfer_syntax_uid.as_str()), (Some(1), "1.2.840.10008.1.2.1"));

    let admin = account(&store, "root", Role::Admin).await;
    let patient = store.export_studies(&admin, &ExportScope::Patient("P80".into())).await.unwrap();
    assert_eq!(uids(&patient), ["1.2.3.80", "1.2.3.79"], "by study date, not UID");
    let all = store.export_studies(&sys(), &ExportScope::Uploader("ann".into())).await.unwrap();
    assert_eq!(uids(&all), ["1.2.3.80", "1.2.3.79"]);
    assert!(store.export_studies(&admin, &ExportScope::Patient("P404".into())).await.unwrap().is_empty());
    assert!(store.export_studies(&admin, &ExportScope::Uploader("nobody".into())).await.unwrap().is_empty());
}

pub async fn an_export_holds_only_what_the_principal_may_see(store: Store) {
    let (ann, ben) = world(&store).await;
    assert!(store.export_studies(&ben, &ExportScope::Study("1.2.3.80".into())).await.unwrap().is_empty());
    assert!(store.export_studies(&ben, &ExportScope::Patient("P80".into())).await.unwrap().is_empty());
    assert!(
        store.export_studies(&ben, &ExportScope::Uploader("ann".into())).await.unwrap().is_empty(),
        "another account's uploads, in studies not shared with it"
    );
    assert!(store.export_studies(&ann, &ExportScope::Patient("P82".into())).await.unwrap().is_empty());

    let link = Principal::Link(LinkPrincipal {
        link_id: "l9".into(),
        study_uid: "1.2.3.80".into(),
        series: vec!["1.2.3.80.2".into()],
        allow_download: true,
        deidentified: false,
    });
    let linked = store.export_studies(&link, &ExportScope::Study("1.2.3.80".into())).await.unwrap();
    assert_eq!(sops(&linked[0]), ["1.2.3.80.2.1"], "a link narrowed to a series exports that series");
    assert!(store.export_studies(&link, &ExportScope::Study("1.2.3.82".into())).await.unwrap().is_empty());

    store.set_restriction("1.2.3.79", Some("root"), &event("restrict_study", "1.2.3.79")).await.unwrap();
    assert_eq!(
        uids(&store.export_studies(&ann, &ExportScope::Uploader("ann".into())).await.unwrap()),
        ["1.2.3.80"],
        "a restricted study leaves its owner's export"
    );
    let admin = account(&store, "root", Role::Admin).await;
    assert_eq!(uids(&store.export_studies(&admin, &ExportScope::Patient("P80".into())).await.unwrap()).len(), 2);
}

pub async fn an_uploaders_export_takes_the_instances_it_uploaded_and_no_others(store: Store) {
    let (ann, _ben) = world(&store).await;
    let ann_id = ann.user().unwrap().id;
    store
        .put_grant(
            "1.2.3.80",
            &Grantee::User("ben".into()),
            Level::Contribute,
            ann_id,
            &event("grant_study", "1.2.3.80"),
        )
        .await
        .unwrap();
    let ben = account(&store, "ben", Role::Radiologist).await;
    let mut added = instance(80, 3, 1, "x6");
    added.uploaded_by = "ben".into();
    store.insert_instances(&ben, &[added], ConflictPolicy::Reject, &[]).await.unwrap();

    let bens = store.export_studies(&ben, &ExportScope::Uploader("ben".into())).await.unwrap();
    assert_eq!(uids(&bens), ["1.2.3.80", "1.2.3.82"]);
    assert_eq!(sops(&bens[0]), ["1.2.3.80.3.1"], "only the series and instance ben added to ann's study");
    assert_eq!(bens[0].detail.summary.num_series, 1);
    let anns = store.export_studies(&sys(), &ExportScope::Uploader("ann".into())).await.unwrap();
    assert_eq!(sops(&anns[0]), ["1.2.3.80.1.1", "1.2.3.80.1.2", "1.2.3.80.2.1"]);
}

macro_rules! export_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            export,
            [
                an_export_takes_its_scope_in_patient_date_and_display_order,
                an_export_holds_only_what_the_principal_may_see,
                an_uploaders_export_takes_the_instances_it_uploaded_and_no_others,
            ]
        );
    };
}

export_cases!(export_sqlite, sqlite);
export_cases!(export_postgres, postgres);
