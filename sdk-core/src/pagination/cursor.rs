//! The cursors a vendor crate's page fetch receives, one per strategy
//! (re-exported by [`vendor::paging`](crate::vendor::paging)).

/// The page an offset fetch must ask for: items `offset..offset + limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OffsetCursor {
    /// Items to skip.
    pub offset: u64,
    /// Items per page.
    pub limit: u64,
    /// Whether to ask the server to count the total.
    pub with_total: bool,
}

/// The page a page-number fetch must ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageNumberCursor {
    /// The page to ask for; `None` for the first page: send no number and
    /// let the server say where its numbering starts.
    pub number: Option<u64>,
    /// Items per page.
    pub size: u64,
}

/// The page a keyset fetch must ask for: items after a key, sorted by that
/// key ascending, no total.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeysetCursor {
    /// The key of the last item seen; `None` for the first page.
    pub after: Option<String>,
    /// Items per page.
    pub limit: u64,
}

/// The page a next-token fetch must ask for: the one the previous answer
/// pointed to (a token in its body, or the cursor of its `Link: rel="next"`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCursor {
    /// The token the last answer gave; `None` for the first page.
    pub token: Option<String>,
    /// Items per page.
    pub limit: u64,
}

/// How a keyset walk orders its keys: as text (commercetools' UUIDs), or as
/// numbers (an API with numeric ids, where `9` comes before `10`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyOrder {
    /// Byte-wise, as text (the default).
    #[default]
    Text,
    /// As unsigned integers; a key that is not one sorts after every number.
    Numeric,
}

impl KeyOrder {
    /// Orders two keys.
    ///
    /// ```
    /// use std::cmp::Ordering;
    /// use sdk_core::vendor::paging::KeyOrder;
    ///
    /// assert_eq!(KeyOrder::Text.compare("10", "9"), Ordering::Less);
    /// assert_eq!(KeyOrder::Numeric.compare("10", "9"), Ordering::Greater);
    /// ```
    pub fn compare(self, a: &str, b: &str) -> std::cmp::Ordering {
        match self {
            KeyOrder::Text => a.cmp(b),
            KeyOrder::Numeric => match (a.parse::<u128>(), b.parse::<u128>()) {
                (Ok(a), Ok(b)) => a.cmp(&b),
                (Ok(_), Err(_)) => std::cmp::Ordering::Less,
                (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
                (Err(_), Err(_)) => a.cmp(b),
            },
        }
    }
}
