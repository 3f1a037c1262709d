//! DICOMweb (PS3.18): the read tree under both roots (an account's bearer token, or a viewer
//! link's token in the path), STOW-RS under `/dicomweb` alone.
use super::{op, Access::*, Body, Op};
use crate::routes::dicomweb::ROOTS;

const STOW_ROOT: &[&str] = &[ROOTS[0]];
const DICOM_JSON: &str = "application/dicom+json";
const MULTIPART: &str = "multipart/related";
const QIDO: &[&str] = &["limit:integer", "offset:integer", "fuzzymatching:boolean", "includefield"];
const TAG: &str = "dicomweb";

pub const OPS: &[Op] = &[
    op("POST", "/studies", TAG, Account, "STOW-RS: store instances through the ingest pipeline")
        .under(STOW_ROOT)
        .body(Body::Stow)
        .ok(200, DICOM_JSON),
    op("POST", "/studies/{study}", TAG, Account, "STOW-RS into one study (instances of other studies are refused)")
        .under(STOW_ROOT)
        .body(Body::Stow)
        .ok(200, DICOM_JSON),
    op("GET", "/studies", TAG, Account, "QIDO-RS: search studies (attribute keywords or tags as matching keys)")
        .under(&ROOTS)
        .query(QIDO)
        .ok(200, DICOM_JSON),
    op("GET", "/studies/{study}/series", TAG, Account, "QIDO-RS: the study's series")
        .under(&ROOTS)
        .query(QIDO)
        .ok(200, DICOM_JSON),
    op("GET", "/series", TAG, Account, "QIDO-RS: search series").under(&ROOTS).query(QIDO).ok(200, DICOM_JSON),
    op("GET", "/studies/{study}/series/{series}/instances", TAG, Account, "QIDO-RS: the series' instances")
        .under(&ROOTS)
        .query(QIDO)
        .ok(200, DICOM_JSON),
    op("GET", "/studies/{study}/instances", TAG, Account, "QIDO-RS: the study's instances")
        .under(&ROOTS)
        .query(QIDO)
        .ok(200, DICOM_JSON),
    op("GET", "/instances", TAG, Account, "QIDO-RS: search instances").under(&ROOTS).query(QIDO).ok(200, DICOM_JSON),
    op("GET", "/studies/{study}/metadata", TAG, Account, "WADO-RS: the study's metadata, bulk data by reference")
        .under(&ROOTS)
        .ok(200, DICOM_JSON),
    op("GET", "/studies/{study}/series/{series}/metadata", TAG, Account, "WADO-RS: the series' metadata")
        .under(&ROOTS)
        .ok(200, DICOM_JSON),
    op(
        "GET",
        "/studies/{study}/series/{series}/instances/{sop}/metadata",
        TAG,
        Account,
        "WADO-RS: the instance's metadata",
    )
    .under(&ROOTS)
    .ok(200, DICOM_JSON),
    op(
        "GET",
        "/studies/{study}",
        TAG,
        Account,
        "WADO-RS: the study's instances (multipart/related application/dicom, or a ZIP)",
    )
    .under(&ROOTS)
    .ok(200, MULTIPART),
    op("GET", "/studies/{study}/series/{series}", TAG, Account, "WADO-RS: the series' instances")
        .under(&ROOTS)
        .ok(200, MULTIPART),
    op(
        "GET",
        "/studies/{study}/series/{series}/instances/{sop}",
        TAG,
        Account,
        "WADO-RS: one instance, stored or transcoded",
    )
    .under(&ROOTS)
    .ok(200, MULTIPART),
    op(
        "GET",
        "/studies/{study}/series/{series}/instances/{sop}/frames/{frames}",
        TAG,
        Account,
        "WADO-RS: frames' pixel data",
    )
    .under(&ROOTS)
    .ok(200, MULTIPART),
    op(
        "GET",
        "/studies/{study}/series/{series}/instances/{sop}/rendered",
        TAG,
        Account,
        "WADO-RS: the instance as a picture",
    )
    .under(&ROOTS)
    .ok(200, "image/jpeg"),
    op(
        "GET",
        "/studies/{study}/series/{series}/instances/{sop}/frames/{frame}/rendered",
        TAG,
        Account,
        "WADO-RS: a frame as a picture",
    )
    .under(&ROOTS)
    .ok(200, "image/jpeg"),
    op("GET", "/studies/{study}/thumbnail", TAG, Account, "WADO-RS: the study's thumbnail")
        .under(&ROOTS)
        .ok(200, "image/jpeg"),
    op("GET", "/studies/{study}/series/{series}/thumbnail", TAG, Account, "WADO-RS: the series' thumbnail")
        .under(&ROOTS)
        .ok(200, "image/jpeg"),
    op(
        "GET",
        "/studies/{study}/series/{series}/instances/{sop}/thumbnail",
        TAG,
        Account,
        "WADO-RS: the instance's thumbnail",
    )
    .under(&ROOTS)
    .ok(200, "image/jpeg"),
];
