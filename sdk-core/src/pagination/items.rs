//! The items of a listing, page after page, from one walk or a partitioned one.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::Stream;

use super::{PageStream, PartitionedPages};
use crate::error::Result;

/// Where an [`ItemStream`] takes its pages from.
pub(super) enum PageSource<T> {
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

impl<T: Send + 'static> ItemStream<T> {
    pub(super) fn over(pages: PageSource<T>) -> Self {
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
