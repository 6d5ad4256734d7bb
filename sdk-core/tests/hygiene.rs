//! Hostile ids and query values reach the server as one segment or one
//! value. (Secrets: see `secrets.rs`.)

mod common;

use common::builder;
use sdk_core::Request;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOSTILE_IDS: &[&str] = &[
    "a/b?c#d%e ..",
    "...",
    "../",
    "/..",
    "../../admin",
    "key=x&y=z",
    "with space",
    "quote\"'`",
    "ünïcødé-€-日本",
    "tab\tnew\nline\0nul",
    "%2F%2E%2E",
    "+plus+",
];

#[tokio::test]
async fn hostile_ids_reach_the_server_as_one_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    for id in HOSTILE_IDS {
        client
            .send(Request::get("get_thing").segment("things").segment(id))
            .await
            .unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), HOSTILE_IDS.len());
    for (request, id) in requests.iter().zip(HOSTILE_IDS) {
        let segments: Vec<&str> = request.url.path_segments().unwrap().collect();
        assert_eq!(segments.len(), 2, "{id:?} -> {}", request.url);
        assert_eq!(segments[0], "things");
        let decoded = percent_encoding::percent_decode_str(segments[1])
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, *id, "{}", request.url);
        assert!(request.url.query().is_none(), "{id:?} -> {}", request.url);
        assert!(
            request.url.fragment().is_none(),
            "{id:?} -> {}",
            request.url
        );
    }
}

#[tokio::test]
async fn ids_that_urls_would_resolve_away_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    for id in ["", ".", ".."] {
        let error = client
            .send(
                Request::delete("delete_thing")
                    .segment("things")
                    .segment(id),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, sdk_core::Error::InvalidInput(_)),
            "{id:?}: {error:?}"
        );
        assert!(!error.request_may_have_been_sent());
    }
    assert_eq!(common::received(&server).await, 0);
}

#[tokio::test]
async fn hostile_query_values_stay_one_value() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    for value in HOSTILE_IDS {
        client
            .send(
                Request::get("query")
                    .segment("things")
                    .query("var.name", value),
            )
            .await
            .unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    for (request, value) in requests.iter().zip(HOSTILE_IDS) {
        let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [("var.name".to_owned(), value.to_string())],
            "{}",
            request.url
        );
    }
}
