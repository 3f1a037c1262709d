//! Retention of the audit trail: events older than `FERRUM_AUDIT_RETENTION_DAYS` (six years
//! by default) are removed from the oldest end, and a checkpoint signed with the audit key
//! records where the chain now starts, so that `verify` still holds. Runs at start and then
//! daily in every instance; the chain's head lock makes concurrent runs take turns. Every
//! few minutes (`FERRUM_AUDIT_ANCHOR_SECS`) the head is signed into an anchor.
use std::sync::Arc;
use std::time::Duration;

use ferrum_store::audit::{Action, AuditCheckpoint, NewAuditEvent, Outcome};
use ferrum_store::{Catalog, StoreError};

use super::key::AuditKey;

pub async fn prune(
    catalog: &dyn Catalog,
    key: &AuditKey,
    retention_days: u64,
) -> Result<Option<AuditCheckpoint>, StoreError> {
    let before = chrono::Utc::now() - chrono::Duration::days(retention_days.min(365 * 1000) as i64);
    let before = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let sign = |seq: i64, hash: &str, at: &str, pruned: i64| key.sign(seq, hash, at, pruned);
    let checkpoint = catalog.prune_audit(&before, &sign).await?;
    if let Some(c) = &checkpoint {
        let mut event = NewAuditEvent::new("system", Action::PruneAudit, Outcome::Allowed);
        event.detail = Some(serde_json::json!({ "through_seq": c.seq, "pruned_total": c.pruned, "before": before }));
        catalog.append_audit(&event).await?;
        tracing::info!(through_seq = c.seq, "audit events past their retention removed");
    }
    Ok(checkpoint)
}

/// Signs the chain's head. A head that has not moved since its anchor is anchored already:
/// the catalog keeps one anchor per sequence number and ignores the second.
pub async fn anchor(catalog: &dyn Catalog, key: &AuditKey) -> Result<(), StoreError> {
    let (seq, hash) = catalog.audit_head().await?;
    if seq > 0 {
        catalog.add_audit_anchor(&key.anchor(seq, &hash)).await?;
    }
    Ok(())
}

pub fn start(catalog: Arc<dyn Catalog>, key: Arc<AuditKey>, retention_days: u64, anchor_secs: u64) {
    let (anchoring, anchor_key) = (catalog.clone(), key.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(anchor_secs.max(1)));
        loop {
            tick.tick().await;
            if let Err(e) = anchor(anchoring.as_ref(), &anchor_key).await {
                tracing::error!(error = %e, "the audit chain's head could not be anchored; trying again");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            if let Err(e) = prune(catalog.as_ref(), &key, retention_days).await {
                tracing::error!(error = %e, "audit retention failed; it runs again tomorrow");
            }
        }
    });
}
