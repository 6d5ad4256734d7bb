//! The change feed engine against a source held in memory: what a vendor
//! crate's feed inherits, whatever the vendor.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::BoxStream;
use sdk_core::feed::{
    Change, ChangeFeed, ChangeKey, ChangeSource, CheckpointStore, MemoryCheckpoints, SourcePage,
};

/// Resources by id, with a version each; the source answers what is there
/// now, each page twice when `repeat` is set (a server repeating pages).
#[derive(Clone, Default)]
struct Shelf(Arc<Mutex<BTreeMap<String, u64>>>, bool);

impl Shelf {
    fn put(&self, id: &str) {
        *self.0.lock().unwrap().entry(id.to_owned()).or_default() += 1;
    }
    fn remove(&self, id: &str) {
        self.0.lock().unwrap().remove(id);
    }
}

impl ChangeSource for Shelf {
    type Item = (String, u64);
    fn key(&self, item: &(String, u64)) -> ChangeKey {
        ChangeKey::new(item.0.clone(), item.1.to_string(), None)
    }
    fn changed_since(
        &self,
        _: Option<chrono::DateTime<chrono::Utc>>,
        page_size: u32,
    ) -> BoxStream<'static, sdk_core::Result<SourcePage<(String, u64)>>> {
        let items: Vec<(String, u64)> = self.0.lock().unwrap().clone().into_iter().collect();
        let times = if self.1 { 2 } else { 1 };
        let pages: Vec<_> = items
            .chunks(page_size as usize)
            .flat_map(|chunk| std::iter::repeat_n(chunk.to_vec(), times))
            .map(|chunk| Ok(SourcePage::new(chunk, None)))
            .collect();
        Box::pin(futures::stream::iter(pages))
    }
    fn all_ids(&self) -> BoxStream<'static, sdk_core::Result<Vec<String>>> {
        let ids = self.0.lock().unwrap().keys().cloned().collect();
        Box::pin(futures::stream::iter([Ok(ids)]))
    }
    fn default_overlap(&self) -> Duration {
        Duration::from_secs(3600)
    }
}

async fn poll(feed: &mut ChangeFeed<(String, u64)>) -> Vec<Change<(String, u64)>> {
    let mut changes = Vec::new();
    while let Some(batch) = feed.next_batch().await.unwrap() {
        changes.extend(batch.into_changes());
        feed.commit().await.unwrap();
    }
    changes
}

#[tokio::test]
async fn a_resource_created_and_deleted_between_two_passes_is_reported_deleted() {
    let (shelf, store) = (Shelf::default(), MemoryCheckpoints::new());
    let feed =
        || ChangeFeed::new(shelf.clone(), store.clone(), "shelf").reconcile_every(Duration::ZERO);
    shelf.put("a");
    assert_eq!(poll(&mut feed()).await.len(), 1);
    shelf.put("b"); // handed out by the next poll...
    let mut next = feed();
    let batch = next.next_batch().await.unwrap().unwrap();
    assert_eq!(batch.changes(), [Change::Upserted(("b".to_owned(), 1))]);
    next.commit().await.unwrap();
    shelf.remove("b"); // ...and gone before that poll's delete pass
    shelf.remove("a");
    let deletes: Vec<String> = poll(&mut next)
        .await
        .iter()
        .filter_map(|change| change.deleted_id().map(str::to_owned))
        .collect();
    assert_eq!(deletes, ["a", "b"]);
    assert!(poll(&mut feed()).await.is_empty(), "each delete once");
}

#[tokio::test]
async fn batches_handed_out_but_not_committed_come_again_and_only_they() {
    let (shelf, store) = (Shelf::default(), MemoryCheckpoints::new());
    for n in 0..10 {
        shelf.put(&format!("r{n}"));
    }
    let feed = || ChangeFeed::new(shelf.clone(), store.clone(), "shelf").page_size(3);
    let mut first = feed();
    first.next_batch().await.unwrap().unwrap();
    first.commit().await.unwrap();
    // Two batches handled, no commit: both come again, the committed one not.
    first.next_batch().await.unwrap().unwrap();
    first.next_batch().await.unwrap().unwrap();
    drop(first);
    let again = poll(&mut feed()).await;
    assert_eq!(again.len(), 7);
}

#[tokio::test]
async fn a_checkpoint_that_is_not_one_is_an_error_naming_it() {
    let store = MemoryCheckpoints::new();
    store.save("shelf", b"not json").await.unwrap();
    let mut feed = ChangeFeed::new(Shelf::default(), store.clone(), "shelf");
    let error = feed.next_batch().await.unwrap_err();
    assert!(matches!(error, sdk_core::Error::Checkpoint(_)), "{error:?}");
    assert!(error.to_string().contains("shelf"), "{error}");
    store.save("shelf", br#"{"format": 99}"#).await.unwrap();
    let error = ChangeFeed::new(Shelf::default(), store, "shelf")
        .next_batch()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("format 99"), "{error}");
}

#[tokio::test]
async fn repeated_pages_hand_out_each_change_once() {
    let shelf = Shelf(Arc::default(), true);
    for n in 0..10 {
        shelf.put(&format!("r{n}"));
    }
    let store = MemoryCheckpoints::new();
    let mut feed = ChangeFeed::new(shelf.clone(), store.clone(), "shelf").page_size(3);
    let changes = poll(&mut feed).await;
    assert_eq!(
        changes.len(),
        10,
        "each once although every page came twice"
    );
    shelf.put("r3");
    let again = poll(&mut ChangeFeed::new(shelf, store, "shelf").page_size(3)).await;
    assert_eq!(again, [Change::Upserted(("r3".to_owned(), 2))]);
}
