//! The fake's resident memory over many calls: a real client (the ureq transport, one
//! keep-alive connection) over loopback against a fake in a child process, whose `VmRSS` is
//! read from `/proc` (Linux only). Not a test: a measurement, written up in `docs/fake.md`.
//!
//! ```text
//! cargo run --release -p easy-checkout-fake --example rss -- [CALLS] [EVERY] [OPTIONS]
//! ```
//!
//! Calls alternate create and retrieve (of the session just made); every `EVERY` calls
//! (default 50,000 of 500,000) a line gives the calls so far, the fake's RSS and the
//! seconds. Options:
//!
//! - `--reads`: create one session, then only retrieve it;
//! - `--churn`: each call a `GET /validate-key` on a connection of its own (plain
//!   `std::net`, `Connection: close`), so every call is a new connection and thread;
//! - `--clear`: the fake clears its recorded requests every half second;
//! - `--webhooks`: calls alternate create and confirm (a payment), and the fake delivers
//!   each payment's event to a receiver in this process that answers `204`;
//! - `--dead-webhook`: the same, delivered to a port nobody listens on (every delivery
//!   refused, retried with the default backoff: the waiting deliveries fill to their limit);
//! - `--max-recorded-requests N`, `--max-sessions N`, `--max-idempotency-records N`,
//!   `--session-grace-secs N`: the fake's settings (defaults otherwise).
//!
//! At the end the fake prints its own [`Stats`](easy_checkout_fake::Stats).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use easy_checkout_fake::FakeEasy;
use easy_checkout_ureq::easy_checkout_core::ops::{
    Confirm, CreateSession, LineItem, PaymentMethod,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        return serve(&args[1..]);
    }
    // The numbers first, then the options.
    let positional = args.iter().take_while(|a| !a.starts_with("--")).count();
    let (numbers, options) = args.split_at(positional);
    let calls: u64 = numbers.first().map_or(Ok(500_000), |a| a.parse())?;
    let every: u64 = numbers.get(1).map_or(Ok(50_000), |a| a.parse())?;
    let reads = options.iter().any(|a| a == "--reads");
    let churn = options.iter().any(|a| a == "--churn");
    let pays = options
        .iter()
        .any(|a| a == "--webhooks" || a == "--dead-webhook");
    let ours = ["--reads", "--churn", "--webhooks", "--dead-webhook"];
    let mut serve_options: Vec<String> = (options.iter())
        .filter(|a| !ours.contains(&a.as_str()))
        .cloned()
        .collect();
    if options.iter().any(|a| a == "--webhooks") {
        serve_options.extend(["--webhook-url".to_owned(), receiver()?]);
    }
    if options.iter().any(|a| a == "--dead-webhook") {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        serve_options.extend(["--webhook-url".to_owned(), format!("http://{closed}/")]);
    }

    let mut child = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .args(&serve_options)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    let base_url = line.trim().to_owned();
    let pid = child.id();

    let client = easy_checkout_ureq::with_base_url(FakeEasy::TEST_KEY, &base_url)?;
    let checkout = client.embedded_checkout();
    let params = CreateSession::new(
        vec![LineItem::new("price_abc", 2)],
        "https://shop.example/r",
    );
    println!("calls\tfake RSS (KiB)\tseconds");
    println!("0\t{}\t0", rss_kib(pid)?);
    let start = Instant::now();
    let mut id = String::new();
    let mut secret = None;
    for call in 1..=calls {
        if churn {
            call_on_new_connection(&base_url)?;
        } else if call % 2 == 1 && (call == 1 || !reads) {
            let session = checkout.create_session(&params)?;
            (id, secret) = (session.id, session.client_secret);
        } else if let (true, Some(secret)) = (pays, secret.take()) {
            checkout.confirm(&Confirm::new(secret, PaymentMethod::card("tok_rss")))?;
        } else {
            checkout.retrieve_session(&id)?;
        }
        if call % every == 0 {
            let seconds = start.elapsed().as_secs_f64();
            println!("{call}\t{}\t{seconds:.1}", rss_kib(pid)?);
        }
    }
    drop(child.stdin.take());
    let mut stats = String::new();
    stdout.read_to_string(&mut stats)?;
    print!("{stats}");
    child.wait()?;
    Ok(())
}

/// The child: a fake on a free port set up by `options`, its base URL on stdout, until stdin
/// closes; then its stats.
fn serve(options: &[String]) -> Result<()> {
    let mut builder = FakeEasy::builder();
    let mut clear = false;
    let mut options = options.iter();
    while let Some(option) = options.next() {
        let mut value = || -> Result<u64> { Ok(options.next().ok_or("a value")?.parse()?) };
        builder = match option.as_str() {
            "--clear" => {
                clear = true;
                builder
            }
            "--max-recorded-requests" => builder.max_recorded_requests(value()? as usize),
            "--max-sessions" => builder.max_sessions(value()? as usize),
            "--max-idempotency-records" => builder.max_idempotency_records(value()? as usize),
            "--session-grace-secs" => builder.session_grace(Duration::from_secs(value()?)),
            "--webhook-url" => builder.webhook_endpoint(options.next().ok_or("a URL")?)?,
            other => return Err(format!("unknown option {other}").into()),
        };
    }
    let fake = Arc::new(builder.start()?);
    if clear {
        let fake = Arc::clone(&fake);
        thread::spawn(move || {
            loop {
                thread::sleep(Duration::from_millis(500));
                fake.clear_requests();
            }
        });
    }
    println!("{}", fake.base_url());
    std::io::stdout().flush()?;
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    println!("{:?}", fake.stats());
    Ok(())
}

/// `GET /validate-key` on a new connection, read to its close.
fn call_on_new_connection(base_url: &str) -> Result<()> {
    let addr = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)?;
    let head = format!(
        "GET /validate-key HTTP/1.1\r\nHost: {addr}\r\nx-easy-api-key: {}\r\n\
         Connection: close\r\n\r\n",
        FakeEasy::TEST_KEY
    );
    stream.write_all(head.as_bytes())?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    if !reply.starts_with(b"HTTP/1.1 200 ") {
        return Err(String::from_utf8_lossy(&reply).into_owned().into());
    }
    Ok(())
}

/// A webhook receiver on loopback that answers every delivery `204`, one at a time (the fake
/// sends one at a time per endpoint); its URL.
fn receiver() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if stream.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = n.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let answered = stream.read_exact(&mut body).and_then(|()| {
                stream
                    .get_mut()
                    .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
            });
            drop(answered);
        }
    });
    Ok(url)
}

/// `VmRSS` of process `pid`, in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("no number")?.parse()?)
}
