//! The client and the traits most programs need, in one import:
//! `use ct_customer_groups_sdk::prelude::*;`.
//!
//! It holds the client, the error and its `Result`, [`SortOrder`],
//! and as traits to call, not names to clash with: the call and error
//! extensions, and the stream traits, so that the streams of
//! [`query_all`](crate::CustomerGroupQuery::query_all) and
//! [`pages`](crate::CustomerGroupQuery::pages) have `.next()` and
//! `.try_collect::<Vec<_>>()`. It holds no model: the preludes of the three
//! vendor crates can be glob-imported together, since each vendor has its
//! own `CustomerGroup`. Name models by path
//! (`ct_customer_groups_sdk::CustomerGroupDraft`) or import them by name.
//!
//! The per-call setters (`.deadline(..)`, `.max_attempts(..)`, ...) come
//! with it, as [`CallOptionsBuilder`](crate::CallOptionsBuilder).

pub use crate::CallOptionsBuilder as _;
pub use crate::CtCallExt as _;
pub use crate::CtErrorExt as _;
pub use crate::{CtClient, Error, Result, SortOrder};
pub use futures::{StreamExt as _, TryStreamExt as _};
