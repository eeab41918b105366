// End-to-end tests of onboarding and the partners' directory against a real
// `arena serve` (issue 13, "Done when": an admin runs the demo workspace from
// the browser): an admin invites a partner from the staff console (no SMTP,
// so the link is shown), a second browser opens it, sets name and password,
// lands in the workspace signed in and sees the onboarding checklist (the
// activation domain's panel, channels.toml #starter-checklist); the admin's
// directory lists the new member with the tier chosen; a second use of the
// link is refused. Then the partners' public directory: the new partner
// browses and searches it, and an admin switching the tenant's
// `partner_directory` off hides it.
// Run: ARENA_BIN=… ARENA_DATABASE_URL=… node --test e2e/invite.e2e.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ArenaServer, PASSWORD, apiLogin, ensureBuilt, freePort, launchBrowser, login, missingEnv, shotPath, waitUntil } from './harness.mjs';

const missing = missingEnv();
// The fake server (test/fake-server.mjs) has no invite or members routes.
const fake = /fake-server\.mjs$/.test(process.env.ARENA_BIN ?? '');
const RUN = Date.now().toString(36); // a new email and name per run in a reused database

async function api(base, token, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('invite, onboarding and the partners’ directory', { skip: missing.length ? `set ${missing.join(', ')}` : fake ? 'needs a real arena serve' : false }, () => {
  /** @type {ArenaServer} */ let server;
  let browser;
  const contexts = [];
  const email = `newbie-${RUN}@demo.test`;
  const name = `Nia Newcomer ${RUN}`;
  /** The new partner's signed-in page (from the first test). */
  let partner;

  async function page(width = 1440) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(ctx);
    return ctx.newPage();
  }
  async function setPartnerDirectory(on) {
    const token = await apiLogin(server.base, 'admin@demo.test');
    const r = await api(server.base, token, 'PATCH', '/api/v1/tenant/settings', { partner_directory: on });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  before(async () => {
    ensureBuilt();
    server = new ArenaServer(await freePort());
    await server.start();
    browser = await launchBrowser();
  });

  after(async () => {
    // Leave the tenant's directory setting as the seed has it for the other suites.
    await setPartnerDirectory(true).catch(() => {});
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  test('an admin invites a partner in the browser; they accept, land signed in and see their onboarding checklist', async () => {
    const admin = await page();
    await login(admin, server.base, 'admin@demo.test');
    await admin.getByRole('button', { name: 'Member directory' }).click();
    const console_ = admin.getByRole('dialog', { name: 'Member directory' });
    await console_.getByRole('button', { name: 'Invite', exact: true }).click();
    const invite = admin.getByRole('dialog', { name: 'Invite a member' });
    await invite.getByLabel('Email').fill(email);
    await invite.getByLabel('Role').selectOption('partner');
    await invite.getByLabel('Tier').selectOption('silver');
    await invite.getByRole('button', { name: 'Create invite' }).click();
    // No SMTP in the e2e server: the link is shown to copy.
    await invite.getByText(`Invite created for ${email}. Send them this link:`).waitFor();
    const link = await invite.locator('code.admin-link').innerText();
    assert.match(link, /\/invite\/[^/]+$/);
    await admin.screenshot({ path: shotPath('invite-link.png') });
    await invite.getByRole('button', { name: 'Done' }).click();
    // The pending invite is listed.
    await console_.getByRole('region', { name: 'Invites' }).getByText(email).waitFor();

    // The invited partner opens the link in another browser.
    partner = await page(1280);
    const path = new URL(link).pathname;
    await partner.goto(server.base + path);
    await partner.getByRole('heading', { name: /^Join / }).waitFor();
    assert.match(await partner.locator('.login-sub').innerText(), new RegExp(`${email.replace(/[.]/g, '\\.')} \\(partner, silver\\)`));
    await partner.getByLabel('Display name').fill(name);
    await partner.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await partner.getByLabel('Confirm password').fill(PASSWORD);
    await partner.getByRole('button', { name: 'Join workspace' }).click();
    // Signed in: the workspace, with their name in the user panel.
    await partner.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
    await partner.locator('.user-panel-name', { hasText: name }).waitFor();
    // The onboarding checklist (activation domain's panel channel) is theirs, fresh.
    await partner.getByRole('link', { name: 'starter-checklist', exact: true }).click();
    await partner.waitForURL('**/channels/starter-checklist');
    await partner.getByText('Your onboarding checklist').first().waitFor({ timeout: 15_000 });
    await partner.locator('.checklist-item', { hasText: 'Complete your profile' }).waitFor();
    assert.ok((await partner.locator('.checklist-item').count()) >= 3);
    await partner.screenshot({ path: shotPath('onboarding-checklist.png') });

    // The admin's directory lists the new member with the tier of the invite.
    await console_.getByRole('searchbox', { name: 'Search members' }).fill(name);
    const row = console_.locator('tr[data-member-id]', { hasText: name });
    await row.waitFor({ timeout: 15_000 });
    assert.equal(await row.getByRole('combobox', { name: `Tier of ${name}` }).inputValue(), 'silver');

    // A second use of the link is refused with a clear message.
    const again = await page();
    await again.goto(server.base + path);
    await again.getByRole('heading', { name: 'Invite not found' }).waitFor();
    assert.match(await again.getByRole('alert').innerText(), /not valid: it may have expired, been used or been revoked/);
    assert.equal(await again.getByRole('button', { name: 'Join workspace' }).count(), 0);
  });

  test('the new partner browses and searches the public directory', async () => {
    assert.ok(partner, 'the invite test signed the partner in');
    await partner.getByRole('button', { name: 'Member directory' }).click();
    const dir = partner.getByRole('dialog', { name: 'Member directory' });
    const card = (who) => dir.locator('li[data-member-id]', { hasText: who });
    await card('Ana Ortiz').waitFor({ timeout: 15_000 });
    // Public fields only: names, tiers, bios; no email addresses.
    assert.equal(await dir.getByText('@demo.test').count(), 0);
    await dir.getByRole('searchbox', { name: 'Search members' }).fill('Ben');
    await card('Ben Carter').waitFor();
    await waitUntil(async () => (await dir.locator('li[data-member-id]').count()) === 1, 15_000, 'search narrows to Ben');
    await card('Ben Carter').getByRole('button', { name: 'Message Ben Carter' }).waitFor();
    await partner.screenshot({ path: shotPath('partner-directory.png') });
    await dir.getByRole('button', { name: 'Close' }).click();
  });

  test('switching the tenant’s partner directory off hides it from partners (and explains an open view)', async () => {
    assert.ok(partner, 'the invite test signed the partner in');
    await partner.getByRole('button', { name: 'Member directory' }).click();
    const dir = partner.getByRole('dialog', { name: 'Member directory' });
    await dir.locator('li[data-member-id]').first().waitFor({ timeout: 15_000 });
    // An admin turns it off in the staff console's workspace settings.
    const admin = await page();
    await login(admin, server.base, 'admin@demo.test');
    await admin.getByRole('button', { name: 'Member directory' }).click();
    await admin.getByRole('tab', { name: 'Workspace settings' }).click();
    const box = admin.getByRole('checkbox', { name: 'Partners can see the member directory' });
    await box.waitFor();
    await box.click();
    await waitUntil(async () => !(await box.isChecked()) && (await box.isEnabled()), 15_000, 'the setting to save');
    // The open view explains itself at its next request…
    await dir.getByRole('searchbox', { name: 'Search members' }).fill('Ana');
    await dir.getByRole('status').getByText(/keeps its member directory to staff/).waitFor({ timeout: 15_000 });
    assert.equal(await dir.locator('li[data-member-id]').count(), 0);
    // …and once closed, the entry is gone; a reload does not bring it back.
    await dir.getByRole('button', { name: 'Close' }).click();
    assert.equal(await partner.getByRole('button', { name: 'Member directory' }).count(), 0);
    await partner.reload();
    await partner.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
    assert.equal(await partner.getByRole('button', { name: 'Member directory' }).count(), 0);
    // On again: it comes back for a freshly loaded workspace.
    await box.click();
    await waitUntil(async () => (await box.isChecked()) && (await box.isEnabled()), 15_000, 'the setting to save');
    await partner.reload();
    await partner.getByRole('button', { name: 'Member directory' }).waitFor({ timeout: 20_000 });
  });
});

