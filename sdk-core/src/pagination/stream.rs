//! The streams a [`Paginator`](super::Paginator) walks: pages in order
//! with prefetch and bounded concurrency, and items page after page.

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

use super::{
    KeyFn, KeyRange, KeysetCursor, OffsetCursor, Page, PageNumberCursor, Paginator, Strategy,
};
use crate::error::{Error, Result};

pub(super) enum Numbering {
    /// Nothing requested yet.
    First,
    /// The first page is requested; its answer sets the numbering.
    AwaitingFirst,
    /// Numbering known: the next number to request (`None` past `u64::MAX`),
    /// and the first page's number.
    Next { number: Option<u64>, first: u64 },
}

pub(super) enum Cursor {
    Offset {
        /// `None` once the next offset would overflow.
        next: Option<u64>,
    },
    PageNumber {
        next: Numbering,
        /// What a full page holds: asked for, or as the server reported.
        size: u64,
    },
    Keyset {
        after: Option<String>,
        waiting: bool,
    },
}

/// What a fetch in flight asked for, for checking its answer.
enum Asked {
    /// An offset or keyset page of this many items.
    Limit(u64),
    /// A page by number (`None`: the first, unnumbered).
    PageNumber(Option<u64>),
}

/// The same page request again, for a fetch whose task was cancelled.
type Relaunch<T> = Box<dyn Fn() -> BoxFuture<'static, Result<Page<T>>> + Send>;

/// A spawned page fetch, aborted if the stream is dropped before it is consumed.
struct InFlight<T> {
    asked: Asked,
    handle: JoinHandle<Result<Page<T>>>,
    /// The same request again. A task is cancelled when the runtime that
    /// ran it shuts down while the stream lives on (a blocking wrapper that
    /// builds a runtime per call); the page is then fetched again on the
    /// runtime that polls the stream now.
    relaunch: Relaunch<T>,
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
/// cancels them. See the [module docs](super) for how it ends.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    strategy: Strategy<T>,
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

/// A page request that can be made again: the fetch with its cursor.
fn relaunchable<C, T: 'static>(fetch: &super::Fetch<C, T>, cursor: C) -> Relaunch<T>
where
    C: Clone + Send + 'static,
{
    let fetch = Arc::clone(fetch);
    Box::new(move || fetch(cursor.clone()))
}

/// Runs a page fetch as a task of the current runtime, in the caller's span.
fn spawn_fetch<T: Send + 'static>(
    fetching: BoxFuture<'static, Result<Page<T>>>,
) -> JoinHandle<Result<Page<T>>> {
    tokio::spawn(fetching.instrument(tracing::Span::current()))
}

/// Why a fetch task ended without a page, for the listing's error.
fn lost_fetch(join_error: tokio::task::JoinError) -> String {
    if join_error.is_panic() {
        let panic = join_error.into_panic();
        let message = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        format!("a page fetch panicked ({message})")
    } else {
        "a page fetch was cancelled and its relaunch too (the runtime polling the listing is shutting down)".to_owned()
    }
}

fn count(items: usize) -> u64 {
    u64::try_from(items).unwrap_or(u64::MAX)
}

