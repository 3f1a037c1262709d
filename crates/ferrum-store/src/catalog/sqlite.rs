//! The embedded catalog: one SQLite file in WAL mode with `synchronous=FULL`, so that a
//! committed upload survives a crash of the process or of the machine.
use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::shared::{
    self, audit_event, insert_audit, insert_batch, instance_record, listing_page, series_detail, study_summary,
    user_record, INSTANCES_OF_STUDY, LIST_AUDIT, SERIES_OF_STUDY,
};
use super::Catalog;
use crate::model::*;
use crate::StoreError;

pub struct SqliteCatalog {
    pool: SqlitePool,
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

/// Most writes committed in one transaction.
const GROUP_MAX: usize = 256;

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
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
                let outcomes = insert_batch!(&mut *tx, batch, *policy, &at)?;
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

#[async_trait]
impl Catalog for SqliteCatalog {
    async fn health(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_user(&self, username: &str, password_hash: &str, role: Role) -> Result<User, StoreError> {
        let result = sqlx::query("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)")
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now())
            .execute(&self.pool)
            .await;
        match result {
            Err(e) => match StoreError::from(e) {
                StoreError::Conflict(_) => {
                    Err(StoreError::Conflict("this username is taken or was used before".into()))
                }
                other => Err(other),
            },
            Ok(_) => self.find_user(username).await?.ok_or(StoreError::NotFound),
        }
    }

    async fn find_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row =
            sqlx::query("SELECT * FROM users WHERE username = ?").bind(username).fetch_optional(&self.pool).await?;
        row.as_ref().map(|r| user_record!(r)).transpose()
    }

    async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?)
    }

    async fn record_login_failure(&self, user_id: i64, max_failures: i64, lock_until: &str) -> Result<i64, StoreError> {
        let failures: i64 = sqlx::query_scalar(
            "UPDATE users SET failed_logins = failed_logins + 1, \
             locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END \
             WHERE id = ? RETURNING failed_logins",
        )
        .bind(max_failures)
        .bind(lock_until)
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(failures)
    }

    async fn record_login_success(&self, user_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

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

    async fn find_instance(&self, sop_uid: &str) -> Result<Option<InstanceRecord>, StoreError> {
        let row =
            sqlx::query("SELECT * FROM instances WHERE sop_uid = ?").bind(sop_uid).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(|r| instance_record!(r)))
    }

    async fn referenced_blob_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        for chunk in keys.chunks(500) {
            let mut qb = QueryBuilder::<Sqlite>::new("SELECT DISTINCT blob_key FROM instances WHERE blob_key IN (");
            let mut sep = qb.separated(", ");
            for key in chunk {
                sep.push_bind(key);
            }
            qb.push(")");
            let rows: Vec<String> = qb.build_query_scalar().fetch_all(&self.pool).await?;
            found.extend(rows);
        }
        Ok(found)
    }

    async fn list_studies(&self, query: &StudyQuery) -> Result<StudyPage, StoreError> {
        let mut qb = QueryBuilder::<Sqlite>::new("");
        let limit = shared::build_listing(&mut qb, query, MODALITY_AGGREGATE)?;
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok(listing_page!(rows, limit))
    }

    async fn get_study(&self, study_uid: &str) -> Result<Option<StudyDetail>, StoreError> {
        let sql = format!("{} FROM studies s WHERE s.study_uid = ?", shared::study_select(MODALITY_AGGREGATE));
        let Some(row) = sqlx::query(&sql).bind(study_uid).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let series = sqlx::query(SERIES_OF_STUDY).bind(study_uid).fetch_all(&self.pool).await?;
        let instances = sqlx::query(INSTANCES_OF_STUDY).bind(study_uid).fetch_all(&self.pool).await?;
        Ok(Some(StudyDetail {
            summary: study_summary!(&row),
            series: shared::nest(
                series.iter().map(|r| series_detail!(r)).collect(),
                instances.iter().map(|r| instance_record!(r)).collect(),
            ),
        }))
    }

    async fn study_owner(&self, study_uid: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT uploaded_by FROM studies WHERE study_uid = ?")
            .bind(study_uid)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn append_audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
        let event = e.clone();
        self.write(|reply| Write::Audit { event, reply }).await
    }

    async fn list_audit(&self, study_uid: Option<&str>, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(LIST_AUDIT).bind(study_uid).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| audit_event!(r)).collect())
    }
}
