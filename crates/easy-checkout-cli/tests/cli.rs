//! The real `easy-checkout` binary against the fake Easy API over loopback: every
//! subcommand, both transports, text and JSON output, every exit code, redaction.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};
use easy_checkout_core::webhook::{self, WebhookSecret};
use easy_checkout_fake::{FakeEasy, Fault, RecordedRequest};
use serde_json::{Value, json};

const TRANSPORTS: [&str; 2] = ["ureq", "isahc"];
/// A key the fake accepts, distinct from its TEST_KEY, to check redaction with.
const SECRET_KEY: &str = "sk_test_cli_redaction_probe_7f3a9c";
/// The fake's documented webhook signing secret.
const FAKE_WEBHOOK_SECRET: &str = "whsec_fake_secret";
/// A card the fake charges.
const CARD: &str = r#"{"type":"PAYMENT_CARD","token_id":"tok_visa"}"#;

/// A command line of `easy-checkout`, with its environment (nothing else: the tests' own
/// cannot leak into it) and its stdin.
#[derive(Debug, Clone, Default)]
struct Cli {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Vec<u8>,
}

/// `easy-checkout` with the arguments of `line` (split at whitespace), in a clean
/// environment, with an empty stdin.
fn cli(line: &str) -> Cli {
    Cli::default().arg(line)
}

/// [`cli`] with the fake's test key and URL and `--transport transport` first.
fn api(fake: &FakeEasy, transport: &str, line: &str) -> Cli {
    let (key, url) = (FakeEasy::TEST_KEY, fake.base_url());
    let line = format!("--api-key {key} --base-url {url} --transport {transport} {line}");
    cli(&line)
}

impl Cli {
    /// Appends the arguments of `line`, split at whitespace.
    fn arg(self, line: &str) -> Self {
        self.args(&line.split_whitespace().collect::<Vec<_>>())
    }

    /// Appends `args` as they are (empty, or with spaces).
    fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    fn stdin(mut self, input: &[u8]) -> Self {
        self.stdin = input.to_vec();
        self
    }

    /// Starts it with `stdout` and `stderr`, for the tests that read it while it runs.
    fn spawn(&self, stdout: Stdio, stderr: Stdio) -> std::process::Child {
        let mut command = std::process::Command::new(cargo_bin!("easy-checkout"));
        command.env_clear().envs(self.env.iter().cloned());
        command.args(&self.args).stdin(Stdio::null());
        command.stdout(stdout).stderr(stderr).spawn().unwrap()
    }

    /// Runs it with stdout going to `stdout` (a file such as `/dev/full`), or, for `None`,
    /// to a pipe closed at once; checks it as [`Cli::run`] does.
    #[track_caller]
    fn run_with_stdout(&self, stdout: Option<std::fs::File>, code: i32) -> Run {
        let stdout_to = stdout.map_or_else(Stdio::piped, Stdio::from);
        let mut child = self.spawn(stdout_to, Stdio::piped());
        drop(child.stdout.take());
        let mut stderr = String::new();
        let mut pipe = child.stderr.take().unwrap();
        pipe.read_to_string(&mut stderr).unwrap();
        let status = child.wait().unwrap();
        self.check(status.code(), String::new(), stderr, code)
    }

    /// Runs it to the end under a deadline (a CLI that hangs fails its test instead of
    /// stalling the suite), and checks it.
    #[track_caller]
    fn run(&self, code: i32) -> Run {
        let mut command = cargo_bin_cmd!("easy-checkout");
        command.env_clear().envs(self.env.iter().cloned());
        command.args(&self.args).write_stdin(self.stdin.clone());
        let output = command.timeout(Duration::from_secs(60)).output().unwrap();
        let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        let (stdout, stderr) = (text(output.stdout), text(output.stderr));
        self.check(output.status.code(), stdout, stderr, code)
    }

    /// The [`Run`], asserted not to have panicked, to have exited with `code`, and to show no
    /// secret it was given (see [`Cli::secrets`]).
    #[track_caller]
    fn check(&self, code: Option<i32>, stdout: String, stderr: String, want: i32) -> Run {
        let (args, code) = (self.args.join(" "), code.unwrap_or(-1));
        let run = Run {
            args,
            code,
            stdout,
            stderr,
        };
        assert!(!run.stderr.contains("panicked"), "{run:?}");
        assert_eq!(run.code, want, "{run:?}");
        for secret in self.secrets() {
            run.hides(secret);
        }
        run
    }

    /// The secrets it was given (`--api-key`, `--client-secret`, `--secret` and their
    /// variables) that have the shape of real ones: no output may ever show them.
    fn secrets(&self) -> impl Iterator<Item = &str> {
        let flags = ["--api-key", "--client-secret", "--secret"];
        let names = ["EASY_API_KEY", "EASY_CLIENT_SECRET", "EASY_WEBHOOK_SECRET"];
        let pairs = self.args.windows(2);
        let args = pairs.filter(move |w| flags.contains(&&*w[0]));
        let vars = self.env.iter();
        let env = vars.filter(move |(name, _)| names.contains(&&**name));
        let given = args.map(|w| &*w[1]).chain(env.map(|(_, value)| &**value));
        let real = ["sk_", "ecs_secret_", "whsec_"];
        given.filter(move |s| real.iter().any(|p| s.starts_with(p)))
    }
}

/// What a run printed, and its exit code.
struct Run {
    args: String,
    code: i32,
    stdout: String,
    stderr: String,
}

/// A run as a terminal shows it, for failure messages.
impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (args, code, stdout) = (&self.args, self.code, &self.stdout);
        let shown = format!("$ easy-checkout {args}\n(exit {code})\n--- stdout\n{stdout}");
        write!(f, "\n{shown}--- stderr\n{}", self.stderr)
    }
}

impl Run {
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// The `error` object of the JSON error on stderr.
    #[track_caller]
    fn error(&self) -> Value {
        let json = serde_json::from_str::<Value>(self.stderr.trim());
        json.unwrap_or_else(|e| panic!("{e}: {self:?}"))["error"].clone()
    }

    /// The value of the `key   value` text line named `key`.
    #[track_caller]
    fn field(&self, key: &str) -> String {
        let value = self.stdout.lines().find_map(|line| {
            let (k, v) = line.split_once(' ')?;
            (k == key).then(|| v.trim().to_owned())
        });
        value.unwrap_or_else(|| panic!("no {key} line: {self:?}"))
    }

    /// Asserts that the text output shows each field of `expected` with its value.
    #[track_caller]
    fn shows(&self, expected: Value) {
        for (key, want) in expected.as_object().expect("an object") {
            let shown = self.field(key);
            assert_eq!(Some(shown.as_str()), want.as_str(), "{key}: {self:?}");
        }
    }

    /// Asserts that the JSON output has the fields of `expected` (see [`assert_has`]).
    #[track_caller]
    fn json_has(&self, expected: Value) {
        assert_has(&self.json(), &expected);
    }

    /// Asserts that the JSON error has the fields of `expected` (see [`assert_has`]).
    #[track_caller]
    fn error_has(&self, expected: Value) {
        assert_has(&self.error(), &expected);
    }

    #[track_caller]
    fn prints(&self, text: &str) {
        assert!(self.stdout.contains(text), "{text:?} not printed: {self:?}");
    }

    #[track_caller]
    fn says(&self, text: &str) {
        assert!(self.stderr.contains(text), "{text:?} not said: {self:?}");
    }

    /// Asserts that stderr is one line, `error: …` (ending with `end`).
    #[track_caller]
    fn says_one_error_line(&self, end: &str) {
        let line = self.stderr.starts_with("error: ") && self.stderr.lines().count() == 1;
        assert!(line && self.stderr.ends_with(end), "{self:?}");
    }

    #[track_caller]
    fn hides(&self, secret: &str) {
        let shown = self.stdout.contains(secret) || self.stderr.contains(secret);
        assert!(!shown, "{secret} was shown: {self:?}");
    }
}

/// Asserts that the JSON object `value` has every field of `expected` with its value (for
/// an object, its fields, recursively).
#[track_caller]
fn assert_has(value: &Value, expected: &Value) {
    for (key, want) in expected.as_object().expect("an object") {
        match want {
            Value::Object(_) => assert_has(&value[key], want),
            _ => assert_eq!(&value[key], want, "{key} in {value:#}"),
        }
    }
}

/// Creates a session through the CLI; returns its id and client secret.
fn create(fake: &FakeEasy, transport: &str) -> (String, String) {
    let line = "session create --item price_a:2 --return-url https://shop.example.com/r";
    let create = api(fake, transport, &format!("{line} --output json"));
    let session = create.run(0).json();
    let field = |name: &str| session[name].as_str().unwrap().to_owned();
    (field("id"), field("client_secret"))
}

/// A keyless `session confirm` of `secret` with [`CARD`] over `transport`, then `line`.
fn confirm(base_url: &str, transport: &str, secret: &str, line: &str) -> Cli {
    let global = format!("--base-url {base_url} --transport {transport}");
    let confirm = format!("session confirm --client-secret {secret} --payment-method {CARD}");
    cli(&format!("{global} {confirm} {line}"))
}

/// Whether `request` is one the browser's iframe makes (`validate`, `confirm`): it carries
/// the client secret, never the API key.
fn browser_side(request: &RecordedRequest) -> bool {
    request.path.ends_with("/validate") || request.path.ends_with("/confirm")
}

/// The confirms the fake received.
fn confirms(fake: &FakeEasy) -> usize {
    let requests = fake.requests();
    let confirms = requests.iter().filter(|r| r.path.ends_with("/confirm"));
    confirms.count()
}

/// A fault: the next request gets `status` with the JSON `body`.
fn replies(status: u16, body: &Value) -> Fault {
    let body = Some(body.to_string());
    Fault::Status {
        status,
        retry_after: None,
        body,
    }
}

