//! Studies, series and instances as principals read them, and sharing inside the product.
use std::collections::HashSet;

use sqlx::{QueryBuilder, Row};

use super::access::{basis, level_columns, push_series_scope, push_visible};
use super::audit::append_chained;
use super::ingest::Conn;
use super::listing::{
    build_capped_count, build_estimate, build_page, build_walked_count, listed_sort, plan_rows, EXACT_TOTAL_LIMIT,
};
use super::rows::StudyRow;
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::access::{Grant, Grantee, Level, Principal, StudyAccess};
use crate::audit::NewAuditEvent;
use crate::model::*;
use crate::search::Cursor;
use crate::StoreError;

/// The columns of a study summary for the principal. Counts and modalities are the study
/// row's own, kept in step by [`super::search_columns::refresh`]: no per-row subqueries.
pub(super) fn study_select(principal: &Principal) -> String {
    format!(
        "SELECT s.study_uid, s.patient_name, s.patient_id, s.patient_birth_date, s.patient_sex, \
         s.study_date, s.study_time, s.accession_number, s.study_description, s.referring_physician_name, \
         s.institution_name, s.uploaded_by, s.uploaded_at, ou.username AS owner, \
         s.num_series, s.num_instances, s.modalities, {levels}",
        levels = level_columns(principal),
    )
}

pub(super) const STUDY_FROM: &str = " FROM studies s LEFT JOIN users ou ON ou.id = s.owner_id";

pub(super) const SERIES_ORDER: &str = " ORDER BY se.series_number IS NULL, se.series_number, se.series_uid";
pub(super) const INSTANCE_ORDER: &str = " ORDER BY i.instance_number IS NULL, i.instance_number, i.sop_uid";

