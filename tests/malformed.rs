//! Bad contracts through the real binary (`rollcall list`, which loads the
//! contract and synthesizes every request): each gives a clear error (exit 2,
//! one `error:` line saying what and where) or a correct listing, never a
//! panic, a hang or a stack overflow. The committed files are in
//! `testdata/malformed/`; the huge ones are generated here into a temp dir.
//! "Never hangs" is enforced by killing a run after a generous limit, not by
//! timing assertions.

use std::path::{Path, PathBuf};

use crate::support;
use crate::support::Run;
use crate::support::{assert_contains, assert_lacks};

impl Run {
    /// Exit 2 with one clear error line that contains every one of `words`.
    fn assert_clear_error(&self, words: &[&str]) {
        assert_eq!(self.code, 2, "expected exit 2\n{}", self.all_output());
        assert!(
            self.has_error_line(),
            "no error line\n{}",
            self.all_output()
        );
        let lower = self.stderr.to_lowercase();
        for word in words {
            assert!(
                lower.contains(&word.to_lowercase()),
                "the error does not say {word:?}\n{}",
                self.stderr
            );
        }
    }

    /// Exactly one `error:` line, after any warnings.
    fn has_error_line(&self) -> bool {
        let errors = self.stderr.lines().filter(|l| l.starts_with("error: "));
        errors.count() == 1
            && self
                .stderr
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("error: "))
    }

    /// A correct result (exit 0) or a clear error (exit 2); never a crash.
    fn assert_handled(&self) {
        assert!(
            self.code == 0 || (self.code == 2 && self.has_error_line()),
            "neither a result nor a clear error (exit {})\n{}",
            self.code,
            self.all_output()
        );
        assert_lacks(&self.stderr, "panicked");
    }
}

fn malformed(name: &str) -> PathBuf {
    support::repo("testdata/malformed").join(name)
}

/// `rollcall list SPEC`.
fn list(spec: &Path) -> Run {
    rollcall(&["list".as_ref(), spec.as_os_str()])
}

/// `rollcall check SPEC TARGET`: every test here stops at the contract, before a request is
/// sent, so the target is a loopback port nothing needs to listen on.
fn check(spec: &Path) -> Run {
    rollcall(&[
        "check".as_ref(),
        spec.as_os_str(),
        "--target".as_ref(),
        "http://127.0.0.1:9".as_ref(),
    ])
}

/// Runs the binary (killed, and the test failed, past
/// [`support::PROCESS_LIMIT`]) and asserts it handled the input.
fn rollcall(args: &[&std::ffi::OsStr]) -> Run {
    let run = support::run_blocking(support::command(args));
    run.assert_handled();
    run
}

/// `rollcall check SPEC` against targets nothing listens on: the contract is
/// read, planned and reported in full, every target unreachable (exit 3).
fn check_unreachable(spec: &Path, targets: &[&str]) -> Run {
    let mut args = vec!["check".into(), spec.as_os_str().to_owned()];
    for target in targets {
        args.extend(["--target".into(), std::ffi::OsString::from(target)]);
    }
    let run = support::run_blocking(support::command(args));
    run.assert_code(3);
    assert_lacks(&run.stderr, "panicked");
    run
}

fn generated(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write generated spec");
    path
}

#[test]
fn truncated_yaml_is_a_syntax_error_with_its_line() {
    list(&malformed("truncated.yaml")).assert_clear_error(&["truncated.yaml:12:", "invalid yaml"]);
}

#[test]
fn truncated_json_is_a_syntax_error_with_its_line() {
    list(&malformed("truncated.json")).assert_clear_error(&["truncated.json:1:", "invalid json"]);
}

