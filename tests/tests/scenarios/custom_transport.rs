//! A transport written here, on a bare `TcpStream` (neither ureq nor isahc), drives the same
//! client: what a user with their own HTTP stack does.

use std::io::{Read, Write};
use std::net::TcpStream;

use easy_checkout_core::http::{Request, Response};
use easy_checkout_core::ops::{CreateSession, LineItem};
use easy_checkout_core::{Client, Config, SystemRuntime, TransportError, TransportErrorKind};
use easy_checkout_fake::FakeEasy;

/// HTTP/1.1 with `Connection: close`, enough for a loopback test.
fn tcp_transport(request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
    let io = |e: std::io::Error| TransportError::new(TransportErrorKind::Io, e);
    let uri = request.uri();
    let authority = uri
        .authority()
        .ok_or_else(|| TransportError::msg(TransportErrorKind::Other, "no authority"))?;
    let mut stream = TcpStream::connect(authority.as_str())
        .map_err(|e| TransportError::new(TransportErrorKind::Connect, e))?;
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\ncontent-length: {}\r\n",
        request.method(),
        request.body().len()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value
                .to_str()
                .map_err(|e| TransportError::new(TransportErrorKind::Other, e))?
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(io)?;
    stream.write_all(request.body()).map_err(io)?;

    // `Connection: close`: the reply is everything up to the end of the stream.
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(io)?;
    let mut fields = [httparse::EMPTY_HEADER; 32];
    let mut head = httparse::Response::new(&mut fields);
    let bad = || TransportError::msg(TransportErrorKind::Io, "no whole response head");
    let httparse::Status::Complete(len) = head.parse(&raw).map_err(|_| bad())? else {
        return Err(bad());
    };
    let mut builder = Response::builder().status(head.code.ok_or_else(bad)?);
    for header in head.headers.iter() {
        builder = builder.header(header.name, header.value);
    }
    builder
        .body(raw[len..].to_vec())
        .map_err(|e| TransportError::new(TransportErrorKind::Other, e))
}

#[test]
fn a_hand_written_transport_drives_the_same_client() {
    let fake = FakeEasy::start().unwrap();
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
    let client = Client::new(tcp_transport, config);
    let session = client
        .embedded_checkout()
        .create_session(&CreateSession::new(
            vec![LineItem::new("price_abc", 1)],
            "https://shop.example/r",
        ))
        .unwrap();
    let status = client
        .embedded_checkout()
        .retrieve_session(&session.id)
        .unwrap();
    assert_eq!(status.id, session.id);
    let e = client
        .embedded_checkout()
        .retrieve_session("ecs_nope")
        .unwrap_err();
    assert_eq!(e.kind(), easy_checkout_core::ErrorKind::NotFound);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].header("x-easy-api-key"),
        Some(FakeEasy::TEST_KEY)
    );
    assert_eq!(
        requests[0].header("user-agent"),
        Some(easy_checkout_core::config::USER_AGENT)
    );
    // The runtime is named to show it is the same client type the adapters use.
    let _: fn() -> SystemRuntime = SystemRuntime::new;
}
