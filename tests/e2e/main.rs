//! End-to-end tests: the real `ferrum` binary on a random port with a fresh data directory,
//! driven over HTTP. One test binary (one link step), one module per capability.
mod access;
mod archive;
mod auth;
mod authz;
mod browser;
mod browser_account;
mod browser_sharing;
mod cli;
mod cluster;
mod compose;
mod durability;
mod faults;
mod fixtures;
mod hardening;
mod harness;
mod identity;
mod identity_keys;
mod images;
mod instances;
mod links;
mod real_world;
mod studies;
mod upload_errors;
mod uploads;
mod users;
mod webdriver;
