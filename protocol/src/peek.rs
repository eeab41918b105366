//! Byte-level reads of server frames without decoding them: the opcode, a
//! dispatch's `t` and `s`, the first `channel_seq`, and a RESPONSE's `id` and
//! `ok`. Lean clients (the load generator) read every delivery this way and
//! decode a frame fully only when they need its contents.
//!
//! The peeks rely on the envelope as this crate encodes it: the field order
//! `op, t, d, s` that [`crate::dispatch`] fixes (`s` last), compact JSON, and
//! MessagePack maps with named fields and the smallest integer encodings.
//! A peek answers `None` (or `false`) for a frame that is not shaped that
//! way; decode the frame fully when that matters.

use crate::frame::Encoding;
use memchr::memmem;
use std::sync::OnceLock;

/// The opcode of a server frame, read from its first bytes (`{"op":N` in
/// JSON, the first entry of a 4-entry map in MessagePack). `None` when the
/// frame does not start that way.
#[inline]
pub fn peek_op(enc: Encoding, p: &[u8]) -> Option<u8> {
    match enc {
        Encoding::Json => {
            let rest = p.strip_prefix(b"{\"op\":")?;
            let end = rest.iter().position(|b| !b.is_ascii_digit())?;
            std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
        }
        Encoding::MsgPack => {
            let rest = p.strip_prefix(b"\x84\xa2op")?;
            let b = *rest.first()?;
            (b < 0x80).then_some(b)
        }
    }
}

/// The event name `t` of a DISPATCH frame (e.g. `b"MESSAGE_CREATE"`), borrowed
/// from `p`. `None` for any other frame (their `t` is null).
#[inline]
pub fn peek_t(enc: Encoding, p: &[u8]) -> Option<&[u8]> {
    match enc {
        Encoding::Json => {
            let rest = p.strip_prefix(b"{\"op\":0,\"t\":\"")?;
            let end = memchr::memchr(b'"', rest)?;
            Some(&rest[..end])
        }
        Encoding::MsgPack => mp_str(p.strip_prefix(b"\x84\xa2op\x00\xa1t")?),
    }
}

/// The session sequence number `s` of a DISPATCH frame, read from the end of
/// the frame where [`crate::DispatchPrefix`] puts it. `None` for any other
/// frame (their `s` is null).
#[inline]
pub fn peek_s(enc: Encoding, p: &[u8]) -> Option<u64> {
    match enc {
        Encoding::Json => {
            let body = p.strip_suffix(b"}")?;
            let start = body.iter().rposition(|b| !b.is_ascii_digit())? + 1;
            if !body[..start].ends_with(b"\"s\":") {
                return None;
            }
            ascii_u64(&body[start..])
        }
        Encoding::MsgPack => {
            // The key `s` (`\xa1s`) then one uint of 1, 2, 3, 5 or 9 bytes at the very end.
            for w in [1usize, 2, 3, 5, 9] {
                let Some(key_at) = p.len().checked_sub(w + 2) else {
                    break;
                };
                if &p[key_at..key_at + 2] == b"\xa1s" {
                    if let Some(v) = mp_uint_exact(&p[key_at + 2..]) {
                        return Some(v);
                    }
                }
            }
            None
        }
    }
}

/// The value of the first `channel_seq` key in a frame: for a channel-log
/// event (MESSAGE_CREATE/UPDATE/DELETE, REACTION_ADD/REMOVE, CHANNEL_UPDATE)
/// the event's own log position, which comes before any user-written text.
/// `None` when the frame has no `channel_seq`.
#[inline]
pub fn peek_channel_seq(enc: Encoding, p: &[u8]) -> Option<u64> {
    static JSON: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    static MP: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    match enc {
        Encoding::Json => {
            const KEY: &[u8] = b"\"channel_seq\":";
            let i = JSON.get_or_init(|| memmem::Finder::new(KEY)).find(p)?;
            ascii_u64(&p[i + KEY.len()..])
        }
        Encoding::MsgPack => {
            const KEY: &[u8] = b"\xabchannel_seq";
            let i = MP.get_or_init(|| memmem::Finder::new(KEY)).find(p)?;
            mp_uint(&p[i + KEY.len()..])
        }
    }
}