/// A field that holds the operations, or what they refer to, with a type no tool could read
/// makes the whole contract meaningless: exit 2 naming file, line and field, for `list` and
/// `check` alike (a `check` that probes nothing must not pass).
#[test]
fn top_level_containers_of_the_wrong_type_are_errors_with_file_line_and_field() {
    for (fixture, expected) in [
        (
            "paths-as-list.yaml",
            "paths-as-list.yaml:3:1: `paths` must be a mapping of path templates, found a list",
        ),
        (
            "paths-as-string.json",
            "paths-as-string.json:4:3: `paths` must be a mapping of path templates, found a string",
        ),
        (
            "components-as-list.yaml",
            "components-as-list.yaml:8:1: `components` must be a mapping of component kinds",
        ),
        (
            "schemas-as-list.yaml",
            "schemas-as-list.yaml:9:3: `components.schemas` must be a mapping of names to \
             schemas, found a list",
        ),
        (
            "definitions-as-string.yaml",
            "definitions-as-string.yaml:8:1: `definitions` must be a mapping of names to \
             schemas, found a string",
        ),
        (
            "openapi-version-as-list.yaml",
            "openapi-version-as-list.yaml:2:1: `openapi` must be a version string such as \
             3.1.0, found a list",
        ),
        (
            "swagger-version-as-mapping.yaml",
            "swagger-version-as-mapping.yaml:1:1: `swagger` must be a version string such as \
             2.0, found a mapping",
        ),
    ] {
        let spec = malformed(fixture);
        for run in [list(&spec), check(&spec)] {
            run.assert_clear_error(&[expected]);
            assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        }
    }
}

/// `list` shows an empty contract as it is; `check` refuses it, since a green run that
/// probed nothing would hide a contract emptied by a broken generator.
#[test]
fn a_contract_without_operations_lists_empty_but_cannot_be_checked() {
    let spec = malformed("empty-paths.yaml");
    let run = list(&spec);
    run.assert_code(0);
    assert_contains(&run.stdout, "0 operations");
    check(&spec).assert_clear_error(&[
        "empty-paths.yaml:3:1: `paths` is empty: the contract declares no operations to check",
    ]);

    let webhooks =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/contract/webhooks-only.yaml");
    check(&webhooks).assert_clear_error(&[
        "webhooks-only.yaml: the contract has no `paths`",
        "its 1 webhook operations are requests the api sends, never probed",
    ]);

    let run = check(&malformed("every-operation-unreadable.yaml"));
    run.assert_clear_error(&[
        "every-operation-unreadable.yaml: none of the 2 path items in `paths` has an operation",
    ]);
    assert!(
        run.stderr.contains("warning: ")
            && run
                .stderr
                .contains("every-operation-unreadable.yaml:5:5: `get` is a string"),
        "the warnings say why: {}",
        run.stderr
    );
}

#[test]
fn operations_as_strings_or_numbers_are_skipped_with_a_warning() {
    let run = list(&malformed("operation-as-string.yaml"));
    run.assert_code(0);
    assert_contains(&run.stdout, "GET /users");
    assert_lacks(&run.stdout, "/pets");
    assert_contains(&run.stderr, "`get` is a string");
    assert_contains(&run.stderr, "`post` is a number");
}

#[test]
fn wrong_types_everywhere_are_warnings_not_crashes() {
    let run = list(&malformed("wrong-types-everywhere.yaml"));
    run.assert_code(0);
    assert_contains(&run.stdout, "GET /users/{id}");
    assert_contains(&run.stderr, "`responses` is a list, expected a mapping");
}

#[test]
fn self_references_are_reported_and_the_rest_is_listed() {
    let run = list(&malformed("ref-self.yaml"));
    run.assert_code(0);
    assert_contains(&run.stdout, "POST /nodes");
    assert_contains(&run.stderr, "never ends");
}

#[test]
fn mutually_recursive_schemas_in_a_body_are_handled() {
    let run = list(&malformed("ref-cycle-body.yaml"));
    run.assert_code(0);
    assert_contains(&run.stdout, "POST /trees");
    assert_contains(&run.stdout, "PUT /forests/");
}

/// `Tree: {allOf: [Tree], anyOf: [Tree]}` overflowed the planner's stack
/// (exit 134): choosing an `anyOf` branch flattened it afresh, which chose
/// its branch afresh, forever. Used in parameters of every kind and bodies
/// of every media type, in both modes, it is now listed like any schema.
#[test]
fn schemas_referring_to_themselves_through_combinators_are_listed() {
    for mode in ["safe", "live"] {
        let run = rollcall(&[
            "list".as_ref(),
            malformed("self-ref-combinators.yaml").as_os_str(),
            "--mode".as_ref(),
            mode.as_ref(),
        ]);
        assert_eq!(run.code, 0, "{mode}\n{}", run.all_output());
        for operation in ["GET /trees/{id}", "PUT /trees/{id}", "POST /trees/xml"] {
            assert!(run.stdout.contains(operation), "{mode}\n{}", run.stdout);
        }
    }
}

