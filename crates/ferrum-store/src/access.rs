//! Who asks, and what they may do with a study. Every catalog read and write that touches
//! patient data takes a [`Principal`]; the store turns it into one SQL predicate
//! (`catalog::access`), so no caller decides visibility after fetching.
use serde::Serialize;

use crate::model::Role;

/// The party a request acts for.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A logged-in account.
    User(UserPrincipal),
    /// The holder of a viewer link: read-only, one study, maybe some of its series.
    Link(LinkPrincipal),
    /// The service itself (background jobs, the orphan sweep): sees everything, is never a
    /// request's caller.
    System,
}

#[derive(Debug, Clone)]
pub struct UserPrincipal {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The groups the account belongs to now.
    pub groups: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct LinkPrincipal {
    pub link_id: String,
    pub study_uid: String,
    /// The series the link shows; empty: the whole study.
    pub series: Vec<String>,
    pub allow_download: bool,
    /// The link shows its study de-identified: the catalog answers this principal nothing
    /// (every read comes back empty, as for a study it may not see), so that no route can
    /// serve the study plain by mistake. The one way to its rows is [`LinkPrincipal::deidentifying`],
    /// which the de-identification takes before it rewrites what it serves.
    pub deidentified: bool,
}

impl LinkPrincipal {
    /// The principal the de-identification reads the link's study with: the same link and
    /// scope, its rows visible. Only code that de-identifies what it serves may call this.
    pub fn deidentifying(&self) -> Principal {
        Principal::Link(LinkPrincipal { deidentified: false, ..self.clone() })
    }
}

impl Principal {
    /// The actor of an audit event: `user:<name>`, `link:<id>` or `system`.
    pub fn actor(&self) -> String {
        match self {
            Principal::User(u) => format!("user:{}", u.username),
            Principal::Link(l) => format!("link:{}", l.link_id),
            Principal::System => "system".into(),
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Principal::User(u) if u.role == Role::Admin)
    }

    /// A viewer link that shows its study de-identified.
    pub fn is_deidentified(&self) -> bool {
        matches!(self, Principal::Link(l) if l.deidentified)
    }

    pub fn user(&self) -> Option<&UserPrincipal> {
        match self {
            Principal::User(u) => Some(u),
            _ => None,
        }
    }

    /// Whether the series is inside what this principal may see of a study it may see.
    pub fn shows_series(&self, series_uid: &str) -> bool {
        match self {
            Principal::Link(l) => l.series.is_empty() || l.series.iter().any(|s| s == series_uid),
            _ => true,
        }
    }
}

/// What a principal may do with a study, in increasing order: each level includes those
/// below it. `Read`, `Share` and `Contribute` are what grants give; `Own` is the owner's
/// (and an admin's): grants, transfer, and everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// See it, view and render its images, download its files.
    Read = 1,
    /// Also create viewer links to it.
    Share = 2,
    /// Also upload new series and instances into it.
    Contribute = 3,
    Own = 4,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Share => "share",
            Level::Contribute => "contribute",
            Level::Own => "own",
        }
    }

    /// The levels a grant may give.
    pub fn parse_grant(s: &str) -> Option<Level> {
        match s {
            "read" => Some(Level::Read),
            "share" => Some(Level::Share),
            "contribute" => Some(Level::Contribute),
            _ => None,
        }
    }

    pub fn from_i64(n: i64) -> Option<Level> {
        match n {
            1 => Some(Level::Read),
            2 => Some(Level::Share),
            3 => Some(Level::Contribute),
            4 => Some(Level::Own),
            _ => None,
        }
    }
}

/// How the caller relates to a study: what they may do, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StudyAccess {
    pub level: Level,
    /// `owner`, `admin`, `grant` (to the account or one of its groups), `link`, `system`.
    pub basis: &'static str,
}

impl StudyAccess {
    pub fn allows(&self, wanted: Level) -> bool {
        self.level >= wanted
    }
}

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    User(String),
    Group(String),
}

impl Grantee {
    /// `user:NAME` or `group:NAME`.
    pub fn parse(s: &str) -> Option<Grantee> {
        let (kind, name) = s.split_once(':')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        match kind {
            "user" => Some(Grantee::User(name.to_owned())),
            "group" => Some(Grantee::Group(name.to_owned())),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Grantee::User(n) => format!("user:{n}"),
            Grantee::Group(n) => format!("group:{n}"),
        }
    }
}

/// A study shared inside the product.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// `user:NAME` or `group:NAME`.
    pub grantee: String,
    pub level: Level,
    pub granted_by: Option<String>,
    pub granted_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub members: Vec<String>,
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grantees_parse_with_their_kind_and_refuse_anything_else() {
        assert_eq!(Grantee::parse("user:ann"), Some(Grantee::User("ann".into())));
        assert_eq!(Grantee::parse("group:ct-team"), Some(Grantee::Group("ct-team".into())));
        for bad in ["ann", "user:", "role:admin", ":x", ""] {
            assert_eq!(Grantee::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn levels_include_those_below_them() {
        let share = StudyAccess { level: Level::Share, basis: "grant" };
        assert!(share.allows(Level::Read) && share.allows(Level::Share));
        assert!(!share.allows(Level::Contribute) && !share.allows(Level::Own));
        assert_eq!(Level::parse_grant("own"), None);
    }
}
