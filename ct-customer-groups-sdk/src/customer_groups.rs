//! The customer group endpoints: `/{projectKey}/customer-groups`.

use std::future::Future;

use sdk_core::{Request, Result};

use crate::client::CtClient;
use crate::error::CtErrorExt;
use crate::model::{CustomerGroup, CustomerGroupDraft};
use crate::query::CustomerGroupQuery;
use crate::update::{CustomerGroupUpdate, UpdateAction};

/// The customer group endpoints. Get one with [`CtClient::customer_groups`].
#[derive(Debug, Clone)]
pub struct CustomerGroups {
    client: CtClient,
}

/// Which group: by id or by key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Id(String),
    Key(String),
}

impl CustomerGroups {
    pub(crate) fn new(client: CtClient) -> Self {
        Self { client }
    }

    fn request(&self, request: Request, target: &Target) -> Request {
        let request = self.client.customer_groups_request(request);
        match target {
            Target::Id(id) => request.segment(id),
            Target::Key(key) => request.prefixed_segment("key=", key),
        }
    }

    fn get_target(
        &self,
        target: Target,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        self.client
            .http()
            .send_json(self.request(Request::get("get_customer_group"), &target))
    }

    fn update_target(
        &self,
        target: Target,
        update: CustomerGroupUpdate,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        // A versioned update is safe to replay: a second copy meets a 409, never a double apply.
        let request = self
            .request(Request::post("update_customer_group"), &target)
            .idempotent(true)
            .json(&update);
        self.client.http().send_json(request)
    }

    fn delete_target(
        &self,
        target: Target,
        version: u64,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        let request = self
            .request(Request::delete("delete_customer_group"), &target)
            .query("version", version.to_string());
        self.client.http().send_json(request)
    }

    /// `GET /{projectKey}/customer-groups/{id}`.
    pub fn get(
        &self,
        id: impl Into<String>,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        self.get_target(Target::Id(id.into()))
    }

    /// `GET /{projectKey}/customer-groups/key={key}`.
    pub fn get_by_key(
        &self,
        key: impl Into<String>,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        self.get_target(Target::Key(key.into()))
    }

    /// A query of the project's customer groups.
    pub fn query(&self) -> CustomerGroupQuery {
        CustomerGroupQuery::new(self.client.clone())
    }

    /// `POST /{projectKey}/customer-groups`.
    ///
    /// Not retried once it may have reached the server: a duplicate would
    /// fail with `DuplicateField` or, without a key, create a second group.
    ///
    /// ```no_run
    /// # async fn demo(ct: ct_customer_groups_sdk::CtClient) -> sdk_core::Result<()> {
    /// use ct_customer_groups_sdk::CustomerGroupDraft;
    ///
    /// let group = ct
    ///     .customer_groups()
    ///     .create(CustomerGroupDraft::new("Gold members").key("gold"))
    ///     .await?;
    /// assert_eq!(group.version, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(
        &self,
        draft: CustomerGroupDraft,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        let request = self
            .client
            .customer_groups_request(Request::post("create_customer_group"))
            .json(&draft);
        self.client.http().send_json(request)
    }

    /// `POST /{projectKey}/customer-groups/{id}`: applies the actions at the
    /// expected version; a stale version fails with 409 `ConcurrentModification`.
    ///
    /// ```no_run
    /// # async fn demo(ct: ct_customer_groups_sdk::CtClient) -> sdk_core::Result<()> {
    /// use ct_customer_groups_sdk::{CtErrorExt, CustomerGroupUpdate, UpdateAction};
    ///
    /// let group = ct.customer_groups().get_by_key("gold").await?;
    /// let update = CustomerGroupUpdate::for_group(&group).action(UpdateAction::change_name("Gold"));
    /// match ct.customer_groups().update(&group.id, update).await {
    ///     Ok(updated) => println!("now at version {}", updated.version),
    ///     Err(e) if e.is_concurrent_modification() => println!("changed meanwhile: {:?}", e.current_version()),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn update(
        &self,
        id: impl Into<String>,
        update: CustomerGroupUpdate,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        self.update_target(Target::Id(id.into()), update)
    }

    /// `POST /{projectKey}/customer-groups/key={key}`.
    pub fn update_by_key(
        &self,
        key: impl Into<String>,
        update: CustomerGroupUpdate,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        self.update_target(Target::Key(key.into()), update)
    }

    /// `DELETE /{projectKey}/customer-groups/{id}?version=N`.
    pub fn delete(
        &self,
        id: impl Into<String>,
        version: u64,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        self.delete_target(Target::Id(id.into()), version)
    }

    /// `DELETE /{projectKey}/customer-groups/key={key}?version=N`.
    pub fn delete_by_key(
        &self,
        key: impl Into<String>,
        version: u64,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static {
        self.delete_target(Target::Key(key.into()), version)
    }

    /// Every customer group of the project, by keyset: see
    /// [`CustomerGroupQuery::query_all`].
    pub fn query_all(&self) -> sdk_core::Paginator<CustomerGroup> {
        self.query().query_all()
    }

    /// Reads the group, asks `actions` what to change, and updates it; when
    /// someone else changed it in between (409), reads it again and retries,
    /// up to `max_attempts` updates in all.
    ///
    /// `actions` sees the group as it is now on every attempt, so it can
    /// decide again; returning no actions ends without an update.
    ///
    /// ```no_run
    /// # async fn demo(ct: ct_customer_groups_sdk::CtClient) -> sdk_core::Result<()> {
    /// use ct_customer_groups_sdk::UpdateAction;
    ///
    /// let group = ct
    ///     .customer_groups()
    ///     .update_with_retry("3f1c...-id", 5, |group| {
    ///         if group.name == "Gold" {
    ///             vec![]
    ///         } else {
    ///             vec![UpdateAction::change_name("Gold")]
    ///         }
    ///     })
    ///     .await?;
    /// # let _ = group;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_with_retry<F>(
        &self,
        id: impl Into<String>,
        max_attempts: u32,
        actions: F,
    ) -> impl Future<Output = Result<CustomerGroup>> + Send + 'static
    where
        F: Fn(&CustomerGroup) -> Vec<UpdateAction> + Send + 'static,
    {
        let groups = self.clone();
        let id = id.into();
        async move {
            let mut group = groups.get(id.clone()).await?;
            let mut attempt = 0;
            loop {
                attempt += 1;
                let changes = actions(&group);
                if changes.is_empty() {
                    return Ok(group);
                }
                let update = CustomerGroupUpdate::for_group(&group).actions_from(changes);
                match groups.update(id.clone(), update).await {
                    Err(conflict)
                        if conflict.is_concurrent_modification()
                            && attempt < max_attempts.max(1) =>
                    {
                        let current = conflict.current_version();
                        tracing::debug!(
                            ?current,
                            attempt,
                            "version conflict: reading the group again"
                        );
                        group = groups.get(id.clone()).await?;
                        // A replica may lag behind the version the conflict reported.
                        if let Some(current) = current
                            && group.version < current
                        {
                            group.version = current;
                        }
                    }
                    other => return other,
                }
            }
        }
    }
}
