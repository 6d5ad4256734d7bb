//! Paged listings as streams: pages or items, with prefetch and opt-in
//! bounded concurrency, in order.
//!
//! A vendor crate describes one page fetch as a closure that owns a client
//! clone and the caller's filters, and picks a cursor strategy:
//!
//! - [`Paginator::offset`]: `offset`/`limit`, with an optional total (commercetools);
//! - [`Paginator::page_number`]: page number and size with a total (Flow
//!   Retail); whether numbering starts at 0 or 1 is learned from the first
//!   response instead of assumed;
//! - [`Paginator::keyset`]: sort by id ascending and ask for `id > last`,
//!   for sets deeper than an offset limit (the commercetools QueryAll pattern).
//!
//! # How a listing ends
//!
//! A stream ends with `None` (complete) only when the server's own signals
//! say the listing is complete: the reported total is reached, or, with no
//! total, a short or empty page arrives. Anything else ends it with
//! [`Error::IncompleteListing`], after the items already yielded:
//!
//! - a short or empty page while the total says more remain;
//! - an item seen twice (with an [`item_key`](Paginator::item_key)): the
//!   server repeats a page, cycles, or the data shifted under the offsets;
//! - a keyset page whose ids do not strictly increase;
//! - a page numbered otherwise than asked (a server that always answers page 1);
//! - a cursor that would overflow, or a limit the vendor crate knows it
//!   cannot pass (commercetools' offset 10,000).
//!
//! A failed request ends the stream with that request's error.
//!
//! ```
//! use futures::TryStreamExt;
//! use sdk_core::pagination::{Page, PageRequest, Paginator};
//!
//! # async fn demo() -> sdk_core::Result<()> {
//! let numbers: Vec<u64> = (0..25).collect();
//! let paginator = Paginator::offset(10, move |request: PageRequest| {
//!     let numbers = numbers.clone();
//!     async move {
//!         let PageRequest::Offset { offset, limit, .. } = request else { unreachable!() };
//!         let items: Vec<u64> =
//!             numbers.iter().copied().skip(offset as usize).take(limit as usize).collect();
//!         Ok(Page::new(items).with_total(Some(25)))
//!     }
//! });
//! let all: Vec<u64> = paginator.prefetch(1).items().try_collect().await?;
//! assert_eq!(all.len(), 25);
//! # Ok(())
//! # }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(demo()).unwrap();
//! ```

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures::Stream;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::error::{Error, Result};

mod partitioned;
pub use partitioned::{Partitioned, PartitionedPages};

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in server order.
    pub items: Vec<T>,
    /// The number of matching items in all, when the server said.
    pub total: Option<u64>,
    /// The page number the server reports for this page (page-number strategy).
    pub page_number: Option<u64>,
    /// The page size the server reports it used, which may be smaller than
    /// the one asked for (a server that caps it).
    pub page_size: Option<u64>,
}

impl<T> Page<T> {
    /// A page of `items`, no total.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            total: None,
            page_number: None,
            page_size: None,
        }
    }

    /// Sets the total the server reported.
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }

    /// Sets the page number the server reported.
    pub fn with_page_number(mut self, page_number: Option<u64>) -> Self {
        self.page_number = page_number;
        self
    }

    /// Sets the page size the server reported.
    pub fn with_page_size(mut self, page_size: Option<u64>) -> Self {
        self.page_size = page_size;
        self
    }
}

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

/// What a page fetch must ask the server for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageRequest {
    /// Items `offset..offset + limit`.
    Offset {
        /// Items to skip.
        offset: u64,
        /// Items per page.
        limit: u64,
        /// Whether to ask the server to count the total.
        with_total: bool,
    },
    /// One page by number.
    PageNumber {
        /// The page to ask for; `None` for the first page: send no number and
        /// let the server say where its numbering starts.
        number: Option<u64>,
        /// Items per page.
        size: u64,
    },
    /// Items after a key, sorted by that key ascending, no total.
    Keyset {
        /// The key of the last item seen; `None` for the first page.
        after: Option<String>,
        /// Items per page.
        limit: u64,
    },
}

