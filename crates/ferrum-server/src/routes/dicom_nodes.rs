//! Known remote DICOM application entities, managed by admins: `POST/GET /api/dicom-nodes`,
//! `PATCH/DELETE /api/dicom-nodes/{ae_title}`. A node acts with its account's permissions
//! on the DICOM listener; an AE title not listed here (or calling from another host) is
//! refused there.
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::model::{DicomNodeChange, DicomService, NewDicomNode};
use ferrum_store::StoreError;
use serde::Deserialize;
use serde_json::json;

use crate::audit::{Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeBody {
    ae_title: String,
    host: String,
    port: u16,
    account: String,
    services: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeChange {
    host: Option<String>,
    port: Option<u16>,
    account: Option<String>,
    services: Option<Vec<String>>,
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Unprocessable { code, message: message.into() }
}

pub fn parse_ae_title(raw: &str) -> Result<String, ApiError> {
    ferrum_dicom::AeTitle::parse(raw).map(|t| t.as_str().to_owned()).map_err(|why| invalid("invalid_ae_title", why))
}

/// A host name or an IP address; what the listener compares the caller's address with.
pub fn parse_host(raw: &str) -> Result<String, ApiError> {
    let host = raw.trim();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    if valid {
        Ok(host.to_ascii_lowercase())
    } else {
        Err(invalid("invalid_host", "host must be a host name or an IP address"))
    }
}

fn parse_port(port: u16) -> Result<u16, ApiError> {
    if port == 0 {
        return Err(invalid("invalid_port", "port must be between 1 and 65535"));
    }
    Ok(port)
}

pub fn parse_services(raw: &[String]) -> Result<Vec<DicomService>, ApiError> {
    let mut services = raw
        .iter()
        .map(|s| {
            DicomService::parse(s).ok_or_else(|| {
                invalid("invalid_dicom_service", format!("unknown service {s:?}: use store, find, move or get"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    services.sort_unstable();
    services.dedup();
    Ok(services)
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound("no such DICOM node".into()),
        StoreError::Conflict(_) => ApiError::Conflict("a DICOM node with this AE title exists".into()),
        StoreError::Invalid(_) => invalid("unknown_account", "no such account"),
        other => other.into(),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NodeBody>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let node = NewDicomNode {
        ae_title: parse_ae_title(&body.ae_title)?,
        host: parse_host(&body.host)?,
        port: parse_port(body.port)?,
        account: body.account.clone(),
        services: parse_services(&body.services)?,
    };
    let access = Access::new(user.actor(), Action::CreateDicomNode, &req)
        .with("ae_title", &node.ae_title)
        .with("account", format!("user:{}", node.account))
        .with("services", &node.services);
    let node = state.catalog.create_dicom_node(&node, access.event()).await.map_err(store_error)?;
    access.committed();
    Ok(HttpResponse::Created().json(node))
}

pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    Ok(HttpResponse::Ok().json(json!({ "items": state.catalog.list_dicom_nodes().await? })))
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<NodeChange>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let change = DicomNodeChange {
        host: body.host.as_deref().map(parse_host).transpose()?,
        port: body.port.map(parse_port).transpose()?,
        account: body.account.clone(),
        services: body.services.as_deref().map(parse_services).transpose()?,
    };
    let mut access = Access::new(user.actor(), Action::UpdateDicomNode, &req).with("ae_title", path.as_str());
    if let Some(account) = &change.account {
        access = access.with("account", format!("user:{account}"));
    }
    if let Some(services) = &change.services {
        access = access.with("services", services);
    }
    let node = state.catalog.update_dicom_node(&path, &change, access.event()).await.map_err(store_error)?;
    access.committed();
    Ok(HttpResponse::Ok().json(node))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let access = Access::new(user.actor(), Action::DeleteDicomNode, &req).with("ae_title", path.as_str());
    state.catalog.delete_dicom_node(&path, access.event()).await.map_err(store_error)?;
    access.committed();
    Ok(HttpResponse::NoContent().finish())
}
