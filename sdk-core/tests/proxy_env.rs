//! Proxies from the environment: loopback hosts are reached directly, other
//! hosts through the proxy, and a proxy that cannot be reached is named.
//! The variables are set on a child process (changing this process's own
//! environment while other tests run is not sound).

mod common;

use std::process::Command;

use common::{http_answer, raw_server};
use sdk_core::oauth::ClientCredentials;
use sdk_core::{Client, Error, Request, RetryPolicy, SecretString};

const CHILD: &str = "CUSTOMER_SDK_PROXY_CHILD";

const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// What one attempt at a request through a client of `builder` fails with.
async fn failure_of_one_attempt(builder: sdk_core::ClientBuilder) -> Error {
    let client = builder.retry_policy(RetryPolicy::never()).build().unwrap();
    client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err()
}

/// Runs only in the child, whose proxy variables the parent set.
#[tokio::test]
async fn child_sends_with_the_proxy_variables() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let closed_proxy = std::env::var("CLOSED_PROXY_PORT").unwrap();
    let target = raw_server(http_answer(
        "200 OK",
        r#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#,
    ))
    .await;
    let port = target.url.rsplit(':').next().unwrap().to_owned();

    // This machine: direct, with a secret header and an OAuth token request.
    // `0.0.0.0` (also written `0`) reaches this machine too.
    for base in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
        format!("http://[::ffff:127.0.0.1]:{port}"),
        format!("http://0.0.0.0:{port}"),
        format!("http://0:{port}"),
    ] {
        let auth = ClientCredentials::builder(
            format!("{base}/oauth/token"),
            "client-id",
            SecretString::from("client-secret"),
        )
        .build()
        .unwrap();
        let client = Client::builder(&base).auth(auth).build().unwrap();
        client
            .send(Request::get("get_thing").segment("things"))
            .await
            .unwrap_or_else(|error| panic!("{base}: {error}"));
    }
    assert_eq!(target.connections(), 10, "five token requests, five calls");

    // Elsewhere over http: through HTTP_PROXY, which answers 502 itself.
    let remote = Client::builder("http://api.example.test").allow_insecure(true);
    let error = failure_of_one_attempt(remote).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502), "{error}");

    // Elsewhere over https: through HTTPS_PROXY, which cannot be reached.
    let error = failure_of_one_attempt(Client::builder("https://api.example.test")).await;
    assert!(matches!(error, Error::Connect(_)), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(
        shown.contains(&format!(
            "through the proxy http://127.0.0.1:{closed_proxy}"
        )),
        "{shown}"
    );
    assert!(!shown.contains("proxy-password"), "{shown}");

    // Through a client of the caller's own with a proxy that refuses: the
    // SDK cannot see that client's proxies, and says so.
    let own = sdk_core::client::http_client_builder()
        .proxy(reqwest::Proxy::all(format!("http://127.0.0.1:{closed_proxy}")).unwrap())
        .build()
        .unwrap();
    let remote = Client::builder("https://api.example.test").http_client(own);
    let error = failure_of_one_attempt(remote).await;
    assert!(matches!(error, Error::Connect(_)), "{error:?}");
    let shown = error.to_string();
    assert!(
        shown.contains("api.example.test:443 (or a proxy your own HTTP client goes through"),
        "{shown}"
    );
    println!("child: all checks passed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_never_goes_through_an_environment_proxy() {
    let proxy = raw_server(http_answer(
        "502 Bad Gateway",
        r#"{"message":"from the proxy"}"#,
    ))
    .await;
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "child_sends_with_the_proxy_variables",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("CLOSED_PROXY_PORT", closed_port.to_string());
    for variable in PROXY_VARIABLES {
        child.env_remove(variable);
    }
    child
        .env("HTTP_PROXY", &proxy.url)
        .env("ALL_PROXY", &proxy.url)
        .env(
            "HTTPS_PROXY",
            format!("http://proxy-user:proxy-password@127.0.0.1:{closed_port}"),
        );
    let output = tokio::task::spawn_blocking(move || child.output().unwrap())
        .await
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{printed}");
    assert!(printed.contains("child: all checks passed"), "{printed}");
    let requests = proxy.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "only the remote http call: {requests:?}");
    assert!(
        requests[0].starts_with("GET http://api.example.test/things"),
        "{requests:?}"
    );
}
