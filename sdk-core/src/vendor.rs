//! Building blocks for vendor crates, and only for them.
//!
//! `pos-customer-sdk`, `ct-customer-groups-sdk` and `flowretail-sdk` are
//! written with what this module holds, and a crate for another vendor's
//! API would be too. Users of those crates never need it: what they meet
//! is in [`common`](crate::common) (which every vendor crate re-exports
//! whole), in the vendor crate itself, and in the modules the
//! [front page](crate) lists. Nothing here is re-exported to users.
//!
//! | a vendor crate needs | here |
//! |---|---|
//! | the calls its methods return | [`calls`], [`HasCallOptions`] |
//! | paged listings from a page fetch | [`paging`] |
//! | what the core needs to know of it, in one place: name, error parser, retry rules, correlation and request-id headers, query parameters safe in traces, default body cap | [`VendorProfile`] (handed to `ClientBuilder::for_vendor`) |
//! | its own error bodies read | [`ErrorBodyParser`], [`ParsedErrorBody`], [`GenericErrorParser`] |
//! | lists in answers held to a budget, as serde helpers | [`json`] |
//! | configuration from the environment | [`env`](mod@env) |
//! | URLs checked, bodies decoded outside a call | [`parse_url`], [`parse_base_url`], [`decode_json`] |
//! | enums that keep unknown values | [`open_enum!`] |
//! | its client builder: what every one holds and does (profile, URL, settings, the checked build), its settings setters, its user agent | [`ClientSkeleton`], [`client_settings_setters!`], [`HasClientSettings`], [`user_agent!`] |
//! | an in-process emulator of its API (feature `sandbox`) | `sandbox` |

pub use crate::call::HasCallOptions;
pub use crate::client::builder::{parse_base_url, parse_url};
pub use crate::client::response::decode_json;
pub use crate::error::body::{ErrorBodyParser, GenericErrorParser, ParsedErrorBody};
#[doc(inline)]
pub use crate::{client_settings_setters, open_enum, user_agent};

pub use crate::client::settings::HasClientSettings;
pub use crate::client::{COMMON_PLAIN_QUERY_PARAMETERS, ClientSkeleton, VendorProfile};

pub mod calls {
    //! The calls a vendor crate's methods return: one request and how its
    //! answer is read, or several requests under one set of per-call options.
    //!
    //! ```
    //! use sdk_core::vendor::calls;
    //! use sdk_core::{Call, CallOptionsBuilder, Client, Request};
    //!
    //! # async fn demo(client: Client) -> sdk_core::Result<()> {
    //! // What a vendor's `get(id)` returns: the user may tune it, then awaits it.
    //! let call: Call<serde_json::Value> = calls::json(&client, Request::get("get_thing").segment("42"));
    //! let thing = call.max_attempts(2).await?;
    //! # let _ = thing;
    //! # Ok(())
    //! # }
    //! ```

    use std::future::Future;

    use serde::de::DeserializeOwned;

    pub use crate::call::CallSender;
    use crate::call::ScopedCall;
    use crate::client::{Client, Response};
    use crate::error::Result;
    use crate::request::Request;

    /// A call that sends `request` once (with retries) and reads the answer with `decode`.
    pub fn decoded<'a, T, D>(client: &Client, request: Request, decode: D) -> ScopedCall<'a, T>
    where
        T: Send + 'a,
        D: FnOnce(Response) -> Result<T> + Send + 'a,
    {
        ScopedCall::new(client, request, decode)
    }

    /// A call that sends `request` and decodes the answer's JSON body into `T`.
    pub fn json<'a, T>(client: &Client, request: Request) -> ScopedCall<'a, T>
    where
        T: DeserializeOwned + Send + 'a,
    {
        ScopedCall::new(client, request, |response| response.json())
    }

    /// A call that decodes a page of at most `max_items` items (see
    /// [`Response::json_page`]).
    pub fn json_page<'a, T>(client: &Client, request: Request, max_items: u64) -> ScopedCall<'a, T>
    where
        T: DeserializeOwned + Send + 'a,
    {
        ScopedCall::new(client, request, move |response| {
            response.json_page(max_items)
        })
    }

    /// A call that sends `request` and drops the answer's body, for answers
    /// without one, such as `204 No Content`.
    pub fn empty<'a>(client: &Client, request: Request) -> ScopedCall<'a, ()> {
        ScopedCall::new(client, request, |_| Ok(()))
    }

