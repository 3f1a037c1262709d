//! WADO-RS metadata (PS3.18 10.4): the DICOM JSON of every instance of a study, series or
//! instance, from the metadata kept at ingest — no stored object is read, so a series of a
//! thousand instances answers as fast as one row each can be read.
use actix_web::{web, HttpRequest, HttpResponse};
use ferrum_store::model::{MetadataLine, MetadataScope};
use serde_json::{json, Map, Value};

use super::caller::Caller;
use super::target;
use crate::audit::{self, Access, Action, Outcome};
use crate::error::ApiError;
use crate::state::AppState;

pub const DICOM_JSON: &str = "application/dicom+json";

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Study>,
) -> Result<HttpResponse, ApiError> {
    let scope = target::study(&path.study)?;
    let access = target::access(&caller, Action::ViewStudy, &req, &scope);
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
    let access = target::access(&caller, Action::ViewStudy, &req, &scope);
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
    let access = target::access(&caller, Action::ViewStudy, &req, &scope);
    answer(&req, &state, &caller, scope, access).await
}

async fn answer(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    scope: MetadataScope,
    access: Access,
) -> Result<HttpResponse, ApiError> {
    let access = access.with("via", "dicomweb").with("resource", "metadata");
    if let Some(context) = &caller.deid {
        return super::deidentified::metadata(req, state, caller, context, &scope, access).await;
    }
    let rows = state.catalog.metadata_lines(&caller.principal, &scope).await?;
    if rows.is_empty() {
        audit::record(state, access.outcome(Outcome::NotFound)).await?;
        return Err(ApiError::NotFound("no such study, series or instance".into()));
    }
    // The answer is built while the audit event is made durable (an fsync away), and sent
    // only once it is.
    let audited = audit::record(state, access.with("instances", rows.len()));
    let base = dicomweb_base(req, state, &caller.root);
    let built = tokio::task::spawn_blocking(move || body(&base, &rows));
    let (audited, built) = tokio::join!(audited, built);
    audited?;
    Ok(HttpResponse::Ok().content_type(DICOM_JSON).body(built.map_err(ApiError::internal)?))
}

/// The JSON array of the rows' kept metadata, each with its Pixel Data's BulkDataURI.
fn body(base: &str, rows: &[MetadataLine]) -> String {
    let mut body = String::with_capacity(rows.iter().map(|r| r.dataset.as_ref().map_or(256, String::len) + 320).sum());
    body.push('[');
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            body.push(',');
        }
        let dataset = match row.dataset.as_deref().filter(|d| *d != "{}") {
            // Kept as the catalog holds it: no parse and re-serialisation per answer.
            Some(dataset) => std::borrow::Cow::Borrowed(dataset),
            None => std::borrow::Cow::Owned(from_catalog(row).to_string()),
        };
        match pixel_data(base, row) {
            // The kept dataset is an object without Pixel Data: the element is added before its
            // closing brace (the last tag sorts last, as DICOM JSON orders them).
            Some(pixels) => match dataset.trim_end().strip_suffix('}') {
                Some(open) => {
                    body.push_str(open);
                    if open.trim_end() != "{" {
                        body.push(',');
                    }
                    body.push_str(&pixels);
                    body.push('}');
                }
                None => body.push_str(&dataset),
            },
            None => body.push_str(&dataset),
        }
    }
    body.push(']');
    body
}

/// Where the caller's DICOMweb root is reached: the configured public address, else the
/// request's origin, and the root's path (a viewer link's own root for its holder).
pub(super) fn dicomweb_base(req: &HttpRequest, state: &AppState, root: &str) -> String {
    let origin = match &state.settings.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let (scheme, host) = crate::http::client_addr::request_origin(req);
            format!("{scheme}://{host}")
        }
    };
    format!("{origin}{root}")
}

/// `"7FE00010"` of an image instance: a BulkDataURI to its frames (PS3.18 F.2.6), which is
/// where viewers such as OHIF fetch the pixels from. OB for compressed bitstreams, OW for
/// native pixels (PS3.5 8.2). UIDs are digits and dots, so they need no escaping in the URL.
pub(super) fn pixel_data_attribute(base: &str, i: &MetadataLine) -> Option<(&'static str, Value)> {
    i.rows.filter(|_| i.columns.is_some())?;
    let vr = if super::accept::is_native(&i.transfer_syntax_uid) { "OW" } else { "OB" };
    let uri = format!(
        "{base}/studies/{}/series/{}/instances/{}/frames",
        i.study_instance_uid, i.series_instance_uid, i.sop_instance_uid
    );
    Some(("7FE00010", json!({"vr": vr, "BulkDataURI": uri})))
}

/// [`pixel_data_attribute`] as the text of a JSON member.
fn pixel_data(base: &str, i: &MetadataLine) -> Option<String> {
    let (tag, value) = pixel_data_attribute(base, i)?;
    Some(format!("\"{tag}\":{value}"))
}

/// What the catalog knows of an instance whose header has not been read into metadata yet
/// (catalogued before metadata was kept, until the background job has filled it in).
fn from_catalog(i: &MetadataLine) -> Value {
    let mut out = Map::new();
    let mut put = |tag: &str, vr: &str, value: Option<Value>| {
        if let Some(v) = value {
            out.insert(tag.into(), json!({"vr": vr, "Value": [v]}));
        }
    };
    put("00080016", "UI", i.sop_class_uid.clone().map(Value::from));
    put("00080018", "UI", Some(i.sop_instance_uid.clone().into()));
    put("0020000D", "UI", Some(i.study_instance_uid.clone().into()));
    put("0020000E", "UI", Some(i.series_instance_uid.clone().into()));
    put("00200013", "IS", i.instance_number.map(Value::from));
    put("00280008", "IS", i.number_of_frames.map(Value::from));
    put("00280010", "US", i.rows.map(Value::from));
    put("00280011", "US", i.columns.map(Value::from));
    Value::Object(out)
}
