//! Cataloguing uploaded instances: per instance, the access model's checks (may the
//! principal write this study? is the series another study's?), then duplicate or conflict
//! against what is stored, then the rows. Runs on an open transaction of either backend;
//! SQLite applies it inside its group-commit writer, PostgreSQL in its own transaction with
//! a retry when it loses a deadlock.
use std::collections::HashMap;

use sqlx::{PgConnection, SqliteConnection};

use super::access::level_columns;
use super::audit::append_chained;
use super::sql::{now, SqlCatalog};
use crate::access::{Level, Principal};
use crate::audit::{NewAuditEvent, Outcome};
use crate::model::*;
use crate::StoreError;

/// An open transaction's connection, of either backend.
pub(crate) enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a mut SqliteConnection> for Conn<'a> {
    fn from(c: &'a mut SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'a> From<&'a mut PgConnection> for Conn<'a> {
    fn from(c: &'a mut PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

/// Runs `$body` with `$c` bound to the connection (`&mut SqliteConnection` or `&mut PgConnection`).
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_conn;

const INSERT_STUDY: &str = "INSERT INTO studies (study_uid, patient_name, patient_name_folded, \
     patient_id, patient_birth_date, patient_sex, study_date, study_time, accession_number, study_description, \
     study_description_folded, referring_physician_name, study_id, institution_name, uploaded_by, uploaded_at, \
     updated_at, owner_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17) \
     ON CONFLICT (study_uid) DO NOTHING";

const INSERT_SERIES: &str = "INSERT INTO series (series_uid, study_uid, modality, series_number, \
     series_description, body_part_examined, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (series_uid) DO NOTHING";

/// `DO NOTHING` rather than an error when another writer inserted the same SOP Instance UID
/// first: the caller then reads that row and answers duplicate or conflict.
const INSERT_INSTANCE: &str = "INSERT INTO instances (sop_uid, series_uid, study_uid, sop_class_uid, \
     instance_number, transfer_syntax_uid, rows, columns, number_of_frames, photometric_interpretation, \
     bits_allocated, size_bytes, sha256, blob_key, uploaded_by, created_at, slice_position, uploader_id, warnings, \
     burned_in_annotation, pixel_spacing, image_orientation, slice_thickness) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
     ON CONFLICT (sop_uid) DO NOTHING";

const EXISTING_INSTANCE: &str = "SELECT sha256, blob_key, study_uid FROM instances WHERE sop_uid = $1";
const DELETE_INSTANCE: &str = "DELETE FROM instances WHERE sop_uid = $1";
const SERIES_STUDY: &str = "SELECT study_uid FROM series WHERE series_uid = $1";

/// Why an instance of a study or series is refused, decided once per batch.
type Decision = Option<(&'static str, String)>;

/// Whether the principal may add instances to the study (creating it, owned by them, if it
/// is new).
async fn study_decision(
    conn: &mut Conn<'_>,
    principal: &Principal,
    item: &NewInstance,
    at: &str,
) -> Result<Decision, sqlx::Error> {
    let a = &item.attributes;
    let owner = principal.user().map(|u| u.id);
    if matches!(principal, Principal::Link(_)) {
        return Ok(Some(("study_not_writable", "a viewer link cannot upload".into())));
    }
    on_conn!(conn, |c| sqlx::query(INSERT_STUDY)
        .bind(&a.study_instance_uid)
        .bind(&a.patient_name)
        .bind(a.patient_name.as_deref().map(crate::search::fold))
        .bind(&a.patient_id)
        .bind(&a.patient_birth_date)
        .bind(&a.patient_sex)
        .bind(&a.study_date)
        .bind(&a.study_time)
        .bind(&a.accession_number)
        .bind(&a.study_description)
        .bind(a.study_description.as_deref().map(crate::search::fold))
        .bind(&a.referring_physician_name)
        .bind(&a.study_id)
        .bind(&a.institution_name)
        .bind(&item.uploaded_by)
        .bind(at)
        .bind(owner)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    // Whoever made the row (this upload or an earlier one), the principal's level decides.
    let sql = format!("SELECT {} FROM studies s WHERE s.study_uid = $1", level_columns(principal));
    let level: Option<(i64, i64)> =
        on_conn!(conn, |c| sqlx::query_as(&sql).bind(&a.study_instance_uid).fetch_optional(&mut **c).await)?;
    let writable = level.is_some_and(|(l, _)| l >= Level::Contribute as i64);
    Ok((!writable).then(|| {
        (
            "study_not_writable",
            format!(
                "study {} belongs to another account and is not shared with you for contributing; nothing was added \
                 to it",
                a.study_instance_uid
            ),
        )
    }))
}

/// Whether the series may take the instance: it must be new or already of this study.
async fn series_decision(conn: &mut Conn<'_>, item: &NewInstance, at: &str) -> Result<Decision, sqlx::Error> {
    let a = &item.attributes;
    on_conn!(conn, |c| sqlx::query(INSERT_SERIES)
        .bind(&a.series_instance_uid)
        .bind(&a.study_instance_uid)
        .bind(&a.modality)
        .bind(a.series_number)
        .bind(&a.series_description)
        .bind(&a.body_part_examined)
        .bind(at)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    let study: Option<String> = on_conn!(conn, |c| sqlx::query_scalar(SERIES_STUDY)
        .bind(&a.series_instance_uid)
        .fetch_optional(&mut **c)
        .await)?;
    Ok((study.as_deref() != Some(a.study_instance_uid.as_str())).then(|| {
        (
            "series_in_another_study",
            format!("series {} belongs to another study; a series is part of one study only", a.series_instance_uid),
        )
    }))
}

/// Catalogues a batch on an open transaction, each instance with its own outcome.
pub(crate) async fn insert_batch(
    conn: &mut Conn<'_>,
    principal: &Principal,
    batch: &[NewInstance],
    policy: ConflictPolicy,
    at: &str,
) -> Result<Vec<InsertOutcome>, sqlx::Error> {
    let mut studies: HashMap<&str, Decision> = HashMap::new();
    let mut series: HashMap<&str, Decision> = HashMap::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    for item in batch {
        let a = &item.attributes;
        let study = match studies.get(a.study_instance_uid.as_str()) {
            Some(d) => d.clone(),
            None => {
                let d = study_decision(conn, principal, item, at).await?;
                studies.insert(&a.study_instance_uid, d.clone());
                d
            }
        };
        if let Some((code, reason)) = study {
            outcomes.push(InsertOutcome::Refused { code, reason });
            continue;
        }
        let in_series = match series.get(a.series_instance_uid.as_str()) {
            Some(d) => d.clone(),
            None => {
                let d = series_decision(conn, item, at).await?;
                series.insert(&a.series_instance_uid, d.clone());
                d
            }
        };
        if let Some((code, reason)) = in_series {
            outcomes.push(InsertOutcome::Refused { code, reason });
            continue;
        }
        outcomes.push(insert_one(conn, principal, item, policy, at).await?);
    }
    // What this batch stopped pointing at (a replaced object) or wrote for nothing (a
    // refused file's object) goes into the outbox with the rows, never deleted here: the
    // job deletes it after the grace period if no row points at it again by then.
    let released: Vec<String> = batch
        .iter()
        .zip(&outcomes)
        .filter_map(|(item, outcome)| match outcome {
            InsertOutcome::Replaced { old_blob_key } => Some(old_blob_key.clone()),
            InsertOutcome::Conflict | InsertOutcome::Refused { .. } => Some(item.blob_key.clone()),
            InsertOutcome::Stored | InsertOutcome::Duplicate => None,
        })
        .collect();
    super::outbox::release_keys(conn, &released, at).await?;
    // Counts, modalities and search keys of every study this batch added to.
    let mut touched: Vec<&str> = batch
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, InsertOutcome::Stored | InsertOutcome::Replaced { .. }))
        .map(|(item, _)| item.attributes.study_instance_uid.as_str())
        .collect();
    touched.sort_unstable();
    touched.dedup();
    for study in touched {
        super::search_columns::refresh(conn, study, false).await?;
    }
    Ok(outcomes)
}

async fn insert_one(
    conn: &mut Conn<'_>,
    principal: &Principal,
    item: &NewInstance,
    policy: ConflictPolicy,
    at: &str,
) -> Result<InsertOutcome, sqlx::Error> {
    let a = &item.attributes;
    let mut outcome = InsertOutcome::Stored;
    loop {
        let existing: Option<(String, String, String)> = on_conn!(conn, |c| sqlx::query_as(EXISTING_INSTANCE)
            .bind(&a.sop_instance_uid)
            .fetch_optional(&mut **c)
            .await)?;
        if let Some((sha, blob_key, study)) = existing {
            if study != a.study_instance_uid {
                // Never moved between studies, whatever the policy: that would take an
                // image out of a study the uploader may not write.
                return Ok(InsertOutcome::Refused {
                    code: "instance_in_another_study",
                    reason: format!("SOP instance {} is stored in another study", a.sop_instance_uid),
                });
            }
            if sha == item.sha256 {
                return Ok(InsertOutcome::Duplicate);
            }
            if policy == ConflictPolicy::Reject {
                return Ok(InsertOutcome::Conflict);
            }
            outcome = InsertOutcome::Replaced { old_blob_key: blob_key };
            on_conn!(conn, |c| sqlx::query(DELETE_INSTANCE)
                .bind(&a.sop_instance_uid)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
            on_conn!(conn, |c| sqlx::query(super::metadata::DELETE_ONE)
                .bind(&a.sop_instance_uid)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        let inserted = on_conn!(conn, |c| sqlx::query(INSERT_INSTANCE)
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
            .bind(a.slice_position)
            .bind(principal.user().map(|u| u.id))
            .bind((!item.warnings.is_empty()).then(|| serde_json::json!(item.warnings).to_string()))
            .bind(a.burned_in_annotation)
            .bind(&a.pixel_spacing)
            .bind(&a.image_orientation)
            .bind(a.slice_thickness)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        if inserted == 1 {
            if let Some(dataset) = &item.metadata {
                on_conn!(conn, |c| sqlx::query(super::metadata::UPSERT)
                    .bind(&a.sop_instance_uid)
                    .bind(dataset)
                    .execute(&mut **c)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            return Ok(outcome);
        }
        // Another writer stored this SOP Instance UID meanwhile: decide against its row.
    }
}

/// An upload event says what became of its study: denied when every file of it in the batch
/// was refused because the principal may not add to the study (so that the trail never
/// says an account uploaded into a study it could not write), allowed otherwise.
pub(crate) fn settle_upload_events(
    batch: &[NewInstance],
    outcomes: &[InsertOutcome],
    events: &[NewAuditEvent],
) -> Vec<NewAuditEvent> {
    events
        .iter()
        .map(|event| {
            let mut event = event.clone();
            let Some(study) = event.study_uid.as_deref() else { return event };
            let mut of_study = batch.iter().zip(outcomes).filter(|(i, _)| i.attributes.study_instance_uid == study);
            let mut any = false;
            let all_refused = of_study.all(|(_, o)| {
                any = true;
                matches!(o, InsertOutcome::Refused { code: "study_not_writable", .. })
            });
            if any && all_refused {
                event.outcome = Outcome::Denied;
                let mut detail = event.detail.take().unwrap_or_else(|| serde_json::json!({}));
                detail["reason"] = "study_not_writable".into();
                event.detail = Some(detail);
            }
            event
        })
        .collect()
}

/// Attempts of a PostgreSQL write transaction aborted to break a deadlock.
const WRITE_ATTEMPTS: u32 = 4;

/// PostgreSQL's "try again" answers: deadlock detected, serialization failure.
fn is_retryable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01") | Some("40001")))
}

pub(crate) async fn insert_instances(
    catalog: &SqlCatalog,
    principal: &Principal,
    batch: &[NewInstance],
    policy: ConflictPolicy,
    audit: &[NewAuditEvent],
) -> Result<Vec<InsertOutcome>, StoreError> {
    match (&catalog.pool, &catalog.writer) {
        (super::sql::Pool::Sqlite(_), Some(writer)) => {
            writer.insert_instances(principal.clone(), batch.to_vec(), policy, audit.to_vec()).await
        }
        (super::sql::Pool::Postgres(pool), _) => {
            let mut attempt = 1;
            loop {
                let result: Result<Vec<InsertOutcome>, sqlx::Error> = async {
                    let mut tx = pool.begin().await?;
                    let at = now();
                    let mut conn = Conn::Postgres(&mut tx);
                    let outcomes = insert_batch(&mut conn, principal, batch, policy, &at).await?;
                    for event in settle_upload_events(batch, &outcomes, audit) {
                        append_chained(&mut conn, &event).await?;
                    }
                    tx.commit().await?;
                    Ok(outcomes)
                }
                .await;
                match result {
                    Err(e) if is_retryable(&e) && attempt < WRITE_ATTEMPTS => attempt += 1,
                    other => return other.map_err(StoreError::from),
                }
            }
        }
        (super::sql::Pool::Sqlite(_), None) => Err(StoreError::Unavailable("the catalog writer has stopped".into())),
    }
}
