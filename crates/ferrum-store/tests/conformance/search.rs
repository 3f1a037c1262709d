//! The study search: one set of cases, the same answers from both catalogs — names with
//! accents, case, either order, wildcards and ideographic/phonetic groups; identifiers
//! exact and prefix; descriptions by word; every other filter; typo-tolerant free text;
//! the principal's scope; every order with its cursor; the total; the columns kept in step.
use ferrum_store::access::{Grantee, Level};
use ferrum_store::model::*;
use ferrum_store::{Principal, StoreError};

use crate::catalog::{account, event, instance, postgres, sqlite, sys, Store};

struct Spec {
    n: u32,
    name: &'static str,
    id: &'static str,
    accession: &'static str,
    date: &'static str,
    time: &'static str,
    description: &'static str,
    series_description: &'static str,
    body_part: &'static str,
    modality: &'static str,
    referring: &'static str,
    institution: &'static str,
    birth: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        n: 1,
        name: "MÜLLER^HANS",
        id: "PAT-001",
        accession: "ACC1001",
        date: "20240105",
        time: "081500",
        description: "CT Thorax",
        series_description: "Lung window",
        body_part: "CHEST",
        modality: "CT",
        referring: "Weber^Anna",
        institution: "St. Mary Hospital",
        birth: "19600101",
    },
    Spec {
        n: 2,
        name: "Müller^Hans",
        id: "PAT-002",
        accession: "ACC1002",
        date: "20240210",
        time: "143000",
        description: "MR Knee",
        series_description: "Sagittal PD",
        body_part: "KNEE",
        modality: "MR",
        referring: "Weber^Anna",
        institution: "City Clinic",
        birth: "19700202",
    },
    Spec {
        n: 3,
        name: "Muller^Anna",
        id: "PAT-003",
        accession: "ACC2001",
        date: "20240315",
        time: "093000",
        description: "CT Abdomen",
        series_description: "Portal venous",
        body_part: "ABDOMEN",
        modality: "CT",
        referring: "Schulz^Peter",
        institution: "St. Mary Hospital",
        birth: "19600101",
    },
    Spec {
        n: 4,
        name: "Schmidt^Hans",
        id: "X-77",
        accession: "B-5",
        date: "20230101",
        time: "235959",
        description: "Chest X-ray",
        series_description: "PA",
        body_part: "CHEST",
        modality: "CR",
        referring: "",
        institution: "",
        birth: "",
    },
    Spec {
        n: 5,
        name: "Yamada^Tarou=山田^太郎=やまだ^たろう",
        id: "JP-1",
        accession: "ACC3001",
        date: "20240401",
        time: "101010",
        description: "Brain MR",
        series_description: "T2 axial",
        body_part: "HEAD",
        modality: "MR",
        referring: "",
        institution: "Tokyo Center",
        birth: "19800303",
    },
    Spec {
        n: 6,
        name: "=山田^花子=やまだ^はなこ",
        id: "JP-2",
        accession: "ACC3002",
        date: "20240402",
        time: "111111",
        description: "Brain MR",
        series_description: "T1 sagittal",
        body_part: "HEAD",
        modality: "MR",
        referring: "",
        institution: "Tokyo Center",
        birth: "",
    },
    Spec {
        n: 7,
        name: "Strauß^Johann",
        id: "AT-1",
        accession: "ACC4001",
        date: "",
        time: "",
        description: "",
        series_description: "",
        body_part: "",
        modality: "US",
        referring: "",
        institution: "",
        birth: "",
    },
    Spec {
        n: 8,
        name: "Øster^Søren",
        id: "DK-1",
        accession: "acc4002",
        date: "20240501",
        time: "120000",
        description: "PET CT",
        series_description: "Whole body",
        body_part: "",
        modality: "PT",
        referring: "",
        institution: "",
        birth: "",
    },
];

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn study_instance(spec: &Spec, series: u32, n: u32) -> NewInstance {
    let mut i = instance(100 + spec.n, series, n, &format!("s{}-{series}-{n}", spec.n));
    let a = &mut i.attributes;
    a.patient_name = opt(spec.name);
    a.patient_id = opt(spec.id);
    a.accession_number = opt(spec.accession);
    a.study_date = opt(spec.date);
    a.study_time = opt(spec.time);
    a.study_description = opt(spec.description);
    a.series_description = opt(spec.series_description);
    a.body_part_examined = opt(spec.body_part);
    a.modality = opt(spec.modality);
    a.referring_physician_name = opt(spec.referring);
    a.institution_name = opt(spec.institution);
    a.patient_birth_date = opt(spec.birth);
    i
}

