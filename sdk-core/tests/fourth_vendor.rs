//! A fourth vendor, built from sdk-core's public building blocks alone, as
//! a new vendor crate would be: the Acme Loyalty API, with numeric ids, an
//! error body of its own (`{"fault": {"code", "detail"}}`), a correlation
//! header of its own (`X-Acme-Trace`), members listed by `Link: rel="next"`
//! headers and, for exports, by keyset over numeric ids. Nothing under
//! `sdk-core/src` knows of it.

use std::time::Duration;

use futures::TryStreamExt;
use sdk_core::auth::StaticHeaders;
use sdk_core::http::{HeaderName, StatusCode};
use sdk_core::test_util::CapturedLogs;
use sdk_core::vendor::paging::{self, KeyOrder, KeysetCursor, PaginatorSetup, TokenCursor};
use sdk_core::vendor::{
    ClientSkeleton, ErrorBodyParser, ParsedErrorBody, VendorProfile, calls, client_settings_setters,
};
use sdk_core::{Backoff, Call, Client, Error, Page, Paginator, Request, Response, RetryPolicy};
use serde::Deserialize;
use serde_json::{Value, json};
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, Request as Received, Respond, ResponseTemplate};

// ------------------------------------------------------------- the vendor

/// A member of the loyalty programme.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Member {
    id: u64,
    name: String,
}

/// Reads `{"fault": {"code": "MEMBER_MISSING", "detail": "..."}}`.
#[derive(Debug)]
struct AcmeErrors;

impl ErrorBodyParser for AcmeErrors {
    fn parse(&self, _: StatusCode, body: &Value) -> ParsedErrorBody {
        let text = |name: &str| body["fault"][name].as_str().map(str::to_owned);
        ParsedErrorBody::new(text("code"), text("detail"))
    }
}

/// What an Acme error means, read off any error.
#[derive(Debug, PartialEq)]
enum AcmeError {
    MemberMissing,
    Other(Option<String>),
}

fn acme_error(error: &Error) -> AcmeError {
    match error.code() {
        Some("MEMBER_MISSING") => AcmeError::MemberMissing,
        other => AcmeError::Other(other.map(str::to_owned)),
    }
}

fn profile() -> VendorProfile {
    VendorProfile::new("acme")
        .error_parser(AcmeErrors)
        .correlation_id_header(HeaderName::from_static("x-acme-trace"))
        .plain_query_parameters(&["cursor", "per_page", "after"])
        .max_response_bytes(4 * 1024 * 1024)
}

struct AcmeClientBuilder {
    skeleton: ClientSkeleton,
    key: String,
}

impl AcmeClientBuilder {
    client_settings_setters!(skeleton);

    fn build(self) -> sdk_core::Result<AcmeClient> {
        let auth = StaticHeaders::new().with("X-Acme-Key", self.key)?;
        let http = self.skeleton.build("acme-sdk/0.1", auth, |_| Ok(()))?;
        Ok(AcmeClient { http })
    }
}

#[derive(Clone)]
struct AcmeClient {
    http: Client,
}

impl AcmeClient {
    fn builder(base_url: &str, key: &str) -> AcmeClientBuilder {
        AcmeClientBuilder {
            skeleton: ClientSkeleton::new(profile(), base_url),
            key: key.to_owned(),
        }
    }

    /// `GET /members/{id}`.
    fn member(&self, id: u64) -> Call<Member> {
        let request = Request::get("get_member")
            .segment("members")
            .id_segment("member id", id.to_string());
        calls::json(&self.http, request)
    }

    /// `GET /members`, page after page as the `Link` headers say.
    fn members(&self, per_page: u64) -> Paginator<Member> {
        let http = self.http.clone();
        paging::next_token(per_page, move |page: TokenCursor| {
            let request = Request::get("list_members")
                .segment("members")
                .query("per_page", page.limit.to_string())
                .query_opt("cursor", page.token);
            let base = http.base_url().clone();
            calls::decoded(&http, request, move |answer: Response| {
                let next = next_cursor(&answer, &base);
                let members: Vec<Member> = answer.json()?;
                Ok(Page::new(members).with_next_token(next))
            })
            .into_future()
        })
        .operation("list_members")
        .metered_by(&self.http)
    }

    /// `GET /exports/members?after=`: every member by id, which is a number.
    fn export(&self, limit: u64) -> Paginator<Member> {
        let http = self.http.clone();
        let fetch = move |page: KeysetCursor| {
            let request = Request::get("export_members")
                .segments(["exports", "members"])
                .query("limit", page.limit.to_string())
                .query_opt("after", page.after);
            let call: Call<Vec<Member>> = calls::json(&http, request);
            async move { Ok(Page::new(call.await?)) }
        };
        paging::keyset(limit, |member: &Member| member.id.to_string(), fetch)
            .key_order(KeyOrder::Numeric)
            .operation("export_members")
    }
}

/// The `cursor` of the answer's `Link: <...?cursor=..>; rel="next"`.
fn next_cursor(answer: &Response, base: &url::Url) -> Option<String> {
    let next = paging::next_link(answer.headers(), base)?;
    let cursor = next.query_pairs().find(|(name, _)| name == "cursor")?;
    Some(cursor.1.into_owned())
}

