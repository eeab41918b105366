//! Encode-once fan-out of DISPATCH frames: [`DispatchPrefix`] holds every byte
//! of a dispatch up to the value of `s`, and each session appends only its own
//! sequence number.
//!
//! This module owns the dispatch field order `op, t, d, s` (docs/protocol.md,
//! Arena extensions): `s` is the last field in both encodings. The byte-level
//! readers in [`crate::peek`] rely on that order; change them together.

use crate::event::Event;
use crate::frame::{EncodeError, Encoding};
use bytes::{BufMut, Bytes, BytesMut};

/// A DISPATCH encoded once for every recipient of one encoding: all of the
/// envelope up to the value of `s`, which comes last. Cloning shares the bytes.
///
/// JSON: `{"op":0,"t":"…","d":…,"s":` then the number and `}`.
/// MessagePack: a 4-entry map `op, t, d, s` then the number as a uint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchPrefix {
    encoding: Encoding,
    bytes: Bytes,
}

impl DispatchPrefix {
    /// Encodes `event` up to the `s` value.
    ///
    /// Errors: [`EncodeError`] only for values the codec cannot represent (never for [`Event`]s).
    pub fn encode(enc: Encoding, event: &Event) -> Result<DispatchPrefix, EncodeError> {
        let mut buf = BytesMut::with_capacity(256);
        match enc {
            Encoding::Json => {
                buf.put_slice(b"{\"op\":0,\"t\":\"");
                buf.put_slice(event.name().as_bytes());
                buf.put_slice(b"\",\"d\":");
                let mut w = (&mut buf).writer();
                event
                    .serialize_data(&mut serde_json::Serializer::new(&mut w))
                    .map_err(|e| EncodeError(e.to_string()))?;
                buf.put_slice(b",\"s\":");
            }
            Encoding::MsgPack => {
                let mut w = (&mut buf).writer();
                rmp::encode::write_map_len(&mut w, 4).map_err(enc_err)?;
                rmp::encode::write_str(&mut w, "op").map_err(enc_err)?;
                rmp::encode::write_uint(&mut w, 0).map_err(enc_err)?;
                rmp::encode::write_str(&mut w, "t").map_err(enc_err)?;
                rmp::encode::write_str(&mut w, event.name()).map_err(enc_err)?;
                rmp::encode::write_str(&mut w, "d").map_err(enc_err)?;
                event
                    .serialize_data(&mut rmp_serde::Serializer::new(&mut w).with_struct_map())
                    .map_err(enc_err)?;
                rmp::encode::write_str(&mut w, "s").map_err(enc_err)?;
            }
        }
        Ok(DispatchPrefix {
            encoding: enc,
            bytes: buf.freeze(),
        })
    }

    /// Which encoding these bytes are in.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Length of the shared part in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Never true for an encoded dispatch.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Appends the complete frame with sequence `s` to a `BytesMut` (the
    /// writer builds a whole batch in one buffer and splits each frame off).
    pub fn finish_into_buf(&self, s: u64, out: &mut BytesMut) {
        out.extend_from_slice(&self.bytes);
        match self.encoding {
            Encoding::Json => {
                let (digits, from) = decimal(s);
                out.extend_from_slice(&digits[from..]);
                out.extend_from_slice(b"}");
            }
            Encoding::MsgPack => {
                // Writing into a BytesMut cannot fail.
                let _ = rmp::encode::write_uint(&mut out.writer(), s);
            }
        }
    }

    /// Appends the complete frame with sequence `s` to `out`.
    pub fn finish_into(&self, s: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes);
        match self.encoding {
            Encoding::Json => {
                write_decimal(s, out);
                out.push(b'}');
            }
            Encoding::MsgPack => {
                // Writing into a Vec cannot fail.
                let _ = rmp::encode::write_uint(out, s);
            }
        }
    }
}

fn enc_err(e: impl std::fmt::Display) -> EncodeError {
    EncodeError(e.to_string())
}

/// `v` in decimal: the digits are `buf[from..]`.
fn decimal(mut v: u64) -> ([u8; 20], usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    (buf, i)
}

fn write_decimal(v: u64, out: &mut Vec<u8>) {
    let (buf, from) = decimal(v);
    out.extend_from_slice(&buf[from..]);
}
