//! Contract: read an OpenAPI document (file or URL, JSON or YAML by content),
//! resolve its `$ref`s and normalize it into [`Contract`], the one model of
//! operations that the rest of the pipeline reads.
//!
//! The document is parsed into a generic value first; typed reading happens per
//! operation, so one malformed node costs that operation a [`ContractWarning`],
//! never the whole run. What leaves nothing to read is a [`ContractError`] naming
//! file, line and field: a version field that is not a version, or a top-level
//! container of operations or definitions (`paths`, `components`, `definitions`...)
//! that is not a mapping.
//!
//! [`parse`] runs, in order: `source` (UTF-8, JSON or YAML by content, duplicate
//! keys refused), the version check (`openapi3::detect_version`: Swagger 2.0,
//! OpenAPI 3.0, 3.1, 3.2) and `openapi3::check_containers`, `bundle` (files named by external `$ref`s, relative or,
//! when allowed, remote, copied under `/x-rollcall-bundled/<n>` with every reference
//! rewritten to an internal one), `refs::check` (every `$ref` in the document must
//! point at something), `swagger2` (a 2.0 document rewritten into the 3.0 shape),
//! `openapi3::normalize` (operations, webhooks and warnings, with JSON pointers),
//! and the placing of those pointers at lines and columns in the file each node was
//! written in: from the key offsets the JSON parse recorded (`source::KeyOffsets`),
//! else with one `locate` pass over the file's text. `pointer` spells JSON pointers
//! for all of them.

mod bundle;
pub mod diff;
mod locate;
mod model;
mod openapi3;
pub(crate) mod pointer;
mod refs;
mod responses;
mod source;
mod swagger2;
pub mod template;
#[cfg(test)]
pub(crate) mod testing;

pub use model::*;
pub use responses::ResponseValues;
pub use source::lexically_normal;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use bundle::{Bundle, BundleStop, Remote};
use locate::Format;
use refs::RefIssue;

/// How to load a contract.
#[derive(Clone)]
pub struct LoadOptions {
    /// Timeout for fetching a spec given as an http(s) URL.
    pub fetch_timeout: Duration,
    /// Follow `$ref`s to http(s) URLs (`--allow-remote-refs`). Off by default: a contract
    /// must not make rollcall fetch arbitrary hosts.
    pub allow_remote_refs: bool,
    /// Headers for fetching a spec given as a URL (`--spec-header`): sent
    /// only to that URL's origin (scheme, host, port), never to another host
    /// a `$ref` names.
    pub headers: Vec<(String, String)>,
    /// TLS settings for fetching (`--insecure`, `--cacert`, client certificate).
    pub tls: crate::tls::TlsOptions,
}

/// Header values may be credentials: `Debug` shows their names only.
impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("LoadOptions")
            .field("fetch_timeout", &self.fetch_timeout)
            .field("allow_remote_refs", &self.allow_remote_refs)
            .field("headers", &names)
            .field("tls", &self.tls)
            .finish()
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            fetch_timeout: Duration::from_secs(30),
            allow_remote_refs: false,
            headers: Vec::new(),
            tls: crate::tls::TlsOptions::default(),
        }
    }
}

/// Why a contract could not be loaded at all. Each variant says what and where.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("cannot read spec {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot fetch spec {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{file}:{line}:{column}: invalid {format}: {message}")]
    Syntax {
        file: String,
        format: &'static str,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{file}: {message}")]
    Unsupported { file: String, message: String },
    #[error("{location}: {message}")]
    Invalid {
        location: SourceLocation,
        message: String,
    },
    #[error("{location}: $ref '{reference}' in {} points at nothing", location.pointer)]
    DanglingRef {
        location: SourceLocation,
        reference: String,
    },
    /// The contract loads but declares nothing `check` could probe.
    #[error("{}: {message}", at_line_or_file(location))]
    NoOperations {
        location: SourceLocation,
        message: String,
    },
    /// Neither `openapi` nor `swagger` at the top: some other YAML or JSON file.
    #[error("{file}: not an OpenAPI document: {detail}")]
    NotOpenApi { file: String, detail: String },
}

/// `spec.yaml:3:1`, or just `spec.yaml` for a node that is not written anywhere.
fn at_line_or_file(location: &SourceLocation) -> String {
    match location.line {
        Some(_) => location.to_string(),
        None => location.file.clone(),
    }
}

impl Contract {
    /// An error when the contract declares no operation at all: a check of it would probe
    /// nothing and pass, which in CI hides a contract emptied by a broken generator or a
    /// wrong file. `list` and `diff` still read such a contract.
    pub fn require_operations(&self) -> Result<(), ContractError> {
        if !self.operations.is_empty() {
            return Ok(());
        }
        let paths = self.document.get("paths").and_then(Value::as_object);
        let declared = paths.map_or(0, |p| p.keys().filter(|k| !k.starts_with("x-")).count());
        let webhooks = if self.webhooks.is_empty() {
            String::new()
        } else {
            format!(
                " (its {} webhook operations are requests the API sends, never probed)",
                self.webhooks.len()
            )
        };
        let (location, message) = match paths {
            None => (
                self.location_of(""),
                format!(
                    "the contract has no `paths`: it declares no operations to check{webhooks}"
                ),
            ),
            Some(_) if declared == 0 => (
                self.location_of("/paths"),
                format!("`paths` is empty: the contract declares no operations to check{webhooks}"),
            ),
            Some(_) => (
                self.location_of("/paths"),
                format!(
                    "none of the {declared} path items in `paths` has an operation that could \
                     be read (see the warnings): there is nothing to check"
                ),
            ),
        };
        Err(ContractError::NoOperations { location, message })
    }

