//! A de-identified export: the same file-set, every object rewritten by
//! `ferrum_dicom::deid` under one context for the whole export (so UIDs that point at each
//! other still do, one patient keeps one pseudonym, and every date moves by one offset), the
//! objects that declare burned-in annotation left out unless asked for, and the DICOMDIR and
//! manifest described by the written objects ([`super::Layout::described_by`]).
//!
//! The context's secret is random and kept nowhere: nobody, this service included, can map
//! an export's new UIDs back to the stored ones, and two exports of the same data share no
//! UID.
use ferrum_dicom::deid::{Context, DeidError};
use ferrum_store::model::{ExportScope, InstanceRecord};
use ferrum_store::{BlobKey, BlobStore};
use futures_util::TryStreamExt;
use rand::RngCore;
use serde_json::{json, Value};

use super::{Layout, Transform};

/// What the manifest says of the method (the words of De-identification Method).
pub const METHOD: &str = "PS3.15 Basic Application Confidentiality Profile; Retain Longitudinal Temporal \
                          Information with Modified Dates; Clean Descriptors; Retain Patient Characteristics";

/// What a de-identified export's manifest states in place of the original scope.
#[derive(Debug, Clone)]
pub struct Deidentification {
    /// The scope by its new values: the study's new UID, the patient's pseudonym; an
    /// account's export names no account.
    pub scope: Value,
    pub left_out_burned_in: u64,
}

/// A fresh context for one export: 32 random bytes, never stored.
pub fn new_context(keep_burned_in: bool) -> Context {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    Context::new(secret.to_vec()).keep_burned_in(keep_burned_in)
}

/// The transform that de-identifies each object under `context`. An object that cannot be
/// rewritten stops the export: it is never written as stored, and leaving it out silently
/// would make an export that looks whole and is not.
pub fn transform(context: Context) -> Transform {
    Transform::new(move |_, bytes| match ferrum_dicom::deid::deidentify(&bytes, &context) {
        Ok(out) => Ok(out.bytes),
        Err(DeidError::BurnedIn) => {
            anyhow::bail!("an object with burned-in annotation reached the writer; the export was stopped")
        }
        Err(e) => anyhow::bail!("an object cannot be de-identified ({e}); the export was stopped"),
    })
}

/// Removes from `layout` the objects that declare Burned In Annotation = YES (as catalogued
/// at ingest, or read now for objects catalogued before the flag was kept; an object that
/// cannot be read counts as burned in). Answers how many were removed.
pub async fn leave_out_burned_in(blobs: &dyn BlobStore, layout: &mut Layout) -> anyhow::Result<u64> {
    let mut burned = std::collections::HashSet::new();
    for file in layout.files() {
        if burned_in(blobs, file.instance).await? {
            burned.insert(file.instance.sop_instance_uid.clone());
        }
    }
    Ok(layout.retain(|i| !burned.contains(&i.sop_instance_uid)))
}

async fn burned_in(blobs: &dyn BlobStore, instance: &InstanceRecord) -> anyhow::Result<bool> {
    if let Some(flag) = instance.burned_in_annotation {
        return Ok(flag);
    }
    let stored: Vec<u8> = blobs
        .get(&BlobKey::parse(&instance.blob_key)?, None)
        .await?
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await?;
    let inspected = tokio::task::spawn_blocking(move || ferrum_dicom::inspect(std::io::Cursor::new(stored))).await?;
    Ok(inspected.map_or(true, |i| i.attributes.instance.burned_in_annotation == Some(true)))
}

/// The scope as a de-identified manifest states it.
pub fn scope(scope: &ExportScope, context: &Context) -> Value {
    match scope {
        ExportScope::Study(uid) => json!({ "study_instance_uid": context.uid(uid) }),
        ExportScope::Patient(id) => json!({ "patient_id": context.patient_pseudonym(id) }),
        ExportScope::Uploader(_) => json!({ "uploads_of": "an account" }),
    }
}
