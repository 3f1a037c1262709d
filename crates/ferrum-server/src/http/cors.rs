//! Cross-origin access for the web apps named in `FERRUM_CORS_ORIGINS` (a DICOMweb viewer
//! such as OHIF on its own origin), and for no one else. Origins are exact
//! (`scheme://host[:port]`): no wildcard, no `null`. Credentials (cookies) are never allowed
//! cross-origin; the API authenticates with a bearer token, which a cross-origin app sends
//! itself. An origin not on the list gets answers without CORS headers, which the browser
//! then refuses to hand over; same-origin requests (which carry `Origin` too) are untouched.
use actix_cors::Cors;
use actix_web::http::{header, Method};

/// The exact origins of a `FERRUM_CORS_ORIGINS` value.
pub fn parse_origins(setting: &str) -> Result<Vec<String>, String> {
    let origins: Vec<String> =
        setting.split(',').map(str::trim).filter(|o| !o.is_empty()).map(parse_origin).collect::<Result<_, _>>()?;
    if origins.is_empty() {
        return Err("no origins; unset it to allow no cross-origin requests".into());
    }
    Ok(origins)
}

fn parse_origin(raw: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("{raw:?} {why}; write an origin as https://host or https://host:port"));
    let Some((scheme, rest)) = raw.split_once("://") else {
        return bad("is not an origin");
    };
    if scheme != "https" && scheme != "http" {
        return bad("is not http or https");
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', '*', ' ']) {
        return bad("has a path, a wildcard or user info");
    }
    if let Some((_, port)) = rest.rsplit_once(':').filter(|_| !rest.ends_with(']')) {
        if port.parse::<u16>().is_err() {
            return bad("has an invalid port");
        }
    }
    // Browsers send the origin in lower case; compare on that.
    Ok(raw.to_ascii_lowercase())
}

/// The middleware for the configured origins.
pub fn middleware(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::RANGE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::CONTENT_RANGE,
            header::CONTENT_LENGTH,
            header::LOCATION,
            header::RETRY_AFTER,
        ])
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

#[cfg(test)]
mod tests {
    use super::parse_origins;

    #[test]
    fn exact_origins_parse_with_and_without_a_port() {
        let origins = parse_origins("https://viewer.example.org, http://localhost:3000,https://[::1]:8443").unwrap();
        assert_eq!(origins, ["https://viewer.example.org", "http://localhost:3000", "https://[::1]:8443"]);
    }

    #[test]
    fn wildcards_paths_and_other_schemes_are_refused() {
        for bad in
            ["*", "https://*.example.org", "https://viewer.example.org/", "null", "ftp://x.org", "https://x.org:port"]
        {
            assert!(parse_origins(bad).is_err(), "{bad} was accepted");
        }
        assert!(parse_origins(" , ").is_err());
    }
}
