//! Redaction, the one place secrets are masked: credentials given with
//! `--auth`, values of sensitive headers (`Authorization`, `Cookie`, any
//! header a security scheme or `--secret-header` names, any header whose
//! name says `key`, `token`, `secret`, `auth`, `session`, `signature`,
//! `password` or `credential`), API keys in query strings and cookies, passwords in URLs,
//! and the userinfo and query values of a contract's URL all become `***`
//! before anything is printed, written to a report, or put into an error
//! message.
//!
//! ```text
//! https://ci:hunter22@api.example.com/pets?api_key=k3y&limit=1
//! https://***:***@api.example.com/pets?api_key=***&limit=1
//! Authorization: Bearer eyJhbGciOi...   →   Authorization: Bearer ***
//! Cookie: session=abc; theme=dark       →   Cookie: session=***; theme=***
//! Ocp-Apim-Subscription-Key: 5f1c...    →   Ocp-Apim-Subscription-Key: ***
//! answered 500: {"echo":"tok-31415…     →   answered 500: {"echo":"***…
//! ```
//!
//! A secret is masked wherever it appears, also in the encoded forms it takes
//! on the wire: base64 inside a basic `Authorization` header, percent-encoded
//! in a path, query string or userinfo, escaped inside a JSON body; and where
//! an excerpt cut it short, its start is masked too.
//!
//! The redactor knows nothing of contracts or plans: a run hands it its
//! secrets as text ([`RunSecrets`]: credentials, headers, API-key names,
//! URLs), so every layer can mask with it.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, percent_decode_str};

pub const MASK: &str = "***";

/// What a run knows to be secret, for [`Redactor::for_run`].
#[derive(Debug, Default)]
pub struct RunSecrets<'a> {
    /// The credentials given for the contract's security schemes.
    pub credentials: Vec<GivenCredential<'a>>,
    /// The headers sent with every request (`-H`, `[headers]`): the values
    /// of credential headers among them are secrets.
    pub headers: &'a [(String, String)],
    /// Header names whose values are credentials although the names do not
    /// say so (`--secret-header`).
    pub secret_headers: &'a [String],
    pub api_keys: ApiKeyNames,
    /// URLs whose passwords and sensitive query values are secrets (the targets).
    pub urls: &'a [&'a str],
}

/// A credential given for a security scheme.
pub struct GivenCredential<'a> {
    pub value: &'a str,
    /// Whether it is sent as HTTP basic auth (`user:password`, or its
    /// base64): then the base64 and the password alone are secrets too.
    pub basic: bool,
}

/// Never prints the value.
impl fmt::Debug for GivenCredential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GivenCredential(***, basic: {})", self.basic)
    }
}

/// The parameter names the contract's API-key security schemes declare, by
/// where the key goes: their values are credentials.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyNames {
    pub headers: Vec<String>,
    pub cookies: Vec<String>,
    pub query: Vec<String>,
}

/// Headers whose whole value is a credential.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    // AWS: a session token, and S3's customer-provided encryption keys.
    "x-amz-security-token",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key",
];

/// AWS's own request headers say what they carry: of them, only those in
/// [`SENSITIVE_HEADERS`] are credentials, whatever their names contain
/// (`x-amz-request-token` routes an S3 Object Lambda answer).
fn is_aws_header(lower_name: &str) -> bool {
    lower_name.starts_with("x-amz-")
}

/// A header, cookie or query parameter whose name contains one of these
/// (case-insensitively) carries a credential.
const SENSITIVE_NAME_PARTS: &[&str] = &[
    "token", "secret", "api-key", "apikey", "api_key", "password", "passwd",
];

/// A header whose name contains one of these (case-insensitively) carries a
/// credential: the common carriers `Ocp-Apim-Subscription-Key`,
/// `X-Functions-Key`, `X-Auth`, `X-Access-Key`, `X-Signature`,
/// `X-Session-Id`... Broader than [`SENSITIVE_NAME_PARTS`], which also judges
/// query parameters, where `key` would mask `monkey=1`.
const SENSITIVE_HEADER_PARTS: &[&str] = &[
    "key",
    "token",
    "secret",
    "auth",
    "session",
    "signature",
    "password",
    "passwd",
    "credential",
];

/// Headers that match [`SENSITIVE_HEADER_PARTS`] but carry no credential,
/// and whose value is evidence (the challenge of a `401`).
const NON_SECRET_HEADERS: &[&str] = &["www-authenticate", "proxy-authenticate"];

/// Query values of a contract's URL this long or longer are secrets wherever
/// they appear, whatever their parameter's name (`?code=...` of a function
/// URL, `?sv=...` of a storage URL); shorter ones (`?v=2`, `?format=yaml`)
/// are masked only in the URL itself.
const MIN_CONTRACT_QUERY_SECRET_LEN: usize = 8;

/// A prefix of a secret this long or longer, left at the end of a cut
/// excerpt, is masked too.
const MIN_PARTIAL_SECRET_LEN: usize = 3;

