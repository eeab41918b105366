//! Staff actions on #revenue-overview's ledger rows: Approve (pending),
//! Mark paid (approved; asks for the payout reference) and Reverse (any
//! status but reversed; asks for a reason). They call the revenue REST API;
//! the row changes only when the server's PANEL_UPDATE arrives (no
//! optimistic edits). Errors (a 409 when the deal moved on) show inline.
//! The app composes this into the generic panel renderer for staff only.
import { useEffect, useReducer, useRef, type ReactNode } from 'react';
import { approveCommission, recordPayout, reverseDeal } from './api';
import { ACTION_TEXT, LEDGER_PANEL_KIND, actionReducer, errorText, initialActionState, readLedger, type LedgerAction } from './ledger';

/** How long to wait for the PANEL_UPDATE after a success before loading the panel again. */
const RELOAD_AFTER_MS = 4000;

const sendAction = (action: LedgerAction, dealId: string, text = ''): Promise<unknown> =>
  action === 'approve' ? approveCommission(dealId) : action === 'pay' ? recordPayout(dealId, text) : reverseDeal(dealId, text);

export function LedgerActions({ dealId, actions, reload }: { dealId: string; actions: LedgerAction[]; reload: () => void }) {
  const [state, dispatch] = useReducer(actionReducer, initialActionState);
  const input = useRef<HTMLInputElement>(null);
  const mounted = useRef(false);
  const inflight = useRef(false);
  // The latest reload, so re-renders of the panel do not restart the fallback timer.
  const reloadRef = useRef(reload);
  reloadRef.current = reload;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (state.phase === 'asking') input.current?.focus();
  }, [state.phase]);

  /** Sends from the click itself (not from an effect, which StrictMode would run twice). */
  const run = (action: LedgerAction, text?: string) => {
    if (inflight.current) return;
    inflight.current = true;
    sendAction(action, dealId, text).then(
      () => mounted.current && dispatch({ type: 'ok' }),
      (err) => mounted.current && dispatch({ type: 'failed', message: errorText(action, err) }),
    ).finally(() => (inflight.current = false));
  };
  const start = (action: LedgerAction) => {
    dispatch({ type: 'start', action });
    if (action === 'approve') run(action);
  };
  const submit = () => {
    if (state.phase !== 'asking') return;
    dispatch({ type: 'submit' });
    if (state.text.trim()) run(state.action, state.text.trim());
  };

  useEffect(() => {
    if (state.phase !== 'sent') return;
    // Normally the PANEL_UPDATE replaces this row first (and unmounts this).
    const t = setTimeout(() => reloadRef.current(), RELOAD_AFTER_MS);
    return () => clearTimeout(t);
  }, [state.phase]);

  const error = 'error' in state && state.error ? (
    <div className="ledger-action-error" role="alert">
      {state.error}
    </div>
  ) : null;

  if (state.phase === 'sent') {
    return (
      <div className="ledger-actions" data-deal={dealId}>
        <span className="ledger-action-done" role="status">
          {ACTION_TEXT[state.action].done}, updating…
        </span>
      </div>
    );
  }
  if (state.phase === 'sending') {
    return (
      <div className="ledger-actions" data-deal={dealId} aria-busy="true">
        <span className="ledger-action-busy" role="status">
          <span className="spinner" aria-hidden="true" /> {ACTION_TEXT[state.action].busy}
        </span>
      </div>
    );
  }
  if (state.phase === 'asking') {
    const pay = state.action === 'pay';
    const field = pay ? 'Payout reference' : 'Reason for reversal';
    return (
      <form
        className="ledger-action-form"
        data-deal={dealId}
        aria-label={`${ACTION_TEXT[state.action].label} ${dealId}`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
        onKeyDown={(e) => e.key === 'Escape' && dispatch({ type: 'cancel' })}
      >
        <input
          ref={input}
          type="text"
          aria-label={field}
          placeholder={pay ? 'Payout reference, e.g. transfer id' : 'Reason: refund, chargeback…'}
          maxLength={200}
          value={state.text}
          onChange={(e) => dispatch({ type: 'input', text: e.target.value })}
        />
        <div className="ledger-action-buttons">
          <button type="submit" className={pay ? 'btn-accent' : 'btn-danger'}>
            {pay ? 'Record payout' : 'Reverse'}
          </button>
          <button type="button" className="btn-secondary" onClick={() => dispatch({ type: 'cancel' })}>
            Cancel
          </button>
        </div>
        {error}
      </form>
    );
  }
  return (
    <div className="ledger-actions" data-deal={dealId}>
      <div className="ledger-action-buttons">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={a === 'reverse' ? 'btn-secondary btn-danger-text' : 'btn-accent'}
            aria-label={`${ACTION_TEXT[a].label} ${dealId}`}
            onClick={() => start(a)}
          >
            {ACTION_TEXT[a].label}
          </button>
        ))}
      </div>
      {error}
    </div>
  );
}

/**
 * The panel renderer's `tableActions` extension for staff: the ledger table
 * of `revenue.overview` gets an actions cell on each deal's newest entry.
 * Structurally the panels feature's `TableActions` (features do not import each other).
 */
export function revenueTableActions(table: {
  kind: string;
  columns: string[];
  rows: (string | number)[][];
  reload: () => void;
}): ((row: (string | number)[], index: number) => ReactNode) | null {
  if (table.kind !== LEDGER_PANEL_KIND) return null;
  const ledger = readLedger(table.columns, table.rows);
  if (!ledger) return null;
  return (_row, i) => {
    const r = ledger[i];
    if (!r || r.actions.length === 0) return null;
    // Keyed by the entry: when a new entry supersedes this one the state starts afresh.
    return <LedgerActions key={`${r.dealId}#${r.seq ?? i}`} dealId={r.dealId} actions={r.actions} reload={table.reload} />;
  };
}