/// 40 schemas, each with two alternatives, the first typed `null`: trying
/// the branches of one level tries those of the next, 2^40 in all. The
/// merging gives up at its bound, and the plan says where.
#[test]
fn alternatives_nested_past_the_bound_give_a_note() {
    let spec = support::repo("fuzz/regressions/contract_parse/nested-alternatives.yaml");
    let run = rollcall(&[
        "list".as_ref(),
        spec.as_os_str(),
        "--mode".as_ref(),
        "live".as_ref(),
    ]);
    run.assert_code(0);
    assert_contains(
        &run.stdout,
        "note: request body (application/json): the allOf/oneOf/anyOf of #/components/schemas/S",
    );
    assert_contains(&run.stdout, "the value sent may not match the schema");
}

#[test]
fn yaml_alias_bomb_is_refused_quickly() {
    list(&malformed("alias-bomb.yaml")).assert_clear_error(&["alias-bomb.yaml", "invalid yaml"]);
}

#[test]
fn non_utf8_bytes_are_an_error_with_their_position() {
    list(&malformed("non-utf8.yaml")).assert_clear_error(&["non-utf8.yaml", "utf-8"]);
}

#[test]
fn utf16_document_is_an_error() {
    list(&malformed("utf16.json")).assert_clear_error(&["utf16.json", "utf-16"]);
}

#[test]
fn existing_malformed_fixtures_are_clear_errors() {
    list(&malformed("invalid.yaml")).assert_clear_error(&["invalid.yaml"]);
    list(&malformed("invalid.json")).assert_clear_error(&["invalid.json"]);
    list(&malformed("dangling-ref.yaml")).assert_clear_error(&["#/components/schemas/Pet"]);
}

/// A request body whose schema nests `levels` objects, each with one
/// required property, so the synthesizer has to walk all of them.
fn deep_body_schema(levels: usize) -> String {
    let mut schema = String::from(r#"{"type":"string"}"#);
    for _ in 0..levels {
        schema = format!(r#"{{"type":"object","required":["n"],"properties":{{"n":{schema}}}}}"#);
    }
    format!(
        r#"{{"openapi":"3.0.3","info":{{"title":"deep","version":"1"}},"paths":{{"/deep":{{"post":{{"requestBody":{{"required":true,"content":{{"application/json":{{"schema":{schema}}}}}}},"responses":{{"201":{{"description":"Created"}}}}}}}}}}}}"#
    )
}

#[test]
fn ten_thousand_levels_of_nested_schemas_in_json_are_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let spec = generated(dir.path(), "deep.json", &deep_body_schema(10_000));
    list(&spec).assert_clear_error(&["deep.json:1:", "invalid json"]);
}

#[test]
fn ten_thousand_levels_of_nested_schemas_in_yaml_are_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // JSON is YAML; a leading comment makes rollcall read it as YAML.
    let yaml = format!("# deep\n{}", deep_body_schema(10_000));
    let spec = generated(dir.path(), "deep.yaml", &yaml);
    list(&spec).assert_clear_error(&["deep.yaml:2:", "nested"]);
}

/// Nesting the parser allows (each level a separate component) but 10k
/// levels deep through `$ref`s, required all the way down, so the request
/// body synthesizer walks every level unless it bounds its depth.
#[test]
fn ten_thousand_schemas_chained_by_refs_in_a_body_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let levels = 10_000;
    let schemas: Vec<String> = (0..levels)
        .map(|i| {
            if i + 1 == levels {
                format!(r#""S{i}":{{"type":"string","example":"bottom"}}"#)
            } else {
                format!(
                    r##""S{i}":{{"type":"object","required":["next"],"properties":{{"next":{{"$ref":"#/components/schemas/S{}"}}}}}}"##,
                    i + 1
                )
            }
        })
        .collect();
    let json = format!(
        r##"{{"openapi":"3.0.3","info":{{"title":"chain","version":"1"}},"paths":{{"/chain":{{"post":{{"requestBody":{{"required":true,"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/S0"}}}}}}}},"responses":{{"201":{{"description":"Created"}}}}}}}}}},"components":{{"schemas":{{{}}}}}}}"##,
        schemas.join(",")
    );
    let spec = generated(dir.path(), "chain.json", &json);
    let run = list(&spec);
    run.assert_code(0);
    assert_contains(&run.stdout, "POST /chain");
}

#[test]
fn a_hundred_thousand_nested_flow_sequences_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let yaml = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nx-deep: {}{}\npaths: {{}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let spec = generated(dir.path(), "flow.yaml", &yaml);
    list(&spec).assert_clear_error(&["flow.yaml:3:", "nested"]);
}

