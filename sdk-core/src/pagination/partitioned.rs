//! A listing split into disjoint, ordered parts that are walked at once.
//!
//! A keyset walk asks for a page only once the page before it has arrived,
//! so its speed is bound by latency. Splitting the key space into disjoint
//! ranges and walking several at the same time multiplies it, and since the
//! ranges are ordered, their pages concatenate into the order one walk gives.
//!
//! Parts are opened in order through a window: at most `concurrency` parts
//! walk at a time (so at most that many requests are in flight), each part
//! holds at most two pages waiting for the caller, and all parts together
//! hold at most `2 × concurrency` pages. A part that has arrived in full
//! frees its walking slot at once, so with more parts than the window the
//! server is kept busy while the caller reads the listing in order.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::future::BoxFuture;

use super::{ItemStream, Page, PageSource, PageStream, Paginator, Widening};
use crate::error::Result;

type Plan<T> = BoxFuture<'static, Result<Vec<Paginator<T>>>>;

/// Several paginators over disjoint, ordered parts of one listing, walked
/// at the same time, at most [`concurrency`](Self::concurrency) at once.
///
/// At most `concurrency` parts walk at once; each holds at most two pages
/// waiting for the caller, and all together at most `2 × concurrency`. In order (the default), pages come part after part, so the items
/// come in the order one walk would give; [`unordered`](Self::unordered)
/// yields pages as they arrive. The stream ends `Ok` only when every part
/// has ended `Ok`; the first error of any part ends it.
///
/// ```
/// use futures::TryStreamExt;
/// use sdk_core::pagination::Page;
/// use sdk_core::vendor::paging::{self, OffsetCursor};
///
/// # async fn demo() -> sdk_core::Result<()> {
/// // Two parts of one listing: 0..10 and 10..20.
/// let part = |start: u64| {
///     paging::offset(4, move |page: OffsetCursor| async move {
///         Ok(Page::new((start + page.offset..start + 10).take(page.limit as usize).collect()))
///     })
/// };
/// let all: Vec<u64> = paging::partitioned(vec![part(0), part(10)]).items().try_collect().await?;
/// assert_eq!(all, (0..20).collect::<Vec<_>>());
/// # Ok(())
/// # }
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(demo()).unwrap();
/// ```
pub struct Partitioned<T> {
    plan: Plan<T>,
    /// How many parts walk at once.
    width: Widening,
    ordered: bool,
}

impl<T> fmt::Debug for Partitioned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partitioned")
            .field("width", &self.width.width())
            .field("ordered", &self.ordered)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Partitioned<T> {
    /// Walks `parts`, all at once; their order is the order of the listing.
    pub(crate) fn new(parts: Vec<Paginator<T>>) -> Self {
        let concurrency = parts.len().max(1);
        Self::planned(async move { Ok(parts) }).concurrency(concurrency)
    }

    /// Walks the parts that `plan` decides on when the stream is first
    /// polled (for example after asking the server how large the listing
    /// is); a failed plan ends the stream with its error. Default
    /// concurrency: 1.
    pub(crate) fn planned<F>(plan: F) -> Self
    where
        F: std::future::Future<Output = Result<Vec<Paginator<T>>>> + Send + 'static,
    {
        Self {
            plan: Box::pin(plan),
            width: Widening::fixed(1),
            ordered: true,
        }
    }

    /// How many parts are open at once (at least 1).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.width = Widening::fixed(parts);
        self
    }

    /// Opens `from` parts at once (at least 1), and one more for each page
    /// that arrives clean and fast while the client's governor has room, up
    /// to `to`. The governor bounds the requests in flight whatever
    /// the width, so a walk that meets throttling is held back there.
    pub fn widening(mut self, from: usize, to: usize) -> Self {
        self.width = Widening::from_to(from, to);
        self
    }

    /// Yields pages as they arrive instead of part after part.
    pub fn unordered(mut self) -> Self {
        self.ordered = false;
        self
    }

    /// The pages (empty ones left out).
    pub fn pages(self) -> PartitionedPages<T> {
        PartitionedPages {
            plan: Some(self.plan),
            parts: Vec::new(),
            opened: 0,
            width: self.width,
            ordered: self.ordered,
            current: 0,
            failed: false,
        }
    }

    /// The items, page after page.
    pub fn items(self) -> ItemStream<T> {
        ItemStream::over(PageSource::Partitioned(self.pages()))
    }
}

/// The most pages one part holds for the caller.
const PAGES_HELD_PER_PART: usize = 2;