/// The eight studies, uploaded by the service (no owner); study 8 gets a second series.
async fn seed(store: &Store) {
    let mut batch: Vec<NewInstance> = SPECS.iter().map(|s| study_instance(s, 1, 1)).collect();
    let mut extra = study_instance(&SPECS[7], 2, 1);
    extra.attributes.modality = Some("CT".into());
    extra.attributes.series_description = Some("Low dose".into());
    batch.push(extra);
    batch.push(study_instance(&SPECS[7], 2, 2));
    store.insert_instances(&sys(), &batch, ConflictPolicy::Reject, &[]).await.unwrap();
}

fn q() -> StudyQuery {
    StudyQuery { limit: 100, ..Default::default() }
}

/// The numbers (1–8) of the studies a query finds, sorted.
async fn found(store: &Store, principal: &Principal, query: StudyQuery) -> Vec<u32> {
    let page = store.list_studies(principal, &query).await.unwrap();
    let mut n: Vec<u32> = page
        .items
        .iter()
        .map(|s| s.study_instance_uid.rsplit('.').next().unwrap().parse::<u32>().unwrap() - 100)
        .collect();
    n.sort();
    n
}

pub async fn names_match_by_component_in_any_order_case_and_accent_insensitive(store: Store) {
    seed(&store).await;
    let by_name = |v: &str| StudyQuery { patient_name: Some(v.into()), ..q() };
    let cases: &[(&str, &[u32])] = &[
        ("muller", &[1, 2, 3]),
        ("MÜLLER", &[1, 2, 3]),
        ("MÜLLER^HANS", &[1, 2]),
        ("muller^hans", &[1, 2]),
        ("hans muller", &[1, 2]),
        ("Müller, Hans", &[1, 2]),
        ("hans", &[1, 2, 4]),
        ("anna", &[3]),
        ("mül", &[1, 2, 3]),
        ("m?ller", &[1, 2, 3]),
        ("mu*r", &[1, 2, 3]),
        ("*ller", &[1, 2, 3]),
        ("*ller^h*", &[1, 2]),
        ("mul*anna", &[3]),
        ("山田", &[5, 6]),
        ("山田^太郎", &[5]),
        ("やまだ", &[5, 6]),
        ("はなこ", &[6]),
        ("yamada", &[5]),
        ("strauss", &[7]),
        ("STRAUSS^JOHANN", &[7]),
        ("oster soren", &[8]),
        ("weber", &[]),
        ("*", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ];
    for (value, expected) in cases {
        assert_eq!(found(&store, &sys(), by_name(value)).await, expected.to_vec(), "patient_name={value}");
    }
}

pub async fn identifiers_match_exactly_or_by_prefix(store: Store) {
    seed(&store).await;
    let cases: &[(StudyQuery, &[u32])] = &[
        (StudyQuery { patient_id: Some("PAT-001".into()), ..q() }, &[1]),
        (StudyQuery { patient_id: Some("pat-001".into()), ..q() }, &[1]),
        (StudyQuery { patient_id: Some("PAT-00".into()), ..q() }, &[]),
        (StudyQuery { patient_id: Some("PAT-00*".into()), ..q() }, &[1, 2, 3]),
        (StudyQuery { patient_id: Some("jp*".into()), ..q() }, &[5, 6]),
        (StudyQuery { patient_id: Some("*1".into()), ..q() }, &[1, 5, 7, 8]),
        (StudyQuery { accession: Some("ACC4002".into()), ..q() }, &[8]),
        (StudyQuery { accession: Some("acc1*".into()), ..q() }, &[1, 2]),
        (StudyQuery { accession: Some("ACC".into()), ..q() }, &[]),
        (StudyQuery { accession: Some("b-5".into()), ..q() }, &[4]),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&store, &sys(), query.clone()).await, expected.to_vec(), "{query:?}");
    }
}

