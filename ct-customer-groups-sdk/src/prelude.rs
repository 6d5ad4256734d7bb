//! What most programs using the commercetools client need, in one import:
//! `use ct_customer_groups_sdk::prelude::*;`.
//!
//! Besides the client and its main types, it brings the stream traits (as
//! traits to call, not names to clash with), so that the streams of
//! [`query_all`](crate::CustomerGroupQuery::query_all) and
//! [`pages`](crate::CustomerGroupQuery::pages) have `.next()` and
//! `.try_collect::<Vec<_>>()`.

pub use crate::CtCallExt as _;
pub use crate::CtErrorExt as _;
pub use crate::{
    CtClient, CustomerGroup, CustomerGroupDraft, CustomerGroupUpdate, Error, Result, SortOrder,
    UpdateAction,
};
pub use futures::{StreamExt as _, TryStreamExt as _};
