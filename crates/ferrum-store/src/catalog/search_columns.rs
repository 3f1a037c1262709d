//! Keeping a study's search columns in step: counts, modalities, folded names and IDs, the
//! free-text document and the `study_keys` rows, recomputed from the study's row and its
//! series by [`refresh`] — the one function every path that changes them calls (ingest,
//! the erase of a series, rectification) — and, for rows made before they existed, by
//! [`backfill`] at start-up.
use super::ingest::{on_conn, Conn};
use super::sql::{on_writes, SqlCatalog};
use crate::search::keys::{SearchColumns, StudySearchInput, SEARCH_VERSION};
use crate::StoreError;

type StudyFields = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

const STUDY: &str = "SELECT patient_name, patient_id, accession_number, study_description, referring_physician_name, \
     institution_name, search_text, patient_name_folded, search_version FROM studies WHERE study_uid = $1";
const SERIES: &str =
    "SELECT modality, series_description, body_part_examined FROM series WHERE study_uid = $1 ORDER BY series_uid";
const COUNTS: &str = "SELECT COUNT(*) FROM instances WHERE study_uid = $1";
const SET_COUNTS: &str =
    "UPDATE studies SET num_series = $2, num_instances = $3, modalities = $4 WHERE study_uid = $1 \
     AND (num_series <> $2 OR num_instances <> $3 OR modalities IS DISTINCT FROM $4)";
const SET_SEARCH: &str = "UPDATE studies SET patient_name_folded = $2, patient_id_key = $3, accession_key = $4, \
     search_text = $5, search_version = $6 WHERE study_uid = $1";
const DELETE_KEYS: &str = "DELETE FROM study_keys WHERE study_uid = $1";

/// Recomputes the search columns of `study_uid` on an open write transaction. The counts
/// are written when they changed; the keys and the free-text document when what they are
/// made of changed, or always with `force` (a rectification changes attributes the check
/// does not look at). A study that no longer exists is left alone.
pub(crate) async fn refresh(conn: &mut Conn<'_>, study_uid: &str, force: bool) -> Result<(), sqlx::Error> {
    let study: Option<StudyFields> =
        on_conn!(conn, |c| sqlx::query_as(STUDY).bind(study_uid).fetch_optional(&mut **c).await)?;
    let Some((name, id, accession, description, referring, institution, text, folded, version)) = study else {
        return Ok(());
    };
    let series: Vec<(Option<String>, Option<String>, Option<String>)> =
        on_conn!(conn, |c| sqlx::query_as(SERIES).bind(study_uid).fetch_all(&mut **c).await)?;
    let instances: i64 = on_conn!(conn, |c| sqlx::query_scalar(COUNTS).bind(study_uid).fetch_one(&mut **c).await)?;
    let mut modalities: Vec<&str> =
        series.iter().filter_map(|(m, _, _)| m.as_deref()).filter(|m| !m.is_empty()).collect();
    modalities.sort_unstable();
    modalities.dedup();
    let modalities = (!modalities.is_empty()).then(|| modalities.join(","));
    let num_series = series.len() as i64;
    on_conn!(conn, |c| sqlx::query(SET_COUNTS)
        .bind(study_uid)
        .bind(num_series)
        .bind(instances)
        .bind(&modalities)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    let input = StudySearchInput {
        patient_name: name,
        patient_id: id,
        accession_number: accession,
        study_description: description,
        referring_physician_name: referring,
        institution_name: institution,
        series: series.into_iter().map(|(_, d, b)| (d, b)).collect(),
    };
    let cols = SearchColumns::compute(&input);
    let unchanged = version == SEARCH_VERSION
        && text.as_deref() == Some(cols.search_text.as_str())
        && folded == cols.patient_name_folded;
    if unchanged && !force {
        return Ok(());
    }
    write_search(conn, study_uid, &cols).await
}

async fn write_search(conn: &mut Conn<'_>, study_uid: &str, cols: &SearchColumns) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(SET_SEARCH)
        .bind(study_uid)
        .bind(&cols.patient_name_folded)
        .bind(&cols.patient_id_key)
        .bind(&cols.accession_key)
        .bind(&cols.search_text)
        .bind(SEARCH_VERSION)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    on_conn!(conn, |c| sqlx::query(DELETE_KEYS).bind(study_uid).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    for chunk in cols.keys.chunks(300) {
        on_conn!(conn, |c| {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO study_keys (field, key, study_uid) ");
            qb.push_values(chunk, |mut row, (field, key)| {
                row.push_bind(field.as_str()).push_bind(key.clone()).push_bind(study_uid.to_owned());
            });
            qb.build().execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Studies recomputed per transaction by the backfill.
const BACKFILL_BATCH: i64 = 500;

/// Computes the search columns of every study whose columns are missing or were made by an
/// older [`SEARCH_VERSION`], in batches; answers how many. Runs at start-up, before the
/// catalog serves (a catalog of 100,000 studies from before the search takes a minute once).
pub(crate) async fn backfill(catalog: &SqlCatalog) -> Result<u64, StoreError> {
    let mut done = 0u64;
    loop {
        let n = on_writes!(&catalog.writes, |p| {
            let mut tx = p.begin_with(catalog.dialect().begin_write).await?;
            let uids: Vec<String> = sqlx::query_scalar(
                "SELECT study_uid FROM studies WHERE search_version <> $1 ORDER BY study_uid LIMIT $2",
            )
            .bind(SEARCH_VERSION)
            .bind(BACKFILL_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            let mut conn = Conn::from(&mut *tx);
            for uid in &uids {
                refresh(&mut conn, uid, true).await?;
            }
            tx.commit().await?;
            uids.len()
        });
        done += n as u64;
        if (n as i64) < BACKFILL_BATCH {
            return Ok(done);
        }
    }
}
