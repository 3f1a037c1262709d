//! What the SQL backends share: the SQL text (numbered `$N` parameters, which SQLite and
//! PostgreSQL both read), the listing query, and how a row becomes a record. Row mapping and
//! the batch insert are macros so that one text serves SQLite and PostgreSQL connections
//! without restating sqlx's encode and decode bounds for every column type.
use sqlx::QueryBuilder;

use crate::model::StudyQuery;
use crate::search::{contains_like, wildcard_to_like, Cursor};
use crate::StoreError;

/// The columns of a study summary; counts and modalities are computed from its series.
/// `{agg}` is the backend's distinct string aggregate over `se.modality`.
pub(crate) fn study_select(modality_aggregate: &str) -> String {
    format!(
        "SELECT s.study_uid, s.patient_name, s.patient_id, s.patient_birth_date, s.patient_sex, \
         s.study_date, s.study_time, s.accession_number, s.study_description, s.referring_physician_name, \
         s.institution_name, s.uploaded_by, s.uploaded_at, \
         (SELECT COUNT(*) FROM series se WHERE se.study_uid = s.study_uid) AS num_series, \
         (SELECT COUNT(*) FROM instances i WHERE i.study_uid = s.study_uid) AS num_instances, \
         (SELECT {modality_aggregate} FROM series se WHERE se.study_uid = s.study_uid) AS modalities"
    )
}

/// The sort key expression and direction of each listing order.
pub(crate) fn sort_spec(sort: crate::model::StudySort) -> (&'static str, bool) {
    use crate::model::StudySort;
    match sort {
        StudySort::UploadedAtDesc => ("s.uploaded_at", true),
        StudySort::UploadedAtAsc => ("s.uploaded_at", false),
        StudySort::StudyDateDesc => ("COALESCE(s.study_date, '')", true),
        StudySort::StudyDateAsc => ("COALESCE(s.study_date, '')", false),
        StudySort::PatientNameAsc => ("COALESCE(s.patient_name_folded, '')", false),
        StudySort::PatientNameDesc => ("COALESCE(s.patient_name_folded, '')", true),
    }
}

pub(crate) fn split_modalities(joined: Option<String>) -> Vec<String> {
    let mut modalities: Vec<String> =
        joined.unwrap_or_default().split(',').filter(|m| !m.is_empty()).map(str::to_owned).collect();
    modalities.sort();
    modalities.dedup();
    modalities
}

pub(crate) const INSERT_STUDY: &str = "INSERT INTO studies (study_uid, patient_name, patient_name_folded, \
     patient_id, patient_birth_date, patient_sex, study_date, study_time, accession_number, study_description, \
     study_description_folded, referring_physician_name, study_id, institution_name, uploaded_by, uploaded_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
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
     updated_at = excluded.updated_at";

pub(crate) const INSERT_SERIES: &str = "INSERT INTO series (series_uid, study_uid, modality, series_number, \
     series_description, body_part_examined, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (series_uid) DO NOTHING";

/// `DO NOTHING` rather than an error when another writer inserted the same SOP Instance UID
/// first: the caller then reads that row and answers duplicate or conflict.
pub(crate) const INSERT_INSTANCE: &str = "INSERT INTO instances (sop_uid, series_uid, study_uid, sop_class_uid, \
     instance_number, transfer_syntax_uid, rows, columns, number_of_frames, photometric_interpretation, \
     bits_allocated, size_bytes, sha256, blob_key, uploaded_by, created_at, slice_position, warnings) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
     ON CONFLICT (sop_uid) DO NOTHING";

