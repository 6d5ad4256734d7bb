//! One cursor per strategy: which page to ask for next, and what an arrived
//! page tells the cursor. The [`PageStream`](super::PageStream) only keeps
//! the window of pages in flight and the complete-or-error guards every
//! walk shares; everything a strategy knows lives here.
//!
//! [`Walk`] is public for vendor crates ([`vendor::paging`](crate::vendor::paging)):
//! a paging scheme none of the built-in walks fits is a walk of its own,
//! handed to [`paging::custom`](crate::vendor::paging::custom).

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::collections::HashSet;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::{
    Fetch, KeyFn, KeyOrder, KeyRange, KeysetCursor, OffsetCursor, Page, PageNumberCursor,
    Paginator, Strategy, TokenCursor,
};
use crate::error::Result;

/// A page request: its fetch, which can be run again (a fetch whose task
/// was cancelled with its runtime is fetched again on the one polling the
/// listing).
pub type Relaunch<T> = Box<dyn Fn() -> BoxFuture<'static, Result<Page<T>>> + Send>;

/// What a walk says about the next page.
#[non_exhaustive]
pub enum Next<T> {
    /// Request this page. `page_number` is the number asked for (page-number
    /// walks, past the first page), for checking the answer.
    Request {
        /// The page number asked for, when the walk numbers its pages.
        page_number: Option<u64>,
        /// The fetch of the page.
        fetch: Relaunch<T>,
    },
    /// No page to request now: the total is reached, or the walk waits for
    /// the answer in flight.
    Wait,
    /// No page can ever be requested again, for this reason, although the
    /// listing may not be done.
    Stalled(String),
}

/// What an accepted page says about the end of the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageEnd {
    /// A full page holds this many items: a shorter one (or the total the
    /// server reported) ends the listing.
    FullAt(u64),
    /// The server says more pages follow, however many items this one held
    /// (a next token).
    More,
    /// The server says this page is the last (no next token).
    Last,
}

/// A paging scheme's cursor: which page to ask for next, and what an
/// arrived page tells it. The stream around it keeps the window of pages
/// in flight, ends the listing when a page says it is the last, and turns
/// every reason a walk gives into [`Error::IncompleteListing`](crate::Error::IncompleteListing).
///
/// Each page fetch is the vendor's (it sees the answer's status, headers
/// and body, and puts what the walk needs into the [`Page`]: a total, a
/// page number, a next token), so the walk itself only decides.
pub trait Walk<T>: Send {
    /// The next page request, given the total the server reported so far.
    fn next(&mut self, total: Option<u64>) -> Next<T>;

    /// Takes in an arrived page (asked for as `page_number`): checks it and
    /// its items against what the walk knows, and moves the cursor on.
    /// Returns what the page says of the listing's end, or why the page
    /// breaks the listing.
    fn accept(
        &mut self,
        page_number: Option<u64>,
        page: &mut Page<T>,
    ) -> std::result::Result<PageEnd, String>;

    /// Whether each page needs the one before it (no concurrency).
    fn sequential(&self) -> bool {
        false
    }
}

/// The walk a paginator's strategy describes.
pub(super) fn start<T: Send + 'static>(paginator: Paginator<T>) -> Box<dyn Walk<T>> {
    let seen = SeenKeys {
        key: paginator.key,
        seen: HashSet::new(),
    };
    match paginator.strategy {
        Strategy::Offset {
            limit,
            with_total,
            fetch,
        } => Box::new(OffsetWalk {
            limit,
            with_total,
            fetch,
            next: Some(0),
            seen,
        }),
        Strategy::PageNumber { size, fetch } => Box::new(PageNumberWalk {
            size,
            fetch,
            next: Numbering::First,
            seen_numbers: HashSet::new(),
            seen,
        }),
        Strategy::Keyset {
            limit,
            fetch,
            key,
            order,
        } => Box::new(KeysetWalk {
            limit,
            fetch,
            key,
            order,
            range: paginator.key_range,
            after: paginator.start_after,
            waiting: false,
        }),
        Strategy::Custom(walk) => walk,
    }
}

/// A page request that can be made again: the fetch with its cursor.
fn relaunchable<C, T: 'static>(fetch: &Fetch<C, T>, cursor: C) -> Relaunch<T>
where
    C: Clone + Send + 'static,
{
    let fetch = Arc::clone(fetch);
    Box::new(move || fetch(cursor.clone()))
}

/// Item ids seen so far, for listings that may repeat or shift pages.
struct SeenKeys<T> {
    /// No key: items are not checked.
    key: Option<Arc<KeyFn<T>>>,
    seen: HashSet<String>,
}

