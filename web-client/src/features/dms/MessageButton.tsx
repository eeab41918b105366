//! "Message <name>" on a member: opens (or creates) the DM with `dm.open`
//! and goes to it; a refusal (they turned partner DMs off) is shown as the
//! workspace notice.
import type { User } from '../../lib/realtime/types';
import { useWorkspace, workspace } from '../../workspace/store';

export function MessageButton({ user, onOpened, className }: { user: User; onOpened: (key: string) => void; className?: string }) {
  const meId = useWorkspace((s) => s.me?.id);
  if (user.id === meId || user.role === 'bot') return null;
  return (
    <button
      type="button"
      className={className}
      aria-label={`Message ${user.display_name}`}
      title="Message"
      onClick={() => {
        workspace
          .openDm(user.id)
          .then((ch) => onOpened(ch.key))
          .catch((err: Error) => workspace.showNotice(`Could not open a DM with ${user.display_name}: ${err.message}`));
      }}
    >
      <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
        <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2Z" />
      </svg>
    </button>
  );
}
