//! The API's resources as Rust types: what the server answers, and what the
//! client may send.
//!
//! Types read from the server are lenient (missing fields are `None` or
//! empty, unknown fields ignored); types sent to the server have no place
//! for read-only fields (`balance`, `currency`, `customerGroup.name`), so
//! those can never be sent.

mod customer;
mod customer_changes;
mod discount;
mod group;
mod values;

pub use customer::{Address, Customer, CustomerGroupRef, CustomerIdList, IdOnly};
pub use customer_changes::{CustomerDraft, CustomerPatch};
pub use discount::{Discount, DiscountDraft, DiscountPatch};
pub use group::{CustomerGroup, CustomerGroupDraft, CustomerGroupPatch, GroupDiscount};
pub use values::{Decimal, Deleted, Gender, InvalidDecimal, Upserted};

pub(crate) use customer::{CustomerList, CustomerWithoutId, WithId};
pub(crate) use discount::{DiscountEnvelope, DiscountList};
pub(crate) use group::{GroupEnvelope, GroupList};
pub(crate) use values::DeleteEnvelope;

/// Chainable setters for optional text fields of a request type.
macro_rules! text_setters {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $field(mut self, value: impl Into<String>) -> Self {
                self.$field = Some(value.into());
                self
            }
        )*
    };
}
pub(crate) use text_setters;
