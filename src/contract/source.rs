//! Getting a spec's text and its generic value: bytes from a file or an http(s) URL, UTF-8
//! checked, then JSON or YAML chosen by content (the first non-blank byte `{` means JSON,
//! anything else is read as YAML), parsed into a `serde_json::Value` in document order.
//! Duplicate keys are syntax errors in both formats: a second `/pets:` would otherwise
//! silently replace the first and lose its operations.
//!
//! Nothing read is unbounded: a file or a response past [`MAX_SPEC_BYTES`] is refused, a
//! file a `$ref` names must be a regular file (never a FIFO or a device), a URL is fetched
//! without a `Referer` and follows redirects only within its origin (or from http to https
//! on the same host), and YAML aliases may not expand a document by more than
//! [`MAX_YAML_ALIAS_EXPANSION`] bytes.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::locate::{self, Format, saturate};
use super::pointer;
use super::{ContractError, LoadOptions, SourceLocation};

/// `path` with `.` dropped and `..` applied, without touching the file
/// system (the file may not exist: an error should name the path meant).
/// A `..` past the start of a relative path stays; past the root it is the
/// root (`/..` is `/`).
pub fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                Some(Component::ParentDir | Component::CurDir) | None => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Refuse to buffer more than this from a file or a URL: a spec is never this big, an
/// endless stream is.
const MAX_SPEC_BYTES: usize = 256 * 1024 * 1024;

/// Redirects a contract URL may take, all within its origin.
const MAX_REDIRECTS: usize = 10;

/// The bytes of `spec`: an http(s) URL is fetched, `file://` and anything else read from disk.
/// `options.headers` are sent only when the URL's origin is `header_origin`.
pub(crate) async fn read(
    spec: &str,
    options: &LoadOptions,
    header_origin: Option<&url::Origin>,
) -> Result<Vec<u8>, ContractError> {
    let lower = spec.get(..8).unwrap_or(spec).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let same_origin = url::Url::parse(spec)
            .is_ok_and(|url| header_origin.is_some_and(|origin| url.origin() == *origin));
        let headers: &[(String, String)] = if same_origin { &options.headers } else { &[] };
        return fetch(spec, options, headers).await;
    }
    let path = match url::Url::parse(spec) {
        Ok(url) if url.scheme() == "file" => {
            url.to_file_path().map_err(|()| ContractError::Read {
                path: spec.to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a local file URL",
                ),
            })?
        }
        _ => std::path::PathBuf::from(spec),
    };
    // The spec the user names may be a pipe (`<(curl ...)`); only its size is bounded.
    let read = tokio::task::spawn_blocking(move || read_capped(&path))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
    read.map_err(|source| ContractError::Read {
        path: spec.to_string(),
        source,
    })
}

/// The bytes of a file a `$ref` names: a regular file only (a FIFO would hang the load,
/// `/dev/zero` would never end), of at most [`MAX_SPEC_BYTES`].
pub(crate) fn read_referenced_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    // Checked before opening: opening a FIFO blocks until someone writes to it.
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a folder, a FIFO or a device); a $ref can only name a file",
        ));
    }
    read_capped(path)
}

