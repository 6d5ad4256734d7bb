//! Change feeds: what changed since the last run, nothing missed, nothing
//! twice, across restarts.
//!
//! A vendor crate's `changes(store)` returns a [`ChangeFeed`]: each poll
//! reads what changed since the feed's checkpoint, hands it out in
//! batches of [`Change`]s, and saves the checkpoint when the consumer
//! [`commit`](ChangeFeed::commit)s a batch. What it guarantees:
//!
//! - **At least once.** A change is handed out until a commit covers it: a
//!   consumer that stops between handling a batch and committing it gets
//!   that batch again after a restart, and nothing after it is skipped.
//! - **De-duplicated within the overlap.** Each poll re-reads a window
//!   before the checkpoint (clock skew between the server's writers, writes
//!   in the same instant as the checkpoint), and drops what it already
//!   handed out: a resource comes again only when it changed again.
//! - **Deletes by reconciliation.** A "modified since" listing never shows
//!   a deleted resource. A delete pass, on the schedule
//!   [`reconcile_every`](ChangeFeed::reconcile_every) sets, reads every id
//!   and hands out a [`Change::Deleted`] for each one seen before and gone
//!   now. It keeps ids only, never whole resources.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> sdk_core::Result<()> {
//! use sdk_core::feed::{Change, ChangeFeed, MemoryCheckpoints};
//! # let feed: ChangeFeed<String> = sdk_core::feed::tests_support::feed_of(&["a", "b"]);
//! # let mut feed = feed;
//! // let mut feed = ct.customer_groups().changes(MemoryCheckpoints::new());
//! while let Some(batch) = feed.next_batch().await? {
//!     for change in batch.changes() {
//!         match change {
//!             Change::Upserted(item) => println!("changed: {item}"),
//!             Change::Deleted(id) => println!("deleted: {id}"),
//!             _ => {}
//!         }
//!     }
//!     feed.commit().await?; // what was handled is not handed out again
//! }
//! # Ok(())
//! # }
//! ```

mod engine;
mod store;

pub use engine::{Batch, ChangeFeed};
pub use store::{CheckpointStore, FileCheckpoints, MemoryCheckpoints};

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

/// One change a feed hands out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change<T> {
    /// Created or changed: the resource as the server holds it.
    Upserted(T),
    /// Deleted: its id, as the delete pass found it gone.
    Deleted(String),
}

impl<T> Change<T> {
    /// The resource, for an upsert.
    pub fn upserted(&self) -> Option<&T> {
        match self {
            Change::Upserted(item) => Some(item),
            Change::Deleted(_) => None,
        }
    }

    /// The id, for a delete.
    pub fn deleted_id(&self) -> Option<&str> {
        match self {
            Change::Deleted(id) => Some(id),
            Change::Upserted(_) => None,
        }
    }
}

/// What a feed knows of a resource to tell a new change from one it
/// handed out already: its id, a marker that changes whenever the resource
/// does (a version, a modification time, a content hash), and when it was
/// modified, where the server says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeKey {
    /// The resource's id.
    pub id: String,
    /// Changes whenever the resource does.
    pub marker: String,
    /// When it was last modified, by the server's clock; `None` when the
    /// server does not say (the page's server time stands in).
    pub modified_at: Option<DateTime<Utc>>,
}

impl ChangeKey {
    /// The key of the resource `id`, `marker`, modified at `modified_at`.
    pub fn new(
        id: impl Into<String>,
        marker: impl Into<String>,
        modified_at: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            id: id.into(),
            marker: marker.into(),
            modified_at,
        }
    }
}

/// One page of changes from a [`ChangeSource`], oldest first.
#[derive(Debug)]
#[non_exhaustive]
pub struct SourcePage<T> {
    /// The resources changed, oldest first.
    pub items: Vec<T>,
    /// The server's time when it answered (its `Date` header), for items
    /// whose key has no modification time.
    pub server_time: Option<DateTime<Utc>>,
}

impl<T> SourcePage<T> {
    /// A page of `items` answered at `server_time`.
    pub fn new(items: Vec<T>, server_time: Option<DateTime<Utc>>) -> Self {
        Self { items, server_time }
    }
}

