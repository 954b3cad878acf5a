//! TLS settings shared by every HTTP client rollcall builds: the probes'
//! (one per target) and the one that fetches a spec given as a URL, so
//! `--insecure`, `--cacert` and `--client-cert`/`--client-key` mean the same
//! for both.

use std::fmt;

/// How the client trusts the server's certificate and proves its own identity.
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// Accept any certificate, even self-signed or expired (`--insecure`).
    pub accept_invalid_certs: bool,
    /// Extra trusted root certificates, PEM (`--cacert`), next to the system's.
    pub extra_roots_pem: Option<Vec<u8>>,
    /// Client certificate chain and its private key, PEM (`--client-cert`
    /// and `--client-key` concatenated), for servers that require mTLS.
    pub client_identity_pem: Option<Vec<u8>>,
}

/// The private key is a secret: `Debug` says only what is configured.
impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("extra_roots", &self.extra_roots_pem.is_some())
            .field("client_identity", &self.client_identity_pem.is_some())
            .finish()
    }
}

/// Why the TLS settings could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("cannot use the trusted certificates (--cacert): {0}")]
    Certificate(String),
    #[error("cannot use the client certificate and key (--client-cert/--client-key): {0}")]
    ClientIdentity(String),
}

impl TlsOptions {
    /// `builder` with these settings applied.
    pub fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        let mut builder = builder.danger_accept_invalid_certs(self.accept_invalid_certs);
        if let Some(pem) = &self.extra_roots_pem {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| TlsError::Certificate(error_chain(&e)))?;
            if roots.is_empty() {
                return Err(TlsError::Certificate(
                    "no PEM certificate (-----BEGIN CERTIFICATE-----) found".into(),
                ));
            }
            builder = builder.tls_certs_merge(roots);
        }
        if let Some(pem) = &self.client_identity_pem {
            let identity = reqwest::Identity::from_pem(pem)
                .map_err(|e| TlsError::ClientIdentity(error_chain(&e)))?;
            builder = builder.identity(identity);
        }
        Ok(builder)
    }

    /// [`TlsOptions::apply`] for a client that connects only to `url`'s
    /// origin (it follows no redirect). When every connection it makes is
    /// plain HTTP, the system's root certificates are not read: reading and
    /// decoding them costs as much as a few hundred probes, for nothing.
    /// `--cacert` and the client certificate are still checked.
    pub fn apply_for(
        &self,
        builder: reqwest::ClientBuilder,
        url: &url::Url,
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        let builder = self.apply(builder)?;
        if speaks_tls_to(url) {
            Ok(builder)
        } else {
            Ok(builder.tls_certs_only(std::iter::empty()))
        }
    }
}

/// Whether a client connecting to `url` (and following no redirect) may
/// speak TLS: an `https:` URL, or a proxy reached over TLS.
pub fn speaks_tls_to(url: &url::Url) -> bool {
    may_use_tls(url, |name| std::env::var(name).ok())
}

/// Whether a client connecting to `url` may speak TLS: an `https:` URL, or a
/// plain one whose proxy (`HTTP_PROXY`, `ALL_PROXY`, as the client reads them
/// from `env`) is reached over TLS.
fn may_use_tls(url: &url::Url, env: impl Fn(&str) -> Option<String>) -> bool {
    if url.scheme() != "http" {
        return true;
    }
    ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .filter_map(env)
        .any(|proxy| {
            let proxy = proxy.trim_start();
            proxy
                .get(..6)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https:"))
        })
}

/// An error with its causes, each once (reqwest's own sentence, "error
/// sending request" or a certificate error, hides them).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_https_url_or_an_https_proxy_needs_certificates() {
        let url = |text: &str| url::Url::parse(text).expect("url");
        let no_env = |_: &str| None;
        assert!(!may_use_tls(&url("http://127.0.0.1:8080/api"), no_env));
        assert!(may_use_tls(&url("https://127.0.0.1:8443/api"), no_env));
        let proxied = |value: &'static str| {
            move |name: &str| (name == "http_proxy").then(|| value.to_string())
        };
        let plain = url("http://api.example/");
        assert!(may_use_tls(&plain, proxied("HTTPS://proxy.example:443")));
        assert!(!may_use_tls(&plain, proxied("http://proxy.example:3128")));
        assert!(!may_use_tls(&plain, proxied("socks5://127.0.0.1:1080")));
        assert!(!may_use_tls(&plain, proxied("proxy.example:3128")));
    }
}
