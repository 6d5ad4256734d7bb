//! The change feed of customers: [`Customers::changes`], from
//! `GET /customers/{startDate}/modified`.

use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use sdk_core::Result;
use sdk_core::feed::{
    ChangeFeed, ChangeKey, ChangeSource, CheckpointStore, SourcePage, content_marker, pages_of,
};
use sdk_core::vendor::calls;

use super::{Customers, all, list_request};
use crate::model::{Customer, CustomerList};

/// The overlap a customer feed reads again: a day, on top of the
/// checkpoint's own day (the API takes a bare date).
pub const DEFAULT_FEED_OVERLAP: Duration = Duration::from_secs(24 * 60 * 60);

impl Customers {
    /// A feed of the operator's customer changes since the checkpoint kept
    /// in `store` (under `pos/{host}/customers`; give each operator's feed
    /// its own [`name`](ChangeFeed::name)): see [`sdk_core::feed`] for what
    /// it guarantees.
    ///
    /// `GET /customers/{startDate}/modified` takes a bare date, so each
    /// poll reads from the day before the checkpoint's UTC day
    /// ([`DEFAULT_FEED_OVERLAP`]) and drops a customer whose content is
    /// the same as when it was last handed out (a hash of it is kept per
    /// id for that overlap). The checkpoint is the server's time (its
    /// `Date` header) when it answered, so the client's clock does not
    /// count. The first poll reads every customer (`GET /customers`).
    /// Customers disappear outside the API (it has no customer delete):
    /// the delete pass ([`reconcile_every`](ChangeFeed::reconcile_every))
    /// reads only their ids.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::MemoryCheckpoints;
    ///
    /// let store = MemoryCheckpoints::new();
    /// let mut feed = pos.customers().changes(store.clone());
    /// let mut handed_out = 0;
    /// while let Some(batch) = feed.next_batch().await? {
    ///     handed_out += batch.len();
    ///     feed.commit().await?;
    /// }
    /// assert!(handed_out > 0);
    /// // Again from the checkpoint: the same customers are dropped as unchanged.
    /// assert!(pos.customers().changes(store).next_batch().await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn changes(&self, store: impl CheckpointStore + 'static) -> ChangeFeed<Customer> {
        let host = self
            .client
            .http()
            .base_url()
            .host_str()
            .unwrap_or("pos")
            .to_owned();
        ChangeFeed::new(
            CustomerChanges {
                customers: self.clone(),
            },
            store,
            format!("pos/{host}/customers"),
        )
    }
}

/// Customer changes, for [`ChangeFeed`].
struct CustomerChanges {
    customers: Customers,
}

impl ChangeSource for CustomerChanges {
    type Item = Customer;

    fn key(&self, customer: &Customer) -> ChangeKey {
        ChangeKey::new(customer.id.to_string(), content_marker(customer), None)
    }

    fn changed_since(
        &self,
        since: Option<DateTime<Utc>>,
        page_size: u32,
    ) -> BoxStream<'static, Result<SourcePage<Customer>>> {
        let request = match since {
            Some(since) => super::modified_request(since.date_naive()),
            None => list_request(),
        };
        let read = calls::decoded(self.customers.client.http(), request, |response| {
            let list: CustomerList = response.json()?;
            Ok((all(list), response.date()))
        });
        pages_of(read.send(), page_size)
    }

    fn all_ids(&self) -> BoxStream<'static, Result<Vec<String>>> {
        let read = self.customers.list_ids();
        Box::pin(
            futures::stream::once(read.send())
                .map(|ids| ids.map(|ids| ids.iter().map(ToString::to_string).collect())),
        )
    }

    fn default_overlap(&self) -> Duration {
        DEFAULT_FEED_OVERLAP
    }

    fn read_from(&self, since: DateTime<Utc>) -> DateTime<Utc> {
        since
            .date_naive()
            .and_time(NaiveTime::MIN)
            .and_utc()
            .min(since)
    }
}
