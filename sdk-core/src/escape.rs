//! Text a server sent, made safe to log: one record stays one line, and no
//! terminal control or reordering character reaches a log reader. Below
//! both the errors and the telemetry that show such text; users reach it
//! as [`telemetry::Escaped`](crate::telemetry::Escaped).

use std::fmt::{self, Write as _};

/// Whether `c` must not reach a log as it is: C0 and C1 controls (line
/// feeds, ESC, NEL), DEL, the line and paragraph separators, and the
/// characters that reorder text (bidi embeddings, overrides, isolates and
/// marks).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}'
                | '\u{200E}' | '\u{200F}' | '\u{061C}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Writes `text` to `out` with every such character as an escape (`\n`,
/// `\r`, `\t`, or `\u{1b}`).
fn write_escaped(out: &mut dyn fmt::Write, text: &str) -> fmt::Result {
    let mut plain_from = 0;
    for (at, c) in text.char_indices() {
        if !needs_escape(c) {
            continue;
        }
        out.write_str(text.get(plain_from..at).unwrap_or_default())?;
        match c {
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            other => write!(out, "\\u{{{:x}}}", u32::from(other))?,
        }
        plain_from = at.saturating_add(c.len_utf8());
    }
    out.write_str(text.get(plain_from..).unwrap_or_default())
}

/// Shows a value's `Display` with every control, separator and reordering
/// character escaped: for anything that holds text a server sent, where it
/// is logged or recorded on a span.
///
/// ```
/// use sdk_core::telemetry::Escaped;
///
/// let message = "refused\n2026-01-01 INFO all good\u{1b}[2J\u{202e}";
/// assert_eq!(
///     Escaped(message).to_string(),
///     r"refused\n2026-01-01 INFO all good\u{1b}[2J\u{202e}"
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Escapes whatever the value writes, piece by piece.
        struct Escaping<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Escaping<'_, '_> {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                write_escaped(self.0, text)
            }
        }
        write!(Escaping(f), "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_breaking_control_or_reordering_character_is_escaped() {
        let hostile = "a\nb\rc\td\u{7f}e\u{85}f\u{9b}g\u{2028}h\u{2029}i\u{202e}j\u{2066}k\u{200f}l\u{61c}m\u{0}";
        let shown = Escaped(hostile).to_string();
        assert_eq!(
            shown,
            r"a\nb\rc\td\u{7f}e\u{85}f\u{9b}g\u{2028}h\u{2029}i\u{202e}j\u{2066}k\u{200f}l\u{61c}m\u{0}"
        );
        assert!(shown.chars().all(|c| !needs_escape(c)));
        // Plain text, accents and other scripts pass as they are.
        assert_eq!(Escaped("Grüße, 東京 — ok").to_string(), "Grüße, 東京 — ok");
    }
}
