// @vitest-environment happy-dom
// A `panel.action` answer with `download: {filename, content_type, content}`
// is offered as a file: a Blob behind an object URL on a temporary
// `<a download>`, clicked, removed, the URL revoked; answers without one
// (and refusals) download nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { offerDownload, readDownload } from '../src/features/panels/download';
import { byText, click, mount, settle, submit, unmountAll } from './dom';

let clicked: { href: string; download: string; inDocument: boolean }[];
let blobs: Blob[];

beforeEach(() => {
  clicked = [];
  blobs = [];
  vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => (blobs.push(b as Blob), `blob:test/${blobs.length}`));
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ href: this.href, download: this.download, inDocument: document.body.contains(this) });
  });
});
afterEach(async () => {
  await unmountAll();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const PLAN = { download: { filename: 'plan.md', content_type: 'text/markdown', content: '# Q1 plan\n- more leads\n' } };

describe('download answers', () => {
  it('reads the download defensively', () => {
    expect(readDownload({})).toBeNull();
    expect(readDownload({ download: { filename: 'x' } })).toBeNull();
    expect(readDownload(null)).toBeNull();
    expect(readDownload({ download: { filename: '../etc/pass\nwd', content: 'x' } })).toEqual({ filename: '.._etc_pass_wd', contentType: 'text/plain', content: 'x' });
    expect(readDownload({ download: { content: '' } })?.filename).toBe('download.txt');
  });

  it('saves the content as a Blob through a temporary link, then revokes the URL', async () => {
    vi.useFakeTimers();
    expect(offerDownload(PLAN)).toBe(true);
    expect(clicked).toEqual([{ href: 'blob:test/1', download: 'plan.md', inDocument: true }]);
    expect(document.querySelector('a[download]')).toBeNull();
    expect(blobs[0].type).toBe('text/markdown');
    expect(await blobs[0].text()).toBe('# Q1 plan\n- more leads\n');
    expect(URL.revokeObjectURL).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:test/1');
    expect(offerDownload({ entries: [] })).toBe(false);
  });

  it('a button and a form whose answer carries a download offer it once', async () => {
    const act = vi.fn(async (action: string) => (action === 'plan.export' || action === 'plan.create' ? PLAN : {}));
    const blocks = [
      { type: 'actions', items: [{ label: 'Export plan', action: 'plan.export' }, { label: 'Refresh', action: 'plan.refresh' }] },
      { type: 'form', id: 'f', action: 'plan.create', submit: 'Create', fields: [{ name: 'name', label: 'Name', input: 'text' }] },
    ];
    const el = await mount(<PanelBody kind="k" data={{ blocks }} act={act} />);
    await click(byText(el, 'button', 'Refresh'));
    await settle();
    expect(clicked).toHaveLength(0);
    await click(byText(el, 'button', 'Export plan'));
    await settle();
    expect(clicked.map((c) => c.download)).toEqual(['plan.md']);
    await submit(el.querySelector('form'));
    await settle();
    expect(clicked).toHaveLength(2);
    expect(el.querySelector('[role="alert"]')).toBeNull();
  });
});