type FetchFn<T> = dyn Fn(PageRequest) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync;
type KeyFn<T> = dyn Fn(&T) -> String + Send + Sync;

enum Strategy {
    Offset { limit: u64, with_total: bool },
    PageNumber { size: u64 },
    Keyset { limit: u64 },
}

/// A listing to be walked: a page fetch plus a cursor strategy.
///
/// It owns everything it needs (the fetch closure holds a client clone), so
/// its streams are `Send + 'static + Unpin` and can be moved into tasks.
/// See the [module docs](self) for how its streams end.
pub struct Paginator<T> {
    fetch: Arc<FetchFn<T>>,
    strategy: Strategy,
    key: Option<Arc<KeyFn<T>>>,
    key_range: KeyRange,
    start_after: Option<String>,
    operation: &'static str,
    prefetch: usize,
    concurrency: usize,
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let strategy = match &self.strategy {
            Strategy::Offset { .. } => "offset",
            Strategy::PageNumber { .. } => "page_number",
            Strategy::Keyset { .. } => "keyset",
        };
        f.debug_struct("Paginator")
            .field("operation", &self.operation)
            .field("strategy", &strategy)
            .field("prefetch", &self.prefetch)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

fn boxed<T, F, Fut>(fetch: F) -> Arc<FetchFn<T>>
where
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    Arc::new(move |request| Box::pin(fetch(request)) as BoxFuture<'static, _>)
}

impl<T: Send + 'static> Paginator<T> {
    fn with_strategy(fetch: Arc<FetchFn<T>>, strategy: Strategy) -> Self {
        Self {
            fetch,
            strategy,
            key: None,
            key_range: KeyRange::default(),
            start_after: None,
            operation: "listing",
            prefetch: 1,
            concurrency: 1,
        }
    }

