//! A confirmation over the admin screen: the question, Cancel and a confirm button.
export function ConfirmDialog({ text, confirmLabel = 'Confirm', onConfirm, onCancel }: { text: string; confirmLabel?: string; onConfirm: () => void; onCancel: () => void }) {
  return (
    <div className="acct-overlay">
      <div className="acct-dialog" role="alertdialog" aria-modal="true" aria-label="Confirm">
        <div className="acct-dialog-body">
          <p>{text}</p>
          <div className="acct-row">
            <button type="button" className="btn-secondary" onClick={onCancel}>
              Cancel
            </button>
            <button type="button" className="btn-accent" autoFocus onClick={onConfirm}>
              {confirmLabel}
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}
