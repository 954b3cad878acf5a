//! JSON pointers (RFC 6901) as this module writes and reads them: `/paths/~1pets~1{petId}/get`
//! names the `get` key under the `/pets/{petId}` key under `paths`; `~1` stands for `/` and
//! `~0` for `~` inside one segment.

use std::borrow::Cow;

/// One segment, escaped for use in a pointer.
pub(crate) fn escape(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// `parent` extended by one (unescaped) key or index.
pub(crate) fn child(parent: &str, segment: &str) -> String {
    let segment = escape(segment);
    let mut pointer = String::with_capacity(parent.len() + 1 + segment.len());
    pointer.push_str(parent);
    pointer.push('/');
    pointer.push_str(&segment);
    pointer
}

/// `parent` extended by an array index.
pub(crate) fn index(parent: &str, index: usize) -> String {
    format!("{parent}/{index}")
}

/// The unescaped segments of a pointer; `""` (the whole document) has none.
pub(crate) fn segments(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    pointer
        .strip_prefix('/')
        .map(|rest| rest.split('/'))
        .into_iter()
        .flatten()
        .map(|segment| {
            if segment.contains('~') {
                Cow::Owned(segment.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(segment)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slashes_and_tildes_round_trip_through_a_pointer() {
        let pointer = child(&child("", "paths"), "/a~b/{id}");
        assert_eq!(pointer, "/paths/~1a~0b~1{id}");
        let back: Vec<_> = segments(&pointer).collect();
        assert_eq!(back, ["paths", "/a~b/{id}"]);
        assert_eq!(segments("").count(), 0);
        assert_eq!(index("/tags", 3), "/tags/3");
    }
}
