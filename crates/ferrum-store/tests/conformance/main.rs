//! Conformance suites: every Catalog and every BlobStore backend must pass the same cases.
//! Each case is written once, generic over the trait object; `backends!` instantiates the
//! list for one backend. A backend that cannot be reached fails its cases, never skips them.
mod blob;
mod catalog;
mod dicom_nodes;
mod erase;
mod export;
mod metadata;
mod plans;
mod privacy;
mod search;
mod upgrade;

/// Instantiates `cases` as `#[tokio::test]`s in module `$module`, each with a fresh store
/// from `$factory` (which answers the store and a guard that cleans it up).
#[macro_export]
macro_rules! backends {
    ($module:ident, $factory:ident, $suite:ident, [$($case:ident),* $(,)?]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (store, _guard) = super::$factory().await;
                    $crate::$suite::$case(store).await;
                }
            )*
        }
    };
}