#[test]
fn a_hundred_thousand_nested_json_arrays_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let json = format!(
        r#"{{"openapi":"3.0.3","info":{{"title":"t","version":"1"}},"x-deep":{}{},"paths":{{}}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let spec = generated(dir.path(), "arrays.json", &json);
    list(&spec).assert_clear_error(&["arrays.json"]);
}

#[test]
fn huge_enums_and_examples_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..200_000).map(|i| format!("\"v{i}\"")).collect();
    let example = format!("\"{}\"", "e".repeat(5_000_000));
    let json = format!(
        r#"{{"openapi":"3.0.3","info":{{"title":"t","version":"1"}},"paths":{{"/things/{{kind}}":{{"get":{{"parameters":[{{"name":"kind","in":"path","required":true,"schema":{{"type":"string","enum":[{}]}}}},{{"name":"q","in":"query","required":true,"schema":{{"type":"string"}},"example":{example}}}],"responses":{{"200":{{"description":"OK"}}}}}}}}}}}}"#,
        values.join(",")
    );
    let spec = generated(dir.path(), "enum.json", &json);
    let run = list(&spec);
    if run.code == 0 {
        assert!(
            run.stdout.contains("/things/v0"),
            "{}",
            &run.stdout[..run.stdout.len().min(2000)]
        );
    }
}

/// About 200 MB: many operations, each with a long description.
fn write_huge_spec(path: &Path) {
    use std::io::Write;
    let file = std::fs::File::create(path).expect("create");
    let mut out = std::io::BufWriter::new(file);
    let padding = "x".repeat(2000);
    write!(
        out,
        r#"{{"openapi":"3.0.3","info":{{"title":"huge","version":"1"}},"paths":{{"#
    )
    .unwrap();
    let operations = 100_000;
    for i in 0..operations {
        let comma = if i + 1 < operations { "," } else { "" };
        write!(
            out,
            r#""/op{i}":{{"get":{{"description":"{padding}","responses":{{"200":{{"description":"OK"}}}}}}}}{comma}"#
        )
        .unwrap();
    }
    write!(out, "}}}}").unwrap();
    out.flush().unwrap();
}

#[test]
fn a_200_megabyte_document_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("huge.json");
    write_huge_spec(&spec);
    assert!(std::fs::metadata(&spec).unwrap().len() > 200_000_000);
    let run = list(&spec);
    if run.code == 0 {
        assert!(run.stdout.contains("/op99999"));
    }
}

// Issue 12: what a hostile contract did to rollcall. Each test holds the
// input that broke it.

/// 12.4: one 1 MiB scalar aliased 5,000 times (a 1 MB file) expanded to
/// 5 GB (3.8 GB RSS, then an abort). The expansion is bounded in bytes:
/// exit 2 at the line of the alias that passes the bound.
#[test]
fn aliases_of_a_large_scalar_are_refused_at_the_alias_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nx-big: &big \"{}\"\nx-copies:\n",
        "x".repeat(1024 * 1024)
    );
    for _ in 0..5000 {
        yaml.push_str("  - *big\n");
    }
    yaml.push_str("paths:\n  /a:\n    get:\n      responses:\n        '200': {description: OK}\n");
    let spec = generated(dir.path(), "amplified.yaml", &yaml);

    let run = list(&spec);

    // 64 MiB of aliases: the 65th copy of the 1 MiB scalar, on line 4 + 64.
    run.assert_clear_error(&["amplified.yaml:68:5:", "invalid yaml", "aliases", "64 MiB"]);
}

/// 12.5: a path of 65,536 characters or more panicked `list` (column
/// padding past Rust's formatting limit) and a two-target `check` (the
/// parity listing). A path template keeps the URL short, so the check runs.
#[test]
fn operation_labels_of_any_length_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let long_template = format!("/{{{}}}", "p".repeat(70_000));
    let long_path = format!("/{}", "a".repeat(70_000));
    let parameter = serde_json::json!({
        "name": "p".repeat(70_000), "in": "path", "required": true,
        "schema": {"type": "integer", "example": 7}
    });
    let document = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/b": {"get": {"responses": {"200": {"description": "OK"}}}},
            long_template.clone(): {"get": {
                "parameters": [parameter.clone()],
                "responses": {"200": {"description": "OK"}}
            }},
            long_path: {"get": {"responses": {"200": {"description": "OK"}}}}
        }
    });
    let spec = generated(dir.path(), "long.json", &document.to_string());

    let listed = list(&spec);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout.contains("GET /b"), "{}", listed.stderr);

    let only_template = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/b": {"get": {"responses": {"200": {"description": "OK"}}}},
            long_template: {"get": {
                "parameters": [parameter],
                "responses": {"200": {"description": "OK"}}
            }}
        }
    });
    let spec = generated(dir.path(), "template.json", &only_template.to_string());
    let two_targets = check_unreachable(&spec, &["a=http://127.0.0.1:9", "b=http://127.0.0.1:9"]);
    assert!(
        two_targets.stdout.contains("PARITY"),
        "{}",
        two_targets.stderr
    );
}

