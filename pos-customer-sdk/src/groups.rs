//! The customer group endpoints: `/groups`. A group references a discount by id.
//!
//! There is no `ensure` for groups, as there is for customers
//! ([`Customers::ensure`](crate::customers::Customers::ensure)): a group's id
//! is the server's (`POST` makes it; there is no `PUT` by an id the caller
//! chooses), and nothing else about a group is unique, not even its name.
//! So no key finds the group a desired state means: keep the id the
//! server returned, and `patch` it.

use sdk_core::vendor::calls;
use sdk_core::{Call, Request};

use crate::client::PosClient;
use crate::ids::CustomerGroupId;
use crate::model::{
    CustomerGroup, CustomerGroupDraft, CustomerGroupPatch, DeleteEnvelope, Deleted, GroupEnvelope,
    GroupList,
};
use crate::validation::not_blank;

/// The customer group endpoints. Get one with [`PosClient::customer_groups`].
#[derive(Debug, Clone)]
pub struct CustomerGroups {
    client: PosClient,
}

fn one(envelope: GroupEnvelope) -> CustomerGroup {
    envelope.customer_group
}

fn item(
    operation: &'static str,
    request: fn(&'static str) -> Request,
    id: CustomerGroupId,
) -> Request {
    request(operation)
        .segment("groups")
        .id_segment("customer group id", id.to_string())
}

impl CustomerGroups {
    pub(crate) fn new(client: PosClient) -> Self {
        Self { client }
    }

    /// `POST /groups`. Not retried once it may have reached the server.
    ///
    /// An unknown discount id is refused by the server with 422.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::CustomerGroupDraft;
    ///
    /// let group = pos.customer_groups().create(CustomerGroupDraft::new("Regulars").discount(13)).await?;
    /// println!("group #{} {:?}", group.id, group.name);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, draft: CustomerGroupDraft) -> Call<CustomerGroup> {
        let checked = self.client.check(|| not_blank("name", &draft.name));
        let request = Request::post("create_group").segment("groups").json(&draft);
        calls::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `PUT /groups/{id}`: replaces the group.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::CustomerGroupDraft;
    ///
    /// let group = pos.customer_groups().replace(1, CustomerGroupDraft::new("Regulars").discount(13)).await?;
    /// assert_eq!(group.name.as_deref(), Some("Regulars"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn replace(
        &self,
        id: impl Into<CustomerGroupId>,
        draft: CustomerGroupDraft,
    ) -> Call<CustomerGroup> {
        let checked = self.client.check(|| not_blank("name", &draft.name));
        let request = item("replace_group", Request::put, id.into()).json(&draft);
        calls::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `PATCH /groups/{id}`: changes only the fields the patch sets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::CustomerGroupPatch;
    ///
    /// let group = pos.customer_groups().patch(1, CustomerGroupPatch::new().name("Gold")).await?;
    /// assert_eq!(group.name.as_deref(), Some("Gold"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn patch(
        &self,
        id: impl Into<CustomerGroupId>,
        patch: CustomerGroupPatch,
    ) -> Call<CustomerGroup> {
        let checked = self.client.check(|| match &patch.name {
            Some(name) => not_blank("name", name),
            None => Ok(()),
        });
        let request = item("patch_group", Request::patch, id.into()).json(&patch);
        calls::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `GET /groups`: every customer group.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let groups = pos.customer_groups().list().await?;
    /// println!("{} groups", groups.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> Call<Vec<CustomerGroup>> {
        let request = Request::get("list_groups").segment("groups");
        calls::json(self.client.http(), request).map(|list: GroupList| list.customer_groups)
    }

    /// `GET /groups/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let group = pos.customer_groups().get("9168aa78-e0a3-42ec-a43c-87f0ad666f69").await?;
    /// assert_eq!(group.name.as_deref(), Some("Stammkunden"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, id: impl Into<CustomerGroupId>) -> Call<CustomerGroup> {
        let request = item("get_group", Request::get, id.into());
        calls::json(self.client.http(), request).map(one)
    }

    /// `DELETE /groups/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::CustomerGroupDraft;
    ///
    /// let empty = pos.customer_groups().create(CustomerGroupDraft::new("Nobody yet")).await?;
    /// pos.customer_groups().delete(empty.id).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, id: impl Into<CustomerGroupId>) -> Call<Deleted> {
        let request = item("delete_group", Request::delete, id.into());
        calls::json(self.client.http(), request).map(|envelope: DeleteEnvelope| envelope.into())
    }
}