pub(crate) const EXISTING_INSTANCE: &str = "SELECT sha256, blob_key FROM instances WHERE sop_uid = $1";
pub(crate) const DELETE_INSTANCE: &str = "DELETE FROM instances WHERE sop_uid = $1";
pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_events (at, actor, action, study_uid, series_uid, sop_uid, \
     remote_addr, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub(crate) const SERIES_OF_STUDY: &str =
    "SELECT * FROM series WHERE study_uid = $1 ORDER BY series_number IS NULL, series_number, series_uid";
pub(crate) const INSTANCES_OF_STUDY: &str =
    "SELECT * FROM instances WHERE study_uid = $1 ORDER BY instance_number IS NULL, instance_number, sop_uid";
pub(crate) const INSTANCES_OF_SERIES: &str =
    "SELECT * FROM instances WHERE series_uid = $1 ORDER BY instance_number IS NULL, instance_number, sop_uid";
pub(crate) const LIST_AUDIT: &str =
    "SELECT * FROM audit_events WHERE ($1 IS NULL OR study_uid = $1) ORDER BY id DESC LIMIT $2";

pub(crate) const ENQUEUE_JOB: &str = "INSERT INTO jobs (kind, subject, run_after, created_at) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (kind, subject) DO UPDATE SET generation = jobs.generation + 1, attempts = 0, \
    run_after = CASE WHEN excluded.run_after < jobs.run_after THEN excluded.run_after ELSE jobs.run_after END";
pub(crate) const COMPLETE_JOB: &str = "DELETE FROM jobs WHERE id = $1 AND generation = $2";
pub(crate) const RELEASE_JOB: &str = "UPDATE jobs SET locked_until = NULL, attempts = 0 WHERE id = $1";
pub(crate) const FAIL_JOB: &str =
    "UPDATE jobs SET locked_until = NULL, run_after = $2, last_error = $3 WHERE id = $1 AND generation = $4";

/// Claims due jobs; `lock` is what the backend adds so that concurrent claimers skip rows
/// another has selected.
pub(crate) fn claim_jobs_sql(lock: &str) -> String {
    format!(
        "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM jobs WHERE run_after <= $1 AND (locked_until IS NULL OR locked_until <= $1) \
          ORDER BY run_after, id LIMIT $3 {lock}) \
         RETURNING id, kind, subject, generation, attempts"
    )
}

/// RFC 3339 UTC with microseconds, the catalog's one timestamp format (text order is time order).
pub(crate) fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Catalogues a batch on an open transaction `$tx`: per instance, duplicate or conflict
/// against what is stored, else study and series upserted and the instance inserted.
/// Evaluates to the outcomes; database errors return early through `?`.
macro_rules! insert_batch {
    ($tx:expr, $batch:expr, $policy:expr, $at:expr) => {{
        use $crate::catalog::shared::*;
        use $crate::model::{ConflictPolicy, InsertOutcome};
        let tx = $tx;
        let mut outcomes = Vec::with_capacity($batch.len());
        for item in $batch.iter() {
            let a = &item.attributes;
            let mut outcome = InsertOutcome::Stored;
            loop {
                let existing =
                    sqlx::query(EXISTING_INSTANCE).bind(&a.sop_instance_uid).fetch_optional(&mut *tx).await?;
                if let Some(row) = existing {
                    let sha: String = row.get("sha256");
                    if sha == item.sha256 {
                        outcome = InsertOutcome::Duplicate;
                        break;
                    }
                    if $policy == ConflictPolicy::Reject {
                        outcome = InsertOutcome::Conflict;
                        break;
                    }
                    outcome = InsertOutcome::Replaced { old_blob_key: row.get("blob_key") };
                    sqlx::query(DELETE_INSTANCE).bind(&a.sop_instance_uid).execute(&mut *tx).await?;
                }
                sqlx::query(INSERT_STUDY)
                    .bind(&a.study_instance_uid)
                    .bind(&a.patient_name)
                    .bind(a.patient_name.as_deref().map($crate::search::fold))
                    .bind(&a.patient_id)
                    .bind(&a.patient_birth_date)
                    .bind(&a.patient_sex)
                    .bind(&a.study_date)
                    .bind(&a.study_time)
                    .bind(&a.accession_number)
                    .bind(&a.study_description)
                    .bind(a.study_description.as_deref().map($crate::search::fold))
                    .bind(&a.referring_physician_name)
                    .bind(&a.study_id)
                    .bind(&a.institution_name)
                    .bind(&item.uploaded_by)
                    .bind($at)
                    .bind(a.slice_position)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(INSERT_SERIES)
                    .bind(&a.series_instance_uid)
                    .bind(&a.study_instance_uid)
                    .bind(&a.modality)
                    .bind(a.series_number)
                    .bind(&a.series_description)
                    .bind(&a.body_part_examined)
                    .bind($at)
                    .execute(&mut *tx)
                    .await?;
                let inserted = sqlx::query(INSERT_INSTANCE)
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
                    .bind($at)
                    .bind(a.slice_position)
                    .bind((!item.warnings.is_empty()).then(|| serde_json::json!(item.warnings).to_string()))
                    .execute(&mut *tx)
                    .await?;
                if inserted.rows_affected() == 1 {
                    break;
                }
                // Another writer stored this SOP Instance UID meanwhile: decide against its row.
            }
            outcomes.push(outcome);
        }
        outcomes
    }};
}

macro_rules! insert_audit {
    ($tx:expr, $e:expr) => {{
        let e = $e;
        sqlx::query($crate::catalog::shared::INSERT_AUDIT)
            .bind(&e.at)
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.study_uid)
            .bind(&e.series_uid)
            .bind(&e.sop_uid)
            .bind(&e.remote_addr)
            .bind(&e.outcome)
            .bind(&e.detail)
            .execute(&mut *$tx)
            .await
            .map(|_| ())
    }};
}