    /// Offset/limit paging without asking for a total.
    pub fn offset<F, Fut>(limit: u64, fetch: F) -> Self
    where
        F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Self::with_strategy(
            boxed(fetch),
            Strategy::Offset {
                limit: limit.max(1),
                with_total: false,
            },
        )
    }

    /// Offset/limit paging that asks for the total (needed for concurrency).
    pub fn offset_with_total<F, Fut>(limit: u64, fetch: F) -> Self
    where
        F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Self::with_strategy(
            boxed(fetch),
            Strategy::Offset {
                limit: limit.max(1),
                with_total: true,
            },
        )
    }

    /// Page-number paging. The first request carries no number; the page
    /// number the server reports for it (0 or 1) sets the numbering, and the
    /// page size it reports (when smaller than asked) sets what a full page is.
    pub fn page_number<F, Fut>(size: u64, fetch: F) -> Self
    where
        F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Self::with_strategy(boxed(fetch), Strategy::PageNumber { size: size.max(1) })
    }

    /// Keyset paging: `key` gives the sort key of an item (its id); each page
    /// asks for the items after the last key seen. Keys must strictly
    /// increase across the whole walk.
    pub fn keyset<F, Fut, K>(limit: u64, key: K, fetch: F) -> Self
    where
        F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
        K: Fn(&T) -> String + Send + Sync + 'static,
    {
        let mut paginator = Self::with_strategy(
            boxed(fetch),
            Strategy::Keyset {
                limit: limit.max(1),
            },
        );
        paginator.key = Some(Arc::new(key));
        paginator
    }

    /// For a keyset walk over one partition of the keys: every key must lie
    /// in `range` (the fetch asks the server for that range; this checks
    /// the server kept to it, so partitions never overlap).
    pub fn key_range(mut self, range: KeyRange) -> Self {
        self.key_range = range;
        self
    }

    /// Starts a keyset walk after `key` instead of at the beginning: for the
    /// rest of a walk whose first page was read another way.
    pub fn start_after(mut self, key: impl Into<String>) -> Self {
        if matches!(self.strategy, Strategy::Keyset { .. }) {
            self.start_after = Some(key.into());
        }
        self
    }

    /// A listing of `items` already in hand, as one page: lets a page read
    /// ahead of a walk take its place among the walk's parts.
    pub fn ready(items: Vec<T>) -> Self {
        let count = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let items = std::sync::Mutex::new(Some(items));
        Self::offset_with_total(count.max(1), move |_request: PageRequest| {
            let items = items
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_default();
            async move { Ok(Page::new(items).with_total(Some(count))) }
        })
    }

    /// Names the operation in errors and traces (default `listing`).
    pub fn operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// The identity of an item (its id), for offset and page-number
    /// listings: an item seen twice ends the listing with
    /// [`Error::IncompleteListing`], since a server that repeats or shifts
    /// pages may also have skipped items. The ids of the whole listing are
    /// kept in memory; an empty id is not checked.
    pub fn item_key<K>(mut self, key: K) -> Self
    where
        K: Fn(&T) -> String + Send + Sync + 'static,
    {
        if !matches!(self.strategy, Strategy::Keyset { .. }) {
            self.key = Some(Arc::new(key));
        }
        self
    }

    /// How many pages to request ahead of the caller (default 1: page N+1 is
    /// in flight while the caller processes page N; 0: one page at a time).
    /// A keyset walk can only ask for a page once the one before it has
    /// arrived, so there it means at most one page ahead.
    pub fn prefetch(mut self, depth: usize) -> Self {
        self.prefetch = depth;
        self
    }

    /// How many pages may be in flight at once once the total is known
    /// (default 1). Pages are still delivered in order. Keyset paging is
    /// sequential by nature and ignores this.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }

    /// A stream of pages.
    pub fn pages(self) -> PageStream<T> {
        let cursor = match &self.strategy {
            Strategy::Offset { .. } => Cursor::Offset { next: Some(0) },
            Strategy::PageNumber { size } => Cursor::PageNumber {
                next: PageNumberCursor::First,
                size: *size,
            },
            Strategy::Keyset { .. } => Cursor::Keyset {
                after: self.start_after.clone(),
                waiting: false,
            },
        };
        PageStream {
            fetch: self.fetch,
            strategy: self.strategy,
            key: self.key,
            key_range: self.key_range,
            operation: self.operation,
            prefetch: self.prefetch,
            concurrency: self.concurrency,
            cursor,
            in_flight: VecDeque::new(),
            total: None,
            delivered: 0,
            pages_seen: 0,
            seen_keys: HashSet::new(),
            seen_page_numbers: HashSet::new(),
            stalled: None,
            contradiction: None,
            exhausted: false,
            failed: false,
        }
    }

    /// A stream of items, page after page.
    pub fn items(self) -> ItemStream<T> {
        ItemStream::over(PageSource::One(Box::new(self.pages())))
    }
}

enum PageNumberCursor {
    /// Nothing requested yet.
    First,
    /// The first page is requested; its answer sets the numbering.
    AwaitingFirst,
    /// Numbering known: the next number to request (`None` past `u64::MAX`),
    /// and the first page's number.
    Next { number: Option<u64>, first: u64 },
}

enum Cursor {
    Offset {
        /// `None` once the next offset would overflow.
        next: Option<u64>,
    },
    PageNumber {
        next: PageNumberCursor,
        /// What a full page holds: asked for, or as the server reported.
        size: u64,
    },
    Keyset {
        after: Option<String>,
        waiting: bool,
    },
}

/// A spawned page fetch, aborted if the stream is dropped before it is consumed.
struct InFlight<T> {
    request: PageRequest,
    handle: JoinHandle<Result<Page<T>>>,
}

