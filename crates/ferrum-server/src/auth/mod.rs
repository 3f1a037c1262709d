//! Accounts and sessions: password hashing, access tokens, the authenticated-user extractor.
pub mod link_token;
pub mod mfa_policy;
pub mod password;
pub mod throttle;
pub mod token;
pub mod totp;
mod username;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use ferrum_store::access::UserPrincipal;
use ferrum_store::model::{Role, Session};
use ferrum_store::Principal;
use futures_util::future::LocalBoxFuture;

pub use username::Username;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller of an `/api` route, proven by a valid bearer token whose session is open (not
/// ended, expired or idle). The role is the account's as it is now, not as it was when the
/// token was issued. An account whose role must use MFA and has not enrolled gets only the
/// routes of enrolment ([`ENROLMENT_ROUTES`]); every other route answers 403
/// `mfa_enrolment_required`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub session: String,
    pub mfa_enabled: bool,
    /// The session is limited to enrolling in MFA.
    pub must_enrol: bool,
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
        let path = req.path().to_owned();
        Box::pin(async move {
            // `claims` is an error whenever the state is missing, so this never panics.
            let claims = claims?;
            let state = state.expect("checked with the claims");
            let ended = || ApiError::Unauthorized("this session has ended; log in again".into());
            let session = state.catalog.find_session(&claims.sid).await?.ok_or_else(ended)?;
            if session.username != claims.sub {
                return Err(ended());
            }
            keep_open(&state, &session).await?;
            let must_enrol = must_enrol(&state, &session);
            if must_enrol && !is_enrolment_route(&path) {
                return Err(ApiError::Refused {
                    code: "mfa_enrolment_required",
                    message: "your role must use two-factor authentication: set it up on your account page first"
                        .into(),
                });
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
                mfa_enabled: session.mfa_enabled,
                must_enrol,
                principal,
            })
        })
    }
}

/// What a session limited to MFA enrolment may still call.
pub const ENROLMENT_ROUTES: &str = "/api/me, /api/me/mfa/*, /api/auth/logout";

fn is_enrolment_route(path: &str) -> bool {
    path == "/api/me" || path.starts_with("/api/me/mfa/") || path == "/api/auth/logout"
}

/// Whether the session's account must enrol in MFA before it may do anything else.
pub fn must_enrol(state: &AppState, session: &Session) -> bool {
    !session.mfa_enabled
        && mfa_policy::required_roles(session.mfa_required_roles.as_deref(), &state.settings.mfa_required_roles)
            .contains(&session.role)
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Checks that the session is open — not ended, past its absolute lifetime, or unused for
/// `FERRUM_SESSION_IDLE_SECS` — and records its use. The last-use time is written only
/// when it is older than a tenth of the idle timeout (a minute at most), with one
/// conditional UPDATE, so that most requests write nothing.
pub async fn keep_open(state: &AppState, session: &Session) -> Result<(), ApiError> {
    let now = chrono::Utc::now();
    let idle = state.settings.session_idle_secs;
    let idle_cutoff = stamp(now - chrono::Duration::seconds(idle as i64));
    if !session.is_open(&stamp(now), &idle_cutoff) {
        let message = if session.revoked_at.is_none() && session.last_used_at < idle_cutoff {
            "this session ended after a while without use; log in again"
        } else {
            "this session has ended; log in again"
        };
        return Err(ApiError::Unauthorized(message.into()));
    }
    let every = (idle / 10).min(60);
    let touch_before = stamp(now - chrono::Duration::seconds(every as i64));
    if session.last_used_at <= touch_before {
        state.catalog.touch_session(&session.id, &stamp(now), &touch_before).await?;
    }
    Ok(())
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

/// The caller's user agent, for the session list (at most 200 characters).
pub fn user_agent(req: &HttpRequest) -> Option<String> {
    let ua = req.headers().get(actix_web::http::header::USER_AGENT)?.to_str().ok()?;
    Some(ua.chars().take(200).collect())
}

/// The caller's address, for the audit trail.
pub fn remote_addr(req: &HttpRequest) -> Option<String> {
    crate::http::client_addr::client_addr(req)
}
