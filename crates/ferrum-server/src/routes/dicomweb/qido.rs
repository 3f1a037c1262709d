//! QIDO-RS (PS3.18 10.6): study, series and instance searches run on the study search
//! engine, inside what the caller may see, answered as DICOM JSON built from the metadata
//! kept at ingest (never from the stored objects).
use actix_web::{web, HttpRequest, HttpResponse};
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_dictionary_std::StandardDataDictionary;
use ferrum_store::catalog::{QidoLevel, QidoQuery, QidoRow};
use ferrum_store::model::StudyQuery;
use serde_json::{json, Map, Value};

use super::caller::Caller;
use super::metadata::DICOM_JSON;
use super::target;
use crate::audit::{self, Access, Action};
use crate::error::ApiError;
use crate::routes::studies::path_uid;
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;
const MAX_OFFSET: i64 = 100_000;

/// The attributes returned by default at each level (PS3.18 Tables 6.7.1-2, -2a, -2b).
const STUDY_KEYS: &[&str] = &[
    "00080005", "00080020", "00080030", "00080050", "00080056", "00080061", "00080090", "00080201", "00081190",
    "00100010", "00100020", "00100030", "00100040", "0020000D", "00200010", "00201206", "00201208",
];
const SERIES_KEYS: &[&str] = &[
    "00080005", "00080060", "00080201", "0008103E", "00081190", "0020000E", "00200011", "00201209", "00400244",
    "00400245", "00400275",
];
const INSTANCE_KEYS: &[&str] = &[
    "00080005", "00080016", "00080018", "00080056", "00080201", "00081190", "00200013", "00280010", "00280011",
    "00280100", "00280008",
];

pub async fn studies(req: HttpRequest, state: web::Data<AppState>, caller: Caller, q: Params) -> Answer {
    search(&req, &state, &caller, QidoLevel::Study, None, None, q.into_inner()).await
}

pub async fn study_series(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Study>,
    q: Params,
) -> Answer {
    let study = path_uid(&path.study, "study")?.as_str().to_owned();
    search(&req, &state, &caller, QidoLevel::Series, Some(study), None, q.into_inner()).await
}

pub async fn series(req: HttpRequest, state: web::Data<AppState>, caller: Caller, q: Params) -> Answer {
    search(&req, &state, &caller, QidoLevel::Series, None, None, q.into_inner()).await
}

pub async fn series_instances(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Series>,
    q: Params,
) -> Answer {
    let target::Series { study, series } = path.into_inner();
    let study = path_uid(&study, "study")?.as_str().to_owned();
    let series = path_uid(&series, "series")?.as_str().to_owned();
    search(&req, &state, &caller, QidoLevel::Instance, Some(study), Some(series), q.into_inner()).await
}

pub async fn study_instances(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<target::Study>,
    q: Params,
) -> Answer {
    let study = path_uid(&path.study, "study")?.as_str().to_owned();
    search(&req, &state, &caller, QidoLevel::Instance, Some(study), None, q.into_inner()).await
}

pub async fn instances(req: HttpRequest, state: web::Data<AppState>, caller: Caller, q: Params) -> Answer {
    search(&req, &state, &caller, QidoLevel::Instance, None, None, q.into_inner()).await
}

type Params = web::Query<Vec<(String, String)>>;
type Answer = Result<HttpResponse, ApiError>;

/// A parsed search (also what C-FIND's identifier becomes): the catalog's query, the tags to add to the defaults (`None`: all the
/// kept metadata) and the parameters ignored.
pub(crate) struct Parsed {
    pub query: QidoQuery,
    pub include: Option<Vec<String>>,
    pub ignored: Vec<String>,
    pub matched: Vec<String>,
}

async fn search(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    level: QidoLevel,
    study: Option<String>,
    series: Option<String>,
    params: Vec<(String, String)>,
) -> Answer {
    if let Some(context) = &caller.deid {
        return super::deidentified::search(req, state, caller, context, level, study, series, params).await;
    }
    let in_study = study.is_some();
    let parsed = parse(level, study, series, params)?;
    let rows = state.catalog.qido(&caller.principal, &parsed.query).await?;
    let access = Access::new(caller.actor(), Action::SearchStudies, req)
        .with("via", "dicomweb")
        .with("level", level_name(level))
        .with("filters", &parsed.matched)
        .with("results", rows.len())
        .with("study_uids", {
            let mut uids: Vec<&str> = rows.iter().map(|r| r.study_uid.as_str()).collect();
            uids.dedup();
            uids
        });
    respond(req, state, caller, (level, in_study), &parsed, rows, access).await
}

