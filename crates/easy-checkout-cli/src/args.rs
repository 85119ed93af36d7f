//! The command line (clap derive). Values that need more than a type check (`--item`,
//! `--field`, `--payment-method`) stay strings, parsed by the commands, so a bad one is
//! reported like every other error (exit 2, and as JSON with `--output json`).

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// The exit codes, shown under `--help`.
const EXIT_CODES: &str = "Exit codes:
  0  success
  1  the API, a webhook signature or `session wait` said no
  2  invalid input or usage; nothing was sent (a missing API key included)
  3  transport failure or timeout
  4  a 2xx response whose body could not be decoded
  5  the command succeeded (the call was made) but its result could not be written to
     stdout (a closed pipe, a full disk); stderr says what was made (a created session's id)";

/// The command line: the global flags, then a subcommand.
#[derive(Debug, Parser)]
#[command(name = "easy-checkout", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// The flags every subcommand takes.
    #[command(flatten)]
    pub globals: Globals,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The global flags only sending requests uses, by argument id: `fake-server` refuses them.
const SENDING_FLAGS: [(&str, &str); 7] = [
    ("api_key", "--api-key"),
    ("base_url", "--base-url"),
    ("transport", "--transport"),
    ("timeout", "--timeout"),
    ("ca_cert", "--ca-cert"),
    ("max_retries", "--max-retries"),
    ("verbose", "-v/--verbose"),
];

impl Cli {
    /// [`Parser::try_parse_from`], noting in [`Globals::sending_flags_given`] which of the
    /// [`SENDING_FLAGS`] were given on the command line (not by a variable or default).
    pub fn try_parse_noting<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Self::command().try_get_matches_from(args)?;
        let mut cli = Self::from_arg_matches(&matches)?;
        let given = |id: &&str| matches.value_source(id) == Some(ValueSource::CommandLine);
        cli.globals.sending_flags_given = SENDING_FLAGS
            .iter()
            .filter(|(id, _)| given(id))
            .map(|&(_, flag)| flag)
            .collect();
        Ok(cli)
    }
}

/// The flags every subcommand takes, before or after it.
#[derive(Debug, Args)]
pub struct Globals {
    /// API key: sk_test_…, sk_sandbox_… and pk_test_… route to the sandbox, sk_live_… and
    /// pk_live_… to production; any other key only with --base-url (exit 2 without).
    #[arg(long, value_name = "KEY", global = true)]
    #[arg(env = "EASY_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Base URL overriding the key's routing (the whole base, /v1/api included).
    #[arg(long, value_name = "URL", env = "EASY_API_URL", global = true)]
    pub base_url: Option<String>,
    /// HTTP stack to send requests with.
    #[arg(long, value_enum, default_value_t = TransportChoice::Ureq, global = true)]
    pub transport: TransportChoice,
    /// Output format: aligned `key value` lines, or JSON.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, global = true)]
    pub output: OutputFormat,
    /// Time allowed for each attempt, in seconds (default 80; decimals allowed, at least
    /// 0.001). It bounds each attempt, not the call: with retries (--max-retries) a call may
    /// take (retries + 1) × this plus the backoff between attempts, up to about 242 s with the
    /// defaults against a server that never answers.
    #[arg(long, value_name = "SECS", value_parser = parse_timeout, global = true)]
    pub timeout: Option<Duration>,
    /// PEM file of root certificates to trust on top of the default ones (a private CA, or
    /// the one `fake-server --tls` prints). A file that is missing or holds no certificate
    /// is refused (exit 2) before anything is sent.
    #[arg(long, value_name = "PATH", env = "EASY_CA_CERT", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Retries after a failed attempt (0 disables retries; default 2).
    #[arg(long, value_name = "N", global = true)]
    pub max_retries: Option<u32>,
    /// Log one line per request and response on stderr (never a secret).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The flags of sending requests given on the command line ([`Cli::try_parse_noting`]).
    #[arg(skip)]
    pub sending_flags_given: Vec<&'static str>,
}

/// Which transport adapter sends the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportChoice {
    /// `easy-checkout-ureq` (pure Rust).
    Ureq,
    /// `easy-checkout-isahc` (libcurl).
    Isahc,
}

/// How results and errors are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned `key   value` lines for people.
    Text,
    /// JSON on stdout (errors as `{"error": …}` on stderr).
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Checkout sessions.
    #[command(subcommand)]
    Session(SessionCommand),
    /// The merchant's Embedded Checkout configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The API key.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Webhook deliveries.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Run the fake Easy API on loopback until killed.
    ///
    /// It sends no request: the global flags of sending them (--api-key, --base-url,
    /// --transport, --timeout, --ca-cert, --max-retries, -v) are refused (exit 2) rather than
    /// ignored; their variables (EASY_API_KEY…) are left alone.
    FakeServer(FakeServerArgs),
    /// Run the whole checkout flow against an in-process fake API.
    Demo {
        /// The vocabulary of the flow: the requests the demo sends and the answers of its fake.
        #[arg(long, value_enum, default_value_t)]
        vocabulary: VocabularyChoice,
    },
}

