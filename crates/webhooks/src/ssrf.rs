//! The SSRF guard: which endpoint URLs Atelier may call.
//!
//! Three layers, the first two without IO:
//! - [`check_url`]: syntax, checked when an endpoint is created or changed (absolute, `https`
//!   — `http` only with `webhooks.allow_http` —, a host, no user info, at most
//!   [`MAX_URL_LENGTH`] characters);
//! - [`is_forbidden_ip`] and [`check_resolved`]: whether addresses a host resolved to may be
//!   called (loopback, private, link-local, unique-local, CGNAT, multicast, reserved and
//!   documentation ranges may not, nor IPv4 addresses embedded in IPv6 ones);
//! - [`resolve_allowed`]: the thin resolver. Delivery calls it right before each request and
//!   connects only to the addresses it returns, so a DNS answer that changes between the check
//!   and the connection (DNS rebinding) cannot redirect a delivery.
//!
//! A host (name or IP literal) listed in `webhooks.allowed_hosts` skips the address check; the
//! match is on the host as written in the URL, so allowing `127.0.0.1` does not allow
//! `localhost`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

use crate::WebhooksConfig;

/// Longest endpoint URL accepted, in bytes.
pub const MAX_URL_LENGTH: usize = 2048;

/// Why a URL is refused. The messages are shown to API clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("must be at most {MAX_URL_LENGTH} characters (got {0})")]
    TooLong(usize),
    #[error("must be an absolute URL such as https://example.com/webhooks")]
    NotAbsolute,
    #[error("is not a valid URL: {0}")]
    Syntax(String),
    #[error("scheme `{scheme}` is not allowed: use {allowed}")]
    Scheme {
        scheme: String,
        allowed: &'static str,
    },
    #[error("must name a host")]
    MissingHost,
    #[error("must not contain a user name or password")]
    UserInfo,
    /// The resolver's `message` is for the operator's log (`Debug`), not the tenant's
    /// attempt log.
    #[error("host `{host}` could not be resolved")]
    Resolve { host: String, message: String },
    #[error("host `{host}` resolved to no address")]
    NoAddress { host: String },
    /// Never says which address (`ip`, in `Debug` for the operator's log): the attempt log is
    /// the tenant's to read, and the resolved addresses of a refused host are the network's.
    #[error(
        "host `{host}` resolves to a private, loopback, link-local or otherwise reserved address"
    )]
    Forbidden { host: String, ip: IpAddr },
}

/// Checks the syntax of an endpoint URL (no IO, no resolution).
pub fn check_url(url: &str, config: &WebhooksConfig) -> Result<Url, UrlError> {
    if url.len() > MAX_URL_LENGTH {
        return Err(UrlError::TooLong(url.len()));
    }
    let parsed = Url::parse(url).map_err(|error| match error {
        url::ParseError::RelativeUrlWithoutBase => UrlError::NotAbsolute,
        url::ParseError::EmptyHost => UrlError::MissingHost,
        other => UrlError::Syntax(other.to_string()),
    })?;
    let allowed = if config.allow_http {
        "https or http"
    } else {
        "https"
    };
    match parsed.scheme() {
        "https" => {}
        "http" if config.allow_http => {}
        scheme => {
            return Err(UrlError::Scheme {
                scheme: scheme.to_owned(),
                allowed,
            });
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::MissingHost);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlError::UserInfo);
    }
    Ok(parsed)
}

/// Resolves the URL's host and returns the addresses a delivery may connect to: all of them,
/// or an error when any is forbidden (unless the host is in `allowed_hosts`). Resolution is
/// bounded by `connect_timeout`.
pub async fn resolve_allowed(
    url: &Url,
    config: &WebhooksConfig,
) -> Result<Vec<SocketAddr>, UrlError> {
    let host = url.host().ok_or(UrlError::MissingHost)?;
    let host_text = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses = match host {
        Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Host::Domain(domain) => {
            let lookup = tokio::net::lookup_host((domain, port));
            match tokio::time::timeout(config.connect_timeout, lookup).await {
                Ok(Ok(found)) => found.collect(),
                Ok(Err(error)) => {
                    return Err(UrlError::Resolve {
                        host: host_text,
                        message: error.to_string(),
                    });
                }
                Err(_) => {
                    return Err(UrlError::Resolve {
                        host: host_text,
                        message: format!("timed out after {:?}", config.connect_timeout),
                    });
                }
            }
        }
    };
    check_resolved(&host_text, addresses, config)
}