    /// `pointer` of the root file, placed where the loader's warning about it was.
    fn location_of(&self, pointer: &str) -> SourceLocation {
        let warned = self
            .warnings
            .iter()
            .map(|w| &w.location)
            .find(|l| !pointer.is_empty() && l.pointer == pointer && l.file == self.source);
        warned.cloned().unwrap_or_else(|| SourceLocation {
            file: self.source.clone(),
            pointer: pointer.to_string(),
            line: None,
            column: None,
        })
    }
}

/// Loads `spec` (a file path or an http(s) URL), with the files its `$ref`s name.
pub async fn load(spec: &str, options: &LoadOptions) -> Result<Contract, ContractError> {
    // `--spec-header` goes to the spec's own origin only.
    let header_origin = url::Url::parse(spec).ok().map(|u| u.origin());
    let header_origin = header_origin.as_ref().filter(|o| o.is_tuple());
    let bytes = source::read(spec, options, header_origin).await?;
    let mut fetched = HashMap::new();
    loop {
        let remote = Remote {
            allowed: options.allow_remote_refs,
            fetched: &fetched,
        };
        match parse_with(spec, &bytes, &remote) {
            Ok(contract) => return Ok(contract),
            Err(BundleStop::Error(error)) => return Err(error),
            // Each round fetches the remote files found so far; they may name more.
            Err(BundleStop::Fetch(urls)) => {
                for url in urls {
                    let body = source::read(&url, options, header_origin).await?;
                    fetched.insert(url, body);
                }
            }
        }
    }
}

/// Parses an already-read document; `source` names it in errors and reports, and relative
/// `$ref`s to other files are read from its folder. Remote `$ref`s are refused.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Contract, ContractError> {
    let no_remote = HashMap::new();
    let remote = Remote {
        allowed: false,
        fetched: &no_remote,
    };
    match parse_with(source, bytes, &remote) {
        Ok(contract) => Ok(contract),
        Err(BundleStop::Error(error)) => Err(error),
        Err(BundleStop::Fetch(urls)) => Err(ContractError::Unsupported {
            file: source.to_string(),
            message: format!("remote $refs cannot be fetched here: {}", urls.join(", ")),
        }),
    }
}

fn parse_with(source: &str, bytes: &[u8], remote: &Remote<'_>) -> Result<Contract, BundleStop> {
    let text = source::decode(source, bytes)?;
    let format = Format::detect(text);
    let (mut document, root_keys) = source::parse_value_placing_keys(source, text, format)?;
    let in_root = |error| place_in_root(error, text, format);
    let (version, spec_version) = openapi3::detect_version(source, &document).map_err(in_root)?;
    openapi3::check_containers(source, &document, version).map_err(in_root)?;
    let bundle = bundle::bundle(source, text, format, &mut document, remote)?;
    let files = Files {
        root_source: source,
        root_text: text,
        root_format: format,
        root_keys: &root_keys,
        bundle: &bundle,
    };
    let mut normalized = if version == openapi3::SpecVersion::V2_0 {
        let checked = refs::check(&document).map_err(|problem| ref_error(&files, problem))?;
        // Swagger 2.0 is rewritten into the 3.0 shape; the document downstream stages follow
        // `$ref`s in is that rewritten one (operations and schemas keep their pointers).
        let (converted, notes) =
            swagger2::to_openapi3(std::mem::take(&mut document), checked.names_paths);
        document = converted;
        let mut normalized = openapi3::normalize(source, &document, openapi3::SpecVersion::V3_0);
        normalized
            .warnings
            .extend(notes.into_iter().map(|(pointer, message)| ContractWarning {
                location: SourceLocation {
                    file: source.to_string(),
                    pointer,
                    line: None,
                    column: None,
                },
                message,
            }));
        normalized
    } else {
        // Both only read the document: the `$ref` check runs beside the
        // normalization (a tenth of a large contract's load time), and its
        // error wins, as if it had run first.
        let (checked, normalized) = std::thread::scope(|scope| {
            let checked = scope.spawn(|| refs::check(&document));
            let normalized = openapi3::normalize(source, &document, version);
            (checked.join(), normalized)
        });
        match checked {
            Ok(Ok(_)) => {}
            Ok(Err(problem)) => return Err(ref_error(&files, problem).into()),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        normalized
    };

    // The root's key offsets, then one pass over each file's text, place every operation
    // and warning written in it (the pass stops once all are found).
    let mut wanted: Vec<&mut SourceLocation> = normalized
        .operations
        .iter_mut()
        .map(|op| &mut op.location)
        .chain(normalized.webhooks.iter_mut().map(|w| &mut w.location))
        .chain(normalized.warnings.iter_mut().map(|w| &mut w.location))
        .collect();
    files.place_all(&mut wanted);
    if normalized.version_is_number {
        let located = locate::locate(text, format, &[], &["/info/version"]);
        if let Some(written) = located.scalar("/info/version") {
            normalized.version = written.to_string();
        }
    }

    Ok(Contract {
        source: source.to_string(),
        title: normalized.title,
        version: normalized.version,
        spec_version,
        servers: normalized.servers,
        operations: normalized.operations,
        webhooks: normalized.webhooks,
        security_schemes: normalized.security_schemes,
        warnings: normalized.warnings,
        referenced_files: bundle.files.iter().map(|f| f.source.clone()).collect(),
        document: Arc::new(document),
    })
}

/// The root file and the bundled ones: where to look a node up for its line.
struct Files<'a> {
    root_source: &'a str,
    root_text: &'a str,
    root_format: Format,
    /// Where the root file's keys that name operations are, read off its parse.
    root_keys: &'a source::KeyOffsets,
    bundle: &'a Bundle,
}

