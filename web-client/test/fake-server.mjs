#!/usr/bin/env node
// In-process fake Arena server (PROTOCOL.md subset) for unit tests and for
// developing the UI without the Rust server:
//   node test/fake-server.mjs 8099   then   ARENA_DEV_TARGET=http://127.0.0.1:8099 npm run dev
// Holds one tenant in memory; tokens are "tok:<user id>". Test hooks let a
// test drop sockets, forget sessions (as after a crash) and inject messages.
import http from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { encode, decode } from '@msgpack/msgpack';
import { GROWTH_PANEL, createGrowth } from './fake-growth.mjs';
import { PIPELINE_PANEL, createPipeline } from './fake-pipeline.mjs';

const USERS = [
  { id: '1001', display_name: 'Avery Admin', role: 'admin', email: 'admin@demo.test' },
  { id: '1002', display_name: 'Sam Staff', role: 'staff', email: 'staff@demo.test' },
  { id: '1003', display_name: 'Ana Ortiz', role: 'partner', tier: 'gold', email: 'ana@demo.test' },
  { id: '1004', display_name: 'Ben Carter', role: 'partner', tier: 'silver', email: 'ben@demo.test' },
  { id: '1005', display_name: 'Priya Nair', role: 'partner', tier: 'platinum', email: 'priya@demo.test' },
];
const CATEGORIES = [
  { key: 'activation', name: 'Activation', position: 0 },
  { key: 'communications', name: 'Daily Communications', position: 1 },
  { key: 'revenue', name: 'Revenue & Performance', position: 2 },
  { key: 'support', name: 'Support & Operations', position: 3 },
];
const CHANNELS = [
  { id: '2001', key: 'welcome', name: 'welcome', category: 'activation', kind: 'chat', topic: 'Say hi!', position: 0 },
  { id: '2002', key: 'announcements', name: 'announcements', category: 'activation', kind: 'announcement', topic: 'Official updates', position: 1, staffOnly: true },
  { id: '2003', key: 'general-chat', name: 'general-chat', category: 'communications', kind: 'chat', topic: 'Open community discussion', position: 2 },
  { id: '2004', key: 'deal-wins', name: 'deal-wins', category: 'communications', kind: 'feed', topic: 'Structured win posts', position: 3, staffOnly: true },
  { id: '2005', key: 'commissions', name: 'commissions', category: 'revenue', kind: 'panel', domain: 'revenue', position: 4 },
  { id: '2006', key: 'leaderboard', name: 'leaderboard', category: 'revenue', kind: 'panel', domain: 'revenue', position: 5 },
  { id: '2008', key: 'off-topic', name: 'off-topic', category: 'communications', kind: 'chat', topic: 'Informal chat', position: 7 },
  { id: '2007', key: 'system-status', name: 'system-status', category: 'support', kind: 'feed', position: 6, staffOnly: true },
  { id: '2009', key: 'revenue-overview', name: 'revenue-overview', category: 'revenue', kind: 'panel', domain: 'revenue', position: 8 },
  { id: '2010', key: 'revenue-tiers', name: 'revenue-tiers', category: 'revenue', kind: 'panel', domain: 'revenue', position: 9 },
  { id: '2011', key: 'pipeline', name: 'pipeline', category: 'activation', kind: 'panel', domain: 'client-exchange', position: 10 },
  { id: '2012', key: 'growth', name: 'growth', category: 'revenue', kind: 'panel', domain: 'growth', position: 11 },
];
const DEAL_WINS = '2004';
const LEDGER_PANEL = '2009';
const TIERS_PANEL = '2010';
/** Commission rate of every fake partner, basis points. */
const RATE_BP = 1500n;

/** Like the server's money(): "1,234.56 USD" from integer minor units. */
const money = (minor, cur) => {
  const m = BigInt(minor);
  const abs = m < 0n ? -m : m;
  return `${m < 0n ? '-' : ''}${(abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${(abs % 100n).toString().padStart(2, '0')} ${cur}`;
};

