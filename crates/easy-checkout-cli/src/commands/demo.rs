//! `demo`: the whole Embedded Checkout flow against an in-process fake, over the chosen
//! transport and in the chosen vocabulary. It uses the fake's key and URL, ignoring
//! `--api-key`, `--base-url` and the environment. Text output is one line per step; JSON, one
//! document `{"base_url", "vocabulary", "steps": [{"step", "result"}]}`; secrets redacted.

use std::time::Duration;

use easy_checkout_core::ops::{
    Confirm, CreateSession, CustomerDetails, LineItem, PaymentMethod, PaymentSource,
    ReferenceSession, UpdateConfig, Validate,
};
use easy_checkout_core::webhook;
use easy_checkout_core::{Config, ErrorKind, PollPolicy, Vocabulary, WaitOutcome};
use easy_checkout_fake::FakeEasy;
use serde::Serialize;
use serde_json::{Value, json};

use super::{redacted, with_fields};
use crate::args::{Globals, OutputFormat};
use crate::client::CliClient;
use crate::error::CliError;
use crate::output::{Printer, summary};

/// The shop origin the demo embeds the checkout on.
const SHOP_ORIGIN: &str = "https://shop.example.com";

/// Runs the demo in `vocabulary`.
pub fn run(globals: &Globals, vocabulary: Vocabulary, printer: &Printer) -> Result<(), CliError> {
    let fake = FakeEasy::builder()
        .vocabulary(vocabulary)
        .start()
        .map_err(|e| CliError::transport(format!("could not start the fake server: {e}")))?;
    let base_url = fake.base_url();
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&base_url))?;
    let mut demo = Demo {
        fake: &fake,
        printer,
        steps: Vec::new(),
    };
    if printer.format == OutputFormat::Text {
        printer.stdout(&format!(
            "fake Easy API at {base_url}, in the {vocabulary} vocabulary\n"
        ));
    }
    demo.flow(&globals.client(config)?)?;
    match printer.format {
        OutputFormat::Json => printer.json(&json!({
            "base_url": base_url,
            "vocabulary": vocabulary.as_str(),
            "steps": demo.steps,
        })),
        OutputFormat::Text => printer.stdout("demo complete: every step succeeded\n"),
    }
    Ok(())
}

/// The demo's state: the fake, and the steps so far for `--output json`.
struct Demo<'a> {
    fake: &'a FakeEasy,
    printer: &'a Printer,
    steps: Vec<Value>,
}

impl Demo<'_> {
    /// Records a step: a text line now, or an entry of the JSON document.
    fn step<S: Serialize>(&mut self, name: &str, result: &S) -> Result<(), CliError> {
        let value = redacted(result)?;
        match self.printer.format {
            OutputFormat::Text => self
                .printer
                .stdout(&format!("{name:<18}{}\n", summary(&value))),
            OutputFormat::Json => self.steps.push(json!({ "step": name, "result": value })),
        }
        Ok(())
    }

    /// The flow itself: every operation, a crypto payment, a webhook and a wait.
    fn flow(&mut self, client: &CliClient) -> Result<(), CliError> {
        let checkout = client.embedded_checkout();

        let create = self
            .create(LineItem::new("price_demo_tshirt", 2))
            .with_idempotency_key("demo-create-1")?
            .with_extra("metadata", json!({ "order": "demo-1" }));
        let session = checkout.create_session(&create)?;
        self.step("create_session", &session)?;
        let Some(secret) = session.client_secret.clone() else {
            return Err(unexpected("create_session returned no client_secret"));
        };

        let validate = Validate::new(secret.clone()).with_parent_origin(SHOP_ORIGIN);
        let valid = checkout.validate(&validate)?;
        self.step("validate", &valid)?;
        if !valid.is_valid() {
            return Err(unexpected("validate did not find the session valid"));
        }

        let confirm = match self.fake.vocabulary() {
            Vocabulary::Sdk => Confirm::new(secret, PaymentMethod::card("tok_demo_visa")),
            _ => Confirm::with_source(secret, PaymentSource::card("tok_demo_visa"))
                .with_customer_details(CustomerDetails::new("Demo", "Buyer", "buyer@example.com")),
        }
        .with_idempotency_key("demo-confirm-1")?;
        let confirmation = checkout.confirm(&confirm)?;
        self.step("confirm", &confirmation)?;

        let status = checkout.retrieve_session(&session.id)?;
        self.step("retrieve_session", &status)?;
        if !status.is_paid() {
            return Err(unexpected("the confirmed session is not paid"));
        }

        let create = self.create(LineItem::new("price_demo_sticker", 1));
        let crypto_session =
            checkout.create_session(&create.with_idempotency_key("demo-create-2")?)?;
        if !self.fake.mark_crypto_paid(&crypto_session.id) {
            return Err(unexpected("the fake did not know the crypto session"));
        }
        let crypto = checkout.crypto_status(&crypto_session.id)?;
        self.step("crypto_status", &crypto)?;

        let config = checkout.get_config()?;
        self.step("get_config", &config)?;

        let update = UpdateConfig::new([SHOP_ORIGIN, "https://checkout.example.com"])
            .with_idempotency_key("demo-config-1")?;
        let config = checkout.update_config(&update)?;
        self.step("update_config", &config)?;

        // The first attempt of the delivery, as the merchant's endpoint receives it. A retry
        // would carry the same event under a new delivery id: deduplicate on the event id.
        let hook = self
            .fake
            .webhook_for(&session.id)
            .ok_or_else(|| unexpected("the fake has no webhook for the paid session"))?;
        let delivery = webhook::verify_request(&self.fake.webhook_secret(), &hook.delivery(1))
            .map_err(CliError::webhook)?;
        let id = ("delivery_id", json!(delivery.delivery_id));
        let fields = [id, ("attempt", json!(delivery.attempt))];
        let event = with_fields(redacted(&delivery.event)?, fields);
        self.step("webhook_verify", &event)?;

        let policy = PollPolicy::with_deadline(Duration::from_secs(10));
        let outcome = checkout.wait_for_payment(&session.id, policy)?;
        let WaitOutcome::Finished { status, .. } = &outcome else {
            return Err(unexpected(
                "wait_for_payment ended with the session still pending",
            ));
        };
        let name = if outcome.is_paid() { "paid" } else { "unpaid" };
        let result = with_fields(redacted(status)?, [("outcome", json!(name))]);
        self.step("wait_for_payment", &result)?;
        if !outcome.is_paid() {
            return Err(unexpected("wait_for_payment did not see the session paid"));
        }
        Ok(())
    }

    /// A create of `item` in the demo's vocabulary.
    fn create(&self, item: LineItem) -> CreateSession {
        match self.fake.vocabulary() {
            Vocabulary::Sdk => CreateSession::new(vec![item], format!("{SHOP_ORIGIN}/return")),
            _ => CreateSession::from(
                ReferenceSession::new(
                    vec![item],
                    format!("{SHOP_ORIGIN}/paid?session={{SESSION_ID}}"),
                )
                .with_cancel_url(format!("{SHOP_ORIGIN}/cart"))
                .with_customer_email("buyer@example.com"),
            ),
        }
    }
}

/// The fake answered something the flow did not expect (exit 1).
fn unexpected(message: &str) -> CliError {
    let message = format!("demo: {message}");
    CliError::refused(ErrorKind::Api, "DEMO_UNEXPECTED", message)
}
