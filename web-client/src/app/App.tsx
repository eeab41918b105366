//! Top level: the login page when signed out, the workspace shell when signed in.
import { useEffect, useState } from 'react';
import { PublicPage } from '../features/account/PublicPages';
import { publicRoute } from '../features/account/routes';
import { LoginPage } from '../features/auth/LoginPage';
import { RemovedScreen } from '../features/auth/RemovedScreen';
import type { Encoding } from '../lib/realtime/codec';
import { loadSession } from '../workspace/session';
import { KICKED_TEXT, useWorkspace, workspace } from '../workspace/store';
import { usePath } from './router';
import { Shell } from './Shell';

/** `?encoding=json` or localStorage `arena.encoding` picks the gateway codec; MessagePack by default. */
function chosenEncoding(): Encoding {
  const q = new URLSearchParams(location.search).get('encoding') ?? localStorage.getItem('arena.encoding');
  return q === 'json' ? 'json' : 'msgpack';
}

export function App() {
  const [signedIn, setSignedIn] = useState(() => !!loadSession());
  const fatal = useWorkspace((s) => s.fatal);
  const route = publicRoute(usePath());
  const [removedSeen, setRemovedSeen] = useState(false);

  useEffect(() => {
    if (fatal) setSignedIn(false);
  }, [fatal]);

  useEffect(() => {
    if (signedIn) workspace.start(chosenEncoding());
  }, [signedIn]);

  if (!signedIn && fatal === KICKED_TEXT && !removedSeen) return <RemovedScreen text={fatal} onContinue={() => setRemovedSeen(true)} />;
  if (!signedIn && route) return <PublicPage route={route} onLoggedIn={() => setSignedIn(true)} />;
  if (!signedIn) {
    return (
      <LoginPage
        notice={fatal}
        onLoggedIn={() => {
          setRemovedSeen(false);
          setSignedIn(true);
        }}
      />
    );
  }
  return (
    <Shell
      onLogout={() => {
        workspace.logout();
        setSignedIn(false);
      }}
    />
  );
}
