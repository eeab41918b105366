//! The one realtime client: owns the gateway socket, its connection state
//! machine, heartbeats, jittered reconnects, RESUME with channel cursors,
//! request/response correlation, and ordered channel-log delivery.
//!
//! State machine (`ConnectionState`):
//!   disconnected ─connect()→ connecting ─READY→ connected
//!   connected ─socket lost→ reconnecting ─READY/RESUMED→ connected
//!   any ─disconnect() or fatal close (4004 twice, 4012, 4013, 4014, 4015)→ closed
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { ChannelLog } from './channelLog';
import { codecFor, type Codec, type Encoding } from './codec';
import { Emitter } from './emitter';
import { Reauth } from './reauth';
import {
  CHANNEL_LOG_EVENTS,
  Op,
  type Channel,
  type DispatchEvent,
  type Envelope,
  type Id,
  type OwnStatus,
  type Ready,
  type Resumed,
  type WireError,
} from './types';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Minimal browser-compatible WebSocket surface (the `ws` package satisfies it in tests). */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | ArrayBufferLike | Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

/** A REQUEST that answered `ok:false`, or could not be answered (code `disconnected` / `timeout`). */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Present for `rate_limited` and `slow_mode`: ms until a retry may succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  static from(e: WireError): RequestError {
    return new RequestError(e.code, e.message, e.retry_after_ms);
  }
}

export interface ClientOptions {
  /** Gateway URL without query, e.g. `ws://host/gateway`. */
  url: string;
  encoding?: Encoding;
  /** Returns a valid access token; `forceRefresh` after the server rejected one (4004). Throwing ends the client. */
  getToken: (forceRefresh: boolean) => Promise<string>;
  /** Status sent with IDENTIFY. */
  presence?: () => OwnStatus;
  /** Whether the app holds loaded state for a channel (backfilled after a re-IDENTIFY). */
  isHeld?: (channelId: Id) => boolean;
  /** Versions of the panels the app holds, sent in RESUME `panels` so moved ones come again. */
  panelVersions?: () => Record<Id, number>;
  backoff?: BackoffOptions;
  /** Per-request timeout in ms (default 15 000). */
  requestTimeoutMs?: number;
  /** How often a live session checks for a refreshed token to send with `session.reauth`, ms (default 30 000). */
  reauthCheckMs?: number;
  socketFactory?: SocketFactory;
  random?: () => number;
}

export interface ClientEvents {
  state: { state: ConnectionState; prev: ConnectionState };
  /** Every dispatch, channel-log events deduplicated and in channel_seq order. */
  dispatch: DispatchEvent;
  /** A new session (first connect or after INVALID_SESSION). */
  ready: Ready;
  resumed: Resumed;
  /** Terminal close; `code` is the gateway close code or 0 for auth failure. */
  fatal: { code: number; reason: string };
  /** Non-fatal problems worth logging (decode error, backfill failure). */
  warning: { message: string; error?: unknown };
}

