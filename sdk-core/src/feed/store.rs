//! Where change feeds keep their checkpoints: [`CheckpointStore`], with
//! [`MemoryCheckpoints`] for tests and [`FileCheckpoints`] as the embedded
//! default.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::Result;
use crate::error::CheckpointError;

/// Keeps named values (a feed's checkpoint, the id set of its last delete
/// pass) of any size. A `save` replaces the value whole, or leaves the old
/// one: a reader never sees half of one.
///
/// Implement it to keep checkpoints in your own database; a feed calls it
/// only from its own task.
#[async_trait::async_trait]
pub trait CheckpointStore: Send + Sync + std::fmt::Debug {
    /// The value saved under `name`, or `None` when there is none.
    async fn load(&self, name: &str) -> Result<Option<Vec<u8>>>;

    /// Saves `value` under `name`, replacing what was there.
    async fn save(&self, name: &str, value: &[u8]) -> Result<()>;
}

/// Checkpoints in memory: gone when the process ends. Clones share the
/// values, so a test can restart a feed with the store it had.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sdk_core::Result<()> {
/// use sdk_core::feed::{CheckpointStore, MemoryCheckpoints};
///
/// let store = MemoryCheckpoints::new();
/// store.save("orders", b"42").await?;
/// assert_eq!(store.clone().load("orders").await?, Some(b"42".to_vec()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryCheckpoints {
    values: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl MemoryCheckpoints {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl CheckpointStore for MemoryCheckpoints {
    async fn load(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        Ok(values.get(name).cloned())
    }

    async fn save(&self, name: &str, value: &[u8]) -> Result<()> {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.insert(name.to_owned(), value.to_vec());
        Ok(())
    }
}

/// Checkpoints as files in a folder, one per name, each written
/// atomically: to a temporary file in the same folder, flushed to disk
/// (`fsync`), then renamed over the old one, so that a crash at any
/// moment leaves the old checkpoint or the new one, never a mix.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sdk_core::Result<()> {
/// use sdk_core::feed::{CheckpointStore, FileCheckpoints};
///
/// let folder = std::env::temp_dir().join(format!("checkpoints-{}", sdk_core::random::uuid_v4()));
/// let store = FileCheckpoints::new(&folder);
/// store.save("crm/customers", b"{}").await?;
/// assert_eq!(store.load("crm/customers").await?, Some(b"{}".to_vec()));
/// # std::fs::remove_dir_all(folder).ok();
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FileCheckpoints {
    folder: PathBuf,
}

impl FileCheckpoints {
    /// Checkpoints in `folder` (made when the first one is saved).
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: folder.into(),
        }
    }

    /// The file a name is kept in: the name with every byte outside
    /// `A-Z a-z 0-9 - _ .` written as `%XX`, so that no name leaves the folder.
    pub fn path_of(&self, name: &str) -> PathBuf {
        let mut file = String::with_capacity(name.len());
        for byte in name.bytes() {
            if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
                file.push(char::from(byte));
            } else if byte == b'.' && !file.is_empty() {
                file.push('.');
            } else {
                file.push_str(&format!("%{byte:02X}"));
            }
        }
        self.folder.join(format!("{file}.checkpoint"))
    }
}

#[async_trait::async_trait]
impl CheckpointStore for FileCheckpoints {
    async fn load(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path_of(name);
        let read = blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        })
        .await;
        read.map_err(|error| failed(name, "could not be read", error))
    }

    async fn save(&self, name: &str, value: &[u8]) -> Result<()> {
        let (folder, path, value) = (self.folder.clone(), self.path_of(name), value.to_vec());
        blocking(move || write_atomically(&folder, &path, &value))
            .await
            .map_err(|error| failed(name, "could not be saved", error))
    }
}

/// Writes `value` to a temporary file beside `path`, syncs it, renames it
/// over `path`, and syncs the folder so that the rename survives a crash.
fn write_atomically(folder: &Path, path: &Path, value: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(folder)?;
    let temporary = path.with_extension(format!("tmp-{}", crate::random::uuid_v4().simple()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(value)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
        return written;
    }
    // A folder cannot be opened to sync on every platform; where it can, do.
    if let Ok(folder) = std::fs::File::open(folder) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Runs file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|joined| Err(std::io::Error::other(joined.to_string())))
}

fn failed(name: &str, what: &str, error: std::io::Error) -> crate::Error {
    CheckpointError::new(name, what, Some(Box::new(error))).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_folder() {
        let store = FileCheckpoints::new("/checkpoints");
        assert_eq!(
            store.path_of("../../etc/passwd"),
            PathBuf::from("/checkpoints/%2E.%2F..%2Fetc%2Fpasswd.checkpoint")
        );
        assert_eq!(
            store.path_of("crm.customers"),
            PathBuf::from("/checkpoints/crm.customers.checkpoint")
        );
    }

    #[tokio::test]
    async fn a_save_replaces_the_whole_value_and_leaves_no_temporary_file() {
        let folder = std::env::temp_dir().join(format!("feed-store-{}", crate::random::uuid_v4()));
        let store = FileCheckpoints::new(&folder);
        assert_eq!(store.load("a").await.unwrap(), None);
        store.save("a", &[1; 100_000]).await.unwrap();
        store.save("a", b"short").await.unwrap();
        assert_eq!(store.load("a").await.unwrap(), Some(b"short".to_vec()));
        let files: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
        assert_eq!(files.len(), 1, "{files:?}");
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[tokio::test]
    async fn an_unreadable_checkpoint_is_an_error_naming_it() {
        let folder = std::env::temp_dir().join(format!("feed-store-{}", crate::random::uuid_v4()));
        std::fs::create_dir_all(&folder).unwrap();
        let store = FileCheckpoints::new(&folder);
        // A folder where the file should be.
        std::fs::create_dir_all(store.path_of("b")).unwrap();
        let error = store.load("b").await.unwrap_err();
        assert!(matches!(error, crate::Error::Checkpoint(_)), "{error:?}");
        assert!(error.to_string().contains("checkpoint `b`"), "{error}");
        std::fs::remove_dir_all(folder).unwrap();
    }
}