/// A base URL on a loopback port nobody listens on.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/v1/api", listener.local_addr().unwrap())
}

/// A loopback port above 20000 that is free now, for a `fake-server --port` (`salt` keeps
/// tests running at once apart).
fn free_port(salt: u16) -> u16 {
    let start = 20_001 + u16::try_from(std::process::id() % 20_000).unwrap() + salt * 1_000;
    let ports = (start..u16::MAX).chain(20_001..start);
    let mut free = ports.filter(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok());
    free.next().unwrap()
}

/// A path `name` of this test process in the temp directory; with `contents`, written.
fn temp_file(name: &str, contents: Option<&[u8]>) -> PathBuf {
    let path = std::env::temp_dir().join(format!("easy-cli-{}-{name}", std::process::id()));
    if let Some(contents) = contents {
        std::fs::write(&path, contents).unwrap();
    }
    path
}

// ---- the command line ----

#[test]
fn help_shows_the_command_tree_without_secrets_and_usage_errors_exit_2() {
    let top = "session config key webhook fake-server demo --api-key --base-url --transport \
        --output --timeout --max-retries --verbose --ca-cert EASY_API_KEY EASY_CA_CERT";
    let session = "create get crypto-status validate confirm wait";
    let fake_server = "--webhook-url --webhook-deadline --webhook-backoff";
    for (page, words) in [
        ("", top),
        ("session", session),
        ("webhook", "verify send"),
        ("fake-server", fake_server),
    ] {
        let help = cli(&format!("{page} --help"));
        let out = help.env("EASY_API_KEY", SECRET_KEY).run(0);
        for word in words.split_whitespace() {
            out.prints(word);
        }
    }
    let mut usage = vec![
        String::new(),
        "session".into(),
        "session create --return-url https://a.example".into(),
        "--transport curl key check".into(),
        "--timeout -1 key check".into(),
        "session wait ecs_1 --deadline soon".into(),
    ];
    // Below 1 ms libcurl would wait forever: refused, before or after the subcommand.
    for timeout in ["0", "0.0005", "0.0009", "1e-6"] {
        usage.push(format!("--timeout {timeout} key check"));
        usage.push(format!("key check --timeout {timeout}"));
    }
    for line in usage {
        cli(&line).run(2);
    }
}

/// Global flags work before or after the subcommand. The API key comes from a flag or the
/// environment; a missing one, or one that is no Easy key without a base URL, exits 2.
#[test]
fn global_flags_work_before_or_after_the_subcommand_and_the_key_is_checked() {
    let fake = FakeEasy::start().unwrap();
    let refused = json!({"kind": "invalid_input", "details": {"field": "api_key"}});
    for command in ["session get ecs_1", "config get", "key check"] {
        let line = format!("--base-url {} --output json {command}", fake.base_url());
        cli(&line).run(2).error_has(refused.clone());
        let flag = cli(&format!("--api-key junk_key_4d2 --output json {command}"));
        let env = cli(&format!("--output json {command}")).env("EASY_API_KEY", "junk_key_4d2");
        for out in [flag.run(2), env.run(2)] {
            out.error_has(refused.clone());
            out.hides("junk_key_4d2");
        }
    }
    // A base URL that is neither https nor loopback is invalid input too.
    let line = format!("--api-key {SECRET_KEY} --base-url http://api.example.com key check");
    cli(&line).run(2);
    assert!(fake.requests().is_empty());
    let check = cli("key check").env("EASY_API_KEY", SECRET_KEY);
    check.env("EASY_API_URL", &fake.base_url()).run(0);
    let sent = &fake.requests()[0];
    assert_eq!(sent.header("x-easy-api-key"), Some(SECRET_KEY));
    fake.clear_requests();
    // Routed keys of every documented prefix are taken (the fake refuses all but sk_…).
    for key in ["pk_test_a", "pk_live_a", "sk_sandbox_a"] {
        let check = format!("--api-key {key} --base-url {} key check", fake.base_url());
        cli(&check).run(1).says("INVALID_API_KEY");
    }
    assert_eq!(fake.requests().len(), 3, "{:#?}", fake.requests());
    // With a base URL, the key is the proxy's (here the fake's) business: sent as given.
    fake.clear_requests();
    let global = format!("--api-key junk_key_4d2 --base-url {}", fake.base_url());
    let out = cli(&format!("{global} key check --output json")).run(1);
    out.error_has(json!({"kind": "authentication", "code": "INVALID_API_KEY"}));
    let sent = &fake.requests()[0];
    assert_eq!(sent.header("x-easy-api-key"), Some("junk_key_4d2"));
    let (id, _) = create(&fake, "ureq");
    let (key, base) = (FakeEasy::TEST_KEY, fake.base_url());
    let expected = json!({"id": id, "status": "open", "payment_status": "unpaid",
        "outcome": "pending", "paid": false});
    for transport in TRANSPORTS {
        let global = format!("--api-key {key} --base-url {base} --transport {transport}");
        let global = format!("{global} --output json --timeout 5 --max-retries 0 -v");
        let before = cli(&format!("{global} session get {id}")).run(0);
        let after = cli(&format!("session get {id} {global}")).run(0);
        // Some before the group, some between group and subcommand, some after.
        let mixed = format!("--output json session --transport {transport} get");
        let mixed = cli(&format!("{mixed} --api-key {key} {id} --base-url {base}")).run(0);
        for (out, verbose) in [(before, true), (after, true), (mixed, false)] {
            assert_eq!(out.json(), expected);
            assert_eq!(out.stderr.contains("<- 200 in "), verbose, "-v: {out:?}");
        }
        // --transport is applied wherever it is given: the user agent names it.
        let requests = fake.requests();
        let suffix = format!(" {transport}");
        let mut agents = requests
            .iter()
            .rev()
            .take(3)
            .map(|r| r.header("user-agent"));
        assert!(
            agents.all(|a| a.unwrap().ends_with(&suffix)),
            "{requests:#?}"
        );
        // --timeout after the subcommand is applied.
        fake.inject(Fault::Delay(Duration::from_secs(3)));
        let slow = "config get --timeout 0.5 --max-retries 0 --output json";
        let out = api(&fake, transport, slow).run(3);
        out.error_has(json!({"kind": "timeout"}));
    }
    // --max-retries after the subcommand bounds the retries.
    fake.inject(Fault::status(503));
    let requests = fake.requests().len();
    api(&fake, "ureq", "key check --max-retries 0").run(1);
    assert_eq!(fake.requests().len(), requests + 1, "no retry");
    // Errors follow an --output given after the subcommand too.
    let line = format!("session get ecs_1 --base-url {base} --output json");
    let out = cli(&line).run(2);
    out.error_has(json!({"details": {"field": "api_key"}}));
}

