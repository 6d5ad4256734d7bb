//! The customer group endpoints: `/tenants/{tenantUid}/customer-groups`.

use std::marker::PhantomData;

use sdk_core::vendor::{
    HasCallOptions, calls,
    paging::{self, PageNumberCursor, PaginatorSetup},
};
use sdk_core::{Call, CallOptions, Page, Paginator, Request, SortOrder};
use serde::de::DeserializeOwned;

use crate::client::{FlowRetailClient, check_optional_uid, check_uid};
use crate::model::{
    CreateCustomerGroup, Customer, CustomerGroup, GroupMembershipChange, ListResponse,
    UpdateCustomerGroup,
};

mod changes;
mod ensure;

pub use changes::DEFAULT_FEED_OVERLAP;
pub use ensure::GroupMembers;

/// The page size used when none is set.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// The customer group endpoints. Get one with [`FlowRetailClient::customer_groups`].
#[derive(Debug, Clone)]
pub struct CustomerGroups {
    client: FlowRetailClient,
}

impl CustomerGroups {
    pub(crate) fn new(client: FlowRetailClient) -> Self {
        Self { client }
    }

    fn collection(&self, request: Request) -> Request {
        self.client
            .tenant_request(request)
            .segment("customer-groups")
    }

    /// A request for one group, refused before sending when `uid` is not a UID.
    fn group(&self, request: Request, uid: impl Into<String>) -> Request {
        let uid = uid.into();
        self.collection(request)
            .check(check_uid("customerGroupUid", &uid))
            .id_segment("customerGroupUid", uid)
    }

    /// `GET /customer-groups`: the groups, page by page.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let flow = flowretail_sdk::sandbox::FlowRetailSandbox::start()?.client()?;
    /// use flowretail_sdk::prelude::*;
    /// use flowretail_sdk::SortOrder;
    ///
    /// let groups: Vec<_> = flow
    ///     .customer_groups()
    ///     .list()
    ///     .sort_by("name", SortOrder::Asc)
    ///     .page_size(200)
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = groups;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> Listing<CustomerGroup> {
        Listing::new(self.clone(), "list_customer_groups", None)
    }

