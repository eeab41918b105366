//! `list`: titled items, linked when `href` is http(s) or a same-origin path.
import { safeHref } from './format';
import { asArray } from './types';

export function ListBlock({ items: raw }: { items: unknown }) {
  const items = asArray<{ title: string; subtitle?: string; href?: string }>(raw);
  if (items.length === 0) return <p className="panel-empty-note">Nothing here yet.</p>;
  return (
    <ul className="panel-list">
      {items.map((it, i) => {
        const href = safeHref(it.href);
        const body = (
          <>
            <span className="panel-list-title">{it.title}</span>
            {it.subtitle && <span className="panel-list-sub">{it.subtitle}</span>}
          </>
        );
        return (
          <li key={i}>
            {href ? (
              <a href={href} target="_blank" rel="noopener noreferrer">
                {body}
              </a>
            ) : (
              <div>{body}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
