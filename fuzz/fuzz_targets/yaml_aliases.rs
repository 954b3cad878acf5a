//! The YAML loader on documents full of anchors and aliases (see
//! `support::yaml_with_aliases`): large scalars repeated through nested
//! aliases must be refused once they would expand past the loader's bound,
//! and never panic, hang or exhaust memory before that.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../support.rs"]
mod support;

fuzz_target!(|data: &[u8]| {
    support::load_yaml_with_aliases(data);
});
