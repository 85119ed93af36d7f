//! A fake that stays small: every store it keeps is bounded, what it lets go is counted, and
//! the library and the control API report both.

mod common;

use std::time::{Duration, SystemTime};

use common::{Conn, KEY, Resp, create, get, new_session, post, post_anon, post_with, session_body};
use easy_checkout_fake::{FakeEasy, ManualClock, Stats, Usage};
use easy_checkout_ureq::easy_checkout_core::RetryPolicy;
use easy_checkout_ureq::easy_checkout_core::ops::{CreateSession, LineItem};
use serde_json::json;

/// How long after creation a session expires.
const TTL: Duration = Duration::from_secs(30 * 60);

fn control(fake: &FakeEasy, method: &str, path: &str) -> Resp {
    common::control(fake, method, path, None)
}

/// A clock stopped at 2027-01-15T08:00:00Z.
fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000))
}

fn usage(kept: usize, limit: usize, dropped: u64) -> Usage {
    Usage {
        kept,
        limit,
        dropped,
    }
}

/// A keyed create on its own connection.
fn keyed_create(fake: &FakeEasy, key: &str) -> Resp {
    let headers = [KEY, ("Idempotency-Key", key)];
    post_with(fake, "/embedded-checkout", &headers, &session_body())
}

#[test]
fn recorded_requests_keep_the_newest_and_count_the_dropped() {
    let fake = FakeEasy::builder().max_recorded_requests(3);
    let fake = fake.start().unwrap();
    let mut conn = Conn::open(&fake);
    for n in 1..=5 {
        let path = format!("/validate-key?n={n}");
        assert_eq!(conn.get(&path).unwrap().status, 200);
    }
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    let newest = [3, 4, 5].map(|n| format!("/validate-key?n={n}"));
    assert_eq!(paths, newest);
    assert_eq!(fake.stats().requests, usage(3, 3, 2));

    // The control API says the same, and its own calls are neither recorded nor counted.
    let listed = control(&fake, "GET", "/__fake/requests").data();
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
    assert_eq!(listed[0]["path"], "/validate-key?n=3");
    let stats = control(&fake, "GET", "/__fake/stats").data();
    let requests = json!({ "kept": 3, "limit": 3, "dropped": 2 });
    assert_eq!(stats["requests"], requests);

    // Clearing forgets the requests and the count of dropped ones.
    fake.clear_requests();
    assert_eq!(fake.stats().requests, usage(0, 3, 0));
    get(&fake, "/validate-key");
    assert_eq!(fake.stats().requests, usage(1, 3, 0));
    assert_eq!(control(&fake, "DELETE", "/__fake/requests").status, 200);
    assert_eq!(fake.stats().requests, usage(0, 3, 0));
}

#[test]
fn a_limit_of_zero_records_nothing_and_counts_everything() {
    let fake = FakeEasy::builder().max_recorded_requests(0);
    let fake = fake.start().unwrap();
    create(&fake);
    get(&fake, "/embedded-checkout/ecs_1");
    assert!(fake.requests().is_empty());
    assert_eq!(fake.stats().requests, usage(0, 0, 2));
}

#[test]
fn sessions_are_forgotten_after_their_expiry_and_the_grace_period() {
    let clock = clock();
    let grace = Duration::from_secs(120);
    let fake = FakeEasy::builder()
        .clock(clock.clone())
        .session_grace(grace)
        .start()
        .unwrap();
    let session = create(&fake);
    let id = session["id"].as_str().unwrap();
    // The fake's timestamps come from its clock.
    assert_eq!(session["created_at"], "2027-01-15T08:00:00.000Z");
    assert_eq!(session["expires_at"], "2027-01-15T08:30:00.000Z");
    let path = format!("/embedded-checkout/{id}");

    clock.advance(TTL - Duration::from_secs(1));
    assert_eq!(get(&fake, &path).data()["status"], "open");
    clock.advance(Duration::from_secs(1));
    assert_eq!(get(&fake, &path).data()["status"], "expired");
    let updated = &fake.session(id).unwrap()["updated_at"];
    assert_eq!(updated, "2027-01-15T08:30:00.000Z", "expired at its expiry");
    clock.advance(grace - Duration::from_secs(1));
    let within_grace = get(&fake, &path).data();
    assert_eq!(within_grace["status"], "expired");
    assert_eq!(fake.stats().sessions, usage(1, 100_000, 0));

    clock.advance(Duration::from_secs(1));
    get(&fake, &path).error(404, "SESSION_NOT_FOUND");
    assert_eq!(fake.session(id), None);
    assert!(fake.sessions().is_empty());
    assert_eq!(fake.stats().sessions, usage(0, 100_000, 1));
    let stats = control(&fake, "GET", "/__fake/stats").data();
    let sessions = json!({ "kept": 0, "limit": 100_000, "dropped": 1 });
    assert_eq!(stats["sessions"], sessions);
    let forgotten = control(&fake, "GET", &format!("/__fake/sessions/{id}"));
    assert_eq!(forgotten.status, 404);
}