/// The decision of [`resolve_allowed`] once the addresses are known (no IO).
pub fn check_resolved(
    host: &str,
    addresses: Vec<SocketAddr>,
    config: &WebhooksConfig,
) -> Result<Vec<SocketAddr>, UrlError> {
    if addresses.is_empty() {
        return Err(UrlError::NoAddress {
            host: host.to_owned(),
        });
    }
    if is_allowed_host(host, config) {
        return Ok(addresses);
    }
    if let Some(forbidden) = addresses
        .iter()
        .find(|address| is_forbidden_ip(address.ip()))
    {
        return Err(UrlError::Forbidden {
            host: host.to_owned(),
            ip: forbidden.ip(),
        });
    }
    Ok(addresses)
}

/// Whether `host` (as written in a URL: IPv6 literals in brackets) is in `allowed_hosts`.
/// Case-insensitive, ignoring a trailing dot and IPv6 brackets.
pub fn is_allowed_host(host: &str, config: &WebhooksConfig) -> bool {
    let normalise = |text: &str| {
        text.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase()
    };
    let host = normalise(host);
    config
        .allowed_hosts
        .iter()
        .any(|allowed| normalise(allowed) == host)
}

/// Whether a delivery must never connect to `ip`: loopback, private (10/8, 172.16/12,
/// 192.168/16), link-local (169.254/16, fe80::/10), unique-local (fc00::/7), CGNAT (100.64/10),
/// unspecified, broadcast, multicast, "this network" (0/8), benchmarking (198.18/15), reserved
/// (240/4), documentation ranges, deprecated site-local (fec0::/10), and IPv6 addresses
/// embedding a forbidden IPv4 one (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96).
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_forbidden_v4(ip),
        IpAddr::V6(ip) => is_forbidden_v6(ip),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments 192.0.0/24
        || a >= 240 // reserved 240/4
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_forbidden_v4(v4);
    }
    // IPv4-compatible (deprecated, ::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) embed an IPv4
    // address a gateway may route to.
    let embedded = || {
        let [.., high, low] = segments;
        Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
    };
    if segments[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return is_forbidden_v4(embedded());
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_forbidden_v4(embedded());
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (segments[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (segments[0] & 0xfe00) == 0xfc00 // unique-local fc00::/7
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation 2001:db8::/32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(allow_http: bool, allowed_hosts: &[&str]) -> WebhooksConfig {
        WebhooksConfig {
            allow_http,
            allowed_hosts: allowed_hosts.iter().map(|h| (*h).to_owned()).collect(),
            ..WebhooksConfig::default()
        }
    }

    #[test]
    fn forbidden_addresses() {
        let cases = [
            ("127.0.0.1", true),
            ("127.255.0.9", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("172.31.255.255", true),
            ("172.32.0.1", false),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("100.127.255.255", true),
            ("100.128.0.1", false),
            ("0.0.0.0", true),
            ("0.1.2.3", true),
            ("255.255.255.255", true),
            ("224.0.0.1", true),
            ("239.255.255.250", true),
            ("240.0.0.1", true),
            ("192.0.2.1", true),
            ("198.51.100.7", true),
            ("203.0.113.9", true),
            ("198.18.0.1", true),
            ("192.0.0.8", true),
            ("8.8.8.8", false),
            ("1.1.1.1", false),
            ("93.184.215.14", false),
            ("::1", true),
            ("::", true),
            ("fe80::1", true),
            ("febf::1", true),
            ("fec0::1", true),
            ("fc00::1", true),
            ("fd12:3456::1", true),
            ("ff02::1", true),
            ("2001:db8::1", true),
            ("::ffff:127.0.0.1", true),
            ("::ffff:10.0.0.1", true),
            ("::ffff:169.254.169.254", true),
            ("::ffff:8.8.8.8", false),
            ("::127.0.0.1", true),
            ("64:ff9b::10.0.0.1", true),
            ("64:ff9b::8.8.8.8", false),
            ("2606:4700:4700::1111", false),
            ("2a00:1450:4001::200e", false),
        ];
        for (ip, forbidden) in cases {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(is_forbidden_ip(parsed), forbidden, "{ip}");
        }
    }

    #[test]
    fn url_syntax() {
        let https_only = config(false, &[]);
        let with_http = config(true, &[]);
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LENGTH));
        let cases: [(&str, &WebhooksConfig, Result<(), &str>); 12] = [
            ("https://example.com/hook", &https_only, Ok(())),
            ("https://example.com:8443/hook?x=1", &https_only, Ok(())),
            ("http://example.com/hook", &with_http, Ok(())),
            ("http://example.com/hook", &https_only, Err("scheme `http`")),
            ("ftp://example.com/hook", &with_http, Err("scheme `ftp`")),
            ("example.com/hook", &https_only, Err("absolute URL")),
            ("/hook", &https_only, Err("absolute URL")),
            (
                "https://user:pw@example.com/",
                &https_only,
                Err("user name"),
            ),
            ("https://user@example.com/", &https_only, Err("user name")),
            ("https://:443/hook", &https_only, Err("host")),
            ("https://exa mple.com/", &https_only, Err("not a valid URL")),
            (&long, &https_only, Err("at most 2048")),
        ];
        for (url, config, expected) in cases {
            match (check_url(url, config), expected) {
                (Ok(_), Ok(())) => {}
                (Err(error), Err(fragment)) => assert!(
                    error.to_string().contains(fragment),
                    "{url}: `{error}` lacks `{fragment}`"
                ),
                (outcome, expected) => panic!("{url}: got {outcome:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn resolved_addresses_decide() {
        let address = |text: &str| -> SocketAddr { text.parse().unwrap() };
        let strict = config(false, &[]);
        let allowing = config(false, &["127.0.0.1", "[::1]", "Internal.Example."]);
        assert!(check_resolved("example.com", vec![address("8.8.8.8:443")], &strict).is_ok());
        // One bad address among good ones is enough to refuse.
        let mixed = vec![address("8.8.8.8:443"), address("10.0.0.1:443")];
        assert!(matches!(
            check_resolved("example.com", mixed.clone(), &strict),
            Err(UrlError::Forbidden { .. })
        ));
        assert!(check_resolved("internal.example.com", mixed.clone(), &allowing).is_err());
        assert!(check_resolved("internal.example", mixed, &allowing).is_ok());
        assert!(check_resolved("[::1]", vec![address("[::1]:443")], &allowing).is_ok());
        assert!(matches!(
            check_resolved("example.com", Vec::new(), &allowing),
            Err(UrlError::NoAddress { .. })
        ));
    }

    #[tokio::test]
    async fn resolution_honours_the_allow_list() {
        let loopback = Url::parse("http://127.0.0.1:1/").unwrap();
        let error = resolve_allowed(&loopback, &config(true, &[]))
            .await
            .unwrap_err();
        assert!(matches!(error, UrlError::Forbidden { .. }), "{error}");
        let allowed = resolve_allowed(&loopback, &config(true, &["127.0.0.1"]))
            .await
            .unwrap();
        assert_eq!(allowed, vec!["127.0.0.1:1".parse().unwrap()]);
        // Allowing the address does not allow a name that resolves to it.
        let name = Url::parse("http://localhost:1/").unwrap();
        let error = resolve_allowed(&name, &config(true, &["127.0.0.1"]))
            .await
            .unwrap_err();
        assert!(matches!(error, UrlError::Forbidden { .. }), "{error}");
        // What it resolved to is not in the text the tenant sees.
        assert!(!error.to_string().contains("127.0.0.1"), "{error}");
        assert!(!error.to_string().contains("::1"), "{error}");
        assert!(
            resolve_allowed(&name, &config(true, &["localhost"]))
                .await
                .is_ok()
        );
        let default_port = resolve_allowed(
            &Url::parse("https://127.0.0.1/").unwrap(),
            &config(false, &["127.0.0.1"]),
        )
        .await
        .unwrap();
        assert_eq!(default_port[0].port(), 443);
    }
}
