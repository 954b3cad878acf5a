//! Contracts and operations for the unit tests, built in one place: a
//! [`Contract`] or [`Operation`] literal names every field, so each copy of it
//! would change with the model. Start from [`contract`] or [`operation`]
//! (nothing declared but a `200` response) and set what the test is about:
//!
//! ```text
//! operation(Method::Get, "/pets/{petId}").with_id("getPet").with_tags(&["pets"])
//! contract(vec![op]).with_document(json!({...}))
//! ```
//!
//! Also for every stage's tests: contracts read from `testdata/`, and
//! assertions on text that show the whole text where they fail (a note, an
//! error, a finding's evidence, a rendered report):
//!
//! ```text
//! let contract = testdata_contract("s3/store.yaml");
//! assert_contains(&finding.evidence, "(Retry-After: 30)");
//! ```

use std::sync::Arc;

use super::{Contract, Method, Operation, ParamLocation, Parameter, RequestBody, SecurityScheme};

/// `spec.yaml`, OpenAPI 3.1.0, holding `operations` and declaring nothing
/// else; its raw document is `null`.
pub fn contract(operations: Vec<Operation>) -> Contract {
    Contract {
        source: "spec.yaml".into(),
        title: "test".into(),
        version: "1".into(),
        spec_version: "3.1.0".into(),
        servers: vec![],
        operations,
        webhooks: Vec::new(),
        security_schemes: vec![],
        warnings: vec![],
        referenced_files: Vec::new(),
        document: Arc::new(serde_json::Value::Null),
    }
}

impl Contract {
    /// With this raw document (what `$ref`s and schemas are read from).
    pub(crate) fn with_document(self, document: serde_json::Value) -> Contract {
        Contract {
            document: Arc::new(document),
            ..self
        }
    }

    /// Also declaring the security scheme `name`.
    pub(crate) fn with_security_scheme(mut self, name: &str, scheme: SecurityScheme) -> Contract {
        self.security_schemes.push((name.into(), scheme));
        self
    }
}

/// `METHOD path`, declaring nothing but a `200` response.
pub fn operation(method: Method, path: &str) -> Operation {
    Operation {
        method,
        path: path.into(),
        selector: Default::default(),
        operation_id: None,
        summary: None,
        tags: vec![],
        deprecated: false,
        parameters: vec![],
        request_body: None,
        security: vec![],
        responses: vec!["200".into()],
        location: Default::default(),
    }
}

/// A parameter with this schema (a value of its own: the contract's document need not hold
/// it), and no style, explode or example of its own.
pub fn parameter(
    name: &str,
    location: ParamLocation,
    required: bool,
    schema: serde_json::Value,
) -> Parameter {
    Parameter {
        name: name.into(),
        location,
        required,
        deprecated: false,
        style: None,
        explode: None,
        allow_reserved: false,
        schema: Some(schema.into()),
        example: None,
        content: None,
    }
}

impl Operation {
    /// With `operationId: id`.
    pub(crate) fn with_id(self, id: &str) -> Operation {
        Operation {
            operation_id: Some(id.into()),
            ..self
        }
    }

    pub(crate) fn with_tags(self, tags: &[&str]) -> Operation {
        Operation {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..self
        }
    }

    /// With these response keys (`200`, `2XX`, `default`) instead of `200`.
    pub(crate) fn with_responses(self, responses: &[&str]) -> Operation {
        Operation {
            responses: responses.iter().map(|r| r.to_string()).collect(),
            ..self
        }
    }

    pub(crate) fn with_parameters(self, parameters: Vec<Parameter>) -> Operation {
        Operation { parameters, ..self }
    }

    pub(crate) fn with_body(self, body: RequestBody) -> Operation {
        Operation {
            request_body: Some(body),
            ..self
        }
    }
}

/// The contract `testdata/<name>` holds, loaded as `check` loads a file (its
/// source named `testdata/<name>`).
pub fn testdata_contract(name: &str) -> Contract {
    let source = format!("testdata/{name}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&source);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{source}: {e}"));
    super::parse(&source, &bytes).unwrap_or_else(|e| panic!("{source} loads: {e}"))
}

/// Asserts that `text` contains `part`, and shows it where it does not.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "{text}");
}

/// Asserts that `text` starts with `start`, and shows it where it does not.
#[track_caller]
pub fn assert_starts_with(text: &str, start: &str) {
    assert!(text.starts_with(start), "{text}");
}

/// Asserts that `text` ends with `end`, and shows it where it does not.
#[track_caller]
pub fn assert_ends_with(text: &str, end: &str) {
    assert!(text.ends_with(end), "{text}");
}
