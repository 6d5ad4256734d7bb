//! The feed itself: polls, batches, de-duplication, delete passes and
//! checkpoints, the same for every vendor.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use super::{Change, ChangeSource, CheckpointStore, SourcePage};
use crate::Result;
use crate::error::CheckpointError;

/// The page size a feed asks for unless it is told otherwise.
const DEFAULT_PAGE_SIZE: u32 = 500;

/// The checkpoint format this release writes and reads.
const FORMAT: u32 = 1;

/// A feed of the changes to one kind of resource: see [the module](super).
///
/// Built by a vendor crate (`changes(store)` on a resource handle), then
/// tuned with [`name`](Self::name), [`overlap`](Self::overlap),
/// [`page_size`](Self::page_size) and [`reconcile_every`](Self::reconcile_every).
/// Each call of [`next_batch`](Self::next_batch) hands out the next batch
/// of the current poll; `None` ends the poll, and the call after it
/// starts the next one.
pub struct ChangeFeed<T> {
    source: Arc<dyn ChangeSource<Item = T>>,
    store: Arc<dyn CheckpointStore>,
    name: String,
    overlap: Duration,
    page_size: u32,
    reconcile_every: Option<Duration>,
    reconcile_next_poll: bool,
    /// The checkpoint with every batch handed out applied: what `commit` saves.
    working: Option<State>,
    /// The id set of a delete pass handed out, saved by the next commit.
    ids_to_save: Option<BTreeSet<String>>,
    /// Batches handed out since the last commit.
    uncommitted: usize,
    poll: Option<Poll<T>>,
}

impl<T> std::fmt::Debug for ChangeFeed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeFeed")
            .field("name", &self.name)
            .field("overlap", &self.overlap)
            .field("page_size", &self.page_size)
            .field("reconcile_every", &self.reconcile_every)
            .field("uncommitted", &self.uncommitted)
            .field("polling", &self.poll.is_some())
            .finish_non_exhaustive()
    }
}

/// One poll in progress: the walk of what changed, then perhaps a delete pass.
struct Poll<T> {
    walk: Option<BoxStream<'static, Result<SourcePage<T>>>>,
    reconcile: bool,
    /// The server's time at the walk's first answer: once the walk is
    /// complete, everything modified before it (less the overlap) was seen.
    started_at: Option<DateTime<Utc>>,
}

/// What a checkpoint holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct State {
    format: u32,
    /// The latest modification time handed out.
    watermark: Option<DateTime<Utc>>,
    /// What was handed out within the overlap before the watermark, by id.
    window: BTreeMap<String, Seen>,
    /// Ids handed out since the last delete pass (so that a resource
    /// created and deleted between two passes is still reported deleted).
    upserted: BTreeSet<String>,
    /// When the last delete pass ran.
    reconciled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    marker: String,
    at: DateTime<Utc>,
}

/// The changes a feed hands out at once.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Batch<T> {
    changes: Vec<Change<T>>,
}

impl<T> Batch<T> {
    /// The changes, oldest first (deletes come after the upserts of a poll).
    pub fn changes(&self) -> &[Change<T>] {
        &self.changes
    }

    /// The changes, owned.
    pub fn into_changes(self) -> Vec<Change<T>> {
        self.changes
    }

    /// How many changes the batch holds.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether the batch holds no change (a feed never hands out one).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl<T> IntoIterator for Batch<T> {
    type Item = Change<T>;
    type IntoIter = std::vec::IntoIter<Change<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.changes.into_iter()
    }
}

