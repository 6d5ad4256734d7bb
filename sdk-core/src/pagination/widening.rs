//! How many pages or parts a walk runs at once, when nobody said: it
//! starts narrow and widens while pages come back clean and fast and the
//! client's governor has room.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::time::Duration;

use crate::governor::Governor;

/// How many pages or parts a walk with no concurrency set runs at once at first.
pub const DEFAULT_WIDTH: usize = 2;

/// How many it widens to while pages come back clean and fast.
pub const DEFAULT_MAX_WIDTH: usize = 8;

/// How many clean, fast pages widen a walk by one: one, so the width
/// doubles each round trip (TCP's slow start), and a walk of a few dozen
/// pages reaches its most before it is half done.
const PAGES_PER_WIDENING: usize = 1;

/// A page is fast when it took at most this many times the fastest page
/// of the walk that took long enough to compare.
const SLOWDOWN_TOLERATED: u32 = 2;

/// A page quicker than this is fast, and sets no baseline: differences
/// below it are noise, and a page already in hand (a walk's first page,
/// read ahead of its parts) takes no time at all.
const FAST_SLACK: Duration = Duration::from_millis(10);

/// The width of a walk: fixed, or widening from a start to a most.
#[derive(Debug, Clone)]
pub(crate) struct Widening {
    width: usize,
    most: usize,
    /// Clean, fast pages since the width last grew.
    since_widening: usize,
    /// The fastest page that took at least [`FAST_SLACK`].
    fastest: Option<Duration>,
    /// Whether the walk's first page has arrived.
    first_seen: bool,
    /// The client's: while it holds requests back, more width would only
    /// queue behind it.
    governor: Option<Governor>,
}

impl Widening {
    /// Always `width` (at least 1).
    pub(crate) fn fixed(width: usize) -> Self {
        Self::from_to(width, width)
    }

    /// `from` at first (at least 1), up to `to`.
    pub(crate) fn from_to(from: usize, to: usize) -> Self {
        let width = from.max(1);
        Self {
            width,
            most: to.max(width),
            since_widening: 0,
            fastest: None,
            first_seen: false,
            governor: None,
        }
    }

    /// Widens only while `governor` has room.
    pub(crate) fn governed_by(mut self, governor: Option<Governor>) -> Self {
        self.governor = governor;
        self
    }

    /// How many at once now.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// A page arrived clean after `took`: one more at once for every
    /// [`PAGES_PER_WIDENING`] such pages, while they are fast and the
    /// governor has room. A slow page starts the count again: the server
    /// slows down before it refuses.
    ///
    /// The walk's first page counts for nothing: it is read alone, before
    /// the width applies (to learn the total, or already in hand), and its
    /// time may hold a connection's setup or a token's fetch.
    pub(crate) fn page_arrived(&mut self, took: Duration) {
        if !std::mem::replace(&mut self.first_seen, true) || self.width >= self.most {
            return;
        }
        let fast = took < FAST_SLACK || {
            let fastest = *self.fastest.get_or_insert(took);
            self.fastest = Some(fastest.min(took));
            took <= fastest.saturating_mul(SLOWDOWN_TOLERATED)
        };
        if !fast {
            self.since_widening = 0;
            return;
        }
        self.since_widening = self.since_widening.saturating_add(1);
        let room = self.governor.as_ref().is_none_or(Governor::has_room);
        if self.since_widening >= PAGES_PER_WIDENING && room {
            self.width = self.width.saturating_add(1);
            self.since_widening = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn widens_by_one_for_each_fast_page_up_to_its_most() {
        let mut widening = Widening::from_to(2, 4);
        widening.page_arrived(MS * 20);
        assert_eq!(widening.width(), 2, "the first page counts for nothing");
        for expected in [3, 4, 4, 4] {
            widening.page_arrived(MS * 20);
            assert_eq!(widening.width(), expected);
        }
    }

    #[test]
    fn a_slow_page_holds_the_width() {
        let mut widening = Widening::from_to(2, 8);
        widening.page_arrived(MS * 100);
        widening.page_arrived(MS * 20);
        assert_eq!(widening.width(), 3);
        // Three times the fastest: the server is slowing down.
        widening.page_arrived(MS * 60);
        widening.page_arrived(MS * 61);
        assert_eq!(widening.width(), 3);
        widening.page_arrived(MS * 30);
        widening.page_arrived(MS * 25);
        assert_eq!(widening.width(), 5);
    }

    #[test]
    fn pages_too_quick_to_compare_are_fast_and_set_no_baseline() {
        let mut widening = Widening::from_to(1, 8);
        // A page in hand, then pages of 20 ms: all fast.
        for took in [MS * 100, Duration::ZERO, MS * 20, MS * 21] {
            widening.page_arrived(took);
        }
        assert_eq!(widening.width(), 4);
        widening.page_arrived(MS * 5);
        widening.page_arrived(MS * 39);
        widening.page_arrived(MS * 41);
        assert_eq!(widening.width(), 6, "20 ms stays the baseline");
    }

    #[test]
    fn a_fixed_width_never_changes() {
        let mut widening = Widening::fixed(0);
        for _ in 0..10 {
            widening.page_arrived(MS);
        }
        assert_eq!(widening.width(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_governor_without_room_holds_the_width() {
        use http::{HeaderMap, StatusCode};

        let governor = Governor::adaptive();
        let mut widening = Widening::from_to(2, 8).governed_by(Some(governor.clone()));
        widening.page_arrived(MS * 20);
        // A 429 just now: no widening for a second.
        governor
            .note_for_tests(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new())
            .await;
        for _ in 0..4 {
            widening.page_arrived(MS * 20);
        }
        assert_eq!(widening.width(), 2);
        tokio::time::advance(Duration::from_secs(2)).await;
        widening.page_arrived(MS * 20);
        assert_eq!(widening.width(), 3);
    }
}
