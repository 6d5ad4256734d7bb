//! Each cursor strategy, prefetch, ordered concurrency and every loop guard.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use sdk_core::pagination::{ItemStream, PageStream};
use sdk_core::vendor::paging::{
    self, KeysetCursor, OffsetCursor, PageNumberCursor, PaginatorSetup,
};
use sdk_core::{Error, Page, Request};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What a fetch was asked for, whatever its strategy: one shape for the
/// log and the assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PageRequest {
    Offset {
        offset: u64,
        limit: u64,
        with_total: bool,
    },
    PageNumber {
        number: Option<u64>,
        size: u64,
    },
    Keyset {
        after: Option<String>,
        limit: u64,
    },
}

impl From<OffsetCursor> for PageRequest {
    fn from(cursor: OffsetCursor) -> Self {
        PageRequest::Offset {
            offset: cursor.offset,
            limit: cursor.limit,
            with_total: cursor.with_total,
        }
    }
}

impl From<PageNumberCursor> for PageRequest {
    fn from(cursor: PageNumberCursor) -> Self {
        PageRequest::PageNumber {
            number: cursor.number,
            size: cursor.size,
        }
    }
}

impl From<KeysetCursor> for PageRequest {
    fn from(cursor: KeysetCursor) -> Self {
        PageRequest::Keyset {
            after: cursor.after,
            limit: cursor.limit,
        }
    }
}

/// A fetch written against [`PageRequest`], served the typed cursor `C`.
fn asked<C, F, Fut>(fetch: F) -> impl Fn(C) -> Fut + Send + Sync + 'static
where
    C: Into<PageRequest>,
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
{
    move |cursor: C| fetch(cursor.into())
}

/// Records what the paginator asked for.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<PageRequest>>>);

impl Log {
    fn push(&self, request: &PageRequest) {
        self.0.lock().unwrap().push(request.clone());
    }
    fn requests(&self) -> Vec<PageRequest> {
        self.0.lock().unwrap().clone()
    }
}

/// An offset server over `0..len`, reporting the total when asked.
fn offset_server(
    len: u64,
    log: Log,
) -> impl Fn(OffsetCursor) -> futures::future::BoxFuture<'static, sdk_core::Result<Page<u64>>>
+ Send
+ Sync
+ 'static {
    move |request: OffsetCursor| {
        let request = PageRequest::from(request);
        log.push(&request);
        Box::pin(async move {
            let PageRequest::Offset {
                offset,
                limit,
                with_total,
            } = request
            else {
                panic!("not an offset request: {request:?}");
            };
            let items: Vec<u64> = (offset..len).take(limit as usize).collect();
            Ok(Page::new(items).with_total(with_total.then_some(len)))
        })
    }
}

/// A page-number server over `0..len` whose numbering starts at `base`.
fn page_number_server(
    len: u64,
    base: u64,
    log: Log,
) -> impl Fn(PageNumberCursor) -> futures::future::BoxFuture<'static, sdk_core::Result<Page<u64>>>
+ Send
+ Sync
+ 'static {
    move |request: PageNumberCursor| {
        let request = PageRequest::from(request);
        log.push(&request);
        Box::pin(async move {
            let PageRequest::PageNumber { number, size } = request else {
                panic!("not a page-number request: {request:?}");
            };
            let number = number.unwrap_or(base);
            let start = (number - base) * size;
            let items: Vec<u64> = (start..len).take(size as usize).collect();
            Ok(Page::new(items)
                .with_total(Some(len))
                .with_page_number(Some(number)))
        })
    }
}

fn id(n: u64) -> String {
    format!("{n:05}")
}

/// A keyset server over ids `00000..len`, sorted ascending.
fn keyset_server(
    len: u64,
    log: Log,
) -> impl Fn(KeysetCursor) -> futures::future::BoxFuture<'static, sdk_core::Result<Page<String>>>
+ Send
+ Sync
+ 'static {
    move |request: KeysetCursor| {
        let request = PageRequest::from(request);
        log.push(&request);
        Box::pin(async move {
            let PageRequest::Keyset { after, limit } = request else {
                panic!("not a keyset request: {request:?}");
            };
            let items: Vec<String> = (0..len)
                .map(id)
                .filter(|candidate| after.as_ref().is_none_or(|after| candidate > after))
                .take(limit as usize)
                .collect();
            Ok(Page::new(items))
        })
    }
}

