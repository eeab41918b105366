// Unit tests for the realtime client against the in-process fake server:
// state machine, heartbeats, backoff, both codecs, resume and backfill.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFakeServer } from './fake-server.mjs';
import { RealtimeClient, RequestError, type ConnectionState, type SocketLike } from '../src/lib/realtime/client';
import { backoffDelay } from '../src/lib/realtime/backoff';
import { jsonCodec, msgpackCodec, CodecError } from '../src/lib/realtime/codec';
import type { DispatchEvent, Message } from '../src/lib/realtime/types';

const GENERAL = '2003';
type Fake = ReturnType<typeof createFakeServer>;

function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

let server: Fake;
let port: number;
const clients: RealtimeClient[] = [];

function makeClient(email = 'ana@demo.test', encoding: 'json' | 'msgpack' = 'json', extra: Partial<ConstructorParameters<typeof RealtimeClient>[0]> = {}) {
  const ids: Record<string, string> = { 'ana@demo.test': '1003', 'ben@demo.test': '1004', 'staff@demo.test': '1002' };
  const client = new RealtimeClient({
    url: `ws://127.0.0.1:${port}/gateway`,
    encoding,
    getToken: async () => `tok:${ids[email]}`,
    backoff: { minMs: 20, maxMs: 100 },
    socketFactory: (u) => new WebSocket(u) as unknown as SocketLike,
    ...extra,
  });
  const events: DispatchEvent[] = [];
  const states: ConnectionState[] = [];
  client.on('dispatch', (e) => events.push(e));
  client.on('state', (s) => states.push(s.state));
  clients.push(client);
  const created = () => events.filter((e) => e.t === 'MESSAGE_CREATE').map((e) => (e.d as Message).content);
  return { client, events, states, created };
}

beforeEach(async () => {
  server = createFakeServer({ heartbeatMs: 200 });
  port = await server.listen(0);
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server.close();
});

describe('codecs', () => {
  const frame = { op: 0, d: { id: '123456789012345678', nested: { list: [1, 'two', null] } }, s: 7, t: 'MESSAGE_CREATE' };
  it('json round-trips an envelope from text and binary', () => {
    const text = jsonCodec.encode(frame) as string;
    expect(jsonCodec.decode(text)).toEqual(frame);
    expect(jsonCodec.decode(new TextEncoder().encode(text).buffer)).toEqual(frame);
  });
  it('msgpack round-trips an envelope with named fields', () => {
    const bytes = msgpackCodec.encode(frame) as Uint8Array;
    expect(msgpackCodec.decode(bytes)).toEqual(frame);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    expect(msgpackCodec.decode(ab)).toEqual(frame);
  });
  it('rejects garbage and non-envelopes', () => {
    expect(() => jsonCodec.decode('{nope')).toThrow(CodecError);
    expect(() => jsonCodec.decode('{"d":1}')).toThrow(CodecError);
    expect(() => msgpackCodec.decode('text')).toThrow(CodecError);
    expect(() => msgpackCodec.decode(new Uint8Array([0xc1]))).toThrow(CodecError);
  });
  it('fills missing s/t with null', () => {
    expect(jsonCodec.decode('{"op":11}')).toEqual({ op: 11, d: null, s: null, t: null });
  });
});

describe('backoff', () => {
  const opts = { minMs: 500, maxMs: 20_000 };
  it('grows exponentially within [ceil/2, ceil]', () => {
    for (let a = 0; a < 8; a++) {
      const ceil = Math.min(20_000, 500 * 2 ** a);
      expect(backoffDelay(a, opts, () => 0)).toBe(ceil / 2);
      expect(backoffDelay(a, opts, () => 0.999999)).toBeLessThanOrEqual(ceil);
      expect(backoffDelay(a, opts, () => 0.999999)).toBeGreaterThan(ceil * 0.99);
    }
  });
  it('is capped and jittered', () => {
    expect(backoffDelay(50, opts, () => 1)).toBe(20_000);
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelay(3, opts)));
    expect(samples.size).toBeGreaterThan(10);
    for (const s of samples) expect(s).toBeGreaterThanOrEqual(2000);
  });
});