impl Files<'_> {
    /// Fills in file, line and column of each location from its (bundled-document) pointer.
    /// The pointer itself is kept: it names the node in `Contract::document`.
    fn place_all(&self, locations: &mut [&mut SourceLocation]) {
        let mut by_file: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
        for (i, location) in locations.iter().enumerate() {
            by_file
                .entry(self.bundle.origin(&location.pointer).file)
                .or_default()
                .push(i);
        }
        if let Some(root) = by_file.get_mut(&None) {
            self.place_from_root_keys(locations, root);
        }
        for (file, members) in by_file {
            if members.is_empty() {
                continue;
            }
            let inner: Vec<String> = members
                .iter()
                .map(|&i| {
                    self.bundle
                        .origin(&locations[i].pointer)
                        .pointer
                        .into_owned()
                })
                .collect();
            let pointers: Vec<&str> = inner.iter().map(String::as_str).collect();
            let (source, text, format) = self.file(file);
            let located = locate::locate(text, format, &pointers, &[]);
            for (asked, &i) in members.iter().enumerate() {
                // A key that exists only through a YAML merge (`<<`) is placed at its parent.
                place(&mut *locations[i], located.nearest(asked));
                if file.is_some() {
                    locations[i].file = source.to_string();
                }
            }
        }
    }

    /// Places the `members` of `locations` whose pointer is a key the root file's parse
    /// recorded, and leaves the others in `members` for a pass over the text.
    fn place_from_root_keys(
        &self,
        locations: &mut [&mut SourceLocation],
        members: &mut Vec<usize>,
    ) {
        let mut found: Vec<(usize, usize)> = Vec::new();
        members.retain(|&i| match self.root_keys.get(&locations[i].pointer) {
            Some(&offset) => {
                found.push((offset, i));
                false
            }
            None => true,
        });
        found.sort_unstable();
        let offsets = found.iter().map(|&(offset, _)| offset);
        for (position, &(_, i)) in locate::positions_at(self.root_text, offsets).zip(&found) {
            place(&mut *locations[i], Some(position));
        }
    }

    fn file(&self, file: Option<usize>) -> (&str, &str, Format) {
        match file.and_then(|i| self.bundle.files.get(i)) {
            Some(bundled) => (&bundled.source, &bundled.text, bundled.format),
            None => (self.root_source, self.root_text, self.root_format),
        }
    }
}

/// An error about a node of the root file, with the line and column of its pointer.
fn place_in_root(mut error: ContractError, text: &str, format: Format) -> ContractError {
    if let ContractError::Invalid { location, .. } = &mut error {
        let located = locate::locate(text, format, &[location.pointer.as_str()], &[]);
        place(location, located.nearest(0));
    }
    error
}

fn place(location: &mut SourceLocation, position: Option<locate::Position>) {
    location.line = position.map(|p| p.line);
    location.column = position.map(|p| p.column);
}

/// The error for a `$ref` that cannot be followed, placed at the `$ref` key itself in the file
/// that holds it.
fn ref_error(files: &Files<'_>, problem: refs::RefProblem) -> ContractError {
    let origin = files.bundle.origin(&problem.holder);
    let (source, text, format) = files.file(origin.file);
    let holder = origin.pointer.to_string();
    let ref_key = pointer::child(&holder, "$ref");
    let located = locate::locate(text, format, &[ref_key.as_str()], &[]);
    let mut location = SourceLocation {
        file: source.to_string(),
        pointer: holder,
        line: None,
        column: None,
    };
    place(&mut location, located.nearest(0));
    match problem.issue {
        RefIssue::Dangling(reference) => ContractError::DanglingRef {
            location,
            reference: unbundled(files, origin.file, &reference),
        },
        RefIssue::External(reference) => ContractError::Invalid {
            location,
            message: format!("external $ref '{reference}' cannot be followed"),
        },
        issue @ (RefIssue::Cycle(_) | RefIssue::PlainName(_)) => ContractError::Invalid {
            location,
            message: issue.message(),
        },
    }
}

