//! How a study search runs on SQLite. Its planner cannot tell how many studies a name key,
//! a description word or a modality matches (it treats every `IN (subquery)` as a short
//! list and starts from it: 72,000 CT series for "CT in January"), so each set filter is
//! sized first by reading at most [`DRIVE_LIMIT`] + 1 of its studies from its index. A filter with
//! at most that many matches is the list the search starts from; a larger one becomes a
//! check on each study met while walking the sort order's index (or a range of the studies'
//! own columns), which stops as soon as the page is full. A name pattern with a leading
//! wildcard (`*muller*`, OHIF's list search) is sized through the free-text trigram index.
//! PostgreSQL plans from its statistics and gets the default: every set filter a list.
use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::listing::{push_key_match, push_range, Range};
use super::sql::{Pool, SqlCatalog};
use crate::access::Principal;
use crate::model::StudyQuery;
use crate::search::keys::KeyField;
use crate::search::pattern::{identifier_term, name_terms, word_terms, KeyMatch};
use crate::StoreError;

/// A set filter with up to this many studies is listed first. Listing costs about 7 µs a
/// study (its row read, the other filters checked, the sort); a walk about 3 µs a study
/// walked, and a filter matching M of N studies walks `page × N / M` of them: at 100,000
/// studies and a page of 101 the two meet near 2,000 (about 15 ms either way).
pub(crate) const DRIVE_LIMIT: i64 = 2000;

/// A set filter of a study search: a key term (field, term's position) or the modalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SetFilter {
    Key(KeyField, usize),
    Modalities,
}

/// How a set filter joins the search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// `s.study_uid IN (the filter's studies)`: the search may start from it.
    List,
    /// `EXISTS (the study's own rows)`: checked on each study walked.
    Check,
    /// Listed from the free-text trigram index (this FTS5 query, a superset of the
    /// matches), then checked exactly.
    Trigrams(String),
}

/// The roles the sizing chose; a filter not named is a list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    roles: HashMap<SetFilter, Role>,
    /// An exact patient ID or accession names a handful of studies, and a range of the
    /// study's own columns (birth date, study date or time, upload time) at most
    /// [`DRIVE_LIMIT`]: what a principal may see is then checked on each of them rather than
    /// listed (a radiologist's visible set is otherwise read whole, and again for the count:
    /// 4–5 ms for no match at 1,000 visible studies, 1.2–1.5 ms as a check). A listed name or
    /// word filter (up to 2,000 studies) measured slower as a check than against the set, so
    /// it keeps the set.
    narrow: bool,
}

impl Plan {
    pub(crate) fn role(&self, filter: SetFilter) -> Role {
        self.roles.get(&filter).cloned().unwrap_or(Role::List)
    }

    /// Whether visibility is a check on each candidate rather than the set the search
    /// starts from.
    pub(crate) fn checks_visibility(&self) -> bool {
        self.narrow
    }
}

/// The key terms of a query, per field, as the listing's SQL takes them.
pub(crate) fn key_terms(query: &StudyQuery) -> Vec<(KeyField, Vec<KeyMatch>)> {
    let mut out = Vec::new();
    if let Some(n) = &query.patient_name {
        out.push((KeyField::PatientName, name_terms(n)));
    }
    if let Some(d) = &query.description {
        out.push((KeyField::Description, word_terms(d)));
    }
    if let Some(r) = &query.referring_physician {
        out.push((KeyField::Referring, name_terms(r)));
    }
    if let Some(i) = &query.institution {
        out.push((KeyField::Institution, word_terms(i)));
    }
    out
}

/// The FTS5 query (every trigram, all needed) of the literal runs of a `LIKE` pattern: a
/// study whose patient name key matches the pattern has each run inside a word of its
/// free-text document, where the names come first. `None` when no run is three long.
pub(crate) fn pattern_trigrams(like: &str) -> Option<String> {
    // `%`, `_` and the escape are not alphanumeric: they end a run.
    let mut runs: Vec<String> = vec![String::new()];
    for c in like.chars() {
        if c.is_alphanumeric() {
            runs.last_mut().expect("one run at least").push(c);
        } else if !runs.last().expect("one run at least").is_empty() {
            runs.push(String::new());
        }
    }
    let mut grams: Vec<String> = Vec::new();
    for run in runs {
        let c: Vec<char> = run.chars().collect();
        for w in c.windows(3) {
            let g = format!("\"{}\"", w.iter().collect::<String>());
            if !grams.contains(&g) {
                grams.push(g);
            }
        }
    }
    (!grams.is_empty()).then(|| grams.join(" AND "))
}

