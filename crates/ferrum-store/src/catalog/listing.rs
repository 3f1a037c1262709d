//! The study listing's SQL: the principal's visibility (the one access predicate, as a set),
//! every filter of a [`StudyQuery`] as a condition an index answers, the order and its
//! keyset cursor, and the capped count behind the listing's total. Shared by both catalogs;
//! where they differ (free text), [`Dialect`] says how.
use sqlx::QueryBuilder;

use super::access::{push_visible, push_visible_set, scope_filter};
use super::listing_plan::key_terms;
use super::listing_plan::{Plan, Role, SetFilter};
use super::sql::Dialect;
use crate::access::{Level, Principal};
use crate::model::{StudyQuery, StudySort};
use crate::search::keys::KeyField;
use crate::search::pattern::{identifier_term, KeyMatch};
use crate::search::trigram::FreeText;
use crate::search::Cursor;
use crate::StoreError;

/// Up to this many matches the total is counted exactly.
pub const EXACT_TOTAL_LIMIT: i64 = 1000;

/// The sort key expression of each order and whether it descends. Each has an index on
/// (expression, study_uid) in both catalogs; relevance is the free-text score.
pub(crate) fn sort_spec(sort: StudySort) -> (&'static str, bool) {
    match sort {
        StudySort::UploadedAtDesc => ("s.uploaded_at", true),
        StudySort::UploadedAtAsc => ("s.uploaded_at", false),
        StudySort::StudyDateDesc => ("COALESCE(s.study_date, '')", true),
        StudySort::StudyDateAsc => ("COALESCE(s.study_date, '')", false),
        StudySort::PatientNameAsc => ("COALESCE(s.patient_name_folded, '')", false),
        StudySort::PatientNameDesc => ("COALESCE(s.patient_name_folded, '')", true),
        StudySort::AccessionAsc => ("COALESCE(s.accession_key, '')", false),
        StudySort::AccessionDesc => ("COALESCE(s.accession_key, '')", true),
        StudySort::Relevance => ("hit_score", true),
    }
}

/// Binds the listing's queries take.
pub(crate) trait Binds<'a>: sqlx::Database
where
    String: sqlx::Encode<'a, Self> + sqlx::Type<Self>,
    i64: sqlx::Encode<'a, Self> + sqlx::Type<Self>,
{
}
impl<'a, DB: sqlx::Database> Binds<'a> for DB
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
}

/// ` AND <column> matches m` for a key or identifier column.
pub(crate) fn push_key_match<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, column: &str, m: &KeyMatch)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if let Some(eq) = &m.equals {
        qb.push(format!(" AND {column} = ")).push_bind(eq.clone());
    }
    if let Some((lo, hi)) = &m.range {
        qb.push(format!(" AND {column} >= ")).push_bind(lo.clone());
        if let Some(hi) = hi {
            qb.push(format!(" AND {column} < ")).push_bind(hi.clone());
        }
    }
    if let Some(like) = &m.like {
        qb.push(format!(" AND {column} LIKE ")).push_bind(like.clone()).push(" ESCAPE '\\'");
    }
}

/// Each term of `field` as the plan says: a list of the studies with a matching key, or a
/// check of the study's own keys (after the trigram index's list, when it has one).
fn push_keys<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, plan: &Plan, field: KeyField, terms: &[KeyMatch])
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    for (at, m) in terms.iter().enumerate() {
        let role = plan.role(SetFilter::Key(field, at));
        if role == Role::List {
            qb.push(format!(
                " AND s.study_uid IN (SELECT k.study_uid FROM study_keys k WHERE k.field = '{}'",
                field.as_str()
            ));
        } else {
            if let Role::Trigrams(fts) = role {
                qb.push(" AND s.search_id IN (SELECT rowid FROM study_text WHERE study_text MATCH ")
                    .push_bind(fts)
                    .push(")");
            }
            qb.push(format!(
                " AND EXISTS (SELECT 1 FROM study_keys k WHERE k.study_uid = s.study_uid AND k.field = '{}'",
                field.as_str()
            ));
        }
        push_key_match(qb, "k.key", m);
        qb.push(")");
    }
}

