//! One client, as a merchant's server holds it: its calls reuse one connection, and callers
//! sharing it (threads sharing a blocking client, tokio tasks sharing an async one) never
//! stall, queue or retry because of each other.

use std::sync::Arc;

use easy_checkout_core::ops::{Confirm, PaymentMethod, RetrieveSession};
use easy_checkout_tests::driver::{Flow, TestClient, for_each_stack};

use crate::{create_op, fake};

#[test]
fn one_client_reuses_its_connection() {
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 0);
        for _ in 0..20 {
            client.get_config().unwrap();
        }
        assert_eq!(fake.requests().len(), 20);
        assert_eq!(fake.connections(), 1, "20 calls, one keep-alive connection");
    });
}

/// The flows each caller runs in [`one_client_shared_by_threads_never_stalls_or_retries`].
const SHARED_FLOWS: usize = 15;

/// One client, shared by `callers` concurrent callers ([`TestClient::run_at_once`]), each
/// running create → confirm (with its own key) → retrieve `SHARED_FLOWS` times against one
/// fake in this process. Every call must succeed on its first attempt (`retries == 0`: a
/// call that stalled into the timeout and was retried would show), and the fake must have
/// seen exactly the requests the flows need, each session charged once.
#[test]
fn one_client_shared_by_threads_never_stalls_or_retries() {
    for_each_stack(|stack| {
        for callers in [2, 6, 16] {
            let fake = fake();
            // Retries on, so that a stall would be retried (and seen) rather than fail.
            let client = Arc::new(stack.client(&fake, 2));
            let flows = (0..callers)
                .map(|caller| shared_flows(Arc::clone(&client), callers, caller))
                .collect();
            let sessions: Vec<String> = client.run_at_once(flows).into_iter().flatten().collect();
            let requests = fake.requests();
            let flows = callers * SHARED_FLOWS;
            assert_eq!(requests.len(), flows * 3, "{callers} callers");
            let count = |method: &str, path: &str| {
                let matching = requests.iter().filter(|r| r.method == method);
                matching.filter(|r| r.path.starts_with(path)).count()
            };
            assert_eq!(count("POST", "/embedded-checkout/confirm"), flows);
            assert_eq!(count("GET", "/embedded-checkout/ecs_"), flows);
            assert_eq!(sessions.len(), flows);
            for id in &sessions {
                assert_eq!(fake.session(id).unwrap()["payments"], 1, "{id}");
            }
            assert_eq!(fake.sessions().len(), sessions.len(), "no extra session");
        }
    });
}

/// The `SHARED_FLOWS` flows of caller `caller` of `callers`: the ids of the sessions it
/// created and paid.
fn shared_flows(client: Arc<TestClient>, callers: usize, caller: usize) -> Flow<Vec<String>> {
    Box::pin(async move {
        let mut ids = Vec::new();
        for i in 0..SHARED_FLOWS {
            let created = client.send_async(&create_op()).await.unwrap();
            let session = created.value;
            let secret = session.client_secret.clone().unwrap();
            let confirm = Confirm::new(secret, PaymentMethod::card("tok_ok"))
                .with_idempotency_key(format!("shared-{caller}-{i}"))
                .unwrap();
            let confirmed = client.send_async(&confirm).await.unwrap();
            let op = RetrieveSession::new(session.id.as_str()).unwrap();
            let status = client.send_async(&op).await.unwrap();
            assert!(status.value.is_paid());
            let retries = [created.meta, confirmed.meta, status.meta].map(|m| m.retries);
            assert_eq!(retries, [0, 0, 0], "{callers} callers, flow {caller}/{i}");
            ids.push(session.id);
        }
        ids
    })
}