/// Reads at most [`MAX_SPEC_BYTES`], refusing anything longer.
fn read_capped(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_SPEC_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Whether a contract fetched from `from` may follow a redirect to `to`: within its origin,
/// or from http to https on the same host. Anywhere else could be a host the user never
/// named, sent whatever the first request carried.
fn redirect_allowed(from: &url::Url, to: &url::Url) -> bool {
    from.origin() == to.origin()
        || (from.scheme() == "http"
            && to.scheme() == "https"
            && from.host_str() == to.host_str()
            && from.port().is_none_or(|port| port == 80)
            && to.port().is_none_or(|port| port == 443))
}

/// The origin of `url` as text (`https://api.example.com:8443`): where a redirect went,
/// without its path or query (which may carry a token).
fn origin_text(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

async fn fetch(
    url: &str,
    options: &LoadOptions,
    headers: &[(String, String)],
) -> Result<Vec<u8>, ContractError> {
    // A plain-http fetch reads no root certificates (they cost more than a
    // small contract's whole load); should it be redirected to https, it
    // starts over with them.
    let plain = url::Url::parse(url).is_ok_and(|url| !crate::tls::speaks_tls_to(&url));
    if plain && let Fetched::Body(body) = fetch_with(url, options, headers, false).await? {
        return Ok(body);
    }
    match fetch_with(url, options, headers, true).await? {
        Fetched::Body(body) => Ok(body),
        Fetched::NeedsTls => Err(ContractError::Fetch {
            url: url.to_string(),
            message: "redirected to https without certificates to check it".to_string(),
        }),
    }
}

/// What one fetch came to.
enum Fetched {
    Body(Vec<u8>),
    /// Redirected to https by a client without root certificates.
    NeedsTls,
}

async fn fetch_with(
    url: &str,
    options: &LoadOptions,
    headers: &[(String, String)],
    with_roots: bool,
) -> Result<Fetched, ContractError> {
    let failed = |message: String| ContractError::Fetch {
        url: url.to_string(),
        message,
    };
    crate::install_crypto_provider();
    let needs_tls = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let redirected_to_tls = std::sync::Arc::clone(&needs_tls);
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if redirect_allowed(first, attempt.url()) {
            if !with_roots && attempt.url().scheme() != "http" {
                redirected_to_tls.store(true, std::sync::atomic::Ordering::SeqCst);
                return attempt.stop();
            }
            attempt.follow()
        } else {
            let message = format!(
                "redirected to another origin ({}); rollcall follows a contract URL's \
                 redirects only within its origin: give the final URL",
                origin_text(attempt.url())
            );
            attempt.error(message)
        }
    });
    let builder = reqwest::Client::builder()
        .timeout(options.fetch_timeout)
        .user_agent(crate::USER_AGENT)
        .referer(false)
        .redirect(policy);
    let builder = match url::Url::parse(url) {
        Ok(parsed) if !with_roots => options.tls.apply_for(builder, &parsed),
        _ => options.tls.apply(builder),
    };
    let client = builder
        .map_err(|e| failed(e.to_string()))?
        .build()
        .map_err(|e| failed(crate::tls::error_chain(&e.without_url())))?;
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| failed(crate::tls::error_chain(&e.without_url())))?;
    if needs_tls.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(Fetched::NeedsTls);
    }
    let status = response.status();
    if !status.is_success() {
        return Err(failed(format!("the server answered HTTP {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| failed(crate::tls::error_chain(&e.without_url())))?
    {
        if body.len() + chunk.len() > MAX_SPEC_BYTES {
            return Err(failed(format!(
                "the response is larger than {} MiB",
                MAX_SPEC_BYTES / (1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body(body))
}

/// The bytes as text, without a UTF-8 byte order mark.
pub(crate) fn decode<'b>(source: &str, bytes: &'b [u8]) -> Result<&'b str, ContractError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(syntax_error_at(
            source,
            "UTF-8",
            (1, 1),
            "the spec is UTF-16 encoded; save it as UTF-8".to_string(),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        // The prefix is valid UTF-8 by definition of `valid_up_to`.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let bad = bytes.get(error.valid_up_to()).copied().unwrap_or_default();
        syntax_error_at(
            source,
            "UTF-8",
            (line, column),
            format!("byte 0x{bad:02X} is not UTF-8; save the spec as UTF-8"),
        )
    })
}

/// A [`ContractError::Syntax`] in `source`, read as `format`, at a 1-based line and column.
fn syntax_error_at(
    source: &str,
    format: &'static str,
    (line, column): (usize, usize),
    message: String,
) -> ContractError {
    ContractError::Syntax {
        file: source.to_string(),
        format,
        line: saturate(line),
        column: saturate(column),
        message,
    }
}

/// The document as a generic value, keys in document order.
pub(crate) fn parse_value(
    source: &str,
    text: &str,
    format: Format,
) -> Result<Value, ContractError> {
    match format {
        Format::Json => parse_json(source, text, None),
        Format::Yaml => parse_yaml(source, text),
    }
}

/// Where the keys that name operations start in a JSON document's text, by pointer: the
/// top-level keys, and those of `paths` and `webhooks` down to each operation's
/// (`/paths/~1pets/get` gives the offset of the `"get"` key of `/pets`). These are the
/// answers `locate` would give for them, read off the parse instead of a second pass over
/// the text. Keys written with escapes are left out (`locate` finds those).
pub(crate) type KeyOffsets = HashMap<String, usize>;

/// The top-level fields whose keys a parse records in [`KeyOffsets`], and how deep: an
/// operation's key is on the third level.
const KEYED_FIELDS: [&str; 2] = ["paths", "webhooks"];
const KEY_LEVELS: usize = 3;

/// [`parse_value`], with the [`KeyOffsets`] of a JSON document (none for YAML, whose
/// positions `locate` reads from its own parser's events).
pub(crate) fn parse_value_placing_keys(
    source: &str,
    text: &str,
    format: Format,
) -> Result<(Value, KeyOffsets), ContractError> {
    let mut offsets = KeyOffsets::new();
    let value = match format {
        Format::Json => parse_json(source, text, Some(&mut offsets))?,
        Format::Yaml => parse_yaml(source, text)?,
    };
    Ok((value, offsets))
}

fn parse_json(
    source: &str,
    text: &str,
    offsets: Option<&mut KeyOffsets>,
) -> Result<Value, ContractError> {
    let parsed = match offsets {
        None => serde_json::from_str::<StrictValue>(text).map(|strict| strict.0),
        Some(offsets) => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let recorder = KeyRecorder {
                text,
                pointer: String::new(),
                level: 1,
                offsets,
            };
            // As `serde_json::from_str` does: the value, then nothing but blanks.
            recorder
                .deserialize(&mut deserializer)
                .and_then(|value| deserializer.end().map(|()| value))
        }
    };
    parsed.map_err(|error| {
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let message = error.to_string();
        syntax_error_at(
            source,
            Format::Json.name(),
            (error.line(), error.column()),
            message
                .strip_suffix(&suffix)
                .unwrap_or(&message)
                .to_string(),
        )
    })
}

/// Flow collections (`[`, `{`) nested deeper than this are refused before parsing: the YAML
/// parser refuses anything past 128 levels anyway, but only after work that grows with the
/// square of the depth (minutes for a 100,000-deep line).
const MAX_YAML_FLOW_DEPTH: usize = 1000;

/// Line and column of the first flow collection opened deeper than [`MAX_YAML_FLOW_DEPTH`].
/// Brackets count only where a flow collection can start (not inside a plain scalar such as
/// `^[a-z]+$`), outside quotes, comments and block scalars (`|`, `>`); the count starts over at
/// every line that begins at column 1, since a flow collection cannot continue there.
fn too_deep_yaml_flow(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // Inside a block scalar: lines indented more than its header's line are its text.
    let mut block_scalar_indent: Option<usize> = None;
    for (line_index, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if let Some(header_indent) = block_scalar_indent {
            if line.trim().is_empty() || indent > header_indent {
                continue;
            }
            block_scalar_indent = None;
        }
        if line.starts_with(|c: char| !c.is_whitespace() && c != ']' && c != '}') {
            depth = 0;
        }
        let last_token = line.split_whitespace().last().unwrap_or("");
        if last_token.starts_with(['|', '>'])
            && last_token[1..]
                .chars()
                .all(|c| matches!(c, '-' | '+' | '0'..='9'))
        {
            block_scalar_indent = Some(indent);
        }
        let mut previous = None::<char>;
        let mut quote = None::<char>;
        let mut plain = false;
        let mut chars = line.char_indices();
        while let Some((offset, c)) = chars.next() {
            match (quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '#') if previous.is_none_or(char::is_whitespace) => break,
                (None, '"' | '\'') if !plain => quote = Some(c),
                (None, '[' | '{') if !plain => {
                    depth += 1;
                    if depth > MAX_YAML_FLOW_DEPTH {
                        let column = line[..offset].chars().count() + 1;
                        return Some((line_index + 1, column));
                    }
                }
                (None, ']' | '}') if depth > 0 => {
                    depth -= 1;
                    plain = false;
                }
                (None, ',') if depth > 0 => plain = false,
                (None, ':') => plain = false,
                (None, '-' | '?') if !plain => {}
                (None, c) if !c.is_whitespace() => plain = true,
                _ => {}
            }
            previous = Some(c);
        }
    }
    None
}

/// The most bytes YAML aliases may add to a document once expanded. The parser bounds how
/// many nodes aliases repeat, not how big they are: one 1 MiB string aliased 5,000 times is
/// 5 GB. Counted as [`yaml_alias_expansion`] does.
pub(crate) const MAX_YAML_ALIAS_EXPANSION: u64 = 64 * 1024 * 1024;

/// What a node counts for beyond its text: about what one value takes in memory.
const YAML_NODE_BYTES: u64 = 32;

/// Line and column of the first alias by which the aliases of `text` have added more than
/// [`MAX_YAML_ALIAS_EXPANSION`] bytes (each alias adds the text of the node it repeats,
/// aliases inside it expanded, plus [`YAML_NODE_BYTES`] per node). `None` when they stay
/// under it, or when the text does not parse (the real parser says why).
fn yaml_alias_expansion(text: &str) -> Option<(usize, usize)> {
    use saphyr_parser::{Event, Parser};
    // Without an alias naming an anchor there is nothing to expand (most contracts; a
    // description's `**bold**` looks like an alias, but names no anchor). The parse below
    // costs a quarter of loading a large YAML contract.
    let anchors: std::collections::HashSet<&str> = yaml_token_names(text, b'&').collect();
    if anchors.is_empty() || !yaml_token_names(text, b'*').any(|name| anchors.contains(name)) {
        return None;
    }
    let mut anchored: std::collections::HashMap<usize, u64> = std::collections::HashMap::new();
    // The collections open around the current node: (anchor id or 0, bytes so far).
    let mut open: Vec<(usize, u64)> = vec![(0, 0)];
    let mut added: u64 = 0;
    let add = |open: &mut Vec<(usize, u64)>, bytes: u64| {
        if let Some((_, total)) = open.last_mut() {
            *total = total.saturating_add(bytes);
        }
    };
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            return None;
        };
        match event {
            Event::Scalar(value, _, anchor, _) => {
                let bytes = value.len() as u64 + YAML_NODE_BYTES;
                if anchor > 0 {
                    anchored.insert(anchor, bytes);
                }
                add(&mut open, bytes);
            }
            Event::Alias(anchor) => {
                let bytes = anchored.get(&anchor).copied().unwrap_or(YAML_NODE_BYTES);
                added = added.saturating_add(bytes);
                if added > MAX_YAML_ALIAS_EXPANSION {
                    return Some((span.start.line(), span.start.col() + 1));
                }
                add(&mut open, bytes);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, YAML_NODE_BYTES));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if open.len() > 1
                    && let Some((anchor, bytes)) = open.pop()
                {
                    if anchor > 0 {
                        anchored.insert(anchor, bytes);
                    }
                    add(&mut open, bytes);
                }
            }
            _ => {}
        }
    }
    None
}

