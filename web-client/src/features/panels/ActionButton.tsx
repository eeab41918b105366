//! One panel Button: primary / danger / plain look, an optional confirmation
//! (an inline alert dialog with Confirm / Cancel, Escape cancels), disabled
//! while its `panel.action` is pending, the server's error shown beside it.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useAction } from './useAction';
import type { BlockContext, Button } from './types';

export const buttonClass = (style: Button['style']) => (style === 'primary' ? 'btn-accent' : style === 'danger' ? 'btn-danger' : 'btn-secondary');

/** Inline error under a block or control; `role="alert"` so screen readers hear it. */
export function ActionError({ error }: { error: string | null }) {
  return error ? (
    <div className="panel-action-error" role="alert">
      {error}
    </div>
  ) : null;
}

/** Asks `question` before an action; focus starts on Cancel (the safe choice). */
export function ConfirmDialog({ question, confirmLabel, danger, onConfirm, onCancel }: { question: string; confirmLabel: string; danger?: boolean; onConfirm: () => void; onCancel: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="panel-confirm" role="alertdialog" aria-modal="false" aria-labelledby={id} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p id={id}>{question}</p>
      <div className="panel-confirm-buttons">
        <button type="button" className={danger ? 'btn-danger' : 'btn-accent'} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" ref={cancel} className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/**
 * A Button that sends its action. `children` replaces the label inside the
 * button (a checklist box), `buttonProps` adds attributes (role, aria-*),
 * `params` overrides the Button's own (row ids).
 */
export function ActionButton({
  button,
  ctx,
  className,
  children,
  buttonProps,
}: {
  button: Button;
  ctx: BlockContext;
  className?: string;
  children?: ReactNode;
  buttonProps?: Record<string, unknown>;
}) {
  const { pending, error, run } = useAction(ctx.act);
  const [asking, setAsking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const send = () => void run(button.action, button.params ?? {});
  const press = () => (button.confirm ? setAsking(true) : send());
  const close = () => {
    setAsking(false);
    trigger.current?.focus();
  };
  return (
    <span className="panel-action" data-action={button.action}>
      <button
        type="button"
        ref={trigger}
        className={className ?? buttonClass(button.style)}
        disabled={pending}
        aria-busy={pending || undefined}
        aria-expanded={button.confirm ? asking : undefined}
        onClick={press}
        {...buttonProps}
      >
        {pending && <span className="spinner" aria-hidden="true" />}
        {children ?? button.label}
      </button>
      {asking && (
        <ConfirmDialog
          question={button.confirm ?? ''}
          confirmLabel={button.label}
          danger={button.style === 'danger'}
          onConfirm={() => {
            close();
            send();
          }}
          onCancel={close}
        />
      )}
      <ActionError error={error} />
    </span>
  );
}
