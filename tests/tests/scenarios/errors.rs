//! What goes wrong, as typed errors: every status, and a redirect. (Over sockets, how each
//! transport passes on a status and body or fails, refused, cut or silent, is the
//! conformance kit's, run over every adapter; the typed errors of bodies that are not the
//! API's envelope, the core's `parse` tests'; an oversized reply, `bounded_memory.rs`'s.)

use easy_checkout_core::ErrorKind;
use easy_checkout_fake::Fault;
use easy_checkout_tests::driver::for_each_stack;

use crate::fake;

#[test]
fn every_error_status_maps_to_its_kind() {
    let rows = [
        (400, ErrorKind::InvalidRequest),
        (401, ErrorKind::Authentication),
        (403, ErrorKind::Permission),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (422, ErrorKind::InvalidRequest),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
        (503, ErrorKind::Server),
        (402, ErrorKind::Api),
        (418, ErrorKind::Api),
    ];
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 0);
        for (status, kind) in rows {
            fake.inject(Fault::status(status));
            let e = client.get_config().unwrap_err();
            assert_eq!(e.kind(), kind, "status {status}: {e}");
            let api = e.as_api().unwrap();
            assert_eq!(api.status.as_u16(), status);
            assert!(api.code.is_some() && api.message.is_some(), "{api:?}");
            assert!(!api.raw_body.is_empty());
        }
        // Real, non-injected errors carry the fake's codes.
        let e = client.retrieve_session("ecs_missing").unwrap_err();
        let code = e.as_api().unwrap().code.as_deref();
        assert_eq!(code, Some("SESSION_NOT_FOUND"));
    });
}

#[test]
fn a_redirect_is_not_followed() {
    for_each_stack(|stack| {
        let fake = fake();
        let elsewhere = self::fake();
        let target = format!("{}/embedded-checkout/config", elsewhere.base_url());
        fake.inject(Fault::Redirect(target));
        let e = stack.client(&fake, 2).get_config().unwrap_err();
        let api = e.as_api().unwrap();
        assert_eq!((api.status.as_u16(), api.kind), (302, ErrorKind::Api));
        assert!(
            elsewhere.requests().is_empty(),
            "the key went to another host"
        );
        assert_eq!(fake.requests().len(), 1);
    });
}
