//! The discount endpoints: `/discounts`.
//!
//! There is no `ensure` for discounts, as there is for customers
//! ([`Customers::ensure`](crate::customers::Customers::ensure)): a discount's id
//! is the server's (`POST` makes it; there is no `PUT` by an id the caller
//! chooses), and nothing else about a discount is unique, not even its name.
//! So no key finds the discount a desired state means: keep the id the
//! server returned, and `patch` it.

use sdk_core::vendor::calls;
use sdk_core::{Call, Request};

use crate::client::PosClient;
use crate::ids::DiscountId;
use crate::model::{
    DeleteEnvelope, Deleted, Discount, DiscountDraft, DiscountEnvelope, DiscountList, DiscountPatch,
};
use crate::validation::not_blank;

/// The discount endpoints. Get one with [`PosClient::discounts`].
#[derive(Debug, Clone)]
pub struct Discounts {
    client: PosClient,
}

fn one(envelope: DiscountEnvelope) -> Discount {
    envelope.customer_discount
}

fn item(operation: &'static str, request: fn(&'static str) -> Request, id: DiscountId) -> Request {
    request(operation)
        .segment("discounts")
        .id_segment("discount id", id.to_string())
}

impl Discounts {
    pub(crate) fn new(client: PosClient) -> Self {
        Self { client }
    }

    /// `POST /discounts`. Not retried once it may have reached the server.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::DiscountDraft;
    ///
    /// let discount = pos.discounts().create(DiscountDraft::new("5 proz", 5).absolute(false)).await?;
    /// println!("discount #{} {:?}", discount.id, discount.name);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, draft: DiscountDraft) -> Call<Discount> {
        let checked = self.client.check(|| not_blank("name", &draft.name));
        let request = Request::post("create_discount")
            .segment("discounts")
            .json(&draft);
        calls::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `PUT /discounts/{id}`: replaces the discount.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::DiscountDraft;
    ///
    /// let discount = pos.discounts().replace(13, DiscountDraft::new("10 proz", 10)).await?;
    /// assert_eq!(discount.name.as_deref(), Some("10 proz"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn replace(&self, id: impl Into<DiscountId>, draft: DiscountDraft) -> Call<Discount> {
        let checked = self.client.check(|| not_blank("name", &draft.name));
        let request = item("replace_discount", Request::put, id.into()).json(&draft);
        calls::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `PATCH /discounts/{id}`: changes only the fields the patch sets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::DiscountPatch;
    ///
    /// let discount = pos.discounts().patch(13, DiscountPatch::new().name("Lucky 13")).await?;
    /// assert_eq!(discount.name.as_deref(), Some("Lucky 13"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn patch(&self, id: impl Into<DiscountId>, patch: DiscountPatch) -> Call<Discount> {
        let checked = self.client.check(|| match &patch.name {
            Some(name) => not_blank("name", name),
            None => Ok(()),
        });
        let request = item("patch_discount", Request::patch, id.into()).json(&patch);
        calls::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `GET /discounts`: every discount.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let discounts = pos.discounts().list().await?;
    /// for discount in &discounts {
    ///     println!("#{} {:?}", discount.id, discount.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> Call<Vec<Discount>> {
        let request = Request::get("list_discounts").segment("discounts");
        calls::json(self.client.http(), request).map(|list: DiscountList| list.customer_discounts)
    }

    /// `GET /discounts/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let discount = pos.discounts().get(14).await?;
    /// assert_eq!(discount.id.as_integer(), Some(14));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, id: impl Into<DiscountId>) -> Call<Discount> {
        let request = item("get_discount", Request::get, id.into());
        calls::json(self.client.http(), request).map(one)
    }

    /// `DELETE /discounts/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::DiscountDraft;
    ///
    /// let unused = pos.discounts().create(DiscountDraft::new("Once", 1)).await?;
    /// let deleted = pos.discounts().delete(unused.id).await?;
    /// println!("{:?}", deleted.details);
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, id: impl Into<DiscountId>) -> Call<Deleted> {
        let request = item("delete_discount", Request::delete, id.into());
        calls::json(self.client.http(), request).map(|envelope: DeleteEnvelope| envelope.into())
    }
}
