//! WADO-RS rendered and thumbnail resources (PS3.18 10.4.1.1.3/4): a frame as a consumer
//! picture, through the same renderer and kept thumbnails as the JSON API.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_dicom::render::RenderOptions;
use ferrum_store::model::{InstanceRecord, MetadataScope};

use super::accept;
use super::caller::Caller;
use super::frames::visible_instance;
use super::retrieve::visible;
use super::target;
use crate::audit::{self, Access, Action};
use crate::error::ApiError;
use crate::images::{representative, Picture, THUMBNAIL_SIZE};
use crate::state::AppState;

fn accept_header(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

fn send(picture: Picture) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(picture.content_type)
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(picture.bytes)
}

async fn render_frame(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    ids: (&str, &str, &str),
    frame: u32,
) -> Result<HttpResponse, ApiError> {
    let format = accept::rendered_format(accept_header(req)).map_err(ApiError::NotAcceptable)?;
    let access = Access::new(caller.actor(), Action::ViewImage, req).with("resource", "rendered");
    let (instance, access) = visible_instance(state, caller, ids, access).await?;
    audit::record_coalesced(state, access.with("frame", frame)).await?;
    let options = RenderOptions { frame: frame - 1, format, ..RenderOptions::default() };
    Ok(send(state.images.render(&instance, options).await?))
}

pub async fn instance_rendered(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Instance>,
) -> Result<HttpResponse, ApiError> {
    let target::Instance { study, series, sop } = path.into_inner();
    render_frame(&req, &state, &caller, (&study, &series, &sop), 1).await
}

pub async fn frame_rendered(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Frames>,
) -> Result<HttpResponse, ApiError> {
    let target::Frames { study, series, sop, frames: frame } = path.into_inner();
    let frame = match super::frames::frame_list(&frame)?.as_slice() {
        [n] => *n,
        _ => return Err(ApiError::BadRequest("a rendered frame is one frame number from 1".into())),
    };
    render_frame(&req, &state, &caller, (&study, &series, &sop), frame).await
}

async fn thumbnail(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    scope: MetadataScope,
    access: Access,
) -> Result<HttpResponse, ApiError> {
    let format = accept::rendered_format(accept_header(req)).map_err(ApiError::NotAcceptable)?;
    let (instances, access) = visible(state, caller, &scope, access.with("via", "dicomweb")).await?;
    // A study stands for its first series, a series for its middle instance.
    let first_series = &instances[0].series_instance_uid;
    let series: Vec<InstanceRecord> =
        instances.iter().filter(|i| &i.series_instance_uid == first_series).cloned().collect();
    let instance = representative(&series).expect("a visible scope has an instance");
    audit::record_coalesced(state, access.with("resource", "thumbnail")).await?;
    Ok(send(state.images.thumbnail(instance, THUMBNAIL_SIZE, format).await?))
}

pub async fn study_thumbnail(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Study>,
) -> Result<HttpResponse, ApiError> {
    let scope = target::study(&path.study)?;
    let access = target::access(&caller, Action::ViewThumbnail, &req, &scope);
    thumbnail(&req, &state, &caller, scope, access).await
}

pub async fn series_thumbnail(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Series>,
) -> Result<HttpResponse, ApiError> {
    let target::Series { study, series } = path.into_inner();
    let scope = target::series(&study, &series)?;
    let access = target::access(&caller, Action::ViewThumbnail, &req, &scope);
    thumbnail(&req, &state, &caller, scope, access).await
}

pub async fn instance_thumbnail(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Instance>,
) -> Result<HttpResponse, ApiError> {
    let target::Instance { study, series, sop } = path.into_inner();
    let scope = target::instance(&study, &series, &sop)?;
    let access = target::access(&caller, Action::ViewThumbnail, &req, &scope);
    thumbnail(&req, &state, &caller, scope, access).await
}
