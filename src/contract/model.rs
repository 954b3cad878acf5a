//! The one model of a contract that every later stage reads: operations as
//! (method, path template) with everything needed to build a request, and the
//! place in the source file where each was declared. Swagger 2.0 and OpenAPI
//! 3.0, 3.1 and 3.2 are normalized into these types; nothing downstream looks
//! at the raw document again, except schemas, examples and `encoding` objects,
//! which the model names by where they are in it ([`Node`]) and the synthesizer
//! walks there.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A loaded, normalized contract.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The spec as the user named it (path or URL), for reports and JUnit `file`.
    pub source: String,
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `openapi` (or `swagger`) version string, e.g. `3.1.0`.
    pub spec_version: String,
    /// Servers with variables replaced by their defaults, in declaration order.
    pub servers: Vec<String>,
    /// Every declared operation, in document order.
    pub operations: Vec<Operation>,
    /// OpenAPI 3.1 `webhooks`: requests the API sends, not serves. Listed, never probed.
    pub webhooks: Vec<Webhook>,
    /// `components.securitySchemes` in document order.
    pub security_schemes: Vec<(String, SecurityScheme)>,
    /// Problems that cost one operation or one detail, never the whole run.
    pub warnings: Vec<ContractWarning>,
    /// The other files its `$ref`s named (paths or URLs, as reported), in the order they
    /// were read: inputs a report must never overwrite.
    pub referenced_files: Vec<String>,
    /// The whole document (after external refs were bundled in, and a 2.0 one rewritten in
    /// the 3.0 shape): where the operations' schemas, examples and `encoding` objects are
    /// read ([`Node`]) and schema `$ref`s followed. Shared, never cloned per operation.
    pub document: std::sync::Arc<Value>,
}

impl Operation {
    /// The file this operation is written in when that is not the spec `spec_source` itself:
    /// its path item is a `$ref` to another file, and its line is a line of that file.
    pub fn external_file(&self, spec_source: &str) -> Option<&str> {
        (self.location.file != spec_source).then_some(self.location.file.as_str())
    }
}

impl Contract {
    /// The operation's own object in [`Contract::document`], e.g. to read an `x-` extension
    /// such as `x-rollcall-skip` (`location.pointer` always names it).
    pub fn operation_node(&self, operation: &Operation) -> Option<&Value> {
        super::pointer::get(&self.document, &operation.location.pointer)
    }

    pub fn security_scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.security_schemes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }
}

/// HTTP methods an OpenAPI path item may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The key used for this method in an OpenAPI path item (`get`, `post`, ...).
    pub fn from_path_item_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.path_item_key() == key)
    }

    pub fn path_item_key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// GET, HEAD, OPTIONS and TRACE: a correct implementation changes nothing.
    pub fn is_safe(self) -> bool {
        matches!(
            self,
            Method::Get | Method::Head | Method::Options | Method::Trace
        )
    }

    /// POST, PUT and PATCH: RFC 9110 gives content no defined meaning on the
    /// other methods, and servers and proxies may refuse it there.
    pub fn carries_content(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One declared operation.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path template requests are built from, e.g. `/pets/{petId}`: the
    /// declared path up to a `#` or `?`, whose rest is the [`Selector`].
    pub path: String,
    /// What tells this operation apart from others on the same method and
    /// path (AWS contracts: `/{Bucket}#acl`); empty for most contracts.
    pub selector: Selector,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// Path-level parameters merged with operation-level ones (operation wins).
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// Alternatives (any one suffices); each maps scheme names to scopes (all needed).
    /// Empty means the operation needs no credentials.
    pub security: Vec<SecurityRequirement>,
    /// Declared response keys: `200`, `404`, `2XX`, `default`.
    pub responses: Vec<String>,
    /// Where the operation is declared in the source.
    pub location: SourceLocation,
}

impl Operation {
    /// `GET /pets/{petId}`, `GET /{Bucket}?acl`: the stable name used in
    /// every report, filter, config key and comparison.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.key())
    }

    /// The path part of [`Operation::label`]: the path template and the
    /// selector's suffix (`/{Bucket}?acl`).
    pub fn key(&self) -> String {
        format!("{}{}", self.path, self.selector.suffix())
    }

    /// Whether `key` (`METHOD /path`, method case-insensitive, or an
    /// operationId) names this operation: the one matching rule for every
    /// per-operation entry of `rollcall.toml`.
    pub fn is_named(&self, key: &str) -> bool {
        names(key, self.method, &self.key(), self.operation_id.as_deref())
    }

    /// `GET /{Bucket}#acl`: the label as AWS's contracts spell the path key,
    /// for pointing a user who wrote it that way at [`Operation::label`].
    pub fn declared_label(&self) -> String {
        if self.selector.is_empty() {
            return self.label();
        }
        let items: Vec<String> = self
            .selector
            .items
            .iter()
            .map(|item| match &item.value {
                Some(value) => format!("{}={value}", item.name),
                None => item.name.clone(),
            })
            .collect();
        format!("{} {}#{}", self.method, self.path, items.join("&"))
    }
}

