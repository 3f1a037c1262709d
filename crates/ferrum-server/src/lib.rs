//! The Ferrum PACS application: configuration, accounts, the ingest pipeline, the HTTP API
//! and the command line. It composes `ferrum-dicom` (what a DICOM object says) and
//! `ferrum-store` (where it is kept); HTTP types stay in this crate.
#![forbid(unsafe_code)]

pub mod archive;
pub mod audit;
pub mod auth;
mod backup;
pub mod cli;
pub mod config;
mod config_check;
pub mod deid;
pub mod dimse;
pub mod error;
mod export;
pub mod http;
pub mod images;
mod import;
pub mod ingest;
pub mod jobs;
pub mod measured_blobs;
pub mod metrics;
pub mod ohif;
pub mod openapi;
mod private_files;
pub mod rectify;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod state;
mod sweep;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
