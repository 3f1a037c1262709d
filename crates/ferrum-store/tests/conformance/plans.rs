//! Every filter kind of the study listing is answered from an index on both catalogs: on a
//! seeded archive (with the planner's statistics), the plan of each listing — as an admin
//! and as a radiologist who sees about 1% — never reads the studies or instances table
//! whole (SQLite `SCAN` without an index, PostgreSQL `Seq Scan`).
use ferrum_store::access::UserPrincipal;
use ferrum_store::catalog::seed::{seed_studies, StudySeed};
use ferrum_store::catalog::SqlCatalog;
use ferrum_store::model::*;
use ferrum_store::Principal;

use crate::catalog::test_database_url;

fn kinds() -> Vec<(&'static str, StudyQuery)> {
    let q = || StudyQuery { limit: 50, ..Default::default() };
    let mut kinds = vec![
        ("no filter", q()),
        ("patient name", StudyQuery { patient_name: Some("muller".into()), ..q() }),
        ("patient name, two components", StudyQuery { patient_name: Some("muller^hans".into()), ..q() }),
        ("patient name, wildcard", StudyQuery { patient_name: Some("m?ll*".into()), ..q() }),
        ("patient name, ideographic", StudyQuery { patient_name: Some("山田".into()), ..q() }),
        ("patient id", StudyQuery { patient_id: Some("P0001234".into()), ..q() }),
        ("patient id prefix", StudyQuery { patient_id: Some("P00012*".into()), ..q() }),
        ("accession", StudyQuery { accession: Some("A0100000123".into()), ..q() }),
        ("accession prefix", StudyQuery { accession: Some("A01000001*".into()), ..q() }),
        ("birth date", StudyQuery { birth_date: Some("19650304".into()), ..q() }),
        (
            "study date range",
            StudyQuery { date_from: Some("20240101".into()), date_to: Some("20240131".into()), ..q() },
        ),
        ("study time range", StudyQuery { time_from: Some("080000".into()), time_to: Some("081000".into()), ..q() }),
        ("modality", StudyQuery { modalities: vec!["XA".into()], ..q() }),
        ("description", StudyQuery { description: Some("angiography".into()), ..q() }),
        ("referring physician", StudyQuery { referring_physician: Some("house".into()), ..q() }),
        ("institution", StudyQuery { institution: Some("saint".into()), ..q() }),
        ("uploader", StudyQuery { uploader: Some("rad2".into()), ..q() }),
        (
            "upload time range",
            StudyQuery {
                uploaded_from: Some("2025-12-31T00:00:00.000000Z".into()),
                uploaded_to: Some("2025-12-31T06:00:00.000000Z".into()),
                ..q()
            },
        ),
        ("restricted", StudyQuery { restricted: Some(true), ..q() }),
        ("shared", StudyQuery { shared: Some(true), ..q() }),
        ("free text", StudyQuery { q: Some("mullr".into()), ..q() }),
        ("free text, an identifier", StudyQuery { q: Some("A0100012345".into()), ..q() }),
        (
            "combined",
            StudyQuery {
                patient_name: Some("garcia".into()),
                modalities: vec!["CT".into()],
                date_from: Some("20200101".into()),
                ..q()
            },
        ),
    ];
    for sort in [StudySort::StudyDateDesc, StudySort::PatientNameAsc, StudySort::AccessionAsc, StudySort::UploadedAtAsc]
    {
        kinds.push(("sorted", StudyQuery { sort: Some(sort), ..q() }));
    }
    kinds
}

/// A step that reads a whole table of studies or instances.
fn full_scan(line: &str) -> bool {
    let l = line.trim();
    let pg = l.contains("Seq Scan on studies") || l.contains("Seq Scan on instances");
    let sqlite = l.strip_prefix("SCAN ").is_some_and(|rest| {
        let table = rest.split_whitespace().next().unwrap_or("");
        matches!(table, "s" | "o" | "studies" | "i" | "instances") && !rest.contains("USING")
    });
    pg || sqlite
}

