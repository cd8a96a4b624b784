//! Customer ids packed for hashing, shared by the log reader's shards and the summary
//! reader's duplicate check: an id of up to 15 bytes is stored in the key itself (its bytes,
//! then its length in the last byte), so a lookup touches no other memory; a longer id has the
//! marker [`LONG`] in the last byte and an index into a list of long ids kept beside the keys.

/// A packed id: two little-endian words of the 16 bytes (8-byte aligned, so that a table slot
/// holding one stays small).
pub(crate) type PackedId = [u64; 2];

/// Last-byte marker of a key referring to a long id.
pub(crate) const LONG: u8 = 0xFF;

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

/// The id of a short key.
pub(crate) fn short_id(key: PackedId) -> String {
    let bytes = key_bytes(key);
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
}
