//! The curl reproduction of a probe, the one place it is written; every
//! report shows requests through [`command`]. The record is already redacted,
//! so masked values show as `***`.
//!
//! ```text
//! curl -sS -X POST 'http://127.0.0.1:8080/api/pets' -H 'content-type: application/json' --data-raw '{"name":"Rex"}'
//! ```

use crate::contract::Method;
use crate::report::RequestRecord;

/// A copy-pasteable, single-line curl command for `request`: every argument
/// single-quoted for POSIX shells, headers in the record's order.
pub fn command(request: &RequestRecord) -> String {
    let mut out = String::from("curl -sS");
    if request.method == Method::Head {
        // `-X HEAD` makes curl wait for a body that never comes.
        out.push_str(" --head");
    } else {
        out.push_str(" -X ");
        out.push_str(request.method.as_str());
    }
    out.push(' ');
    out.push_str(&quote(&request.url));
    for (name, value) in &request.headers {
        out.push_str(" -H ");
        out.push_str(&quote(&format!("{name}: {value}")));
    }
    if let Some(body) = &request.body {
        out.push_str(" --data-raw ");
        out.push_str(&quote(body));
    }
    out
}

/// `it's` → `'it'\''s'`: inside single quotes a shell interprets nothing, and
/// a quote is closed, escaped, and reopened.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn record(method: Method, headers: &[(&str, &str)], body: Option<&str>) -> RequestRecord {
        RequestRecord {
            method,
            url: "http://127.0.0.1:8080/api/pets?q=a b".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            body: body.map(str::to_string),
        }
    }

    #[test]
    fn command_quotes_url_headers_and_body() {
        let request = record(
            Method::Post,
            &[
                ("content-type", "application/json"),
                ("authorization", "Bearer ***"),
            ],
            Some(r#"{"name":"Rex"}"#),
        );
        assert_eq!(
            command(&request),
            "curl -sS -X POST 'http://127.0.0.1:8080/api/pets?q=a b' \
             -H 'authorization: Bearer ***' -H 'content-type: application/json' \
             --data-raw '{\"name\":\"Rex\"}'"
        );
    }

    #[test]
    fn single_quotes_in_values_survive_the_shell() {
        let request = record(Method::Put, &[("x-note", "it's")], Some("'; rm -rf /"));
        assert_eq!(
            command(&request),
            r#"curl -sS -X PUT 'http://127.0.0.1:8080/api/pets?q=a b' -H 'x-note: it'\''s' --data-raw ''\''; rm -rf /'"#
        );
    }

    #[test]
    fn head_request_uses_head_flag() {
        let request = record(Method::Head, &[], None);
        assert_eq!(
            command(&request),
            "curl -sS --head 'http://127.0.0.1:8080/api/pets?q=a b'"
        );
    }
}