impl<T> SeenKeys<T> {
    fn check(&mut self, items: &[T]) -> std::result::Result<(), String> {
        let Some(key) = &self.key else {
            return Ok(());
        };
        for item in items {
            let id = key(item);
            if !id.is_empty() && !self.seen.insert(id.clone()) {
                return Err(format!(
                    "the server returned the item `{id}` twice: it repeats pages, or the data shifted while it was read, so items may have been skipped"
                ));
            }
        }
        Ok(())
    }
}

struct OffsetWalk<T> {
    limit: u64,
    with_total: bool,
    fetch: Fetch<OffsetCursor, T>,
    /// `None` once the next offset would overflow.
    next: Option<u64>,
    seen: SeenKeys<T>,
}

impl<T: 'static> Walk<T> for OffsetWalk<T> {
    fn next(&mut self, total: Option<u64>) -> Next<T> {
        let Some(offset) = self.next else {
            return Next::Stalled("the next offset is past u64::MAX".to_owned());
        };
        if total.is_some_and(|total| offset >= total) {
            return Next::Wait;
        }
        self.next = offset.checked_add(self.limit);
        let cursor = OffsetCursor {
            offset,
            limit: self.limit,
            with_total: self.with_total,
        };
        Next::Request {
            page_number: None,
            fetch: relaunchable(&self.fetch, cursor),
        }
    }

    fn accept(
        &mut self,
        _: Option<u64>,
        page: &mut Page<T>,
    ) -> std::result::Result<PageEnd, String> {
        self.seen.check(&page.items)?;
        Ok(PageEnd::FullAt(self.limit))
    }
}

enum Numbering {
    /// Nothing requested yet.
    First,
    /// The first page is requested; its answer sets the numbering.
    AwaitingFirst,
    /// Numbering known: the next number to request (`None` past `u64::MAX`),
    /// and the first page's number.
    Next { number: Option<u64>, first: u64 },
}

struct PageNumberWalk<T> {
    /// What a full page holds: asked for, or as the server reported.
    size: u64,
    fetch: Fetch<PageNumberCursor, T>,
    next: Numbering,
    seen_numbers: HashSet<u64>,
    seen: SeenKeys<T>,
}

impl<T: 'static> PageNumberWalk<T> {
    /// The number of the next page, or what to do instead.
    fn next_number(&mut self, total: Option<u64>) -> std::result::Result<Option<u64>, Next<T>> {
        match &mut self.next {
            Numbering::First => {
                self.next = Numbering::AwaitingFirst;
                Ok(None)
            }
            Numbering::AwaitingFirst => Err(Next::Wait),
            Numbering::Next { number, first } => {
                let Some(current) = *number else {
                    return Err(Next::Stalled(
                        "the next page number is past u64::MAX".to_owned(),
                    ));
                };
                let already = current.saturating_sub(*first).saturating_mul(self.size);
                if total.is_some_and(|total| already >= total) {
                    return Err(Next::Wait);
                }
                *number = current.checked_add(1);
                Ok(Some(current))
            }
        }
    }

    /// The first page's number sets the numbering.
    fn learn_numbering(&mut self, page: &Page<T>) -> std::result::Result<(), String> {
        if let Numbering::AwaitingFirst = self.next {
            let first = page.page_number.unwrap_or(0);
            let Some(second) = first.checked_add(1) else {
                return Err(format!("the server numbered the first page {first}"));
            };
            self.next = Numbering::Next {
                number: Some(second),
                first,
            };
        }
        Ok(())
    }
}

impl<T: 'static> Walk<T> for PageNumberWalk<T> {
    fn next(&mut self, total: Option<u64>) -> Next<T> {
        match self.next_number(total) {
            Ok(number) => {
                let cursor = PageNumberCursor {
                    number,
                    size: self.size,
                };
                Next::Request {
                    page_number: number,
                    fetch: relaunchable(&self.fetch, cursor),
                }
            }
            Err(instead) => instead,
        }
    }

    fn accept(
        &mut self,
        asked: Option<u64>,
        page: &mut Page<T>,
    ) -> std::result::Result<PageEnd, String> {
        // A size the server reports (it may cap what was asked) is what a full page holds.
        if let Some(reported) = page.page_size.filter(|size| *size > 0) {
            self.size = reported;
        }
        self.learn_numbering(page)?;
        if let (Some(asked), Some(answered)) = (asked, page.page_number)
            && asked != answered
        {
            return Err(format!(
                "asked for page {asked}, the server answered page {answered}"
            ));
        }
        if let Some(number) = page.page_number
            && !self.seen_numbers.insert(number)
        {
            return Err(format!("the server returned page {number} twice"));
        }
        self.seen.check(&page.items)?;
        Ok(PageEnd::FullAt(self.size))
    }
}

