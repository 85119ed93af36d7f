//! `fake-server`: the fake Easy API in the foreground, until the process is killed.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use easy_checkout_fake::{FakeEasy, FakeTls};
use serde_json::json;

use crate::args::{FakeServerArgs, Globals};
use crate::error::CliError;
use crate::output::Printer;

/// Starts the fake, prints what a client needs to use it, and serves until killed; returns
/// (stopping the fake) only when that could not be written to stdout.
pub fn run(args: &FakeServerArgs, globals: &Globals, printer: &Printer) -> Result<(), CliError> {
    if let Some(flag) = globals.sending_flags_given.first() {
        return Err(CliError::invalid_input(format!(
            "fake-server does not take {flag}: it serves the fake API and sends no request \
             (its own key, URL and settings are printed once it serves)"
        )));
    }
    let could_not =
        |e: std::io::Error| CliError::transport(format!("could not start the fake server: {e}"));
    let mut builder = FakeEasy::builder()
        .port(args.port.unwrap_or(0))
        .vocabulary(args.vocabulary.into());
    // Checked before anything is served: a bad URL is exit 2, not a delivery that fails.
    for url in &args.webhook_urls {
        builder = builder
            .webhook_endpoint(url)
            .map_err(|e| CliError::invalid_input(format!("--webhook-url: {e}")))?;
    }
    if let Some(deadline) = args.webhook_deadline {
        builder = builder.webhook_deadline(deadline);
    }
    if let Some(backoff) = args.webhook_backoff {
        builder = builder.webhook_backoff(backoff);
    }
    if args.tls {
        builder = builder.tls(FakeTls::generate().map_err(could_not)?);
    }
    let fake = builder.start().map_err(could_not)?;
    let mut result = json!({
        "base_url": fake.base_url(),
        "api_key": FakeEasy::TEST_KEY,
        "control_url": format!("{}/__fake/", fake.base_url()),
        "vocabulary": fake.vocabulary().as_str(),
        // The fake's own test secret, as published in its docs: no real secret.
        "webhook_secret": FakeEasy::WEBHOOK_SECRET,
    });
    let endpoints = fake.webhook_endpoints();
    if !endpoints.is_empty() {
        result["webhook_urls"] = json!(endpoints.into_iter().map(|e| e.url).collect::<Vec<_>>());
    }
    if let Some(pem) = fake.ca_pem() {
        // Named after the port (a later fake on the same port replaces it; nothing in it is
        // secret, but what clients trust must be what this fake wrote).
        let path =
            std::env::temp_dir().join(format!("easy-checkout-fake-{}-ca.pem", fake.addr().port()));
        write_new(&path, pem)?;
        result["ca_cert"] = json!(path.display().to_string());
    }
    printer.result(&result);
    if printer.lost().is_some() {
        // Nobody can read the URL to use it: stop, and let the caller report it (exit 5).
        return Ok(());
    }
    // The fake serves (and delivers) from its own threads; this one only keeps it alive.
    loop {
        std::thread::park();
    }
}

/// Writes `pem` to a new file at `path`, a predictable name in a shared directory: whatever is
/// there (a file, or a planted symlink) is removed, not followed, and the file created with
/// `create_new` (`O_EXCL`, following no symlink either). What cannot be removed, or is put
/// back in between, is an error (exit 3).
fn write_new(path: &Path, pem: &str) -> Result<(), CliError> {
    let failed = |what: &str, e: io::Error| {
        CliError::transport(format!(
            "could not {what} {} to write the CA certificate: {e}",
            path.display()
        ))
    };
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(failed("remove", e)),
        _ => {}
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| failed("create", e))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| failed("write", e))
}
