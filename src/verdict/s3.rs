//! S3's answers: the error documents S3 and the stores that speak its
//! protocol (MinIO, Ceph RGW, Garage, SeaweedFS, R2) send, read for the
//! error code that says who answered.
//!
//! ```text
//! <Error><Code>NotImplemented</Code>...</Error>        501  the store lacks the operation   not_implemented
//! <Error><Code>NoSuchBucket</Code>...</Error>          404  the store looked the bucket up  implemented (route)
//! <Error><Code>NoSuchTagSet</Code>...</Error>          404  the handler found no tag set    implemented (handler)
//! ```
//!
//! On an object store every path names a bucket or a key, so a "route
//! that cannot exist" is only a bucket that does not: its answer is the
//! store's own NoSuchBucket, and comparing with it says nothing. The error
//! code does.

use quick_xml::events::Event;

/// The `<Code>` of an S3 error document (`<Error><Code>NoSuchKey</Code>…`),
/// if `body` is one.
pub fn error_code(body: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut depth = 0usize;
    let mut in_code = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = start.name();
                match depth {
                    0 if name.as_ref() != "Error" => return None,
                    1 => in_code = name.as_ref() == "Code",
                    _ => {}
                }
                depth += 1;
            }
            Event::Text(text) if in_code && depth == 2 => {
                let code = text.into_inner().trim().to_string();
                let plain = !code.is_empty()
                    && code.len() <= 128
                    && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
                return plain.then_some(code);
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_code = false;
                if depth == 0 {
                    return None;
                }
            }
            Event::Empty(_) if depth == 0 => return None,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// What an S3 error code says about the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// `NotImplemented`: the store does not implement the operation.
    NotImplemented,
    /// The bucket or the key itself is missing (or its name is one no
    /// bucket can have): the store parsed the request and looked the
    /// resource up, which a store does before handing it to the
    /// operation's handler.
    ResourceMissing,
    /// A part of an existing bucket or object the operation's own handler
    /// reads is missing (a tag set, a lifecycle, a multipart upload): that
    /// handler answered.
    SubresourceMissing,
    /// Any other code (a validation, credentials, a conflict).
    Other,
}

/// Codes about the addressed bucket or object itself.
const RESOURCE_CODES: &[&str] = &[
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchVersion",
    "InvalidBucketName",
];

pub fn meaning(code: &str) -> Meaning {
    if code == "NotImplemented" {
        Meaning::NotImplemented
    } else if RESOURCE_CODES.contains(&code) {
        Meaning::ResourceMissing
    } else if code.starts_with("NoSuch") || code.ends_with("NotFoundError") {
        // NoSuchTagSet, NoSuchLifecycleConfiguration, NoSuchUpload,
        // NoSuchCORSConfiguration, NoSuchBucketPolicy,
        // ServerSideEncryptionConfigurationNotFoundError, ...
        Meaning::SubresourceMissing
    } else {
        Meaning::Other
    }
}

/// S3's codes for credentials it refuses (a 401 or 403 with any other code
/// is about the request itself).
const CREDENTIALS_CODES: &[&str] = &[
    "AccessDenied",
    "AllAccessDisabled",
    "AccountProblem",
    "AuthorizationHeaderMalformed",
    "AuthorizationQueryParametersError",
    "CredentialsNotSupported",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "InvalidSecurity",
    "InvalidToken",
    "MissingSecurityHeader",
    "NotSignedUp",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
    "TokenRefreshRequired",
];

/// Whether `code` is about credentials (a signature, a key, a token, a policy).
pub fn is_credentials_code(code: &str) -> bool {
    CREDENTIALS_CODES.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_of_an_s3_error_document_is_read() {
        let minio = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message><BucketName>rcb</BucketName><Resource>/rcb</Resource><RequestId>17A5B2C3D4E5F6A7</RequestId><HostId>dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8</HostId></Error>"#;
        assert_eq!(error_code(minio).as_deref(), Some("NotImplemented"));
        let moto = br#"<?xml version="1.0" encoding="utf-8"?>
<Error><Message>The specified bucket does not exist</Message><Code>NoSuchBucket</Code></Error>"#;
        assert_eq!(error_code(moto).as_deref(), Some("NoSuchBucket"));
    }

    #[test]
    fn other_documents_have_no_s3_code() {
        for body in [
            &b""[..],
            b"not xml at all",
            br#"{"Code":"NoSuchBucket"}"#,
            b"<Result><Code>NoSuchBucket</Code></Result>",
            b"<Error><Detail><Code>NoSuchBucket</Code></Detail></Error>",
            b"<Error><Code></Code></Error>",
            b"<Error><Code>No Such <b>Bucket</b></Code></Error>",
            b"<Error/>",
        ] {
            assert_eq!(error_code(body), None, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn codes_say_who_answered() {
        let meanings: [(Meaning, &[&str]); 4] = [
            (Meaning::NotImplemented, &["NotImplemented"]),
            (Meaning::ResourceMissing, &["NoSuchBucket", "NoSuchKey"]),
            (
                Meaning::SubresourceMissing,
                &[
                    "NoSuchTagSet",
                    "NoSuchUpload",
                    "ServerSideEncryptionConfigurationNotFoundError",
                ],
            ),
            (Meaning::Other, &["MalformedXML", "AccessDenied"]),
        ];
        for (expected, codes) in meanings {
            for code in codes {
                assert_eq!(meaning(code), expected, "{code}");
            }
        }
    }
}