impl<T: Send + 'static> ChangeFeed<T> {
    /// A feed of what `source` reads, checkpointed in `store` under `name`.
    pub fn new(
        source: impl ChangeSource<Item = T>,
        store: impl CheckpointStore + 'static,
        name: impl Into<String>,
    ) -> Self {
        let overlap = source.default_overlap();
        Self {
            source: Arc::new(source),
            store: Arc::new(store),
            name: name.into(),
            overlap,
            page_size: DEFAULT_PAGE_SIZE,
            reconcile_every: None,
            reconcile_next_poll: false,
            working: None,
            ids_to_save: None,
            uncommitted: 0,
            poll: None,
        }
    }

    /// Keeps the checkpoint under `name` instead of the vendor's default
    /// (one feed a name: two feeds sharing one would skip each other's changes).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How far before the checkpoint each poll reads again, for writes the
    /// server stamps late (clock skew between its nodes, a write in the
    /// same instant as the checkpoint). What was handed out already is
    /// dropped. Each vendor crate sets a default.
    pub fn overlap(mut self, overlap: Duration) -> Self {
        self.overlap = overlap;
        self
    }

    /// The page size the feed asks the server for (at least 1).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Runs a delete pass at the end of a poll once `period` has passed
    /// since the last one (`Duration::ZERO`: every poll). Without it, the
    /// feed hands out no deletes.
    pub fn reconcile_every(mut self, period: Duration) -> Self {
        self.reconcile_every = Some(period);
        self
    }

    /// Runs a delete pass at the end of the next poll, whatever the schedule.
    pub fn reconcile_now(&mut self) {
        self.reconcile_next_poll = true;
    }

    /// The name the checkpoint is kept under (the delete pass's id set
    /// under this name with `.ids` added).
    pub fn checkpoint_name(&self) -> &str {
        &self.name
    }

    /// The next batch of changes, or `None` when this poll has handed out
    /// everything (the next call starts a new poll). A failed request ends
    /// the poll with its error; what was committed stays committed.
    pub async fn next_batch(&mut self) -> Result<Option<Batch<T>>> {
        self.load().await?;
        if self.poll.is_none() {
            self.poll = Some(self.start_poll());
        }
        while let Some(mut walk) = self.poll.as_mut().and_then(|poll| poll.walk.take()) {
            match walk.next().await {
                Some(Ok(page)) => {
                    if let Some(poll) = self.poll.as_mut() {
                        poll.walk = Some(walk);
                        poll.started_at = poll.started_at.or(page.server_time);
                    }
                    if let Some(batch) = self.take_new(page) {
                        return Ok(Some(batch));
                    }
                }
                Some(Err(error)) => {
                    self.poll = None;
                    return Err(error);
                }
                None => {}
            }
        }
        let Some(poll) = self.poll.take() else {
            return Ok(None);
        };
        self.walk_completed(poll.started_at).await?;
        if poll.reconcile {
            return self.delete_pass().await;
        }
        Ok(None)
    }

    /// A walk reached its end: the checkpoint moves up to the server's
    /// time at its start, even when nothing changed, so that the next poll
    /// reads back only the overlap before it (and the window of what was
    /// handed out shrinks to that overlap).
    async fn walk_completed(&mut self, started_at: Option<DateTime<Utc>>) -> Result<()> {
        let (Some(state), Some(started_at)) = (self.working.as_mut(), started_at) else {
            return Ok(());
        };
        if state
            .watermark
            .is_some_and(|watermark| watermark >= started_at)
        {
            return Ok(());
        }
        state.watermark = Some(started_at);
        self.prune();
        if self.uncommitted == 0 {
            self.commit().await?;
        }
        Ok(())
    }

    /// Forgets what was handed out before the overlap of the checkpoint.
    fn prune(&mut self) {
        let Some(state) = self.working.as_mut() else {
            return;
        };
        let since = state.watermark.and_then(|w| earlier(w, self.overlap));
        if let Some(cutoff) = since.map(|since| self.source.read_from(since)) {
            state.window.retain(|_, seen| seen.at >= cutoff);
        }
    }

    /// Whether the feed runs delete passes, and so keeps the ids it hands out.
    fn deletes_wanted(&self) -> bool {
        self.reconcile_every.is_some() || self.reconcile_next_poll
    }

    /// Saves the checkpoint of everything handed out so far: after a
    /// restart, the feed goes on after it. Call it once a batch is handled.
    pub async fn commit(&mut self) -> Result<()> {
        let Some(working) = &self.working else {
            return Ok(());
        };
        if let Some(ids) = self.ids_to_save.take() {
            let text = serde_json::to_vec(&ids).unwrap_or_default();
            if let Err(error) = self.store.save(&self.ids_name(), &text).await {
                self.ids_to_save = Some(ids);
                return Err(error);
            }
        }
        let text = serde_json::to_vec(working).unwrap_or_default();
        self.store.save(&self.name, &text).await?;
        self.uncommitted = 0;
        Ok(())
    }

    fn ids_name(&self) -> String {
        format!("{}.ids", self.name)
    }

    async fn load(&mut self) -> Result<()> {
        if self.working.is_some() {
            return Ok(());
        }
        let state = match self.store.load(&self.name).await? {
            None => State {
                format: FORMAT,
                ..State::default()
            },
            Some(bytes) => decode::<State>(&self.name, &bytes)?,
        };
        if state.format != FORMAT {
            return Err(CheckpointError::new(
                &self.name,
                format!(
                    "has format {}, and this release reads {FORMAT}",
                    state.format
                ),
                None,
            )
            .into());
        }
        self.working = Some(state);
        Ok(())
    }

    fn start_poll(&mut self) -> Poll<T> {
        let state = self.working.as_ref();
        let watermark = state.and_then(|state| state.watermark);
        let since = watermark.and_then(|watermark| earlier(watermark, self.overlap));
        let now = Utc::now();
        let due = self.reconcile_every.is_some_and(|every| {
            state
                .and_then(|state| state.reconciled_at)
                .is_none_or(|at| later(at, every).is_none_or(|due| due <= now))
        });
        let reconcile = std::mem::take(&mut self.reconcile_next_poll) || due;
        Poll {
            walk: Some(self.source.changed_since(since, self.page_size)),
            reconcile,
            started_at: None,
        }
    }

    /// The page's changes that were not handed out already, as a batch.
    fn take_new(&mut self, page: SourcePage<T>) -> Option<Batch<T>> {
        let keep_ids =
            self.deletes_wanted() || self.poll.as_ref().is_some_and(|poll| poll.reconcile);
        let state = self.working.as_mut()?;
        let fallback_at = page.server_time.unwrap_or_else(Utc::now);
        let mut changes = Vec::new();
        for item in page.items {
            let key = self.source.key(&item);
            let seen = state.window.get(&key.id);
            if seen.is_some_and(|seen| seen.marker == key.marker) {
                continue;
            }
            let at = key.modified_at.unwrap_or(fallback_at);
            state.watermark = Some(state.watermark.map_or(at, |watermark| watermark.max(at)));
            if keep_ids {
                state.upserted.insert(key.id.clone());
            }
            state.window.insert(
                key.id,
                Seen {
                    marker: key.marker,
                    at,
                },
            );
            changes.push(Change::Upserted(item));
        }
        self.prune();
        if changes.is_empty() {
            return None;
        }
        self.uncommitted = self.uncommitted.saturating_add(1);
        Some(Batch { changes })
    }

    /// Reads every id and hands out a delete for each one seen before
    /// (at the last pass, or handed out since) and gone now.
    async fn delete_pass(&mut self) -> Result<Option<Batch<T>>> {
        let mut current = BTreeSet::new();
        let mut pages = self.source.all_ids();
        while let Some(page) = pages.next().await {
            current.extend(page?);
        }
        let before: BTreeSet<String> = match self.store.load(&self.ids_name()).await? {
            Some(bytes) => decode(&self.ids_name(), &bytes)?,
            None => BTreeSet::new(),
        };
        let Some(state) = self.working.as_mut() else {
            return Ok(None);
        };
        let gone: Vec<String> = before
            .union(&state.upserted)
            .filter(|id| !current.contains(*id))
            .cloned()
            .collect();
        for id in &gone {
            state.window.remove(id);
        }
        state.upserted.clear();
        state.reconciled_at = Some(Utc::now());
        self.ids_to_save = Some(current);
        if gone.is_empty() {
            // Nothing to hand out: the pass is saved now, unless batches
            // handed out before it wait for their commit, which saves it too.
            if self.uncommitted == 0 {
                self.commit().await?;
            }
            return Ok(None);
        }
        self.uncommitted = self.uncommitted.saturating_add(1);
        Ok(Some(Batch {
            changes: gone.into_iter().map(Change::Deleted).collect(),
        }))
    }
}

/// `at` minus `span`, or `None` when that is before chrono's range.
fn earlier(at: DateTime<Utc>, span: Duration) -> Option<DateTime<Utc>> {
    at.checked_sub_signed(TimeDelta::from_std(span).ok()?)
}

/// `at` plus `span`, or `None` when that is past chrono's range.
fn later(at: DateTime<Utc>, span: Duration) -> Option<DateTime<Utc>> {
    at.checked_add_signed(TimeDelta::from_std(span).ok()?)
}

fn decode<V: serde::de::DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<V> {
    serde_json::from_slice(bytes).map_err(|error| {
        CheckpointError::new(
            name,
            "is not a checkpoint of a change feed",
            Some(Box::new(error)),
        )
        .into()
    })
}