/// Bad input (a CA file that is missing or holds no certificate included) is exit 2, nothing
/// sent. serde_json (without `arbitrary_precision`) would send
/// `1.2345678901234568e29` for a `--field` of 30 digits: a number that would not go out with
/// the digits given is refused, at any depth.
#[test]
fn bad_input_exits_2_and_sends_nothing() {
    let fake = FakeEasy::start().unwrap();
    let create = "session create --return-url https://a.example/r";
    for bad in [
        "--item price_a:0",
        "--item price_a:two",
        "--item price_a:-1",
        "--item :3",
        "--item price_a --field metadata={oops",
        "--item price_a --field plain=text",
        "--item price_a --field nameonly",
        "--item price_a --field items=[]",
    ] {
        let out = api(&fake, "ureq", &format!("{create} {bad}")).run(2);
        assert!(out.stderr.starts_with("error: invalid input"), "{out:?}");
        out.says_one_error_line("\n");
    }
    let spaced = api(&fake, "ureq", &format!("{create} --item price_a"));
    spaced.args(&["--idempotency-key", "has space"]).run(2);
    for bad in [
        r#"session confirm --client-secret s --payment-method {"token_id":1}"#,
        "session get ..",
        "config set --allowed-origin https://a.example/path",
    ] {
        api(&fake, "ureq", bad).run(2);
    }
    // JSON mode reports input errors as JSON too.
    let out = api(&fake, "ureq", &format!("{create} --item p:x --output json")).run(2);
    out.error_has(json!({"kind": "invalid_input", "status": null}));
    let create = "session create --item p:1 --return-url https://s.example/r --field";
    for (name, value) in [
        ("x", "123456789012345678901234567890"),
        ("metadata", r#"{"ids":[1,{"n":18446744073709551616}]}"#),
        ("ratio", "0.1000000000000000000001"),
    ] {
        let field = format!("{name}={value}");
        let out = api(&fake, "ureq", create).args(&[&field]).run(2);
        let line = format!(
            "error: invalid input: --field \"{name}\": a number in the value would not be sent \
             with the digits given (an integer outside 64 bits, or more digits than a double \
             holds); quote it to send it as a string\n"
        );
        assert_eq!(out.stderr, line);
        assert_eq!(out.stdout, "");
        let json = api(&fake, "ureq", create).args(&[&field, "--output", "json"]);
        let invalid = json!({"kind": "invalid_input", "status": null});
        json.run(2).error_has(invalid);
    }
    // A CA file that is missing or holds no certificate.
    let pem = b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n";
    let junk = temp_file("junk.pem", Some(pem));
    let missing = temp_file("missing.pem", None);
    for transport in TRANSPORTS {
        for path in [missing.to_str().unwrap(), junk.to_str().unwrap()] {
            let check = api(&fake, transport, "key check").args(&["--ca-cert", path]);
            let out = check.run(2);
            out.hides("c2VjcmV0");
            out.says(path);
            let get = api(&fake, transport, "session get ecs_1 --output json");
            let out = get.env("EASY_CA_CERT", path).run(2);
            out.error_has(json!({"kind": "invalid_input"}));
        }
    }
    assert!(fake.requests().is_empty(), "{:#?}", fake.requests());
    // Commands that send nothing do not read it: a bad signature is exit 1, not 2.
    let verify = verify("whsec_x", "t=1,v1=00").arg("-").stdin(b"{}");
    let out = verify.env("EASY_CA_CERT", missing.to_str().unwrap()).run(1);
    assert!(!out.stderr.contains("missing.pem"), "{out:?}");
    std::fs::remove_file(junk).unwrap();
    // Within 64 bits, or a double's shortest form, they go out as written.
    let fields = [
        "big=18446744073709551615",
        "low=-9223372036854775808",
        "ratio=0.1",
        r#"metadata={"n":[12345678901234567]}"#,
    ];
    let mut sent = api(&fake, "ureq", create).args(&[fields[0]]);
    for field in &fields[1..] {
        sent = sent.args(&["--field", field]);
    }
    sent.run(0);
    let body = String::from_utf8(fake.requests()[0].body.clone()).unwrap();
    for (name, value) in fields.map(|field| field.split_once('=').unwrap()) {
        let digits = format!("\"{name}\":{value}");
        assert!(body.contains(&digits), "{digits} in {body}");
    }
}

// ---- sessions ----

#[test]
fn api_commands_over_both_transports_in_text_and_json() {
    let fake = FakeEasy::start().unwrap();
    for transport in TRANSPORTS {
        let key = format!("cli-{transport}");
        let line = "session create --item price_a --item price_b:3";
        let line = format!("{line} --return-url https://shop.example.com/return");
        let metadata = r#"metadata={"order":"A-1"}"#;
        let line = format!("{line} --idempotency-key {key} --field {metadata}");
        let out = api(&fake, transport, &line).run(0);
        let (id, secret) = (out.field("id"), out.field("client_secret"));
        assert!(out.stdout.starts_with("id "), "the id first: {out:?}");
        assert!(id.starts_with("ecs_"), "{out:?}");
        assert!(secret.starts_with("ecs_secret_"), "create hands it over");
        // Unknown fields are shown too, flattened.
        out.shows(json!({"status": "open", "metadata.order": "A-1"}));
        let requests = fake.requests();
        let sent = requests.iter().rfind(|r| r.method == "POST").unwrap();
        assert_eq!(sent.header("idempotency-key"), Some(key.as_str()));
        let items = [("price_a", 1), ("price_b", 3)];
        let items = items.map(|(price, n)| json!({"price_id": price, "quantity": n}));
        let body = json!({"items": items, "metadata": {"order": "A-1"}});
        assert_has(&sent.json().unwrap(), &body);

        let get = api(&fake, transport, &format!("session get {id}"));
        let out = get.run(0);
        out.shows(json!({"id": id, "payment_status": "unpaid"}));

        let validate = format!("session validate --client-secret {secret}");
        let with_origin = format!("{validate} --parent-origin https://shop.example.com");
        let out = api(&fake, transport, &with_origin).run(0);
        out.shows(json!({"valid": "true", "session.id": id}));

        let keyed = "--idempotency-key confirm-1";
        let out = confirm(&fake.base_url(), transport, &secret, keyed).run(0);
        out.shows(json!({"payment_status": "succeeded"}));
        let out = get.run(0);
        out.shows(json!({"status": "complete", "payment_status": "succeeded"}));
        out.shows(json!({"outcome": "paid", "paid": "true"}));

        // A finished session is no longer valid: the API said no, exit 1.
        let out = api(&fake, transport, &validate).run(1);
        out.shows(json!({"valid": "false"}));
        out.says("SESSION_NOT_VALID");

        let json = |line: &str| api(&fake, transport, &format!("{line} --output json"));
        let new = "session create --item price_a:2 --return-url https://shop.example.com/r";
        let session = json(&format!("{new} --field note=\"hi\"")).run(0).json();
        let (id, secret) = (&session["id"], session["client_secret"].as_str().unwrap());
        assert!(secret.starts_with("ecs_secret_"));
        assert_has(&session, &json!({"status": "open", "note": "hi"}));
        assert!(session["expires_at"].is_string(), "{session}");
        let out = json(&format!("session crypto-status {}", id.as_str().unwrap())).run(0);
        out.json_has(json!({"status": "pending", "tx_signature": null}));
        let out = json(&format!("session validate --client-secret {secret}")).run(0);
        out.json_has(json!({"valid": true, "session": {"id": id}}));
        let out = confirm(&fake.base_url(), transport, secret, "--output json").run(0);
        out.json_has(json!({"payment_status": "succeeded", "id": id}));

        // A crypto payment: its amount a decimal string, never a number.
        let (id, _) = create(&fake, transport);
        assert!(fake.mark_crypto_paid(&id));
        let crypto_status = api(&fake, transport, &format!("session crypto-status {id}"));
        let out = crypto_status.run(0);
        out.shows(json!({"status": "confirmed", "chain": "solana", "asset": "USDC"}));
        out.shows(json!({"amount": "2.00"}));
        let out = crypto_status.arg("--output json").run(0);
        out.json_has(json!({"amount": "2.00"}));
    }
    let origins = ["https://a.example", "https://b.example"];
    let public_key = json!({"basisTheoryPublicApiKey": FakeEasy::PUBLIC_KEY});
    for transport in TRANSPORTS {
        let key = format!("cfg-{transport}");
        let [a, b] = origins;
        let set = format!("config set --allowed-origin {a} --allowed-origin {b}");
        let set = format!("{set} --idempotency-key {key}");
        let out = api(&fake, transport, &set).run(0);
        out.shows(json!({"allowed_origins": origins.join(", ")}));
        let requests = fake.requests();
        let patch = requests.iter().rfind(|r| r.method == "PATCH").unwrap();
        assert_eq!(patch.header("idempotency-key"), Some(key.as_str()));

        let out = api(&fake, transport, "config get --output json").run(0);
        let config = out.json();
        assert_eq!(config["allowed_origins"], json!(origins));
        let updated_at = config["updated_at"].as_str().unwrap();
        let out = api(&fake, transport, "config get").run(0);
        out.shows(json!({"updated_at": updated_at}));

        let out = api(&fake, transport, "key check").run(0);
        out.shows(public_key.clone());
        let out = api(&fake, transport, "key check --output json").run(0);
        out.json_has(public_key.clone());
        let (base, revoked) = (fake.base_url(), "sk_test_revoked");
        let global = format!("--api-key {revoked} --base-url {base} --transport {transport}");
        let out = cli(&format!("{global} key check --output json")).run(1);
        out.error_has(json!({"kind": "authentication"}));
    }
}

/// Client secrets come from a flag or the environment. `validate` and `confirm` send no API
/// key, but without one nothing says whether they are for the sandbox or production: the core
/// would send them to production (a live payment attempt from a sandbox user who has not
/// exported a key). Refused, nothing sent.
#[test]
fn a_keyless_validate_or_confirm_takes_its_secret_from_the_environment_and_needs_a_key_or_url() {
    let fake = FakeEasy::start().unwrap();
    let (id, secret) = create(&fake, "ureq");
    let base = fake.base_url();
    for transport in TRANSPORTS {
        let line = format!("--base-url {base} --transport {transport} session validate");
        let validate = cli(&line).arg("--output json");
        let out = validate.env("EASY_CLIENT_SECRET", &secret).run(0);
        out.json_has(json!({"valid": true, "session": {"id": id}}));
    }
    // The flag wins over the environment.
    let line = format!("--base-url {base} session validate --client-secret {secret}");
    let wrong = cli(&line).env("EASY_CLIENT_SECRET", "ecs_secret_wrong");
    wrong.run(0).shows(json!({"valid": "true"}));
    let line = format!("--base-url {base} --output json session confirm --payment-method {CARD}");
    let out = cli(&line).env("EASY_CLIENT_SECRET", &secret).run(0);
    out.json_has(json!({"payment_status": "succeeded"}));
    let requests = fake.requests();
    let sent = requests.iter().filter(|r| browser_side(r));
    let secrets = sent.map(|r| r.json().unwrap()["client_secret"].clone());
    assert_eq!(secrets.collect::<Vec<_>>(), vec![json!(secret); 4]);
    // Neither flag nor variable: a usage error, nothing sent.
    cli(&format!("--base-url {base} session validate")).run(2);
    assert_eq!(fake.requests().len(), requests.len());
    let (id, secret) = create(&fake, "ureq");
    fake.clear_requests();
    let validate = format!("session validate --client-secret {secret}");
    let confirm = format!("session confirm --client-secret {secret} --payment-method {CARD}");
    for (name, line) in [("session validate", validate), ("session confirm", confirm)] {
        let refused = format!(
            "{name} needs to know whether to go to the sandbox or to production: set \
             EASY_API_KEY (or --api-key; its prefix picks the environment, and this call never \
             sends it) or pass --base-url (or EASY_API_URL)"
        );
        let out = cli(&line).run(2);
        assert_eq!(out.stderr, format!("error: invalid input: {refused}\n"));
        assert_eq!(out.stdout, "");
        out.hides(&secret);
        // Empty variables are no choice either; JSON mode says it as JSON.
        let empty = cli(&line).env("EASY_API_KEY", "").env("EASY_API_URL", "");
        let out = empty.arg("--output json").run(2);
        let expected = json!({"kind": "invalid_input", "status": null, "code": null,
            "message": refused, "details": null, "retry_after_seconds": null,
            "outcome_unknown": false, "idempotency_key": null});
        assert_eq!(out.error(), expected);
        out.hides(&secret);
        // A key in the environment chooses (here a base URL overrides it) and is never sent.
        let chosen = cli(&line).env("EASY_API_KEY", SECRET_KEY);
        chosen.env("EASY_API_URL", &fake.base_url()).run(0);
        // The help says how to choose, and names the variable but never prints its value.
        let help = cli(&format!("{name} --help")).env("EASY_CLIENT_SECRET", &secret);
        let help = help.run(0);
        help.prints("EASY_CLIENT_SECRET");
        help.prints("It needs an API key or a base URL to know where to go: EASY_API_KEY (or --api-key) picks the sandbox or production by its prefix, and is never sent; --base-url (or EASY_API_URL) names the API. With neither it is refused (exit 2), nothing sent");
    }
    let requests = fake.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "one validate and one confirm: {paths:?}");
    let keyless = |r: &RecordedRequest| browser_side(r) && r.header("x-easy-api-key").is_none();
    assert!(requests.iter().all(keyless));
    let paid = api(&fake, "ureq", &format!("session get {id} --output json")).run(0);
    paid.json_has(json!({"paid": true}));
}

