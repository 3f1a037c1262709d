//! The one SQL catalog, over either backend. Each method is written once; [`on_pool!`] runs
//! its body against whichever pool this catalog holds, so the same statement text (numbered
//! `$N` parameters, which SQLite and PostgreSQL both read) serves both, with sqlx's types
//! checked for each. Where the backends differ on purpose — SQLite's group-commit writer,
//! PostgreSQL's retry of aborted transactions, a few dialect fragments — [`Dialect`] and the
//! backend modules say so.
use std::borrow::Cow;
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Sqlite, SqlitePool, Transaction};

use super::sqlite::Writer;
use crate::StoreError;

pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the catalog's pool (`&SqlitePool` or `&PgPool`): the
/// body is type-checked once per backend.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::catalog::sql::Pool::Sqlite($p) => $body,
            $crate::catalog::sql::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Where a catalog's writes go: on SQLite the one write connection, on PostgreSQL the pool.
pub(crate) enum Writes {
    Sqlite(SqliteWrites),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to where the catalog writes (`&SqliteWrites` or `&PgPool`,
/// which both `begin_with`, `begin` and `acquire`).
macro_rules! on_writes {
    ($writes:expr, |$p:ident| $body:expr) => {
        match $writes {
            $crate::catalog::sql::Writes::Sqlite($p) => $body,
            $crate::catalog::sql::Writes::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_writes;

/// The embedded catalog's one write connection (a pool of exactly one). Writers queue for it
/// in the order they ask (sqlx's pool hands connections out first come, first served), and
/// how long each waited is recorded ([`super::write_wait`]).
pub(crate) struct SqliteWrites(pub(super) SqlitePool);

impl SqliteWrites {
    /// The write connection, for statements that commit on their own.
    // Boxed, as the others: their futures are awaited inside `async_trait` methods, whose
    // `Send` check cannot see through these lifetimes otherwise.
    pub(crate) fn acquire(&self) -> Boxed<'_, PoolConnection<Sqlite>> {
        Box::pin(async move {
            let asked = Instant::now();
            let conn = self.0.acquire().await?;
            super::write_wait::record(asked.elapsed());
            Ok(conn)
        })
    }

    /// A write transaction. `statement` is `BEGIN IMMEDIATE`, which never waits on
    /// SQLite's lock (no other connection writes), so the time until it has begun is the
    /// time spent queuing for the connection.
    pub(crate) fn begin_with(
        &self,
        statement: impl Into<Cow<'static, str>>,
    ) -> Boxed<'_, Transaction<'static, Sqlite>> {
        self.timed_begin(statement.into())
    }

    pub(crate) fn begin(&self) -> Boxed<'_, Transaction<'static, Sqlite>> {
        self.begin_with("BEGIN IMMEDIATE")
    }

    fn timed_begin(&self, statement: Cow<'static, str>) -> Boxed<'_, Transaction<'static, Sqlite>> {
        Box::pin(async move {
            let asked = Instant::now();
            let tx = self.0.begin_with(statement).await?;
            super::write_wait::record(asked.elapsed());
            Ok(tx)
        })
    }
}

/// A boxed future of a write's connection or transaction.
pub(crate) type Boxed<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, sqlx::Error>> + Send + 'a>>;

/// The SQL catalog. SQLite is the embedded default; PostgreSQL the production store shared
/// by any number of server instances.
pub struct SqlCatalog {
    /// Where reads go (and, on PostgreSQL, writes too).
    pub(crate) pool: Pool,
    /// Where every write goes. On SQLite, one connection: SQLite lets one connection write
    /// at a time, and a second writer would wait in SQLite's busy handler (which sleeps in
    /// steps of up to 100 ms) or fail with "database is locked". Writers queue for this
    /// connection instead, in order, and the group-commit writer is one of them. On
    /// PostgreSQL, the same pool as reads.
    pub(crate) writes: Writes,
    /// SQLite only: the task that applies ingest writes in group commits.
    pub(crate) writer: Option<Writer>,
    /// PostgreSQL only: appends of the audit trail, batched so that the chain's head lock
    /// is taken once per group of events rather than once per event.
    pub(crate) audit_batcher: Option<super::audit::Batcher>,
}

/// Kept so that callers (tests, benches) can name the backend they open.
pub type SqliteCatalog = SqlCatalog;
pub type PostgresCatalog = SqlCatalog;

/// Where the dialects differ.
pub(crate) struct Dialect {
    /// Whether the free-text candidates come from FTS5 (SQLite) or `pg_trgm` (PostgreSQL).
    pub fts5: bool,
    /// The position of a substring (`instr` / `strpos`), 0 when absent.
    pub substring_position: &'static str,
    /// What a claim adds so that concurrent claimers skip rows another has selected.
    pub claim_lock: &'static str,
    /// How a transaction that writes begins. SQLite's must take the write lock up front: a
    /// deferred one that reads first fails at once (`SQLITE_BUSY_SNAPSHOT`, "database is
    /// locked") when another writer commits before it writes, instead of waiting.
    pub begin_write: &'static str,
    /// What a `SELECT` adds to lock the rows it reads until the transaction ends (SQLite's
    /// write lock is the whole database already).
    pub lock_row: &'static str,
}

const SQLITE: Dialect =
    Dialect { fts5: true, substring_position: "instr", claim_lock: "", begin_write: "BEGIN IMMEDIATE", lock_row: "" };
const POSTGRES: Dialect = Dialect {
    fts5: false,
    substring_position: "strpos",
    claim_lock: "FOR UPDATE SKIP LOCKED",
    begin_write: "BEGIN",
    lock_row: "FOR UPDATE",
};

impl SqlCatalog {
    pub(crate) fn dialect(&self) -> &'static Dialect {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE,
            Pool::Postgres(_) => &POSTGRES,
        }
    }

    /// The embedded catalog: one SQLite file in WAL mode with `synchronous=FULL`, so that a
    /// committed upload survives a crash of the process or of the machine.
    pub async fn open_sqlite(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("DATABASE_URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let unavailable = |e: sqlx::Error| StoreError::Unavailable(format!("cannot open the SQLite catalog: {e}"));
        // The writing connection first: it creates the file and migrates the schema.
        let writes = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            // Never dropped for idleness or age: it is the one writer.
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await
            .map_err(unavailable)?;
        sqlx::migrate!("../../migrations/sqlite")
            .run(&writes)
            .await
            .map_err(|e| StoreError::Other(format!("migrating the catalog: {e}")))?;
        // The planner's statistics (SQLite keeps none of its own accord): the tables that
        // have none or have grown much since, each read in a bounded sample.
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&writes)
            .await
            .and(sqlx::query("PRAGMA optimize = 0x10002").execute(&writes).await)
            .map_err(unavailable)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        let mut catalog = SqlCatalog {
            pool: Pool::Sqlite(pool),
            writes: Writes::Sqlite(SqliteWrites(writes.clone())),
            writer: None,
            audit_batcher: None,
        };
        super::audit::import_legacy(&catalog).await?;
        super::search_columns::backfill(&catalog).await?;
        catalog.writer = Some(Writer::start(writes));
        Ok(catalog)
    }

    /// Opens the catalog a `sqlite:` or `postgres:` URL names.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            return Self::open_sqlite(url, max_connections).await;
        }
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Invalid(format!("DATABASE_URL: {e}")))?;
        Self::open_with(options, max_connections).await
    }

    /// Opens PostgreSQL with explicit options (tests use them to put each case in its own schema).
    pub async fn open_with(options: PgConnectOptions, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
        // sqlx takes an advisory lock, so instances starting together migrate once.
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrating the catalog: {e}")))?;
        let mut catalog = SqlCatalog {
            pool: Pool::Postgres(pool.clone()),
            writes: Writes::Postgres(pool.clone()),
            writer: None,
            audit_batcher: None,
        };
        super::audit::import_legacy(&catalog).await?;
        super::search_columns::backfill(&catalog).await?;
        catalog.audit_batcher = Some(super::audit::Batcher::start(pool));
        Ok(catalog)
    }

    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(p) => Some(p),
            Pool::Postgres(_) => None,
        }
    }

    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(p) => Some(p),
            Pool::Sqlite(_) => None,
        }
    }
}

/// RFC 3339 UTC with microseconds, the catalog's one timestamp format (text order is time order).
pub(crate) fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn now() -> String {
    timestamp(chrono::Utc::now())
}

#[async_trait::async_trait]
impl super::Catalog for SqlCatalog {
    fn pool_usage(&self) -> super::PoolUsage {
        on_pool!(&self.pool, |p| super::PoolUsage {
            open: p.size(),
            idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            max: p.options().get_max_connections(),
        })
    }

    async fn health(&self) -> Result<(), StoreError> {
        on_pool!(&self.pool, |p| sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
