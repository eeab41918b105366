//! The @-autocomplete above the composer: matching members, the highlighted
//! one moved with the arrow keys (the composer handles keys and passes
//! `active`); a click picks one.
import { Avatar } from '../../components/Avatar';
import type { User } from '../../lib/realtime/types';

export function MentionPicker({ options, active, onPick }: { options: User[]; active: number; onPick: (u: User) => void }) {
  if (options.length === 0) return null;
  return (
    <ul className="mention-picker" role="listbox" id="mention-picker" aria-label="Members to mention">
      {options.map((u, i) => (
        <li
          key={u.id}
          id={`mention-opt-${u.id}`}
          role="option"
          aria-selected={i === active}
          className={i === active ? 'active' : undefined}
          onMouseDown={(e) => {
            // Keep the textarea's focus and caret.
            e.preventDefault();
            onPick(u);
          }}
        >
          <Avatar id={u.id} name={u.display_name} size={24} />
          <span className="mention-picker-name">{u.display_name}</span>
          <span className="muted">{u.role === 'partner' ? (u.tier ?? 'partner') : u.role}</span>
        </li>
      ))}
    </ul>
  );
}
