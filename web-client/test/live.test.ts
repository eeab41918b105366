// Contract checks of the realtime client against a running arena server.
// Skipped unless ARENA_LIVE_URL is set, e.g.
//   ARENA_LIVE_URL=http://127.0.0.1:8080 npx vitest run test/live.test.ts
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RealtimeClient, type SocketLike } from '../src/lib/realtime/client';
import type { Channel, DispatchEvent, Message, Ready } from '../src/lib/realtime/types';

const BASE = process.env.ARENA_LIVE_URL;

async function token(email: string): Promise<string> {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'demo', email, password: 'arena-demo' }),
  });
  return (await res.json()).access_token;
}

function until(cond: () => boolean, ms = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timeout')) : setTimeout(tick, 20));
    tick();
  });
}

async function connect(email: string, encoding: 'json' | 'msgpack') {
  const tok = await token(email);
  let socket: SocketLike | null = null;
  const client = new RealtimeClient({
    url: BASE!.replace(/^http/, 'ws') + '/gateway',
    encoding,
    getToken: async () => tok,
    backoff: { minMs: 50, maxMs: 200 },
    socketFactory: (u) => (socket = new WebSocket(u) as unknown as SocketLike),
  });
  const events: DispatchEvent[] = [];
  let ready: Ready | undefined;
  client.on('dispatch', (e) => events.push(e));
  client.on('ready', (r) => (ready = r));
  client.connect();
  await client.whenConnected();
  return { client, events, ready: ready!, drop: () => (socket as unknown as WebSocket).terminate() };
}

describe.skipIf(!BASE).each(['msgpack', 'json'] as const)('live server over %s', (encoding) => {
  it('READY, history, requests, resume', async () => {
    const ana = await connect('ana@demo.test', encoding);
    const ben = await connect('ben@demo.test', 'json');
    const r = ana.ready;
    expect(r.session_id).toBeTruthy();
    expect(Array.isArray(r.read_states)).toBe(true);
    const general = r.channels.find((c: Channel) => c.key === 'general-chat')!;
    expect(general).toMatchObject({ kind: 'chat', can_post: true });
    expect(typeof general.last_seq).toBe('number');
    expect(r.channels.find((c) => c.key === 'announcements')?.can_post).toBe(false);
    const { members } = await ana.client.request<{ members: unknown[] }>('member.list', {});
    expect(members.length).toBeGreaterThan(3);
    const { messages } = await ana.client.request<{ messages: Message[] }>('channel.history', { channel_id: general.id, limit: 5 });
    expect(messages.length).toBeGreaterThan(0);
    await expect(ana.client.request('message.create', { channel_id: r.channels.find((c) => c.key === 'announcements')!.id, content: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
    const tag = `${encoding}-${Date.now()}`;
    const created = () => ana.events.filter((e) => e.t === 'MESSAGE_CREATE' && (e.d as Message).content.includes(tag)).map((e) => (e.d as Message).content);
    await ben.client.request('message.create', { channel_id: general.id, content: `${tag} one`, nonce: 'n-' + tag });
    await until(() => created().length === 1);
    // Drop Ana's socket; Ben posts while she is away; she resumes.
    const sid = ana.client.sessionId;
    ana.drop();
    await until(() => ana.client.state !== 'connected');
    await ben.client.request('message.create', { channel_id: general.id, content: `${tag} two` });
    const sent = await ben.client.request<Message>('message.create', { channel_id: general.id, content: `${tag} three` });
    await ben.client.request('message.edit', { message_id: sent.id, content: `${tag} three (edited)` });
    await until(() => created().length === 3);
    await until(() => ana.events.some((e) => e.t === 'MESSAGE_UPDATE' && (e.d as Message).id === sent.id));
    expect(created()).toEqual([`${tag} one`, `${tag} two`, `${tag} three`]);
    expect(ana.client.sessionId).toBe(sid); // resumed, not re-identified
    expect(ana.events.some((e) => e.t === 'RESUMED')).toBe(true);
    // channel.events after the cursor before our messages
    const ev = await ana.client.request<{ events: { t: string; d: Message }[]; last_seq: number }>('channel.events', {
      channel_id: general.id,
      after_seq: general.last_seq,
    });
    expect(ev.events.filter((e) => e.t === 'MESSAGE_CREATE' && e.d.content.includes(tag)).length).toBeGreaterThanOrEqual(3);
    expect(ev.last_seq).toBe(ana.client.log.cursors.get(general.id));
    ana.client.disconnect();
    ben.client.disconnect();
  });
});
