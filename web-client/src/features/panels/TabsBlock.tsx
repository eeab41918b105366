//! `tabs`: `{tabs: [{id, title, blocks}]}`, one tab shown at a time (the
//! first at first) with a WAI-ARIA tab list (arrow keys move between tabs).
//! A tab's blocks render like the panel's own; tabs are not nested.
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { BlockView } from './BlockView';
import { asArray, asObject, asString, type BlockContext } from './types';

interface Tab {
  id: string;
  title: string;
  blocks: Record<string, unknown>[];
}

/** The block's tabs; a tab without an id is dropped, nested tabs are left out. */
export function readTabs(v: unknown): Tab[] {
  return asArray<unknown>(v)
    .map((t) => asObject(t))
    .filter((t) => asString(t.id) !== '')
    .map((t) => ({
      id: asString(t.id),
      title: asString(t.title) || asString(t.id),
      blocks: asArray<unknown>(t.blocks).map(asObject).filter((b) => b.type !== 'tabs'),
    }));
}

export function TabsBlock({ block, ctx }: { block: Record<string, unknown>; ctx: BlockContext }) {
  const tabs = readTabs(block.tabs);
  const [current, setCurrent] = useState(0);
  const base = useId();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  if (tabs.length === 0) return null;
  const index = Math.min(current, tabs.length - 1);
  const tab = tabs[index];
  const onKey = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (index + step + tabs.length) % tabs.length;
    setCurrent(next);
    refs.current[next]?.focus();
  };
  return (
    <div className="panel-tabs">
      <div className="panel-tab-list" role="tablist" onKeyDown={onKey}>
        {tabs.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${t.id}`}
            aria-selected={i === index}
            aria-controls={`${base}-panel-${t.id}`}
            tabIndex={i === index ? 0 : -1}
            className={i === index ? 'panel-tab active' : 'panel-tab'}
            data-tab={t.id}
            onClick={() => setCurrent(i)}
          >
            {t.title}
          </button>
        ))}
      </div>
      <div className="panel-tab-body" role="tabpanel" id={`${base}-panel-${tab.id}`} aria-labelledby={`${base}-tab-${tab.id}`}>
        {tab.blocks.map((b, i) => (
          <BlockView key={`${tab.id}-${i}`} block={b} ctx={ctx} />
        ))}
      </div>
    </div>
  );
}
