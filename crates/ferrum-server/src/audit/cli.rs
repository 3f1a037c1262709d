//! `ferrum audit verify | export | prune`: the trail from the command line, for security
//! officers and for the hospital's SIEM, on the same catalog the servers use.
use std::io::Write;

use clap::{Subcommand, ValueEnum};
use ferrum_store::audit::{Action, AuditQuery, NewAuditEvent, Outcome};

use super::key::AuditKey;
use super::{export, retention, verify};
use crate::config::Settings;
use crate::startup::Services;

const PAGE: u32 = 10_000;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken or missing event (exit status 1).
    Verify,
    /// Write the events, oldest first, as CSV, FHIR R4 AuditEvent NDJSON or JSON lines.
    Export {
        /// Events at or after this time (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Events before this time.
        #[arg(long)]
        until: Option<String>,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
    /// Remove the events past FERRUM_AUDIT_RETENTION_DAYS now (servers do it daily).
    Prune,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Fhir,
    Json,
}

fn time(raw: &str) -> anyhow::Result<String> {
    super::parse_time(raw).ok_or_else(|| anyhow::anyhow!("{raw:?} is neither an RFC 3339 time nor a YYYY-MM-DD date"))
}

pub async fn run(settings: &Settings, command: AuditCommand) -> anyhow::Result<bool> {
    let services = Services::open(settings).await?;
    let catalog = services.catalog;
    let key = AuditKey::load(settings.audit_key.as_deref(), &settings.data_dir)?;
    match command {
        AuditCommand::Verify => {
            let verdict = verify::verify(catalog.as_ref(), &key).await?;
            if matches!(verdict, verify::Verdict::Intact { .. }) {
                // What this run found intact is anchored, so that it holds from now on.
                retention::anchor(catalog.as_ref(), &key).await?;
            }
            println!("{}", serde_json::to_string_pretty(&verdict)?);
            Ok(matches!(verdict, verify::Verdict::Intact { .. }))
        }
        AuditCommand::Prune => {
            let checkpoint = retention::prune(catalog.as_ref(), &key, settings.audit_retention_days).await?;
            println!("{}", serde_json::to_string_pretty(&checkpoint)?);
            Ok(true)
        }
        AuditCommand::Export { since, until, format } => {
            let mut query = AuditQuery {
                from: since.as_deref().map(time).transpose()?,
                to: until.as_deref().map(time).transpose()?,
                after_seq: Some(0),
                limit: PAGE,
                ..Default::default()
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut events = 0usize;
            let mut first = true;
            loop {
                let page = catalog.query_audit(&query).await?;
                let Some(last) = page.last() else { break };
                query.after_seq = Some(last.seq);
                events += page.len();
                match format {
                    ExportFormat::Fhir => out.write_all(export::ndjson(&page).as_bytes())?,
                    ExportFormat::Json => {
                        for r in &page {
                            writeln!(out, "{}", export::json(r))?;
                        }
                    }
                    ExportFormat::Csv => {
                        let csv = export::csv(&page)?;
                        // One header, on the first page.
                        let body = if first {
                            &csv[..]
                        } else {
                            &csv[csv.iter().position(|b| *b == b'\n').map_or(0, |i| i + 1)..]
                        };
                        out.write_all(body)?;
                    }
                }
                first = false;
                if (page.len() as u32) < PAGE {
                    break;
                }
            }
            if first && matches!(format, ExportFormat::Csv) {
                out.write_all(&export::csv(&[])?)?;
            }
            out.flush()?;
            let mut event = NewAuditEvent::new("system", Action::ExportAudit, Outcome::Allowed);
            event.detail = Some(serde_json::json!({ "via": "cli", "events": events }));
            catalog.append_audit(&event).await?;
            Ok(true)
        }
    }
}
