//! Deployment-wide settings admins change at run time: which roles must use MFA.
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{Access, Action};
use crate::auth::{mfa_policy, AuthUser};
use crate::error::ApiError;
use crate::state::AppState;

async fn current(state: &AppState) -> Result<Vec<ferrum_store::model::Role>, ApiError> {
    let stored = state.catalog.setting(mfa_policy::SETTING).await?;
    Ok(mfa_policy::required_roles(stored.as_deref(), &state.settings.mfa_required_roles))
}

fn body(roles: &[ferrum_store::model::Role]) -> serde_json::Value {
    json!({ "required_roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() })
}

/// `GET /api/settings/mfa` (admin): `{required_roles}`.
pub async fn get_mfa(state: web::Data<AppState>, admin: AuthUser) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    Ok(HttpResponse::Ok().json(body(&current(&state).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaPolicy {
    required_roles: Vec<String>,
}

/// `PUT /api/settings/mfa {required_roles}` (admin): effective on every instance at the next
/// request of each session.
pub async fn put_mfa(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AuthUser,
    policy: web::Json<MfaPolicy>,
) -> Result<HttpResponse, ApiError> {
    admin.require_admin()?;
    let roles = mfa_policy::parse_roles(&policy.required_roles.join(","))
        .map_err(|message| ApiError::Unprocessable { code: "invalid_role", message })?;
    let value = mfa_policy::serialise(&roles);
    let access = Access::new(admin.actor(), Action::MfaPolicyChange, &req).with("required_roles", &roles);
    state.catalog.put_setting(mfa_policy::SETTING, &value, access.event()).await?;
    access.committed();
    Ok(HttpResponse::Ok().json(body(&roles)))
}
