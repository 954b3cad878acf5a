//! Media types: which kind of body a declared media type asks for, and so
//! which one rollcall can produce for it.
//!
//! ```text
//! application/problem+json; charset=utf-8   Json
//! */*                                       AnyAsJson
//! multipart/form-data                       Multipart
//! image/png                                 Binary
//! application/vnd.ms-excel                  Unsupported
//! ```

/// The kinds of body rollcall can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Json,
    /// `*/*` or `application/*`: anything goes, so JSON is sent.
    AnyAsJson,
    Form,
    Multipart,
    Xml,
    /// Opaque bytes: `application/octet-stream`, images, audio, video, PDF, ZIP.
    Binary,
    Text,
    Unsupported,
}

/// The media type without parameters, lower-cased: `application/json`.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub fn media_kind(media_type: &str) -> MediaKind {
    let essence = essence(media_type);
    let subtype = essence.split_once('/').map_or("", |(_, sub)| sub);
    match essence.as_str() {
        "*/*" | "application/*" => MediaKind::AnyAsJson,
        "application/x-www-form-urlencoded" => MediaKind::Form,
        "multipart/form-data" => MediaKind::Multipart,
        "text/plain" => MediaKind::Text,
        "application/octet-stream" | "application/pdf" | "application/zip" => MediaKind::Binary,
        _ if subtype == "json" || subtype.ends_with("+json") => MediaKind::Json,
        _ if subtype == "xml" || subtype.ends_with("+xml") => MediaKind::Xml,
        _ if ["image/", "audio/", "video/"]
            .iter()
            .any(|top| essence.starts_with(top)) =>
        {
            MediaKind::Binary
        }
        _ => MediaKind::Unsupported,
    }
}

/// `application/json`, `text/json`, `application/problem+json`, ...
pub fn is_json_media_type(media_type: &str) -> bool {
    media_kind(media_type) == MediaKind::Json
}
