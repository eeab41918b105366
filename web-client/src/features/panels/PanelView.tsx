//! Generic panel renderer for panel channels: `data = {title?, blocks: [...]}`
//! with figures, table, list, progress and text blocks. Unknown block types
//! render nothing (and are logged); a panel.get error shows an empty state.
//! Nothing here knows a particular panel: a "Status" column shows badges, an
//! empty table a friendly row, timestamps the viewer's locale, and items with a
//! `currency` are amounts in minor units. The app may pass `tableActions` to add
//! a per-row actions column (the revenue feature's staff actions).
import { useEffect, type ReactNode } from 'react';
import { PanelIcon } from '../../components/Icons';
import { formatMinor } from '../../lib/money';
import type { Channel } from '../../lib/realtime/types';
import { useWorkspace, workspace } from '../../workspace/store';

export type Cell = string | number;
/** Block shapes (docs/protocol.md "Panel data"); `currency` (optional) marks values in minor units. */
type Block =
  | { type: 'figures'; items: { label: string; value: Cell; unit?: string; currency?: string }[] }
  | { type: 'table'; columns: string[]; rows: Cell[][] }
  | { type: 'list'; items: { title: string; subtitle?: string; href?: string }[] }
  | { type: 'progress'; items: { label: string; value: Cell; max: Cell; unit?: string; currency?: string }[] }
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

/** RFC 3339 date-times and plain dates, as the server writes timestamps and days. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** Amounts the server already formatted, e.g. "4,800.00 USD" or "1.00 EUR + 2.50 USD". */
const MONEY_TEXT = /^-?[\d,.' ]*\d [A-Z]{3}( \+ -?[\d,.' ]*\d [A-Z]{3})*$/;

let dateTimeFmt: Intl.DateTimeFormat | undefined;
let dateFmt: Intl.DateTimeFormat | undefined;

/** Shows a cell or figure value: numbers grouped, timestamps in the viewer's locale, text as is. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return v.toLocaleString();
  if (typeof v !== 'string') return v === null || v === undefined ? '' : String(v);
  if (DATE_TIME.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return (dateTimeFmt ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })).format(t);
  }
  if (DATE_ONLY.test(v)) {
    const t = Date.parse(`${v}T00:00:00Z`);
    if (Number.isFinite(t)) return (dateFmt ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' })).format(t);
  }
  return v;
}

/** A figure or progress amount: minor units with a `currency` become money, else a grouped number plus `unit`. */
function amount(v: unknown, currency?: unknown, unit?: unknown): string {
  if (typeof currency === 'string' && currency) return formatMinor(v, currency);
  const text = formatValue(v);
  return typeof unit === 'string' && unit ? `${text} ${unit}` : text;
}

