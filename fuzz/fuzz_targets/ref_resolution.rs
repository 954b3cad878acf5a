//! `$ref` resolution: the fuzzer writes the whole `components` object (as
//! JSON) of a contract whose operation reaches everything through `$ref`s
//! (path item, parameters, request body, responses, schemas), so cycles,
//! self-references, dangling and odd pointers all come from it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../support.rs"]
mod support;

fuzz_target!(|data: &[u8]| {
    if let Some(document) = support::with_fuzzed_components(data) {
        support::load_and_plan("refs.json", &document);
    }
});
