//! JSON over HTTP to the Arena API (PROTOCOL.md §7). Failures carry the
//! server's `{error: {code, message}}` so callers can show them inline.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** POSTs `body` as JSON (with `Authorization: Bearer <token>` when given) and parses the JSON answer. */
export function postJson<T>(path: string, body: unknown, token?: string): Promise<T> {
  return postBody<T>(path, JSON.stringify(body), 'application/json', token);
}

/** Sends `method` with an optional JSON body and bearer token; parses the JSON answer (GET, PATCH …). */
export function sendJson<T>(method: string, path: string, body: unknown, token?: string): Promise<T> {
  return request<T>(method, path, body === undefined ? undefined : JSON.stringify(body), 'application/json', token);
}

/** POSTs a raw body (a string, or a file as is) with its content type and parses the JSON answer. */
export function postBody<T>(path: string, body: BodyInit, contentType: string, token?: string): Promise<T> {
  return request<T>('POST', path, body, contentType, token);
}

async function request<T>(method: string, path: string, body: BodyInit | undefined, contentType: string, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = contentType;
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body });
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
