//! The real `easy-checkout` binary against the fake Easy API over loopback: every
//! subcommand, both transports, text and JSON output, every exit code, redaction.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Output, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};

use easy_checkout_core::webhook::{self, WebhookSecret};
use easy_checkout_fake::{FakeEasy, Fault};
use serde_json::{Value, json};

const TRANSPORTS: [&str; 2] = ["ureq", "isahc"];
/// A key the fake accepts, distinct from its TEST_KEY, to check redaction with.
const SECRET_KEY: &str = "sk_test_cli_redaction_probe_7f3a9c";

/// What a run of the binary produced.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    fn error_json(&self) -> Value {
        serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", self.stderr))
    }

    /// The value of a `key   value` text line.
    fn field(&self, key: &str) -> String {
        self.stdout
            .lines()
            .find_map(|line| {
                let (k, v) = line.split_once(' ')?;
                (k == key).then(|| v.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no {key} line in:\n{}", self.stdout))
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// The variables the CLI reads, removed from every run so the tests' environment cannot
/// leak into them.
const CLI_ENV: [&str; 5] = [
    "EASY_API_KEY",
    "EASY_API_URL",
    "EASY_CLIENT_SECRET",
    "EASY_WEBHOOK_SECRET",
    "EASY_CA_CERT",
];

/// A run of the binary, with a clean environment, an empty stdin (`write_stdin` replaces it)
/// and a deadline: a CLI that hangs fails its test instead of stalling the suite.
fn command() -> Command {
    let mut command = cargo_bin_cmd!("easy-checkout");
    for name in CLI_ENV {
        command.env_remove(name);
    }
    command.write_stdin([]).timeout(Duration::from_secs(60));
    command
}

/// The binary as a plain `std` child, for the tests that read its output while it runs.
fn spawn_command() -> std::process::Command {
    let mut command = std::process::Command::new(cargo_bin!("easy-checkout"));
    for name in CLI_ENV {
        command.env_remove(name);
    }
    command.stdin(Stdio::null());
    command
}

/// Runs with `args`, extra environment `env` and `input` on stdin. (A usage error exits
/// before reading stdin: `assert_cmd` takes the broken pipe in its stride.)
fn run_env(args: &[&str], env: &[(&str, &str)], input: &[u8]) -> Run {
    finish(
        command()
            .args(args)
            .envs(env.iter().copied())
            .write_stdin(input)
            .output(),
    )
}

fn finish(output: std::io::Result<Output>) -> Run {
    let output = output.expect("the binary runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the CLI panicked: {}",
        run.stderr
    );
    run
}

fn run<S: AsRef<str>>(args: &[S]) -> Run {
    finish(command().args(args.iter().map(AsRef::as_ref)).output())
}

fn run_with_stdin<S: AsRef<str>>(args: &[S], input: &[u8]) -> Run {
    finish(
        command()
            .args(args.iter().map(AsRef::as_ref))
            .write_stdin(input)
            .output(),
    )
}

/// Global flags for `fake` over `transport`, then `rest`.
fn api(fake: &FakeEasy, transport: &str, rest: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--api-key",
        FakeEasy::TEST_KEY,
        "--base-url",
        &fake.base_url(),
        "--transport",
        transport,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(rest.iter().map(|s| s.to_string()));
    args
}

fn api_json(fake: &FakeEasy, transport: &str, rest: &[&str]) -> Vec<String> {
    let mut args = api(fake, transport, &["--output", "json"]);
    args.extend(rest.iter().map(|s| s.to_string()));
    args
}

/// Creates a session through the CLI; returns (id, client_secret).
fn create(fake: &FakeEasy, transport: &str) -> (String, String) {
    let out = run(&api_json(
        fake,
        transport,
        &[
            "session",
            "create",
            "--item",
            "price_a:2",
            "--return-url",
            "https://shop.example.com/r",
        ],
    ));
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["client_secret"].as_str().unwrap().to_owned(),
    )
}

fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/v1/api")
}

#[test]
fn help_shows_the_command_tree_without_secrets() {
    let out = command()
        .arg("--help")
        .env("EASY_API_KEY", SECRET_KEY)
        .output();
    let out = finish(out);
    assert_eq!(out.code, 0);
    for word in [
        "session",
        "config",
        "key",
        "webhook",
        "fake-server",
        "demo",
        "--api-key",
        "--base-url",
        "--transport",
        "--output",
        "--timeout",
        "--max-retries",
        "--verbose",
        "--ca-cert",
        "EASY_API_KEY",
        "EASY_CA_CERT",
    ] {
        assert!(
            out.stdout.contains(word),
            "{word} missing from help:\n{}",
            out.stdout
        );
    }
    assert!(!out.all().contains(SECRET_KEY));

    let out = run(&["session", "--help"]);
    assert_eq!(out.code, 0);
    for word in [
        "create",
        "get",
        "crypto-status",
        "validate",
        "confirm",
        "wait",
    ] {
        assert!(out.stdout.contains(word), "{word} missing:\n{}", out.stdout);
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run::<&str>(&[]).code, 2);
    assert_eq!(run(&["session"]).code, 2);
    assert_eq!(
        run(&["session", "create", "--return-url", "https://a.example"]).code,
        2
    );
    assert_eq!(run(&["--transport", "curl", "key", "check"]).code, 2);
    assert_eq!(run(&["--timeout", "-1", "key", "check"]).code, 2);
    // Below 1 ms libcurl would wait forever: refused, before or after the subcommand.
    for timeout in ["0", "0.0005", "0.0009", "1e-6"] {
        assert_eq!(run(&["--timeout", timeout, "key", "check"]).code, 2);
        assert_eq!(run(&["key", "check", "--timeout", timeout]).code, 2);
    }
    assert_eq!(
        run(&["session", "wait", "ecs_1", "--deadline", "soon"]).code,
        2
    );
}

#[test]
fn session_flow_over_both_transports_in_text() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let out = run(&api(
            &fake,
            transport,
            &[
                "session",
                "create",
                "--item",
                "price_a",
                "--item",
                "price_b:3",
                "--return-url",
                "https://shop.example.com/return",
                "--idempotency-key",
                &format!("cli-{transport}"),
                "--field",
                r#"metadata={"order":"A-1"}"#,
            ],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        let id = out.field("id");
        let secret = out.field("client_secret");
        assert!(id.starts_with("ecs_"), "{}", out.stdout);
        assert!(
            secret.starts_with("ecs_secret_"),
            "create must hand over the secret"
        );
        assert_eq!(out.field("status"), "open");
        // Unknown fields are shown too, flattened.
        assert_eq!(out.field("metadata.order"), "A-1");
        assert!(
            out.stdout.lines().next().unwrap().starts_with("id "),
            "{}",
            out.stdout
        );

        let created = fake
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.method == "POST")
            .unwrap();
        assert_eq!(
            created.header("idempotency-key"),
            Some(format!("cli-{transport}").as_str())
        );
        assert_eq!(
            created.json().unwrap()["items"],
            json!([{"price_id": "price_a", "quantity": 1}, {"price_id": "price_b", "quantity": 3}])
        );
        assert_eq!(created.json().unwrap()["metadata"], json!({"order": "A-1"}));

        let out = run(&api(&fake, transport, &["session", "get", &id]));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.field("id"), id);
        assert_eq!(out.field("payment_status"), "unpaid");

        let out = run(&api(
            &fake,
            transport,
            &[
                "session",
                "validate",
                "--client-secret",
                &secret,
                "--parent-origin",
                "https://shop.example.com",
            ],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.field("valid"), "true");
        assert_eq!(out.field("session.id"), id);
        assert!(
            !out.all().contains(&secret),
            "validate output leaks the secret"
        );

        let out = run(&api(
            &fake,
            transport,
            &[
                "session",
                "confirm",
                "--client-secret",
                &secret,
                "--payment-method",
                r#"{"type":"PAYMENT_CARD","token_id":"tok_visa"}"#,
                "--idempotency-key",
                "confirm-1",
            ],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.field("payment_status"), "succeeded");
        assert!(!out.all().contains(&secret));

        let out = run(&api(&fake, transport, &["session", "get", &id]));
        assert_eq!(out.field("status"), "complete");
        assert_eq!(out.field("payment_status"), "succeeded");

        // A finished session is no longer valid: the API said no, exit 1.
        let out = run(&api(
            &fake,
            transport,
            &["session", "validate", "--client-secret", &secret],
        ));
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(out.field("valid"), "false");
        assert!(out.stderr.contains("SESSION_NOT_VALID"), "{}", out.stderr);
    }
}

#[test]
fn session_commands_in_json() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let out = run(&api_json(
            &fake,
            transport,
            &[
                "session",
                "create",
                "--item",
                "price_a:2",
                "--return-url",
                "https://shop.example.com/r",
                "--field",
                "note=\"hi\"",
            ],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        let session = out.json();
        let id = session["id"].as_str().unwrap().to_owned();
        let secret = session["client_secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("ecs_secret_"));
        assert_eq!(session["status"], "open");
        assert_eq!(session["note"], "hi", "unknown fields are kept");
        assert!(session["expires_at"].is_string());

        let out = run(&api_json(&fake, transport, &["session", "get", &id]));
        assert_eq!(out.code, 0);
        assert_eq!(
            out.json(),
            json!({"id": id, "status": "open", "payment_status": "unpaid"})
        );

        let out = run(&api_json(
            &fake,
            transport,
            &["session", "crypto-status", &id],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.json()["status"], "pending");
        assert_eq!(out.json()["tx_signature"], Value::Null);

        let out = run(&api_json(
            &fake,
            transport,
            &["session", "validate", "--client-secret", &secret],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        let v = out.json();
        assert_eq!(v["valid"], true);
        assert_eq!(v["session"]["id"], id.as_str());
        assert!(!out.all().contains(&secret));

        let out = run(&api_json(
            &fake,
            transport,
            &[
                "session",
                "confirm",
                "--client-secret",
                &secret,
                "--payment-method",
                r#"{"type":"PAYMENT_CARD","token_id":"tok_visa"}"#,
            ],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.json()["payment_status"], "succeeded");
        assert_eq!(out.json()["id"], id.as_str());
    }
}

#[test]
fn crypto_status_with_a_crypto_payment() {
    let fake = FakeEasy::start().unwrap();
    let (id, _) = create(&fake, "ureq");
    assert!(fake.mark_crypto_paid(&id));
    for transport in TRANSPORTS {
        let out = run(&api(&fake, transport, &["session", "crypto-status", &id]));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.field("status"), "confirmed");
        assert_eq!(out.field("chain"), "solana");
        assert_eq!(out.field("asset"), "USDC");
        assert_eq!(out.field("amount"), "2.00");
        let out = run(&api_json(
            &fake,
            transport,
            &["session", "crypto-status", &id],
        ));
        assert_eq!(
            out.json()["amount"],
            "2.00",
            "amount stays a decimal string"
        );
    }
}

#[test]
fn confirm_decline_is_an_api_error() {
    let fake = FakeEasy::start().unwrap();
    let (_, secret) = create(&fake, "ureq");
    let method = format!(
        r#"{{"type":"PAYMENT_CARD","token_id":"{}"}}"#,
        FakeEasy::DECLINE_TOKEN
    );
    let out = run(&api_json(
        &fake,
        "isahc",
        &[
            "session",
            "confirm",
            "--client-secret",
            &secret,
            "--payment-method",
            &method,
        ],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    let e = out.error_json();
    assert_eq!(e["error"]["status"], 402);
    assert_eq!(e["error"]["code"], "CARD_DECLINED");
    assert_eq!(e["error"]["kind"], "api");
    // Refused by the server: known not to have charged.
    assert_eq!(e["error"]["outcome_unknown"], false);
    assert!(!out.all().contains(&secret));
}

/// `session confirm` with `secret` over `transport`, then `extra` flags.
fn confirm_args(fake_or_url: &str, transport: &str, secret: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--base-url",
        fake_or_url,
        "--transport",
        transport,
        "session",
        "confirm",
        "--client-secret",
        secret,
        "--payment-method",
        r#"{"type":"PAYMENT_CARD","token_id":"tok_visa"}"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn confirms(fake: &FakeEasy) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/confirm"))
        .count()
}

const PAYMENT_ADVICE: &str = "; the payment may have gone through: retrieve the session \
    (`easy-checkout session get SESSION_ID`) before paying again\n";

#[test]
fn a_confirm_cut_after_sending_says_the_payment_may_have_gone_through() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let (_, secret) = create(&fake, transport);
        for output in ["json", "text"] {
            fake.clear_requests();
            fake.inject(Fault::Close);
            let out = run(&confirm_args(
                &fake.base_url(),
                transport,
                &secret,
                &["--output", output],
            ));
            assert_eq!(out.code, 3, "{out:?}");
            assert_eq!(
                confirms(&fake),
                1,
                "a keyless confirm is sent once: {out:?}"
            );
            assert!(!out.all().contains(&secret), "{out:?}");
            if output == "json" {
                let e = out.error_json();
                assert_eq!(e["error"]["kind"], "transport", "{out:?}");
                assert_eq!(e["error"]["details"]["transport"], "io", "{out:?}");
                assert_eq!(e["error"]["outcome_unknown"], true, "{out:?}");
                assert_eq!(e["error"]["idempotency_key"], Value::Null);
            } else {
                assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
                assert!(out.stderr.ends_with(PAYMENT_ADVICE), "{}", out.stderr);
                assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
            }
        }
    }
}

#[test]
fn a_keyed_confirm_that_fails_after_retries_says_to_retry_with_its_key() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let (_, secret) = create(&fake, transport);
        let key = format!("confirm-cli-{transport}");
        fake.clear_requests();
        fake.inject_n(Fault::status(503), 3);
        let out = run(&confirm_args(
            &fake.base_url(),
            transport,
            &secret,
            &["--idempotency-key", &key],
        ));
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(confirms(&fake), 3, "the first attempt and two retries");
        assert_eq!(
            out.stderr,
            format!(
                "error: server error (HTTP 503): INJECTED_FAULT: injected fault: HTTP 503; the payment may \
                 have gone through: retry with --idempotency-key {key} (the server replays the \
                 first result), never without it\n"
            )
        );

        fake.inject_n(Fault::status(503), 3);
        let out = run(&confirm_args(
            &fake.base_url(),
            transport,
            &secret,
            &["--idempotency-key", &key, "--output", "json"],
        ));
        let e = out.error_json();
        assert_eq!(e["error"]["status"], 503);
        assert_eq!(e["error"]["outcome_unknown"], true);
        assert_eq!(e["error"]["idempotency_key"], key.as_str());
        assert!(!out.all().contains(&secret), "{out:?}");
    }
}

#[test]
fn a_confirm_that_never_connected_is_known_not_to_have_charged() {
    let url = closed_port_url();
    for transport in TRANSPORTS {
        let out = run(&confirm_args(
            &url,
            transport,
            "ecs_secret_never_sent",
            &["--output", "json"],
        ));
        assert_eq!(out.code, 3, "{out:?}");
        let e = out.error_json();
        assert_eq!(e["error"]["details"]["transport"], "connect");
        assert_eq!(e["error"]["outcome_unknown"], false);

        let out = run(&confirm_args(&url, transport, "ecs_secret_never_sent", &[]));
        assert_eq!(out.code, 3, "{out:?}");
        assert!(!out.stderr.contains("may have"), "{}", out.stderr);
        assert!(!out.all().contains("ecs_secret_never_sent"), "{out:?}");
    }
}

#[test]
fn other_writes_say_whether_they_may_have_taken_effect() {
    let fake = FakeEasy::start().unwrap();
    // Keyless and not retried: nothing to retry with.
    fake.inject(Fault::status(503));
    let out = run(&api(
        &fake,
        "ureq",
        &[
            "--max-retries",
            "0",
            "config",
            "set",
            "--allowed-origin",
            "https://shop.example",
        ],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: server error (HTTP 503): INJECTED_FAULT: injected fault: HTTP 503; it may have taken \
         effect: check before sending it again\n"
    );
    assert!(!out.all().contains(FakeEasy::TEST_KEY), "{out:?}");

    // Retried with a generated key: the advice names the key the fake saw.
    fake.clear_requests();
    fake.inject_n(Fault::status(500), 3);
    let out = run(&api_json(
        &fake,
        "isahc",
        &[
            "session",
            "create",
            "--item",
            "price_a",
            "--return-url",
            "https://shop.example.com/r",
        ],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    let e = out.error_json();
    assert_eq!(e["error"]["outcome_unknown"], true);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    let sent = requests[0]
        .header("idempotency-key")
        .expect("a generated key");
    assert!(
        requests
            .iter()
            .all(|r| r.header("idempotency-key") == Some(sent))
    );
    assert_eq!(e["error"]["idempotency_key"], sent);
    assert!(!out.all().contains(FakeEasy::TEST_KEY), "{out:?}");

    // Refused: known not to have happened, and reads never are unknown.
    fake.inject(Fault::status(409));
    let out = run(&api_json(
        &fake,
        "ureq",
        &["config", "set", "--allowed-origin", "https://shop.example"],
    ));
    assert_eq!(
        out.error_json()["error"]["outcome_unknown"],
        false,
        "{out:?}"
    );
    fake.inject(Fault::Close);
    let out = run(&api_json(
        &fake,
        "ureq",
        &["--max-retries", "0", "config", "get"],
    ));
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(out.error_json()["error"]["outcome_unknown"], false);
}

#[test]
fn bad_input_exits_2_and_sends_nothing() {
    let fake = FakeEasy::start().unwrap();
    let create = |extra: &[&str]| {
        let mut rest = vec!["session", "create", "--return-url", "https://a.example/r"];
        rest.extend_from_slice(extra);
        run(&api(&fake, "ureq", &rest))
    };
    for bad in [
        &["--item", "price_a:0"][..],
        &["--item", "price_a:two"],
        &["--item", "price_a:-1"],
        &["--item", ":3"],
        &["--item", "price_a", "--field", "metadata={oops"],
        &["--item", "price_a", "--field", "plain=text"],
        &["--item", "price_a", "--field", "nameonly"],
        &["--item", "price_a", "--field", r#"items=[]"#],
        &["--item", "price_a", "--idempotency-key", "has space"],
    ] {
        let out = create(bad);
        assert_eq!(out.code, 2, "{bad:?}: {out:?}");
        assert!(
            out.stderr.starts_with("error: invalid input"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    }
    let out = run(&api(
        &fake,
        "ureq",
        &[
            "session",
            "confirm",
            "--client-secret",
            "s",
            "--payment-method",
            "{\"token_id\":1}",
        ],
    ));
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(&api(&fake, "ureq", &["session", "get", ".."]));
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(&api(
        &fake,
        "ureq",
        &[
            "config",
            "set",
            "--allowed-origin",
            "https://a.example/path",
        ],
    ));
    assert_eq!(out.code, 2, "{out:?}");

    // JSON mode reports input errors as JSON too.
    let out = run(&api_json(
        &fake,
        "ureq",
        &[
            "session",
            "create",
            "--item",
            "p:x",
            "--return-url",
            "https://a.example",
        ],
    ));
    assert_eq!(out.code, 2);
    let e = out.error_json();
    assert_eq!(e["error"]["kind"], "invalid_input");
    assert_eq!(e["error"]["status"], Value::Null);

    assert!(
        fake.requests().is_empty(),
        "nothing may be sent: {:?}",
        fake.requests()
    );
}

#[test]
fn a_missing_api_key_exits_2() {
    let fake = FakeEasy::start().unwrap();
    let base = fake.base_url();
    for rest in [
        &["session", "get", "ecs_1"][..],
        &["config", "get"],
        &["key", "check"],
    ] {
        let mut args = vec!["--base-url", &base, "--output", "json"];
        args.extend_from_slice(rest);
        let out = run(&args);
        assert_eq!(out.code, 2, "{out:?}");
        let e = out.error_json();
        assert_eq!(e["error"]["kind"], "invalid_input");
        assert_eq!(e["error"]["details"]["field"], "api_key");
    }
    // A bad base URL is invalid input too.
    let out = run(&[
        "--api-key",
        SECRET_KEY,
        "--base-url",
        "http://api.example.com",
        "key",
        "check",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!out.all().contains(SECRET_KEY));
    assert!(fake.requests().is_empty());
}

#[test]
fn the_environment_supplies_key_and_url() {
    let fake = FakeEasy::start().unwrap();
    let out = finish(
        command()
            .args(["key", "check"])
            .env("EASY_API_KEY", SECRET_KEY)
            .env("EASY_API_URL", fake.base_url())
            .output(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.all().contains(SECRET_KEY));
    assert_eq!(
        fake.requests()[0].header("x-easy-api-key"),
        Some(SECRET_KEY)
    );
}

#[test]
fn api_errors_exit_1_with_the_json_error_shape() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let out = run(&api_json(
            &fake,
            transport,
            &["session", "get", "ecs_missing"],
        ));
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(out.stdout, "");
        let e = out.error_json();
        assert_eq!(
            e,
            json!({"error": {
                "kind": "not_found",
                "status": 404,
                "code": "SESSION_NOT_FOUND",
                "message": "no session has this id",
                "details": {"session_id": "ecs_missing"},
                "retry_after_seconds": null,
                "outcome_unknown": false,
                "idempotency_key": null,
            }})
        );

        let out = run(&api(&fake, transport, &["session", "get", "ecs_missing"]));
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr,
            "error: not found (HTTP 404): SESSION_NOT_FOUND: no session has this id\n"
        );
    }
}

#[test]
fn rate_limits_report_retry_after() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::status_with_retry_after(429, "120"));
    let out = run(&api_json(
        &fake,
        "ureq",
        &["--max-retries", "0", "config", "get"],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    let e = out.error_json();
    assert_eq!(e["error"]["kind"], "rate_limited");
    assert_eq!(e["error"]["status"], 429);
    assert_eq!(e["error"]["retry_after_seconds"], 120);

    // The HTTP-date form becomes seconds from now.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(600);
    fake.inject(Fault::status_with_retry_after(429, &httpdate_fmt(later)));
    let out = run(&api_json(
        &fake,
        "isahc",
        &["--max-retries", "0", "config", "get"],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    let secs = out.error_json()["error"]["retry_after_seconds"]
        .as_u64()
        .unwrap();
    assert!((590..=601).contains(&secs), "{secs}");

    fake.inject(Fault::status(503));
    let out = run(&api_json(
        &fake,
        "ureq",
        &["--max-retries", "0", "key", "check"],
    ));
    assert_eq!(out.code, 1);
    assert_eq!(out.error_json()["error"]["kind"], "server");
}

/// An IMF-fixdate, without pulling in a date crate.
fn httpdate_fmt(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let days = secs / 86_400;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil-from-days (Howard Hinnant).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {d:02} {} {year} {h:02}:{m:02}:{s:02} GMT",
        months[(month - 1) as usize]
    )
}

#[test]
fn transport_failures_exit_3() {
    let url = closed_port_url();
    for transport in TRANSPORTS {
        let out = run(&[
            "--api-key",
            SECRET_KEY,
            "--base-url",
            &url,
            "--transport",
            transport,
            "--max-retries",
            "0",
            "--output",
            "json",
            "config",
            "get",
        ]);
        assert_eq!(out.code, 3, "{out:?}");
        assert_eq!(out.error_json()["error"]["kind"], "transport");
        assert_eq!(out.error_json()["error"]["details"]["transport"], "connect");
        assert!(!out.all().contains(SECRET_KEY));

        let out = run(&[
            "--api-key",
            SECRET_KEY,
            "--base-url",
            &url,
            "--transport",
            transport,
            "--max-retries",
            "0",
            "key",
            "check",
        ]);
        assert_eq!(out.code, 3);
        assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
}

#[test]
fn timeouts_exit_3() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        fake.inject(Fault::Delay(std::time::Duration::from_secs(3)));
        let out = run(&api_json(
            &fake,
            transport,
            &["--timeout", "0.5", "--max-retries", "0", "config", "get"],
        ));
        assert_eq!(out.code, 3, "{out:?}");
        assert_eq!(out.error_json()["error"]["kind"], "timeout");
    }
}

#[test]
fn undecodable_bodies_exit_4() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        fake.inject(Fault::NotJson);
        let out = run(&api_json(&fake, transport, &["config", "get"]));
        assert_eq!(out.code, 4, "{out:?}");
        let e = out.error_json();
        assert_eq!(e["error"]["kind"], "decode");
        assert_eq!(e["error"]["status"], 200);

        fake.inject(Fault::NotJson);
        let out = run(&api(&fake, transport, &["config", "get"]));
        assert_eq!(out.code, 4);
        assert!(
            out.stderr.starts_with("error: could not decode"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn config_get_and_set() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let out = run(&api(
            &fake,
            transport,
            &[
                "config",
                "set",
                "--allowed-origin",
                "https://a.example",
                "--allowed-origin",
                "https://b.example",
                "--idempotency-key",
                &format!("cfg-{transport}"),
            ],
        ));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(
            out.field("allowed_origins"),
            "https://a.example, https://b.example"
        );

        let out = run(&api_json(&fake, transport, &["config", "get"]));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(
            out.json()["allowed_origins"],
            json!(["https://a.example", "https://b.example"])
        );
        assert!(out.json()["updated_at"].is_string());

        let out = run(&api(&fake, transport, &["config", "get"]));
        assert_eq!(out.code, 0);
        assert!(out.field("updated_at").len() > 4);
    }
    let patch = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(patch.header("idempotency-key"), Some("cfg-ureq"));
}

#[test]
fn key_check() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let out = run(&api(&fake, transport, &["key", "check"]));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.field("basisTheoryPublicApiKey"), "pk_fake_basis_theory");
        let out = run(&api_json(&fake, transport, &["key", "check"]));
        assert_eq!(
            out.json()["basisTheoryPublicApiKey"],
            "pk_fake_basis_theory"
        );

        let out = run(&[
            "--api-key",
            "sk_test_revoked",
            "--base-url",
            &fake.base_url(),
            "--transport",
            transport,
            "--output",
            "json",
            "key",
            "check",
        ]);
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(out.error_json()["error"]["kind"], "authentication");
        assert!(!out.all().contains("sk_test_revoked"));
    }
}

#[test]
fn wait_exits_0_once_paid_and_1_while_pending() {
    let fake = FakeEasy::start().unwrap();
    let (paid, _) = create(&fake, "ureq");
    assert!(fake.mark_paid(&paid));
    let (pending, _) = create(&fake, "ureq");

    let out = run(&api(
        &fake,
        "isahc",
        &["session", "wait", &paid, "--deadline", "2"],
    ));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.field("outcome"), "paid");
    assert_eq!(out.field("session.payment_status"), "succeeded");

    let started = std::time::Instant::now();
    let out = run(&api_json(
        &fake,
        "ureq",
        &["session", "wait", &pending, "--deadline", "2"],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(out.json()["outcome"], "still_pending");
    assert_eq!(out.json()["session"]["payment_status"], "unpaid");
    let e = out.error_json();
    assert_eq!(e["error"]["code"], "STILL_PENDING");
    assert_eq!(e["error"]["kind"], "timeout");

    let out = run(&api(
        &fake,
        "ureq",
        &["session", "wait", "ecs_nope", "--deadline", "1"],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("SESSION_NOT_FOUND"));
}

#[test]
fn wait_on_a_failed_payment_exits_1() {
    let fake = FakeEasy::start().unwrap();
    let (id, _) = create(&fake, "ureq");
    let body = format!(r#"{{"data":{{"id":"{id}","status":"open","payment_status":"failed"}}}}"#);
    fake.inject(Fault::Status {
        status: 200,
        retry_after: None,
        body: Some(body),
    });
    let out = run(&api(
        &fake,
        "ureq",
        &["session", "wait", &id, "--deadline", "2"],
    ));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.field("outcome"), "failed");
    assert!(out.stderr.contains("PAYMENT_FAILED"), "{}", out.stderr);
}

#[test]
fn webhook_verify() {
    let secret = "whsec_cli_test";
    let body = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"id":"ecs_1","client_secret":"ecs_secret_hidden"},"created_at":"2026-01-01T00:00:00Z","livemode":false}"#;
    let signature = webhook::sign(&WebhookSecret::new(secret), body);
    let dir = std::env::temp_dir().join(format!("easy-checkout-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("event.json");
    std::fs::write(&file, body).unwrap();
    let file = file.to_str().unwrap().to_owned();

    // From a file, text.
    let out = run(&[
        "webhook",
        "verify",
        "--secret",
        secret,
        "--signature",
        &signature,
        &file,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.field("id"), "evt_1");
    assert_eq!(out.field("type"), "checkout.session.completed");
    assert_eq!(out.field("data.id"), "ecs_1");
    assert_eq!(out.field("livemode"), "false");
    assert!(!out.all().contains(secret));
    assert!(!out.all().contains("ecs_secret_hidden"));

    // From stdin, JSON.
    let out = run_with_stdin(
        &[
            "--output",
            "json",
            "webhook",
            "verify",
            "--secret",
            secret,
            "--signature",
            &signature,
            "-",
        ],
        body,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["type"], "checkout.session.completed");
    assert_eq!(out.json()["livemode"], false);
    let out = run_with_stdin(
        &[
            "webhook",
            "verify",
            "--secret",
            secret,
            "--signature",
            &signature,
        ],
        body,
    );
    assert_eq!(out.code, 0, "stdin is the default: {out:?}");

    // Tampered body.
    let mut tampered = body.to_vec();
    tampered[10] ^= 1;
    let out = run_with_stdin(
        &[
            "--output",
            "json",
            "webhook",
            "verify",
            "--secret",
            secret,
            "--signature",
            &signature,
        ],
        &tampered,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    let e = out.error_json();
    assert_eq!(e["error"]["code"], "WEBHOOK_SIGNATURE_MISMATCH");
    assert_eq!(e["error"]["kind"], "authentication");
    let out = run_with_stdin(
        &[
            "webhook",
            "verify",
            "--secret",
            secret,
            "--signature",
            &signature,
        ],
        &tampered,
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("error: WEBHOOK_SIGNATURE_MISMATCH"),
        "{}",
        out.stderr
    );

    // Missing sha256= prefix.
    let bare = signature.trim_start_matches("sha256=");
    let out = run(&[
        "--output",
        "json",
        "webhook",
        "verify",
        "--secret",
        secret,
        "--signature",
        bare,
        &file,
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.error_json()["error"]["code"],
        "WEBHOOK_SIGNATURE_FORMAT_INVALID"
    );

    // Empty signature.
    let out = run(&[
        "--output",
        "json",
        "webhook",
        "verify",
        "--secret",
        secret,
        "--signature",
        "",
        &file,
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.error_json()["error"]["code"],
        "WEBHOOK_SIGNATURE_MISSING"
    );

    // Signed, but not an event.
    let junk = b"not json";
    let junk_sig = webhook::sign(&WebhookSecret::new(secret), junk);
    let out = run_with_stdin(
        &[
            "--output",
            "json",
            "webhook",
            "verify",
            "--secret",
            secret,
            "--signature",
            &junk_sig,
        ],
        junk,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.error_json()["error"]["code"],
        "WEBHOOK_BODY_INVALID_JSON"
    );
    assert_eq!(out.error_json()["error"]["kind"], "invalid_request");

    // A missing file is invalid input.
    let out = run(&[
        "webhook",
        "verify",
        "--secret",
        secret,
        "--signature",
        &signature,
        "/nonexistent/x.json",
    ]);
    assert_eq!(out.code, 2, "{out:?}");

    // Needs no API key, and ignores a broken environment.
    let out = finish(
        command()
            .args([
                "webhook",
                "verify",
                "--secret",
                secret,
                "--signature",
                &signature,
                &file,
            ])
            .env("EASY_API_URL", "not a url")
            .output(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fake's documented webhook signing secret.
const FAKE_WEBHOOK_SECRET: &str = "whsec_fake_secret";

#[test]
fn webhook_verify_the_fakes_deliveries() {
    let fake = FakeEasy::start().unwrap();
    let (card, _) = create(&fake, "ureq");
    let (crypto, _) = create(&fake, "ureq");
    assert!(fake.mark_paid(&card));
    assert!(fake.mark_crypto_paid(&crypto));
    for (id, kind) in [
        (&card, "checkout.session.completed"),
        (&crypto, "checkout.session.crypto_confirmed"),
    ] {
        let hook = fake.webhook_for(id).unwrap();
        let out = run_with_stdin(
            &[
                "--output",
                "json",
                "webhook",
                "verify",
                "--secret",
                FAKE_WEBHOOK_SECRET,
                "--signature",
                &hook.signature,
            ],
            &hook.body,
        );
        assert_eq!(out.code, 0, "{out:?}");
        let event = out.json();
        assert_eq!(event["type"], kind);
        assert_eq!(event["data"]["id"], id.as_str());
        assert!(!out.all().contains(FAKE_WEBHOOK_SECRET));

        let out = run_with_stdin(
            &[
                "webhook",
                "verify",
                "--secret",
                "wrong",
                "--signature",
                &hook.signature,
            ],
            &hook.body,
        );
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stderr.contains("WEBHOOK_SIGNATURE_MISMATCH"));
    }
    assert_eq!(fake.requests().len(), 2, "verify sends nothing");
}

#[test]
fn verbose_logs_requests_without_secrets() {
    let fake = FakeEasy::start().unwrap();
    let base = fake.base_url();
    for transport in TRANSPORTS {
        let global = [
            "--api-key",
            SECRET_KEY,
            "--base-url",
            &base,
            "--transport",
            transport,
            "-v",
        ];
        let with = |rest: &[&str]| {
            let mut args = global.to_vec();
            args.extend_from_slice(rest);
            run(&args)
        };
        let out = with(&[
            "session",
            "create",
            "--item",
            "price_a",
            "--return-url",
            "https://a.example/r",
        ]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stderr
                .contains(&format!("-> POST {base}/embedded-checkout (retry 0)")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("<- 200 in "), "{}", out.stderr);
        let secret = out.field("client_secret");

        let out2 = with(&["session", "validate", "--client-secret", &secret]);
        assert_eq!(out2.code, 0, "{out2:?}");
        let out3 = with(&[
            "session",
            "confirm",
            "--client-secret",
            &secret,
            "--payment-method",
            r#"{"type":"PAYMENT_CARD","token_id":"tok_visa"}"#,
        ]);
        assert_eq!(out3.code, 0, "{out3:?}");
        let out4 = with(&["session", "get", "ecs_missing"]);
        assert_eq!(out4.code, 1);
        assert!(out4.stderr.contains("<- 404 in "), "{}", out4.stderr);
        for out in [&out, &out2, &out3, &out4] {
            assert!(
                !out.all().contains(SECRET_KEY),
                "the API key leaked: {out:?}"
            );
        }
        for out in [&out2, &out3, &out4] {
            assert!(
                !out.all().contains(&secret),
                "a client secret leaked: {out:?}"
            );
        }
    }
    let requests = fake.requests();
    let browser_side: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("/validate") || r.path.ends_with("/confirm"))
        .collect();
    assert_eq!(browser_side.len(), 4);
    for request in browser_side {
        assert_eq!(
            request.header("x-easy-api-key"),
            None,
            "{} carried the API key",
            request.path
        );
    }
    let server_side = requests
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/embedded-checkout"));
    assert_eq!(
        server_side.unwrap().header("x-easy-api-key"),
        Some(SECRET_KEY)
    );
}

#[test]
fn retries_are_logged_and_bounded() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::status(503));
    let out = run(&api(
        &fake,
        "ureq",
        &["-v", "--max-retries", "1", "config", "get"],
    ));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("<- 503 in "), "{}", out.stderr);
    assert!(out.stderr.contains(".. retry 1 in "), "{}", out.stderr);
    assert!(out.stderr.contains("(retry 1)"), "{}", out.stderr);
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn demo_runs_the_whole_flow() {
    for transport in TRANSPORTS {
        let out = finish(
            command()
                .args(["--transport", transport, "demo"])
                .env("EASY_API_KEY", "garbage key with spaces")
                .env("EASY_API_URL", "http://not-loopback.example.com")
                .output(),
        );
        assert_eq!(out.code, 0, "{out:?}");
        let mut at = 0;
        for op in [
            "create_session",
            "validate",
            "confirm",
            "retrieve_session",
            "crypto_status",
            "get_config",
            "update_config",
            "webhook_verify",
            "wait_for_payment",
        ] {
            let found = out.stdout[at..]
                .lines()
                .position(|l| l.starts_with(op))
                .unwrap_or_else(|| panic!("{op} missing or out of order:\n{}", out.stdout));
            at += out.stdout[at..]
                .lines()
                .take(found + 1)
                .map(|l| l.len() + 1)
                .sum::<usize>();
        }
        assert!(
            out.stdout.contains("payment_status=succeeded"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("client_secret=[REDACTED]"),
            "{}",
            out.stdout
        );
        assert!(
            !out.stdout.contains("ecs_secret_"),
            "a client secret leaked:\n{}",
            out.stdout
        );
    }

    let out = run(&["--output", "json", "demo"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "create_session",
            "validate",
            "confirm",
            "retrieve_session",
            "crypto_status",
            "get_config",
            "update_config",
            "webhook_verify",
            "wait_for_payment"
        ]
    );
    assert!(!out.stdout.contains("ecs_secret_"));
}

#[test]
fn fake_server_serves_until_killed() {
    let mut child = spawn_command()
        .args(["fake-server"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base_url = None;
    let mut key = None;
    let mut control = None;
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        let (k, v) = line.split_once(' ').unwrap();
        match k {
            "base_url" => base_url = Some(v.trim().to_owned()),
            "api_key" => key = Some(v.trim().to_owned()),
            "control_url" => control = Some(v.trim().to_owned()),
            other => panic!("unexpected line {other}"),
        }
    }
    let (base_url, key) = (base_url.unwrap(), key.unwrap());
    assert_eq!(control.unwrap(), format!("{base_url}/__fake/"));
    let out = run(&["--api-key", &key, "--base-url", &base_url, "key", "check"]);
    // The control API answers on the same port.
    let addr = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /__fake/requests HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(key, FakeEasy::TEST_KEY);
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.contains(r#""path":"/validate-key""#), "{reply}");
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let fake = FakeEasy::start().unwrap();
    let mut child = spawn_command()
        .args(api(&fake, "ureq", &["config", "get"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = finish(child.wait_with_output());
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn global_flags_work_before_or_after_the_subcommand() {
    let fake = FakeEasy::start().unwrap();
    let (id, _) = create(&fake, "ureq");
    let base = fake.base_url();
    let expected = json!({"id": id, "status": "open", "payment_status": "unpaid"});
    for transport in TRANSPORTS {
        let before = run(&[
            "--api-key",
            FakeEasy::TEST_KEY,
            "--base-url",
            &base,
            "--transport",
            transport,
            "--output",
            "json",
            "--timeout",
            "5",
            "--max-retries",
            "0",
            "-v",
            "session",
            "get",
            &id,
        ]);
        let after = run(&[
            "session",
            "get",
            &id,
            "--api-key",
            FakeEasy::TEST_KEY,
            "--base-url",
            &base,
            "--transport",
            transport,
            "--output",
            "json",
            "--timeout",
            "5",
            "--max-retries",
            "0",
            "-v",
        ]);
        // Mixed: some before the group, some between group and subcommand, some after.
        let mixed = run(&[
            "--output",
            "json",
            "session",
            "--transport",
            transport,
            "get",
            "--api-key",
            FakeEasy::TEST_KEY,
            &id,
            "--base-url",
            &base,
        ]);
        for out in [&before, &after, &mixed] {
            assert_eq!(out.code, 0, "{out:?}");
            assert_eq!(out.json(), expected);
        }
        for out in [&before, &after] {
            assert!(out.stderr.contains("<- 200 in "), "-v: {}", out.stderr);
        }
    }

    // --max-retries after the subcommand bounds the retries.
    fake.inject(Fault::status(503));
    let requests = fake.requests().len();
    let out = run(&api(&fake, "ureq", &["key", "check", "--max-retries", "0"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(fake.requests().len(), requests + 1, "no retry");

    // --timeout after the subcommand is applied.
    for transport in TRANSPORTS {
        fake.inject(Fault::Delay(std::time::Duration::from_secs(3)));
        let out = run(&api(
            &fake,
            transport,
            &[
                "config",
                "get",
                "--timeout",
                "0.5",
                "--max-retries",
                "0",
                "--output",
                "json",
            ],
        ));
        assert_eq!(out.code, 3, "{out:?}");
        assert_eq!(out.error_json()["error"]["kind"], "timeout");
    }

    // Errors follow an --output given after the subcommand too.
    let out = run(&[
        "session",
        "get",
        "ecs_1",
        "--base-url",
        &base,
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.error_json()["error"]["details"]["field"], "api_key");
}

#[test]
fn client_secrets_come_from_the_environment() {
    let fake = FakeEasy::start().unwrap();
    let (id, secret) = create(&fake, "ureq");
    let base = fake.base_url();
    for transport in TRANSPORTS {
        let out = run_env(
            &[
                "--base-url",
                &base,
                "--transport",
                transport,
                "--output",
                "json",
                "session",
                "validate",
            ],
            &[("EASY_CLIENT_SECRET", &secret)],
            b"",
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.json()["valid"], true);
        assert_eq!(out.json()["session"]["id"], id.as_str());
        assert!(!out.all().contains(&secret));
    }
    // The flag wins over the environment.
    let out = run_env(
        &[
            "--base-url",
            &base,
            "session",
            "validate",
            "--client-secret",
            &secret,
        ],
        &[("EASY_CLIENT_SECRET", "ecs_secret_wrong")],
        b"",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.field("valid"), "true");

    let out = run_env(
        &[
            "--base-url",
            &base,
            "--output",
            "json",
            "session",
            "confirm",
            "--payment-method",
            r#"{"type":"PAYMENT_CARD","token_id":"tok_visa"}"#,
        ],
        &[("EASY_CLIENT_SECRET", &secret)],
        b"",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["payment_status"], "succeeded");
    assert!(!out.all().contains(&secret));
    let sent: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/validate") || r.path.ends_with("/confirm"))
        .collect();
    assert_eq!(sent.len(), 4);
    for request in sent {
        assert_eq!(
            request.json().unwrap()["client_secret"],
            secret.as_str(),
            "{}",
            request.path
        );
    }

    // Neither flag nor variable: a usage error, nothing sent.
    let before = fake.requests().len();
    let out = run(&["--base-url", &base, "session", "validate"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(fake.requests().len(), before);

    // Help names the variable but never prints its value.
    for sub in ["validate", "confirm"] {
        let out = run_env(
            &["session", sub, "--help"],
            &[("EASY_CLIENT_SECRET", &secret)],
            b"",
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("EASY_CLIENT_SECRET"), "{}", out.stdout);
        assert!(!out.all().contains(&secret), "{}", out.stdout);
    }
}

#[test]
fn the_webhook_secret_comes_from_the_environment() {
    let fake = FakeEasy::start().unwrap();
    let (id, _) = create(&fake, "ureq");
    assert!(fake.mark_paid(&id));
    let hook = fake.webhook_for(&id).unwrap();
    let verify = [
        "--output",
        "json",
        "webhook",
        "verify",
        "--signature",
        &hook.signature,
    ];

    let out = run_env(
        &verify,
        &[("EASY_WEBHOOK_SECRET", FAKE_WEBHOOK_SECRET)],
        &hook.body,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["data"]["id"], id.as_str());
    assert!(!out.all().contains(FAKE_WEBHOOK_SECRET));

    let out = run_env(&verify, &[("EASY_WEBHOOK_SECRET", "wrong")], &hook.body);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.error_json()["error"]["code"],
        "WEBHOOK_SIGNATURE_MISMATCH"
    );

    // The flag wins over the environment.
    let mut with_flag = verify.to_vec();
    with_flag.extend(["--secret", FAKE_WEBHOOK_SECRET]);
    let out = run_env(&with_flag, &[("EASY_WEBHOOK_SECRET", "wrong")], &hook.body);
    assert_eq!(out.code, 0, "{out:?}");

    // Neither: a usage error.
    let out = run_env(&verify, &[], &hook.body);
    assert_eq!(out.code, 2, "{out:?}");

    let out = run_env(
        &["webhook", "verify", "--help"],
        &[("EASY_WEBHOOK_SECRET", FAKE_WEBHOOK_SECRET)],
        b"",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("EASY_WEBHOOK_SECRET"), "{}", out.stdout);
    assert!(!out.all().contains(FAKE_WEBHOOK_SECRET), "{}", out.stdout);
}

#[test]
fn an_empty_webhook_secret_is_refused() {
    // Signed with the empty key: anyone can forge this.
    let body = br#"{"id":"evt_forged","type":"checkout.session.completed","data":{"id":"ecs_1"},"created_at":"2026-01-01T00:00:00Z","livemode":false}"#;
    let signature = webhook::sign(&WebhookSecret::new(""), body);
    let flag = [
        "--output",
        "json",
        "webhook",
        "verify",
        "--secret",
        "",
        "--signature",
        &signature,
    ];
    let env_only = [
        "--output",
        "json",
        "webhook",
        "verify",
        "--signature",
        &signature,
    ];
    for out in [
        run_env(&flag, &[], body),
        run_env(&env_only, &[("EASY_WEBHOOK_SECRET", "")], body),
        // An empty flag is not rescued by a set variable.
        run_env(&flag, &[("EASY_WEBHOOK_SECRET", "whsec_set")], body),
    ] {
        assert_eq!(out.code, 2, "{out:?}");
        assert_eq!(out.stdout, "", "nothing verified or printed");
        let e = out.error_json();
        assert_eq!(e["error"]["kind"], "invalid_input");
        assert!(!out.all().contains("evt_forged"));
    }
    let out = run_env(
        &[
            "webhook",
            "verify",
            "--secret",
            "",
            "--signature",
            &signature,
        ],
        &[],
        body,
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.starts_with("error: invalid input"),
        "{}",
        out.stderr
    );
}

#[test]
fn api_error_details_never_echo_a_client_secret() {
    let fake = FakeEasy::start().unwrap();
    let leaked = "ecs_secret_echoed_by_the_server_4b1d";
    let body = json!({"success": false, "error": {
        "code": "INVALID_REQUEST",
        "message": "the request was rejected",
        "details": {
            "received": {"client_secret": leaked, "parent_origin": "https://a.example"},
            "CLIENT_SECRET": leaked,
            "clientSecret": leaked,
            "history": [{"client-secret": leaked}],
        },
    }})
    .to_string();
    for transport in TRANSPORTS {
        for json_output in [true, false] {
            fake.inject(Fault::Status {
                status: 400,
                retry_after: None,
                body: Some(body.clone()),
            });
            let rest = [
                "session",
                "validate",
                "--client-secret",
                leaked,
                "--parent-origin",
                "https://a.example",
            ];
            let args = if json_output {
                api_json(&fake, transport, &rest)
            } else {
                api(&fake, transport, &rest)
            };
            let out = run(&args);
            assert_eq!(out.code, 1, "{out:?}");
            assert!(!out.all().contains(leaked), "the secret leaked: {out:?}");
            if json_output {
                let e = out.error_json();
                assert_eq!(e["error"]["code"], "INVALID_REQUEST");
                let details = &e["error"]["details"];
                assert_eq!(details["received"]["client_secret"], "[REDACTED]");
                assert_eq!(details["received"]["parent_origin"], "https://a.example");
                assert_eq!(details["CLIENT_SECRET"], "[REDACTED]");
                assert_eq!(details["clientSecret"], "[REDACTED]");
                assert_eq!(details["history"][0]["client-secret"], "[REDACTED]");
            } else {
                assert_eq!(
                    out.stderr,
                    "error: invalid request (HTTP 400): INVALID_REQUEST: the request was rejected\n"
                );
            }
        }
    }
}

/// A `fake-server` child and what it printed (`key value` lines), killed when dropped.
struct FakeServerChild {
    child: std::process::Child,
    printed: std::collections::HashMap<String, String>,
}

impl FakeServerChild {
    fn start(args: &[&str], lines: usize) -> Self {
        let mut child = spawn_command()
            .arg("fake-server")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
        let printed = (0..lines)
            .map(|_| {
                let line = out.next().unwrap().unwrap();
                let (k, v) = line.split_once(' ').unwrap();
                (k.to_owned(), v.trim().to_owned())
            })
            .collect();
        Self { child, printed }
    }

    fn get(&self, key: &str) -> &str {
        &self.printed[key]
    }
}

impl Drop for FakeServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ca_cert_trusts_the_fake_server_over_tls_on_both_transports() {
    let fake = FakeServerChild::start(&["--tls"], 4);
    let (base_url, ca_cert) = (fake.get("base_url"), fake.get("ca_cert"));
    assert!(base_url.starts_with("https://127.0.0.1:"), "{base_url}");
    assert_eq!(fake.get("control_url"), format!("{base_url}/__fake/"));
    let pem = std::fs::read_to_string(ca_cert).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let key = FakeEasy::TEST_KEY;
    for transport in TRANSPORTS {
        let global = [
            "--api-key",
            key,
            "--base-url",
            base_url,
            "--transport",
            transport,
        ];
        let flag = run(&[&global[..], &["--ca-cert", ca_cert, "key", "check"]].concat());
        assert_eq!(flag.code, 0, "{transport}: {flag:?}");
        let env = run_env(
            &[&global[..], &["config", "get"]].concat(),
            &[("EASY_CA_CERT", ca_cert)],
            b"",
        );
        assert_eq!(env.code, 0, "{transport}: {env:?}");
        // Without the CA: a TLS failure (exit 3), never retried into success.
        let untrusted = run(&[&global[..], &["--output", "json", "key", "check"]].concat());
        assert_eq!(untrusted.code, 3, "{transport}: {untrusted:?}");
        let error = untrusted.error_json();
        assert_eq!(error["error"]["kind"], "transport", "{error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("TLS")),
            "{error}"
        );
    }
    std::fs::remove_file(ca_cert).unwrap();
}

#[test]
fn a_ca_cert_that_is_missing_or_no_certificate_is_exit_2_and_nothing_is_sent() {
    let fake = FakeEasy::start().unwrap();
    let dir = std::env::temp_dir().join(format!("easy-cli-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.pem");
    std::fs::write(
        &junk,
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let missing = dir.join("missing.pem");
    for transport in TRANSPORTS {
        for path in [&missing, &junk] {
            let path = path.to_str().unwrap();
            let text = run(&api(&fake, transport, &["--ca-cert", path, "key", "check"]));
            assert_eq!(text.code, 2, "{transport} {path}: {text:?}");
            assert!(text.stderr.contains(path), "{text:?}");
            assert!(!text.all().contains("c2VjcmV0"), "{text:?}");
            let args = api(
                &fake,
                transport,
                &["--output", "json", "session", "get", "ecs_1"],
            );
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let json = run_env(&args, &[("EASY_CA_CERT", path)], b"");
            assert_eq!(json.code, 2, "{json:?}");
            assert_eq!(json.error_json()["error"]["kind"], "invalid_input");
        }
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    // Commands that send nothing do not read it: a bad signature is exit 1, not 2.
    let out = run_env(
        &[
            "webhook",
            "verify",
            "--secret",
            "whsec_x",
            "--signature",
            "t=1,v1=00",
            "-",
        ],
        &[("EASY_CA_CERT", missing.to_str().unwrap())],
        b"{}",
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stderr.contains("missing.pem"), "{out:?}");
}