/// The names after `marker` (`&` of an anchor, `*` of an alias) where it starts a token: at
/// the start of a line or after a space, `[`, `{` or `,`; a name runs to a blank or a flow
/// indicator, as YAML's does, so an alias and its anchor give the same name.
fn yaml_token_names(text: &str, marker: u8) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    (0..bytes.len())
        .filter(move |&i| bytes[i] == marker)
        .filter_map(move |i| {
            if i > 0 && !matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'[' | b'{' | b',') {
                return None;
            }
            let rest = &bytes[i + 1..];
            let len = rest
                .iter()
                .position(|b| {
                    b.is_ascii_whitespace() || matches!(b, b',' | b'[' | b']' | b'{' | b'}')
                })
                .unwrap_or(rest.len());
            // The marker is ASCII and the name ends before an ASCII byte or at the end: both
            // are character boundaries.
            (len > 0).then(|| &text[i + 1..i + 1 + len])
        })
}

fn parse_yaml(source: &str, text: &str) -> Result<Value, ContractError> {
    if let Some((line, column)) = too_deep_yaml_flow(text) {
        return Err(syntax_error_at(
            source,
            Format::Yaml.name(),
            (line, column),
            format!("collections nested more than {MAX_YAML_FLOW_DEPTH} levels deep"),
        ));
    }
    if let Some((line, column)) = yaml_alias_expansion(text) {
        return Err(syntax_error_at(
            source,
            Format::Yaml.name(),
            (line, column),
            format!(
                "the aliases up to this one add more than {} MiB to the document once \
                 expanded; write the repeated part once and point at it with $ref",
                MAX_YAML_ALIAS_EXPANSION / (1024 * 1024)
            ),
        ));
    }
    let syntax = |error: yaml_serde::Error| {
        let (line, column) = error
            .location()
            .map_or((1, 1), |at| (at.line(), at.column()));
        let message = error.to_string();
        // libyaml repeats the position we report in front; keep the rest of its message.
        let message = message
            .replacen(&format!(" at line {line} column {column}"), "", 1)
            .replace(&format!("at line {line} column {column}, "), "");
        syntax_error_at(source, Format::Yaml.name(), (line, column), message)
    };
    // Without merge keys the events go straight into the document value: building a
    // `yaml_serde::Value` first keeps two trees of the document alive at once (peak RSS of
    // `rollcall list` on GitHub's REST description: 158 MB that way, 142 MB this way).
    // Aliases are expanded by the same deserializer, under the same repetition limit. Any
    // failure (a duplicate key, a tag, an integer past 64 bits) takes the path below, which
    // explains it precisely.
    if !text.contains("<<")
        && let Ok(StrictValue(value)) = yaml_serde::from_str::<StrictValue>(text)
    {
        return Ok(value);
    }
    let mut yaml: yaml_serde::Value = yaml_serde::from_str(text).map_err(|error| {
        match locate::first_duplicate_yaml_key(text) {
            Some((pointer, key, at)) if error.to_string().contains("duplicate entry") => {
                ContractError::Syntax {
                    file: source.to_string(),
                    format: Format::Yaml.name(),
                    line: at.line,
                    column: at.column,
                    message: format!("duplicate key {key:?} in {}", describe_pointer(&pointer)),
                }
            }
            _ => syntax(error),
        }
    })?;
    if text.contains("<<") {
        yaml.apply_merge().map_err(syntax)?;
    }
    yaml_to_json(yaml).map_err(|collision| {
        let pointer = collision.pointer();
        let position = locate::locate(text, Format::Yaml, &[pointer.as_str()], &[]).position(0);
        ContractError::Invalid {
            location: SourceLocation {
                file: source.to_string(),
                line: position.map(|p| p.line),
                column: position.map(|p| p.column),
                pointer,
            },
            message: format!(
                "key `{}` appears twice in this mapping once keys are read as text \
                 (e.g. `1:` and `\"1\":`)",
                collision.key
            ),
        }
    })
}

