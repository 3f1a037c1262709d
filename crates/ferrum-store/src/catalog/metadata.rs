//! The metadata kept at ingest (the DICOM JSON of each instance's header): read scoped by
//! the principal like every other read of patient data, and filled in for instances
//! catalogued before it was kept.
use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::access::{push_series_scope, push_visible};
use super::sql::{on_pool, on_writes, SqlCatalog};
use super::MetadataCatalog;
use crate::access::{Level, Principal};
use crate::model::{InstanceMetadata, MetadataLine, MetadataScope};
use crate::StoreError;

/// Keeps (or replaces) an instance's metadata; on the open transaction that writes its row.
pub(crate) const UPSERT: &str = "INSERT INTO instance_metadata (sop_uid, dataset) VALUES ($1, $2) \
     ON CONFLICT (sop_uid) DO UPDATE SET dataset = excluded.dataset";
pub(crate) const DELETE_ONE: &str = "DELETE FROM instance_metadata WHERE sop_uid = $1";

const ORDER: &str = " ORDER BY i.series_uid, i.instance_number IS NULL, i.instance_number, i.sop_uid";

/// Between the fields of one line of [`MetadataCatalog::metadata_lines`], and between its
/// lines: control characters that neither a usable UID (printable ASCII) nor JSON text (which
/// escapes them) can hold.
const FIELD: char = '\u{1f}';
const LINE: char = '\u{1e}';

/// The fields of a line, in the order [`parse_line`] reads them; `m.dataset` last, so that
/// whatever it holds is the rest of the line.
const LINE_FIELDS: &[&str] = &[
    "i.study_uid",
    "i.series_uid",
    "i.sop_uid",
    "i.transfer_syntax_uid",
    "i.sop_class_uid",
    "CAST(i.instance_number AS TEXT)",
    "CAST(i.rows AS TEXT)",
    "CAST(i.columns AS TEXT)",
    "CAST(i.number_of_frames AS TEXT)",
];

/// `FROM … WHERE …` of the instances of `scope` the principal may see.
fn push_scope<'a, DB>(qb: &mut QueryBuilder<'a, DB>, principal: &Principal, scope: &MetadataScope)
where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(
        " FROM instances i JOIN studies s ON s.study_uid = i.study_uid \
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
    push_visible(qb, principal, Level::Read);
    push_series_scope(qb, principal, "i.series_uid");
}

/// [`ORDER`] of a line.
fn order_key(l: &MetadataLine) -> (&str, bool, Option<i64>, &str) {
    (&l.series_instance_uid, l.instance_number.is_none(), l.instance_number, &l.sop_instance_uid)
}

fn parse_line(line: &str) -> Option<MetadataLine> {
    let mut f = line.splitn(LINE_FIELDS.len() + 1, FIELD);
    let mut text = || f.next().map(str::to_owned);
    let (study, series, sop, ts) = (text()?, text()?, text()?, text()?);
    let mut rest: Vec<Option<String>> = (0..6).map(|_| text().filter(|t| !t.is_empty())).collect();
    let dataset = rest.pop().flatten();
    let number = |v: &Option<String>| v.as_deref().and_then(|n| n.parse().ok());
    Some(MetadataLine {
        study_instance_uid: study,
        series_instance_uid: series,
        sop_instance_uid: sop,
        transfer_syntax_uid: ts,
        sop_class_uid: rest[0].clone(),
        instance_number: number(&rest[1]),
        rows: number(&rest[2]),
        columns: number(&rest[3]),
        number_of_frames: number(&rest[4]),
        dataset,
    })
}

#[async_trait]
impl MetadataCatalog for SqlCatalog {
    async fn metadata(
        &self,
        principal: &Principal,
        scope: &MetadataScope,
    ) -> Result<Vec<InstanceMetadata>, StoreError> {
        on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new("SELECT i.*, m.dataset");
            push_scope(&mut qb, principal, scope);
            qb.push(ORDER);
            Ok(qb.build_query_as::<InstanceMetadata>().fetch_all(p).await?)
        })
    }

    async fn metadata_lines(
        &self,
        principal: &Principal,
        scope: &MetadataScope,
    ) -> Result<Vec<MetadataLine>, StoreError> {
        // One value for the whole answer: the SQLite driver hands each row over from its
        // own thread (a wake-up and a copy of every column each), which for a series'
        // metadata cost more than reading the rows.
        on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new("SELECT string_agg(");
            for (n, field) in LINE_FIELDS.iter().enumerate() {
                qb.push(format!("COALESCE({field}, '') || "));
                qb.push_bind(FIELD.to_string());
                qb.push(if n + 1 == LINE_FIELDS.len() { " || COALESCE(m.dataset, '')" } else { " || " });
            }
            // Unordered: an ordered aggregate sorts every line, the kept metadata with it, in
            // a temporary B-tree; the few fields of the order are sorted here instead.
            qb.push(", ").push_bind(LINE.to_string()).push(")");
            push_scope(&mut qb, principal, scope);
            let all: Option<String> = qb.build_query_scalar().fetch_one(p).await?;
            let mut lines = all
                .as_deref()
                .unwrap_or("")
                .split(LINE)
                .filter(|l| !l.is_empty())
                .map(|l| parse_line(l).ok_or_else(|| StoreError::Other("a metadata line is cut short".into())))
                .collect::<Result<Vec<_>, _>>()?;
            lines.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
            Ok(lines)
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