pub async fn descriptions_physicians_and_institutions_match_by_word(store: Store) {
    seed(&store).await;
    let cases: &[(StudyQuery, &[u32])] = &[
        (StudyQuery { description: Some("thorax".into()), ..q() }, &[1]),
        (StudyQuery { description: Some("CHEST".into()), ..q() }, &[1, 4]),
        (StudyQuery { description: Some("lung".into()), ..q() }, &[1]),
        (StudyQuery { description: Some("brain mr".into()), ..q() }, &[5, 6]),
        (StudyQuery { description: Some("mr brain".into()), ..q() }, &[5, 6]),
        (StudyQuery { description: Some("sag".into()), ..q() }, &[2, 6]),
        (StudyQuery { description: Some("low dose".into()), ..q() }, &[8]),
        (StudyQuery { description: Some("x-ray".into()), ..q() }, &[4]),
        (StudyQuery { description: Some("horax".into()), ..q() }, &[]),
        (StudyQuery { referring_physician: Some("weber".into()), ..q() }, &[1, 2]),
        (StudyQuery { referring_physician: Some("peter schulz".into()), ..q() }, &[3]),
        (StudyQuery { institution: Some("st mary".into()), ..q() }, &[1, 3]),
        (StudyQuery { institution: Some("tokyo".into()), ..q() }, &[5, 6]),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&store, &sys(), query.clone()).await, expected.to_vec(), "{query:?}");
    }
}

pub async fn dates_times_modalities_and_states_filter_and_combine(store: Store) {
    seed(&store).await;
    let d = |from: Option<&str>, to: Option<&str>| StudyQuery {
        date_from: from.map(str::to_owned),
        date_to: to.map(str::to_owned),
        ..q()
    };
    let cases: &[(StudyQuery, &[u32])] = &[
        (d(Some("20240201"), Some("20240401")), &[2, 3, 5]),
        (d(None, Some("20231231")), &[4]),
        (d(Some("20240402"), None), &[6, 8]),
        (StudyQuery { time_from: Some("090000".into()), time_to: Some("115959".into()), ..q() }, &[3, 5, 6]),
        (StudyQuery { birth_date: Some("19600101".into()), ..q() }, &[1, 3]),
        (StudyQuery { modalities: vec!["CT".into()], ..q() }, &[1, 3, 8]),
        (StudyQuery { modalities: vec!["pt".into(), "us".into()], ..q() }, &[7, 8]),
        (StudyQuery { modalities: vec!["CT".into()], patient_name: Some("muller".into()), ..q() }, &[1, 3]),
        (
            StudyQuery {
                modalities: vec!["MR".into()],
                date_from: Some("20240101".into()),
                institution: Some("tokyo".into()),
                ..q()
            },
            &[5, 6],
        ),
        (StudyQuery { uploader: Some("alice".into()), ..q() }, &[1, 2, 3, 4, 5, 6, 7, 8]),
        (StudyQuery { uploader: Some("bob".into()), ..q() }, &[]),
        (StudyQuery { uploaded_from: Some("2000-01-01T00:00:00.000000Z".into()), ..q() }, &[1, 2, 3, 4, 5, 6, 7, 8]),
        (StudyQuery { uploaded_to: Some("2000-01-01T00:00:00.000000Z".into()), ..q() }, &[]),
        (StudyQuery { restricted: Some(true), ..q() }, &[]),
        (StudyQuery { shared: Some(true), ..q() }, &[]),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&store, &sys(), query.clone()).await, expected.to_vec(), "{query:?}");
    }
    let admin = account(&store, "root", Role::Admin).await;
    account(&store, "ann", Role::Radiologist).await;
    let by = admin.user().unwrap().id;
    store.set_restriction("1.2.3.103", Some("root"), &event("restrict_study", "1.2.3.103")).await.unwrap();
    store
        .put_grant("1.2.3.102", &Grantee::User("ann".into()), Level::Read, by, &event("grant_study", "1.2.3.102"))
        .await
        .unwrap();
    assert_eq!(found(&store, &admin, StudyQuery { restricted: Some(true), ..q() }).await, [3]);
    assert_eq!(found(&store, &admin, StudyQuery { shared: Some(true), ..q() }).await, [2]);
    assert_eq!(
        found(&store, &admin, StudyQuery { shared: Some(false), restricted: Some(false), ..q() }).await,
        [1, 4, 5, 6, 7, 8]
    );
}

