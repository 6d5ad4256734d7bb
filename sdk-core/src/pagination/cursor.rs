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