/// Builds the study listing: filters, keyset cursor, order, and a limit one above the page
/// so that the caller can tell whether another page follows. Answers the page size.
pub(crate) fn build_listing<'a, DB>(
    qb: &mut QueryBuilder<'a, DB>,
    query: &StudyQuery,
    modality_aggregate: &str,
) -> Result<usize, StoreError>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let (sort_expr, descending) = sort_spec(query.sort);
    qb.push(study_select(modality_aggregate));
    qb.push(", ").push(sort_expr).push(" AS sort_key FROM studies s WHERE 1 = 1");
    let like = |qb: &mut QueryBuilder<'a, DB>, column: &str, pattern: String| {
        qb.push(format!(" {column} LIKE ")).push_bind(pattern).push(" ESCAPE '\\'");
    };
    let equals = |qb: &mut QueryBuilder<'a, DB>, column: &str, value: String| {
        qb.push(format!(" AND {column} = ")).push_bind(value);
    };
    if let Some(name) = &query.patient_name {
        qb.push(" AND");
        like(qb, "s.patient_name_folded", wildcard_to_like(name));
    }
    if let Some(id) = &query.patient_id {
        equals(qb, "s.patient_id", id.trim().to_owned());
    }
    if let Some(acc) = &query.accession {
        equals(qb, "s.accession_number", acc.trim().to_owned());
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
        qb.push(" AND");
        like(qb, "s.study_description_folded", contains_like(desc));
    }
    if let Some(uploader) = &query.uploader {
        equals(qb, "s.uploaded_by", uploader.clone());
    }
    if let Some(q) = &query.q {
        let pattern = contains_like(q);
        qb.push(" AND (");
        like(qb, "s.patient_name_folded", pattern.clone());
        qb.push(" OR");
        like(qb, "lower(s.patient_id)", pattern.clone());
        qb.push(" OR");
        like(qb, "lower(s.accession_number)", pattern.clone());
        qb.push(" OR");
        like(qb, "s.study_description_folded", pattern);
        qb.push(")");
    }
    if let Some(user) = &query.visible_to {
        equals(qb, "s.uploaded_by", user.clone());
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
    Ok(limit as usize)
}

/// Turns the rows of a listing (one more than the page when more follow) into a page.
macro_rules! listing_page {
    ($rows:expr, $limit:expr) => {{
        let rows = $rows;
        let more = rows.len() > $limit;
        let mut items = Vec::with_capacity(rows.len().min($limit));
        let mut next_cursor = None;
        for row in rows.iter().take($limit) {
            items.push(study_summary!(row));
            if more {
                next_cursor =
                    Some($crate::search::Cursor { key: row.get("sort_key"), uid: row.get("study_uid") }.encode());
            }
        }
        $crate::model::StudyPage { items, next_cursor }
    }};
}

