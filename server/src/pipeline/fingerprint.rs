//! MD5 of the price file's bytes: the producer's test of whether anything changed at all. A `touch`, or a
//! file-system event that rewrote the same bytes, has the same fingerprint and sends nothing.

use md5::{Digest, Md5};

/// The MD5 of a price file's bytes: equal bytes, equal fingerprints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    pub fn of(bytes: &[u8]) -> Self {
        Self(Md5::digest(bytes).into())
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bytes_equal_fingerprints_and_any_change_shows() {
        assert_eq!(Fingerprint::of(b"").to_string(), "d41d8cd98f00b204e9800998ecf8427e");
        let a = Fingerprint::of(br#"{"prices":[{"price":1.0}]}"#);
        assert_eq!(a, Fingerprint::of(br#"{"prices":[{"price":1.0}]}"#));
        assert_ne!(a, Fingerprint::of(br#"{"prices":[{"price":1.1}]}"#));
        assert_ne!(a, Fingerprint::of(br#"{"prices":[{"price":1.0}]} "#));
    }
}
