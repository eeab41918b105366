//! "Ben is typing…" from TYPING_START events (which expire after a few seconds).
import type { Id } from '../../lib/realtime/types';
import { useWorkspace } from '../../workspace/store';

export function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

export function TypingIndicator({ channelId }: { channelId: Id }) {
  const typing = useWorkspace((s) => s.typing[channelId]);
  const members = useWorkspace((s) => s.members);
  const now = Date.now();
  const names = Object.entries(typing ?? {})
    .filter(([, exp]) => exp > now)
    .map(([uid]) => members[uid]?.display_name.split(' ')[0] ?? 'Someone');
  const text = typingText(names);
  return (
    <div className="typing" aria-live="polite">
      {text && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          <span>{text}</span>
        </>
      )}
    </div>
  );
}
