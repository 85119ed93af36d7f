//! `string_enum!`: an enum of known wire strings that keeps any other value as `Other`, so a
//! status the API adds tomorrow is data, not a decode error.

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this SDK does not know yet, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s,
                }
            }

            /// Reads a wire value; unknown values become `Other`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        Ok($name::from_wire(s))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// A `Debug` that prints a model as its JSON, with every secret in it (the `client_secret`,
/// and any inside `extra` or a raw `session`) redacted.
macro_rules! redacted_debug {
    ($($name:ident),* $(,)?) => {$(
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {:?}", stringify!($name), $crate::secrets::redact::RedactedJson(self))
            }
        }
    )*};
}

/// The calls of the `embedded_checkout` namespace, for the blocking client (`embedded_checkout_calls!()`)
/// and the async one (`embedded_checkout_calls!(async .await)`): one definition of what each
/// call sends, so the two namespaces cannot drift apart.
macro_rules! embedded_checkout_calls {
    ($($async:ident $($await:tt)+)?) => {
        /// `POST /embedded-checkout`: creates a session. Hand its `client_secret` to the browser.
        pub $($async)? fn create_session(
            &self,
            params: &crate::ops::CreateSession,
        ) -> Result<crate::models::Session, crate::Error> {
            self.client.send(params)$($($await)+)?
        }

        /// `GET /embedded-checkout/{id}`: the session's status and payment status.
        pub $($async)? fn retrieve_session(
            &self,
            session_id: &str,
        ) -> Result<crate::models::SessionStatus, crate::Error> {
            self.client.send(&crate::ops::RetrieveSession::new(session_id)?)$($($await)+)?
        }

        /// `GET /embedded-checkout/{id}/crypto-status`: the on-chain payment of a session.
        pub $($async)? fn crypto_status(
            &self,
            session_id: &str,
        ) -> Result<crate::models::CryptoPaymentStatus, crate::Error> {
            self.client.send(&crate::ops::CryptoStatus::new(session_id)?)$($($await)+)?
        }

        /// `POST /embedded-checkout/validate`, with the client secret and no API key.
        pub $($async)? fn validate(
            &self,
            params: &crate::ops::Validate,
        ) -> Result<crate::models::ValidateResponse, crate::Error> {
            self.client.send(params)$($($await)+)?
        }

        /// `POST /embedded-checkout/confirm`, with the client secret and no API key. Returns
        /// the raw confirmation payload. Never sent twice without the caller's idempotency key.
        pub $($async)? fn confirm(
            &self,
            params: &crate::ops::Confirm,
        ) -> Result<serde_json::Value, crate::Error> {
            self.client.send(params)$($($await)+)?
        }

        /// `GET /embedded-checkout/config`.
        pub $($async)? fn get_config(&self) -> Result<crate::models::CheckoutConfig, crate::Error> {
            self.client.send(&crate::ops::GetConfig)$($($await)+)?
        }

        /// `PATCH /embedded-checkout/config`: replaces the allowed origins.
        pub $($async)? fn update_config(
            &self,
            params: &crate::ops::UpdateConfig,
        ) -> Result<crate::models::CheckoutConfig, crate::Error> {
            self.client.send(params)$($($await)+)?
        }

        /// Polls `retrieve_session` until the session is finished or `policy.deadline` passes
        /// (the schedule: [`PaymentWait`](crate::call::PaymentWait)).
        ///
        /// A 429 within the deadline stretches the wait instead of failing; any other error
        /// ends the wait with that error.
        pub $($async)? fn wait_for_payment(
            &self,
            session_id: &str,
            policy: crate::PollPolicy,
        ) -> Result<crate::WaitOutcome, crate::Error> {
            let op = crate::ops::RetrieveSession::new(session_id)?;
            self.client.wait(&op, policy)$($($await)+)?
        }
    };
}

/// The driver loop, for the blocking and the async client alike: do what the machine says
/// until it is done. `send` and `sleep` are the only differences (an `.await` each).
macro_rules! drive_loop {
    ($machine:ident, $observer:expr, $clock:expr,
     send: |$request:ident| $send:expr, sleep: |$delay:ident| $sleep:expr $(,)?) => {{
        let observe = crate::drivers::observe::Observe::new($observer, $clock, &$machine);
        let mut step = $machine.next();
        loop {
            step = match step {
                crate::call::Step::Send($request) => {
                    let started = observe.sending(&$machine, &$request);
                    let outcome = $send;
                    observe.outcome(&$machine, &outcome, started);
                    let now = crate::call::Now::new($clock.now(), $clock.monotonic());
                    let step = $machine.handle(outcome, now);
                    observe.step(&$machine, &step);
                    step
                }
                crate::call::Step::Wait($delay) => {
                    $sleep;
                    $machine.next()
                }
                crate::call::Step::Done(result) => return result,
            };
        }
    }};
}

