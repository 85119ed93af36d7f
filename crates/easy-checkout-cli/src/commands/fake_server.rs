//! `fake-server`: the fake Easy API in the foreground, until the process is killed.

use easy_checkout_fake::FakeEasy;
use serde_json::json;

use crate::args::FakeServerArgs;
use crate::error::CliError;
use crate::output::Printer;

/// Starts the fake, prints its base URL, test key and control API URL, and serves until
/// killed.
pub fn run(args: &FakeServerArgs, printer: &Printer) -> Result<(), CliError> {
    let started = match args.port {
        Some(port) => FakeEasy::start_on(port),
        None => FakeEasy::start(),
    };
    let fake = started
        .map_err(|e| CliError::transport(format!("could not start the fake server: {e}")))?;
    printer.result(&json!({
        "base_url": fake.base_url(),
        "api_key": FakeEasy::TEST_KEY,
        "control_url": format!("{}/__fake/", fake.base_url()),
    }));
    // The fake serves from its own threads; this one only keeps it alive.
    loop {
        std::thread::park();
    }
}
