//! The signed-in layout: channel sidebar, main view, member list. Below
//! 768 px the sidebar and member list become drawers.
import { useEffect, useMemo, useState } from 'react';
import { Avatar } from '../components/Avatar';
import { SlotsContext, type Slots } from '../components/slots';
import { ChannelKindIcon, CloseIcon, LogoutIcon, MenuIcon, UsersIcon } from '../components/Icons';
import { AccountButton } from '../features/account/AccountSettings';
import { DmSettings } from '../features/dms/DmSettings';
import { AdminButton } from '../features/admin/AdminScreen';
import { ChannelSettings } from '../features/channels/ChannelSettings';
import { ChannelSidebar, channelHref } from '../features/channels/ChannelSidebar';
import { DirectoryButton } from '../features/directory/DirectoryButton';
import { DmList } from '../features/dms/DmList';
import { MessageButton } from '../features/dms/MessageButton';
import { MemberList } from '../features/members/MemberList';
import { MuteButton } from '../features/notifications/MuteButton';
import { useNotifySession } from '../features/notifications/session';
import { useTitlePrefix } from '../features/notifications/useTitlePrefix';
import { StatusSelector } from '../features/members/StatusSelector';
import { ChannelView } from '../features/messages/ChannelView';
import { AuditLog } from '../features/moderation/AuditLog';
import { ModerationActions } from '../features/moderation/ModerationActions';
import { PanelView } from '../features/panels/PanelView';
import { revenueTableActions } from '../features/revenue/LedgerActions';
import { SearchBox } from '../features/search/SearchBox';
import { SearchPanel } from '../features/search/SearchPanel';
import './people.css';
import { useWorkspace, workspace } from '../workspace/store';
import { channelKeyFromPath, navigate, usePath } from './router';

function ConnectionBanner() {
  const connection = useWorkspace((s) => s.connection);
  const ready = useWorkspace((s) => s.ready);
  if (!ready || connection === 'connected') return null;
  return (
    <div className="conn-banner" role="status" data-testid="reconnecting">
      <span className="spinner" aria-hidden="true" /> Reconnecting…
    </div>
  );
}

function Notice() {
  const notice = useWorkspace((s) => s.notice);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => workspace.dismissNotice(), 6000);
    return () => clearTimeout(t);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className="toast" role="alert">
      {notice.text}
      <button type="button" aria-label="Dismiss" onClick={() => workspace.dismissNotice()}>
        <CloseIcon size={16} />
      </button>
    </div>
  );
}

function UserPanel({ onLogout }: { onLogout: () => void }) {
  const me = useWorkspace((s) => s.me);
  const status = useWorkspace((s) => s.ownStatus);
  if (!me) return null;
  return (
    <div className="user-panel">
      <Avatar id={me.id} name={me.display_name} size={36} status={status === 'invisible' ? 'offline' : status} />
      <div className="user-panel-text">
        <div className="user-panel-name">{me.display_name}</div>
        <StatusSelector />
      </div>
      <AccountButton extra={(m) => (m.role === 'partner' ? <DmSettings initial={m.allow_partner_dms ?? true} /> : null)} />
      <button type="button" className="icon-btn" aria-label="Log out" title="Log out" onClick={onLogout}>
        <LogoutIcon />
      </button>
    </div>
  );
}

