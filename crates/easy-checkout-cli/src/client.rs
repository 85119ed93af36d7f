//! Building the SDK client for the chosen transport, with the global flags applied.
//!
//! `Client<UreqTransport>` and `Client<IsahcTransport>` are different types, so the code
//! that uses a client is written once, generic over the transport, as a [`WithClient`]
//! implementation, and [`with_client`] picks the concrete type at run time.

use std::path::PathBuf;
use std::time::Duration;

use easy_checkout_core::{
    Client, Config, Event, InvalidInput, RetryPolicy, RootCertificates, Transport,
    TransportSettings,
};
use easy_checkout_isahc::IsahcTransport;
use easy_checkout_ureq::UreqTransport;

use crate::args::{Cli, TransportChoice};
use crate::error::CliError;
use crate::output::{one_line, stderr};

/// The global flags that shape a client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Which HTTP stack.
    pub transport: TransportChoice,
    /// `--timeout`: the total per-request timeout.
    pub timeout: Option<Duration>,
    /// `--max-retries`.
    pub max_retries: Option<u32>,
    /// `-v`: log requests and responses on stderr.
    pub verbose: bool,
    /// `--ca-cert`: a PEM file of roots to trust on top of the defaults.
    pub ca_cert: Option<PathBuf>,
}

impl ClientOptions {
    /// The options given on the command line.
    pub fn from_cli(cli: &Cli) -> Self {
        Self {
            transport: cli.transport,
            timeout: cli.timeout,
            max_retries: cli.max_retries,
            verbose: cli.verbose,
            ca_cert: cli.ca_cert.clone(),
        }
    }

    /// The roots to trust: the defaults, plus `--ca-cert`'s. A file that cannot be read or
    /// holds no certificate is invalid input (exit 2), found before anything is sent.
    pub fn roots(&self) -> Result<RootCertificates, CliError> {
        let roots = RootCertificates::default();
        let Some(path) = &self.ca_cert else {
            return Ok(roots);
        };
        // The core reads no file: the CLI reads it, and names it in the error.
        let named = |reason: String| {
            InvalidInput::new(
                "root_certificates",
                format!("in `{}` {reason}", path.display()),
            )
        };
        let pem = std::fs::read(path).map_err(|e| named(format!("cannot be read: {e}")))?;
        Ok(roots
            .add_pem(pem)
            .map_err(|e| named(e.reason().to_owned()))?)
    }

    /// The transport settings: the defaults, with `--timeout` as the total timeout (and as
    /// the connect timeout when it is shorter than the default one).
    pub fn settings(&self) -> TransportSettings {
        let mut settings = TransportSettings::default();
        if let Some(timeout) = self.timeout {
            settings = settings.timeout(timeout);
            if timeout < settings.connect_timeout {
                settings = settings.connect_timeout(timeout);
            }
        }
        settings
    }

    /// The retry policy: the default, with `--max-retries` applied.
    pub fn retry_policy(&self) -> RetryPolicy {
        let mut policy = RetryPolicy::default();
        if let Some(n) = self.max_retries {
            policy.max_retries = n;
        }
        policy
    }

    /// Applies the retry policy and, with `-v`, the request log.
    fn configure<T: Transport>(&self, client: Client<T>) -> Client<T> {
        let client = client.with_retry_policy(self.retry_policy());
        if self.verbose {
            client.with_observer(log_event)
        } else {
            client
        }
    }
}

/// Code that runs with a client of any transport.
pub trait WithClient {
    /// What it returns.
    type Output;
    /// Runs with `client`.
    fn call<T: Transport>(self, client: &Client<T>) -> Self::Output;
}

/// Builds the client `options` ask for over `config` and runs `work` with it.
pub fn with_client<W: WithClient>(
    options: &ClientOptions,
    config: Config,
    work: W,
) -> Result<W::Output, CliError> {
    let settings = options.settings();
    let roots = options.roots()?;
    match options.transport {
        TransportChoice::Ureq => {
            let transport = UreqTransport::with_roots(settings, roots);
            let client = options.configure(easy_checkout_ureq::with_transport(config, transport));
            Ok(work.call(&client))
        }
        TransportChoice::Isahc => {
            let transport = IsahcTransport::with_roots(settings, roots)?;
            let client = options.configure(easy_checkout_isahc::with_transport(config, transport));
            Ok(work.call(&client))
        }
    }
}

/// The `-v` log: one line per request, response, failure and retry. Only the method, URI,
/// status and timings are printed; headers and bodies (where the secrets are) never are.
fn log_event(event: &Event<'_>) {
    let line = match event {
        Event::Request {
            method, uri, retry, ..
        } => format!("-> {method} {uri} (retry {retry})"),
        Event::Response {
            status, elapsed, ..
        } => format!("<- {} in {}ms", status.as_u16(), elapsed.as_millis()),
        Event::Failed { error, retry, .. } => format!("<- failed (retry {retry}): {error}"),
        Event::Retrying { delay, retry, .. } => {
            format!(".. retry {retry} in {}ms", delay.as_millis())
        }
        _ => return,
    };
    stderr(&format!("{}\n", one_line(&line)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_shape_settings_and_retries() {
        let options = ClientOptions {
            transport: TransportChoice::Ureq,
            timeout: Some(Duration::from_secs(2)),
            max_retries: Some(0),
            verbose: false,
            ca_cert: None,
        };
        let settings = options.settings();
        assert_eq!(settings.timeout, Duration::from_secs(2));
        assert_eq!(settings.connect_timeout, Duration::from_secs(2));
        assert_eq!(options.retry_policy().max_retries, 0);

        let defaults = ClientOptions {
            timeout: None,
            max_retries: None,
            ..options
        };
        assert_eq!(defaults.settings(), TransportSettings::default());
        assert_eq!(defaults.retry_policy(), RetryPolicy::default());
    }
}
