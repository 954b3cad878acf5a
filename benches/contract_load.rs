//! Load time of a large contract next to a plain `serde_json` parse of the
//! same text: pretty JSON, minified JSON and YAML. Prints figures, never
//! asserts (timings depend on the machine):
//!
//! ```text
//! $ cargo bench --bench contract_load
//! 9.3 MB pretty JSON: serde_json <time>, rollcall load <time> (<ratio>x)
//!   minified JSON load <time>; as 7.0 MB YAML, load <time>
//! ```
//!
//! `scripts/bench.sh` measures whole runs against real and synthetic
//! contracts; this one is the contract loader alone, in process.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Shaped like GitHub's spec (1,471 operations in 14 MB of pretty JSON): 1,500 operations
/// in about 9 MB, most of it component schemas.
fn big_spec() -> Value {
    const SCHEMAS: usize = 1000;
    let mut schemas = serde_json::Map::new();
    for s in 0..SCHEMAS {
        let mut properties = serde_json::Map::new();
        for p in 0..40 {
            properties.insert(
                format!("field_{p}"),
                json!({"type": "string", "description": "A property of a generated schema, long enough to look real.", "example": "value"}),
            );
        }
        properties.insert(
            "next".into(),
            json!({"$ref": format!("#/components/schemas/S{}", (s + 1) % SCHEMAS)}),
        );
        schemas.insert(
            format!("S{s}"),
            json!({"type": "object", "properties": properties}),
        );
    }
    let mut paths = serde_json::Map::new();
    for i in 0..750 {
        let schema = json!({"$ref": format!("#/components/schemas/S{}", i % SCHEMAS)});
        paths.insert(
            format!("/repos/{{owner}}/{{repo}}/things{i}/{{id}}"),
            json!({
                "parameters": [{"$ref": "#/components/parameters/owner"}, {"$ref": "#/components/parameters/repo"}],
                "get": {
                    "operationId": format!("things{i}/get"),
                    "summary": "Get a thing",
                    "tags": ["things"],
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                        {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": 30}}
                    ],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema.clone()}}}, "404": {"$ref": "#/components/responses/not_found"}}
                },
                "post": {
                    "operationId": format!("things{i}/create"),
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": schema.clone(), "examples": {"default": {"value": {"field_1": "x"}}}}}},
                    "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": schema}}}}
                }
            }),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Big", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": {
                "owner": {"name": "owner", "in": "path", "required": true, "schema": {"type": "string"}},
                "repo": {"name": "repo", "in": "path", "required": true, "schema": {"type": "string"}}
            },
            "responses": {"not_found": {"description": "Not found"}}
        }
    })
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let spec = big_spec();
    let text = serde_json::to_string_pretty(&spec).expect("serializes");
    let plain = best_of(5, || {
        let value: Value = serde_json::from_str(&text).expect("parses");
        std::hint::black_box(value);
    });
    let load = best_of(5, || {
        std::hint::black_box(
            rollcall::contract::parse("big.json", text.as_bytes()).expect("loads"),
        );
    });
    println!(
        "{:.1} MB pretty JSON: serde_json {plain:?}, rollcall load {load:?} ({:.2}x)",
        text.len() as f64 / 1e6,
        load.as_secs_f64() / plain.as_secs_f64()
    );

    let minified = serde_json::to_string(&spec).expect("serializes");
    let minified_load = best_of(5, || {
        std::hint::black_box(
            rollcall::contract::parse("big.json", minified.as_bytes()).expect("loads"),
        );
    });
    let yaml = yaml_serde::to_string(&spec).expect("serializes");
    let yaml_load = best_of(2, || {
        std::hint::black_box(
            rollcall::contract::parse("big.yaml", yaml.as_bytes()).expect("loads"),
        );
    });
    println!(
        "  minified JSON load {minified_load:?}; as {:.1} MB YAML, load {yaml_load:?}",
        yaml.len() as f64 / 1e6
    );
}
