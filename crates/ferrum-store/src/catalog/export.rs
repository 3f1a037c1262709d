//! What an export takes, read through the one visibility predicate: the studies of the scope
//! the principal may see, each with the series and instances it may see of them, in the order
//! an export lays them out (patient ID, study date, UIDs; series and instances in display
//! order). An uploader's export takes only the instances that account uploaded.
use sqlx::{QueryBuilder, Row};

use super::access::{basis, push_series_scope, push_visible};
use super::rows::StudyRow;
use super::sql::{on_pool, SqlCatalog};
use super::studies::{nest, study_select, INSTANCE_ORDER, SERIES_ORDER, STUDY_FROM};
use crate::access::{Level, Principal};
use crate::model::{ExportScope, ExportStudy, InstanceRecord, SeriesDetail, StudyDetail};
use crate::StoreError;

#[async_trait::async_trait]
impl super::ExportCatalog for SqlCatalog {
    async fn export_studies(&self, principal: &Principal, scope: &ExportScope) -> Result<Vec<ExportStudy>, StoreError> {
        let uploader = match scope {
            ExportScope::Uploader(name) => Some(name.clone()),
            _ => None,
        };
        let rows: Vec<(StudyRow, Option<String>)> = on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new(study_select(principal));
            qb.push(", s.study_id AS export_study_id").push(STUDY_FROM).push(" WHERE ");
            match scope {
                ExportScope::Study(uid) => qb.push("s.study_uid = ").push_bind(uid.clone()),
                ExportScope::Patient(id) => qb.push("s.patient_id = ").push_bind(id.clone()),
                ExportScope::Uploader(name) => qb
                    .push("EXISTS (SELECT 1 FROM instances i WHERE i.study_uid = s.study_uid AND i.uploaded_by = ")
                    .push_bind(name.clone())
                    .push(")"),
            };
            push_visible(&mut qb, principal, Level::Read);
            qb.push(" ORDER BY COALESCE(s.patient_id, ''), COALESCE(s.study_date, ''), s.study_uid");
            let mut rows = Vec::new();
            for r in qb.build().fetch_all(p).await? {
                rows.push((sqlx::FromRow::from_row(&r)?, r.try_get("export_study_id")?));
            }
            rows
        });
        let basis = basis(principal);
        let mut studies = Vec::with_capacity(rows.len());
        for (row, study_id) in rows {
            let uid = row.study_uid.clone();
            let (series, instances): (Vec<SeriesDetail>, Vec<InstanceRecord>) = on_pool!(&self.pool, |p| {
                let mut qb = QueryBuilder::new("SELECT se.* FROM series se WHERE se.study_uid = ");
                qb.push_bind(uid.clone());
                push_series_scope(&mut qb, principal, "se.series_uid");
                qb.push(SERIES_ORDER);
                let series = qb.build_query_as::<SeriesDetail>().fetch_all(p).await?;
                let mut qb = QueryBuilder::new("SELECT i.* FROM instances i WHERE i.study_uid = ");
                qb.push_bind(uid.clone());
                push_series_scope(&mut qb, principal, "i.series_uid");
                if let Some(name) = &uploader {
                    qb.push(" AND i.uploaded_by = ").push_bind(name.clone());
                }
                qb.push(INSTANCE_ORDER);
                let instances = qb.build_query_as::<InstanceRecord>().fetch_all(p).await?;
                (series, instances)
            });
            let mut series = nest(series, instances);
            series.retain(|s| !s.instances.is_empty());
            if series.is_empty() {
                continue;
            }
            let mut summary = row.into_summary(basis);
            // Counted from what the export holds, as a study's page counts what its viewer sees.
            summary.num_series = series.len() as i64;
            summary.num_instances = series.iter().map(|s| s.num_instances).sum();
            summary.modalities = series.iter().filter_map(|s| s.modality.clone()).collect();
            summary.modalities.sort();
            summary.modalities.dedup();
            studies.push(ExportStudy { detail: StudyDetail { summary, series }, study_id });
        }
        Ok(studies)
    }
}
