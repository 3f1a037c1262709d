//! `ferrum export --study UID | --patient ID | --user NAME --out FILE.zip | DIR/`: the API's
//! archive (same layout, DICOMDIR and manifest) written by the service itself, to a ZIP file
//! or unpacked into a folder. Audited as `system` (`detail.via = "cli"`), one `export_study`
//! event per study written before the first byte, as the API does. With `--deidentify`
//! every object is de-identified under one context for the whole export
//! ([`crate::archive::deidentify`]), `detail.deidentified = true`.
use std::path::{Path, PathBuf};

use anyhow::Context;
use ferrum_store::access::Principal;
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::model::ExportScope;

use crate::archive::sink::{DirSink, Sink, ZipSink};
use crate::archive::{deidentify, study_counts, Counts, Export, Layout};
use crate::config::Settings;
use crate::startup::Services;

/// Whether `out` names a folder to unpack into: a trailing `/`, or an existing folder.
fn is_folder(out: &Path) -> bool {
    out.as_os_str().to_string_lossy().ends_with(std::path::MAIN_SEPARATOR) || out.is_dir()
}

/// How the objects are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub deidentify: bool,
    /// With `deidentify`: also write the objects that declare burned-in annotation.
    pub keep_burned_in: bool,
}

pub async fn run(settings: &Settings, scope: ExportScope, out: PathBuf, options: Options) -> anyhow::Result<Counts> {
    let services = Services::open(settings).await?;
    let studies = services.catalog.export_studies(&Principal::System, &scope).await?;
    if studies.is_empty() {
        anyhow::bail!(
            "nothing to export: no such {}",
            match scope {
                ExportScope::Study(_) => "study",
                ExportScope::Patient(_) => "patient ID",
                ExportScope::Uploader(_) => "account's uploads",
            }
        );
    }
    let mut layout = Layout::plan(studies);
    let mut deid = None;
    if options.deidentify {
        let context = deidentify::new_context(options.keep_burned_in);
        let left_out = if options.keep_burned_in {
            0
        } else {
            deidentify::leave_out_burned_in(services.blobs.as_ref(), &mut layout).await?
        };
        if layout.is_empty() {
            anyhow::bail!("nothing to export: every object declares burned-in annotation (see --keep-burned-in)");
        }
        deid = Some((context, left_out));
    }
    let folder = is_folder(&out);
    // Opened before anything is recorded, so that a refused destination leaves no event.
    let sink: Box<dyn Sink> = if folder {
        Box::new(DirSink::create(&out)?)
    } else {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&out)
            .await
            .with_context(|| format!("cannot create {} (it must not exist yet)", out.display()))?;
        Box::new(ZipSink::new(file))
    };
    let mut export = Export::new(scope, layout);
    if let Some((context, left_out_burned_in)) = deid {
        export.deidentified = Some(deidentify::Deidentification {
            scope: deidentify::scope(&export.scope, &context),
            left_out_burned_in,
        });
        export.transform = deidentify::transform(context);
    }
    let counts = export.counts();
    let done = async {
        record(&services, &export).await?;
        crate::archive::write(services.blobs.as_ref(), &export, sink).await.context("the export failed part-way")
    };
    if let Err(e) = done.await {
        if !folder {
            // Half a ZIP is no archive.
            let _ = std::fs::remove_file(&out);
        }
        return Err(e);
    }
    if !folder {
        std::fs::File::open(&out)?.sync_all()?;
    }
    Ok(counts)
}

/// One event per study, before the first byte is written.
async fn record(services: &Services, export: &Export) -> anyhow::Result<()> {
    let scope = match &export.scope {
        ExportScope::Study(_) => "study",
        ExportScope::Patient(_) => "patient",
        ExportScope::Uploader(_) => "user",
    };
    for study in export.layout.studies() {
        let counts = study_counts(study);
        let mut event = NewAuditEvent::new("system", Action::ExportStudy, Outcome::Allowed);
        event.study_uid = Some(study.detail.summary.study_instance_uid.clone());
        let mut detail = serde_json::json!({
            "via": "cli",
            "scope": scope,
            "series": counts.series,
            "instances": counts.instances,
            "bytes": counts.bytes,
        });
        if let ExportScope::Uploader(name) = &export.scope {
            detail["account"] = format!("user:{name}").into();
        }
        if let Some(d) = &export.deidentified {
            detail["deidentified"] = true.into();
            detail["left_out_burned_in"] = d.left_out_burned_in.into();
        }
        event.detail = Some(detail);
        services.catalog.append_audit(&event).await.context("the audit trail cannot be written; nothing exported")?;
    }
    Ok(())
}
