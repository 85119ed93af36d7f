//! Small helpers: poison-proof locking, timestamps, randomness.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

/// Locks `mutex`, taking the data even when another thread panicked while holding it: a
/// poisoned lock must never take the server down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Gives `map`, which holds `limit` entries and will now churn (one removed for every one
/// added), room for twice that. A hash table that churns fills with tombstones; it clears them
/// in place only while it is at most half full, and otherwise doubles: better once, when it
/// first fills, than at some later moment of a long run.
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

/// 64 bits from the operating system's random source. A fake's secrets and ids need no
/// more; should the OS refuse (it does not on any platform std supports), the fake panics.
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

/// `len` random base58 characters (the Bitcoin/Solana alphabet).
pub(crate) fn random_base58(len: usize) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    let mut bits = 0u64;
    for i in 0..len {
        if i % 8 == 0 {
            bits = random_u64();
        }
        // 58 * 2^56 fits in u64; taking the top byte keeps the draw close to uniform.
        let idx = ((bits & 0xff) as usize * ALPHABET.len()) >> 8;
        out.push(char::from(ALPHABET[idx]));
        bits >>= 8;
    }
    out
}

/// A random version-4 UUID in its text form (`6f1c0a52-8e6b-4f0e-9d0a-3c4b5a6d7e8f`).
pub(crate) fn random_uuid() -> String {
    let hex = random_hex(32);
    let variant = ["8", "9", "a", "b"][usize::from(hex.as_bytes()[16] % 4)];
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..]
    )
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
        let uuid = random_uuid();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{uuid}");
        assert_eq!(&uuid[14..15], "4", "{uuid}");
        assert!("89ab".contains(&uuid[19..20]), "{uuid}");
        assert_ne!(random_uuid(), uuid);
        let b58 = random_base58(44);
        assert_eq!(b58.chars().count(), 44);
        assert!(!b58.contains(['0', 'O', 'I', 'l']));
    }
}
