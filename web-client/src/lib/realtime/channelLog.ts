//! Gap-free, duplicate-free delivery of channel-log events.
//!
//! Every durable channel event carries a per-channel `channel_seq` (PROTOCOL.md
//! §3). `ChannelLog` keeps the last applied seq per channel (the cursor sent in
//! RESUME) and hands events to the app exactly once and in order: an event at
//! or below the cursor is a duplicate (resume replay, backfill overlap) and is
//! dropped; an event beyond cursor+1 reveals a gap, which is filled with
//! `channel.events {after_seq}` before anything newer is delivered.
import type { DispatchEvent, Id } from './types';

/** Fetches the log after `afterSeq`, oldest first (the `channel.events` request). */
export type FetchEvents = (
  channelId: Id,
  afterSeq: number,
) => Promise<{ events: { t: string; d: unknown }[]; last_seq: number; has_more?: boolean }>;

/** Upper bound on events requested per backfill page (PROTOCOL.md: 1..1000). */
export const BACKFILL_PAGE = 1000;

export function channelOf(ev: { t: string; d: unknown }): Id | undefined {
  const d = ev.d as Record<string, unknown> | null;
  if (!d) return undefined;
  if (ev.t === 'CHANNEL_UPDATE') return (d.id as Id) ?? (d.channel_id as Id);
  return d.channel_id as Id | undefined;
}

export function seqOf(ev: { t: string; d: unknown }): number | undefined {
  const d = ev.d as Record<string, unknown> | null;
  const s = d?.channel_seq;
  return typeof s === 'number' ? s : undefined;
}

export class ChannelLog {
  /** Last applied `channel_seq` per channel id. */
  readonly cursors = new Map<Id, number>();
  /** Channels with a backfill in flight, and the live events held back meanwhile. */
  private pending = new Map<Id, { t: string; d: unknown }[]>();

  constructor(
    private fetchEvents: FetchEvents,
    private deliver: (ev: DispatchEvent) => void,
    private onError: (channelId: Id, err: unknown) => void = () => {},
  ) {}

  /** Snapshot of cursors for RESUME `cursors`. */
  snapshot(): Record<Id, number> {
    return Object.fromEntries(this.cursors);
  }

  /** Sets a cursor without delivering anything (e.g. from READY's last_seq). */
  setCursor(channelId: Id, seq: number): void {
    this.cursors.set(channelId, seq);
  }

  isBackfilling(channelId: Id): boolean {
    return this.pending.has(channelId);
  }

  /** Forgets all cursors and held events (logout, new user). */
  reset(): void {
    this.cursors.clear();
    this.pending.clear();
  }

  /** Offers one live (or replayed) event. */
  offer(ev: { t: string; d: unknown }): void {
    const channelId = channelOf(ev);
    const seq = seqOf(ev);
    if (channelId === undefined || seq === undefined) {
      this.deliver(ev as DispatchEvent);
      return;
    }
    const held = this.pending.get(channelId);
    if (held) {
      held.push(ev);
      return;
    }
    const cursor = this.cursors.get(channelId);
    if (cursor === undefined || seq === cursor + 1) {
      this.cursors.set(channelId, seq);
      this.deliver(ev as DispatchEvent);
    } else if (seq <= cursor) {
      // duplicate: already applied
    } else {
      this.pending.set(channelId, [ev]);
      void this.fill(channelId);
    }
  }

  /** Fills the channel from its cursor to the server's head (unrecovered channels, re-identify). */
  backfill(channelId: Id): Promise<void> {
    if (this.pending.has(channelId)) return Promise.resolve();
    this.pending.set(channelId, []);
    return this.fill(channelId);
  }

  private async fill(channelId: Id): Promise<void> {
    try {
      for (;;) {
        const after = this.cursors.get(channelId) ?? 0;
        const page = await this.fetchEvents(channelId, after);
        for (const ev of page.events) this.applyInOrder(channelId, ev, true);
        const cursor = this.cursors.get(channelId) ?? 0;
        // Pages may be cut short by the server's byte budget: `has_more` says
        // whether the log goes on (older servers: a full page means maybe).
        const more = page.has_more ?? page.events.length >= BACKFILL_PAGE;
        if (page.events.length === 0 || !more || cursor >= page.last_seq) break;
      }
      const held = this.pending.get(channelId) ?? [];
      this.pending.delete(channelId);
      held.sort((a, b) => (seqOf(a) ?? 0) - (seqOf(b) ?? 0));
      for (let i = 0; i < held.length; i++) {
        const again = this.pending.get(channelId);
        if (again) {
          again.push(...held.slice(i));
          break;
        }
        this.applyInOrder(channelId, held[i], false);
      }
    } catch (err) {
      // Cursor did not move past the held events, so a later resume or
      // backfill brings them again; drop them rather than deliver out of order.
      this.pending.delete(channelId);
      this.onError(channelId, err);
    }
  }

  /** Applies an event during/after a backfill. Backfilled pages are authoritative and may skip seqs. */
  private applyInOrder(channelId: Id, ev: { t: string; d: unknown }, fromServerLog: boolean): void {
    const seq = seqOf(ev);
    const cursor = this.cursors.get(channelId) ?? 0;
    if (seq === undefined) {
      this.deliver(ev as DispatchEvent);
      return;
    }
    if (seq <= cursor) return;
    if (!fromServerLog && seq > cursor + 1) {
      // still a gap after the backfill: fetch again
      this.pending.set(channelId, [ev]);
      void this.fill(channelId);
      return;
    }
    this.cursors.set(channelId, seq);
    this.deliver(ev as DispatchEvent);
  }
}
