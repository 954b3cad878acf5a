//! The integration tests: one binary whose modules are the suites, sharing
//! [`support`]. Run one suite with `cargo test --test integration hostile::`,
//! one test by a part of its name.

mod support;

mod action;
mod base_path;
mod config;
mod corpus;
mod differential;
mod e2e;
mod features;
mod fuzz_regressions;
mod gate;
mod github;
mod golden;
mod hostile;
mod html;
mod interop;
mod junit_schema;
mod lint;
mod live_order;
mod malformed;
mod merge;
mod multi_file;
mod parity;
mod reporters;
mod s3;
mod safe_mode;
mod secrets;
mod startup;
mod terminal;