/// What an excerpt shows where it was cut (`answered 500: {"token":"ab…`).
const CUT_MARK: char = '…';

/// Query parameter names that carry credentials although they contain none of
/// [`SENSITIVE_NAME_PARTS`].
const SENSITIVE_QUERY_NAMES: &[&str] = &[
    "key",
    "sig",
    "signature",
    "auth",
    "x-amz-signature",
    "x-amz-credential",
    "x-goog-signature",
    "x-goog-credential",
];

/// Cookie names that carry a session (a credential) although they contain none
/// of [`SENSITIVE_NAME_PARTS`].
const SESSION_COOKIE_PARTS: &[&str] = &["session", "sess", "sid", "auth"];

/// `Authorization` schemes whose name may be shown before the masked credential.
const AUTH_SCHEMES: &[&str] = &[
    "basic",
    "bearer",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "dpop",
    "hoba",
    "mutual",
    "aws4-hmac-sha256",
];

/// Secrets found inside another value (a password split out of `user:pass`, a
/// token after `Bearer`) are only masked on their own from this length on:
/// masking a 2-letter password everywhere would garble every report.
const MIN_DERIVED_SECRET_LEN: usize = 4;

/// What the `url` crate percent-encodes in a query (WHATWG URL standard).
const QUERY_SET: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>');
/// The WHATWG "special query" set (http and https).
const SPECIAL_QUERY_SET: &AsciiSet = &QUERY_SET.add(b'\'');
/// The WHATWG path set.
const PATH_SET: &AsciiSet = &QUERY_SET.add(b'?').add(b'`').add(b'{').add(b'}');
/// The WHATWG userinfo set (user and password before `@`).
const USERINFO_SET: &AsciiSet = &PATH_SET
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');
/// What JavaScript's `encodeURIComponent` escapes, used by many clients and
/// servers (`/login?next=%2Fpets`): a secret or a path may be echoed so.
pub(crate) const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Masks known secrets in text, headers and URLs.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every secret and its encoded forms, longest first, without duplicates.
    secrets: Vec<String>,
    /// Lower-cased header names the contract's apiKey schemes declare.
    api_key_headers: Vec<String>,
    /// Lower-cased cookie names the contract's apiKey schemes declare.
    api_key_cookies: Vec<String>,
    /// Lower-cased query parameter names the contract's apiKey schemes declare.
    api_key_query: Vec<String>,
    /// Lower-cased header names given with `--secret-header`.
    secret_headers: Vec<String>,
}

/// Never prints the secrets themselves: a `{:?}` in a log must not leak them.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &format_args!("{} masked", self.secrets.len()))
            .field("api_key_headers", &self.api_key_headers)
            .field("api_key_cookies", &self.api_key_cookies)
            .field("api_key_query", &self.api_key_query)
            .field("secret_headers", &self.secret_headers)
            .finish()
    }
}

impl Redactor {
    /// A redactor for one run: every credential value (and its encoded forms,
    /// e.g. the base64 of a basic credential), every value of a credential
    /// header among the run's headers, the names of API-key parameters the
    /// contract's security schemes declare, the header names given as
    /// secret, and passwords and tokens in the run's URLs.
    pub fn for_run(secrets: &RunSecrets<'_>) -> Redactor {
        let lower = |names: &[String]| -> Vec<String> {
            names
                .iter()
                .map(|name| name.trim().to_ascii_lowercase())
                .collect()
        };
        let mut redactor = Redactor {
            secret_headers: lower(secrets.secret_headers),
            api_key_headers: lower(&secrets.api_keys.headers),
            api_key_cookies: lower(&secrets.api_keys.cookies),
            api_key_query: lower(&secrets.api_keys.query),
            ..Redactor::default()
        };
        for credential in &secrets.credentials {
            redactor.add_secret(credential.value);
            if credential.basic {
                redactor.add_basic_credential(credential.value);
                // The user may have given the credential already encoded.
                if !credential.value.contains(':')
                    && let Ok(decoded) = BASE64.decode(credential.value.trim())
                    && let Ok(user_pass) = String::from_utf8(decoded)
                    && user_pass.contains(':')
                {
                    redactor.add_secret(&user_pass);
                    redactor.add_basic_credential(&user_pass);
                }
            }
            redactor.add_authorization_parts(credential.value);
        }
        for (name, value) in secrets.headers {
            let name = name.to_ascii_lowercase();
            if name == "cookie" {
                redactor.add_secret(value);
                redactor.add_cookie_secrets(value);
            } else if redactor.is_sensitive_header(&name) {
                redactor.add_secret(value);
                redactor.add_authorization_parts(value);
            }
        }
        for url in secrets.urls {
            redactor.add_url_secrets(url);
        }
        redactor
    }

