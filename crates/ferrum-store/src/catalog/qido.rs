//! QIDO-RS searches (PS3.18 10.6) at study, series and instance level. The study-level
//! filters are the study search engine's own ([`push_from_where`]: the one access predicate
//! as a set, folded names, indexed keys); series and instance filters are conditions on
//! their rows inside those studies. Each row comes with the kept metadata of a
//! representative instance, so that the answer's attributes are the headers' own.
use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::access::push_series_scope;
use super::listing::{free_text, push_from_where, Binds};
use super::listing_plan::Plan;
use super::sql::{on_pool, Dialect, SqlCatalog};
use crate::access::Principal;
use crate::model::StudyQuery;
use crate::StoreError;

/// Which rows a search answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QidoLevel {
    Study,
    Series,
    Instance,
}

/// A QIDO search: the study engine's filters and the UID and number matches below them.
/// Empty lists match everything.
#[derive(Debug, Clone)]
pub struct QidoQuery {
    pub level: QidoLevel,
    pub study: StudyQuery,
    pub study_uids: Vec<String>,
    pub series_uids: Vec<String>,
    /// Upper case.
    pub series_modalities: Vec<String>,
    pub series_number: Option<i64>,
    pub sop_uids: Vec<String>,
    pub sop_class_uids: Vec<String>,
    pub instance_number: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One matching study, series or instance.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QidoRow {
    pub study_uid: String,
    pub series_uid: Option<String>,
    pub sop_uid: Option<String>,
    pub num_series: i64,
    pub num_instances: i64,
    /// Comma-separated, as the study's search column keeps them.
    pub modalities: Option<String>,
    /// The series' instance count (series and instance level).
    pub series_instances: Option<i64>,
    /// The DICOM JSON of the row's instance, or of the first instance of its study or series.
    pub dataset: Option<String>,
}

#[async_trait]
pub trait QidoCatalog: Send + Sync {
    /// The matches the principal may see, in study date (newest first), then descending UID order.
    async fn qido(&self, principal: &Principal, query: &QidoQuery) -> Result<Vec<QidoRow>, StoreError>;
}

fn push_in<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, column: &str, values: &[String])
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if values.is_empty() {
        return;
    }
    qb.push(format!(" AND {column} IN ("));
    let mut list = qb.separated(", ");
    for v in values {
        list.push_bind(v.clone());
    }
    qb.push(")");
}

/// ` AND <column> IN (the studies the engine's filters and the UID list match)`.
fn push_studies<'a, DB: Binds<'a>>(
    qb: &mut QueryBuilder<'a, DB>,
    dialect: &Dialect,
    plan: &Plan,
    principal: &Principal,
    query: &QidoQuery,
    column: &str,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(format!(" AND {column} IN (SELECT s.study_uid"));
    let text = free_text(&query.study);
    push_from_where(qb, dialect, plan, principal, &query.study, text.as_ref());
    push_in(qb, "s.study_uid", &query.study_uids);
    qb.push(")");
}

fn push_series_filters<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, query: &QidoQuery)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    push_in(qb, "se.series_uid", &query.series_uids);
    push_in(qb, "UPPER(COALESCE(se.modality, ''))", &query.series_modalities);
    if let Some(n) = query.series_number {
        qb.push(" AND se.series_number = ").push_bind(n);
    }
}

fn push_instance_filters<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, query: &QidoQuery)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    push_in(qb, "i.sop_uid", &query.sop_uids);
    push_in(qb, "i.sop_class_uid", &query.sop_class_uids);
    if let Some(n) = query.instance_number {
        qb.push(" AND i.instance_number = ").push_bind(n);
    }
}

/// Newest first, then UID; both descending, as the study date index is walked backwards.
const STUDY_ORDER: &str = "ORDER BY COALESCE(s.study_date, '') DESC, s.study_uid DESC";

/// Which instance stands for a study or series: the first in series, number, UID order.
const FIRST_ORDER: &str = "ORDER BY fi.series_uid, fi.instance_number IS NULL, fi.instance_number, fi.sop_uid LIMIT 1";

/// The dataset of the first instance matching `condition`.
fn first_dataset(condition: &str) -> String {
    format!(
        "(SELECT m.dataset FROM instances fi JOIN instance_metadata m ON m.sop_uid = fi.sop_uid \
         WHERE {condition} {FIRST_ORDER})"
    )
}

/// A viewer link that shows only some series of its study.
fn scoped_to_series(principal: &Principal) -> bool {
    matches!(principal, Principal::Link(l) if !l.series.is_empty())
}