    /// A call that sends `request` once (with retries) and reads what came
    /// of it, an answer or an error, with `read`: for a vendor that must
    /// settle an error itself, such as a replayed delete meeting 404.
    pub fn settled<'a, T, R>(client: &Client, request: Request, read: R) -> ScopedCall<'a, T>
    where
        T: Send + 'a,
        R: FnOnce(Result<Response>) -> Result<T> + Send + 'a,
    {
        ScopedCall::new_fallible(client, request, read)
    }

    /// A call that asks whether `request`'s resource exists, usually a
    /// `HEAD`: a success is `true`, a 404 `false`, any other failure an
    /// error. A `HEAD` answer has no body, so a proxy's own 404 reads as
    /// `false` too: say so in the vendor method's docs. The 404 does not
    /// mark the attempt's span as an error.
    pub fn exists<'a>(client: &Client, request: Request) -> ScopedCall<'a, bool> {
        let request = request.expect_status(reqwest::StatusCode::NOT_FOUND);
        ScopedCall::new_fallible(client, request, |sent| match sent {
            Ok(_) => Ok(true),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => Err(error),
        })
    }

    /// A call made of several requests to `client`, which `run` sends
    /// through the [`CallSender`] it is given: each request then carries
    /// the call's headers and correlation id, counts toward its attempts,
    /// and has what is left of its deadline. The deadline bounds the whole
    /// call, waits between its requests included; `resource_id` names what
    /// the call is about in its span.
    pub fn several<'a, T, F, Fut>(
        client: &Client,
        operation: &'static str,
        resource_id: Option<String>,
        run: F,
    ) -> ScopedCall<'a, T>
    where
        T: Send + 'a,
        F: FnOnce(CallSender) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T>> + Send + 'a,
    {
        ScopedCall::from_fn(client, operation, resource_id, run)
    }
}

pub mod paging {
    //! Paged listings from a page fetch: a vendor crate describes one page
    //! fetch as a closure that owns a client clone and the caller's filters,
    //! picks a cursor strategy, and hands its user the [`Paginator`].
    //!
    //! - [`offset`] ([`OffsetCursor`]): `offset`/`limit`, with an optional total (commercetools);
    //! - [`page_number`] ([`PageNumberCursor`]): page number and size with a total (Flow
    //!   Retail); whether numbering starts at 0 or 1 is learned from the first
    //!   response instead of assumed;
    //! - [`keyset`] ([`KeysetCursor`]): sort by id ascending and ask for `id > last`,
    //!   for sets deeper than an offset limit (the commercetools QueryAll pattern);
    //!   keys compare as text or, for numeric ids, as numbers ([`KeyOrder`]);
    //! - [`next_token`] ([`TokenCursor`]): each answer names the next page, by a
    //!   token in its body or the cursor of its `Link: rel="next"` header (the
    //!   fetch sees the answer's status, headers and body, and puts the token
    //!   into the [`Page`]); a page without one is the last.
    //!
    //! A scheme none of these fits is a [`Walk`] of the vendor's own, handed
    //! to [`custom`]: the built-in walks are written the same way, and the
    //! stream around any walk keeps the window of pages in flight and the
    //! complete-or-error guards. See the [`pagination`](crate::pagination)
    //! module for how a listing ends.
    //!
    //! ```
    //! use futures::TryStreamExt;
    //! use sdk_core::Page;
    //! use sdk_core::vendor::paging::{self, OffsetCursor};
    //!
    //! # async fn demo() -> sdk_core::Result<()> {
    //! let numbers: Vec<u64> = (0..25).collect();
    //! let paginator = paging::offset(10, move |page: OffsetCursor| {
    //!     let numbers = numbers.clone();
    //!     async move {
    //!         let items: Vec<u64> =
    //!             numbers.iter().copied().skip(page.offset as usize).take(page.limit as usize).collect();
    //!         Ok(Page::new(items).with_total(Some(25)))
    //!     }
    //! });
    //! let all: Vec<u64> = paginator.prefetch(1).items().try_collect().await?;
    //! assert_eq!(all.len(), 25);
    //! # Ok(())
    //! # }
    //! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(demo()).unwrap();
    //! ```

    use std::future::Future;

    pub use crate::pagination::cursor::{
        KeyOrder, KeysetCursor, OffsetCursor, PageNumberCursor, TokenCursor,
    };
    pub use crate::pagination::walk::{Next, PageEnd, Relaunch, Walk};