/** A column that holds a status (by name): its cells become badges. */
export const isStatusColumn = (name: unknown) => typeof name === 'string' && name.trim().toLowerCase() === 'status';
const slug = (v: unknown) =>
  String(v ?? '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

function CellView({ column, cell }: { column: string; cell: Cell }) {
  if (isStatusColumn(column) && cell !== '' && cell !== null && cell !== undefined) {
    const s = slug(cell);
    return (
      <span className={`status-badge status-${s}`} data-status={s}>
        {String(cell)}
      </span>
    );
  }
  const text = formatValue(cell);
  if (typeof cell === 'string' && text !== cell) return <time dateTime={cell} title={cell}>{text}</time>;
  return <>{text}</>;
}

const numeric = (cell: unknown) => typeof cell === 'number' || (typeof cell === 'string' && MONEY_TEXT.test(cell));

/** What a table looks like to an extension that adds a trailing actions column. */
export interface PanelTable {
  /** The panel's kind, e.g. "revenue.overview". */
  kind: string;
  columns: string[];
  rows: Cell[][];
  /** Loads the panel again (for an extension whose change did not come back as PANEL_UPDATE). */
  reload: () => void;
}

/**
 * An optional extension composed in by the app: given a table, either null
 * (no actions for it) or a renderer of each row's actions cell.
 */
export type TableActions = (table: PanelTable) => ((row: Cell[], index: number) => ReactNode) | null;

interface BlockContext {
  kind: string;
  reload: () => void;
  tableActions?: TableActions;
}

function TableBlock({ columns, rows, ctx }: { columns: string[]; rows: Cell[][]; ctx: BlockContext }) {
  const actions = ctx.tableActions?.({ kind: ctx.kind, columns, rows, reload: ctx.reload }) ?? null;
  const span = Math.max(1, columns.length + (actions ? 1 : 0));
  return (
    <div className="panel-table-wrap">
      <table className="panel-table">
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={isStatusColumn(c) ? 'status-col' : undefined}>
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col" className="actions-col">
                Actions
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr className="panel-table-empty">
              <td colSpan={span}>Nothing here yet.</td>
            </tr>
          ) : (
            rows.map((row, i) => {
              const cells = asArray<Cell>(row);
              return (
                <tr key={i}>
                  {cells.map((cell, j) => (
                    <td key={j} className={numeric(cell) ? 'num' : undefined}>
                      <CellView column={columns[j] ?? ''} cell={cell} />
                    </td>
                  ))}
                  {/* Short rows keep the actions column aligned. */}
                  {actions && cells.length < columns.length && <td colSpan={columns.length - cells.length} />}
                  {actions && <td className="actions-cell">{actions(cells, i)}</td>}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}

interface ProgressItem {
  label: string;
  value: Cell;
  max: Cell;
  unit?: string;
  currency?: string;
}

function ProgressBlock({ items }: { items: ProgressItem[] }) {
  return (
    <div className="panel-progress">
      {items.map((p, i) => {
        const value = Number(p.value);
        const max = Number(p.max);
        // Only the bar's width is a float; the numbers shown are formatted from the integers given.
        const ratio = max > 0 && Number.isFinite(value) ? value / max : value > 0 ? 1 : 0;
        const pct = Math.max(0, Math.min(100, ratio * 100));
        const shown = `${amount(p.value, p.currency, p.unit)} / ${amount(p.max, p.currency, p.unit)}`;
        return (
          <div key={i} className="progress-row">
            <div className="progress-head">
              <span className="progress-label">{p.label}</span>
              <span className="progress-value">
                {shown} <span className="progress-pct">({Math.floor(pct)}%)</span>
              </span>
            </div>
            <div
              className="progress-track"
              role="progressbar"
              aria-label={String(p.label ?? '')}
              aria-valuemin={0}
              aria-valuemax={max > 0 ? max : 1}
              aria-valuenow={Number.isFinite(value) ? Math.max(0, Math.min(value, max > 0 ? max : 1)) : 0}
              aria-valuetext={shown}
            >
              <div className="progress-fill" style={{ width: `${Math.round(pct * 100) / 100}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}

function BlockView({ block, ctx }: { block: Block; ctx: BlockContext }) {
  switch (block.type) {
    case 'figures':
      return (
        <div className="panel-figures">
          {asArray<{ label: string; value: Cell; unit?: string; currency?: string }>(block.items).map((f, i) => (
            <div key={i} className="figure">
              <div className="figure-label">{f.label}</div>
              <div className="figure-value">
                {f.currency ? formatMinor(f.value, f.currency) : formatValue(f.value)}
                {f.unit && !f.currency && <span className="figure-unit"> {f.unit}</span>}
              </div>
            </div>
          ))}
        </div>
      );
    case 'table':
      return <TableBlock columns={asArray<string>(block.columns).map(String)} rows={asArray<Cell[]>(block.rows)} ctx={ctx} />;
    case 'list': {
      const items = asArray<{ title: string; subtitle?: string; href?: string }>(block.items);
      if (items.length === 0) return <p className="panel-empty-note">Nothing here yet.</p>;
      return (
        <ul className="panel-list">
          {items.map((it, i) => {
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
    }
    case 'progress':
      return <ProgressBlock items={asArray<ProgressItem>(block.items)} />;
    case 'text':
      return <p className="panel-text">{String((block as { text?: unknown }).text ?? '')}</p>;
    default:
      console.warn('[arena] unknown panel block type', block.type);
      return null;
  }
}

/** A panel's `data` (`{title?, blocks}`) as markup; pure, so it renders anywhere (tests render it to a string). */
export function PanelBody({ kind, data, tableActions, reload = () => {} }: { kind: string; data: Record<string, unknown>; tableActions?: TableActions; reload?: () => void }) {
  const title = typeof data.title === 'string' ? data.title : undefined;
  const ctx: BlockContext = { kind, reload, tableActions };
  return (
    <>
      {title && <h2 className="panel-title">{title}</h2>}
      {asArray<Block>(data.blocks).map((b, i) =>
        b && typeof b === 'object' ? (
          <section key={i} className={`panel-block panel-block-${slug(b.type)}`}>
            <BlockView block={b} ctx={ctx} />
          </section>
        ) : null,
      )}
    </>
  );
}

/** A panel channel: loads the panel, then renders it; `tableActions` adds a per-row actions column (composed in by the app). */
export function PanelView({ channel, tableActions }: { channel: Channel; tableActions?: TableActions }) {
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
  return (
    <div className="panel-view" data-panel-kind={state.panel.kind} data-panel-version={state.panel.version}>
      <PanelBody kind={state.panel.kind} data={state.panel.data ?? {}} tableActions={tableActions} reload={() => void workspace.loadPanel(channel.id)} />
    </div>
  );
}
