//! `query_all`: the keyset walk over every group, alone or split into id
//! ranges walked at once.

use super::*;
use sdk_core::vendor::paging::{self, PaginatorSetup};

/// The most id ranges [`QueryAll::concurrency`] walks at once.
pub const MAX_QUERY_ALL_CONCURRENCY: usize = 64;

/// How many id ranges a walk with no [`QueryAll::concurrency`] starts with
/// (the same as every listing's: [`sdk_core::pagination::DEFAULT_WIDTH`]).
pub const DEFAULT_WIDTH: usize = sdk_core::pagination::DEFAULT_WIDTH;

/// How many it widens to while pages come back clean and fast (one more
/// per page, while the client's governor has room).
pub const DEFAULT_MAX_WIDTH: usize = sdk_core::pagination::DEFAULT_MAX_WIDTH;

/// The most id ranges a walk splits the id space into.
const MAX_QUERY_ALL_RANGES: usize = 4_096;

/// About how many groups a range should hold: four fifths of a page, so
/// that nearly every range is one short page (one request) even though
/// random ids do not spread exactly evenly.
const GROUPS_PER_RANGE: u64 = QUERY_ALL_LIMIT as u64 * 9 / 10;

/// Every matching group, by keyset: from [`CustomerGroupQuery::query_all`].
///
/// # Which walk to use
///
/// - `query_all()` with no concurrency set: as `concurrency(n)` below,
///   starting with [`DEFAULT_WIDTH`] ranges at once and opening one more
///   for each page that comes back clean and fast while the
///   client's governor has room, up to [`DEFAULT_MAX_WIDTH`]. The governor
///   bounds the requests in flight whatever the width, and shrinks them on
///   throttling.
/// - `query_all().concurrency(1)`: one keyset walk, one page in flight at
///   a time; its speed is one page per round trip. Enough for small sets,
///   and when the caller is slower than the server anyway.
/// - `query_all().concurrency(n)`: the first page is read with the total
///   (`withTotal=true`); then the ids above its last one are split into
///   disjoint ranges by leading hex digits (commercetools ids are lower-case
///   UUIDs, so ranges hold about as many groups each): `n` of them, or more
///   for large sets, so that each range is about one page. `n` ranges are
///   walked by keyset at once, each resuming after the first page, and the
///   next range opens as one is done. The first and last ranges are
///   open-ended, so an id of any shape is seen exactly once. Several times
///   faster than one walk over many groups (see BENCHMARKS.md).
/// - [`pages`](CustomerGroupQuery::pages) with
///   [`concurrency`](crate::Paginator::concurrency): offset paging, also
///   fast, but it cannot pass the API's offset of 10,000 (it ends with an
///   error when more groups remain).
///
/// Items come in id order (the ranges are ordered and concatenate), unless
/// [`unordered`](Self::unordered) asks for pages as they arrive. Memory is
/// bounded either way: at most `n` requests are in flight, each range holds
/// at most two pages for the caller, and all together at most `2n`.
///
/// There is no prefetch setting: a keyset walk can only ask for the next
/// page once it has the last id of the one before, and it asks as soon as
/// that page arrives, while the caller works on it.
///
/// # How it ends
///
/// `Ok` only when every range has ended on a short or empty page. Any
/// range's error ends the walk (so does a failed first page); ids that do not
/// strictly increase within a range, or that fall outside the range asked
/// for, end it with [`Error::IncompleteListing`].
#[derive(Debug, Clone)]
#[must_use = "a walk does nothing until its pages or items are polled"]
pub struct QueryAll {
    query: CustomerGroupQuery,
    /// The ranges walked at once; `None`: a width that starts at
    /// [`DEFAULT_WIDTH`] and widens up to [`DEFAULT_MAX_WIDTH`].
    concurrency: Option<usize>,
    /// The first and the widest width of a walk with no concurrency set.
    width: (usize, usize),
    ordered: bool,
}

/// The per-call setters ([`CallOptionsBuilder`](sdk_core::CallOptionsBuilder),
/// in the prelude) apply to each page request of the walk, as on the query.
///
/// A walk is not awaited: read its [`items`](QueryAll::items) (or pages)
/// as a stream.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ct_customer_groups_sdk::Result<()> {
/// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
/// use ct_customer_groups_sdk::prelude::*;
///
/// let all: Vec<_> = ct.customer_groups().query_all().correlation_id("nightly-run").items().try_collect().await?;
/// assert!(all.is_empty());
/// # Ok(())
/// # }
/// ```
impl HasCallOptions for QueryAll {
    fn call_options_mut(&mut self) -> &mut CallOptions {
        self.query.call_options_mut()
    }
}

impl QueryAll {
    /// A sequential, ordered walk of `query`, which is sorted by id.
    pub(super) fn new(query: CustomerGroupQuery) -> Self {
        Self {
            query,
            concurrency: None,
            width: (DEFAULT_WIDTH, DEFAULT_MAX_WIDTH),
            ordered: true,
        }
    }

    /// Walks this many id ranges at once (at least 1, at most
    /// [`MAX_QUERY_ALL_CONCURRENCY`]); not set, the width starts at
    /// [`DEFAULT_WIDTH`] and widens (see [`widening`](Self::widening)).
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
    /// // Four disjoint id ranges walked at once; the groups still come in id order.
    /// let all: Vec<_> = ct.customer_groups().query_all().concurrency(4).items().try_collect().await?;
    /// assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id));
    /// # Ok(())
    /// # }
    /// ```
    pub fn concurrency(mut self, ranges: usize) -> Self {
        self.concurrency = Some(ranges.clamp(1, MAX_QUERY_ALL_CONCURRENCY));
        self
    }

