//! Makes a series' thumbnail after ingest, so that the study list shows it at once. Queued
//! per series by the ingest pipeline; idempotent (a kept thumbnail is left as it is). When a
//! growing series gets a new middle instance, the previous one's thumbnails are deleted.
use ferrum_dicom::render::ImageFormat;
use ferrum_store::model::NewJob;

use super::JobContext;
use crate::images::{representative, THUMBNAIL_SIZE};

pub async fn run(ctx: &JobContext, series_uid: &str) -> anyhow::Result<Option<NewJob>> {
    let instances = ctx.catalog.series_instances(&ferrum_store::Principal::System, series_uid).await?;
    // A series deleted since is nothing to do.
    if let Some(instance) = representative(&instances) {
        ctx.images.thumbnail(instance, THUMBNAIL_SIZE, ImageFormat::Jpeg).await?;
        let before = ctx.catalog.swap_series_thumbnail(series_uid, &instance.sha256).await?;
        if let Some(old) = before.filter(|old| *old != instance.sha256) {
            ctx.images.forget_thumbnails(&old).await?;
        }
    }
    Ok(None)
}
