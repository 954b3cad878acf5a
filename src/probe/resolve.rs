//! Resolve: which addresses a target's connections go to, and every instance
//! behind one name.
//!
//! `--resolve HOST:PORT:ADDR[,ADDR...]` has curl's meaning: connections to
//! HOST on PORT go to these addresses instead of what DNS says. The URL, and
//! so the `Host` header and the TLS server name, stay HOST, so virtual hosts
//! and certificates work as for any client.
//!
//! `--each-address` turns one target into one sub-target per address, named
//! `NAME@ADDR`, each with a client of its own that connects only there:
//!
//! ```text
//! --target stable=https://api.example.com --each-address
//!   → stable@10.0.0.7   (https://api.example.com, connecting to 10.0.0.7:443)
//!   → stable@10.0.0.8   (https://api.example.com, connecting to 10.0.0.8:443)
//! ```
//!
//! The addresses come from the matching `--resolve` entry, else from the
//! system resolver (A and AAAA records). A target whose host is already an IP
//! address has one instance and keeps its name.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// One `--resolve HOST:PORT:ADDR[,ADDR...]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    /// Lower-cased host name.
    pub host: String,
    pub port: u16,
    /// In the order given, without repeats.
    pub addresses: Vec<IpAddr>,
}

/// Why a `--resolve` value or an address lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error(
        "--resolve '{value}': {problem}; expected HOST:PORT:ADDR[,ADDR...], e.g. api.example.com:443:10.0.0.7,10.0.0.8"
    )]
    Syntax { value: String, problem: String },
    #[error("--each-address: cannot resolve {host}:{port}: {message}")]
    Lookup {
        host: String,
        port: u16,
        message: String,
    },
    #[error("--each-address: {host}:{port} resolved to no address")]
    NoAddress { host: String, port: u16 },
}

impl FromStr for ResolveOverride {
    type Err = ResolveError;

    fn from_str(value: &str) -> Result<ResolveOverride, ResolveError> {
        let fail = |problem: &str| ResolveError::Syntax {
            value: value.to_string(),
            problem: problem.to_string(),
        };
        let (host, rest) = value
            .split_once(':')
            .ok_or_else(|| fail("no ':' after the host"))?;
        let (port, list) = rest
            .split_once(':')
            .ok_or_else(|| fail("no ':' after the port"))?;
        let host = host.trim();
        if host.is_empty() || host.contains(['/', '[', ']', ' ', '@']) {
            return Err(fail("the host must be a plain host name"));
        }
        let port: u16 = port
            .trim()
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| fail("the port must be a number from 1 to 65535"))?;
        let mut addresses = Vec::new();
        for item in list.split(',') {
            let item = item.trim();
            // curl writes IPv6 addresses in brackets; accept both spellings.
            let bare = item
                .strip_prefix('[')
                .and_then(|i| i.strip_suffix(']'))
                .unwrap_or(item);
            let address: IpAddr = bare
                .parse()
                .map_err(|_| fail(&format!("'{item}' is not an IP address")))?;
            if !addresses.contains(&address) {
                addresses.push(address);
            }
        }
        Ok(ResolveOverride {
            host: host.to_ascii_lowercase(),
            port,
            addresses,
        })
    }
}

/// One instance to probe: its name and the addresses its connections go to
/// (empty: whatever the system resolver says, as for any client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    pub connect_to: Vec<SocketAddr>,
}

/// The instances behind target `name` at `url`: with `each_address`, one per
/// address (`NAME@ADDR`); otherwise the target itself, connecting to the
/// `--resolve` addresses for its host and port if there are any.
pub async fn instances(
    name: &str,
    url: &url::Url,
    overrides: &[ResolveOverride],
    each_address: bool,
) -> Result<Vec<Instance>, ResolveError> {
    let (Some(url::Host::Domain(host)), Some(port)) = (url.host(), url.port_or_known_default())
    else {
        // An IP address (or no host): there is nothing to resolve.
        return Ok(vec![Instance {
            name: name.to_string(),
            connect_to: Vec::new(),
        }]);
    };
    let host = host.to_ascii_lowercase();
    let mut pinned: Vec<SocketAddr> = Vec::new();
    for entry in overrides
        .iter()
        .filter(|o| o.host == host && o.port == port)
    {
        for address in &entry.addresses {
            let socket = SocketAddr::new(*address, port);
            if !pinned.contains(&socket) {
                pinned.push(socket);
            }
        }
    }
    if !each_address {
        return Ok(vec![Instance {
            name: name.to_string(),
            connect_to: pinned,
        }]);
    }
    let addresses = if pinned.is_empty() {
        lookup(&host, port).await?
    } else {
        pinned
    };
    Ok(addresses
        .into_iter()
        .map(|address| Instance {
            name: format!("{name}@{}", address.ip()),
            connect_to: vec![address],
        })
        .collect())
}

