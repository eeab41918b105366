//! How panel values are shown: numbers grouped, timestamps in the viewer's
//! locale, money from minor units, badges for a "Status" column, safe links.
import { formatMinor } from '../../lib/money';

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

/** RFC 3339 date-times and plain dates, as the server writes timestamps and days. */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
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

/** A figure, progress or card amount: minor units with a `currency` become money, else a grouped number plus `unit`. */
export function amount(v: unknown, currency?: unknown, unit?: unknown): string {
  if (typeof currency === 'string' && currency) return formatMinor(v, currency);
  const text = formatValue(v);
  return typeof unit === 'string' && unit ? `${text} ${unit}` : text;
}

/** A column that holds a status (by name): its cells become badges. */
export const isStatusColumn = (name: unknown) => typeof name === 'string' && name.trim().toLowerCase() === 'status';

export const slug = (v: unknown) =>
  String(v ?? '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Cells shown right-aligned: numbers and amounts the server formatted. */
export const numeric = (cell: unknown) => typeof cell === 'number' || (typeof cell === 'string' && MONEY_TEXT.test(cell));

let relFmt: Intl.RelativeTimeFormat | undefined;
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** "5 minutes ago" / "in 2 days" in the viewer's locale ("now" under 45 s); '' for a bad timestamp. */
export function relativeTime(iso: unknown, now = Date.now()): string {
  const t = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  let v = (t - now) / 1000;
  if (Math.abs(v) < 45) return (relFmt ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })).format(0, 'second');
  for (const [unit, size] of STEPS) {
    if (Math.abs(v) < size) return (relFmt ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })).format(Math.round(v), unit);
    v /= size;
  }
  return '';
}