    /// With no [`concurrency`](Self::concurrency) set, the walk starts with
    /// `from` ranges at once and widens up to `to` (defaults
    /// [`DEFAULT_WIDTH`] and [`DEFAULT_MAX_WIDTH`]; both at least 1, at
    /// most [`MAX_QUERY_ALL_CONCURRENCY`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// use ct_customer_groups_sdk::prelude::*;
    ///
    /// let all: Vec<_> = ct.customer_groups().query_all().widening(1, 4).items().try_collect().await?;
    /// # let _ = all;
    /// # Ok(())
    /// # }
    /// ```
    pub fn widening(mut self, from: usize, to: usize) -> Self {
        let to = to.clamp(1, MAX_QUERY_ALL_CONCURRENCY);
        self.concurrency = None;
        self.width = (from.clamp(1, to), to);
        self
    }

    /// Yields pages as they arrive, in no particular order, instead of in
    /// id order.
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
    /// // Each group as soon as its range yields it.
    /// let count = ct.customer_groups().query_all().concurrency(4).unordered().items().try_collect::<Vec<_>>().await?.len();
    /// assert_eq!(count, 30);
    /// # Ok(())
    /// # }
    /// ```
    pub fn unordered(mut self) -> Self {
        self.ordered = false;
        self
    }

    /// The walk as a [`Partitioned`] listing (one part per id range).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// use ct_customer_groups_sdk::prelude::*;
    ///
    /// let walk = ct.customer_groups().query_all().concurrency(2).partitioned();
    /// let groups: Vec<_> = walk.items().try_collect().await?;
    /// assert!(groups.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn partitioned(self) -> Partitioned<CustomerGroup> {
        let Self {
            query,
            concurrency,
            width: (from, to),
            ordered,
        } = self;
        let walk = match concurrency {
            Some(1) => paging::partitioned(vec![query.keyset_walk(KeyRange::default())]),
            Some(concurrency) => {
                paging::planned(async move { query.plan_ranges(concurrency).await })
                    .concurrency(concurrency)
            }
            None => paging::planned(async move { query.plan_ranges(to).await }).widening(from, to),
        };
        if ordered { walk } else { walk.unordered() }
    }

    /// The pages, empty ones left out.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// use ct_customer_groups_sdk::prelude::*;
    ///
    /// let mut pages = ct.customer_groups().query_all().pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} groups", page.items.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages(self) -> PartitionedPages<CustomerGroup> {
        self.partitioned().pages()
    }

    /// The groups.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold members").key("gold");
    /// # let gold = ct.customer_groups().create(draft).await?;
    /// use ct_customer_groups_sdk::prelude::*;
    ///
    /// let mut groups = ct.customer_groups().query_all().items();
    /// while let Some(group) = groups.try_next().await? {
    ///     println!("{} {}", group.id, group.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn items(self) -> ItemStream<CustomerGroup> {
        self.partitioned().items()
    }
}

impl CustomerGroupQuery {
    /// The parts of a walk `concurrency` wide: the first page, read with
    /// the total, then the ids above its last one split into ranges of
    /// about [`GROUPS_PER_RANGE`] groups (at least `concurrency` of them),
    /// each walked by keyset after that id.
    async fn plan_ranges(&self, concurrency: usize) -> Result<Vec<Paginator<CustomerGroup>>> {
        let request = self.request(None, Some(QUERY_ALL_LIMIT), Some(true));
        let mut first = self.fetch_page(request, u64::from(QUERY_ALL_LIMIT)).await?;
        let short = first.results.len() < usize::try_from(QUERY_ALL_LIMIT).unwrap_or(usize::MAX);
        if short {
            // A short first page is the whole listing, so its order carries
            // no information: servers that ignore `sort` (commercetools-mock)
            // still walk.
            first.results.sort_by(|a, b| a.id.cmp(&b.id));
        }
        let in_order = first.results.windows(2).all(|pair| pair[0].id < pair[1].id);
        if !in_order {
            return Err(Error::incomplete_listing(
                "query_customer_groups",
                "the first page's ids do not strictly increase under sort=id asc",
            ));
        }
        let total = first.total.unwrap_or(0);
        let read = u64::try_from(first.results.len()).unwrap_or(u64::MAX);
        let last = first.results.last().map(|group| group.id.clone());
        let mut parts = vec![paging::ready(first.results)];
        let Some(last) = last.filter(|_| read >= u64::from(QUERY_ALL_LIMIT)) else {
            // A short first page is the whole listing.
            return Ok(parts);
        };
        let remaining = total.saturating_sub(read);
        let ranges = usize::try_from(remaining.div_ceil(GROUPS_PER_RANGE))
            .unwrap_or(usize::MAX)
            .clamp(concurrency, MAX_QUERY_ALL_RANGES);
        // Every range resumes after the first page's last id, so none can
        // repeat an id of the first page, whatever the ids look like.
        parts.extend(
            KeyRange::hex_partitions_after(&last, ranges)
                .into_iter()
                .map(|range| self.clone().keyset_walk(range).start_after(last.clone())),
        );
        Ok(parts)
    }
}
