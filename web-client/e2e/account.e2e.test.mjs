// End-to-end tests of the account and staff screens against a real `arena
// serve` (issue 13): the members directory (deactivate / reactivate, a tier
// change that takes a channel away live), a profile rename seen by another
// member, and two-factor login (enrolment in the browser, TOTP computed here
// per RFC 6238, password + code, a recovery code, turning it off).
// Run: ARENA_BIN=… ARENA_DATABASE_URL=… node --test e2e/account.e2e.test.mjs
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ArenaServer, PASSWORD, apiLogin, ensureBuilt, freePort, launchBrowser, login, missingEnv, shotPath, userIdOf, waitUntil } from './harness.mjs';

const missing = missingEnv();
// The fake server (test/fake-server.mjs) has no account or members routes.
const fake = /fake-server\.mjs$/.test(process.env.ARENA_BIN ?? '');

/** RFC 4648 base32 (no padding needed) to bytes. */
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) of `step`; RFC 4226 §5.3 truncation. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}
const stepNow = () => Math.floor(Date.now() / 30_000);

async function api(base, token, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('account and staff screens', { skip: missing.length ? `set ${missing.join(', ')}` : fake ? 'needs a real arena serve' : false }, () => {
  /** @type {ArenaServer} */ let server;
  let browser;
  const contexts = [];
  async function page(width = 1440) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(ctx);
    return ctx.newPage();
  }
  async function openDirectory(p) {
    await p.getByRole('button', { name: 'Member directory' }).click();
    await p.getByRole('dialog', { name: 'Member directory' }).waitFor();
  }
  const row = (p, name) => p.locator('tr[data-member-id]', { hasText: name });

  before(async () => {
    ensureBuilt();
    server = new ArenaServer(await freePort());
    await server.start();
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  test('staff deactivates Ben (his open tab goes to the login page) and reactivates him', async () => {
    const staff = await page();
    const ben = await page(1280);
    await login(staff, server.base, 'staff@demo.test');
    await login(ben, server.base, 'ben@demo.test');
    await openDirectory(staff);
    await staff.getByRole('searchbox', { name: 'Search members' }).fill('Ben');
    await row(staff, 'Ben Carter').waitFor();
    await waitUntil(async () => (await staff.locator('tr[data-member-id]').count()) === 1, 10_000, 'search narrows to Ben');
    await staff.screenshot({ path: shotPath('members-directory.png') });
    await row(staff, 'Ben Carter').getByRole('button', { name: 'Deactivate' }).click();
    const confirm = staff.getByRole('alertdialog');
    assert.match(await confirm.innerText(), /Deactivate Ben Carter\?/);
    await confirm.getByRole('button', { name: 'Deactivate' }).click();
    await row(staff, 'Ben Carter').getByText('Deactivated').waitFor();
    // Ben's open session is closed and the tab shows the login form.
    await ben.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 20_000 });
    // He cannot log in while deactivated.
    await ben.getByLabel('Workspace').fill('demo');
    await ben.getByLabel('Email').fill('ben@demo.test');
    await ben.getByLabel('Password').fill(PASSWORD);
    await ben.getByRole('button', { name: 'Log in' }).click();
    await ben.getByRole('alert').waitFor();
    // The status filter finds him among the deactivated.
    const filtered = staff.waitForResponse((r) => r.url().includes('status=deactivated'));
    await staff.getByRole('combobox', { name: 'Filter by status' }).selectOption('deactivated');
    await filtered;
    await row(staff, 'Ben Carter').waitFor();
    await row(staff, 'Ben Carter').getByRole('button', { name: 'Reactivate' }).click();
    await staff.getByRole('alertdialog').getByRole('button', { name: 'Reactivate' }).click();
    await row(staff, 'Ben Carter').getByText('Active', { exact: true }).waitFor();
    // Staff may not change roles: no role select for them.
    assert.equal(await row(staff, 'Ben Carter').getByRole('combobox', { name: 'Role of Ben Carter' }).count(), 0);
    await login(ben, server.base, 'ben@demo.test');
    // A reset link made by staff (not mailed without SMTP) sets a new password on /reset/{token}.
    await row(staff, 'Ben Carter').getByRole('button', { name: 'Reset password' }).click();
    await staff.getByRole('alertdialog').getByRole('button', { name: 'Make link' }).click();
    const link = await staff.locator('[role=status] code.admin-link').innerText();
    const reset = await page();
    await reset.goto(server.base + new URL(link).pathname);
    await reset.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await reset.getByLabel('Confirm new password').fill(PASSWORD);
    await reset.getByRole('button', { name: 'Set password' }).click();
    await reset.getByText(/Your password was changed/).waitFor();
    // Every session of Ben's ended; he signs in again with the new password.
    await ben.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 20_000 });
    await login(ben, server.base, 'ben@demo.test');
  });

  test('an admin moves Ben from gold to silver and his sidebar loses #beta-features live', async () => {
    const adminToken = await apiLogin(server.base, 'admin@demo.test');
    const benId = userIdOf(await apiLogin(server.base, 'ben@demo.test'));
    const promoted = await api(server.base, adminToken, 'PATCH', `/api/v1/members/${benId}`, { tier: 'gold' });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    const ben = await page(1280);
    await login(ben, server.base, 'ben@demo.test');
    const beta = ben.getByRole('link', { name: 'beta-features', exact: true });
    await beta.waitFor();
    const admin = await page();
    await login(admin, server.base, 'admin@demo.test');
    await openDirectory(admin);
    await admin.getByRole('searchbox', { name: 'Search members' }).fill('Ben Carter');
    const tier = row(admin, 'Ben Carter').getByRole('combobox', { name: 'Tier of Ben Carter' });
    await tier.waitFor();
    assert.equal(await tier.inputValue(), 'gold');
    await tier.selectOption('silver');
    await beta.waitFor({ state: 'detached', timeout: 15_000 });
    assert.equal(await tier.inputValue(), 'silver');
    // Admins see the role select and the workspace settings.
    await row(admin, 'Ben Carter').getByRole('combobox', { name: 'Role of Ben Carter' }).waitFor();
    await admin.getByRole('tab', { name: 'Workspace settings' }).click();
    const dir = admin.getByRole('checkbox', { name: 'Partners can see the member directory' });
    await dir.waitFor();
    assert.equal(await dir.isEnabled(), true);
  });

  test('a member renames themselves and another member sees the new name', async () => {
    const ana = await page();
    const ben = await page(1280);
    await login(ana, server.base, 'ana@demo.test');
    await login(ben, server.base, 'ben@demo.test');
    await ben.locator('#members').getByText('Ana Ortiz', { exact: true }).first().waitFor();
    await ana.getByRole('button', { name: 'Account settings' }).click();
    const dialog = ana.getByRole('dialog', { name: 'Account settings' });
    await dialog.getByLabel('Display name').waitFor();
    await dialog.getByLabel('Display name').fill('Ana Ortiz-Lee');
    await dialog.getByLabel('Time zone').selectOption('Europe/Madrid');
    // A 1×1 PNG as the avatar: previewed (as a data: URL, allowed by the CSP) before saving.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    await dialog.getByLabel('Avatar image').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
    await waitUntil(async () => /^data:image\/png;base64,/.test((await dialog.getByRole('img', { name: 'Avatar preview' }).getAttribute('src').catch(() => '')) ?? ''), 10_000, 'avatar preview');
    await dialog.getByRole('button', { name: 'Save profile' }).click();
    await dialog.getByText('Profile saved.').waitFor();
    await ana.screenshot({ path: shotPath('account-settings.png') });
    await ben.locator('#members').getByText('Ana Ortiz-Lee', { exact: true }).first().waitFor({ timeout: 15_000 });
    await ana.locator('.user-panel-name', { hasText: 'Ana Ortiz-Lee' }).waitFor();
    // Put the name back for the other suites sharing this database.
    await dialog.getByLabel('Display name').fill('Ana Ortiz');
    await dialog.getByRole('button', { name: 'Save profile' }).click();
    await ben.locator('#members').getByText('Ana Ortiz', { exact: true }).first().waitFor({ timeout: 15_000 });
  });

  test('two-factor login: enrol in the browser, then log in with password + code and with a recovery code', async () => {
    const email = 'lena@demo.test';
    const p = await page();
    await login(p, server.base, email);
    await p.getByRole('button', { name: 'Account settings' }).click();
    const dialog = p.getByRole('dialog', { name: 'Account settings' });
    await dialog.getByRole('tab', { name: 'Security' }).click();
    await dialog.getByRole('button', { name: 'Set up two-factor login' }).click();
    const secret = await dialog.getByTestId('totp-secret').getAttribute('data-secret');
    assert.match(secret ?? '', /^[A-Z2-7]+=*$/);
    const qr = dialog.getByRole('img', { name: /QR code/ });
    assert.match((await qr.getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
    // A wrong code is refused inline.
    let used = stepNow();
    const wrong = String((Number(totp(secret, used)) + 1) % 1_000_000).padStart(6, '0');
    await dialog.getByLabel('6-digit code').fill(wrong);
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await dialog.getByRole('alert').waitFor();
    used = stepNow();
    await dialog.getByLabel('6-digit code').fill(totp(secret, used));
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    const codes = dialog.getByRole('region', { name: 'Recovery codes' });
    await codes.waitFor();
    const list = await codes.locator('ol li').allInnerTexts();
    assert.equal(list.length, 10);
    await p.screenshot({ path: shotPath('two-factor-codes.png') });
    assert.equal(await codes.getByRole('button', { name: 'Done' }).isDisabled(), true);
    await codes.getByLabel('I saved my recovery codes').check();
    await codes.getByRole('button', { name: 'Done' }).click();
    await dialog.getByText('On', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await p.getByRole('button', { name: 'Log out' }).click();

    async function passwordStep() {
      await p.getByLabel('Workspace').fill('demo');
      await p.getByLabel('Email').fill(email);
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByLabel('Authentication code').waitFor();
    }
    // Password, then the code (each step's code is taken once: use a later step, within the ±1 window).
    await p.getByRole('button', { name: 'Log in' }).waitFor();
    await passwordStep();
    await p.getByLabel('Authentication code').fill('000000' === totp(secret, used) ? '111111' : '000000');
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.getByRole('alert').waitFor();
    used = Math.max(stepNow(), used + 1);
    await p.getByLabel('Authentication code').fill(totp(secret, used));
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
    // Log out and in again with a recovery code.
    await p.getByRole('button', { name: 'Log out' }).click();
    await passwordStep();
    await p.getByRole('button', { name: 'Use a recovery code' }).click();
    await p.getByLabel('Recovery code').fill(list[0].trim());
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
    // Turn it off with the password; a plain login works again.
    await p.getByRole('button', { name: 'Account settings' }).click();
    await dialog.getByRole('tab', { name: 'Security' }).click();
    await dialog.getByLabel('Password to turn it off').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Turn off two-factor login' }).click();
    await dialog.getByText('Off', { exact: true }).waitFor();
    const res = await fetch(`${server.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'demo', email, password: PASSWORD }),
    });
    assert.ok('access_token' in (await res.json()));
  });

  test('changing the password keeps this tab signed in and signs the other tab out', async () => {
    const email = 'marco@demo.test';
    const here = await page();
    const other = await page(1280);
    await login(here, server.base, email);
    await login(other, server.base, email);
    async function change(from, to) {
      await here.getByRole('button', { name: 'Account settings' }).click();
      const dialog = here.getByRole('dialog', { name: 'Account settings' });
      await dialog.getByRole('tab', { name: 'Password' }).click();
      await dialog.getByLabel('Current password').fill(from);
      await dialog.getByLabel('New password', { exact: true }).fill(to);
      await dialog.getByLabel('Confirm new password').fill(to + 'x');
      await dialog.getByRole('button', { name: 'Change password' }).click();
      await dialog.getByText('The passwords do not match.').waitFor();
      await dialog.getByLabel('Confirm new password').fill(to);
      await dialog.getByRole('button', { name: 'Change password' }).click();
      await dialog.getByText(/Password changed/).waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
    }
    await change(PASSWORD, 'a-new-password-123');
    await other.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 20_000 });
    // This tab reconnects with the new tokens (the server closed its gateway
    // session too): it stays in the workspace and can change the password back.
    const reconnected = () => waitUntil(async () => (await here.getByTestId('reconnecting').count()) === 0 && (await here.getByRole('button', { name: 'Log out' }).count()) === 1, 20_000, 'this tab connected');
    await reconnected();
    await change('a-new-password-123', PASSWORD);
    await reconnected();
    assert.equal(await here.getByRole('button', { name: 'Log in' }).count(), 0);
  });

  test('when the workspace requires it, staff enrol in two-factor login at sign-in', async () => {
    const adminToken = await apiLogin(server.base, 'admin@demo.test');
    const admin = await page();
    const staff = await page(1280);
    await login(admin, server.base, 'admin@demo.test');
    try {
      await openDirectory(admin);
      await admin.getByRole('tab', { name: 'Workspace settings' }).click();
      const require = admin.getByRole('checkbox', { name: 'Require two-factor login for staff and admins' });
      await require.click();
      await waitUntil(async () => (await require.isChecked()) && (await require.isEnabled()), 10_000, 'setting saved');
      await staff.goto(server.base + '/');
      await staff.getByLabel('Workspace').fill('demo');
      await staff.getByLabel('Email').fill('staff@demo.test');
      await staff.getByLabel('Password').fill(PASSWORD);
      await staff.getByRole('button', { name: 'Log in' }).click();
      await staff.getByRole('heading', { name: 'Set up two-factor login' }).waitFor();
      const secret = await staff.getByTestId('totp-secret').getAttribute('data-secret');
      await staff.getByLabel('Authentication code').fill(totp(secret, stepNow()));
      await staff.getByRole('button', { name: 'Verify' }).click();
      const codes = staff.getByRole('region', { name: 'Recovery codes' });
      await codes.waitFor();
      assert.equal(await codes.locator('ol li').count(), 10);
      await codes.getByLabel('I saved my recovery codes').check();
      await codes.getByRole('button', { name: 'Done' }).click();
      await staff.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
      // Staff can read the settings but not change them.
      await openDirectory(staff);
      await staff.getByRole('tab', { name: 'Workspace settings' }).click();
      await staff.getByText('Only admins change these settings.').waitFor();
      assert.equal(await staff.getByRole('checkbox', { name: 'Require two-factor login for staff and admins' }).isDisabled(), true);
      await staff.getByRole('button', { name: 'Close' }).click();
      // Turn the rule off, then staff's own two-factor login.
      await require.click();
      await waitUntil(async () => !(await require.isChecked()) && (await require.isEnabled()), 10_000, 'setting saved');
      await staff.getByRole('button', { name: 'Account settings' }).click();
      const dialog = staff.getByRole('dialog', { name: 'Account settings' });
      await dialog.getByRole('tab', { name: 'Security' }).click();
      await dialog.getByLabel('Password to turn it off').fill(PASSWORD);
      await dialog.getByRole('button', { name: 'Turn off two-factor login' }).click();
      await dialog.getByText('Off', { exact: true }).waitFor();
    } finally {
      // Leave the shared database as the other suites expect it.
      await api(server.base, adminToken, 'PATCH', '/api/v1/tenant/settings', { require_staff_mfa: false });
    }
  });
});
