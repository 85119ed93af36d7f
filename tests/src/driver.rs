//! The clients the scenarios drive, one per [`Stack`]: the blocking client over ureq and
//! over isahc, and the async client over reqwest on tokio behind a blocking facade
//! ([`OnTokio`]), which blocks only at the test boundary. [`TestClient`] gives the three the
//! blocking client's surface.

use std::fmt;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::time::Duration;

use easy_checkout_core::http::Request;
use easy_checkout_core::models::{
    CheckoutConfig, CryptoPaymentStatus, KeyInfo, Session, SessionStatus, ValidateResponse,
};
use easy_checkout_core::ops::{Confirm, CreateSession, UpdateConfig, Validate};
use easy_checkout_core::{
    Config, Error, Operation, PollPolicy, Reply, RetryBudget, RetryPolicy, TransportSettings,
    WaitOutcome,
};
use easy_checkout_fake::FakeEasy;
use easy_checkout_reqwest::Client as AsyncClient;

use crate::fast_retries;

/// A transport under test, with the driver over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// The blocking client over `easy-checkout-ureq`.
    Ureq,
    /// The blocking client over `easy-checkout-isahc`.
    Isahc,
    /// The async client over `easy-checkout-reqwest` on tokio.
    Reqwest,
}

impl Stack {
    /// Every stack, in the order the scenarios run them.
    pub const ALL: [Stack; 3] = [Stack::Ureq, Stack::Isahc, Stack::Reqwest];

