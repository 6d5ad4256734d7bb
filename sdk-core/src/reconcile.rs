//! Reconciling: from the state a caller wants to the fewest writes.
//!
//! Each vendor crate's `ensure` takes a desired resource, reads what the
//! server holds under the caller's key, and writes only the difference:
//! it creates what is absent, updates what differs, and leaves alone what
//! already matches. `ensure_all` does the same for many, reading the
//! current state by listing rather than one read per resource. What each
//! did comes back as an [`Ensured`]; a [`Tally`] counts a run.
//!
//! Every write `ensure` sends is applied at most once: a write whose answer
//! is lost is settled by reading the resource back, so a second run, a
//! retry or a lost answer never creates a twin or applies a change twice,
//! and a write that landed is never reported as failed.
//!
//! ```
//! use sdk_core::reconcile::{Ensured, Tally};
//!
//! let outcomes: Vec<sdk_core::Result<Ensured<&str>>> = vec![
//!     Ok(Ensured::Created("gold")),
//!     Ok(Ensured::Updated { resource: "silver", changes: 2 }),
//!     Ok(Ensured::Unchanged("bronze")),
//! ];
//! let tally = Tally::of(&outcomes);
//! assert_eq!((tally.created, tally.updated, tally.unchanged, tally.changes), (1, 1, 1, 2));
//! assert!(tally.wrote_anything());
//! ```

use crate::Result;

/// What `ensure` did to make a resource what the caller asked for, with
/// the resource as the server holds it afterwards.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[must_use = "what was done is worth checking or counting"]
pub enum Ensured<T> {
    /// It did not exist, and was created.
    Created(T),
    /// It existed and differed: `changes` changes were written (update
    /// actions, or changed fields).
    Updated {
        /// The resource after the update.
        resource: T,
        /// How many changes were written.
        changes: usize,
    },
    /// It already was as asked: nothing was written.
    Unchanged(T),
}

impl<T> Ensured<T> {
    /// The resource as the server holds it now.
    pub fn resource(&self) -> &T {
        match self {
            Ensured::Created(resource)
            | Ensured::Updated { resource, .. }
            | Ensured::Unchanged(resource) => resource,
        }
    }

    /// The resource as the server holds it now.
    pub fn into_resource(self) -> T {
        match self {
            Ensured::Created(resource)
            | Ensured::Updated { resource, .. }
            | Ensured::Unchanged(resource) => resource,
        }
    }

    /// Whether anything was written.
    pub fn wrote(&self) -> bool {
        !matches!(self, Ensured::Unchanged(_))
    }

    /// The same outcome for another form of the resource.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Ensured<U> {
        match self {
            Ensured::Created(resource) => Ensured::Created(f(resource)),
            Ensured::Updated { resource, changes } => Ensured::Updated {
                resource: f(resource),
                changes,
            },
            Ensured::Unchanged(resource) => Ensured::Unchanged(f(resource)),
        }
    }
}

/// The counts of a reconciling run: what `ensure_all` (or many `ensure`
/// calls) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tally {
    /// Resources created.
    pub created: usize,
    /// Resources updated.
    pub updated: usize,
    /// Resources already as asked.
    pub unchanged: usize,
    /// Resources that could not be reconciled.
    pub failed: usize,
    /// Changes written to the updated ones, in all.
    pub changes: usize,
}

impl Tally {
    /// Counts `outcomes`.
    pub fn of<'a, T: 'a>(outcomes: impl IntoIterator<Item = &'a Result<Ensured<T>>>) -> Self {
        outcomes
            .into_iter()
            .fold(Tally::default(), |mut tally, outcome| {
                tally.count(outcome);
                tally
            })
    }

    /// Counts one outcome.
    pub fn count<T>(&mut self, outcome: &Result<Ensured<T>>) {
        match outcome {
            Ok(Ensured::Created(_)) => self.created = self.created.saturating_add(1),
            Ok(Ensured::Updated { changes, .. }) => {
                self.updated = self.updated.saturating_add(1);
                self.changes = self.changes.saturating_add(*changes);
            }
            Ok(Ensured::Unchanged(_)) => self.unchanged = self.unchanged.saturating_add(1),
            Err(_) => self.failed = self.failed.saturating_add(1),
        }
    }

    /// Whether the run created or updated anything.
    pub fn wrote_anything(&self) -> bool {
        self.created > 0 || self.updated > 0
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated ({} changes), {} unchanged, {} failed",
            self.created, self.updated, self.changes, self.unchanged, self.failed
        )
    }
}

/// The most `ensure` calls an `ensure_all` runs at once.
pub const MAX_ENSURE_CONCURRENCY: usize = 64;

/// How many `ensure` calls an `ensure_all` through `client` runs at once:
/// as many as its governor lets requests be in flight when the run starts
/// (16 with a new default governor, fewer after throttling, never more than
/// [`Governor::max_concurrency`](crate::governor::Governor::max_concurrency)
/// allows), at most [`MAX_ENSURE_CONCURRENCY`]. The governor still paces
/// every request of the run.
///
/// ```
/// use sdk_core::governor::Governor;
///
/// let client = sdk_core::Client::builder("https://api.example.com")
///     .governor(Governor::adaptive().max_concurrency(4))
///     .build()?;
/// assert_eq!(sdk_core::reconcile::ensure_concurrency(&client), 4);
/// # Ok::<(), sdk_core::Error>(())
/// ```
pub fn ensure_concurrency(client: &crate::Client) -> usize {
    client
        .governor()
        .state()
        .concurrency_limit
        .clamp(1, MAX_ENSURE_CONCURRENCY)
}

/// Runs `ensure` for each item, `concurrency` at once (at least 1), and
/// returns the outcomes in the items' order. One failure does not stop
/// the others.
pub async fn for_each<I, T, F, Fut>(
    items: Vec<I>,
    concurrency: usize,
    ensure: F,
) -> Vec<Result<Ensured<T>>>
where
    F: FnMut(I) -> Fut,
    Fut: std::future::Future<Output = Result<Ensured<T>>>,
{
    use futures::StreamExt as _;
    futures::stream::iter(items)
        .map(ensure)
        .buffered(concurrency.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outcomes_keep_the_items_order_and_a_failure_stops_nothing() {
        // Item n gives way n times before it ends: later items can end first.
        let outcomes = for_each(vec![3u64, 0, 1, 2], 2, |n| async move {
            for _ in 0..n {
                tokio::task::yield_now().await;
            }
            if n == 0 {
                Err(crate::Error::invalid_input("n", "not zero"))
            } else {
                Ok(Ensured::Updated {
                    resource: n,
                    changes: 1,
                })
            }
        })
        .await;
        let resources: Vec<Option<u64>> = outcomes
            .iter()
            .map(|outcome| outcome.as_ref().ok().map(|e| *e.resource()))
            .collect();
        assert_eq!(resources, [Some(3), None, Some(1), Some(2)]);
        let tally = Tally::of(&outcomes);
        assert_eq!((tally.updated, tally.failed, tally.changes), (3, 1, 3));
        assert_eq!(
            tally.to_string(),
            "0 created, 3 updated (3 changes), 0 unchanged, 1 failed"
        );
    }
}
