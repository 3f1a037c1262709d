//! The embedded catalog: one SQLite file in WAL mode with `synchronous=FULL`, so that a
//! committed upload survives a crash of the process or of the machine.
use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::Catalog;
use crate::model::*;
use crate::search::{contains_like, fold, wildcard_to_like, Cursor};
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
                let outcomes = insert_batch(&mut tx, batch, *policy, &at).await?;
                for event in audit {
                    insert_audit(&mut tx, event).await?;
                }
                Applied::Instances(outcomes)
            }
            Write::Audit { event, .. } => {
                insert_audit(&mut tx, event).await?;
                Applied::Audit
            }
        });
    }
    tx.commit().await?;
    Ok(applied)
}

/// The columns of a study summary, counts and modalities computed from its series.
const STUDY_SELECT: &str = "SELECT s.study_uid, s.patient_name, s.patient_id, s.patient_birth_date, s.patient_sex, \
     s.study_date, s.study_time, s.accession_number, s.study_description, s.referring_physician_name, \
     s.institution_name, s.uploaded_by, s.uploaded_at, \
     (SELECT COUNT(*) FROM series se WHERE se.study_uid = s.study_uid) AS num_series, \
     (SELECT COUNT(*) FROM instances i WHERE i.study_uid = s.study_uid) AS num_instances, \
     (SELECT group_concat(DISTINCT se.modality) FROM series se WHERE se.study_uid = s.study_uid) AS modalities";

fn summary_from_row(row: &SqliteRow) -> StudySummary {
    let modalities: Option<String> = row.get("modalities");
    let mut modalities: Vec<String> =
        modalities.unwrap_or_default().split(',').filter(|m| !m.is_empty()).map(str::to_owned).collect();
    modalities.sort();
    StudySummary {
        study_instance_uid: row.get("study_uid"),
        patient_name: row.get("patient_name"),
        patient_id: row.get("patient_id"),
        patient_birth_date: row.get("patient_birth_date"),
        patient_sex: row.get("patient_sex"),
        study_date: row.get("study_date"),
        study_time: row.get("study_time"),
        accession_number: row.get("accession_number"),
        study_description: row.get("study_description"),
        referring_physician_name: row.get("referring_physician_name"),
        institution_name: row.get("institution_name"),
        modalities,
        num_series: row.get("num_series"),
        num_instances: row.get("num_instances"),
        uploaded_by: row.get("uploaded_by"),
        uploaded_at: row.get("uploaded_at"),
    }
}

fn instance_from_row(row: &SqliteRow) -> InstanceRecord {
    InstanceRecord {
        sop_instance_uid: row.get("sop_uid"),
        series_instance_uid: row.get("series_uid"),
        study_instance_uid: row.get("study_uid"),
        sop_class_uid: row.get("sop_class_uid"),
        instance_number: row.get("instance_number"),
        transfer_syntax_uid: row.get("transfer_syntax_uid"),
        rows: row.get("rows"),
        columns: row.get("columns"),
        number_of_frames: row.get("number_of_frames"),
        size_bytes: row.get("size_bytes"),
        sha256: row.get("sha256"),
        blob_key: row.get("blob_key"),
        uploaded_by: row.get("uploaded_by"),
        created_at: row.get("created_at"),
    }
}

fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
    let role: String = row.get("role");
    Ok(User {
        id: row.get("id"),
        username: row.get("username"),
        password_hash: row.get("password_hash"),
        role: Role::parse(&role).ok_or_else(|| StoreError::Other(format!("unknown role {role:?} in catalog")))?,
        failed_logins: row.get("failed_logins"),
        locked_until: row.get("locked_until"),
        deleted: row.get::<Option<String>, _>("deleted_at").is_some(),
    })
}

