//! Percent-encoding of path segments and query components.
//!
//! Everything outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) is
//! encoded, so a caller's id can never add a path segment, start a query or
//! fragment, or be read back differently by the server.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::InvalidInput;

/// Every byte but the unreserved characters.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes one path segment.
///
/// Refuses the segments that no encoding can carry safely: the empty one
/// (`/customers/` would list instead of get), and `.` and `..`, which URL
/// parsers and servers resolve as "this folder" and "parent folder" even
/// when percent-encoded (`/customers/..` would address `/`).
///
/// ```
/// use sdk_core::encoding::encode_path_segment;
///
/// assert_eq!(encode_path_segment("a/b?c#d%e ..").unwrap(), "a%2Fb%3Fc%23d%25e%20..");
/// assert!(encode_path_segment("..").is_err());
/// ```
pub fn encode_path_segment(segment: &str) -> Result<String, InvalidInput> {
    match segment {
        "" => Err(InvalidInput::new("path segment", "must not be empty")),
        "." | ".." => Err(InvalidInput::new(
            "path segment",
            "`.` and `..` cannot be sent: URLs resolve them to another path",
        )),
        _ => Ok(utf8_percent_encode(segment, STRICT).to_string()),
    }
}

/// The set for a segment's fixed prefix: keeps `=` and `:` (allowed in a
/// path segment), encodes everything else outside the unreserved set.
const PREFIX: &AsciiSet = &STRICT.remove(b'=').remove(b':');

/// Encodes the fixed prefix of a segment, such as `key=`.
pub(crate) fn encode_prefix(prefix: &str) -> String {
    utf8_percent_encode(prefix, PREFIX).to_string()
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
        for hostile in [
            "a/b", "?x=1", "#frag", "%2F", "...", "../", " ", "\"'", "ü/€", "\n\0",
        ] {
            let encoded = encode_path_segment(hostile).unwrap();
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
    fn segments_that_urls_would_resolve_away_are_refused() {
        for refused in ["", ".", ".."] {
            assert!(encode_path_segment(refused).is_err(), "{refused:?}");
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