struct Part<T> {
    pages: PageStream<T>,
    /// Pages that arrived and wait for the caller.
    waiting: VecDeque<Page<T>>,
    done: bool,
}

/// The pages of a [`Partitioned`] listing: `Send + 'static + Unpin`.
#[must_use = "streams do nothing unless polled"]
pub struct PartitionedPages<T> {
    plan: Option<Plan<T>>,
    parts: Vec<Part<T>>,
    /// Parts below this index have been opened (polled at least once).
    opened: usize,
    /// How many parts walk at once.
    width: Widening,
    ordered: bool,
    /// In order: the part whose pages are handed over now. Unordered: where
    /// the round-robin search for a waiting page starts.
    current: usize,
    failed: bool,
}

impl<T> fmt::Debug for PartitionedPages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartitionedPages")
            .field("parts", &self.parts.len())
            .field("opened", &self.opened)
            .field("width", &self.width.width())
            .field("ordered", &self.ordered)
            .finish_non_exhaustive()
    }
}

impl<T> Unpin for PartitionedPages<T> {}

impl<T: Send + 'static> PartitionedPages<T> {
    /// Polls every open part that has room for a page, and opens the next
    /// parts while the window allows; an error ends everything.
    fn fill(&mut self, cx: &mut Context<'_>) -> Option<crate::Error> {
        loop {
            for part in &mut self.parts[..self.opened] {
                while !part.done && part.waiting.len() < PAGES_HELD_PER_PART {
                    match Pin::new(&mut part.pages).poll_next(cx) {
                        Poll::Ready(Some(Ok(page))) if page.items.is_empty() => {}
                        Poll::Ready(Some(Ok(page))) => {
                            part.waiting.push_back(page);
                            if let Some(took) = part.pages.last_took() {
                                self.width.page_arrived(took);
                            }
                        }
                        Poll::Ready(Some(Err(error))) => return Some(error),
                        Poll::Ready(None) => part.done = true,
                        Poll::Pending => break,
                    }
                }
            }
            let width = self.width.width();
            let open = &self.parts[..self.opened];
            let walking = open.iter().filter(|part| !part.done).count();
            let held: usize = open.iter().map(|part| part.waiting.len()).sum();
            let room = walking < width
                && walking.saturating_add(held) < width.saturating_mul(PAGES_HELD_PER_PART);
            if !room || self.opened >= self.parts.len() {
                return None;
            }
            // Open the next part in order; the loop polls it.
            self.opened = self.opened.saturating_add(1);
        }
    }

    fn next_in_order(&mut self) -> Poll<Option<Page<T>>> {
        while let Some(part) = self.parts.get_mut(self.current) {
            if let Some(page) = part.waiting.pop_front() {
                return Poll::Ready(Some(page));
            }
            if !part.done {
                // Open (parts open in order) and polled by `fill`: its waker is registered.
                return Poll::Pending;
            }
            self.current = self.current.saturating_add(1);
        }
        Poll::Ready(None)
    }

    fn next_as_arrived(&mut self) -> Poll<Option<Page<T>>> {
        let open = self.opened;
        for step in 0..open {
            let index = self
                .current
                .saturating_add(step)
                .checked_rem(open)
                .unwrap_or(0);
            if let Some(page) = self.parts[index].waiting.pop_front() {
                self.current = index.saturating_add(1);
                return Poll::Ready(Some(page));
            }
        }
        if self.opened >= self.parts.len() && self.parts.iter().all(|part| part.done) {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }

    fn fail(&mut self, error: crate::Error) -> Poll<Option<Result<Page<T>>>> {
        self.failed = true;
        // Dropping the parts cancels their fetches in flight.
        self.parts.clear();
        self.plan = None;
        Poll::Ready(Some(Err(error)))
    }
}

impl<T: Send + 'static> Stream for PartitionedPages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        if let Some(plan) = &mut this.plan {
            match plan.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(error)) => return this.fail(error),
                Poll::Ready(Ok(paginators)) => {
                    this.plan = None;
                    let governor = paginators.first().and_then(|part| part.governor.clone());
                    this.width = this.width.clone().governed_by(governor);
                    this.parts = paginators
                        .into_iter()
                        .map(|paginator| Part {
                            pages: paginator.pages(),
                            waiting: VecDeque::new(),
                            done: false,
                        })
                        .collect();
                }
            }
        }
        if let Some(error) = this.fill(cx) {
            return this.fail(error);
        }
        let next = if this.ordered {
            this.next_in_order()
        } else {
            this.next_as_arrived()
        };
        next.map(|page| page.map(Ok))
    }
}
