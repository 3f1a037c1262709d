//! Upgrading a catalog made before the audit chain: its events (a plain table) are moved
//! into the chain, in order and with their times, and the chain verifies.
use std::borrow::Cow;
use std::str::FromStr;

use ferrum_store::audit::GENESIS;
use ferrum_store::catalog::SqlCatalog;
use ferrum_store::AuditCatalog;

/// The schema as it was before migration 12 (the audit chain).
fn before_the_chain(m: sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
    let kept: Vec<_> = m.migrations.iter().filter(|x| x.version < 12).cloned().collect();
    sqlx::migrate::Migrator { migrations: Cow::Owned(kept), ..m }
}

const OLD_EVENTS: &str =
    "INSERT INTO audit_events (at, actor, action, study_uid, remote_addr, outcome, detail) VALUES \
     ('2025-01-01T00:00:00.000000Z', 'user:admin', 'login', NULL, '10.0.0.1', 'ok', NULL), \
     ('2025-01-01T00:00:01.000000Z', 'user:eve', 'login', NULL, '10.0.0.2', 'locked', NULL), \
     ('2025-01-01T00:00:02.000000Z', 'user:admin', 'view_study', '1.2.3', '10.0.0.1', 'ok', 'results=1')";

async fn check(catalog: &SqlCatalog) {
    let chain = catalog.audit_chain(0, 100).await.unwrap();
    let seen: Vec<(&str, &str, &str)> =
        chain.iter().map(|r| (r.at.as_str(), r.action.as_str(), r.outcome.as_str())).collect();
    assert_eq!(
        seen,
        vec![
            ("2025-01-01T00:00:00.000000Z", "login", "allowed"),
            ("2025-01-01T00:00:01.000000Z", "login", "denied"),
            ("2025-01-01T00:00:02.000000Z", "view_study", "allowed"),
        ]
    );
    assert_eq!(chain[1].detail.as_deref(), Some(r#"{"reason":"locked"}"#));
    let mut prev = GENESIS.to_owned();
    for (i, r) in chain.iter().enumerate() {
        assert_eq!((r.seq, r.prev_hash.as_str()), (i as i64 + 1, prev.as_str()));
        assert_eq!(r.compute_hash(), r.hash);
        prev = r.hash.clone();
    }
    assert_eq!(catalog.audit_head().await.unwrap(), (3, prev));
}

#[tokio::test]
async fn sqlite_events_of_earlier_versions_are_moved_into_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url).unwrap().create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        before_the_chain(sqlx::migrate!("../../migrations/sqlite")).run(&pool).await.unwrap();
        sqlx::query(OLD_EVENTS).execute(&pool).await.unwrap();
        pool.close().await;
    }
    let catalog = SqlCatalog::open_sqlite(&url, 2).await.unwrap();
    check(&catalog).await;
    drop(catalog);
    // A second start finds nothing left to move.
    check(&SqlCatalog::open_sqlite(&url, 2).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_events_of_earlier_versions_are_moved_into_the_chain() {
    use sqlx::Connection;
    let url = crate::catalog::test_database_url();
    let schema = format!("upgrade_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&url).await.expect("cannot reach the test PostgreSQL");
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut admin).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin).await.unwrap();
    let options = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap().options([("search_path", schema.as_str())]);
    {
        let pool = sqlx::PgPool::connect_with(options.clone()).await.unwrap();
        before_the_chain(sqlx::migrate!("../../migrations/postgres")).run(&pool).await.unwrap();
        sqlx::query(OLD_EVENTS).execute(&pool).await.unwrap();
        pool.close().await;
    }
    let result = async {
        let catalog = SqlCatalog::open_with(options.clone(), 2).await.unwrap();
        check(&catalog).await;
        check(&SqlCatalog::open_with(options, 2).await.unwrap()).await;
    };
    result.await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin).await.unwrap();
}
