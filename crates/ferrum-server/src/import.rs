//! `ferrum import`: files, folders and ZIPs from disk, through the upload pipeline, with a
//! progress bar and a summary at the end.
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::ingest::{spool, FileStatus, Origin, Uploader};
use crate::startup::Services;

fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = paths.iter().rev().cloned().collect();
    while let Some(p) = stack.pop() {
        let meta = std::fs::metadata(&p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            let mut children: Vec<PathBuf> = std::fs::read_dir(&p)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
            children.sort();
            stack.extend(children.into_iter().rev());
        } else if meta.is_file() {
            files.push(p);
        }
    }
    Ok(files)
}

pub async fn run(settings: &Settings, paths: Vec<PathBuf>, uploader: String) -> anyhow::Result<()> {
    let services = Services::open(settings).await?;
    // An import may be the first use of a data directory, before any `serve`.
    crate::startup::ensure_first_admin(services.catalog.as_ref(), settings).await?;
    let account = services
        .catalog
        .find_user(&uploader)
        .await?
        .filter(|u| !u.deleted)
        .with_context(|| format!("--as: no account named {uploader}"))?;
    // The import acts with the account's own permissions, as an upload by it would.
    let principal = ferrum_store::Principal::User(ferrum_store::access::UserPrincipal {
        id: account.id,
        username: account.username.clone(),
        role: account.role,
        groups: services.catalog.groups_of(account.id).await?,
    });
    let files = collect(&paths)?;
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut session = services.ingestor.session(Uploader {
        principal,
        username: uploader.clone(),
        audit: ferrum_store::audit::NewAuditEvent::new(
            format!("user:{uploader}"),
            ferrum_store::audit::Action::Import,
            ferrum_store::audit::Outcome::Allowed,
        ),
    });
    for file in files {
        let spool_dir = settings.spool_dir();
        let source = file.clone();
        let spooled = tokio::task::spawn_blocking(move || spool::spool_file_blocking(&source, &spool_dir)).await??;
        session.add(display(&file), spooled, Origin::Collection).await?;
        bar.inc(1);
    }
    let report = session.finish().await?;
    // The thumbnails are made by a server later; their jobs must be queued before exiting.
    services.ingestor.thumbnails.flush().await;
    bar.finish_and_clear();

    println!("{:<10} {:>8}", "result", "files");
    for (label, n) in [
        ("stored", report.stored),
        ("duplicate", report.duplicates),
        ("rejected", report.rejected),
        ("skipped", report.skipped),
    ] {
        println!("{label:<10} {n:>8}");
    }
    let problems: Vec<_> =
        report.files.iter().filter(|f| matches!(f.status, FileStatus::Rejected | FileStatus::Skipped)).collect();
    if !problems.is_empty() {
        println!("\n{:<9} {:<50} reason", "status", "file");
        for f in problems {
            let status = if f.status == FileStatus::Rejected { "rejected" } else { "skipped" };
            println!("{status:<9} {:<50} {}", f.name, f.reason.as_deref().unwrap_or(""));
        }
    }
    if !report.studies.is_empty() {
        println!("\n{:<66} instances", "study");
        for s in &report.studies {
            println!("{:<66} {:>9}", s.study_instance_uid, s.instances);
        }
    }
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