    /// The name its clients append to the SDK's user agent.
    pub fn name(self) -> &'static str {
        match self {
            Stack::Ureq => easy_checkout_ureq::USER_AGENT_SUFFIX,
            Stack::Isahc => easy_checkout_isahc::USER_AGENT_SUFFIX,
            Stack::Reqwest => easy_checkout_reqwest::USER_AGENT_SUFFIX,
        }
    }

    /// A client for `fake` with its test key, a 10 s timeout, millisecond backoffs and
    /// `retries` retries.
    pub fn client(self, fake: &FakeEasy, retries: u32) -> TestClient {
        self.client_at(&fake.base_url(), retries)
    }

    /// [`client`](Self::client) through `base_url` (a middlebox in front of the fake).
    pub fn client_at(self, base_url: &str, retries: u32) -> TestClient {
        let settings = TransportSettings::default().timeout(Duration::from_secs(10));
        self.client_with(base_url, retries, settings)
    }

    /// [`client_at`](Self::client_at) with other transport settings.
    pub fn client_with(
        self,
        base_url: &str,
        retries: u32,
        settings: TransportSettings,
    ) -> TestClient {
        let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(base_url))
            .expect("the fake's key and a loopback URL make a configuration");
        self.client_for(config, settings)
            .with_retry_policy(fast_retries(retries))
    }

    /// A client for `config` as the stack's constructor makes it (the adapters'
    /// `with_config`, which appends the transport's name to the user agent), with the
    /// default retry policy.
    pub fn client_for(self, config: Config, settings: TransportSettings) -> TestClient {
        match self {
            Stack::Ureq => TestClient::Ureq(easy_checkout_ureq::with_config(config, settings)),
            Stack::Isahc => TestClient::Isahc(easy_checkout_isahc::with_config(config, settings)),
            Stack::Reqwest => TestClient::Reqwest(OnTokio::new(config, settings)),
        }
    }
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Runs `test` over every stack in turn, each on a thread named after the test and the
/// stack, so a failure says which transport failed
/// (`thread 'retries::a_get_is_retried… over isahc' panicked at …`).
pub fn for_each_stack(test: impl Fn(Stack) + Sync) {
    let test_name = std::thread::current().name().unwrap_or("test").to_owned();
    let test = &test;
    std::thread::scope(|scope| {
        for stack in Stack::ALL {
            let run = std::thread::Builder::new()
                .name(format!("{test_name} over {stack}"))
                .spawn_scoped(scope, move || test(stack))
                .expect("a thread for the stack");
            if let Err(panic) = run.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

/// One caller of a shared client, as a future (see [`TestClient::run_at_once`]).
pub type Flow<R> = Pin<Box<dyn Future<Output = R> + Send>>;

/// A client under test: the blocking client's surface, whichever driver is under it.
pub enum TestClient {
    /// [`Stack::Ureq`].
    Ureq(easy_checkout_ureq::Client),
    /// [`Stack::Isahc`].
    Isahc(easy_checkout_isahc::Client),
    /// [`Stack::Reqwest`].
    Reqwest(OnTokio),
}

impl TestClient {
    /// Replaces the retry policy.
    pub fn with_retry_policy(self, retry: RetryPolicy) -> Self {
        match self {
            Self::Ureq(c) => Self::Ureq(c.with_retry_policy(retry)),
            Self::Isahc(c) => Self::Isahc(c.with_retry_policy(retry)),
            Self::Reqwest(c) => Self::Reqwest(c.map(|c| c.with_retry_policy(retry))),
        }
    }

    /// Replaces the retry budget (shared by the client's clones, and so by its callers in
    /// [`run_at_once`](Self::run_at_once)).
    pub fn with_retry_budget(self, budget: RetryBudget) -> Self {
        match self {
            Self::Ureq(c) => Self::Ureq(c.with_retry_budget(budget)),
            Self::Isahc(c) => Self::Isahc(c.with_retry_budget(budget)),
            Self::Reqwest(c) => Self::Reqwest(c.map(|c| c.with_retry_budget(budget))),
        }
    }

    /// The retry budget the client and its clones share.
    pub fn retry_budget(&self) -> &RetryBudget {
        match self {
            Self::Ureq(c) => c.retry_budget(),
            Self::Isahc(c) => c.retry_budget(),
            Self::Reqwest(c) => c.client.retry_budget(),
        }
    }

    /// The request this client builds for `op` (a first attempt without a generated key).
    pub fn request_for<O: Operation>(&self, op: &O) -> Request<Vec<u8>> {
        let config = match self {
            Self::Ureq(c) => c.config(),
            Self::Isahc(c) => c.config(),
            Self::Reqwest(c) => c.client.config(),
        };
        config.build(op).expect("the operation builds")
    }

    /// Runs any operation, with the response's metadata.
    pub fn send_with_meta<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        match self {
            Self::Ureq(c) => c.send_with_meta(op),
            Self::Isahc(c) => c.send_with_meta(op),
            Self::Reqwest(c) => c.block_on(c.client.send_with_meta(op)),
        }
    }

    /// `validate_key`.
    pub fn validate_key(&self) -> Result<KeyInfo, Error> {
        match self {
            Self::Ureq(c) => c.validate_key(),
            Self::Isahc(c) => c.validate_key(),
            Self::Reqwest(c) => c.block_on(c.client.validate_key()),
        }
    }

    /// `embedded_checkout().create_session`.
    pub fn create_session(&self, op: &CreateSession) -> Result<Session, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().create_session(op),
            Self::Isahc(c) => c.embedded_checkout().create_session(op),
            Self::Reqwest(c) => c.block_on(c.client.embedded_checkout().create_session(op)),
        }
    }

    /// `embedded_checkout().retrieve_session`.
    pub fn retrieve_session(&self, id: &str) -> Result<SessionStatus, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().retrieve_session(id),
            Self::Isahc(c) => c.embedded_checkout().retrieve_session(id),
            Self::Reqwest(c) => c.block_on(c.client.embedded_checkout().retrieve_session(id)),
        }
    }

    /// `embedded_checkout().crypto_status`.
    pub fn crypto_status(&self, id: &str) -> Result<CryptoPaymentStatus, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().crypto_status(id),
            Self::Isahc(c) => c.embedded_checkout().crypto_status(id),
            Self::Reqwest(c) => c.block_on(c.client.embedded_checkout().crypto_status(id)),
        }
    }

    /// `embedded_checkout().validate`.
    pub fn validate(&self, op: &Validate) -> Result<ValidateResponse, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().validate(op),
            Self::Isahc(c) => c.embedded_checkout().validate(op),
            Self::Reqwest(c) => c.block_on(c.client.embedded_checkout().validate(op)),
        }
    }

    /// `embedded_checkout().confirm`.
    pub fn confirm(&self, op: &Confirm) -> Result<serde_json::Value, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().confirm(op),
            Self::Isahc(c) => c.embedded_checkout().confirm(op),
            Self::Reqwest(c) => c.block_on(c.client.embedded_checkout().confirm(op)),
        }
    }

    /// `embedded_checkout().get_config`.
    pub fn get_config(&self) -> Result<CheckoutConfig, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().get_config(),
            Self::Isahc(c) => c.embedded_checkout().get_config(),
            Self::Reqwest(c) => c.block_on(c.client.embedded_checkout().get_config()),
        }
    }

    /// `embedded_checkout().update_config`.
    pub fn update_config(&self, op: &UpdateConfig) -> Result<CheckoutConfig, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().update_config(op),
            Self::Isahc(c) => c.embedded_checkout().update_config(op),
            Self::Reqwest(c) => c.block_on(c.client.embedded_checkout().update_config(op)),
        }
    }

    /// `embedded_checkout().wait_for_payment`.
    pub fn wait_for_payment(&self, id: &str, policy: PollPolicy) -> Result<WaitOutcome, Error> {
        match self {
            Self::Ureq(c) => c.embedded_checkout().wait_for_payment(id, policy),
            Self::Isahc(c) => c.embedded_checkout().wait_for_payment(id, policy),
            Self::Reqwest(c) => {
                c.block_on(c.client.embedded_checkout().wait_for_payment(id, policy))
            }
        }
    }

    /// [`send_with_meta`](Self::send_with_meta) as a future, for the callers of
    /// [`run_at_once`](Self::run_at_once) (a blocking client's call is made when polled).
    pub async fn send_async<O>(&self, op: &O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        match self {
            Self::Ureq(c) => c.send_with_meta(op),
            Self::Isahc(c) => c.send_with_meta(op),
            Self::Reqwest(c) => c.client.send_with_meta(op).await,
        }
    }

    /// Runs `flows` at once and returns their outputs in order: a blocking client's on a
    /// thread per flow, the async client's as a tokio task per flow on its runtime.
    pub fn run_at_once<R: Send + 'static>(&self, flows: Vec<Flow<R>>) -> Vec<R> {
        let Self::Reqwest(on_tokio) = self else {
            return std::thread::scope(|scope| {
                let threads: Vec<_> = flows
                    .into_iter()
                    .map(|flow| scope.spawn(|| current_thread_runtime().block_on(flow)))
                    .collect();
                let joined = threads.into_iter().map(|thread| thread.join());
                joined
                    .map(|output| output.unwrap_or_else(|panic| resume_unwind(panic)))
                    .collect()
            });
        };
        on_tokio.runtime.block_on(async {
            let tasks: Vec<_> = flows.into_iter().map(tokio::spawn).collect();
            let mut outputs = Vec::new();
            for task in tasks {
                outputs.push(task.await.unwrap_or_else(|e| resume_unwind(e.into_panic())));
            }
            outputs
        })
    }
}

