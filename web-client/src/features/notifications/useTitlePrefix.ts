//! The tab title's unread prefix (`(3) ` mentions, `• ` other unread) under
//! the member's notification settings (rules.ts `totals`), as Discord titles its tab.
import { useWorkspace } from '../../workspace/store';
import { titlePrefix, totals } from './rules';
import { useNotifySettings } from './store';

export function useTitlePrefix(): string {
  const rules = useNotifySettings();
  const channels = useWorkspace((s) => s.channels);
  const unread = useWorkspace((s) => s.unread);
  const mentions = useWorkspace((s) => s.mentions);
  // The open channel counts too: messages that arrive while the tab is hidden stay unread until it is seen.
  return titlePrefix(totals(channels, unread, mentions, rules));
}
