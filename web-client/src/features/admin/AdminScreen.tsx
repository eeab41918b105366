//! The staff console: Members (directory + invites) and Workspace settings.
//! `AdminButton` is its one entry in the shell, shown to staff and admins.
import { useState } from 'react';
import { useWorkspace } from '../../workspace/store';
import { Dialog } from '../account/Dialog';
import '../account/account.css';
import { InvitesPanel } from './Invites';
import { StaffDirectory } from './StaffDirectory';
import { WorkspaceSettings } from './WorkspaceSettings';

type Tab = 'members' | 'settings';

export function AdminScreen({ actor, onClose }: { actor: { id: string; role: string }; onClose: () => void }) {
  const [tab, setTab] = useState<Tab>('members');
  return (
    <Dialog title="Member directory" onClose={onClose} wide>
      <div className="acct-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'members'} className={tab === 'members' ? 'active' : ''} onClick={() => setTab('members')}>
          People
        </button>
        <button type="button" role="tab" aria-selected={tab === 'settings'} className={tab === 'settings' ? 'active' : ''} onClick={() => setTab('settings')}>
          Workspace settings
        </button>
      </div>
      {tab === 'members' ? (
        <>
          <StaffDirectory actor={actor} />
          <InvitesPanel actorRole={actor.role} />
        </>
      ) : (
        <WorkspaceSettings canEdit={actor.role === 'admin'} />
      )}
    </Dialog>
  );
}

/** The shell's entry to the staff console; renders nothing for partners. */
export function AdminButton() {
  const me = useWorkspace((s) => s.me);
  const [open, setOpen] = useState(false);
  if (!me || (me.role !== 'staff' && me.role !== 'admin')) return null;
  return (
    <>
      <button type="button" className="btn-secondary admin-entry" onClick={() => setOpen(true)}>
        Member directory
      </button>
      {open && <AdminScreen actor={{ id: me.id, role: me.role }} onClose={() => setOpen(false)} />}
    </>
  );
}
