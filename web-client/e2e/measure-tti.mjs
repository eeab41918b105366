// Cold-load time to interactive: navigation start → login form usable (the
// "Log in" button rendered and enabled), in fresh browser contexts (no cache).
// Usage: ARENA_URL=http://127.0.0.1:8080 node e2e/measure-tti.mjs [runs]
import { launchBrowser } from './harness.mjs';

const base = process.env.ARENA_URL ?? 'http://127.0.0.1:8080';
const runs = Number(process.argv[2] ?? 7);
const browser = await launchBrowser();
const samples = [];
for (let i = 0; i < runs; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
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
console.log(`cold loads: ${runs}; login form interactive median ${Math.round(med(samples.map((s) => s.tti)))} ms ` +
  `(min ${Math.round(Math.min(...samples.map((s) => s.tti)))}, max ${Math.round(Math.max(...samples.map((s) => s.tti)))}); ` +
  `DOMContentLoaded median ${Math.round(med(samples.map((s) => s.dcl)))} ms`);
