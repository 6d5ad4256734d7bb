//! Ranges of keys, for walking disjoint parts of a keyset listing at once.

#![warn(clippy::arithmetic_side_effects)]

use std::fmt;

/// A range of keys `[from, to)`; `None` leaves that end open.
///
/// ```
/// use sdk_core::pagination::KeyRange;
///
/// let range = KeyRange::new(Some("4".into()), Some("8".into()));
/// assert!(range.contains("4a1f") && range.contains("7fff"));
/// assert!(!range.contains("8000") && !range.contains("3fff"));
/// assert!(KeyRange::default().contains("anything"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyRange {
    /// The lowest key in the range, if any.
    pub from: Option<String>,
    /// The first key past the range, if any.
    pub to: Option<String>,
}

impl KeyRange {
    /// The keys from `from` (inclusive) to `to` (exclusive).
    pub fn new(from: Option<String>, to: Option<String>) -> Self {
        Self { from, to }
    }

    /// Whether `key` lies in the range.
    pub fn contains(&self, key: &str) -> bool {
        self.from.as_deref().is_none_or(|from| key >= from)
            && self.to.as_deref().is_none_or(|to| key < to)
    }

    /// `count` ranges that split lower-case hex keys (such as UUIDs) evenly
    /// by their leading digits, in order; the first and last are open-ended,
    /// so that every key of any shape lies in exactly one of them.
    ///
    /// ```
    /// use sdk_core::pagination::KeyRange;
    ///
    /// let ranges = KeyRange::hex_partitions(4);
    /// let bounds: Vec<_> = ranges.iter().map(|r| (r.from.as_deref(), r.to.as_deref())).collect();
    /// assert_eq!(bounds, [
    ///     (None, Some("4000")),
    ///     (Some("4000"), Some("8000")),
    ///     (Some("8000"), Some("c000")),
    ///     (Some("c000"), None),
    /// ]);
    /// ```
    pub fn hex_partitions(count: usize) -> Vec<KeyRange> {
        Self::hex_partitions_from(0, count)
    }

    /// `count` ranges like [`hex_partitions`](Self::hex_partitions), but
    /// splitting only the keys above `key`: for the rest of a walk whose
    /// first page ended at `key`. The first range is still open below (a
    /// walk resumes it after `key`), the last above. A `key` that does not
    /// start with four hex digits splits the whole space.
    ///
    /// ```
    /// use sdk_core::pagination::KeyRange;
    ///
    /// let ranges = KeyRange::hex_partitions_after("8000-aaaa", 2);
    /// assert_eq!(ranges[0].to.as_deref(), Some("c000"));
    /// assert_eq!(ranges[1].from.as_deref(), Some("c000"));
    /// assert!(ranges[0].from.is_none() && ranges[1].to.is_none());
    /// ```
    pub fn hex_partitions_after(key: &str, count: usize) -> Vec<KeyRange> {
        let start = key
            .get(..4)
            .and_then(|prefix| usize::from_str_radix(prefix, 16).ok())
            .unwrap_or(0);
        Self::hex_partitions_from(start, count)
    }

    /// `count` ranges over the hex cells `start..65536`.
    fn hex_partitions_from(start: usize, count: usize) -> Vec<KeyRange> {
        // Four hex digits: 65,536 cells, so up to that many non-empty ranges.
        const CELLS: usize = 0x1_0000;
        let start = start.min(CELLS.saturating_sub(1));
        let span = CELLS.saturating_sub(start);
        let count = count.clamp(1, span);
        let bound = |i: usize| {
            let cell = start.saturating_add(i.saturating_mul(span).checked_div(count).unwrap_or(0));
            format!("{cell:04x}")
        };
        (0..count)
            .map(|i| KeyRange {
                from: (i > 0).then(|| bound(i)),
                to: (i.saturating_add(1) < count).then(|| bound(i.saturating_add(1))),
            })
            .collect()
    }
}

impl fmt::Display for KeyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}, {})",
            self.from.as_deref().unwrap_or("-inf"),
            self.to.as_deref().unwrap_or("+inf")
        )
    }
}