// ---- what a failed payment or write says ----

/// A closed port is exit 3, and a confirm to it or a declined one is known not to have
/// charged; one cut after sending may have, and says what to do: with its key, retry with
/// it; without, retrieve the session first.
#[test]
fn a_failed_confirm_says_whether_the_payment_may_have_gone_through() {
    let fake = FakeEasy::start().unwrap();
    let (url, never_sent) = (closed_port_url(), "ecs_secret_never_sent");
    for transport in TRANSPORTS {
        let global = format!("--api-key {SECRET_KEY} --base-url {url} --transport {transport}");
        let global = format!("{global} --max-retries 0");
        let out = cli(&format!("{global} config get --output json")).run(3);
        out.error_has(json!({"kind": "transport", "details": {"transport": "connect"}}));
        let out = cli(&format!("{global} key check")).run(3);
        out.says_one_error_line("\n");
        let out = confirm(&url, transport, never_sent, "--output json").run(3);
        out.error_has(json!({"details": {"transport": "connect"}, "outcome_unknown": false}));
        let out = confirm(&url, transport, never_sent, "").run(3);
        assert!(!out.stderr.contains("may have"), "{out:?}");

        let (_, secret) = create(&fake, transport);
        let declined = CARD.replace("tok_visa", FakeEasy::DECLINE_TOKEN);
        let line = format!("session confirm --client-secret {secret} --payment-method {declined}");
        let out = api(&fake, transport, &format!("{line} --output json")).run(1);
        let refused = json!({"status": 402, "code": "CARD_DECLINED", "kind": "api"});
        out.error_has(refused);
        out.error_has(json!({"outcome_unknown": false}));
        for output in ["json", "text"] {
            fake.clear_requests();
            fake.inject(Fault::Close);
            let line = format!("--output {output}");
            let out = confirm(&fake.base_url(), transport, &secret, &line).run(3);
            assert_eq!(confirms(&fake), 1, "a keyless confirm is sent once");
            if output == "json" {
                out.error_has(json!({"kind": "transport", "details": {"transport": "io"}}));
                out.error_has(json!({"outcome_unknown": true, "idempotency_key": null}));
            } else {
                out.says_one_error_line(
                    "; the payment may have gone through: retrieve the session \
                     (`easy-checkout session get SESSION_ID`) before paying again\n",
                );
            }
        }
        let key = format!("confirm-cli-{transport}");
        let keyed = format!("--idempotency-key {key}");
        let keyed = confirm(&fake.base_url(), transport, &secret, &keyed);
        fake.clear_requests();
        fake.inject_n(Fault::status(503), 3);
        let out = keyed.run(1);
        assert_eq!(confirms(&fake), 3, "the first attempt and two retries");
        let expected = format!(
            "error: server error (HTTP 503): INJECTED_FAULT: injected fault: HTTP 503; the payment \
             may have gone through: retry with --idempotency-key {key} (the server replays the \
             first result), never without it\n"
        );
        assert_eq!(out.stderr, expected);
        fake.inject_n(Fault::status(503), 3);
        let out = keyed.arg("--output json").run(1);
        out.error_has(json!({"status": 503, "outcome_unknown": true, "idempotency_key": key}));
    }
}

/// A failed write says whether it may have taken effect, and names its idempotency key
/// whatever the failure; `validate` is a check, retried, never said to have taken effect.
#[test]
fn a_failed_write_says_whether_it_may_have_taken_effect_and_names_its_key() {
    let fake = FakeEasy::start().unwrap();
    let (_, secret) = create(&fake, "isahc");
    let validate = format!("session validate --client-secret {secret}");
    for transport in TRANSPORTS {
        fake.clear_requests();
        fake.inject_n(Fault::status(503), 3);
        let out = api(&fake, transport, &validate).run(1);
        assert!(!out.stderr.contains("may have"), "{out:?}");
        let sent = fake.requests().iter().filter(|r| browser_side(r)).count();
        assert_eq!(sent, 3, "the first attempt and two retries");
        fake.inject_n(Fault::Close, 3);
        let out = api(&fake, transport, &format!("{validate} --output json")).run(3);
        out.error_has(json!({"kind": "transport", "outcome_unknown": false}));
    }
    let set_origin = "config set --allowed-origin https://shop.example";
    // Keyless and not retried: nothing to retry with.
    fake.inject(Fault::status(503));
    let out = api(&fake, "ureq", &format!("--max-retries 0 {set_origin}")).run(1);
    let expected = "error: server error (HTTP 503): INJECTED_FAULT: injected fault: HTTP 503; it \
        may have taken effect: check before sending it again\n";
    assert_eq!(out.stderr, expected);

    // Retried with a generated key: the advice names the key the fake saw.
    fake.clear_requests();
    fake.inject_n(Fault::status(500), 3);
    let create = "session create --item price_a --return-url https://shop.example.com/r";
    let out = api(&fake, "isahc", &format!("{create} --output json")).run(1);
    let requests = fake.requests();
    let keys = requests.iter().map(|r| r.header("idempotency-key"));
    let keys: Vec<_> = keys.collect();
    assert_eq!(keys, [keys[0]; 3], "one key on every attempt");
    assert!(keys[0].is_some(), "a generated key");
    out.error_has(json!({"outcome_unknown": true, "idempotency_key": keys[0]}));

    // Refused: known not to have happened; and a read's outcome is never unknown.
    fake.inject(Fault::status(409));
    let out = api(&fake, "ureq", &format!("{set_origin} --output json")).run(1);
    out.error_has(json!({"outcome_unknown": false}));
    fake.inject(Fault::Close);
    let out = api(&fake, "ureq", "--max-retries 0 config get --output json").run(3);
    out.error_has(json!({"outcome_unknown": false}));

    let key = "cfg-every-kind";
    let origin = "https://shop.example";
    let slow = Fault::Delay(Duration::from_secs(3));
    for (fault, origin, kind, code) in [
        (None, "ftp://shop.example", "invalid_input", 2),
        (Some(Fault::NotJson), origin, "decode", 4),
        (Some(Fault::status(409)), origin, "conflict", 1),
        (Some(Fault::status(503)), origin, "server", 1),
        (Some(Fault::Close), origin, "transport", 3),
        (Some(slow), origin, "timeout", 3),
    ] {
        for output in ["json", "text"] {
            if let Some(fault) = &fault {
                fake.inject(fault.clone());
            }
            let line = format!("--max-retries 0 --timeout 0.5 --output {output} config set");
            let line = format!("{line} --allowed-origin {origin} --idempotency-key {key}");
            let out = api(&fake, "ureq", &line).run(code);
            if output == "json" {
                out.error_has(json!({"kind": kind, "idempotency_key": key}));
            } else {
                out.says(key);
                out.says_one_error_line("\n");
            }
        }
    }
}

// ---- every exit code ----

/// API errors exit 1 with the JSON error shape (their details redacted, a `Retry-After` in
/// seconds), undecodable bodies 4, timeouts 3; `--timeout` bounds each attempt, not the call,
/// and its help says so.
#[test]
fn api_errors_exit_1_undecodable_bodies_4_and_timeouts_3() {
    let fake = FakeEasy::start().unwrap();
    let leaked = "ecs_secret_echoed_by_the_server_4b1d";
    let origin = "https://a.example";
    let details = |secret: &str| {
        json!({"received": {"client_secret": secret, "parent_origin": origin},
            "CLIENT_SECRET": secret, "clientSecret": secret, "history": [{"client-secret": secret}]})
    };
    let body = json!({"success": false, "error": {"code": "INVALID_REQUEST",
        "message": "the request was rejected", "details": details(leaked)}});
    let validate = format!("session validate --client-secret {leaked} --parent-origin {origin}");
    for transport in TRANSPORTS {
        let get = api(&fake, transport, "session get ecs_missing");
        let out = get.clone().arg("--output json").run(1);
        assert_eq!(out.stdout, "");
        let expected = json!({"kind": "not_found", "status": 404, "code": "SESSION_NOT_FOUND",
            "message": "no session has this id", "details": {"session_id": "ecs_missing"},
            "retry_after_seconds": null, "outcome_unknown": false, "idempotency_key": null});
        assert_eq!(out.error(), expected);
        let text = "error: not found (HTTP 404): SESSION_NOT_FOUND: no session has this id\n";
        assert_eq!(get.run(1).stderr, text);
        fake.inject(Fault::NotJson);
        let out = api(&fake, transport, "config get --output json").run(4);
        out.error_has(json!({"kind": "decode", "status": 200}));
        fake.inject(Fault::NotJson);
        let out = api(&fake, transport, "config get").run(4);
        assert!(out.stderr.starts_with("error: could not decode"), "{out:?}");
        // A server's details never echo a client secret.
        for output in ["json", "text"] {
            fake.inject(replies(400, &body));
            let out = api(&fake, transport, &format!("{validate} --output {output}")).run(1);
            if output == "json" {
                let shown = details("[REDACTED]");
                out.error_has(json!({"code": "INVALID_REQUEST", "details": shown}));
            } else {
                let line = "error: invalid request (HTTP 400): INVALID_REQUEST: the request was \
                    rejected\n";
                assert_eq!(out.stderr, line);
            }
        }
    }
    let get = "--max-retries 0 config get --output json";
    fake.inject(Fault::status_with_retry_after(429, "120"));
    let out = api(&fake, "ureq", get).run(1);
    out.error_has(json!({"kind": "rate_limited", "status": 429, "retry_after_seconds": 120}));
    // The HTTP-date form becomes seconds from now.
    let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(600));
    fake.inject(Fault::status_with_retry_after(429, &later));
    let seconds = api(&fake, "isahc", get).run(1).error()["retry_after_seconds"].as_u64();
    assert!((590..=601).contains(&seconds.unwrap()), "{seconds:?}");
    fake.inject(Fault::status(503));
    let out = api(&fake, "ureq", "--max-retries 0 key check --output json").run(1);
    out.error_has(json!({"kind": "server"}));

    fake.clear_requests();
    fake.inject_n(Fault::Delay(Duration::from_secs(3)), 2);
    let started = Instant::now();
    let get = "--timeout 0.5 --max-retries 1 config get --output json";
    let out = api(&fake, "ureq", get).run(3);
    out.error_has(json!({"kind": "timeout"}));
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "two attempts of 0.5 s");
    assert_eq!(fake.requests().len(), 2);
    let help = cli("--help").run(0);
    help.prints(
        "Time allowed for each attempt, in seconds (default 80; decimals allowed, at least \
         0.001). It bounds each attempt, not the call: with retries (--max-retries) a call may \
         take (retries + 1) × this plus the backoff between attempts, up to about 242 s with \
         the defaults against a server that never answers",
    );
}

