// Cold-load time to interactive: navigation start → login form usable (the
// "Log in" button rendered and enabled), in fresh browser contexts (no cache).
// Usage: ARENA_URL=http://127.0.0.1:8080 node e2e/measure-tti.mjs [runs]
// THROTTLE=1 emulates a mid-range phone: 4x CPU slowdown, 150 ms RTT, 1.6 Mbit/s down.
import { launchBrowser } from './harness.mjs';

const base = process.env.ARENA_URL ?? 'http://127.0.0.1:8080';
const runs = Number(process.argv[2] ?? 7);
const browser = await launchBrowser();
const samples = [];
for (let i = 0; i < runs; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  if (process.env.THROTTLE) {
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 });
  }
  await page.goto(base + '/', { waitUntil: 'commit' });
  await page.waitForFunction(() => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Log in');
    return b && !b.disabled && document.getElementById('login-email');
  });
  samples.push(
    await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { tti: performance.now(), dcl: nav.domContentLoadedEventEnd, transfer: nav.transferSize };
    }),
  );
  await ctx.close();
}
await browser.close();
const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`cold loads${process.env.THROTTLE ? ' (throttled: 4x CPU, 150 ms RTT, 1.6 Mbit/s)' : ''}: ${runs}; login form interactive median ${Math.round(med(samples.map((s) => s.tti)))} ms ` +
  `(min ${Math.round(Math.min(...samples.map((s) => s.tti)))}, max ${Math.round(Math.max(...samples.map((s) => s.tti)))}); ` +
  `DOMContentLoaded median ${Math.round(med(samples.map((s) => s.dcl)))} ms`);
