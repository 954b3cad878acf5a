//! External `$ref`s bundled into the root document at load time, so that everything after the
//! loader follows internal references only.
//!
//! ```yaml
//! # openapi.yaml                          # paths/pets.yaml
//! paths:                                  get:
//!   /pets: {$ref: 'paths/pets.yaml'}        responses:
//!                                             '200': {$ref: '../common.yaml#/responses/Ok'}
//! ```
//! becomes one document whose `/pets` is `{$ref: '#/x-rollcall-bundled/0'}`, with
//! `x-rollcall-bundled: {'0': <paths/pets.yaml>, '1': <common.yaml>}` at the top and every
//! reference inside a bundled file rewritten the same way (its `#/...` ones to point into its
//! own copy). Each file is read once, so references between files may form cycles freely.
//! Files are kept with their text, so positions are reported in the file a node came from
//! ([`Bundle::origin`]).
//!
//! What a reference may name depends on the file holding it: a local file may name local
//! files (regular files only, size-capped) and, with `--allow-remote-refs`, URLs; a document
//! read from a URL may name documents of its own origin, others only with
//! `--allow-remote-refs`, and never a local file (a contract from the network must not read
//! the machine it runs on).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::locate::Format;
use super::refs::{self, BUNDLE_KEY, Kind};
use super::source;
use super::{ContractError, SourceLocation, locate, pointer};

/// More distinct files than any real contract is split into: a guard against generated loops
/// of ever-new file names.
const MAX_FILES: usize = 10_000;

/// One external file, reachable at `/x-rollcall-bundled/<index>`.
#[derive(Debug)]
pub(crate) struct BundledFile {
    /// As reported: the path (relative paths joined to the referring file's folder) or URL.
    pub source: String,
    pub text: String,
    pub format: Format,
}

/// The external files of a document, in the order they were bundled.
#[derive(Debug, Default)]
pub(crate) struct Bundle {
    pub files: Vec<BundledFile>,
}

/// Where a node of the bundled document was written: `None` for the root file, else the index
/// of the bundled file, with the node's pointer inside that file.
pub(crate) struct Origin<'p> {
    pub file: Option<usize>,
    pub pointer: std::borrow::Cow<'p, str>,
}

impl Bundle {
    pub(crate) fn origin<'p>(&self, bundled_pointer: &'p str) -> Origin<'p> {
        let prefix = format!("/{BUNDLE_KEY}/");
        if let Some(rest) = bundled_pointer.strip_prefix(&prefix) {
            let (index, inner) = rest.split_once('/').map_or((rest, ""), |(i, r)| (i, r));
            if let Ok(index) = index.parse::<usize>()
                && index < self.files.len()
            {
                let pointer = if inner.is_empty() {
                    String::new()
                } else {
                    format!("/{inner}")
                };
                return Origin {
                    file: Some(index),
                    pointer: pointer.into(),
                };
            }
        }
        Origin {
            file: None,
            pointer: bundled_pointer.into(),
        }
    }
}

/// How remote references are handled.
pub(crate) struct Remote<'f> {
    pub allowed: bool,
    /// Remote files already fetched, by URL.
    pub fetched: &'f HashMap<String, Vec<u8>>,
}

/// Why bundling stopped.
#[derive(Debug)]
pub(crate) enum BundleStop {
    Error(ContractError),
    /// These remote files must be fetched first (allowed, not fetched yet).
    Fetch(Vec<String>),
}

impl From<ContractError> for BundleStop {
    fn from(error: ContractError) -> Self {
        BundleStop::Error(error)
    }
}

/// A file as a reference names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Address {
    Local(PathBuf),
    Remote(url::Url),
}

impl Address {
    fn describe(&self) -> String {
        match self {
            Address::Local(path) => path.display().to_string(),
            Address::Remote(url) => url.to_string(),
        }
    }
}

/// The address of the root spec as the user named it.
fn root_address(source: &str) -> Address {
    match url::Url::parse(source) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Address::Remote(url),
        Ok(url) if url.scheme() == "file" => url
            .to_file_path()
            .map_or_else(|()| Address::Local(PathBuf::from(source)), Address::Local),
        _ => Address::Local(PathBuf::from(source)),
    }
}

/// `reference`'s file part resolved against the file holding it.
fn join(base: &Address, reference: &str) -> Option<Address> {
    if let Ok(url) = url::Url::parse(reference) {
        return match url.scheme() {
            "http" | "https" => Some(Address::Remote(url)),
            "file" => url.to_file_path().ok().map(Address::Local),
            // A one-letter scheme is a Windows drive (`C:\specs\a.yaml`).
            scheme if scheme.len() == 1 => Some(Address::Local(PathBuf::from(reference))),
            _ => None,
        };
    }
    match base {
        Address::Remote(url) => url.join(reference).ok().map(Address::Remote),
        Address::Local(path) => {
            let decoded = percent_encoding::percent_decode_str(reference).decode_utf8_lossy();
            let folder = path.parent().unwrap_or(Path::new(""));
            Some(Address::Local(source::lexically_normal(
                &folder.join(decoded.as_ref()),
            )))
        }
    }
}