/// 12.13: terminal escapes from the contract reached the terminal through
/// `list` and the `warning:` lines. No output holds a raw control character.
#[test]
fn escapes_in_the_contract_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let spec = generated(
        dir.path(),
        "escapes.yaml",
        "openapi: 3.0.3\n\
         info: {title: \"\\e]0;owned\\a\\e[2J\", version: \"1\\e[31m\"}\n\
         paths:\n  \"/a\\e[31m\\n::warning::x\":\n    get:\n      operationId: \"op\\e[5m\"\n      \
         parameters:\n        - {name: q, in: \"qu\\e]0;pwn\\aery\"}\n      \
         responses:\n        '200': {description: OK}\n",
    );
    let listed = list(&spec);
    let json = rollcall(&["list".as_ref(), spec.as_os_str(), "--json".as_ref()]);
    let checked = check_unreachable(&spec, &["http://127.0.0.1:9"]);

    for run in [&listed, &json, &checked] {
        assert!(
            !run.stdout
                .chars()
                .chain(run.stderr.chars())
                .any(|c| c.is_control() && c != '\n'),
            "{:?}",
            run.all_output()
        );
    }
    listed.assert_code(0);
    assert_contains(&listed.stderr, r"warning: ");
    assert_contains(&listed.stderr, r"qu\u{1b}]0;pwn\u{7}ery");
    assert_contains(&listed.stdout, r"GET /a\u{1b}[31m ::warning::x");
    assert!(
        !listed.stdout.lines().any(|l| l.starts_with("::")),
        "{}",
        listed.stdout
    );
}

/// 12.1: a `$ref` to a FIFO hung the load forever; one to `/dev/zero` read
/// until allocation failed. A referenced file must be a regular file.
#[cfg(unix)]
#[test]
fn a_ref_to_a_fifo_or_a_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for target in [fifo.display().to_string(), "/dev/zero".to_string()] {
        let spec = generated(
            dir.path(),
            "spec.yaml",
            &format!(
                "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      \
                 parameters:\n        - $ref: 'file://{target}'\n      \
                 responses:\n        '200': {{description: OK}}\n"
            ),
        );
        list(&spec).assert_clear_error(&["spec.yaml:7:", &target, "not a regular file"]);
    }
}

/// A loopback HTTP server that answers each request by `route` (given the
/// request line's path) and records every request head it received.
struct SpecServer {
    address: std::net::SocketAddr,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl SpecServer {
    fn start(host: &str, route: impl Fn(&str) -> String + Send + 'static) -> SpecServer {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind((host, 0)).expect("bind");
        let address = listener.local_addr().expect("address");
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for mut socket in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                seen.lock().unwrap().push(head);
                let _ = socket.write_all(route(&path).as_bytes());
            }
        });
        SpecServer { address, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn http(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}

const SERVED_SPEC_END: &str = "      responses:\n        '200': {description: OK}\n";

/// 12.1: a contract fetched over http(s) could `$ref: 'file:///...'` without
/// `--allow-remote-refs`, and the file's value went to the target as a query
/// parameter. A document read from a URL never references a local file.
#[test]
fn a_contract_from_a_url_cannot_read_local_files() {
    let dir = tempfile::tempdir().unwrap();
    let secret = generated(
        dir.path(),
        "secret.yaml",
        "name: leaked\nin: query\nrequired: true\nschema: {type: string, example: s3cr3t-from-disk}\n",
    );
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      \
         parameters:\n        - $ref: 'file://{}'\n{SERVED_SPEC_END}",
        secret.display()
    );
    let server = SpecServer::start("127.0.0.1", move |path| match path {
        "/spec.yaml" => http("200 OK", "", &spec),
        _ => http("404 Not Found", "", "no"),
    });

    let run = rollcall(&[
        "check".as_ref(),
        server.url("/spec.yaml").as_ref(),
        "--target".as_ref(),
        server.url("").as_ref(),
    ]);

    run.assert_clear_error(&["spec.yaml:7:", "local file", "never a local file"]);
    assert!(
        !server.requests().iter().any(|r| r.contains("s3cr3t")),
        "{:?}",
        server.requests()
    );
    assert_eq!(server.requests().len(), 1, "only the contract was fetched");
}

