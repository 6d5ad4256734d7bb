//! The client and the traits most programs need, in one import:
//! `use flowretail_sdk::prelude::*;`.
//!
//! It holds the client, the error and its `Result`, [`SortOrder`],
//! and the stream traits (as traits to call, not names to clash with), so
//! that the streams of [`Listing::items`](crate::Listing::items) have
//! `.next()` and `.try_collect::<Vec<_>>()`. It holds no model: the preludes
//! of the three vendor crates can be glob-imported together, since each
//! vendor has its own `CustomerGroup`. Name models by path
//! (`flowretail_sdk::CreateCustomerGroup`) or import them by name.
//!
//! The per-call setters (`.deadline(..)`, `.max_attempts(..)`, ...) come
//! with it, as [`CallOptionsBuilder`](crate::CallOptionsBuilder).

pub use crate::CallOptionsBuilder as _;
pub use crate::{Error, FlowRetailClient, Result, SortOrder};
pub use futures::{StreamExt as _, TryStreamExt as _};
