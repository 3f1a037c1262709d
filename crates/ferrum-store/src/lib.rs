//! Persistence for Ferrum PACS, behind two narrow traits.
//!
//! - [`Catalog`]: the relational index of patients, studies, series, instances, accounts
//!   and the audit trail. SQLite is the embedded default; every backend passes the same
//!   conformance suite.
//! - [`BlobStore`]: the stored Part-10 objects and derived images, addressed by opaque
//!   [`BlobKey`]s that never come from client input.
//!
//! Each backend turns its own failures (row not found, unique violation, missing file) into
//! [`StoreError`]. SQL and file paths never leave this crate; HTTP never enters it.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod blob;
pub mod catalog;
mod error;
pub mod model;
pub mod search;

pub use access::{Level, Principal};
pub use blob::{BlobKey, BlobStore};
pub use catalog::{write_waits, WriteWaits};
pub use catalog::{
    AccountCatalog, AuditCatalog, Catalog, DicomNodeCatalog, EraseCatalog, ExportCatalog, JobCatalog, LinkCatalog,
    MetadataCatalog, MfaCatalog, OutboxCatalog, RectifyCatalog, RetentionCatalog, SettingCatalog, StudyCatalog,
};
pub use error::{database_locked_errors, StoreError};
