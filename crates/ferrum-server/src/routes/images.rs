//! Pictures: `GET /api/instances/{sop}/rendered`, `GET /api/series/{series}/thumbnail`,
//! `GET /api/studies/{study}/thumbnail`. Each is patient data: authorised like the study,
//! audited, and cached only privately. Responses are keyed by the source object's content
//! hash, so an ETag never outlives the object it was made from.
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_dicom::deid::Context;
use ferrum_dicom::render::{ImageFormat, RenderOptions, Window};
use ferrum_store::model::InstanceRecord;
use serde::Deserialize;

use super::studies::path_uid;
use crate::audit::{self, Access, Action};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::images::{representative, ImageError, Picture, MAX_THUMBNAIL_SIZE, THUMBNAIL_SIZE};
use crate::state::AppState;

/// Largest edge a rendered frame may be asked to fit.
const MAX_RENDER_SIZE: u32 = 4096;

#[derive(Deserialize)]
pub struct RenderedParams {
    frame: Option<u32>,
    window: Option<String>,
    size: Option<u32>,
    format: Option<String>,
}

#[derive(Deserialize)]
pub struct ValuesParams {
    frame: Option<u32>,
}

#[derive(Deserialize)]
pub struct ThumbnailParams {
    size: Option<u32>,
    format: Option<String>,
}

fn format(raw: Option<&str>, default: ImageFormat) -> Result<ImageFormat, ApiError> {
    match raw {
        None => Ok(default),
        Some("png") => Ok(ImageFormat::Png),
        Some("jpeg") | Some("jpg") => Ok(ImageFormat::Jpeg),
        Some(_) => Err(ApiError::BadRequest("format must be png or jpeg".into())),
    }
}

/// `window=C,W`: centre and width, width above 0.
fn window(raw: &str) -> Result<Window, ApiError> {
    let bad = || ApiError::BadRequest("window must be CENTER,WIDTH with a width above 0, e.g. 40,400".into());
    let (c, w) = raw.split_once(',').ok_or_else(bad)?;
    let (center, width) = (c.trim().parse::<f64>().map_err(|_| bad())?, w.trim().parse::<f64>().map_err(|_| bad())?);
    if !center.is_finite() || !width.is_finite() || width <= 0.0 {
        return Err(bad());
    }
    Ok(Window { center, width })
}

fn size(raw: Option<u32>, default: Option<u32>, max: u32) -> Result<Option<u32>, ApiError> {
    match raw.or(default) {
        Some(s) if s == 0 || s > max => Err(ApiError::BadRequest(format!("size must be between 1 and {max}"))),
        other => Ok(other),
    }
}

/// The instance if the principal may see it; 404 otherwise, as if it did not exist.
pub(super) async fn visible_instance(
    state: &AppState,
    principal: &ferrum_store::Principal,
    sop: &str,
) -> Result<InstanceRecord, ApiError> {
    let sop = path_uid(sop, "instance")?;
    state
        .catalog
        .find_instance(principal, sop.as_str())
        .await?
        .ok_or_else(|| ApiError::NotFound("no such instance".into()))
}

/// The series' instances if the principal may see it; 404 otherwise.
pub(super) async fn visible_series(
    state: &AppState,
    principal: &ferrum_store::Principal,
    series: &str,
) -> Result<Vec<InstanceRecord>, ApiError> {
    let uid = path_uid(series, "series")?;
    let instances = state.catalog.series_instances(principal, uid.as_str()).await?;
    if instances.is_empty() {
        return Err(ApiError::NotFound("no such series".into()));
    }
    Ok(instances)
}

