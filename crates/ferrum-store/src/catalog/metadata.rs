//! The metadata kept at ingest (the DICOM JSON of each instance's header): read scoped by
//! the principal like every other read of patient data, and filled in for instances
//! catalogued before it was kept.
use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::access::{push_series_scope, push_visible};
use super::sql::{on_pool, on_writes, SqlCatalog};
use super::MetadataCatalog;
use crate::access::{Level, Principal};
use crate::model::{InstanceMetadata, MetadataScope};
use crate::StoreError;

/// Keeps (or replaces) an instance's metadata; on the open transaction that writes its row.
pub(crate) const UPSERT: &str = "INSERT INTO instance_metadata (sop_uid, dataset) VALUES ($1, $2) \
     ON CONFLICT (sop_uid) DO UPDATE SET dataset = excluded.dataset";
pub(crate) const DELETE_ONE: &str = "DELETE FROM instance_metadata WHERE sop_uid = $1";

const ORDER: &str = " ORDER BY i.series_uid, i.instance_number IS NULL, i.instance_number, i.sop_uid";

#[async_trait]
impl MetadataCatalog for SqlCatalog {
    async fn metadata(
        &self,
        principal: &Principal,
        scope: &MetadataScope,
    ) -> Result<Vec<InstanceMetadata>, StoreError> {
        on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new(
                "SELECT i.*, m.dataset FROM instances i JOIN studies s ON s.study_uid = i.study_uid \
                 LEFT JOIN instance_metadata m ON m.sop_uid = i.sop_uid WHERE ",
            );
            match scope {
                MetadataScope::Study { study_uid } => {
                    qb.push("i.study_uid = ").push_bind(study_uid.clone());
                }
                MetadataScope::Series { study_uid, series_uid } => {
                    qb.push("i.study_uid = ").push_bind(study_uid.clone());
                    qb.push(" AND i.series_uid = ").push_bind(series_uid.clone());
                }
                MetadataScope::Instance { study_uid, series_uid, sop_uid } => {
                    qb.push("i.study_uid = ").push_bind(study_uid.clone());
                    qb.push(" AND i.series_uid = ").push_bind(series_uid.clone());
                    qb.push(" AND i.sop_uid = ").push_bind(sop_uid.clone());
                }
            }
            push_visible(&mut qb, principal, Level::Read);
            push_series_scope(&mut qb, principal, "i.series_uid");
            qb.push(ORDER);
            Ok(qb.build_query_as::<InstanceMetadata>().fetch_all(p).await?)
        })
    }

    async fn instances_without_metadata(&self, limit: i64) -> Result<Vec<(String, String)>, StoreError> {
        on_pool!(&self.pool, |p| Ok(sqlx::query_as(
            "SELECT i.sop_uid, i.blob_key FROM instances i LEFT JOIN instance_metadata m ON m.sop_uid = i.sop_uid \
             WHERE m.sop_uid IS NULL ORDER BY i.sop_uid LIMIT $1",
        )
        .bind(limit)
        .fetch_all(p)
        .await?))
    }

    async fn put_metadata(&self, sop_uid: &str, blob_key: &str, dataset: &str) -> Result<bool, StoreError> {
        // Only while the row still points at the object the metadata was read from.
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            {
                let done = sqlx::query(
                    "INSERT INTO instance_metadata (sop_uid, dataset) SELECT sop_uid, $3 FROM instances \
                 WHERE sop_uid = $1 AND blob_key = $2 ON CONFLICT (sop_uid) DO NOTHING",
                )
                .bind(sop_uid)
                .bind(blob_key)
                .bind(dataset)
                .execute(&mut *c)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        })
    }
}
