//! The action each route records when its handler records nothing itself (a refusal before
//! the handler ran, a not-found answer, an error). Every `/api` and `/v` route has one; any
//! path under them that matches no route is a `request`. Public pages and probes (the web
//! app's files, health, metrics, the API reference) hold no patient data and record nothing.
use super::Action;

pub fn action_for(method: &str, pattern: Option<&str>, path: &str) -> Option<Action> {
    use Action::*;
    // A viewer link's DICOMweb root serves the same tree as `/dicomweb`, with the same actions.
    let pattern =
        pattern.map(|p| p.strip_prefix("/share/{token}").filter(|p| p.starts_with("/dicomweb/")).unwrap_or(p));
    let action = match (method, pattern.unwrap_or("")) {
        ("POST", "/api/auth/login") => Login,
        ("POST", "/api/auth/refresh") => TokenRefresh,
        ("POST", "/api/auth/logout") => Logout,
        ("GET", "/api/me") => ViewAccount,
        ("GET", "/api/me/activity") => ReadActivity,
        ("POST", "/api/me/mfa/totp") => MfaEnrol,
        ("POST", "/api/me/mfa/totp/verify") => MfaEnable,
        ("DELETE", "/api/me/mfa/totp") => MfaDisable,
        ("GET", "/api/me/sessions") => ListSessions,
        ("DELETE", "/api/me/sessions" | "/api/me/sessions/{id}") => SessionEnd,
        ("POST", "/api/me/password") => PasswordChange,
        ("GET", "/api/settings/mfa") => ReadSettings,
        ("PUT", "/api/settings/mfa") => MfaPolicyChange,
        ("POST", "/api/users") => CreateUser,
        ("GET", "/api/users") => ListUsers,
        ("PATCH", "/api/users/{name}") => UpdateUser,
        ("DELETE", "/api/users/{name}") => DeleteUser,
        ("POST", "/api/users/{name}/unlock") => AccountUnlock,
        ("POST", "/api/uploads" | "/dicomweb/studies" | "/dicomweb/studies/{study}") => Upload,
        ("GET", "/wado") => ViewImage,
        ("GET", "/api/studies") => SearchStudies,
        ("GET", "/api/studies/{study_uid}") => ViewStudy,
        ("GET", "/api/studies/{study_uid}/access") => ReadStudyAccess,
        ("GET", "/api/studies/{study_uid}/thumbnail" | "/api/series/{series_uid}/thumbnail") => ViewThumbnail,
        ("GET", "/api/instances/{sop_uid}/file") => DownloadInstance,
        ("GET", "/api/instances/{sop_uid}/rendered" | "/api/instances/{sop_uid}/values") => ViewImage,
        ("GET", "/api/studies/{study_uid}/archive") => ExportStudy,
        ("DELETE", "/api/studies/{study_uid}") => EraseStudy,
        ("DELETE", "/api/series/{series_uid}") => EraseSeries,
        ("DELETE", "/api/patients/{patient_id}") => ErasePatient,
        ("GET", "/api/patients/{patient_id}/archive") => ExportStudy,
        ("GET", "/api/users/{name}/archive") => ExportStudy,
        ("GET", "/api/studies/{study_uid}/grants") => ListGrants,
        ("PUT", "/api/studies/{study_uid}/grants") => GrantStudy,
        ("DELETE", "/api/studies/{study_uid}/grants/{grantee}") => WithdrawGrant,
        ("PUT", "/api/studies/{study_uid}/owner") => TransferStudy,
        ("GET", "/api/studies/{study_uid}/restriction") => ReadRestriction,
        ("PUT", "/api/studies/{study_uid}/restriction") => RestrictStudy,
        ("DELETE", "/api/studies/{study_uid}/restriction") => LiftRestriction,
        ("PATCH", "/api/studies/{study_uid}") => RectifyStudy,
        ("PUT", "/api/studies/{study_uid}/retention") => SetRetention,
        ("DELETE", "/api/studies/{study_uid}/retention") => ClearRetention,
        ("PUT", "/api/studies/{study_uid}/legal-hold") => PlaceLegalHold,
        ("DELETE", "/api/studies/{study_uid}/legal-hold") => LiftLegalHold,
        ("POST", "/api/groups") => CreateGroup,
        ("GET", "/api/groups") => ListGroups,
        ("POST", "/api/dicom-nodes") => CreateDicomNode,
        ("GET", "/api/dicom-nodes") => ListDicomNodes,
        ("PATCH", "/api/dicom-nodes/{ae_title}") => UpdateDicomNode,
        ("DELETE", "/api/dicom-nodes/{ae_title}") => DeleteDicomNode,
        ("PATCH", "/api/groups/{name}") => RenameGroup,
        ("DELETE", "/api/groups/{name}") => DeleteGroup,
        ("PUT", "/api/groups/{name}/members/{user}") => AddMember,
        ("DELETE", "/api/groups/{name}/members/{user}") => RemoveMember,
        ("GET", "/api/directory") => SearchDirectory,
        ("POST", "/api/studies/{study_uid}/links") => CreateLink,
        ("GET", "/api/studies/{study_uid}/links") => ListLinks,
        ("DELETE", "/api/links/{id}") => RevokeLink,
        ("GET", "/api/links/{id}/access") => ReadLinkLog,
        ("GET", "/v/{token}") => OpenLink,
        ("GET", "/api/share/{token}/study") => ViewStudy,
        ("POST", "/api/share/{token}/unlock") => UnlockLink,
        ("GET", "/api/share/{token}/archive") => ExportStudy,
        ("GET", "/api/share/{token}/series/{series_uid}/thumbnail") => ViewThumbnail,
        (
            "GET",
            "/api/share/{token}/instances/{sop_uid}/rendered" | "/api/share/{token}/instances/{sop_uid}/values",
        ) => ViewImage,
        ("GET", "/api/audit") => ReadAudit,
        (
            "GET",
            "/dicomweb/studies/{study}/metadata"
            | "/dicomweb/studies/{study}/series/{series}/metadata"
            | "/dicomweb/studies/{study}/series/{series}/instances/{sop}/metadata",
        ) => ViewStudy,
        ("GET", "/dicomweb/studies/{study}" | "/dicomweb/studies/{study}/series/{series}") => ExportStudy,
        ("GET", "/dicomweb/studies/{study}/series/{series}/instances/{sop}") => DownloadInstance,
        (
            "GET",
            "/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}"
            | "/dicomweb/studies/{study}/series/{series}/instances/{sop}/rendered"
            | "/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frame}/rendered",
        ) => ViewImage,
        (
            "GET",
            "/dicomweb/studies/{study}/thumbnail"
            | "/dicomweb/studies/{study}/series/{series}/thumbnail"
            | "/dicomweb/studies/{study}/series/{series}/instances/{sop}/thumbnail",
        ) => ViewThumbnail,
        (
            "GET",
            "/dicomweb/studies"
            | "/dicomweb/studies/{study}/series"
            | "/dicomweb/series"
            | "/dicomweb/studies/{study}/series/{series}/instances"
            | "/dicomweb/studies/{study}/instances"
            | "/dicomweb/instances",
        ) => SearchStudies,
        // The API reference is about the software, not anybody's data.
        ("GET", "/api/openapi.json" | "/api/docs") => return None,
        _ if path.starts_with("/api/")
            || path.starts_with("/v/")
            || path.starts_with("/dicomweb/")
            || path.starts_with("/share/")
            || path == "/wado" =>
        {
            Request
        }
        _ => return None,
    };
    Some(action)
}