/// The search's answer: each row as DICOM JSON, a `Warning` for each parameter ignored;
/// built while `access` is made durable, and sent only once it is.
pub(super) async fn respond(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    (level, in_study): (QidoLevel, bool),
    parsed: &Parsed,
    rows: Vec<QidoRow>,
    access: Access,
) -> Answer {
    let base = super::metadata::dicomweb_base(req, state, &caller.root);
    let include = parsed.include.clone();
    let built = tokio::task::spawn_blocking(move || {
        let body: Vec<Value> = rows.iter().map(|r| answer_row(r, level, in_study, include.as_deref(), &base)).collect();
        Value::Array(body).to_string()
    });
    let (audited, built) = tokio::join!(audit::record(state, access), built);
    audited?;
    let mut resp = HttpResponse::Ok();
    resp.content_type(DICOM_JSON);
    for p in &parsed.ignored {
        resp.append_header(("Warning", format!("299 ferrum \"The {p} parameter is not supported and was ignored\"")));
    }
    Ok(resp.body(built.map_err(ApiError::internal)?))
}

pub(crate) fn level_name(level: QidoLevel) -> &'static str {
    match level {
        QidoLevel::Study => "study",
        QidoLevel::Series => "series",
        QidoLevel::Instance => "instance",
    }
}

/// The tag of a keyword or of eight hex digits, upper case.
fn tag_of(key: &str) -> Option<String> {
    if key.len() == 8 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(key.to_ascii_uppercase());
    }
    let tag = StandardDataDictionary.by_name(key)?.tag_range().inner();
    Some(format!("{:04X}{:04X}", tag.group(), tag.element()))
}

fn bad(message: String) -> ApiError {
    ApiError::BadRequest(message)
}

/// A list of values: `\` separates them (PS3.4 C.2.2.2.2), and so does `,` (PS3.18 8.3.4.1).
fn list(value: &str) -> Vec<String> {
    value.split(['\\', ',']).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

/// A DA range: `D`, `D1-D2`, `-D2`, `D1-`; `YYYYMMDD` each.
fn date_range(raw: &str) -> Result<(Option<String>, Option<String>), ApiError> {
    let ok = |d: &str| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit());
    let (from, to) = match raw.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (raw.trim(), raw.trim()),
    };
    if (from.is_empty() && to.is_empty()) || (!from.is_empty() && !ok(from)) || (!to.is_empty() && !ok(to)) {
        return Err(bad(format!("StudyDate {raw:?} is not a date (YYYYMMDD) or a range of dates (YYYYMMDD-YYYYMMDD)")));
    }
    if !from.is_empty() && !to.is_empty() && from > to {
        return Err(bad(format!("StudyDate {raw:?} ends before it starts")));
    }
    Ok(((!from.is_empty()).then(|| from.into()), (!to.is_empty()).then(|| to.into())))
}

/// A TM range: `HH[MM[SS[.F]]]` each end; the upper end inclusive of what it leaves out.
fn time_range(raw: &str) -> Result<(Option<String>, Option<String>), ApiError> {
    let clean = |t: &str| -> Option<String> {
        let t = t.split('.').next().unwrap_or("").replace(':', "");
        (matches!(t.len(), 2 | 4 | 6) && t.bytes().all(|b| b.is_ascii_digit())).then_some(t)
    };
    let (from, to) = match raw.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (raw.trim(), raw.trim()),
    };
    let bad_time = || bad(format!("StudyTime {raw:?} is not a time (HHMMSS) or a range of times (HHMMSS-HHMMSS)"));
    if from.is_empty() && to.is_empty() {
        return Err(bad_time());
    }
    let from = if from.is_empty() { None } else { Some(format!("{:0<6}", clean(from).ok_or_else(bad_time)?)) };
    let to = if to.is_empty() { None } else { Some(format!("{:9<6}", clean(to).ok_or_else(bad_time)?)) };
    Ok((from, to))
}