let idCounter = 5_000_000_000n;
const nextId = () => String(++idCounter);
const now = () => new Date().toISOString();
const pub = (u) => ({ id: u.id, display_name: u.display_name, role: u.role, ...(u.tier ? { tier: u.tier } : {}) });
const isStaff = (u) => u.role === 'admin' || u.role === 'staff';

export function createFakeServer(opts = {}) {
  const options = { heartbeatMs: 30_000, resumeMode: 'buffer', ...opts };
  const channels = CHANNELS.map((c) => ({ ...c, log: [], messages: new Map(), slow_mode_s: 0, locked: false }));
  const byId = new Map(channels.map((c) => [c.id, c]));
  const sessions = new Map(); // session_id -> {user, buffer, s, socket}
  const presences = new Map();
  const sockets = new Set();
  const panels = new Map([['2005', { kind: 'revenue.commissions', version: 1, data: { title: 'Your commissions', blocks: [
    { type: 'figures', items: [{ label: 'This month', value: '4,250.00', unit: 'USD' }, { label: 'Deals won', value: 7 }] },
    { type: 'progress', items: [{ label: 'Gold tier', value: 7, max: 10 }] },
    { type: 'table', columns: ['Client', 'Amount'], rows: [['Acme', '1,200.00'], ['Globex', '3,050.00']] },
    { type: 'list', items: [{ title: 'Revenue overview', subtitle: 'Ledger and payouts', href: 'https://example.com/revenue' }] },
    { type: 'text', text: 'Payouts run on the 1st.' },
  ] } }]]);
  const received = [];
  const pipeline = createPipeline();
  const growth = createGrowth();

  // Revenue: deals and an append-only commission ledger; #revenue-overview and
  // #revenue-tiers are per viewer (a partner's own, or the program for staff).
  const deals = new Map(); // deal_id -> {deal_id, partner_id, client, amount_minor, currency}
  const ledger = []; // {seq, deal_id, partner_id, status, amount_minor, currency, reference, created_at}
  let panelVersion = 1;
  function appendEntry(deal, status, reference = '') {
    const commission = (BigInt(deal.amount_minor) * RATE_BP) / 10_000n;
    const e = { seq: ledger.length + 1, deal_id: deal.deal_id, partner_id: deal.partner_id, status, amount_minor: Number(commission), currency: deal.currency, rate_bp: Number(RATE_BP), reference, created_at: now(), hash: `fake-${ledger.length + 1}` };
    ledger.push(e);
    return e;
  }
  const currentEntry = (dealId) => [...ledger].reverse().find((e) => e.deal_id === dealId);
  for (const [i, [email, client, amount, currency]] of [['ana@demo.test', 'Brightline Dental', 480000, 'USD'], ['ben@demo.test', 'Peak Performance Gyms', 360000, 'GBP']].entries()) {
    const deal = { deal_id: `demo-${i + 1}`, partner_id: USERS.find((u) => u.email === email).id, client, amount_minor: amount, currency };
    deals.set(deal.deal_id, deal);
    appendEntry(deal, 'pending');
  }
  function revenuePanel(channelId, user) {
    const staff = isStaff(user);
    const mine = (e) => staff || e.partner_id === user.id;
    if (channelId === LEDGER_PANEL) {
      const rows = ledger.filter(mine).reverse().slice(0, 25).map((e) => {
        const name = USERS.find((u) => u.id === e.partner_id)?.display_name ?? '';
        return [e.seq, e.deal_id, ...(staff ? [name] : []), e.status, money(e.amount_minor, e.currency), e.created_at];
      });
      const columns = ['#', 'Deal', ...(staff ? ['Partner'] : []), 'Status', 'Commission', 'When'];
      return { kind: 'revenue.overview', data: { title: staff ? 'Commission ledger' : 'Your ledger', blocks: [{ type: 'table', columns, rows }] } };
    }
    if (channelId === TIERS_PANEL) {
      if (staff) return { kind: 'revenue.tiers', data: { title: 'Program tiers', blocks: [{ type: 'table', columns: ['Tier', 'From (90 days)', 'Rate', 'Partners'], rows: [['silver', money(0, 'USD'), '10.00 %', 1], ['gold', money(2_500_000, 'USD'), '15.00 %', 1]] }] } };
      const won = [...deals.values()].filter((d) => d.partner_id === user.id && d.currency === 'USD' && currentEntry(d.deal_id)?.status !== 'reversed').reduce((a, d) => a + BigInt(d.amount_minor), 0n);
      const max = 10_000_000n;
      return { kind: 'revenue.tiers', data: { title: 'Your tier', blocks: [
        { type: 'figures', items: [{ label: 'Your tier', value: user.tier ?? 'silver' }, { label: 'Won, last 90 days', value: money(won, 'USD') }] },
        { type: 'progress', items: [{ label: `To platinum (${money(max, 'USD')})`, value: Number(won < max ? won : max), max: Number(max), currency: 'USD' }] },
        { type: 'list', items: [{ title: 'Beta features' }, { title: 'Dedicated partner manager' }] },
      ] } };
    }
    return undefined;
  }
  /** PANEL_UPDATE of the revenue panels to every session (each with its own projection). */
  function pushRevenuePanels() {
    panelVersion += 1;
    for (const s of sessions.values()) {
      for (const cid of [LEDGER_PANEL, TIERS_PANEL]) dispatchTo(s, 'PANEL_UPDATE', { channel_id: cid, panel: { ...revenuePanel(cid, s.user), version: panelVersion } });
    }
  }
  /** The revenue REST calls: `{status, body}`, or null for another path. */
  function revenueHttp(method, url, user, b) {
    const fail = (status, code, message) => ({ status, body: { error: { code, message } } });
    if (method !== 'POST' || !url.startsWith('/api/v1/revenue/')) return null;
    if (!user) return fail(401, 'unauthorized', 'no token');
    if (!isStaff(user)) return fail(403, 'forbidden', 'staff only');
    if (url === '/api/v1/revenue/deal-wins') {
      const partner = USERS.find((u) => u.id === String(b.partner_id));
      if (!partner || !b.deal_id || !Number.isInteger(b.amount_minor) || !/^[A-Z]{3}$/.test(b.currency ?? '')) return fail(400, 'bad_request', 'invalid deal win');
      const same = deals.get(b.deal_id);
      if (same) return same.client === b.client && same.amount_minor === b.amount_minor ? { status: 200, body: same } : fail(409, 'conflict', `deal ${JSON.stringify(b.deal_id)} was recorded with another body`);
      const deal = { deal_id: b.deal_id, partner_id: partner.id, client: b.client, amount_minor: b.amount_minor, currency: b.currency };
      deals.set(deal.deal_id, deal);
      const commission = appendEntry(deal, 'pending');
      postMessage(DEAL_WINS, user, `🎉 ${partner.display_name} closed ${deal.client}: ${money(deal.amount_minor, deal.currency)}`, {
        card: { type: 'deal_win', data: { deal_id: deal.deal_id, partner_id: partner.id, partner_name: partner.display_name, client: deal.client, amount_minor: deal.amount_minor, currency: deal.currency } },
      });
      pushRevenuePanels();
      return { status: 201, body: { ...deal, commission } };
    }
    const advance = { '/api/v1/revenue/commissions/approve': ['pending', 'approved'], '/api/v1/revenue/payouts': ['approved', 'paid'] }[url];
    if (advance) {
      const [from, to] = advance;
      const ids = Array.isArray(b.deal_ids) ? b.deal_ids : [];
      if (ids.length === 0) return fail(400, 'bad_request', 'deal_ids must name 1..100 deals');
      for (const id of ids) {
        const cur = currentEntry(id);
        if (!cur) return fail(404, 'not_found', `no deal ${JSON.stringify(id)}`);
        if (cur.status !== from) return fail(409, 'conflict', `deal ${JSON.stringify(id)} is ${cur.status}, not ${from}`);
      }
      const entries = ids.map((id) => appendEntry(deals.get(id), to, to === 'paid' ? String(b.reference ?? '') : ''));
      pushRevenuePanels();
      return { status: 200, body: { entries } };
    }
    const rev = /^\/api\/v1\/revenue\/deals\/([^/]+)\/reverse$/.exec(url);
    if (rev) {
      const id = decodeURIComponent(rev[1]);
      const cur = currentEntry(id);
      if (!cur) return fail(404, 'not_found', `no deal ${JSON.stringify(id)}`);
      if (cur.status === 'reversed') return fail(409, 'conflict', `deal ${JSON.stringify(id)} is already reversed`);
      const entry = appendEntry(deals.get(id), 'reversed', String(b.reason ?? ''));
      pushRevenuePanels();
      return { status: 200, body: entry };
    }
    return fail(404, 'not_found', 'not found');
  }

  // Optional persistence (so a SIGKILLed fake "arena serve" keeps its log).
  if (options.persistFile && existsSync(options.persistFile)) {
    const saved = JSON.parse(readFileSync(options.persistFile, 'utf8'));
    idCounter = BigInt(saved.idCounter);
    for (const c of channels) {
      c.log = saved.logs[c.id] ?? [];
      c.messages = new Map((saved.messages[c.id] ?? []).map((m) => [m.id, m]));
    }
  }
  function persist() {
    if (!options.persistFile) return;
    writeFileSync(options.persistFile, JSON.stringify({
      idCounter: String(idCounter),
      logs: Object.fromEntries(channels.map((c) => [c.id, c.log])),
      messages: Object.fromEntries(channels.map((c) => [c.id, [...c.messages.values()]])),
    }));
  }

  const channelView = (c, user) => ({
    id: c.id, key: c.key, name: c.name, category: c.category, kind: c.kind, ...(c.domain ? { domain: c.domain } : {}),
    ...(c.topic ? { topic: c.topic } : {}), position: c.position,
    can_post: c.kind !== 'panel' && (!c.staffOnly || isStaff(user)) && !c.locked,
    slow_mode_s: c.slow_mode_s, locked: c.locked, last_seq: c.log.length,
  });

  function sendFrame(ws, frame) {
    if (ws.readyState !== 1) return;
    ws.send(ws.encoding === 'msgpack' ? encode(frame) : JSON.stringify(frame));
  }
  function dispatchTo(session, t, d) {
    session.s += 1;
    const frame = { op: 0, d, s: session.s, t };
    session.buffer.push(frame);
    if (session.socket) sendFrame(session.socket, frame);
  }
  function broadcast(t, d) {
    for (const s of sessions.values()) dispatchTo(s, t, d);
  }
  function appendLog(c, t, d) {
    const ev = { t, d: { ...d, channel_seq: c.log.length + 1 } };
    c.log.push(ev);
    persist();
    if (t === 'MESSAGE_CREATE') ev.d.channel_seq = ev.d.channel_seq; // message carries its seq
    broadcast(t, ev.d);
    return ev.d;
  }
  function postMessage(channelId, user, content, extra = {}) {
    const c = byId.get(channelId);
    const msg = { id: nextId(), channel_id: c.id, channel_seq: c.log.length + 1, author: pub(user), content, created_at: now(), pinned: false, reactions: [], ...extra };
    c.messages.set(msg.id, msg);
    appendLog(c, 'MESSAGE_CREATE', msg);
    return msg;
  }

  function handleRequest(session, { id, method, params }) {
    const user = session.user;
    const ok = (result) => ({ id, ok: true, result });
    const err = (code, message, retry_after_ms) => ({ id, ok: false, error: { code, message, ...(retry_after_ms ? { retry_after_ms } : {}) } });
    const chan = byId.get(params?.channel_id);
    switch (method) {
      case 'message.create': {
        if (!chan) return err('not_found', 'no such channel');
        if (!channelView(chan, user).can_post) return err('forbidden', 'You cannot post here');
        const last = session.lastPost?.[chan.id] ?? 0;
        if (chan.slow_mode_s > 0 && !isStaff(user) && Date.now() - last < chan.slow_mode_s * 1000) {
          return err('slow_mode', 'Slow mode is on', chan.slow_mode_s * 1000 - (Date.now() - last));
        }
        session.lastPost = { ...session.lastPost, [chan.id]: Date.now() };
        if (options.failCreate) return err(options.failCreate.code, options.failCreate.message, options.failCreate.retry_after_ms);
        const extra = {};
        if (params.nonce) extra.nonce = params.nonce;
        if (params.reply_to) extra.reply_to = params.reply_to;
        if (params.card) extra.card = params.card;
        return ok(postMessage(chan.id, user, String(params.content ?? ''), extra));
      }
      case 'message.edit':
      case 'message.delete': {
        const c = channels.find((x) => x.messages.has(params.message_id));
        if (!c) return err('not_found', 'no such message');
        const m = c.messages.get(params.message_id);
        if (m.author.id !== user.id && !(method === 'message.delete' && isStaff(user))) return err('forbidden', 'not yours');
        if (method === 'message.delete') {
          c.messages.delete(m.id);
          appendLog(c, 'MESSAGE_DELETE', { id: m.id, channel_id: c.id });
          return ok({});
        }
        m.content = params.content;
        m.edited_at = now();
        return ok(appendLog(c, 'MESSAGE_UPDATE', { ...m }));
      }
      case 'reaction.add':
      case 'reaction.remove': {
        const c = channels.find((x) => x.messages.has(params.message_id));
        if (!c) return err('not_found', 'no such message');
        const m = c.messages.get(params.message_id);
        const r = m.reactions.find((x) => x.emoji === params.emoji);
        if (method === 'reaction.add') r ? r.count++ : m.reactions.push({ emoji: params.emoji, count: 1 });
        else if (r) r.count--;
        m.reactions = m.reactions.filter((x) => x.count > 0);
        appendLog(c, method === 'reaction.add' ? 'REACTION_ADD' : 'REACTION_REMOVE', { message_id: m.id, channel_id: c.id, user_id: user.id, emoji: params.emoji });
        return ok({});
      }
      case 'typing.start':
        if (!chan) return err('not_found', 'no such channel');
        for (const s of sessions.values()) if (s !== session) dispatchTo(s, 'TYPING_START', { channel_id: chan.id, user_id: user.id, at: now() });
        return ok({});
      case 'channel.history': {
        if (!chan) return err('not_found', 'no such channel');
        let list = [...chan.messages.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
        const limit = params.limit ?? 50;
        if (params.after) return ok({ messages: list.filter((m) => BigInt(m.id) > BigInt(params.after)).slice(0, limit) });
        if (params.before) list = list.filter((m) => BigInt(m.id) < BigInt(params.before));
        return ok({ messages: list.slice(-limit).reverse() });
      }
      case 'channel.events': {
        if (!chan) return err('not_found', 'no such channel');
        const limit = params.limit ?? 1000;
        return ok({ events: chan.log.slice(params.after_seq, params.after_seq + limit), last_seq: chan.log.length });
      }
      case 'channel.update': {
        if (!chan) return err('not_found', 'no such channel');
        if (!isStaff(user)) return err('forbidden', 'staff only');
        if (params.slow_mode_s !== undefined) chan.slow_mode_s = params.slow_mode_s;
        if (params.locked !== undefined) chan.locked = params.locked;
        if (params.topic !== undefined) chan.topic = params.topic;
        for (const s of sessions.values()) {
          const ev = { ...channelView(chan, s.user), channel_seq: chan.log.length + 1 };
          dispatchTo(s, 'CHANNEL_UPDATE', ev);
        }
        chan.log.push({ t: 'CHANNEL_UPDATE', d: { ...channelView(chan, user), channel_seq: chan.log.length + 1 } });
        persist();
        return ok(channelView(chan, user));
      }
      case 'channel.ack':
        return ok({});
      case 'panel.action': {
        if (params?.channel_id === GROWTH_PANEL) {
          const r = growth.action(user, params.action, params.params ?? {});
          if (r.error) return err(r.error.code, r.error.message);
          broadcast('PANEL_UPDATE', { channel_id: GROWTH_PANEL, panel: growth.panel() });
          return ok(r.result);
        }
        if (params?.channel_id !== PIPELINE_PANEL) return chan ? err('bad_request', `unknown action ${JSON.stringify(params.action)}`) : err('not_found', 'no such channel');
        const r = pipeline.action(user, params.action, params.params ?? {});
        if (r.error) return err(r.error.code, r.error.message);
        broadcast('PANEL_UPDATE', { channel_id: PIPELINE_PANEL, panel: pipeline.panel() });
        return ok(r.result);
      }
      case 'panel.get': {
        if (params.channel_id === PIPELINE_PANEL) return ok({ panel: pipeline.panel() });
        if (params.channel_id === GROWTH_PANEL) return ok({ panel: growth.panel() });
        const rp = revenuePanel(params.channel_id, user);
        if (rp) return ok({ panel: { ...rp, version: panelVersion } });
        const p = panels.get(params.channel_id);
        return p ? ok({ panel: p }) : err('not_found', 'panel not built yet');
      }
      case 'presence.list':
        return ok({ presences: [...presences.values()] });
      case 'member.list':
        return ok({ members: USERS.map(pub) });
      default:
        return err('bad_request', `unknown method ${method}`);
    }
  }

  function setPresence(user, status) {
    const p = { user_id: user.id, status: status === 'invisible' ? 'offline' : status, since: now() };
    if (p.status === 'offline') presences.delete(user.id);
    else presences.set(user.id, p);
    broadcast('PRESENCE_UPDATE', p);
  }

  function userFromToken(token) {
    const m = /^tok:(\d+)(:\d+)?$/.exec(String(token ?? ''));
    return m ? USERS.find((u) => u.id === m[1]) : undefined;
  }

  const httpServer = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString();
      const json = (status, obj) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (req.url === '/readyz') return json(200, { ok: true });
      if (req.method === 'POST' && req.url === '/api/v1/auth/login') {
        const b = JSON.parse(body || '{}');
        const u = USERS.find((x) => x.email === b.email);
        if (b.tenant !== 'demo' || !u || b.password !== 'arena-demo') return json(401, { error: { code: 'unauthorized', message: 'Invalid workspace, email or password' } });
        return json(200, { access_token: `tok:${u.id}`, refresh_token: `ref:${u.id}`, expires_in: 900 });
      }
      if (req.method === 'POST' && req.url === '/api/v1/auth/refresh') {
        const b = JSON.parse(body || '{}');
        const m = /^ref:(\d+)$/.exec(b.refresh_token ?? '');
        if (!m) return json(401, { error: { code: 'unauthorized', message: 'bad refresh token' } });
        return json(200, { access_token: `tok:${m[1]}:${Date.now()}`, refresh_token: `ref:${m[1]}`, expires_in: 900 });
      }
      const bearer = userFromToken((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (req.method === 'POST' && (req.url ?? '').startsWith('/api/v1/files?')) {
        const r = pipeline.upload(bearer, req.url, req.headers['content-type'], raw);
        return json(r.status, r.body);
      }
      if (req.url === '/api/v1/channels' && req.method === 'GET') {
        if (!bearer) return json(401, { error: { code: 'unauthorized', message: 'no token' } });
        return json(200, channels.map((c) => channelView(c, bearer)));
      }
      let parsed = {};
      try {
        parsed = JSON.parse(body || '{}');
      } catch {
        /* not JSON: the handlers below refuse it */
      }
      const revenue = revenueHttp(req.method, req.url ?? '', bearer, parsed);
      if (revenue) return json(revenue.status, revenue.body);
      const post = /^\/api\/v1\/channels\/(\d+)\/messages$/.exec(req.url ?? '');
      if (post && req.method === 'POST') {
        if (!bearer) return json(401, { error: { code: 'unauthorized', message: 'no token' } });
        const b = JSON.parse(body || '{}');
        const r = handleRequest({ user: bearer }, { id: 'http', method: 'message.create', params: { ...b, channel_id: post[1] } });
        return r.ok ? json(201, r.result) : json(403, { error: r.error });
      }
      const framed = req.method === 'GET' ? growth.page(req.url ?? '') : null;
      if (framed) {
        res.writeHead(framed.status, { 'content-type': framed.type, ...framed.headers });
        return res.end(framed.body);
      }
      if (options.webDir && req.method === 'GET' && !req.url.startsWith('/api/')) {
        const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
        let file = path.join(options.webDir, rel);
        if (!file.startsWith(options.webDir) || !rel || !existsSync(file)) file = path.join(options.webDir, 'index.html');
        const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
        res.writeHead(200, {
          'content-type': types[path.extname(file)] ?? 'application/octet-stream',
          'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
        });
        return res.end(readFileSync(file));
      }
      json(404, { error: { code: 'not_found', message: 'not found' } });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  httpServer.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://x');
    const encoding = url.searchParams.get('encoding');
    if (url.pathname !== '/gateway' || url.searchParams.get('v') !== '1' || !['json', 'msgpack'].includes(encoding)) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.encoding = encoding;
      sockets.add(ws);
      let session = null;
      sendFrame(ws, { op: 10, d: { heartbeat_interval_ms: options.heartbeatMs, node_id: 'fake-1' }, s: null, t: null });
      ws.on('message', (data, isBinary) => {
        let f;
        try {
          f = encoding === 'msgpack' ? decode(isBinary ? data : Buffer.from(data)) : JSON.parse(data.toString());
        } catch {
          ws.close(4002, 'decode error');
          return;
        }
        received.push(f);
        if (f.op === 1) return sendFrame(ws, { op: 11, d: null, s: null, t: null });
        if (f.op === 2) {
          if (session) return ws.close(4005, 'already authenticated');
          const user = userFromToken(f.d?.token);
          if (!user) return ws.close(4004, 'authentication failed');
          session = { id: `sess-${nextId()}`, user, buffer: [], s: 0, socket: ws };
          sessions.set(session.id, session);
          dispatchTo(session, 'READY', {
            session_id: session.id, user: pub(user), tenant: { id: '1', slug: 'demo', name: 'SISO Partners' },
            categories: CATEGORIES, channels: channels.map((c) => channelView(c, user)), presences: [...presences.values()],
            read_states: channels.map((c) => ({ channel_id: c.id, last_read_id: null, unread: 0 })), node_id: 'fake-1',
          });
          setPresence(user, f.d?.presence?.status ?? 'online');
          return;
        }
        if (f.op === 6) {
          const user = userFromToken(f.d?.token);
          if (!user) return ws.close(4004, 'authentication failed');
          const old = sessions.get(f.d.session_id);
          if (old && options.resumeMode === 'buffer') {
            session = old;
            session.socket = ws;
            const missed = session.buffer.filter((fr) => fr.s > f.d.seq);
            for (const fr of missed) sendFrame(ws, fr);
            dispatchTo(session, 'RESUMED', { replayed: missed.length, unrecovered: options.unrecovered ?? [] });
            return;
          }
          if (options.resumeMode === 'log') {
            session = { id: f.d.session_id, user, buffer: [], s: f.d.seq, socket: ws };
            sessions.set(session.id, session);
            let replayed = 0;
            for (const [cid, cur] of Object.entries(f.d.cursors ?? {})) {
              const c = byId.get(cid);
              if (!c) continue;
              for (const ev of c.log.slice(cur)) {
                dispatchTo(session, ev.t, ev.d);
                replayed++;
              }
            }
            dispatchTo(session, 'RESUMED', { replayed, unrecovered: [] });
            if (!presences.has(user.id)) setPresence(user, 'online');
            return;
          }
          sendFrame(ws, { op: 9, d: { resumable: false }, s: null, t: null });
          return;
        }
        if (!session) return ws.close(4003, 'not authenticated');
        if (f.op === 3) return setPresence(session.user, f.d?.status);
        if (f.op === 8) {
          const r = handleRequest(session, f.d);
          if (options.dropResponses) return;
          return sendFrame(ws, { op: 12, d: r, s: null, t: null });
        }
        ws.close(4001, 'unknown opcode');
      });
      ws.on('close', () => {
        sockets.delete(ws);
        if (session && session.socket === ws) {
          session.socket = null;
          const stillOn = [...sessions.values()].some((s) => s.user.id === session.user.id && s.socket);
          if (!stillOn && presences.has(session.user.id)) setPresence(session.user, 'invisible');
        }
      });
    });
  });

  return {
    options,
    received,
    channels,
    /** The #pipeline panel's state (deals, uploaded files). */
    pipeline,
    /** The #growth panel's state (the plans the wizard created). */
    growth,
    sessions,
    /** Starts listening; resolves with the port. */
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve) => httpServer.listen(port, host, () => resolve(httpServer.address().port)));
    },
    /** Terminates every socket (as if the network dropped). */
    dropAll() {
      for (const ws of sockets) ws.terminate();
    },
    /** Forgets all sessions (as after a crash): RESUME then gets INVALID_SESSION or a log replay. */
    forgetSessions() {
      sessions.clear();
    },
    closeAll(code, reason) {
      for (const ws of sockets) ws.close(code, reason);
    },
    post(channelId, userEmail, content, extra) {
      return postMessage(channelId, USERS.find((u) => u.email === userEmail), content, extra);
    },
    /** Appends a log event without dispatching it (a dispatch the client missed). */
    appendSilently(channelId, userEmail, content) {
      const c = byId.get(channelId);
      const user = USERS.find((u) => u.email === userEmail);
      const msg = { id: nextId(), channel_id: c.id, channel_seq: c.log.length + 1, author: pub(user), content, created_at: now(), pinned: false, reactions: [] };
      c.messages.set(msg.id, msg);
      c.log.push({ t: 'MESSAGE_CREATE', d: msg });
      return msg;
    },
    /** Sends a raw dispatch to every session (for gap/duplicate tests). */
    dispatchRaw(t, d) {
      broadcast(t, d);
    },
    updatePanel(channelId, panel) {
      panels.set(channelId, panel);
      broadcast('PANEL_UPDATE', { channel_id: channelId, panel });
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      return new Promise((resolve) => httpServer.close(() => resolve()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === 'serve') {
  // Stand-in for `arena serve` (ARENA_ADDR, ARENA_WEB_DIR; ARENA_DATABASE_URL is
  // taken as a JSON file path) so the e2e suite can be exercised without the
  // Rust server: ARENA_BIN=test/fake-server.mjs ARENA_DATABASE_URL=/tmp/fake.json npm run e2e
  const [host, port] = (process.env.ARENA_ADDR ?? '127.0.0.1:8099').split(':');
  const file = process.env.ARENA_DATABASE_URL ?? '/tmp/arena-fake.json';
  const fresh = !existsSync(file);
  const srv = createFakeServer({ resumeMode: 'log', persistFile: file, webDir: process.env.ARENA_WEB_DIR });
  if (fresh) srv.post('2003', 'staff@demo.test', 'Welcome to #general-chat!');
  await srv.listen(Number(port), host);
  console.log(`fake arena serving on ${host}:${port}`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const srv = createFakeServer();
  const port = await srv.listen(Number(process.argv[2] ?? 8099));
  srv.post('2003', 'staff@demo.test', 'Welcome to #general-chat — say hi to the other partners! https://example.com/guide');
  srv.post('2004', 'staff@demo.test', '', { card: { type: 'deal_win', data: { partner_name: 'Ana Ortiz', client: 'Globex', amount_minor: 305000, currency: 'USD' } } });
  srv.post('2002', 'admin@demo.test', 'Q3 launch notes are live.');
  console.log(`fake arena on http://127.0.0.1:${port}`);
}
