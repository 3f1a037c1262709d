//! Pictures of stored instances: frames rendered on request, and thumbnails kept as derived
//! objects in the blob store (made in the background after ingest, or on first request).
//! Decoding is CPU work: it runs on the blocking pool, at most one decode per core at a
//! time, so that a burst of requests queues instead of starving the server.
//!
//! Frames asked for by viewers are kept decoded in a bounded [`FrameCache`], so that the
//! next window, size or format of the same slice skips reading, parsing and decoding.
//! Thumbnails made in the background do not go through it: they would push out the frames
//! someone is looking at.
mod frame_cache;

use std::sync::Arc;

use bytes::Bytes;
use ferrum_dicom::render::{self, ImageFormat, RenderError, RenderOptions, Rendered};
use ferrum_store::model::InstanceRecord;
use ferrum_store::{BlobKey, BlobStore, StoreError};
use futures_util::TryStreamExt;
use tokio::sync::Semaphore;

pub use frame_cache::FrameCache;

/// The thumbnail size made in the background and served when none is asked for.
pub const THUMBNAIL_SIZE: u32 = 256;
/// Largest thumbnail edge a client may ask for.
pub const MAX_THUMBNAIL_SIZE: u32 = 512;
/// Sizes kept as derived objects; other sizes are rendered each time.
const KEPT_SIZES: [u32; 3] = [128, THUMBNAIL_SIZE, MAX_THUMBNAIL_SIZE];
/// Largest object decoded in memory.
const MAX_DECODED_OBJECT: i64 = 2 * 1024 * 1024 * 1024;
/// Decoded pixels kept for viewers: 256 frames of 512×512 16-bit CT.
const FRAME_CACHE_BYTES: usize = 128 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("the object is too large to render ({0} bytes)")]
    ObjectTooLarge(i64),
}

/// An image ready to send.
pub struct Picture {
    pub bytes: Bytes,
    pub content_type: &'static str,
}

impl From<Rendered> for Picture {
    fn from(r: Rendered) -> Self {
        Picture { bytes: Bytes::from(r.bytes), content_type: r.content_type }
    }
}

pub struct Images {
    blobs: Arc<dyn BlobStore>,
    decodes: Arc<Semaphore>,
    frames: Arc<FrameCache>,
}

/// The instance that stands for a series: the middle one in display order.
pub fn representative(instances: &[InstanceRecord]) -> Option<&InstanceRecord> {
    instances.get(instances.len() / 2)
}

fn extension(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
    }
}

impl Images {
    pub fn new(blobs: Arc<dyn BlobStore>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Images { blobs, decodes: Arc::new(Semaphore::new(cores)), frames: Arc::new(FrameCache::new(FRAME_CACHE_BYTES)) }
    }

