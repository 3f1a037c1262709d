//! SQLite's group-commit writer. SQLite has one writer at a time, and each commit costs an
//! fsync. Rather than let concurrent uploads queue on the lock (SQLite's busy handler sleeps
//! in steps of up to 100 ms), one task takes every write waiting, applies them in one
//! transaction and commits once: many files, one fsync. A write that fails is retried alone,
//! so that it fails alone.
use std::time::Instant;

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::audit::append_chained;
use super::ingest::{insert_batch, settle_upload_events, Conn};
use super::sql::now;
use crate::access::Principal;
use crate::audit::{AuditRecord, NewAuditEvent};
use crate::model::*;
use crate::StoreError;

/// Most writes committed in one transaction.
const GROUP_MAX: usize = 256;

pub(crate) struct Writer {
    queue: mpsc::Sender<(Instant, Write)>,
}

/// A write that goes through the group-commit writer.
enum Write {
    Instances {
        principal: Principal,
        batch: Vec<NewInstance>,
        policy: ConflictPolicy,
        audit: Vec<NewAuditEvent>,
        reply: oneshot::Sender<Result<Vec<InsertOutcome>, StoreError>>,
    },
    Audit {
        event: NewAuditEvent,
        reply: oneshot::Sender<Result<AuditRecord, StoreError>>,
    },
}

enum Applied {
    Instances(Vec<InsertOutcome>),
    Audit(Box<AuditRecord>),
}

impl Writer {
    pub(crate) fn start(pool: SqlitePool) -> Writer {
        let (queue, rx) = mpsc::channel(1024);
        tokio::spawn(group_commit(pool, rx));
        Writer { queue }
    }

    async fn write<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Write,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the catalog writer has stopped".into());
        self.queue.send((Instant::now(), make(tx))).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    pub(crate) async fn insert_instances(
        &self,
        principal: Principal,
        batch: Vec<NewInstance>,
        policy: ConflictPolicy,
        audit: Vec<NewAuditEvent>,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        self.write(|reply| Write::Instances { principal, batch, policy, audit, reply }).await
    }

    pub(crate) async fn append_audit(&self, event: NewAuditEvent) -> Result<AuditRecord, StoreError> {
        self.write(|reply| Write::Audit { event, reply }).await
    }
}

async fn group_commit(pool: SqlitePool, mut queue: mpsc::Receiver<(Instant, Write)>) {
    while let Some(first) = queue.recv().await {
        let mut asked = vec![first.0];
        let mut group = vec![first.1];
        while group.len() < GROUP_MAX {
            match queue.try_recv() {
                Ok((at, w)) => {
                    asked.push(at);
                    group.push(w);
                }
                Err(_) => break,
            }
        }
        let results = match commit(&pool, &group, Some(&asked)).await {
            Ok(applied) => applied.into_iter().map(Ok).collect(),
            Err(e) if group.len() == 1 => vec![Err(e)],
            Err(_) => {
                let mut one_by_one = Vec::with_capacity(group.len());
                for w in &group {
                    one_by_one.push(commit(&pool, std::slice::from_ref(w), None).await.map(|mut a| a.remove(0)));
                }
                one_by_one
            }
        };
        for (w, result) in group.into_iter().zip(results) {
            match w {
                Write::Instances { reply, .. } => {
                    let _ = reply.send(result.map(|a| match a {
                        Applied::Instances(o) => o,
                        Applied::Audit(_) => Vec::new(),
                    }));
                }
                Write::Audit { reply, .. } => {
                    let _ = reply.send(result.and_then(|a| match a {
                        Applied::Audit(record) => Ok(*record),
                        Applied::Instances(_) => Err(StoreError::Other("the writer mixed up its replies".into())),
                    }));
                }
            }
        }
    }
}

/// Applies `group` in one transaction; `asked` (when each was asked for, the first time a
/// group is tried) is what the writes' waits are recorded from.
async fn commit(pool: &SqlitePool, group: &[Write], asked: Option<&[Instant]>) -> Result<Vec<Applied>, StoreError> {
    // The pool is the catalog's one write connection, which other writers queue for too;
    // IMMEDIATE all the same, so that a second process on the file waits instead of failing
    // on a lock upgrade.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for at in asked.unwrap_or_default() {
        super::write_wait::record(at.elapsed());
    }
    let at = now();
    let mut applied = Vec::with_capacity(group.len());
    {
        let mut conn = Conn::Sqlite(&mut tx);
        for w in group {
            applied.push(match w {
                Write::Instances { principal, batch, policy, audit, .. } => {
                    let outcomes = insert_batch(&mut conn, principal, batch, *policy, &at).await?;
                    for event in settle_upload_events(batch, &outcomes, audit) {
                        append_chained(&mut conn, &event).await?;
                    }
                    Applied::Instances(outcomes)
                }
                Write::Audit { event, .. } => Applied::Audit(Box::new(append_chained(&mut conn, event).await?)),
            });
        }
    }
    tx.commit().await?;
    Ok(applied)
}