/// Every address the system resolver gives for `host`, in its order,
/// without repeats.
async fn lookup(host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
    let found = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| ResolveError::Lookup {
            host: host.to_string(),
            port,
            message: e.to_string(),
        })?;
    let mut addresses: Vec<SocketAddr> = Vec::new();
    for address in found {
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    if addresses.is_empty() {
        return Err(ResolveError::NoAddress {
            host: host.to_string(),
            port,
        });
    }
    Ok(addresses)
}

/// Makes `builder`'s connections to `url`'s host go to `connect_to` (when
/// not empty). The URL is unchanged, so the `Host` header and the TLS server
/// name stay the host name. No proxy is used: through a proxy the pinned
/// address would not be the one reached.
pub fn pin(
    builder: reqwest::ClientBuilder,
    url: &url::Url,
    connect_to: &[SocketAddr],
) -> reqwest::ClientBuilder {
    match url.host() {
        Some(url::Host::Domain(host)) if !connect_to.is_empty() => {
            builder.resolve_to_addrs(host, connect_to).no_proxy()
        }
        _ => builder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`instances`] of target `name` at `url`, with these `--resolve`
    /// entries.
    async fn instances_of(
        name: &str,
        url: &str,
        resolve: &[&str],
        each_address: bool,
    ) -> Vec<Instance> {
        let overrides: Vec<ResolveOverride> = resolve.iter().map(|e| e.parse().unwrap()).collect();
        let url = url::Url::parse(url).unwrap();
        instances(name, &url, &overrides, each_address)
            .await
            .unwrap()
    }

    #[test]
    fn resolve_entry_parses_like_curl() {
        let entry: ResolveOverride = "API.test:8443:127.0.0.1, 127.0.0.2,[::1],127.0.0.1"
            .parse()
            .unwrap();
        assert_eq!(entry.host, "api.test");
        assert_eq!(entry.port, 8443);
        let shown: Vec<String> = entry.addresses.iter().map(IpAddr::to_string).collect();
        assert_eq!(shown, ["127.0.0.1", "127.0.0.2", "::1"]);
    }

    #[test]
    fn malformed_resolve_entries_say_what_is_wrong() {
        for (value, problem) in [
            ("api.test", "no ':' after the host"),
            ("api.test:443", "no ':' after the port"),
            ("api.test:https:10.0.0.1", "the port must be a number"),
            ("api.test:0:10.0.0.1", "the port must be a number"),
            (":443:10.0.0.1", "plain host name"),
            (
                "api.test:443:10.0.0.300",
                "'10.0.0.300' is not an IP address",
            ),
            ("api.test:443:", "'' is not an IP address"),
        ] {
            let err = value.parse::<ResolveOverride>().unwrap_err().to_string();
            assert!(err.contains(problem), "{value}: {err}");
            assert!(err.contains("HOST:PORT:ADDR"), "{err}");
        }
    }

    #[tokio::test]
    async fn each_address_names_one_instance_per_resolve_address() {
        let found = instances_of(
            "stable",
            "http://api.test:8080/v1",
            &["api.test:8080:127.0.0.1,127.0.0.2"],
            true,
        )
        .await;
        let names: Vec<&str> = found.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["stable@127.0.0.1", "stable@127.0.0.2"]);
        assert_eq!(
            found[1].connect_to,
            ["127.0.0.2:8080".parse::<SocketAddr>().unwrap()]
        );
    }

    #[tokio::test]
    async fn resolve_applies_only_to_its_host_and_port() {
        let resolve = ["api.test:443:10.0.0.7"];
        let https = instances_of("a", "https://API.test/", &resolve, false).await;
        assert_eq!(
            https,
            [Instance {
                name: "a".into(),
                connect_to: vec!["10.0.0.7:443".parse().unwrap()],
            }]
        );
        let other_port = instances_of("a", "http://api.test:8080/", &resolve, false).await;
        assert!(other_port[0].connect_to.is_empty());
    }

    #[tokio::test]
    async fn each_address_resolves_the_host_name_without_resolve_entries() {
        let found = instances_of("local", "http://localhost:9/", &[], true).await;
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .all(|i| i.name.starts_with("local@") && i.connect_to[0].ip().is_loopback()),
            "{found:?}"
        );
    }

    #[tokio::test]
    async fn an_ip_address_target_is_its_own_only_instance() {
        let found = instances_of("x", "http://127.0.0.1:9/", &[], true).await;
        assert_eq!(
            found,
            [Instance {
                name: "x".into(),
                connect_to: vec![],
            }]
        );
    }
}