/// Bundles every external reference of `document` (read from `source`) into it.
pub(crate) fn bundle(
    source: &str,
    text: &str,
    format: Format,
    document: &mut Value,
    remote: &Remote<'_>,
) -> Result<Bundle, BundleStop> {
    // Most contracts are one file: a read-only look for a reference to another file spares
    // them the rewriting walk (and its path bookkeeping), which would change nothing.
    if !names_another_file(document, Kind::Keywords) {
        return Ok(Bundle::default());
    }
    let mut ids = HashSet::new();
    collect_ids(document, &mut ids);
    let mut bundler = Bundler {
        remote,
        ids,
        known: HashMap::new(),
        files: Vec::new(),
        values: Vec::new(),
        pending_fetch: Vec::new(),
        root_source: source,
        root_text: text,
        root_format: format,
    };
    let root = root_address(source);
    bundler.rewrite(document, &root, None)?;
    let mut next = 0;
    while next < bundler.values.len() {
        let mut value = std::mem::take(&mut bundler.values[next]);
        let address = bundler.files[next].0.clone();
        bundler.rewrite(&mut value, &address, Some(next))?;
        bundler.values[next] = value;
        next += 1;
    }
    if !bundler.pending_fetch.is_empty() {
        return Err(BundleStop::Fetch(bundler.pending_fetch));
    }
    if bundler.files.is_empty() {
        return Ok(Bundle::default());
    }
    let bundled: Map<String, Value> = bundler
        .values
        .into_iter()
        .enumerate()
        .map(|(i, value)| (i.to_string(), value))
        .collect();
    if let Value::Object(root) = document {
        root.insert(BUNDLE_KEY.to_string(), Value::Object(bundled));
    }
    Ok(Bundle {
        files: bundler.files.into_iter().map(|(_, file)| file).collect(),
    })
}

/// Whether a `$ref` (or a discriminator `mapping` value) under `value`, walked as
/// [`Bundler::walk`] does, has a file part: the only references the root file's rewriting
/// changes or refuses.
fn names_another_file(value: &Value, kind: Kind) -> bool {
    let has_file_part = |reference: &str| !reference.starts_with('#');
    match value {
        // One pass over the entries: a lookup of `$ref` and `discriminator` in every object
        // would hash each of them.
        Value::Object(map) => map.iter().any(|(key, child)| match (key.as_str(), child) {
            ("$ref", Value::String(reference)) => has_file_part(reference),
            ("discriminator", Value::Object(discriminator))
                if discriminator
                    .get("mapping")
                    .and_then(Value::as_object)
                    .is_some_and(|mapping| {
                        mapping
                            .values()
                            .filter_map(Value::as_str)
                            .any(has_file_part)
                    }) =>
            {
                true
            }
            (_, Value::Object(_) | Value::Array(_)) => refs::child_kind(kind, key, child)
                .is_some_and(|child_kind| names_another_file(child, child_kind)),
            _ => false,
        }),
        Value::Array(items) => items
            .iter()
            .any(|item| names_another_file(item, Kind::Keywords)),
        _ => false,
    }
}

/// `$id`s of 3.1 schema resources: references to them are internal, not files.
fn collect_ids(value: &Value, ids: &mut HashSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("$id") {
                ids.insert(id.clone());
            }
            for child in map.values() {
                collect_ids(child, ids);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_ids(item, ids)),
        _ => {}
    }
}

struct Bundler<'r, 's> {
    remote: &'r Remote<'r>,
    ids: HashSet<String>,
    known: HashMap<Address, usize>,
    files: Vec<(Address, BundledFile)>,
    /// The parsed files, index-aligned with `files`, rewritten in turn.
    values: Vec<Value>,
    pending_fetch: Vec<String>,
    root_source: &'s str,
    root_text: &'s str,
    root_format: Format,
}

impl Bundler<'_, '_> {
    /// Rewrites every `$ref` under `value`, which was read from `address` (`file` its index,
    /// `None` for the root document).
    fn rewrite(
        &mut self,
        value: &mut Value,
        address: &Address,
        file: Option<usize>,
    ) -> Result<(), BundleStop> {
        let mut path = Vec::new();
        self.walk(value, Kind::Keywords, address, file, &mut path)
    }

