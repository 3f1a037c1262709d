//! Shared pieces of the benchmarks: a synthetic CT corpus, starting servers (Ferrum and the
//! Orthanc reference), measuring peak memory, a small C-FIND client, and printing figures.
#![forbid(unsafe_code)]

pub mod corpus;
pub mod drill;
pub mod find_client;
pub mod production;
pub mod render_bench;
pub mod seed_files;
pub mod servers;
pub mod stats;
pub mod store_rate;
