//! What a scenario does with a client, over either driver: [`ClientUnderTest`] (and its
//! [`Checkout`] namespace), implemented for the blocking [`Client`] and for [`OnTokio`], a
//! blocking facade over the [`AsyncClient`] that runs each call on a tokio runtime it owns.
//! A scenario is written once, against the trait, and runs over both.
//!
//! The facade blocks only at the test boundary: inside a call the machines, the retry
//! sleeps (`tokio::time::sleep`) and the transport all run async. Scenarios that share one
//! client between concurrent callers write their callers once, as futures over
//! [`ClientUnderTest::send_async`], and hand them to [`ClientUnderTest::run_at_once`]: the
//! blocking client runs each on a thread of its own, the async one each as a tokio task.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use easy_checkout_core::models::{
    CheckoutConfig, CryptoPaymentStatus, KeyInfo, Session, SessionStatus, ValidateResponse,
};
use easy_checkout_core::ops::{Confirm, CreateSession, UpdateConfig, Validate};
use easy_checkout_core::{
    AsyncClient, AsyncEmbeddedCheckout, AsyncTransport, Client, Config, EmbeddedCheckout, Error,
    Operation, PollPolicy, Reply, RetryPolicy, Sleep, Transport, TransportSettings, WaitOutcome,
};

use easy_checkout_reqwest::{ReqwestTransport, USER_AGENT_SUFFIX};

/// One caller of a shared client, as a future (see [`ClientUnderTest::run_at_once`]).
pub type Flow<R> = Pin<Box<dyn Future<Output = R> + Send>>;

/// A client as the scenarios use it: the blocking [`Client`]'s surface, whichever driver is
/// under it.
pub trait ClientUnderTest: Sized + Send + Sync + 'static {
    /// The `embedded_checkout` namespace.
    type Checkout<'a>: Checkout
    where
        Self: 'a;

    /// The Embedded Checkout calls.
    fn embedded_checkout(&self) -> Self::Checkout<'_>;
    /// Runs any operation.
    fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error>;
    /// Runs any operation, with the response's metadata.
    fn send_with_meta<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error>;
    /// `GET /validate-key`.
    fn validate_key(&self) -> Result<KeyInfo, Error>;
    /// The configuration.
    fn config(&self) -> &Config;
    /// Replaces the retry policy.
    fn with_retry_policy(self, retry: RetryPolicy) -> Self;

    /// [`send_with_meta`](Self::send_with_meta) as a future, for the callers of
    /// [`run_at_once`](Self::run_at_once): the blocking client's call is made when the future
    /// is polled, the async client's is its own future.
    fn send_async<'a, O>(
        &'a self,
        op: &'a O,
    ) -> impl Future<Output = Result<Reply<O::Output>, Error>> + Send + 'a
    where
        O: Operation + Sync,
        O::Output: Send;

    /// Runs `flows` at once and returns their outputs in order: the blocking client on a
    /// thread per flow, the async client as a tokio task per flow on its runtime.
    fn run_at_once<R: Send + 'static>(&self, flows: Vec<Flow<R>>) -> Vec<R>;
}

/// Defines [`Checkout`], the `embedded_checkout` namespace as the scenarios use it, and its
/// two implementations, from one list of the calls.
macro_rules! checkout_calls {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        /// The `embedded_checkout` namespace of a [`ClientUnderTest`].
        pub trait Checkout {
            $(
                #[doc = concat!("`embedded_checkout().", stringify!($name), "`.")]
                fn $name(&self, $($arg: $ty),*) -> Result<$out, Error>;
            )*
        }

        impl<T: Transport> Checkout for EmbeddedCheckout<'_, T> {
            $(
                fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                    EmbeddedCheckout::$name(self, $($arg),*)
                }
            )*
        }

        impl<T: AsyncTransport> Checkout for OnTokioCheckout<'_, T> {
            $(
                fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                    self.runtime.block_on(AsyncEmbeddedCheckout::$name(&self.calls, $($arg),*))
                }
            )*
        }
    };
}

checkout_calls! {
    create_session(params: &CreateSession) -> Session;
    retrieve_session(session_id: &str) -> SessionStatus;
    crypto_status(session_id: &str) -> CryptoPaymentStatus;
    validate(params: &Validate) -> ValidateResponse;
    confirm(params: &Confirm) -> serde_json::Value;
    get_config() -> CheckoutConfig;
    update_config(params: &UpdateConfig) -> CheckoutConfig;
    wait_for_payment(session_id: &str, policy: PollPolicy) -> WaitOutcome;
}

