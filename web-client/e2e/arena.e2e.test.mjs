// End-to-end tests of the browser client against a real `arena serve`
// (started and SIGKILLed by this suite). Run: ARENA_BIN=… ARENA_DATABASE_URL=… npm run e2e
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ArenaServer, apiLogin, apiPost, ensureBuilt, freePort, launchBrowser, login, missingEnv, shotPath, userIdOf, waitUntil } from './harness.mjs';

const missing = missingEnv();
const RUN = `${Date.now().toString(36)}`; // makes this run's messages unique in a reused database
const dealId = `e2e-${RUN}`;

describe('arena web client', { skip: missing.length ? `set ${missing.join(', ')}` : false }, () => {
  /** @type {ArenaServer} */ let server;
  let browser, ana, ben, anaPage, benPage;
  const dialogs = [];

  const messages = (page, text) =>
    page.locator('ol.messages > li.message:not(.pending)').filter({ has: page.locator('.message-content', { hasText: text }) });
  async function send(page, key, text) {
    const box = page.getByRole('textbox', { name: `Message #${key}` });
    await box.fill(text);
    await box.press('Enter');
    await messages(page, text).first().waitFor({ timeout: 15_000 });
  }
  async function openChannel(page, key) {
    const mobile = (page.viewportSize()?.width ?? 1000) < 768;
    if (mobile) await page.getByRole('button', { name: 'Open channels' }).click();
    await page.getByRole('link', { name: key, exact: true }).click();
    await page.waitForURL(`**/channels/${key}`);
  }

  before(async () => {
    ensureBuilt();
    server = new ArenaServer(await freePort());
    await server.start();
    browser = await launchBrowser();
    ana = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ben = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    anaPage = await ana.newPage();
    benPage = await ben.newPage();
    for (const p of [anaPage, benPage]) {
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    }
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  test('serves the app with a Content-Security-Policy and shows login errors inline', async () => {
    const res = await fetch(server.base + '/');
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    await anaPage.goto(server.base + '/');
    await anaPage.getByLabel('Workspace').fill('demo');
    await anaPage.getByLabel('Email').fill('ana@demo.test');
    await anaPage.getByLabel('Password').fill('wrong-password');
    await anaPage.screenshot({ path: shotPath('login.png') });
    await anaPage.getByRole('button', { name: 'Log in' }).click();
    await anaPage.getByRole('alert').waitFor();
    assert.match(await anaPage.getByRole('alert').innerText(), /wrong|invalid|password/i);
  });

  test('ana and ben chat and see each other’s presence and typing', async () => {
    await login(anaPage, server.base, 'ana@demo.test');
    await login(benPage, server.base, 'ben@demo.test');
    for (const p of [anaPage, benPage]) await openChannel(p, 'general-chat');
    // Presence: each sees the other in the Online group.
    await benPage.locator('[data-presence-group="online"]').getByText('Ana Ortiz').waitFor();
    await anaPage.locator('[data-presence-group="online"]').getByText('Ben Carter').waitFor();
    // Typing.
    await anaPage.getByRole('textbox', { name: 'Message #general-chat' }).pressSequentially('hi Ben', { delay: 30 });
    await benPage.getByText(/Ana is typing…/).waitFor({ timeout: 10_000 });
    await anaPage.getByRole('textbox', { name: 'Message #general-chat' }).fill('');
    // Chat both ways.
    const a1 = `Hi Ben, ready for the Globex demo? [${RUN}-a1]`;
    await send(anaPage, 'general-chat', a1);
    await messages(benPage, a1).waitFor({ timeout: 10_000 });
    const b1 = `Yes! Sharing the deck now https://example.com/deck [${RUN}-b1]`;
    await send(benPage, 'general-chat', b1);
    await messages(anaPage, b1).waitFor({ timeout: 10_000 });
    assert.equal(await messages(anaPage, b1).getByRole('link', { name: 'https://example.com/deck' }).count(), 1);
    // Status change is live.
    await benPage.getByRole('combobox', { name: 'Status' }).selectOption('dnd');
    await anaPage.locator('[data-presence-group="dnd"]').getByText('Ben Carter').waitFor();
    await benPage.getByRole('combobox', { name: 'Status' }).selectOption('online');
    await anaPage.locator('[data-presence-group="online"]').getByText('Ben Carter').waitFor();
    await anaPage.screenshot({ path: shotPath('desktop-channel.png') });
  });

  test('replies, reactions, edits, deletes and unread badges are live', async () => {
    const original = `typo here [${RUN}-e1]`;
    await send(anaPage, 'general-chat', original);
    const onBen = messages(benPage, original);
    await onBen.waitFor();
    // Ben replies to it.
    await onBen.hover();
    await onBen.getByRole('button', { name: 'Reply' }).click();
    const reply = `replying to you [${RUN}-e2]`;
    await send(benPage, 'general-chat', reply);
    await messages(anaPage, reply).locator('.reply-preview', { hasText: 'Ana Ortiz' }).waitFor();
    // Ben reacts; Ana sees the count.
    await onBen.hover();
    await onBen.getByRole('button', { name: 'Add reaction' }).click();
    await onBen.getByRole('menuitem', { name: 'React with 🎉' }).click();
    await messages(anaPage, original).getByRole('button', { name: '🎉 1' }).waitFor();
    // Ana edits her message; Ben sees the edit.
    const onAna = messages(anaPage, original);
    await onAna.hover();
    await onAna.getByRole('button', { name: 'Edit message' }).click();
    const edited = `fixed it [${RUN}-e3]`;
    await anaPage.getByRole('textbox', { name: 'Edit message' }).fill(edited);
    await anaPage.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    await messages(benPage, edited).getByText('(edited)').waitFor();
    // Ana deletes it; it disappears for Ben.
    const onAna2 = messages(anaPage, edited);
    await onAna2.hover();
    await onAna2.getByRole('button', { name: 'Delete message' }).click();
    await onAna2.getByRole('button', { name: 'Delete', exact: true }).click();
    await messages(benPage, edited).waitFor({ state: 'detached' });
    // Ben cannot edit Ana's messages.
    const other = messages(benPage, reply);
    assert.equal(await messages(benPage, `[${RUN}-a1]`).getByRole('button', { name: 'Edit message', includeHidden: true }).count(), 0);
    assert.ok(other);
    // Unread badge: Ben posts in #welcome while Ana reads #general-chat.
    await openChannel(benPage, 'welcome');
    await send(benPage, 'welcome', `hello welcome [${RUN}-u1]`);
    await anaPage.getByRole('link', { name: 'welcome', exact: true }).getByTestId('unread-badge').waitFor();
    await openChannel(benPage, 'general-chat');
  });

  test('a partner cannot post into #announcements', async () => {
    await openChannel(anaPage, 'announcements');
    await anaPage.getByRole('note').waitFor();
    assert.match(await anaPage.getByRole('note').innerText(), /permission/i);
    assert.equal(await anaPage.getByRole('textbox', { name: 'Message #announcements' }).count(), 0);
    await openChannel(anaPage, 'general-chat');
  });

  test('staff set slow mode; a second quick post shows the error inline', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const staff = await ctx.newPage();
    await login(staff, server.base, 'staff@demo.test');
    await openChannel(staff, 'off-topic');
    await staff.getByRole('button', { name: 'Channel settings' }).click();
    await staff.getByRole('combobox', { name: 'Slow mode' }).selectOption('30');
    await openChannel(anaPage, 'off-topic');
    await anaPage.getByText('Slow mode: one message every 30s').waitFor({ timeout: 10_000 });
    await send(anaPage, 'off-topic', `first [${RUN}-s1]`);
    const box = anaPage.getByRole('textbox', { name: 'Message #off-topic' });
    await box.fill(`second too soon [${RUN}-s2]`);
    await box.press('Enter');
    await anaPage.locator('.composer-error', { hasText: /Slow mode/ }).waitFor({ timeout: 10_000 });
    assert.equal(await box.inputValue(), `second too soon [${RUN}-s2]`, 'draft kept after the error');
    assert.equal(await messages(anaPage, `[${RUN}-s2]`).count(), 0);
    await staff.getByRole('combobox', { name: 'Slow mode' }).selectOption('0');
    await anaPage.getByText('Slow mode: one message every 30s').waitFor({ state: 'detached', timeout: 10_000 });
    await box.fill('');
    await ctx.close();
    await openChannel(anaPage, 'general-chat');
  });

  test('HTML in a message is shown as text and runs nothing', async () => {
    const payload = `<img src=x onerror=alert(1)> ${RUN}-xss`;
    await send(benPage, 'general-chat', payload);
    const row = messages(anaPage, `${RUN}-xss`);
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.locator('.message-content').innerText(), /<img src=x onerror=alert\(1\)>/);
    assert.equal(await anaPage.locator('ol.messages img').count(), 0);
    await anaPage.waitForTimeout(500);
    assert.deepEqual(dialogs, []);
  });

  test('a reload keeps the session, refreshing an expired token', async () => {
    await anaPage.reload();
    await anaPage.getByRole('textbox', { name: 'Message #general-chat' }).waitFor({ timeout: 20_000 });
    assert.equal(await anaPage.getByLabel('Password').count(), 0);
    // Pretend the access token expired: the next connect must refresh it.
    const before = await anaPage.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('arena.session'));
      s.expires_at = Date.now() - 1000;
      sessionStorage.setItem('arena.session', JSON.stringify(s));
      return s.access_token;
    });
    await anaPage.reload();
    await anaPage.getByRole('textbox', { name: 'Message #general-chat' }).waitFor({ timeout: 20_000 });
    const afterRefresh = await anaPage.evaluate(() => JSON.parse(sessionStorage.getItem('arena.session')));
    assert.notEqual(afterRefresh.access_token, before);
    assert.ok(afterRefresh.expires_at > Date.now());
  });

  test('killing and restarting the server mid-conversation loses and doubles nothing', async () => {
    const texts = [];
    for (let i = 1; i <= 3; i++) {
      const t = `before crash ${i} [${RUN}-k${i}]`;
      texts.push(t);
      await send(i % 2 ? anaPage : benPage, 'general-chat', t);
    }
    await server.kill();
    await anaPage.getByTestId('reconnecting').waitFor({ timeout: 15_000 });
    await benPage.getByTestId('reconnecting').waitFor({ timeout: 15_000 });
    await server.start();
    // Posted over HTTP right after the restart, possibly before the browsers reconnect.
    const staff = await apiLogin(server.base, 'staff@demo.test');
    const channels = await (await fetch(`${server.base}/api/v1/channels`, { headers: { authorization: `Bearer ${staff}` } })).json();
    const list = Array.isArray(channels) ? channels : channels.channels;
    const general = list.find((c) => c.key === 'general-chat');
    const during = `posted during reconnect [${RUN}-k4]`;
    const res = await fetch(`${server.base}/api/v1/channels/${general.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: during }),
    });
    assert.ok(res.ok, `HTTP post failed: ${res.status}`);
    texts.push(during);
    for (const p of [anaPage, benPage]) await p.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 30_000 });
    const after1 = `after restart [${RUN}-k5]`;
    await send(benPage, 'general-chat', after1);
    const after2 = `after restart reply [${RUN}-k6]`;
    await send(anaPage, 'general-chat', after2);
    texts.push(after1, after2);
    for (const p of [anaPage, benPage]) {
      for (const t of texts) {
        await waitUntil(async () => (await messages(p, t).count()) >= 1, 15_000, `"${t}" on ${p === anaPage ? 'ana' : 'ben'}`);
      }
      await p.waitForTimeout(300);
      for (const t of texts) assert.equal(await messages(p, t).count(), 1, `"${t}" exactly once`);
      const ids = await p.locator('ol.messages > li[data-message-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-message-id')));
      assert.equal(new Set(ids).size, ids.length, 'no duplicate message ids');
      assert.equal(await p.locator('li.message.pending').count(), 0, 'no stuck pending messages');
    }
  });

  test('panel channels render or show an empty state', async () => {
    await openChannel(anaPage, 'commissions');
    await anaPage.locator('.panel-view:not([aria-busy])').waitFor({ timeout: 15_000 });
    await anaPage.waitForTimeout(300);
    await anaPage.screenshot({ path: shotPath('desktop-panel.png') });
    await openChannel(anaPage, 'general-chat');
  });

  test('a deal win reaches #deal-wins and the partner’s panels live; the partner sees no staff controls', async () => {
    const staffToken = await apiLogin(server.base, 'staff@demo.test');
    const anaId = userIdOf(await apiLogin(server.base, 'ana@demo.test'));
    await openChannel(anaPage, 'deal-wins');
    const win = await apiPost(server.base, staffToken, '/api/v1/revenue/deal-wins', {
      deal_id: dealId,
      partner_id: anaId,
      client: `Initech ${RUN}`,
      amount_minor: 1_234_567,
      currency: 'USD',
    });
    assert.equal(win.status, 201, JSON.stringify(win.body));
    const card = anaPage.locator('.card-deal', { hasText: `Initech ${RUN}` });
    await card.waitFor({ timeout: 15_000 });
    const text = (await card.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /USD 12,345\.67/);
    assert.match(text, /Ana Ortiz/);
    await card.scrollIntoViewIfNeeded();
    await anaPage.screenshot({ path: shotPath('desktop-deal-win.png') });
    // Ana's ledger shows the new pending entry, with no controls for a partner.
    await openChannel(anaPage, 'revenue-overview');
    const row = anaPage.locator('.panel-table tbody tr', { hasText: dealId }).first();
    await row.locator('[data-status="pending"]').waitFor({ timeout: 15_000 });
    assert.equal(await anaPage.locator('.panel-view button').count(), 0, 'no buttons for a partner');
    assert.equal(await anaPage.getByRole('columnheader', { name: 'Actions' }).count(), 0);
    assert.equal(await anaPage.getByRole('columnheader', { name: 'Partner' }).count(), 0, 'a partner sees only their own ledger');
    await openChannel(anaPage, 'revenue-tiers');
    await anaPage.locator('.panel-view:not([aria-busy])').waitFor({ timeout: 15_000 });
    if (await anaPage.getByRole('progressbar').count()) assert.ok(await anaPage.getByRole('progressbar').first().getAttribute('aria-valuetext'));
    await anaPage.screenshot({ path: shotPath('desktop-revenue-tiers.png') });
    await openChannel(anaPage, 'revenue-overview');
  });

  test('a partner ticks an onboarding item and moves a pipeline card; both follow live', async () => {
    await openChannel(anaPage, 'starter-checklist');
    const item = anaPage.locator('.checklist-item[data-item="profile"]');
    await item.waitFor({ timeout: 15_000 });
    assert.equal(await item.evaluate((el) => el.classList.contains('done')), false, 'ana starts with the item open');
    await item.getByRole('checkbox').click();
    await anaPage.locator('.checklist-item.done[data-item="profile"]').waitFor({ timeout: 15_000 });
    await anaPage.screenshot({ path: shotPath('desktop-onboarding.png') });

    await openChannel(anaPage, 'clients-opportunities');
    const card = anaPage.locator('.board-card').filter({ has: anaPage.locator('.board-move') }).first();
    await card.waitFor({ timeout: 15_000 });
    const id = await card.getAttribute('data-card');
    const button = card.locator('.board-move').first();
    const target = (await button.getAttribute('aria-label')).split(' to ').pop();
    await button.click();
    await waitUntil(async () => {
      const col = anaPage.locator('.board-column', { has: anaPage.locator(`.board-card[data-card="${id}"]`) });
      return (await col.count()) === 1 && (await col.getAttribute('aria-label')).startsWith(`${target} (`);
    }, 15_000, `the card in ${target}`);
    await anaPage.screenshot({ path: shotPath('desktop-pipeline.png') });
    // The next test watches ana's ledger.
    await openChannel(anaPage, 'revenue-overview');
  });

  test('staff approve, mark paid and reverse on #revenue-overview; the partner’s ledger follows live', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const staff = await ctx.newPage();
    staff.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await login(staff, server.base, 'staff@demo.test');
    await openChannel(staff, 'revenue-overview');
    const newest = () => staff.locator('.panel-table tbody tr', { hasText: dealId }).first();
    const anaNewest = () => anaPage.locator('.panel-table tbody tr', { hasText: dealId }).first();
    await staff.getByRole('button', { name: `Approve ${dealId}` }).waitFor({ timeout: 15_000 });
    // Staff see the program: the Partner column and Approve on every pending deal (the demo's too).
    await staff.getByRole('columnheader', { name: 'Partner' }).waitFor();
    const pendingRows = await staff.locator('.panel-table tbody tr:has([data-status="pending"])').count();
    const approves = await staff.getByRole('button', { name: /^Approve / }).count();
    assert.ok(approves >= 2, `Approve on the demo's pending deals and the new one (${approves})`);
    assert.ok(approves <= pendingRows);

    // Approve: the row changes only when the PANEL_UPDATE arrives.
    await staff.getByRole('button', { name: `Approve ${dealId}` }).click();
    await newest().locator('[data-status="approved"]').waitFor({ timeout: 15_000 });
    await anaNewest().locator('[data-status="approved"]').waitFor({ timeout: 15_000 });
    assert.equal(await staff.getByRole('button', { name: `Approve ${dealId}` }).count(), 0);

    // Mark paid asks for the payout reference (an empty one is refused inline).
    await staff.getByRole('button', { name: `Mark paid ${dealId}` }).click();
    const payForm = staff.getByRole('form', { name: `Mark paid ${dealId}` });
    await payForm.getByRole('button', { name: 'Record payout' }).click();
    await payForm.getByRole('alert').filter({ hasText: 'payout reference' }).waitFor();
    await payForm.getByRole('textbox', { name: 'Payout reference' }).fill(`PO-${RUN}`);
    await staff.screenshot({ path: shotPath('desktop-revenue-payout-form.png') });
    await payForm.getByRole('button', { name: 'Record payout' }).click();
    await newest().locator('[data-status="paid"]').waitFor({ timeout: 15_000 });
    await anaNewest().locator('[data-status="paid"]').waitFor({ timeout: 15_000 });
    assert.equal(await staff.getByRole('button', { name: `Mark paid ${dealId}` }).count(), 0);

    // Reverse asks for a reason.
    await staff.getByRole('button', { name: `Reverse ${dealId}` }).click();
    const revForm = staff.getByRole('form', { name: `Reverse ${dealId}` });
    await revForm.getByRole('textbox', { name: 'Reason for reversal' }).fill('chargeback');
    await revForm.getByRole('button', { name: 'Reverse', exact: true }).click();
    await newest().locator('[data-status="reversed"]').waitFor({ timeout: 15_000 });
    await anaNewest().locator('[data-status="reversed"]').waitFor({ timeout: 15_000 });
    assert.equal(await newest().getByRole('button').count(), 0, 'nothing to do on a reversed deal');
    await staff.screenshot({ path: shotPath('desktop-revenue-overview-staff.png') });
    // Older entries of the deal are history: no controls on them.
    assert.equal(await staff.locator('.panel-table tbody tr', { hasText: dealId }).count(), 4);
    assert.equal(await staff.locator('.panel-table tbody tr', { hasText: dealId }).getByRole('button').count(), 0);
    await ctx.close();
    await openChannel(anaPage, 'general-chat');
  });

  test('a partner shares a referral link and a landing page; clicks and leads follow live', async () => {
    await openChannel(anaPage, 'growth-referrals');
    const link = anaPage.locator('.panel-links .link-item').first();
    await link.waitFor({ timeout: 15_000 });
    const href = new URL(await link.locator('a.link-url').getAttribute('href'), server.base).href;
    assert.match(href, /\/r\/[A-Za-z0-9_-]+$/, 'a referral link');
    await link.getByRole('button', { name: /QR code/ }).click();
    const qr = link.locator('.link-qr img');
    await waitUntil(() => qr.evaluate((i) => i.complete && i.naturalWidth > 0), 10_000, 'the QR code image');
    const clicks = anaPage
      .locator('.figure', { has: anaPage.locator('.figure-label', { hasText: /^Clicks$/ }) })
      .first()
      .locator('.figure-value');
    const before = Number(await clicks.innerText());

    // A visitor from another address (behind a loopback proxy) follows the link;
    // the partner's own site is outside this machine, so the browser answers it.
    const octet = 1 + (Number.parseInt(RUN.slice(-4), 36) % 250);
    // A person's browser: the server counts no click from a headless User-Agent (a bot).
    const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const visitor = await browser.newContext({ userAgent, extraHTTPHeaders: { 'X-Forwarded-For': `198.51.100.${octet}` } });
    await visitor.route((u) => !u.href.startsWith(server.base), (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<p>partner site</p>' }));
    const vp = await visitor.newPage();
    await vp.goto(href);
    assert.match(vp.url(), /[?&]ref=/, 'redirected to the target with the code');
    await waitUntil(async () => Number(await clicks.innerText()) === before + 1, 15_000, 'the click counted live');
    await vp.goto(href);
    await vp.goto(href);

    // The partner's landing page, previewed in the panel, takes a contact form.
    await openChannel(anaPage, 'growth-landing-pages');
    const frame = anaPage.locator('iframe.preview-frame').first();
    await frame.waitFor({ timeout: 15_000 });
    const pageUrl = new URL(await frame.getAttribute('src'), server.base).href;
    await vp.goto(pageUrl);
    const name = `Visitor ${RUN}`;
    await vp.getByLabel('Your name').fill(name);
    await vp.getByLabel('Email').fill(`visitor-${RUN}@example.test`);
    await vp.locator('form button[type=submit]').click();
    await vp.waitForLoadState();
    await openChannel(anaPage, 'growth-referrals');
    await anaPage.locator('.board-card', { hasText: name }).waitFor({ timeout: 15_000 });
    assert.equal(Number(await clicks.innerText()), before + 1, 'repeated clicks from one address count once');
    await anaPage.screenshot({ path: shotPath('desktop-referrals.png') });
    await visitor.close();
  });

  test('staff see the program KPIs as charts; a partner builds an app plan with the wizard', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const staff = await ctx.newPage();
    await login(staff, server.base, 'staff@demo.test');
    await openChannel(staff, 'analytics');
    await staff.locator('.panel-chart canvas').first().waitFor({ timeout: 20_000 });
    await staff.screenshot({ path: shotPath('desktop-analytics.png') });
    await ctx.close();

    await openChannel(anaPage, 'app-plans-create');
    const client = `Cafe ${RUN}`;
    await anaPage.getByLabel('Client name').fill(client);
    await anaPage.getByLabel('What should the app achieve?').fill('More repeat visits');
    await anaPage.getByRole('button', { name: 'Next' }).click();
    await anaPage.getByRole('button', { name: 'Next' }).click();
    await anaPage.getByRole('button', { name: 'Create draft plan' }).click();
    await openChannel(anaPage, 'app-plans-library');
    await anaPage.getByText(client).first().waitFor({ timeout: 15_000 });
    // The next test watches ana's #general-chat.
    await openChannel(anaPage, 'general-chat');
  });

  test('usable at 375 px: drawers, no horizontal scroll, 44 px targets', async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await login(page, server.base, 'ben@demo.test');
    await page.getByRole('textbox', { name: 'Message #general-chat' }).waitFor();
    const noHScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth && document.body.scrollWidth <= window.innerWidth);
    assert.ok(await noHScroll(), 'no horizontal scroll in channel view');
    const menu = page.getByRole('button', { name: 'Open channels' });
    const box = await menu.boundingBox();
    assert.ok(box && box.width >= 44 && box.height >= 44, `menu button ${JSON.stringify(box)}`);
    await page.screenshot({ path: shotPath('mobile-channel.png') });
    await menu.click();
    const link = page.getByRole('link', { name: 'announcements', exact: true });
    await link.waitFor();
    const lb = await link.boundingBox();
    assert.ok(lb && lb.height >= 44, `channel link height ${lb?.height}`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: shotPath('mobile-drawer.png') });
    await link.click();
    await page.waitForURL('**/channels/announcements');
    await page.getByRole('note').waitFor();
    await page.getByRole('button', { name: 'Members' }).click();
    await page.locator('[data-presence-group="online"]').getByText('Ana Ortiz').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: shotPath('mobile-members.png') });
    await page.getByRole('button', { name: 'Close members' }).click();
    await openChannel(page, 'general-chat');
    const t = `from my phone [${RUN}-m1]`;
    await send(page, 'general-chat', t);
    await messages(anaPage, t).waitFor({ timeout: 10_000 });
    assert.ok(await noHScroll(), 'no horizontal scroll after sending');
    await ctx.close();
  });

  test('cold load: time to interactive login form', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(server.base + '/', { waitUntil: 'commit' });
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const tti = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { interactiveMs: Math.round(performance.now()), domContentLoadedMs: Math.round(nav?.domContentLoadedEventEnd ?? 0) };
    });
    console.log(`# cold load: login form interactive after ${tti.interactiveMs} ms (DOMContentLoaded ${tti.domContentLoadedMs} ms)`);
    assert.ok(tti.interactiveMs < 5000);
    const t0 = Date.now();
    await page.getByLabel('Email').fill('priya@demo.test');
    await page.getByLabel('Password').fill('arena-demo');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('textbox', { name: 'Message #general-chat' }).waitFor();
    await page.locator('ol.messages > li.message').first().waitFor();
    console.log(`# login submit → channel with history interactive: ${Date.now() - t0} ms`);
    await ctx.close();
  });
});
