//! Channel badges as Discord shows them: a red count of mentions when there
//! are any, else a quiet count of unread messages.

/** A red badge with the mention count when there are mentions, else a quiet unread count. */
export function UnreadBadges({ unread, mentions }: { unread: number; mentions: number }) {
  const cap = (n: number) => (n > 99 ? '99+' : n);
  if (mentions > 0) {
    return (
      <span className="badge" title={`${mentions} mention${mentions === 1 ? '' : 's'}`} data-testid="mention-badge">
        {cap(mentions)}
      </span>
    );
  }
  if (unread <= 0) return null;
  return (
    <span className="badge badge-quiet" title={`${unread} unread`} data-testid="unread-badge">
      {cap(unread)}
    </span>
  );
}
