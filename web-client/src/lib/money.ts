//! Money from integer minor units (ISO 4217: cents, pence, yen …), never
//! through floating point: amounts become BigInt, the major and minor parts
//! come from integer division by 10^digits, and Intl only lays out the
//! (integer) major part, the sign and the currency code for the locale.

/** An amount in minor units as it may arrive: a JSON number, a decimal string, or a bigint. */
export type MinorUnits = number | bigint | string;

/** The amount as a BigInt, or null when it is not an integer (no rounding, no floats). */
export function toMinorBigInt(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  return null;
}

const CODE = /^[A-Z]{3}$/;
const cache = new Map<string, { nf: Intl.NumberFormat; digits: number; digitChars: string[] } | null>();

/** A currency formatter for `locale` showing the ISO code, with the currency's minor-unit digits. */
function formatter(currency: string, locale: string | undefined) {
  const key = `${locale ?? ''}|${currency}`;
  if (!cache.has(key)) {
    try {
      const nf = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'code' });
      const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
      // The locale's own digits (e.g. Arabic-Indic) for the fraction we write in ourselves.
      const plain = new Intl.NumberFormat(locale, { useGrouping: false });
      const digitChars = Array.from({ length: 10 }, (_, d) => plain.format(d));
      cache.set(key, { nf, digits, digitChars });
    } catch {
      cache.set(key, null);
    }
  }
  return cache.get(key) ?? null;
}

/** Groups an unsigned decimal digit string by thousands with commas. */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Splits minor units into sign, major units and the zero-padded fraction for `digits` decimals. */
export function splitMinor(minor: bigint, digits: number): { negative: boolean; major: bigint; fraction: string } {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const scale = 10n ** BigInt(digits);
  return { negative, major: abs / scale, fraction: digits > 0 ? (abs % scale).toString().padStart(digits, '0') : '' };
}

/**
 * Formats an amount in minor units with its currency code, e.g.
 * `formatMinor(305000, 'USD')` → "USD 3,050.00" (en-US) or "3.050,00 USD" (de-DE).
 * Exact for any integer size (BigInt); a non-integer amount is shown as given,
 * never rounded. An invalid currency code formats with two decimals and no code.
 */
export function formatMinor(amountMinor: unknown, currency: unknown, locale?: string): string {
  const code = typeof currency === 'string' && CODE.test(currency) ? currency : undefined;
  const minor = toMinorBigInt(amountMinor);
  if (minor === null) return [amountMinor === null || amountMinor === undefined ? '—' : String(amountMinor), code].filter(Boolean).join(' ');
  const f = code ? formatter(code, locale) : null;
  if (!f) {
    const { negative, major, fraction } = splitMinor(minor, 2);
    return `${negative ? '-' : ''}${group(major.toString())}.${fraction}${code ? ` ${code}` : ''}`;
  }
  const { negative, major, fraction } = splitMinor(minor, f.digits);
  // Lay out a stand-in with the right sign and integer part (−1 for −0.xx,
  // since a BigInt has no −0), then write the exact digits in.
  const parts = f.nf.formatToParts(negative ? -(major === 0n ? 1n : major) : major);
  const localFraction = Array.from(fraction, (d) => f.digitChars[Number(d)]).join('');
  return parts
    .map((p) => {
      if (p.type === 'integer' && negative && major === 0n) return f.digitChars[0];
      if (p.type === 'fraction') return localFraction;
      return p.value;
    })
    .join('');
}

/** How many minor-unit digits a currency has (USD 2, JPY 0, BHD 3); 2 for an unknown code. */
export function minorDigits(currency: unknown): number {
  const code = typeof currency === 'string' && CODE.test(currency) ? currency : undefined;
  return (code ? formatter(code, undefined)?.digits : undefined) ?? 2;
}

/**
 * Reads a decimal amount typed in major units ("1,234.5", "1234.56", "12")
 * as integer minor units of `currency`, exactly (string arithmetic, no float).
 * Null when it is not a plain decimal or has more decimals than the currency.
 * Commas, spaces and apostrophes are taken as grouping; "." is the decimal point.
 */
export function parseMajorToMinor(text: string, currency: unknown): bigint | null {
  const t = text.trim().replace(/[,\s'\u00a0]/g, '');
  const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (!m[2] && !m[3])) return null;
  const digits = minorDigits(currency);
  const frac = m[3] ?? '';
  if (frac.length > digits) return null;
  const minor = BigInt((m[2] || '0') + frac.padEnd(digits, '0'));
  return m[1] ? -minor : minor;
}

/** Minor units as a plain decimal for an input field ("1234.50" for 123450 USD); '' when not an integer. */
export function minorToMajorText(amountMinor: unknown, currency: unknown): string {
  const minor = toMinorBigInt(amountMinor);
  if (minor === null) return '';
  const { negative, major, fraction } = splitMinor(minor, minorDigits(currency));
  return `${negative ? '-' : ''}${major}${fraction ? `.${fraction}` : ''}`;
}
