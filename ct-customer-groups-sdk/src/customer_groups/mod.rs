//! The customer group endpoints: `/{projectKey}/customer-groups`.

use std::future::Future;

use sdk_core::vendor::calls;
use sdk_core::vendor::calls::CallSender;
use sdk_core::{Call, Request, Result, ScopedCall};

use crate::client::CtClient;
use crate::error::CtErrorExt;
use crate::model::{CustomFieldsDraft, CustomerGroup, CustomerGroupDraft, check_key};
use crate::query::{CustomerGroupQuery, QueryAll};
use crate::update::{CustomerGroupUpdate, UpdateAction};

mod changes;
mod ensure;

pub use changes::DEFAULT_FEED_OVERLAP;
pub use ensure::{KEY_TEXT_PER_READ, KEYS_PER_READ};

/// The customer group endpoints. Get one with [`CtClient::customer_groups`].
///
/// [`expand`](Self::expand) returns a handle whose gets, creates, updates
/// and deletes expand reference paths in their answers.
#[derive(Debug, Clone)]
pub struct CustomerGroups {
    client: CtClient,
    /// Reference paths to expand in every answer of this handle.
    expand: Vec<String>,
}

/// Which group: by id or by key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Id(String),
    Key(String),
}

impl Target {
    /// The id or key, as the call's span names its resource.
    fn name(&self) -> &str {
        match self {
            Target::Id(id) | Target::Key(id) => id,
        }
    }
}

/// What a delete did: see [`CustomerGroups::delete`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Deleted {
    /// The group was deleted; the API's answer, the group as it was.
    Group(Box<CustomerGroup>),
    /// An earlier attempt deleted the group and its answer was lost: the
    /// replay found it gone. What it held is not known here.
    AnswerLost,
}

impl Deleted {
    /// The deleted group, when the API's answer arrived.
    pub fn group(&self) -> Option<&CustomerGroup> {
        match self {
            Deleted::Group(group) => Some(group),
            Deleted::AnswerLost => None,
        }
    }

    /// The deleted group, when the API's answer arrived.
    pub fn into_group(self) -> Option<CustomerGroup> {
        match self {
            Deleted::Group(group) => Some(*group),
            Deleted::AnswerLost => None,
        }
    }
}

impl CustomerGroups {
    pub(crate) fn new(client: CtClient) -> Self {
        Self {
            client,
            expand: Vec::new(),
        }
    }