/// The request id of a RESPONSE frame (`d` is `{id, ok, …}`), borrowed from
/// `p`: the first `id` string in the frame, so check [`peek_op`] is 12 first.
/// `None` when there is none.
#[inline]
pub fn peek_response_id(enc: Encoding, p: &[u8]) -> Option<&[u8]> {
    match enc {
        Encoding::Json => {
            const KEY: &[u8] = b"\"id\":\"";
            let i = memmem::find(p, KEY)? + KEY.len();
            let end = memchr::memchr(b'"', &p[i..])?;
            Some(&p[i..i + end])
        }
        Encoding::MsgPack => {
            const KEY: &[u8] = b"\xa2id";
            let i = memmem::find(p, KEY)? + KEY.len();
            mp_str(&p[i..])
        }
    }
}

/// Whether a RESPONSE frame says `ok: true` (a byte search for the `ok`
/// entry; false for `ok: false` and for frames without one).
#[inline]
pub fn response_ok(enc: Encoding, p: &[u8]) -> bool {
    match enc {
        Encoding::Json => memmem::find(p, b"\"ok\":true").is_some(),
        Encoding::MsgPack => memmem::find(p, b"\xa2ok\xc3").is_some(),
    }
}

/// The decimal digits at the start of `b` as a number (`None` without digits or on overflow).
fn ascii_u64(b: &[u8]) -> Option<u64> {
    let end = b
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(b.len());
    if end == 0 {
        return None;
    }
    std::str::from_utf8(&b[..end]).ok()?.parse().ok()
}

/// The MessagePack string (fixstr or str8) at the start of `b`, as bytes.
fn mp_str(b: &[u8]) -> Option<&[u8]> {
    let h = *b.first()?;
    let (len, off) = match h {
        0xa0..=0xbf => ((h & 0x1f) as usize, 1),
        0xd9 => (*b.get(1)? as usize, 2),
        _ => return None,
    };
    b.get(off..off + len)
}

/// The MessagePack unsigned integer at the start of `b` and its encoded length.
fn mp_uint_len(b: &[u8]) -> Option<(u64, usize)> {
    let h = *b.first()?;
    Some(match h {
        0x00..=0x7f => (u64::from(h), 1),
        0xcc => (u64::from(*b.get(1)?), 2),
        0xcd => (
            u64::from(u16::from_be_bytes(b.get(1..3)?.try_into().ok()?)),
            3,
        ),
        0xce => (
            u64::from(u32::from_be_bytes(b.get(1..5)?.try_into().ok()?)),
            5,
        ),
        0xcf => (u64::from_be_bytes(b.get(1..9)?.try_into().ok()?), 9),
        _ => return None,
    })
}

/// The MessagePack unsigned integer at the start of `b`.
fn mp_uint(b: &[u8]) -> Option<u64> {
    mp_uint_len(b).map(|(v, _)| v)
}

/// `b` when it is exactly one MessagePack unsigned integer in its shortest encoding.
fn mp_uint_exact(b: &[u8]) -> Option<u64> {
    let (v, len) = mp_uint_len(b)?;
    let shortest = match v {
        0..=0x7f => 1,
        0x80..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    };
    (len == b.len() && len == shortest).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msgpack_uints_read_in_every_width() {
        for v in [0u64, 127, 128, 255, 256, 65_535, 65_536, 1 << 32, u64::MAX] {
            let mut b = Vec::new();
            rmp::encode::write_uint(&mut b, v).expect("vec");
            assert_eq!(mp_uint(&b), Some(v));
            assert_eq!(mp_uint_exact(&b), Some(v));
        }
        // A long encoding of a small value is not what the encoder writes.
        assert_eq!(mp_uint_exact(&[0xcf, 0, 0, 0, 0, 0, 0, 0, 5]), None);
        assert_eq!(mp_uint(&[0xcd, 1]), None);
        assert_eq!(mp_uint(&[0xc0]), None);
    }

    #[test]
    fn decimal_prefixes() {
        assert_eq!(ascii_u64(b"0}"), Some(0));
        assert_eq!(ascii_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(ascii_u64(b"18446744073709551616"), None);
        assert_eq!(ascii_u64(b"x1"), None);
        assert_eq!(ascii_u64(b""), None);
    }
}