// ---- config, key, wait ----

/// `session wait` exits 0 once paid, 1 while pending or failed; `session get` shows the SDK's
/// decision beside the session, read from either vocabulary, never taking a `paid` field of
/// the reply on trust.
#[test]
fn session_get_and_wait_show_whether_to_fulfil() {
    let fake = FakeEasy::start().unwrap();
    let (paid, _) = create(&fake, "ureq");
    assert!(fake.mark_paid(&paid));
    let (pending, _) = create(&fake, "ureq");

    let out = api(&fake, "isahc", &format!("session wait {paid} --deadline 2")).run(0);
    out.shows(json!({"outcome": "paid", "session.payment_status": "succeeded"}));

    let started = Instant::now();
    let wait = format!("session wait {pending} --deadline 2 --output json");
    let out = api(&fake, "ureq", &wait).run(1);
    assert!(started.elapsed() < Duration::from_secs(10), "a deadline");
    out.json_has(json!({"outcome": "still_pending", "session": {"payment_status": "unpaid"}}));
    out.error_has(json!({"code": "STILL_PENDING", "kind": "timeout"}));

    let out = api(&fake, "ureq", "session wait ecs_nope --deadline 1").run(1);
    out.says("SESSION_NOT_FOUND");

    let body = json!({"data": {"id": pending, "status": "open", "payment_status": "failed"}});
    fake.inject(replies(200, &body));
    let wait = format!("session wait {pending} --deadline 2");
    let out = api(&fake, "ureq", &wait).run(1);
    out.shows(json!({"outcome": "failed"}));
    out.says("PAYMENT_FAILED");
    let (id, _) = create(&fake, "ureq");
    for row in [
        r#"paid {"status":"complete","payment_status":"paid"}"#,
        r#"paid {"status":"complete","payment_status":"succeeded"}"#,
        r#"complete_unconfirmed {"status":"complete"}"#,
        r#"complete_unconfirmed {"status":"complete","paid":true,"outcome":"paid"}"#,
        r#"expired {"status":"expired","payment_status":"unpaid"}"#,
        r#"failed {"status":"open","payment_status":"failed"}"#,
        r#"pending {"status":"open","payment_status":"processing"}"#,
    ] {
        let (outcome, fields) = row.split_once(' ').unwrap();
        let paid = outcome == "paid";
        let mut data: Value = serde_json::from_str(fields).unwrap();
        data["id"] = json!(id);
        let body = json!({"success": true, "timestamp": "2026-01-01T00:00:00.000Z", "data": data});
        fake.inject(replies(200, &body));
        let out = api(&fake, "ureq", &format!("session get {id} --output json")).run(0);
        out.json_has(json!({"outcome": outcome, "paid": paid}));
        fake.inject(replies(200, &body));
        let out = api(&fake, "isahc", &format!("session get {id}")).run(0);
        out.shows(json!({"outcome": outcome, "paid": paid.to_string()}));
    }
}

// ---- webhooks ----

const EVENT: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"id":"ecs_1","client_secret":"ecs_secret_hidden"},"created_at":"2026-01-01T00:00:00Z","livemode":false}"#;

/// `webhook verify --secret secret --signature signature` (either may be empty).
fn verify(secret: &str, signature: &str) -> Cli {
    cli("webhook verify").args(&["--secret", secret, "--signature", signature])
}

/// `webhook verify` reads a file or stdin, needs no API key, names each failure, refuses an
/// empty secret, and verifies the fake's deliveries with the secret from a flag or the
/// environment.
#[test]
fn webhook_verify_reads_a_file_or_stdin_and_names_each_failure() {
    let secret = "whsec_cli_test";
    let signature = webhook::sign(&WebhookSecret::new(secret), EVENT);
    let file = temp_file("event.json", Some(EVENT));
    let from_file = verify(secret, &signature).args(&[file.to_str().unwrap()]);
    let out = from_file.run(0);
    out.hides("ecs_secret_hidden");
    let event = json!({"id": "evt_1", "type": "checkout.session.completed"});
    out.shows(json!({"data.id": "ecs_1", "livemode": "false"}));
    out.shows(event.clone());
    let from_stdin = verify(secret, &signature).arg("- --output json");
    let out = from_stdin.stdin(EVENT).run(0);
    out.json_has(event);
    out.json_has(json!({"livemode": false}));
    // Stdin is the default; a broken API environment is no concern of verify.
    let default = verify(secret, &signature).stdin(EVENT);
    default.env("EASY_API_URL", "not a url").run(0);
    std::fs::remove_file(file).unwrap();
    let secret = WebhookSecret::new(secret);
    let mut tampered = EVENT.to_vec();
    tampered[10] ^= 1;
    let junk = b"not json";
    let bare = signature.trim_start_matches("sha256=");
    let junk_signature = webhook::sign(&secret, junk);
    let (refused, not_an_event) = ("authentication", "invalid_request");
    let (mismatch, not_json) = ("WEBHOOK_SIGNATURE_MISMATCH", "WEBHOOK_BODY_INVALID_JSON");
    for (signature, body, code, kind) in [
        (&*signature, &*tampered, mismatch, refused),
        (bare, EVENT, "WEBHOOK_SIGNATURE_FORMAT_INVALID", refused),
        ("", EVENT, "WEBHOOK_SIGNATURE_MISSING", refused),
        (&junk_signature, junk, not_json, not_an_event),
    ] {
        let verify = verify("whsec_cli_test", signature).stdin(body);
        let out = verify.clone().arg("--output json").run(1);
        assert_eq!(out.stdout, "", "nothing verified or printed");
        out.error_has(json!({"code": code, "kind": kind}));
        let out = verify.run(1);
        assert!(out.stderr.starts_with(&format!("error: {code}")), "{out:?}");
    }
    // A file that cannot be read is invalid input.
    let unreadable = verify("whsec_cli_test", &signature).arg("/nonexistent/x.json");
    unreadable.run(2);

    // Signed with the empty key: anyone can forge this.
    let body = br#"{"id":"evt_forged","type":"checkout.session.completed","data":{"id":"ecs_1"},"created_at":"2026-01-01T00:00:00Z","livemode":false}"#;
    let signature = webhook::sign(&WebhookSecret::new(""), body);
    let flag = verify("", &signature).stdin(body);
    let env_only = cli(&format!("webhook verify --signature {signature}")).stdin(body);
    for refused in [
        flag.clone(),
        env_only.env("EASY_WEBHOOK_SECRET", ""),
        // An empty flag is not rescued by a set variable.
        flag.clone().env("EASY_WEBHOOK_SECRET", "whsec_set"),
    ] {
        let out = refused.arg("--output json").run(2);
        out.hides("evt_forged");
        assert_eq!(out.stdout, "", "nothing verified or printed");
        out.error_has(json!({"kind": "invalid_input"}));
    }
    let out = flag.run(2);
    assert!(out.stderr.starts_with("error: invalid input"), "{out:?}");
    let fake = FakeEasy::start().unwrap();
    let (card, _) = create(&fake, "ureq");
    let (crypto, _) = create(&fake, "ureq");
    assert!(fake.mark_paid(&card));
    assert!(fake.mark_crypto_paid(&crypto));
    let completed = (&card, "checkout.session.completed");
    for (id, kind) in [completed, (&crypto, "checkout.session.crypto_confirmed")] {
        let hook = fake.webhook_for(id).unwrap();
        let verify = |secret| verify(secret, &hook.signature).stdin(&hook.body);
        let out = verify(FAKE_WEBHOOK_SECRET).arg("--output json").run(0);
        out.json_has(json!({"type": kind, "data": {"id": id}}));
        verify("wrong").run(1).says("WEBHOOK_SIGNATURE_MISMATCH");
    }
    let hook = fake.webhook_for(&card).unwrap();
    let line = format!("webhook verify --signature {}", hook.signature);
    let verify = cli(&line).arg("--output json").stdin(&hook.body);
    let from_env = |secret: &str| verify.clone().env("EASY_WEBHOOK_SECRET", secret);
    let out = from_env(FAKE_WEBHOOK_SECRET).run(0);
    out.json_has(json!({"data": {"id": card}}));
    let out = from_env("wrong").run(1);
    out.error_has(json!({"code": "WEBHOOK_SIGNATURE_MISMATCH"}));
    // The flag wins over the environment; neither is a usage error.
    let flag = format!("--secret {FAKE_WEBHOOK_SECRET}");
    from_env("wrong").arg(&flag).run(0);
    verify.run(2);
    let help = cli("webhook verify --help");
    let out = help.env("EASY_WEBHOOK_SECRET", FAKE_WEBHOOK_SECRET).run(0);
    out.prints("EASY_WEBHOOK_SECRET");
    assert_eq!(fake.requests().len(), 2, "verify sends nothing");
}

