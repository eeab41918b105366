//! One's own presence: a select that sends op 3 PRESENCE_UPDATE.
import type { OwnStatus } from '../../lib/realtime/types';
import { workspace, useWorkspace } from '../../workspace/store';

const OPTIONS: { value: OwnStatus; label: string }[] = [
  { value: 'online', label: 'Online' },
  { value: 'idle', label: 'Idle' },
  { value: 'dnd', label: 'Do not disturb' },
  { value: 'invisible', label: 'Invisible' },
];

export function StatusSelector() {
  const status = useWorkspace((s) => s.ownStatus);
  return (
    <select className="status-select" aria-label="Status" value={status} onChange={(e) => workspace.setStatus(e.target.value as OwnStatus)}>
      {OPTIONS.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
