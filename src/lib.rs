//! rollcall checks that every operation an OpenAPI contract declares is really
//! served by a deployed build.
//!
//! The data flows one way: [`contract`] (load and normalize the spec) →
//! [`plan`] (a concrete request per operation) → [`probe`] (send, concurrently,
//! per target) → [`verdict`] (classify with evidence) → [`parity`] (compare
//! verdicts between targets and repeats) → [`report`] (terminal, JUnit, JSON,
//! Markdown). [`check`] runs that pipeline; the binary is a thin command-line
//! layer over it.

pub mod check;
pub mod config;
pub mod contract;
pub mod demo;
pub mod filter;
pub mod plan;
pub mod printable;
pub mod probe;
pub mod redact;
pub mod report;
pub mod tls;
pub mod verdict;

/// `rollcall/<version>`, sent as the User-Agent of every probe.
pub const USER_AGENT: &str = concat!("rollcall/", env!("CARGO_PKG_VERSION"));

/// Installs rustls' ring provider once; reqwest is built without a default
/// provider (see README, "Dependencies"), so every client constructor calls this.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
