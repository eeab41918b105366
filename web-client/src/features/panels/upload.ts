//! File upload for a form's `file` field: `POST /api/v1/files?name=<filename>`
//! with the file as the raw body, its type as Content-Type and the session's
//! bearer token (refreshed once on 401, as the other REST calls do). Answers
//! 201 `{id, name, content_type, size}`; 413 (too large) and 415 (type not
//! allowed) come back as ApiError with the server's message.
import { ApiError, postBody } from '../../lib/api/http';
import { getAccessToken } from '../../workspace/session';
import type { UploadedFile } from './types';

export async function uploadFile(file: File): Promise<UploadedFile> {
  const path = `/api/v1/files?name=${encodeURIComponent(file.name)}`;
  const type = file.type || 'application/octet-stream';
  const token = await getAccessToken(false).catch(() => {
    throw new ApiError(401, 'unauthorized', 'You are signed out. Log in again.');
  });
  try {
    return await postBody<UploadedFile>(path, file, type, token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    return postBody<UploadedFile>(path, file, type, await getAccessToken(true));
  }
}

/** The text shown for a failed upload: the server's message, with a lead for 413 / 415. */
export function uploadErrorText(err: unknown): string {
  const e = (err ?? {}) as { status?: number; message?: string };
  const msg = typeof e.message === 'string' ? e.message : String(err);
  if (e.status === 413) return `File too large: ${msg}`;
  if (e.status === 415) return `File type not allowed: ${msg}`;
  return `Upload failed: ${msg}`;
}

/** "12.3 kB" for a byte count. */
export function fileSize(bytes: unknown): string {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toLocaleString(undefined, { maximumFractionDigits: 1 })} ${units[i]}`;
}
