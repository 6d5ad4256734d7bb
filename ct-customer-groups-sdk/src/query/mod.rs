//! Queries: `where` predicates with input variables, sort, limit, offset,
//! `withTotal`, `expand`; offset paging; and `query_all` by keyset.
//!
//! Values never go into predicate text: a predicate names a variable
//! (`name = :name`) and the value travels as `var.name=...`, encoded like any
//! query value. The helpers ([`CustomerGroupQuery::name_is`],
//! [`key_is`](CustomerGroupQuery::key_is), ...) write such pairs for you.

use std::fmt;

use sdk_core::pagination::{ItemStream, KeyRange, Partitioned, PartitionedPages};
use sdk_core::vendor::{
    HasCallOptions, calls,
    paging::{self, KeysetCursor, OffsetCursor, PaginatorSetup},
};

use sdk_core::{Call, CallOptions, Error, Page, Paginator, Request, Result, SortOrder};

use crate::client::CtClient;
use crate::model::{CustomerGroup, PagedQueryResult};

mod all;
pub use all::{DEFAULT_MAX_WIDTH, DEFAULT_WIDTH, MAX_QUERY_ALL_CONCURRENCY, QueryAll};

/// The largest `limit` the API accepts.
pub const MAX_LIMIT: u32 = 500;

/// The most a `total` counts when the query has a `where` predicate: the
/// API stops counting there.
pub const TOTAL_CAP: u64 = 10_000;

/// The page size the API uses when a query sets no `limit`.
pub const DEFAULT_LIMIT: u32 = 20;

/// The largest `offset` the API accepts; deeper sets need [`CustomerGroupQuery::query_all`].
pub const MAX_OFFSET: u32 = 10_000;

/// The page size of [`CustomerGroupQuery::query_all`].
pub const QUERY_ALL_LIMIT: u32 = 500;

/// A query of customer groups. Build it, then [`send`](Self::send) it for
/// one page, or walk every page with [`pages`](Self::pages) or
/// [`query_all`](Self::query_all).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ct_customer_groups_sdk::Result<()> {
/// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
/// use ct_customer_groups_sdk::SortOrder;
///
/// let user_input = "Gold \" or 1=1";
/// let page = ct
///     .customer_groups()
///     .query()
///     .name_is(user_input) // sent as where=name = :sdk1&var.sdk1=..., never spliced
///     .sort_by("createdAt", SortOrder::Desc)
///     .limit(50)
///     .with_total(true)
///     .send()
///     .await?;
/// # let _ = page;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[must_use = "a query does nothing until it is sent"]
pub struct CustomerGroupQuery {
    client: CtClient,
    predicates: Vec<String>,
    variables: Vec<(String, String)>,
    sort: Vec<String>,
    limit: Option<u32>,
    offset: Option<u32>,
    with_total: Option<bool>,
    expand: Vec<String>,
    generated: u32,
    invalid: Option<sdk_core::error::InvalidInput>,
    options: CallOptions,
}

impl fmt::Debug for CustomerGroupQuery {
    /// Shows the predicates and variable names, not their values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerGroupQuery")
            .field("predicates", &self.predicates)
            .field(
                "variables",
                &self.variables.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("sort", &self.sort)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("with_total", &self.with_total)
            .field("expand", &self.expand)
            .finish()
    }
}

/// Input variable names are `[a-zA-Z0-9]+`.
fn valid_variable_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl HasCallOptions for CustomerGroupQuery {
    fn call_options_mut(&mut self) -> &mut CallOptions {
        &mut self.options
    }
}

/// A query is one request: awaiting it sends it for one page, as
/// [`send`](CustomerGroupQuery::send) does. Walks of every page are not
/// awaited: [`pages`](CustomerGroupQuery::pages) and
/// [`query_all`](CustomerGroupQuery::query_all) are streams (`.items()`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ct_customer_groups_sdk::Result<()> {
/// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
/// use std::time::Duration;
/// use ct_customer_groups_sdk::prelude::*;
///
/// let page = ct.customer_groups().query().deadline(Duration::from_secs(5)).await?;
/// assert_eq!(page.results.len(), 0);
/// # Ok(())
/// # }
/// ```
impl std::future::IntoFuture for CustomerGroupQuery {
    type Output = Result<PagedQueryResult<CustomerGroup>>;
    type IntoFuture = sdk_core::CallFuture<'static, PagedQueryResult<CustomerGroup>>;

    fn into_future(self) -> Self::IntoFuture {
        self.send().into_future()
    }
}

