//! Customer ids packed for hashing, shared by the log reader's shards and the summary
//! reader's duplicate check: an id of up to 15 bytes is stored in the key itself (its bytes,
//! then its length in the last byte), so a lookup touches no other memory; a longer id has the
//! marker [`LONG`] in the last byte and an index into a list of long ids kept beside the keys.
//! Most ids (numbers of up to 15 digits, or up to 7 bytes) have a one-word [`SmallKey`] too,
//! for smaller tables.

use std::hash::{Hash, Hasher};

use crate::hash::fx_hash;

/// A packed id: two little-endian words of the 16 bytes (8-byte aligned, so that a table slot
/// holding one stays small).
pub(crate) type PackedId = [u64; 2];

/// Last-byte marker of a key referring to a long id.
pub(crate) const LONG: u8 = 0xFF;

/// An id of 1 to 15 decimal digits without a leading zero, or of up to 7 bytes, in one word
/// (the ids of most logs and summaries): smaller table slots than a two-word key's. A number is
/// its value (below 2^50); other ids are their bytes with `0x80 | length` in the top byte.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SmallKey([u32; 2]);

/// Top bit of a [`SmallKey`] holding bytes rather than a number.
const TEXT: u64 = 1 << 63;

/// Second word of a [`PackedId`] holding a [`SmallKey`] in its first (a short key's top byte
/// is its length, at most 15; a long key's is [`LONG`]).
const SMALL: u64 = 0xFE << 56;

impl SmallKey {
    /// The key of an id's bytes, if it has one.
    pub(crate) fn of(id: &[u8]) -> Option<SmallKey> {
        let digits = (1..=15).contains(&id.len())
            && id.iter().all(u8::is_ascii_digit)
            && (id[0] != b'0' || id.len() == 1);
        let word = if digits {
            id.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'))
        } else if id.len() <= 7 {
            let mut bytes = [0u8; 8];
            bytes[..id.len()].copy_from_slice(id);
            u64::from_le_bytes(bytes) | TEXT | ((id.len() as u64) << 56)
        } else {
            return None;
        };
        Some(SmallKey::from_word(word))
    }

    fn word(self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }

    fn from_word(word: u64) -> SmallKey {
        SmallKey([word as u32, (word >> 32) as u32])
    }

    /// The word's bits folded by a wide multiplication, so that low bits depend on all of
    /// them (text ids share their low bytes when they share a prefix): the row's hash for its
    /// shard, and what the shard's table hashes.
    #[inline]
    pub(crate) fn mixed(self) -> u64 {
        let wide = u128::from(self.word()) * 0x9E37_79B9_7F4A_7C15;
        (wide as u64) ^ ((wide >> 64) as u64)
    }

    /// The id's bytes, then its length in the last byte.
    pub(crate) fn id_bytes(self) -> [u8; 16] {
        let word = self.word();
        let mut id = [0u8; 16];
        if word & TEXT != 0 {
            let len = ((word >> 56) & 0x7F) as usize;
            id[..len].copy_from_slice(&word.to_le_bytes()[..len]);
            id[15] = len as u8;
        } else {
            let mut digits = [0u8; 15];
            let (mut n, mut at) = (word, digits.len());
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            let len = digits.len() - at;
            id[..len].copy_from_slice(&digits[at..]);
            id[15] = len as u8;
        }
        id
    }
}

impl Hash for SmallKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.mixed());
    }
}

/// The key of an id and its hash (which picks its shard): a [`SmallKey`] when the id has
/// one, else the id packed when it has up to 15 bytes, else a reference to it pushed onto
/// `long`.
#[inline]
pub(crate) fn pack(id: &str, long: &mut Vec<Box<str>>) -> (PackedId, u64) {
    if let Some(small) = SmallKey::of(id.as_bytes()) {
        return ([small.word(), SMALL], small.mixed());
    }
    match short_key(id) {
        Some(key) => (key, fx_hash(&key)),
        None => {
            long.push(id.into());
            (long_key(long.len() - 1), fx_hash(id))
        }
    }
}

/// The [`SmallKey`] a key holds, if it holds one.
#[inline]
pub(crate) fn small_key(key: PackedId) -> Option<SmallKey> {
    (key[1] == SMALL).then(|| SmallKey::from_word(key[0]))
}

/// Packs an id of up to 15 bytes; `None` for longer ones.
pub(crate) fn short_key(id: &str) -> Option<PackedId> {
    let b = id.as_bytes();
    (b.len() < 16).then(|| {
        let mut key = [0u8; 16];
        key[..b.len()].copy_from_slice(b);
        key[15] = b.len() as u8;
        let (lo, hi) = key.split_at(8);
        [word(lo), word(hi)]
    })
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// The key of the long id at `index` of its list.
pub(crate) fn long_key(index: usize) -> PackedId {
    [index as u64, u64::from(LONG) << 56]
}

/// Whether the key refers to a long id.
pub(crate) fn is_long(key: PackedId) -> bool {
    (key[1] >> 56) as u8 == LONG
}

/// The index of a long id's key in its list.
pub(crate) fn long_index(key: PackedId) -> usize {
    key[0] as usize
}

/// The 16 bytes of a key.
pub(crate) fn key_bytes(key: PackedId) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&key[0].to_le_bytes());
    bytes[8..].copy_from_slice(&key[1].to_le_bytes());
    bytes
}

/// The id of a short or small key.
pub(crate) fn short_id(key: PackedId) -> String {
    let bytes = small_key(key).map_or_else(|| key_bytes(key), SmallKey::id_bytes);
    let len = usize::from(bytes[15]).min(15);
    String::from_utf8_lossy(&bytes[..len]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_round_trip() {
        for id in ["", "a", "123456789012345", "é"] {
            assert_eq!(short_id(short_key(id).unwrap()), id);
        }
        assert!(short_key("1234567890123456").is_none());
        let long = long_key(7);
        assert!(is_long(long) && long_index(long) == 7);
        assert!(!is_long(short_key("abc").unwrap()));
    }

    /// Every id short enough to be packed comes back from its key, whether the key is a
    /// small one (numbers without leading zeros, up to 7 bytes) or not; equal ids have equal
    /// keys and hashes, distinct ids distinct keys.
    #[test]
    fn packed_ids_round_trip() {
        let ids = [
            "0",
            "00",
            "007",
            "7",
            "10",
            "999999999999999",
            "012345678901234",
            "abc",
            "",
            "é",
            "1234567",
            "12345678",
            "abcdefg",
            "abcdefgh",
            "customer-00001",
            "-1",
            "１２",
        ];
        let mut long = Vec::new();
        let keys: Vec<(PackedId, u64)> = ids.iter().map(|id| pack(id, &mut long)).collect();
        for (id, &(key, hash)) in ids.iter().zip(&keys) {
            assert_eq!(short_id(key), *id);
            assert_eq!(pack(id, &mut long), (key, hash));
        }
        assert!(small_key(keys[0].0).is_some() && small_key(keys[1].0).is_some());
        assert!(
            small_key(keys[6].0).is_none(),
            "a leading zero is not small"
        );
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a.0, b.0);
            }
        }
        assert!(long.is_empty());
    }
}
