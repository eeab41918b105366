import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Reauth } from '../src/lib/realtime/reauth';

describe('session.reauth', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends a refreshed token once, and only while started', async () => {
    let token = 'a';
    const sent: string[] = [];
    const r = new Reauth(
      async () => token,
      async (t) => void sent.push(t),
      () => {},
      1000,
    );
    r.current = 'a';
    r.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([]);
    token = 'b';
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual(['b']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sent).toEqual(['b']);
    r.stop();
    token = 'c';
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual(['b']);
  });

  it('keeps the old token when the server refuses the new one, and retries', async () => {
    const warnings: unknown[] = [];
    let fail = true;
    const sent: string[] = [];
    const r = new Reauth(
      async () => 'new',
      async (t) => {
        if (fail) throw new Error('unauthorized');
        sent.push(t);
      },
      (e) => void warnings.push(e),
      1000,
    );
    r.current = 'old';
    await r.tick();
    expect(r.current).toBe('old');
    expect(warnings).toHaveLength(1);
    fail = false;
    await r.tick();
    expect(r.current).toBe('new');
    expect(sent).toEqual(['new']);
  });

  it('does nothing when signed out', async () => {
    const sent: string[] = [];
    const r = new Reauth(
      () => Promise.reject(new Error('signed out')),
      async (t) => void sent.push(t),
      () => {},
      1000,
    );
    r.current = 'a';
    await r.tick();
    expect(sent).toEqual([]);
  });
});
