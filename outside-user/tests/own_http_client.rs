//! The first thing this process does is build an HTTP client for the SDK
//! from the SDK's own builder: no SDK client exists yet, no TLS crypto
//! provider was installed, and nothing may panic (a test file of its own, so
//! a process of its own).

#[tokio::test]
async fn an_http_client_from_the_sdk_builder_works_before_any_sdk_client() {
    let http = pos_customer_sdk::http_client_builder()
        .build()
        .expect("the SDK's builder readies TLS before building");
    let sandbox = pos_customer_sdk::sandbox::PosSandbox::start().expect("a loopback port");
    let pos = sandbox
        .client_builder()
        .http_client(http)
        .build()
        .expect("a client");
    let group = pos
        .customer_groups()
        .create(pos_customer_sdk::CustomerGroupDraft::new("Walk-ins"))
        .await
        .expect("the sandbox takes it");
    assert_eq!(group.name.as_deref(), Some("Walk-ins"));
}
