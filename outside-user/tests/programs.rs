//! Every README sample that is a whole program, and every example of the
//! workspace, run as a program of its own against the sandboxes: each one a
//! process started with the environment a user would set, pointed at
//! sandboxes this test starts (`env_vars()`), so a sample that compiles but
//! fails at run time fails here.

use std::process::{Command, Output};

use ct_customer_groups_sdk::sandbox::CtSandbox;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use pos_customer_sdk::sandbox::PosSandbox;

/// The variables the samples and examples read, removed before each run so
/// that a developer's own never send a test to a live service.
const VENDOR_VARIABLES: &[&str] = &[
    "POS_BASE_URL",
    "POS_TOKEN",
    "POS_OPERATOR",
    "CTP_PROJECT_KEY",
    "CTP_CLIENT_ID",
    "CTP_CLIENT_SECRET",
    "CTP_AUTH_URL",
    "CTP_API_URL",
    "CTP_SCOPES",
    "FLOWRETAIL_BASE_URL",
    "FLOWRETAIL_TOKEN",
    "FLOWRETAIL_TENANT",
    "FLOWRETAIL_CUSTOMER_UIDS",
];

/// One sandbox of each vendor, and the environment that reaches all three.
struct Sandboxes {
    pos: PosSandbox,
    ct: CtSandbox,
    flow: FlowRetailSandbox,
}

