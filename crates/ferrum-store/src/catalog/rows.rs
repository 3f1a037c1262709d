//! Rows as the SQL gives them, where they differ from the records the catalog answers with.
//! `FromRow` is derived, so one definition decodes rows of either backend.
use crate::access::{Level, StudyAccess};
use crate::model::{Link, Role, StudySummary, User};
use crate::StoreError;

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    password_hash: Option<String>,
    role: String,
    failed_logins: i64,
    locked_until: Option<String>,
    deleted_at: Option<String>,
    disabled_at: Option<String>,
    totp_secret: Option<String>,
    created_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub id: String,
    pub user_id: i64,
    pub refresh_hash: String,
    pub created_at: String,
    pub last_used_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub username: String,
    pub role: String,
    pub deleted_at: Option<String>,
    pub disabled_at: Option<String>,
    pub mfa_enabled: bool,
    pub mfa_required_roles: Option<String>,
}

pub(crate) fn role(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).ok_or_else(|| StoreError::Other(format!("unknown role {s:?} in catalog")))
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            id: r.id,
            username: r.username,
            password_hash: r.password_hash,
            role: role(&r.role)?,
            failed_logins: r.failed_logins,
            locked_until: r.locked_until,
            deleted: r.deleted_at.is_some(),
            disabled: r.disabled_at.is_some(),
            mfa_enabled: r.totp_secret.is_some(),
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    id: String,
    study_uid: String,
    created_by: String,
    created_at: String,
    expires_at: String,
    revoked_at: Option<String>,
    allow_download: bool,
    opens: i64,
    /// Space-separated; NULL for the whole study.
    series_uids: Option<String>,
    max_opens: Option<i64>,
    pin_hash: Option<String>,
    pin_failures: i64,
    pin_locked_until: Option<String>,
    note: Option<String>,
    note_shown: bool,
    deid_key: Option<String>,
}

impl From<LinkRow> for Link {
    fn from(r: LinkRow) -> Link {
        Link {
            id: r.id,
            study_uid: r.study_uid,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            allow_download: r.allow_download,
            opens: r.opens,
            series_uids: r.series_uids.map(|s| s.split_whitespace().map(str::to_owned).collect()).unwrap_or_default(),
            max_opens: r.max_opens,
            pin_hash: r.pin_hash,
            pin_failures: r.pin_failures,
            pin_locked_until: r.pin_locked_until,
            note: r.note,
            note_shown: r.note_shown,
            deid_key: r.deid_key,
        }
    }
}

/// A study summary with the caller's level (`my_level`, see `access::level_expression`).
#[derive(sqlx::FromRow)]
pub(crate) struct StudyRow {
    pub(crate) study_uid: String,
    patient_name: Option<String>,
    patient_id: Option<String>,
    patient_birth_date: Option<String>,
    patient_sex: Option<String>,
    study_date: Option<String>,
    study_time: Option<String>,
    accession_number: Option<String>,
    study_description: Option<String>,
    referring_physician_name: Option<String>,
    institution_name: Option<String>,
    uploaded_by: String,
    uploaded_at: String,
    owner: Option<String>,
    pub(crate) num_series: i64,
    pub(crate) num_instances: i64,
    modalities: Option<String>,
    pub(crate) my_level: i64,
    pub(crate) is_owner: i64,
}

impl StudyRow {
    pub(crate) fn into_summary(self, basis_for_non_owner: &'static str) -> StudySummary {
        let level = Level::from_i64(self.my_level).unwrap_or(Level::Read);
        let basis = if self.is_owner == 1 { "owner" } else { basis_for_non_owner };
        StudySummary {
            study_instance_uid: self.study_uid,
            patient_name: self.patient_name,
            patient_id: self.patient_id,
            patient_birth_date: self.patient_birth_date,
            patient_sex: self.patient_sex,
            study_date: self.study_date,
            study_time: self.study_time,
            accession_number: self.accession_number,
            study_description: self.study_description,
            referring_physician_name: self.referring_physician_name,
            institution_name: self.institution_name,
            modalities: split_modalities(self.modalities),
            num_series: self.num_series,
            num_instances: self.num_instances,
            uploaded_by: self.uploaded_by,
            uploaded_at: self.uploaded_at,
            owner: self.owner,
            access: StudyAccess { level, basis },
        }
    }
}

pub(crate) fn split_modalities(joined: Option<String>) -> Vec<String> {
    let mut modalities: Vec<String> =
        joined.unwrap_or_default().split(',').filter(|m| !m.is_empty()).map(str::to_owned).collect();
    modalities.sort();
    modalities.dedup();
    modalities
}