macro_rules! study_summary {
    ($row:expr) => {{
        let row = $row;
        $crate::model::StudySummary {
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
            modalities: $crate::catalog::shared::split_modalities(row.get("modalities")),
            num_series: row.get("num_series"),
            num_instances: row.get("num_instances"),
            uploaded_by: row.get("uploaded_by"),
            uploaded_at: row.get("uploaded_at"),
        }
    }};
}

macro_rules! instance_record {
    ($row:expr) => {{
        let row = $row;
        $crate::model::InstanceRecord {
            sop_instance_uid: row.get("sop_uid"),
            series_instance_uid: row.get("series_uid"),
            study_instance_uid: row.get("study_uid"),
            sop_class_uid: row.get("sop_class_uid"),
            instance_number: row.get("instance_number"),
            transfer_syntax_uid: row.get("transfer_syntax_uid"),
            rows: row.get("rows"),
            columns: row.get("columns"),
            number_of_frames: row.get("number_of_frames"),
            slice_position: row.get("slice_position"),
            size_bytes: row.get("size_bytes"),
            sha256: row.get("sha256"),
            blob_key: row.get("blob_key"),
            uploaded_by: row.get("uploaded_by"),
            created_at: row.get("created_at"),
            warnings: row
                .get::<Option<String>, _>("warnings")
                .and_then(|w| serde_json::from_str(&w).ok())
                .unwrap_or_default(),
        }
    }};
}

macro_rules! series_detail {
    ($row:expr) => {{
        let row = $row;
        $crate::model::SeriesDetail {
            series_instance_uid: row.get("series_uid"),
            modality: row.get("modality"),
            series_number: row.get("series_number"),
            series_description: row.get("series_description"),
            body_part_examined: row.get("body_part_examined"),
            num_instances: 0,
            instances: Vec::new(),
        }
    }};
}

macro_rules! user_record {
    ($row:expr) => {{
        let row = $row;
        let role: String = row.get("role");
        Ok::<_, $crate::StoreError>($crate::model::User {
            id: row.get("id"),
            username: row.get("username"),
            password_hash: row.get("password_hash"),
            role: $crate::model::Role::parse(&role)
                .ok_or_else(|| $crate::StoreError::Other(format!("unknown role {role:?} in catalog")))?,
            failed_logins: row.get("failed_logins"),
            locked_until: row.get("locked_until"),
            deleted: row.get::<Option<String>, _>("deleted_at").is_some(),
            created_at: row.get("created_at"),
        })
    }};
}

macro_rules! link_record {
    ($r:expr) => {{
        let r = $r;
        Link {
            id: r.get("id"),
            study_uid: r.get("study_uid"),
            created_by: r.get("created_by"),
            created_at: r.get("created_at"),
            expires_at: r.get("expires_at"),
            revoked_at: r.get("revoked_at"),
            allow_download: r.get("allow_download"),
            opens: r.get("opens"),
            series_uids: r
                .get::<Option<String>, _>("series_uids")
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            max_opens: r.get("max_opens"),
            pin_hash: r.get("pin_hash"),
            pin_failures: r.get("pin_failures"),
            pin_locked_until: r.get("pin_locked_until"),
        }
    }};
}

macro_rules! audit_event {
    ($row:expr) => {{
        let r = $row;
        $crate::model::AuditEvent {
            at: r.get("at"),
            actor: r.get("actor"),
            action: r.get("action"),
            study_uid: r.get("study_uid"),
            series_uid: r.get("series_uid"),
            sop_uid: r.get("sop_uid"),
            remote_addr: r.get("remote_addr"),
            outcome: r.get("outcome"),
            detail: r.get("detail"),
        }
    }};
}

pub(crate) use {
    audit_event, insert_audit, insert_batch, instance_record, link_record, listing_page, series_detail, study_summary,
    user_record,
};

