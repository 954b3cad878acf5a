//! Contract loading on arbitrary bytes (JSON, YAML, or neither): a contract
//! or an error, never a panic, a hang or a stack overflow. Every contract
//! that loads is also planned, as `rollcall list` would.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../support.rs"]
mod support;

fuzz_target!(|data: &[u8]| {
    support::load_and_plan("fuzz.yaml", data);
});