    /// A handle whose gets, creates, updates and deletes (by id and by key)
    /// also expand the reference at `path` in their answer, such as
    /// `createdBy.customer`; the expanded resource is in the reference's
    /// [`obj`](crate::Reference::obj). Call again to expand several paths.
    /// Queries take their own [`expand`](CustomerGroupQuery::expand).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// // Every call of this handle asks the API to expand the path.
    /// let groups = ct.customer_groups().expand("createdBy.customer");
    /// let group = groups.get(&gold.id).await?;
    /// assert_eq!(group.key.as_deref(), Some("gold"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn expand(&self, path: impl Into<String>) -> Self {
        let mut expanding = self.clone();
        expanding.expand.push(path.into());
        expanding
    }

    /// The collection's request, with this handle's expansions.
    fn collection_request(&self, request: Request) -> Request {
        self.expand.iter().fold(
            self.client.customer_groups_request(request),
            |request, path| request.query("expand", path),
        )
    }

    /// A key is looked up as it is: a project may hold keys set before the
    /// API enforced its key pattern, so only keys the SDK writes are checked.
    fn request(&self, request: Request, target: &Target) -> Request {
        Self::targeted(self.collection_request(request), target)
    }

    /// `request` to the group `target` names.
    fn targeted(request: Request, target: &Target) -> Request {
        match target {
            Target::Id(id) => request.id_segment("customer group id", id),
            Target::Key(key) => request.check(key_given(key)).prefixed_segment("key=", key),
        }
    }

    fn exists_target(&self, target: Target) -> Call<bool> {
        // A HEAD answer has no body to expand: the handle's expansions stay off it.
        let collection = self
            .client
            .customer_groups_request(Request::head("customer_group_exists"));
        let request = Self::targeted(collection, &target);
        calls::exists(self.client.http(), request)
    }

    /// `HEAD /{projectKey}/customer-groups/{id}`: whether the group exists
    /// (a 404 is `false`; any other failure is an error).
    ///
    /// A `HEAD` answer has no body, so a 404 cannot be told apart from a
    /// proxy's or gateway's own 404 (a wrong base URL, a path the proxy
    /// does not route): that reads as `false` too. Where that matters,
    /// [`get`](Self::get) reads the API's error code.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// assert!(ct.customer_groups().exists(&gold.id).await?);
    /// assert!(!ct.customer_groups().exists("no-such-id").await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn exists(&self, id: impl Into<String>) -> Call<bool> {
        self.exists_target(Target::Id(id.into()))
    }

    /// `HEAD /{projectKey}/customer-groups/key={key}`: whether a group has
    /// this key. As with [`exists`](Self::exists), any 404 on the way
    /// (a proxy's too) reads as `false`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// assert!(ct.customer_groups().exists_by_key("gold").await?);
    /// assert!(!ct.customer_groups().exists_by_key("silver").await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn exists_by_key(&self, key: impl Into<String>) -> Call<bool> {
        self.exists_target(Target::Key(key.into()))
    }

    fn get_request(&self, target: &Target) -> Request {
        self.request(Request::get("get_customer_group"), target)
    }

    fn get_target(&self, target: Target) -> Call<CustomerGroup> {
        calls::json(self.client.http(), self.get_request(&target))
    }

    fn update_target(&self, target: Target, update: CustomerGroupUpdate) -> Call<CustomerGroup> {
        let groups = self.clone();
        calls::several(
            self.client.http(),
            "update_customer_group",
            Some(target.name().to_owned()),
            move |sender| async move { groups.send_update(&target, &update, &sender).await },
        )
    }

    /// Sends a versioned update. A conflict met by a replay (an earlier
    /// attempt may have been applied, its answer lost) is settled by
    /// reading the group: see [`settle_replayed_update`](Self::settle_replayed_update).
    async fn send_update(
        &self,
        target: &Target,
        update: &CustomerGroupUpdate,
        sender: &CallSender,
    ) -> Result<CustomerGroup> {
        let request = self.update_request(target, update);
        let sending = sender.send(request);
        match sending.await.and_then(|answer| answer.json()) {
            Err(conflict) if conflict.conflict_may_be_own_earlier_attempt() => {
                self.settle_replayed_update(target, update, conflict, sender)
                    .await
            }
            other => other,
        }
    }

    /// A replay of `update` met a version conflict: the conflict may be
    /// the update's own earlier attempt, applied with its answer lost. The
    /// group is read (caught up with the conflict's version): when its
    /// version is past the one sent and it already holds everything the
    /// actions set, the update landed, and the group is the answer.
    /// Otherwise (another writer changed it too, or an action cannot be
    /// checked without the server) the conflict is the answer; it says
    /// that an earlier attempt may have been applied.
    async fn settle_replayed_update(
        &self,
        target: &Target,
        update: &CustomerGroupUpdate,
        conflict: sdk_core::Error,
        sender: &CallSender,
    ) -> Result<CustomerGroup> {
        let current = conflict.current_version();
        let Some(group) = self.read_caught_up(target, current, sender).await? else {
            return Err(conflict);
        };
        if group.version <= update.version() {
            return Err(conflict);
        }
        match update.is_reflected_in(&group) {
            Ok(true) => {
                tracing::debug!(
                    sent_version = update.version(),
                    read_version = group.version,
                    "a replayed update met its own landed change"
                );
                Ok(group)
            }
            Ok(false) => Err(conflict),
            Err(unknown) => {
                tracing::debug!(%unknown, "a replayed update cannot be checked locally");
                Err(conflict)
            }
        }
    }

    fn update_request(&self, target: &Target, update: &CustomerGroupUpdate) -> Request {
        // A versioned update is safe to replay: a second copy meets a 409, never a double apply.
        self.request(Request::post("update_customer_group"), target)
            .check(update.check())
            .idempotent(true)
            .json(update)
    }

    fn delete_target(&self, target: Target, version: u64) -> Call<Deleted> {
        let request = self
            .request(Request::delete("delete_customer_group"), &target)
            .query("version", version.to_string());
        calls::settled(self.client.http(), request, |answer| match answer {
            Ok(answer) => answer.json().map(|group| Deleted::Group(Box::new(group))),
            // A replay that finds the group gone: an earlier attempt deleted
            // it (or another writer did), as asked.
            Err(gone) if gone.is_not_found() && gone.api().is_some_and(|api| api.replayed) => {
                tracing::debug!("a replayed delete found the group gone");
                Ok(Deleted::AnswerLost)
            }
            Err(error) => Err(error),
        })
    }

    /// `GET /{projectKey}/customer-groups/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let group = ct.customer_groups().get(&gold.id).await?;
    /// assert_eq!(group.name, "Gold members");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, id: impl Into<String>) -> Call<CustomerGroup> {
        self.get_target(Target::Id(id.into()))
    }

    /// `GET /{projectKey}/customer-groups/key={key}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let group = ct.customer_groups().get_by_key("gold").await?;
    /// assert_eq!(group.id, gold.id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_by_key(&self, key: impl Into<String>) -> Call<CustomerGroup> {
        self.get_target(Target::Key(key.into()))
    }

    /// A query of the project's customer groups.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct.customer_groups().query().key_is("gold").send().await?;
    /// assert_eq!(page.results.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn query(&self) -> CustomerGroupQuery {
        CustomerGroupQuery::new(self.client.clone())
    }

    /// `POST /{projectKey}/customer-groups`.
    ///
    /// Not retried once it may have reached the server: a duplicate would
    /// fail with `DuplicateField` or, without a key, create a second group.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
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
    pub fn create(&self, draft: CustomerGroupDraft) -> Call<CustomerGroup> {
        calls::json(self.client.http(), self.create_request(&draft))
    }

    /// The create request of `draft`, refused before sending when its key
    /// or custom fields break the API's patterns.
    fn create_request(&self, draft: &CustomerGroupDraft) -> Request {
        let key_checked = draft
            .key
            .as_deref()
            .map_or(Ok(()), |key| check_key("key", key));
        self.collection_request(Request::post("create_customer_group"))
            .check(key_checked)
            .check(
                draft
                    .custom
                    .as_ref()
                    .map_or(Ok(()), CustomFieldsDraft::check),
            )
            .json(draft)
    }

    /// `POST /{projectKey}/customer-groups/{id}`: applies the actions at the
    /// expected version; a stale version fails with 409 `ConcurrentModification`.
    ///
    /// A versioned update is retried like a read (a replay cannot apply
    /// twice). When an attempt was applied but its answer was lost (a
    /// gateway's 503, a dropped connection), the replay meets a 409 for
    /// your *own* change. The SDK then reads the group: if its version is
    /// past the one sent and it already holds everything the actions set
    /// ([`CustomerGroupUpdate::is_reflected_in`]), the update landed and
    /// the call returns the group as read. Otherwise (another writer
    /// changed it as well, or an action such as a custom type named by key
    /// cannot be checked locally) it fails with the conflict, which says
    /// that an earlier attempt may have been applied
    /// ([`CtErrorExt::conflict_may_be_own_earlier_attempt`]): read the
    /// group again and check before applying anything again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let id = ct.customer_groups().create(draft).await?.id;
    /// # let _ = id;
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
    ) -> Call<CustomerGroup> {
        self.update_target(Target::Id(id.into()), update)
    }

    /// `POST /{projectKey}/customer-groups/key={key}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// use ct_customer_groups_sdk::{CustomerGroupUpdate, UpdateAction};
    ///
    /// let update = CustomerGroupUpdate::for_group(&gold).action(UpdateAction::change_name("Gold"));
    /// let renamed = ct.customer_groups().update_by_key("gold", update).await?;
    /// assert_eq!(renamed.name, "Gold");
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_by_key(
        &self,
        key: impl Into<String>,
        update: CustomerGroupUpdate,
    ) -> Call<CustomerGroup> {
        self.update_target(Target::Key(key.into()), update)
    }

    /// `DELETE /{projectKey}/customer-groups/{id}?version=N`.
    ///
    /// A delete is retried like a read: when an attempt deleted the group
    /// but its answer was lost, the replay meets 404, and the call returns
    /// [`Deleted::AnswerLost`] instead of an error. A 404 to the first
    /// attempt is an error, as it was not there to delete.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// // The version is the one the caller saw: a stale one is a 409.
    /// let deleted = ct.customer_groups().delete(&gold.id, gold.version).await?;
    /// assert_eq!(deleted.group().map(|group| group.name.as_str()), Some("Gold members"));
    /// assert!(!ct.customer_groups().exists(&gold.id).await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, id: impl Into<String>, version: u64) -> Call<Deleted> {
        self.delete_target(Target::Id(id.into()), version)
    }

    /// `DELETE /{projectKey}/customer-groups/key={key}?version=N`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// ct.customer_groups().delete_by_key("gold", gold.version).await?;
    /// assert!(!ct.customer_groups().exists_by_key("gold").await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_by_key(&self, key: impl Into<String>, version: u64) -> Call<Deleted> {
        self.delete_target(Target::Key(key.into()), version)
    }

    /// Every customer group of the project, by keyset: see
    /// [`CustomerGroupQuery::query_all`] and [`QueryAll`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// use ct_customer_groups_sdk::prelude::*;
    /// # for n in 0..30 {
    /// #     ct.customer_groups().create(ct_customer_groups_sdk::CustomerGroupDraft::new(format!("Group {n}"))).await?;
    /// # }
    ///
    /// // Any number of groups, by id, past the API's offset limit.
    /// let all: Vec<_> = ct.customer_groups().query_all().items().try_collect().await?;
    /// assert_eq!(all.len(), 30);
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_all(&self) -> QueryAll {
        self.query().query_all()
    }

    /// Reads the group, asks `actions` what to change, and updates it; when
    /// someone else changed it in between (409), reads it again and asks
    /// again, up to `max_updates` updates in all.
    ///
    /// `actions` sees the group as it is now on every attempt, so it can
    /// decide again; returning no actions ends without an update, with the
    /// group as read. It runs again only after another writer's change:
    /// when an update was applied although its answer was lost (its replay
    /// meets a 409), the SDK recognises its own change as
    /// [`update`](Self::update) does and returns the group, and when it
    /// cannot tell, fails with the conflict rather than run `actions` on a
    /// group that may already hold its change (a closure that appends or
    /// counts would apply twice). The closure may borrow from its surroundings; the call then
    /// lives as long as what it borrows. To await something before deciding,
    /// use [`update_with_retry_async`](Self::update_with_retry_async).
    ///
    /// The version sent is always the version of the group `actions` saw.
    /// When a re-read is older than the version the conflict reported (a
    /// replica lagging behind), it is read again, a few times with short
    /// waits, until it has caught up; if it never does, the call fails with
    /// the conflict. Per-call options (`.deadline(..)` and the others) apply
    /// to the whole exchange.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let id = ct.customer_groups().create(draft).await?.id;
    /// use ct_customer_groups_sdk::UpdateAction;
    ///
    /// let name = String::from("Gold");
    /// let group = ct
    ///     .customer_groups()
    ///     .update_with_retry(&id, 5, |group| {
    ///         if group.name == name {
    ///             vec![]
    ///         } else {
    ///             vec![UpdateAction::change_name(&name)]
    ///         }
    ///     })
    ///     .await?;
    /// println!("{:?} at version {}", group.name, group.version);
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_with_retry<'a, F>(
        &self,
        id: impl Into<String>,
        max_updates: u32,
        mut actions: F,
    ) -> ScopedCall<'a, CustomerGroup>
    where
        F: FnMut(&CustomerGroup) -> Vec<UpdateAction> + Send + 'a,
    {
        self.update_with_retry_async(id, max_updates, move |group| {
            std::future::ready(actions(&group))
        })
    }

    /// [`update_with_retry`](Self::update_with_retry) for a decision that
    /// needs to await, such as reading another system first: `actions` gets
    /// the group as it is now and returns a future of the actions.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let id = ct.customer_groups().create(draft).await?.id;
    /// use ct_customer_groups_sdk::UpdateAction;
    ///
    /// async fn name_in_crm(key: Option<String>) -> String {
    ///     format!("{} (CRM)", key.unwrap_or_default())
    /// }
    ///
    /// let group = ct
    ///     .customer_groups()
    ///     .update_with_retry_async(&id, 5, |group| async move {
    ///         let wanted = name_in_crm(group.key.clone()).await;
    ///         if group.name == wanted { vec![] } else { vec![UpdateAction::change_name(wanted)] }
    ///     })
    ///     .await?;
    /// println!("{:?} at version {}", group.name, group.version);
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_with_retry_async<'a, F, Fut>(
        &self,
        id: impl Into<String>,
        max_updates: u32,
        mut actions: F,
    ) -> ScopedCall<'a, CustomerGroup>
    where
        F: FnMut(CustomerGroup) -> Fut + Send + 'a,
        Fut: Future<Output = Vec<UpdateAction>> + Send + 'a,
    {
        let groups = self.clone();
        let id = id.into();
        let target = Target::Id(id.clone());
        calls::several(
            self.client.http(),
            "update_customer_group_with_retry",
            Some(id),
            move |sender| async move {
                let mut group = groups.read(&target, &sender).await?;
                let mut updates: u32 = 0;
                let mut last_conflict: Option<sdk_core::Error> = None;
                loop {
                    let changes = actions(group.clone()).await;
                    if changes.is_empty() {
                        return Ok(group);
                    }
                    if updates >= max_updates.max(1)
                        && let Some(conflict) = last_conflict
                    {
                        return Err(conflict);
                    }
                    updates = updates.saturating_add(1);
                    let update = CustomerGroupUpdate::for_group(&group).actions_from(changes);
                    match groups.send_update(&target, &update, &sender).await {
                        // A replay's conflict that reading did not settle:
                        // the change may be in, so `actions` must not run again.
                        Err(conflict) if conflict.conflict_may_be_own_earlier_attempt() => {
                            return Err(conflict);
                        }
                        Err(conflict) if conflict.is_concurrent_modification() => {
                            tracing::debug!(
                                current = ?conflict.current_version(),
                                updates,
                                "version conflict: reading the group again"
                            );
                            let current = conflict.current_version();
                            group = match groups.read_caught_up(&target, current, &sender).await? {
                                Some(fresh) => fresh,
                                None => return Err(conflict),
                            };
                            last_conflict = Some(conflict);
                        }
                        other => return other,
                    }
                }
            },
        )
    }

    async fn read(&self, target: &Target, sender: &CallSender) -> Result<CustomerGroup> {
        sender.send_json(self.get_request(target)).await
    }

    /// Reads the group until its version is at least `current` (bounded):
    /// `None` when it never catches up.
    async fn read_caught_up(
        &self,
        target: &Target,
        current: Option<u64>,
        sender: &CallSender,
    ) -> Result<Option<CustomerGroup>> {
        let mut wait = STALE_READ_FIRST_WAIT;
        for read in 1..=STALE_READS {
            let group = self.read(target, sender).await?;
            if current.is_none_or(|current| group.version >= current) {
                return Ok(Some(group));
            }
            tracing::debug!(
                read,
                read_version = group.version,
                ?current,
                "the re-read is older than the conflict's version"
            );
            if read < STALE_READS {
                sender.sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
        }
        Ok(None)
    }
}

/// How many times [`CustomerGroups::update_with_retry`] reads a group that
/// lags behind a conflict's `currentVersion` before giving up.
const STALE_READS: u32 = 4;

/// The wait before the second such read; it doubles for each one after.
const STALE_READ_FIRST_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// A key to look up: any text but the empty one.
fn key_given(key: &str) -> std::result::Result<(), sdk_core::error::InvalidInput> {
    if key.is_empty() {
        return Err(sdk_core::error::InvalidInput::new(
            "key",
            "must not be empty",
        ));
    }
    Ok(())
}
