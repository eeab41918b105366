//! Snowflake helpers: ids are decimal strings that sort by creation time.

/** Compares two decimal id strings numerically without BigInt allocation. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A client-generated nonce for message.create, to match the echo to the pending message. */
export function makeNonce(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
