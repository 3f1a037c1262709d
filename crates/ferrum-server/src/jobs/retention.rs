//! The retention sweep: erases the studies past their retention (their own date, or
//! `FERRUM_RETENTION_DAYS` after their upload) through the erase path, each in its own
//! transaction with an `erase_study` event by the service (`detail.reason = "retention"`).
//! A study under a legal hold is never taken; one whose hold or date changed since it was
//! listed is looked at again inside the erase and kept. Recurring every
//! `FERRUM_SWEEP_INTERVAL_SECS`, claimed once per deployment like every job.
use std::time::Duration;

use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::model::NewJob;

use super::{job_after, JobContext, SWEEP_RETENTION};

/// Studies listed at a time.
const BATCH: u32 = 100;

/// The default cut-off: a study uploaded before this midnight (UTC) is past `days`.
fn default_cutoff(today: chrono::NaiveDate, days: Option<u32>) -> Option<String> {
    let day = today.checked_sub_signed(chrono::Duration::days(i64::from(days?)))?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

pub async fn run(ctx: &JobContext) -> anyhow::Result<Option<NewJob>> {
    let today = chrono::Utc::now().date_naive();
    let cutoff = default_cutoff(today, ctx.retention_days);
    let today = today.format("%Y-%m-%d").to_string();
    let mut erased = 0usize;
    loop {
        let due = ctx.catalog.expired_studies(&today, cutoff.as_deref(), BATCH).await?;
        let mut this_batch = 0;
        for uid in &due {
            let mut event = NewAuditEvent::new("system", Action::EraseStudy, Outcome::Allowed);
            event.study_uid = Some(uid.clone());
            event.detail = Some(serde_json::json!({ "reason": "retention" }));
            if ctx.catalog.erase_expired(uid, &today, cutoff.as_deref(), &event).await?.is_some() {
                this_batch += 1;
            }
        }
        erased += this_batch;
        if due.len() < BATCH as usize || this_batch == 0 {
            break;
        }
    }
    if erased > 0 {
        tracing::info!(studies = erased, "erased studies past their retention");
    }
    Ok(Some(job_after(SWEEP_RETENTION, "studies", Duration::from_secs(ctx.sweep_interval_secs))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_counts_whole_days_back_from_today() {
        let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(default_cutoff(today, Some(1)).as_deref(), Some("2024-02-29T00:00:00.000000Z"));
        assert_eq!(default_cutoff(today, None), None);
    }
}