    /// Walks like `refs::check` does, so literal data (examples, defaults) is left alone.
    fn walk(
        &mut self,
        value: &mut Value,
        kind: Kind,
        address: &Address,
        file: Option<usize>,
        path: &mut Vec<String>,
    ) -> Result<(), BundleStop> {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && let Some(rewritten) = self.rewritten(reference, address, file, path)?
                {
                    map.insert("$ref".to_string(), Value::String(rewritten));
                }
                if let Some(Value::Object(discriminator)) = map.get_mut("discriminator")
                    && let Some(Value::Object(mapping)) = discriminator.get_mut("mapping")
                {
                    self.rewrite_mapping(mapping, address, file, path)?;
                }
                for (key, child) in map.iter_mut() {
                    if !(child.is_object() || child.is_array()) {
                        continue;
                    }
                    let Some(child_kind) = refs::child_kind(kind, key, child) else {
                        continue;
                    };
                    path.push(key.clone());
                    let result = self.walk(child, child_kind, address, file, path);
                    path.pop();
                    result?;
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    path.push(i.to_string());
                    let result = self.walk(item, Kind::Keywords, address, file, path);
                    path.pop();
                    result?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A discriminator's `mapping` values that are references (`other.yaml`,
    /// `other.yaml#/Cat`, `#/Cat` inside a bundled file) point where the
    /// `oneOf` branches' rewritten `$ref`s do, so a branch can be told by
    /// its mapping key; bare schema names (`Cat`) are left as written.
    fn rewrite_mapping(
        &mut self,
        mapping: &mut Map<String, Value>,
        address: &Address,
        file: Option<usize>,
        path: &mut Vec<String>,
    ) -> Result<(), BundleStop> {
        for (key, target) in mapping.iter_mut() {
            let Value::String(reference) = target else {
                continue;
            };
            let named_file = reference.split('#').next().unwrap_or_default();
            let names_a_file = [".yaml", ".yml", ".json"]
                .iter()
                .any(|extension| named_file.ends_with(extension));
            if !(reference.contains('#') || names_a_file) {
                continue;
            }
            path.extend([
                "discriminator".to_string(),
                "mapping".to_string(),
                key.clone(),
            ]);
            let rewritten = self.rewritten(reference, address, file, path);
            path.truncate(path.len() - 3);
            if let Some(rewritten) = rewritten? {
                *reference = rewritten;
            }
        }
        Ok(())
    }

    /// The internal form of `reference`, or `None` to leave it as written.
    fn rewritten(
        &mut self,
        reference: &str,
        address: &Address,
        file: Option<usize>,
        path: &[String],
    ) -> Result<Option<String>, BundleStop> {
        let (base, fragment) = match reference.split_once('#') {
            Some((base, fragment)) => (base, Some(fragment)),
            None => (reference, None),
        };
        if base.is_empty() {
            // Internal to the file holding it: into that file's bundled copy.
            return Ok(match (file, fragment) {
                (Some(index), Some(fragment))
                    if fragment.is_empty() || fragment.starts_with('/') =>
                {
                    Some(format!("#/{BUNDLE_KEY}/{index}{fragment}"))
                }
                _ => None,
            });
        }
        if self.ids.contains(base) || self.ids.contains(reference) {
            return Ok(None);
        }
        let fragment = fragment.unwrap_or("");
        if !(fragment.is_empty() || fragment.starts_with('/')) {
            return Err(self.error_at(
                file,
                path,
                format!(
                    "$ref '{reference}' names an anchor in another file; only JSON pointer \
                     fragments (`#/...`) can be followed across files"
                ),
            ));
        }
        let Some(target) = join(address, base) else {
            return Err(self.error_at(
                file,
                path,
                format!("$ref '{reference}' is not a file path or an http(s) URL"),
            ));
        };
        if let Some(refusal) = self.refusal(address, &target) {
            return Err(self.error_at(file, path, format!("$ref '{reference}' {refusal}")));
        }
        let index = match self.known.get(&target) {
            Some(&index) => index,
            None => match self.load(&target, reference, file, path)? {
                Some(index) => index,
                None => return Ok(None),
            },
        };
        Ok(Some(format!("#/{BUNDLE_KEY}/{index}{fragment}")))
    }

    /// Why the file at `from` may not reference `target`, if it may not: a document read
    /// from a URL never reads a local file, and reads other origins than its own only with
    /// `--allow-remote-refs`, as a local file reads any URL.
    fn refusal(&self, from: &Address, target: &Address) -> Option<String> {
        match (from, target) {
            (Address::Remote(url), Address::Local(local)) => Some(format!(
                "points at the local file {} from {}: a contract read from a URL may \
                 reference only documents of its own origin, never a local file",
                local.display(),
                url.origin().ascii_serialization()
            )),
            (Address::Remote(from), Address::Remote(to))
                if from.origin() == to.origin() || self.remote.allowed =>
            {
                None
            }
            (_, Address::Remote(url)) if !self.remote.allowed => Some(format!(
                "points at the remote file {url}; rollcall fetches remote references only \
                 with --allow-remote-refs (a contract read from a URL may reference its own \
                 origin without it)"
            )),
            _ => None,
        }
    }

    /// Reads and parses a new file; `None` when it is remote and must be fetched first.
    fn load(
        &mut self,
        target: &Address,
        reference: &str,
        file: Option<usize>,
        path: &[String],
    ) -> Result<Option<usize>, BundleStop> {
        if self.files.len() >= MAX_FILES {
            return Err(self.error_at(
                file,
                path,
                format!("$ref '{reference}': more than {MAX_FILES} files referenced"),
            ));
        }
        let bytes = match target {
            Address::Local(local) => source::read_referenced_file(local).map_err(|error| {
                self.error_at(
                    file,
                    path,
                    format!(
                        "$ref '{reference}': cannot read {}: {error}",
                        local.display()
                    ),
                )
            })?,
            // Allowed: `refusal` was asked first.
            Address::Remote(url) => match self.remote.fetched.get(url.as_str()) {
                Some(bytes) => bytes.clone(),
                None => {
                    if !self.pending_fetch.iter().any(|u| u == url.as_str()) {
                        self.pending_fetch.push(url.to_string());
                    }
                    return Ok(None);
                }
            },
        };
        let source = target.describe();
        let text = source::decode(&source, &bytes)?.to_string();
        let format = Format::detect(&text);
        let value = source::parse_value(&source, &text, format)?;
        let index = self.files.len();
        self.known.insert(target.clone(), index);
        self.files.push((
            target.clone(),
            BundledFile {
                source,
                text,
                format,
            },
        ));
        self.values.push(value);
        Ok(Some(index))
    }

    /// An error placed at the `$ref` key of the node at `path` in `file`.
    fn error_at(&self, file: Option<usize>, path: &[String], message: String) -> BundleStop {
        let holder = path
            .iter()
            .fold(String::new(), |p, segment| pointer::child(&p, segment));
        let (source, text, format) = match file.and_then(|i| self.files.get(i)) {
            Some((_, bundled)) => (
                bundled.source.as_str(),
                bundled.text.as_str(),
                bundled.format,
            ),
            None => (self.root_source, self.root_text, self.root_format),
        };
        let ref_key = pointer::child(&holder, "$ref");
        let position = locate::locate(text, format, &[ref_key.as_str()], &[]).nearest(0);
        BundleStop::Error(ContractError::Invalid {
            message: format!("{message} (at {holder})"),
            location: SourceLocation {
                file: source.to_string(),
                pointer: holder,
                line: position.map(|p| p.line),
                column: position.map(|p| p.column),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_join_the_referring_files_folder() {
        let base = Address::Local(PathBuf::from("specs/api/openapi.yaml"));
        assert_eq!(
            join(&base, "../common/pet%20types.yaml"),
            Some(Address::Local(PathBuf::from("specs/common/pet types.yaml")))
        );
        let remote = Address::Remote(url::Url::parse("https://x.test/a/openapi.yaml").unwrap());
        assert_eq!(
            join(&remote, "b.yaml").map(|a| a.describe()),
            Some("https://x.test/a/b.yaml".into())
        );
        assert_eq!(
            join(&base, "https://y.test/s.json").map(|a| a.describe()),
            Some("https://y.test/s.json".into())
        );
    }

    #[test]
    fn steps_up_past_the_start_of_a_relative_path_are_kept() {
        for (spec, reference, file) in [
            ("../../openapi.yaml", "./common.yaml", "../../common.yaml"),
            ("specs/openapi.yaml", "../../common.yaml", "../common.yaml"),
        ] {
            let joined = join(&Address::Local(PathBuf::from(spec)), reference);
            assert_eq!(joined, Some(Address::Local(PathBuf::from(file))), "{spec}");
        }
    }

    #[test]
    fn origin_maps_bundled_pointers_back_to_their_file() {
        let bundle = Bundle {
            files: vec![BundledFile {
                source: "a.yaml".into(),
                text: String::new(),
                format: Format::Yaml,
            }],
        };
        let origin = bundle.origin("/x-rollcall-bundled/0/get");
        assert_eq!((origin.file, origin.pointer.as_ref()), (Some(0), "/get"));
        let origin = bundle.origin("/x-rollcall-bundled/0");
        assert_eq!((origin.file, origin.pointer.as_ref()), (Some(0), ""));
        let origin = bundle.origin("/paths/~1a/get");
        assert_eq!(
            (origin.file, origin.pointer.as_ref()),
            (None, "/paths/~1a/get")
        );
    }
}
