//! Paged listings as streams: pages or items, with prefetch and bounded
//! concurrency, in order.
//!
//! A listing whose total is known reads several pages at once unless told
//! otherwise: [`DEFAULT_WIDTH`] at first, one more for each page that
//! comes back clean and fast (at most twice the fastest page's time)
//! while the client's governor has room (nothing throttled in the last
//! second, no pause, a free place under its concurrency limit), up to
//! [`DEFAULT_MAX_WIDTH`]. A [`Partitioned`] walk widens the same way.
//!
//! A vendor crate describes one page fetch and picks a cursor strategy
//! ([`vendor::paging`](crate::vendor::paging)); its user gets a
//! [`Paginator`], sets how far ahead to read and how many pages may be in
//! flight, and reads pages or items as a stream.
//!
//! # How a listing ends
//!
//! A stream ends with `None` (complete) only when the server's own signals
//! say the listing is complete: the reported total is reached, or, with no
//! total, a short or empty page arrives. Anything else ends it with
//! [`Error::IncompleteListing`](crate::Error::IncompleteListing), after the items already yielded:
//!
//! - a short or empty page while the total says more remain;
//! - an item seen twice (with an [`item_key`](crate::vendor::paging::PaginatorSetup::item_key)): the
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
//! use sdk_core::pagination::Page;
//! use sdk_core::vendor::paging::{self, OffsetCursor};
//!
//! # async fn demo() -> sdk_core::Result<()> {
//! let numbers: Vec<u64> = (0..25).collect();
//! let paginator = paging::offset(10, move |page: OffsetCursor| {
//!     let numbers = numbers.clone();
//!     async move {
//!         let items: Vec<u64> =
//!             numbers.iter().copied().skip(page.offset as usize).take(page.limit as usize).collect();
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

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::error::Result;
use crate::telemetry::Metrics;

pub(crate) mod cursor;
mod items;
mod key_range;
mod partitioned;
mod stream;
pub(crate) mod walk;
mod widening;

use cursor::{KeyOrder, KeysetCursor, OffsetCursor, PageNumberCursor, TokenCursor};
pub use items::ItemStream;
use items::PageSource;
pub use key_range::KeyRange;
pub use partitioned::{Partitioned, PartitionedPages};
pub use stream::PageStream;
use widening::Widening;
pub use widening::{DEFAULT_MAX_WIDTH, DEFAULT_WIDTH};

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
    /// Where the next page is, for next-token paging: the token the answer
    /// gave (in its body, or the cursor of its `Link: rel="next"` header);
    /// `None` when the server says this is the last page.
    pub next_token: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items`, no total.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            total: None,
            page_number: None,
            page_size: None,
            next_token: None,
        }
    }

    /// Sets the token of the next page (next-token paging); `None` says
    /// this page is the last.
    pub fn with_next_token(mut self, token: Option<String>) -> Self {
        self.next_token = token;
        self
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

type Fetch<C, T> = Arc<dyn Fn(C) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync>;
type KeyFn<T> = dyn Fn(&T) -> String + Send + Sync;

/// A cursor strategy with the fetch that serves its cursors.
enum Strategy<T> {
    Offset {
        limit: u64,
        with_total: bool,
        fetch: Fetch<OffsetCursor, T>,
    },
    PageNumber {
        size: u64,
        fetch: Fetch<PageNumberCursor, T>,
    },
    Keyset {
        limit: u64,
        fetch: Fetch<KeysetCursor, T>,
        /// The sort key of an item: its id.
        key: Arc<KeyFn<T>>,
        /// How keys compare.
        order: KeyOrder,
    },
    /// A walk a vendor crate wrote itself, or a built-in one written the
    /// same way (next-token paging).
    Custom(Box<dyn walk::Walk<T>>),
}

fn boxed<C, T, F, Fut>(fetch: F) -> Fetch<C, T>
where
    F: Fn(C) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    Arc::new(move |cursor| Box::pin(fetch(cursor)) as BoxFuture<'static, _>)
}

/// A listing to be walked: a page fetch plus a cursor strategy.
///
/// It owns everything it needs (the fetch closure holds a client clone), so
/// its streams are `Send + 'static + Unpin` and can be moved into tasks.
/// See the [module docs](self) for how its streams end.
pub struct Paginator<T> {
    strategy: Strategy<T>,
    /// The identity of an item, for offset and page-number listings.
    key: Option<Arc<KeyFn<T>>>,
    key_range: KeyRange,
    start_after: Option<String>,
    operation: &'static str,
    /// The client's vendor and instruments, for the listing's metrics.
    metered: Option<(&'static str, Metrics)>,
    /// The client's governor: a widening walk widens only while it has room.
    governor: Option<crate::governor::Governor>,
    prefetch: usize,
    /// Pages in flight at once once the total is known, as set by
    /// `concurrency` or `widening`; `None`: the default (see `width`).
    width: Option<Widening>,
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let strategy = match &self.strategy {
            Strategy::Offset { .. } => "offset",
            Strategy::PageNumber { .. } => "page_number",
            Strategy::Keyset { .. } => "keyset",
            Strategy::Custom(_) => "custom",
        };
        f.debug_struct("Paginator")
            .field("operation", &self.operation)
            .field("strategy", &strategy)
            .field("prefetch", &self.prefetch)
            .field("width", &self.width)
            .finish()
    }
}

