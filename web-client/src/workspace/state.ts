//! Workspace state shape and the pure helpers that build it: what the store
//! holds, its initial value, and message-list merging (ordered by snowflake id,
//! deduplicated by id).
import type { ConnectionState } from '../lib/realtime/client';
import type { Category, Channel, Id, Message, OwnStatus, Panel, Presence, Ready, User } from '../lib/realtime/types';
import { compareIds } from './ids';

/** Messages fetched per history page (PROTOCOL.md default). */
export const HISTORY_PAGE = 50;

/** Most `member.list` / `presence.list` pages fetched in one go (1,000 each at most). */
export const MAX_LIST_PAGES = 100;

/** A `channel.history` result; `has_more` is absent from servers that predate byte budgets. */
export interface HistoryPage {
  messages: Message[];
  has_more?: boolean;
}

/**
 * Whether older messages remain: the server's `has_more` (a page may be cut
 * short by its byte budget), or, from a server without it, a full page.
 */
export function hasMore(messages: Message[], has_more: boolean | undefined): boolean {
  return has_more ?? messages.length >= HISTORY_PAGE;
}
/** How long a TYPING_START shows, in ms. */
export const TYPING_TTL_MS = 8_000;
/** Minimum gap between our own typing.start requests per channel, in ms. */
export const TYPING_SEND_EVERY_MS = 5_000;

export interface ChannelMessages {
  /** Loaded messages, oldest first. */
  items: Message[];
  loading: boolean;
  /** False once history returned a short page. */
  hasMore: boolean;
  error?: string;
}

/** A message sent but not yet acknowledged (or that failed). */
export interface PendingMessage {
  nonce: string;
  channel_id: Id;
  content: string;
  reply_to?: Id;
  status: 'sending' | 'failed';
  error?: string;
}

export interface PanelState {
  panel?: Panel;
  loading: boolean;
  error?: { code: string; message: string };
}

export interface WorkspaceState {
  connection: ConnectionState;
  /** True once any READY arrived; before it the UI shows a loading screen. */
  ready: boolean;
  /** Set when the session ended for good (auth failure, kicked); shown on the login page. */
  fatal?: string;
  me?: User;
  tenant?: Ready['tenant'];
  categories: Category[];
  channels: Channel[];
  members: Record<Id, User>;
  presences: Record<Id, Presence>;
  ownStatus: OwnStatus;
  unread: Record<Id, number>;
  /** Unread messages mentioning this user, per channel (READY `mention_count`, then live). */
  mentions: Record<Id, number>;
  messages: Record<Id, ChannelMessages>;
  pending: Record<Id, PendingMessage[]>;
  /** channel id → user id → expiry epoch ms. */
  typing: Record<Id, Record<Id, number>>;
  panels: Record<Id, PanelState>;
  /** Last acknowledged message per channel (READY read_states, then our acks). */
  lastRead: Record<Id, Id | null>;
  /** Where the "New" divider goes: the last read id when a channel with unread messages was opened. */
  newSince: Record<Id, { afterId: Id | null; count: number }>;
  /** When this user's timeout ends (MEMBER_UPDATE from a moderator); epoch ms. */
  mutedUntil?: number;
  /** The moderator's reason for that timeout (READY / MEMBER_UPDATE `muted_reason`). */
  mutedReason?: string;
  /** A message to scroll to and flash (a search result); `at` makes each jump distinct. */
  jump?: { channelId: Id; messageId: Id; at: number };
  /** Ids deleted while we watched, so a reply can say its original is gone. */
  deleted: Record<Id, true>;
  /** message id → emojis this user reacted with (the wire only has counts). */
  myReactions: Record<Id, string[]>;
  activeChannelId?: Id;
  /** Last failed action outside the composer (edit, delete, react), shown as a toast. */
  notice?: { text: string; at: number };
}

export const STATUS_KEY = 'arena.status';

export function initialState(): WorkspaceState {
  let ownStatus: OwnStatus = 'online';
  try {
    ownStatus = (sessionStorage.getItem(STATUS_KEY) as OwnStatus) || 'online';
  } catch {
    /* storage unavailable */
  }
  return {
    connection: 'disconnected',
    ready: false,
    categories: [],
    channels: [],
    members: {},
    presences: {},
    ownStatus,
    unread: {},
    mentions: {},
    messages: {},
    pending: {},
    typing: {},
    panels: {},
    myReactions: {},
    deleted: {},
    lastRead: {},
    newSince: {},
  };
}

export function insertSorted(items: Message[], msg: Message): Message[] {
  const idx = items.findIndex((m) => m.id === msg.id);
  if (idx >= 0) {
    const copy = items.slice();
    copy[idx] = msg;
    return copy;
  }
  const copy = [...items, msg];
  if (items.length && compareIds(items[items.length - 1].id, msg.id) > 0) copy.sort((a, b) => compareIds(a.id, b.id));
  return copy;
}

export function mergeMessages(items: Message[], more: Message[]): Message[] {
  const byId = new Map(items.map((m) => [m.id, m]));
  for (const m of more) if (!byId.has(m.id)) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

