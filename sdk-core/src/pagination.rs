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
//! Loop guards stop a listing on a short page, an empty page, when the total
//! is reached, or when a cursor comes back that was seen before.
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

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures::Stream;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;

use crate::error::Result;

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
}

impl<T> Page<T> {
    /// A page of `items`, no total.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            total: None,
            page_number: None,
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

enum Strategy<T> {
    Offset { limit: u64, with_total: bool },
    PageNumber { size: u64 },
    Keyset { limit: u64, key: Arc<KeyFn<T>> },
}

/// A listing to be walked: a page fetch plus a cursor strategy.
///
/// It owns everything it needs (the fetch closure holds a client clone), so
/// its streams are `Send + 'static + Unpin` and can be moved into tasks.
pub struct Paginator<T> {
    fetch: Arc<FetchFn<T>>,
    strategy: Strategy<T>,
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
    fn with_strategy(fetch: Arc<FetchFn<T>>, strategy: Strategy<T>) -> Self {
        Self {
            fetch,
            strategy,
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
    /// number the server reports for it (0 or 1) sets the numbering.
    pub fn page_number<F, Fut>(size: u64, fetch: F) -> Self
    where
        F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Self::with_strategy(boxed(fetch), Strategy::PageNumber { size: size.max(1) })
    }

    /// Keyset paging: `key` gives the sort key of an item (its id); each page
    /// asks for the items after the last key seen.
    pub fn keyset<F, Fut, K>(limit: u64, key: K, fetch: F) -> Self
    where
        F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
        K: Fn(&T) -> String + Send + Sync + 'static,
    {
        Self::with_strategy(
            boxed(fetch),
            Strategy::Keyset {
                limit: limit.max(1),
                key: Arc::new(key),
            },
        )
    }

    /// How many pages to request ahead of the caller (default 1: page N+1 is
    /// in flight while the caller processes page N; 0: one page at a time).
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
            Strategy::Offset { .. } => Cursor::Offset { next: 0 },
            Strategy::PageNumber { .. } => Cursor::PageNumber {
                next: PageNumberCursor::First,
            },
            Strategy::Keyset { .. } => Cursor::Keyset {
                after: None,
                waiting: false,
            },
        };
        PageStream {
            fetch: self.fetch,
            strategy: self.strategy,
            prefetch: self.prefetch,
            concurrency: self.concurrency,
            cursor,
            in_flight: VecDeque::new(),
            total: None,
            delivered: 0,
            pages_seen: 0,
            seen_cursors: HashSet::new(),
            exhausted: false,
            failed: false,
        }
    }

    /// A stream of items, page after page.
    pub fn items(self) -> ItemStream<T> {
        ItemStream {
            pages: self.pages(),
            current: Vec::new().into_iter(),
        }
    }
}

enum PageNumberCursor {
    /// Nothing requested yet.
    First,
    /// The first page is requested; its answer sets the numbering.
    AwaitingFirst,
    /// Numbering known: the next number to request, and the first page's number.
    Next { number: u64, first: u64 },
}