impl<T: Send + 'static> Paginator<T> {
    fn with_strategy(strategy: Strategy<T>) -> Self {
        Self {
            strategy,
            key: None,
            key_range: KeyRange::default(),
            start_after: None,
            operation: "listing",
            metered: None,
            governor: None,
            prefetch: 1,
            width: None,
        }
    }

    /// Offset/limit paging without asking for a total.
    pub(crate) fn offset<F, Fut>(limit: u64, fetch: F) -> Self
    where
        F: Fn(OffsetCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Self::with_strategy(Strategy::Offset {
            limit: limit.max(1),
            with_total: false,
            fetch: boxed(fetch),
        })
    }

    /// Offset/limit paging that asks for the total (needed for concurrency).
    pub(crate) fn offset_with_total<F, Fut>(limit: u64, fetch: F) -> Self
    where
        F: Fn(OffsetCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        let mut paginator = Self::offset(limit, fetch);
        if let Strategy::Offset { with_total, .. } = &mut paginator.strategy {
            *with_total = true;
        }
        paginator
    }

    /// Page-number paging. The first request carries no number; the page
    /// number the server reports for it (0 or 1) sets the numbering, and the
    /// page size it reports (when smaller than asked) sets what a full page is.
    pub(crate) fn page_number<F, Fut>(size: u64, fetch: F) -> Self
    where
        F: Fn(PageNumberCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Self::with_strategy(Strategy::PageNumber {
            size: size.max(1),
            fetch: boxed(fetch),
        })
    }

    /// Keyset paging: `key` gives the sort key of an item (its id); each page
    /// asks for the items after the last key seen. Keys must strictly
    /// increase across the whole walk.
    pub(crate) fn keyset<F, Fut, K>(limit: u64, key: K, fetch: F) -> Self
    where
        F: Fn(KeysetCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
        K: Fn(&T) -> String + Send + Sync + 'static,
    {
        Self::with_strategy(Strategy::Keyset {
            limit: limit.max(1),
            fetch: boxed(fetch),
            key: Arc::new(key),
            order: KeyOrder::Text,
        })
    }

    /// Next-token paging: each answer names the next page (a token in its
    /// body, or the cursor of its `Link: rel="next"` header), and a page
    /// without one is the last. Pages are read one after another.
    pub(crate) fn next_token<F, Fut>(limit: u64, fetch: F) -> Self
    where
        F: Fn(TokenCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        let walk = walk::NextTokenWalk::new(limit.max(1), boxed(fetch));
        Self::with_strategy(Strategy::Custom(Box::new(walk)))
    }

    /// A listing walked by `walk`: a walk of the vendor crate's own.
    pub(crate) fn custom(walk: impl walk::Walk<T> + 'static) -> Self {
        Self::with_strategy(Strategy::Custom(Box::new(walk)))
    }

    /// How a keyset walk compares its keys (default: as text).
    pub(crate) fn with_key_order(mut self, key_order: KeyOrder) -> Self {
        if let Strategy::Keyset { order, .. } = &mut self.strategy {
            *order = key_order;
        }
        self
    }

    /// For a keyset walk over one partition of the keys: every key must lie
    /// in `range` (the fetch asks the server for that range; this checks
    /// the server kept to it, so partitions never overlap).
    pub(crate) fn with_key_range(mut self, range: KeyRange) -> Self {
        self.key_range = range;
        self
    }

    /// Starts a keyset walk after `key` instead of at the beginning: for the
    /// rest of a walk whose first page was read another way.
    pub(crate) fn with_start_after(mut self, key: impl Into<String>) -> Self {
        if matches!(self.strategy, Strategy::Keyset { .. }) {
            self.start_after = Some(key.into());
        }
        self
    }

    /// A listing of `items` already in hand, as one page: lets a page read
    /// ahead of a walk take its place among the walk's parts.
    pub(crate) fn ready(items: Vec<T>) -> Self {
        let count = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let items = std::sync::Mutex::new(Some(items));
        Self::offset_with_total(count.max(1), move |_page: OffsetCursor| {
            let items = items
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_default();
            async move { Ok(Page::new(items).with_total(Some(count))) }
        })
    }

    /// Names the operation in errors and traces (default `listing`).
    /// Counts the listing's pages and incomplete ends in `client`'s metrics,
    /// under its vendor.
    pub(crate) fn with_client(mut self, client: &crate::Client) -> Self {
        self.metered = Some((client.vendor(), client.metrics().clone()));
        self.governor = Some(client.governor().clone());
        self
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// The identity of an item (its id), for offset and page-number
    /// listings: an item seen twice ends the listing with
    /// [`Error::IncompleteListing`](crate::Error::IncompleteListing), since a server that repeats or shifts
    /// pages may also have skipped items. The ids of the whole listing are
    /// kept in memory; an empty id is not checked.
    pub(crate) fn with_item_key<K>(mut self, key: K) -> Self
    where
        K: Fn(&T) -> String + Send + Sync + 'static,
    {
        if !matches!(self.strategy, Strategy::Keyset { .. }) {
            self.key = Some(Arc::new(key));
        }
        self
    }

    /// How many pages to request ahead of the caller (default 1: page N+1 is
    /// in flight while the caller processes page N; 0: one page at a time,
    /// unless [`concurrency`](Self::concurrency) says otherwise).
    /// A keyset walk can only ask for a page once the one before it has
    /// arrived, so there it means at most one page ahead.
    pub fn prefetch(mut self, depth: usize) -> Self {
        self.prefetch = depth;
        self
    }

    /// How many pages may be in flight at once once the total is known.
    /// Pages are still delivered in order. Keyset and next-token paging are
    /// sequential by nature and ignore this.
    ///
    /// Not set, a listing whose total is known starts with
    /// [`DEFAULT_WIDTH`] pages at once and takes one more for each page
    /// that comes back clean and fast while the client's governor has
    /// room, up to [`DEFAULT_MAX_WIDTH`] (see [`widening`](Self::widening));
    /// with [`prefetch(0)`](Self::prefetch) it reads one page at a time.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.width = Some(Widening::fixed(pages));
        self
    }

    /// How many pages a listing whose total is known starts with at once
    /// (at least 1), and how many it widens to (instead of
    /// [`concurrency`](Self::concurrency); defaults [`DEFAULT_WIDTH`] and
    /// [`DEFAULT_MAX_WIDTH`], or one page at a time after `prefetch(0)`
    /// when neither is written). Pages held in all stay within `prefetch + to`.
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use sdk_core::pagination::Page;
    /// use sdk_core::vendor::paging::{self, OffsetCursor};
    ///
    /// # async fn demo() -> sdk_core::Result<()> {
    /// let paginator = paging::offset_with_total(10, |page: OffsetCursor| async move {
    ///     let items: Vec<u64> = (page.offset..100).take(page.limit as usize).collect();
    ///     Ok(Page::new(items).with_total(Some(100)))
    /// });
    /// // One page, then up to four at once; items stay in order.
    /// let all: Vec<u64> = paginator.widening(1, 4).items().try_collect().await?;
    /// assert_eq!(all, (0..100).collect::<Vec<_>>());
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn widening(mut self, from: usize, to: usize) -> Self {
        self.width = Some(Widening::from_to(from, to));
        self
    }

    /// The width the walk starts with, and how it grows: as written, or
    /// by default widening (one page at a time after `prefetch(0)`).
    fn width(&mut self) -> Widening {
        let width = self.width.take().unwrap_or_else(|| {
            if self.prefetch == 0 {
                Widening::fixed(1)
            } else {
                Widening::from_to(DEFAULT_WIDTH, DEFAULT_MAX_WIDTH)
            }
        });
        width.governed_by(self.governor.clone())
    }

    /// A stream of pages.
    pub fn pages(self) -> PageStream<T> {
        PageStream::new(self)
    }

    /// A stream of items, page after page.
    pub fn items(self) -> ItemStream<T> {
        ItemStream::over(PageSource::One(Box::new(self.pages())))
    }
}