export function Shell({ onLogout }: { onLogout: () => void }) {
  const path = usePath();
  const ready = useWorkspace((s) => s.ready);
  const channels = useWorkspace((s) => s.channels);
  const tenant = useWorkspace((s) => s.tenant);
  const me = useWorkspace((s) => s.me);
  const staff = me?.role === 'admin' || me?.role === 'staff';
  const [navOpen, setNavOpen] = useState(false);
  const [membersOpen, setMembersOpen] = useState(false);
  const [membersHidden, setMembersHidden] = useState(false);
  /** The right-hand side panel over the main view: search results or (staff) the audit log. */
  const [side, setSide] = useState<{ kind: 'search'; query: string } | { kind: 'audit' } | null>(null);
  const go = (key: string) => {
    navigate(channelHref(key));
    setNavOpen(false);
    setMembersOpen(false);
  };
  const slots = useMemo<Slots>(
    () => ({
      messageActions: (author) => <ModerationActions target={author} />,
      memberActions: (u) => (
        <>
          <MessageButton user={u} className="icon-btn small" onOpened={go} />
          <ModerationActions target={u} className="icon-btn small" />
        </>
      ),
    }),
    [], // eslint-disable-line react-hooks/exhaustive-deps
  );

  useNotifySession(ready);
  const titlePrefix = useTitlePrefix();
  const key = channelKeyFromPath(path);
  const channel = channels.find((c) => c.key === key);

  useEffect(() => {
    if (!ready || channel) return;
    const fallback = channels.find((c) => c.key === 'general-chat') ?? channels.find((c) => c.kind === 'chat') ?? channels[0];
    if (fallback) navigate(channelHref(fallback.key), true);
  }, [ready, channel, channels]);

  useEffect(() => {
    if (channel) workspace.openChannel(channel.id);
  }, [channel?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const label = channel?.kind === 'dm' ? `@${channel.name}` : `#${channel?.key}`;
    document.title = titlePrefix + (channel ? `${label} · ${tenant?.name ?? 'Arena'}` : 'Arena');
  }, [channel, tenant, titlePrefix]);

  if (!ready) {
    return (
      <main className="splash" aria-busy="true">
        <span className="brand-mark big">A</span>
        <p>Connecting to Arena…</p>
        <ConnectionBanner />
        <button type="button" className="link-btn" onClick={onLogout}>
          Log out
        </button>
      </main>
    );
  }

  const toggleMembers = () => {
    if (window.matchMedia('(max-width: 767px)').matches) setMembersOpen((o) => !o);
    else setMembersHidden((h) => !h);
  };

  return (
    <SlotsContext.Provider value={slots}>
    <div className={`shell${membersHidden ? ' members-hidden' : ''}${navOpen ? ' nav-open' : ''}${membersOpen ? ' members-open' : ''}`}>
      <div className="sidebar" id="sidebar">
        <header className="workspace-header">
          <span className="brand-mark small" aria-hidden="true">
            A
          </span>
          <span className="workspace-name">{tenant?.name}</span>
          <DirectoryButton onOpenDm={go} />
          {staff && (
            <button type="button" className="icon-btn" aria-label="Audit log" title="Audit log" aria-pressed={side?.kind === 'audit'} onClick={() => setSide((s) => (s?.kind === 'audit' ? null : { kind: 'audit' }))}>
              <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
                <path fill="currentColor" d="M6 2h9l5 5v13a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2Zm8 1.5V8h4.5L14 3.5ZM7 12v2h10v-2H7Zm0 4v2h7v-2H7Z" />
              </svg>
            </button>
          )}
          <button type="button" className="icon-btn drawer-close" aria-label="Close channels" onClick={() => setNavOpen(false)}>
            <CloseIcon />
          </button>
        </header>
        <div className="sidebar-scroll">
          <DmList hrefOf={channelHref} onNavigate={go} />
          <ChannelSidebar onNavigate={go} />
        </div>
        <UserPanel onLogout={onLogout} />
      </div>
      <main className="main">
        <header className="channel-header">
          <button type="button" className="icon-btn nav-toggle" aria-label="Open channels" aria-controls="sidebar" aria-expanded={navOpen} onClick={() => setNavOpen(true)}>
            <MenuIcon />
          </button>
          {channel && (
            <>
              {channel.kind === 'dm' ? <span className="header-icon dm-at" aria-hidden="true">@</span> : <ChannelKindIcon kind={channel.kind} className="header-icon" />}
              <h1 className="channel-title">{channel.name || channel.key}</h1>
              {channel.topic && <span className="channel-topic">{channel.topic}</span>}
            </>
          )}
          <span className="spacer" />
          <SearchBox onSearch={(query) => setSide({ kind: 'search', query })} />
          {channel && channel.kind !== 'panel' && <MuteButton channel={channel} />}
          {staff && channel && channel.kind !== 'panel' && <ChannelSettings channel={channel} />}
          <AdminButton />
          <button type="button" className="icon-btn" aria-label="Members" aria-controls="members" aria-expanded={!membersHidden || membersOpen} onClick={toggleMembers}>
            <UsersIcon />
          </button>
        </header>
        <ConnectionBanner />
        {channel ? channel.kind === 'panel' ? <PanelView channel={channel} tableActions={staff ? revenueTableActions : undefined} /> : <ChannelView key={channel.id} channel={channel} /> : null}
        {side?.kind === 'search' && (
          <SearchPanel
            key={side.query}
            query={side.query}
            onClose={() => setSide(null)}
            onOpen={(ch, messageId) => {
              go(ch.key);
              workspace.openChannel(ch.id);
              void workspace.jumpTo(ch.id, messageId);
            }}
          />
        )}
        {side?.kind === 'audit' && staff && <AuditLog onClose={() => setSide(null)} />}
        <Notice />
      </main>
      <div className="members" id="members">
        <header className="members-header">
          <span>Members</span>
          <button type="button" className="icon-btn drawer-close" aria-label="Close members" onClick={() => setMembersOpen(false)}>
            <CloseIcon />
          </button>
        </header>
        <MemberList />
      </div>
      {(navOpen || membersOpen) && (
        <div
          className="backdrop"
          aria-hidden="true"
          onClick={() => {
            setNavOpen(false);
            setMembersOpen(false);
          }}
        />
      )}
    </div>
    </SlotsContext.Provider>
  );
}
