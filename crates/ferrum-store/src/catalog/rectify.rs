//! Rectification: the new versions of a study's instances (already durable in the blob store)
//! replace the old ones in one transaction with the study's corrected fields, the old
//! objects' keys going into the outbox and the audit event recording which attributes
//! changed. A version is taken only if its row still holds the object it was made from, and
//! only if the study holds exactly the instances that were rewritten: a concurrent upload
//! or a second rectification makes it a conflict, never a mix of old and new.
use super::ingest::{on_conn, Conn};
use super::outbox::release_keys;
use super::sql::{now, on_writes, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::model::{InstanceVersion, StudyCorrection};
use crate::StoreError;

/// The one place the study row's patient and study fields are written after ingest
/// (together with what is derived from them for searching), so that a new derived column
/// is kept up to date here and nowhere else.
pub(crate) async fn write_study_fields(
    conn: &mut Conn<'_>,
    study_uid: &str,
    change: &StudyCorrection,
    at: &str,
) -> Result<u64, sqlx::Error> {
    let fold = |v: &Option<Option<String>>| v.as_ref().map(|v| v.as_deref().map(crate::search::fold));
    let sql = "UPDATE studies SET \
        patient_name = CASE WHEN $2 THEN $3 ELSE patient_name END, \
        patient_name_folded = CASE WHEN $2 THEN $4 ELSE patient_name_folded END, \
        patient_id = CASE WHEN $5 THEN $6 ELSE patient_id END, \
        patient_birth_date = CASE WHEN $7 THEN $8 ELSE patient_birth_date END, \
        patient_sex = CASE WHEN $9 THEN $10 ELSE patient_sex END, \
        accession_number = CASE WHEN $11 THEN $12 ELSE accession_number END, \
        study_description = CASE WHEN $13 THEN $14 ELSE study_description END, \
        study_description_folded = CASE WHEN $13 THEN $15 ELSE study_description_folded END, \
        updated_at = $16 WHERE study_uid = $1";
    let value = |v: &Option<Option<String>>| v.clone().flatten();
    let updated = on_conn!(conn, |c| sqlx::query(sql)
        .bind(study_uid)
        .bind(change.patient_name.is_some())
        .bind(value(&change.patient_name))
        .bind(fold(&change.patient_name).flatten())
        .bind(change.patient_id.is_some())
        .bind(value(&change.patient_id))
        .bind(change.patient_birth_date.is_some())
        .bind(value(&change.patient_birth_date))
        .bind(change.patient_sex.is_some())
        .bind(value(&change.patient_sex))
        .bind(change.accession_number.is_some())
        .bind(value(&change.accession_number))
        .bind(change.study_description.is_some())
        .bind(value(&change.study_description))
        .bind(fold(&change.study_description).flatten())
        .bind(at)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    // The search columns (folded names, name and description words, free text) follow.
    super::search_columns::refresh(conn, study_uid, true).await?;
    Ok(updated)
}

fn changed_meanwhile() -> StoreError {
    StoreError::Conflict("the study changed while it was being corrected (an upload or another correction)".into())
}

#[async_trait::async_trait]
impl super::RectifyCatalog for SqlCatalog {
    async fn rectify_study(
        &self,
        study_uid: &str,
        change: &StudyCorrection,
        versions: &[InstanceVersion],
        audit: &NewAuditEvent,
    ) -> Result<Vec<String>, StoreError> {
        let at = now();
        let lock = self.dialect().lock_row;
        let released = on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let mut conn = Conn::from(&mut *tx);
            // The study row locked first: an upload into the study waits for this commit
            // (its instance's foreign key check takes a share lock the row lock excludes).
            let sql = format!("SELECT study_uid FROM studies WHERE study_uid = $1 {lock}");
            let found: Option<String> =
                on_conn!(&mut conn, |c| sqlx::query_scalar(&sql).bind(study_uid).fetch_optional(&mut **c).await)?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            let held: i64 =
                on_conn!(&mut conn, |c| sqlx::query_scalar("SELECT COUNT(*) FROM instances WHERE study_uid = $1")
                    .bind(study_uid)
                    .fetch_one(&mut **c)
                    .await)?;
            if held != versions.len() as i64 {
                return Err(changed_meanwhile());
            }
            let mut released = Vec::new();
            for v in versions {
                let old: Option<String> = on_conn!(&mut conn, |c| sqlx::query_scalar(
                    "SELECT blob_key FROM instances WHERE sop_uid = $1 AND study_uid = $2 AND sha256 = $3"
                )
                .bind(&v.sop_uid)
                .bind(study_uid)
                .bind(&v.expected_sha256)
                .fetch_optional(&mut **c)
                .await)?;
                let Some(old) = old else {
                    return Err(changed_meanwhile());
                };
                let done = on_conn!(&mut conn, |c| sqlx::query(
                    "UPDATE instances SET sha256 = $3, blob_key = $4, size_bytes = $5 \
                     WHERE sop_uid = $1 AND study_uid = $2 AND sha256 = $6"
                )
                .bind(&v.sop_uid)
                .bind(study_uid)
                .bind(&v.sha256)
                .bind(&v.blob_key)
                .bind(v.size_bytes)
                .bind(&v.expected_sha256)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
                if done != 1 {
                    return Err(changed_meanwhile());
                }
                if let Some(dataset) = &v.metadata {
                    on_conn!(&mut conn, |c| sqlx::query(super::metadata::UPSERT)
                        .bind(&v.sop_uid)
                        .bind(dataset)
                        .execute(&mut **c)
                        .await
                        .map(|r| r.rows_affected()))?;
                }
                released.push(old);
            }
            released.retain(|k| !versions.iter().any(|v| v.blob_key == *k));
            write_study_fields(&mut conn, study_uid, change, &at).await?;
            released.sort();
            released.dedup();
            // A key some other row still holds (the same bytes in another study) is kept by
            // the outbox job, which checks again before deleting.
            release_keys(&mut conn, &released, &at).await?;
            super::audit::append_chained(&mut conn, audit).await?;
            tx.commit().await?;
            released
        });
        Ok(released)
    }
}
