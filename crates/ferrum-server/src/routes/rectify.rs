//! `PATCH /api/studies/{uid}` (admins): rectification of the patient and study attributes
//! of every stored object of the study and of the catalog (see [`crate::rectify`]). The body
//! names the attributes to correct; each value is checked against its VR, an unknown name
//! is 400, an empty string or `null` empties the attribute. The audit event names the
//! attributes changed, never their values.
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_dicom::correct::{Attribute, Corrections, Value};

use super::studies::path_uid;
use crate::audit::{Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The body as sent: attribute names to a string or `null`.
fn parse(body: &serde_json::Value) -> Result<Corrections, ApiError> {
    let map = body.as_object().ok_or_else(|| ApiError::BadRequest("the body is a JSON object of attributes".into()))?;
    let mut corrections = Corrections::new();
    for (name, raw) in map {
        let attribute = Attribute::parse_name(name).ok_or_else(|| {
            let known: Vec<&str> = Attribute::ALL.iter().map(|a| a.name()).collect();
            ApiError::BadRequest(format!("{name:?} cannot be corrected here; the attributes are {}", known.join(", ")))
        })?;
        let raw = match raw {
            serde_json::Value::String(s) => s.as_str(),
            serde_json::Value::Null => "",
            _ => return Err(ApiError::BadRequest(format!("{name} must be a string or null"))),
        };
        let value = Value::parse(attribute, raw)
            .map_err(|e| ApiError::Unprocessable { code: "invalid_value", message: e.to_string() })?;
        corrections.set(attribute, value);
    }
    if corrections.is_empty() {
        return Err(ApiError::BadRequest("name at least one attribute to correct".into()));
    }
    Ok(corrections)
}

pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let uid = path_uid(&path, "study")?;
    let corrections = parse(&body)?;
    let access = Access::new(user.actor(), Action::RectifyStudy, &req).study(uid.as_str());
    let done = crate::rectify::rectify(&state, uid.as_str(), &corrections, access.event()).await?;
    access.committed();
    Ok(HttpResponse::Ok().json(done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_and_wrong_types_are_bad_requests_and_bad_values_unprocessable() {
        let bad = |v: serde_json::Value| parse(&v).unwrap_err();
        assert!(matches!(bad(serde_json::json!({"patient_age": "40Y"})), ApiError::BadRequest(_)));
        assert!(matches!(bad(serde_json::json!({"patient_sex": 1})), ApiError::BadRequest(_)));
        assert!(matches!(bad(serde_json::json!({})), ApiError::BadRequest(_)));
        assert!(matches!(bad(serde_json::json!({"patient_sex": "X"})), ApiError::Unprocessable { .. }));
        let c = parse(&serde_json::json!({"patient_name": "A^B", "accession_number": null})).unwrap();
        assert_eq!(c.get(Attribute::AccessionNumber).unwrap().as_str(), "");
    }
}