    async fn read(&self, instance: &InstanceRecord) -> Result<Vec<u8>, ImageError> {
        if instance.size_bytes > MAX_DECODED_OBJECT {
            return Err(ImageError::ObjectTooLarge(instance.size_bytes));
        }
        let key = BlobKey::parse(&instance.blob_key)?;
        let mut stream = self.blobs.get(&key, None).await?;
        let mut bytes = Vec::with_capacity(instance.size_bytes as usize);
        while let Some(chunk) = stream.try_next().await.map_err(StoreError::from)? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Renders one frame of a stored instance for a viewer, from the decoded frame when it
    /// is cached, else decoding it and keeping it.
    pub async fn render(&self, instance: &InstanceRecord, options: RenderOptions) -> Result<Picture, ImageError> {
        if let Some(prepared) = self.frames.get(&instance.sha256, options.frame) {
            return self.on_pool(move || prepared.render(&options)).await.map(Picture::from);
        }
        let bytes = self.read(instance).await?;
        let (frames, sha) = (self.frames.clone(), instance.sha256.clone());
        self.on_pool(move || {
            let prepared = Arc::new(render::prepare(&bytes, options.frame)?);
            drop(bytes);
            let rendered = prepared.render(&options);
            frames.insert(&sha, options.frame, prepared);
            rendered
        })
        .await
        .map(Picture::from)
    }

    /// One frame's modality values in their wire form ([`render::ModalityFrame::to_bytes`]), from
    /// the decoded frame when it is cached, else decoding it and keeping it. Colour frames
    /// have none.
    pub async fn values(&self, instance: &InstanceRecord, frame: u32) -> Result<Picture, ImageError> {
        let prepared = match self.frames.get(&instance.sha256, frame) {
            Some(p) => p,
            None => {
                let bytes = self.read(instance).await?;
                let (frames, sha) = (self.frames.clone(), instance.sha256.clone());
                self.on_pool(move || {
                    let prepared = Arc::new(render::prepare(&bytes, frame)?);
                    frames.insert(&sha, frame, prepared.clone());
                    Ok(prepared)
                })
                .await?
            }
        };
        let bytes = self
            .on_pool(move || {
                let values = prepared.modality_values().ok_or(RenderError::NoModalityValues)?;
                Ok(values.to_bytes())
            })
            .await?;
        Ok(Picture { bytes: Bytes::from(bytes), content_type: "application/octet-stream" })
    }

    /// Renders without touching the frame cache: for thumbnails, which are kept as derived
    /// objects instead and would only push viewers' frames out.
    async fn render_once(&self, instance: &InstanceRecord, options: RenderOptions) -> Result<Picture, ImageError> {
        let bytes = self.read(instance).await?;
        self.on_pool(move || render::render(&bytes, &options)).await.map(Picture::from)
    }

    /// Runs `work` on the blocking pool, at most one per core at a time.
    async fn on_pool<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, RenderError> + Send + 'static,
    ) -> Result<T, ImageError> {
        let permit = self.decodes.clone().acquire_owned().await.expect("the decode semaphore is never closed");
        let rendered = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| RenderError::Malformed(format!("the decoder stopped: {e}")))??;
        Ok(rendered)
    }

    /// The thumbnail of `instance` at `size`: the kept derived object, else rendered now (and
    /// kept, for the kept sizes). Pixel data that cannot be decoded gets a neutral
    /// placeholder, never an error: one odd image must not break a study list.
    pub async fn thumbnail(
        &self,
        instance: &InstanceRecord,
        size: u32,
        format: ImageFormat,
    ) -> Result<Picture, ImageError> {
        let kept =
            KEPT_SIZES.contains(&size).then(|| BlobKey::for_thumbnail(&instance.sha256, size, extension(format)));
        if let Some(key) = &kept {
            match self.read_derived(key).await {
                Ok(bytes) => return Ok(Picture { bytes, content_type: format.content_type() }),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let options = RenderOptions { size: Some(size), format, ..RenderOptions::default() };
        let picture = match self.render_once(instance, options).await {
            Ok(p) => p,
            Err(ImageError::Render(e)) => {
                tracing::info!(error = %e, "thumbnail replaced by a placeholder");
                render::placeholder(size, format).into()
            }
            Err(e) => return Err(e),
        };
        if let Some(key) = kept {
            self.blobs.put_bytes(&key, picture.bytes.clone(), None).await?;
        }
        Ok(picture)
    }

    /// Deletes the kept thumbnails of the instance with hash `sha`, in every size and format.
    pub async fn forget_thumbnails(&self, sha: &str) -> Result<(), StoreError> {
        for size in KEPT_SIZES {
            for format in [ImageFormat::Jpeg, ImageFormat::Png] {
                match self.blobs.delete(&BlobKey::for_thumbnail(sha, size, extension(format))).await {
                    Ok(()) | Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    async fn read_derived(&self, key: &BlobKey) -> Result<Bytes, StoreError> {
        let chunks: Vec<Bytes> = self.blobs.get(key, None).await?.try_collect().await.map_err(StoreError::from)?;
        Ok(chunks.concat().into())
    }
}
