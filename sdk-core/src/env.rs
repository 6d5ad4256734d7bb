//! Reading configuration from environment variables, the same way for every
//! vendor's `from_env`.

use crate::error::{Error, Result};

/// The variable's value, when it is set and not blank.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// The variable's value, or an [`Error::InvalidInput`] naming it.
pub fn required(name: &str) -> Result<String> {
    var(name).ok_or_else(|| Error::invalid_input(name, "environment variable is not set"))
}