impl CustomerGroupQuery {
    pub(crate) fn new(client: CtClient) -> Self {
        Self {
            client,
            predicates: Vec::new(),
            variables: Vec::new(),
            sort: Vec::new(),
            limit: None,
            offset: None,
            with_total: None,
            expand: Vec::new(),
            generated: 0,
            invalid: None,
            options: CallOptions::default(),
        }
    }

    fn refuse(mut self, field: &str, rule: impl Into<String>) -> Self {
        self.invalid
            .get_or_insert(sdk_core::error::InvalidInput::new(field, rule));
        self
    }

    /// Adds a `where` predicate, written by you, naming variables as
    /// `:name`; several predicates must all hold. Put values in
    /// [`var`](Self::var), never in this text.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// // User text goes in as a variable, never spliced into the predicate.
    /// let page = ct
    ///     .customer_groups()
    ///     .query()
    ///     .predicate("name = :name")
    ///     .var("name", "Gold members")
    ///     .send()
    ///     .await?;
    /// assert_eq!(page.results[0].id, gold.id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn predicate(mut self, predicate: impl Into<String>) -> Self {
        let predicate = predicate.into();
        if predicate.trim().is_empty() {
            return self.refuse("where", "a predicate must not be empty");
        }
        self.predicates.push(predicate);
        self
    }

    /// Sets the input variable `name` (used as `:name` in a predicate).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct.customer_groups().query().predicate("key = :key").var("key", "gold").send().await?;
    /// assert_eq!(page.results.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if !valid_variable_name(&name) {
            return self.refuse(
                "var",
                format!("`{name}` is not a variable name (one or more of a-z A-Z 0-9)"),
            );
        }
        self.variables.push((name, value.into()));
        self
    }

    /// Sets the input variable `name` to several values (for `in :name`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct
    ///     .customer_groups()
    ///     .query()
    ///     .predicate("key in :keys")
    ///     .var_list("keys", ["gold", "silver"])
    ///     .send()
    ///     .await?;
    /// assert_eq!(page.results.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn var_list<I, S>(self, name: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        values
            .into_iter()
            .fold(self, |query, value| query.var(name, value))
    }

    /// A fresh variable name for the helpers.
    fn next_variable(&mut self) -> String {
        self.generated += 1;
        format!("sdk{}", self.generated)
    }

    fn field_is(mut self, field: &str, value: String) -> Self {
        let variable = self.next_variable();
        self.predicate(format!("{field} = :{variable}"))
            .var(variable, value)
    }

    fn field_in<I, S>(mut self, field: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let variable = self.next_variable();
        self.predicate(format!("{field} in :{variable}"))
            .var_list(&variable, values)
    }

    /// Only the group named `name`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let found = ct.customer_groups().query().name_is("Gold members").send().await?;
    /// assert_eq!(found.results[0].key.as_deref(), Some("gold"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn name_is(self, name: impl Into<String>) -> Self {
        self.field_is("name", name.into())
    }

    /// Only the group with key `key`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let found = ct.customer_groups().query().key_is("gold").send().await?;
    /// assert_eq!(found.results[0].id, gold.id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn key_is(self, key: impl Into<String>) -> Self {
        self.field_is("key", key.into())
    }

    /// Only groups whose key is one of `keys`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let found = ct.customer_groups().query().key_in(["gold", "platinum"]).send().await?;
    /// assert_eq!(found.results.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn key_in<I: IntoIterator<Item = S>, S: Into<String>>(self, keys: I) -> Self {
        self.field_in("key", keys)
    }

    /// Only groups whose id is one of `ids`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let found = ct.customer_groups().query().id_in([gold.id.clone()]).send().await?;
    /// assert_eq!(found.results.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn id_in<I: IntoIterator<Item = S>, S: Into<String>>(self, ids: I) -> Self {
        self.field_in("id", ids)
    }

    /// Adds a sort expression such as `name asc`; repeat for ties.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct.customer_groups().query().sort("name asc").send().await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    pub fn sort(mut self, expression: impl Into<String>) -> Self {
        self.sort.push(expression.into());
        self
    }

    /// Adds a sort by `field` in `order`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// use ct_customer_groups_sdk::SortOrder;
    ///
    /// let page = ct.customer_groups().query().sort_by("createdAt", SortOrder::Desc).send().await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    pub fn sort_by(self, field: impl Into<String>, order: SortOrder) -> Self {
        let field = field.into();
        let order = match order {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        };
        self.sort(format!("{field} {order}"))
    }

    /// Results per page, 0 to 500 (the API's default is 20; 0 asks only
    /// for the total). Walking [`pages`](Self::pages) needs at least 1.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct.customer_groups().query().limit(100).send().await?;
    /// assert_eq!(page.limit, 100);
    /// # Ok(())
    /// # }
    /// ```
    pub fn limit(mut self, limit: u32) -> Self {
        if limit > MAX_LIMIT {
            return self.refuse("limit", format!("must be 0 to {MAX_LIMIT} (is {limit})"));
        }
        self.limit = Some(limit);
        self
    }

    /// Results to skip, 0 to 10,000.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct.customer_groups().query().offset(1).send().await?;
    /// assert!(page.results.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn offset(mut self, offset: u32) -> Self {
        if offset > MAX_OFFSET {
            return self.refuse(
                "offset",
                format!(
                    "must be at most {MAX_OFFSET} (is {offset}); use query_all for deeper sets"
                ),
            );
        }
        self.offset = Some(offset);
        self
    }

    /// Whether the server counts the total (the API's default is true).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// // Counting costs the API time: leave it out when the total is not needed.
    /// let page = ct.customer_groups().query().with_total(false).send().await?;
    /// assert_eq!(page.total, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_total(mut self, with_total: bool) -> Self {
        self.with_total = Some(with_total);
        self
    }

    /// Expands a reference path in the results.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct.customer_groups().query().key_is("gold").expand("createdBy.customer").send().await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    pub fn expand(mut self, path: impl Into<String>) -> Self {
        self.expand.push(path.into());
        self
    }

    /// The request for one page.
    /// The request for the page this query's offset, limit and total ask for.
    pub(crate) fn page_request(&self) -> Request {
        self.request(self.offset, self.limit, self.with_total)
    }

    fn request(
        &self,
        offset: Option<u32>,
        limit: Option<u32>,
        with_total: Option<bool>,
    ) -> Request {
        let mut request = self.filtered(Request::get("query_customer_groups"));
        for sort in &self.sort {
            request = request.query("sort", sort);
        }
        request = request
            .query_opt("limit", limit.map(|l| l.to_string()))
            .query_opt("offset", offset.map(|o| o.to_string()))
            .query_opt("withTotal", with_total.map(|w| w.to_string()));
        for path in &self.expand {
            request = request.query("expand", path);
        }
        self.with_variables(request)
    }

    /// `request` to the customer groups, narrowed by this query's predicates.
    fn filtered(&self, request: Request) -> Request {
        let mut request = self
            .client
            .customer_groups_request(request)
            .check(self.invalid.clone().map_or(Ok(()), Err));
        for predicate in &self.predicates {
            request = request.query("where", predicate);
        }
        request
    }

    /// `request` with the values of the predicates' variables, sent last.
    fn with_variables(&self, mut request: Request) -> Request {
        for (name, value) in &self.variables {
            request = request.query(&format!("var.{name}"), value);
        }
        request
    }

    /// Whether any group matches this query's predicates: a `GET` of at
    /// most one result without a total (`limit=1&withTotal=false`).
    ///
    /// Not a `HEAD`: the specification lists only `where` for `HEAD`, so
    /// the predicates' input variables (`var.*`) are not promised there,
    /// and a server that ignored them would answer for another predicate.
    /// Sorting and expansion are left out; they change nothing here.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// assert!(ct.customer_groups().query().name_is("Gold members").exists().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn exists(&self) -> Call<bool> {
        let request = self
            .filtered(Request::get("customer_groups_exist"))
            .query("limit", "1")
            .query("withTotal", "false");
        let request = self.with_variables(request);
        calls::json_page(self.client.http(), request, 1)
            .map(|page: PagedQueryResult<serde::de::IgnoredAny>| !page.results.is_empty())
            .with_call_options(self.options.clone())
    }

    /// Sends the query for one page.
    ///
    /// A page holding more results than the limit asked for is a decode
    /// error. Without a limit the API answers 20; an emulator may answer
    /// more, so then only the API's maximum of 500 is held against it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// let page = ct.customer_groups().query().send().await?;
    /// println!("{} of {:?} groups", page.count, page.total);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send(&self) -> Call<PagedQueryResult<CustomerGroup>> {
        let request = self.request(self.offset, self.limit, self.with_total);
        let limit = self.limit.unwrap_or(MAX_LIMIT);
        calls::json_page(self.client.http(), request, u64::from(limit))
            .with_call_options(self.options.clone())
    }

    /// Sends `request` for one page of at most `limit` results; more is a
    /// decode error found before the extra results are built.
    async fn fetch_page(
        &self,
        request: Request,
        limit: u64,
    ) -> Result<PagedQueryResult<CustomerGroup>> {
        // A call of its own: each page has its operation span and metrics.
        calls::json_page(self.client.http(), request, limit)
            .with_call_options(self.options.clone())
            .await
    }

    /// Every page by offset, from offset 0, with this query's filters and
    /// sort on each page. Once the first page has told the total, several
    /// pages are read at once, in order: two at first, widening to eight
    /// while they come back clean and fast and the client's governor has
    /// room ([`Paginator::concurrency`] fixes the number).
    ///
    /// # How it ends
    ///
    /// `Ok` when `total` is reached (or, with `with_total(false)`, on a short
    /// or empty page). It ends with
    /// [`Error::IncompleteListing`] when
    /// the next page would start past the API's offset limit of 10,000 while
    /// more groups remain (use [`query_all`](Self::query_all) for those), on
    /// a group seen twice (pages shifted or repeated), or on a short page
    /// before `total`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// use ct_customer_groups_sdk::prelude::*;
    ///
    /// // Offset paging, for up to 10,000 groups; `query_all` walks any number.
    /// let paginator = ct.customer_groups().query().limit(500).pages();
    /// let mut pages = paginator.pages(); // or `.items()`, or `.concurrency(n)` first
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} groups", page.items.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages(self) -> Paginator<CustomerGroup> {
        let http = self.client.http().clone();
        let limit = u64::from(self.limit.unwrap_or(DEFAULT_LIMIT).max(1));
        let with_total = self.with_total.unwrap_or(true);
        let fetch = move |page: OffsetCursor| {
            let query = self.clone();
            async move {
                let OffsetCursor {
                    offset,
                    limit,
                    with_total,
                    ..
                } = page;
                let offset = match u32::try_from(offset) {
                    Ok(offset) if offset <= MAX_OFFSET => offset,
                    _ => {
                        return Err(Error::incomplete_listing(
                            "query_customer_groups",
                            format!(
                                "more groups remain past the API's offset limit of {MAX_OFFSET}: use query_all() to walk every group"
                            ),
                        ));
                    }
                };
                let limit = u32::try_from(limit).unwrap_or(MAX_LIMIT);
                let request = query.request(Some(offset), Some(limit), Some(with_total));
                let result = query.fetch_page(request, u64::from(limit)).await?;
                // With a predicate the API counts at most 10,000: a total at
                // that cap is a floor, not the end, so the listing reads on
                // to a short page (or the offset limit) instead.
                let total = result
                    .total
                    .filter(|total| query.predicates.is_empty() || *total < TOTAL_CAP);
                Ok(Page::new(result.results).with_total(total))
            }
        };
        let paginator = if with_total {
            paging::offset_with_total(limit, fetch)
        } else {
            paging::offset(limit, fetch)
        };
        paginator
            .operation("query_customer_groups")
            .metered_by(&http)
            .item_key(|group: &CustomerGroup| group.id.clone())
    }

    /// Every matching group, however many, in id order, by keyset: pages
    /// of 500 sorted by `id asc`, each asking for `id > "<last id>"`,
    /// without totals (the commercetools QueryAll pattern). This query's
    /// predicates, variables and expands apply; its sort, limit, offset and
    /// `withTotal` are replaced. See [`QueryAll`] for walking it in parallel.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// use ct_customer_groups_sdk::prelude::*;
    ///
    /// let everything: Vec<_> = ct
    ///     .customer_groups()
    ///     .query()
    ///     .predicate("key is defined")
    ///     .query_all()
    ///     .concurrency(8)
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = everything;
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_all(mut self) -> QueryAll {
        self.sort = vec!["id asc".to_owned()];
        QueryAll::new(self)
    }

    /// A keyset walk over the groups whose id lies in `range`.
    fn keyset_walk(mut self, range: KeyRange) -> Paginator<CustomerGroup> {
        let http = self.client.http().clone();
        if let Some(from) = &range.from {
            self = self
                .predicate("id >= :sdkFrom")
                .var("sdkFrom", from.clone());
        }
        if let Some(to) = &range.to {
            self = self.predicate("id < :sdkTo").var("sdkTo", to.clone());
        }
        paging::keyset(
            u64::from(QUERY_ALL_LIMIT),
            |group: &CustomerGroup| group.id.clone(),
            move |page: KeysetCursor| {
                let mut query = self.clone();
                async move {
                    if let Some(after) = page.after {
                        query = query.predicate("id > :sdkLastId").var("sdkLastId", after);
                    }
                    let limit = u32::try_from(page.limit).unwrap_or(QUERY_ALL_LIMIT);
                    let request = query.request(None, Some(limit), Some(false));
                    let result = query.fetch_page(request, u64::from(limit)).await?;
                    Ok(Page::new(result.results))
                }
            },
        )
        .key_range(range)
        .operation("query_customer_groups")
        .metered_by(&http)
    }
}