#[test]
fn paid_sessions_are_forgotten_after_their_expiry_too() {
    let clock = clock();
    let fake = FakeEasy::builder()
        .clock(clock.clone())
        .session_grace(Duration::ZERO)
        .start()
        .unwrap();
    let (id, secret) = new_session(&fake);
    assert!(fake.mark_paid(&id));
    clock.advance(Duration::from_secs(1));
    let (younger, _) = new_session(&fake);
    clock.advance(TTL - Duration::from_secs(2));
    assert!(fake.webhook_for(&id).is_some());
    clock.advance(Duration::from_secs(1));
    assert_eq!(fake.webhook_for(&id), None);
    assert!(!fake.mark_paid(&id), "unknown now");
    let validate = post_anon(
        &fake,
        "/embedded-checkout/validate",
        &json!({ "client_secret": secret }),
    );
    validate.error(401, "INVALID_CLIENT_SECRET");
    assert!(fake.session(&younger).is_some(), "a younger one stays");
}

#[test]
fn above_the_limit_the_oldest_session_is_forgotten() {
    let fake = FakeEasy::builder().max_sessions(2).start().unwrap();
    for _ in 0..5 {
        create(&fake);
    }
    for (id, status) in [
        ("ecs_1", 404),
        ("ecs_3", 404),
        ("ecs_4", 200),
        ("ecs_5", 200),
    ] {
        assert_eq!(
            get(&fake, &format!("/embedded-checkout/{id}")).status,
            status
        );
    }
    // The kept ones, oldest first: the order the next are forgotten in.
    let kept: Vec<_> = fake.sessions().iter().map(|s| s["id"].clone()).collect();
    assert_eq!(kept, ["ecs_4", "ecs_5"]);
    assert_eq!(fake.stats().sessions, usage(2, 2, 3));
}

#[test]
fn idempotency_records_are_forgotten_after_a_day_or_above_the_limit() {
    let clock = clock();
    let fake = FakeEasy::builder()
        .clock(clock.clone())
        .max_idempotency_records(2)
        .start()
        .unwrap();
    let first = keyed_create(&fake, "k1");
    keyed_create(&fake, "k2");
    keyed_create(&fake, "k3");
    assert_eq!(fake.stats().idempotency_records, usage(2, 2, 1));
    // k1 was forgotten: it runs again; k3 is still replayed.
    let again = keyed_create(&fake, "k1");
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_eq!(again.data()["id"], "ecs_4");
    assert_ne!(again.body, first.body);
    let replayed = keyed_create(&fake, "k3");
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.data()["id"], "ecs_3");

    // A day on, every record is forgotten.
    clock.advance(Duration::from_secs(24 * 60 * 60 - 1));
    let replayed = keyed_create(&fake, "k3");
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    clock.advance(Duration::from_secs(1));
    assert_eq!(fake.stats().idempotency_records.kept, 0);
    assert_eq!(keyed_create(&fake, "k3").data()["id"], "ecs_5");
}

#[test]
fn connections_beyond_the_limit_get_a_503_that_says_why() {
    let fake = FakeEasy::builder().max_connections(2).start().unwrap();
    let mut held: Vec<Conn> = (0..2).map(|_| Conn::open(&fake)).collect();
    for conn in &mut held {
        assert_eq!(conn.get("/validate-key").unwrap().status, 200);
    }

    let mut third = Conn::open(&fake);
    let refused = third.get("/validate-key").unwrap();
    let details = refused.error(503, "TOO_MANY_CONNECTIONS");
    assert_eq!(details, json!({ "max_connections": 2 }));
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.header("connection"), Some("close"));
    let closed = third.get("/validate-key");
    assert!(closed.is_err(), "closed after the 503");
    assert_eq!(fake.requests().len(), 2, "a refused one is not recorded");
    let stats = fake.stats();
    assert_eq!(stats.connections_open, 2);
    assert_eq!(stats.max_connections, 2);
    assert_eq!(stats.connections_refused, 1);
    // The control API is refused too while every place is taken.
    assert_eq!(control(&fake, "GET", "/__fake/stats").status, 503);

    // A place given back is a place for the next connection.
    drop(held.pop());
    wait_for(&fake, |stats| stats.connections_open == 1);
    let stats = control(&fake, "GET", "/__fake/stats").data();
    assert_eq!(
        stats["connections"],
        json!({ "open": 2, "limit": 2, "refused": 2, "served": 2 }),
        "open: the held connection and this one"
    );
    wait_for(&fake, |stats| stats.connections_open == 1);
    fake.reset();
    let stats = fake.stats();
    assert_eq!(stats.connections_open, 1, "reset keeps the open connection");
    assert_eq!(stats.connections_refused, 0, "reset forgets the count");
}