/// The free-text score: how many of the query's trigrams the study's document holds.
fn push_score<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, dialect: &Dialect, text: &FreeText)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push("(");
    for (i, t) in text.trigrams.iter().enumerate() {
        if i > 0 {
            qb.push(" + ");
        }
        qb.push(format!("CASE WHEN {}(s.search_text, ", dialect.substring_position))
            .push_bind(t.clone())
            .push(") > 0 THEN 1 ELSE 0 END");
    }
    qb.push(")");
}

/// The FTS5 query of documents holding any of the trigrams.
fn fts5_any(trigrams: &[String]) -> String {
    trigrams.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" OR ")
}

fn like_escape(t: &str) -> String {
    let mut out = String::from("%");
    for c in t.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// ` AND <the study's document may match>` from the catalog's trigram index, then the score.
fn push_free_text<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, dialect: &Dialect, text: &FreeText)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if dialect.fts5 {
        qb.push(" AND s.search_id IN (SELECT rowid FROM study_text WHERE study_text MATCH ")
            .push_bind(fts5_any(&text.candidates))
            .push(")");
    } else {
        qb.push(" AND (");
        for (i, t) in text.candidates.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push("s.search_text LIKE ").push_bind(like_escape(t)).push(" ESCAPE '\\'");
        }
        qb.push(")");
    }
    qb.push(" AND ");
    push_score(qb, dialect, text);
    qb.push(" >= ").push_bind(text.needed as i64);
}

/// A filter on one of the study's own indexed columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    BirthDate,
    StudyDate,
    StudyTime,
    Uploaded,
}

impl Range {
    /// The ranges `query` filters on.
    pub(crate) fn of(query: &StudyQuery) -> Vec<Range> {
        let mut ranges = Vec::new();
        if query.birth_date.is_some() {
            ranges.push(Range::BirthDate);
        }
        if query.date_from.is_some() || query.date_to.is_some() {
            ranges.push(Range::StudyDate);
        }
        if query.time_from.is_some() || query.time_to.is_some() {
            ranges.push(Range::StudyTime);
        }
        if query.uploaded_from.is_some() || query.uploaded_to.is_some() {
            ranges.push(Range::Uploaded);
        }
        ranges
    }
}

/// Appends ` AND <the range's condition>`, written as its index's expression.
pub(crate) fn push_range<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, query: &StudyQuery, range: Range)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    match range {
        Range::BirthDate => {
            if let Some(date) = &query.birth_date {
                qb.push(" AND s.patient_birth_date = ").push_bind(date.clone());
            }
        }
        Range::StudyDate => {
            // Written as the sort index's expression; '0' is below every date and above ''.
            qb.push(" AND COALESCE(s.study_date, '') >= ")
                .push_bind(query.date_from.clone().unwrap_or_else(|| "0".into()));
            if let Some(to) = &query.date_to {
                qb.push(" AND COALESCE(s.study_date, '') <= ").push_bind(to.clone());
            }
        }
        Range::StudyTime => {
            if let Some(from) = &query.time_from {
                qb.push(" AND s.study_time >= ").push_bind(from.clone());
            }
            if let Some(to) = &query.time_to {
                // Inclusive of the fractions of the last second.
                qb.push(" AND s.study_time < ").push_bind(format!("{to}~"));
            }
        }
        Range::Uploaded => {
            if let Some(from) = &query.uploaded_from {
                qb.push(" AND s.uploaded_at >= ").push_bind(from.clone());
            }
            if let Some(to) = &query.uploaded_to {
                qb.push(" AND s.uploaded_at <= ").push_bind(to.clone());
            }
        }
    }
}

