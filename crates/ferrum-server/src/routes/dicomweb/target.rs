//! The study, series or instance a DICOMweb path names, and the audit event of reading it:
//! one parse of the path's UIDs for every WADO-RS resource.
use actix_web::HttpRequest;
use ferrum_store::model::MetadataScope;

use super::caller::Caller;
use crate::audit::{Access, Action};
use crate::error::ApiError;
use crate::routes::studies::path_uid;

// The path's parameters by name, so that the link root's `{token}` before them is not one.
#[derive(serde::Deserialize)]
pub struct Study {
    pub study: String,
}

#[derive(serde::Deserialize)]
pub struct Series {
    pub study: String,
    pub series: String,
}

#[derive(serde::Deserialize)]
pub struct Instance {
    pub study: String,
    pub series: String,
    pub sop: String,
}

/// `…/frames/{frames}` and `…/frames/{frame}/rendered`.
#[derive(serde::Deserialize)]
pub struct Frames {
    pub study: String,
    pub series: String,
    pub sop: String,
    #[serde(alias = "frame")]
    pub frames: String,
}

fn uid(raw: &str, what: &str) -> Result<String, ApiError> {
    Ok(path_uid(raw, what)?.as_str().to_owned())
}

pub fn study(study: &str) -> Result<MetadataScope, ApiError> {
    Ok(MetadataScope::Study { study_uid: uid(study, "study")? })
}

pub fn series(study: &str, series: &str) -> Result<MetadataScope, ApiError> {
    Ok(MetadataScope::Series { study_uid: uid(study, "study")?, series_uid: uid(series, "series")? })
}

pub fn instance(study: &str, series: &str, sop: &str) -> Result<MetadataScope, ApiError> {
    Ok(MetadataScope::Instance {
        study_uid: uid(study, "study")?,
        series_uid: uid(series, "series")?,
        sop_uid: uid(sop, "instance")?,
    })
}

/// `access` naming the UIDs of `scope`.
pub fn locate(access: Access, scope: &MetadataScope) -> Access {
    match scope {
        MetadataScope::Study { study_uid } => access.study(study_uid),
        MetadataScope::Series { study_uid, series_uid } => access.series(study_uid, series_uid),
        MetadataScope::Instance { study_uid, series_uid, sop_uid } => access.instance(study_uid, series_uid, sop_uid),
    }
}

/// The audit event of `caller` reading `scope` as `action`.
pub fn access(caller: &Caller, action: Action, req: &HttpRequest, scope: &MetadataScope) -> Access {
    locate(Access::new(caller.actor(), action, req), scope)
}
