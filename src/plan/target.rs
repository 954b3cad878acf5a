//! A target as the user names it (`--target [NAME=]URL`, rollcall.toml's
//! `[targets]`) and the base path each one gets (`--base-path [NAME=]PATH`):
//! where the planned requests go.
//!
//! ```text
//! --target stable=https://api.example.com --base-path stable=/v2
//!   → TargetSpec { name: "stable", url: https://api.example.com/, base_path: Some("/v2") }
//! ```

use std::fmt;
use std::str::FromStr;

use crate::contract::Contract;

use super::BasePath;

/// `--target [NAME=]URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    pub name: String,
    pub url: url::Url,
    /// Addresses to connect to instead of resolving the URL's host
    /// (`--resolve`, `--each-address`); empty for a plain `--target`.
    pub connect_to: Vec<std::net::SocketAddr>,
    /// `--base-path`: what follows the URL instead of the contract's server
    /// path (see [`super::target_base`]); `None`: the default rule.
    pub base_path: Option<BasePath>,
}

impl TargetSpec {
    /// Where this target's requests go: the base-URL rule applied to it.
    pub fn base(&self, contract: &Contract) -> super::BaseUrl {
        super::target_base(&self.url, self.base_path.as_ref(), contract)
    }
}

/// `--base-path [NAME=]PATH`: a base path for every target, or for the
/// target named NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePathSpec {
    pub target: Option<String>,
    pub path: BasePath,
}

impl FromStr for BasePathSpec {
    type Err = String;

    fn from_str(value: &str) -> Result<BasePathSpec, String> {
        // A target name never contains '/', and a path starts with one.
        let (target, path) = match value.split_once('=') {
            Some((name, path)) if !name.contains('/') => (Some(name.trim()), path),
            _ => (None, value),
        };
        if target == Some("") {
            return Err("empty target name before '='".to_string());
        }
        Ok(BasePathSpec {
            target: target.map(str::to_string),
            path: path
                .parse()
                .map_err(|e: super::BasePathError| e.to_string())?,
        })
    }
}

/// Gives `targets` the base paths of `specs`: those for every target
/// first, then those naming one, a later one winning over an earlier one.
/// A spec naming no target is an error that says which names there are.
pub fn apply_base_paths(targets: &mut [TargetSpec], specs: &[BasePathSpec]) -> Result<(), String> {
    for spec in specs.iter().filter(|s| s.target.is_none()) {
        for target in targets.iter_mut() {
            target.base_path = Some(spec.path.clone());
        }
    }
    for spec in specs {
        let Some(name) = &spec.target else { continue };
        let Some(target) = targets.iter_mut().find(|t| &t.name == name) else {
            let known: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
            return Err(format!(
                "{name}={}: no target has that name (targets: {})",
                spec.path,
                known.join(", ")
            ));
        };
        target.base_path = Some(spec.path.clone());
    }
    Ok(())
}

/// Why a `--target` value was refused. Never echoes the value, which may hold
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetSpecError {
    #[error(
        "not an absolute http(s) URL ({0}); expected [NAME=]URL, e.g. stable=https://api.example.com"
    )]
    BadUrl(String),
    #[error("unsupported scheme '{0}': only http and https targets can be probed")]
    Scheme(String),
    #[error("empty target name before '='")]
    EmptyName,
}

impl FromStr for TargetSpec {
    type Err = TargetSpecError;

    fn from_str(value: &str) -> Result<TargetSpec, TargetSpecError> {
        // A name never contains ':' or '/', so `https://h/?a=b` is not NAME=URL.
        let (name, raw_url) = match value.split_once('=') {
            Some((name, rest)) if !name.contains([':', '/']) => (Some(name.trim()), rest.trim()),
            _ => (None, value.trim()),
        };
        if name == Some("") {
            return Err(TargetSpecError::EmptyName);
        }
        let url = url::Url::parse(raw_url).map_err(|e| TargetSpecError::BadUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetSpecError::Scheme(url.scheme().to_string()));
        }
        let name = match name {
            Some(name) => name.to_string(),
            None => match (url.host_str(), url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_string(),
                (None, _) => return Err(TargetSpecError::BadUrl("no host".into())),
            },
        };
        Ok(TargetSpec {
            name,
            url,
            connect_to: Vec::new(),
            base_path: None,
        })
    }
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.url)
    }
}