    /// Registers one more secret value, with the encoded forms it may take in
    /// a URL or a JSON body. Empty strings are ignored.
    pub fn add_secret(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut forms = vec![secret.to_string()];
        for set in [
            NON_ALPHANUMERIC,
            URI_COMPONENT,
            USERINFO_SET,
            PATH_SET,
            SPECIAL_QUERY_SET,
        ] {
            forms.push(percent_encoding::utf8_percent_encode(secret, set).to_string());
        }
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        forms.push(form);
        // Lower-case hex digits are as valid as upper-case ones.
        forms.push(lowercase_percent_escapes(&forms[1]));
        if let Ok(json) = serde_json::to_string(secret)
            && let Some(inner) = json.strip_prefix('"').and_then(|j| j.strip_suffix('"'))
        {
            forms.push(inner.to_string());
        }
        for form in forms {
            if !form.is_empty() && !self.secrets.contains(&form) {
                self.secrets.push(form);
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        self.secrets
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }

    /// The secrets of a contract's URL (the SPEC of `check` and `list`,
    /// `--since`, the two of `diff`), masked wherever they appear: its whole
    /// userinfo (`user:password` as written, the password alone, decoded,
    /// and as the basic credential a client derives), the values of its
    /// sensitive query parameters, and its other query values of
    /// [`MIN_CONTRACT_QUERY_SECRET_LEN`] characters or more. A file path
    /// has none.
    pub fn add_contract_url(&mut self, url: &str) {
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return;
        }
        self.add_url_secrets(url);
        if let Some(info) = userinfo(url) {
            let user = info.split_once(':').map_or(info, |(user, _)| user);
            if info.contains(':') && info.len() > 1 {
                self.add_secret(info);
            }
            let decoded_user = percent_decode_str(user).decode_utf8_lossy();
            if decoded_user.len() >= MIN_DERIVED_SECRET_LEN {
                self.add_secret(user);
                self.add_secret(&decoded_user);
            }
        }
        let query = url.split('#').next().and_then(|u| u.split_once('?'));
        for pair in query.map_or("", |(_, q)| q).split('&') {
            if let Some((_, value)) = pair.split_once('=')
                && decode_form(value).chars().count() >= MIN_CONTRACT_QUERY_SECRET_LEN
            {
                self.add_secret(value);
                self.add_secret(&decode_form(value));
            }
        }
    }

    /// `text` with every known secret replaced by `***`. Where an excerpt
    /// was cut (`…`), a secret cut short there is masked too: the cut may
    /// have left all but its last characters.
    pub fn text(&self, text: &str) -> String {
        if self.secrets.is_empty() {
            return text.to_string();
        }
        // Bytes a secret can start with: most characters need no comparison.
        let mut starts = [false; 256];
        for secret in &self.secrets {
            starts[usize::from(secret.as_bytes()[0])] = true;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        'scan: while let Some(next) = rest.chars().next() {
            if starts[usize::from(rest.as_bytes()[0])] {
                for secret in &self.secrets {
                    if rest.starts_with(secret.as_str()) {
                        out.push_str(MASK);
                        rest = &rest[secret.len()..];
                        continue 'scan;
                    }
                }
            }
            if next == CUT_MARK {
                self.mask_cut_secret(&mut out);
            }
            out.push(next);
            rest = &rest[next.len_utf8()..];
        }
        out
    }

    /// The first `max_bytes` of `text` (whole characters), secrets masked
    /// before the cut and a secret cut short at its end masked too; and
    /// whether anything was cut. `cut_already` says that `text` itself is
    /// the start of something longer (a body read up to a cap), so its end
    /// is a cut as well.
    pub fn excerpt(&self, text: &str, max_bytes: usize, cut_already: bool) -> (String, bool) {
        // Only what the excerpt can show is redacted: any secret that starts
        // before the cut ends inside this window.
        let longest = self.secrets.first().map_or(0, String::len);
        let mut window = max_bytes.saturating_add(longest).min(text.len());
        while !text.is_char_boundary(window) {
            window -= 1;
        }
        let shortened = window < text.len();
        let mut masked = self.text(&text[..window]);
        let mut cut = shortened;
        if masked.len() > max_bytes {
            let mut end = max_bytes;
            while !masked.is_char_boundary(end) {
                end -= 1;
            }
            masked.truncate(end);
            cut = true;
        }
        if cut || cut_already {
            self.mask_cut_secret(&mut masked);
        }
        (masked, cut)
    }

    /// Replaces the end of `text` with `***` when it is the start of a known
    /// secret ([`MIN_PARTIAL_SECRET_LEN`] bytes or more of it), the longest
    /// such start first.
    fn mask_cut_secret(&self, text: &mut String) {
        if text.ends_with(MASK) {
            return;
        }
        let longest = self
            .secrets
            .iter()
            .filter_map(|secret| {
                (MIN_PARTIAL_SECRET_LEN..secret.len())
                    .rev()
                    .filter(|&end| secret.is_char_boundary(end))
                    .find(|&end| text.ends_with(&secret[..end]))
            })
            .max();
        if let Some(length) = longest {
            text.truncate(text.len() - length);
            text.push_str(MASK);
        }
    }

    /// The value to show for header `name`: `***` for sensitive headers (the
    /// scheme of an `Authorization` value stays visible: `Bearer ***`), cookie
    /// values masked one by one, a URL value as [`Redactor::url`] masks it,
    /// else the value with known secrets masked.
    pub fn header_value(&self, name: &str, value: &str) -> String {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "cookie" => mask_cookie_values(value),
            "set-cookie" => self.mask_set_cookie(value),
            "authorization" | "proxy-authorization" => match value.split_once(' ') {
                Some((scheme, _))
                    if AUTH_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s)) =>
                {
                    format!("{scheme} {MASK}")
                }
                _ => MASK.to_string(),
            },
            _ if self.is_sensitive_header(&name) => MASK.to_string(),
            // `Location`, `Referer`, `Content-Location`: a redirect may carry
            // a token in its query string.
            _ if value.starts_with("http://") || value.starts_with("https://") => self.url(value),
            _ => self.text(value),
        }
    }

    /// `url` with userinfo password and sensitive query values masked.
    pub fn url(&self, url: &str) -> String {
        let (before_fragment, fragment) = match url.split_once('#') {
            Some((before, fragment)) => (before, Some(fragment)),
            None => (url, None),
        };
        let (before_query, query) = match before_fragment.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (before_fragment, None),
        };
        let mut out = mask_userinfo(before_query);
        if let Some(query) = query {
            out.push('?');
            out.push_str(&self.mask_query(query));
        }
        if let Some(fragment) = fragment {
            out.push('#');
            // OAuth's implicit flow puts `access_token=...` in the fragment.
            out.push_str(&self.mask_query(fragment));
        }
        self.text(&out)
    }

    /// Whether header `name` (any case) carries a credential: the one
    /// notion of it, for masking and for reading a 401 as a rejected
    /// credential (`check::carries_credentials`). A known one
    /// (`Authorization`, `Cookie`, `X-Api-Key`, ...), one the contract's
    /// apiKey schemes or `--secret-header` name, or one whose name says so
    /// (`key`, `token`, `secret`, `auth`, `session`, `signature`, `password`,
    /// `credential`; not `WWW-Authenticate`).
    pub fn is_credential_header(&self, name: &str) -> bool {
        self.is_sensitive_header(&name.trim().to_ascii_lowercase())
    }

    /// [`Redactor::is_credential_header`] for a lower-cased name.
    fn is_sensitive_header(&self, lower_name: &str) -> bool {
        SENSITIVE_HEADERS.contains(&lower_name)
            || self.api_key_headers.iter().any(|n| n == lower_name)
            || self.secret_headers.iter().any(|n| n == lower_name)
            || (SENSITIVE_HEADER_PARTS
                .iter()
                .any(|p| lower_name.contains(p))
                && !NON_SECRET_HEADERS.contains(&lower_name)
                // `x-amz-request-token`, `x-amz-content-sha256`: required
                // headers, not credentials (those are named in SENSITIVE_HEADERS).
                && !is_aws_header(lower_name))
    }

    fn is_sensitive_cookie(&self, lower_name: &str) -> bool {
        self.api_key_cookies.iter().any(|n| n == lower_name)
            || has_sensitive_part(lower_name)
            || SESSION_COOKIE_PARTS.iter().any(|p| lower_name.contains(p))
    }

    fn is_sensitive_query_name(&self, lower_name: &str) -> bool {
        SENSITIVE_QUERY_NAMES.contains(&lower_name)
            || self.api_key_query.iter().any(|n| n == lower_name)
            || has_sensitive_part(lower_name)
    }

    /// `user:pass` of a basic credential: its base64 (what goes on the wire)
    /// and the password alone.
    fn add_basic_credential(&mut self, user_pass: &str) {
        self.add_secret(&BASE64.encode(user_pass));
        if let Some((_, password)) = user_pass.split_once(':')
            && password.len() >= MIN_DERIVED_SECRET_LEN
        {
            self.add_secret(password);
        }
    }

    /// The credential after an auth scheme word (`Bearer abc` → `abc`), and
    /// for `Basic` the decoded `user:pass` and the password in it.
    fn add_authorization_parts(&mut self, value: &str) {
        let Some((scheme, credential)) = value.trim().split_once(' ') else {
            return;
        };
        let credential = credential.trim();
        if credential.len() >= MIN_DERIVED_SECRET_LEN {
            self.add_secret(credential);
        }
        if scheme.eq_ignore_ascii_case("basic")
            && let Ok(decoded) = BASE64.decode(credential)
            && let Ok(user_pass) = String::from_utf8(decoded)
        {
            self.add_secret(&user_pass);
            self.add_basic_credential(&user_pass);
        }
    }

    fn add_cookie_secrets(&mut self, cookie_header: &str) {
        for pair in cookie_header.split(';') {
            if let Some((name, value)) = pair.split_once('=') {
                let value = value.trim();
                if self.is_sensitive_cookie(&name.trim().to_ascii_lowercase())
                    && value.len() >= MIN_DERIVED_SECRET_LEN
                {
                    self.add_secret(value);
                }
            }
        }
    }

    /// The password in a URL's userinfo (raw and decoded), the basic
    /// credential a client derives from it, and values of sensitive query
    /// parameters.
    fn add_url_secrets(&mut self, url: &str) {
        if let Some((user, password)) = userinfo(url).and_then(|u| u.split_once(':'))
            && !password.is_empty()
        {
            let user = percent_decode_str(user).decode_utf8_lossy().into_owned();
            let decoded = percent_decode_str(password)
                .decode_utf8_lossy()
                .into_owned();
            self.add_secret(password);
            self.add_secret(&decoded);
            self.add_secret(&BASE64.encode(format!("{user}:{decoded}")));
        }
        let query = url.split('#').next().and_then(|u| u.split_once('?'));
        if let Some((_, query)) = query {
            for pair in query.split('&') {
                if let Some((name, value)) = pair.split_once('=')
                    && self.is_sensitive_query_name(&decode_form(name).to_ascii_lowercase())
                    && !value.is_empty()
                {
                    self.add_secret(value);
                    self.add_secret(&decode_form(value));
                }
            }
        }
    }

    /// `name=value&...` with the values of sensitive names masked; anything
    /// else is kept byte for byte.
    fn mask_query(&self, query: &str) -> String {
        query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value))
                    if !value.is_empty()
                        && self
                            .is_sensitive_query_name(&decode_form(name).to_ascii_lowercase()) =>
                {
                    format!("{name}={MASK}")
                }
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// `sid=abc; Path=/; HttpOnly` → `sid=***; Path=/; HttpOnly`.
    fn mask_set_cookie(&self, value: &str) -> String {
        match value.split_once(';') {
            Some((cookie, attributes)) => {
                format!("{};{}", mask_cookie_values(cookie), self.text(attributes))
            }
            None => mask_cookie_values(value),
        }
    }
}

