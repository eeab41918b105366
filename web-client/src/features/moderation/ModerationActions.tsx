//! "Time out" and "Kick" for a member, shown only to staff and admins and
//! only on members of a lower rank (lib/ranks.ts; the server checks too).
import { useState } from 'react';
import { canModerate } from '../../lib/ranks';
import type { User } from '../../lib/realtime/types';
import { useWorkspace } from '../../workspace/store';
import { KickDialog } from './KickDialog';
import { TimeoutDialog } from './TimeoutDialog';

export function ModerationActions({ target, className }: { target: User; className?: string }) {
  const me = useWorkspace((s) => s.me);
  // The member list's copy is the freshest role (MEMBER_UPDATE).
  const current = useWorkspace((s) => s.members[target.id]) ?? target;
  const [open, setOpen] = useState<'timeout' | 'kick' | null>(null);
  if (!canModerate(me, current)) return null;
  return (
    <>
      <button type="button" className={className} aria-label={`Time out ${current.display_name}`} title="Time out" onClick={() => setOpen('timeout')}>
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
          <path fill="currentColor" d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16Zm.5-13H11v6l5.2 3.2.8-1.3-4.5-2.7V7Z" />
        </svg>
      </button>
      <button type="button" className={`${className ?? ''} danger`} aria-label={`Kick ${current.display_name}`} title="Kick" onClick={() => setOpen('kick')}>
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
          <path fill="currentColor" d="M10 4a4 4 0 1 1 0 8 4 4 0 0 1 0-8Zm0 10c4.4 0 8 1.8 8 4v2H2v-2c0-2.2 3.6-4 8-4Zm8.6-7.4L20 8l1.4-1.4 1.4 1.4L21.4 9.4l1.4 1.4-1.4 1.4L20 10.8l-1.4 1.4-1.4-1.4 1.4-1.4-1.4-1.4 1.4-1.4Z" />
        </svg>
      </button>
      {open === 'timeout' && <TimeoutDialog target={current} onClose={() => setOpen(null)} />}
      {open === 'kick' && <KickDialog target={current} onClose={() => setOpen(null)} />}
    </>
  );
}