fn describe_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "the top-level mapping".to_string()
    } else {
        format!("the mapping at {pointer}")
    }
}

/// Two keys of one mapping that read the same once stringified (`1:` and `"1":`).
#[derive(Debug)]
struct KeyCollision {
    key: String,
    /// Keys from the collision up to the root; built only on this error path.
    parents_reversed: Vec<String>,
}

impl KeyCollision {
    fn pointer(&self) -> String {
        self.parents_reversed
            .iter()
            .rev()
            .fold(String::new(), |pointer, segment| {
                super::pointer::child(&pointer, segment)
            })
    }
}

/// Converts by value (no copies of strings); non-string keys become their YAML text.
fn yaml_to_json(yaml: yaml_serde::Value) -> Result<Value, KeyCollision> {
    use yaml_serde::Value as Yaml;
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => yaml_number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(yaml_to_json(item).map_err(|mut c| {
                    c.parents_reversed.push(i.to_string());
                    c
                })?);
            }
            Value::Array(out)
        }
        Yaml::Mapping(mapping) => {
            let mut out = Map::with_capacity(mapping.len());
            for (key, value) in mapping {
                let key = yaml_key(key);
                let value = yaml_to_json(value).map_err(|mut c| {
                    c.parents_reversed.push(key.clone());
                    c
                })?;
                match out.entry(key) {
                    serde_json::map::Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                    serde_json::map::Entry::Occupied(taken) => {
                        return Err(KeyCollision {
                            key: taken.key().clone(),
                            parents_reversed: vec![taken.key().clone()],
                        });
                    }
                }
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

fn yaml_number(n: &yaml_serde::Number) -> Value {
    if let Some(u) = n.as_u64() {
        Value::from(u)
    } else if let Some(i) = n.as_i64() {
        Value::from(i)
    } else {
        // NaN and infinities have no JSON number; keep YAML's spelling.
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

fn yaml_key(key: yaml_serde::Value) -> String {
    use yaml_serde::Value as Yaml;
    match key {
        Yaml::String(s) => s,
        Yaml::Null => "null".to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Tagged(tagged) => yaml_key(tagged.value),
        complex @ (Yaml::Sequence(_) | Yaml::Mapping(_)) => match yaml_to_json(complex) {
            Ok(value) => value.to_string(),
            Err(collision) => collision.key,
        },
    }
}

/// A `serde_json::Value` whose objects refuse duplicate keys, so serde_json reports the
/// duplicate with its line and column (it attaches the position to visitor errors). It is
/// also what YAML without merge keys is read into; YAML keys that are not strings (`200:`,
/// `true:`, `~:`) are spelled as text the way [`yaml_key`] spells them.
struct StrictValue(Value);

/// A mapping key as text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor).map(Key)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a scalar key")
    }

    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(yaml_serde::Number::from(v).to_string())
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_string())
    }
}

