//! Proxies from the environment: never for `http://`, always for `https://`. Each check
//! re-runs the caller's test in a child process with the variables set (see the crate docs,
//! "How it runs"), where the kit ([`Child`]) sends one request and prints what became of it.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use easy_checkout_core::http;

use super::Cx;
use crate::cx::{Make, fast_settings};
use crate::loopback::{FakeProxy, Server, reply};

/// Set in the child's environment: the check it runs for.
const CHILD_CHECK: &str = "EASY_CHECKOUT_CONFORMANCE_CHILD";
/// Set in the child's environment: which kit run of the test asked (0 for the first).
const CHILD_RUN: &str = "EASY_CHECKOUT_CONFORMANCE_RUN";
/// Set in the child's environment: the URL to request.
const CHILD_URL: &str = "EASY_CHECKOUT_CONFORMANCE_URL";
/// The line the child reports on.
const REPORT: &str = "EASY_CHECKOUT_CONFORMANCE_CHILD_REPORT: ";

/// Every variable an HTTP client reads a proxy from.
const PROXY_VARS: [&str; 6] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// How long a child may take: build a transport, send one request.
const CHILD_BOUND: Duration = Duration::from_secs(15);

/// What a child process of a proxy check is to do.
pub(crate) struct Child {
    /// Which kit run of the test it belongs to.
    pub(crate) run: usize,
    url: String,
}

impl Child {
    /// The child's task, when this process is one.
    pub(crate) fn from_env() -> Option<Self> {
        std::env::var_os(CHILD_CHECK)?;
        Some(Self {
            run: std::env::var(CHILD_RUN).ok()?.parse().ok()?,
            url: std::env::var(CHILD_URL).ok()?,
        })
    }

    /// Sends a GET carrying an API key to the URL, through a transport built now (with the
    /// proxy variables set), and prints what became of it.
    pub(crate) fn send_and_report(&self, make: &Make) {
        let transport = make(fast_settings(), None);
        let request = http::Request::get(&self.url)
            .header("x-easy-api-key", "sk_test_secret_in_clear")
            .body(Vec::new())
            .expect("request");
        match transport.send(request) {
            Ok(response) => println!("{REPORT}ok {}", response.status().as_u16()),
            Err(error) => println!("{REPORT}err {:?} {error}", error.kind()),
        }
    }
}

/// Re-runs the caller's test in a child process with every proxy variable set to `proxy`
/// (and no `NO_PROXY`) and returns what the child reported of its GET of `url`.
fn in_child(cx: &Cx, proxy: &str, url: &str) -> String {
    let Some((test, run)) = &cx.test else {
        panic!(
            "cannot run: this check re-runs the test that called the kit in a child process (to set the proxy variables), and the kit was not called from a test run by libtest or cargo-nextest (a `#[test]` function); call it from one, or skip this check"
        );
    };
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command
        .args([
            test.as_str(),
            "--exact",
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env(CHILD_CHECK, cx.check)
        .env(CHILD_RUN, run.to_string())
        .env(CHILD_URL, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in PROXY_VARS {
        command.env(name, proxy);
    }
    cx.note(format!("re-running the test `{test}` in a child process"));
    let mut child = command.spawn().expect("the child process starts");
    // Read on threads of their own, so that a full pipe never stalls the child.
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let out = read_all(Box::new(child.stdout.take().expect("piped")));
    let err = read_all(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            break Some(status);
        }
        if started.elapsed() > CHILD_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    let Some(status) = status else {
        panic!(
            "the child process did not finish within {CHILD_BOUND:?} (it was killed)\n{stdout}\n{stderr}"
        );
    };
    let report = stdout
        .lines()
        .find_map(|line| line.split_once(REPORT).map(|(_, report)| report.to_owned()));
    match report {
        Some(report) => report,
        None => panic!(
            "the child process (the test `{test}` re-run, {status}) reported nothing: was the kit run in it?\n{stdout}\n{stderr}"
        ),
    }
}

pub(crate) fn plain_http_never_goes_through_a_proxy(cx: &Cx) {
    let proxy = FakeProxy::start();
    let server = Server::fixed(reply("204 No Content", &[], b""));
    let report = in_child(cx, &proxy.url, &server.url("/direct"));
    let through_proxy = proxy.seen();
    assert!(
        through_proxy.is_empty(),
        "with HTTP_PROXY set, a GET of {} carrying the API key went to the proxy ({through_proxy:?}); the child reported `{report}`",
        server.url("/direct")
    );
    assert!(
        report == "ok 204",
        "with HTTP_PROXY set, a GET of {} did not reach the server directly: `{report}`",
        server.url("/direct")
    );
    let seen = server.request();
    assert_eq!(seen.request_line, "GET /direct HTTP/1.1");
}

pub(crate) fn https_goes_through_the_proxy_from_the_environment(cx: &Cx) {
    let proxy = FakeProxy::start();
    // `.invalid` never resolves: only the proxy can be asked for it. The proxy closes at once,
    // so the request fails; what matters is that it asked the proxy for a tunnel.
    let report = in_child(cx, &proxy.url, "https://api.example.invalid/x");
    let seen = proxy.seen();
    assert!(
        seen.first().map(String::as_str) == Some("CONNECT api.example.invalid:443 HTTP/1.1"),
        "with HTTPS_PROXY set, a GET of https://api.example.invalid/x did not ask the proxy for a tunnel: it saw {seen:?}; the child reported `{report}`"
    );
}
