//! A listing split into disjoint partitions that are walked at once.
//!
//! A keyset walk asks for a page only once the page before it has arrived,
//! so its speed is bound by latency. Splitting the key space into disjoint
//! ranges and walking each by keyset at the same time multiplies it, and
//! since the ranges are ordered, their pages concatenate into the same
//! order a single walk would give.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use super::{ItemStream, Page, PageSource, PageStream, Paginator};
use crate::error::Result;

/// Several paginators over disjoint, ordered parts of one listing, walked
/// at the same time.
///
/// Each part holds at most one page waiting for the caller and one in
/// flight. In order (the default), pages come part after part, so the
/// items come in the same order as one walk would give; [`unordered`]
/// yields pages as they arrive. The stream ends `Ok` only when every part
/// has ended `Ok`; the first error of any part ends it.
///
/// [`unordered`]: Partitioned::unordered
pub struct Partitioned<T> {
    parts: Vec<Paginator<T>>,
    ordered: bool,
}

impl<T> fmt::Debug for Partitioned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partitioned")
            .field("parts", &self.parts.len())
            .field("ordered", &self.ordered)
            .finish()
    }
}

impl<T: Send + 'static> Partitioned<T> {
    /// Walks `parts` at once; their order is the order of the listing.
    pub fn new(parts: Vec<Paginator<T>>) -> Self {
        Self {
            parts,
            ordered: true,
        }
    }

    /// Yields pages as they arrive instead of part after part.
    pub fn unordered(mut self) -> Self {
        self.ordered = false;
        self
    }

    /// The pages (empty ones left out).
    pub fn pages(self) -> PartitionedPages<T> {
        PartitionedPages {
            parts: self
                .parts
                .into_iter()
                .map(|paginator| Part {
                    pages: paginator.pages(),
                    waiting: None,
                    done: false,
                })
                .collect(),
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

struct Part<T> {
    pages: PageStream<T>,
    /// A page that arrived and waits for the caller.
    waiting: Option<Page<T>>,
    done: bool,
}

/// The pages of a [`Partitioned`] listing: `Send + 'static + Unpin`.
#[must_use = "streams do nothing unless polled"]
pub struct PartitionedPages<T> {
    parts: Vec<Part<T>>,
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
            .field("ordered", &self.ordered)
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl<T> Unpin for PartitionedPages<T> {}

impl<T: Send + 'static> PartitionedPages<T> {
    /// Polls every part that has room for a page; an error ends everything.
    fn fill(&mut self, cx: &mut Context<'_>) -> Option<crate::Error> {
        for part in &mut self.parts {
            while !part.done && part.waiting.is_none() {
                match Pin::new(&mut part.pages).poll_next(cx) {
                    Poll::Ready(Some(Ok(page))) if page.items.is_empty() => {}
                    Poll::Ready(Some(Ok(page))) => part.waiting = Some(page),
                    Poll::Ready(Some(Err(error))) => return Some(error),
                    Poll::Ready(None) => part.done = true,
                    Poll::Pending => break,
                }
            }
        }
        None
    }

    fn next_in_order(&mut self) -> Poll<Option<Page<T>>> {
        while let Some(part) = self.parts.get_mut(self.current) {
            if let Some(page) = part.waiting.take() {
                return Poll::Ready(Some(page));
            }
            if !part.done {
                // Polled by `fill`, so its waker is registered.
                return Poll::Pending;
            }
            self.current = self.current.saturating_add(1);
        }
        Poll::Ready(None)
    }

    fn next_as_arrived(&mut self) -> Poll<Option<Page<T>>> {
        let count = self.parts.len();
        for step in 0..count {
            let index = self
                .current
                .saturating_add(step)
                .checked_rem(count)
                .unwrap_or(0);
            if let Some(page) = self.parts[index].waiting.take() {
                self.current = index.saturating_add(1);
                return Poll::Ready(Some(page));
            }
        }
        if self.parts.iter().all(|part| part.done) {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

impl<T: Send + 'static> Stream for PartitionedPages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        if let Some(error) = this.fill(cx) {
            this.failed = true;
            // Dropping the parts cancels their fetches in flight.
            this.parts.clear();
            return Poll::Ready(Some(Err(error)));
        }
        let next = if this.ordered {
            this.next_in_order()
        } else {
            this.next_as_arrived()
        };
        next.map(|page| page.map(Ok))
    }
}
