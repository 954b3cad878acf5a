//! What the fuzz targets run, shared with `tests/fuzz_regressions.rs` (which
//! includes this file with `#[path]`), so a regression input is replayed
//! exactly as the fuzzer ran it.

// Each fuzz target uses only some of these functions.
#![allow(dead_code)]

use rollcall::contract;
use rollcall::plan::{self, Mode, PlanOptions};

/// Loads `bytes` as a contract and, when it loads, plans it in safe and live
/// mode and renders the listing `rollcall list` prints (text and JSON).
/// Errors are fine; panics, hangs and stack overflows are the bugs, and so
/// is a raw control character in the listing (a contract's ESC must never
/// reach a terminal).
pub fn load_and_plan(source: &str, bytes: &[u8]) {
    let Ok(contract) = contract::parse(source, bytes) else {
        return;
    };
    for mode in [Mode::Safe, Mode::Live] {
        let options = PlanOptions {
            mode,
            ..PlanOptions::default()
        };
        let Ok(plan) = plan::build(&contract, &options) else {
            continue;
        };
        let redactor = plan::auth::redactor(Some(&contract), &options, &[], &[]);
        let text = rollcall::report::listing::text(&contract, &plan, &[], &redactor);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "a raw control character in the listing: {text:?}"
        );
        let _ = rollcall::report::listing::json(&contract, &plan, &[], &redactor);
    }
}

/// Aliases may add this many bytes of text to a document at most: twice
/// what the loader allows (64 MiB, counted with some bytes per node too), so
/// a document past it must be refused.
pub const ALIAS_EXPANSION_REFUSED: u64 = 128 * 1024 * 1024;

/// A YAML contract built from `data`: a scalar of up to 1 MiB anchored as
/// `a0`, then up to five levels `aN: &aN [*aN-1, ...]` (fan-out 1 to 32
/// each), a sequence of aliases the remaining bytes choose, and an alias in
/// a parameter example the planner reads. Returns the document and how many
/// bytes of text its aliases add once expanded.
pub fn yaml_with_aliases(data: &[u8]) -> Option<(Vec<u8>, u64)> {
    let (&levels, rest) = data.split_first()?;
    let (length, rest) = rest.split_first_chunk::<2>()?;
    let levels = 1 + usize::from(levels % 5);
    let scalar = usize::from(u16::from_le_bytes(*length)) * 16;
    let (fanouts, mix) = rest.split_at(levels.min(rest.len()));
    let fanouts: Vec<u64> = fanouts.iter().map(|b| 1 + u64::from(b % 32)).collect();
    let mut yaml = format!(
        "openapi: 3.0.3\ninfo: {{title: fuzz, version: '1'}}\nx-a0: &a0 \"{}\"\n",
        "x".repeat(scalar)
    );
    // Text bytes each anchor stands for, and the bytes the aliases add.
    let mut sizes = vec![scalar as u64];
    let mut added: u64 = 0;
    for (level, fanout) in fanouts.iter().enumerate() {
        let aliases = vec![format!("*a{level}"); *fanout as usize].join(", ");
        yaml.push_str(&format!("x-a{}: &a{} [{aliases}]\n", level + 1, level + 1));
        added = added.saturating_add(fanout.saturating_mul(sizes[level]));
        sizes.push(fanout.saturating_mul(sizes[level]));
    }
    let mut mixed = Vec::new();
    for byte in mix {
        let level = usize::from(*byte) % sizes.len();
        mixed.push(format!("*a{level}"));
        added = added.saturating_add(sizes[level]);
    }
    yaml.push_str(&format!("x-mix: [{}]\n", mixed.join(", ")));
    yaml.push_str(
        "paths:\n  /a:\n    get:\n      parameters:\n        - name: q\n          in: query\n          \
         required: true\n          schema: {type: string, example: *a0}\n      \
         responses: {'200': {description: OK}}\n",
    );
    added = added.saturating_add(sizes[0]);
    Some((yaml.into_bytes(), added))
}

/// [`yaml_with_aliases`] loaded and planned like any contract; one whose
/// aliases add more than [`ALIAS_EXPANSION_REFUSED`] must be refused.
pub fn load_yaml_with_aliases(data: &[u8]) {
    let Some((document, added)) = yaml_with_aliases(data) else {
        return;
    };
    if added > ALIAS_EXPANSION_REFUSED {
        assert!(
            contract::parse("aliases.yaml", &document).is_err(),
            "aliases adding {added} bytes were expanded"
        );
    } else {
        load_and_plan("aliases.yaml", &document);
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