pub async fn free_text_tolerates_typos_and_ranks_the_best_match_first(store: Store) {
    seed(&store).await;
    let text = |v: &str| StudyQuery { q: Some(v.into()), ..q() };
    let cases: &[(&str, &[u32])] = &[
        ("muller", &[1, 2, 3]),
        ("mullr", &[1, 2, 3]),
        ("mueller", &[1, 2, 3]),
        ("schmdt", &[4]),
        ("thorax", &[1]),
        ("thorx", &[1]),
        ("やまだ", &[5, 6]),
        ("zzzz", &[]),
    ];
    for (value, expected) in cases {
        assert_eq!(found(&store, &sys(), text(value)).await, expected.to_vec(), "q={value}");
    }
    for (value, first) in [
        ("muller anna", "1.2.3.103"),
        ("ACC1001", "1.2.3.101"),
        ("pat-002", "1.2.3.102"),
        ("tokyo brain t1", "1.2.3.106"),
    ] {
        let page = store.list_studies(&sys(), &text(value)).await.unwrap();
        assert_eq!(page.items[0].study_instance_uid, first, "the best match of {value} first");
    }
    let page = store.list_studies(&sys(), &text("hans")).await.unwrap();
    assert!(page.items.len() >= 3);
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.list_studies(&sys(), &StudyQuery { limit: 1, cursor, ..text("hans") }).await.unwrap();
        seen.extend(page.items.iter().map(|s| s.study_instance_uid.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let all: Vec<String> = store
        .list_studies(&sys(), &text("hans"))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.study_instance_uid)
        .collect();
    assert_eq!(seen, all, "relevance pages follow one order");
}

pub async fn a_search_stays_inside_the_principals_scope(store: Store) {
    seed(&store).await;
    let ann = account(&store, "ann", Role::Radiologist).await;
    let ben = account(&store, "ben", Role::Radiologist).await;
    let admin = account(&store, "root", Role::Admin).await;
    let mut own = study_instance(&SPECS[0], 1, 1);
    own.attributes.study_instance_uid = "1.2.3.190".into();
    own.attributes.series_instance_uid = "1.2.3.190.1".into();
    own.attributes.sop_instance_uid = "1.2.3.190.1.1".into();
    own.sha256 = "own".into();
    store.insert_instances(&ann, &[own], ConflictPolicy::Reject, &[]).await.unwrap();
    let by = admin.user().unwrap().id;
    store
        .put_grant("1.2.3.102", &Grantee::User("ann".into()), Level::Read, by, &event("grant_study", "1.2.3.102"))
        .await
        .unwrap();
    let muller = StudyQuery { patient_name: Some("muller".into()), ..q() };
    assert_eq!(found(&store, &ann, muller.clone()).await, [2, 90], "owned and shared only");
    assert_eq!(found(&store, &ben, muller.clone()).await, Vec::<u32>::new());
    assert_eq!(found(&store, &ann, StudyQuery { q: Some("mullr".into()), ..q() }).await, [2, 90]);
    assert_eq!(found(&store, &ann, StudyQuery { patient_id: Some("PAT*".into()), ..q() }).await, [2, 90]);
    let page = store.list_studies(&ann, &muller).await.unwrap();
    assert_eq!((page.total, page.total_exact), (2, true));
    store.set_restriction("1.2.3.190", Some("root"), &event("restrict_study", "1.2.3.190")).await.unwrap();
    assert_eq!(found(&store, &ann, muller.clone()).await, [2], "a restricted study leaves the owner's search");
    assert_eq!(found(&store, &admin, muller).await, [1, 2, 3, 90]);
}

pub async fn every_order_pages_through_every_match_once_in_order(store: Store) {
    seed(&store).await;
    let sorts = [
        StudySort::UploadedAtDesc,
        StudySort::UploadedAtAsc,
        StudySort::StudyDateDesc,
        StudySort::StudyDateAsc,
        StudySort::PatientNameAsc,
        StudySort::PatientNameDesc,
        StudySort::AccessionAsc,
        StudySort::AccessionDesc,
    ];
    for sort in sorts {
        let whole: Vec<String> = store
            .list_studies(&sys(), &StudyQuery { sort: Some(sort), ..q() })
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.study_instance_uid)
            .collect();
        assert_eq!(whole.len(), 8);
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page =
                store.list_studies(&sys(), &StudyQuery { limit: 3, cursor, sort: Some(sort), ..q() }).await.unwrap();
            assert_eq!((page.total, page.total_exact), (8, true));
            seen.extend(page.items.into_iter().map(|s| s.study_instance_uid));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, whole, "{sort:?}");
    }
    let by_date: Vec<String> = store
        .list_studies(&sys(), &StudyQuery { sort: Some(StudySort::StudyDateAsc), ..q() })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.study_instance_uid)
        .collect();
    assert_eq!(by_date[0], "1.2.3.107", "no date sorts first ascending");
    assert_eq!(by_date[1], "1.2.3.104");
    let by_name: Vec<String> = store
        .list_studies(&sys(), &StudyQuery { sort: Some(StudySort::PatientNameAsc), ..q() })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.study_instance_uid)
        .collect();
    assert_eq!(&by_name[..3], ["1.2.3.106", "1.2.3.103", "1.2.3.101"], "folded: =山田…, muller^anna, muller^hans");
    let first = store.list_studies(&sys(), &StudyQuery { limit: 2, sort: Some(StudySort::AccessionAsc), ..q() }).await;
    let cursor = first.unwrap().next_cursor;
    assert!(matches!(
        store.list_studies(&sys(), &StudyQuery { limit: 2, cursor, sort: Some(StudySort::StudyDateAsc), ..q() }).await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn counts_and_modalities_follow_ingest_and_erase(store: Store) {
    seed(&store).await;
    let get = |store: Store| async move {
        let page = store.list_studies(&sys(), &StudyQuery { patient_id: Some("DK-1".into()), ..q() }).await.unwrap();
        let s = page.items.into_iter().next().unwrap();
        (s.num_series, s.num_instances, s.modalities)
    };
    assert_eq!(get(store.clone()).await, (2, 3, vec!["CT".to_string(), "PT".to_string()]));
    let mut more = study_instance(&SPECS[7], 3, 1);
    more.attributes.modality = Some("MR".into());
    more.sha256 = "more".into();
    store.insert_instances(&sys(), &[more], ConflictPolicy::Reject, &[]).await.unwrap();
    assert_eq!(get(store.clone()).await, (3, 4, vec!["CT".into(), "MR".into(), "PT".into()]));
    assert_eq!(found(&store, &sys(), StudyQuery { modalities: vec!["MR".into()], ..q() }).await, [2, 5, 6, 8]);
    store.erase(&EraseTarget::Series("1.2.3.108.2".into()), &event("erase_series", "1.2.3.108")).await.unwrap();
    assert_eq!(get(store.clone()).await, (2, 2, vec!["MR".into(), "PT".into()]));
    assert_eq!(found(&store, &sys(), StudyQuery { description: Some("low".into()), ..q() }).await, Vec::<u32>::new());
    assert_eq!(found(&store, &sys(), StudyQuery { modalities: vec!["CT".into()], ..q() }).await, [1, 3]);
    store.erase(&EraseTarget::Study("1.2.3.101".into()), &event("erase_study", "1.2.3.101")).await.unwrap();
    assert_eq!(found(&store, &sys(), StudyQuery { q: Some("muller".into()), ..q() }).await, [2, 3]);
    assert_eq!(found(&store, &sys(), StudyQuery { patient_name: Some("muller".into()), ..q() }).await, [2, 3]);
}

macro_rules! search_cases {
    ($module:ident, $factory:ident) => {
        crate::backends!(
            $module,
            $factory,
            search,
            [
                names_match_by_component_in_any_order_case_and_accent_insensitive,
                identifiers_match_exactly_or_by_prefix,
                descriptions_physicians_and_institutions_match_by_word,
                dates_times_modalities_and_states_filter_and_combine,
                free_text_tolerates_typos_and_ranks_the_best_match_first,
                a_search_stays_inside_the_principals_scope,
                every_order_pages_through_every_match_once_in_order,
                counts_and_modalities_follow_ingest_and_erase,
            ]
        );
    };
}

search_cases!(search_sqlite, sqlite);
search_cases!(search_postgres, postgres);