    /// `POST /customer-groups` (201). Not retried once it may have reached
    /// the server; choose the UID ([`CreateCustomerGroup::uid`]) to make a
    /// second attempt fail instead of creating a twin. The UID is an
    /// `OptionalUID`: an empty one is sent, and the server assigns one.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// use flowretail_sdk::CreateCustomerGroup;
    ///
    /// let group = flow.customer_groups().create(CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// assert_eq!(group.customer_group_uid, "vip");
    /// // The same UID again fails instead of making a twin.
    /// assert!(flow.customer_groups().create(CreateCustomerGroup::new("VIP").uid("vip")).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, group: CreateCustomerGroup) -> Call<CustomerGroup> {
        calls::json(self.client.http(), self.create_request(&group))
    }

    fn create_request(&self, group: &CreateCustomerGroup) -> Request {
        let checked = match &group.customer_group_uid {
            Some(uid) => check_optional_uid("customerGroupUid", uid),
            None => Ok(()),
        };
        self.collection(Request::post("create_customer_group"))
            .check(checked)
            .json(group)
    }

    /// `GET /customer-groups/{customerGroupUid}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// let group = flow.customer_groups().get("vip").await?;
    /// println!("{} created {}", group.name, group.created_at);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, uid: impl Into<String>) -> Call<CustomerGroup> {
        calls::json(self.client.http(), self.get_request(uid))
    }

    fn get_request(&self, uid: impl Into<String>) -> Request {
        self.group(Request::get("get_customer_group"), uid)
    }

    /// `PUT /customer-groups/{customerGroupUid}`: renames the group.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// use flowretail_sdk::UpdateCustomerGroup;
    ///
    /// let group = flow.customer_groups().update("vip", UpdateCustomerGroup::name("Very important")).await?;
    /// assert_eq!(group.name, "Very important");
    /// # Ok(())
    /// # }
    /// ```
    pub fn update(
        &self,
        uid: impl Into<String>,
        update: UpdateCustomerGroup,
    ) -> Call<CustomerGroup> {
        calls::json(self.client.http(), self.update_request(uid, &update))
    }

    fn update_request(&self, uid: impl Into<String>, update: &UpdateCustomerGroup) -> Request {
        self.group(Request::put("update_customer_group"), uid)
            .json(update)
    }

    /// `DELETE /customer-groups/{customerGroupUid}` (204).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// flow.customer_groups().delete("vip").await?;
    /// assert!(flow.customer_groups().get("vip").await.unwrap_err().is_not_found());
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, uid: impl Into<String>) -> Call<()> {
        calls::empty(
            self.client.http(),
            self.group(Request::delete("delete_customer_group"), uid),
        )
    }

    /// `GET /customer-groups/{customerGroupUid}/customers`: the group's
    /// customers, page by page. A UID that is not one fails the first page.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// use flowretail_sdk::prelude::*;
    ///
    /// let members: Vec<_> = flow.customer_groups().customers("vip").items().try_collect().await?;
    /// assert_eq!(members.len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn customers(&self, uid: impl Into<String>) -> Listing<Customer> {
        Listing::new(
            self.clone(),
            "list_customer_group_customers",
            Some(uid.into()),
        )
    }

    /// `PUT /customer-groups/{customerGroupUid}/customers` (204): adds and/or
    /// removes customers. Every UID is checked before sending.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let uids = sandbox.seed_customers(3);
    /// # let (c1, c2, c9) = (uids[0].clone(), uids[1].clone(), uids[2].clone());
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # let earlier = GroupMembershipChange::new().add_customers([c9.clone()]);
    /// # flow.customer_groups().update_customers("vip", earlier).await?;
    /// use flowretail_sdk::GroupMembershipChange;
    ///
    /// // c1, c2 and c9 are customer UIDs.
    /// flow.customer_groups()
    ///     .update_customers(
    ///         "vip",
    ///         GroupMembershipChange::new()
    ///             .add_customers([c1, c2])
    ///             .remove_customers([c9]),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_customers(
        &self,
        uid: impl Into<String>,
        change: GroupMembershipChange,
    ) -> Call<()> {
        calls::empty(self.client.http(), self.members_request(uid, &change))
    }

    fn members_request(&self, uid: impl Into<String>, change: &GroupMembershipChange) -> Request {
        let checked = change
            .add_customer_uids
            .iter()
            .map(|uid| ("addCustomerUids", uid))
            .chain(
                change
                    .remove_customer_uids
                    .iter()
                    .map(|uid| ("removeCustomerUids", uid)),
            )
            .try_for_each(|(field, uid)| check_uid(field, uid));
        self.group(Request::put("update_customer_group_customers"), uid)
            .check(checked)
            .segment("customers")
            .json(change)
    }
}

/// A paged listing (of groups, or of a group's customers): set the page
/// size and sort, then fetch one [`page`](Self::page) or walk them all with
/// [`items`](Self::items) / [`paginator`](Self::paginator).
///
/// Walking learns from the first answer whether pages count from 0 or 1
/// and how many items a full page holds (a server may cap `pageSize`).
///
/// # How a walk ends
///
/// `Ok` (the stream ends) only when `totalCount` is reached, or, when the
/// server sends no `totalCount`, on a short or empty page. It ends with
/// [`Error::IncompleteListing`](crate::Error::IncompleteListing) when the
/// answers contradict each other or the walk cannot go on: a short or empty
/// page before `totalCount`, a page numbered otherwise than asked (a server
/// that always answers page 1), or a UID seen twice (repeated or shifted
/// pages). A failed request ends it with that request's error.
#[derive(Debug)]
#[must_use = "a listing does nothing until it is fetched"]
pub struct Listing<T> {
    groups: CustomerGroups,
    operation: &'static str,
    group_uid: Option<String>,
    page_size: u64,
    sort_by: Option<String>,
    sort_direction: Option<SortOrder>,
    options: CallOptions,
    item: PhantomData<fn() -> T>,
}

impl<T> HasCallOptions for Listing<T> {
    fn call_options_mut(&mut self) -> &mut CallOptions {
        &mut self.options
    }
}

impl<T> Clone for Listing<T> {
    fn clone(&self) -> Self {
        Self {
            groups: self.groups.clone(),
            operation: self.operation,
            group_uid: self.group_uid.clone(),
            page_size: self.page_size,
            sort_by: self.sort_by.clone(),
            sort_direction: self.sort_direction,
            options: self.options.clone(),
            item: PhantomData,
        }
    }
}

/// An item of a Flow Retail listing: its UID identifies it, so that a walk
/// can tell a repeated page from a new one.
pub trait ListItem {
    /// The item's UID.
    fn uid(&self) -> &str;
}

impl ListItem for CustomerGroup {
    fn uid(&self) -> &str {
        &self.customer_group_uid
    }
}

