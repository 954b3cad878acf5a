//! AWS Signature Version 4: every request signed as it is sent (each
//! attempt anew, since the signature covers the time), with the `aws-sigv4`
//! crate. The interface is curl's: `--aws-sigv4 aws:amz:REGION:SERVICE`, the
//! key pair from `--user KEY:SECRET` or `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`, sent as
//! `X-Amz-Security-Token`).
//!
//! ```text
//! PUT /rcb?tagging            --aws-sigv4 aws:amz:us-east-1:s3 --user AKIDEXAMPLE:wJalr...
//! + x-amz-date: 20261206T101500Z
//! + x-amz-content-sha256: 9f86d0...          (service s3: the payload's SHA-256)
//! + authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/s3/aws4_request,
//!                  SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date,
//!                  Signature=5fa0...
//! ```
//!
//! For S3 (service `s3`) the path is signed as sent (S3 does not normalize
//! or re-encode it) and the payload hash is sent in `x-amz-content-sha256`,
//! as S3 requires; other services get SigV4's defaults. The secret key is
//! never part of a request, a report or a message; reports show the
//! `authorization` header as `AWS4-HMAC-SHA256 ***`.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;

/// `aws:amz:REGION:SERVICE`, as curl's `--aws-sigv4` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub region: String,
    pub service: String,
}

/// Why an `--aws-sigv4` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error(
        "'{0}' is not aws:amz:REGION:SERVICE (e.g. aws:amz:us-east-1:s3, the form curl's --aws-sigv4 takes)"
    )]
    Form(String),
    #[error(
        "'{0}': only the aws:amz provider (AWS4-HMAC-SHA256 with x-amz-* headers) is supported"
    )]
    Provider(String),
}

impl FromStr for Provider {
    type Err = ProviderError;

    fn from_str(text: &str) -> Result<Provider, ProviderError> {
        let parts: Vec<&str> = text.trim().split(':').collect();
        let [first, second, region, service] = parts.as_slice() else {
            return Err(ProviderError::Form(text.to_string()));
        };
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        };
        if !valid(region) || !valid(service) {
            return Err(ProviderError::Form(text.to_string()));
        }
        if !first.eq_ignore_ascii_case("aws") || !second.eq_ignore_ascii_case("amz") {
            return Err(ProviderError::Provider(text.to_string()));
        }
        Ok(Provider {
            region: region.to_string(),
            service: service.to_string(),
        })
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aws:amz:{}:{}", self.region, self.service)
    }
}

/// A signer: the provider and the key pair.
#[derive(Clone)]
pub struct SigV4 {
    pub provider: Provider,
    pub access_key: String,
    secret_key: String,
    session_token: Option<String>,
}

/// Never shows the secret key or the session token.
impl fmt::Debug for SigV4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4")
            .field("provider", &self.provider.to_string())
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .field("session_token", &self.session_token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl SigV4 {
    pub fn new(
        provider: Provider,
        access_key: String,
        secret_key: String,
        session_token: Option<String>,
    ) -> SigV4 {
        SigV4 {
            provider,
            access_key,
            secret_key,
            session_token: session_token.filter(|token| !token.is_empty()),
        }
    }

    /// The secrets to mask wherever they might appear.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.secret_key.as_str()).chain(self.session_token.as_deref())
    }

    /// The headers that sign a request for `url` with `headers` (as they go
    /// on the wire, `host` aside: the URL gives it) and `body`, at `time`:
    /// `x-amz-date`, for S3 `x-amz-content-sha256`, `x-amz-security-token`
    /// with a session token, and `authorization`. An error never holds a
    /// secret.
    pub fn sign(
        &self,
        method: &str,
        url: &url::Url,
        headers: &[(String, String)],
        body: &[u8],
        time: SystemTime,
    ) -> Result<Vec<(String, String)>, String> {
        let credentials = aws_credential_types::Credentials::new(
            &self.access_key,
            &self.secret_key,
            self.session_token.clone(),
            None,
            "rollcall",
        );
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        if self.provider.service.eq_ignore_ascii_case("s3") {
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.provider.region)
            .name(&self.provider.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into();
        let request = SignableRequest::new(
            method,
            url.as_str(),
            headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
            SignableBody::Bytes(body),
        )
        .map_err(|e| format!("cannot sign the request: {e}"))?;
        let (instructions, _signature) = sign(request, &params)
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into_parts();
        let (signed, _params) = instructions.into_parts();
        Ok(signed
            .into_iter()
            .map(|header| (header.name().to_string(), header.value().to_string()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::assert_starts_with;

    /// A signer for S3 in us-east-1 with AWS's example key pair.
    fn example_signer(session_token: Option<&str>) -> SigV4 {
        SigV4::new(
            "aws:amz:us-east-1:s3".parse().unwrap(),
            "AKIDEXAMPLE".into(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token.map(Into::into),
        )
    }

    #[test]
    fn provider_takes_curls_form() {
        let provider: Provider = "aws:amz:us-east-1:s3".parse().unwrap();
        assert_eq!(provider.region, "us-east-1");
        assert_eq!(provider.service, "s3");
        assert_eq!(provider.to_string(), "aws:amz:us-east-1:s3");
        for bad in [
            "aws:amz",
            "aws:amz:us-east-1",
            "aws:amz::s3",
            "a:b:c:d:e",
            "",
        ] {
            assert!(
                matches!(bad.parse::<Provider>(), Err(ProviderError::Form(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            "osc:osc:eu-west-2:fcu".parse::<Provider>(),
            Err(ProviderError::Provider(_))
        ));
    }

    #[test]
    fn debug_never_shows_the_secret_or_the_token() {
        let signer = example_signer(Some("session-token-value"));
        let shown = format!("{signer:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(
            !shown.contains("wJalr") && !shown.contains("session-token"),
            "{shown}"
        );
    }

    #[test]
    fn s3_requests_carry_the_payload_hash_and_a_signature_over_the_sent_path() {
        let signer = example_signer(None);
        let url = url::Url::parse("http://127.0.0.1:9000/rcb/a%20b?tagging").unwrap();
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        let headers = signer
            .sign(
                "PUT",
                &url,
                &[("content-length".into(), "0".into())],
                b"",
                time,
            )
            .unwrap();
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("x-amz-date"), Some("20150830T123600Z"));
        // SHA-256 of the empty payload.
        assert_eq!(
            value("x-amz-content-sha256"),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        let authorization = value("authorization").unwrap();
        assert_starts_with(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date, Signature=",
        );
        assert!(!authorization.contains("wJalr"));
        assert_eq!(value("x-amz-security-token"), None);
    }
}
