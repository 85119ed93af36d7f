//! Small helpers: locking, threads and sockets to stop, deadlines, timestamps, randomness.

use std::collections::HashMap;
use std::hash::Hash;
use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Locks `mutex`, taking the data even when another thread panicked while holding it: a
/// poisoned lock must never take the server down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The time left until `deadline` (a day at a time when it is too far to be represented),
/// or `None` once it has passed.
pub(crate) fn time_left(deadline: Option<Instant>) -> Option<Duration> {
    let Some(deadline) = deadline else {
        return Some(Duration::from_secs(24 * 60 * 60));
    };
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// The threads of a fake, to join when it stops.
#[derive(Debug, Default)]
pub(crate) struct Threads(Mutex<Vec<JoinHandle<()>>>);

impl Threads {
    pub(crate) fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let handle = thread::Builder::new().name(name.to_owned()).spawn(f)?;
        let mut threads = lock(&self.0);
        threads.retain(|t| !t.is_finished());
        threads.push(handle);
        Ok(())
    }

    /// Joins every thread, those started meanwhile included.
    pub(crate) fn join_all(&self) {
        loop {
            let threads = std::mem::take(&mut *lock(&self.0));
            if threads.is_empty() {
                return;
            }
            for thread in threads {
                let _ = thread.join();
            }
        }
    }
}

/// The open connections of a fake, so that stopping can shut them all (a thread blocked on
/// one then sees it end).
#[derive(Debug, Default)]
pub(crate) struct Sockets(Mutex<Open>);

#[derive(Debug, Default)]
struct Open {
    made: u64,
    streams: HashMap<u64, TcpStream>,
    /// Shut: no connection may be noted any more.
    shut: bool,
}

impl Sockets {
    /// Notes `stream` until the guard drops; `None` once [`Sockets::shut_all`] ran.
    pub(crate) fn note(&self, stream: &TcpStream) -> Option<Noted<'_>> {
        let handle = stream.try_clone().ok()?;
        let mut open = lock(&self.0);
        if open.shut {
            return None;
        }
        open.made += 1;
        let id = open.made;
        open.streams.insert(id, handle);
        Some(Noted { sockets: self, id })
    }

    /// Shuts every connection noted, and every one noted from now on.
    pub(crate) fn shut_all(&self) {
        let mut open = lock(&self.0);
        open.shut = true;
        for stream in open.streams.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// A connection noted in [`Sockets`], until dropped.
pub(crate) struct Noted<'a> {
    sockets: &'a Sockets,
    id: u64,
}

impl Drop for Noted<'_> {
    fn drop(&mut self) {
        lock(&self.sockets.0).streams.remove(&self.id);
    }
}

/// Gives `map`, full at `limit` entries and churning from now on, room for twice that: a
/// churning hash table fills with tombstones, and doubles unless at most half full. Better
/// once, when it first fills, than at some later moment of a long run.
pub(crate) fn room_to_churn<K: Eq + Hash, V>(map: &mut HashMap<K, V>, limit: usize) {
    if map.len() >= limit && map.capacity() < limit.saturating_mul(2) {
        map.reserve(limit);
    }
}

/// `t` as ISO 8601 in UTC with milliseconds: `2026-01-31T12:34:56.789Z` (a time before 1970
/// reads as 1970-01-01).
pub(crate) fn iso8601(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t.max(UNIX_EPOCH)).to_string()
}

/// 64 bits from the operating system's random source (which std's platforms never refuse).
pub(crate) fn random_u64() -> u64 {
    getrandom::u64().expect("the operating system's random source")
}

/// `len` random lowercase hex digits.
pub(crate) fn random_hex(len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        out.push_str(&format!("{:016x}", random_u64()));
    }
    out.truncate(len);
    out
}

/// A new webhook event id: `evt_` and 24 random hex digits, never the same twice.
pub(crate) fn event_id() -> String {
    format!("evt_{}", random_hex(24))
}

/// A random (version 4) UUID in lowercase hex, as RFC 9562 writes it (the `uuid` crate would
/// add a dependency for these lines).
pub(crate) fn uuid_v4() -> String {
    let random = (u128::from(random_u64()) << 64) | u128::from(random_u64());
    // The version (4) in bits 76 to 79, the variant (binary 10) in bits 62 and 63.
    let bits = (random & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let mut uuid = format!("{bits:032x}");
    for at in [20, 16, 12, 8] {
        uuid.insert(at, '-');
    }
    uuid
}

/// `len` random base58 characters (the Bitcoin/Solana alphabet).
pub(crate) fn random_base58(len: usize) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let pick = |_| char::from(ALPHABET[(random_u64() % ALPHABET.len() as u64) as usize]);
    (0..len).map(pick).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_iso8601() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_789); // leap day 2024
        assert_eq!(iso8601(t), "2024-02-29T12:34:56.789Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(iso8601(t), "2000-02-29T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_secs(4_102_444_799);
        assert_eq!(iso8601(t), "2099-12-31T23:59:59.000Z");
        assert_eq!(
            iso8601(UNIX_EPOCH - Duration::from_secs(1)),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn random_strings_have_the_asked_shape() {
        let hex = random_hex(32);
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(random_hex(32), hex);
        let uuid = uuid_v4();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{uuid}");
        assert!(
            uuid.bytes()
                .all(|b| b == b'-' || matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        assert_eq!(&uuid[14..15], "4", "version 4: {uuid}");
        assert!(
            matches!(&uuid[19..20], "8" | "9" | "a" | "b"),
            "RFC variant: {uuid}"
        );
        assert_ne!(uuid_v4(), uuid);
        let b58 = random_base58(44);
        assert_eq!(b58.chars().count(), 44);
        assert!(!b58.contains(['0', 'O', 'I', 'l']));
    }
}
