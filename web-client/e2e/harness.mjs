// E2E harness: starts (and can SIGKILL and restart) its own `arena serve`,
// launches Debian's chromium through playwright-core, and offers login helpers.
//
// Env: ARENA_BIN (built `arena` binary), ARENA_DATABASE_URL (migrated,
// demo-seeded Postgres). Optional: ARENA_JWT_SECRET (a fixed one is used
// otherwise, kept across restarts so sessions survive them).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(WEB_DIR, '..');
export const DIST = path.join(WEB_DIR, 'dist');
/** Screenshots for the README; a run against the fake server writes them to a temp dir instead. */
export const SHOTS =
  process.env.E2E_SHOTS_DIR ??
  (/fake-server\.mjs$/.test(process.env.ARENA_BIN ?? '') ? path.join(os.tmpdir(), 'arena-e2e-shots') : path.join(REPO, 'docs', 'screenshots'));
export const PASSWORD = 'arena-demo';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function missingEnv() {
  return ['ARENA_BIN', 'ARENA_DATABASE_URL'].filter((k) => !process.env[k]);
}

export function ensureBuilt() {
  if (existsSync(path.join(DIST, 'index.html')) && !process.env.E2E_REBUILD) return;
  const r = spawnSync('npx', ['vite', 'build'], { cwd: WEB_DIR, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('vite build failed');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One `arena serve` process on a fixed port; `kill()` is SIGKILL, `start()` starts it again. */
export class ArenaServer {
  constructor(port) {
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = [];
  }

  async start() {
    const env = {
      ...process.env,
      ARENA_ADDR: `127.0.0.1:${this.port}`,
      ARENA_DATABASE_URL: process.env.ARENA_DATABASE_URL,
      DATABASE_URL: process.env.ARENA_DATABASE_URL,
      ARENA_WEB_DIR: DIST,
      ARENA_CHANNELS: path.join(REPO, 'channels.toml'),
      ARENA_PROGRAM: process.env.ARENA_PROGRAM ?? path.join(REPO, 'program.toml'),
      ARENA_JWT_SECRET: process.env.ARENA_JWT_SECRET ?? 'e2e-secret-e2e-secret-e2e-secret-e2e-secret',
    };
    const proc = spawn(process.env.ARENA_BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const keep = (chunk) => {
      this.log.push(String(chunk));
      if (this.log.length > 400) this.log.splice(0, 100);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    let exited = null;
    proc.once('exit', (code, signal) => (exited = { code, signal }));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`arena exited early (${JSON.stringify(exited)}):\n${this.log.join('').slice(-3000)}`);
      try {
        const res = await fetch(`${this.base}/readyz`);
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(150);
    }
    throw new Error(`arena not ready after 60s:\n${this.log.join('').slice(-3000)}`);
  }

  /** SIGKILL by PID: no graceful drain, no RECONNECT frame. */
  async kill() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise((r) => proc.once('exit', r));
    process.kill(proc.pid, 'SIGKILL');
    await done;
    this.proc = null;
  }

  async stop() {
    await this.kill();
  }
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Logs in through the form and waits for the workspace. */
export async function login(page, base, email, tenant = 'demo') {
  await page.goto(base + '/');
  await page.getByLabel('Workspace').fill(tenant);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Members' }).waitFor({ timeout: 20_000 });
}

/** A member's user id: the `sub` of their access token (the fake server's tokens are `tok:<id>`). */
export function userIdOf(accessToken) {
  const fake = /^tok:(\d+)/.exec(accessToken);
  if (fake) return fake[1];
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sub;
}

/** POSTs JSON with a bearer token; answers `{status, body}`. */
export async function apiPost(base, token, path, body) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Logs in over HTTP (for API calls made by the test itself). */
export async function apiLogin(base, email, tenant = 'demo') {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, email, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

export function shotPath(name) {
  mkdirSync(SHOTS, { recursive: true });
  return path.join(SHOTS, name);
}

export async function waitUntil(fn, timeoutMs = 15_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
