//! The SDK client over the transport `--transport` chose, with the global flags applied.

use std::sync::Arc;

use easy_checkout_core::{
    Client, Config, Event, InvalidInput, RetryPolicy, RootCertificates, Transport,
    TransportSettings,
};
use easy_checkout_isahc::IsahcTransport;
use easy_checkout_ureq::UreqTransport;

use crate::args::{Globals, TransportChoice};
use crate::error::CliError;
use crate::output::log;

/// A client over either transport: the commands are written once, for this type.
pub type CliClient = Client<Arc<dyn Transport>>;

impl Globals {
    /// The client for `config`, over the chosen transport (its name appended to the user
    /// agent, as its own constructors do), with `--timeout`, `--ca-cert`, `--max-retries`
    /// and `-v` applied.
    pub fn client(&self, config: Config) -> Result<CliClient, CliError> {
        let (settings, roots) = (self.settings(), self.roots()?);
        let (transport, name): (Arc<dyn Transport>, _) = match self.transport {
            TransportChoice::Ureq => (
                Arc::new(UreqTransport::with_roots(settings, roots)),
                easy_checkout_ureq::USER_AGENT_SUFFIX,
            ),
            TransportChoice::Isahc => (
                Arc::new(IsahcTransport::with_roots(settings, roots)?),
                easy_checkout_isahc::USER_AGENT_SUFFIX,
            ),
        };
        let mut retry = RetryPolicy::default();
        retry.max_retries = self.max_retries.unwrap_or(retry.max_retries);
        let client =
            Client::new(transport, config.with_user_agent_suffix(name)).with_retry_policy(retry);
        Ok(if self.verbose {
            client.with_observer(log_event)
        } else {
            client
        })
    }

    /// The roots to trust: the defaults, plus `--ca-cert`'s. A file that cannot be read or
    /// holds no certificate is invalid input (exit 2), found before anything is sent.
    fn roots(&self) -> Result<RootCertificates, CliError> {
        let roots = RootCertificates::default();
        let Some(path) = &self.ca_cert else {
            return Ok(roots);
        };
        // The core reads no file: the CLI reads it, and names it in the error.
        let shown = path.display();
        let named =
            |why: String| InvalidInput::new("root_certificates", format!("in `{shown}` {why}"));
        let pem = std::fs::read(path).map_err(|e| named(format!("cannot be read: {e}")))?;
        Ok(roots
            .add_pem(pem)
            .map_err(|e| named(e.reason().to_owned()))?)
    }

    /// The transport settings: the defaults, with `--timeout` as the timeout of each attempt
    /// (and as the connect timeout when it is shorter than the default one).
    fn settings(&self) -> TransportSettings {
        let settings = TransportSettings::default();
        match self.timeout {
            Some(timeout) => settings
                .connect_timeout(timeout.min(settings.connect_timeout))
                .timeout(timeout),
            None => settings,
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
    log(&line);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::*;
    use crate::args::Cli;

    fn globals(line: &str) -> Globals {
        let args = ["easy-checkout"].into_iter().chain(line.split(' '));
        Cli::try_parse_from(args).expect("parses").globals
    }

    fn client(flags: &Globals) -> CliClient {
        let config = Config::from_values(Some("sk_test_1"), None).expect("a config");
        flags.client(config).expect("a client")
    }

    #[test]
    fn flags_shape_settings_retries_and_the_user_agent() {
        let flags = globals("--timeout 2 --max-retries 0 key check");
        let settings = flags.settings();
        assert_eq!(settings.timeout, Duration::from_secs(2));
        assert_eq!(settings.connect_timeout, Duration::from_secs(2));
        assert_eq!(client(&flags).retry_policy().max_retries, 0);

        let defaults = globals("key check");
        assert_eq!(defaults.settings(), TransportSettings::default());
        assert_eq!(client(&defaults).retry_policy(), &RetryPolicy::default());
    }
}
