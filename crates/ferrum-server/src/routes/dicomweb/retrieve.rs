//! WADO-RS retrieval (PS3.18 10.4): the stored objects of a study, series or instance as
//! `multipart/related; type="application/dicom"`, byte for byte as they were uploaded (or
//! rewritten in explicit VR little endian for a client that asks for it). The body is
//! streamed one object after another from the blob store, each opened only when the
//! previous one has been sent, so a series of a thousand instances costs the memory of a
//! chunk (of one object, when it is rewritten), not of the series.
use std::future::ready;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use ferrum_store::model::{InstanceRecord, MetadataScope};
use ferrum_store::BlobKey;
use futures_util::{stream, StreamExt, TryStreamExt};

use super::accept::{DicomAccept, Sending, EXPLICIT_LE};
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
/// there are none, whether absent or not the caller's. Through a de-identified link: the
/// stored objects its new UIDs name (for what is cut from their pixels).
pub(super) async fn visible(
    state: &AppState,
    caller: &Caller,
    scope: &MetadataScope,
    access: Access,
) -> Result<(Vec<InstanceRecord>, Access), ApiError> {
    if let Some(context) = &caller.deid {
        return super::deidentified::visible(state, caller, context, scope, access).await;
    }
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
    if let Some(context) = &caller.deid {
        return super::deidentified::retrieve(state, caller, context, &scope, access, accept).await;
    }
    let (instances, access) = visible(state, caller, &scope, access).await?;
    let mut sends = Vec::with_capacity(instances.len());
    for i in &instances {
        match accept.send_as(&i.transfer_syntax_uid) {
            Some(how) => sends.push(how),
            None => return Err(ApiError::NotAcceptable(accept.refusal(&i.transfer_syntax_uid))),
        }
    }
    let bytes: i64 = instances.iter().map(|i| i.size_bytes).sum();
    let rewritten = sends.iter().filter(|s| **s == Sending::ExplicitLe).count();
    let mut access = access.with("instances", instances.len()).with("bytes", bytes);
    if rewritten > 0 {
        access = access.with("transcoded", rewritten);
    }
    audit::record(state, access).await?;

    let boundary = format!("ferrum-{}", uuid::Uuid::new_v4().simple());
    let body = multipart(state.blobs.clone(), instances.into_iter().zip(sends).collect(), boundary.clone());
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
    instances: Vec<(InstanceRecord, Sending)>,
    boundary: String,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let closing = Bytes::from(format!("--{boundary}--\r\n"));
    stream::iter(instances.into_iter().map(Ok::<_, std::io::Error>))
        .and_then(move |(instance, how)| {
            let (blobs, boundary) = (blobs.clone(), boundary.clone());
            async move {
                let key = BlobKey::parse(&instance.blob_key).map_err(std::io::Error::other)?;
                let object = blobs.get(&key, None).await.map_err(std::io::Error::other)?;
                let head = |ts: &str, len: i64| {
                    Bytes::from(format!(
                        "--{boundary}\r\nContent-Type: application/dicom; transfer-syntax={ts}\r\nContent-Length: {len}\r\n\r\n"
                    ))
                };
                let (head, object) = match how {
                    Sending::AsStored => (head(&instance.transfer_syntax_uid, instance.size_bytes), object),
                    Sending::ExplicitLe => {
                        let mut original = Vec::with_capacity(instance.size_bytes.max(0) as usize);
                        let mut object = object;
                        while let Some(chunk) = object.try_next().await? {
                            original.extend_from_slice(&chunk);
                        }
                        let rewritten =
                            tokio::task::spawn_blocking(move || ferrum_dicom::transcode::to_explicit_le(&original))
                                .await
                                .map_err(std::io::Error::other)?
                                .map_err(std::io::Error::other)?;
                        let part = head(EXPLICIT_LE, rewritten.len() as i64);
                        let body: ferrum_store::blob::ByteStream = Box::pin(stream::once(ready(Ok(Bytes::from(rewritten)))));
                        (part, body)
                    }
                };
                Ok(stream::once(ready(Ok(head)))
                    .chain(object)
                    .chain(stream::once(ready(Ok(Bytes::from_static(b"\r\n"))))))
            }
        })
        .try_flatten()
        .chain(stream::once(ready(Ok(closing))))
}
