//! QIDO-RS through a de-identified link: its one study, the study's series and instances,
//! matched in memory against the de-identified headers. The catalog's search columns hold
//! the original values, which this root never matches on: a holder who tries a real name
//! or date learns nothing from the answer.
//!
//! The matching is the standard's (single values, lists, `*`/`?` wildcards, date and time
//! ranges, UID lists), case- and accent-insensitive for names and text as the search engine
//! is; `fuzzymatching=true` looks for each word of the name in the study's text.
use actix_web::{HttpRequest, HttpResponse};
use ferrum_dicom::deid::Context;
use ferrum_store::catalog::{QidoLevel, QidoQuery, QidoRow};
use ferrum_store::model::{InstanceRecord, SeriesDetail};
use ferrum_store::search::fold;
use serde_json::{Map, Value};

use super::super::caller::Caller;
use super::super::qido::{level_name, parse, respond};
use crate::audit::{Access, Action};
use crate::error::ApiError;
use crate::state::AppState;

#[allow(clippy::too_many_arguments)]
pub async fn search(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    context: &Context,
    level: QidoLevel,
    study: Option<String>,
    series: Option<String>,
    params: Vec<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let in_study = study.is_some();
    let parsed = parse(level, study, series, params)?;
    let q = &parsed.query;
    let view = super::view(state, caller, context).await?;
    let study_uid = context.uid(&view.study.summary.study_instance_uid);
    let mut modalities: Vec<String> = view.study.series.iter().filter_map(|s| s.modality.clone()).collect();
    modalities.sort();
    modalities.dedup();
    let num_instances = view.instances().count() as i64;

    // Narrowed by UID first, so that only the candidates' objects are read.
    let mut candidates: Vec<(&SeriesDetail, &InstanceRecord)> = Vec::new();
    if listed(&q.study_uids, &study_uid) {
        for series in &view.study.series {
            if level != QidoLevel::Study && !listed(&q.series_uids, &context.uid(&series.series_instance_uid)) {
                continue;
            }
            match level {
                QidoLevel::Instance => candidates.extend(
                    series
                        .instances
                        .iter()
                        .filter(|i| listed(&q.sop_uids, &context.uid(&i.sop_instance_uid)))
                        .map(|i| (series, i)),
                ),
                _ => candidates.push((series, &series.instances[0])),
            }
            if level == QidoLevel::Study {
                break;
            }
        }
    }
    let mut rows = Vec::new();
    for (series, instance) in candidates {
        let header = super::header(state, context, instance).await?;
        if !matches(q, &header, &modalities) {
            continue;
        }
        rows.push(QidoRow {
            study_uid: study_uid.clone(),
            series_uid: (level != QidoLevel::Study).then(|| context.uid(&series.series_instance_uid)),
            sop_uid: (level == QidoLevel::Instance).then(|| context.uid(&instance.sop_instance_uid)),
            num_series: view.study.series.len() as i64,
            num_instances,
            modalities: Some(modalities.join(",")),
            series_instances: (level != QidoLevel::Study).then_some(series.instances.len() as i64),
            dataset: Some(Value::Object(header).to_string()),
        });
    }
    let rows: Vec<QidoRow> = rows.into_iter().skip(q.offset as usize).take(q.limit as usize).collect();
    let access = Access::new(caller.actor(), Action::SearchStudies, req)
        .with("via", "dicomweb")
        .with("level", level_name(level))
        .with("filters", &parsed.matched)
        .with("results", rows.len())
        .with("study_uids", if rows.is_empty() { vec![] } else { vec![view.study.summary.study_instance_uid.clone()] });
    respond(req, state, caller, (level, in_study), &parsed, rows, access).await
}

/// An empty list matches every UID.
fn listed(uids: &[String], uid: &str) -> bool {
    uids.is_empty() || uids.iter().any(|u| u == uid)
}

fn matches(q: &QidoQuery, header: &Map<String, Value>, modalities: &[String]) -> bool {
    let s = &q.study;
    let text = |tag: &str| values(header, tag).into_iter().next();
    let number = |tag: &str| text(tag).and_then(|v| v.trim().parse::<i64>().ok());
    s.patient_name.as_deref().is_none_or(|p| names_match(p, &values(header, "00100010")))
        && s.referring_physician.as_deref().is_none_or(|p| names_match(p, &values(header, "00080090")))
        && s.patient_id.as_deref().is_none_or(|p| text("00100020").is_some_and(|v| value_matches(p, &v)))
        && s.accession.as_deref().is_none_or(|p| text("00080050").is_some_and(|v| value_matches(p, &v)))
        && s.description.as_deref().is_none_or(|p| text("00081030").is_some_and(|v| words_match(p, &v)))
        && (s.modalities.is_empty() || s.modalities.iter().any(|m| modalities.contains(m)))
        && in_range(text("00080020"), s.date_from.as_deref(), s.date_to.as_deref())
        && in_range(text("00080030").map(|t| time_of(&t)), s.time_from.as_deref(), s.time_to.as_deref())
        && s.q.as_deref().is_none_or(|words| fuzzy(words, header))
        && (q.series_modalities.is_empty()
            || text("00080060").is_some_and(|m| q.series_modalities.contains(&m.trim().to_ascii_uppercase())))
        && q.series_number.is_none_or(|n| number("00200011") == Some(n))
        && (q.sop_class_uids.is_empty() || text("00080016").is_some_and(|c| q.sop_class_uids.contains(&c)))
        && q.instance_number.is_none_or(|n| number("00200013") == Some(n))
}

