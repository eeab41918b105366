//! HTTP auth calls (PROTOCOL.md §7): login and refresh. Errors carry the
//! server's `{error:{code,message}}` so the login form can show them inline.

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  /** Access token lifetime in seconds. */
  expires_in: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function postJson<T>(path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'unavailable', 'Cannot reach the server. Check your connection and try again.');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* non-JSON body */
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'internal', err?.message ?? `Request failed (${res.status})`);
  }
  return json as T;
}

export function login(tenant: string, email: string, password: string): Promise<TokenPair> {
  return postJson('/api/v1/auth/login', { tenant, email, password });
}

export function refresh(refreshToken: string): Promise<TokenPair> {
  return postJson('/api/v1/auth/refresh', { refresh_token: refreshToken });
}
