//! Makes a series' thumbnail after ingest, so that the study list shows it at once. Queued
//! per series by the ingest pipeline; idempotent (a kept thumbnail is left as it is).
use ferrum_dicom::render::ImageFormat;
use ferrum_store::model::NewJob;

use super::JobContext;
use crate::images::{representative, THUMBNAIL_SIZE};

pub async fn run(ctx: &JobContext, series_uid: &str) -> anyhow::Result<Option<NewJob>> {
    let instances = ctx.catalog.series_instances(series_uid).await?;
    // A series deleted since is nothing to do.
    if let Some(instance) = representative(&instances) {
        ctx.images.thumbnail(instance, THUMBNAIL_SIZE, ImageFormat::Jpeg).await?;
    }
    Ok(None)
}