fn number(key: &str, raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse().map_err(|_| bad(format!("{key} {raw:?} is not an integer")))
}

pub(crate) fn parse(
    level: QidoLevel,
    study: Option<String>,
    series: Option<String>,
    params: Vec<(String, String)>,
) -> Result<Parsed, ApiError> {
    let mut query = QidoQuery {
        level,
        study: StudyQuery::default(),
        study_uids: Vec::new(),
        series_uids: Vec::new(),
        series_modalities: Vec::new(),
        series_number: None,
        sop_uids: Vec::new(),
        sop_class_uids: Vec::new(),
        instance_number: None,
        limit: DEFAULT_LIMIT,
        offset: 0,
    };
    let mut include: Option<Vec<String>> = Some(Vec::new());
    let mut ignored = Vec::new();
    let mut matched = Vec::new();
    let mut fuzzy = false;
    let mut patient_name = None;
    for (key, value) in params {
        match key.as_str() {
            "limit" => query.limit = number("limit", &value)?.clamp(1, MAX_LIMIT),
            "offset" => {
                let n = number("offset", &value)?;
                if !(0..=MAX_OFFSET).contains(&n) {
                    return Err(bad(format!("offset must be between 0 and {MAX_OFFSET}")));
                }
                query.offset = n;
            }
            "fuzzymatching" => match value.as_str() {
                "true" => fuzzy = true,
                "false" => fuzzy = false,
                _ => return Err(bad("fuzzymatching is true or false".into())),
            },
            "includefield" => {
                for field in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                    if field == "all" {
                        include = None;
                        continue;
                    }
                    let tag =
                        tag_of(field).ok_or_else(|| bad(format!("includefield {field:?} is not an attribute")))?;
                    if let Some(list) = include.as_mut() {
                        list.push(tag);
                    }
                }
            }
            _ => {
                let Some(tag) = tag_of(&key) else {
                    // A keyword no dictionary knows is a mistake in the match, not an extension.
                    if key.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                        return Err(bad(format!("{key:?} is not a DICOM attribute keyword or tag")));
                    }
                    ignored.push(key);
                    continue;
                };
                let value = value.trim().to_owned();
                if value.is_empty() || value == "*" {
                    // Universal matching: a return key, not a filter.
                    if let Some(list) = include.as_mut() {
                        list.push(tag);
                    }
                    continue;
                }
                if !apply(&mut query, level, &tag, &value, &mut patient_name)? {
                    ignored.push(key);
                    continue;
                }
                matched.push(tag);
            }
        }
    }
    within(&mut query.study_uids, study);
    within(&mut query.series_uids, series);
    if let Some(name) = patient_name {
        // Fuzzy matching is the engine's typo-tolerant free text; without it, the name's
        // folded words (accents and case aside, wildcards as DICOM's).
        if fuzzy {
            query.study.q = Some(name);
        } else {
            query.study.patient_name = Some(name);
        }
    }
    Ok(Parsed { query, include, ignored, matched })
}