/// Appends ` FROM studies s … WHERE <visible> <filters>`: everything but the order.
pub(crate) fn push_from_where<'a, DB: Binds<'a>>(
    qb: &mut QueryBuilder<'a, DB>,
    dialect: &Dialect,
    plan: &Plan,
    principal: &Principal,
    query: &StudyQuery,
    free_text: Option<&FreeText>,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" FROM studies s WHERE 1 = 1");
    if plan.checks_visibility() {
        push_visible(qb, principal, Level::Read);
    } else {
        push_visible_set(qb, principal, Level::Read);
    }
    qb.push(scope_filter(principal, query.scope));
    if let Some(m) = query.patient_id.as_deref().and_then(identifier_term) {
        push_key_match(qb, "s.patient_id_key", &m);
    }
    if let Some(m) = query.accession.as_deref().and_then(identifier_term) {
        push_key_match(qb, "COALESCE(s.accession_key, '')", &m);
    }
    if !query.modalities.is_empty() {
        if plan.role(SetFilter::Modalities) == Role::List {
            qb.push(" AND s.study_uid IN (SELECT se.study_uid FROM series se WHERE se.modality IN (");
        } else {
            qb.push(" AND EXISTS (SELECT 1 FROM series se WHERE se.study_uid = s.study_uid AND se.modality IN (");
        }
        let mut list = qb.separated(", ");
        for m in &query.modalities {
            list.push_bind(m.trim().to_ascii_uppercase());
        }
        qb.push("))");
    }
    for range in Range::of(query) {
        push_range(qb, query, range);
    }
    for (field, terms) in key_terms(query) {
        push_keys(qb, plan, field, &terms);
    }
    if let Some(u) = &query.uploader {
        qb.push(" AND s.uploaded_by = ").push_bind(u.clone());
    }
    match query.restricted {
        Some(true) => qb.push(" AND s.restricted_at IS NOT NULL"),
        Some(false) => qb.push(" AND s.restricted_at IS NULL"),
        None => qb,
    };
    match query.shared {
        Some(true) => qb.push(" AND s.study_uid IN (SELECT g.study_uid FROM study_grants g)"),
        Some(false) => qb.push(" AND NOT EXISTS (SELECT 1 FROM study_grants g WHERE g.study_uid = s.study_uid)"),
        None => qb,
    };
    if let Some(text) = free_text {
        push_free_text(qb, dialect, text);
    }
}

/// The parsed free text of a query; a `q` of only spaces is no filter.
pub(crate) fn free_text(query: &StudyQuery) -> Option<FreeText> {
    query.q.as_deref().and_then(FreeText::parse)
}

/// Builds the page query: the matches' UIDs in order after the cursor, one above the page
/// (`hits`, narrow: the order and limit are applied where the indexes are), then the
/// summary columns of those rows only. Answers the page size.
pub(crate) fn build_page<'a, DB: Binds<'a>>(
    qb: &mut QueryBuilder<'a, DB>,
    dialect: &Dialect,
    plan: &Plan,
    principal: &Principal,
    query: &StudyQuery,
    columns: &str,
) -> Result<usize, StoreError>
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let sort = listed_sort(query);
    let text = free_text(query);
    let relevance = sort == StudySort::Relevance;
    let (sort_expr, descending) = if relevance { ("hit_score", true) } else { sort_spec(sort) };
    let dir = if descending { "DESC" } else { "ASC" };
    qb.push(columns);
    if relevance {
        qb.push(", CAST(hits.hit_score AS TEXT) AS sort_key");
    } else {
        qb.push(format!(", {sort_expr} AS sort_key"));
    }
    qb.push(" FROM (SELECT s.study_uid AS hit_uid");
    if let (true, Some(t)) = (relevance, &text) {
        qb.push(", CAST(");
        push_score(qb, dialect, t);
        qb.push(" AS BIGINT) AS hit_score");
    } else {
        qb.push(format!(", {sort_expr} AS hit_key"));
    }
    push_from_where(qb, dialect, plan, principal, query, text.as_ref());
    if let Some(cursor) = &query.cursor {
        let c = Cursor::decode(cursor)?;
        if c.sort.as_deref().is_some_and(|s| s != sort.as_str()) {
            return Err(StoreError::Invalid("the cursor belongs to another order of the listing".into()));
        }
        let op = if descending { "<" } else { ">" };
        match (&text, relevance) {
            (Some(t), true) => {
                let score: i64 =
                    c.key.parse().map_err(|_| StoreError::Invalid("cursor is not one this server issued".into()))?;
                qb.push(" AND (");
                push_score(qb, dialect, t);
                qb.push(format!(", s.study_uid) {op} (")).push_bind(score).push(", ").push_bind(c.uid).push(")");
            }
            _ => {
                qb.push(format!(" AND ({sort_expr}, s.study_uid) {op} ("))
                    .push_bind(c.key)
                    .push(", ")
                    .push_bind(c.uid)
                    .push(")");
            }
        }
    }
    let limit = query.limit.clamp(1, 500);
    qb.push(format!(" ORDER BY {sort_expr} {dir}, s.study_uid {dir} LIMIT "));
    qb.push_bind(i64::from(limit) + 1);
    qb.push(") hits JOIN studies s ON s.study_uid = hits.hit_uid LEFT JOIN users ou ON ou.id = s.owner_id");
    // In the hits' own columns: ordered by the studies' index instead, SQLite would walk
    // all of it and look each study up among the hits.
    let outer = if relevance { "hits.hit_score" } else { "hits.hit_key" };
    qb.push(format!(" ORDER BY {outer} {dir}, hits.hit_uid {dir}"));
    Ok(limit as usize)
}