/// The sort key expression and direction of each listing order.
fn sort_spec(sort: StudySort) -> (&'static str, bool) {
    match sort {
        StudySort::UploadedAtDesc => ("s.uploaded_at", true),
        StudySort::UploadedAtAsc => ("s.uploaded_at", false),
        StudySort::StudyDateDesc => ("COALESCE(s.study_date, '')", true),
        StudySort::StudyDateAsc => ("COALESCE(s.study_date, '')", false),
        StudySort::PatientNameAsc => ("COALESCE(s.patient_name_folded, '')", false),
        StudySort::PatientNameDesc => ("COALESCE(s.patient_name_folded, '')", true),
    }
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
        row.as_ref().map(user_from_row).transpose()
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
        Ok(row.as_ref().map(instance_from_row))
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
        let (sort_expr, descending) = sort_spec(query.sort);
        let mut qb = QueryBuilder::<Sqlite>::new(STUDY_SELECT);
        qb.push(", ").push(sort_expr).push(" AS sort_key FROM studies s WHERE 1 = 1");
        if let Some(name) = &query.patient_name {
            qb.push(" AND s.patient_name_folded LIKE ").push_bind(wildcard_to_like(name)).push(" ESCAPE '\\'");
        }
        if let Some(id) = &query.patient_id {
            qb.push(" AND s.patient_id = ").push_bind(id.trim().to_owned());
        }
        if let Some(acc) = &query.accession {
            qb.push(" AND s.accession_number = ").push_bind(acc.trim().to_owned());
        }
        if let Some(modality) = &query.modality {
            qb.push(" AND EXISTS (SELECT 1 FROM series se WHERE se.study_uid = s.study_uid AND se.modality = ")
                .push_bind(modality.trim().to_ascii_uppercase())
                .push(")");
        }
        if let Some(from) = &query.date_from {
            qb.push(" AND s.study_date >= ").push_bind(from.clone());
        }
        if let Some(to) = &query.date_to {
            qb.push(" AND s.study_date <= ").push_bind(to.clone());
        }
        if let Some(desc) = &query.description {
            qb.push(" AND s.study_description_folded LIKE ").push_bind(contains_like(desc)).push(" ESCAPE '\\'");
        }
        if let Some(uploader) = &query.uploader {
            qb.push(" AND s.uploaded_by = ").push_bind(uploader.clone());
        }
        if let Some(q) = &query.q {
            let pattern = contains_like(q);
            qb.push(" AND (s.patient_name_folded LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
            qb.push(" OR lower(s.patient_id) LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
            qb.push(" OR lower(s.accession_number) LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
            qb.push(" OR s.study_description_folded LIKE ").push_bind(pattern).push(" ESCAPE '\\')");
        }
        if let Some(user) = &query.visible_to {
            qb.push(" AND s.uploaded_by = ").push_bind(user.clone());
        }
        if let Some(cursor) = &query.cursor {
            let c = Cursor::decode(cursor)?;
            qb.push(" AND (").push(sort_expr).push(", s.study_uid) ").push(if descending { "<" } else { ">" });
            qb.push(" (").push_bind(c.key).push(", ").push_bind(c.uid).push(")");
        }
        let dir = if descending { "DESC" } else { "ASC" };
        qb.push(format!(" ORDER BY sort_key {dir}, s.study_uid {dir} LIMIT "));
        let limit = query.limit.clamp(1, 500);
        qb.push_bind(i64::from(limit) + 1);

        let rows = qb.build().fetch_all(&self.pool).await?;
        let more = rows.len() > limit as usize;
        let mut items = Vec::with_capacity(rows.len().min(limit as usize));
        let mut next_cursor = None;
        for row in rows.iter().take(limit as usize) {
            items.push(summary_from_row(row));
            if more {
                next_cursor = Some(Cursor { key: row.get("sort_key"), uid: row.get("study_uid") }.encode());
            }
        }
        Ok(StudyPage { items, next_cursor })
    }

    async fn get_study(&self, study_uid: &str) -> Result<Option<StudyDetail>, StoreError> {
        let sql = format!("{STUDY_SELECT} FROM studies s WHERE s.study_uid = ?");
        let Some(row) = sqlx::query(&sql).bind(study_uid).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let summary = summary_from_row(&row);
        let series_rows = sqlx::query(
            "SELECT series_uid, modality, series_number, series_description, body_part_examined FROM series \
             WHERE study_uid = ? ORDER BY series_number IS NULL, series_number, series_uid",
        )
        .bind(study_uid)
        .fetch_all(&self.pool)
        .await?;
        let instance_rows = sqlx::query(
            "SELECT * FROM instances WHERE study_uid = ? ORDER BY instance_number IS NULL, instance_number, sop_uid",
        )
        .bind(study_uid)
        .fetch_all(&self.pool)
        .await?;
        let mut series: Vec<SeriesDetail> = series_rows
            .iter()
            .map(|r| SeriesDetail {
                series_instance_uid: r.get("series_uid"),
                modality: r.get("modality"),
                series_number: r.get("series_number"),
                series_description: r.get("series_description"),
                body_part_examined: r.get("body_part_examined"),
                num_instances: 0,
                instances: Vec::new(),
            })
            .collect();
        for row in &instance_rows {
            let instance = instance_from_row(row);
            if let Some(s) = series.iter_mut().find(|s| s.series_instance_uid == instance.series_instance_uid) {
                s.instances.push(instance);
            }
        }
        for s in &mut series {
            s.num_instances = s.instances.len() as i64;
        }
        Ok(Some(StudyDetail { summary, series }))
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
        let rows =
            sqlx::query("SELECT * FROM audit_events WHERE (? IS NULL OR study_uid = ?) ORDER BY id DESC LIMIT ?")
                .bind(study_uid)
                .bind(study_uid)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEvent {
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                study_uid: r.get("study_uid"),
                series_uid: r.get("series_uid"),
                sop_uid: r.get("sop_uid"),
                remote_addr: r.get("remote_addr"),
                outcome: r.get("outcome"),
                detail: r.get("detail"),
            })
            .collect())
    }
}

