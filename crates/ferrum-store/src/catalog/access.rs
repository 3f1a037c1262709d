//! The one visibility predicate. Every query that reads or writes patient data calls these
//! to say, inside its own SQL, which studies the principal may see at a level — listings,
//! lookups, counts and (later) QIDO and C-FIND alike. Queries alias the studies table `s`.
//!
//! Account and group ids come from the catalog, never from client input, so they are
//! written into the SQL as integers; anything else (a link's study and series) is bound.
use sqlx::QueryBuilder;

use crate::access::{Level, Principal, UserPrincipal};

/// SQL matching a grant row `g` given to the account or one of its groups.
fn grant_to(user: &UserPrincipal) -> String {
    let mut sql = format!("((g.grantee_kind = 'user' AND g.grantee_id = {})", user.id);
    if !user.groups.is_empty() {
        let ids: Vec<String> = user.groups.iter().map(i64::to_string).collect();
        sql.push_str(&format!(" OR (g.grantee_kind = 'group' AND g.grantee_id IN ({}))", ids.join(", ")));
    }
    sql.push(')');
    sql
}

/// Appends ` AND <the principal may use study s at level min>`.
pub(crate) fn push_visible<'a, DB>(qb: &mut QueryBuilder<'a, DB>, principal: &Principal, min: Level)
where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    match principal {
        Principal::System => {}
        Principal::User(_) if principal.is_admin() => {}
        Principal::User(u) => {
            // A restricted study is for admins only, its owner's and grantees' access included.
            qb.push(format!(" AND s.restricted_at IS NULL AND (s.owner_id = {}", u.id));
            if min < Level::Own {
                qb.push(format!(
                    " OR EXISTS (SELECT 1 FROM study_grants g WHERE g.study_uid = s.study_uid AND g.level >= {} AND {})",
                    min as i64,
                    grant_to(u)
                ));
            }
            qb.push(")");
        }
        // A de-identified link reads nothing plain (see `LinkPrincipal::deidentified`).
        Principal::Link(l) if min == Level::Read && !l.deidentified => {
            qb.push(" AND s.restricted_at IS NULL AND s.study_uid = ").push_bind(l.study_uid.clone());
        }
        Principal::Link(_) => {
            qb.push(" AND 1 = 0");
        }
    }
}

/// The same predicate as [`push_visible`], written as a set for listings: ` AND s.study_uid
/// IN (<the studies owned> UNION <the studies granted>)`. A radiologist sees a small part of
/// the archive; as a set, the planner reads that part from the owner and grantee indexes
/// instead of testing every study of the archive in the listing's order.
pub(crate) fn push_visible_set<'a, DB>(qb: &mut QueryBuilder<'a, DB>, principal: &Principal, min: Level)
where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    match principal {
        Principal::User(u) if !principal.is_admin() => {
            qb.push(format!(
                " AND s.restricted_at IS NULL AND s.study_uid IN (SELECT o.study_uid FROM studies o WHERE o.owner_id = {}",
                u.id
            ));
            if min < Level::Own {
                qb.push(format!(
                    " UNION SELECT g.study_uid FROM study_grants g WHERE g.level >= {} AND {}",
                    min as i64,
                    grant_to(u)
                ));
            }
            qb.push(")");
        }
        _ => push_visible(qb, principal, min),
    }
}

/// Appends ` AND <column> IN (…)` when the principal sees only some series of its study.
pub(crate) fn push_series_scope<'a, DB>(qb: &mut QueryBuilder<'a, DB>, principal: &Principal, column: &str)
where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if let Principal::Link(l) = principal {
        if !l.series.is_empty() {
            qb.push(format!(" AND {column} IN ("));
            let mut list = qb.separated(", ");
            for s in &l.series {
                list.push_bind(s.clone());
            }
            qb.push(")");
        }
    }
}

/// Columns `my_level` (1–4, see [`Level`]) and `is_owner` (0/1) of study `s` for the principal,
/// as BIGINT in both dialects.
pub(crate) fn level_columns(principal: &Principal) -> String {
    let (level, owner) = match principal {
        Principal::User(u) => {
            let owner = format!("CASE WHEN s.owner_id = {} THEN 1 ELSE 0 END", u.id);
            if principal.is_admin() {
                ((Level::Own as i64).to_string(), owner)
            } else {
                let level = format!(
                    "CASE WHEN s.restricted_at IS NOT NULL THEN 0 WHEN s.owner_id = {id} THEN {own} \
                     ELSE COALESCE((SELECT MAX(g.level) FROM study_grants g \
                     WHERE g.study_uid = s.study_uid AND {grant}), 0) END",
                    id = u.id,
                    own = Level::Own as i64,
                    grant = grant_to(u),
                );
                (level, owner)
            }
        }
        Principal::Link(_) => ("CASE WHEN s.restricted_at IS NULL THEN 1 ELSE 0 END".into(), "0".into()),
        Principal::System => ((Level::Own as i64).to_string(), "0".into()),
    };
    format!("CAST({level} AS BIGINT) AS my_level, CAST({owner} AS BIGINT) AS is_owner")
}

/// What a study row's level means when the principal is not its owner.
pub(crate) fn basis(principal: &Principal) -> &'static str {
    match principal {
        Principal::User(_) if principal.is_admin() => "admin",
        Principal::User(_) => "grant",
        Principal::Link(_) => "link",
        Principal::System => "system",
    }
}

/// The `scope=mine|shared` filters of a listing (`all` adds nothing).
pub(crate) fn scope_filter(principal: &Principal, scope: crate::model::Scope) -> String {
    use crate::model::Scope;
    match (principal, scope) {
        (_, Scope::All) => String::new(),
        (Principal::User(u), Scope::Mine) => format!(" AND s.owner_id = {}", u.id),
        (Principal::User(u), Scope::Shared) => format!(
            " AND (s.owner_id IS NULL OR s.owner_id <> {}) AND EXISTS (SELECT 1 FROM study_grants g \
             WHERE g.study_uid = s.study_uid AND {})",
            u.id,
            grant_to(u)
        ),
        // A link or the service owns nothing and has nothing shared with it.
        _ => " AND 1 = 0".into(),
    }
}
