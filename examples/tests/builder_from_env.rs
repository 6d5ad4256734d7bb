//! `builder_from_env` of the three clients, run in a child process with an
//! environment of the test's choosing (this process's own environment is
//! left alone: changing it while other tests run is not sound).

use std::process::Command;
use std::time::Duration;

use ct_customer_groups_sdk::CtClient;
use flowretail_sdk::FlowRetailClient;
use pos_customer_sdk::PosClient;

const CHILD: &str = "CUSTOMER_SDK_ENV_CHILD";

const VARIABLES: &[&str] = &[
    "POS_BASE_URL",
    "POS_TOKEN",
    "POS_OPERATOR",
    "CTP_PROJECT_KEY",
    "CTP_CLIENT_ID",
    "CTP_CLIENT_SECRET",
    "CTP_API_URL",
    "CTP_AUTH_URL",
    "CTP_SCOPES",
    "FLOWRETAIL_BASE_URL",
    "FLOWRETAIL_TOKEN",
    "FLOWRETAIL_TENANT",
];

/// Runs only in the child: builds each client from the environment, with a
/// setting added on the builder, and prints the outcome a line each.
#[test]
fn child_builds_from_its_environment() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let outcome = |built: Result<(), String>| match built {
        Ok(()) => "ok".to_owned(),
        Err(error) => error,
    };
    let pos = PosClient::builder_from_env()
        .and_then(|builder| {
            builder
                .attempt_timeout(Some(Duration::from_secs(5)))
                .build()
        })
        .map(drop)
        .map_err(|e| e.to_string());
    let ct = CtClient::builder_from_env()
        .and_then(|builder| builder.max_response_bytes(1 << 20).build())
        .map(drop)
        .map_err(|e| e.to_string());
    let flow = FlowRetailClient::builder_from_env()
        .and_then(|builder| {
            builder
                .connect_timeout(Some(Duration::from_secs(2)))
                .build()
        })
        .map(drop)
        .map_err(|e| e.to_string());
    println!("POS => {}", outcome(pos));
    println!("CT => {}", outcome(ct));
    println!("FLOW => {}", outcome(flow));
}

/// The child's three lines, for an environment of exactly `vars`.
fn run_child(vars: &[(&str, &str)]) -> (String, String, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "child_builds_from_its_environment",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1");
    for name in VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}");
    let line = |prefix: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {stdout}"))
            .to_owned()
    };
    (line("POS => "), line("CT => "), line("FLOW => "))
}

#[test]
fn one_error_names_every_missing_blank_or_malformed_variable() {
    let (pos, ct, flow) = run_child(&[
        ("POS_BASE_URL", "pos.example/no-scheme"),
        ("POS_TOKEN", "   "),
        ("CTP_CLIENT_SECRET", "s3cr3t-value"),
        ("CTP_API_URL", "https://api.example"),
        ("CTP_AUTH_URL", ""),
        ("FLOWRETAIL_TOKEN", "flow-t0ken"),
        ("FLOWRETAIL_TENANT", "\t"),
        ("FLOWRETAIL_BASE_URL", "http//missing-colon"),
    ]);

    assert!(pos.contains("POS_BASE_URL is not a URL"), "{pos}");
    assert!(pos.contains("POS_TOKEN is blank"), "{pos}");
    assert!(pos.contains("POS_OPERATOR is not set"), "{pos}");
    assert!(!pos.contains("no-scheme"), "no value in the error: {pos}");

    for named in [
        "CTP_PROJECT_KEY is not set",
        "CTP_CLIENT_ID is not set",
        "CTP_AUTH_URL is blank",
    ] {
        assert!(ct.contains(named), "{named}: {ct}");
    }
    assert!(
        !ct.contains("CTP_CLIENT_SECRET"),
        "a fine variable is not named: {ct}"
    );
    assert!(!ct.contains("CTP_SCOPES"), "optional: {ct}");
    assert!(!ct.contains("s3cr3t"), "no secret in the error: {ct}");

    assert!(flow.contains("FLOWRETAIL_TENANT is blank"), "{flow}");
    assert!(flow.contains("FLOWRETAIL_BASE_URL is not a URL"), "{flow}");
    assert!(!flow.contains("FLOWRETAIL_TOKEN"), "{flow}");
    assert!(!flow.contains("t0ken"), "no secret in the error: {flow}");
}

#[test]
fn a_complete_environment_gives_builders_that_take_more_settings() {
    let (pos, ct, flow) = run_child(&[
        ("POS_BASE_URL", "https://mycompany.pos-cloud.example"),
        ("POS_TOKEN", "token"),
        ("POS_OPERATOR", "operator"),
        ("CTP_PROJECT_KEY", "my-project"),
        ("CTP_CLIENT_ID", "client"),
        ("CTP_CLIENT_SECRET", "secret"),
        (
            "CTP_API_URL",
            "https://api.europe-west1.gcp.commercetools.com",
        ),
        (
            "CTP_AUTH_URL",
            "https://auth.europe-west1.gcp.commercetools.com",
        ),
        ("CTP_SCOPES", "manage_customer_groups:my-project"),
        ("FLOWRETAIL_TOKEN", "token"),
        ("FLOWRETAIL_TENANT", "tenant-1"),
        ("FLOWRETAIL_BASE_URL", "   "),
    ]);
    assert_eq!(
        (pos.as_str(), ct.as_str(), flow.as_str()),
        ("ok", "ok", "ok")
    );
}