/// Records the access and answers 304 when the client holds this version (`etag`), else
/// the picture `make` produces. A 304 is an access too. The picture is made while the audit
/// event is written, and sent only once it is: the audit's commit no longer adds to the
/// render's time, and nothing is served unaudited.
async fn answer(
    req: &HttpRequest,
    state: &AppState,
    access: Access,
    etag: String,
    make: impl std::future::Future<Output = Result<Picture, ImageError>>,
) -> Result<HttpResponse, ApiError> {
    let held = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if held {
        audit::record_coalesced(state, access).await?;
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let (audited, picture) = futures_util::join!(audit::record_coalesced(state, access), make);
    audited?;
    let picture = picture?;
    Ok(HttpResponse::Ok()
        .content_type(picture.content_type)
        .insert_header((header::ETAG, etag))
        // Patient data: browsers may keep it, shared caches may not.
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(picture.bytes))
}

/// The audit event of a picture (a request through a de-identified link says so itself, see
/// [`Access::new`]).
fn picture_access(req: &HttpRequest, actor: String, action: Action, i: &InstanceRecord) -> Access {
    Access::new(actor, action, req).instance(&i.study_instance_uid, &i.series_instance_uid, &i.sop_instance_uid)
}

pub async fn rendered(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    params: web::Query<RenderedParams>,
) -> Result<HttpResponse, ApiError> {
    let instance = visible_instance(&state, &user.principal, &path).await?;
    render_instance(&req, &state, user.actor(), &instance, &params, None).await
}

/// What names a picture's version in its ETag: the object's content hash, or for a
/// de-identified link a token derived from it, so that no original value reaches the holder.
fn version(instance: &InstanceRecord, deid: Option<&Context>) -> String {
    deid.map_or_else(|| instance.sha256.clone(), |c| c.token(&instance.sha256))
}

/// One frame of an instance the caller (`actor`) may see; `deid`: through a de-identified
/// link.
pub(super) async fn render_instance(
    req: &HttpRequest,
    state: &AppState,
    actor: String,
    instance: &InstanceRecord,
    params: &RenderedParams,
    deid: Option<&Context>,
) -> Result<HttpResponse, ApiError> {
    let frame = params.frame.unwrap_or(1);
    if frame == 0 {
        return Err(ApiError::BadRequest("frame is numbered from 1".into()));
    }
    let options = RenderOptions {
        frame: frame - 1,
        window: params.window.as_deref().map(window).transpose()?,
        size: size(params.size, None, MAX_RENDER_SIZE)?,
        format: format(params.format.as_deref(), ImageFormat::Png)?,
    };
    let etag = format!(
        "\"{}-f{frame}-w{}-s{}-{}\"",
        version(instance, deid),
        params.window.as_deref().unwrap_or("").replace([',', ' '], "_"),
        options.size.unwrap_or(0),
        options.format.content_type().trim_start_matches("image/")
    );
    let access = picture_access(req, actor, Action::ViewImage, instance);
    answer(req, state, access, etag, state.images.render(instance, options)).await
}

/// `GET /api/instances/{sop}/values?frame=`: one frame's modality values (e.g. Hounsfield
/// units), for the viewer's value under the cursor and its measurements. Patient data like
/// a frame: authorised and audited as one.
pub async fn values(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    params: web::Query<ValuesParams>,
) -> Result<HttpResponse, ApiError> {
    let instance = visible_instance(&state, &user.principal, &path).await?;
    values_of(&req, &state, user.actor(), &instance, &params, None).await
}

/// One frame's modality values of an instance the caller (`actor`) may see, in the form of
/// [`ferrum_dicom::render::ModalityFrame::to_bytes`].
pub(super) async fn values_of(
    req: &HttpRequest,
    state: &AppState,
    actor: String,
    instance: &InstanceRecord,
    params: &ValuesParams,
    deid: Option<&Context>,
) -> Result<HttpResponse, ApiError> {
    let frame = params.frame.unwrap_or(1);
    if frame == 0 {
        return Err(ApiError::BadRequest("frame is numbered from 1".into()));
    }
    let etag = format!("\"{}-f{frame}-values\"", version(instance, deid));
    let access = picture_access(req, actor, Action::ViewImage, instance).with("values", true);
    answer(req, state, access, etag, state.images.values(instance, frame - 1)).await
}

/// The thumbnail of a series (given by its instances) the caller (`actor`) may see.
pub(super) async fn thumbnail_of(
    req: &HttpRequest,
    state: &AppState,
    actor: String,
    instances: &[InstanceRecord],
    params: &ThumbnailParams,
    deid: Option<&Context>,
) -> Result<HttpResponse, ApiError> {
    let size = size(params.size, Some(THUMBNAIL_SIZE), MAX_THUMBNAIL_SIZE)?.unwrap_or(THUMBNAIL_SIZE);
    let format = format(params.format.as_deref(), ImageFormat::Jpeg)?;
    let Some(instance) = representative(instances) else {
        return Err(ApiError::NotFound("no such series".into()));
    };
    let etag =
        format!("\"{}-t{size}-{}\"", version(instance, deid), format.content_type().trim_start_matches("image/"));
    let access = picture_access(req, actor, Action::ViewThumbnail, instance);
    answer(req, state, access, etag, state.images.thumbnail(instance, size, format)).await
}

pub async fn series_thumbnail(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    params: web::Query<ThumbnailParams>,
) -> Result<HttpResponse, ApiError> {
    let instances = visible_series(&state, &user.principal, &path).await?;
    thumbnail_of(&req, &state, user.actor(), &instances, &params, None).await
}

/// A study's thumbnail is that of its first series (in series-number order).
pub async fn study_thumbnail(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    params: web::Query<ThumbnailParams>,
) -> Result<HttpResponse, ApiError> {
    let uid = path_uid(&path, "study")?;
    let Some(study) = super::studies::visible_study(&state, &user, &uid).await? else {
        return Err(ApiError::NotFound("no such study".into()));
    };
    let Some(series) = study.series.into_iter().find(|s| !s.instances.is_empty()) else {
        return Err(ApiError::NotFound("the study has no instances".into()));
    };
    thumbnail_of(&req, &state, user.actor(), &series.instances, &params, None).await
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn windows_parse_centre_and_positive_width() {
        let w = window("40,400").unwrap();
        assert_eq!((w.center, w.width), (40.0, 400.0));
        assert!(window("-600, 1500.5").is_ok());
        for bad in ["40", "40,0", "40,-1", "a,b", "40,inf", ""] {
            assert!(window(bad).is_err(), "{bad}");
        }
    }
}
