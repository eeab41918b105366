// End-to-end test of the notification settings against a real `arena serve`
// (issue 13, `GET/PATCH /api/v1/me/settings`): muting a channel from the
// sidebar's context menu takes its unread marker away live (and it stays
// muted after a reload); a mention in it still badges; the account dialog's
// Notifications tab lists it and unmutes it; the levels "Nothing" and
// "Only @mentions" change the badges and the tab title at once.
// Run: ARENA_BIN=… ARENA_DATABASE_URL=… node --test e2e/notifications.e2e.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ArenaServer, apiLogin, ensureBuilt, freePort, launchBrowser, login, missingEnv, shotPath, userIdOf, waitUntil } from './harness.mjs';

const missing = missingEnv();
// The fake server (test/fake-server.mjs) has no settings route.
const fake = /fake-server\.mjs$/.test(process.env.ARENA_BIN ?? '');
const RUN = Date.now().toString(36);

describe('notification settings', { skip: missing.length ? `set ${missing.join(', ')}` : fake ? 'needs a real arena serve' : false }, () => {
  /** @type {ArenaServer} */ let server;
  let browser;
  const contexts = [];
  async function page(width = 1440) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(ctx);
    return ctx.newPage();
  }
  const messages = (p, text) => p.locator('ol.messages > li.message:not(.pending)').filter({ has: p.locator('.message-content', { hasText: text }) });
  /** Sends `text` and waits for it in the list (`shown`: the part shown as typed; `<@id>` shows as @Name). */
  async function send(p, key, text, shown = text) {
    const box = p.getByRole('textbox', { name: `Message #${key}` });
    await box.fill(text);
    await box.press('Enter');
    await messages(p, shown).first().waitFor({ timeout: 15_000 });
  }

  before(async () => {
    ensureBuilt();
    server = new ArenaServer(await freePort());
    await server.start();
    browser = await launchBrowser();
  });

  after(async () => {
    // Leave Tomás's settings as the seed has them for the other suites.
    const token = await apiLogin(server.base, 'tomas@demo.test').catch(() => null);
    if (token) {
      await fetch(`${server.base}/api/v1/me/settings`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ notifications: 'all', muted_channels: [] }),
      }).catch(() => {});
    }
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  test('mute a channel from the sidebar: its unread marker goes live, a mention still badges; unmute and levels from the Notifications tab', async () => {
    const tomasId = userIdOf(await apiLogin(server.base, 'tomas@demo.test'));
    const tomas = await page();
    const jordan = await page(1280);
    await login(tomas, server.base, 'tomas@demo.test');
    await login(jordan, server.base, 'jordan@demo.test');
    // Read #welcome first (earlier runs may have left messages in it unread), then go to #general-chat.
    await tomas.getByRole('link', { name: 'welcome', exact: true }).click();
    await tomas.waitForURL('**/channels/welcome');
    await tomas.locator('ol.messages > li.message').first().waitFor({ timeout: 15_000 });
    await tomas.getByRole('link', { name: 'general-chat', exact: true }).click();
    await tomas.waitForURL('**/channels/general-chat');
    await jordan.getByRole('link', { name: 'welcome', exact: true }).click();
    await jordan.waitForURL('**/channels/welcome');

    // Jordan posts in #welcome while Tomás reads #general-chat: an unread marker.
    const welcome = tomas.getByRole('link', { name: 'welcome', exact: true });
    await send(jordan, 'welcome', `hello [${RUN}-1]`);
    await welcome.getByTestId('unread-badge').waitFor({ timeout: 15_000 });
    assert.match((await welcome.getAttribute('class')) ?? '', /\bunread\b/);

    // Mute from the context menu: the marker goes at once, the channel dims.
    await welcome.click({ button: 'right' });
    await tomas.getByRole('menu', { name: '#welcome options' }).getByRole('menuitem', { name: 'Mute channel' }).click();
    await welcome.getByTestId('unread-badge').waitFor({ state: 'detached' });
    await waitUntil(async () => /\bmuted-channel\b/.test((await welcome.getAttribute('class')) ?? ''), 10_000, '#welcome dimmed');
    assert.doesNotMatch((await welcome.getAttribute('class')) ?? '', /\bunread\b/);
    // Saved on the server: a reload keeps it muted.
    await waitUntil(async () => {
      const token = await apiLogin(server.base, 'tomas@demo.test');
      const res = await fetch(`${server.base}/api/v1/me/settings`, { headers: { authorization: `Bearer ${token}` } });
      return (await res.json()).muted_channels.length === 1;
    }, 10_000, 'the mute saved');
    await tomas.reload();
    await tomas.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
    await waitUntil(async () => /\bmuted-channel\b/.test((await welcome.getAttribute('class')) ?? ''), 10_000, '#welcome dimmed after reload');

    // A plain message then a mention: only the mention shows (in order, so the first has arrived by then).
    await send(jordan, 'welcome', `more news [${RUN}-2]`);
    await send(jordan, 'welcome', `<@${tomasId}> welcome aboard [${RUN}-3]`, `welcome aboard [${RUN}-3]`);
    const badge = welcome.getByTestId('mention-badge');
    await badge.waitFor({ timeout: 15_000 });
    assert.equal(await badge.innerText(), '1');
    assert.equal(await welcome.getByTestId('unread-badge').count(), 0);
    assert.doesNotMatch((await welcome.getAttribute('class')) ?? '', /\bunread\b/);
    await tomas.screenshot({ path: shotPath('muted-channel.png') });

    // The Notifications tab lists the muted channel; unmuting brings the unread state back.
    await tomas.getByRole('button', { name: 'Account settings' }).click();
    const dialog = tomas.getByRole('dialog', { name: 'Account settings' });
    await dialog.getByRole('tab', { name: 'Notifications' }).click();
    const muted = dialog.getByRole('list', { name: 'Muted channels' });
    await muted.getByText('#welcome').waitFor();
    await tomas.screenshot({ path: shotPath('notification-settings.png') });
    await muted.getByRole('button', { name: 'Unmute #welcome' }).click();
    await dialog.getByText('No muted channels.', { exact: false }).waitFor();
    await waitUntil(async () => /\bunread\b/.test((await welcome.getAttribute('class')) ?? ''), 10_000, '#welcome bold again');
    assert.doesNotMatch((await welcome.getAttribute('class')) ?? '', /\bmuted-channel\b/);
    assert.match(await tomas.title(), /^\(\d+\) #general-chat/);

    // "Nothing": no red badge, no count in the title; the channel stays bold.
    await dialog.getByRole('radio', { name: /^Nothing/ }).check();
    await badge.waitFor({ state: 'detached' });
    await waitUntil(async () => /^#general-chat/.test(await tomas.title()), 10_000, 'a plain title');
    assert.match((await welcome.getAttribute('class')) ?? '', /\bunread\b/);
    // "Only @mentions": the mention counts again in the title.
    await dialog.getByRole('radio', { name: /^Only @mentions/ }).check();
    await badge.waitFor();
    await waitUntil(async () => /^\(\d+\) #general-chat/.test(await tomas.title()), 10_000, 'the mention count in the title');
    await dialog.getByRole('radio', { name: /^All messages/ }).check();
    await waitUntil(async () => {
      const token = await apiLogin(server.base, 'tomas@demo.test');
      const res = await fetch(`${server.base}/api/v1/me/settings`, { headers: { authorization: `Bearer ${token}` } });
      const s = await res.json();
      return s.notifications === 'all' && s.muted_channels.length === 0;
    }, 10_000, 'the settings saved');
  });
});
