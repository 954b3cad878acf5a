//! The one model of a contract that every later stage reads: operations as
//! (method, path template) with everything needed to build a request, and the
//! place in the source file where each was declared. Swagger 2.0 and OpenAPI
//! 3.0, 3.1 and 3.2 are normalized into these types; nothing downstream looks
//! at the raw document again, except schemas, which stay JSON values so the
//! synthesizer can walk them.

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
    /// The whole document (after external refs were bundled in), so that schema
    /// `$ref`s can be followed by the synthesizer. Shared, never cloned per operation.
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
    /// The path template exactly as declared, e.g. `/pets/{petId}`.
    pub path: String,
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
    /// `GET /pets/{petId}`: the stable name used in every report.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
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
    pub schema: Option<Value>,
    /// `example`, else the first of `examples` (their `value`).
    pub example: Option<Value>,
    /// A `content`-based parameter: media type and its schema/example.
    pub content: Option<MediaType>,
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
    pub schema: Option<Value>,
    /// `example`, else the first of `examples` (their `value`).
    pub example: Option<Value>,
    /// `encoding` object, kept raw for form and multipart bodies.
    pub encoding: Option<Value>,
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
