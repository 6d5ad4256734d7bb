//! Percent-encoding of path segments and query components.
//!
//! Everything outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) is
//! encoded, so a caller's id can never add a path segment, start a query or
//! fragment, or be read back differently by the server.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte but the unreserved characters.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Everything but letters and digits: used for the dot-only segments.
const DOTS_TOO: &AsciiSet = NON_ALPHANUMERIC;

/// Encodes one path segment.
///
/// `.` and `..` are encoded as `%2E` and `%2E%2E`: left as they are, a URL
/// library or server would read them as "this folder" and "parent folder"
/// and resolve them away.
///
/// ```
/// use sdk_core::encoding::encode_path_segment;
///
/// assert_eq!(encode_path_segment("a/b?c#d%e .."), "a%2Fb%3Fc%23d%25e%20..");
/// assert_eq!(encode_path_segment(".."), "%2E%2E");
/// ```
pub fn encode_path_segment(segment: &str) -> String {
    if !segment.is_empty() && segment.bytes().all(|b| b == b'.') {
        return utf8_percent_encode(segment, DOTS_TOO).to_string();
    }
    utf8_percent_encode(segment, STRICT).to_string()
}

/// Encodes one query name or value (a space becomes `%20`, `+` becomes `%2B`).
pub fn encode_query_component(component: &str) -> String {
    utf8_percent_encode(component, STRICT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_never_escape() {
        for hostile in ["a/b", "?x=1", "#frag", "%2F", "..", ".", " ", "\"'", "ü/€", "\n\0"] {
            let encoded = encode_path_segment(hostile);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
                "{hostile:?} -> {encoded}"
            );
            assert_ne!(encoded, ".");
            assert_ne!(encoded, "..");
            let decoded = percent_encoding::percent_decode_str(&encoded)
                .decode_utf8()
                .unwrap();
            assert_eq!(decoded, hostile);
        }
    }

    #[test]
    fn query_components_are_strict() {
        assert_eq!(
            encode_query_component("name = :name&x+y"),
            "name%20%3D%20%3Aname%26x%2By"
        );
    }
}
