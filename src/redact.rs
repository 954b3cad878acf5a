//! Redaction, the one place secrets are masked: credentials given with
//! `--auth`, values of sensitive headers (`Authorization`, `Cookie`, any
//! header a security scheme names), API keys in query strings and cookies,
//! and passwords in URLs all become `***` before anything is printed,
//! written to a report, or put into an error message.

use crate::contract::Contract;
use crate::plan::PlanOptions;

pub const MASK: &str = "***";

/// Masks known secrets in text, headers and URLs.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for one run: every credential value (and its encoded forms,
    /// e.g. the base64 of a basic credential), every value of a sensitive
    /// header in `options.headers`, the names of API-key parameters the
    /// contract's security schemes declare, and passwords in `urls`.
    pub fn for_run(contract: Option<&Contract>, options: &PlanOptions, urls: &[&str]) -> Redactor {
        let _ = (contract, options, urls);
        todo!("redactor")
    }

    /// Registers one more secret value.
    pub fn add_secret(&mut self, secret: &str) {
        let _ = secret;
        todo!("add secret")
    }

    /// `text` with every known secret replaced by `***`.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), MASK);
        }
        out
    }

    /// The value to show for header `name`: `***` for sensitive headers,
    /// else the value with known secrets masked.
    pub fn header_value(&self, name: &str, value: &str) -> String {
        let _ = (name, value);
        todo!("header value")
    }

    /// `url` with userinfo password and sensitive query values masked.
    pub fn url(&self, url: &str) -> String {
        let _ = url;
        todo!("url")
    }
}
