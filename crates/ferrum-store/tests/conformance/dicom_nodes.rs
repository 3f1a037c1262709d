//! Known DICOM nodes: unique AE titles bound to live accounts, changed and removed with
//! their audit events, refusals changing nothing.
use ferrum_store::audit::{Action, AuditQuery, NewAuditEvent, Outcome};
use ferrum_store::model::*;
use ferrum_store::StoreError;

use crate::catalog::{account, postgres, sqlite, Store};

fn audit(action: Action, ae: &str) -> NewAuditEvent {
    let mut e = NewAuditEvent::new("user:admin", action, Outcome::Allowed);
    e.detail = Some(serde_json::json!({ "ae_title": ae }));
    e
}

fn node(ae: &str, account: &str, services: &[DicomService]) -> NewDicomNode {
    NewDicomNode {
        ae_title: ae.into(),
        host: "10.0.0.5".into(),
        port: 11112,
        account: account.into(),
        services: services.to_vec(),
    }
}

async fn node_events(store: &Store) -> Vec<String> {
    let q = AuditQuery { limit: 1000, ..Default::default() };
    let mut events = store.query_audit(&q).await.unwrap();
    events.reverse();
    events.into_iter().map(|e| e.action).filter(|a| a.contains("dicom_node")).collect()
}

pub async fn nodes_are_unique_by_ae_title_and_bound_to_a_live_account(store: Store) {
    account(&store, "ward", Role::Radiologist).await;
    let made = store
        .create_dicom_node(
            &node("CT1", "ward", &[DicomService::Store, DicomService::Find, DicomService::Store]),
            &audit(Action::CreateDicomNode, "CT1"),
        )
        .await
        .unwrap();
    assert_eq!(made.ae_title, "CT1");
    assert_eq!(made.account, "ward");
    assert!(made.account_active);
    assert_eq!(made.port, 11112);
    assert_eq!(made.services, [DicomService::Store, DicomService::Find], "sorted, once each");
    assert!(made.may(DicomService::Find) && !made.may(DicomService::Get));
    let again = store.create_dicom_node(&node("CT1", "ward", &[]), &audit(Action::CreateDicomNode, "CT1")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let orphan = store.create_dicom_node(&node("CT2", "nobody", &[]), &audit(Action::CreateDicomNode, "CT2")).await;
    assert!(matches!(orphan, Err(StoreError::Invalid(_))), "{orphan:?}");
    assert_eq!(node_events(&store).await, ["create_dicom_node"], "refusals leave no event");
    assert_eq!(store.find_dicom_node("CT1").await.unwrap(), Some(made.clone()));
    assert_eq!(store.find_dicom_node("ct1").await.unwrap(), None, "AE titles are case-sensitive");
    assert_eq!(store.list_dicom_nodes().await.unwrap(), vec![made]);
}

pub async fn a_node_changes_field_by_field_and_follows_its_accounts_state(store: Store) {
    account(&store, "ward", Role::Radiologist).await;
    account(&store, "night", Role::Radiologist).await;
    store
        .create_dicom_node(&node("MR1", "ward", &[DicomService::Store]), &audit(Action::CreateDicomNode, "MR1"))
        .await
        .unwrap();
    let change = DicomNodeChange {
        port: Some(104),
        services: Some(vec![DicomService::Get, DicomService::Move]),
        ..Default::default()
    };
    let changed = store.update_dicom_node("MR1", &change, &audit(Action::UpdateDicomNode, "MR1")).await.unwrap();
    assert_eq!((changed.port, changed.host.as_str(), changed.account.as_str()), (104, "10.0.0.5", "ward"));
    assert_eq!(changed.services, [DicomService::Move, DicomService::Get]);
    let bad = DicomNodeChange { account: Some("nobody".into()), host: Some("10.9.9.9".into()), ..Default::default() };
    let refused = store.update_dicom_node("MR1", &bad, &audit(Action::UpdateDicomNode, "MR1")).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert_eq!(store.find_dicom_node("MR1").await.unwrap().unwrap().host, "10.0.0.5", "nothing changed");
    let missing = store.update_dicom_node("NONE", &change, &audit(Action::UpdateDicomNode, "NONE")).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    let to_night = DicomNodeChange { account: Some("night".into()), ..Default::default() };
    assert_eq!(
        store.update_dicom_node("MR1", &to_night, &audit(Action::UpdateDicomNode, "MR1")).await.unwrap().account,
        "night"
    );

    // Disabling the account makes the node inactive at once; deleting it too.
    let disable = UserChange { disabled: Some(true), ..Default::default() };
    store.update_user("night", &disable, &[]).await.unwrap();
    assert!(!store.find_dicom_node("MR1").await.unwrap().unwrap().account_active);
    let enable = UserChange { disabled: Some(false), ..Default::default() };
    store.update_user("night", &enable, &[]).await.unwrap();
    assert!(store.find_dicom_node("MR1").await.unwrap().unwrap().account_active);
    let delete = NewAuditEvent::new("user:admin", Action::DeleteUser, Outcome::Allowed);
    store.delete_user("night", &delete).await.unwrap();
    assert!(!store.find_dicom_node("MR1").await.unwrap().unwrap().account_active);

    store.delete_dicom_node("MR1", &audit(Action::DeleteDicomNode, "MR1")).await.unwrap();
    let twice = store.delete_dicom_node("MR1", &audit(Action::DeleteDicomNode, "MR1")).await;
    assert!(matches!(twice, Err(StoreError::NotFound)), "{twice:?}");
    assert!(store.list_dicom_nodes().await.unwrap().is_empty());
    assert_eq!(
        node_events(&store).await,
        ["create_dicom_node", "update_dicom_node", "update_dicom_node", "delete_dicom_node"]
    );
}

macro_rules! dicom_node_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            dicom_nodes,
            [
                nodes_are_unique_by_ae_title_and_bound_to_a_live_account,
                a_node_changes_field_by_field_and_follows_its_accounts_state,
            ]
        );
    };
}

dicom_node_cases!(dicom_nodes_sqlite, sqlite);
dicom_node_cases!(dicom_nodes_postgres, postgres);