/// Puts each instance under its series, in the order the rows came.
pub(super) fn nest(mut series: Vec<SeriesDetail>, instances: Vec<InstanceRecord>) -> Vec<SeriesDetail> {
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

fn grantee_label(kind: &str, name: &str) -> String {
    format!("{kind}:{name}")
}

#[async_trait::async_trait]
impl super::StudyCatalog for SqlCatalog {
    async fn insert_instances(
        &self,
        principal: &Principal,
        batch: &[NewInstance],
        policy: ConflictPolicy,
        audit: &[crate::audit::NewAuditEvent],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        super::ingest::insert_instances(self, principal, batch, policy, audit).await
    }

    async fn find_instance(&self, principal: &Principal, sop_uid: &str) -> Result<Option<InstanceRecord>, StoreError> {
        on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new("SELECT i.* FROM instances i JOIN studies s ON s.study_uid = i.study_uid");
            qb.push(" WHERE i.sop_uid = ").push_bind(sop_uid.to_owned());
            push_visible(&mut qb, principal, Level::Read);
            push_series_scope(&mut qb, principal, "i.series_uid");
            Ok(qb.build_query_as::<InstanceRecord>().fetch_optional(p).await?)
        })
    }

    async fn referenced_blob_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        for chunk in keys.chunks(500) {
            let rows: Vec<String> = on_pool!(&self.pool, |p| {
                let mut qb = QueryBuilder::new("SELECT DISTINCT blob_key FROM instances WHERE blob_key IN (");
                let mut sep = qb.separated(", ");
                for key in chunk {
                    sep.push_bind(key.clone());
                }
                qb.push(")");
                qb.build_query_scalar().fetch_all(p).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    async fn list_studies(&self, principal: &Principal, query: &StudyQuery) -> Result<StudyPage, StoreError> {
        let dialect = self.dialect();
        let columns = study_select(principal);
        let plan = self.search_plan(principal, query).await?;
        #[allow(clippy::type_complexity)]
        let (rows, keys, limit, count, edge): (
            Vec<StudyRow>,
            Vec<(String, String)>,
            usize,
            i64,
            Option<String>,
        ) = on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new("");
            let limit = build_page(&mut qb, dialect, &plan, principal, query, &columns)?;
            let raw = qb.build().fetch_all(p).await?;
            let mut rows = Vec::with_capacity(raw.len());
            let mut keys = Vec::with_capacity(raw.len());
            for r in &raw {
                rows.push(sqlx::FromRow::from_row(r)?);
                keys.push((r.try_get("sort_key")?, r.try_get("study_uid")?));
            }
            let mut qb = QueryBuilder::new("");
            build_capped_count(&mut qb, dialect, &plan, principal, query);
            let (count, edge): (i64, Option<String>) = qb.build_query_as().fetch_one(p).await?;
            (rows, keys, limit, count, edge)
        });
        let more = rows.len() > limit;
        let sort = listed_sort(query).as_str().to_owned();
        let next_cursor = if more {
            keys.get(limit - 1)
                .map(|(key, uid)| Cursor { key: key.clone(), uid: uid.clone(), sort: Some(sort.clone()) }.encode())
        } else {
            None
        };
        let (total, total_exact) = if count <= EXACT_TOTAL_LIMIT {
            (count.max(0) as u64, true)
        } else {
            (self.estimate_matches(&plan, principal, query, edge).await?.max(count) as u64, false)
        };
        let basis = basis(principal);
        let items = rows.into_iter().take(limit).map(|r| r.into_summary(basis)).collect();
        Ok(StudyPage { items, next_cursor, total, total_exact })
    }

    async fn get_study(&self, principal: &Principal, study_uid: &str) -> Result<Option<StudyDetail>, StoreError> {
        let found: Option<(StudyRow, Vec<SeriesDetail>, Vec<InstanceRecord>)> = on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new(study_select(principal));
            qb.push(" FROM studies s LEFT JOIN users ou ON ou.id = s.owner_id WHERE s.study_uid = ");
            qb.push_bind(study_uid.to_owned());
            push_visible(&mut qb, principal, Level::Read);
            match qb.build_query_as::<StudyRow>().fetch_optional(p).await? {
                None => None,
                Some(row) => {
                    let mut qb = QueryBuilder::new("SELECT se.* FROM series se WHERE se.study_uid = ");
                    qb.push_bind(study_uid.to_owned());
                    push_series_scope(&mut qb, principal, "se.series_uid");
                    qb.push(SERIES_ORDER);
                    let series = qb.build_query_as::<SeriesDetail>().fetch_all(p).await?;
                    let mut qb = QueryBuilder::new("SELECT i.* FROM instances i WHERE i.study_uid = ");
                    qb.push_bind(study_uid.to_owned());
                    push_series_scope(&mut qb, principal, "i.series_uid");
                    qb.push(INSTANCE_ORDER);
                    let instances = qb.build_query_as::<InstanceRecord>().fetch_all(p).await?;
                    Some((row, series, instances))
                }
            }
        });
        let Some((row, series, instances)) = found else {
            return Ok(None);
        };
        let series = nest(series, instances);
        let mut summary = row.into_summary(basis(principal));
        // Counted from what the principal sees: a link narrowed to some series tells
        // nothing of the others, not even how many there are.
        summary.num_series = series.len() as i64;
        summary.num_instances = series.iter().map(|s| s.num_instances).sum();
        summary.modalities = series.iter().filter_map(|s| s.modality.clone()).collect();
        summary.modalities.sort();
        summary.modalities.dedup();
        Ok(Some(StudyDetail { summary, series }))
    }

    async fn series_instances(
        &self,
        principal: &Principal,
        series_uid: &str,
    ) -> Result<Vec<InstanceRecord>, StoreError> {
        on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new("SELECT i.* FROM instances i JOIN studies s ON s.study_uid = i.study_uid");
            qb.push(" WHERE i.series_uid = ").push_bind(series_uid.to_owned());
            push_visible(&mut qb, principal, Level::Read);
            push_series_scope(&mut qb, principal, "i.series_uid");
            qb.push(INSTANCE_ORDER);
            Ok(qb.build_query_as::<InstanceRecord>().fetch_all(p).await?)
        })
    }

    async fn study_access(&self, principal: &Principal, study_uid: &str) -> Result<Option<StudyAccess>, StoreError> {
        let row: Option<(i64, i64)> = on_pool!(&self.pool, |p| {
            let mut qb = QueryBuilder::new(format!("SELECT {} FROM studies s", level_columns(principal)));
            qb.push(" WHERE s.study_uid = ").push_bind(study_uid.to_owned());
            push_visible(&mut qb, principal, Level::Read);
            qb.build_query_as::<(i64, i64)>().fetch_optional(p).await?
        });
        Ok(row.and_then(|(level, is_owner)| {
            let level = Level::from_i64(level)?;
            Some(StudyAccess { level, basis: if is_owner == 1 { "owner" } else { basis(principal) } })
        }))
    }

    async fn swap_series_thumbnail(&self, series_uid: &str, sha: &str) -> Result<Option<String>, StoreError> {
        let before: Option<Option<String>> = on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
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
            before
        });
        Ok(before.flatten())
    }

    async fn list_grants(&self, study_uid: &str) -> Result<Vec<Grant>, StoreError> {
        let rows: Vec<(String, String, i64, Option<String>, String)> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT g.grantee_kind, COALESCE(u.username, gr.name, '?'), g.level, b.username, g.granted_at \
                 FROM study_grants g \
                 LEFT JOIN users u ON g.grantee_kind = 'user' AND u.id = g.grantee_id \
                 LEFT JOIN groups gr ON g.grantee_kind = 'group' AND gr.id = g.grantee_id \
                 LEFT JOIN users b ON b.id = g.granted_by \
                 WHERE g.study_uid = $1 ORDER BY g.grantee_kind, 2",
            )
            .bind(study_uid)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(kind, name, level, by, at)| Grant {
                grantee: grantee_label(&kind, &name),
                level: Level::from_i64(level).unwrap_or(Level::Read),
                granted_by: by,
                granted_at: at,
            })
            .collect())
    }

    async fn put_grant(
        &self,
        study_uid: &str,
        grantee: &Grantee,
        level: Level,
        by: i64,
        audit: &NewAuditEvent,
    ) -> Result<Grant, StoreError> {
        let (kind, id) = self.grantee_id(grantee).await?.ok_or(StoreError::NotFound)?;
        let at = now();
        let begin = self.dialect().begin_write;
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            sqlx::query(
                "INSERT INTO study_grants (study_uid, grantee_kind, grantee_id, level, granted_by, granted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (study_uid, grantee_kind, grantee_id) \
                 DO UPDATE SET level = excluded.level, granted_by = excluded.granted_by, granted_at = excluded.granted_at",
            )
            .bind(study_uid)
            .bind(kind)
            .bind(id)
            .bind(level as i64)
            .bind(by)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        let grants = self.list_grants(study_uid).await?;
        grants.into_iter().find(|g| g.grantee == grantee.label()).ok_or(StoreError::NotFound)
    }

    async fn delete_grant(&self, study_uid: &str, grantee: &Grantee, audit: &NewAuditEvent) -> Result<(), StoreError> {
        let (kind, id) = self.grantee_id(grantee).await?.ok_or(StoreError::NotFound)?;
        let begin = self.dialect().begin_write;
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            let done =
                sqlx::query("DELETE FROM study_grants WHERE study_uid = $1 AND grantee_kind = $2 AND grantee_id = $3")
                    .bind(study_uid)
                    .bind(kind)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn set_restriction(
        &self,
        study_uid: &str,
        by: Option<&str>,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let begin = self.dialect().begin_write;
        let at = by.map(|_| now());
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            // Restricting again keeps the first time; lifting clears both.
            let done = sqlx::query(
                "UPDATE studies SET restricted_at = CASE WHEN $2 IS NULL THEN NULL ELSE COALESCE(restricted_at, $2) END, \
                 restricted_by = CASE WHEN $2 IS NULL THEN NULL ELSE COALESCE(restricted_by, $3) END WHERE study_uid = $1",
            )
            .bind(study_uid)
            .bind(&at)
            .bind(by)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn restriction(&self, study_uid: &str) -> Result<Option<(Option<String>, Option<String>)>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, (Option<String>, Option<String>)>(
            "SELECT restricted_at, restricted_by FROM studies WHERE study_uid = $1"
        )
        .bind(study_uid)
        .fetch_optional(p)
        .await?))
    }

    async fn transfer_study(&self, study_uid: &str, new_owner: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        let done = on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND deleted_at IS NULL")
                    .bind(new_owner)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(owner) = owner else {
                return Err(StoreError::NotFound);
            };
            let done = sqlx::query("UPDATE studies SET owner_id = $2 WHERE study_uid = $1")
                .bind(study_uid)
                .bind(owner)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // The new owner needs no grant of their own.
            sqlx::query("DELETE FROM study_grants WHERE study_uid = $1 AND grantee_kind = 'user' AND grantee_id = $2")
                .bind(study_uid)
                .bind(owner)
                .execute(&mut *tx)
                .await?;
            if done == 1 {
                append_chained(&mut Conn::from(&mut *tx), audit).await?;
            }
            tx.commit().await?;
            done
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

impl SqlCatalog {
    /// The query plans of a listing (its page, then its count), as the backend explains them
    /// (`EXPLAIN QUERY PLAN` / `EXPLAIN`): one line per step, for the test that every filter
    /// is answered from an index, and for operators looking into a slow search.
    pub async fn explain_listing(&self, principal: &Principal, query: &StudyQuery) -> Result<Vec<String>, StoreError> {
        let dialect = self.dialect();
        let columns = study_select(principal);
        let plan = self.search_plan(principal, query).await?;
        let mut lines = Vec::new();
        let prefix = if dialect.fts5 { "EXPLAIN QUERY PLAN " } else { "EXPLAIN " };
        for part in 0..2 {
            match &self.pool {
                super::sql::Pool::Sqlite(p) => {
                    let mut qb = QueryBuilder::new(prefix);
                    if part == 0 {
                        build_page(&mut qb, dialect, &plan, principal, query, &columns)?;
                    } else {
                        build_capped_count(&mut qb, dialect, &plan, principal, query);
                    }
                    for row in qb.build().fetch_all(p).await? {
                        lines.push(row.try_get::<String, _>("detail")?);
                    }
                }
                super::sql::Pool::Postgres(p) => {
                    let mut qb = QueryBuilder::new(prefix);
                    if part == 0 {
                        build_page(&mut qb, dialect, &plan, principal, query, &columns)?;
                    } else {
                        build_capped_count(&mut qb, dialect, &plan, principal, query);
                    }
                    lines.extend(qb.build_query_scalar::<String>().fetch_all(p).await?);
                }
            }
        }
        Ok(lines)
    }

    /// How many studies match, when more than the exact limit do: PostgreSQL's planner
    /// estimate, or SQLite's count up to its cap.
    /// `plan` is the page's: the filters are sized once a search.
    async fn estimate_matches(
        &self,
        plan: &super::listing_plan::Plan,
        principal: &Principal,
        query: &StudyQuery,
        edge: Option<String>,
    ) -> Result<i64, StoreError> {
        let dialect = self.dialect();
        Ok(match &self.pool {
            super::sql::Pool::Sqlite(p) if edge.is_some() => {
                let mut qb = QueryBuilder::new("");
                build_walked_count(&mut qb, query, edge.unwrap_or_default());
                let (walked, all): (i64, i64) = qb.build_query_as().fetch_one(p).await?;
                (EXACT_TOTAL_LIMIT + 1).saturating_mul(all) / walked.max(1)
            }
            super::sql::Pool::Sqlite(p) => {
                let mut qb = QueryBuilder::new("");
                build_estimate(&mut qb, dialect, plan, principal, query);
                qb.build_query_scalar::<i64>().fetch_one(p).await?
            }
            super::sql::Pool::Postgres(p) => {
                let mut qb = QueryBuilder::new("");
                build_estimate(&mut qb, dialect, plan, principal, query);
                let first: Option<String> = qb.build_query_scalar().fetch_optional(p).await?;
                first.as_deref().and_then(plan_rows).unwrap_or(0)
            }
        })
    }

    /// The id of a live account or a group, by name.
    async fn grantee_id(&self, grantee: &Grantee) -> Result<Option<(&'static str, i64)>, StoreError> {
        let (kind, sql, name) = match grantee {
            Grantee::User(n) => ("user", "SELECT id FROM users WHERE username = $1 AND deleted_at IS NULL", n),
            Grantee::Group(n) => ("group", "SELECT id FROM groups WHERE name = $1", n),
        };
        let id: Option<i64> = on_pool!(&self.pool, |p| sqlx::query_scalar(sql).bind(name).fetch_optional(p).await?);
        Ok(id.map(|id| (kind, id)))
    }
}