/// One POST an [`endpoint`] read: header names lowercased, and the body.
#[derive(Debug)]
struct Delivered {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Delivered {
    fn header(&self, name: &str) -> &str {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map_or("", |(_, v)| v.as_str())
    }
}

/// A webhook endpoint on loopback that answers `status` to each of the next `n` requests:
/// its URL, and what it read once it has read them.
fn endpoint(status: u16, n: usize) -> (String, std::thread::JoinHandle<Vec<Delivered>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let reader = std::thread::spawn(move || {
        let mut read = Vec::new();
        for stream in listener.incoming().take(n) {
            let mut stream = BufReader::new(stream.unwrap());
            let lines = stream.by_ref().lines().map(Result::unwrap);
            let head: Vec<String> = lines.take_while(|line| !line.is_empty()).collect();
            let split = head.iter().filter_map(|line| line.split_once(':'));
            let headers: Vec<_> = split
                .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
                .collect();
            let length = headers.iter().find(|(n, _)| n == "content-length");
            let mut body = vec![0; length.map_or(0, |(_, v)| v.parse().unwrap())];
            stream.read_exact(&mut body).unwrap();
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            stream.get_mut().write_all(answer.as_bytes()).unwrap();
            read.push(Delivered { headers, body });
        }
        read
    });
    (url, reader)
}

/// `webhook send` POSTs a signed event as Easy delivers one; `-v` logs what it sends and what
/// came back, as the API commands' `-v` does, never the secret (nor the URL's token).
#[test]
fn webhook_send_posts_a_signed_event_as_easy_delivers_one_and_logs_it_with_v() {
    let secret = "whsec_cli_send_probe";
    for transport in TRANSPORTS {
        let (url, received) = endpoint(200, 2);
        let send = format!("--transport {transport} webhook send {url} --secret {secret}");
        let send = cli(&send).arg("--session ecs_9 --event-id evt_fixed");
        let out = send.clone().arg("--output json").run(0);
        out.json_has(json!({"url": url, "status": 200, "event_id": "evt_fixed",
            "type": "checkout.session.completed", "attempt": 1}));
        // The same event again, as a retry: a handler must see it is the same.
        let again = send.arg("--attempt 2").run(0);
        again.shows(json!({"status": "200", "attempt": "2", "event_id": "evt_fixed"}));
        let delivered = received.join().unwrap();
        let secret = WebhookSecret::new(secret);
        for (n, delivery) in delivered.iter().enumerate() {
            let header = |name| delivery.header(name);
            assert_eq!(header("content-type"), "application/json");
            assert_eq!(header("x-easy-event"), "checkout.session.completed");
            assert_eq!(header("x-easy-webhook-attempt"), (n + 1).to_string());
            let signature = header("x-easy-webhook-signature");
            let event = webhook::verify(&secret, Some(signature), &delivery.body).unwrap();
            let about = (event.id.as_str(), event.data["id"].as_str());
            assert_eq!(about, ("evt_fixed", Some("ecs_9")));
            assert_eq!(event.data["payment_status"], "succeeded");
        }
        let [first, second] = [0, 1].map(|n| delivered[n].header("x-easy-delivery-id"));
        assert_eq!(first.len(), 36, "a UUID");
        assert_ne!(first, second);
        assert_eq!(out.json()["delivery_id"], first);
        let signature = delivered[0].header("x-easy-webhook-signature");
        assert_eq!(out.json()["signature"], signature);
        let (url, received) = endpoint(404, 1);
        let line = format!("--transport {transport} -v webhook send --secret whsec_verbose_probe");
        let send = cli(&line).args(&[&format!("{url}?token=t0k3n_v")]);
        let send = send.arg("--event-id evt_v --attempt 2 --output json");
        let out = send.run(1);
        out.hides("t0k3n_v");
        let sent = out.json();
        let lines: Vec<&str> = out.stderr.lines().collect();
        let request = format!(
            "-> POST {url}?token=[REDACTED] (event evt_v, type checkout.session.completed, \
             attempt 2, delivery {}, {} bytes)",
            sent["delivery_id"].as_str().unwrap(),
            sent["bytes"]
        );
        assert_eq!(lines[0], request, "{out:?}");
        let answer = lines[1].strip_prefix("<- 404 in ");
        let ms = answer.and_then(|l| l.strip_suffix("ms"));
        assert!(ms.is_some_and(|ms| ms.parse::<u64>().is_ok()), "{out:?}");
        assert_eq!(lines.len(), 3, "and the error: {out:?}");
        received.join().unwrap();
        // A failed delivery says so; without -v nothing is logged.
        let closed = closed_port_url();
        let send = cli(&format!("--transport {transport} webhook send {closed}"));
        let out = send.clone().arg("--secret whsec_verbose_probe -v").run(3);
        let lines: Vec<&str> = out.stderr.lines().collect();
        let request = format!("-> POST {closed} (event evt_");
        assert!(lines[0].starts_with(&request), "{out:?}");
        assert_eq!(lines[1], "<- failed: could not connect", "{out:?}");
        let out = send.arg("--secret whsec_verbose_probe").run(3);
        assert!(!out.stderr.contains("-> POST"), "{out:?}");
    }
}

/// `webhook send` takes a body of its own and the secret from the environment; a refused
/// delivery reports the endpoint's status, in its JSON error as in its message.
#[test]
fn webhook_send_takes_a_body_of_its_own_and_says_what_the_endpoint_answered() {
    let (url, received) = endpoint(500, 1);
    let line = format!("webhook send {url} --secret whsec_x --output json");
    let out = cli(&line).run(1);
    out.json_has(json!({"status": 500}));
    out.error_has(json!({"kind": "server", "code": "WEBHOOK_REJECTED"}));
    let message = out.error()["message"].as_str().unwrap().to_owned();
    let answered = "the endpoint answered HTTP 500 (event evt_";
    assert!(message.starts_with(answered), "{out:?}");
    received.join().unwrap();
    let (url, received) = endpoint(404, 2);
    let line = format!("webhook send {url} --secret whsec_x --event-id evt_404");
    let send = cli(&line);
    let out = send.clone().arg("--output json").run(1);
    let delivery_id = out.json()["delivery_id"].as_str().unwrap().to_owned();
    let expected = json!({"kind": "not_found", "status": 404, "code": "WEBHOOK_REJECTED",
        "message": format!("the endpoint answered HTTP 404 (event evt_404, delivery {delivery_id})"),
        "details": null, "retry_after_seconds": null, "outcome_unknown": false,
        "idempotency_key": null});
    assert_eq!(out.error(), expected);
    out.json_has(json!({"status": 404}));
    let out = send.run(1);
    let delivery_id = out.field("delivery_id");
    let line = format!(
        "error: WEBHOOK_REJECTED: the endpoint answered HTTP 404 (event evt_404, delivery \
         {delivery_id})\n"
    );
    assert_eq!(out.stderr, line);
    received.join().unwrap();
    // Nobody listening: a transport failure.
    let closed = closed_port_url();
    let send = |line: &str| cli(&format!("webhook send {closed} {line}"));
    let out = send("--secret whsec_x --output json").run(3);
    out.error_has(json!({"kind": "transport"}));
    // Refused before anything is sent.
    for bad in ["ftp://127.0.0.1/x", "/webhooks", "http://"] {
        let out = cli("webhook send --secret whsec_x").args(&[bad]).run(2);
        out.says("invalid input");
    }
    let empty = send("").args(&["--secret", ""]).run(2);
    empty.says("must not be empty");
    send("--secret whsec_x --attempt 4").run(2);
    send("--secret whsec_x --payload - --session ecs_1").run(2);
    let (url, received) = endpoint(204, 2);
    let body =
        br#"{"id":"evt_mine","type":"checkout.session.crypto_confirmed","data":{"id":"ecs_5"}}"#;
    let send = cli(&format!("webhook send {url} --payload -"));
    let out = send.clone().stdin(body);
    let out = out.env("EASY_WEBHOOK_SECRET", FAKE_WEBHOOK_SECRET).run(0);
    out.shows(json!({"event_id": "evt_mine", "status": "204",
        "type": "checkout.session.crypto_confirmed"}));
    // A body that is no event goes out as it is, under --type.
    let junk = send.arg("--type x.test --secret whsec_j");
    let junk = junk.stdin(b"not json");
    let junk = junk.run(0);
    junk.shows(json!({"type": "x.test", "event_id": "-"}));
    let delivered = received.join().unwrap();
    assert_eq!(delivered[0].body, body);
    let event = delivered[0].header("x-easy-event");
    assert_eq!(event, "checkout.session.crypto_confirmed");
    let signature = delivered[0].header("x-easy-webhook-signature");
    let secret = WebhookSecret::new(FAKE_WEBHOOK_SECRET);
    webhook::verify(&secret, Some(signature), body).unwrap();
    assert_eq!(delivered[1].body, b"not json");
    assert_eq!(delivered[1].header("x-easy-event"), "x.test");
}

/// A password or a token in the endpoint's URL is a secret: shown redacted, everywhere.
#[test]
fn webhook_send_never_shows_the_urls_password_or_query_values() {
    let hide = |out: &Run| {
        for hidden in ["hookuser_9", "pa55word_9", "t0k3n_9", "=test"] {
            out.hides(hidden);
        }
    };
    let (url, received) = endpoint(200, 2);
    let with_secrets = |url: &str| {
        let url = url.replacen("http://", "http://hookuser_9:pa55word_9@", 1);
        format!("{url}?token=t0k3n_9&mode=test")
    };
    let shown = |url: &str| {
        let url = url.replacen("http://", "http://[REDACTED]@", 1);
        format!("{url}?token=[REDACTED]&mode=[REDACTED]")
    };
    let send = cli("webhook send --secret whsec_x").args(&[&with_secrets(&url)]);
    let out = send.clone().arg("--output json").run(0);
    out.json_has(json!({"url": shown(&url), "status": 200}));
    hide(&out);
    let out = send.run(0);
    out.shows(json!({"url": shown(&url)}));
    hide(&out);
    received.join().unwrap();
    // Nobody listening, or no http(s) URL: the errors show it redacted too.
    let closed = closed_port_url();
    for transport in TRANSPORTS {
        let line = format!("--transport {transport} webhook send --secret whsec_x");
        let send = cli(&line);
        let out = send.args(&[&with_secrets(&closed)]).run(3);
        let shown = shown(&closed);
        let line = format!("error: could not deliver the event to {shown}: could not connect\n");
        assert_eq!(out.stderr, line);
        hide(&out);
    }
    let url = "ftp://hookuser_9:pa55word_9@127.0.0.1/x?token=t0k3n_9&mode=test";
    let out = cli("webhook send --secret whsec_x").args(&[url]).run(2);
    let line = "error: invalid input: the endpoint \"ftp://[REDACTED]@127.0.0.1/x?token=\
        [REDACTED]&mode=[REDACTED]\" is not an absolute http:// or https:// URL\n";
    assert_eq!(out.stderr, line);
    hide(&out);
}

// ---- logging, the demo, the fake server, TLS ----

#[test]
fn verbose_logs_requests_and_retries_without_secrets() {
    let fake = FakeEasy::start().unwrap();
    let base = fake.base_url();
    for transport in TRANSPORTS {
        let global = format!("--api-key {SECRET_KEY} --base-url {base} --transport {transport}");
        let verbose = |line: &str| cli(&format!("{global} -v {line}"));
        let out = verbose("session create --item p --return-url https://a.example/r").run(0);
        out.says(&format!("-> POST {base}/embedded-checkout (retry 0)"));
        out.says("<- 200 in ");
        let secret = out.field("client_secret");
        let confirm = format!("session confirm --client-secret {secret} --payment-method {CARD}");
        verbose(&format!("session validate --client-secret {secret}")).run(0);
        verbose(&confirm).run(0);
        verbose("session get ecs_missing").run(1).says("<- 404 in ");
    }
    let requests = fake.requests();
    for request in &requests {
        let expected = (!browser_side(request)).then_some(SECRET_KEY);
        let key = request.header("x-easy-api-key");
        assert_eq!(key, expected, "{} {}", request.method, request.path);
    }
    let sent = requests.iter().filter(|r| browser_side(r)).count();
    assert_eq!(sent, 4, "two validates and two confirms");
    fake.clear_requests();
    fake.inject(Fault::status(503));
    let out = api(&fake, "ureq", "-v --max-retries 1 config get").run(0);
    for line in ["<- 503 in ", ".. retry 1 in ", "(retry 1)"] {
        out.says(line);
    }
    assert_eq!(fake.requests().len(), 2);
}

/// The demo's steps, in order.
const DEMO_STEPS: &str = "create_session validate confirm retrieve_session crypto_status \
    get_config update_config webhook_verify wait_for_payment";

#[test]
fn demo_runs_the_whole_flow_in_both_vocabularies() {
    let steps: Vec<&str> = DEMO_STEPS.split_whitespace().collect();
    for (vocabulary, paid) in [("sdk", "succeeded"), ("reference", "paid")] {
        for transport in TRANSPORTS {
            // The demo runs its own fake: the API key and URL of the environment are ignored.
            let line = format!("--transport {transport} demo --vocabulary {vocabulary}");
            let demo = cli(&line);
            let demo = demo.env("EASY_API_KEY", "garbage key with spaces");
            let demo = demo.env("EASY_API_URL", "http://not-loopback.example.com");
            let out = demo.run(0);
            out.hides("ecs_secret_");
            let first_words = out.stdout.lines().filter_map(|l| l.split(' ').next());
            let shown: Vec<&str> = first_words.filter(|word| steps.contains(word)).collect();
            assert_eq!(shown, steps, "{out:?}");
            out.prints(&format!("in the {vocabulary} vocabulary"));
            let summary = format!("outcome=paid status=complete payment_status={paid}");
            out.prints(&summary);
            out.prints("client_secret=[REDACTED]");
            out.prints("attempt=1");
        }
        let out = cli(&format!("--output json demo --vocabulary {vocabulary}")).run(0);
        out.hides("ecs_secret_");
        let json = out.json();
        assert_eq!(json["vocabulary"], vocabulary);
        let names = json["steps"].as_array().unwrap();
        let names = names.iter().map(|step| &step["step"]);
        assert_eq!(names.collect::<Vec<_>>(), steps);
        let created = &json["steps"][0]["result"];
        let reference = vocabulary == "reference";
        assert_eq!(created["amount_total"].is_u64(), reference, "{created}");
        assert_eq!(created["line_items"].is_array(), reference, "{created}");
    }
    cli("demo --vocabulary python").run(2);
}

/// A result that cannot be written (a closed pipe, a full disk) is exit 5, never a silent 0:
/// stderr says the call was made, and what it made (a session's id, never its secret).
#[test]
fn a_result_that_cannot_be_written_is_exit_5_saying_what_was_made() {
    let fake = FakeEasy::start().unwrap();
    let closed = "the result could not be written to stdout (Broken pipe (os error 32))";
    let out = api(&fake, "ureq", "config get").run_with_stdout(None, 5);
    let made = "the call was made and succeeded";
    assert_eq!(out.stderr, format!("error: {closed}; {made}\n"));
    let create = "session create --item p:1 --return-url https://s.example/r";
    let out = api(&fake, "ureq", create).run_with_stdout(None, 5);
    let session = fake.sessions().pop().unwrap();
    let (id, secret) = (session["id"].as_str().unwrap(), &session["client_secret"]);
    let secret = secret.as_str().unwrap();
    let created = format!("the call was made: a session was created, id {id}");
    assert_eq!(out.stderr, format!("error: {closed}; {created}\n"));
    out.hides(secret);
    if cfg!(target_os = "linux") {
        let full = || Some(std::fs::File::create("/dev/full").unwrap());
        let no_space = "the result could not be written to stdout (No space left on device (os \
            error 28))";
        let keyed = format!("{create} --idempotency-key cart-9");
        for output in ["text", "json"] {
            let line = format!("{keyed} --output {output}");
            let out = api(&fake, "isahc", &line).run_with_stdout(full(), 5);
            let session = fake.sessions().pop().unwrap();
            out.hides(session["client_secret"].as_str().unwrap());
            let id = &session["id"];
            let made = "the call was made: a session was created, id";
            let message = format!("{no_space}; {made} {}", id.as_str().unwrap());
            if output == "json" {
                let expected = json!({"kind": "output", "status": null,
                    "code": "OUTPUT_NOT_WRITTEN", "message": message, "details": {"id": id},
                    "retry_after_seconds": null, "outcome_unknown": false,
                    "idempotency_key": "cart-9"});
                assert_eq!(out.error(), expected);
            } else {
                let line = format!("error: {message} (idempotency key cart-9)\n");
                assert_eq!(out.stderr, line);
            }
        }
        // A webhook secret, a client secret and an API key never show either.
        let (url, received) = endpoint(200, 1);
        let send = cli(&format!("webhook send {url} --secret whsec_lost_probe"));
        let out = send.run_with_stdout(full(), 5);
        let sent = "the call was made: the event was sent";
        assert_eq!(out.stderr, format!("error: {no_space}; {sent}\n"));
        received.join().unwrap();
        let confirm = confirm(&fake.base_url(), "ureq", secret, "--idempotency-key pay-9");
        let out = confirm.run_with_stdout(full(), 5);
        out.says("; the call was made: the payment was confirmed, id ecs_");
        out.says(" (idempotency key pay-9)\n");
        let get = format!("--base-url {} session get ecs_missing", fake.base_url());
        let get = cli(&get).env("EASY_API_KEY", SECRET_KEY);
        let out = get.run_with_stdout(full(), 1);
        out.says("SESSION_NOT_FOUND");
        // A fake server nobody can find stops instead of serving forever.
        let out = cli("fake-server").run_with_stdout(full(), 5);
        out.says_one_error_line("; the fake server started, and stops: nobody can read its URL\n");
    }
    // Written in full, the same commands succeed; the code is documented.
    api(&fake, "ureq", create).run(0);
    let help = cli("--help").run(0);
    help.prints(
        "  5  the command succeeded (the call was made) but its result could not be written to\n",
    );
}

/// A `fake-server` child and the `key value` lines it printed first; killed when dropped.
struct FakeServer {
    child: std::process::Child,
    printed: std::collections::HashMap<String, String>,
}

impl FakeServer {
    /// Starts `fake-server {line}` (with `env`), reading the first `lines` it prints.
    fn start(line: &str, env: &[(&str, &str)], lines: usize) -> Self {
        let mut fake_server = cli(&format!("fake-server {line}"));
        for (name, value) in env {
            fake_server = fake_server.env(name, value);
        }
        let mut child = fake_server.spawn(Stdio::piped(), Stdio::null());
        let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut read = || {
            let line = out.next().unwrap().unwrap();
            let (key, value) = line.split_once(' ').unwrap();
            (key.to_owned(), value.trim().to_owned())
        };
        let printed = (0..lines).map(|_| read()).collect();
        Self { child, printed }
    }