/// Applies one match; false when the attribute is not one this level can match on.
fn apply(
    query: &mut QidoQuery,
    level: QidoLevel,
    tag: &str,
    value: &str,
    patient_name: &mut Option<String>,
) -> Result<bool, ApiError> {
    let s = &mut query.study;
    match tag {
        "00100010" => *patient_name = Some(value.to_owned()),
        "00100020" => s.patient_id = Some(value.to_owned()),
        "00080050" => s.accession = Some(value.to_owned()),
        "00080090" => s.referring_physician = Some(value.to_owned()),
        "00081030" => s.description = Some(value.to_owned()),
        "00080061" => s.modalities = list(value).into_iter().map(|m| m.to_ascii_uppercase()).collect(),
        "00080020" => (s.date_from, s.date_to) = date_range(value)?,
        "00080030" => (s.time_from, s.time_to) = time_range(value)?,
        "0020000D" => query.study_uids.extend(list(value)),
        "00080060" if level != QidoLevel::Study => {
            query.series_modalities = list(value).into_iter().map(|m| m.to_ascii_uppercase()).collect()
        }
        "0020000E" if level != QidoLevel::Study => query.series_uids.extend(list(value)),
        "00200011" if level != QidoLevel::Study => query.series_number = Some(number("SeriesNumber", value)?),
        "00080016" if level == QidoLevel::Instance => query.sop_class_uids.extend(list(value)),
        "00080018" if level == QidoLevel::Instance => query.sop_uids.extend(list(value)),
        "00200013" if level == QidoLevel::Instance => query.instance_number = Some(number("InstanceNumber", value)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// The UID of the path, narrowed by a match of the same attribute (repeated parameters
/// and lists add up): a match that leaves it out matches nothing.
fn within(matched: &mut Vec<String>, path: Option<String>) {
    if let Some(uid) = path {
        let keep = matched.is_empty() || matched.contains(&uid);
        *matched = vec![if keep { uid } else { String::new() }];
    }
}

pub(crate) fn answer_row(
    row: &QidoRow,
    level: QidoLevel,
    in_study: bool,
    include: Option<&[String]>,
    base: &str,
) -> Value {
    let kept: Map<String, Value> = row
        .dataset
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let mut keys: Vec<&str> = match level {
        QidoLevel::Study => STUDY_KEYS.to_vec(),
        // A search across studies answers each match's study attributes too (PS3.18 10.6.3.3).
        QidoLevel::Series if in_study => SERIES_KEYS.to_vec(),
        QidoLevel::Series => [STUDY_KEYS, SERIES_KEYS].concat(),
        QidoLevel::Instance if in_study => [SERIES_KEYS, INSTANCE_KEYS].concat(),
        QidoLevel::Instance => [STUDY_KEYS, SERIES_KEYS, INSTANCE_KEYS].concat(),
    };
    if let Some(extra) = include {
        keys.extend(extra.iter().map(String::as_str));
    }
    let mut out = Map::new();
    match include {
        // `all`: every attribute kept for the row's (or its first) instance.
        None => out.extend(kept.into_iter().filter(|(k, _)| !is_bulk(k))),
        Some(_) => {
            for k in keys {
                if let Some(v) = kept.get(k) {
                    out.insert(k.to_owned(), v.clone());
                }
            }
        }
    }
    let is = |n: i64| json!({"vr": "IS", "Value": [n]});
    out.insert("00201206".into(), is(row.num_series));
    out.insert("00201208".into(), is(row.num_instances));
    if let Some(n) = row.series_instances {
        out.insert("00201209".into(), is(n));
    }
    let modalities: Vec<Value> =
        row.modalities.as_deref().unwrap_or("").split(',').filter(|m| !m.is_empty()).map(Value::from).collect();
    out.insert(
        "00080061".into(),
        if modalities.is_empty() { json!({"vr": "CS"}) } else { json!({"vr": "CS", "Value": modalities}) },
    );
    out.insert("00080056".into(), json!({"vr": "CS", "Value": ["ONLINE"]}));
    let mut url = format!("{base}/studies/{}", segment(&row.study_uid));
    if level != QidoLevel::Study {
        if let Some(series) = &row.series_uid {
            url.push_str(&format!("/series/{}", segment(series)));
        }
    }
    if level == QidoLevel::Instance {
        if let (Some(series), Some(sop)) = (&row.series_uid, &row.sop_uid) {
            url = format!(
                "{base}/studies/{}/series/{}/instances/{}",
                segment(&row.study_uid),
                segment(series),
                segment(sop)
            );
        }
    }
    out.insert("00081190".into(), json!({"vr": "UR", "Value": [url]}));
    // The row's own identifiers, even for an instance whose metadata is not filled in yet.
    out.entry("0020000D").or_insert_with(|| json!({"vr": "UI", "Value": [row.study_uid]}));
    if level != QidoLevel::Study {
        if let Some(s) = &row.series_uid {
            out.entry("0020000E").or_insert_with(|| json!({"vr": "UI", "Value": [s]}));
        }
    }
    if level == QidoLevel::Instance {
        if let Some(s) = &row.sop_uid {
            out.entry("00080018").or_insert_with(|| json!({"vr": "UI", "Value": [s]}));
        }
    }
    Value::Object(out)
}

/// Bulk data is never in a search answer.
fn is_bulk(tag: &str) -> bool {
    tag == "7FE00010" || tag == "7FE00008" || tag == "7FE00009"
}

fn segment(uid: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');
    percent_encoding::utf8_percent_encode(uid, SEGMENT).to_string()
}