/// A bundled reference spelled as the user wrote it: `#/x-rollcall-bundled/2/a` is `#/a` when
/// file 2 holds it, else `<file 2>#/a`.
fn unbundled(files: &Files<'_>, holder_file: Option<usize>, reference: &str) -> String {
    let Some(pointer) = reference.strip_prefix('#') else {
        return reference.to_string();
    };
    let origin = files.bundle.origin(pointer);
    match origin.file {
        Some(file) if Some(file) == holder_file => format!("#{}", origin.pointer),
        Some(file) => format!("{}#{}", files.file(Some(file)).0, origin.pointer),
        None => reference.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> String {
        format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    fn load_fixture(name: &str) -> Result<Contract, ContractError> {
        let path = fixture(name);
        let bytes = std::fs::read(&path).expect("fixture exists");
        parse(&path, &bytes)
    }

    fn operation<'c>(contract: &'c Contract, label: &str) -> &'c Operation {
        contract
            .operations
            .iter()
            .find(|op| op.label() == label)
            .unwrap_or_else(|| panic!("{label} not in {:?}", labels(contract)))
    }

    fn labels(contract: &Contract) -> Vec<String> {
        contract.operations.iter().map(Operation::label).collect()
    }

    fn params(op: &Operation) -> Vec<(&str, ParamLocation)> {
        op.parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location))
            .collect()
    }

    fn position(location: &SourceLocation) -> (Option<u32>, Option<u32>) {
        (location.line, location.column)
    }

    #[test]
    fn openapi_3_0_yaml_gives_every_operation_in_document_order() {
        let contract = load_fixture("contract/petstore-3.0.yaml").expect("loads");
        assert_eq!(contract.title, "Petstore 3.0");
        assert_eq!(
            contract.version, "1.0",
            "YAML number version keeps its spelling"
        );
        assert_eq!(contract.spec_version, "3.0.3");
        assert_eq!(
            labels(&contract),
            [
                "GET /pets",
                "POST /pets",
                "GET /pets/{petId}",
                "DELETE /pets/{petId}",
                "GET /animals",
                "POST /animals",
            ]
        );
        assert!(contract.warnings.is_empty(), "{:?}", contract.warnings);
    }

    #[test]
    fn servers_have_variables_replaced_and_relative_urls_kept() {
        let contract = load_fixture("contract/petstore-3.0.yaml").expect("loads");
        assert_eq!(
            contract.servers,
            ["https://eu.api.example.com/v1", "/relative"]
        );
        let contract = load_fixture("contract/petstore-3.1.json").expect("loads");
        assert_eq!(contract.servers, ["https://api.example.com:8443"]);
    }

    #[test]
    fn operation_parameters_override_path_item_parameters() {
        let contract = load_fixture("contract/petstore-3.0.yaml").expect("loads");
        let show = operation(&contract, "GET /pets/{petId}");
        assert_eq!(
            params(show),
            [
                ("petId", ParamLocation::Path),
                ("X-Request-Id", ParamLocation::Header)
            ]
        );
        let document = &contract.document;
        assert_eq!(
            show.parameters[0].schema(document),
            Some(&json!({"type": "integer"}))
        );
        assert_eq!(show.parameters[0].example(document), Some(&json!(7)));
        let delete = operation(&contract, "DELETE /pets/{petId}");
        assert_eq!(
            delete.parameters[0].schema(document),
            Some(&json!({"type": "string"}))
        );
        assert!(delete.parameters[0].required);
        assert!(delete.deprecated);
    }

    #[test]
    fn a_ref_to_a_ref_resolves_to_the_parameter() {
        let contract = load_fixture("contract/petstore-3.0.yaml").expect("loads");
        let list = operation(&contract, "GET /pets");
        assert_eq!(params(list), [("limit", ParamLocation::Query)]);
        assert_eq!(
            list.parameters[0].example(&contract.document),
            Some(&json!(5))
        );
        assert_eq!(list.operation_id.as_deref(), Some("listPets"));
        assert_eq!(list.summary.as_deref(), Some("List pets"));
        assert_eq!(list.tags, ["pets"]);
        assert_eq!(list.responses, ["200", "default"]);
    }

    #[test]
    fn operation_security_overrides_global_and_empty_list_means_none() {
        let contract = load_fixture("contract/petstore-3.0.yaml").expect("loads");
        let global = vec![vec![("apiKey".to_string(), vec![])]];
        assert_eq!(operation(&contract, "GET /pets").security, global);
        assert!(
            operation(&contract, "GET /pets/{petId}")
                .security
                .is_empty()
        );
        assert_eq!(
            operation(&contract, "DELETE /pets/{petId}").security,
            vec![vec![("bearer".to_string(), vec!["pets:write".to_string()])]]
        );
        assert_eq!(
            contract.security_scheme("apiKey"),
            Some(&SecurityScheme::ApiKey {
                name: "X-API-Key".into(),
                location: ParamLocation::Header
            })
        );
        assert_eq!(
            contract.security_scheme("bearer"),
            Some(&SecurityScheme::Http {
                scheme: "bearer".into()
            })
        );
    }

    #[test]
    fn request_body_comes_from_its_component_and_schemas_keep_their_refs() {
        let contract = load_fixture("contract/petstore-3.0.yaml").expect("loads");
        let create = operation(&contract, "POST /pets");
        let body = create.request_body.as_ref().expect("body");
        assert!(body.required);
        assert_eq!(body.content[0].media_type, "application/json");
        let document = &contract.document;
        assert_eq!(
            body.content[0].example(document),
            Some(&json!({"name": "Rex"}))
        );
        assert_eq!(
            body.content[0].schema(document),
            Some(&json!({"$ref": "#/components/schemas/Pet"}))
        );
        assert!(
            contract
                .document
                .pointer("/components/schemas/Pet")
                .is_some()
        );
        assert_eq!(
            create.responses,
            ["201"],
            "numeric YAML keys become strings"
        );
    }

    #[test]
    fn operations_know_their_pointer_line_and_column() {
        let contract = load_fixture("contract/petstore-3.0.yaml").expect("loads");
        let show = operation(&contract, "GET /pets/{petId}");
        assert_eq!(show.location.pointer, "/paths/~1pets~1{petId}/get");
        assert_eq!(position(&show.location), (Some(43), Some(5)));
        assert!(show.location.file.ends_with("petstore-3.0.yaml"));
        assert_eq!(
            position(&operation(&contract, "DELETE /pets/{petId}").location),
            (Some(56), Some(5))
        );
        // Operations of a referenced path item point where they are written.
        let animals = operation(&contract, "GET /animals");
        assert_eq!(animals.location.pointer, "/paths/~1pets/get");
        assert_eq!(position(&animals.location), (Some(18), Some(5)));
        // The pointer names the operation object in `document`.
        let declared = contract.operation_node(show).expect("exists");
        assert_eq!(declared["operationId"], "showPet");

        let contract = load_fixture("contract/petstore-3.1.json").expect("loads");
        let put = operation(&contract, "PUT /pets/{petId}");
        assert_eq!(put.location.pointer, "/paths/~1pets~1{petId}/put");
        assert_eq!(position(&put.location), (Some(9), Some(7)));
    }

    #[test]
    fn openapi_3_1_json_reads_path_item_refs_body_media_types_and_schemes() {
        let contract = load_fixture("contract/petstore-3.1.json").expect("loads");
        assert_eq!(contract.spec_version, "3.1.0");
        assert_eq!(contract.version, "2.3.0");
        assert_eq!(
            labels(&contract),
            ["GET /pets", "TRACE /pets", "PUT /pets/{petId}"],
            "webhooks are not served paths"
        );
        let list = operation(&contract, "GET /pets");
        assert_eq!(list.location.pointer, "/components/pathItems/Pets/get");
        assert_eq!(position(&list.location), (Some(28), Some(9)));
        let put = operation(&contract, "PUT /pets/{petId}");
        assert_eq!(params(put), [("petId", ParamLocation::Path)]);
        let body = put.request_body.as_ref().expect("body");
        assert!(!body.required);
        let types: Vec<_> = body.content.iter().map(|m| m.media_type.as_str()).collect();
        assert_eq!(
            types,
            ["application/merge-patch+json", "multipart/form-data"]
        );
        assert_eq!(
            body.content[1].encoding(&contract.document),
            Some(&json!({"photo": {"contentType": "image/png"}}))
        );
        let schemes: Vec<_> = contract
            .security_schemes
            .iter()
            .map(|(_, s)| s.clone())
            .collect();
        assert_eq!(
            schemes,
            [
                SecurityScheme::MutualTls,
                SecurityScheme::OpenIdConnect,
                SecurityScheme::OAuth2,
                SecurityScheme::ApiKey {
                    name: "session".into(),
                    location: ParamLocation::Cookie
                },
                SecurityScheme::Other {
                    kind: "x-custom".into()
                },
            ]
        );
    }

    #[test]
    fn a_ref_cycle_does_not_hang_and_costs_only_that_parameter() {
        let contract = load_fixture("contract/cycle.yaml").expect("a cycle is not fatal");
        assert_eq!(labels(&contract), ["GET /a", "GET /b"]);
        assert!(operation(&contract, "GET /a").parameters.is_empty());
        let warning = &contract.warnings[0];
        assert!(warning.message.contains("never ends"), "{warning}");
        assert_eq!(warning.location.pointer, "/paths/~1a/get/parameters/0");
        assert_eq!(warning.location.line, Some(7));
    }

    #[test]
    fn a_malformed_operation_is_a_warning_and_the_rest_still_loads() {
        let contract = load_fixture("contract/malformed-operations.yaml").expect("loads");
        assert_eq!(
            labels(&contract),
            ["GET /ok", "POST /broken", "GET /users/{userId}"]
        );
        assert!(operation(&contract, "POST /broken").parameters.is_empty());
        let found = |pointer: &str, text: &str| {
            contract
                .warnings
                .iter()
                .find(|w| w.location.pointer == pointer && w.message.contains(text))
                .unwrap_or_else(|| {
                    panic!(
                        "no warning {text:?} at {pointer} in {:?}",
                        contract.warnings
                    )
                })
                .location
                .clone()
        };
        let at = found("/paths/~1broken/get", "expected an operation mapping");
        assert_eq!(position(&at), (Some(9), Some(5)));
        assert_eq!(
            found("/paths/~1broken/post/parameters/0", "no `name`").line,
            Some(12)
        );
        assert_eq!(
            found("/paths/~1broken/post/parameters/1", "formData").line,
            Some(13)
        );
        assert_eq!(
            found("/paths/~1broken/post/requestBody", "requestBody").line,
            Some(15)
        );
        let at = found("/paths/~1users~1{userId}/get", "no path parameter `userId`");
        assert_eq!(at.line, Some(19));
        assert!(
            at.to_string().ends_with("malformed-operations.yaml:19:5"),
            "{at}"
        );
    }

    #[test]
    fn webhook_only_document_loads_with_zero_operations_and_a_warning() {
        let contract = load_fixture("contract/webhooks-only.yaml").expect("loads");
        assert!(contract.operations.is_empty());
        assert!(contract.warnings[0].message.contains("no `paths`"));
    }

    #[test]
    fn openapi_3_2_loads_like_3_1_with_a_warning() {
        let contract = load_fixture("contract/openapi-3.2.yaml").expect("loads");
        assert_eq!(labels(&contract), ["GET /search"]);
        let warning = &contract.warnings[0];
        assert!(warning.message.contains("OpenAPI 3.2"), "{warning}");
        assert_eq!(warning.location.line, Some(1));
    }

    /// Loads a fixture that must fail as a syntax error in `format` at `line` and `column`;
    /// the error, and its `file` and `message`, for the test's own checks.
    #[track_caller]
    fn assert_syntax_error(
        fixture: &str,
        (format, line, column): (&str, u32, u32),
    ) -> (ContractError, String, String) {
        let err = load_fixture(fixture).expect_err("invalid");
        let ContractError::Syntax {
            file,
            format: found_format,
            line: found_line,
            column: found_column,
            message,
        } = &err
        else {
            panic!("expected Syntax, got {err:?}");
        };
        assert_eq!(
            (*found_format, *found_line, *found_column),
            (format, line, column),
            "{err}"
        );
        let (file, message) = (file.clone(), message.clone());
        (err, file, message)
    }

    #[test]
    fn invalid_yaml_is_a_syntax_error_with_line_and_column() {
        let (err, file, _) = assert_syntax_error("malformed/invalid.yaml", ("YAML", 9, 6));
        assert!(file.ends_with("invalid.yaml"));
        assert!(
            err.to_string().contains("invalid.yaml:9:6: invalid YAML"),
            "{err}"
        );
    }

    #[test]
    fn invalid_json_is_a_syntax_error_with_line_and_column() {
        let (_, _, message) = assert_syntax_error("malformed/invalid.json", ("JSON", 4, 3));
        assert!(message.contains("expected `,` or `}`"), "{message}");
    }

    #[test]
    fn duplicate_key_is_an_error_at_the_repeated_key() {
        let err = load_fixture("contract/duplicate-key.yaml").expect_err("duplicate");
        assert!(
            matches!(
                err,
                ContractError::Syntax {
                    line: 8,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("duplicate key \"/pets\""), "{err}");
    }

    /// The place and the reference of a dangling `$ref` error.
    fn dangling_ref(err: &ContractError) -> (&SourceLocation, &str) {
        match err {
            ContractError::DanglingRef {
                location,
                reference,
            } => (location, reference),
            _ => panic!("expected DanglingRef, got {err:?}"),
        }
    }

    #[test]
    fn dangling_ref_names_file_pointer_and_line() {
        let err = load_fixture("malformed/dangling-ref.yaml").expect_err("dangling");
        let (location, reference) = dangling_ref(&err);
        assert_eq!(reference, "#/components/schemas/Pet");
        assert_eq!(
            location.pointer,
            "/paths/~1pets/get/responses/200/content/application~1json/schema"
        );
        assert_eq!(position(location), (Some(12), Some(17)));
        assert!(
            err.to_string().contains(
                "dangling-ref.yaml:12:17: $ref '#/components/schemas/Pet' in /paths/~1pets/get/responses/200/content/application~1json/schema points at nothing"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_missing_external_file_is_an_error_naming_the_ref_file_and_line() {
        let err = load_fixture("contract/external-ref.yaml").expect_err("missing file");
        assert!(matches!(err, ContractError::Invalid { .. }), "{err:?}");
        let text = err.to_string();
        for part in [
            "external-ref.yaml:8:11:",
            "(at /paths/~1pets/get/responses/200)",
            "$ref 'responses.yaml#/Ok': cannot read",
            "responses.yaml",
        ] {
            assert!(text.contains(part), "{text}");
        }
    }

    #[test]
    fn swagger_2_loads_with_servers_from_host_and_base_path() {
        let contract = load_fixture("contract/swagger2.json").expect("loads");
        assert_eq!(contract.spec_version, "2.0");
        assert_eq!(contract.title, "Old petstore");
        assert_eq!(contract.servers, ["https://petstore.example.com/v1"]);
        assert_eq!(labels(&contract), ["GET /pets"]);
        assert_eq!(contract.operations[0].location.line, Some(6));
    }

    #[test]
    fn other_swagger_versions_are_refused_clearly() {
        let err = parse("old.json", br#"{"swagger": "1.2", "paths": {}}"#).expect_err("1.2");
        assert!(matches!(err, ContractError::Unsupported { .. }), "{err:?}");
        assert!(
            err.to_string().contains("Swagger 1.2 is not supported"),
            "{err}"
        );
    }

    /// Label, parameters (name, location, required) and body media types of an operation.
    type OperationSummary = (String, Vec<(String, ParamLocation, bool)>, Vec<String>);

    fn summary(contract: &Contract) -> Vec<OperationSummary> {
        contract
            .operations
            .iter()
            .map(|op| {
                let params = op
                    .parameters
                    .iter()
                    .map(|p| (p.name.clone(), p.location, p.required))
                    .collect();
                let media = op
                    .request_body
                    .iter()
                    .flat_map(|b| b.content.iter().map(|m| m.media_type.clone()))
                    .collect();
                (op.label(), params, media)
            })
            .collect()
    }

    #[test]
    fn swagger_petstore_in_2_0_and_3_0_form_gives_the_same_operations() {
        let v2 = load_fixture("contract/swagger-petstore-2.0.yaml").expect("2.0 loads");
        let v3 = load_fixture("contract/swagger-petstore-3.0.yaml").expect("3.0 loads");
        assert!(v2.warnings.is_empty(), "{:?}", v2.warnings);
        assert!(v3.warnings.is_empty(), "{:?}", v3.warnings);
        assert_eq!(summary(&v2), summary(&v3));
        assert_eq!(v2.servers, v3.servers);
        assert_eq!(v2.security_schemes, v3.security_schemes);
        let security =
            |c: &Contract| -> Vec<_> { c.operations.iter().map(|o| o.security.clone()).collect() };
        assert_eq!(security(&v2), security(&v3));
        for (a, b) in v2.operations.iter().zip(&v3.operations) {
            for (p, q) in a.parameters.iter().zip(&b.parameters) {
                assert_eq!(
                    p.example(&v2.document),
                    q.example(&v3.document),
                    "{} {}",
                    a.label(),
                    p.name
                );
                assert_eq!(
                    (&p.style, p.explode),
                    (&q.style, q.explode).clone(),
                    "{} {}",
                    a.label(),
                    p.name
                );
            }
        }
        // Operations are placed where the 2.0 file declares them.
        let upload = operation(&v2, "POST /pet/{petId}/uploadImage");
        assert_eq!(upload.location.line, Some(85));
        let body = upload.request_body.as_ref().expect("formData body");
        assert!(body.required);
        assert_eq!(
            body.content[0].schema(&v2.document).unwrap()["properties"]["file"],
            json!({"type": "string", "format": "binary"})
        );
    }

    #[test]
    fn every_schema_example_and_encoding_the_model_names_is_in_its_document() {
        // The model points into `document` instead of copying: a pointer that names nothing
        // would silently drop a schema from planning.
        for fixture in [
            "contract/petstore-3.0.yaml",
            "contract/petstore-3.1.json",
            "contract/swagger-petstore-2.0.yaml",
            "contract/multi-file/openapi.yaml",
        ] {
            let contract = load_fixture(fixture).expect("loads");
            let mut named = 0;
            for operation in &contract.operations {
                let media = operation
                    .request_body
                    .iter()
                    .flat_map(|body| &body.content)
                    .chain(
                        operation
                            .parameters
                            .iter()
                            .filter_map(|p| p.content.as_ref()),
                    );
                let nodes = operation
                    .parameters
                    .iter()
                    .flat_map(|p| [&p.schema, &p.example])
                    .chain(media.flat_map(|m| [&m.schema, &m.example, &m.encoding]));
                for node in nodes.flatten() {
                    assert!(matches!(node, Node::At(_)), "{fixture}: {node:?}");
                    assert!(
                        node.get(&contract.document).is_some(),
                        "{fixture} {}: {node:?} names nothing",
                        operation.label()
                    );
                    named += 1;
                }
            }
            assert!(named > 0, "{fixture} names no schema");
        }
    }

    #[test]
    fn external_refs_across_files_folders_and_fragments_are_bundled() {
        let contract = load_fixture("contract/multi-file/openapi.yaml").expect("loads");
        assert!(contract.warnings.is_empty(), "{:?}", contract.warnings);
        assert_eq!(
            labels(&contract),
            [
                "GET /pets",
                "POST /pets",
                "GET /pets/{petId}",
                "GET /owners"
            ]
        );
        let list = operation(&contract, "GET /pets");
        assert_eq!(list.parameters[0].name, "limit");
        assert!(
            list.location.file.ends_with("multi-file/paths/pets.yaml"),
            "{}",
            list.location.file
        );
        assert_eq!(position(&list.location), (Some(1), Some(1)));
        assert_eq!(
            contract.operation_node(list).expect("node")["operationId"],
            "listPets"
        );
        let show = operation(&contract, "GET /pets/{petId}");
        assert!(show.location.file.ends_with("paths/pet.json"));
        assert_eq!(position(&show.location), (Some(3), Some(5)));
        assert_eq!(
            show.parameters[0].example(&contract.document),
            Some(&json!(9))
        );
        let owners = operation(&contract, "GET /owners");
        let bundled = serde_json::to_string(contract.document.as_ref()).expect("serializes");
        assert!(
            !bundled.contains("pet.yaml") && bundled.contains("missing.yaml"),
            "every reference rewritten (a property named `default` too), examples left as data"
        );
        assert_eq!(
            owners.parameters[0].name, "sort",
            "a `#/` ref inside another file stays in it"
        );
        assert_eq!(position(&owners.location), (Some(3), Some(5)));
    }

    #[test]
    fn a_dangling_ref_in_another_file_names_that_file_pointer_and_line() {
        let err =
            load_fixture("contract/bad-refs/dangling-in-other-file.yaml").expect_err("dangling");
        let (location, reference) = dangling_ref(&err);
        assert!(location.file.ends_with("bad-refs/item.yaml"), "{err}");
        assert_eq!(
            location.pointer,
            "/get/responses/200/content/application~1json/schema"
        );
        assert_eq!(position(location), (Some(7), Some(20)));
        assert_eq!(reference, "#/components/schemas/Nope");
    }

    #[test]
    fn remote_refs_are_refused_without_the_flag_naming_file_and_line() {
        let err = load_fixture("contract/bad-refs/remote.yaml").expect_err("remote");
        let text = err.to_string();
        assert!(text.contains("remote.yaml:8:11:"), "{text}");
        assert!(text.contains("--allow-remote-refs"), "{text}");
    }

    #[test]
    fn a_cycle_of_refs_across_files_costs_a_warning_not_a_hang() {
        let contract = load_fixture("contract/bad-refs/self-cycle.yaml").expect("loads");
        assert!(contract.operations.is_empty());
        let warning = &contract.warnings[0];
        assert!(warning.message.contains("a cycle"), "{warning}");
        assert_eq!(position(&warning.location), (Some(4), Some(3)));
    }

    #[test]
    fn a_syntax_error_in_a_referenced_file_names_that_file_and_line() {
        let folder = tempfile::tempdir().expect("temp dir");
        let root = folder.path().join("openapi.yaml");
        std::fs::write(
            &root,
            "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a: {$ref: 'broken.yaml'}\n",
        )
        .expect("writes");
        std::fs::write(folder.path().join("broken.yaml"), "get:\n  responses: [\n")
            .expect("writes");
        let root = root.display().to_string();
        let err = parse(&root, &std::fs::read(&root).expect("reads")).expect_err("broken");
        let ContractError::Syntax { file, line, .. } = &err else {
            panic!("expected Syntax, got {err:?}");
        };
        assert!(file.ends_with("broken.yaml"), "{err}");
        assert!(*line >= 2, "{err}");
    }

    #[test]
    fn deeply_nested_documents_are_refused_without_overflowing_the_stack() {
        for text in [
            format!(
                "{{\"openapi\": \"3.0.0\", \"x\": {}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            format!(
                "openapi: 3.0.0\nx: {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ] {
            let t = std::time::Instant::now();
            let r = parse("deep", text.as_bytes());
            eprintln!(
                "TIMING {:?} {:?}",
                t.elapsed(),
                r.as_ref()
                    .err()
                    .map(|e| e.to_string().chars().take(120).collect::<String>())
            );
            assert!(r.is_err());
        }
    }

    #[test]
    fn a_huge_enum_loads_and_plans_quickly_enough_to_not_matter() {
        let members: Vec<String> = (0..200_000).map(|i| format!("v{i}")).collect();
        let document = serde_json::json!({
            "openapi": "3.1.0", "info": {"title": "T", "version": "1"},
            "paths": {"/a": {"get": {"parameters": [
                {"name": "q", "in": "query", "required": true, "schema": {"enum": members}}
            ]}}}
        });
        let contract = parse("huge.json", document.to_string().as_bytes()).expect("loads");
        assert_eq!(contract.operations.len(), 1);
        let plan =
            crate::plan::build(&contract, &crate::plan::PlanOptions::default()).expect("plans");
        let request = plan.probes[0].request.as_ref().expect("request");
        assert_eq!(request.path_and_query, "/a?q=v0");
    }

    #[test]
    fn a_document_without_openapi_or_swagger_is_not_openapi() {
        let err = load_fixture("contract/not-openapi.yaml").expect_err("not OpenAPI");
        assert!(matches!(err, ContractError::NotOpenApi { .. }), "{err:?}");
        assert!(err.to_string().contains("not an OpenAPI document"), "{err}");
        let err = parse("empty.yaml", b"").expect_err("empty");
        assert!(err.to_string().contains("not an OpenAPI document"), "{err}");
    }

    #[test]
    fn non_utf8_spec_is_a_clear_error() {
        let err =
            parse("latin1.yaml", b"openapi: 3.0.0\ninfo: {title: Caf\xe9}\n").expect_err("bytes");
        assert!(err.to_string().contains("latin1.yaml:2:"), "{err}");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }

    #[tokio::test]
    async fn missing_file_is_a_read_error_naming_it() {
        let err = load("no/such/spec.yaml", &LoadOptions::default())
            .await
            .expect_err("missing");
        assert!(matches!(err, ContractError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("no/such/spec.yaml"), "{err}");
    }

    #[tokio::test]
    async fn spec_is_loaded_from_a_path_or_a_url() {
        use axum::{Router, http::StatusCode, routing::get};
        let spec = std::fs::read_to_string(fixture("contract/petstore-3.1.json")).expect("fixture");
        let app = Router::new()
            .route("/openapi", get(move || async move { spec }))
            .route("/gone", get(|| async { StatusCode::NOT_FOUND }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        let url = format!("http://{addr}/openapi");
        let contract = load(&url, &LoadOptions::default()).await.expect("fetched");
        assert_eq!(contract.source, url);
        assert_eq!(contract.operations.len(), 3);
        assert_eq!(contract.operations[0].location.file, url);

        let err = load(&format!("http://{addr}/gone"), &LoadOptions::default())
            .await
            .expect_err("404");
        assert!(matches!(err, ContractError::Fetch { .. }), "{err:?}");
        assert!(err.to_string().contains("404"), "{err}");
        server.abort();

        let path = fixture("contract/petstore-3.0.yaml");
        let contract = load(&path, &LoadOptions::default()).await.expect("file");
        assert_eq!(contract.operations.len(), 6);
        let file_url = url::Url::from_file_path(&path).expect("absolute path");
        let contract = load(file_url.as_str(), &LoadOptions::default())
            .await
            .expect("file URL");
        assert_eq!(contract.operations.len(), 6);
    }
}
