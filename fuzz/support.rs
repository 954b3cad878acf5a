//! What the fuzz targets run, shared with `tests/fuzz_regressions.rs` (which
//! includes this file with `#[path]`), so a regression input is replayed
//! exactly as the fuzzer ran it.

// Each fuzz target uses only some of these functions.
#![allow(dead_code)]

use rollcall::contract;
use rollcall::plan::{self, Mode, PlanOptions};

/// Loads `bytes` as a contract and, when it loads, plans it in safe and live
/// mode. Errors are fine; panics, hangs and stack overflows are the bugs.
pub fn load_and_plan(source: &str, bytes: &[u8]) {
    let Ok(contract) = contract::parse(source, bytes) else {
        return;
    };
    for mode in [Mode::Safe, Mode::Live] {
        let options = PlanOptions {
            mode,
            ..PlanOptions::default()
        };
        let _ = plan::build(&contract, &options);
    }
}

/// A contract whose `components` are `data` (when it is a JSON object) and
/// whose operations reach them only through `$ref`s.
pub fn with_fuzzed_components(data: &[u8]) -> Option<Vec<u8>> {
    let components: serde_json::Value = serde_json::from_slice(data).ok()?;
    if !components.is_object() {
        return None;
    }
    let document = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "fuzz", "version": "1"},
        "paths": {
            "/a/{id}": {"$ref": "#/components/pathItems/A"},
            "/b/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "post": {
                    "parameters": [
                        {"$ref": "#/components/parameters/Q"},
                        {"$ref": "#/components/parameters/H"}
                    ],
                    "requestBody": {"$ref": "#/components/requestBodies/B"},
                    "responses": {"200": {"$ref": "#/components/responses/R"}},
                    "security": [{"S": []}]
                },
                "get": {
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}}}
                }
            }
        },
        "components": components
    });
    serde_json::to_vec(&document).ok()
}

/// A contract in which `data` (when it is JSON) is the schema of a path
/// parameter, a query parameter, a header and a JSON request body.
pub fn with_fuzzed_schema(data: &[u8]) -> Option<Vec<u8>> {
    let schema: serde_json::Value = serde_json::from_slice(data).ok()?;
    let document = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "fuzz", "version": "1"},
        "paths": {
            "/things/{id}": {
                "put": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": schema},
                        {"name": "q", "in": "query", "required": true, "schema": schema},
                        {"name": "X-H", "in": "header", "required": true, "schema": schema}
                    ],
                    "requestBody": {
                        "required": true,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Fuzzed"}},
                            "application/x-www-form-urlencoded": {"schema": schema}
                        }
                    },
                    "responses": {"200": {"description": "OK"}}
                }
            }
        },
        "components": {"schemas": {"Fuzzed": schema}}
    });
    serde_json::to_vec(&document).ok()
}