/// 12.1: the other side of the rule: a document read from a URL may
/// reference documents of its own origin (no flag needed), and others only
/// with `--allow-remote-refs`.
#[test]
fn a_contract_from_a_url_reads_its_own_origin_and_others_only_when_allowed() {
    let other = SpecServer::start("127.0.0.2", |_| http("200 OK", "", "Pet: {type: object}\n"));
    let elsewhere = other.url("/schemas.yaml");
    let same = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      \
         parameters:\n        - $ref: 'params.yaml#/Limit'\n{SERVED_SPEC_END}"
    );
    let spec = format!(
        "{same}  /b:\n    get:\n      \
         responses:\n        '200':\n          description: OK\n          content:\n            \
         application/json:\n              schema: {{$ref: '{elsewhere}#/Pet'}}\n"
    );
    let server = SpecServer::start("127.0.0.1", move |path| match path {
        "/api/same.yaml" => http("200 OK", "", &same),
        "/api/spec.yaml" => http("200 OK", "", &spec),
        "/api/params.yaml" => http(
            "200 OK",
            "",
            "Limit: {name: limit, in: query, required: true, schema: {type: integer}}\n",
        ),
        _ => http("404 Not Found", "", "no"),
    });

    let same_origin = rollcall(&["list".as_ref(), server.url("/api/same.yaml").as_ref()]);
    same_origin.assert_code(0);
    assert_contains(&same_origin.stdout, "GET /a?limit=");

    let refused = rollcall(&["list".as_ref(), server.url("/api/spec.yaml").as_ref()]);
    refused.assert_clear_error(&["--allow-remote-refs", "schemas.yaml"]);
    assert!(other.requests().is_empty(), "{:?}", other.requests());

    let allowed = rollcall(&[
        "list".as_ref(),
        server.url("/api/spec.yaml").as_ref(),
        "--allow-remote-refs".as_ref(),
    ]);
    allowed.assert_code(0);
    assert_contains(&allowed.stdout, "GET /a?limit=");
}

/// 12.6: the contract fetch followed redirects to other hosts and sent a
/// `Referer` carrying the secret query. No `Referer`, and a redirect leaves
/// the contract's origin only to be refused.
#[test]
fn a_contract_url_redirects_only_within_its_origin_and_sends_no_referer() {
    let other = SpecServer::start("127.0.0.2", |_| http("200 OK", "", "openapi: 3.0.3"));
    let elsewhere = other.url("/spec.yaml");
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n{SERVED_SPEC_END}"
    );
    let server = SpecServer::start("127.0.0.1", move |path| {
        if path.starts_with("/moved.yaml") {
            http("302 Found", "location: /spec.yaml\r\n", "")
        } else if path.starts_with("/away.yaml") {
            http("302 Found", &format!("location: {elsewhere}\r\n"), "")
        } else if path.starts_with("/spec.yaml") {
            http("200 OK", "", &spec)
        } else {
            http("404 Not Found", "", "no")
        }
    });

    let moved = rollcall(&[
        "list".as_ref(),
        server.url("/moved.yaml?token=tok-in-url-31").as_ref(),
    ]);
    moved.assert_code(0);
    let followed = server.requests();
    assert!(
        followed.iter().any(|r| r.starts_with("GET /spec.yaml")),
        "{followed:?}"
    );
    assert!(
        !followed
            .iter()
            .any(|r| r.to_ascii_lowercase().contains("referer")),
        "{followed:?}"
    );

    let away = rollcall(&[
        "list".as_ref(),
        server.url("/away.yaml?token=tok-in-url-31").as_ref(),
    ]);
    away.assert_clear_error(&["another origin", &format!("http://{}", other.address)]);
    assert_lacks(&away.all_output(), "tok-in-url-31");
    assert!(other.requests().is_empty(), "{:?}", other.requests());
}