/// Builds a [`StrictValue`]'s value like [`StrictVisitor`], recording the [`KeyOffsets`] of
/// the mapping being read (its pointer, the level of its keys) as far as they go.
struct KeyRecorder<'r> {
    text: &'r str,
    pointer: String,
    level: usize,
    offsets: &'r mut KeyOffsets,
}

impl<'de> DeserializeSeed<'de> for KeyRecorder<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Everything but a mapping is read as [`StrictVisitor`] reads it (JSON has no other kinds).
impl<'de> Visitor<'de> for KeyRecorder<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        StrictVisitor.expecting(f)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        StrictVisitor.visit_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        StrictVisitor.visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        StrictVisitor.visit_u64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        StrictVisitor.visit_f64(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        StrictVisitor.visit_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        StrictVisitor.visit_string(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        StrictVisitor.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        StrictVisitor.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some((key, offset)) = access.next_key_seed(PlacedKey { text: self.text })? {
            let pointer = pointer::child(&self.pointer, &key);
            if let Some(offset) = offset {
                self.offsets.insert(pointer.clone(), offset);
            }
            let value = match map.entry(key) {
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(duplicate_key(taken.key()));
                }
                serde_json::map::Entry::Vacant(slot) => slot,
            };
            let deeper = match self.level {
                1 => KEYED_FIELDS.contains(&pointer.get(1..).unwrap_or_default()),
                level => level < KEY_LEVELS,
            };
            if deeper {
                value.insert(access.next_value_seed(KeyRecorder {
                    text: self.text,
                    pointer,
                    level: self.level + 1,
                    offsets: &mut *self.offsets,
                })?);
            } else {
                value.insert(access.next_value::<StrictValue>()?.0);
            }
        }
        Ok(Value::Object(map))
    }
}