/// The order a query is listed in, as its cursor names it.
pub(crate) fn listed_sort(query: &StudyQuery) -> StudySort {
    match query.effective_sort() {
        StudySort::Relevance if free_text(query).is_none() => StudySort::default(),
        s => s,
    }
}

/// `SELECT COUNT(*), edge` of the matches, reading at most [`EXACT_TOTAL_LIMIT`] + 1 of them;
/// the edge is the sort key of the last one read (`NULL` for relevance), from which SQLite
/// extrapolates the total ([`build_walked_count`]).
pub(crate) fn build_capped_count<'a, DB: Binds<'a>>(
    qb: &mut QueryBuilder<'a, DB>,
    dialect: &Dialect,
    plan: &Plan,
    principal: &Principal,
    query: &StudyQuery,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let sort = listed_sort(query);
    let text = free_text(query);
    if sort == StudySort::Relevance {
        qb.push("SELECT COUNT(*), CAST(NULL AS TEXT) FROM (SELECT 1 AS one");
        push_from_where(qb, dialect, plan, principal, query, text.as_ref());
    } else {
        let (expr, descending) = sort_spec(sort);
        let (dir, edge) = if descending { ("DESC", "MIN") } else { ("ASC", "MAX") };
        qb.push(format!("SELECT COUNT(*), {edge}(edge_key) FROM (SELECT {expr} AS edge_key"));
        push_from_where(qb, dialect, plan, principal, query, text.as_ref());
        // In the page's order, so that the count takes the page's plan (an index in that
        // order, or the filters' indexes), never a scan of the table for the first matches.
        qb.push(format!(" ORDER BY {expr} {dir}, s.study_uid {dir}"));
    }
    qb.push(" LIMIT ").push_bind(EXACT_TOTAL_LIMIT + 1).push(") capped");
}

/// How many studies of the whole catalog lie in the sort order up to `edge` (the capped
/// count's last match), and how many there are: the matches are about `read × all / walked`.
/// Two counts of an index, whatever the filters cost, where counting on would read ten
/// times the matches.
pub(crate) fn build_walked_count<'a, DB: Binds<'a>>(qb: &mut QueryBuilder<'a, DB>, query: &StudyQuery, edge: String)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let (expr, descending) = sort_spec(listed_sort(query));
    let op = if descending { ">=" } else { "<=" };
    qb.push(format!("SELECT (SELECT COUNT(*) FROM studies s WHERE {expr} {op} "))
        .push_bind(edge)
        .push("), (SELECT COUNT(*) FROM studies)");
}

/// Above the exact limit, SQLite counts on up to this many (then says "at least").
pub const SQLITE_COUNT_LIMIT: i64 = 10_000;

/// The estimate's query: PostgreSQL's plan of the matches (its first line's `rows=`);
/// SQLite, which estimates nothing, counts on to [`SQLITE_COUNT_LIMIT`] (the relevance
/// order, which has no index to extrapolate along).
pub(crate) fn build_estimate<'a, DB: Binds<'a>>(
    qb: &mut QueryBuilder<'a, DB>,
    dialect: &Dialect,
    plan: &Plan,
    principal: &Principal,
    query: &StudyQuery,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if dialect.fts5 {
        qb.push("SELECT COUNT(*) FROM (SELECT 1 AS one");
        push_from_where(qb, dialect, plan, principal, query, free_text(query).as_ref());
        qb.push(" LIMIT ").push_bind(SQLITE_COUNT_LIMIT).push(") capped");
    } else {
        qb.push("EXPLAIN SELECT 1 AS one");
        push_from_where(qb, dialect, plan, principal, query, free_text(query).as_ref());
    }
}

/// The `rows=N` of a PostgreSQL plan's first line.
pub(crate) fn plan_rows(line: &str) -> Option<i64> {
    let at = line.find("rows=")? + 5;
    line[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}