/// [`Operation::is_named`] for an operation known by its parts (e.g. in a
/// report): its method, its path key ([`Operation::key`]) and operationId.
pub fn names(key: &str, method: Method, path: &str, operation_id: Option<&str>) -> bool {
    let key = key.trim();
    if let Some((key_method, key_path)) = key.split_once(' ')
        && key_method.eq_ignore_ascii_case(method.as_str())
        && key_path.trim() == path
    {
        return true;
    }
    operation_id == Some(key)
}

/// The part of a declared path key after `#` (or `?`), which AWS's contracts
/// use to tell the operations of one path apart (`/{Bucket}#acl`,
/// `/#Action=AssumeRole`, `/#X-Amz-Target=DynamoDB_20120810.PutItem`,
/// `/{Bucket}/{Key}#x-amz-copy-source&partNumber&uploadId`). A fragment is
/// never sent: each item names a query parameter or a header the request
/// carries, or is a bare marker that only keeps the key unique
/// (`#lifecycle&deprecated!`).
///
/// ```text
/// declared                                   path               key (reports, filters, config)
/// /{Bucket}#acl                              /{Bucket}          /{Bucket}?acl
/// /{Bucket}#list-type=2                      /{Bucket}          /{Bucket}?list-type=2
/// /{Bucket}/{Key}#x-amz-copy-source&uploadId /{Bucket}/{Key}    /{Bucket}/{Key}?uploadId#x-amz-copy-source
/// /#X-Amz-Target=Foo.Bar                     /                  /#X-Amz-Target=Foo.Bar
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// In declared order.
    pub items: Vec<SelectorItem>,
}

/// One `name` or `name=value` of a [`Selector`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorItem {
    pub name: String,
    /// The fixed value, for `name=value`.
    pub value: Option<String>,
    pub place: SelectorPlace,
}

/// What a selector item names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorPlace {
    /// A query parameter: declared by the operation, or a `name=value` pair
    /// it does not declare (sent as it is).
    Query,
    /// A header parameter the operation declares.
    Header,
    /// Neither: sent nowhere, it only keeps the key unique.
    Marker,
}

impl Selector {
    /// Splits a declared path key into the path template and the selector,
    /// each item placed by the `parameters` the operation declares:
    /// `/{Bucket}#acl` → `/{Bucket}`, `acl` (a query parameter).
    pub fn split(declared: &str, parameters: &[Parameter]) -> (String, Selector) {
        let Some(at) = declared.find(['#', '?']) else {
            return (declared.to_string(), Selector::default());
        };
        let items = declared[at + 1..]
            .split(['&', '#', '?'])
            .filter(|item| !item.is_empty())
            .map(|item| {
                let (name, value) = match item.split_once('=') {
                    Some((name, value)) => (name, Some(value.to_string())),
                    None => (item, None),
                };
                let declared_in = |location: ParamLocation| {
                    parameters.iter().any(|p| {
                        p.location == location
                            && if location == ParamLocation::Header {
                                p.name.eq_ignore_ascii_case(name)
                            } else {
                                p.name == name
                            }
                    })
                };
                let place = if declared_in(ParamLocation::Query) {
                    SelectorPlace::Query
                } else if declared_in(ParamLocation::Header) {
                    SelectorPlace::Header
                } else if value.is_some() {
                    SelectorPlace::Query
                } else {
                    SelectorPlace::Marker
                };
                SelectorItem {
                    name: name.to_string(),
                    value,
                    place,
                }
            })
            .collect();
        (declared[..at].to_string(), Selector { items })
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `?acl&id` for the query items, then `#` and the others:
    /// `?partNumber&uploadId#x-amz-copy-source`; empty without items.
    pub fn suffix(&self) -> String {
        let join = |query: bool| {
            self.items
                .iter()
                .filter(|item| (item.place == SelectorPlace::Query) == query)
                .map(|item| match &item.value {
                    Some(value) => format!("{}={value}", item.name),
                    None => item.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("&")
        };
        let (query, rest) = (join(true), join(false));
        let mut out = String::new();
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query);
        }
        if !rest.is_empty() {
            out.push('#');
            out.push_str(&rest);
        }
        out
    }

    /// The item naming parameter `name` at `location`, if any.
    pub fn item_for(&self, name: &str, location: ParamLocation) -> Option<&SelectorItem> {
        self.items.iter().find(|item| match (item.place, location) {
            (SelectorPlace::Query, ParamLocation::Query) => item.name == name,
            (SelectorPlace::Header, ParamLocation::Header) => item.name.eq_ignore_ascii_case(name),
            _ => false,
        })
    }

    /// The query names the selector puts on the request (`acl`, `list-type`).
    pub fn query_names(&self) -> impl Iterator<Item = &str> {
        self.items
            .iter()
            .filter(|item| item.place == SelectorPlace::Query)
            .map(|item| item.name.as_str())
    }
}

/// One operation of a 3.1 `webhooks` entry: a request the API itself sends to subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// The key under `webhooks`, e.g. `newPet`.
    pub name: String,
    pub method: Method,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub location: SourceLocation,
}

