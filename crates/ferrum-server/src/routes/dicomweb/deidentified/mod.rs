//! A de-identified link's DICOMweb root (`/share/{token}/dicomweb` of a link made with
//! `deidentify: true`): the same resources as every root, each answered from the link's
//! de-identified view ([`DeidView`]). Paths name the new UIDs the holder was given; headers
//! (search answers, metadata) are read from the objects as de-identified under the link's
//! context, never from what the catalog kept of the originals; retrieved objects are
//! de-identified as they are sent. The profile does not touch pixels, so frames, rendered
//! frames and thumbnails are cut from the stored objects the new UIDs map to; an object
//! with burned-in annotation is not in the view, so no route reaches it.
//!
//! Nothing is cached: each answer de-identifies what it needs (a series' metadata reads
//! each of its objects), which costs what the link's archive costs, per request.
mod qido;

use std::future::ready;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use ferrum_dicom::deid::{output_transfer_syntax, Context, DeidError};
use ferrum_store::model::{InstanceRecord, MetadataLine, MetadataScope};
use ferrum_store::Principal;
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::{Map, Value};

pub(super) use qido::search;

use super::accept::{DicomAccept, Sending, EXPLICIT_LE};
use super::caller::Caller;
use super::metadata::{dicomweb_base, pixel_data_attribute, DICOM_JSON};
use crate::audit::{self, Access, Outcome};
use crate::deid::DeidView;
use crate::error::ApiError;
use crate::state::AppState;

/// Objects de-identified at once for one answer (each is held in memory while it is).
const AT_ONCE: usize = 2;

/// The link's view of its study.
async fn view(state: &AppState, caller: &Caller, context: &Context) -> Result<DeidView, ApiError> {
    let Principal::Link(link) = &caller.principal else {
        return Err(ApiError::internal(anyhow::anyhow!("a de-identified root without a link")));
    };
    DeidView::load(state, &caller.principal, &link.study_uid, context.clone()).await
}

/// The view's objects in `scope`, which names new UIDs.
fn in_scope<'a>(view: &'a DeidView, scope: &MetadataScope) -> Vec<&'a InstanceRecord> {
    let ctx = &view.context;
    let (study, series, sop) = match scope {
        MetadataScope::Study { study_uid } => (study_uid, None, None),
        MetadataScope::Series { study_uid, series_uid } => (study_uid, Some(series_uid), None),
        MetadataScope::Instance { study_uid, series_uid, sop_uid } => (study_uid, Some(series_uid), Some(sop_uid)),
    };
    if ctx.uid(&view.study.summary.study_instance_uid) != *study {
        return Vec::new();
    }
    let instances: Vec<&InstanceRecord> = match series {
        None => view.instances().collect(),
        Some(uid) => view.series(uid).map(|s| s.instances.iter().collect()).unwrap_or_default(),
    };
    match sop {
        None => instances,
        Some(uid) => instances.into_iter().filter(|i| ctx.uid(&i.sop_instance_uid) == *uid).collect(),
    }
}

/// The stored objects behind `scope` (new UIDs), in display order; 404 (audited) when the
/// view holds none. The audit event names the stored objects: the trail is read by those
/// who may see them.
pub(super) async fn visible(
    state: &AppState,
    caller: &Caller,
    context: &Context,
    scope: &MetadataScope,
    access: Access,
) -> Result<(Vec<InstanceRecord>, Access), ApiError> {
    let view = view(state, caller, context).await?;
    let found: Vec<InstanceRecord> = in_scope(&view, scope).into_iter().cloned().collect();
    let Some(first) = found.first() else {
        audit::record(state, access.outcome(Outcome::NotFound)).await?;
        return Err(ApiError::NotFound("no such study, series or instance".into()));
    };
    let access = match scope {
        MetadataScope::Study { .. } => access.study(&first.study_instance_uid),
        MetadataScope::Series { .. } => access.series(&first.study_instance_uid, &first.series_instance_uid),
        MetadataScope::Instance { .. } => {
            access.instance(&first.study_instance_uid, &first.series_instance_uid, &first.sop_instance_uid)
        }
    };
    Ok((found, access))
}

fn undeidentifiable(e: DeidError) -> ApiError {
    ApiError::Unprocessable { code: "not_deidentifiable", message: format!("an object cannot be de-identified: {e}") }
}

/// A stored object, de-identified under `context`, optionally rewritten in explicit VR
/// little endian; off the async workers.
async fn deidentified(
    state: &AppState,
    context: &Context,
    instance: &InstanceRecord,
    explicit_le: bool,
) -> Result<Vec<u8>, ApiError> {
    let bytes = crate::deid::read_object(state.blobs.as_ref(), instance).await?;
    let context = context.clone();
    tokio::task::spawn_blocking(move || {
        let out = ferrum_dicom::deid::deidentify(&bytes, &context).map_err(undeidentifiable)?;
        if !explicit_le {
            return Ok(out.bytes);
        }
        ferrum_dicom::transcode::to_explicit_le(&out.bytes).map_err(|e| ApiError::Unprocessable {
            code: "not_transcodable",
            message: format!("a de-identified object cannot be rewritten in explicit VR little endian: {e}"),
        })
    })
    .await
    .map_err(ApiError::internal)?
}

