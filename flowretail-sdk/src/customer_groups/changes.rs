//! The change feed of customer groups: [`CustomerGroups::changes`].
//!
//! The API document names `sortBy` and `sortDirection` on the group list
//! but no field to sort by; the feed asks for `sortBy=lastModifiedAt`
//! with `sortDirection=DESC` and checks every answer: a page that is not
//! newest first ends the walk with an error, never a skip (a Prism mock
//! of the document ignores `sortBy`).

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use sdk_core::feed::{ChangeFeed, ChangeKey, ChangeSource, CheckpointStore, SourcePage, pages_of};
use sdk_core::{Error, Result, SortOrder};

use super::CustomerGroups;
use crate::model::CustomerGroup;

/// The overlap a customer group feed reads again before its checkpoint.
pub const DEFAULT_FEED_OVERLAP: Duration = Duration::from_secs(30);

impl CustomerGroups {
    /// A feed of the tenant's customer group changes since the checkpoint
    /// kept in `store` (under `flowretail/{tenant}/customer-groups` unless
    /// [`name`](ChangeFeed::name) says otherwise): see [`sdk_core::feed`]
    /// for what it guarantees.
    ///
    /// Each poll walks the group list newest first
    /// (`sortBy=lastModifiedAt&sortDirection=DESC`) and stops at the first
    /// page that reaches back past the checkpoint minus the overlap
    /// ([`DEFAULT_FEED_OVERLAP`]). Newest first, a group changed during the
    /// walk moves to the front, where the next poll finds it; oldest first
    /// with page numbers, it would move behind the walk and shift a group
    /// past it unseen. The changes are then handed out oldest first,
    /// de-duplicated by `(uid, lastModifiedAt)`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let flow = flowretail_sdk::sandbox::FlowRetailSandbox::start()?.client()?;
    /// use flowretail_sdk::{CreateCustomerGroup, MemoryCheckpoints};
    ///
    /// flow.customer_groups().create(CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// let mut feed = flow.customer_groups().changes(MemoryCheckpoints::new());
    /// let batch = feed.next_batch().await?.expect("the new group");
    /// assert_eq!(batch.changes()[0].upserted().map(|g| g.name.as_str()), Some("VIP"));
    /// feed.commit().await?;
    /// assert!(feed.next_batch().await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn changes(&self, store: impl CheckpointStore + 'static) -> ChangeFeed<CustomerGroup> {
        let name = format!("flowretail/{}/customer-groups", self.client.tenant());
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

impl ChangeSource for GroupChanges {
    type Item = CustomerGroup;

    fn key(&self, group: &CustomerGroup) -> ChangeKey {
        ChangeKey::new(
            group.customer_group_uid.clone(),
            group
                .last_modified_at
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            Some(group.last_modified_at),
        )
    }

    fn changed_since(
        &self,
        since: Option<DateTime<Utc>>,
        page_size: u32,
    ) -> BoxStream<'static, Result<SourcePage<CustomerGroup>>> {
        let groups = self.groups.clone();
        let read = async move {
            let mut changed = newest_first(&groups, since, page_size).await?;
            changed.reverse();
            Ok((changed, None))
        };
        pages_of(read, page_size)
    }

    fn all_ids(&self) -> BoxStream<'static, Result<Vec<String>>> {
        Box::pin(
            self.groups
                .list()
                .page_size(500)
                .items()
                .map(|group| group.map(|group| vec![group.customer_group_uid])),
        )
    }

    fn default_overlap(&self) -> Duration {
        DEFAULT_FEED_OVERLAP
    }
}

/// The groups modified at or after `since`, newest first, each once (the
/// newest copy, when a change during the walk shifted one into two pages).
async fn newest_first(
    groups: &CustomerGroups,
    since: Option<DateTime<Utc>>,
    page_size: u32,
) -> Result<Vec<CustomerGroup>> {
    let listing = groups
        .list()
        .sort_by("lastModifiedAt", SortOrder::Desc)
        .page_size(u64::from(page_size.max(1)));
    let mut changed: Vec<CustomerGroup> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut oldest_read: Option<DateTime<Utc>> = None;
    let mut number: Option<u64> = None;
    let mut read: u64 = 0;
    loop {
        let page = listing.page(number).await?;
        let newest_first = page
            .items
            .windows(2)
            .all(|pair| pair[0].last_modified_at >= pair[1].last_modified_at);
        let follows = match (oldest_read, page.items.first()) {
            (Some(oldest), Some(first)) => oldest >= first.last_modified_at,
            _ => true,
        };
        if let Some(last) = page.items.last() {
            oldest_read = Some(last.last_modified_at);
        }
        if !newest_first || !follows {
            return Err(out_of_order());
        }
        read = read.saturating_add(page.items.len() as u64);
        let count = page.items.len();
        let reached_back = page
            .items
            .last()
            .is_some_and(|oldest| since.is_some_and(|since| oldest.last_modified_at < since));
        for group in page.items {
            let recent = since.is_none_or(|since| group.last_modified_at >= since);
            if recent && seen.insert(group.customer_group_uid.clone()) {
                changed.push(group);
            }
        }
        // The walk ends on the server's word: the total reached, an empty
        // page, or a page that reaches back past the checkpoint.
        if count == 0 || reached_back || read >= page.paging.total_count {
            return Ok(changed);
        }
        number = Some(page.paging.page_number.saturating_add(1));
    }
}

fn out_of_order() -> Error {
    Error::incomplete_listing(
        "customer_group_changes",
        "the server answered groups that are not newest first: it does not honour \
         `sortBy=lastModifiedAt&sortDirection=DESC` (a Prism mock ignores `sortBy`), and a \
         feed cannot go on without it",
    )
}
