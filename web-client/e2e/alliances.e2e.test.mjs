// End-to-end test of the alliance CRM (issue 15) against a real `arena
// serve` and Chromium: staff move an alliance's status from #alliance-directory
// (a row's status button, then the bulk bar over a selected row) and the
// partner's own #alliance-directory follows live; an inline edit of the
// tier in the row, followed live by the partner; the alliance page opened
// from a row, an opportunity added there reaching the partner live; a CSV
// imported through the directory's form shows its per-row report.
// Run: ARENA_BIN=… ARENA_DATABASE_URL=… node --test e2e/alliances.e2e.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ArenaServer, apiLogin, ensureBuilt, freePort, launchBrowser, login, missingEnv, shotPath } from './harness.mjs';

const missing = missingEnv();
const RUN = Date.now().toString(36); // unique names in a reused database
const PARTNER = 'tomas@demo.test'; // a demo partner the seed leaves without an alliance

async function api(base, token, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('alliances: directory status moves live, CSV import report', { skip: missing.length ? `set ${missing.join(', ')}` : false }, () => {
  /** @type {ArenaServer} */ let server;
  let browser, staffPage, partnerPage, name;

  async function openChannel(page, key) {
    await page.getByRole('link', { name: key, exact: true }).click();
    await page.waitForURL(`**/channels/${key}`);
  }
  const figure = (page, label) => page.locator('.figure', { has: page.locator('.figure-label', { hasText: label }) }).locator('.figure-value');

  before(async () => {
    ensureBuilt();
    server = new ArenaServer(await freePort());
    await server.start();
    const staffToken = await apiLogin(server.base, 'staff@demo.test');
    const partnerToken = await apiLogin(server.base, PARTNER);
    // A reused database: free the partner from an earlier run's alliance.
    const mine = await api(server.base, partnerToken, 'GET', '/api/v1/alliances');
    for (const a of mine.body.alliances) {
      const r = await api(server.base, staffToken, 'PATCH', `/api/v1/alliances/${a.id}`, { member_ids: [] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const me = JSON.parse(Buffer.from(partnerToken.split('.')[1], 'base64url').toString()).sub;
    name = `E2E Alliance ${RUN}`;
    const made = await api(server.base, staffToken, 'POST', '/api/v1/alliances', { name, tier: 'gold', region: 'EMEA', member_ids: [String(me)] });
    assert.equal(made.status, 201, JSON.stringify(made.body));

    browser = await launchBrowser();
    staffPage = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
    partnerPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await login(staffPage, server.base, 'staff@demo.test');
    await login(partnerPage, server.base, PARTNER);
    await openChannel(staffPage, 'alliance-directory');
    await openChannel(partnerPage, 'alliance-directory');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  test('the partner sees their own alliance', async () => {
    await partnerPage.locator('.panel-title', { hasText: `Your alliance: ${name}` }).waitFor();
    await figure(partnerPage, 'Status').filter({ hasText: 'prospect' }).waitFor();
    assert.equal(await partnerPage.getByText('Northwind Digital').count(), 0, 'no other alliance');
  });

  test('a row status button moves it and the partner’s panel follows live', async () => {
    const row = staffPage.locator('.panel-table tbody tr', { hasText: name });
    await row.getByRole('button', { name: '→ Negotiation' }).click();
    await row.locator('.status-badge', { hasText: 'negotiation' }).waitFor();
    await figure(partnerPage, 'Status').filter({ hasText: 'negotiation' }).waitFor({ timeout: 15_000 });
  });

  test('the bulk bar moves the selected row, with a per-row report', async () => {
    await staffPage.getByRole('checkbox', { name: `Select ${name}` }).check();
    await staffPage.locator('.panel-bulk-count', { hasText: '1 selected' }).waitFor();
    await staffPage.getByRole('button', { name: 'Move selected to active' }).click();
    await staffPage.locator('.panel-bulk-report', { hasText: '1 applied, 0 refused' }).waitFor();
    await figure(partnerPage, 'Status').filter({ hasText: 'active' }).waitFor({ timeout: 15_000 });
    // An illegal move of the same row is reported with the current status.
    await staffPage.getByRole('button', { name: 'Move selected to prospect' }).click();
    await staffPage.locator('.panel-bulk-report', { hasText: 'the alliance is active' }).waitFor();
    await staffPage.screenshot({ path: shotPath('alliance-directory.png') });
  });

  test('an inline edit of the tier, followed live by the partner', async () => {
    const row = staffPage.locator('.panel-table tbody tr', { hasText: name }).first();
    await row.getByRole('button', { name: `Edit Tier of ${name}` }).click();
    await row.getByLabel(`Tier of ${name}`).fill('platinum');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.locator('td', { hasText: 'platinum' }).waitFor();
    await figure(partnerPage, 'Tier').filter({ hasText: 'platinum' }).waitFor({ timeout: 15_000 });
  });

  test('the alliance page: opened from its row, an opportunity added there reaches the partner', async () => {
    const row = staffPage.locator('.panel-table tbody tr', { hasText: name }).first();
    await row.getByRole('button', { name: 'Open', exact: true }).click();
    await staffPage.getByText(`Alliance page: ${name}`).waitFor({ timeout: 15_000 });
    const form = staffPage.locator('form.panel-form', { hasText: `Add an opportunity to ${name}` });
    await form.getByLabel('Title').fill(`Page deal ${RUN}`);
    await form.getByLabel('Value').fill('1250');
    await form.getByRole('button', { name: 'Add opportunity' }).click();
    await staffPage.locator('.board-card-title', { hasText: `Page deal ${RUN}` }).first().waitFor({ timeout: 15_000 });
    await partnerPage.getByText(`Page deal ${RUN}`).first().waitFor({ timeout: 15_000 });
    await staffPage.screenshot({ path: shotPath('alliance-page.png') });
    await staffPage.getByRole('button', { name: 'Close the alliance page' }).click();
    await staffPage.getByText(`Alliance page: ${name}`).waitFor({ state: 'detached', timeout: 15_000 });
  });

  test('a CSV imported from the directory shows its report', async () => {
    const form = staffPage.locator('form.panel-form', { hasText: 'Import alliances and contacts (CSV)' });
    const csv = `external_id,name,region,contact_name,contact_email\ne2e-${RUN}-1,Imported One ${RUN},EMEA,Ivy Long,ivy@one.example\ne2e-${RUN}-2,Imported Two ${RUN},APAC,,\n`;
    await form.locator('input[type="file"]').setInputFiles({ name: 'alliances.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await form.locator('.form-file-done', { hasText: 'alliances.csv' }).waitFor();
    await form.getByRole('button', { name: 'Import' }).click();
    await staffPage.getByText(/Last import by .*: 2 created, 0 updated, 0 unchanged, 0 rejected — applied\./).waitFor({ timeout: 15_000 });
    const report = staffPage.locator('.panel-table', { hasText: `e2e-${RUN}-2` });
    await report.locator('tr', { hasText: `e2e-${RUN}-1` }).getByText('created').waitFor();
    await staffPage.locator('.panel-table tbody tr', { hasText: `Imported Two ${RUN}` }).first().waitFor();
  });
});