#[test]
fn the_sdk_reads_the_connection_limit_as_an_api_error() {
    let fake = FakeEasy::builder().max_connections(1).start().unwrap();
    let mut held = Conn::open(&fake);
    assert_eq!(held.get("/validate-key").unwrap().status, 200);
    let client = easy_checkout_ureq::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())
        .unwrap()
        .with_retry_policy(RetryPolicy::never());
    let err = client
        .embedded_checkout()
        .retrieve_session("ecs_1")
        .unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.status.as_u16(), 503);
    assert_eq!(api.code.as_deref(), Some("TOO_MANY_CONNECTIONS"));
}

#[test]
fn a_long_lived_fake_keeps_its_counts_bounded() {
    let clock = clock();
    let fake = FakeEasy::builder()
        .clock(clock.clone())
        .max_recorded_requests(50)
        .max_sessions(40)
        .max_idempotency_records(30)
        .session_grace(Duration::from_secs(60))
        .start()
        .unwrap();
    let client = easy_checkout_ureq::with_base_url(FakeEasy::TEST_KEY, &fake.base_url()).unwrap();
    let checkout = client.embedded_checkout();
    let params = CreateSession::new(
        vec![LineItem::new("price_abc", 1)],
        "https://shop.example/r",
    );
    const CREATES: u64 = 1_000;
    for n in 0..CREATES {
        let id = checkout.create_session(&params).unwrap().id;
        assert_eq!(id, format!("ecs_{}", n + 1));
        checkout.retrieve_session(&id).unwrap();
        if n % 100 == 0 {
            // Time passes: sessions of ten minutes ago are not yet due.
            clock.advance(Duration::from_secs(60));
        }
    }
    let stats = fake.stats();
    assert_eq!(stats.requests, usage(50, 50, 2 * CREATES - 50));
    assert_eq!(stats.sessions, usage(40, 40, CREATES - 40));
    // Every create carried a key the SDK made.
    assert_eq!(stats.idempotency_records, usage(30, 30, CREATES - 30));
    assert_eq!(stats.connections_refused, 0);
    assert_eq!(fake.connections(), 1, "one keep-alive connection for all");
    assert_eq!(fake.sessions().len(), 40);

    // Past every session's expiry and grace, none is left.
    clock.advance(TTL + Duration::from_secs(60));
    let stats: Stats = fake.stats();
    assert_eq!(stats.sessions, usage(0, 40, CREATES));
    // The control API reports what the library does.
    let reported = control(&fake, "GET", "/__fake/stats").data();
    assert_eq!(reported["sessions"]["dropped"], json!(CREATES));
    let records = json!({ "kept": 30, "limit": 30, "dropped": CREATES - 30 });
    assert_eq!(reported["idempotency_records"], records);
    let next = post(&fake, "/embedded-checkout", &session_body()).data();
    assert_eq!(next["id"], format!("ecs_{}", CREATES + 1));
}

/// Waits (boundedly) until the fake's own counts satisfy `done`: the thread of a closed
/// connection gives its place back when it sees the close.
fn wait_for(fake: &FakeEasy, done: impl Fn(&Stats) -> bool) {
    for _ in 0..5_000 {
        if done(&fake.stats()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("never reached: {:?}", fake.stats());
}

#[cfg(feature = "tls")]
#[test]
fn over_https_the_503_comes_over_tls() {
    use easy_checkout_ureq::UreqTransport;
    use easy_checkout_ureq::easy_checkout_core::{Config, RootCertificates, TransportSettings};

    let fake = FakeEasy::builder()
        .tls(easy_checkout_fake::FakeTls::generate().unwrap())
        .max_connections(1)
        .start()
        .unwrap();
    // A connection that never starts its TLS session still holds the one place.
    let _held = std::net::TcpStream::connect(fake.addr()).unwrap();
    wait_for(&fake, |stats| stats.connections_open == 1);

    let roots = RootCertificates::default()
        .add_pem(fake.ca_pem().unwrap())
        .unwrap();
    let transport = UreqTransport::with_roots(TransportSettings::default(), roots);
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
    let client = easy_checkout_ureq::with_transport(config, transport)
        .with_retry_policy(RetryPolicy::never());
    let err = client.validate_key().unwrap_err();
    let api = err.as_api().expect("an API error, read over TLS");
    assert_eq!(api.status.as_u16(), 503);
    assert_eq!(api.code.as_deref(), Some("TOO_MANY_CONNECTIONS"));
    assert_eq!(fake.stats().connections_refused, 1);
}
