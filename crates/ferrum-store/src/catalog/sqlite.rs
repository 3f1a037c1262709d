//! The embedded catalog: one SQLite file in WAL mode with `synchronous=FULL`, so that a
//! committed upload survives a crash of the process or of the machine.
use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::shared::{
    self, audit_event, insert_audit, insert_batch, instance_record, link_record, listing_page, series_detail,
    study_summary, user_record, END_SESSIONS, INSTANCES_OF_STUDY, LIST_AUDIT, SERIES_OF_STUDY,
};
use crate::model::*;
use crate::StoreError;

pub struct SqliteCatalog {
    pub(super) pool: SqlitePool,
    writer: mpsc::Sender<Write>,
}

/// A write that goes through the group-commit writer.
enum Write {
    Instances {
        batch: Vec<NewInstance>,
        policy: ConflictPolicy,
        audit: Vec<AuditEvent>,
        reply: oneshot::Sender<Result<Vec<InsertOutcome>, StoreError>>,
    },
    Audit {
        event: AuditEvent,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

enum Applied {
    Instances(Vec<InsertOutcome>),
    Audit,
}

/// The distinct modalities of a study's series, comma-joined.
const MODALITY_AGGREGATE: &str = "group_concat(DISTINCT se.modality)";

/// SQLite has one writer at a time: a claim is already exclusive.
const CLAIM_LOCK: &str = "";

/// Most writes committed in one transaction.
const GROUP_MAX: usize = 256;

pub(crate) fn now() -> String {
    shared::timestamp(chrono::Utc::now())
}

impl SqliteCatalog {
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("DATABASE_URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open the SQLite catalog: {e}")))?;
        sqlx::migrate!("../../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrating the catalog: {e}")))?;
        let (writer, queue) = mpsc::channel(1024);
        tokio::spawn(group_commit(pool.clone(), queue));
        Ok(SqliteCatalog { pool, writer })
    }

    async fn write<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Write,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(make(tx))
            .await
            .map_err(|_| StoreError::Unavailable("the catalog writer has stopped".into()))?;
        rx.await.map_err(|_| StoreError::Unavailable("the catalog writer has stopped".into()))?
    }
}

/// SQLite has one writer at a time, and each commit costs an fsync. Rather than let
/// concurrent uploads queue on the lock (SQLite's busy handler sleeps in steps of up to
/// 100 ms), one task takes every write waiting, applies them in one transaction and commits
/// once: many files, one fsync. A write that fails is retried alone, so that it fails alone.
async fn group_commit(pool: SqlitePool, mut queue: mpsc::Receiver<Write>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match queue.try_recv() {
                Ok(w) => group.push(w),
                Err(_) => break,
            }
        }
        let results = match commit(&pool, &group).await {
            Ok(applied) => applied.into_iter().map(Ok).collect(),
            Err(e) if group.len() == 1 => vec![Err(e)],
            Err(_) => {
                let mut one_by_one = Vec::with_capacity(group.len());
                for w in &group {
                    one_by_one.push(commit(&pool, std::slice::from_ref(w)).await.map(|mut a| a.remove(0)));
                }
                one_by_one
            }
        };
        for (w, result) in group.into_iter().zip(results) {
            match w {
                Write::Instances { reply, .. } => {
                    let _ = reply.send(result.map(|a| match a {
                        Applied::Instances(o) => o,
                        Applied::Audit => Vec::new(),
                    }));
                }
                Write::Audit { reply, .. } => {
                    let _ = reply.send(result.map(|_| ()));
                }
            }
        }
    }
}

async fn commit(pool: &SqlitePool, group: &[Write]) -> Result<Vec<Applied>, StoreError> {
    // IMMEDIATE takes the write lock up front: other writers (account changes) wait on the
    // busy timeout instead of failing on a lock upgrade.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let at = now();
    let mut applied = Vec::with_capacity(group.len());
    for w in group {
        applied.push(match w {
            Write::Instances { batch, policy, audit, .. } => {
                let outcomes = insert_batch!(&mut *tx, batch, *policy, &at);
                for event in audit {
                    insert_audit!(&mut *tx, event)?;
                }
                Applied::Instances(outcomes)
            }
            Write::Audit { event, .. } => {
                insert_audit!(&mut *tx, event)?;
                Applied::Audit
            }
        });
    }
    tx.commit().await?;
    Ok(applied)
}

shared::sql_catalog!(SqliteCatalog, Sqlite, MODALITY_AGGREGATE, CLAIM_LOCK, {
    async fn insert_instances(
        &self,
        batch: &[NewInstance],
        policy: ConflictPolicy,
        audit: &[AuditEvent],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let batch = batch.to_vec();
        let audit = audit.to_vec();
        self.write(|reply| Write::Instances { batch, policy, audit, reply }).await
    }

    async fn append_audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
        let event = e.clone();
        self.write(|reply| Write::Audit { event, reply }).await
    }
});
