//! Erasing a study, a series, or every study of a patient: the rows of instances, series,
//! studies, their links and grants go in one transaction with the audit event that records
//! the erase, and the stored objects' keys go into the outbox in that same transaction (the
//! objects themselves are deleted later by the server's job, never here). The caller has
//! checked that the principal may erase what it names.
use super::audit::append_chained;
use super::ingest::{on_conn, Conn};
use super::outbox::release_keys;
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::model::{AccountDeletion, EraseTarget, Erased, OwnedStudies};
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

/// Refuses to erase a study under a legal hold.
async fn not_held(conn: &mut Conn<'_>, study_uid: &str) -> Result<(), StoreError> {
    let held = "SELECT study_uid FROM studies WHERE study_uid = $1 AND legal_hold_at IS NOT NULL";
    if strings(conn, held, study_uid).await?.is_empty() {
        Ok(())
    } else {
        Err(StoreError::LegalHold)
    }
}

/// Removes a whole study's rows; answers what it removed and the keys its instances held.
/// `LegalHold` (and nothing removed) for a study under a legal hold.
pub(crate) async fn erase_study_rows(conn: &mut Conn<'_>, study_uid: &str, out: &mut Erased) -> Result<(), StoreError> {
    not_held(conn, study_uid).await?;
    let keys = strings(conn, "SELECT DISTINCT blob_key FROM instances WHERE study_uid = $1", study_uid).await?;
    exec(
        conn,
        "DELETE FROM instance_metadata WHERE sop_uid IN (SELECT sop_uid FROM instances WHERE study_uid = $1)",
        study_uid,
    )
    .await?;
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
pub(crate) async fn erase_rows(conn: &mut Conn<'_>, target: &EraseTarget) -> Result<Option<Erased>, StoreError> {
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
            not_held(conn, &study).await?;
            out.released_keys =
                strings(conn, "SELECT DISTINCT blob_key FROM instances WHERE series_uid = $1", uid).await?;
            exec(
                conn,
                "DELETE FROM instance_metadata WHERE sop_uid IN (SELECT sop_uid FROM instances WHERE series_uid = $1)",
                uid,
            )
            .await?;
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
pub(crate) fn with_counts(audit: &NewAuditEvent, erased: &Erased, target: &EraseTarget) -> NewAuditEvent {
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
        let erased = on_writes!(&self.writes, |p| {
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

    async fn delete_account(
        &self,
        username: &str,
        owned: &OwnedStudies,
        audit: &NewAuditEvent,
        per_study: &NewAuditEvent,
    ) -> Result<AccountDeletion, StoreError> {
        let at = now();
        let mut out = AccountDeletion::default();
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let mut conn = Conn::from(&mut *tx);
            let live = "SELECT id FROM users WHERE username = $1 AND deleted_at IS NULL";
            let id: Option<i64> =
                on_conn!(&mut conn, |c| sqlx::query_scalar(live).bind(username).fetch_optional(&mut **c).await)?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            let studies: Vec<String> = on_conn!(&mut conn, |c| sqlx::query_scalar(
                "SELECT study_uid FROM studies WHERE owner_id = $1 ORDER BY study_uid"
            )
            .bind(id)
            .fetch_all(&mut **c)
            .await)?;
            let study_event = |uid: &str| {
                let mut event = per_study.clone();
                event.study_uid = Some(uid.to_owned());
                event
            };
            match owned {
                OwnedStudies::Keep => {}
                OwnedStudies::Reassign(to) => {
                    let to_id: Option<i64> =
                        on_conn!(&mut conn, |c| sqlx::query_scalar(live).bind(to).fetch_optional(&mut **c).await)?;
                    let to_id = to_id.filter(|t| *t != id).ok_or_else(|| {
                        StoreError::Invalid("the account to reassign the studies to does not exist".into())
                    })?;
                    for uid in &studies {
                        on_conn!(&mut conn, |c| {
                            sqlx::query("UPDATE studies SET owner_id = $2 WHERE study_uid = $1")
                                .bind(uid)
                                .bind(to_id)
                                .execute(&mut **c)
                                .await?;
                            // The new owner needs no grant of their own.
                            sqlx::query(
                                "DELETE FROM study_grants WHERE study_uid = $1 AND grantee_kind = 'user' AND grantee_id = $2",
                            )
                            .bind(uid)
                            .bind(to_id)
                            .execute(&mut **c)
                            .await?;
                        });
                        append_chained(&mut conn, &study_event(uid)).await?;
                        out.studies_reassigned += 1;
                    }
                }
                OwnedStudies::Erase => {
                    for uid in &studies {
                        let mut erased = Erased::default();
                        // A study under a legal hold stops the whole deletion (nothing changes).
                        erase_study_rows(&mut conn, uid, &mut erased).await?;
                        erased.released_keys.sort();
                        erased.released_keys.dedup();
                        erased.blobs_released = erased.released_keys.len() as u64;
                        release_keys(&mut conn, &erased.released_keys, &at).await?;
                        let target = EraseTarget::Study(uid.clone());
                        append_chained(&mut conn, &with_counts(&study_event(uid), &erased, &target)).await?;
                        out.studies_erased += 1;
                    }
                    // Links it made to studies of others go too: whoever it sent them to
                    // was sent them by a person who is no longer here to answer for them.
                    out.links_revoked = on_conn!(&mut conn, |c| sqlx::query(
                        "UPDATE links SET revoked_at = $2 WHERE created_by = $1 AND revoked_at IS NULL"
                    )
                    .bind(username)
                    .bind(&at)
                    .execute(&mut **c)
                    .await
                    .map(|r| r.rows_affected()))?;
                }
            }
            super::accounts::tombstone(&mut conn, id, username).await?;
            let mut event = audit.clone();
            let mut detail = match event.detail.take() {
                Some(serde_json::Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            detail.insert("studies_reassigned".into(), out.studies_reassigned.into());
            detail.insert("studies_erased".into(), out.studies_erased.into());
            detail.insert("links_revoked".into(), out.links_revoked.into());
            event.detail = Some(serde_json::Value::Object(detail));
            append_chained(&mut conn, &event).await?;
            tx.commit().await?;
        });
        Ok(out)
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