/// A JSON mapping key, and the offset of its opening quote when serde_json lends it
/// straight from `text` (it does for a key without escapes).
struct PlacedKey<'t> {
    text: &'t str,
}

impl<'de> DeserializeSeed<'de> for PlacedKey<'_> {
    type Value = (String, Option<usize>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for PlacedKey<'_> {
    type Value = (String, Option<usize>);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        // `v` lies inside `text` (checked): its first byte is just after the quote.
        let start = (v.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        let quote = start
            .checked_sub(1)
            .filter(|&quote| start <= self.text.len() && self.text.as_bytes()[quote] == b'"');
        Ok((v.to_string(), quote))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((v.to_string(), None))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok((v, None))
    }
}

/// The error for a key its mapping already has; serde_json adds the line and column.
fn duplicate_key<E: de::Error>(key: &str) -> E {
    E::custom(format_args!("duplicate key {key:?}"))
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(yaml_number(&yaml_serde::Number::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(Key(key)) = access.next_key()? {
            match map.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    let StrictValue(value) = access.next_value()?;
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(duplicate_key(taken.key()));
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax_error(result: Result<Value, ContractError>) -> (u32, u32, String) {
        match result {
            Err(ContractError::Syntax {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn only_flow_collections_count_toward_the_nesting_limit() {
        let brackets = "[".repeat(2 * MAX_YAML_FLOW_DEPTH);
        let text = format!(
            "a: '{brackets}'\nb: \"{brackets}\"\nc: x{brackets}\nd: |\n  x{brackets}\n# {brackets}\ne: [[1], {{k: [2]}}]\n"
        );
        assert_eq!(too_deep_yaml_flow(&text), None);
        let deep = format!(
            "openapi: 3.0.0\nx:\n  - {}\n",
            "[".repeat(MAX_YAML_FLOW_DEPTH + 1)
        );
        assert_eq!(
            too_deep_yaml_flow(&deep),
            Some((3, 5 + MAX_YAML_FLOW_DEPTH))
        );
    }

    #[test]
    fn format_is_chosen_by_content_not_extension() {
        assert_eq!(Format::detect("  \n{\"openapi\": 1}"), Format::Json);
        assert_eq!(Format::detect("openapi: 3.1.0"), Format::Yaml);
        assert_eq!(Format::detect(""), Format::Yaml);
    }

    #[test]
    fn yaml_keeps_key_order_and_stringifies_non_string_keys() {
        let value = parse_value(
            "t.yaml",
            "b: 1\na: 2\n200: ok\ntrue: yes\n~: n\n",
            Format::Yaml,
        )
        .expect("valid YAML");
        let keys: Vec<_> = value
            .as_object()
            .expect("mapping")
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["b", "a", "200", "true", "null"]);
    }

    #[test]
    fn yaml_number_version_stays_a_number_value() {
        let value = parse_value("t.yaml", "version: 1.0\n", Format::Yaml).expect("valid YAML");
        assert!(value["version"].is_number());
    }

    #[test]
    fn duplicate_json_key_is_a_syntax_error_on_its_line() {
        let text = "{\n  \"paths\": {\n    \"/a\": {},\n    \"/a\": {}\n  }\n}\n";
        let (line, _, message) = syntax_error(parse_value("t.json", text, Format::Json));
        assert_eq!(line, 4);
        assert!(message.contains("duplicate key \"/a\""), "{message}");
    }

    #[test]
    fn duplicate_json_key_is_refused_where_key_offsets_are_recorded_too() {
        let text = "{\n  \"paths\": {\n    \"/a\": {},\n    \"/a\": {}\n  }\n}\n";
        match parse_value_placing_keys("t.json", text, Format::Json) {
            Err(ContractError::Syntax { line, message, .. }) => {
                assert_eq!(line, 4);
                assert!(message.contains("duplicate key \"/a\""), "{message}");
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn json_key_offsets_are_where_locate_finds_the_keys() {
        let text = r#"{"openapi": "3.1.0", "info": {"title": "é", "version": "1"},
  "paths": {
    "/pets/{id}": {"parameters": [{"name": "id"}], "get": {"summary": "x,}]\""}},
    "/a~b": {"put": {}}, "/x\/y": {"get": {}}, "/q": {"p\u0061tch": {}, "post": {}}
  },
  "webhooks": {"new": {"post": {}}}, "components": {"schemas": {"A": {}}}}"#;
        let (value, offsets) =
            parse_value_placing_keys("t.json", text, Format::Json).expect("valid JSON");
        assert_eq!(
            value,
            parse_value("t.json", text, Format::Json).expect("valid JSON")
        );
        let mut recorded: Vec<&str> = offsets.keys().map(String::as_str).collect();
        recorded.sort_unstable();
        // Keys with escapes (`/x\/y`, `p\u0061tch`) and keys outside `paths` and
        // `webhooks` below the top level are left to `locate`.
        assert_eq!(
            recorded,
            [
                "/components",
                "/info",
                "/openapi",
                "/paths",
                "/paths/~1a~0b",
                "/paths/~1a~0b/put",
                "/paths/~1pets~1{id}",
                "/paths/~1pets~1{id}/get",
                "/paths/~1pets~1{id}/parameters",
                "/paths/~1q",
                "/paths/~1q/post",
                "/paths/~1x~1y/get",
                "/webhooks",
                "/webhooks/new",
                "/webhooks/new/post",
            ]
        );
        for (pointer, &offset) in &offsets {
            let scanned = locate::locate(text, Format::Json, &[pointer.as_str()], &[]);
            let recorded = locate::positions_at(text, [offset]).next();
            assert_eq!(recorded, scanned.position(0), "{pointer}");
        }
    }

    #[test]
    fn duplicate_yaml_key_is_a_syntax_error_on_its_line() {
        let text = "paths:\n  /a: {}\n  /a: {}\n";
        let (line, column, message) = syntax_error(parse_value("t.yaml", text, Format::Yaml));
        assert_eq!((line, column), (3, 3));
        assert!(
            message.contains("duplicate key \"/a\" in the mapping at /paths"),
            "{message}"
        );
    }

    #[test]
    fn yaml_keys_that_collide_once_stringified_are_invalid_with_their_place() {
        let text = "paths:\n  x:\n    1: a\n    \"1\": b\n";
        match parse_value("t.yaml", text, Format::Yaml) {
            Err(ContractError::Invalid { location, message }) => {
                assert_eq!(location.pointer, "/paths/x/1");
                assert_eq!(location.line, Some(3));
                assert!(message.contains("key `1` appears twice"), "{message}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn aliases_in_flow_collections_count_toward_the_expansion_bound() {
        // The alias names end at `,` and `]`: they must match the anchor's name.
        let scalar = "x".repeat(1 << 20);
        let aliases = vec!["*big"; 70].join(",");
        let text = format!("a: &big {scalar}\nb: [{aliases}]\n");
        assert_eq!(
            yaml_alias_expansion(&text),
            Some((2, 320)),
            "the 64th alias passes 64 MiB"
        );
        // Markdown that looks like aliases names no anchor.
        let text = format!("a: &big {scalar}\nd: '**Note** *x*'\nb: [{aliases}]\n");
        assert!(yaml_alias_expansion(&text).is_some());
        assert_eq!(
            yaml_alias_expansion("a: &page 1\nd: |\n  **Note**: *see* below\n"),
            None
        );
    }

    #[test]
    fn yaml_aliases_tags_and_odd_numbers_read_the_same_with_or_without_merge_keys() {
        let text = "p: &p {name: id, in: path}\nuse: [*p, *p]\nn: .nan\nbig: 1e400\n\
                    f: 1.5\ntagged: !custom 7\n";
        let direct = parse_value("t.yaml", text, Format::Yaml).expect("valid YAML");
        let merged = format!("{text}m:\n  <<: *p\n");
        let mut via_merge = parse_value("t.yaml", &merged, Format::Yaml).expect("valid YAML");
        via_merge.as_object_mut().expect("mapping").remove("m");
        assert_eq!(direct, via_merge);
        assert_eq!(direct["use"][1]["name"], "id");
        assert_eq!(direct["n"], ".nan");
        assert_eq!(direct["tagged"], 7);
    }

    #[test]
    fn yaml_merge_keys_are_applied() {
        let text = "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n";
        let value = parse_value("t.yaml", text, Format::Yaml).expect("valid YAML");
        assert_eq!(value["use"]["x"], 1);
        assert_eq!(value["use"]["y"], 2);
    }

    #[test]
    fn non_utf8_bytes_are_a_clear_error_with_position() {
        let err = decode("t.yaml", b"a: 1\nb: \xff\n").expect_err("not UTF-8");
        let text = err.to_string();
        assert!(text.starts_with("t.yaml:2:4:"), "{text}");
        assert!(text.contains("0xFF is not UTF-8"), "{text}");
        assert_eq!(
            decode("t", b"\xEF\xBB\xBFa: 1").expect("BOM stripped"),
            "a: 1"
        );
        assert!(decode("t", b"\xFF\xFEa\0").is_err());
    }
}