/// Every value of an attribute as text; a person name gives each of its component groups.
fn values(header: &Map<String, Value>, tag: &str) -> Vec<String> {
    let Some(Value::Array(list)) = header.get(tag).and_then(|a| a.get("Value")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in list {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Object(pn) => out.extend(
                ["Alphabetic", "Ideographic", "Phonetic"]
                    .iter()
                    .filter_map(|k| pn.get(*k)?.as_str())
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    out
}

/// `*` any run, `?` one character.
fn glob(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut resume) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            resume = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            t = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

fn folded_glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = fold(pattern).chars().collect();
    let t: Vec<char> = fold(text).chars().collect();
    glob(&p, &t)
}

/// A single value or a wildcard pattern, case and accents aside.
fn value_matches(pattern: &str, value: &str) -> bool {
    folded_glob(pattern.trim(), value.trim())
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(['^', ' ', '=', ',']).filter(|w| !w.is_empty())
}

/// A name matches as the search engine matches it: the whole name, or each word of the
/// pattern some component of the name (so the family name alone, or both in either order).
fn names_match(pattern: &str, names: &[String]) -> bool {
    names.iter().any(|name| {
        folded_glob(pattern, name) || {
            let parts: Vec<&str> = words(name).collect();
            words(pattern).all(|w| parts.iter().any(|part| folded_glob(w, part)))
        }
    })
}

/// Each word of the pattern some word of the text (descriptions are matched by word).
fn words_match(pattern: &str, text: &str) -> bool {
    folded_glob(pattern, text) || {
        let parts: Vec<&str> = words(text).collect();
        words(pattern).all(|w| parts.iter().any(|part| folded_glob(w, part)))
    }
}

/// `HHMMSS` of a TM value, padded as the query's bounds are.
fn time_of(raw: &str) -> String {
    let digits: String = raw.split('.').next().unwrap_or("").chars().filter(char::is_ascii_digit).take(6).collect();
    format!("{digits:0<6}")
}

fn in_range(value: Option<String>, from: Option<&str>, to: Option<&str>) -> bool {
    if from.is_none() && to.is_none() {
        return true;
    }
    let Some(v) = value.map(|v| v.trim().to_owned()) else { return false };
    from.is_none_or(|f| v.as_str() >= f) && to.is_none_or(|t| v.as_str() <= t)
}

/// Each word of `q` somewhere in the study's names, identifiers and descriptions.
fn fuzzy(q: &str, header: &Map<String, Value>) -> bool {
    let text: String = ["00100010", "00100020", "00080050", "00081030", "0008103E"]
        .iter()
        .flat_map(|t| values(header, t))
        .map(|v| fold(&v))
        .collect::<Vec<_>>()
        .join(" ");
    words(&fold(q)).all(|w| text.contains(w.trim_matches(['*', '?'])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(p: &str, t: &str) -> bool {
        glob(&p.chars().collect::<Vec<_>>(), &t.chars().collect::<Vec<_>>())
    }

    #[test]
    fn wildcards_match_as_dicom_says() {
        assert!(g("*", ""));
        assert!(g("mul*", "muller"));
        assert!(g("*ll*", "muller"));
        assert!(g("m?ller", "muller"));
        assert!(!g("m?ller", "mller"));
        assert!(!g("mul", "muller"));
        assert!(g("a*b*c", "axxbyyc"));
        assert!(!g("a*b*c", "axxbyy"));
    }

    #[test]
    fn names_match_by_component_in_either_order_accents_aside() {
        let names = vec!["MÜLLER^HANS".to_owned()];
        assert!(names_match("muller", &names));
        assert!(names_match("hans muller", &names));
        assert!(names_match("MULLER^HANS", &names));
        assert!(names_match("*ll*", &names));
        assert!(!names_match("meier", &names));
    }

    #[test]
    fn ranges_take_open_ends() {
        assert!(in_range(Some("20240105".into()), Some("20240101"), None));
        assert!(!in_range(Some("20231231".into()), Some("20240101"), Some("20241231")));
        assert!(!in_range(None, Some("20240101"), None));
        assert!(in_range(None, None, None));
        assert_eq!(time_of("10:30"), "103000");
    }
}
