//! De-identified viewer links: what a link made with `deidentify: true` serves instead of
//! the study as stored. The transform itself is `ferrum_dicom::deid`; this module decides
//! which objects a de-identified view holds, maps the new UIDs its holder sends back to the
//! stored objects, and builds the study JSON and archive from de-identified objects only.
//!
//! Nothing is stored: each object is de-identified when it is served (a de-identified copy
//! would be one more derived object to register and erase, for links that live days). The
//! link's secret (`links.deid_key`) makes every route of one link agree with the others:
//! the same original UID gives the same new UID, one date offset.
pub mod archive;
mod view;

use ferrum_dicom::deid::Context;
use ferrum_store::model::{InstanceRecord, Link};
use ferrum_store::{BlobKey, BlobStore, StoreError};
use futures_util::TryStreamExt;
use rand::RngCore;

pub use view::DeidView;

use crate::error::ApiError;

/// The largest object de-identified (it is held in memory while it is rewritten).
const MAX_OBJECT_BYTES: i64 = 1 << 30;

/// A new link's secret: 32 random bytes, hex.
pub fn new_key() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    hex::encode(key)
}

/// The de-identification context of a de-identified link; `None` for a plain one.
pub fn context(link: &Link) -> Result<Option<Context>, ApiError> {
    link.deid_key
        .as_deref()
        .map(|k| {
            hex::decode(k)
                .map(Context::new)
                .map_err(|_| ApiError::internal(anyhow::anyhow!("a stored de-identification key is not hex")))
        })
        .transpose()
}

/// The stored object's bytes.
pub(crate) async fn read_object(blobs: &dyn BlobStore, instance: &InstanceRecord) -> Result<Vec<u8>, ApiError> {
    if instance.size_bytes > MAX_OBJECT_BYTES {
        return Err(ApiError::Unprocessable {
            code: "object_too_large",
            message: format!("an object of {} bytes is too large to de-identify", instance.size_bytes),
        });
    }
    let mut stream = blobs.get(&BlobKey::parse(&instance.blob_key)?, None).await?;
    let mut bytes = Vec::with_capacity(instance.size_bytes.max(0) as usize);
    while let Some(chunk) = stream.try_next().await.map_err(StoreError::from)? {
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `bytes` de-identified under `context`, off the async workers.
pub(crate) async fn deidentify(
    bytes: Vec<u8>,
    context: &Context,
) -> Result<Result<ferrum_dicom::deid::Deidentified, ferrum_dicom::deid::DeidError>, ApiError> {
    let context = context.clone();
    tokio::task::spawn_blocking(move || ferrum_dicom::deid::deidentify(&bytes, &context))
        .await
        .map_err(ApiError::internal)
}
