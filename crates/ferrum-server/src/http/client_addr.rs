//! The client's address as the audit trail records it and per-address throttles count it.
//! Behind a load balancer the TCP peer is the balancer, and the client is in a header the
//! balancer appends to; anyone can send that header too, so it is believed only as far as
//! it was written by proxies named in `FERRUM_TRUSTED_PROXIES`. The list is walked from the
//! right (the entry the nearest proxy added) and the first address not in the trusted set is
//! the client; with no trusted proxies, or a peer that is not one, it is the peer.
use std::net::IpAddr;

use actix_web::http::header::HeaderName;
use actix_web::{web, HttpRequest};
use ipnet::IpNet;

use crate::config::ForwardedHeader;

/// The proxies whose address header is believed, and which header that is.
#[derive(Debug, Clone)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// `CIDR,CIDR,…`; a bare address is one host (`/32`, `/128`).
    pub fn parse(setting: &str) -> Result<Vec<IpNet>, String> {
        setting
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| format!("{p:?} is not a CIDR such as 10.0.0.0/8 or an address such as 127.0.0.1"))
            })
            .collect()
    }

    pub fn new(nets: Vec<IpNet>, header: ForwardedHeader) -> Self {
        TrustedProxies { nets, header }
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }

    /// The client, given the peer and the forwarded hops in the order they were written
    /// (client first, nearest proxy last); `None` marks a hop that names no address.
    fn resolve(&self, peer: IpAddr, hops: &[Option<IpAddr>]) -> IpAddr {
        let mut nearest = peer;
        if !self.trusts(&nearest) {
            return nearest;
        }
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if self.trusts(ip) => nearest = *ip,
                Some(ip) => return *ip,
                // `unknown`, an obfuscated name or garbage: the chain of trust ends at the
                // proxy that wrote it.
                None => return nearest,
            }
        }
        nearest
    }
}

/// The address of whoever sent `req`, as far as the trusted proxies vouch for it.
pub fn client_addr(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip().to_canonical();
    let Some(proxies) = req.app_data::<web::Data<TrustedProxies>>() else {
        return Some(peer.to_string());
    };
    let name = match proxies.header {
        ForwardedHeader::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
        ForwardedHeader::Forwarded => HeaderName::from_static("forwarded"),
    };
    // Several header lines are one list, in order (RFC 9110 §5.3).
    let lines = req.headers().get_all(name).map(|v| v.to_str().unwrap_or("garbage"));
    let hops: Vec<Option<IpAddr>> = match proxies.header {
        ForwardedHeader::XForwardedFor => lines.flat_map(|l| l.split(',')).map(node).collect(),
        ForwardedHeader::Forwarded => lines.flat_map(|l| l.split(',')).map(forwarded_for).collect(),
    };
    Some(proxies.resolve(peer, &hops).to_string())
}

/// The scheme and host the client used, for URLs handed out (viewer links) and whether
/// cookies are `Secure`. `X-Forwarded-Proto`, `X-Forwarded-Host` and `Forwarded` are
/// believed only from a trusted proxy; from anyone else the connection itself and its
/// `Host` header decide.
pub fn request_origin(req: &HttpRequest) -> (String, String) {
    let from_proxy = req.peer_addr().is_some_and(|peer| {
        req.app_data::<web::Data<TrustedProxies>>().is_some_and(|p| p.trusts(&peer.ip().to_canonical()))
    });
    if from_proxy {
        let info = req.connection_info();
        return (info.scheme().to_owned(), info.host().to_owned());
    }
    let scheme = if req.app_config().secure() { "https" } else { "http" };
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| req.app_config().host().to_owned());
    (scheme.to_owned(), host)
}

/// The `for=` of one RFC 7239 element (`for=192.0.2.60;proto=https;by=…`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim().eq_ignore_ascii_case("for").then(|| node(value)).flatten()
    })
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`, optionally quoted.
fn node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(setting: &str) -> TrustedProxies {
        TrustedProxies::new(TrustedProxies::parse(setting).unwrap(), ForwardedHeader::XForwardedFor)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(list: &str) -> Vec<Option<IpAddr>> {
        list.split(',').map(node).collect()
    }

    #[test]
    fn cidrs_and_bare_addresses_parse_and_garbage_is_named() {
        let nets = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8").unwrap();
        assert_eq!(nets.len(), 4);
        let why = TrustedProxies::parse("10.0.0.0/8,proxy.local").unwrap_err();
        assert!(why.contains("proxy.local"), "{why}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn forwarded_scheme_and_host_are_believed_from_trusted_proxies_only() {
        let forged = |peer: &str, trusted: &str| {
            let req = actix_web::test::TestRequest::default()
                .peer_addr(peer.parse().unwrap())
                .insert_header(("host", "ferrum.internal:8080"))
                .insert_header(("x-forwarded-proto", "https"))
                .insert_header(("x-forwarded-host", "evil.example"))
                .app_data(web::Data::new(proxies(trusted)))
                .to_http_request();
            request_origin(&req)
        };
        assert_eq!(forged("203.0.113.9:5000", "10.0.0.0/8"), ("http".into(), "ferrum.internal:8080".into()));
        assert_eq!(forged("10.1.2.3:5000", "10.0.0.0/8"), ("https".into(), "evil.example".into()));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let p = proxies("10.0.0.0/8");
        assert_eq!(p.resolve(ip("203.0.113.9"), &xff("198.51.100.1")), ip("203.0.113.9"));
    }

    #[test]
    fn the_right_most_address_not_trusted_is_the_client() {
        let p = proxies("10.0.0.0/8");
        // The client wrote a forged first entry; the balancer appended the real one.
        let hops = xff("1.2.3.4, 198.51.100.7, 10.1.1.1");
        assert_eq!(p.resolve(ip("10.0.0.2"), &hops), ip("198.51.100.7"));
    }

    #[test]
    fn a_chain_of_trusted_proxies_only_ends_at_the_left_most_one() {
        let p = proxies("10.0.0.0/8");
        assert_eq!(p.resolve(ip("10.0.0.2"), &xff("10.9.9.9, 10.1.1.1")), ip("10.9.9.9"));
        assert_eq!(p.resolve(ip("10.0.0.2"), &[]), ip("10.0.0.2"));
    }

    #[test]
    fn a_hop_without_an_address_stops_at_the_proxy_that_wrote_it() {
        let p = proxies("10.0.0.0/8");
        assert_eq!(p.resolve(ip("10.0.0.2"), &xff("198.51.100.7, unknown, 10.1.1.1")), ip("10.1.1.1"));
    }

    #[test]
    fn ports_brackets_quotes_and_mapped_addresses_are_read() {
        assert_eq!(node(" 192.0.2.1:4711"), Some(ip("192.0.2.1")));
        assert_eq!(node("\"[2001:db8:cafe::17]:4711\""), Some(ip("2001:db8:cafe::17")));
        assert_eq!(node("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(node("::ffff:192.0.2.1"), Some(ip("192.0.2.1")));
        assert_eq!(node("_hidden"), None);
    }

    #[test]
    fn forwarded_elements_give_their_for_parameter() {
        assert_eq!(forwarded_for("for=192.0.2.60;proto=http;by=203.0.113.43"), Some(ip("192.0.2.60")));
        assert_eq!(forwarded_for(" proto=https; For=\"[2001:db8::17]:4711\""), Some(ip("2001:db8::17")));
        assert_eq!(forwarded_for("by=203.0.113.43"), None);
        assert_eq!(forwarded_for("for=unknown"), None);
    }
}