describe.each(['json', 'msgpack'] as const)('client over %s', (encoding) => {
  it('connects, receives READY and answers requests', async () => {
    const { client, events, states } = makeClient('ana@demo.test', encoding);
    client.connect();
    await client.whenConnected();
    expect(states).toEqual(['connecting', 'connected']);
    expect(events[0].t).toBe('READY');
    const msg = await client.request<Message>('message.create', { channel_id: GENERAL, content: 'héllo 👋', nonce: 'n1' });
    expect(msg.content).toBe('héllo 👋');
    await expect(client.request('message.create', { channel_id: '2002', content: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
    const identify = server.received.find((f: { op: number }) => f.op === 2);
    expect(identify.d.presence).toEqual({ status: 'online' });
  });

  it('sends heartbeats and survives with acks', async () => {
    const { client } = makeClient('ana@demo.test', encoding);
    client.connect();
    await client.whenConnected();
    await waitFor(() => server.received.filter((f: { op: number }) => f.op === 1).length >= 3);
    expect(client.state).toBe('connected');
  });
});

describe('errors', () => {
  it('surfaces retry_after_ms on slow_mode', async () => {
    (server.options as Record<string, unknown>).failCreate = { code: 'slow_mode', message: 'Slow mode is on', retry_after_ms: 4000 };
    const { client } = makeClient();
    client.connect();
    await client.whenConnected();
    const err = (await client.request('message.create', { channel_id: GENERAL, content: 'x' }).catch((e) => e)) as RequestError;
    expect(err).toBeInstanceOf(RequestError);
    expect(err.code).toBe('slow_mode');
    expect(err.retryAfterMs).toBe(4000);
  });
  it('fails requests in flight when the socket drops, and rejects while offline', async () => {
    const { client } = makeClient();
    client.connect();
    await client.whenConnected();
    (server.options as Record<string, unknown>).dropResponses = true;
    const p = client.request('message.create', { channel_id: GENERAL, content: 'lost?' });
    await waitFor(() => server.received.some((f: { op: number; d: { method?: string } }) => f.op === 8 && f.d.method === 'message.create'));
    server.dropAll();
    await expect(p).rejects.toMatchObject({ code: 'disconnected' });
    await expect(client.request('presence.list')).rejects.toMatchObject({ code: 'disconnected' });
  });
  it('treats 4014 as fatal and does not reconnect', async () => {
    const { client, states } = makeClient();
    const fatal: number[] = [];
    client.on('fatal', (f) => fatal.push(f.code));
    client.connect();
    await client.whenConnected();
    server.closeAll(4014, 'session replaced');
    await waitFor(() => client.state === 'closed');
    expect(fatal).toEqual([4014]);
    await new Promise((r) => setTimeout(r, 150));
    expect(states.at(-1)).toBe('closed');
  });
  it('treats 4015 (too many sessions) as fatal and does not reconnect', async () => {
    const { client, states } = makeClient();
    const fatal: number[] = [];
    client.on('fatal', (f) => fatal.push(f.code));
    client.connect();
    await client.whenConnected();
    server.closeAll(4015, 'too many sessions');
    await waitFor(() => client.state === 'closed');
    expect(fatal).toEqual([4015]);
    await new Promise((r) => setTimeout(r, 150));
    expect(states.at(-1)).toBe('closed');
  });
  it('refreshes the token after 4004 and gives up after a second one', async () => {
    const calls: boolean[] = [];
    const { client } = makeClient('ana@demo.test', 'json', {
      getToken: async (force) => {
        calls.push(force);
        return force ? 'tok:1003' : 'expired';
      },
    });
    client.connect();
    await client.whenConnected();
    expect(calls).toEqual([false, true]);
    const { client: bad } = makeClient('ana@demo.test', 'json', { getToken: async () => 'expired' });
    const fatal: number[] = [];
    bad.on('fatal', (f) => fatal.push(f.code));
    bad.connect();
    await waitFor(() => bad.state === 'closed');
    expect(fatal).toEqual([4004]);
  });
});

describe('resume and backfill', () => {
  it('resumes from the session buffer with cursors; nothing lost or doubled', async () => {
    const { client, states, created } = makeClient('ana@demo.test', 'msgpack');
    client.connect();
    await client.whenConnected();
    server.post(GENERAL, 'ben@demo.test', 'one');
    await waitFor(() => created().includes('one'));
    // Drop the socket, then post while the client is away.
    server.dropAll();
    server.post(GENERAL, 'ben@demo.test', 'two');
    await waitFor(() => created().includes('two'));
    expect(states).toContain('reconnecting');
    expect(client.state).toBe('connected');
    const resume = server.received.find((f: { op: number }) => f.op === 6);
    expect(resume.d.session_id).toBe(client.sessionId);
    expect(resume.d.cursors[GENERAL]).toBe(1);
    expect(resume.d.seq).toBeGreaterThan(0);
    server.post(GENERAL, 'ben@demo.test', 'three');
    await waitFor(() => created().includes('three'));
    expect(created()).toEqual(['one', 'two', 'three']);
  });

  it('replays the channel log when the node lost the session (crash)', async () => {
    const { client, created } = makeClient();
    client.connect();
    await client.whenConnected();
    server.post(GENERAL, 'ben@demo.test', 'a');
    await waitFor(() => created().length === 1);
    (server.options as Record<string, unknown>).resumeMode = 'log';
    server.forgetSessions();
    server.dropAll();
    server.appendSilently(GENERAL, 'ben@demo.test', 'b');
    server.appendSilently(GENERAL, 'ben@demo.test', 'c');
    await waitFor(() => created().length === 3);
    expect(created()).toEqual(['a', 'b', 'c']);
  });

  it('re-IDENTIFYs after INVALID_SESSION and backfills held channels via channel.events', async () => {
    const { client, created, events } = makeClient('ana@demo.test', 'json', { isHeld: (id) => id === GENERAL });
    client.connect();
    await client.whenConnected();
    server.post(GENERAL, 'ben@demo.test', 'before');
    await waitFor(() => created().length === 1);
    (server.options as Record<string, unknown>).resumeMode = 'invalid';
    server.forgetSessions();
    server.dropAll();
    server.appendSilently(GENERAL, 'ben@demo.test', 'while away 1');
    server.appendSilently(GENERAL, 'ben@demo.test', 'while away 2');
    server.appendSilently('2001', 'ben@demo.test', 'not held');
    await waitFor(() => created().length === 3);
    expect(created()).toEqual(['before', 'while away 1', 'while away 2']);
    expect(events.filter((e) => e.t === 'READY')).toHaveLength(2);
    const backfills = server.received.filter((f: { op: number; d: { method?: string } }) => f.op === 8 && f.d.method === 'channel.events');
    expect(backfills.map((f: { d: { params: { channel_id: string; after_seq: number } } }) => f.d.params)).toEqual([
      { channel_id: GENERAL, after_seq: 1, limit: 1000 },
    ]);
    expect(client.log.cursors.get('2001')).toBe(1);
  });

  it('backfills channels RESUMED reports as unrecovered', async () => {
    const { client, created } = makeClient();
    client.connect();
    await client.whenConnected();
    (server.options as Record<string, unknown>).unrecovered = [GENERAL];
    server.dropAll();
    server.appendSilently(GENERAL, 'ben@demo.test', 'gap filled');
    await waitFor(() => created().includes('gap filled'));
    expect(created()).toEqual(['gap filled']);
  });

  it('fills a live gap before delivering newer events, and drops duplicates', async () => {
    const { client, created, events } = makeClient();
    client.connect();
    await client.whenConnected();
    server.appendSilently(GENERAL, 'ben@demo.test', 'missed');
    const m = server.post(GENERAL, 'ben@demo.test', 'after gap');
    await waitFor(() => created().length === 2);
    expect(created()).toEqual(['missed', 'after gap']);
    server.dispatchRaw('MESSAGE_CREATE', m); // duplicate delivery
    server.post(GENERAL, 'ben@demo.test', 'next');
    await waitFor(() => created().length === 3);
    expect(created()).toEqual(['missed', 'after gap', 'next']);
    const seqs = events.filter((e) => e.t === 'MESSAGE_CREATE').map((e) => (e.d as Message).channel_seq);
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('orders edits and deletes by channel_seq across a reconnect', async () => {
    const a = makeClient('ana@demo.test', 'msgpack');
    const b = makeClient('ben@demo.test', 'json');
    a.client.connect();
    b.client.connect();
    await Promise.all([a.client.whenConnected(), b.client.whenConnected()]);
    const msg = await b.client.request<Message>('message.create', { channel_id: GENERAL, content: 'v1' });
    await waitFor(() => a.created().length === 1);
    (server.options as Record<string, unknown>).resumeMode = 'log';
    server.forgetSessions();
    server.dropAll();
    await b.client.whenConnected();
    await new Promise((r) => setTimeout(r, 30));
    await b.client.whenConnected();
    await b.client.request('message.edit', { message_id: msg.id, content: 'v2' });
    await b.client.request('message.delete', { message_id: msg.id });
    await waitFor(() => a.events.some((e) => e.t === 'MESSAGE_DELETE'));
    const ts = a.events.filter((e) => e.t.startsWith('MESSAGE_')).map((e) => e.t);
    expect(ts).toEqual(['MESSAGE_CREATE', 'MESSAGE_UPDATE', 'MESSAGE_DELETE']);
  });
});
