//! WADO-RS frames (PS3.18 10.4, 8.7.3.3): `…/instances/{sop}/frames/{list}`, the listed
//! frames (numbered from 1) as `multipart/related`, native pixels little endian or a
//! compressed frame's bitstream as stored, for a viewer that decodes them itself.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use ferrum_dicom::render::{self, RawFrame, RenderError};
use ferrum_store::model::InstanceRecord;
use ferrum_store::{BlobKey, StoreError};
use futures_util::TryStreamExt;

use super::accept;
use super::caller::Caller;
use super::retrieve::visible;
use super::target;
use crate::audit::{self, Access, Action};
use crate::error::ApiError;
use crate::state::AppState;

/// Most frames one request may list.
const MAX_FRAMES_PER_REQUEST: usize = 4096;
/// Largest object whose frames are cut out in memory.
const MAX_OBJECT_BYTES: i64 = 2 * 1024 * 1024 * 1024;

/// `1,3,5`: frame numbers from 1, in the order asked (repeats allowed, as the list says).
pub(super) fn frame_list(raw: &str) -> Result<Vec<u32>, ApiError> {
    let bad = || ApiError::BadRequest("frames must be a comma-separated list of frame numbers from 1".into());
    let list: Vec<u32> = raw
        .split(',')
        .map(|n| n.trim().parse::<u32>().ok().filter(|&n| n >= 1).ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    if list.len() > MAX_FRAMES_PER_REQUEST {
        return Err(ApiError::BadRequest(format!("at most {MAX_FRAMES_PER_REQUEST} frames per request")));
    }
    Ok(list)
}

/// The one instance at `study/series/sop` the caller may see; 404 (audited) otherwise.
pub(super) async fn visible_instance(
    state: &AppState,
    caller: &Caller,
    (study, series, sop): (&str, &str, &str),
    access: Access,
) -> Result<(InstanceRecord, Access), ApiError> {
    let scope = super::target::instance(study, series, sop)?;
    let access = super::target::locate(access, &scope).with("via", "dicomweb");
    let (mut instances, access) = visible(state, caller, &scope, access).await?;
    Ok((instances.swap_remove(0), access))
}

pub(super) async fn read_object(state: &AppState, instance: &InstanceRecord) -> Result<Vec<u8>, ApiError> {
    if instance.size_bytes > MAX_OBJECT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "the object is too large to cut frames from ({} bytes)",
            instance.size_bytes
        )));
    }
    let key = BlobKey::parse(&instance.blob_key)?;
    let mut stream = state.blobs.get(&key, None).await?;
    let mut bytes = Vec::with_capacity(instance.size_bytes as usize);
    while let Some(chunk) = stream.try_next().await.map_err(StoreError::from)? {
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

pub async fn frames(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Frames>,
) -> Result<HttpResponse, ApiError> {
    let target::Frames { study, series, sop, frames: list } = path.into_inner();
    let list = frame_list(&list)?;
    let access = Access::new(caller.actor(), Action::ViewImage, &req).with("resource", "frames");
    let (instance, access) = visible_instance(&state, &caller, (&study, &series, &sop), access).await?;
    let part_type = accept::frame_part(
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()),
        &instance.transfer_syntax_uid,
    )
    .map_err(ApiError::NotAcceptable)?;
    audit::record(&state, access.with("frames", list.len())).await?;

    let bytes = read_object(&state, &instance).await?;
    let wanted: Vec<u32> = list.iter().map(|n| n - 1).collect();
    let (_, frames) = tokio::task::spawn_blocking(move || render::raw_frames(&bytes, &wanted))
        .await
        .unwrap_or_else(|e| Err(RenderError::Malformed(format!("the frame reader stopped: {e}"))))
        .map_err(crate::images::ImageError::from)?;

    let boundary = format!("ferrum-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::with_capacity(frames.iter().map(|f| frame_bytes(f).len() + 160).sum());
    for frame in &frames {
        let data = frame_bytes(frame);
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: {part_type}\r\nContent-Length: {}\r\n\r\n", data.len()).as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let media = part_type.split(';').next().unwrap_or("application/octet-stream");
    Ok(HttpResponse::Ok()
        .content_type(format!("multipart/related; type=\"{media}\"; boundary={boundary}"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(Bytes::from(body)))
}

fn frame_bytes(frame: &RawFrame) -> &[u8] {
    match frame {
        RawFrame::Native(b) | RawFrame::Encapsulated(b) => b,
    }
}
