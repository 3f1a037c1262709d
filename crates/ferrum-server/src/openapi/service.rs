//! The routes outside `/api` and DICOMweb: probes, metrics, pages, the web app's files,
//! WADO-URI and the bundled OHIF viewer.
use super::{op, Access::*, Op};

const HTML: &str = "text/html";

pub const OPS: &[Op] = &[
    op("GET", "/healthz", "operations", Public, "The process is up").ok(200, "text/plain"),
    op(
        "GET",
        "/readyz",
        "operations",
        Public,
        "The catalog and the blob store answer (503 naming the one that does not)",
    ),
    op(
        "GET",
        "/metrics",
        "operations",
        Public,
        "Counters, gauges and histograms as OpenMetrics text for Prometheus; no patient data in any label",
    )
    .ok(200, "application/openmetrics-text"),
    op(
        "GET",
        "/v/{token}",
        "viewer links",
        Public,
        "The viewer page of a link (opening it is audited); a 410 page without patient data once closed",
    )
    .ok(200, HTML),
    op("GET", "/", "web app", Public, "The web app's page").ok(200, HTML),
    op("GET", "/assets/{path:.*}", "web app", Public, "A file of the web app or the viewer, embedded in the binary")
        .ok(200, "application/octet-stream"),
    op("GET", "/wado", "dicomweb", Account, "WADO-URI: one instance as a picture or as the stored object")
        .query(&[
            "requestType!",
            "studyUID!",
            "seriesUID!",
            "objectUID!",
            "contentType",
            "frameNumber:integer",
            "windowCenter:number",
            "windowWidth:number",
            "rows:integer",
            "columns:integer",
            "transferSyntax",
        ])
        .ok(200, "application/dicom"),
    op("GET", "/ohif", "viewer", Public, "Redirect to the bundled OHIF viewer (404 unless FERRUM_OHIF_DIR is set)")
        .ok(308, ""),
    op("GET", "/ohif/app-config.js", "viewer", Public, "OHIF's configuration, pointing it at this server's DICOMweb")
        .ok(200, "text/javascript"),
    op(
        "GET",
        "/ohif/{path:.*}",
        "viewer",
        Public,
        "A file of the OHIF viewer, or its page for the viewer's own routes",
    )
    .ok(200, HTML),
];
