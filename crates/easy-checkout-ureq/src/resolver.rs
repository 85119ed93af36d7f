//! The name resolver of [`UreqTransport`](crate::UreqTransport): IP literals as they are,
//! host names through ureq's [`DefaultResolver`] and then from a short-lived cache.
//!
//! # Why
//!
//! ureq resolves the host on every request, before it looks for a pooled connection, and
//! with any timeout configured its `DefaultResolver` does so on a newly spawned thread (so it
//! can give up on time). The transport always configures timeouts, so every call, even one
//! that reuses a keep-alive connection, paid for a thread and a `getaddrinfo`: 100–510 µs for
//! a warm loopback call on a loaded machine, against about 34 µs with this resolver
//! (`docs/performance.md`).
//!
//! # What it does
//!
//! - An IP-literal host (`127.0.0.1`, `[::1]`) becomes its socket address directly: no thread,
//!   no lookup. ureq's `IpFamily` setting is respected, as `DefaultResolver` respects it.
//! - A host name is resolved by the delegate (`DefaultResolver`, which keeps enforcing the
//!   resolve timeout: for this transport, what is left of the total timeout) and a successful
//!   answer is kept for [`TTL`] per `host:port`. Failures are not kept: the next request
//!   tries again.
//! - The cache holds at most [`CAPACITY`] entries; a new entry first drops the expired ones,
//!   then, when still full, the oldest.
//!
//! Why 30 seconds: the standard library's resolver (`ToSocketAddrs`, `getaddrinfo`) does not
//! report the DNS record's TTL, so there is no true expiry to honour. Within a connection
//! pool, a lookup per request is pure waste: a reused connection does not use the answer at
//! all. 30 s bounds how long a changed record goes unseen to half a minute, and the transport
//! drops the whole cache as soon as a request fails to connect or times out (see
//! [`DnsCache::clear`]), so a host that moved is looked up again on the next try.
//!
//! `ureq::unversioned` is not covered by ureq's semver guarantees, which is why the workspace
//! pins ureq to a tilde range.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ureq::Error;
use ureq::config::{Config, IpFamily};
use ureq::http::Uri;
use ureq::http::uri::Scheme;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a successful lookup is reused. See the module documentation for why.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// The most `host:port` answers kept at once.
pub(crate) const CAPACITY: usize = 64;

/// A [`Resolver`] answering IP literals itself and caching the answers of `R` for host names.
///
/// The cache is shared: with the transport (which clears it on a failed connection) and,
/// through the agent, with every clone of the transport.
pub(crate) struct CachingResolver<R = DefaultResolver> {
    delegate: R,
    cache: SharedCache,
}

impl CachingResolver {
    /// Over ureq's [`DefaultResolver`], with an empty cache.
    pub(crate) fn new() -> Self {
        Self::with_delegate(DefaultResolver::default())
    }
}

impl<R: Resolver> CachingResolver<R> {
    /// Over `delegate`, with an empty cache.
    pub(crate) fn with_delegate(delegate: R) -> Self {
        Self {
            delegate,
            cache: SharedCache::default(),
        }
    }

    /// The cache this resolver fills, to share with the transport.
    pub(crate) fn cache(&self) -> SharedCache {
        self.cache.clone()
    }

    /// [`Resolver::resolve`] with the current time given, so tests can move the clock.
    pub(crate) fn resolve_at(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
        now: Instant,
    ) -> Result<ResolvedSocketAddrs, Error> {
        // Anything unusual (no scheme or authority, a scheme without a known default port,
        // such as a SOCKS proxy's) goes to the delegate as it is, uncached, so that it
        // answers or fails exactly as ureq would without this resolver.
        let Some((host, port)) = host_and_port(uri) else {
            return self.delegate.resolve(uri, config, timeout);
        };
        let family = config.ip_family();

        if let Some(ip) = ip_literal(host) {
            let mut addrs = self.empty();
            for wanted in family.keep_wanted(std::iter::once(SocketAddr::new(ip, port))) {
                addrs.push(wanted);
            }
            return if addrs.is_empty() {
                Err(Error::HostNotFound)
            } else {
                Ok(addrs)
            };
        }

        if let Some(addrs) = self.cache.lock().get(host, port, family, now) {
            return Ok(addrs);
        }
        // Not under the lock: a lookup can take up to the resolve timeout.
        let addrs = self.delegate.resolve(uri, config, timeout)?;
        self.cache
            .lock()
            .insert(host, port, family, addrs.clone(), now);
        Ok(addrs)
    }
}