    fn get(&self, key: &str) -> &str {
        &self.printed[key]
    }

    /// `line` with the printed key and base URL first.
    fn api(&self, line: &str) -> Cli {
        let (key, url) = (self.get("api_key"), self.get("base_url"));
        cli(&format!("--api-key {key} --base-url {url} {line}"))
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fake serves until killed, its control API on the same port, and delivers to its
/// webhook URLs: the whole fulfilment loop. The variables of sending requests are the API
/// commands' business: it serves with them set.
#[test]
fn fake_server_serves_until_killed_and_delivers_to_its_webhook_urls() {
    let env = [
        ("EASY_API_KEY", SECRET_KEY),
        ("EASY_API_URL", "http://127.0.0.1:1/v1/api"),
        ("EASY_CA_CERT", "/nonexistent/ca.pem"),
    ];
    let (url, received) = endpoint(200, 1);
    let line = format!("--webhook-url {url} --webhook-deadline 5 --webhook-backoff 0.01");
    let fake = FakeServer::start(&line, &env, 6);
    assert_eq!(fake.get("webhook_urls"), url);
    assert_eq!(fake.get("webhook_secret"), FAKE_WEBHOOK_SECRET);
    let base_url = fake.get("base_url");
    assert_eq!(fake.get("api_key"), FakeEasy::TEST_KEY);
    assert_eq!(fake.get("control_url"), format!("{base_url}/__fake/"));
    assert_eq!(fake.get("vocabulary"), "sdk");
    fake.api("key check").run(0);
    let mut stream = std::net::TcpStream::connect(&base_url["http://".len()..]).unwrap();
    let request = "GET /__fake/requests HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.contains(r#""path":"/validate-key""#), "{reply}");
    // Pay as the iframe does, through the CLI.
    let create = "session create --item price_a --return-url https://shop.example/r";
    let session = fake.api(&format!("{create} --output json")).run(0).json();
    let client_secret = session["client_secret"].as_str().unwrap();
    confirm(base_url, "ureq", client_secret, "").run(0);
    // Receive, verify, and deduplicate on the event id.
    let delivered = received.join().unwrap();
    let delivery = &delivered[0];
    assert_eq!(delivery.header("x-easy-webhook-attempt"), "1");
    let signature = delivery.header("x-easy-webhook-signature");
    let verify = verify(fake.get("webhook_secret"), signature).stdin(&delivery.body);
    let event = verify.arg("--output json").run(0).json();
    let about = (event["type"].clone(), event["data"]["id"].clone());
    let expected = (json!("checkout.session.completed"), session["id"].clone());
    assert_eq!(about, expected);
    assert!(event["id"].as_str().unwrap().starts_with("evt_"));
}

/// `fake-server --vocabulary reference` answers in the API reference's vocabulary, and the
/// SDK behind the CLI reads it: a paid session is `complete`/`paid`, and paid.
#[test]
fn fake_server_speaks_the_reference_vocabulary() {
    let fake = FakeServer::start("--vocabulary reference", &[], 5);
    assert_eq!(fake.get("vocabulary"), "reference");
    for transport in TRANSPORTS {
        let session = |line: &str| fake.api(&format!("--transport {transport} session {line}"));
        let create =
            "create --item price_a:2 --output json --return-url https://shop.example.com/r";
        let created = session(create).run(0).json();
        assert_eq!(created["amount_total"], 200, "{created}");
        let id = created["id"].as_str().unwrap();
        let secret = created["client_secret"].as_str().unwrap();
        let validate = session(&format!("validate --client-secret {secret} --output json"));
        let valid = json!({"success": true, "valid": null});
        validate.run(0).json_has(valid);
        let confirm = session(&format!("confirm --client-secret {secret}"));
        confirm.args(&["--payment-method", CARD]).run(0);
        let get = session(&format!("get {id} --output json")).run(0);
        let paid = json!({"status": "complete", "payment_status": "paid", "outcome": "paid"});
        get.json_has(paid);
        get.json_has(json!({"paid": true}));
        let wait = session(&format!("wait {id} --deadline 2")).run(0);
        wait.shows(json!({"outcome": "paid", "session.payment_status": "paid"}));
    }
}

#[test]
fn ca_cert_trusts_the_fake_server_over_tls_on_both_transports() {
    let fake = FakeServer::start("--tls", &[], 6);
    let (base_url, ca_cert) = (fake.get("base_url"), fake.get("ca_cert"));
    assert!(base_url.starts_with("https://127.0.0.1:"), "{base_url}");
    assert_eq!(fake.get("control_url"), format!("{base_url}/__fake/"));
    let pem = std::fs::read_to_string(ca_cert).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    for transport in TRANSPORTS {
        let api = |line: &str| fake.api(&format!("--transport {transport} {line}"));
        api("key check").args(&["--ca-cert", ca_cert]).run(0);
        api("config get").env("EASY_CA_CERT", ca_cert).run(0);
        // Without the CA: a TLS failure (exit 3), never retried into success.
        let out = api("key check --output json").run(3);
        out.error_has(json!({"kind": "transport"}));
        let message = out.error()["message"].as_str().unwrap().to_owned();
        assert!(message.contains("TLS"), "{out:?}");
    }
    std::fs::remove_file(ca_cert).unwrap();
}

/// The CA file's name is predictable (`easy-checkout-fake-{port}-ca.pem` in the temp
/// directory): a symlink planted there is removed, never followed, and the file created anew.
#[cfg(unix)]
#[test]
fn fake_server_tls_never_follows_a_planted_symlink_to_its_ca_file() {
    let tmp = std::env::temp_dir();
    let tmp_dir = tmp.to_str().unwrap();
    let victim = temp_file("victim.txt", Some(b"not yours to overwrite"));
    let port = free_port(1);
    let path = tmp.join(format!("easy-checkout-fake-{port}-ca.pem"));
    let _ = std::fs::remove_file(&path);
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    let line = format!("--tls --port {port}");
    let fake = FakeServer::start(&line, &[("TMPDIR", tmp_dir)], 6);
    assert_eq!(fake.get("ca_cert"), path.to_str().unwrap());
    let kept = std::fs::read_to_string(&victim).unwrap();
    assert_eq!(kept, "not yours to overwrite");
    let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
    assert!(kind.is_file() && !kind.is_symlink(), "{kind:?}");
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let ca_cert = ["--ca-cert", path.to_str().unwrap()];
    fake.api("key check").args(&ca_cert).run(0);
    drop(fake);
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_file(&victim).unwrap();

    // What cannot be removed (here a directory) is an error, before anything is printed.
    if cfg!(target_os = "linux") {
        let port = free_port(2);
        let path = tmp.join(format!("easy-checkout-fake-{port}-ca.pem"));
        std::fs::create_dir(&path).unwrap();
        let line = format!("fake-server --tls --port {port}");
        let out = cli(&line).env("TMPDIR", tmp_dir).run(3);
        let expected = format!(
            "error: could not remove {} to write the CA certificate: Is a directory (os error \
             21)\n",
            path.display()
        );
        assert_eq!(out.stderr, expected);
        assert_eq!(out.stdout, "");
        std::fs::remove_dir(&path).unwrap();
    }
}

/// `fake-server` sends no request: the global flags of sending them are refused, never
/// silently ignored; and a webhook URL it cannot deliver to is refused before it serves.
#[test]
fn fake_server_refuses_what_it_cannot_honour_before_serving() {
    for (given, named) in [
        ("--api-key junkkey_5e1", "--api-key"),
        ("--base-url http://127.0.0.1:1/v1/api", "--base-url"),
        ("--transport ureq", "--transport"),
        ("--timeout 5", "--timeout"),
        ("--ca-cert /nonexistent/ca.pem", "--ca-cert"),
        ("--max-retries 0", "--max-retries"),
        ("-v", "-v/--verbose"),
    ] {
        let line = format!(
            "error: invalid input: fake-server does not take {named}: it serves the fake API \
             and sends no request (its own key, URL and settings are printed once it serves)\n"
        );
        for command in [
            format!("fake-server {given}"),
            format!("{given} fake-server"),
        ] {
            let out = cli(&command).run(2);
            assert_eq!(out.stderr, line);
            assert_eq!(out.stdout, "", "nothing served");
            out.hides("junkkey_5e1");
        }
        let json = cli(&format!("fake-server --output json {given}")).run(2);
        json.error_has(json!({"kind": "invalid_input"}));
    }
    let help = cli("fake-server --help").run(0);
    help.prints("It sends no request: the global flags of sending them (--api-key, --base-url, --transport, --timeout, --ca-cert, --max-retries, -v) are refused (exit 2) rather than ignored");
    let port = "has a port that is not a number from 1 to 65535";
    let https = "the fake delivers over plain http only";
    for (url, says) in [
        ("ftp://127.0.0.1/hooks", "must start with http://"),
        ("https://127.0.0.1/hooks", https),
        ("http://127.0.0.1:0/hooks", port),
    ] {
        let out = cli("fake-server --webhook-url").args(&[url]).run(2);
        let invalid = "invalid input: --webhook-url: invalid webhook endpoint URL";
        out.says(&format!("{invalid} {url:?}: {says}"));
        assert_eq!(out.stdout, "", "nothing served");
        let json = cli("fake-server --output json --webhook-url").args(&[url]);
        json.run(2).error_has(json!({"kind": "invalid_input"}));
    }
    let six = (1..=6).map(|n| format!("--webhook-url http://127.0.0.1:{n}/"));
    let six = six.collect::<Vec<_>>().join(" ");
    let out = cli(&format!("fake-server {six}")).run(2);
    out.says("at most 5 webhook endpoints");
    cli("fake-server --webhook-deadline 0").run(2);
}
