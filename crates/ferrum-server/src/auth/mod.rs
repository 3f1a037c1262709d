//! Accounts and sessions: password hashing, access tokens, the authenticated-user extractor.
pub mod link_token;
pub mod password;
pub mod token;
mod username;

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};
use ferrum_store::model::Role;

pub use username::Username;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller of an `/api` route, proven by a valid bearer token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub username: String,
    pub role: Role,
}

impl AuthUser {
    pub fn actor(&self) -> String {
        format!("user:{}", self.username)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// `None` for an admin (sees everything), else the user whose uploads are visible.
    pub fn visibility(&self) -> Option<String> {
        (!self.is_admin()).then(|| self.username.clone())
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("this needs the admin role".into()))
        }
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<AuthUser, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::Unauthorized("missing Authorization: Bearer <token> header".into()))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be Bearer <token>".into()))?;
    let claims = state.tokens.verify(token.trim())?;
    let role =
        Role::parse(&claims.role).ok_or_else(|| ApiError::Unauthorized("token carries an unknown role".into()))?;
    Ok(AuthUser { username: claims.sub, role })
}

/// The caller's address, for the audit trail.
pub fn remote_addr(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}
