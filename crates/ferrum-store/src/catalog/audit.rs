//! The audit trail: an append-only hash chain. Every append takes the chain's head under
//! the write lock (SQLite's one writer; `FOR UPDATE` on PostgreSQL), so sequence numbers have
//! no gaps and each event names its predecessor's hash. On SQLite an event goes through the
//! group-commit writer, so that reads of patient data (each audited) share commits.
use sqlx::{PgPool, Row};
use tokio::sync::{mpsc, oneshot};

use super::ingest::{on_conn, Conn};
use super::sql::{now, on_pool, on_writes, Pool, SqlCatalog};
use crate::audit::{AuditAnchor, AuditCheckpoint, AuditQuery, AuditRecord, CheckpointSigner, NewAuditEvent};
use crate::StoreError;

const HEAD_SQLITE: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";
const HEAD_POSTGRES: &str = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE";

const INSERT: &str = "INSERT INTO audit_events (seq, at, actor, action, outcome, study_uid, series_uid, \
     sop_uid, remote_addr, user_agent, request_id, detail, count, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

const COLUMNS: &str = "seq, at, actor, action, outcome, study_uid, series_uid, sop_uid, remote_addr, \
     user_agent, request_id, detail, count, prev_hash, hash";

/// The chain's head on an open write transaction, locked until it commits.
async fn head(conn: &mut Conn<'_>) -> Result<(i64, String), sqlx::Error> {
    let row: (i64, String) = match conn {
        Conn::Sqlite(c) => sqlx::query_as(HEAD_SQLITE).fetch_one(&mut **c).await?,
        Conn::Postgres(c) => sqlx::query_as(HEAD_POSTGRES).fetch_one(&mut **c).await?,
    };
    Ok(row)
}

async fn insert(conn: &mut Conn<'_>, r: &AuditRecord) -> Result<(), sqlx::Error> {
    insert_row(conn, r).await?;
    set_head(conn, r).await
}

