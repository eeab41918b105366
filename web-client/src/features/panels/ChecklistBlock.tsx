//! `checklist`: items with a done state drawn as a checkbox. An item with an
//! `action` is a button (role checkbox) that sends it; an `auto` item ticks
//! itself from events and says so; `done_at` is shown in the viewer's locale.
import { ActionButton } from './ActionButton';
import { formatValue } from './format';
import { asArray, asObject, asString, readButton, type BlockContext } from './types';

function Box({ done }: { done: boolean }) {
  return (
    <span className={`check-box${done ? ' checked' : ''}`} aria-hidden="true">
      {done ? '✓' : ''}
    </span>
  );
}

export function ChecklistBlock({ items, ctx }: { items: unknown; ctx: BlockContext }) {
  const list = asArray<unknown>(items).map(asObject);
  if (list.length === 0) return <p className="panel-empty-note">Nothing here yet.</p>;
  const done = list.filter((it) => it.done === true).length;
  return (
    <div className="panel-checklist">
      <p className="checklist-count">
        {done} of {list.length} done
      </p>
      <ul>
        {list.map((it, i) => {
          const isDone = it.done === true;
          const label = asString(it.label);
          const doneAt = asString(it.done_at);
          const hint = asString(it.hint);
          const auto = it.auto === true;
          const button = auto ? null : readButton(it.action);
          const text = (
            <span className="checklist-text">
              <span className="checklist-label">{label}</span>
              {isDone && doneAt && (
                <time className="checklist-when" dateTime={doneAt} title={doneAt}>
                  {formatValue(doneAt)}
                </time>
              )}
              {hint && <span className="checklist-hint">{hint}</span>}
              {auto && <span className="checklist-auto">ticks itself</span>}
            </span>
          );
          return (
            <li key={asString(it.id) || i} className={`checklist-item${isDone ? ' done' : ''}${auto ? ' auto' : ''}`} data-item={asString(it.id)}>
              {button ? (
                <ActionButton
                  button={button}
                  ctx={ctx}
                  className="checklist-toggle"
                  buttonProps={{ role: 'checkbox', 'aria-checked': isDone, title: button.label }}
                >
                  <Box done={isDone} />
                  {text}
                </ActionButton>
              ) : (
                <div className="checklist-static" role="checkbox" aria-checked={isDone} aria-disabled="true">
                  <Box done={isDone} />
                  {text}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