impl<T> Drop for InFlight<T> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// The pages of a listing, in order: `Send + 'static + Unpin`.
///
/// Fetches run as tokio tasks (in the caller's tracing span), so prefetched
/// pages arrive while the caller is busy elsewhere; dropping the stream
/// cancels them. See the [module docs](self) for how it ends.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    fetch: Arc<FetchFn<T>>,
    strategy: Strategy,
    key: Option<Arc<KeyFn<T>>>,
    key_range: KeyRange,
    operation: &'static str,
    prefetch: usize,
    concurrency: usize,
    cursor: Cursor,
    in_flight: VecDeque<InFlight<T>>,
    total: Option<u64>,
    delivered: u64,
    pages_seen: u64,
    /// Item ids seen so far (offset and page-number listings with a key).
    seen_keys: HashSet<String>,
    seen_page_numbers: HashSet<u64>,
    /// Why no further page can be requested although the listing is not done.
    stalled: Option<String>,
    /// Why the listing ended short of what the server said it holds.
    contradiction: Option<String>,
    /// No further page will be requested.
    exhausted: bool,
    /// An error was returned: the stream ends.
    failed: bool,
}

impl<T> fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("operation", &self.operation)
            .field("in_flight", &self.in_flight.len())
            .field("total", &self.total)
            .field("delivered", &self.delivered)
            .field("exhausted", &self.exhausted)
            .finish_non_exhaustive()
    }
}

fn count(items: usize) -> u64 {
    u64::try_from(items).unwrap_or(u64::MAX)
}

