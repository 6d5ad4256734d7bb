//! Random ids.
//!
//! Correlation ids, and the ids the SDK and its sandboxes make up, need to
//! be unique, not secret: they come from fastrand, seeded per thread from
//! the operating system, rather than from uuid's `v4` feature, which would
//! add a second `getrandom` to every user's build.

/// A random (version 4) UUID.
///
/// ```
/// let id = sdk_core::random::uuid_v4();
/// assert_eq!(id.get_version_num(), 4);
/// assert_ne!(id, sdk_core::random::uuid_v4());
/// ```
pub fn uuid_v4() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid()
}