impl Sandboxes {
    fn start() -> Self {
        Self {
            pos: PosSandbox::start().expect("a POS sandbox"),
            ct: CtSandbox::start().expect("a commercetools sandbox"),
            flow: FlowRetailSandbox::start().expect("a Flow Retail sandbox"),
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut vars = self.pos.env_vars();
        vars.extend(self.ct.env_vars());
        vars.extend(self.flow.env_vars());
        vars
    }
}

fn run(program: &str, args: &[String], env: &[(&'static str, String)]) -> Output {
    let mut command = Command::new(program);
    for name in VENDOR_VARIABLES {
        command.env_remove(name);
    }
    let output = command
        .args(args)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .output()
        .expect("the program starts");
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn run_sample(name: &str, args: &[String], sandboxes: &Sandboxes) -> String {
    let mut env = sandboxes.env();
    env.push(("README_SAMPLE", name.to_owned()));
    stdout(&run(env!("CARGO_BIN_EXE_readme-sample"), args, &env))
}

#[test]
fn every_readme_program_runs_against_the_sandboxes() {
    for &name in outside_user::readme_samples::PROGRAMS {
        let sandboxes = Sandboxes::start();
        match name {
            // POS: a customer created, read back, listed as changed.
            "workspace_0" => {
                let out = run_sample(name, &[], &sandboxes);
                assert!(out.contains(r#"read back Some("Dyson")"#), "{out}");
                assert!(
                    out.contains("1 customers changed since 2026-01-01"),
                    "{out}"
                );
            }
            // commercetools: a group created, renamed, walked.
            "workspace_1" => {
                let out = run_sample(name, &[], &sandboxes);
                assert!(out.contains("Gold members is now version"), "{out}");
                assert!(out.ends_with("1 groups in all\n"), "{out}");
            }
            // Flow Retail: the customers named on the command line.
            "workspace_2" => {
                let customers = sandboxes.flow.seed_customers(3);
                let out = run_sample(name, &customers, &sandboxes);
                for uid in &customers {
                    assert!(out.contains(uid.as_str()), "{uid} missing from:\n{out}");
                }
                assert_eq!(out.lines().count(), 3, "{out}");
            }
            // Two vendors: every POS group mirrored once, and only once.
            "workspace_3" => {
                sandboxes.pos.seed_documented_examples();
                let out = run_sample(name, &[], &sandboxes);
                let created = out
                    .lines()
                    .filter(|line| line.contains("created as"))
                    .count();
                assert!(created > 0, "{out}");
                assert_eq!(sandboxes.ct.group_count(), created);
                let again = run_sample(name, &[], &sandboxes);
                assert_eq!(again, "", "a second run creates nothing");
            }
            // Reconciling: 1,000 groups created, then the same state again writes nothing.
            "workspace_4" => {
                let out = run_sample(name, &[], &sandboxes);
                assert_eq!(
                    out,
                    "1000 created, 0 updated (0 changes), 0 unchanged, 0 failed\n"
                );
                let again = run_sample(name, &[], &sandboxes);
                assert_eq!(
                    again,
                    "0 created, 0 updated (0 changes), 1000 unchanged, 0 failed\n"
                );
                assert_eq!(sandboxes.ct.group_count(), 1_000);
            }
            "pos_customer_sdk_0" => {
                let out = run_sample(name, &[], &sandboxes);
                assert!(out.contains(r#"in group Some("Regulars")"#), "{out}");
            }
            "ct_customer_groups_sdk_0" => {
                sandboxes.ct.seed_generated(30).expect("room for 30 groups");
                let out = run_sample(name, &[], &sandboxes);
                assert_eq!(out.lines().count(), 30, "{out}");
            }
            "flowretail_sdk_0" => {
                let flow = sandboxes.flow.client().expect("a client");
                let runtime = tokio::runtime::Runtime::new().expect("a runtime");
                for name in ["Silver", "Gold"] {
                    runtime
                        .block_on(
                            flow.customer_groups()
                                .create(flowretail_sdk::CreateCustomerGroup::new(name))
                                .send(),
                        )
                        .expect("the sandbox takes the group");
                }
                let out = run_sample(name, &[], &sandboxes);
                let gold = out.find(" Gold").expect("Gold listed");
                let silver = out.find(" Silver").expect("Silver listed");
                assert!(gold < silver, "sorted by name:\n{out}");
            }
            other => panic!("README sample {other} is a program this test does not run yet"),
        }
    }
}

#[test]
fn a_name_that_is_no_sample_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_readme-sample"))
        .env("README_SAMPLE", "no_such_sample")
        .output()
        .expect("the program starts");
    assert_eq!(output.status.code(), Some(2));
}

fn run_example(program: &str) -> String {
    // No vendor variable: each example starts its own sandboxes.
    stdout(&run(program, &[], &[]))
}

#[test]
fn every_example_runs_as_a_program_of_its_own() {
    let out = run_example(env!("CARGO_BIN_EXE_quickstart"));
    assert!(out.contains("POS Cloud on the in-process sandbox"), "{out}");
    assert!(out.contains("120 customers in pages of 50"), "{out}");
    let out = run_example(env!("CARGO_BIN_EXE_pos_customers"));
    assert!(out.contains("patched many"), "{out}");
    let out = run_example(env!("CARGO_BIN_EXE_ct_customer_groups"));
    assert!(out.contains("exists after the delete false"), "{out}");
    let out = run_example(env!("CARGO_BIN_EXE_flowretail_customer_groups"));
    assert!(out.contains("deleted"), "{out}");
    let out = run_example(env!("CARGO_BIN_EXE_sync_groups"));
    assert!(out.contains("nothing to change: already in sync"), "{out}");
    let out = run_example(env!("CARGO_BIN_EXE_change_feed"));
    assert!(out.contains("poll 1: 12 changes written"), "{out}");
    assert!(out.contains("poll 2: 4 changes written"), "{out}");
    let out = run_example(env!("CARGO_BIN_EXE_observability"));
    for printed in [
        "Name         : pos.create_customer",
        "Name         : GET /api/customer/v3.0/customers/{id}",
        "http.request.resend_count: I64(1)",
        "Name         : POST /oauth/token",
        "Name         : http.client.request.duration",
        "Name         : customer_sdk.retries",
        "== done",
    ] {
        assert!(out.contains(printed), "{printed} in {out}");
    }
}
