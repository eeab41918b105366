// Browser test of the generic panel renderer's interactive blocks against the
// fake server's #pipeline panel (test/fake-pipeline.mjs), so it needs no Rust
// server or Postgres: a board moved by drag and drop and by keyboard, a
// refused drop, a form with money and a file upload, a checklist item, a
// confirmed action and its refusal, a table row action and filter, and the
// activity timeline; and the #growth panel (test/fake-growth.mjs): charts
// drawn by the lazy-loaded Chart.js chunk, a referral link's Copy and QR
// code, a sandboxed landing-page preview, and a plan wizard whose answer is
// a download. Run: npm run e2e:panels (Debian's /usr/bin/chromium).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFakeServer } from '../test/fake-server.mjs';
import { DIST, ensureBuilt, launchBrowser, login } from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.PANELS_SHOTS_DIR ?? path.join(os.tmpdir(), 'arena-e2e-panels');

describe('panel blocks in the browser (fake server)', { skip: existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM}` }, () => {
  let server, base, browser, page;
  const column = (id) => page.locator(`.board-column[data-column="${id}"]`);
  const card = (title) => page.locator('.board-card', { hasText: title });

  before(async () => {
    ensureBuilt();
    server = createFakeServer({ webDir: DIST });
    base = `http://127.0.0.1:${await server.listen(0)}`;
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
    await login(page, base, 'ana@demo.test');
    await page.getByRole('link', { name: 'pipeline', exact: true }).click();
    await page.waitForURL('**/channels/pipeline');
    await page.locator('.panel-board').waitFor();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.close();
  });

  test('a drop onto a column not in the card’s moves is refused without sending', async () => {
    const sent = server.received.length;
    await card('Globex').dragTo(column('won'));
    await page.locator('.panel-board-wrap [role="alert"]', { hasText: '“Globex” cannot move from Lead to Won.' }).waitFor();
    assert.equal(server.received.slice(sent).filter((f) => f.d?.method === 'panel.action').length, 0);
  });

  test('drag and drop onto an allowed column moves the card (PANEL_UPDATE, no reload)', async () => {
    await card('Globex').dragTo(column('proposal'));
    await column('proposal').locator('.board-card', { hasText: 'Globex' }).waitFor();
    assert.equal(server.pipeline.deals.find((d) => d.id === 'd1').stage, 'proposal');
    await page.locator('.activity-summary', { hasText: 'Moved Globex to Proposal' }).waitFor();
  });

  test('keyboard: a card’s move button; the auto checklist item ticks itself', async () => {
    const move = page.getByRole('button', { name: 'Move Initech to Won' });
    await move.focus();
    await page.keyboard.press('Enter');
    await column('won').locator('.board-card', { hasText: 'Initech' }).waitFor();
    await page.locator('.checklist-item.done', { hasText: 'Win your first deal' }).waitFor();
  });

  test('a stale move is refused by the server with the current stage', async () => {
    // Another session moved Globex meanwhile; this page still offers Proposal → Won.
    server.pipeline.deals.find((d) => d.id === 'd1').stage = 'won';
    await page.getByRole('button', { name: 'Move Globex to Lost' }).click();
    await page.locator('.panel-board-wrap [role="alert"]', { hasText: 'Globex is in stage Won; it cannot move to Lost' }).waitFor();
    server.pipeline.deals.find((d) => d.id === 'd1').stage = 'proposal';
  });

  test('form: required fields checked in the browser, money in minor units, a file uploaded first', async () => {
    const form = page.locator('form.panel-form');
    await form.getByRole('button', { name: 'Log deal' }).click();
    await form.getByText('Client is required.').waitFor();
    await form.getByLabel('Client').fill('Umbrella Corp');
    await form.getByLabel('Value').fill('2,500.75');
    await form.getByLabel('Expected close').fill('2026-12-24');
    await form.getByLabel('Contract (PDF)').setInputFiles({ name: 'contract.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
    await form.getByText('File type not allowed: files of type application/x-msdownload are not allowed').waitFor();
    await form.getByLabel('Contract (PDF)').setInputFiles({ name: 'contract.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 fake') });
    await form.locator('.form-file-done', { hasText: 'contract.pdf' }).waitFor();
    await form.getByRole('button', { name: 'Log deal' }).click();
    await column('lead').locator('.board-card', { hasText: 'Umbrella Corp' }).waitFor();
    const deal = server.pipeline.deals.find((d) => d.client === 'Umbrella Corp');
    assert.equal(deal.amount_minor, 250075);
    assert.equal(deal.close_on, '2026-12-24');
    assert.equal(server.pipeline.files.get(deal.contract_file_id).name, 'contract.pdf');
    assert.equal(await form.getByLabel('Client').inputValue(), '');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'pipeline-panel.png'), fullPage: true });
  });

  test('checklist item with an action, confirmed action, table row action and filter', async () => {
    await page.getByRole('checkbox', { name: /Book a kickoff call/ }).click();
    await page.locator('.checklist-item.done', { hasText: 'Book a kickoff call' }).waitFor();
    // Archive with nothing lost: confirm, then the server's refusal.
    await page.getByRole('button', { name: 'Archive lost deals' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('Archive every lost deal?').waitFor();
    await dialog.getByRole('button', { name: 'Archive lost deals' }).click();
    await page.locator('.panel-actions [role="alert"]', { hasText: 'there are no lost deals to archive' }).waitFor();
    // Filter the table, then mark the one row lost from its row action.
    await page.getByLabel('Filter').fill('umbrella');
    const rows = page.locator('.panel-table tbody tr');
    await rows.first().getByText('Umbrella Corp').waitFor();
    assert.equal(await rows.count(), 1);
    await rows.first().getByRole('button', { name: 'Mark lost' }).click();
    await column('lost').locator('.board-card', { hasText: 'Umbrella Corp' }).waitFor();
    await page.getByRole('button', { name: 'Archive lost deals' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Archive lost deals' }).click();
    await card('Umbrella Corp').waitFor({ state: 'detached' });
    await page.locator('.activity-summary', { hasText: 'Archived 1 lost deal(s)' }).waitFor();
    await page.locator('.panel-view').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.screenshot({ path: path.join(SHOTS, 'pipeline-panel-bottom.png') });
  });
});

describe('issue 10 blocks in the browser (fake server #growth)', { skip: existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM}` }, () => {
  let server, base, browser, context, page;
  const requested = [];

  before(async () => {
    ensureBuilt();
    server = createFakeServer({ webDir: DIST });
    base = `http://127.0.0.1:${await server.listen(0)}`;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await login(page, base, 'ana@demo.test');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.close();
  });

  test('the chart chunk loads only with a chart; line, bar and funnel are drawn', async () => {
    assert.equal(requested.filter((p) => /\/assets\/ChartCanvas-.*\.js$/.test(p)).length, 0, 'Chart.js is not in the initial load');
    await page.getByRole('link', { name: 'growth', exact: true }).click();
    await page.waitForURL('**/channels/growth');
    const canvases = page.locator('.panel-chart .chart-canvas canvas');
    await canvases.nth(2).waitFor();
    assert.equal(await canvases.count(), 3);
    assert.equal(requested.filter((p) => /\/assets\/ChartCanvas-.*\.js$/.test(p)).length, 1);
    // Each canvas has been painted (some pixel is not transparent).
    for (let i = 0; i < 3; i++) {
      const painted = await canvases.nth(i).evaluate(async (c) => {
        await new Promise((r) => setTimeout(r, 400)); // past the 300 ms animation
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        for (let j = 3; j < data.length; j += 4) if (data[j] !== 0) return c.width > 0 && c.height > 0;
        return false;
      });
      assert.ok(painted, `chart ${i} is drawn`);
    }
    const funnel = page.locator('.panel-chart-funnel');
    await funnel.getByText('Clicks → Sign-ups: 25%').waitFor();
    assert.match(await funnel.getAttribute('aria-label'), /^Referral funnel: funnel of 4 stages, Clicks 1,200 to Won 27 \(2\.3% overall\)\.$/);
    assert.equal(await page.locator('.panel-chart-line table.sr-only tbody tr').count(), 5);
  });

  test('a referral link: Copy puts the full url on the clipboard; QR shows a loaded image', async () => {
    const item = page.locator('.link-item', { hasText: 'Your referral link' });
    await item.getByText(`${base}/r/ana-42`).waitFor();
    await item.getByRole('button', { name: 'Copy Your referral link' }).click();
    await item.getByRole('button', { name: 'Copy Your referral link' }).filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${base}/r/ana-42`);
    await item.getByRole('button', { name: 'QR code for Your referral link' }).click();
    const img = item.getByRole('img', { name: /^QR code for Your referral link/ });
    await img.waitFor();
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  });

  test('the landing page preview is a sandboxed same-origin frame', async () => {
    const frame = page.locator('iframe.preview-frame');
    assert.equal(await frame.getAttribute('sandbox'), '');
    assert.equal(await frame.getAttribute('referrerpolicy'), 'no-referrer');
    await page.frameLocator('iframe.preview-frame').getByRole('heading', { name: 'Grow with Ana' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Open' }).getAttribute('href'), '/p/ana-landing');
  });

  test('the plan wizard goes from step 1 to 3 and sends one panel.action with every field', async () => {
    const form = page.locator('form.panel-form', { hasText: 'Plan wizard' });
    await form.getByText('Step 1 of 3: Goal').waitFor();
    await form.getByRole('button', { name: 'Next' }).click();
    await form.getByText('Goal is required.').waitFor();
    await form.getByLabel('Goal').selectOption({ label: 'More revenue' });
    await form.getByLabel('Audience').fill('Agencies in Lisbon');
    await form.getByRole('button', { name: 'Next' }).click();
    await form.getByText('Step 2 of 3: Budget').waitFor();
    await form.getByLabel('Budget').fill('12,000.50');
    await form.getByLabel('Brief (PDF)').setInputFiles({ name: 'brief.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 brief') });
    await form.locator('.form-file-done', { hasText: 'brief.pdf' }).waitFor();
    await form.getByRole('button', { name: 'Next' }).click();
    await form.getByText('Step 3 of 3: Launch').waitFor();
    await form.getByLabel('Launch date').fill('2027-01-11');
    await form.getByLabel('Tell my team').check();
    const sent = server.received.length;
    const download = page.waitForEvent('download');
    await form.getByRole('button', { name: 'Create plan' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'plan-2027-Q1.md');
    const saved = await file.path();
    assert.match(readFileSync(saved, 'utf8'), /^# Plan 2027-Q1\n\n- Goal: revenue\n- Audience: Agencies in Lisbon\n- Budget: 1200050 minor units/);
    await form.getByText('Step 1 of 3: Goal').waitFor();
    assert.equal(server.received.slice(sent).filter((f) => f.d?.method === 'panel.action').length, 1);
    assert.equal(server.growth.plans.length, 1);
    const plan = server.growth.plans[0];
    assert.deepEqual(plan, { quarter: '2027-Q1', goal: 'revenue', audience: 'Agencies in Lisbon', budget_minor: 1200050, brief_file_id: plan.brief_file_id, launch_on: '2027-01-11', notify: true });
    assert.equal(server.pipeline.files.get(plan.brief_file_id).name, 'brief.pdf');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'growth-panel.png'), fullPage: true });
  });
});
