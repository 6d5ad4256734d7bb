//! The client and the traits most programs need, in one import:
//! `use pos_customer_sdk::prelude::*;`.
//!
//! It holds the client, the error and its `Result`, and the
//! [`PosErrorExt`](crate::PosErrorExt) view (as a trait to call, not a name
//! to clash with), and no model: the preludes of the three vendor crates
//! can be glob-imported together, since each vendor has its own
//! `CustomerGroup`. Name models by path (`pos_customer_sdk::CustomerDraft`)
//! or import them by name.
//!
//! The per-call setters (`.deadline(..)`, `.max_attempts(..)`, ...) come
//! with it, as [`CallOptionsBuilder`](crate::CallOptionsBuilder).

pub use crate::CallOptionsBuilder as _;
pub use crate::PosErrorExt as _;
pub use crate::{Error, PosClient, Result};