impl<T: Send + 'static> PageStream<T> {
    /// The total the server reported, once a page has said.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// How many pages may be in flight while the caller holds one: the
    /// prefetch depth, plus the extra concurrency once the total is known.
    /// Pages held in all stay within `prefetch + concurrency`.
    fn ahead(&self) -> usize {
        if self.total.is_some() && !matches!(self.strategy, Strategy::Keyset { .. }) {
            self.prefetch
                .saturating_add(self.concurrency)
                .saturating_sub(1)
        } else {
            self.prefetch
        }
    }

    /// Requests the next page if the cursor allows it; `false` when it does not.
    fn issue_next(&mut self) -> bool {
        if self.exhausted || self.stalled.is_some() {
            return false;
        }
        let request = match (&self.strategy, &mut self.cursor) {
            (Strategy::Offset { limit, with_total }, Cursor::Offset { next }) => {
                let Some(offset) = *next else {
                    self.stalled = Some("the next offset is past u64::MAX".to_owned());
                    return false;
                };
                if self.total.is_some_and(|total| offset >= total) {
                    return false;
                }
                *next = offset.checked_add(*limit);
                PageRequest::Offset {
                    offset,
                    limit: *limit,
                    with_total: *with_total,
                }
            }
            (Strategy::PageNumber { .. }, Cursor::PageNumber { next, size }) => match next {
                PageNumberCursor::First => {
                    *next = PageNumberCursor::AwaitingFirst;
                    PageRequest::PageNumber {
                        number: None,
                        size: *size,
                    }
                }
                PageNumberCursor::AwaitingFirst => return false,
                PageNumberCursor::Next { number, first } => {
                    let Some(current) = *number else {
                        self.stalled = Some("the next page number is past u64::MAX".to_owned());
                        return false;
                    };
                    let already = current.saturating_sub(*first).saturating_mul(*size);
                    if self.total.is_some_and(|total| already >= total) {
                        return false;
                    }
                    *number = current.checked_add(1);
                    PageRequest::PageNumber {
                        number: Some(current),
                        size: *size,
                    }
                }
            },
            (Strategy::Keyset { limit }, Cursor::Keyset { after, waiting }) => {
                if *waiting {
                    return false;
                }
                *waiting = true;
                PageRequest::Keyset {
                    after: after.clone(),
                    limit: *limit,
                }
            }
            _ => return false,
        };
        let fetch = (self.fetch)(request.clone()).instrument(tracing::Span::current());
        let handle = tokio::spawn(fetch);
        self.in_flight.push_back(InFlight { request, handle });
        true
    }

    /// Requests pages until `ahead()` (at least `at_least`) are in flight.
    fn fill_window(&mut self, at_least: usize) {
        while self.in_flight.len() < self.ahead().max(at_least) && self.issue_next() {}
    }

    /// Stops requesting pages; pages requested past the end are cancelled.
    fn finish(&mut self) {
        self.exhausted = true;
        self.in_flight.clear();
    }

    /// Ends the stream with an [`Error::IncompleteListing`] (or `error`
    /// itself when it is another kind), filling in the counts.
    fn fail(&mut self, error: Error) -> Error {
        self.failed = true;
        self.finish();
        match error {
            Error::IncompleteListing(mut incomplete) => {
                incomplete.items = self.delivered;
                incomplete.pages = self.pages_seen;
                Error::IncompleteListing(incomplete)
            }
            other => other,
        }
    }

    /// Checks the items of an arrived page: no id seen before, and in a
    /// keyset walk ids strictly increasing.
    fn check_items(&mut self, page: &Page<T>) -> std::result::Result<(), String> {
        let Some(key) = self.key.clone() else {
            return Ok(());
        };
        match &mut self.cursor {
            Cursor::Keyset { after, .. } => {
                for item in &page.items {
                    let id = key(item);
                    if !self.key_range.contains(&id) {
                        return Err(format!(
                            "the server returned id `{id}` outside the requested range {}",
                            self.key_range
                        ));
                    }
                    if after.as_ref().is_some_and(|previous| id <= *previous) {
                        return Err(format!(
                            "the server returned id `{id}` after `{}`: a keyset walk needs ids in strictly increasing order",
                            after.as_deref().unwrap_or_default()
                        ));
                    }
                    *after = Some(id);
                }
            }
            _ => {
                for item in &page.items {
                    let id = key(item);
                    if !id.is_empty() && !self.seen_keys.insert(id.clone()) {
                        return Err(format!(
                            "the server returned the item `{id}` twice: it repeats pages, or the data shifted while it was read, so items may have been skipped"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Updates the cursor with an arrived page: `Ok(false)` if the page is to
    /// be skipped (empty), `Err(reason)` when the page itself breaks the
    /// listing's rules. A sound page that ends the listing short of its
    /// total is handed over, and the error follows it (`contradiction`).
    fn accept(
        &mut self,
        request: &PageRequest,
        page: &Page<T>,
    ) -> std::result::Result<bool, String> {
        self.pages_seen = self.pages_seen.saturating_add(1);
        if page.total.is_some() {
            self.total = page.total;
        }
        let full_page = match (request, &mut self.cursor) {
            (PageRequest::Offset { limit, .. }, _) | (PageRequest::Keyset { limit, .. }, _) => {
                if let Cursor::Keyset { waiting, .. } = &mut self.cursor {
                    *waiting = false;
                }
                *limit
            }
            (PageRequest::PageNumber { number: asked, .. }, Cursor::PageNumber { next, size }) => {
                // A size the server reports (it may cap what was asked) is what a full page holds.
                if let Some(reported) = page.page_size.filter(|size| *size > 0) {
                    *size = reported;
                }
                if let PageNumberCursor::AwaitingFirst = next {
                    let first = page.page_number.unwrap_or(0);
                    let Some(second) = first.checked_add(1) else {
                        return Err(format!("the server numbered the first page {first}"));
                    };
                    *next = PageNumberCursor::Next {
                        number: Some(second),
                        first,
                    };
                }
                if let (Some(asked), Some(answered)) = (asked, page.page_number)
                    && *asked != answered
                {
                    return Err(format!(
                        "asked for page {asked}, the server answered page {answered}"
                    ));
                }
                if let Some(number) = page.page_number
                    && !self.seen_page_numbers.insert(number)
                {
                    return Err(format!("the server returned page {number} twice"));
                }
                *size
            }
            (PageRequest::PageNumber { size, .. }, _) => *size,
        };

        self.check_items(page)?;

        // The page itself is sound: its items count, whatever comes next.
        let received = count(page.items.len());
        self.delivered = self.delivered.saturating_add(received);
        let total_reached = self.total.is_some_and(|total| self.delivered >= total);
        if total_reached {
            self.finish();
        } else if received < full_page {
            if let Some(total) = self.total {
                let which = if received == 0 { "an empty" } else { "a short" };
                // Hand this page's real items over first; the error follows it.
                self.contradiction = Some(format!(
                    "the server reports {total} item(s) in all, but {which} page ended the listing after {}",
                    self.delivered
                ));
            }
            self.finish();
        }
        Ok(received > 0 || self.pages_seen == 1)
    }
}

impl<T: Send + 'static> Stream for PageStream<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.failed {
                return Poll::Ready(None);
            }
            if this.in_flight.is_empty() {
                let waiting = if this.total.is_some() {
                    this.concurrency
                } else {
                    1
                };
                this.fill_window(waiting);
                if this.in_flight.is_empty() {
                    let stalled = this.stalled.take().filter(|_| !this.exhausted);
                    if let Some(reason) = this.contradiction.take().or(stalled) {
                        let error = Error::incomplete_listing(this.operation, reason);
                        return Poll::Ready(Some(Err(this.fail(error))));
                    }
                    return Poll::Ready(None);
                }
            }
            let Some(front) = this.in_flight.front_mut() else {
                return Poll::Ready(None);
            };
            let joined = ready!(Pin::new(&mut front.handle).poll(cx));
            let Some(arrived) = this.in_flight.pop_front() else {
                return Poll::Ready(None);
            };
            let page = match joined {
                Ok(Ok(page)) => page,
                Ok(Err(error)) => return Poll::Ready(Some(Err(this.fail(error)))),
                Err(join_error) => {
                    this.failed = true;
                    this.finish();
                    if join_error.is_panic() {
                        std::panic::resume_unwind(join_error.into_panic());
                    }
                    return Poll::Ready(None);
                }
            };
            let keep = match this.accept(&arrived.request, &page) {
                Ok(keep) => keep,
                Err(reason) => {
                    let error = Error::incomplete_listing(this.operation, reason);
                    return Poll::Ready(Some(Err(this.fail(error))));
                }
            };
            // Top up before handing the page over, so the next pages are in
            // flight while the caller works on this one.
            this.fill_window(0);
            if keep {
                return Poll::Ready(Some(Ok(page)));
            }
        }
    }
}

/// Where an [`ItemStream`] takes its pages from.
enum PageSource<T> {
    One(Box<PageStream<T>>),
    Partitioned(PartitionedPages<T>),
}

/// The items of a listing, page after page: `Send + 'static + Unpin`.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T> {
    pages: PageSource<T>,
    current: std::vec::IntoIter<T>,
}

impl<T> fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ItemStream");
        match &self.pages {
            PageSource::One(pages) => debug.field("pages", pages),
            PageSource::Partitioned(pages) => debug.field("pages", pages),
        };
        debug.field("buffered", &self.current.len()).finish()
    }
}

// Items are moved out of the buffer, never pinned, so the stream is `Unpin`
// whatever `T` is.
impl<T> Unpin for ItemStream<T> {}
impl<T> Unpin for PageStream<T> {}

impl<T: Send + 'static> ItemStream<T> {
    fn over(pages: PageSource<T>) -> Self {
        Self {
            pages,
            current: Vec::new().into_iter(),
        }
    }

    /// The total the server reported, once a page has said (never for a
    /// partitioned walk, whose parts have no totals).
    pub fn total(&self) -> Option<u64> {
        match &self.pages {
            PageSource::One(pages) => pages.total(),
            PageSource::Partitioned(_) => None,
        }
    }
}

impl<T: Send + 'static> Stream for ItemStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            let next = match &mut this.pages {
                PageSource::One(pages) => ready!(Pin::new(&mut **pages).poll_next(cx)),
                PageSource::Partitioned(pages) => ready!(Pin::new(pages).poll_next(cx)),
            };
            match next {
                Some(Ok(page)) => this.current = page.items.into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }
}
