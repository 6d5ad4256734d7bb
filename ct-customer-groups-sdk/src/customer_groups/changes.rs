//! The change feed of customer groups: [`CustomerGroups::changes`].
//!
//! A keyset walk on `(lastModifiedAt, id)`, never offsets. The
//! specification's query and sort traits (`traits/query.raml`,
//! `traits/sortable.raml` in `commercetools/commercetools-api-reference`)
//! give `where` (`QueryPredicate[]`, with `var.*` input variables) and
//! `sort` (`Sort[]`) to every query endpoint; `customer-groups.raml`'s
//! own `where` description names only `name` as queryable, and its sort
//! example is `createdAt asc`. So the feed checks the server's answers
//! instead of trusting them: a page out of `(lastModifiedAt, id)` order,
//! or older than asked, ends the walk with an error (commercetools-mock
//! ignores `sort`).

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use sdk_core::feed::{ChangeFeed, ChangeKey, ChangeSource, CheckpointStore, SourcePage};
use sdk_core::vendor::calls;
use sdk_core::{Error, Result};

use super::CustomerGroups;
use crate::model::{CustomerGroup, PagedQueryResult};

/// The overlap a customer group feed reads again before its checkpoint.
pub const DEFAULT_FEED_OVERLAP: Duration = Duration::from_secs(30);

/// The API's largest page.
const MAX_PAGE: u32 = 500;

impl CustomerGroups {
    /// A feed of the project's customer group changes since the checkpoint
    /// kept in `store` (under `commercetools/{projectKey}/customer-groups`
    /// unless [`name`](ChangeFeed::name) says otherwise): see
    /// [`sdk_core::feed`] for what it guarantees.
    ///
    /// Each poll walks the groups modified since the checkpoint minus the
    /// overlap ([`DEFAULT_FEED_OVERLAP`]) by `(lastModifiedAt, id)`, so a
    /// walk never depends on offsets and reaches any number of groups; a
    /// group changed during the walk comes later in it or in the next
    /// poll. Changes are de-duplicated by `(id, version)`. Deletes come
    /// from the delete pass ([`reconcile_every`](ChangeFeed::reconcile_every)),
    /// which walks every id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// use ct_customer_groups_sdk::{Change, CustomerGroupDraft, MemoryCheckpoints};
    ///
    /// let store = MemoryCheckpoints::new();
    /// ct.customer_groups().create(CustomerGroupDraft::new("Gold").key("gold")).await?;
    /// let mut feed = ct.customer_groups().changes(store.clone());
    /// let mut seen = Vec::new();
    /// while let Some(batch) = feed.next_batch().await? {
    ///     for change in batch.changes() {
    ///         if let Change::Upserted(group) = change {
    ///             seen.push(group.name.clone());
    ///         }
    ///     }
    ///     feed.commit().await?;
    /// }
    /// assert_eq!(seen, ["Gold"]);
    /// // The next run, from the checkpoint: nothing new.
    /// let mut again = ct.customer_groups().changes(store);
    /// assert!(again.next_batch().await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn changes(&self, store: impl CheckpointStore + 'static) -> ChangeFeed<CustomerGroup> {
        let name = format!(
            "commercetools/{}/customer-groups",
            self.client.project_key()
        );
        ChangeFeed::new(
            GroupChanges {
                groups: self.clone(),
            },
            store,
            name,
        )
    }
}

/// Customer group changes, for [`ChangeFeed`].
struct GroupChanges {
    groups: CustomerGroups,
}

/// Where a walk is: after the last group handed out.
struct Walk {
    groups: CustomerGroups,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, String)>,
    page_size: u32,
    done: bool,
}

impl ChangeSource for GroupChanges {
    type Item = CustomerGroup;

    fn key(&self, group: &CustomerGroup) -> ChangeKey {
        ChangeKey::new(
            group.id.clone(),
            group.version.to_string(),
            Some(group.last_modified_at),
        )
    }

    fn changed_since(
        &self,
        since: Option<DateTime<Utc>>,
        page_size: u32,
    ) -> BoxStream<'static, Result<SourcePage<CustomerGroup>>> {
        let walk = Walk {
            groups: self.groups.clone(),
            since,
            after: None,
            page_size: page_size.clamp(1, MAX_PAGE),
            done: false,
        };
        Box::pin(futures::stream::try_unfold(walk, |mut walk| async move {
            if walk.done {
                return Ok(None);
            }
            let (groups, server_time) = walk.next_page().await?;
            Ok(Some((SourcePage::new(groups, server_time), walk)))
        }))
    }

    fn all_ids(&self) -> BoxStream<'static, Result<Vec<String>>> {
        Box::pin(
            self.groups
                .query_all()
                .items()
                .map(|group| group.map(|group| vec![group.id])),
        )
    }

    fn default_overlap(&self) -> Duration {
        DEFAULT_FEED_OVERLAP
    }
}

impl Walk {
    /// The next page after the cursor, checked to be in order, and the
    /// server's time when it answered.
    async fn next_page(&mut self) -> Result<(Vec<CustomerGroup>, Option<DateTime<Utc>>)> {
        let mut query = self
            .groups
            .query()
            .sort("lastModifiedAt asc")
            .sort("id asc")
            .limit(self.page_size)
            .with_total(false);
        query = match (&self.after, self.since) {
            (Some((at, id)), _) => query
                .predicate("lastModifiedAt > :after or (lastModifiedAt = :after and id > :afterId)")
                .var("after", stamp(*at))
                .var("afterId", id.clone()),
            (None, Some(since)) => query
                .predicate("lastModifiedAt >= :since")
                .var("since", stamp(since)),
            (None, None) => query,
        };
        let limit = u64::from(self.page_size);
        let read = calls::decoded(
            self.groups.client.http(),
            query.page_request(),
            move |answer| {
                let page: PagedQueryResult<CustomerGroup> = answer.json_page(limit)?;
                Ok((page, answer.date()))
            },
        );
        let (page, server_time) = read.await?;
        let count = page.results.len();
        let mut previous = self.after.clone();
        for group in &page.results {
            let key = (group.last_modified_at, group.id.clone());
            let too_old = self.since.is_some_and(|since| key.0 < since);
            if too_old || previous.as_ref().is_some_and(|previous| &key <= previous) {
                return Err(out_of_order());
            }
            previous = Some(key);
        }
        self.after = previous;
        // A short page is the server's own word that nothing follows.
        self.done = count < usize::try_from(self.page_size).unwrap_or(usize::MAX);
        Ok((page.results, server_time))
    }
}

/// A time as a predicate compares it, with all the precision it has.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn out_of_order() -> Error {
    Error::incomplete_listing(
        "customer_group_changes",
        "the server answered groups out of (lastModifiedAt, id) order, or older than asked: \
         it does not honour `sort` or `where` (commercetools-mock ignores `sort`), and a feed \
         cannot go on without them",
    )
}