impl<R: Resolver> Resolver for CachingResolver<R> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, Error> {
        self.resolve_at(uri, config, timeout, Instant::now())
    }
}

impl<R: fmt::Debug> fmt::Debug for CachingResolver<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingResolver")
            .field("delegate", &self.delegate)
            .field("cached", &self.cache.lock().entries.len())
            .finish()
    }
}

/// The host and port `uri` connects to, the port defaulted from an `http` or `https` scheme.
fn host_and_port(uri: &Uri) -> Option<(&str, u16)> {
    let scheme = uri.scheme()?;
    let authority = uri.authority()?;
    let port = authority.port_u16().or_else(|| {
        if *scheme == Scheme::HTTPS {
            Some(443)
        } else if *scheme == Scheme::HTTP {
            Some(80)
        } else {
            None
        }
    })?;
    Some((authority.host(), port))
}

/// The address an IP-literal host names: dotted IPv4, or IPv6 in brackets (as `Uri::host`
/// gives it), as the standard library parses a socket address. Anything else is a name.
fn ip_literal(host: &str) -> Option<IpAddr> {
    match host.strip_prefix('[') {
        Some(rest) => rest
            .strip_suffix(']')?
            .parse::<Ipv6Addr>()
            .ok()
            .map(IpAddr::V6),
        None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
    }
}

/// A [`DnsCache`] shared between threads. A poisoned lock is used as it is: the cache is
/// valid after any panic (each operation leaves it consistent, and at worst an answer is
/// looked up again).
#[derive(Clone, Default)]
pub(crate) struct SharedCache(Arc<Mutex<DnsCache>>);

impl SharedCache {
    pub(crate) fn lock(&self) -> MutexGuard<'_, DnsCache> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Successful answers per `host:port` (and IP family), each until it expires. At most
/// [`CAPACITY`] entries, searched linearly: a client talks to one or two hosts, and a lookup
/// allocates nothing.
#[derive(Default)]
pub(crate) struct DnsCache {
    entries: Vec<Entry>,
}

struct Entry {
    host: String,
    port: u16,
    family: IpFamily,
    addrs: ResolvedSocketAddrs,
    expires: Instant,
}

impl Entry {
    fn is_for(&self, host: &str, port: u16, family: IpFamily) -> bool {
        self.port == port && self.family == family && self.host == host
    }
}

impl DnsCache {
    /// The answer for `host:port` if one is kept and has not expired at `now`.
    fn get(
        &self,
        host: &str,
        port: u16,
        family: IpFamily,
        now: Instant,
    ) -> Option<ResolvedSocketAddrs> {
        self.entries
            .iter()
            .find(|e| e.is_for(host, port, family) && now < e.expires)
            .map(|e| e.addrs.clone())
    }

    /// Keeps `addrs` for `host:port` until `now + TTL`, replacing an older answer. Makes
    /// room first by dropping expired entries, then, if still full, the oldest.
    fn insert(
        &mut self,
        host: &str,
        port: u16,
        family: IpFamily,
        addrs: ResolvedSocketAddrs,
        now: Instant,
    ) {
        self.entries
            .retain(|e| now < e.expires && !e.is_for(host, port, family));
        if self.entries.len() >= CAPACITY {
            // Every entry lives for the same TTL: the first to expire is the oldest.
            if let Some(oldest) = (0..self.entries.len()).min_by_key(|&i| self.entries[i].expires) {
                self.entries.swap_remove(oldest);
            }
        }
        self.entries.push(Entry {
            host: host.to_owned(),
            port,
            family,
            addrs,
            expires: now + TTL,
        });
    }

    /// Forgets every answer. The transport calls it when a request fails to connect or
    /// times out, in case the host moved: the next request looks its name up again.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A delegate that counts its calls and answers `10.0.0.<n>` for the `n`th call, or
    /// fails with `HostNotFound` while `fail` is set. Clones share their state.
    #[derive(Debug, Default, Clone)]
    struct Counting(Arc<CountingState>);

    #[derive(Debug, Default)]
    struct CountingState {
        calls: AtomicUsize,
        fail: AtomicBool,
    }

