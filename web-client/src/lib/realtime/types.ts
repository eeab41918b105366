//! Wire types of the Arena gateway (PROTOCOL.md §2–§4). Ids are decimal strings
//! (64-bit snowflakes); timestamps are RFC 3339 strings.

/** Gateway opcodes (PROTOCOL.md §2). */
export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  Resume: 6,
  Reconnect: 7,
  Request: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  Response: 12,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** One frame on the wire; `s`/`t` only on DISPATCH. */
export interface Envelope {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}

export type Id = string;
export type Role = 'admin' | 'staff' | 'partner' | 'bot';
export type Status = 'online' | 'idle' | 'dnd' | 'offline';
export type OwnStatus = 'online' | 'idle' | 'dnd' | 'invisible';
export type ChannelKind = 'chat' | 'announcement' | 'feed' | 'panel' | 'dm';

export interface User {
  id: Id;
  display_name: string;
  role: Role;
  tier?: string | null;
}

export interface Category {
  key: string;
  name: string;
  position: number;
}

export interface Channel {
  id: Id;
  key: string;
  name: string;
  category: string;
  kind: ChannelKind;
  domain?: string | null;
  topic?: string | null;
  position: number;
  can_post: boolean;
  slow_mode_s: number;
  locked: boolean;
  /** Channel-log cursor at the time the server sent this channel. */
  last_seq: number;
  last_message_id?: Id | null;
}

export interface Card {
  type: string;
  data: Record<string, unknown>;
}

export interface Reaction {
  emoji: string;
  count: number;
}

export interface Message {
  id: Id;
  channel_id: Id;
  channel_seq: number;
  author: User;
  content: string;
  card?: Card | null;
  reply_to?: Id | null;
  nonce?: string | null;
  created_at: string;
  edited_at?: string | null;
  pinned: boolean;
  reactions: Reaction[];
  /** Members named with `<@id>` in `content` who may read the channel (Arena extension). */
  mentions?: Id[];
}

export interface Presence {
  user_id: Id;
  status: Status;
  since?: string;
}

export interface ReadState {
  channel_id: Id;
  last_read_id: Id | null;
  unread: number;
  /** Of the unread messages, those that mention the user; omitted when 0. */
  mention_count?: number;
}

export interface Ready {
  session_id: string;
  user: User;
  tenant: { id: Id; slug: string; name: string };
  categories: Category[];
  channels: Channel[];
  presences: Presence[];
  /** Arena: `presences` left some out (large tenant); page `presence.list`. */
  presences_partial?: boolean;
  read_states?: ReadState[];
  /** The user's own running timeout (RFC 3339) and its reason (Arena extension). */
  muted_until?: string | null;
  muted_reason?: string | null;
  node_id: string;
}

export interface Resumed {
  replayed: number;
  unrecovered: Id[];
}

export interface Panel {
  kind: string;
  version: number;
  data: Record<string, unknown>;
}

export interface ReactionEvent {
  message_id: Id;
  channel_id: Id;
  user_id: Id;
  emoji: string;
  channel_seq?: number;
}

/** Dispatch events keyed by `t`, with their `d` payloads. */
export interface DispatchMap {
  READY: Ready;
  RESUMED: Resumed;
  MESSAGE_CREATE: Message;
  MESSAGE_UPDATE: Message;
  MESSAGE_DELETE: { id: Id; channel_id: Id; channel_seq?: number };
  REACTION_ADD: ReactionEvent;
  REACTION_REMOVE: ReactionEvent;
  TYPING_START: { channel_id: Id; user_id: Id; at?: string };
  PRESENCE_UPDATE: Presence;
  CHANNEL_UPDATE: Channel & { channel_seq?: number };
  PANEL_UPDATE: { channel_id: Id; panel: Panel };
  /**
   * A member changed. A timeout sets `muted_until` (with `muted_reason` to the
   * member only); a lifted timeout is `{user_id}` alone.
   */
  MEMBER_UPDATE: {
    user_id: Id;
    muted_until?: string | null;
    muted_reason?: string | null;
    role?: Role;
    tier?: string | null;
    display_name?: string;
    deactivated?: boolean;
  };
  /** A channel entered this session's view (e.g. a tier promotion): the Channel with its log head. */
  CHANNEL_CREATE: Channel;
  /** A channel left this session's view (e.g. a demotion): nothing of it arrives after this. */
  CHANNEL_DELETE: { id: Id };
}

export type DispatchName = keyof DispatchMap;

/** A dispatch as delivered to the app: `{t, d}` with `d` typed by `t`. */
export type DispatchEvent = { [K in DispatchName]: { t: K; d: DispatchMap[K] } }[DispatchName];

/** Events that belong to a channel's durable log and carry `channel_seq`. */
export const CHANNEL_LOG_EVENTS: ReadonlySet<string> = new Set([
  'MESSAGE_CREATE',
  'MESSAGE_UPDATE',
  'MESSAGE_DELETE',
  'REACTION_ADD',
  'REACTION_REMOVE',
  'CHANNEL_UPDATE',
]);

/** Error body of a failed REQUEST (op 12 with ok:false). */
export interface WireError {
  code: string;
  message: string;
  retry_after_ms?: number;
}
