// End-to-end tests of moderation in the browser (issue 12) and of DMs,
// mentions and search (issue 13) against a real `arena serve` and Chromium.
// Run: ARENA_BIN=… ARENA_DATABASE_URL=… npm run e2e
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ArenaServer, PASSWORD, apiLogin, apiPost, ensureBuilt, freePort, launchBrowser, login, missingEnv, shotPath, userIdOf, waitUntil } from './harness.mjs';

const missing = missingEnv();
const RUN = Date.now().toString(36); // makes this run's messages unique in a reused database
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('people: moderation, DMs, mentions, search', { skip: missing.length ? `set ${missing.join(', ')}` : false }, () => {
  /** @type {ArenaServer} */ let server;
  let browser, staffPage, anaPage, benPage, staffToken, ids;

  const messages = (page, text) =>
    page.locator('ol.messages > li.message:not(.pending)').filter({ has: page.locator('.message-content', { hasText: text }) });
  const memberRow = (page, name) => page.locator(`li.member[data-user="${name}"]`);
  async function openChannel(page, key) {
    await page.getByRole('link', { name: key, exact: true }).click();
    await page.waitForURL(`**/channels/${key}`);
  }
  async function send(page, label, text) {
    const box = page.getByRole('textbox', { name: label });
    await box.fill(text);
    await box.press('Enter');
    await messages(page, text).first().waitFor({ timeout: 15_000 });
  }
  /** A fresh session's READY (JSON gateway from Node, as any client). */
  async function readyOf(email) {
    const token = await apiLogin(server.base, email);
    const ws = new WebSocket(`${server.base.replace(/^http/, 'ws')}/gateway?v=1&encoding=json`);
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no READY within 10 s')), 10_000);
        ws.on('message', (data) => {
          const f = JSON.parse(String(data));
          if (f.op === 10) ws.send(JSON.stringify({ op: 2, d: { token } }));
          else if (f.op === 0 && f.t === 'READY') {
            clearTimeout(timer);
            resolve(f.d);
          }
        });
        ws.on('error', reject);
        ws.on('close', (code) => reject(new Error(`closed ${code} before READY`)));
      });
    } finally {
      ws.close();
    }
  }
  /** Logs in over HTTP through the second step with a recovery code; answers the access token. */
  async function mfaLogin(email, recoveryCode) {
    const first = await fetch(`${server.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'demo', email, password: PASSWORD }),
    }).then((r) => r.json());
    const r = await apiPost(server.base, '', '/api/v1/auth/mfa', { challenge: first.challenge, code: recoveryCode });
    if (r.status !== 200) throw new Error(`mfa login: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.access_token;
  }
  async function channelIds() {
    const res = await fetch(`${server.base}/api/v1/channels`, { headers: { authorization: `Bearer ${staffToken}` } });
    const body = await res.json();
    return Object.fromEntries(body.channels.map((c) => [c.key, c.id]));
  }
  /** Posts as staff over REST, waiting out rate limits (429 with retry_after_ms). */
  async function postAsStaff(channelId, content) {
    for (let i = 0; i < 20; i++) {
      const r = await apiPost(server.base, staffToken, `/api/v1/channels/${channelId}/messages`, { content });
      if (r.status === 200 || r.status === 201) return r.body;
      if (r.status !== 429) throw new Error(`post failed: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(r.body?.error?.retry_after_ms ?? 500);
    }
    throw new Error('post kept being rate limited');
  }

  before(async () => {
    ensureBuilt();
    server = new ArenaServer(await freePort());
    await server.start();
    browser = await launchBrowser();
    const ctx = () => browser.newContext({ viewport: { width: 1440, height: 900 } });
    [staffPage, anaPage, benPage] = await Promise.all([ctx(), ctx(), ctx()].map(async (c) => (await c).newPage()));
    staffToken = await apiLogin(server.base, 'staff@demo.test');
    ids = {
      ana: userIdOf(await apiLogin(server.base, 'ana@demo.test')),
      ben: userIdOf(await apiLogin(server.base, 'ben@demo.test')),
    };
    await login(staffPage, server.base, 'staff@demo.test');
    await login(anaPage, server.base, 'ana@demo.test');
    await login(benPage, server.base, 'ben@demo.test');
    for (const p of [staffPage, anaPage, benPage]) await openChannel(p, 'general-chat');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  test('a partner never sees moderation controls or the audit log', async () => {
    await memberRow(anaPage, 'Ben Carter').getByRole('button', { name: 'Message Ben Carter' }).waitFor({ state: 'attached' });
    assert.equal(await anaPage.getByRole('button', { name: /^(Time out|Kick) / }).count(), 0);
    assert.equal(await anaPage.getByRole('button', { name: 'Audit log' }).count(), 0);
    // Staff see them on partners, not on the admin (a higher rank).
    await memberRow(staffPage, 'Ben Carter').getByRole('button', { name: 'Time out Ben Carter' }).waitFor({ state: 'attached' });
    assert.equal(await memberRow(staffPage, 'Avery Admin').getByRole('button', { name: /Time out|Kick/ }).count(), 0);
  });

  test('staff times out a partner with a reason: the partner sees why and until when and cannot send', async () => {
    const reason = `Cooling off after the pricing thread [${RUN}]`;
    await memberRow(staffPage, 'Ben Carter').hover();
    await memberRow(staffPage, 'Ben Carter').getByRole('button', { name: 'Time out Ben Carter' }).click();
    const dialog = staffPage.getByRole('dialog', { name: 'Time out Ben Carter' });
    await dialog.getByLabel('5 minutes').check();
    await dialog.getByLabel('Reason').fill(reason);
    await staffPage.screenshot({ path: shotPath('desktop-timeout-dialog.png') });
    await dialog.getByRole('button', { name: 'Time out' }).click();
    await dialog.waitFor({ state: 'detached' });

    const notice = benPage.getByTestId('timeout-notice');
    await notice.waitFor({ timeout: 10_000 });
    const text = await notice.innerText();
    assert.match(text, /You are timed out until/);
    assert.ok(text.includes(reason), text);
    assert.match(text, /\d:\d\d left/);
    assert.equal(await benPage.getByRole('textbox', { name: 'Message #general-chat' }).count(), 0);
    await benPage.screenshot({ path: shotPath('desktop-timed-out.png') });

    // After a reload the notice and its reason come back from READY.
    await benPage.reload();
    await benPage.getByTestId('timeout-notice').waitFor({ timeout: 20_000 });
    assert.ok((await benPage.getByTestId('timeout-notice').innerText()).includes(reason));
  });

  test('staff sees the timeout in the audit log, newest first', async () => {
    await staffPage.getByRole('button', { name: 'Audit log' }).click();
    const panel = staffPage.getByRole('complementary', { name: 'Audit log' });
    const first = panel.locator('li.audit-entry').first();
    await first.waitFor();
    const text = await first.innerText();
    assert.match(text, /Sam Staff timed out Ben Carter/);
    assert.match(text, new RegExp(`Cooling off after the pricing thread \\[${RUN}\\]`));
    await staffPage.screenshot({ path: shotPath('desktop-audit-log.png') });
    await panel.getByRole('button', { name: 'Close audit log' }).click();
  });

  test('lifting the timeout gives the partner the composer back at once', async () => {
    await memberRow(staffPage, 'Ben Carter').hover();
    await memberRow(staffPage, 'Ben Carter').getByRole('button', { name: 'Time out Ben Carter' }).click();
    const dialog = staffPage.getByRole('dialog', { name: 'Time out Ben Carter' });
    await dialog.getByLabel('Lift the timeout').check();
    await dialog.getByRole('button', { name: 'Lift timeout' }).click();
    await dialog.waitFor({ state: 'detached' });
    await benPage.getByRole('textbox', { name: 'Message #general-chat' }).waitFor({ timeout: 10_000 });
    assert.equal(await benPage.getByTestId('timeout-notice').count(), 0);
  });

  test('partner A opens a DM with partner B, who sees it arrive live with a badge', async () => {
    await openChannel(benPage, 'welcome');
    await memberRow(anaPage, 'Ben Carter').hover();
    await memberRow(anaPage, 'Ben Carter').getByRole('button', { name: 'Message Ben Carter' }).click();
    await anaPage.waitForURL('**/channels/dm*');
    const text = `Quick one about the Globex renewal [${RUN}-dm]`;
    await send(anaPage, 'Message @Ben Carter', text);
    const link = benPage.getByRole('link', { name: 'DM Ana Ortiz' });
    await link.getByTestId('mention-badge').waitFor({ timeout: 10_000 });
    await benPage.screenshot({ path: shotPath('desktop-dm-badge.png') });
    await link.click();
    await messages(benPage, text).waitFor();
    await waitUntil(async () => (await link.getByTestId('mention-badge').count()) === 0, 10_000, 'DM badge to clear');
  });

  test('a mention gives the mentioned member a badge on the channel that clears on opening', async () => {
    await openChannel(anaPage, 'welcome');
    await openChannel(benPage, 'general-chat');
    const box = benPage.getByRole('textbox', { name: 'Message #general-chat' });
    await box.click();
    await box.pressSequentially('Thanks @An', { delay: 20 });
    const picker = benPage.getByRole('listbox', { name: 'Members to mention' });
    await picker.getByRole('option', { name: /Ana Ortiz/ }).waitFor();
    await benPage.screenshot({ path: shotPath('desktop-mention-autocomplete.png') });
    await box.press('Enter');
    assert.equal(await box.inputValue(), `Thanks <@${ids.ana}> `);
    await box.pressSequentially(`for the intro [${RUN}-mention]`);
    await box.press('Enter');
    const sent = messages(benPage, `[${RUN}-mention]`);
    await sent.waitFor();
    assert.equal(await sent.locator('.mention').innerText(), '@Ana Ortiz');

    const general = anaPage.getByRole('link', { name: 'general-chat', exact: true });
    const badge = general.getByTestId('mention-badge');
    await badge.waitFor({ timeout: 10_000 });
    assert.equal(await badge.innerText(), '1');
    await general.click();
    const mine = messages(anaPage, `[${RUN}-mention]`);
    await mine.waitFor();
    assert.match((await mine.getAttribute('class')) ?? '', /\bmentioned\b/);
    await anaPage.screenshot({ path: shotPath('desktop-mention.png') });
    await waitUntil(async () => (await general.getByTestId('mention-badge').count()) === 0, 10_000, 'mention badge to clear');
    // Cleared on the server too (channel.ack, sent shortly after reading):
    // a new session's READY has no mention count for the channel.
    const chans = await channelIds();
    await waitUntil(
      async () => {
        const ready = await readyOf('ana@demo.test');
        const rs = ready.read_states.find((r) => r.channel_id === chans['general-chat']);
        return !rs?.mention_count;
      },
      15_000,
      'READY without the mention',
    );
  });

  test('search finds a message far back in a channel and clicking the hit jumps to it', async () => {
    const chans = await channelIds();
    const word = `zebracorn${RUN}`;
    await postAsStaff(chans['general-chat'], `Launch checklist lives in the ${word} doc`);
    // Push it past the first history page (50) so the jump must load older pages.
    for (let i = 0; i < 60; i++) await postAsStaff(chans['general-chat'], `filler ${i} [${RUN}]`);
    await openChannel(anaPage, 'welcome');
    await anaPage.keyboard.press('Control+k');
    const box = anaPage.getByRole('searchbox', { name: 'Search messages' });
    await waitUntil(async () => await box.evaluate((el) => el === document.activeElement), 5_000, 'search box focus');
    await box.fill(word);
    await box.press('Enter');
    const results = anaPage.getByRole('complementary', { name: 'Search results' });
    const hit = results.getByRole('button', { name: new RegExp(word) });
    await hit.waitFor({ timeout: 10_000 });
    assert.equal(await hit.locator('mark').innerText(), word);
    await anaPage.screenshot({ path: shotPath('desktop-search.png') });
    await hit.click();
    await anaPage.waitForURL('**/channels/general-chat');
    const target = messages(anaPage, word);
    await target.waitFor({ timeout: 20_000 });
    await waitUntil(async () => /\bflash\b/.test((await target.getAttribute('class')) ?? ''), 10_000, 'the hit to flash');
    assert.ok(await target.isVisible());
    const inView = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const s = el.closest('.message-scroller').getBoundingClientRect();
      return r.top >= s.top && r.bottom <= s.bottom;
    });
    assert.ok(inView, 'the message is scrolled into view');
  });

  test('a member with two-factor login on signs in with a code from their app', async () => {
    const token = await apiLogin(server.base, 'lena@demo.test');
    const setup = await apiPost(server.base, token, '/api/v1/me/mfa/totp', {});
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const secret = setup.body.secret;
    const on = await apiPost(server.base, token, '/api/v1/me/mfa/totp/enable', { code: totp(secret) });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    try {
      await page.goto(server.base + '/');
      await page.getByLabel('Workspace').fill('demo');
      await page.getByLabel('Email').fill('lena@demo.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Two-factor login' }).waitFor();
      await page.getByLabel('Code').fill('000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('alert').waitFor();
      // A fresh code in a new 30 s step, so the refused one cannot collide with it.
      await page.getByLabel('Code').fill(totp(secret, Date.now() + 30_000));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
    } finally {
      await page.context().close();
      // Leave the seeded member as it was for a reused database.
      const off = await apiPost(server.base, await mfaLogin('lena@demo.test', on.body.recovery_codes[0]), '/api/v1/me/mfa/totp/disable', { password: PASSWORD });
      assert.equal(off.status, 204, JSON.stringify(off.body));
    }
  });

  test('a kicked partner sees a clear removed screen, not a reconnect loop', async () => {
    await memberRow(staffPage, 'Ben Carter').hover();
    await memberRow(staffPage, 'Ben Carter').getByRole('button', { name: 'Kick Ben Carter' }).click();
    const dialog = staffPage.getByRole('dialog', { name: 'Kick Ben Carter' });
    await dialog.getByLabel('Reason').fill(`Repeated spam [${RUN}]`);
    await dialog.getByRole('button', { name: 'Kick' }).click();
    await dialog.waitFor({ state: 'detached' });
    await benPage.getByRole('heading', { name: 'You were removed from the workspace' }).waitFor({ timeout: 10_000 });
    await benPage.screenshot({ path: shotPath('desktop-kicked.png') });
    await sleep(1500);
    assert.equal(await benPage.getByTestId('reconnecting').count(), 0);
    await benPage.getByRole('button', { name: 'Back to sign in' }).click();
    await benPage.getByLabel('Password').waitFor();
  });
});

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, for the two-factor login test. */
export function totp(secretBase32, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretBase32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
