//! Request synthesis from arbitrary schemas: the fuzzer writes a JSON schema
//! used for a path parameter, a query parameter, a header and a JSON request
//! body, and the plan is built in safe and live mode.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../support.rs"]
mod support;

fuzz_target!(|data: &[u8]| {
    if let Some(document) = support::with_fuzzed_schema(data) {
        support::load_and_plan("schema.json", &document);
    }
});