/// Puts each instance under its series, in the order the rows came.
pub(crate) fn nest(
    mut series: Vec<crate::model::SeriesDetail>,
    instances: Vec<crate::model::InstanceRecord>,
) -> Vec<crate::model::SeriesDetail> {
    for instance in instances {
        if let Some(s) = series.iter_mut().find(|s| s.series_instance_uid == instance.series_instance_uid) {
            s.instances.push(instance);
        }
    }
    for s in &mut series {
        s.num_instances = s.instances.len() as i64;
    }
    series
}

/// Ends every open session of an account (`$1` username, `$2` now).
pub(crate) const END_SESSIONS: &str = "UPDATE sessions SET revoked_at = $2 \
     WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE username = $1)";

/// Implements [`Catalog`](crate::Catalog) for a backend struct with a `pool` field: the
/// reads, shared here, and the writes given by the backend (how it commits differs).
macro_rules! sql_catalog {
    ($ty:ty, $db:ty, $agg:expr, $claim_lock:expr, { $($writes:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::Catalog for $ty {
            $($writes)*

            async fn health(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_user(&self, username: &str, password_hash: &str, role: Role) -> Result<User, StoreError> {
                let result = sqlx::query("INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4)")
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
                    sqlx::query("SELECT * FROM users WHERE username = $1").bind(username).fetch_optional(&self.pool).await?;
                row.as_ref().map(|r| user_record!(r)).transpose()
            }

            async fn list_users(&self) -> Result<Vec<User>, StoreError> {
                let rows = sqlx::query("SELECT * FROM users WHERE deleted_at IS NULL ORDER BY username")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| user_record!(r)).collect()
            }

            async fn update_user(&self, username: &str, change: &UserChange) -> Result<User, StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE users SET role = COALESCE($2, role), password_hash = COALESCE($3, password_hash), \
                     failed_logins = CASE WHEN $3 IS NULL THEN failed_logins ELSE 0 END, \
                     locked_until = CASE WHEN $3 IS NULL THEN locked_until ELSE NULL END \
                     WHERE username = $1 AND deleted_at IS NULL",
                )
                .bind(username)
                .bind(change.role.map(Role::as_str))
                .bind(&change.password_hash)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if change.password_hash.is_some() {
                    sqlx::query(END_SESSIONS).bind(username).bind(now()).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                self.find_user(username).await?.ok_or(StoreError::NotFound)
            }

            async fn delete_user(&self, username: &str) -> Result<(), StoreError> {
                // The row stays (its name is never issued again); what could log in goes.
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE users SET deleted_at = $2, password_hash = NULL WHERE username = $1 AND deleted_at IS NULL",
                )
                .bind(username)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(END_SESSIONS).bind(username).bind(now()).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn swap_series_thumbnail(&self, series_uid: &str, sha: &str) -> Result<Option<String>, StoreError> {
                let mut tx = self.pool.begin().await?;
                let before: Option<Option<String>> =
                    sqlx::query_scalar("SELECT thumbnail_sha FROM series WHERE series_uid = $1")
                        .bind(series_uid)
                        .fetch_optional(&mut *tx)
                        .await?;
                sqlx::query("UPDATE series SET thumbnail_sha = $2 WHERE series_uid = $1")
                    .bind(series_uid)
                    .bind(sha)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(before.flatten())
            }

            async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (id, user_id, refresh_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&session.id)
                .bind(session.user_id)
                .bind(&session.refresh_hash)
                .bind(now())
                .bind(&session.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn find_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
                let row = sqlx::query(
                    "SELECT s.id, s.refresh_hash, s.expires_at, s.revoked_at, u.username, u.role, u.deleted_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    let role: String = r.get("role");
                    Ok(Session {
                        id: r.get("id"),
                        username: r.get("username"),
                        role: Role::parse(&role)
                            .ok_or_else(|| StoreError::Other(format!("unknown role {role:?} in catalog")))?,
                        user_deleted: r.get::<Option<String>, _>("deleted_at").is_some(),
                        refresh_hash: r.get("refresh_hash"),
                        expires_at: r.get("expires_at"),
                        revoked_at: r.get("revoked_at"),
                    })
                })
                .transpose()
            }

            async fn rotate_session(&self, id: &str, old_hash: &str, new_hash: &str) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE sessions SET refresh_hash = $3 WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(old_hash)
                .bind(new_hash)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn revoke_session(&self, id: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
                    .bind(id)
                    .bind(now())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn count_users(&self) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?)
            }

            async fn record_login_failure(&self, user_id: i64, max_failures: i64, lock_until: &str) -> Result<i64, StoreError> {
                let failures: i64 = sqlx::query_scalar(
                    "UPDATE users SET failed_logins = failed_logins + 1, \
                     locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END \
                     WHERE id = $3 RETURNING failed_logins",
                )
                .bind(max_failures)
                .bind(lock_until)
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(failures)
            }

            async fn record_login_success(&self, user_id: i64) -> Result<(), StoreError> {
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn find_instance(&self, sop_uid: &str) -> Result<Option<InstanceRecord>, StoreError> {
                let row =
                    sqlx::query("SELECT * FROM instances WHERE sop_uid = $1").bind(sop_uid).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(|r| instance_record!(r)))
            }

            async fn referenced_blob_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
                let mut found = HashSet::new();
                for chunk in keys.chunks(500) {
                    let mut qb = QueryBuilder::<$db>::new("SELECT DISTINCT blob_key FROM instances WHERE blob_key IN (");
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
                let mut qb = QueryBuilder::<$db>::new("");
                let limit = $crate::catalog::shared::build_listing(&mut qb, query, $agg)?;
                let rows = qb.build().fetch_all(&self.pool).await?;
                Ok(listing_page!(rows, limit))
            }

            async fn get_study(&self, study_uid: &str) -> Result<Option<StudyDetail>, StoreError> {
                let sql = format!("{} FROM studies s WHERE s.study_uid = $1", $crate::catalog::shared::study_select($agg));
                let Some(row) = sqlx::query(&sql).bind(study_uid).fetch_optional(&self.pool).await? else {
                    return Ok(None);
                };
                let series = sqlx::query(SERIES_OF_STUDY).bind(study_uid).fetch_all(&self.pool).await?;
                let instances = sqlx::query(INSTANCES_OF_STUDY).bind(study_uid).fetch_all(&self.pool).await?;
                Ok(Some(StudyDetail {
                    summary: study_summary!(&row),
                    series: $crate::catalog::shared::nest(
                        series.iter().map(|r| series_detail!(r)).collect(),
                        instances.iter().map(|r| instance_record!(r)).collect(),
                    ),
                }))
            }

            async fn series_instances(&self, series_uid: &str) -> Result<Vec<InstanceRecord>, StoreError> {
                let rows = sqlx::query($crate::catalog::shared::INSTANCES_OF_SERIES)
                    .bind(series_uid)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(|r| instance_record!(r)).collect())
            }

            async fn study_owner(&self, study_uid: &str) -> Result<Option<String>, StoreError> {
                Ok(sqlx::query_scalar("SELECT uploaded_by FROM studies WHERE study_uid = $1")
                    .bind(study_uid)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn enqueue_jobs(&self, jobs: &[NewJob]) -> Result<(), StoreError> {
                let at = now();
                let mut tx = self.pool.begin().await?;
                for job in jobs {
                    sqlx::query($crate::catalog::shared::ENQUEUE_JOB)
                        .bind(&job.kind)
                        .bind(&job.subject)
                        .bind(&job.run_after)
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn claim_jobs(&self, limit: u32, lease: std::time::Duration) -> Result<Vec<Job>, StoreError> {
                let now = chrono::Utc::now();
                let until = now + chrono::Duration::from_std(lease).map_err(|e| StoreError::Invalid(e.to_string()))?;
                let rows = sqlx::query(&$crate::catalog::shared::claim_jobs_sql($claim_lock))
                    .bind($crate::catalog::shared::timestamp(now))
                    .bind($crate::catalog::shared::timestamp(until))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                let mut jobs: Vec<Job> = rows
                    .iter()
                    .map(|r| Job {
                        id: r.get("id"),
                        kind: r.get("kind"),
                        subject: r.get("subject"),
                        generation: r.get("generation"),
                        attempts: r.get("attempts"),
                    })
                    .collect();
                jobs.sort_by_key(|j| j.id);
                Ok(jobs)
            }

            async fn complete_job(&self, job: &Job) -> Result<(), StoreError> {
                let done = sqlx::query($crate::catalog::shared::COMPLETE_JOB)
                    .bind(job.id)
                    .bind(job.generation)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    sqlx::query($crate::catalog::shared::RELEASE_JOB).bind(job.id).execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn fail_job(&self, job: &Job, error: &str, retry_after: &str) -> Result<(), StoreError> {
                let failed = sqlx::query($crate::catalog::shared::FAIL_JOB)
                    .bind(job.id)
                    .bind(retry_after)
                    .bind(error)
                    .bind(job.generation)
                    .execute(&self.pool)
                    .await?;
                if failed.rows_affected() == 0 {
                    // Queued again while it ran: due again now, as a fresh job.
                    sqlx::query($crate::catalog::shared::RELEASE_JOB).bind(job.id).execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn create_link(&self, link: &NewLink) -> Result<Link, StoreError> {
                let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM studies WHERE study_uid = $1")
                    .bind(&link.study_uid)
                    .fetch_one(&self.pool)
                    .await?;
                if exists == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(
                    "INSERT INTO links (id, study_uid, created_by, created_at, expires_at, allow_download, \
                     series_uids, max_opens, pin_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&link.id)
                .bind(&link.study_uid)
                .bind(&link.created_by)
                .bind(now())
                .bind(&link.expires_at)
                .bind(link.allow_download)
                .bind((!link.series_uids.is_empty()).then(|| link.series_uids.join(" ")))
                .bind(link.max_opens)
                .bind(&link.pin_hash)
                .execute(&self.pool)
                .await?;
                self.find_link(&link.id).await?.ok_or(StoreError::NotFound)
            }

            async fn find_link(&self, id: &str) -> Result<Option<Link>, StoreError> {
                let row = sqlx::query("SELECT * FROM links WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map(|r| link_record!(r)))
            }

            async fn list_links(&self, study_uid: &str) -> Result<Vec<Link>, StoreError> {
                let rows = sqlx::query("SELECT * FROM links WHERE study_uid = $1 ORDER BY created_at DESC, id")
                    .bind(study_uid)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(|r| link_record!(r)).collect())
            }

            async fn revoke_link(&self, id: &str, at: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE links SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_pin_failure(&self, id: &str, max_failures: i64, lock_until: &str) -> Result<i64, StoreError> {
                let failures: i64 = sqlx::query_scalar(
                    "UPDATE links SET pin_failures = pin_failures + 1, \
                     pin_locked_until = CASE WHEN pin_failures + 1 >= $1 THEN $2 ELSE pin_locked_until END \
                     WHERE id = $3 RETURNING pin_failures",
                )
                .bind(max_failures)
                .bind(lock_until)
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
                Ok(failures)
            }

            async fn record_pin_success(&self, id: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE links SET pin_failures = 0, pin_locked_until = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_link_open(&self, id: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE links SET opens = opens + 1 WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn list_audit_by_actor(&self, actor: &str, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
                let rows = sqlx::query("SELECT * FROM audit_events WHERE actor = $1 ORDER BY id DESC LIMIT $2")
                    .bind(actor)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(|r| audit_event!(r)).collect())
            }

            async fn list_audit(&self, study_uid: Option<&str>, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
                let rows = sqlx::query(LIST_AUDIT).bind(study_uid).bind(i64::from(limit)).fetch_all(&self.pool).await?;
                Ok(rows.iter().map(|r| audit_event!(r)).collect())
            }

        }
    };
}

pub(crate) use sql_catalog;
