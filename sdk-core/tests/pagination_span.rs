//! Page fetches run as spawned tasks; they still belong to the caller's span.

use futures::TryStreamExt;
use sdk_core::pagination::Page;
use sdk_core::test_util::CapturedLogs;
use sdk_core::vendor::paging::{self, OffsetCursor};
use tracing::Instrument;

#[tokio::test]
async fn prefetched_pages_are_fetched_in_the_callers_span() {
    let logs = CapturedLogs::default();
    let _default = logs.capture_on_this_thread();

    let paginator = paging::offset_with_total(10, |page: OffsetCursor| async move {
        tracing::info!(offset = page.offset, "fetching a page");
        Ok(Page::new(
            (page.offset..40)
                .take(page.limit as usize)
                .collect::<Vec<u64>>(),
        )
        .with_total(Some(40)))
    })
    .prefetch(2)
    .concurrency(2);
    let items: Vec<u64> = paginator
        .items()
        .try_collect()
        .instrument(tracing::info_span!("nightly_sync"))
        .await
        .unwrap();
    assert_eq!(items.len(), 40);

    let text = logs.text();
    let fetches: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("fetching a page"))
        .collect();
    assert_eq!(fetches.len(), 4, "{text}");
    assert!(
        fetches.iter().all(|line| line.contains("nightly_sync")),
        "every fetch, prefetched or not, is in the caller's span:\n{text}"
    );
}