/// A current-thread tokio runtime with its IO and time drivers: what every async client and
/// transport of these tests runs on (see [`OnTokio`] for why not a multi-threaded one).
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The async client under test and the tokio runtime it runs on: each blocking call of a
/// [`TestClient`] is `runtime.block_on(the async call)`.
///
/// The runtime is a current-thread one, so the client's callers, its connections' tasks and
/// the flows of [`TestClient::run_at_once`] all run as tasks on the calling thread. On a
/// multi-threaded runtime hyper-util's pool races: a request that starts while the last
/// response's connection is still going back to the pool (a task on a worker thread) opens
/// a second connection, which `one_client_reuses_its_connection` sees (two connections for
/// 20 sequential calls in 15 of 20 tries). On this one the connection's task has put it
/// back before the caller's future is polled again.
pub struct OnTokio {
    client: AsyncClient,
    runtime: tokio::runtime::Runtime,
}

impl OnTokio {
    /// The async client for `config` and `settings`, on a new runtime.
    fn new(config: Config, settings: TransportSettings) -> Self {
        let runtime = current_thread_runtime();
        let client = {
            let _inside = runtime.enter();
            easy_checkout_reqwest::with_config(config, settings)
        };
        Self { client, runtime }
    }

    /// The client `f` makes of this one, on the same runtime.
    fn map(self, f: impl FnOnce(AsyncClient) -> AsyncClient) -> Self {
        let client = f(self.client);
        Self { client, ..self }
    }

    /// Runs `future` on the client's runtime.
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}
