//! The partners' entry to the public member directory: an icon button in the
//! sidebar's workspace header (in the drawer on phones, where the channel
//! header has no room).
//! Partners cannot read the tenant's settings, so the button asks the
//! directory itself (one member) when the workspace opens: a 403 (the tenant's
//! `partner_directory` is off) hides it; other failures leave it shown (the
//! view explains itself). If the setting goes off while the view is open, the
//! view says so and the button goes when it is closed. Staff and admins get
//! the console's button (features/admin) instead: this renders nothing for them.
import { useCallback, useEffect, useState } from 'react';
import { useWorkspace } from '../../workspace/store';
import { listMembers } from '../admin/api';
import { isClosed, PublicDirectory } from './PublicDirectory';

export function DirectoryButton({ onOpenDm }: { onOpenDm: (key: string) => void }) {
  const me = useWorkspace((s) => s.me);
  const partner = me?.role === 'partner';
  const [available, setAvailable] = useState<boolean | null>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!partner) return;
    let live = true;
    listMembers({ limit: 1 }).then(
      () => live && setAvailable(true),
      (err) => live && setAvailable(!isClosed(err)),
    );
    return () => {
      live = false;
    };
  }, [partner, me?.id]);
  const closedByTenant = useCallback(() => setAvailable(false), []);
  if (!partner) return null;
  return (
    <>
      {available && (
        <button type="button" className="icon-btn" aria-label="Member directory" title="Member directory" onClick={() => setOpen(true)}>
          <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
            <rect x="4" y="3" width="16" height="18" rx="2" />
            <circle cx="12" cy="10" r="3" />
            <path d="M7.5 17a4.5 4.5 0 0 1 9 0" />
          </svg>
        </button>
      )}
      {open && (
        <PublicDirectory
          onClose={() => setOpen(false)}
          onClosedByTenant={closedByTenant}
          onOpenDm={(key) => {
            setOpen(false);
            onOpenDm(key);
          }}
        />
      )}
    </>
  );
}
