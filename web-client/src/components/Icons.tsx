//! Inline SVG icons (no external resources: the CSP allows only 'self').
import type { ChannelKind } from '../lib/realtime/types';

type P = { size?: number; className?: string };
const svg = (size: number, className: string | undefined, children: React.ReactNode) => (
  <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" className={className}>
    {children}
  </svg>
);

export const HashIcon = ({ size = 20, className }: P) => svg(size, className, <path d="M5 9h14M5 15h14M10 3 8 21M16 3l-2 18" />);
export const MegaphoneIcon = ({ size = 20, className }: P) =>
  svg(size, className, <><path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1Z" /><path d="M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13" /></>);
export const FeedIcon = ({ size = 20, className }: P) =>
  svg(size, className, <><path d="M4 11a9 9 0 0 1 9 9M4 4a16 16 0 0 1 16 16" /><circle cx="5" cy="19" r="1.5" /></>);
export const PanelIcon = ({ size = 20, className }: P) =>
  svg(size, className, <><rect x="3" y="3" width="7" height="9" rx="1.5" /><rect x="14" y="3" width="7" height="5" rx="1.5" /><rect x="14" y="12" width="7" height="9" rx="1.5" /><rect x="3" y="16" width="7" height="5" rx="1.5" /></>);
export const AtIcon = ({ size = 20, className }: P) => svg(size, className, <><circle cx="12" cy="12" r="4" /><path d="M16 8v5a3 3 0 0 0 6 0v-1a10 10 0 1 0-4 8" /></>);
export const MenuIcon = ({ size = 22, className }: P) => svg(size, className, <path d="M4 6h16M4 12h16M4 18h16" />);
export const UsersIcon = ({ size = 22, className }: P) =>
  svg(size, className, <><circle cx="9" cy="8" r="3.5" /><path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3.5 3.5 0 0 1 0 7M18 14.5a6.5 6.5 0 0 1 3.5 5.5" /></>);
export const LockIcon = ({ size = 18, className }: P) => svg(size, className, <><rect x="4" y="11" width="16" height="10" rx="2" /><path d="M8 11V7a4 4 0 0 1 8 0v4" /></>);
export const ReplyIcon = ({ size = 18, className }: P) => svg(size, className, <path d="M9 14 4 9l5-5M4 9h10a6 6 0 0 1 6 6v4" />);
export const EditIcon = ({ size = 18, className }: P) => svg(size, className, <path d="M4 20h4L19 9l-4-4L4 16v4ZM13.5 6.5l4 4" />);
export const TrashIcon = ({ size = 18, className }: P) => svg(size, className, <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />);
export const SmileIcon = ({ size = 18, className }: P) =>
  svg(size, className, <><circle cx="12" cy="12" r="9" /><path d="M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01" /></>);
export const LogoutIcon = ({ size = 18, className }: P) => svg(size, className, <path d="M15 4h4a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-4M10 17l5-5-5-5M15 12H3" />);
export const PinIcon = ({ size = 18, className }: P) => svg(size, className, <path d="M9 4h6l-1 6 3 3H7l3-3-1-6ZM12 13v8" />);
export const CloseIcon = ({ size = 18, className }: P) => svg(size, className, <path d="M6 6l12 12M18 6 6 18" />);

export function ChannelKindIcon({ kind, size = 20, className }: P & { kind: ChannelKind }) {
  switch (kind) {
    case 'announcement':
      return <MegaphoneIcon size={size} className={className} />;
    case 'feed':
      return <FeedIcon size={size} className={className} />;
    case 'panel':
      return <PanelIcon size={size} className={className} />;
    case 'dm':
      return <AtIcon size={size} className={className} />;
    default:
      return <HashIcon size={size} className={className} />;
  }
}