fn has_sensitive_part(lower_name: &str) -> bool {
    SENSITIVE_NAME_PARTS.iter().any(|p| lower_name.contains(p))
}

/// `a=1; b=2` → `a=***; b=***`: names stay visible, every value is masked,
/// since any cookie may be the session.
fn mask_cookie_values(value: &str) -> String {
    value
        .split(';')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => format!("{name}={MASK}"),
            None if pair.trim().is_empty() => pair.to_string(),
            None => {
                let indent = &pair[..pair.len() - pair.trim_start().len()];
                format!("{indent}{MASK}")
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The userinfo of `scheme://userinfo@host/...`, if the URL has one.
fn userinfo(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty() || scheme.contains(['/', '?', '#']) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map(|(userinfo, _)| userinfo)
}

/// `scheme://user:pass@host/path` → `scheme://***:***@host/path`; `url` must
/// not contain the query or fragment.
fn mask_userinfo(url: &str) -> String {
    let Some(info) = userinfo(url) else {
        return url.to_string();
    };
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let start = scheme_end + 3;
    let end = start + info.len();
    let masked = match info.split_once(':') {
        Some((_, "")) => format!("{MASK}:"),
        Some(_) => format!("{MASK}:{MASK}"),
        None if info.is_empty() => String::new(),
        None => MASK.to_string(),
    };
    format!("{}{masked}{}", &url[..start], &url[end..])
}

fn decode_form(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn lowercase_percent_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_digits_left = 0;
    for c in encoded.chars() {
        if hex_digits_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_digits_left -= 1;
        } else {
            if c == '%' {
                hex_digits_left = 2;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Contract, ParamLocation, SecurityScheme};
    use crate::plan::{Credential, PlanOptions};

    /// The redactor a run with `options` on `contract` (if any) gets.
    fn for_run(contract: Option<&Contract>, options: &PlanOptions, urls: &[&str]) -> Redactor {
        for_run_with_secret_headers(contract, options, urls, &[])
    }

    fn for_run_with_secret_headers(
        contract: Option<&Contract>,
        options: &PlanOptions,
        urls: &[&str],
        secret_headers: &[String],
    ) -> Redactor {
        crate::plan::auth::redactor(contract, options, urls, secret_headers)
    }

    /// A contract that declares one security scheme, `name`.
    fn contract_with_scheme(name: &str, scheme: SecurityScheme) -> Contract {
        crate::contract::testing::contract(vec![]).with_security_scheme(name, scheme)
    }

    fn basic() -> SecurityScheme {
        SecurityScheme::Http {
            scheme: "basic".into(),
        }
    }

    fn api_key(name: &str, location: ParamLocation) -> SecurityScheme {
        SecurityScheme::ApiKey {
            name: name.into(),
            location,
        }
    }

    fn options(credentials: &[(&str, &str)], headers: &[(&str, &str)]) -> PlanOptions {
        PlanOptions {
            credentials: credentials
                .iter()
                .map(|(scheme, value)| Credential {
                    scheme: scheme.to_string(),
                    value: value.to_string(),
                })
                .collect(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..PlanOptions::default()
        }
    }

    #[test]
    fn credential_is_masked_in_text_header_and_url() {
        let r = for_run(None, &options(&[("bearerAuth", "tok-3141592")], &[]), &[]);
        assert_eq!(
            r.text("sent tok-3141592 twice: tok-3141592"),
            "sent *** twice: ***"
        );
        assert_eq!(r.header_value("X-Trace", "id tok-3141592"), "id ***");
        assert_eq!(
            r.url("http://h/p/tok-3141592?q=tok-3141592"),
            "http://h/p/***?q=***"
        );
    }

    #[test]
    fn percent_encoded_credential_is_masked_in_urls() {
        let r = for_run(None, &options(&[("k", "a b/c+d&é")], &[]), &[]);
        for encoded in [
            "a%20b%2Fc%2Bd%26%C3%A9",
            "a+b%2Fc%2Bd%26%C3%A9",
            "a%20b%2fc%2bd%26%c3%a9",
        ] {
            assert_eq!(
                r.url(&format!("http://h/x?q={encoded}&n=1")),
                "http://h/x?q=***&n=1"
            );
        }
    }

    #[test]
    fn json_escaped_credential_is_masked_in_bodies() {
        let r = for_run(None, &options(&[("k", r#"pa"ss\word"#)], &[]), &[]);
        assert_eq!(
            r.text(r#"{"password":"pa\"ss\\word"}"#),
            r#"{"password":"***"}"#
        );
    }

    #[test]
    fn basic_credential_masks_its_base64_and_password() {
        let contract = contract_with_scheme("basicAuth", basic());
        let r = for_run(
            Some(&contract),
            &options(&[("basicAuth", "ci-bot:s3cr3t-pw")], &[]),
            &[],
        );
        let base64 = BASE64.encode("ci-bot:s3cr3t-pw");
        assert_eq!(r.text(&format!("Basic {base64}")), "Basic ***");
        assert_eq!(r.text("password was s3cr3t-pw"), "password was ***");
        assert_eq!(r.text("user ci-bot:s3cr3t-pw"), "user ***");
        assert_eq!(r.text("ci-bot logged in"), "ci-bot logged in");
    }

    #[test]
    fn pre_encoded_basic_credential_masks_the_decoded_password() {
        let r = for_run(
            None,
            &options(&[("basic", &BASE64.encode("ci-bot:s3cr3t-pw"))], &[]),
            &[],
        );
        assert_eq!(r.text("echo s3cr3t-pw"), "echo ***");
    }

    #[test]
    fn short_basic_password_is_not_masked_alone() {
        let contract = contract_with_scheme("basicAuth", basic());
        let r = for_run(
            Some(&contract),
            &options(&[("basicAuth", "u:abc")], &[]),
            &[],
        );
        assert_eq!(r.text("abc and u:abc"), "abc and ***");
    }

    #[test]
    fn longer_secret_containing_another_is_masked_whole() {
        let mut r = Redactor::default();
        r.add_secret("abcd");
        r.add_secret("xxabcdyy");
        assert_eq!(r.text("xxabcdyy abcd"), "*** ***");
        assert_eq!(r.text("xxabcd"), "xx***");
    }

    #[test]
    fn empty_secret_masks_nothing() {
        let mut r = Redactor::default();
        r.add_secret("");
        assert_eq!(r.text("plain text"), "plain text");
    }

    #[test]
    fn sensitive_header_values_from_options_are_masked_everywhere() {
        let r = for_run(
            None,
            &options(
                &[],
                &[
                    ("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"),
                    ("X-Auth-Token", "tkn-9876"),
                    ("X-Client-Secret", "cs-5555"),
                    ("X-Request-Id", "req-1234"),
                ],
            ),
            &[],
        );
        assert_eq!(
            r.text("echo eyJhbGciOiJIUzI1NiJ9.e30.sig tkn-9876 cs-5555 req-1234"),
            "echo *** *** *** req-1234"
        );
        assert_eq!(
            r.header_value("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"),
            "Bearer ***"
        );
        assert_eq!(r.header_value("X-Auth-Token", "tkn-9876"), "***");
        assert_eq!(r.header_value("X-Request-Id", "req-1234"), "req-1234");
    }

    #[test]
    fn url_in_a_header_has_its_sensitive_query_masked() {
        let r = Redactor::default();
        assert_eq!(
            r.header_value(
                "Location",
                "https://login.example.com/cb?code=1&access_token=t0k"
            ),
            "https://login.example.com/cb?code=1&access_token=***"
        );
    }

    #[test]
    fn authorization_without_known_scheme_is_masked_whole() {
        let r = Redactor::default();
        assert_eq!(r.header_value("Authorization", "my secret words"), "***");
        assert_eq!(r.header_value("Proxy-Authorization", "opaque"), "***");
        assert_eq!(r.header_value("Authorization", "Basic dTpw"), "Basic ***");
    }

    #[test]
    fn basic_authorization_header_masks_decoded_password() {
        let header = format!("Basic {}", BASE64.encode("deploy:hunter22"));
        let r = for_run(None, &options(&[], &[("Authorization", &header)]), &[]);
        assert_eq!(
            r.text("login deploy:hunter22 / hunter22"),
            "login *** / ***"
        );
    }

    #[test]
    fn api_key_header_declared_by_contract_is_sensitive() {
        let contract =
            contract_with_scheme("tenant", api_key("X-Tenant-Key", ParamLocation::Header));
        let r = for_run(
            Some(&contract),
            &options(&[], &[("X-Tenant-Key", "tenant-777")]),
            &[],
        );
        assert_eq!(r.header_value("x-tenant-key", "anything"), "***");
        assert_eq!(r.text("key tenant-777"), "key ***");
        assert_eq!(
            r.header_value("Accept", "application/json"),
            "application/json"
        );
    }

    #[test]
    fn cookie_values_are_masked_but_names_stay() {
        let r = Redactor::default();
        assert_eq!(
            r.header_value("Cookie", "session=abc123; theme=dark"),
            "session=***; theme=***"
        );
        assert_eq!(
            r.header_value("Set-Cookie", "sid=abc123; Path=/; HttpOnly"),
            "sid=***; Path=/; HttpOnly"
        );
    }

    #[test]
    fn sensitive_cookie_value_from_options_is_masked_in_text() {
        let contract = contract_with_scheme("cookieKey", api_key("pref", ParamLocation::Cookie));
        let r = for_run(
            Some(&contract),
            &options(&[], &[("Cookie", "pref=cookie-key-1; theme=dark")]),
            &[],
        );
        assert_eq!(
            r.text("value cookie-key-1, theme dark"),
            "value ***, theme dark"
        );
    }

    #[test]
    fn url_password_and_user_are_masked() {
        let target = "https://ci:p%40ss-w0rd@api.example.com/v1";
        let r = for_run(None, &options(&[], &[]), &[target]);
        assert_eq!(r.url(target), "https://***:***@api.example.com/v1");
        assert_eq!(
            r.url("http://someone:else@h:8080/x?y=1"),
            "http://***:***@h:8080/x?y=1"
        );
        assert_eq!(
            r.text("refused p@ss-w0rd and p%40ss-w0rd"),
            "refused *** and ***"
        );
        let basic = BASE64.encode("ci:p@ss-w0rd");
        assert_eq!(
            r.text(&format!("authorization: Basic {basic}")),
            "authorization: Basic ***"
        );
    }

    #[test]
    fn sensitive_query_values_are_masked() {
        let r = Redactor::default();
        assert_eq!(
            r.url("https://h/p?api_key=k1&limit=5&access_token=t&sig=s&X-Amz-Signature=abc&key=&page=2"),
            "https://h/p?api_key=***&limit=5&access_token=***&sig=***&X-Amz-Signature=***&key=&page=2"
        );
        assert_eq!(
            r.url("https://h/cb#access_token=t0k&state=1"),
            "https://h/cb#access_token=***&state=1"
        );
    }

    #[test]
    fn api_key_query_name_declared_by_contract_is_masked() {
        let contract = contract_with_scheme("q", api_key("appid", ParamLocation::Query));
        let target = "http://h/?appid=abcd-1234";
        let r = for_run(Some(&contract), &options(&[], &[]), &[target]);
        assert_eq!(
            r.url("http://h/pets?appid=zzz&limit=1"),
            "http://h/pets?appid=***&limit=1"
        );
        assert_eq!(r.text("echoed abcd-1234"), "echoed ***");
    }

    #[test]
    fn normal_content_is_not_masked() {
        let r = for_run(
            None,
            &options(
                &[("bearerAuth", "tok-3141592")],
                &[("Accept", "text/plain")],
            ),
            &["https://api.example.com/v1?limit=10"],
        );
        let text = "GET /pets?limit=10 → 200 {\"name\":\"Rex\",\"token_count\":3}";
        assert_eq!(r.text(text), text);
        assert_eq!(
            r.header_value("Content-Type", "application/json"),
            "application/json"
        );
        assert_eq!(
            r.url("https://api.example.com/v1/pets?limit=10&monkey=1#top"),
            "https://api.example.com/v1/pets?limit=10&monkey=1#top"
        );
        assert_eq!(r.url("not a url at all"), "not a url at all");
        assert_eq!(r.url("mailto:a@b"), "mailto:a@b");
    }

    #[test]
    fn debug_output_does_not_show_secrets() {
        let r = for_run(None, &options(&[("k", "tok-3141592")], &[]), &[]);
        assert!(!format!("{r:?}").contains("tok-3141592"));
    }

    #[test]
    fn headers_named_like_credential_carriers_are_masked() {
        let headers = [
            ("Ocp-Apim-Subscription-Key", "apim-5f1c0ffee"),
            ("X-Functions-Key", "fnkey-777abc"),
            ("X-Auth", "xauth-31337"),
            ("X-Access-Key", "access-4242"),
            ("X-Signature", "sig-0badf00d"),
            ("X-Session-Id", "sess-99aa88"),
        ];
        let r = for_run(None, &options(&[], &headers), &[]);
        for (name, value) in headers {
            assert_eq!(r.header_value(name, value), MASK, "{name}");
            assert_eq!(r.text(&format!("echo {value}")), "echo ***", "{name}");
        }
        assert_eq!(
            r.header_value("WWW-Authenticate", "Bearer realm=\"api\""),
            "Bearer realm=\"api\"",
            "a challenge is evidence, not a credential"
        );
        assert_eq!(r.header_value("X-Request-Id", "req-1234"), "req-1234");
        assert_eq!(
            r.url("https://h/p?monkey=1"),
            "https://h/p?monkey=1",
            "query names keep the narrower rule"
        );
    }

    #[test]
    fn credential_headers_are_one_notion_whatever_the_case() {
        let contract = contract_with_scheme("tenant", api_key("X-Tenant", ParamLocation::Header));
        let r = for_run_with_secret_headers(
            Some(&contract),
            &options(&[], &[]),
            &[],
            &[" X-Build-Pass ".to_string()],
        );
        for credential in [
            "Authorization",
            "cookie",
            "Ocp-Apim-Subscription-Key",
            "X-Functions-Key",
            "x-session-id",
            "X-TENANT",
            "x-build-pass",
        ] {
            assert!(r.is_credential_header(credential), "{credential}");
        }
        for other in ["X-Env", "Accept", "WWW-Authenticate", "X-Tenants-Region"] {
            assert!(!r.is_credential_header(other), "{other}");
        }
    }

    #[test]
    fn secret_header_names_mark_any_header_as_a_credential() {
        let r = for_run_with_secret_headers(
            None,
            &options(&[], &[("X-Tenant", "tenant-credential-1")]),
            &[],
            &["x-tenant".to_string()],
        );
        assert_eq!(r.header_value("X-Tenant", "tenant-credential-1"), MASK);
        assert_eq!(r.text("tenant-credential-1 echoed"), "*** echoed");
    }

    #[test]
    fn contract_url_userinfo_and_query_values_are_secrets() {
        let mut r = Redactor::default();
        r.add_contract_url("http://u:PW-spec-9@h/spec.yaml?token=TOK-77&code=fnc0de-long&v=2");
        assert_eq!(
            r.text("warning: http://u:PW-spec-9@h/spec.yaml?token=TOK-77&code=fnc0de-long&v=2:9:3"),
            "warning: http://***@h/spec.yaml?token=***&code=***&v=2:9:3"
        );
        assert_eq!(r.text("PW-spec-9 TOK-77 fnc0de-long"), "*** *** ***");
        let mut files = Redactor::default();
        files.add_contract_url("specs/a=b/spec.yaml");
        assert_eq!(files.text("specs/a=b/spec.yaml"), "specs/a=b/spec.yaml");
    }

    #[test]
    fn a_secret_cut_short_by_an_excerpt_is_masked() {
        let mut r = Redactor::default();
        r.add_secret("tok-3141592");
        assert_eq!(
            r.text("answered 500: echo tok-314159…"),
            "answered 500: echo ***…"
        );
        assert_eq!(
            r.text("ends with to…"),
            "ends with to…",
            "too short to tell"
        );
        let body = format!("{}tok-3141592 and more", "x".repeat(10));
        assert_eq!(
            r.excerpt(&body, 16, false),
            ("xxxxxxxxxx*** an".into(), true),
            "redacted before the cut"
        );
        assert_eq!(
            r.excerpt("abc tok-31", 100, true),
            ("abc ***".into(), false)
        );
        assert_eq!(
            r.excerpt("abc tok-31", 100, false),
            ("abc tok-31".into(), false)
        );
    }

    #[test]
    fn aws_headers_are_masked_only_when_they_are_credentials() {
        let r = Redactor::default();
        assert_eq!(r.header_value("X-Amz-Security-Token", "FwoGZXIvYXdz"), MASK);
        assert_eq!(
            r.header_value("x-amz-server-side-encryption-customer-key", "a2V5"),
            MASK
        );
        assert_eq!(
            r.header_value("x-amz-request-token", "rollcall"),
            "rollcall"
        );
        assert_eq!(r.header_value("x-amz-request-route", "io-1"), "io-1");
        assert_eq!(
            r.header_value(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abc"
            ),
            "AWS4-HMAC-SHA256 ***"
        );
        // Other headers named like a token still are.
        assert_eq!(r.header_value("X-Request-Token", "t0k"), MASK);
    }
}
