//! A `panel.action` answer may carry `download: {filename, content_type,
//! content}` (text, e.g. a Markdown plan): it is offered as a file to save
//! through an object URL on a temporary `<a download>`, revoked right after.

export interface Download {
  filename: string;
  contentType: string;
  content: string;
}

/** The answer's `download`, or null when it has none (or no text content). */
export function readDownload(answer: unknown): Download | null {
  const d = answer && typeof answer === 'object' ? (answer as { download?: unknown }).download : undefined;
  if (!d || typeof d !== 'object') return null;
  const { filename, content_type, content } = d as Record<string, unknown>;
  if (typeof content !== 'string') return null;
  // The name only: no directories, no control characters.
  const name = typeof filename === 'string' ? filename.replace(/[\u0000-\u001f\u007f/\\]+/g, '_').trim() : '';
  return {
    filename: name && name !== '.' && name !== '..' ? name : 'download.txt',
    contentType: typeof content_type === 'string' && content_type ? content_type : 'text/plain',
    content,
  };
}

/** Saves the answer's download, if any; true when one was offered. */
export function offerDownload(answer: unknown): boolean {
  const d = readDownload(answer);
  if (!d) return false;
  const url = URL.createObjectURL(new Blob([d.content], { type: d.contentType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = d.filename;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // After the click has started the download (revoking at once can cancel it in some browsers).
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  return true;
}
