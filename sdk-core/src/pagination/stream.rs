//! The streams a [`Paginator`](super::Paginator) walks: pages in order
//! with prefetch and bounded concurrency, and items page after page.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::Stream;
use futures::future::BoxFuture;
use tokio::task::{JoinError, JoinHandle};
use tracing::Instrument;

use super::walk::{self, Next, PageEnd, Relaunch, Walk};
use super::{Page, Paginator, Widening};
use crate::error::{Error, Result};
use crate::telemetry::{Metrics, Operation};

/// A fetched page, and how long its fetch took.
type Fetched<T> = (Result<Page<T>>, Duration);

/// A spawned page fetch, aborted if the stream is dropped before it is consumed.
struct InFlight<T> {
    /// The page number asked for, when the walk numbers its pages.
    page_number: Option<u64>,
    handle: JoinHandle<Fetched<T>>,
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
    /// The strategy's cursor: which page comes next.
    walk: Box<dyn Walk<T>>,
    operation: &'static str,
    metered: Option<(&'static str, Metrics)>,
    prefetch: usize,
    /// Pages in flight at once once the total is known.
    width: Widening,
    /// How long the fetch of the last page handed over took.
    last_took: Option<Duration>,
    in_flight: VecDeque<InFlight<T>>,
    total: Option<u64>,
    delivered: u64,
    pages_seen: u64,
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

/// Runs a page fetch as a task of the current runtime, in the caller's
/// span, timing it (a widening walk widens only while pages come back fast).
fn spawn_fetch<T: Send + 'static>(
    fetching: BoxFuture<'static, Result<Page<T>>>,
) -> JoinHandle<Fetched<T>> {
    let timed = async move {
        let started = tokio::time::Instant::now();
        let page = fetching.await;
        (page, started.elapsed())
    };
    tokio::spawn(timed.instrument(tracing::Span::current()))
}

/// Why a fetch task ended without a page, for the listing's error.
fn lost_fetch(join_error: JoinError) -> String {
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

impl<T: Send + 'static> PageStream<T> {
    pub(super) fn new(mut paginator: Paginator<T>) -> Self {
        let metered = paginator.metered.take();
        Self {
            operation: paginator.operation,
            metered,
            prefetch: paginator.prefetch,
            width: paginator.width(),
            last_took: None,
            walk: walk::start(paginator),
            in_flight: VecDeque::new(),
            total: None,
            delivered: 0,
            pages_seen: 0,
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

    /// How long the fetch of the last page handed over took.
    pub(super) fn last_took(&self) -> Option<Duration> {
        self.last_took
    }

    /// How many pages may be in flight while the caller holds one: the
    /// prefetch depth, plus the extra concurrency once the total is known.
    /// Pages held in all stay within `prefetch + concurrency`.
    fn ahead(&self) -> usize {
        if self.total.is_some() && !self.walk.sequential() {
            self.prefetch
                .saturating_add(self.width.width())
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
        match self.walk.next(self.total) {
            Next::Request { page_number, fetch } => {
                let handle = spawn_fetch(fetch());
                self.in_flight.push_back(InFlight {
                    page_number,
                    handle,
                    relaunch: fetch,
                });
                true
            }
            Next::Wait => false,
            Next::Stalled(reason) => {
                self.stalled = Some(reason);
                false
            }
        }
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
                if let Some((vendor, metrics)) = &self.metered {
                    metrics.listing_incomplete(self.named(vendor));
                }
                incomplete.items = self.delivered;
                incomplete.pages = self.pages_seen;
                Error::IncompleteListing(incomplete)
            }
            other => other,
        }
    }

    /// The listing as metrics name it.
    fn named(&self, vendor: &'static str) -> Operation {
        Operation {
            vendor,
            name: self.operation,
        }
    }

    /// Takes in an arrived page: `Ok(false)` if the page is to be skipped
    /// (empty), `Err(reason)` when the page itself breaks the listing's
    /// rules. A sound page that ends the listing short of its total is
    /// handed over, and the error follows it (`contradiction`).
    fn accept(
        &mut self,
        page_number: Option<u64>,
        page: &mut Page<T>,
    ) -> std::result::Result<bool, String> {
        self.pages_seen = self.pages_seen.saturating_add(1);
        if page.total.is_some() {
            self.total = page.total;
        }
        let end = self.walk.accept(page_number, page)?;
        if let Some((vendor, metrics)) = &self.metered {
            metrics.listing_page(self.named(vendor));
        }

        // The page itself is sound: its items count, whatever comes next.
        let received = u64::try_from(page.items.len()).unwrap_or(u64::MAX);
        self.delivered = self.delivered.saturating_add(received);
        let total_reached = self.total.is_some_and(|total| self.delivered >= total);
        let last = match end {
            PageEnd::FullAt(full_page) => received < full_page,
            PageEnd::More => false,
            PageEnd::Last => true,
        };
        if total_reached {
            self.finish();
        } else if last {
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
        // An empty page is skipped, unless it is the first or more follow
        // it (a next-token walk's empty page still says where to go on).
        Ok(received > 0 || self.pages_seen == 1)
    }

    /// With nothing in flight: requests pages, or ends the stream (`Break`
    /// with its last item, if any) when none can be requested.
    fn refill_or_end(&mut self) -> ControlFlow<Option<Result<Page<T>>>> {
        let waiting = if self.total.is_some() {
            self.width.width()
        } else {
            1
        };
        self.fill_window(waiting);
        if !self.in_flight.is_empty() {
            return ControlFlow::Continue(());
        }
        let stalled = self.stalled.take().filter(|_| !self.exhausted);
        ControlFlow::Break(
            self.contradiction
                .take()
                .or(stalled)
                .map(|reason| Err(self.incomplete(reason))),
        )
    }

    /// Ends the stream with an incomplete listing, for `reason`.
    fn incomplete(&mut self, reason: String) -> Error {
        let error = Error::incomplete_listing(self.operation, reason);
        self.fail(error)
    }

    /// What the stream yields for the fetch at the front of the window:
    /// `None` for an empty page it skips.
    fn take_arrived(
        &mut self,
        joined: std::result::Result<Fetched<T>, JoinError>,
    ) -> Option<Result<Page<T>>> {
        let arrived = self.in_flight.pop_front()?;
        let mut page = match joined {
            Ok((Ok(page), took)) => {
                self.last_took = Some(took);
                page
            }
            Ok((Err(error), _)) => return Some(Err(self.fail(error))),
            // Never `None`: a fetch that brought no page leaves the listing incomplete.
            Err(join_error) => return Some(Err(self.incomplete(lost_fetch(join_error)))),
        };
        match self.accept(arrived.page_number, &mut page) {
            Ok(keep) => {
                if let Some(took) = self.last_took {
                    self.width.page_arrived(took);
                }
                // Top up before handing the page over, so the next pages are in
                // flight while the caller works on this one.
                self.fill_window(0);
                keep.then_some(Ok(page))
            }
            Err(reason) => Some(Err(self.incomplete(reason))),
        }
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
            if this.in_flight.is_empty()
                && let ControlFlow::Break(end) = this.refill_or_end()
            {
                return Poll::Ready(end);
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
            relaunched = false;
            if let Some(next) = this.take_arrived(joined) {
                return Poll::Ready(Some(next));
            }
        }
    }
}

// Pages are moved out, never pinned, so the stream is `Unpin` whatever `T` is.
impl<T> Unpin for PageStream<T> {}
