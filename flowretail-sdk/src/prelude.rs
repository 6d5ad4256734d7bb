//! What most programs using the Flow Retail client need, in one import:
//! `use flowretail_sdk::prelude::*;`.
//!
//! Besides the client and its main types, it brings the stream traits (as
//! traits to call, not names to clash with), so that the streams of
//! [`Listing::items`](crate::Listing::items) have `.next()` and
//! `.try_collect::<Vec<_>>()`.

pub use crate::{
    CreateCustomerGroup, Customer, CustomerGroup, Error, FlowRetailClient, GroupMembershipChange,
    Result, SortOrder, UpdateCustomerGroup,
};
pub use futures::{StreamExt as _, TryStreamExt as _};
