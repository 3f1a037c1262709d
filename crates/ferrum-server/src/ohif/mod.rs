//! A built OHIF viewer (`FERRUM_OHIF_DIR`, the `dist/` folder of npm's `@ohif/app`) served
//! under `/ohif/`, reading this server's DICOMweb root.
//!
//! The published build expects to live at `/`: its page names `/app.bundle….js`, its
//! bundles load their chunks from the public path `"/"`, its stylesheet fonts from `url(/…)`.
//! Those few places are rewritten to `/ohif/` as the files are served (once per file, kept
//! in memory), so the dist is used as npm ships it, without a rebuild. Its `app-config.js`
//! is replaced by Ferrum's ([`config`]). Nothing here reads patient data; the viewer fetches
//! the study through DICOMweb like any client, with the caller's own credentials.
pub mod config;
mod files;

pub use files::{content_type, OhifDist, Served};

/// Where the viewer is served; its router runs below it.
pub const PREFIX: &str = "/ohif/";
