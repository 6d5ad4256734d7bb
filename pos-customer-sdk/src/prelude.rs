//! What most programs using the POS client need, in one import:
//! `use pos_customer_sdk::prelude::*;`.
//!
//! It brings the client, the drafts and patches, the error and its
//! [`PosErrorExt`](crate::PosErrorExt) view (as a trait to call, not a name
//! to clash with).

pub use crate::PosErrorExt as _;
pub use crate::{
    Customer, CustomerDraft, CustomerGroup, CustomerGroupDraft, CustomerId, CustomerPatch,
    Discount, DiscountDraft, Error, PosClient, Result,
};