/// `session …`
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Create a checkout session (prints its client_secret: hand it to the browser).
    Create(CreateArgs),
    /// Retrieve a session's status and payment status, with the SDK's decision: `outcome`
    /// (paid, failed, expired, complete_unconfirmed or pending) and `paid` (fulfil only on
    /// true), read from either of Easy's vocabularies.
    Get {
        /// The session id (`ecs_…`).
        id: String,
    },
    /// Retrieve the on-chain payment status of a session.
    CryptoStatus {
        /// The session id (`ecs_…`).
        id: String,
    },
    /// Validate a client secret as the checkout iframe does (sends no API key).
    ///
    /// It needs an API key or a base URL to know where to go: EASY_API_KEY (or --api-key)
    /// picks the sandbox or production by its prefix, and is never sent; --base-url (or
    /// EASY_API_URL) names the API. With neither it is refused (exit 2), nothing sent.
    Validate {
        /// The session's client secret.
        #[arg(long, value_name = "SECRET")]
        #[arg(env = "EASY_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        /// The origin of the page embedding the iframe.
        #[arg(long, value_name = "ORIGIN")]
        parent_origin: Option<String>,
    },
    /// Confirm a payment as the checkout iframe does (sends no API key).
    ///
    /// It needs an API key or a base URL to know where to go: EASY_API_KEY (or --api-key)
    /// picks the sandbox or production by its prefix, and is never sent; --base-url (or
    /// EASY_API_URL) names the API. With neither it is refused (exit 2), nothing sent: a
    /// payment never goes to production by default.
    Confirm(ConfirmArgs),
    /// Poll a session until it is paid, finished, or the deadline passes.
    Wait {
        /// The session id (`ecs_…`).
        id: String,
        /// Give up after this many seconds with the session still pending.
        #[arg(long, value_name = "SECS", default_value = "300", value_parser = parse_secs)]
        deadline: Duration,
    },
}

/// `session create`
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A line item: price id, optionally `:quantity` (default 1). Repeatable.
    #[arg(long = "item", value_name = "PRICE_ID[:QUANTITY]", required = true, num_args = 1..)]
    pub items: Vec<String>,
    /// Where the customer returns after paying.
    #[arg(long, value_name = "URL")]
    pub return_url: String,
    /// Idempotency key (a random one is generated when retries are on).
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
    /// Extra body field, its value as JSON (e.g. `metadata={"order":"A-1"}`). Repeatable.
    /// A number goes out as the same decimal value or is refused (exit 2): an integer outside
    /// 64 bits, or a fraction or exponent with more digits than a double holds
    /// (`1.00000000000000001`); one written differently but equal is sent in its shortest form
    /// (`1e3` as `1000.0`, `0.50` as `0.5`). Quote a number to send it as a string.
    #[arg(long = "field", value_name = "NAME=JSON")]
    pub fields: Vec<String>,
}

/// `session confirm`
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The session's client secret.
    #[arg(long, value_name = "SECRET")]
    #[arg(env = "EASY_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: String,
    /// The payment method as JSON (e.g. `{"type":"PAYMENT_CARD","token_id":"tok_abc"}`).
    #[arg(long, value_name = "JSON")]
    pub payment_method: String,
    /// Idempotency key; without one a failed confirm is never retried.
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
}

/// `config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show the Embedded Checkout configuration.
    Get,
    /// Replace the origins allowed to embed the checkout.
    Set {
        /// An origin (`https://shop.example.com`). Repeatable; the list replaces the old one.
        #[arg(long = "allowed-origin", value_name = "ORIGIN", required = true, num_args = 1..)]
        allowed_origins: Vec<String>,
        /// Idempotency key (a random one is generated when retries are on).
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
}

/// `key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Check that the API key is live (GET /validate-key).
    Check,
}

/// `webhook …`
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Verify a delivery's signature over its raw body and print the event.
    Verify(WebhookVerifyArgs),
    /// Sign a test event and POST it to an endpoint as Easy delivers one (the documented
    /// headers, a new delivery id), to try a handler without Easy or the fake.
    Send(WebhookSendArgs),
}

/// `webhook verify`
#[derive(Debug, Args)]
pub struct WebhookVerifyArgs {
    /// The endpoint's signing secret (must not be empty; never printed).
    #[arg(long, value_name = "SECRET")]
    #[arg(env = "EASY_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,
    /// The x-easy-webhook-signature header value (`sha256=<hex>`).
    #[arg(long, value_name = "HEADER")]
    pub signature: String,
    /// The raw body: a file, or `-` (the default) for stdin.
    #[arg(value_name = "FILE|-")]
    pub payload: Option<PathBuf>,
}

