//! A table's `bulk: {param, items: [Button]}` over its `row_ids`: the bar
//! above a selectable table. Pressing a Button sends its action with
//! `<param>: [selected ids]`; an answer carrying `results: [{id, ok, error?}]`
//! is shown as a per-row report (applied count, each refused row with its
//! reason), since one row's refusal does not undo the others.
import { useState } from 'react';
import { ActionError, buttonClass } from './ActionButton';
import { actionErrorText } from './useAction';
import { asArray, asObject, asString, readButton, type BlockContext, type Button } from './types';

export interface Bulk {
  param: string;
  items: Button[];
}

/** The block's bulk actions, or null without a param or any Button. */
export function readBulk(v: unknown): Bulk | null {
  const b = asObject(v);
  const param = asString(b.param);
  const items = asArray<unknown>(b.items).map(readButton).filter((x): x is Button => x !== null);
  return param && items.length > 0 ? { param, items } : null;
}

export interface RowResult {
  id: string;
  ok: boolean;
  message: string;
}

/** The per-row results of an answer, if it has any. */
export function readResults(answer: unknown): RowResult[] | null {
  const rows = asObject(answer).results;
  if (!Array.isArray(rows)) return null;
  return rows.map((r) => {
    const o = asObject(r);
    const err = asObject(o.error);
    return { id: asString(o.id), ok: o.ok === true, message: asString(err.message) };
  });
}

export function BulkBar({ bulk, selected, labelOf, ctx }: { bulk: Bulk; selected: string[]; labelOf: (id: string) => string; ctx: BlockContext }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [results, setResults] = useState<RowResult[] | null>(null);
  const send = async (b: Button) => {
    if (pending || selected.length === 0) return;
    if (b.confirm && !window.confirm(b.confirm)) return;
    setPending(true);
    setError(null);
    setResults(null);
    try {
      const answer = await ctx.act(b.action, { ...(b.params ?? {}), [bulk.param]: selected });
      setResults(readResults(answer));
    } catch (err) {
      setError(actionErrorText(err));
    } finally {
      setPending(false);
    }
  };
  const refused = results?.filter((r) => !r.ok) ?? [];
  return (
    <div className="panel-bulk" role="group" aria-label="Bulk actions">
      <span className="panel-bulk-count" role="status">
        {selected.length} selected
      </span>
      {bulk.items.map((b, i) => (
        <button key={`${b.action}-${i}`} type="button" className={buttonClass(b.style)} disabled={pending || selected.length === 0} aria-busy={pending || undefined} onClick={() => void send(b)}>
          {b.label}
        </button>
      ))}
      <ActionError error={error} />
      {results && (
        <div className="panel-bulk-report" role="status">
          <p>
            {results.length - refused.length} applied, {refused.length} refused
          </p>
          {refused.length > 0 && (
            <ul>
              {refused.map((r) => (
                <li key={r.id}>
                  <strong>{labelOf(r.id)}</strong>: {r.message || 'refused'}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