/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSE = new Set([4012, 4013, 4014, 4015]);
/** Close codes after which the session cannot be resumed. */
const NO_RESUME_CLOSE = new Set([4003, 4004, 4005, 4007]);

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: RequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RealtimeClient extends Emitter<ClientEvents> {
  state: ConnectionState = 'disconnected';
  /** Session to RESUME; cleared by INVALID_SESSION {resumable:false}. */
  sessionId: string | null = null;
  /** Last dispatch sequence `s` seen on the current session. */
  seq = 0;
  /** Consecutive failed connection attempts; drives the backoff. */
  attempt = 0;
  readonly log: ChannelLog;

  private readonly codec: Codec;
  private socket: SocketLike | null = null;
  private heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private awaitingAck = false;
  private pending = new Map<string, Pending>();
  private nextRequestId = 1;
  private authFailures = 0;
  /** Sends refreshed tokens so the server does not close the session when one expires. */
  private readonly reauth: Reauth;
  /** True once a READY was seen for this client; later READYs are re-identifies. */
  private hadReady = false;
  private readonly opts: Required<Omit<ClientOptions, 'presence' | 'isHeld' | 'panelVersions' | 'socketFactory'>> &
    Pick<ClientOptions, 'presence' | 'isHeld' | 'panelVersions' | 'socketFactory'>;

  constructor(opts: ClientOptions) {
    super();
    this.opts = {
      encoding: 'msgpack',
      backoff: DEFAULT_BACKOFF,
      requestTimeoutMs: 15_000,
      reauthCheckMs: 30_000,
      random: Math.random,
      ...opts,
    };
    this.codec = codecFor(this.opts.encoding);
    this.reauth = new Reauth(
      () => this.opts.getToken(false),
      (token) => this.request('session.reauth', { token }),
      (error) => this.emit('warning', { message: 'session.reauth failed', error }),
      this.opts.reauthCheckMs,
    );
    this.log = new ChannelLog(
      // Backfills may start while a resume replay is still streaming in; they
      // wait for the session to be live instead of failing.
      async (channel_id, after_seq) => {
        await this.whenConnected();
        return this.request('channel.events', { channel_id, after_seq, limit: 1000 });
      },
      (ev) => this.emit('dispatch', ev),
      (channelId, error) => this.emit('warning', { message: `backfill of ${channelId} failed`, error }),
    );
  }

  get encoding(): Encoding {
    return this.codec.name;
  }

  connect(): void {
    if (this.state !== 'disconnected' && this.state !== 'closed') return;
    this.setState('connecting');
    void this.open();
  }

  /** Closes for good (logout). Pending requests fail with `disconnected`. */
  disconnect(): void {
    this.clearTimers();
    this.setState('closed');
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      try {
        s.close(1000, 'logout');
      } catch {
        /* already closed */
      }
    }
    this.failPending('disconnected', 'Disconnected');
    this.sessionId = null;
    this.log.reset();
  }

  /** Sends a REQUEST and resolves with `result`, or rejects with `RequestError`. */
  request<T = unknown>(method: string, params: object = {}, timeoutMs = this.opts.requestTimeoutMs): Promise<T> {
    if (this.state !== 'connected' || !this.socket) {
      return Promise.reject(new RequestError('disconnected', 'Not connected — reconnecting'));
    }
    const id = String(this.nextRequestId++);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError('timeout', `${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.send({ op: Op.Request, d: { id, method, params } });
    });
  }

  /** Resolves once the state is `connected`; rejects if the client closes. */
  whenConnected(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.on('state', ({ state }) => {
        if (state === 'connected') {
          off();
          resolve();
        } else if (state === 'closed') {
          off();
          reject(new RequestError('disconnected', 'client closed'));
        }
      });
    });
  }

  /** Sets one's own presence (op 3). Ignored while not connected; IDENTIFY carries it later. */
  setPresence(status: OwnStatus): void {
    if (this.state === 'connected') this.send({ op: Op.PresenceUpdate, d: { status } });
  }

  // ── socket lifecycle ──────────────────────────────────────────────

  private async open(): Promise<void> {
    let token: string;
    try {
      token = await this.opts.getToken(this.authFailures > 0);
    } catch (err) {
      this.fail(0, `token unavailable: ${(err as Error).message}`);
      return;
    }
    if (this.state === 'closed') return;
    this.reauth.current = token;
    const url = `${this.opts.url}?v=1&encoding=${this.codec.name}`;
    const factory = this.opts.socketFactory ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = factory(url);
    } catch (err) {
      this.emit('warning', { message: 'socket construction failed', error: err });
      this.scheduleReconnect();
      return;
    }
    socket.binaryType = this.codec.binaryType;
    this.socket = socket;
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      let frame: Envelope;
      try {
        frame = this.codec.decode(ev.data);
      } catch (error) {
        this.emit('warning', { message: 'undecodable frame', error });
        return;
      }
      this.handleFrame(frame, token);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onSocketClosed(ev.code, ev.reason);
    };
    socket.onerror = () => {
      /* onclose follows and drives reconnects */
    };
  }

  private onSocketClosed(code: number, reason: string): void {
    this.stopHeartbeat();
    this.failPending('disconnected', 'Connection lost');
    if (this.state === 'closed') return;
    if (code === 4004) {
      this.authFailures++;
      this.sessionId = null;
      if (this.authFailures > 1) return this.fail(code, reason || 'authentication failed');
    }
    if (FATAL_CLOSE.has(code)) return this.fail(code, reason || `closed (${code})`);
    if (NO_RESUME_CLOSE.has(code)) this.sessionId = null;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed') return;
    if (this.state === 'connected') this.setState('reconnecting');
    if (this.reconnectTimer) return;
    const delay = backoffDelay(this.attempt++, this.opts.backoff, this.opts.random);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.open();
    }, delay);
  }

  /** Drops the current socket and reconnects (op 7, zombie connection). */
  private restart(code: number, reason: string): void {
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = null;
      try {
        s.close(code, reason);
      } catch {
        /* ignore */
      }
    }
    this.onSocketClosed(code, reason);
  }

  private fail(code: number, reason: string): void {
    this.clearTimers();
    this.setState('closed');
    this.emit('fatal', { code, reason });
  }

  // ── frames ────────────────────────────────────────────────────────

  /** RESUME's `d`: the cursors, and the panel versions held (at most 64, as the server reads). */
  private resumeData(token: string, sessionId: string): object {
    const panels = Object.fromEntries(Object.entries(this.opts.panelVersions?.() ?? {}).slice(0, 64));
    const d: Record<string, unknown> = { token, session_id: sessionId, seq: this.seq, cursors: this.log.snapshot() };
    if (Object.keys(panels).length > 0) d.panels = panels;
    return d;
  }

  private handleFrame(frame: Envelope, token: string): void {
    switch (frame.op) {
      case Op.Hello: {
        const hello = frame.d as { heartbeat_interval_ms: number };
        this.startHeartbeat(hello.heartbeat_interval_ms);
        if (this.sessionId) {
          this.send({
            op: Op.Resume,
            d: this.resumeData(token, this.sessionId),
          });
        } else {
          this.identify(token);
        }
        break;
      }
      case Op.HeartbeatAck:
        this.awaitingAck = false;
        break;
      case Op.Heartbeat:
        this.send({ op: Op.Heartbeat, d: this.seq || null });
        break;
      case Op.Reconnect:
        this.restart(4000, 'server asked to reconnect');
        break;
      case Op.InvalidSession: {
        const resumable = !!(frame.d as { resumable?: boolean } | null)?.resumable;
        if (resumable && this.sessionId) {
          this.send({ op: Op.Resume, d: this.resumeData(token, this.sessionId) });
        } else {
          this.sessionId = null;
          this.seq = 0;
          this.identify(token);
        }
        break;
      }
      case Op.Response: {
        const r = frame.d as { id: string; ok: boolean; result?: unknown; error?: WireError };
        const p = this.pending.get(String(r.id));
        if (!p) return;
        this.pending.delete(String(r.id));
        clearTimeout(p.timer);
        if (r.ok) p.resolve(r.result ?? {});
        else p.reject(RequestError.from(r.error ?? { code: 'internal', message: 'unknown error' }));
        break;
      }
      case Op.Dispatch:
        if (typeof frame.s === 'number') this.seq = frame.s;
        this.handleDispatch(frame.t ?? '', frame.d);
        break;
      default:
        this.emit('warning', { message: `unknown op ${frame.op}` });
    }
  }

  private identify(token: string): void {
    const status = this.opts.presence?.() ?? 'online';
    this.send({ op: Op.Identify, d: { token, presence: { status } } });
  }

  private handleDispatch(t: string, d: unknown): void {
    if (t === 'READY') {
      const ready = d as Ready;
      const again = this.hadReady;
      this.hadReady = true;
      this.sessionId = ready.session_id;
      this.markConnected();
      this.emit('dispatch', { t: 'READY', d: ready });
      this.emit('ready', ready);
      // First READY: cursors start at the server's head. After a re-IDENTIFY,
      // channels the app holds are backfilled from where we were.
      const toFill: Id[] = [];
      for (const ch of ready.channels) {
        const cursor = this.log.cursors.get(ch.id);
        const held = again && cursor !== undefined && (this.opts.isHeld?.(ch.id) ?? true);
        if (held && ch.last_seq > cursor!) toFill.push(ch.id);
        else if (!held) this.log.setCursor(ch.id, ch.last_seq);
      }
      for (const id of toFill) void this.log.backfill(id);
      return;
    }
    if (t === 'RESUMED') {
      const resumed = (d ?? { replayed: 0, unrecovered: [] }) as Resumed;
      this.markConnected();
      this.emit('dispatch', { t: 'RESUMED', d: resumed });
      this.emit('resumed', resumed);
      for (const id of resumed.unrecovered ?? []) void this.log.backfill(id);
      return;
    }
    if (t === 'CHANNEL_CREATE') {
      // Its events may have come just before it: the cursor only moves forward.
      const ch = d as Channel;
      const cur = this.log.cursors.get(ch.id);
      if (cur === undefined || cur < ch.last_seq) this.log.setCursor(ch.id, ch.last_seq);
    } else if (t === 'CHANNEL_DELETE') {
      this.log.cursors.delete((d as { id: Id }).id);
    }
    if (CHANNEL_LOG_EVENTS.has(t)) this.log.offer({ t, d });
    else this.emit('dispatch', { t, d } as DispatchEvent);
  }

  private markConnected(): void {
    this.attempt = 0;
    this.authFailures = 0;
    this.setState('connected');
    this.reauth.start();
  }

  // ── heartbeats ────────────────────────────────────────────────────

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.awaitingAck = false;
    const beat = () => {
      if (this.awaitingAck) {
        // No ACK for a whole interval: the connection is a zombie.
        this.restart(4009, 'heartbeat not acknowledged');
        return;
      }
      this.awaitingAck = true;
      this.send({ op: Op.Heartbeat, d: this.seq || null });
      this.heartbeatTimer = setTimeout(beat, intervalMs);
    };
    // First beat jittered so clients reconnected together spread out.
    this.heartbeatTimer = setTimeout(beat, Math.floor(intervalMs * this.opts.random()));
  }

  /** Stops the socket's timers: heartbeats and token checks. */
  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.reauth.stop();
  }

  private clearTimers(): void {
    this.stopHeartbeat();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  // ── helpers ───────────────────────────────────────────────────────

  private send(frame: Envelope): void {
    const s = this.socket;
    if (!s || s.readyState !== 1) return;
    try {
      s.send(this.codec.encode(frame));
    } catch (error) {
      this.emit('warning', { message: 'send failed', error });
    }
  }

  private failPending(code: string, message: string): void {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RequestError(code, message));
    }
    this.pending.clear();
  }

  private setState(next: ConnectionState): void {
    if (next === this.state) return;
    const prev = this.state;
    this.state = next;
    this.emit('state', { state: next, prev });
  }
}
