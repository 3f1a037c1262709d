//! Encryption at rest for the local blob directory: AES-256-GCM in independently sealed
//! chunks (so ranges read without decrypting the whole object), a data key per stored DICOM
//! object wrapped by a master key the operator holds.
pub mod chunked;
mod keystore;
mod master;

pub use keystore::{KeyStore, Rewrapped};
pub use master::{MasterKeys, WRAPPED_LEN};
