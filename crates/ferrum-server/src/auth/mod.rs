//! Accounts and sessions: password hashing, access tokens, the authenticated-user extractor.
pub mod link_token;
pub mod password;
pub mod throttle;
pub mod token;
mod username;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use ferrum_store::access::UserPrincipal;
use ferrum_store::model::Role;
use ferrum_store::Principal;
use futures_util::future::LocalBoxFuture;

pub use username::Username;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller of an `/api` route, proven by a valid bearer token whose session is open. The
/// role is the account's as it is now, not as it was when the token was issued.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub session: String,
    /// The account as the catalog's access predicate takes it.
    pub principal: Principal,
}

impl AuthUser {
    pub fn actor(&self) -> String {
        format!("user:{}", self.username)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
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
    type Future = LocalBoxFuture<'static, Result<AuthUser, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let claims = state
            .as_ref()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
            .and_then(|state| bearer_claims(req, state));
        let req = req.clone();
        Box::pin(async move {
            // `claims` is an error whenever the state is missing, so this never panics.
            let claims = claims?;
            let state = state.expect("checked with the claims");
            let ended = || ApiError::Unauthorized("this session has ended; log in again".into());
            let session = state.catalog.find_session(&claims.sid).await?.ok_or_else(ended)?;
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            if !session.is_open(&now) || session.username != claims.sub {
                return Err(ended());
            }
            // Groups as they are now: a membership withdrawn takes effect on the next request.
            let groups = state.catalog.groups_of(session.user_id).await?;
            let principal = Principal::User(UserPrincipal {
                id: session.user_id,
                username: session.username.clone(),
                role: session.role,
                groups,
            });
            req.extensions_mut().insert(crate::audit::ActorName(principal.actor()));
            Ok(AuthUser {
                id: session.user_id,
                username: session.username,
                role: session.role,
                session: session.id,
                principal,
            })
        })
    }
}

fn bearer_claims(req: &HttpRequest, state: &AppState) -> Result<token::Claims, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::Unauthorized("missing Authorization: Bearer <token> header".into()))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be Bearer <token>".into()))?;
    state.tokens.verify(token.trim())
}

/// The caller's address, for the audit trail.
pub fn remote_addr(req: &HttpRequest) -> Option<String> {
    crate::http::client_addr::client_addr(req)
}
