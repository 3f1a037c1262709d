//! OHIF's `app-config.js` as Ferrum serves it in place of the dist's own: one DICOMweb data
//! source at this server's root, authenticated as the web app's session (its bearer token
//! in the tab's `sessionStorage`) or, opened with `?link=TOKEN`, as that viewer link at
//! `/share/TOKEN/dicomweb` (its proof cookie, when the link has a PIN or an opening limit,
//! is the one the link's page set). The file is the same for everyone: it holds no token
//! and no patient data, and works out the root from the page's own address.

/// The script (see `app-config.js` beside this file for what it does and why).
pub const APP_CONFIG: &str = include_str!("app-config.js");