/// The pages of a source that reads every change at once (one answer, or
/// a walk that must end before it can hand anything out): `read` gives
/// them oldest first, with the server's time, and they are handed out
/// `page_size` at a time; its error ends the stream.
pub fn pages_of<T, F>(read: F, page_size: u32) -> BoxStream<'static, crate::Result<SourcePage<T>>>
where
    T: Send + 'static,
    F: std::future::Future<Output = crate::Result<(Vec<T>, Option<DateTime<Utc>>)>>
        + Send
        + 'static,
{
    use futures::StreamExt as _;
    let size = usize::try_from(page_size.max(1)).unwrap_or(usize::MAX);
    Box::pin(futures::stream::once(read).flat_map(move |read| {
        let pages: Vec<crate::Result<SourcePage<T>>> = match read {
            Ok((items, server_time)) => {
                let mut pages = Vec::new();
                let mut items = items.into_iter().peekable();
                while items.peek().is_some() {
                    let page: Vec<T> = items.by_ref().take(size).collect();
                    pages.push(Ok(SourcePage::new(page, server_time)));
                }
                pages
            }
            Err(error) => vec![Err(error)],
        };
        futures::stream::iter(pages)
    }))
}

/// What a vendor crate supplies for a feed of one resource: the query of
/// what changed, the listing of every id, and what identifies a change.
/// The [`ChangeFeed`] does the rest (checkpoints, overlap, de-duplication,
/// batches, delete passes) the same for every vendor.
pub trait ChangeSource: Send + Sync + 'static {
    /// The resource.
    type Item: Send + 'static;

    /// What identifies this change of `item`.
    fn key(&self, item: &Self::Item) -> ChangeKey;

    /// Every resource modified at or after `since` (all of them for
    /// `None`), in pages of about `page_size`, oldest first. The stream
    /// ends only when the server's answers say the walk is complete, and
    /// fails when they are out of the order asked for.
    fn changed_since(
        &self,
        since: Option<DateTime<Utc>>,
        page_size: u32,
    ) -> BoxStream<'static, crate::Result<SourcePage<Self::Item>>>;

    /// Every id the server holds, in pages, for the delete pass; complete
    /// or an error.
    fn all_ids(&self) -> BoxStream<'static, crate::Result<Vec<String>>>;

    /// How far before the checkpoint each poll reads again, unless the
    /// feed sets its own ([`ChangeFeed::overlap`]).
    fn default_overlap(&self) -> Duration;

    /// The earliest modification a walk from `since` reads: `since`
    /// itself, unless the server's query is coarser (one that reads whole
    /// days returns the start of the day). The feed keeps what it handed
    /// out from then on, to drop it when it is read again.
    fn read_from(&self, since: DateTime<Utc>) -> DateTime<Utc> {
        since
    }
}

/// A marker for resources without a version: 64 bits of FNV-1a over the
/// resource's JSON, the same on every machine and in every release (a
/// checkpoint keeps it across restarts and upgrades).
///
/// ```
/// let a = sdk_core::feed::content_marker(&serde_json::json!({"name": "Gold"}));
/// let b = sdk_core::feed::content_marker(&serde_json::json!({"name": "Gold"}));
/// assert_eq!(a, b);
/// assert_ne!(a, sdk_core::feed::content_marker(&serde_json::json!({"name": "Silver"})));
/// ```
pub fn content_marker(value: &impl serde::Serialize) -> String {
    let text = serde_json::to_vec(value).unwrap_or_default();
    let hash = text.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[doc(hidden)]
/// A feed over a fixed list, for this module's doc example.
pub mod tests_support {
    use super::*;

    #[derive(Debug)]
    struct Fixed(Vec<String>);

    impl ChangeSource for Fixed {
        type Item = String;
        fn key(&self, item: &String) -> ChangeKey {
            ChangeKey::new(item.clone(), item.clone(), None)
        }
        fn changed_since(
            &self,
            _: Option<DateTime<Utc>>,
            _: u32,
        ) -> BoxStream<'static, crate::Result<SourcePage<String>>> {
            let page = SourcePage::new(self.0.clone(), None);
            Box::pin(futures::stream::iter([Ok(page)]))
        }
        fn all_ids(&self) -> BoxStream<'static, crate::Result<Vec<String>>> {
            Box::pin(futures::stream::iter([Ok(self.0.clone())]))
        }
        fn default_overlap(&self) -> Duration {
            Duration::from_secs(1)
        }
    }

    /// A feed of `items`, checkpointed in memory.
    pub fn feed_of(items: &[&str]) -> ChangeFeed<String> {
        let items = items.iter().map(|item| (*item).to_owned()).collect();
        ChangeFeed::new(Fixed(items), MemoryCheckpoints::new(), "fixed")
    }
}
