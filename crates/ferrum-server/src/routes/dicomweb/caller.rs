//! Who calls a DICOMweb route, and through which root: a signed-in account's bearer token
//! under `/dicomweb`, or a viewer link's token under `/share/{token}/dicomweb`. Both roots
//! serve the same handlers; the caller's principal keeps every read to what it may see (a
//! link's study and series), and its actor names it on the audit trail.
//!
//! A link is resolved exactly as the share API resolves it ([`link_principal`]): an unknown
//! or forged token is 404, an expired, revoked or used-up link 410 with its code, a link
//! behind a PIN or an opening limit needs the proof cookie its viewer page or PIN set. A
//! link that shows its study de-identified carries its context: every handler then answers
//! from the de-identified view ([`super::deidentified`]), with the new UIDs in paths and
//! answers alike.
use actix_web::{web, FromRequest, HttpRequest};
use ferrum_dicom::deid::Context;
use ferrum_store::Principal;
use futures_util::future::LocalBoxFuture;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::routes::share::link_principal;
use crate::state::AppState;

pub struct Caller {
    pub principal: Principal,
    /// The path of the root the request came through: `/dicomweb` or `/share/{token}/dicomweb`.
    pub root: String,
    /// A de-identified link's context: what it serves is de-identified under it.
    pub deid: Option<Context>,
}

impl Caller {
    pub fn actor(&self) -> String {
        self.principal.actor()
    }

    /// Retrieving the stored objects is a download: a link that does not allow downloads
    /// refuses it as its share API's archive does (viewing, metadata and frames stay open).
    pub fn require_download(&self) -> Result<(), ApiError> {
        match &self.principal {
            Principal::Link(l) if !l.allow_download => {
                Err(ApiError::Forbidden("this link does not allow downloads".into()))
            }
            _ => Ok(()),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let Some(token) = req.match_info().get("token").map(str::to_owned) else {
            let user = AuthUser::from_request(req, payload);
            return Box::pin(async move {
                let user = user.await?;
                Ok(Caller { principal: user.principal, root: "/dicomweb".into(), deid: None })
            });
        };
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
            let (link, principal) = link_principal(&req, &state, &token).await?;
            let deid = crate::deid::context(&link)?;
            if deid.is_none() && principal.is_deidentified() {
                return Err(ApiError::internal(anyhow::anyhow!("a de-identified principal without its context")));
            }
            Ok(Caller { principal, root: format!("/share/{token}/dicomweb"), deid })
        })
    }
}