    impl Resolver for Counting {
        fn resolve(
            &self,
            uri: &Uri,
            _: &Config,
            _: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, Error> {
            let n = self.0.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if self.0.fail.load(Ordering::SeqCst) {
                return Err(Error::HostNotFound);
            }
            let port = host_and_port(uri).map_or(0, |(_, p)| p);
            let ip = Ipv4Addr::new(10, 0, 0, u8::try_from(n).expect("few calls"));
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(IpAddr::V4(ip), port));
            Ok(addrs)
        }
    }

    impl Counting {
        fn calls(&self) -> usize {
            self.0.calls.load(Ordering::SeqCst)
        }

        fn fail(&self, fail: bool) {
            self.0.fail.store(fail, Ordering::SeqCst);
        }
    }

    fn resolver() -> (CachingResolver<Counting>, Counting) {
        let counting = Counting::default();
        (CachingResolver::with_delegate(counting.clone()), counting)
    }

    fn config(family: IpFamily) -> Config {
        Config::builder().ip_family(family).build()
    }

    fn resolve_at(
        resolver: &CachingResolver<Counting>,
        uri: &str,
        family: IpFamily,
        now: Instant,
    ) -> Result<Vec<SocketAddr>, Error> {
        let uri: Uri = uri.parse().expect("a uri");
        resolver
            .resolve_at(&uri, &config(family), NextTimeout::default(), now)
            .map(|addrs| addrs.to_vec())
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("a socket address")
    }

    #[test]
    fn ip_literals_are_answered_without_the_delegate() {
        let (resolver, counting) = resolver();
        let now = Instant::now();
        let any = IpFamily::Any;
        let cases = [
            ("http://127.0.0.1:8080/v1", "127.0.0.1:8080"),
            ("http://127.0.0.1/", "127.0.0.1:80"),
            ("https://192.0.2.7/x", "192.0.2.7:443"),
            ("http://[::1]:4010/", "[::1]:4010"),
            ("https://[2001:db8::1]/", "[2001:db8::1]:443"),
        ];
        for (uri, expected) in cases {
            assert_eq!(
                resolve_at(&resolver, uri, any, now).expect(uri),
                [addr(expected)],
                "{uri}"
            );
        }
        assert_eq!(counting.calls(), 0);
        assert_eq!(resolver.cache.lock().len(), 0, "literals are not cached");
    }

    #[test]
    fn ip_literals_respect_the_ip_family() {
        let (resolver, counting) = resolver();
        let now = Instant::now();
        let v4 = "http://127.0.0.1:1/";
        let v6 = "http://[::1]:1/";
        assert_eq!(
            resolve_at(&resolver, v4, IpFamily::Ipv4Only, now).unwrap(),
            [addr("127.0.0.1:1")]
        );
        assert_eq!(
            resolve_at(&resolver, v6, IpFamily::Ipv6Only, now).unwrap(),
            [addr("[::1]:1")]
        );
        assert!(matches!(
            resolve_at(&resolver, v4, IpFamily::Ipv6Only, now),
            Err(Error::HostNotFound)
        ));
        assert!(matches!(
            resolve_at(&resolver, v6, IpFamily::Ipv4Only, now),
            Err(Error::HostNotFound)
        ));
        assert_eq!(counting.calls(), 0);
    }

    #[test]
    fn what_is_not_a_literal_goes_to_the_delegate() {
        for host in ["127.1", "[127.0.0.1]", "localhost", "api.itseasy.co", "::1"] {
            assert_eq!(ip_literal(host), None, "{host}");
        }
        let (resolver, counting) = resolver();
        let now = Instant::now();
        resolve_at(&resolver, "http://127.1:80/", IpFamily::Any, now).unwrap();
        // A scheme with no default port known here: the delegate decides, uncached.
        let _ = resolve_at(&resolver, "socks5://proxy.example", IpFamily::Any, now);
        let _ = resolve_at(&resolver, "socks5://proxy.example", IpFamily::Any, now);
        assert_eq!(counting.calls(), 3);
    }

