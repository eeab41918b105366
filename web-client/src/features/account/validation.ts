//! Pure checks and formatting for the account forms. The limits are the
//! server's (docs/protocol.md "Own account"): display name 1..64 characters,
//! bio up to 190, passwords 8..1024 (NIST SP 800-63B §3.1.1.2).

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;
export const MAX_NAME = 64;
export const MAX_BIO = 190;
/** Largest avatar the server takes, bytes (1 MiB). */
export const MAX_AVATAR_BYTES = 1024 * 1024;
export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

const chars = (s: string) => [...s].length;

/** The first problem with a new password and its confirmation, or null. */
export function passwordProblem(password: string, confirm: string): string | null {
  if (chars(password) < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (chars(password) > MAX_PASSWORD) return `Use at most ${MAX_PASSWORD} characters.`;
  if (password !== confirm) return 'The passwords do not match.';
  return null;
}

/** The first problem with a profile (name trimmed), or null. */
export function profileProblem(displayName: string, bio: string): string | null {
  const n = chars(displayName.trim());
  if (n < 1) return 'Enter a display name.';
  if (n > MAX_NAME) return `The display name is at most ${MAX_NAME} characters.`;
  if (chars(bio) > MAX_BIO) return `The bio is at most ${MAX_BIO} characters.`;
  return null;
}

/** Why an avatar file would be refused, or null. */
export function avatarProblem(file: { type: string; size: number }): string | null {
  if (!AVATAR_TYPES.includes(file.type)) return 'Choose a PNG, JPEG or WebP image.';
  if (file.size > MAX_AVATAR_BYTES) return 'The image is larger than 1 MiB.';
  return null;
}

/** A 6-digit TOTP code after removing spaces, or null. */
export function totpCode(input: string): string | null {
  const c = input.replace(/\s+/g, '');
  return /^\d{6}$/.test(c) ? c : null;
}

/** The recovery codes as a text file: a header, one numbered code a line. */
export function recoveryCodesText(codes: string[], account: string, when = new Date()): string {
  const lines = codes.map((c, i) => `${String(i + 1).padStart(2, ' ')}. ${c}`);
  return [`Arena recovery codes for ${account}`, `Created ${when.toISOString()}`, 'Each code signs you in once.', '', ...lines, ''].join('\n');
}

/** The secret in groups of four for typing by hand ("JBSW Y3DP …"). */
export function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** IANA time zones of this browser (Intl.supportedValuesOf), with `current` kept if missing. */
export function timeZones(current: string | null): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    zones = [];
  }
  if (!zones.includes('UTC')) zones = ['UTC', ...zones];
  if (current && !zones.includes(current)) zones = [current, ...zones];
  return zones;
}
