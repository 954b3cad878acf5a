//! rollcall checks that every operation an OpenAPI contract declares is really
//! served by a deployed build.
//!
//! The data flows one way: [`contract`] (load and normalize the spec) →
//! [`plan`] (which operations, and a concrete request for each) → [`probe`]
//! (send, concurrently, per target) → [`verdict`] (classify with evidence) →
//! [`report`] (parity between targets; terminal, JUnit, JSON, Markdown...).
//! [`check::execute`] runs that pipeline; the binary is a thin command-line
//! layer over it.

pub mod check;
pub mod config;
pub mod contract;
pub mod demo;
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

#[cfg(test)]
mod layering {
    /// The module graph flows one way (contract ← plan ← probe ← verdict ←
    /// report, the run above them, the binary on top) and has no circle:
    /// `scripts/module-graph.sh` reads it from the sources and says where not.
    #[test]
    fn modules_import_only_the_layers_below_them() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/module-graph.sh");
        let output = std::process::Command::new("bash")
            .arg(script)
            .output()
            .expect("bash runs scripts/module-graph.sh");
        assert!(
            output.status.success(),
            "bash scripts/module-graph.sh fails:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
