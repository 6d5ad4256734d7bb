//! The customer group endpoints: `/groups`. A group references a discount by id.

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
    pub fn create(&self, draft: CustomerGroupDraft) -> Call<CustomerGroup> {
        let checked = self.client.check(|| not_blank("name", &draft.name));
        let request = Request::post("create_group").segment("groups").json(&draft);
        Call::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `PUT /groups/{id}`: replaces the group.
    pub fn replace(
        &self,
        id: impl Into<CustomerGroupId>,
        draft: CustomerGroupDraft,
    ) -> Call<CustomerGroup> {
        let checked = self.client.check(|| not_blank("name", &draft.name));
        let request = item("replace_group", Request::put, id.into()).json(&draft);
        Call::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `PATCH /groups/{id}`: changes only the fields the patch sets.
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
        Call::json(self.client.http(), request.check(checked)).map(one)
    }

    /// `GET /groups`: every customer group.
    pub fn list(&self) -> Call<Vec<CustomerGroup>> {
        let request = Request::get("list_groups").segment("groups");
        Call::json(self.client.http(), request).map(|list: GroupList| list.customer_groups)
    }

    /// `GET /groups/{id}`.
    pub fn get(&self, id: impl Into<CustomerGroupId>) -> Call<CustomerGroup> {
        let request = item("get_group", Request::get, id.into());
        Call::json(self.client.http(), request).map(one)
    }

    /// `DELETE /groups/{id}`.
    pub fn delete(&self, id: impl Into<CustomerGroupId>) -> Call<Deleted> {
        let request = item("delete_group", Request::delete, id.into());
        Call::json(self.client.http(), request).map(|envelope: DeleteEnvelope| envelope.into())
    }
}