// ------------------------------------------------------------- its tests

/// Every span of this binary's tests, as a subscriber formats them when
/// they close. Global, so that no test meets the callsites without it.
fn spans() -> &'static CapturedLogs {
    static SPANS: std::sync::OnceLock<CapturedLogs> = std::sync::OnceLock::new();
    SPANS.get_or_init(|| {
        let written = CapturedLogs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_span_events(FmtSpan::CLOSE)
            .with_writer(written.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        written
    })
}

fn client(server: &MockServer) -> AcmeClient {
    spans();
    AcmeClient::builder(&server.uri(), "acme-key")
        .retry_policy(RetryPolicy::default().with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
        )))
        .build()
        .unwrap()
}

fn members(ids: std::ops::RangeInclusive<u64>) -> Value {
    ids.map(|id| json!({"id": id, "name": format!("Member {id}")}))
        .collect()
}

/// Pages of three of 1..=8, each linking to the next by cursor.
struct LinkedPages;

impl Respond for LinkedPages {
    fn respond(&self, request: &Received) -> ResponseTemplate {
        let cursor = request
            .url
            .query_pairs()
            .find(|(name, _)| name == "cursor")
            .map_or(0, |(_, value)| value.parse().unwrap_or(0));
        let last = (cursor + 3).min(8);
        let page = ResponseTemplate::new(200).set_body_json(members(cursor + 1..=last));
        if last == 8 {
            return page;
        }
        let next = format!("<https://acme.example/members?cursor={last}&per_page=3>; rel=\"next\"");
        page.insert_header("link", next.as_str())
    }
}

#[tokio::test]
async fn a_link_header_walk_reads_every_member_to_the_last_page() {
    let server = MockServer::start().await;
    Mock::given(path("/members"))
        .respond_with(LinkedPages)
        .mount(&server)
        .await;
    let all: Vec<Member> = client(&server)
        .members(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|m| m.id).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_server_that_links_back_to_a_page_ends_the_walk_in_an_error() {
    let server = MockServer::start().await;
    let cycle = "<https://acme.example/members?cursor=3>; rel=\"next\"";
    Mock::given(path("/members"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(members(1..=3))
                .insert_header("link", cycle),
        )
        .mount(&server)
        .await;
    let error = client(&server)
        .members(3)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::IncompleteListing(_)), "{error}");
    assert!(
        error.to_string().contains("named the page `3` next twice"),
        "{error}"
    );
}

/// Members after `?after=` by id, ten a page, of 1..=25.
struct ById;

impl Respond for ById {
    fn respond(&self, request: &Received) -> ResponseTemplate {
        let after = request
            .url
            .query_pairs()
            .find(|(name, _)| name == "after")
            .map_or(0, |(_, value)| value.parse().unwrap_or(0));
        ResponseTemplate::new(200).set_body_json(members(after + 1..=(after + 10).min(25)))
    }
}

#[tokio::test]
async fn a_keyset_walk_over_numeric_ids_passes_from_9_to_10() {
    let server = MockServer::start().await;
    Mock::given(path("/exports/members"))
        .respond_with(ById)
        .mount(&server)
        .await;
    let all: Vec<Member> = client(&server)
        .export(10)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 25);
    assert_eq!(all[9].id, 10);
}

#[tokio::test]
async fn a_503_is_retried_and_an_error_of_its_own_is_typed() {
    let server = MockServer::start().await;
    Mock::given(path("/members/7"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/members/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 7, "name": "Ada"})))
        .mount(&server)
        .await;
    let fault = json!({"fault": {"code": "MEMBER_MISSING", "detail": "No member 8."}});
    Mock::given(path("/members/8"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fault))
        .mount(&server)
        .await;
    let acme = client(&server);
    assert_eq!(acme.member(7).await.unwrap().name, "Ada");
    let error = acme.member(8).await.unwrap_err();
    assert_eq!(acme_error(&error), AcmeError::MemberMissing);
    assert!(
        error.to_string().contains("MEMBER_MISSING: No member 8."),
        "{error}"
    );
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 3, "one retry of the 503");
    assert!(
        sent.iter()
            .all(|request| request.headers.contains_key("x-acme-trace"))
    );
}

#[tokio::test]
async fn its_calls_have_spans_named_for_it_with_its_correlation_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header_exists("x-acme-trace"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 7, "name": "Ada"})))
        .mount(&server)
        .await;
    let call = client(&server).member(7);
    sdk_core::CallOptionsBuilder::correlation_id(call, "run-42")
        .await
        .unwrap();
    let text = spans().text();
    let closed = text
        .lines()
        .find(|line| line.contains("acme.get_member") && line.contains("run-42"))
        .unwrap_or_else(|| panic!("no span of the call: {text}"));
    assert!(closed.contains("customer_sdk.vendor=\"acme\""), "{closed}");
    let attempt = text
        .lines()
        .find(|line| line.contains("url.template=/members/{id}"));
    assert!(attempt.is_some(), "{text}");
}