async fn capped(pool: &SqlitePool, mut qb: QueryBuilder<'_, Sqlite>) -> Result<i64, sqlx::Error> {
    qb.push(" LIMIT ").push_bind(DRIVE_LIMIT + 1).push(")");
    qb.build_query_scalar::<i64>().fetch_one(pool).await
}

/// Sizes each set filter of `query` on SQLite and gives it its role; the ranges only for a
/// principal whose visibility is a condition at all (not an admin's or the system's).
pub(crate) async fn size(pool: &SqlitePool, principal: &Principal, query: &StudyQuery) -> Result<Plan, sqlx::Error> {
    let mut plan = Plan::default();
    let exact = |v: &Option<String>| v.as_deref().and_then(identifier_term).is_some_and(|m| m.equals.is_some());
    plan.narrow = exact(&query.patient_id) || exact(&query.accession);
    // A range of the study's own columns with few matches (an upload hour, a month of study
    // dates) is read from its index with visibility checked on each study: at 1,000
    // visible studies 0.2 ms for an upload range of 361 studies, against 5 ms through
    // the visible set.
    let sees_all = principal.is_admin() || matches!(principal, Principal::System);
    for range in Range::of(query) {
        if plan.narrow || sees_all {
            break;
        }
        let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM studies s WHERE 1 = 1");
        push_range(&mut qb, query, range);
        plan.narrow = capped(pool, qb).await? <= DRIVE_LIMIT;
    }
    for (field, terms) in key_terms(query) {
        for (at, m) in terms.iter().enumerate() {
            let filter = SetFilter::Key(field, at);
            let role = if m.equals.is_some() || m.range.is_some() {
                let mut qb = QueryBuilder::new(
                    "SELECT COUNT(*) FROM (SELECT DISTINCT k.study_uid FROM study_keys k WHERE k.field = ",
                );
                qb.push_bind(field.as_str());
                push_key_match(&mut qb, "k.key", m);
                if capped(pool, qb).await? <= DRIVE_LIMIT {
                    Role::List
                } else {
                    Role::Check
                }
            } else {
                // A leading wildcard reads every key of the field: size it by trigrams.
                match m.like.as_deref().filter(|_| field == KeyField::PatientName).and_then(pattern_trigrams) {
                    Some(fts) => {
                        let mut qb = QueryBuilder::new(
                            "SELECT COUNT(*) FROM (SELECT rowid FROM study_text WHERE study_text MATCH ",
                        );
                        qb.push_bind(fts.clone());
                        if capped(pool, qb).await? <= DRIVE_LIMIT {
                            Role::Trigrams(fts)
                        } else {
                            Role::Check
                        }
                    }
                    None => Role::Check,
                }
            };
            plan.roles.insert(filter, role);
        }
    }
    if !query.modalities.is_empty() {
        let mut qb = QueryBuilder::new(
            "SELECT COUNT(*) FROM (SELECT DISTINCT se.study_uid FROM series se WHERE se.modality IN (",
        );
        let mut list = qb.separated(", ");
        for m in &query.modalities {
            list.push_bind(m.trim().to_ascii_uppercase());
        }
        qb.push(")");
        let role = if capped(pool, qb).await? <= DRIVE_LIMIT { Role::List } else { Role::Check };
        plan.roles.insert(SetFilter::Modalities, role);
    }
    Ok(plan)
}

impl SqlCatalog {
    /// The plan of a study search: sized on SQLite, the default on PostgreSQL.
    pub(crate) async fn search_plan(&self, principal: &Principal, query: &StudyQuery) -> Result<Plan, StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => Ok(size(p, principal, query).await?),
            Pool::Postgres(_) => Ok(Plan::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_trigrams;

    #[test]
    fn a_patterns_literal_runs_give_its_trigrams() {
        assert_eq!(pattern_trigrams("%muller%").as_deref(), Some("\"mul\" AND \"ull\" AND \"lle\" AND \"ler\""));
        assert_eq!(pattern_trigrams("%er^han%").as_deref(), Some("\"han\""));
        assert_eq!(pattern_trigrams("%ab_cd%"), None);
        assert_eq!(pattern_trigrams("%10\\%x%"), None);
        assert_eq!(pattern_trigrams("%山田太%").as_deref(), Some("\"山田太\""));
    }
}
