//! `preview`: a same-origin page (a landing page) in a frame with every
//! sandbox restriction (no scripts, forms, popups or same-origin access) and
//! no referrer, plus an "Open" link. A url not starting with "/" is never
//! framed: it is shown as a link only.
import { safeHref } from './format';
import { asString } from './types';

const sameOrigin = (url: string) => url.startsWith('/') && !url.startsWith('//');

export function PreviewBlock({ block }: { block: Record<string, unknown> }) {
  const url = asString(block.url);
  const title = asString(block.title) || 'Preview';
  const href = safeHref(url);
  const h = Number(block.height);
  const height = Number.isFinite(h) && h >= 120 && h <= 2000 ? h : 360;
  if (!href) return <p className="panel-empty-note">Nothing to preview yet.</p>;
  return (
    <figure className="panel-preview">
      <figcaption className="preview-head">
        <span className="preview-title">{title}</span>
        <a className="btn-secondary preview-open" href={href} target="_blank" rel="noopener noreferrer">
          Open
        </a>
      </figcaption>
      {sameOrigin(url) ? (
        <iframe className="preview-frame" src={href} title={title} sandbox="" referrerPolicy="no-referrer" loading="lazy" style={{ height }} />
      ) : (
        <p className="panel-empty-note">This page opens in a new tab: {url}</p>
      )}
    </figure>
  );
}
