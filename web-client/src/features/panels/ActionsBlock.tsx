//! `actions`: a row of buttons, each sending `panel.action {action, params}`.
import { ActionButton } from './ActionButton';
import { asArray, readButton, type BlockContext, type Button } from './types';

export function ActionsBlock({ items, ctx }: { items: unknown; ctx: BlockContext }) {
  const buttons = asArray<unknown>(items).map(readButton).filter((b): b is Button => b !== null);
  if (buttons.length === 0) return null;
  return (
    <div className="panel-actions" role="group" aria-label="Actions">
      {buttons.map((b, i) => (
        <ActionButton key={`${b.action}-${i}`} button={b} ctx={ctx} />
      ))}
    </div>
  );
}