fn build<'a, DB: Binds<'a>>(
    qb: &mut QueryBuilder<'a, DB>,
    dialect: &Dialect,
    plan: &Plan,
    principal: &Principal,
    query: &QidoQuery,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let counts = "s.study_uid, CAST(s.num_series AS BIGINT) AS num_series, \
                  CAST(s.num_instances AS BIGINT) AS num_instances, s.modalities";
    match query.level {
        QidoLevel::Study if scoped_to_series(principal) => {
            // A link to some series of its study: the counts and the attributes of what it
            // shows, never of the series it leaves out.
            qb.push(
                "SELECT s.study_uid, (SELECT CAST(COUNT(*) AS BIGINT) FROM series cs WHERE cs.study_uid = s.study_uid",
            );
            push_series_scope(qb, principal, "cs.series_uid");
            qb.push(
                ") AS num_series, (SELECT CAST(COUNT(*) AS BIGINT) FROM instances ci WHERE ci.study_uid = s.study_uid",
            );
            push_series_scope(qb, principal, "ci.series_uid");
            qb.push(
                ") AS num_instances, s.modalities, CAST(NULL AS TEXT) AS series_uid, CAST(NULL AS TEXT) AS sop_uid, \
                 CAST(NULL AS BIGINT) AS series_instances, (SELECT m.dataset FROM instances fi \
                 JOIN instance_metadata m ON m.sop_uid = fi.sop_uid WHERE fi.study_uid = s.study_uid",
            );
            push_series_scope(qb, principal, "fi.series_uid");
            qb.push(format!(" {FIRST_ORDER}) AS dataset FROM studies s WHERE 1 = 1"));
            push_studies(qb, dialect, plan, principal, query, "s.study_uid");
            if !query.series_uids.is_empty() || !query.series_modalities.is_empty() || query.series_number.is_some() {
                qb.push(" AND s.study_uid IN (SELECT se.study_uid FROM series se WHERE 1 = 1");
                push_series_filters(qb, query);
                qb.push(")");
            }
        }
        QidoLevel::Study => {
            // Narrow first, as the listing does: the page's UIDs walked in the study date
            // index's order under the filters, then the attributes of those rows only.
            qb.push(format!(
                "SELECT {counts}, CAST(NULL AS TEXT) AS series_uid, CAST(NULL AS TEXT) AS sop_uid, \
                 CAST(NULL AS BIGINT) AS series_instances, {} AS dataset FROM (SELECT s.study_uid AS hit_uid, \
                 COALESCE(s.study_date, '') AS hit_key",
                first_dataset("fi.study_uid = s.study_uid")
            ));
            let text = free_text(&query.study);
            push_from_where(qb, dialect, plan, principal, &query.study, text.as_ref());
            push_in(qb, "s.study_uid", &query.study_uids);
            // Only studies with a series (instance) left that matches the series filters.
            if !query.series_uids.is_empty() || !query.series_modalities.is_empty() || query.series_number.is_some() {
                qb.push(" AND s.study_uid IN (SELECT se.study_uid FROM series se WHERE 1 = 1");
                push_series_filters(qb, query);
                qb.push(")");
            }
            qb.push(format!(" {STUDY_ORDER} LIMIT ")).push_bind(query.limit.max(0));
            qb.push(" OFFSET ").push_bind(query.offset.max(0));
            // In the hits' own columns: ordered by the studies' index instead, SQLite would
            // walk all of it and look each study up among the hits.
            qb.push(
                ") hits JOIN studies s ON s.study_uid = hits.hit_uid ORDER BY hits.hit_key DESC, hits.hit_uid DESC",
            );
            return;
        }
        QidoLevel::Series => {
            qb.push(format!(
                "SELECT {counts}, se.series_uid, CAST(NULL AS TEXT) AS sop_uid, \
                 (SELECT COUNT(*) FROM instances ci WHERE ci.series_uid = se.series_uid) AS series_instances, \
                 {} AS dataset FROM series se JOIN studies s ON s.study_uid = se.study_uid WHERE 1 = 1",
                first_dataset("fi.series_uid = se.series_uid")
            ));
            push_studies(qb, dialect, plan, principal, query, "se.study_uid");
            push_series_scope(qb, principal, "se.series_uid");
            push_series_filters(qb, query);
        }
        QidoLevel::Instance => {
            qb.push(format!(
                "SELECT {counts}, i.series_uid, i.sop_uid, \
                 (SELECT COUNT(*) FROM instances ci WHERE ci.series_uid = i.series_uid) AS series_instances, \
                 m.dataset FROM instances i JOIN series se ON se.series_uid = i.series_uid \
                 JOIN studies s ON s.study_uid = i.study_uid \
                 LEFT JOIN instance_metadata m ON m.sop_uid = i.sop_uid WHERE 1 = 1"
            ));
            push_studies(qb, dialect, plan, principal, query, "i.study_uid");
            push_series_scope(qb, principal, "i.series_uid");
            push_series_filters(qb, query);
            push_instance_filters(qb, query);
        }
    }
    qb.push(format!(" {STUDY_ORDER}"));
    match query.level {
        QidoLevel::Study => {}
        QidoLevel::Series => {
            qb.push(", se.series_number IS NULL, se.series_number, se.series_uid");
        }
        QidoLevel::Instance => {
            qb.push(", se.series_number IS NULL, se.series_number, i.series_uid, i.instance_number IS NULL, i.instance_number, i.sop_uid");
        }
    }
    qb.push(" LIMIT ").push_bind(query.limit.max(0));
    qb.push(" OFFSET ").push_bind(query.offset.max(0));
}

#[async_trait]
impl QidoCatalog for SqlCatalog {
    async fn qido(&self, principal: &Principal, query: &QidoQuery) -> Result<Vec<QidoRow>, StoreError> {
        let dialect = self.dialect();
        let plan = self.search_plan(principal, &query.study).await?;
        on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new("");
            build(&mut qb, dialect, &plan, principal, query);
            Ok(qb.build_query_as::<QidoRow>().fetch_all(p).await?)
        })
    }
}
