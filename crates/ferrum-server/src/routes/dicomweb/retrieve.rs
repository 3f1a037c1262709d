//! WADO-RS retrieval (PS3.18 10.4): the stored objects of a study, series or instance as
//! `multipart/related; type="application/dicom"`, byte for byte as they were uploaded. The
//! body is streamed one object after another from the blob store, each opened only when the
//! previous one has been sent, so a series of a thousand instances costs the memory of a
//! chunk, not of the series.
use std::future::ready;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use ferrum_store::model::{InstanceRecord, MetadataScope};
use ferrum_store::BlobKey;
use futures_util::{stream, StreamExt, TryStreamExt};

use super::accept::DicomAccept;
use super::caller::Caller;
use super::target;
use crate::audit::{self, Access, Action, Outcome};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Study>,
) -> Result<HttpResponse, ApiError> {
    let scope = target::study(&path.study)?;
    let access = target::access(&caller, Action::ExportStudy, &req, &scope);
    answer(&req, &state, &caller, scope, access).await
}

pub async fn series(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Series>,
) -> Result<HttpResponse, ApiError> {
    let target::Series { study, series } = path.into_inner();
    let scope = target::series(&study, &series)?;
    let access = target::access(&caller, Action::ExportStudy, &req, &scope);
    answer(&req, &state, &caller, scope, access).await
}

pub async fn instance(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Instance>,
) -> Result<HttpResponse, ApiError> {
    let target::Instance { study, series, sop } = path.into_inner();
    let scope = target::instance(&study, &series, &sop)?;
    let access = target::access(&caller, Action::DownloadInstance, &req, &scope);
    answer(&req, &state, &caller, scope, access).await
}

/// The instances in `scope` the principal may see, in display order; 404 (audited) when
/// there are none, whether absent or not the caller's.
pub(super) async fn visible(
    state: &AppState,
    caller: &Caller,
    scope: &MetadataScope,
    access: Access,
) -> Result<(Vec<InstanceRecord>, Access), ApiError> {
    let instances: Vec<InstanceRecord> =
        state.catalog.metadata(&caller.principal, scope).await?.into_iter().map(|row| row.instance).collect();
    if instances.is_empty() {
        audit::record(state, access.outcome(Outcome::NotFound)).await?;
        return Err(ApiError::NotFound("no such study, series or instance".into()));
    }
    Ok((instances, access))
}

async fn answer(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    scope: MetadataScope,
    access: Access,
) -> Result<HttpResponse, ApiError> {
    caller.require_download()?;
    let access = access.with("via", "dicomweb");
    let accept = DicomAccept::parse(req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()))
        .map_err(ApiError::NotAcceptable)?;
    let (instances, access) = visible(state, caller, &scope, access).await?;
    if let Some(refused) = instances.iter().find(|i| !accept.takes(&i.transfer_syntax_uid)) {
        return Err(ApiError::NotAcceptable(accept.refusal(&refused.transfer_syntax_uid)));
    }
    let bytes: i64 = instances.iter().map(|i| i.size_bytes).sum();
    audit::record(state, access.with("instances", instances.len()).with("bytes", bytes)).await?;

    let boundary = format!("ferrum-{}", uuid::Uuid::new_v4().simple());
    let body = multipart(state.blobs.clone(), instances, boundary.clone());
    Ok(HttpResponse::Ok()
        .content_type(format!("multipart/related; type=\"application/dicom\"; boundary={boundary}"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}

/// The parts, each object's bytes between its headers and the next delimiter. A blob that
/// fails mid-way ends the body early: the client sees a truncated multipart, never a part
/// that claims to be whole.
fn multipart(
    blobs: std::sync::Arc<dyn ferrum_store::BlobStore>,
    instances: Vec<InstanceRecord>,
    boundary: String,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let closing = Bytes::from(format!("--{boundary}--\r\n"));
    stream::iter(instances.into_iter().map(Ok::<_, std::io::Error>))
        .and_then(move |instance| {
            let (blobs, boundary) = (blobs.clone(), boundary.clone());
            async move {
                let key = BlobKey::parse(&instance.blob_key).map_err(std::io::Error::other)?;
                let object = blobs.get(&key, None).await.map_err(std::io::Error::other)?;
                let head = Bytes::from(format!(
                    "--{boundary}\r\nContent-Type: application/dicom; transfer-syntax={}\r\nContent-Length: {}\r\n\r\n",
                    instance.transfer_syntax_uid, instance.size_bytes
                ));
                Ok(stream::once(ready(Ok(head)))
                    .chain(object)
                    .chain(stream::once(ready(Ok(Bytes::from_static(b"\r\n"))))))
            }
        })
        .try_flatten()
        .chain(stream::once(ready(Ok(closing))))
}
