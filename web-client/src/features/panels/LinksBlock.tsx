//! `links`: shareable urls (referral links), each with its label, the full
//! url (a "/" path resolved against this page's origin), a Copy button, an
//! optional note and, with `qr_url`, a QR button that shows the code (kept
//! folded so a list of links stays compact).
import { useId, useState } from 'react';
import { CopyButton } from './CopyButton';
import { safeHref } from './format';
import { asArray, asObject, asString } from './types';

/** A "/" path as an absolute url on this origin; anything else as given. */
export const absoluteUrl = (url: string) => (url.startsWith('/') && !url.startsWith('//') ? `${location.origin}${url}` : url);

function LinkItem({ label, url, qr, note }: { label: string; url: string; qr?: string; note: string }) {
  const [showQr, setShowQr] = useState(false);
  const qrId = useId();
  const href = safeHref(url);
  return (
    <li className="link-item">
      <div className="link-main">
        <span className="link-label">{label}</span>
        {href ? (
          <a className="link-url" href={href} target="_blank" rel="noopener noreferrer">
            {url}
          </a>
        ) : (
          <span className="link-url">{url}</span>
        )}
        {note && <span className="link-note">{note}</span>}
      </div>
      <div className="link-buttons">
        <CopyButton text={url} label={label} />
        {qr && (
          <button type="button" className="btn-secondary" aria-expanded={showQr} aria-controls={qrId} aria-label={`QR code for ${label}`} onClick={() => setShowQr((s) => !s)}>
            QR
          </button>
        )}
      </div>
      {qr && showQr && (
        <div id={qrId} className="link-qr">
          <img src={qr} alt={`QR code for ${label}: ${url}`} width={160} height={160} />
        </div>
      )}
    </li>
  );
}

export function LinksBlock({ items: raw }: { items: unknown }) {
  const items = asArray<unknown>(raw)
    .map(asObject)
    .filter((it) => asString(it.url));
  if (items.length === 0) return <p className="panel-empty-note">No links yet.</p>;
  return (
    <ul className="panel-links">
      {items.map((it, i) => {
        const url = absoluteUrl(asString(it.url));
        return <LinkItem key={i} label={asString(it.label) || url} url={url} qr={safeHref(it.qr_url)} note={asString(it.note)} />;
      })}
    </ul>
  );
}
