//! The signed-in layout: channel sidebar, main view, member list. Below
//! 768 px the sidebar and member list become drawers.
import { useEffect, useState } from 'react';
import { Avatar } from '../components/Avatar';
import { ChannelKindIcon, CloseIcon, LogoutIcon, MenuIcon, UsersIcon } from '../components/Icons';
import { AccountButton } from '../features/account/AccountSettings';
import { AdminButton } from '../features/admin/AdminScreen';
import { ChannelSettings } from '../features/channels/ChannelSettings';
import { ChannelSidebar, channelHref } from '../features/channels/ChannelSidebar';
import { MemberList } from '../features/members/MemberList';
import { StatusSelector } from '../features/members/StatusSelector';
import { ChannelView } from '../features/messages/ChannelView';
import { PanelView } from '../features/panels/PanelView';
import { revenueTableActions } from '../features/revenue/LedgerActions';
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
      <AccountButton />
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
    document.title = channel ? `#${channel.key} · ${tenant?.name ?? 'Arena'}` : 'Arena';
  }, [channel, tenant]);

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
    <div className={`shell${membersHidden ? ' members-hidden' : ''}${navOpen ? ' nav-open' : ''}${membersOpen ? ' members-open' : ''}`}>
      <div className="sidebar" id="sidebar">
        <header className="workspace-header">
          <span className="brand-mark small" aria-hidden="true">
            A
          </span>
          <span className="workspace-name">{tenant?.name}</span>
          <button type="button" className="icon-btn drawer-close" aria-label="Close channels" onClick={() => setNavOpen(false)}>
            <CloseIcon />
          </button>
        </header>
        <ChannelSidebar
          onNavigate={(k) => {
            navigate(channelHref(k));
            setNavOpen(false);
          }}
        />
        <UserPanel onLogout={onLogout} />
      </div>
      <main className="main">
        <header className="channel-header">
          <button type="button" className="icon-btn nav-toggle" aria-label="Open channels" aria-controls="sidebar" aria-expanded={navOpen} onClick={() => setNavOpen(true)}>
            <MenuIcon />
          </button>
          {channel && (
            <>
              <ChannelKindIcon kind={channel.kind} className="header-icon" />
              <h1 className="channel-title">{channel.name || channel.key}</h1>
              {channel.topic && <span className="channel-topic">{channel.topic}</span>}
            </>
          )}
          <span className="spacer" />
          {staff && channel && channel.kind !== 'panel' && <ChannelSettings channel={channel} />}
          <AdminButton />
          <button type="button" className="icon-btn" aria-label="Members" aria-controls="members" aria-expanded={!membersHidden || membersOpen} onClick={toggleMembers}>
            <UsersIcon />
          </button>
        </header>
        <ConnectionBanner />
        {channel ? channel.kind === 'panel' ? <PanelView channel={channel} tableActions={staff ? revenueTableActions : undefined} /> : <ChannelView key={channel.id} channel={channel} /> : null}
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
  );
}