    #[test]
    fn a_host_name_is_looked_up_once_per_ttl() {
        let (resolver, counting) = resolver();
        let t0 = Instant::now();
        let uri = "https://api.itseasy.co/v1/api/x";
        let first = resolve_at(&resolver, uri, IpFamily::Any, t0).unwrap();
        assert_eq!(first, [addr("10.0.0.1:443")]);
        for later in [
            Duration::ZERO,
            Duration::from_secs(1),
            TTL - Duration::from_millis(1),
        ] {
            assert_eq!(
                resolve_at(&resolver, uri, IpFamily::Any, t0 + later).unwrap(),
                first
            );
        }
        // Another path, same host and port: the same entry.
        resolve_at(&resolver, "https://api.itseasy.co/other", IpFamily::Any, t0).unwrap();
        assert_eq!(counting.calls(), 1);

        // Expired: looked up again, and the new answer is kept from then on.
        let second = resolve_at(&resolver, uri, IpFamily::Any, t0 + TTL).unwrap();
        assert_eq!(second, [addr("10.0.0.2:443")]);
        assert_eq!(counting.calls(), 2);
        let again = resolve_at(&resolver, uri, IpFamily::Any, t0 + TTL + TTL / 2).unwrap();
        assert_eq!(again, second);
        assert_eq!(counting.calls(), 2);
        assert_eq!(resolver.cache.lock().len(), 1);
    }

    #[test]
    fn entries_are_per_host_port_and_family() {
        let (resolver, counting) = resolver();
        let now = Instant::now();
        for uri in [
            "https://api.itseasy.co/",
            "http://api.itseasy.co/",
            "https://api.itseasy.co:8443/",
            "https://sandbox-api.itseasy.co/",
        ] {
            resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
            resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
        }
        assert_eq!(counting.calls(), 4);
        resolve_at(
            &resolver,
            "https://api.itseasy.co/",
            IpFamily::Ipv4Only,
            now,
        )
        .unwrap();
        assert_eq!(counting.calls(), 5);
    }

    #[test]
    fn failures_are_not_cached() {
        let (resolver, counting) = resolver();
        let now = Instant::now();
        let uri = "https://api.itseasy.co/";
        counting.fail(true);
        for _ in 0..2 {
            assert!(matches!(
                resolve_at(&resolver, uri, IpFamily::Any, now),
                Err(Error::HostNotFound)
            ));
        }
        assert_eq!(counting.calls(), 2);
        counting.fail(false);
        resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
        resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
        assert_eq!(counting.calls(), 3);
    }

    #[test]
    fn clearing_forces_a_new_lookup() {
        let (resolver, counting) = resolver();
        let now = Instant::now();
        let uri = "https://api.itseasy.co/";
        resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
        resolver.cache().lock().clear();
        resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
        assert_eq!(counting.calls(), 2);
    }

    #[test]
    fn the_cache_is_bounded_and_evicts_expired_then_oldest() {
        let (resolver, counting) = resolver();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_millis(s);
        let uri = |i: usize| format!("http://h{i}.example/");
        // Fill it, one entry a millisecond.
        for i in 0..CAPACITY {
            resolve_at(&resolver, &uri(i), IpFamily::Any, at(i as u64)).unwrap();
        }
        assert_eq!(resolver.cache.lock().len(), CAPACITY);
        // One more: the oldest (h0) goes, the rest stay.
        resolve_at(&resolver, &uri(CAPACITY), IpFamily::Any, at(100)).unwrap();
        assert_eq!(resolver.cache.lock().len(), CAPACITY);
        let calls = counting.calls();
        resolve_at(&resolver, &uri(1), IpFamily::Any, at(101)).unwrap();
        assert_eq!(counting.calls(), calls, "h1 is still cached");
        resolve_at(&resolver, &uri(0), IpFamily::Any, at(102)).unwrap();
        assert_eq!(counting.calls(), calls + 1, "h0 was evicted");
        assert_eq!(resolver.cache.lock().len(), CAPACITY);

        // Once they expire, a new entry sweeps them all out.
        let late = t0 + TTL + Duration::from_secs(1);
        resolve_at(&resolver, "http://fresh.example/", IpFamily::Any, late).unwrap();
        assert_eq!(resolver.cache.lock().len(), 1);
    }

    #[test]
    fn a_poisoned_lock_is_still_used() {
        let (resolver, counting) = resolver();
        let cache = resolver.cache();
        let _ = std::thread::spawn(move || {
            let _guard = cache.0.lock().unwrap();
            panic!("poison the lock");
        })
        .join();
        assert!(resolver.cache.0.is_poisoned());
        let now = Instant::now();
        let uri = "https://api.itseasy.co/";
        resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
        resolve_at(&resolver, uri, IpFamily::Any, now).unwrap();
        assert_eq!(counting.calls(), 1);
    }
}
