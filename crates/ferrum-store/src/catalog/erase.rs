//! Erasing a study, a series, or every study of a patient: the rows of instances, series,
//! studies, their links and grants go in one transaction with the audit event that records
//! the erase, and the stored objects' keys go into the outbox in that same transaction (the
//! objects themselves are deleted later by the server's job, never here). The caller has
//! checked that the principal may erase what it names.
use super::audit::append_chained;
use super::ingest::{on_conn, Conn};
use super::outbox::release_keys;
use super::sql::{now, on_pool, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::model::{EraseTarget, Erased};
use crate::StoreError;

async fn strings(conn: &mut Conn<'_>, sql: &str, arg: &str) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar(sql).bind(arg).fetch_all(&mut **c).await)
}

async fn count(conn: &mut Conn<'_>, sql: &str, arg: &str) -> Result<u64, sqlx::Error> {
    let n: i64 = on_conn!(conn, |c| sqlx::query_scalar(sql).bind(arg).fetch_one(&mut **c).await)?;
    Ok(n.max(0) as u64)
}

async fn exec(conn: &mut Conn<'_>, sql: &str, arg: &str) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(sql).bind(arg).execute(&mut **c).await.map(|r| r.rows_affected()))
}

/// Removes a whole study's rows; answers what it removed and the keys its instances held.
async fn erase_study_rows(conn: &mut Conn<'_>, study_uid: &str, out: &mut Erased) -> Result<(), sqlx::Error> {
    let keys = strings(conn, "SELECT DISTINCT blob_key FROM instances WHERE study_uid = $1", study_uid).await?;
    out.instances += exec(conn, "DELETE FROM instances WHERE study_uid = $1", study_uid).await?;
    out.series += exec(conn, "DELETE FROM series WHERE study_uid = $1", study_uid).await?;
    exec(conn, "DELETE FROM links WHERE study_uid = $1", study_uid).await?;
    exec(conn, "DELETE FROM study_grants WHERE study_uid = $1", study_uid).await?;
    out.studies += exec(conn, "DELETE FROM studies WHERE study_uid = $1", study_uid).await?;
    out.study_uids.push(study_uid.to_owned());
    out.released_keys.extend(keys);
    Ok(())
}

/// The rows' removal, on an open transaction. `None` when nothing matches.
async fn erase_rows(conn: &mut Conn<'_>, target: &EraseTarget) -> Result<Option<Erased>, sqlx::Error> {
    let mut out = Erased::default();
    match target {
        EraseTarget::Study(uid) => {
            if strings(conn, "SELECT study_uid FROM studies WHERE study_uid = $1", uid).await?.is_empty() {
                return Ok(None);
            }
            erase_study_rows(conn, uid, &mut out).await?;
        }
        EraseTarget::Patient(id) => {
            let studies =
                strings(conn, "SELECT study_uid FROM studies WHERE patient_id = $1 ORDER BY study_uid", id).await?;
            if studies.is_empty() {
                return Ok(None);
            }
            for uid in &studies {
                erase_study_rows(conn, uid, &mut out).await?;
            }
        }
        EraseTarget::Series(uid) => {
            let Some(study) = strings(conn, "SELECT study_uid FROM series WHERE series_uid = $1", uid).await?.pop()
            else {
                return Ok(None);
            };
            out.released_keys =
                strings(conn, "SELECT DISTINCT blob_key FROM instances WHERE series_uid = $1", uid).await?;
            out.instances = exec(conn, "DELETE FROM instances WHERE series_uid = $1", uid).await?;
            out.series = exec(conn, "DELETE FROM series WHERE series_uid = $1", uid).await?;
            // A study without series is no study: it goes with its last one.
            if count(conn, "SELECT COUNT(*) FROM series WHERE study_uid = $1", &study).await? == 0 {
                let mut rest = Erased::default();
                erase_study_rows(conn, &study, &mut rest).await?;
                out.studies = rest.studies;
                out.study_uids = rest.study_uids;
            } else {
                super::search_columns::refresh(conn, &study, true).await?;
            }
        }
    }
    out.released_keys.sort();
    out.released_keys.dedup();
    out.blobs_released = out.released_keys.len() as u64;
    Ok(Some(out))
}

/// The event, with the counts of what the erase removed (never a patient name or ID).
fn with_counts(audit: &NewAuditEvent, erased: &Erased, target: &EraseTarget) -> NewAuditEvent {
    let mut event = audit.clone();
    let mut detail = match event.detail.take() {
        Some(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    for (key, n) in [
        ("studies", erased.studies),
        ("series", erased.series),
        ("instances", erased.instances),
        ("blobs_released", erased.blobs_released),
    ] {
        detail.insert(key.into(), n.into());
    }
    if matches!(target, EraseTarget::Patient(_)) || erased.study_uids.len() > 1 {
        detail.insert("study_uids".into(), serde_json::json!(erased.study_uids));
    }
    if let ([only], None) = (erased.study_uids.as_slice(), &event.study_uid) {
        event.study_uid = Some(only.clone());
    }
    event.detail = Some(serde_json::Value::Object(detail));
    event
}

#[async_trait::async_trait]
impl super::EraseCatalog for SqlCatalog {
    async fn erase(&self, target: &EraseTarget, audit: &NewAuditEvent) -> Result<Erased, StoreError> {
        let at = now();
        let erased = on_pool!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let mut conn = Conn::from(&mut *tx);
            let Some(erased) = erase_rows(&mut conn, target).await? else {
                return Err(StoreError::NotFound);
            };
            release_keys(&mut conn, &erased.released_keys, &at).await?;
            append_chained(&mut conn, &with_counts(audit, &erased, target)).await?;
            tx.commit().await?;
            erased
        });
        Ok(erased)
    }

    async fn series_study(&self, series_uid: &str) -> Result<Option<String>, StoreError> {
        let study: Option<String> =
            on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT study_uid FROM series WHERE series_uid = $1")
                .bind(series_uid)
                .fetch_optional(p)
                .await?);
        Ok(study)
    }
}