impl ListItem for Customer {
    fn uid(&self) -> &str {
        &self.customer_uid
    }
}

impl<T> Listing<T>
where
    T: ListItem + DeserializeOwned + Send + 'static,
{
    fn new(groups: CustomerGroups, operation: &'static str, group_uid: Option<String>) -> Self {
        Self {
            groups,
            operation,
            group_uid,
            page_size: DEFAULT_PAGE_SIZE,
            sort_by: None,
            sort_direction: None,
            options: CallOptions::default(),
            item: PhantomData,
        }
    }

    /// Items per page (default 100).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// let first = flow.customer_groups().customers("vip").page_size(2).page(None).await?;
    /// assert_eq!(first.items.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Sorts by `field` (groups: `name`, `createdAt`, `lastModifiedAt`;
    /// customers: `lastname`, `createdAt`) in `direction`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// use flowretail_sdk::prelude::*;
    ///
    /// let by_name: Vec<_> = flow
    ///     .customer_groups()
    ///     .customers("vip")
    ///     .sort_by("lastname", SortOrder::Desc)
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// assert!(by_name.windows(2).all(|pair| pair[0].lastname >= pair[1].lastname));
    /// # Ok(())
    /// # }
    /// ```
    pub fn sort_by(mut self, field: impl Into<String>, direction: SortOrder) -> Self {
        self.sort_by = Some(field.into());
        self.sort_direction = Some(direction);
        self
    }

    fn request(&self, number: Option<u64>) -> Request {
        let request = Request::get(self.operation);
        let request = match &self.group_uid {
            Some(uid) => self
                .groups
                .group(request, uid.as_str())
                .segment("customers"),
            None => self.groups.collection(request),
        };
        request
            .query_opt("pageNumber", number.map(|n| n.to_string()))
            .query("pageSize", self.page_size.to_string())
            .query_opt("sortBy", self.sort_by.as_deref())
            .query_opt(
                "sortDirection",
                self.sort_direction.map(|order| match order {
                    // `SortDirectionENUM`
                    SortOrder::Asc => "ASC",
                    SortOrder::Desc => "DESC",
                }),
            )
    }

    /// One page: `None` asks for the server's first page.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// // One page on its own: `None` is the first, whichever number the server starts at.
    /// let first = flow.customer_groups().customers("vip").page_size(2).page(None).await?;
    /// println!("page {} of {} customers", first.paging.page_number, first.paging.total_count);
    /// # Ok(())
    /// # }
    /// ```
    pub fn page(&self, number: Option<u64>) -> Call<ListResponse<T>> {
        calls::json_page(
            self.groups.client.http(),
            self.request(number),
            self.page_size,
        )
        .with_call_options(self.options.clone())
    }

    /// Every page, as a [`Paginator`] with prefetch and, once the total is
    /// known, several pages at once (widening from 2 to 8 unless
    /// [`concurrency`](Paginator::concurrency) fixes the number); this
    /// listing's size and sort apply to each page.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// use flowretail_sdk::prelude::*;
    ///
    /// // Up to four pages in flight once the total is known; items stay in order.
    /// let members: Vec<_> = flow.customer_groups().customers("vip").page_size(1).paginator().concurrency(4).items().try_collect().await?;
    /// assert_eq!(members.len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn paginator(self) -> Paginator<T> {
        let size = self.page_size;
        let operation = self.operation;
        let http = self.groups.client.http().clone();
        let http = &http;
        paging::page_number(size, move |page: PageNumberCursor| {
            let listing = self.clone();
            async move {
                let response = listing.page(page.number).await?;
                Ok(Page::new(response.items)
                    .with_total(Some(response.paging.total_count))
                    .with_page_number(Some(response.paging.page_number))
                    .with_page_size(Some(response.paging.page_size)))
            }
        })
        .operation(operation)
        .metered_by(http)
        .item_key(|item: &T| item.uid().to_owned())
    }

    /// Every item, page after page, in order: the [`paginator`](Self::paginator)'s
    /// defaults (one page prefetched, pages read at once once the total is known).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    /// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// # flow.customer_groups().update_customers("vip", members).await?;
    /// use flowretail_sdk::prelude::*;
    ///
    /// let mut members = flow.customer_groups().customers("vip").items();
    /// while let Some(customer) = members.try_next().await? {
    ///     println!("{} {}", customer.customer_uid, customer.lastname);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn items(self) -> sdk_core::pagination::ItemStream<T> {
        self.paginator().items()
    }
}