async fn every_filter_uses_an_index(url: &str) {
    let catalog = SqlCatalog::open(url, 2).await.unwrap();
    use ferrum_store::AccountCatalog;
    let mut owners = Vec::new();
    for name in ["reader", "rad1", "rad2", "rad3"] {
        let audit = ferrum_store::audit::NewAuditEvent::new(
            "system",
            ferrum_store::audit::Action::CreateUser,
            ferrum_store::audit::Outcome::Allowed,
        );
        catalog.create_user(name, "hash", Role::Radiologist, &audit).await.unwrap();
        owners.push(name.to_string());
    }
    drop(catalog);
    let spec = StudySeed { studies: 20_000, batch: 1, owners: owners[1..].to_vec(), reader: Some("reader".into()) };
    seed_studies(url, &spec).await.unwrap();
    let catalog = SqlCatalog::open(url, 2).await.unwrap();
    let reader = catalog.find_user("reader").await.unwrap().unwrap();
    let reader = Principal::User(UserPrincipal {
        id: reader.id,
        username: reader.username,
        role: Role::Radiologist,
        groups: catalog.groups_of(reader.id).await.unwrap(),
    });
    let admin = Principal::System;
    let mut failures = Vec::new();
    for (who, principal) in [("admin", &admin), ("radiologist", &reader)] {
        for (kind, query) in kinds() {
            let plan = catalog.explain_listing(principal, &query).await.unwrap();
            if plan.iter().any(|l| full_scan(l)) {
                failures.push(format!("{kind} ({who}, {:?}):\n  {}", query.sort, plan.join("\n  ")));
            }
        }
    }
    assert!(failures.is_empty(), "listings that read a whole table:\n{}", failures.join("\n"));
    broad_and_narrow_filters_answer_what_their_rows_say(&catalog, url).await;
    use ferrum_store::StudyCatalog;
    let seen = catalog.list_studies(&reader, &StudyQuery { limit: 500, ..Default::default() }).await.unwrap();
    assert_eq!((seen.total, seen.total_exact), (200, true), "the reader sees 1% of the archive");
    // A range with few matches reads its own index and checks visibility on each study
    // (not the visible set): the same studies as the reader's whole list, filtered here.
    for (from, to) in [("20240101", "20240131"), ("20200101", "20241231")] {
        let ranged =
            StudyQuery { date_from: Some(from.into()), date_to: Some(to.into()), limit: 500, ..Default::default() };
        let got = catalog.list_studies(&reader, &ranged).await.unwrap();
        let mut got: Vec<&str> = got.items.iter().map(|s| s.study_instance_uid.as_str()).collect();
        let mut expected: Vec<&str> = seen
            .items
            .iter()
            .filter(|s| s.study_date.as_deref().is_some_and(|d| d >= from && d <= to))
            .map(|s| s.study_instance_uid.as_str())
            .collect();
        got.sort_unstable();
        expected.sort_unstable();
        assert!(!expected.is_empty(), "the reader sees studies of {from}-{to}");
        assert_eq!(got, expected, "the reader's studies of {from}-{to}");
    }
}

#[tokio::test]
async fn sqlite_answers_every_filter_from_an_index() {
    let dir = tempfile::tempdir().unwrap();
    every_filter_uses_an_index(&format!("sqlite://{}", dir.path().join("plans.db").display())).await;
}

#[tokio::test]
async fn postgres_answers_every_filter_from_an_index() {
    use sqlx::Connection;
    let admin = test_database_url();
    let name = format!("plans_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("cannot reach the test PostgreSQL");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let url = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);
    every_filter_uses_an_index(&url).await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
}

/// Filters the catalog sizes before it plans (a common name listed as a check on each study
/// walked, a rare one or a trigram-sized pattern listed first): each first page is the one
/// the rows themselves give, asked of the database directly.
async fn broad_and_narrow_filters_answer_what_their_rows_say(catalog: &SqlCatalog, url: &str) {
    use ferrum_store::StudyCatalog;
    let by_date = |q: StudyQuery| StudyQuery { sort: Some(StudySort::StudyDateDesc), limit: 50, ..q };
    let name = |n: &str| by_date(StudyQuery { patient_name: Some(n.into()), ..Default::default() });
    let month_ct = by_date(StudyQuery {
        modalities: vec!["CT".into()],
        date_from: Some("20240101".into()),
        date_to: Some("20240131".into()),
        ..Default::default()
    });
    let key = |like: &str| {
        format!("EXISTS (SELECT 1 FROM study_keys k WHERE k.study_uid = s.study_uid AND k.field = 'pn' AND k.key LIKE '{like}')")
    };
    let cases = [
        ("common name", name("muller"), key("muller%")),
        ("common name, both wildcards", name("*muller*"), key("%muller%")),
        ("rare name, both wildcards", name("*yilmaz*"), key("%yilmaz%")),
        ("rare name", name("yilmaz"), key("yilmaz%")),
        (
            "a month of CT",
            month_ct,
            "COALESCE(s.study_date, '') BETWEEN '20240101' AND '20240131' AND EXISTS \
             (SELECT 1 FROM series se WHERE se.study_uid = s.study_uid AND se.modality = 'CT')"
                .to_string(),
        ),
    ];
    for (what, query, condition) in cases {
        let sql = format!(
            "SELECT s.study_uid FROM studies s WHERE {condition} \
             ORDER BY COALESCE(s.study_date, '') DESC, s.study_uid DESC LIMIT 50"
        );
        let count = format!("SELECT COUNT(*) FROM studies s WHERE {condition}");
        let (expected, matches): (Vec<String>, i64) = if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            (
                sqlx::query_scalar(&sql).fetch_all(&pool).await.unwrap(),
                sqlx::query_scalar(&count).fetch_one(&pool).await.unwrap(),
            )
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            (
                sqlx::query_scalar(&sql).fetch_all(&pool).await.unwrap(),
                sqlx::query_scalar(&count).fetch_one(&pool).await.unwrap(),
            )
        };
        assert!(!expected.is_empty(), "{what}: the seeded archive has matches");
        let page = catalog.list_studies(&Principal::System, &query).await.unwrap();
        let got: Vec<String> = page.items.iter().map(|s| s.study_instance_uid.clone()).collect();
        assert_eq!(got, expected, "{what}: the first page");
        if matches <= 1000 {
            assert_eq!((page.total, page.total_exact), (matches as u64, true), "{what}: the exact total");
        } else {
            // An estimate above the exact limit; SQLite's extrapolation within a factor of
            // two of the truth (PostgreSQL's is its planner's, not held to one here).
            let (total, truth) = (page.total as f64, matches as f64);
            assert!(!page.total_exact && page.total > 1000, "{what}: {total} for {truth}");
            if url.starts_with("sqlite:") {
                assert!(total >= truth / 2.0 && total <= truth * 2.0, "{what}: {total} for {truth}");
            }
        }
    }
}
