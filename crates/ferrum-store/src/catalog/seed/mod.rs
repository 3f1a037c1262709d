//! Synthetic catalog rows for benchmarks: a catalog that already holds hundreds of thousands
//! of instances, made in seconds with set-based SQL instead of through the ingest pipeline.
//! The rows point at blobs that do not exist; never seed a catalog that serves users.
use super::sql::{on_writes, SqlCatalog};
use crate::StoreError;

/// Instances per seeded study (two series of half each).
const PER_STUDY: u64 = 100;

/// `n(i)` counts 1..=$1 in both dialects.
const COUNT_TO: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) ";

/// The study of instance `i`, as SQL.
const STUDY_OF: &str = "((i - 1) / 100 + 1)";

fn statements() -> [String; 3] {
    let date = "'20' || (10 + i % 15) || '0' || (1 + i % 9) || '1' || (i % 9)";
    [
        format!(
            "{COUNT_TO}INSERT INTO studies (study_uid, patient_name, patient_name_folded, patient_id, study_date, \
             accession_number, study_description, study_description_folded, uploaded_by, uploaded_at, updated_at) \
             SELECT '2.25.7.' || $3 || '.' || i, 'SEED^PATIENT' || i, 'seed^patient' || i, 'SEED' || i, {date}, \
             'ACC' || i, 'Seeded study', 'seeded study', 'seed', $2, $2 FROM n"
        ),
        format!(
            "{COUNT_TO}INSERT INTO series (series_uid, study_uid, modality, series_number, created_at) \
             SELECT '2.25.7.' || $3 || '.' || ((i + 1) / 2) || '.' || (2 - i % 2), '2.25.7.' || $3 || '.' || ((i + 1) / 2), \
             'CT', 2 - i % 2, $2 FROM n"
        ),
        format!(
            "{COUNT_TO}INSERT INTO instances (sop_uid, series_uid, study_uid, instance_number, transfer_syntax_uid, \
             size_bytes, sha256, blob_key, uploaded_by, created_at) \
             SELECT '2.25.7.' || $3 || '.' || {STUDY_OF} || '.' || ((i - 1) % 100 / 50 + 1) || '.' || i, \
             '2.25.7.' || $3 || '.' || {STUDY_OF} || '.' || ((i - 1) % 100 / 50 + 1), '2.25.7.' || $3 || '.' || {STUDY_OF}, \
             (i - 1) % 50 + 1, '1.2.840.10008.1.2.1', 524288, 'seed' || i, 'dicom/seed/' || i || '.dcm', 'seed', $2 FROM n"
        ),
    ]
}

/// Adds `instances` synthetic instances (in studies of 100) to the catalog at `url`, creating
/// its schema first. `batch` keeps the UIDs of several seedings of one catalog apart.
pub async fn seed(url: &str, instances: u64, batch: u32) -> Result<(), StoreError> {
    let batch = batch.to_string();
    let catalog = SqlCatalog::open(url, 2).await?;
    let [studies, series, instance_rows] = statements();
    let at = super::sql::now();
    let count = |n: u64| i64::try_from(n).map_err(|_| StoreError::Invalid("too many rows".into()));
    let (n_studies, n_series, n_instances) =
        (count(instances.div_ceil(PER_STUDY))?, count(2 * instances.div_ceil(PER_STUDY))?, count(instances)?);
    on_writes!(&catalog.writes, |p| {
        let mut tx = p.begin_with(catalog.dialect().begin_write).await?;
        for (sql, n) in [(&studies, n_studies), (&series, n_series), (&instance_rows, n_instances)] {
            sqlx::query(sql).bind(n).bind(&at).bind(&batch).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

mod studies;
pub use studies::{seed_studies, seeded_studies, SeedSeries, SeedStudy, StudySeed};