    use crate::client::Client;
    use crate::error::Result;
    use crate::pagination::{KeyRange, Page, Paginator, Partitioned};

    /// Offset/limit paging without asking for a total.
    pub fn offset<T, F, Fut>(limit: u64, fetch: F) -> Paginator<T>
    where
        T: Send + 'static,
        F: Fn(OffsetCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Paginator::offset(limit, fetch)
    }

    /// Offset/limit paging that asks for the total (needed for concurrency).
    pub fn offset_with_total<T, F, Fut>(limit: u64, fetch: F) -> Paginator<T>
    where
        T: Send + 'static,
        F: Fn(OffsetCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Paginator::offset_with_total(limit, fetch)
    }

    /// Page-number paging. The first request carries no number; the page
    /// number the server reports for it (0 or 1) sets the numbering, and the
    /// page size it reports (when smaller than asked) sets what a full page is.
    pub fn page_number<T, F, Fut>(size: u64, fetch: F) -> Paginator<T>
    where
        T: Send + 'static,
        F: Fn(PageNumberCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Paginator::page_number(size, fetch)
    }

    /// Keyset paging: `key` gives the sort key of an item (its id); each page
    /// asks for the items after the last key seen. Keys must strictly
    /// increase across the whole walk.
    pub fn keyset<T, F, Fut, K>(limit: u64, key: K, fetch: F) -> Paginator<T>
    where
        T: Send + 'static,
        F: Fn(KeysetCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
        K: Fn(&T) -> String + Send + Sync + 'static,
    {
        Paginator::keyset(limit, key, fetch)
    }

    /// Next-token paging: each answer names the next page (a token in its
    /// body, or the cursor of its `Link: rel="next"` header), which the
    /// fetch puts into the page with [`Page::with_next_token`]; a page
    /// without one is the last. Pages are read one after another. A token
    /// named twice, or a page holding more than `limit` items, ends the
    /// listing with [`Error::IncompleteListing`](crate::Error::IncompleteListing).
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use sdk_core::Page;
    /// use sdk_core::vendor::paging::{self, TokenCursor};
    ///
    /// # async fn demo() -> sdk_core::Result<()> {
    /// // Pages of 10 of 0..25; the token is where the next page starts.
    /// let paginator = paging::next_token(10, |page: TokenCursor| async move {
    ///     let start: u64 = page.token.as_deref().map_or(0, |token| token.parse().unwrap_or(0));
    ///     let end = (start + page.limit).min(25);
    ///     let next = (end < 25).then(|| end.to_string());
    ///     Ok(Page::new((start..end).collect::<Vec<u64>>()).with_next_token(next))
    /// });
    /// let all: Vec<u64> = paginator.items().try_collect().await?;
    /// assert_eq!(all, (0..25).collect::<Vec<u64>>());
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn next_token<T, F, Fut>(limit: u64, fetch: F) -> Paginator<T>
    where
        T: Send + 'static,
        F: Fn(TokenCursor) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        Paginator::next_token(limit, fetch)
    }