impl<T: Transport + Send + Sync + 'static> ClientUnderTest for Client<T> {
    type Checkout<'a> = EmbeddedCheckout<'a, T>;

    fn embedded_checkout(&self) -> Self::Checkout<'_> {
        Client::embedded_checkout(self)
    }

    fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        Client::send(self, op)
    }

    fn send_with_meta<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        Client::send_with_meta(self, op)
    }

    fn validate_key(&self) -> Result<KeyInfo, Error> {
        Client::validate_key(self)
    }

    fn config(&self) -> &Config {
        Client::config(self)
    }

    fn with_retry_policy(self, retry: RetryPolicy) -> Self {
        Client::with_retry_policy(self, retry)
    }

    async fn send_async<'a, O>(&'a self, op: &'a O) -> Result<Reply<O::Output>, Error>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        Client::send_with_meta(self, op)
    }

    fn run_at_once<R: Send + 'static>(&self, flows: Vec<Flow<R>>) -> Vec<R> {
        std::thread::scope(|scope| {
            let threads: Vec<_> = flows
                .into_iter()
                .map(|flow| scope.spawn(|| block_on(flow)))
                .collect();
            threads
                .into_iter()
                .map(|t| {
                    t.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    }
}

/// Runs `future` to completion on this thread, parking while it waits.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
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

/// How the async client sleeps here: `tokio::time::sleep`.
#[derive(Debug, Clone, Copy)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// An [`AsyncClient`] sleeping on tokio, and the tokio runtime it runs on: each blocking
/// call is `runtime.block_on(the async call)`.
///
/// The runtime is a current-thread one, so the client's callers, its connections' tasks and
/// the flows of [`ClientUnderTest::run_at_once`] all run as tasks on the calling thread. On
/// a multi-threaded runtime hyper-util's pool races: a request that starts while the last
/// response's connection is still going back to the pool (a task on a worker thread) opens
/// a second connection, which `one_client_reuses_its_connection` sees (two connections for
/// 20 sequential calls in 15 of 20 tries). On this one the connection's task has put it
/// back before the caller's future is polled again.
pub struct OnTokio<T> {
    client: AsyncClient<T, TokioSleep>,
    runtime: tokio::runtime::Runtime,
}

impl<T: AsyncTransport> OnTokio<T> {
    /// A client over the transport `make` builds inside a new runtime.
    pub fn new(config: Config, make: impl FnOnce() -> T) -> Self {
        let runtime = current_thread_runtime();
        let transport = {
            let _inside = runtime.enter();
            make()
        };
        Self {
            client: AsyncClient::new(transport, config, TokioSleep),
            runtime,
        }
    }

    /// The async client.
    pub fn client(&self) -> &AsyncClient<T, TokioSleep> {
        &self.client
    }
}

/// A client for `config` over a [`ReqwestTransport`] with `settings`: the async subject's
/// `make`, as the adapters' `with_config` (it appends `reqwest` to the user agent).
pub fn reqwest_with_config(
    config: Config,
    settings: TransportSettings,
) -> OnTokio<ReqwestTransport> {
    let config = config.with_user_agent_suffix(USER_AGENT_SUFFIX);
    OnTokio::new(config, || ReqwestTransport::with_settings(settings))
}

/// The `embedded_checkout` namespace of an [`OnTokio`] client.
pub struct OnTokioCheckout<'a, T> {
    calls: AsyncEmbeddedCheckout<'a, T, TokioSleep>,
    runtime: &'a tokio::runtime::Runtime,
}

impl<T> ClientUnderTest for OnTokio<T>
where
    T: AsyncTransport + Send + Sync + 'static,
{
    type Checkout<'a> = OnTokioCheckout<'a, T>;

    fn embedded_checkout(&self) -> Self::Checkout<'_> {
        OnTokioCheckout {
            calls: self.client.embedded_checkout(),
            runtime: &self.runtime,
        }
    }

    fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.runtime.block_on(self.client.send(op))
    }

    fn send_with_meta<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        self.runtime.block_on(self.client.send_with_meta(op))
    }

    fn validate_key(&self) -> Result<KeyInfo, Error> {
        self.runtime.block_on(self.client.validate_key())
    }

    fn config(&self) -> &Config {
        self.client.config()
    }

    fn with_retry_policy(self, retry: RetryPolicy) -> Self {
        Self {
            client: self.client.with_retry_policy(retry),
            runtime: self.runtime,
        }
    }

    fn send_async<'a, O>(
        &'a self,
        op: &'a O,
    ) -> impl Future<Output = Result<Reply<O::Output>, Error>> + Send + 'a
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        self.client.send_with_meta(op)
    }

    fn run_at_once<R: Send + 'static>(&self, flows: Vec<Flow<R>>) -> Vec<R> {
        self.runtime.block_on(async {
            let tasks: Vec<_> = flows.into_iter().map(tokio::spawn).collect();
            let mut outputs = Vec::with_capacity(tasks.len());
            for task in tasks {
                let output = task
                    .await
                    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                outputs.push(output);
            }
            outputs
        })
    }
}
