//! The hook through which each object's bytes pass on their way into an archive: identity by
//! default (the stored object, byte for byte, streamed), or a function that rewrites the
//! object (de-identification). A transform that changes what the DICOMDIR or the manifest
//! state (names, UIDs) changes the [`super::Layout`] to match before the archive is written;
//! the manifest's hashes are always of the bytes as written.
use std::sync::Arc;

use ferrum_store::model::InstanceRecord;

/// Rewrites one object, given its catalog record and its stored bytes. Runs on a blocking
/// thread, with the whole object in memory (the identity needs neither).
pub type ObjectFn = dyn Fn(&InstanceRecord, Vec<u8>) -> anyhow::Result<Vec<u8>> + Send + Sync;

#[derive(Clone, Default)]
pub struct Transform(Option<Arc<ObjectFn>>);

impl Transform {
    /// The stored objects as they are.
    pub fn identity() -> Transform {
        Transform(None)
    }

    pub fn new(f: impl Fn(&InstanceRecord, Vec<u8>) -> anyhow::Result<Vec<u8>> + Send + Sync + 'static) -> Transform {
        Transform(Some(Arc::new(f)))
    }

    pub(super) fn function(&self) -> Option<Arc<ObjectFn>> {
        self.0.clone()
    }
}

impl std::fmt::Debug for Transform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Transform(function)" } else { "Transform(identity)" })
    }
}