/// `webhook send`
#[derive(Debug, Args)]
pub struct WebhookSendArgs {
    /// The endpoint to POST to (`http://` or `https://`).
    #[arg(value_name = "URL")]
    pub url: String,
    /// The endpoint's signing secret (must not be empty; never printed).
    #[arg(long, value_name = "SECRET")]
    #[arg(env = "EASY_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,
    /// The event type: the body's `type`, and `x-easy-event` (unless `--payload` has a type).
    #[arg(long = "type", value_name = "TYPE")]
    #[arg(default_value = "checkout.session.completed")]
    pub event_type: String,
    /// The session the event is about (its `data.id`).
    #[arg(long, value_name = "ID", default_value = "ecs_test")]
    #[arg(conflicts_with = "payload")]
    pub session: String,
    /// The event id (default: a new `evt_…`). Send one id twice to see a handler deduplicate.
    #[arg(long, value_name = "ID", conflicts_with = "payload")]
    pub event_id: Option<String>,
    /// The attempt number sent in `x-easy-webhook-attempt`.
    #[arg(long, value_name = "N", default_value_t = 1,
        value_parser = clap::value_parser!(u8).range(1..=3))]
    pub attempt: u8,
    /// Send this body instead, signed as it is: a file, or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub payload: Option<PathBuf>,
}

/// Which of Easy's two vocabularies to speak (see `Vocabulary` in the core).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum VocabularyChoice {
    /// The SDK page's, as the official Python client (the default).
    #[default]
    Sdk,
    /// The API reference's.
    Reference,
}

impl From<VocabularyChoice> for easy_checkout_core::Vocabulary {
    fn from(choice: VocabularyChoice) -> Self {
        match choice {
            VocabularyChoice::Sdk => Self::Sdk,
            VocabularyChoice::Reference => Self::Reference,
        }
    }
}

/// `fake-server`
#[derive(Debug, Args)]
pub struct FakeServerArgs {
    /// Port to listen on (default: any free port).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// The vocabulary the fake answers in (it reads requests in both).
    #[arg(long, value_enum, default_value_t)]
    pub vocabulary: VocabularyChoice,
    /// Serve https, with a certificate for localhost and 127.0.0.1 made at start; the
    /// certificate authority that signed it is written to a PEM file, whose path is printed
    /// as `ca_cert` (pass it to `--ca-cert`). The file is always created anew: whatever is at
    /// its path is removed first, a symlink never followed.
    #[arg(long)]
    pub tls: bool,
    /// Deliver every webhook event to this endpoint, signed with the printed
    /// `webhook_secret` (an `http://` URL; repeatable, at most 5). A URL that is not one is
    /// refused (exit 2) before anything is served.
    #[arg(long = "webhook-url", value_name = "URL")]
    pub webhook_urls: Vec<String>,
    /// Seconds an endpoint has to answer a delivery attempt in whole (default 30, Easy's).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub webhook_deadline: Option<Duration>,
    /// Seconds before a failed delivery's second attempt, twice that before its third
    /// (default 10).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub webhook_backoff: Option<Duration>,
}

/// Parses a positive number of seconds, decimals allowed (`2`, `0.5`).
fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds".to_owned())?;
    if secs.is_nan() || secs <= 0.0 {
        return Err("must be greater than 0".to_owned());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| "is too large".to_owned())
}

/// [`parse_secs`], at least 1 ms: libcurl counts whole milliseconds and takes 0 as "no
/// timeout", so a shorter timeout would disable it.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let timeout = parse_secs(s)?;
    if timeout < Duration::from_millis(1) {
        return Err("must be at least 0.001 (1 ms)".to_owned());
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent_and_global_flags_parse_anywhere() {
        Cli::command().debug_assert();
        let parse = |line: &str| {
            let args = ["easy-checkout"].into_iter().chain(line.split_whitespace());
            Cli::try_parse_noting(args)
                .unwrap()
                .globals
                .sending_flags_given
        };
        assert!(parse("fake-server --port 1 --output json").is_empty());
        let given = parse("--api-key k fake-server --timeout 2 -v --max-retries 0");
        assert_eq!(
            given,
            ["--api-key", "--timeout", "--max-retries", "-v/--verbose"]
        );
        let given = parse("fake-server --ca-cert x --transport isahc --base-url http://a");
        assert_eq!(given, ["--base-url", "--transport", "--ca-cert"]);
    }

    #[test]
    fn seconds_parse_and_timeouts_are_at_least_a_millisecond() {
        assert_eq!(parse_secs("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_secs("0.5"), Ok(Duration::from_millis(500)));
        for bad in "0 -1 NaN inf 1e300 x".split(' ') {
            assert!(parse_secs(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_timeout("0.001"), Ok(Duration::from_millis(1)));
        assert_eq!(parse_timeout("2.5"), Ok(Duration::from_millis(2_500)));
        for bad in "0 0.0009 0.0001 1e-9 -1 x".split(' ') {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