enum Cursor {
    Offset {
        next: u64,
    },
    PageNumber {
        next: PageNumberCursor,
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
/// Fetches run as tokio tasks, so prefetched pages arrive while the caller
/// is busy elsewhere; dropping the stream cancels them.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    fetch: Arc<FetchFn<T>>,
    strategy: Strategy<T>,
    prefetch: usize,
    concurrency: usize,
    cursor: Cursor,
    in_flight: VecDeque<InFlight<T>>,
    total: Option<u64>,
    delivered: u64,
    pages_seen: u64,
    seen_cursors: HashSet<String>,
    /// No further page will be requested.
    exhausted: bool,
    /// An error was returned: the stream ends.
    failed: bool,
}

impl<T> fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("in_flight", &self.in_flight.len())
            .field("total", &self.total)
            .field("delivered", &self.delivered)
            .field("exhausted", &self.exhausted)
            .finish_non_exhaustive()
    }
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
            self.prefetch + self.concurrency - 1
        } else {
            self.prefetch
        }
    }

    /// Requests the next page if the cursor allows it; `false` when it does not.
    fn issue_next(&mut self) -> bool {
        if self.exhausted {
            return false;
        }
        let request = match (&self.strategy, &mut self.cursor) {
            (Strategy::Offset { limit, with_total }, Cursor::Offset { next }) => {
                if self.total.is_some_and(|total| *next >= total) {
                    return false;
                }
                let request = PageRequest::Offset {
                    offset: *next,
                    limit: *limit,
                    with_total: *with_total,
                };
                *next += limit;
                request
            }
            (Strategy::PageNumber { size }, Cursor::PageNumber { next }) => match next {
                PageNumberCursor::First => {
                    *next = PageNumberCursor::AwaitingFirst;
                    PageRequest::PageNumber {
                        number: None,
                        size: *size,
                    }
                }
                PageNumberCursor::AwaitingFirst => return false,
                PageNumberCursor::Next { number, first } => {
                    let already = (*number - *first).saturating_mul(*size);
                    if self.total.is_some_and(|total| already >= total) {
                        return false;
                    }
                    let request = PageRequest::PageNumber {
                        number: Some(*number),
                        size: *size,
                    };
                    *number += 1;
                    request
                }
            },
            (Strategy::Keyset { limit, .. }, Cursor::Keyset { after, waiting }) => {
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
        let handle = tokio::spawn((self.fetch)(request.clone()));
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

    /// Updates the cursor with an arrived page; `false` if the page is to be skipped (empty).
    fn accept(&mut self, request: &PageRequest, page: &Page<T>) -> bool {
        self.pages_seen += 1;
        if page.total.is_some() {
            self.total = page.total;
        }
        let received = page.items.len() as u64;
        self.delivered += received;
        let requested = match request {
            PageRequest::Offset { limit, .. } | PageRequest::Keyset { limit, .. } => *limit,
            PageRequest::PageNumber { size, .. } => *size,
        };

        let mut repeated_cursor = false;
        match (&self.strategy, &mut self.cursor) {
            (Strategy::PageNumber { .. }, Cursor::PageNumber { next }) => {
                if let PageNumberCursor::AwaitingFirst = next {
                    let first = page.page_number.unwrap_or(0);
                    *next = PageNumberCursor::Next {
                        number: first + 1,
                        first,
                    };
                }
                if let Some(number) = page.page_number {
                    repeated_cursor = !self.seen_cursors.insert(number.to_string());
                }
            }
            (Strategy::Keyset { key, .. }, Cursor::Keyset { after, waiting }) => {
                *waiting = false;
                if let Some(last) = page.items.last() {
                    let last_key = key(last);
                    repeated_cursor = !self.seen_cursors.insert(last_key.clone());
                    *after = Some(last_key);
                }
            }
            _ => {}
        }

        let short = received < requested;
        let total_reached = self.total.is_some_and(|total| self.delivered >= total);
        if repeated_cursor {
            tracing::warn!("the server returned a page seen before; stopping the listing");
            self.finish();
            return false;
        }
        if received == 0 || short || total_reached {
            self.finish();
        }
        received > 0 || self.pages_seen == 1
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
                Ok(Err(error)) => {
                    this.failed = true;
                    this.finish();
                    return Poll::Ready(Some(Err(error)));
                }
                Err(join_error) => {
                    this.failed = true;
                    this.finish();
                    if join_error.is_panic() {
                        std::panic::resume_unwind(join_error.into_panic());
                    }
                    return Poll::Ready(None);
                }
            };
            let keep = this.accept(&arrived.request, &page);
            // Top up before handing the page over, so the next pages are in
            // flight while the caller works on this one.
            this.fill_window(0);
            if keep {
                return Poll::Ready(Some(Ok(page)));
            }
        }
    }
}

/// The items of a listing, page after page: `Send + 'static + Unpin`.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T> {
    pages: PageStream<T>,
    current: std::vec::IntoIter<T>,
}

impl<T> fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}

// Items are moved out of the buffer, never pinned, so the stream is `Unpin`
// whatever `T` is.
impl<T> Unpin for ItemStream<T> {}
impl<T> Unpin for PageStream<T> {}

impl<T: Send + 'static> ItemStream<T> {
    /// The total the server reported, once a page has said.
    pub fn total(&self) -> Option<u64> {
        self.pages.total()
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
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.current = page.items.into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }
}