/// The header of a stored object as de-identified under `context`, in the DICOM JSON model.
async fn header(
    state: &AppState,
    context: &Context,
    instance: &InstanceRecord,
) -> Result<Map<String, Value>, ApiError> {
    let bytes = deidentified(state, context, instance, false).await?;
    let json = tokio::task::spawn_blocking(move || ferrum_dicom::header_metadata(std::io::Cursor::new(bytes)))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("a de-identified object does not read back: {e}")))?;
    match json {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

/// The headers of `instances`, in their order, a few de-identified at a time.
async fn headers(
    state: &AppState,
    context: &Context,
    instances: &[InstanceRecord],
) -> Result<Vec<Map<String, Value>>, ApiError> {
    stream::iter(instances).map(|i| header(state, context, i)).buffered(AT_ONCE).try_collect().await
}

/// The instance as the holder knows it: new UIDs, the transfer syntax it is served in.
fn shown(context: &Context, i: &InstanceRecord) -> MetadataLine {
    MetadataLine {
        study_instance_uid: context.uid(&i.study_instance_uid),
        series_instance_uid: context.uid(&i.series_instance_uid),
        sop_instance_uid: context.uid(&i.sop_instance_uid),
        transfer_syntax_uid: output_transfer_syntax(&i.transfer_syntax_uid).to_owned(),
        sop_class_uid: i.sop_class_uid.clone(),
        instance_number: i.instance_number,
        rows: i.rows,
        columns: i.columns,
        number_of_frames: i.number_of_frames,
        dataset: None,
    }
}

/// WADO-RS metadata of `scope`, from the de-identified objects.
pub(super) async fn metadata(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    context: &Context,
    scope: &MetadataScope,
    access: Access,
) -> Result<HttpResponse, ApiError> {
    let (instances, access) = visible(state, caller, context, scope, access).await?;
    audit::record(state, access.with("instances", instances.len())).await?;
    let base = dicomweb_base(req, state, &caller.root);
    let headers = headers(state, context, &instances).await?;
    let body: Vec<Value> = instances
        .iter()
        .zip(headers)
        .map(|(i, mut h)| {
            if let Some((tag, value)) = pixel_data_attribute(&base, &shown(context, i)) {
                h.insert(tag.into(), value);
            }
            Value::Object(h)
        })
        .collect();
    Ok(HttpResponse::Ok().content_type(DICOM_JSON).body(Value::Array(body).to_string()))
}

/// WADO-RS retrieval of `scope`: each object de-identified as it is sent, one at a time.
pub(super) async fn retrieve(
    state: &AppState,
    caller: &Caller,
    context: &Context,
    scope: &MetadataScope,
    access: Access,
    accept: DicomAccept,
) -> Result<HttpResponse, ApiError> {
    let (instances, access) = visible(state, caller, context, scope, access).await?;
    let mut sends = Vec::with_capacity(instances.len());
    for i in &instances {
        let ts = output_transfer_syntax(&i.transfer_syntax_uid);
        sends.push(accept.send_as(ts).ok_or_else(|| ApiError::NotAcceptable(accept.refusal(ts)))?);
    }
    audit::record(state, access.with("instances", instances.len())).await?;
    let boundary = format!("ferrum-{}", uuid::Uuid::new_v4().simple());
    let closing = Bytes::from(format!("--{boundary}--\r\n"));
    let content_type = format!("multipart/related; type=\"application/dicom\"; boundary={boundary}");
    let (state, context) = (state.clone(), context.clone());
    let parts = stream::iter(instances.into_iter().zip(sends)).then(move |(instance, how)| {
        let (state, context, boundary) = (state.clone(), context.clone(), boundary.clone());
        async move {
            let explicit_le = how == Sending::ExplicitLe;
            let bytes = deidentified(&state, &context, &instance, explicit_le).await.map_err(std::io::Error::other)?;
            let ts = if explicit_le { EXPLICIT_LE } else { output_transfer_syntax(&instance.transfer_syntax_uid) };
            let mut part = format!(
                "--{boundary}\r\nContent-Type: application/dicom; transfer-syntax={ts}\r\nContent-Length: {}\r\n\r\n",
                bytes.len()
            )
            .into_bytes();
            part.extend_from_slice(&bytes);
            part.extend_from_slice(b"\r\n");
            Ok::<_, std::io::Error>(Bytes::from(part))
        }
    });
    // A part that fails ends the body early: the client sees a truncated multipart.
    let body = parts.chain(stream::once(ready(Ok(closing))));
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}