/// The one-line constructors every transport crate exports (`from_key`, `from_env`,
/// `with_base_url`, `with_config`, `with_transport`), with their documentation: one definition for all of
/// them. For transport crates: `easy_checkout_core::transport_constructors!("easy_checkout_ureq",
/// UreqTransport);` at the crate root, next to a `Client` alias and a `USER_AGENT_SUFFIX`
/// constant, with a `TransportType::with_settings(TransportSettings)` constructor.
#[macro_export]
#[doc(hidden)]
macro_rules! transport_constructors {
    ($krate:literal, $transport:ident) => {
        #[doc = concat!(
            "A client for `api_key`, routed by its prefix: `sk_test_…` to the sandbox, any other key\n",
            "to production. Default transport settings; no IO.\n\n",
            "```\n",
            "let client = ", $krate, "::from_key(\"sk_live_abc\")?;\n",
            "assert_eq!(client.config().base_url().as_str(), \"https://api.itseasy.co/v1/api\");\n",
            "# Ok::<(), ", $krate, "::easy_checkout_core::Error>(())\n",
            "```"
        )]
        pub fn from_key(api_key: &str) -> Result<Client, $crate::Error> {
            let config = $crate::Config::new($crate::ApiKey::new(api_key)?);
            Ok(with_config(config, $crate::TransportSettings::default()))
        }

        /// A client configured from the environment, as
        /// [`Config::from_lookup`](easy_checkout_core::Config::from_lookup) reads it:
        ///
        /// - `EASY_API_KEY`, optional: without it the client holds no key and can call only
        ///   `validate` and `confirm` (key-authenticated calls fail before sending);
        /// - `EASY_API_URL`, optional: overrides the base URL the key routes to (`https://`, or
        ///   `http://` for loopback hosts only).
        ///
        /// An empty variable counts as unset; one that is not UTF-8 is refused. Default
        /// transport settings; no IO.
        pub fn from_env() -> Result<Client, $crate::Error> {
            let config = $crate::Config::from_lookup(|name| std::env::var_os(name))?;
            Ok(with_config(config, $crate::TransportSettings::default()))
        }

        #[doc = concat!(
            "A client for `api_key` that sends every request to `base_url` (a proxy, a local fake of\n",
            "the API). `http://` is accepted for loopback hosts only. Default transport settings;\n",
            "no IO.\n\n",
            "```\n",
            "let client = ", $krate, "::with_base_url(\"sk_test_abc\", \"http://127.0.0.1:4010/\")?;\n",
            "assert_eq!(client.config().base_url().as_str(), \"http://127.0.0.1:4010\");\n",
            "assert!(", $krate, "::with_base_url(\"sk_test_abc\", \"http://api.example.com\").is_err());\n",
            "# Ok::<(), ", $krate, "::easy_checkout_core::Error>(())\n",
            "```"
        )]
        pub fn with_base_url(api_key: &str, base_url: &str) -> Result<Client, $crate::Error> {
            let config = $crate::Config::new($crate::ApiKey::new(api_key)?)
                .with_base_url($crate::BaseUrl::parse(base_url)?);
            Ok(with_config(config, $crate::TransportSettings::default()))
        }

        #[doc = concat!(
            "A client for `config` over a [`", stringify!($transport), "`] with `settings`, on the\n",
            "system clock. Appends [`USER_AGENT_SUFFIX`] to the user agent. No IO."
        )]
        pub fn with_config(config: $crate::Config, settings: $crate::TransportSettings) -> Client {
            with_transport(config, $transport::with_settings(settings))
        }

        #[doc = concat!(
            "A client for `config` over `transport` (one with added root certificates, or over\n",
            "your own configured HTTP client), on the system clock. Appends\n",
            "[`USER_AGENT_SUFFIX`] to the user agent, as [`with_config`] does. No IO."
        )]
        pub fn with_transport(config: $crate::Config, transport: $transport) -> Client {
            Client::new(transport, config.with_user_agent_suffix(USER_AGENT_SUFFIX))
        }
    };
}

/// The settings and accessors both clients share (`with_retry_policy`, `with_observer`,
/// `config`, `retry_policy`, `transport`): one definition for the blocking and the async
/// client.
macro_rules! client_settings {
    () => {
        /// Replaces the retry policy (`RetryPolicy::never()` turns retries off).
        pub fn with_retry_policy(mut self, retry: crate::RetryPolicy) -> Self {
            self.retry = retry;
            self
        }

        /// Calls `observer` for every request, response, failure and retry (for `-v`
        /// logging).
        pub fn with_observer(
            mut self,
            observer: impl Fn(&crate::Event<'_>) + Send + Sync + 'static,
        ) -> Self {
            self.observer = Some(std::sync::Arc::new(observer));
            self
        }

        /// The configuration.
        pub fn config(&self) -> &crate::Config {
            &self.config
        }

        /// The retry policy.
        pub fn retry_policy(&self) -> &crate::RetryPolicy {
            &self.retry
        }

        /// The transport.
        pub fn transport(&self) -> &T {
            &self.transport
        }
    };
}