async fn insert_row(conn: &mut Conn<'_>, r: &AuditRecord) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(INSERT)
        .bind(r.seq)
        .bind(&r.at)
        .bind(&r.actor)
        .bind(&r.action)
        .bind(&r.outcome)
        .bind(&r.study_uid)
        .bind(&r.series_uid)
        .bind(&r.sop_uid)
        .bind(&r.remote_addr)
        .bind(&r.user_agent)
        .bind(&r.request_id)
        .bind(&r.detail)
        .bind(r.count)
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn set_head(conn: &mut Conn<'_>, r: &AuditRecord) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(r.seq)
        .bind(&r.hash)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Appends `event` to the chain inside the caller's transaction, timed now.
pub(crate) async fn append_chained(conn: &mut Conn<'_>, event: &NewAuditEvent) -> Result<AuditRecord, sqlx::Error> {
    let (seq, hash) = head(conn).await?;
    let record = AuditRecord::chained(event, (seq, &hash), now());
    insert(conn, &record).await?;
    Ok(record)
}

/// Most events appended in one PostgreSQL transaction.
const BATCH_MAX: usize = 256;

type Reply = oneshot::Sender<Result<AuditRecord, StoreError>>;

/// PostgreSQL's audit appends of this instance, batched: one task takes every event waiting,
/// appends them under one hold of the head lock and commits once. A failed batch is retried
/// event by event, so that an event fails alone.
pub(crate) struct Batcher {
    queue: mpsc::Sender<(NewAuditEvent, Reply)>,
}

impl Batcher {
    pub(crate) fn start(pool: PgPool) -> Batcher {
        let (queue, mut rx) = mpsc::channel::<(NewAuditEvent, Reply)>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                while group.len() < BATCH_MAX {
                    match rx.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let events: Vec<&NewAuditEvent> = group.iter().map(|(e, _)| e).collect();
                match append_group(&pool, &events).await {
                    Ok(records) => {
                        for ((_, reply), record) in group.into_iter().zip(records) {
                            let _ = reply.send(Ok(record));
                        }
                    }
                    Err(_) => {
                        for (event, reply) in group {
                            let _ = reply.send(append_group(&pool, &[&event]).await.map(|mut r| r.remove(0)));
                        }
                    }
                }
            }
        });
        Batcher { queue }
    }

    async fn append(&self, event: NewAuditEvent) -> Result<AuditRecord, StoreError> {
        let (tx, rx) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the audit writer has stopped".into());
        self.queue.send((event, tx)).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}

async fn append_group(pool: &PgPool, events: &[&NewAuditEvent]) -> Result<Vec<AuditRecord>, StoreError> {
    let mut tx = pool.begin().await?;
    let mut records: Vec<AuditRecord> = Vec::with_capacity(events.len());
    {
        // The head once, the rows in one statement, the head once: the lock is held for as
        // short as can be.
        let mut conn = Conn::Postgres(&mut tx);
        let (mut seq, mut hash) = head(&mut conn).await?;
        let at = now();
        for event in events {
            let record = AuditRecord::chained(event, (seq, &hash), at.clone());
            (seq, hash) = (record.seq, record.hash.clone());
            records.push(record);
        }
        insert_rows(&mut tx, &records).await?;
        let mut conn = Conn::Postgres(&mut tx);
        if let Some(last) = records.last() {
            set_head(&mut conn, last).await?;
        }
    }
    tx.commit().await?;
    Ok(records)
}

/// One multi-row INSERT of `records` (15 parameters a row; a batch stays far below
/// PostgreSQL's 65,535).
async fn insert_rows(conn: &mut sqlx::PgConnection, records: &[AuditRecord]) -> Result<(), sqlx::Error> {
    let mut sql = String::from(
        "INSERT INTO audit_events (seq, at, actor, action, outcome, study_uid, series_uid, sop_uid, remote_addr, \
         user_agent, request_id, detail, count, prev_hash, hash) VALUES ",
    );
    for i in 0..records.len() {
        let b = i * 15;
        let row: Vec<String> = (1..=15).map(|k| format!("${}", b + k)).collect();
        sql.push_str(if i == 0 { "(" } else { ", (" });
        sql.push_str(&row.join(", "));
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for r in records {
        q = q
            .bind(r.seq)
            .bind(&r.at)
            .bind(&r.actor)
            .bind(&r.action)
            .bind(&r.outcome)
            .bind(&r.study_uid)
            .bind(&r.series_uid)
            .bind(&r.sop_uid)
            .bind(&r.remote_addr)
            .bind(&r.user_agent)
            .bind(&r.request_id)
            .bind(&r.detail)
            .bind(r.count)
            .bind(&r.prev_hash)
            .bind(&r.hash);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Moves the events of earlier versions (a plain table) into the chain, oldest first, keeping
/// their times; then drops the old table. Runs once, at open, before anything appends.
pub(crate) async fn import_legacy(catalog: &SqlCatalog) -> Result<(), StoreError> {
    let exists = match &catalog.pool {
        Pool::Sqlite(p) => sqlx::query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_events_legacy'")
            .fetch_optional(p)
            .await?
            .is_some(),
        Pool::Postgres(p) => sqlx::query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'audit_events_legacy'")
            .fetch_optional(p)
            .await?
            .is_some(),
    };
    if !exists {
        return Ok(());
    }
    let select = "SELECT at, actor, action, study_uid, series_uid, sop_uid, remote_addr, outcome, detail \
                  FROM audit_events_legacy ORDER BY id";
    on_writes!(&catalog.writes, |p| {
        let mut tx = p.begin().await?;
        let rows = sqlx::query(select).fetch_all(&mut *tx).await?;
        let mut conn = Conn::from(&mut *tx);
        let (mut seq, mut hash) = head(&mut conn).await?;
        for row in rows {
            let old_outcome: String = row.try_get("outcome")?;
            let old_detail: Option<String> = row.try_get("detail")?;
            let outcome = match old_outcome.as_str() {
                "ok" => "allowed",
                "not_found" => "not_found",
                "error" => "error",
                _ => "denied",
            };
            let mut detail = serde_json::Map::new();
            if outcome == "denied" && old_outcome != "denied" {
                detail.insert("reason".into(), old_outcome.clone().into());
            }
            if let Some(d) = old_detail {
                detail.insert("note".into(), d.into());
            }
            let mut record = AuditRecord {
                seq: seq + 1,
                at: row.try_get("at")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                outcome: outcome.into(),
                study_uid: row.try_get("study_uid")?,
                series_uid: row.try_get("series_uid")?,
                sop_uid: row.try_get("sop_uid")?,
                remote_addr: row.try_get("remote_addr")?,
                user_agent: None,
                request_id: None,
                detail: (!detail.is_empty()).then(|| serde_json::Value::Object(detail).to_string()),
                count: 1,
                prev_hash: hash.clone(),
                hash: String::new(),
            };
            record.hash = record.compute_hash();
            insert(&mut conn, &record).await?;
            seq = record.seq;
            hash = record.hash;
        }
        sqlx::query("DROP TABLE audit_events_legacy").execute(&mut *tx).await?;
        tx.commit().await?;
    });
    Ok(())
}

/// The WHERE clause and binds of a query, numbered from `$1`.
fn filter(q: &AuditQuery) -> (String, Vec<String>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut n = 0;
    let mut text = |clauses: &mut Vec<String>, sql: &str, value: &str| {
        n += 1;
        clauses.push(sql.replace('?', &format!("${n}")));
        texts.push(value.to_owned());
    };
    if let Some(v) = &q.actor {
        text(&mut clauses, "actor = ?", v);
    }
    if let Some(v) = &q.outcome {
        text(&mut clauses, "outcome = ?", v.as_str());
    }
    if let Some(v) = &q.study_uid {
        text(&mut clauses, "study_uid = ?", v);
    }
    if let Some(v) = &q.patient_id {
        text(&mut clauses, "study_uid IN (SELECT study_uid FROM studies WHERE patient_id = ?)", v);
    }
    if let Some(v) = &q.request_id {
        text(&mut clauses, "request_id = ?", v);
    }
    if let Some(v) = &q.from {
        text(&mut clauses, "at >= ?", v);
    }
    if let Some(v) = &q.to {
        text(&mut clauses, "at < ?", v);
    }
    if !q.actions.is_empty() {
        // Names of a closed set: inlined, quoted, never client text.
        let names: Vec<String> = q.actions.iter().map(|a| format!("'{}'", a.as_str())).collect();
        clauses.push(format!("action IN ({})", names.join(", ")));
    }
    // Integers, inlined.
    if let Some(v) = q.before_seq {
        clauses.push(format!("seq < {v}"));
    }
    if let Some(v) = q.after_seq {
        clauses.push(format!("seq > {v}"));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
    (sql, texts)
}

#[async_trait::async_trait]
impl super::AuditCatalog for SqlCatalog {
    async fn append_audit(&self, event: &NewAuditEvent) -> Result<AuditRecord, StoreError> {
        match (&self.pool, &self.writer) {
            (Pool::Sqlite(_), Some(writer)) => writer.append_audit(event.clone()).await,
            (Pool::Postgres(pool), _) => match &self.audit_batcher {
                Some(batcher) => batcher.append(event.clone()).await,
                None => {
                    let mut tx = pool.begin().await?;
                    let record = append_chained(&mut Conn::Postgres(&mut tx), event).await?;
                    tx.commit().await?;
                    Ok(record)
                }
            },
            (Pool::Sqlite(_), None) => Err(StoreError::Unavailable("the catalog writer has stopped".into())),
        }
    }

    async fn query_audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let (clause, texts) = filter(q);
        let order = if q.after_seq.is_some() { "ASC" } else { "DESC" };
        let sql = format!("SELECT {COLUMNS} FROM audit_events{clause} ORDER BY seq {order} LIMIT {}", q.limit.max(1));
        Ok(on_pool!(&self.pool, |p| {
            let mut query = sqlx::query_as::<_, AuditRecord>(&sql);
            for t in &texts {
                query = query.bind(t);
            }
            query.fetch_all(p).await?
        }))
    }

    async fn audit_chain(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2");
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, AuditRecord>(&sql)
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?))
    }

    async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, (i64, String)>(HEAD_SQLITE).fetch_one(p).await?))
    }

    async fn audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, AuditCheckpoint>(
            "SELECT seq, hash, at, pruned, key_id, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"
        )
        .fetch_optional(p)
        .await?))
    }

    async fn add_audit_anchor(&self, a: &AuditAnchor) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query(
                "INSERT INTO audit_anchors (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (seq) DO NOTHING",
            )
            .bind(a.seq)
            .bind(&a.hash)
            .bind(&a.at)
            .bind(&a.key_id)
            .bind(&a.signature)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    async fn audit_anchors(&self) -> Result<Vec<AuditAnchor>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, AuditAnchor>(
            "SELECT seq, hash, at, key_id, signature FROM audit_anchors ORDER BY seq"
        )
        .fetch_all(p)
        .await?))
    }

    async fn prune_audit(
        &self,
        before: &str,
        sign: &CheckpointSigner<'_>,
    ) -> Result<Option<AuditCheckpoint>, StoreError> {
        let (on, off) = match self.pool {
            Pool::Sqlite(_) => ("UPDATE audit_control SET prune = 1", "UPDATE audit_control SET prune = 0"),
            Pool::Postgres(_) => ("UPDATE audit_control SET prune = TRUE", "UPDATE audit_control SET prune = FALSE"),
        };
        let begin = self.dialect().begin_write;
        let lock = match self.pool {
            Pool::Sqlite(_) => HEAD_SQLITE,
            Pool::Postgres(_) => HEAD_POSTGRES,
        };
        Ok(on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            // Pruning holds the head like an append, so it never races one.
            sqlx::query(lock).fetch_one(&mut *tx).await?;
            let last: Option<(i64, String, String)> =
                sqlx::query_as("SELECT seq, hash, at FROM audit_events WHERE at < $1 ORDER BY seq DESC LIMIT 1")
                    .bind(before)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((seq, hash, at)) = last else {
                return Ok(None);
            };
            sqlx::query(on).execute(&mut *tx).await?;
            let pruned = sqlx::query("DELETE FROM audit_events WHERE seq <= $1").bind(seq).execute(&mut *tx).await?;
            sqlx::query(off).execute(&mut *tx).await?;
            let previous: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(pruned), 0) FROM audit_checkpoints")
                .fetch_one(&mut *tx)
                .await?;
            let total = previous + pruned.rows_affected() as i64;
            let (key_id, signature) = sign(seq, &hash, &at, total);
            let checkpoint = AuditCheckpoint { seq, hash, at, pruned: total, key_id, signature };
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, hash, at, pruned, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(checkpoint.seq)
            .bind(&checkpoint.hash)
            .bind(&checkpoint.at)
            .bind(checkpoint.pruned)
            .bind(&checkpoint.key_id)
            .bind(&checkpoint.signature)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Some(checkpoint)
        }))
    }
}
