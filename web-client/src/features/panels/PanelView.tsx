//! Generic panel renderer for panel channels: `data = {title?, blocks: [...]}`
//! with figures, table, list, progress and text blocks. Unknown block types
//! render nothing (and are logged); a panel.get error shows an empty state.
import { useEffect } from 'react';
import { PanelIcon } from '../../components/Icons';
import type { Channel } from '../../lib/realtime/types';
import { useWorkspace, workspace } from '../../workspace/store';

type Cell = string | number;
type Block =
  | { type: 'figures'; items: { label: string; value: Cell; unit?: string }[] }
  | { type: 'table'; columns: string[]; rows: Cell[][] }
  | { type: 'list'; items: { title: string; subtitle?: string; href?: string }[] }
  | { type: 'progress'; items: { label: string; value: number; max: number }[] }
  | { type: 'text'; text: string }
  | { type: string; [k: string]: unknown };

/** Only http(s) and same-origin paths may become links (no javascript: URLs). */
export function safeHref(href: unknown): string | undefined {
  if (typeof href !== 'string') return undefined;
  if (href.startsWith('/') && !href.startsWith('//')) return href;
  try {
    const u = new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

const asArray = <T,>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const fmt = (v: unknown) => (typeof v === 'number' ? v.toLocaleString() : String(v ?? ''));

function BlockView({ block }: { block: Block }) {
  switch (block.type) {
    case 'figures':
      return (
        <div className="panel-figures">
          {asArray<{ label: string; value: Cell; unit?: string }>(block.items).map((f, i) => (
            <div key={i} className="figure">
              <div className="figure-label">{f.label}</div>
              <div className="figure-value">
                {fmt(f.value)}
                {f.unit && <span className="figure-unit"> {f.unit}</span>}
              </div>
            </div>
          ))}
        </div>
      );
    case 'table': {
      const columns = asArray<string>(block.columns);
      return (
        <div className="panel-table-wrap">
          <table className="panel-table">
            <thead>
              <tr>
                {columns.map((c, i) => (
                  <th key={i} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {asArray<Cell[]>(block.rows).map((row, i) => (
                <tr key={i}>
                  {asArray<Cell>(row).map((cell, j) => (
                    <td key={j} className={typeof cell === 'number' ? 'num' : undefined}>
                      {fmt(cell)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case 'list':
      return (
        <ul className="panel-list">
          {asArray<{ title: string; subtitle?: string; href?: string }>(block.items).map((it, i) => {
            const href = safeHref(it.href);
            const body = (
              <>
                <span className="panel-list-title">{it.title}</span>
                {it.subtitle && <span className="panel-list-sub">{it.subtitle}</span>}
              </>
            );
            return (
              <li key={i}>
                {href ? (
                  <a href={href} target="_blank" rel="noopener noreferrer">
                    {body}
                  </a>
                ) : (
                  <div>{body}</div>
                )}
              </li>
            );
          })}
        </ul>
      );
    case 'progress':
      return (
        <div className="panel-progress">
          {asArray<{ label: string; value: number; max: number }>(block.items).map((p, i) => {
            const max = Number(p.max) > 0 ? Number(p.max) : 1;
            const pct = Math.max(0, Math.min(100, (Number(p.value) / max) * 100));
            return (
              <div key={i} className="progress-row">
                <div className="progress-head">
                  <span>{p.label}</span>
                  <span>
                    {fmt(p.value)} / {fmt(p.max)}
                  </span>
                </div>
                <div className="progress-track" role="progressbar" aria-label={p.label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={Number(p.value)}>
                  <div className="progress-fill" style={{ width: `${pct}%` }} />
                </div>
              </div>
            );
          })}
        </div>
      );
    case 'text':
      return <p className="panel-text">{String((block as { text?: unknown }).text ?? '')}</p>;
    default:
      console.warn('[arena] unknown panel block type', block.type);
      return null;
  }
}

export function PanelView({ channel }: { channel: Channel }) {
  const state = useWorkspace((s) => s.panels[channel.id]);
  const connection = useWorkspace((s) => s.connection);

  useEffect(() => {
    if (!state && connection === 'connected') void workspace.loadPanel(channel.id);
  }, [state, connection, channel.id]);

  if (!state || (state.loading && !state.panel)) {
    return (
      <div className="panel-view" aria-busy="true">
        <div className="skeleton" />
        <div className="skeleton short" />
      </div>
    );
  }
  if (!state.panel) {
    return (
      <div className="panel-view">
        <div className="empty-state">
          <PanelIcon size={48} />
          <h2>Nothing to show yet</h2>
          <p>{state.error?.code === 'not_found' ? `The ${channel.domain ?? channel.name} panel is on its way.` : 'This panel could not be loaded right now.'}</p>
          {state.error?.code !== 'not_found' && (
            <button className="btn-secondary" onClick={() => void workspace.loadPanel(channel.id)}>
              Try again
            </button>
          )}
        </div>
      </div>
    );
  }
  const data = state.panel.data ?? {};
  const title = typeof data.title === 'string' ? data.title : undefined;
  return (
    <div className="panel-view" data-panel-kind={state.panel.kind} data-panel-version={state.panel.version}>
      {title && <h2 className="panel-title">{title}</h2>}
      {asArray<Block>(data.blocks).map((b, i) => (b && typeof b === 'object' ? <section key={i} className="panel-block"><BlockView block={b} /></section> : null))}
    </div>
  );
}