    /// The target of an answer's `Link: <...>; rel="next"` header (RFC
    /// 8288), resolved against `base` (the request's URL): where a
    /// Link-header API says the next page is. `None` when there is none,
    /// or it is no URL. A page fetch reads its cursor off this URL and
    /// hands it to a [`next_token`] walk.
    ///
    /// ```
    /// use sdk_core::http::{HeaderMap, HeaderValue};
    /// use sdk_core::vendor::paging::next_link;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert(
    ///     "link",
    ///     HeaderValue::from_static(r#"</members?cursor=abc>; rel="next", </members>; rel="first""#),
    /// );
    /// let base = url::Url::parse("https://api.example.com/v1/members").unwrap();
    /// let next = next_link(&headers, &base).unwrap();
    /// assert_eq!(next.as_str(), "https://api.example.com/members?cursor=abc");
    /// ```
    pub fn next_link(headers: &crate::http::HeaderMap, base: &url::Url) -> Option<url::Url> {
        headers
            .get_all(crate::http::header::LINK)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .find_map(|link| {
                let (target, params) = link.split_once(';')?;
                let is_next = params.split(';').any(|param| {
                    let (name, value) = param.split_once('=').unwrap_or((param, ""));
                    name.trim().eq_ignore_ascii_case("rel")
                        && value
                            .trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|rel| rel.eq_ignore_ascii_case("next"))
                });
                let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
                is_next.then(|| base.join(target).ok()).flatten()
            })
    }

    /// A listing walked by a [`Walk`] of the vendor crate's own, for a
    /// paging scheme none of the built-in walks fits.
    pub fn custom<T: Send + 'static>(walk: impl Walk<T> + 'static) -> Paginator<T> {
        Paginator::custom(walk)
    }

    /// A listing of `items` already in hand, as one page: lets a page read
    /// ahead of a walk take its place among the walk's parts.
    pub fn ready<T: Send + 'static>(items: Vec<T>) -> Paginator<T> {
        Paginator::ready(items)
    }

    /// Walks `parts`, all at once; their order is the order of the listing.
    pub fn partitioned<T: Send + 'static>(parts: Vec<Paginator<T>>) -> Partitioned<T> {
        Partitioned::new(parts)
    }

    /// Walks the parts that `plan` decides on when the stream is first
    /// polled (for example after asking the server how large the listing
    /// is); a failed plan ends the stream with its error. Default
    /// concurrency: 1.
    pub fn planned<T, F>(plan: F) -> Partitioned<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<Vec<Paginator<T>>>> + Send + 'static,
    {
        Partitioned::planned(plan)
    }

    /// What a vendor crate sets on a paginator before handing it over.
    pub trait PaginatorSetup<T>: Sized {
        /// Names the operation in errors and traces (default `listing`).
        fn operation(self, operation: &'static str) -> Self;

        /// Counts the listing's pages and incomplete ends in the metrics of
        /// `client` (feature `opentelemetry`), under its vendor.
        fn metered_by(self, client: &Client) -> Self;

        /// The identity of an item (its id), for offset and page-number
        /// listings: an item seen twice ends the listing with
        /// [`Error::IncompleteListing`](crate::Error::IncompleteListing), since a server that
        /// repeats or shifts pages may also have skipped items. The ids of the
        /// whole listing are kept in memory; an empty id is not checked.
        fn item_key<K>(self, key: K) -> Self
        where
            K: Fn(&T) -> String + Send + Sync + 'static;

        /// For a keyset walk over one partition of the keys: every key must
        /// lie in `range` (the fetch asks the server for that range; this
        /// checks the server kept to it, so partitions never overlap).
        fn key_range(self, range: KeyRange) -> Self;

        /// Starts a keyset walk after `key` instead of at the beginning: for
        /// the rest of a walk whose first page was read another way.
        fn start_after(self, key: impl Into<String>) -> Self;

        /// How a keyset walk compares its keys (default [`KeyOrder::Text`];
        /// [`KeyOrder::Numeric`] for numeric ids, so that `10` follows `9`).
        fn key_order(self, order: KeyOrder) -> Self;
    }

    impl<T: Send + 'static> PaginatorSetup<T> for Paginator<T> {
        fn operation(self, operation: &'static str) -> Self {
            self.with_operation(operation)
        }

        fn metered_by(self, client: &Client) -> Self {
            self.with_client(client)
        }

        fn item_key<K>(self, key: K) -> Self
        where
            K: Fn(&T) -> String + Send + Sync + 'static,
        {
            self.with_item_key(key)
        }

        fn key_range(self, range: KeyRange) -> Self {
            self.with_key_range(range)
        }

        fn start_after(self, key: impl Into<String>) -> Self {
            self.with_start_after(key)
        }

        fn key_order(self, order: KeyOrder) -> Self {
            self.with_key_order(order)
        }
    }
}

pub mod json {
    //! Lists in answers, held to the answer's budget, as serde helpers
    //! (`#[serde(deserialize_with = "sdk_core::vendor::json::list")]`), and the
    //! scopes that set the limits while an answer decodes.

    pub use crate::json::lists::{
        at_most, at_most_or_null, list, list_or_null, with_item_limit, with_list_budget,
    };
}

pub mod env {
    //! Configuration from the environment, for vendor clients' `from_env`.

    pub use crate::env::*;
}

#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox {
    //! What the vendor sandboxes are built on: the loopback server, its shared
    //! state, the answers and refusals of an emulated API, and the web
    //! framework their routers are written in.

    pub use crate::sandbox::answer::{Answer, BodyProblem, Refusal, ok, parse_object};
    pub use crate::sandbox::server::{
        REQUEST_HEAD_TIMEOUT, SandboxApi, SandboxServer, SharedState, json_response, over_capacity,
    };
    pub use crate::sandbox::static_server::{StaticAnswer, StaticServer};
    /// The web framework the sandboxes are written in, for vendor crates' routers.
    pub use axum;
}
