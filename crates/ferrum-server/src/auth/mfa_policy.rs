//! Which roles must use TOTP: the catalog's `mfa_required_roles` setting once an admin has
//! set it, else `FERRUM_MFA_REQUIRED_ROLES`. An account of such a role without TOTP gets a
//! session limited to enrolling (see [`super::AuthUser`]).
use ferrum_store::model::Role;

/// The catalog key of the policy.
pub const SETTING: &str = "mfa_required_roles";

/// `admin,radiologist` (any order, blanks ignored) into roles.
pub fn parse_roles(raw: &str) -> Result<Vec<Role>, String> {
    let mut roles = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let role =
            Role::parse(name).ok_or_else(|| format!("unknown role {name:?}: roles are admin and radiologist"))?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// The roles that must use MFA: the stored setting, else the configured default.
pub fn required_roles(stored: Option<&str>, default: &str) -> Vec<Role> {
    // A stored value was checked when it was put; a bad one requires nothing rather than
    // locking every account out.
    parse_roles(stored.unwrap_or(default)).unwrap_or_default()
}

pub fn serialise(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}
