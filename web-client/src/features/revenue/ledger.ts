//! Which staff actions a #revenue-overview ledger row offers, and the state
//! of one row's action (idle → asking for input → sending → sent / failed).
//! Pure: no React, no network, so it is unit tested directly.

export type LedgerAction = 'approve' | 'pay' | 'reverse';

/** The panel kind whose table is the commission ledger. */
export const LEDGER_PANEL_KIND = 'revenue.overview';

/** What each action is called on its button, while sending, and once sent. */
export const ACTION_TEXT: Record<LedgerAction, { label: string; busy: string; done: string }> = {
  approve: { label: 'Approve', busy: 'Approving…', done: 'Approved' },
  pay: { label: 'Mark paid', busy: 'Recording payout…', done: 'Marked paid' },
  reverse: { label: 'Reverse', busy: 'Reversing…', done: 'Reversed' },
};

/** Actions by a deal's current status: approve pending, pay approved, reverse anything not yet reversed. */
export function actionsFor(status: string): LedgerAction[] {
  switch (status.trim().toLowerCase()) {
    case 'pending':
      return ['approve', 'reverse'];
    case 'approved':
      return ['pay', 'reverse'];
    case 'paid':
      return ['reverse'];
    default:
      return [];
  }
}

export interface LedgerRow {
  dealId: string;
  status: string;
  /** The entry's ledger sequence number (column "#"), when shown. */
  seq?: number;
  /** Actions for this row: empty unless it is its deal's newest entry in the table. */
  actions: LedgerAction[];
}

const col = (columns: string[], name: string) => columns.findIndex((c) => c.trim().toLowerCase() === name);

/**
 * Reads a ledger table (columns "#", "Deal", "Status" …; one row per entry,
 * so a deal that moved on has older rows too). Only each deal's newest
 * entry (highest "#", or the first row when there is no "#": the ledger is
 * newest first) carries actions; older entries are history. Null when the
 * table is not a ledger.
 */
export function readLedger(columns: string[], rows: (string | number)[][]): LedgerRow[] | null {
  const deal = col(columns, 'deal');
  const status = col(columns, 'status');
  const seqCol = col(columns, '#');
  if (deal < 0 || status < 0) return null;
  const parsed = rows.map((r) => {
    const seq = seqCol >= 0 ? Number(r[seqCol]) : NaN;
    return { dealId: String(r[deal] ?? ''), status: String(r[status] ?? ''), seq: Number.isFinite(seq) ? seq : undefined };
  });
  const newest = new Map<string, number>(); // deal id → index of its newest row
  parsed.forEach((r, i) => {
    if (!r.dealId) return;
    const cur = newest.get(r.dealId);
    if (cur === undefined || (r.seq !== undefined && parsed[cur].seq !== undefined && r.seq > parsed[cur].seq!)) newest.set(r.dealId, i);
  });
  return parsed.map((r, i) => ({ ...r, actions: newest.get(r.dealId) === i ? actionsFor(r.status) : [] }));
}

/** One row's action state. */
export type ActionState =
  | { phase: 'idle'; error?: string }
  /** Asking for the payout reference or the reversal reason. */
  | { phase: 'asking'; action: 'pay' | 'reverse'; text: string; error?: string }
  | { phase: 'sending'; action: LedgerAction; text?: string }
  /** Accepted by the server; the row changes when the PANEL_UPDATE arrives. */
  | { phase: 'sent'; action: LedgerAction };

export type ActionEvent =
  | { type: 'start'; action: LedgerAction }
  | { type: 'input'; text: string }
  | { type: 'cancel' }
  | { type: 'submit' }
  | { type: 'ok' }
  | { type: 'failed'; message: string };

export const initialActionState: ActionState = { phase: 'idle' };

/** Approve sends at once; Mark paid and Reverse first ask for their text. */
export function actionReducer(s: ActionState, e: ActionEvent): ActionState {
  switch (e.type) {
    case 'start':
      if (s.phase === 'sending' || s.phase === 'sent') return s;
      return e.action === 'approve' ? { phase: 'sending', action: 'approve' } : { phase: 'asking', action: e.action, text: '' };
    case 'input':
      return s.phase === 'asking' ? { ...s, text: e.text, error: undefined } : s;
    case 'cancel':
      return s.phase === 'asking' || s.phase === 'idle' ? { phase: 'idle' } : s;
    case 'submit':
      if (s.phase !== 'asking') return s;
      if (!s.text.trim()) return { ...s, error: s.action === 'pay' ? 'Enter the payout reference.' : 'Enter a reason.' };
      return { phase: 'sending', action: s.action, text: s.text.trim() };
    case 'ok':
      return s.phase === 'sending' ? { phase: 'sent', action: s.action } : s;
    case 'failed':
      if (s.phase !== 'sending') return s;
      // Keep what was typed so a corrected retry is one click.
      return s.action === 'approve' ? { phase: 'idle', error: e.message } : { phase: 'asking', action: s.action, text: s.text ?? '', error: e.message };
  }
}

/** The inline error for a failed call: the server's message, plainly. */
export function errorText(action: LedgerAction, err: unknown): string {
  const e = err as { status?: number; code?: string; message?: string };
  const what = ACTION_TEXT[action].label.toLowerCase();
  if (e?.status === 403) return 'Only staff can change commissions.';
  if (e?.status === 409 || e?.code === 'conflict') return `Could not ${what}: ${e.message ?? 'the deal changed meanwhile'}.`;
  return `Could not ${what}: ${e?.message ?? String(err)}`;
}