struct KeysetWalk<T> {
    limit: u64,
    fetch: Fetch<KeysetCursor, T>,
    key: Arc<KeyFn<T>>,
    order: KeyOrder,
    /// The range every key must lie in (one partition of a walk).
    range: KeyRange,
    /// The key of the last item seen.
    after: Option<String>,
    /// A page is in flight: the next one needs its last key.
    waiting: bool,
}

/// The next request of a walk whose every page needs the one before it:
/// none while a page is in flight (`waiting`), else the fetch of `cursor`.
fn after_the_last<C, T>(
    waiting: &mut bool,
    fetch: &Fetch<C, T>,
    cursor: impl FnOnce() -> C,
) -> Next<T>
where
    C: Clone + Send + 'static,
    T: 'static,
{
    if std::mem::replace(waiting, true) {
        return Next::Wait;
    }
    Next::Request {
        page_number: None,
        fetch: relaunchable(fetch, cursor()),
    }
}

impl<T: 'static> Walk<T> for KeysetWalk<T> {
    fn next(&mut self, _: Option<u64>) -> Next<T> {
        after_the_last(&mut self.waiting, &self.fetch, || KeysetCursor {
            after: self.after.clone(),
            limit: self.limit,
        })
    }

    fn accept(
        &mut self,
        _: Option<u64>,
        page: &mut Page<T>,
    ) -> std::result::Result<PageEnd, String> {
        self.waiting = false;
        if u64::try_from(page.items.len()).unwrap_or(u64::MAX) < self.limit {
            // A short page is the whole remainder, so its order carries no
            // information: servers that ignore `sort` (commercetools-mock)
            // still end a walk. A full page out of order stays an error,
            // since what it skipped cannot be known.
            let order = self.order;
            let mut keyed: Vec<(String, T)> = std::mem::take(&mut page.items)
                .into_iter()
                .map(|item| ((self.key)(&item), item))
                .collect();
            keyed.sort_by(|(a, _), (b, _)| order.compare(a, b));
            page.items = keyed.into_iter().map(|(_, item)| item).collect();
        }
        for item in &page.items {
            let id = (self.key)(item);
            if !self.range.contains(&id) {
                return Err(format!(
                    "the server returned id `{id}` outside the requested range {}",
                    self.range
                ));
            }
            let not_after = |previous: &&String| self.order.compare(&id, previous).is_le();
            if let Some(previous) = self.after.as_ref().filter(not_after) {
                return Err(format!(
                    "the server returned id `{id}` after `{previous}`: a keyset walk needs ids in strictly increasing order"
                ));
            }
            self.after = Some(id);
        }
        Ok(PageEnd::FullAt(self.limit))
    }

    fn sequential(&self) -> bool {
        true
    }
}

/// Next-token paging: each page names the next, and a page without a
/// token is the last. A token seen before, or a page larger than asked
/// for, breaks the listing (a server that cycles, or ignores the limit).
pub(super) struct NextTokenWalk<T> {
    limit: u64,
    fetch: Fetch<TokenCursor, T>,
    /// The token of the next page; `None` before the first page.
    next: Option<String>,
    seen_tokens: HashSet<String>,
    /// A page is in flight: the next one needs its token.
    waiting: bool,
}

impl<T> NextTokenWalk<T> {
    pub(super) fn new(limit: u64, fetch: Fetch<TokenCursor, T>) -> Self {
        Self {
            limit,
            fetch,
            next: None,
            seen_tokens: HashSet::new(),
            waiting: false,
        }
    }
}

impl<T: 'static> Walk<T> for NextTokenWalk<T> {
    fn next(&mut self, _: Option<u64>) -> Next<T> {
        after_the_last(&mut self.waiting, &self.fetch, || TokenCursor {
            token: self.next.clone(),
            limit: self.limit,
        })
    }

    fn accept(
        &mut self,
        _: Option<u64>,
        page: &mut Page<T>,
    ) -> std::result::Result<PageEnd, String> {
        self.waiting = false;
        let held = u64::try_from(page.items.len()).unwrap_or(u64::MAX);
        if held > self.limit {
            return Err(format!(
                "the server answered {held} items on a page of {} asked for",
                self.limit
            ));
        }
        let Some(token) = page.next_token.clone() else {
            return Ok(PageEnd::Last);
        };
        if !self.seen_tokens.insert(token.clone()) {
            return Err(format!(
                "the server named the page `{token}` next twice: it cycles, so items may have been skipped"
            ));
        }
        self.next = Some(token);
        Ok(PageEnd::More)
    }

    fn sequential(&self) -> bool {
        true
    }
}