impl<T: Send + 'static> PageStream<T> {
    pub(super) fn new(paginator: Paginator<T>) -> Self {
        let cursor = match &paginator.strategy {
            Strategy::Offset { .. } => Cursor::Offset { next: Some(0) },
            Strategy::PageNumber { size, .. } => Cursor::PageNumber {
                next: Numbering::First,
                size: *size,
            },
            Strategy::Keyset { .. } => Cursor::Keyset {
                after: paginator.start_after.clone(),
                waiting: false,
            },
        };
        Self {
            strategy: paginator.strategy,
            key: paginator.key,
            key_range: paginator.key_range,
            operation: paginator.operation,
            prefetch: paginator.prefetch,
            concurrency: paginator.concurrency,
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
        let (asked, fetching) = match (&self.strategy, &mut self.cursor) {
            (
                Strategy::Offset {
                    limit,
                    with_total,
                    fetch,
                },
                Cursor::Offset { next },
            ) => {
                let Some(offset) = *next else {
                    self.stalled = Some("the next offset is past u64::MAX".to_owned());
                    return false;
                };
                if self.total.is_some_and(|total| offset >= total) {
                    return false;
                }
                *next = offset.checked_add(*limit);
                let cursor = OffsetCursor {
                    offset,
                    limit: *limit,
                    with_total: *with_total,
                };
                (Asked::Limit(*limit), relaunchable(fetch, cursor))
            }
            (Strategy::PageNumber { fetch, .. }, Cursor::PageNumber { next, size }) => {
                let number = match next {
                    Numbering::First => {
                        *next = Numbering::AwaitingFirst;
                        None
                    }
                    Numbering::AwaitingFirst => return false,
                    Numbering::Next { number, first } => {
                        let Some(current) = *number else {
                            self.stalled = Some("the next page number is past u64::MAX".to_owned());
                            return false;
                        };
                        let already = current.saturating_sub(*first).saturating_mul(*size);
                        if self.total.is_some_and(|total| already >= total) {
                            return false;
                        }
                        *number = current.checked_add(1);
                        Some(current)
                    }
                };
                let cursor = PageNumberCursor {
                    number,
                    size: *size,
                };
                (Asked::PageNumber(number), relaunchable(fetch, cursor))
            }
            (Strategy::Keyset { limit, fetch }, Cursor::Keyset { after, waiting }) => {
                if *waiting {
                    return false;
                }
                *waiting = true;
                let cursor = KeysetCursor {
                    after: after.clone(),
                    limit: *limit,
                };
                (Asked::Limit(*limit), relaunchable(fetch, cursor))
            }
            _ => return false,
        };
        let handle = spawn_fetch(fetching());
        self.in_flight.push_back(InFlight {
            asked,
            handle,
            relaunch: fetching,
        });
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
    fn accept(&mut self, asked: &Asked, page: &mut Page<T>) -> std::result::Result<bool, String> {
        self.pages_seen = self.pages_seen.saturating_add(1);
        if page.total.is_some() {
            self.total = page.total;
        }
        let full_page = match (asked, &mut self.cursor) {
            (Asked::Limit(limit), cursor) => {
                if let Cursor::Keyset { waiting, .. } = cursor {
                    *waiting = false;
                }
                *limit
            }
            (Asked::PageNumber(asked), Cursor::PageNumber { next, size }) => {
                // A size the server reports (it may cap what was asked) is what a full page holds.
                if let Some(reported) = page.page_size.filter(|size| *size > 0) {
                    *size = reported;
                }
                if let Numbering::AwaitingFirst = next {
                    let first = page.page_number.unwrap_or(0);
                    let Some(second) = first.checked_add(1) else {
                        return Err(format!("the server numbered the first page {first}"));
                    };
                    *next = Numbering::Next {
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
            (Asked::PageNumber(_), _) => {
                return Err("the cursor does not match the strategy".to_owned());
            }
        };

        if let (Cursor::Keyset { .. }, Some(key)) = (&self.cursor, &self.key)
            && count(page.items.len()) < full_page
        {
            // A short page is the whole remainder, so its order carries no
            // information: servers that ignore `sort` (commercetools-mock)
            // still end a walk. A full page out of order stays an error,
            // since what it skipped cannot be known.
            page.items.sort_by_cached_key(|item| key(item));
        }
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
        let mut relaunched = false;
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
            // Relaunched at most once per page and poll: a task cancelled
            // again at once never ran (the polling runtime is shutting down itself).
            if let Err(join_error) = &joined
                && join_error.is_cancelled()
                && !relaunched
            {
                tracing::debug!("a page fetch was cancelled with its runtime: fetching it again");
                front.handle = spawn_fetch((front.relaunch)());
                relaunched = true;
                continue;
            }
            let Some(arrived) = this.in_flight.pop_front() else {
                return Poll::Ready(None);
            };
            relaunched = false;
            let mut page = match joined {
                Ok(Ok(page)) => page,
                Ok(Err(error)) => return Poll::Ready(Some(Err(this.fail(error)))),
                // Never `None`: a fetch that brought no page leaves the listing incomplete.
                Err(join_error) => {
                    let error = Error::incomplete_listing(this.operation, lost_fetch(join_error));
                    return Poll::Ready(Some(Err(this.fail(error))));
                }
            };
            let keep = match this.accept(&arrived.asked, &mut page) {
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

// Pages are moved out, never pinned, so the stream is `Unpin` whatever `T` is.
impl<T> Unpin for PageStream<T> {}