/// A position in a source document. Lines and columns are 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    /// The file (or URL) the node came from.
    pub file: String,
    /// JSON pointer of the node, e.g. `/paths/~1pets/get`.
    pub pointer: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}", self.file, l, c),
            (Some(l), None) => write!(f, "{}:{}", self.file, l),
            _ => write!(f, "{} at {}", self.file, self.pointer),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamLocation {
    pub fn parse(s: &str) -> Option<ParamLocation> {
        match s {
            "path" => Some(ParamLocation::Path),
            "query" => Some(ParamLocation::Query),
            "header" => Some(ParamLocation::Header),
            "cookie" => Some(ParamLocation::Cookie),
            _ => None,
        }
    }

    /// `path`, `query`, `header` or `cookie`, as the contract writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub deprecated: bool,
    /// `style` as declared, if any (`form`, `simple`, `label`, `matrix`, `deepObject`, ...).
    pub style: Option<String>,
    pub explode: Option<bool>,
    pub allow_reserved: bool,
    pub schema: Option<Node>,
    /// `example`, else the first of `examples` (their `value`).
    pub example: Option<Node>,
    /// A `content`-based parameter: media type and its schema/example.
    pub content: Option<MediaType>,
}

impl Parameter {
    /// Its `schema`, read from `document` (the contract's).
    pub fn schema<'v>(&'v self, document: &'v Value) -> Option<&'v Value> {
        self.schema.as_ref()?.get(document)
    }

    /// Its example (`example`, else the first of `examples`' values), read from `document`.
    pub fn example<'v>(&'v self, document: &'v Value) -> Option<&'v Value> {
        self.example.as_ref()?.get(document)
    }
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    pub required: bool,
    /// Declared media types in document order.
    pub content: Vec<MediaType>,
}

#[derive(Debug, Clone)]
pub struct MediaType {
    pub media_type: String,
    pub schema: Option<Node>,
    /// `example`, else the first of `examples` (their `value`).
    pub example: Option<Node>,
    /// `encoding` object, kept raw for form and multipart bodies.
    pub encoding: Option<Node>,
}

impl MediaType {
    /// Its `schema`, read from `document` (the contract's).
    pub fn schema<'v>(&'v self, document: &'v Value) -> Option<&'v Value> {
        self.schema.as_ref()?.get(document)
    }

    /// Its example (`example`, else the first of `examples`' values), read from `document`.
    pub fn example<'v>(&'v self, document: &'v Value) -> Option<&'v Value> {
        self.example.as_ref()?.get(document)
    }

    /// Its `encoding` object, read from `document`.
    pub fn encoding<'v>(&'v self, document: &'v Value) -> Option<&'v Value> {
        self.encoding.as_ref()?.get(document)
    }
}

/// A schema, example or `encoding` object of an operation, as the model holds it: where it
/// is in [`Contract::document`], read from there when it is needed, so that loading copies
/// none of them (a large contract's parameter schemas are much of its size, and a path
/// item's parameters are part of each of its operations).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// The JSON pointer of the node in the document.
    At(String),
    /// A value of its own, for a model built by hand (tests) rather than read from a document.
    Value(Box<Value>),
}

impl Node {
    /// The node's value: for [`Node::At`], the node of `document` it names (`None` if there
    /// is none, which a model read from that document never holds).
    pub fn get<'v>(&'v self, document: &'v Value) -> Option<&'v Value> {
        match self {
            Node::At(pointer) => super::pointer::get(document, pointer),
            Node::Value(value) => Some(value),
        }
    }
}

impl From<Value> for Node {
    fn from(value: Value) -> Node {
        Node::Value(Box::new(value))
    }
}

/// Scheme name to required scopes; all entries are needed together.
pub type SecurityRequirement = Vec<(String, Vec<String>)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityScheme {
    /// `type: http`, e.g. `bearer` or `basic` (lower-cased).
    Http {
        scheme: String,
    },
    /// `type: apiKey`.
    ApiKey {
        name: String,
        location: ParamLocation,
    },
    /// OAuth2 and OpenID Connect: the credential is a bearer token.
    OAuth2,
    OpenIdConnect,
    MutualTls,
    /// Anything rollcall does not know how to apply.
    Other {
        kind: String,
    },
}

/// A contract problem that costs one operation (or one detail of it) but not the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractWarning {
    pub location: SourceLocation,
    pub message: String,
}

impl fmt::Display for ContractWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}
