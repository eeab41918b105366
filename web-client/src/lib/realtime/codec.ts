//! Frame codecs: the gateway speaks either JSON (text frames) or MessagePack
//! with named fields (binary frames); the structure is identical. The codec is
//! chosen in the upgrade URL (`encoding=`), so a client uses exactly one.
import { decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';
import type { Envelope } from './types';

export type Encoding = 'json' | 'msgpack';

/** Encodes outgoing envelopes and decodes incoming frames for one encoding. */
export interface Codec {
  readonly name: Encoding;
  /** WebSocket `binaryType` to request so `decode` gets the right input. */
  readonly binaryType: 'arraybuffer';
  encode(frame: Envelope): string | Uint8Array;
  /** Throws `CodecError` on malformed input or a frame without a numeric `op`. */
  decode(data: unknown): Envelope;
}

export class CodecError extends Error {}

function checkEnvelope(v: unknown): Envelope {
  if (!v || typeof v !== 'object' || typeof (v as Envelope).op !== 'number') {
    throw new CodecError('frame is not an envelope');
  }
  const e = v as Envelope;
  return { op: e.op, d: e.d ?? null, s: e.s ?? null, t: e.t ?? null };
}

export const jsonCodec: Codec = {
  name: 'json',
  binaryType: 'arraybuffer',
  encode: (frame) => JSON.stringify(frame),
  decode(data) {
    let text: string;
    if (typeof data === 'string') text = data;
    else if (data instanceof ArrayBuffer) text = new TextDecoder().decode(data);
    else if (ArrayBuffer.isView(data)) text = new TextDecoder().decode(data as Uint8Array);
    else throw new CodecError('unexpected frame type for json');
    try {
      return checkEnvelope(JSON.parse(text));
    } catch (err) {
      if (err instanceof CodecError) throw err;
      throw new CodecError(`invalid json frame: ${(err as Error).message}`);
    }
  },
};

/** Converts bigint values (u64 beyond 2^53 decoded by msgpack) to numbers. */
function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = normalize(val);
    return out;
  }
  return v;
}

export const msgpackCodec: Codec = {
  name: 'msgpack',
  binaryType: 'arraybuffer',
  encode: (frame) => mpEncode(frame, { ignoreUndefined: true }),
  decode(data) {
    let bytes: Uint8Array;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else throw new CodecError('msgpack frames must be binary');
    try {
      return checkEnvelope(normalize(mpDecode(bytes)));
    } catch (err) {
      if (err instanceof CodecError) throw err;
      throw new CodecError(`invalid msgpack frame: ${(err as Error).message}`);
    }
  },
};

export function codecFor(encoding: Encoding): Codec {
  return encoding === 'msgpack' ? msgpackCodec : jsonCodec;
}