#[tokio::test(start_paused = true)]
async fn offset_with_total_walks_every_item_once() {
    let log = Log::default();
    let items: Vec<u64> = paging::offset_with_total(10, offset_server(25, log.clone()))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, (0..25).collect::<Vec<_>>());
    let offsets: Vec<u64> = log
        .requests()
        .iter()
        .map(|r| match r {
            PageRequest::Offset {
                offset,
                with_total: true,
                limit: 10,
            } => *offset,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(offsets, [0, 10, 20]);
}

#[tokio::test(start_paused = true)]
async fn offset_without_total_stops_on_an_empty_page_and_does_not_yield_it() {
    let log = Log::default();
    let pages: Vec<Page<u64>> = paging::offset(10, offset_server(20, log.clone()))
        .prefetch(0)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(log.requests().len(), 3, "the third request finds the end");
}

#[tokio::test(start_paused = true)]
async fn a_short_page_ends_the_listing() {
    let log = Log::default();
    let items: Vec<u64> = paging::offset(10, offset_server(23, log.clone()))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 23);
    assert_eq!(log.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn reaching_the_total_ends_the_listing_even_when_pages_are_full() {
    let log = Log::default();
    let counter = log.clone();
    // A server that always answers a full page but says there are 30 in all.
    let paginator = paging::offset_with_total(
        10,
        asked(move |request: PageRequest| {
            counter.push(&request);
            async move { Ok(Page::new(vec![0u8; 10]).with_total(Some(30))) }
        }),
    );
    let items: Vec<u8> = paginator.prefetch(3).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 30);
    assert_eq!(log.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn page_numbers_are_learned_from_the_first_answer_for_both_bases() {
    for base in [0u64, 1] {
        let log = Log::default();
        let items: Vec<u64> = paging::page_number(10, page_number_server(25, base, log.clone()))
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items, (0..25).collect::<Vec<_>>(), "base {base}");
        let numbers: Vec<Option<u64>> = log
            .requests()
            .iter()
            .map(|r| match r {
                PageRequest::PageNumber { number, size: 10 } => *number,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            numbers,
            [None, Some(base + 1), Some(base + 2)],
            "base {base}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn an_empty_listing_yields_one_empty_page_and_no_items() {
    let log = Log::default();
    let pages: Vec<Page<u64>> = paging::page_number(10, page_number_server(0, 1, log.clone()))
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert!(pages[0].items.is_empty());
    assert_eq!(pages[0].total, Some(0));
    assert_eq!(log.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn keyset_walks_by_the_last_id() {
    let log = Log::default();
    let items: Vec<String> = paging::keyset(10, String::clone, keyset_server(25, log.clone()))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, (0..25).map(id).collect::<Vec<_>>());
    let afters: Vec<Option<String>> = log
        .requests()
        .iter()
        .map(|r| match r {
            PageRequest::Keyset { after, limit: 10 } => after.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(afters, [None, Some(id(9)), Some(id(19))]);
}

#[tokio::test(start_paused = true)]
async fn keyset_over_an_exact_multiple_stops_on_the_empty_page() {
    let log = Log::default();
    let items: Vec<String> = paging::keyset(10, String::clone, keyset_server(20, log.clone()))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 20);
    assert_eq!(log.requests().len(), 3);
}

/// The reason of an [`Error::IncompleteListing`], or a panic naming what came instead.
fn incomplete_reason(error: &Error) -> String {
    match error {
        Error::IncompleteListing(incomplete) => incomplete.reason.clone(),
        other => panic!("expected an incomplete listing, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_cursor_seen_before_ends_a_keyset_listing_with_an_error() {
    let log = Log::default();
    let counter = log.clone();
    // A broken server that ignores `after` and always answers the first page.
    let paginator = paging::keyset(
        3,
        String::clone,
        asked(move |request: PageRequest| {
            counter.push(&request);
            async move { Ok(Page::new(vec![id(1), id(2), id(3)])) }
        }),
    );
    let results: Vec<_> = paginator.pages().collect().await;
    assert_eq!(results.len(), 2, "the first page, then the error");
    assert!(results[0].is_ok());
    let error = results[1].as_ref().unwrap_err();
    assert!(incomplete_reason(error).contains("strictly increasing"));
    assert!(error.to_string().contains("after 3 item(s)"), "{error}");
    assert_eq!(log.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_keyset_server_that_cycles_or_goes_backwards_is_an_error() {
    // Pages A, B, A: the third page's ids are below the last one seen.
    let cycle = Arc::new(AtomicUsize::new(0));
    let paginator = paging::keyset(
        2,
        String::clone,
        asked(move |_request: PageRequest| {
            let page = cycle.fetch_add(1, Ordering::SeqCst) % 2;
            async move {
                Ok(Page::new(if page == 0 {
                    vec![id(1), id(2)]
                } else {
                    vec![id(3), id(4)]
                }))
            }
        }),
    );
    let error = paginator.items().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(incomplete_reason(&error).contains("strictly increasing"));

    // Ids out of order inside one full page: what it skipped cannot be known.
    let paginator = paging::keyset(
        2,
        String::clone,
        asked(|_request: PageRequest| async { Ok(Page::new(vec![id(2), id(1)])) }),
    );
    let error = paginator.items().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(
        incomplete_reason(&error).contains("`00001` after `00002`"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_short_final_keyset_page_in_any_order_completes_the_walk_in_id_order() {
    // A server that ignores `sort` (commercetools-mock): a full first page
    // in order, then the short remainder shuffled.
    let paginator = paging::keyset(3, String::clone, |cursor: KeysetCursor| async move {
        Ok(Page::new(match cursor.after {
            None => vec![id(1), id(2), id(3)],
            Some(_) => vec![id(5), id(4)],
        }))
    });
    let items: Vec<String> = paginator.items().try_collect().await.unwrap();
    assert_eq!(items, vec![id(1), id(2), id(3), id(4), id(5)]);

    // Short but reaching back before the cursor: still an error.
    let paginator = paging::keyset(3, String::clone, |cursor: KeysetCursor| async move {
        Ok(Page::new(match cursor.after {
            None => vec![id(2), id(3), id(4)],
            Some(_) => vec![id(5), id(1)],
        }))
    });
    let error = paginator.items().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(
        incomplete_reason(&error).contains("`00001` after `00004`"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_page_number_answered_otherwise_than_asked_is_an_error() {
    let log = Log::default();
    let counter = log.clone();
    // A broken server that ignores the page number and always answers page 1.
    let paginator = paging::page_number(
        2,
        asked(move |request: PageRequest| {
            counter.push(&request);
            async move { Ok(Page::new(vec![1, 2]).with_page_number(Some(1))) }
        }),
    );
    let results: Vec<_> = paginator.items().collect().await;
    assert_eq!(results.len(), 3, "two items, then the error");
    let error = results[2].as_ref().unwrap_err();
    assert_eq!(
        incomplete_reason(error),
        "asked for page 2, the server answered page 1"
    );
    assert_eq!(log.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn offset_paging_with_a_lying_total_and_repeated_pages_fails_at_the_first_repeat() {
    let log = Log::default();
    let counter = log.clone();
    let paginator = paging::offset_with_total(
        3,
        asked(move |request: PageRequest| {
            counter.push(&request);
            async { Ok(Page::new(vec![7_u64, 8, 9]).with_total(Some(1_000_000_000))) }
        }),
    )
    .item_key(|n: &u64| n.to_string())
    .operation("list_numbers")
    .concurrency(4);
    let results: Vec<_> = paginator.items().collect().await;
    assert_eq!(results.len(), 4, "three items, then the error");
    let error = results[3].as_ref().unwrap_err();
    assert!(
        incomplete_reason(error).contains("the item `7` twice"),
        "{error}"
    );
    assert!(error.to_string().starts_with("list_numbers: "));
    assert!(
        log.requests().len() <= 6,
        "stops at the first repeat, not after 500 pages: {}",
        log.requests().len()
    );
}

#[tokio::test(start_paused = true)]
async fn identical_full_pages_without_number_or_total_fail_within_two_pages() {
    let log = Log::default();
    let counter = log.clone();
    let paginator = paging::page_number(
        2,
        asked(move |request: PageRequest| {
            counter.push(&request);
            async { Ok(Page::new(vec![1_u64, 2])) }
        }),
    )
    .item_key(|n: &u64| n.to_string());
    let error = paginator.items().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(incomplete_reason(&error).contains("twice"));
    assert!(log.requests().len() <= 3);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_caps_the_page_size_is_walked_to_its_total() {
    let log = Log::default();
    let counter = log.clone();
    // Asked for 100 a page, the server serves 50 and says so.
    let paginator = paging::page_number(
        100,
        asked(move |request: PageRequest| {
            counter.push(&request);
            async move {
                let PageRequest::PageNumber { number, .. } = request else {
                    unreachable!()
                };
                let number = number.unwrap_or(1);
                let start = (number - 1) * 50;
                let items: Vec<u64> = (start..120).take(50).collect();
                Ok(Page::new(items)
                    .with_page_number(Some(number))
                    .with_page_size(Some(50))
                    .with_total(Some(120)))
            }
        }),
    )
    .item_key(|n: &u64| n.to_string());
    let items: Vec<u64> = paginator.items().try_collect().await.unwrap();
    assert_eq!(items, (0..120).collect::<Vec<_>>());
    assert_eq!(log.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_short_page_before_the_total_yields_its_items_then_an_error() {
    let paginator = paging::offset_with_total(
        10,
        asked(|request: PageRequest| async move {
            let PageRequest::Offset { offset, .. } = request else {
                unreachable!()
            };
            let items: Vec<u64> = (offset..15).take(10).collect();
            Ok(Page::new(items).with_total(Some(25)))
        }),
    );
    let results: Vec<_> = paginator.items().collect().await;
    assert_eq!(results.len(), 16, "fifteen items, then the error");
    assert!(results[..15].iter().all(Result::is_ok));
    let reason = incomplete_reason(results[15].as_ref().unwrap_err());
    assert!(
        reason.contains("25 item(s) in all, but a short page ended the listing after 15"),
        "{reason}"
    );
}

#[tokio::test(start_paused = true)]
async fn server_chosen_numbers_at_their_extremes_never_panic() {
    // (total, page number reported, page size reported): each is walked to
    // an end, `Ok` or an error, without a panic or an endless walk.
    let cases: [(Option<u64>, Option<u64>, Option<u64>); 9] = [
        (Some(0), Some(0), Some(0)),
        (Some(u64::MAX), Some(u64::MAX), Some(u64::MAX)),
        (Some(u64::MAX), Some(u64::MAX - 1), Some(2)),
        (None, Some(u64::MAX), None),
        (Some(u64::MAX), Some(0), Some(0)),
        (Some(1), Some(1), Some(u64::MAX)),
        (Some(u64::MAX), None, Some(1)),
        (None, None, Some(u64::MAX)),
        (Some(0), None, None),
    ];
    for (total, page_number, page_size) in cases {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let paginator = paging::page_number(
            2,
            asked(move |request: PageRequest| {
                let call = counter.fetch_add(1, Ordering::SeqCst) as u64;
                async move {
                    let PageRequest::PageNumber { number, .. } = request else {
                        unreachable!()
                    };
                    // Fresh items on every page, so only the numbers decide;
                    // after 20 pages the server runs dry (a short page).
                    let items = if call < 20 {
                        vec![call * 2, call * 2 + 1]
                    } else {
                        Vec::new()
                    };
                    let reported = page_number.map(|base| number.unwrap_or(base));
                    Ok(Page::new(items)
                        .with_total(total)
                        .with_page_number(reported)
                        .with_page_size(page_size))
                }
            }),
        )
        .item_key(|n: &u64| n.to_string())
        .concurrency(4);
        let outcome: Vec<_> = paginator.items().collect().await;
        let label = format!("{total:?} {page_number:?} {page_size:?}");
        assert!(calls.load(Ordering::SeqCst) <= 25, "{label}");
        let failed = outcome.last().is_some_and(Result::is_err);
        let complete_by_total = total.is_some_and(|total| total <= 40);
        assert!(
            failed || complete_by_total || total.is_none(),
            "{label}: a total that is never reached must end in an error"
        );
    }

    // Offsets near the top of u64: the cursor stops, with an error, instead of wrapping.
    let paginator = paging::offset(
        u64::MAX,
        asked(|request: PageRequest| async move {
            let PageRequest::Offset { offset, .. } = request else {
                unreachable!()
            };
            Ok(Page::new(vec![offset]))
        }),
    );
    let items: Vec<u64> = paginator.items().try_collect().await.unwrap();
    assert_eq!(items, [0], "a short page ends it");
}

#[tokio::test(start_paused = true)]
async fn a_page_number_past_u64_max_is_an_error_not_a_panic() {
    let paginator = paging::page_number(
        1,
        asked(|request: PageRequest| async move {
            let PageRequest::PageNumber { number, .. } = request else {
                unreachable!()
            };
            let number = number.unwrap_or(u64::MAX - 1);
            Ok(Page::new(vec![number])
                .with_page_number(Some(number))
                .with_total(Some(u64::MAX)))
        }),
    );
    let results: Vec<_> = paginator.items().collect().await;
    assert_eq!(
        results.len(),
        3,
        "pages u64::MAX - 1 and u64::MAX, then the error"
    );
    assert!(incomplete_reason(results[2].as_ref().unwrap_err()).contains("past u64::MAX"));

    let paginator = paging::page_number(
        1,
        asked(|_request: PageRequest| async {
            Ok(Page::new(vec![1_u8]).with_page_number(Some(u64::MAX)))
        }),
    );
    let error = paginator.items().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(incomplete_reason(&error).contains("numbered the first page"));
}

#[tokio::test(start_paused = true)]
async fn concurrency_keeps_order_and_its_bound() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (in_flight.clone(), most.clone());
    let paginator = paging::page_number(
        10,
        asked(move |request: PageRequest| {
            let (now, peak) = (now.clone(), peak.clone());
            async move {
                let PageRequest::PageNumber { number, size } = request else {
                    unreachable!()
                };
                let number = number.unwrap_or(0);
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(running, Ordering::SeqCst);
                // Later pages answer sooner, so completion order is scrambled.
                tokio::time::sleep(Duration::from_millis(100 - number * 7)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                let start = number * size;
                Ok(
                    Page::new((start..(start + size).min(123)).collect::<Vec<u64>>())
                        .with_total(Some(123))
                        .with_page_number(Some(number)),
                )
            }
        }),
    );
    let items: Vec<u64> = paginator
        .concurrency(4)
        .prefetch(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, (0..123).collect::<Vec<_>>());
    assert_eq!(most.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn prefetch_depth_bounds_the_pages_requested_ahead() {
    let log = Log::default();
    let mut pages = paging::offset(10, offset_server(1_000, log.clone()))
        .prefetch(2)
        .pages();
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items[0], 0);
    tokio::time::sleep(Duration::from_millis(1)).await;
    // Page 1 handed over, pages 2 and 3 requested ahead, no more.
    assert_eq!(log.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn without_prefetch_pages_are_requested_one_at_a_time() {
    let log = Log::default();
    let mut pages = paging::offset(10, offset_server(1_000, log.clone()))
        .prefetch(0)
        .pages();
    pages.next().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(log.requests().len(), 1);
    pages.next().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(log.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_error_ends_the_stream_after_the_pages_before_it() {
    let paginator = paging::offset(
        2,
        asked(move |request: PageRequest| async move {
            let PageRequest::Offset { offset, .. } = request else {
                unreachable!()
            };
            if offset >= 2 {
                Err(Error::invalid_input("page", "boom"))
            } else {
                Ok(Page::new(vec![offset, offset + 1]))
            }
        }),
    );
    let results: Vec<sdk_core::Result<u64>> = paginator.items().collect().await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(results[2].is_err());
}

#[test]
fn streams_are_send_static_and_unpin() {
    fn assert_traits<S: Send + Unpin + 'static>() {}
    // A type that is neither Unpin-relevant nor Sync must still work.
    assert_traits::<PageStream<std::cell::Cell<u8>>>();
    assert_traits::<ItemStream<std::cell::Cell<u8>>>();
    assert_traits::<PageStream<String>>();
}

/// Prefetch against a real server: page 2 reaches the server before the
/// caller asks for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_receives_page_two_before_the_caller_asks_for_it() {
    let server = MockServer::start().await;
    for page in 0..3u64 {
        let items: Vec<u64> = (page * 2..page * 2 + 2).collect();
        Mock::given(method("GET"))
            .and(path("/things"))
            .and(query_param("offset", (page * 2).to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "results": items, "total": 6
            })))
            .mount(&server)
            .await;
    }
    let client = common::builder(&server).build().unwrap();

    #[derive(serde::Deserialize)]
    struct Listing {
        results: Vec<u64>,
        total: u64,
    }
    let paginator = paging::offset_with_total(
        2,
        asked(move |request: PageRequest| {
            let client = client.clone();
            async move {
                let PageRequest::Offset { offset, limit, .. } = request else {
                    unreachable!()
                };
                let listing: Listing = client
                    .send_json(
                        Request::get("list_things")
                            .segment("things")
                            .query("offset", offset.to_string())
                            .query("limit", limit.to_string()),
                    )
                    .await?;
                Ok(Page::new(listing.results).with_total(Some(listing.total)))
            }
        }),
    );
    // One page in flight at a time: prefetch alone (by default the second
    // and third pages would go at once).
    let mut pages = paginator.prefetch(1).concurrency(1).pages();
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items, [0, 1]);

    // The caller is "busy" and does not poll; the second request still arrives.
    let arrived = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if common::received(&server).await >= 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(arrived.is_ok(), "page 2 was not requested ahead");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[1].url.query(), Some("offset=2&limit=2"));

    let rest: Vec<Page<u64>> = pages.try_collect().await.unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(common::received(&server).await, 3);
}

#[test]
fn hex_partitions_cover_keys_of_any_shape_exactly_once_and_in_order() {
    use sdk_core::pagination::KeyRange;
    let keys = [
        "",
        "0",
        "00000000-0000",
        "0fff",
        "1",
        "7f",
        "8",
        "9zz",
        "A",
        "Z",
        "_",
        "a",
        "abc",
        "ffff",
        "ffffffff-ffff",
        "g",
        "~",
        "\u{10ffff}",
    ];
    for count in [1, 2, 3, 7, 8, 13, 16, 64, 1_000] {
        let ranges = KeyRange::hex_partitions(count);
        assert_eq!(ranges.len(), count);
        assert!(ranges[0].from.is_none() && ranges[count - 1].to.is_none());
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].to, pair[1].from, "adjacent: {count}");
            assert!(pair[0].from < pair[1].from || pair[0].from.is_none());
        }
        for key in keys {
            let holders = ranges.iter().filter(|range| range.contains(key)).count();
            assert_eq!(holders, 1, "{key:?} with {count} ranges");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_keyset_part_that_strays_outside_its_range_is_an_error() {
    use sdk_core::pagination::KeyRange;
    // A server that ignores the range predicate answers ids from elsewhere.
    let paginator = paging::keyset(
        3,
        String::clone,
        asked(|_request: PageRequest| async {
            Ok(Page::new(vec!["10".to_owned(), "90".to_owned()]))
        }),
    )
    .key_range(KeyRange::new(Some("4".into()), Some("8".into())));
    let error = paginator.items().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(incomplete_reason(&error).contains("outside the requested range [4, 8)"));
}

#[tokio::test(start_paused = true)]
async fn partitions_concatenate_in_order_or_come_as_they_arrive() {
    // Three parts of 0..30, the first one slowest.
    let part = |start: u64, delay_ms: u64| {
        paging::offset(
            4,
            asked(move |request: PageRequest| async move {
                let PageRequest::Offset { offset, limit, .. } = request else {
                    unreachable!()
                };
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                let items: Vec<u64> = (start + offset..start + 10).take(limit as usize).collect();
                Ok(Page::new(items))
            }),
        )
    };
    let ordered: Vec<u64> = paging::partitioned(vec![part(0, 5), part(10, 1), part(20, 0)])
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ordered, (0..30).collect::<Vec<_>>());
    let mut unordered: Vec<u64> = paging::partitioned(vec![part(0, 5), part(10, 1), part(20, 0)])
        .unordered()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_ne!(
        unordered[..10],
        (0..10).collect::<Vec<_>>()[..],
        "faster parts come first"
    );
    unordered.sort();
    assert_eq!(unordered, (0..30).collect::<Vec<_>>());

    // One part's error ends the whole walk.
    let failing = paging::offset(
        4,
        asked(|_request: PageRequest| async {
            Err::<Page<u64>, _>(Error::incomplete_listing("part", "broken"))
        }),
    );
    let outcome: Vec<_> = paging::partitioned(vec![part(0, 5), failing, part(20, 0)])
        .items()
        .collect()
        .await;
    assert!(outcome.last().unwrap().is_err());
}

/// Reads `stream` to its end on a new runtime per item, as a blocking
/// wrapper that builds a runtime per call does: every runtime that ran a
/// prefetch task is gone before the next item is read.
fn read_with_a_runtime_per_item<S, T>(mut stream: S) -> Vec<sdk_core::Result<T>>
where
    S: futures::Stream<Item = sdk_core::Result<T>> + Unpin,
{
    let mut read = Vec::new();
    loop {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        match runtime.block_on(stream.next()) {
            Some(item) => read.push(item),
            None => return read,
        }
    }
}

#[test]
fn a_listing_read_on_a_runtime_per_item_is_complete() {
    let paginator = paging::offset(10, |cursor: OffsetCursor| async move {
        let items: Vec<u64> = (cursor.offset..100).take(10).collect();
        Ok(Page::new(items).with_total(Some(100)))
    })
    .prefetch(2);
    let read = read_with_a_runtime_per_item(paginator.items());
    let items: Vec<u64> = read.into_iter().map(Result::unwrap).collect();
    assert_eq!(items, (0..100).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_page_fetch_that_panics_ends_the_listing_as_incomplete() {
    let paginator = paging::offset(10, |cursor: OffsetCursor| async move {
        assert!(
            cursor.offset < 10,
            "the test's fetch breaks on the second page"
        );
        Ok(Page::new((0..10u64).collect()))
    });
    let results: Vec<_> = paginator.pages().collect().await;
    assert_eq!(results.len(), 2, "the first page, then the error");
    let error = results[1].as_ref().unwrap_err();
    let reason = incomplete_reason(error);
    assert!(reason.contains("a page fetch panicked"), "{reason}");
    assert!(reason.contains("breaks on the second page"), "{reason}");
}

#[test]
fn the_next_link_is_read_from_any_link_header_value() {
    use sdk_core::http::{HeaderMap, HeaderValue, header::LINK};
    use sdk_core::vendor::paging::next_link;

    let base = url::Url::parse("https://api.example.com/v1/members?per_page=2").unwrap();
    let link = |values: &[&'static str]| {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(LINK, HeaderValue::from_static(value));
        }
        next_link(&headers, &base).map(|url| url.to_string())
    };
    // Several relations in one, the next in a second header, absolute targets.
    assert_eq!(
        link(&[
            r#"<https://api.example.com/v1/members?page=1>; rel="first""#,
            r#"<https://api.example.com/v1/members?page=3>; rel="prev next""#
        ]),
        Some("https://api.example.com/v1/members?page=3".to_owned())
    );
    assert_eq!(
        link(&["<?page=2>; REL=next"]).as_deref(),
        Some("https://api.example.com/v1/members?page=2")
    );
    // None: no next relation, no angle brackets, no header at all.
    assert_eq!(link(&[r#"</members?page=1>; rel="first""#]), None);
    assert_eq!(link(&[r#"/members?page=2; rel="next""#]), None);
    assert_eq!(link(&[]), None);
}

#[tokio::test(start_paused = true)]
async fn a_widening_walk_opens_more_parts_as_clean_pages_arrive() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (in_flight, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    // Twelve parts of two pages each, every page taking 10 ms.
    let part = |start: u64| {
        let (in_flight, peak) = (in_flight.clone(), peak.clone());
        paging::offset(
            5,
            asked(move |request: PageRequest| {
                let (in_flight, peak) = (in_flight.clone(), peak.clone());
                async move {
                    let PageRequest::Offset { offset, limit, .. } = request else {
                        unreachable!()
                    };
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let items: Vec<u64> =
                        (start + offset..start + 10).take(limit as usize).collect();
                    Ok(Page::new(items))
                }
            }),
        )
    };
    let parts: Vec<_> = (0..12).map(|n| part(n * 10)).collect();
    let items: Vec<u64> = paging::partitioned(parts)
        .widening(2, 4)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        items,
        (0..120).collect::<Vec<_>>(),
        "every item once, in order"
    );
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak > 2, "it widened: {peak} at once");
    assert!(peak <= 4 * 2, "never past its width: {peak}");
}

/// When each request was sent, and how many were in flight then.
type SentLog = Arc<Mutex<Vec<(Duration, usize)>>>;

/// A page-number listing of `total` items in pages of 10 whose page `n`
/// takes `took(n)`; it records how many requests were in flight as each
/// was sent, and when.
fn timed_listing(
    total: u64,
    took: impl Fn(u64) -> Duration + Send + Sync + 'static,
) -> (sdk_core::Paginator<u64>, SentLog) {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let start = tokio::time::Instant::now();
    let took = Arc::new(took);
    let log = sent.clone();
    let paginator = paging::page_number(
        10,
        asked(move |request: PageRequest| {
            let (in_flight, log, took) = (in_flight.clone(), log.clone(), took.clone());
            async move {
                let PageRequest::PageNumber { number, size } = request else {
                    unreachable!()
                };
                let number = number.unwrap_or(0);
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                log.lock().unwrap().push((start.elapsed(), now));
                tokio::time::sleep(took(number)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let first = number * size;
                Ok(
                    Page::new((first..(first + size).min(total)).collect::<Vec<u64>>())
                        .with_total(Some(total))
                        .with_page_number(Some(number)),
                )
            }
        }),
    );
    (paginator, sent)
}

fn peak(sent: &Mutex<Vec<(Duration, usize)>>, before: Duration) -> usize {
    let sent = sent.lock().unwrap();
    sent.iter()
        .filter(|(at, _)| *at < before)
        .map(|(_, now)| *now)
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn a_listing_with_a_total_widens_from_two_to_eight_pages_by_default() {
    let (paginator, sent) = timed_listing(400, |_| Duration::from_millis(10));
    let items: Vec<u64> = paginator.items().try_collect().await.unwrap();
    assert_eq!(
        items,
        (0..400).collect::<Vec<_>>(),
        "every item once, in order"
    );
    // The first page alone (it brings the total), then two at once.
    assert_eq!(peak(&sent, Duration::from_millis(10)), 1);
    assert_eq!(peak(&sent, Duration::from_millis(20)), 2);
    let most = peak(&sent, Duration::MAX);
    assert_eq!(
        most,
        sdk_core::pagination::DEFAULT_MAX_WIDTH,
        "widened to its most, no further"
    );
    assert_eq!(sent.lock().unwrap().len(), 40, "no page past the total");
}

#[tokio::test(start_paused = true)]
async fn pages_that_slow_down_hold_the_width() {
    // After the first three pages, every page takes five times as long:
    // the server is struggling, and more at once would make it worse.
    let (paginator, sent) = timed_listing(400, |number| {
        Duration::from_millis(if number <= 2 { 10 } else { 50 })
    });
    let items: Vec<u64> = paginator.items().try_collect().await.unwrap();
    assert_eq!(items.len(), 400);
    // Two at once after the first page; pages 2 and 3 came back fast and
    // widened it by one each; none after them did.
    assert_eq!(peak(&sent, Duration::MAX), 4);
}

#[tokio::test(start_paused = true)]
async fn widening_and_concurrency_settings_bound_a_listing() {
    let (paginator, sent) = timed_listing(400, |_| Duration::from_millis(10));
    let items: Vec<u64> = paginator
        .widening(1, 3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 400);
    assert_eq!(peak(&sent, Duration::MAX), 3);

    let (paginator, sent) = timed_listing(400, |_| Duration::from_millis(10));
    let items: Vec<u64> = paginator
        .concurrency(5)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 400);
    assert_eq!(peak(&sent, Duration::MAX), 5);
    assert_eq!(
        peak(&sent, Duration::from_millis(20)),
        5,
        "a fixed width from the start"
    );

    // No prefetch and no concurrency written: one page at a time.
    let (paginator, sent) = timed_listing(100, |_| Duration::from_millis(10));
    let items: Vec<u64> = paginator.prefetch(0).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 100);
    assert_eq!(peak(&sent, Duration::MAX), 1);

    // No prefetch, but a widening written: the widening holds.
    let (paginator, sent) = timed_listing(400, |_| Duration::from_millis(10));
    let items: Vec<u64> = paginator
        .prefetch(0)
        .widening(1, 3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 400);
    assert_eq!(peak(&sent, Duration::MAX), 2, "prefetch 0 + width 3 - 1");
}
