// The workspace store's panel.action against the fake server's #pipeline
// panel: the request frame sent, PANEL_UPDATE replacing the panel without a
// reload, and a refused move arriving as a RequestError naming the stage.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createFakeServer } from './fake-server.mjs';
import type { WorkspaceStore } from '../src/workspace/store';

const PIPELINE = '2011';
let server: ReturnType<typeof createFakeServer>;
let store: WorkspaceStore;

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};
type Board = { type: string; columns: { id: string; cards: { id: string }[] }[] };
const board = () => (store.getState().panels[PIPELINE]?.panel?.data.blocks as Board[]).find((b) => b.type === 'board')!;
const stageOf = (id: string) => board().columns.find((c) => c.cards.some((k) => k.id === id))?.id;

beforeAll(async () => {
  server = createFakeServer();
  const port = await server.listen(0);
  const mem = new Map<string, string>();
  const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v), removeItem: (k: string) => void mem.delete(k) };
  mem.set('arena.session', JSON.stringify({ tenant: 'demo', email: 'ana@demo.test', access_token: 'tok:1003', refresh_token: 'ref:1003', expires_at: Date.now() + 600_000 }));
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('document', { visibilityState: 'visible', addEventListener() {}, removeEventListener() {} });
  vi.stubGlobal('location', { protocol: 'http:', host: `127.0.0.1:${port}` });
  vi.stubGlobal('WebSocket', WebSocket);
  vi.resetModules();
  const { WorkspaceStore } = await import('../src/workspace/store');
  store = new WorkspaceStore();
  store.start('json');
  await waitFor(() => store.getState().connection === 'connected');
  await store.loadPanel(PIPELINE);
});
afterAll(async () => {
  store?.stop();
  await server.close();
  vi.unstubAllGlobals();
});

describe('panel.action through the store', () => {
  it('sends {channel_id, action, params} and the panel follows by PANEL_UPDATE', async () => {
    const before = store.getState().panels[PIPELINE]!.panel!.version;
    expect(stageOf('d1')).toBe('lead');
    await expect(store.panelAction(PIPELINE, 'deal.move', { id: 'd1', to: 'proposal' })).resolves.toEqual({});
    const frame = server.received.find((f: { op: number; d?: { method?: string } }) => f.op === 8 && f.d?.method === 'panel.action');
    expect(frame.d.params).toEqual({ channel_id: PIPELINE, action: 'deal.move', params: { id: 'd1', to: 'proposal' } });
    await waitFor(() => store.getState().panels[PIPELINE]!.panel!.version > before);
    expect(stageOf('d1')).toBe('proposal');
  });

  it('a move the stage does not allow is refused with conflict naming the stage', async () => {
    const err = await store.panelAction(PIPELINE, 'deal.move', { id: 'd2', to: 'lead' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'conflict', message: 'Initech is in stage Proposal; it cannot move to Lead' });
    expect(stageOf('d2')).toBe('proposal');
  });

  it('a form submission creates a record with minor units', async () => {
    await store.panelAction(PIPELINE, 'deal.create', { currency: 'USD', client: 'Umbrella', amount_minor: 123456 });
    await waitFor(() => stageOf('d3') === 'lead');
    expect(server.pipeline.deals.find((d: { id: string }) => d.id === 'd3')).toMatchObject({ client: 'Umbrella', amount_minor: 123456, owner: 'Ana Ortiz' });
  });
});
