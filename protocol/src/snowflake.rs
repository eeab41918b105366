//! Snowflake ids (PROTOCOL.md §1): `ms since 2026-01-01T00:00:00Z << 22 | node << 12 | sequence`,
//! sent on the wire as decimal strings so JavaScript clients keep all 64 bits.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The Arena epoch, 2026-01-01T00:00:00Z, in Unix milliseconds.
pub const EPOCH_MS: u64 = 1_767_225_600_000;

/// A 64-bit id that sorts by creation time. Serialized as a decimal string;
/// deserialized from a decimal string or (leniently) an unsigned integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Snowflake(pub u64);

impl Snowflake {
    /// Milliseconds since the Unix epoch at which this id was made.
    pub fn unix_ms(self) -> u64 {
        (self.0 >> 22) + EPOCH_MS
    }

    /// The node (0..1024) that made this id.
    pub fn node(self) -> u16 {
        ((self.0 >> 12) & 0x3ff) as u16
    }

    /// The smallest id that could be made at `unix_ms`; useful as a range bound.
    pub fn from_unix_ms(unix_ms: u64) -> Self {
        Snowflake(unix_ms.saturating_sub(EPOCH_MS) << 22)
    }
}

impl fmt::Display for Snowflake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Snowflake {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Snowflake)
    }
}

impl Serialize for Snowflake {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Snowflake {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Snowflake;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a snowflake id as a decimal string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Snowflake, E> {
                v.parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Snowflake, E> {
                Ok(Snowflake(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Snowflake, E> {
                u64::try_from(v)
                    .map(Snowflake)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// Makes snowflakes for one node: lock-free, monotonic, 4,096 ids per millisecond;
/// past that it borrows from the next millisecond rather than repeat an id.
#[derive(Debug)]
pub struct SnowflakeGenerator {
    node: u64,
    /// Last id handed out; the next one is `max(now_id, last + 1)`.
    last: AtomicU64,
}

impl SnowflakeGenerator {
    /// A generator for `node` (only the low 10 bits are used).
    pub fn new(node: u16) -> Self {
        SnowflakeGenerator {
            node: u64::from(node & 0x3ff),
            last: AtomicU64::new(0),
        }
    }

    /// The next id; strictly greater than every id this generator made before.
    pub fn next_id(&self) -> Snowflake {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let base = (now.saturating_sub(EPOCH_MS) << 22) | (self.node << 12);
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = if base > last { base } else { last + 1 };
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Snowflake(next),
                Err(seen) => last = seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_monotonic_and_carry_node() {
        let g = SnowflakeGenerator::new(7);
        let a = g.next_id();
        let b = g.next_id();
        assert!(b > a);
        assert_eq!(a.node(), 7);
        assert!(a.unix_ms() >= EPOCH_MS);
    }

    #[test]
    fn serializes_as_decimal_string() {
        let id = Snowflake(1234567890123456789);
        assert_eq!(
            serde_json::to_string(&id).unwrap_or_default(),
            "\"1234567890123456789\""
        );
        let back: Snowflake = serde_json::from_str("\"1234567890123456789\"").unwrap_or_default();
        assert_eq!(back, id);
    }
}
