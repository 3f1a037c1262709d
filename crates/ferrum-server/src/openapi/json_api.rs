//! The JSON API under `/api`.
use super::{op, Access::*, Body, Op};

const API: &[&str] = &["/api"];
const JPEG: &str = "image/jpeg";
const ZIP: &str = "application/zip";
const PAGE: &[&str] = &["limit:integer", "cursor"];
const RENDERED: &[&str] = &["frame:integer", "window", "size:integer", "format"];
const THUMBNAIL: &[&str] = &["size:integer", "format"];
const VALUES: &[&str] = &["frame:integer"];
const RAW: &str = "application/octet-stream";

pub const OPS: &[Op] = &[
    // The reference itself.
    op("GET", "/openapi.json", "reference", Public, "This document").under(API),
    op("GET", "/docs", "reference", Public, "The API reference as a page").under(API).ok(200, "text/html"),
    // Signing in and the caller's own account.
    op("POST", "/auth/login", "identity", Public, "Sign in: access and refresh tokens (401 wrong credentials, mfa_required, mfa_invalid; 423 locked; 429 throttled)")
        .under(API).json(&["username!", "password!", "totp"]),
    op("POST", "/auth/refresh", "identity", Public, "New tokens for a refresh token (each works once; a replayed one ends the session)")
        .under(API).json(&["refresh_token!"]),
    op("POST", "/auth/logout", "identity", Account, "End the caller's session").under(API).ok(204, ""),
    op("GET", "/me", "identity", Account, "The caller's account: name, role, MFA state").under(API),
    op("POST", "/me/mfa/totp", "identity", Account, "Start TOTP enrolment: a secret, its otpauth URL and a QR code").under(API),
    op("DELETE", "/me/mfa/totp", "identity", Account, "Turn TOTP off (password and a code or recovery code)")
        .under(API).json(&["password!", "code!"]).ok(204, ""),
    op("POST", "/me/mfa/totp/verify", "identity", Account, "Confirm TOTP enrolment with a code: ten recovery codes, shown once")
        .under(API).json(&["code!"]),
    op("GET", "/me/sessions", "identity", Account, "The caller's open sessions").under(API),
    op("DELETE", "/me/sessions", "identity", Account, "End every other session of the caller").under(API),
    op("DELETE", "/me/sessions/{id}", "identity", Account, "End one of the caller's sessions").under(API).ok(204, ""),
    op("POST", "/me/password", "identity", Account, "Change the caller's password; other sessions end")
        .under(API).json(&["current_password!", "new_password!"]).ok(204, ""),
    op("GET", "/me/activity", "audit", Account, "The caller's own logins and actions").under(API).query(PAGE),
    // Accounts and settings.
    op("GET", "/settings/mfa", "accounts", Admin, "The roles that must use TOTP").under(API),
    op("PUT", "/settings/mfa", "accounts", Admin, "Set the roles that must use TOTP").under(API).json(&["required_roles:array!"]),
    op("POST", "/users", "accounts", Admin, "Create an account").under(API).json(&["username!", "password!", "role!"]).ok(201, super::JSON),
    op("GET", "/users", "accounts", Admin, "The accounts, with lockout, disabled and MFA state").under(API),
    op("PATCH", "/users/{name}", "accounts", Admin, "Change an account's role or password, disable or enable it")
        .under(API).json(&["role", "password", "disabled:boolean"]),
    op("DELETE", "/users/{name}", "accounts", Admin, "Delete an account; `studies` says what becomes of its studies (`to` an heir)")
        .under(API).query(&["studies", "to"]),
    op("POST", "/users/{name}/unlock", "accounts", Admin, "Lift a lockout after failed logins").under(API),
    op("GET", "/users/{name}/archive", "export", Account, "Every instance the account uploaded that the caller may see, as a DICOM file-set ZIP")
        .under(API).ok(200, ZIP),
    op("POST", "/groups", "accounts", Admin, "Create a group").under(API).json(&["name!"]).ok(201, super::JSON),
    op("GET", "/groups", "accounts", Admin, "The groups and their members").under(API),
    op("PATCH", "/groups/{name}", "accounts", Admin, "Rename a group").under(API).json(&["name!"]),
    op("DELETE", "/groups/{name}", "accounts", Admin, "Delete a group, withdrawing what was shared with it").under(API).ok(204, ""),
    op("PUT", "/groups/{name}/members/{user}", "accounts", Admin, "Add an account to a group").under(API).ok(204, ""),
    op("DELETE", "/groups/{name}/members/{user}", "accounts", Admin, "Remove an account from a group").under(API).ok(204, ""),
    op("GET", "/directory", "accounts", Account, "Names of accounts and groups starting with `q`, to share with").under(API).query(&["q"]),
    // Uploads and the catalog.
    op("POST", "/uploads", "studies", Account, "Upload DICOM files, ZIPs or a multipart form: an outcome per file (201 something stored, 200 all duplicates, 422 nothing accepted)")
        .under(API).body(Body::Upload).ok(201, super::JSON),
    op("GET", "/studies", "studies", Account, "Search the studies the caller may see: filters, sort, keyset cursor, CSV with format=csv")
        .under(API)
        .query(&["patient_name", "patient_id", "accession", "birth_date", "modality", "date_from", "date_to", "time_from",
                 "time_to", "description", "referring_physician", "institution", "uploader", "uploaded_from", "uploaded_to",
                 "restricted:boolean", "shared:boolean", "q", "scope", "limit:integer", "cursor", "sort", "format"]),
    op("GET", "/studies/{study_uid}", "studies", Account, "A study with its series and instances, retention and legal hold").under(API),
    op("PATCH", "/studies/{study_uid}", "privacy", Admin, "Rectify a study's patient and study attributes in every object")
        .under(API)
        .json(&["patient_name", "patient_id", "patient_birth_date", "patient_sex", "accession_number", "study_description"]),
    op("DELETE", "/studies/{study_uid}", "privacy", Account, "Erase a study (owner or admin): catalog rows now, blobs through the outbox").under(API),
    op("DELETE", "/series/{series_uid}", "privacy", Account, "Erase a series (owner or admin)").under(API),
    op("DELETE", "/patients/{patient_id}", "privacy", Admin, "Erase every study of a patient, in one transaction").under(API),
    op("GET", "/patients/{patient_id}/archive", "export", Admin, "Every study of a patient as one DICOM file-set ZIP").under(API).ok(200, ZIP),
    op("GET", "/studies/{study_uid}/archive", "export", Account, "The study as a DICOM file-set ZIP with a DICOMDIR and a manifest")
        .under(API).ok(200, ZIP),
    op("GET", "/studies/{study_uid}/thumbnail", "images", Account, "The study's thumbnail (its first series')")
        .under(API).query(THUMBNAIL).ok(200, JPEG),
    op("GET", "/series/{series_uid}/thumbnail", "images", Account, "The series' thumbnail (its middle instance)")
        .under(API).query(THUMBNAIL).ok(200, JPEG),
    op("GET", "/instances/{sop_uid}/file", "studies", Account, "The stored Part-10 object byte for byte (ETag, If-None-Match, Range)")
        .under(API).ok(200, "application/dicom"),
    op("GET", "/instances/{sop_uid}/rendered", "images", Account, "One frame as an 8-bit PNG or JPEG, windowed and sized")
        .under(API).query(RENDERED).ok(200, JPEG),
    op("GET", "/instances/{sop_uid}/values", "images", Account, "One frame's modality values (HU for CT): width, height, then f32s")
        .under(API).query(VALUES).ok(200, RAW),
    // Sharing inside the product.
    op("GET", "/studies/{study_uid}/grants", "sharing", Account, "Who the study is shared with (owner or admin)").under(API),
    op("PUT", "/studies/{study_uid}/grants", "sharing", Account, "Share the study with an account or a group at a level")
        .under(API).json(&["grantee!", "level!"]),
    op("DELETE", "/studies/{study_uid}/grants/{grantee}", "sharing", Account, "Withdraw a grant").under(API).ok(204, ""),
    op("PUT", "/studies/{study_uid}/owner", "sharing", Account, "Hand the study to another account").under(API).json(&["username!"]).ok(204, ""),
    // Restriction, retention, legal hold.
    op("GET", "/studies/{study_uid}/restriction", "privacy", Admin, "Whether processing of the study is restricted").under(API),
    op("PUT", "/studies/{study_uid}/restriction", "privacy", Admin, "Restrict processing of the study").under(API),
    op("DELETE", "/studies/{study_uid}/restriction", "privacy", Admin, "Lift the restriction").under(API).ok(204, ""),
    op("PUT", "/studies/{study_uid}/retention", "privacy", Admin, "The study's own retention: the last day it is kept, or days from today")
        .under(API).json(&["retain_until", "days:integer"]),
    op("DELETE", "/studies/{study_uid}/retention", "privacy", Admin, "Back to the default retention").under(API).ok(204, ""),
    op("PUT", "/studies/{study_uid}/legal-hold", "privacy", Admin, "Place a legal hold: never swept, never erased").under(API).ok(204, ""),
    op("DELETE", "/studies/{study_uid}/legal-hold", "privacy", Admin, "Lift the legal hold").under(API).ok(204, ""),
    // DICOM nodes.
    op("POST", "/dicom-nodes", "dicom", Admin, "Add a remote application entity the DICOM listener accepts")
        .under(API).json(&["ae_title!", "host!", "port:integer!", "account!", "services:array!"]).ok(201, super::JSON),
    op("GET", "/dicom-nodes", "dicom", Admin, "The known remote application entities").under(API),
    op("PATCH", "/dicom-nodes/{ae_title}", "dicom", Admin, "Change a remote application entity")
        .under(API).json(&["host", "port:integer", "account", "services:array"]),
    op("DELETE", "/dicom-nodes/{ae_title}", "dicom", Admin, "Forget a remote application entity").under(API).ok(204, ""),
    // Viewer links.
    op("POST", "/studies/{study_uid}/links", "viewer links", Account, "Make a signed, expiring, revocable viewer link")
        .under(API)
        .json(&["expires_in:integer", "allow_download:boolean", "deidentify:boolean", "series:array", "max_opens:integer",
                "pin", "note"])
        .ok(201, super::JSON),
    op("GET", "/studies/{study_uid}/links", "viewer links", Account, "The study's links with their state and openings").under(API),
    op("DELETE", "/links/{id}", "viewer links", Account, "Revoke a link").under(API).ok(204, ""),
    op("GET", "/links/{id}/access", "viewer links", Account, "A link's access log").under(API),
    op("GET", "/share/{token}/about", "viewer links", Link, "What the link page shows before the PIN: sender, note, whether a PIN is asked")
        .under(API),
    op("GET", "/share/{token}/study", "viewer links", Link, "The link holder's view of the study").under(API),
    op("POST", "/share/{token}/unlock", "viewer links", Link, "Give the link's PIN: a cookie for the share API (423 after 5 wrong PINs)")
        .under(API).json(&["pin!"]).ok(204, ""),
    op("GET", "/share/{token}/archive", "viewer links", Link, "The linked study as a ZIP, when the link allows downloads").under(API).ok(200, ZIP),
    op("GET", "/share/{token}/series/{series_uid}/thumbnail", "viewer links", Link, "A series' thumbnail through the link")
        .under(API).query(THUMBNAIL).ok(200, JPEG),
    op("GET", "/share/{token}/instances/{sop_uid}/rendered", "viewer links", Link, "A frame through the link")
        .under(API).query(RENDERED).ok(200, JPEG),
    op("GET", "/share/{token}/instances/{sop_uid}/values", "viewer links", Link, "A frame's modality values through the link")
        .under(API).query(VALUES).ok(200, RAW),
    // Audit.
    op("GET", "/audit", "audit", Admin, "Audit events, newest first, as JSON, CSV or FHIR AuditEvent NDJSON")
        .under(API)
        .query(&["actor", "action", "outcome", "study_uid", "patient_id", "request_id", "from", "to", "limit:integer", "cursor",
                 "format"]),
    op("GET", "/studies/{study_uid}/access", "audit", Account, "Who accessed the study (owner or admin)").under(API).query(PAGE),
];