async fn insert_batch(
    tx: &mut SqliteConnection,
    batch: &[NewInstance],
    policy: ConflictPolicy,
    at: &str,
) -> Result<Vec<InsertOutcome>, StoreError> {
    let mut outcomes = Vec::with_capacity(batch.len());
    for item in batch {
        let a = &item.attributes;
        let existing = sqlx::query("SELECT sha256, blob_key FROM instances WHERE sop_uid = ?")
            .bind(&a.sop_instance_uid)
            .fetch_optional(&mut *tx)
            .await?;
        let mut outcome = InsertOutcome::Stored;
        if let Some(row) = existing {
            let sha: String = row.get("sha256");
            if sha == item.sha256 {
                outcomes.push(InsertOutcome::Duplicate);
                continue;
            }
            if policy == ConflictPolicy::Reject {
                outcomes.push(InsertOutcome::Conflict);
                continue;
            }
            outcome = InsertOutcome::Replaced { old_blob_key: row.get("blob_key") };
            sqlx::query("DELETE FROM instances WHERE sop_uid = ?").bind(&a.sop_instance_uid).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO studies (study_uid, patient_name, patient_name_folded, patient_id, patient_birth_date, \
             patient_sex, study_date, study_time, accession_number, study_description, study_description_folded, \
             referring_physician_name, study_id, institution_name, uploaded_by, uploaded_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (study_uid) DO UPDATE SET \
             patient_name = COALESCE(studies.patient_name, excluded.patient_name), \
             patient_name_folded = COALESCE(studies.patient_name_folded, excluded.patient_name_folded), \
             patient_id = COALESCE(studies.patient_id, excluded.patient_id), \
             patient_birth_date = COALESCE(studies.patient_birth_date, excluded.patient_birth_date), \
             patient_sex = COALESCE(studies.patient_sex, excluded.patient_sex), \
             study_date = COALESCE(studies.study_date, excluded.study_date), \
             study_time = COALESCE(studies.study_time, excluded.study_time), \
             accession_number = COALESCE(studies.accession_number, excluded.accession_number), \
             study_description = COALESCE(studies.study_description, excluded.study_description), \
             study_description_folded = COALESCE(studies.study_description_folded, excluded.study_description_folded), \
             referring_physician_name = COALESCE(studies.referring_physician_name, excluded.referring_physician_name), \
             study_id = COALESCE(studies.study_id, excluded.study_id), \
             institution_name = COALESCE(studies.institution_name, excluded.institution_name), \
             updated_at = excluded.updated_at",
        )
        .bind(&a.study_instance_uid)
        .bind(&a.patient_name)
        .bind(a.patient_name.as_deref().map(fold))
        .bind(&a.patient_id)
        .bind(&a.patient_birth_date)
        .bind(&a.patient_sex)
        .bind(&a.study_date)
        .bind(&a.study_time)
        .bind(&a.accession_number)
        .bind(&a.study_description)
        .bind(a.study_description.as_deref().map(fold))
        .bind(&a.referring_physician_name)
        .bind(&a.study_id)
        .bind(&a.institution_name)
        .bind(&item.uploaded_by)
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO series (series_uid, study_uid, modality, series_number, series_description, \
             body_part_examined, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_uid) DO NOTHING",
        )
        .bind(&a.series_instance_uid)
        .bind(&a.study_instance_uid)
        .bind(&a.modality)
        .bind(a.series_number)
        .bind(&a.series_description)
        .bind(&a.body_part_examined)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO instances (sop_uid, series_uid, study_uid, sop_class_uid, instance_number, \
             transfer_syntax_uid, rows, columns, number_of_frames, photometric_interpretation, bits_allocated, \
             size_bytes, sha256, blob_key, uploaded_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&a.sop_instance_uid)
        .bind(&a.series_instance_uid)
        .bind(&a.study_instance_uid)
        .bind(&a.sop_class_uid)
        .bind(a.instance_number)
        .bind(&a.transfer_syntax_uid)
        .bind(a.rows)
        .bind(a.columns)
        .bind(a.number_of_frames)
        .bind(&a.photometric_interpretation)
        .bind(a.bits_allocated)
        .bind(item.size_bytes)
        .bind(&item.sha256)
        .bind(&item.blob_key)
        .bind(&item.uploaded_by)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

async fn insert_audit(tx: &mut SqliteConnection, e: &AuditEvent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor, action, study_uid, series_uid, sop_uid, remote_addr, outcome, detail) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.study_uid)
    .bind(&e.series_uid)
    .bind(&e.sop_uid)
    .bind(&e.remote_addr)
    .bind(&e.outcome)
    .bind(&e.detail)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
