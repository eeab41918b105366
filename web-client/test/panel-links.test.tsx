// @vitest-environment happy-dom
// Component tests for the `links` block (urls resolved against the origin,
// Copy through the Clipboard API or the execCommand fallback, the QR code
// folded behind a button) and the `preview` block (a sandboxed frame for
// same-origin pages only).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { byText, click, mount, settle, unmountAll } from './dom';

afterEach(async () => {
  await unmountAll();
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, 'clipboard');
});

const LINKS = {
  type: 'links',
  items: [
    { label: 'Your referral link', url: '/r/ana-42', qr_url: '/api/v1/referrals/qr/ana-42.svg', note: 'Share it with prospects' },
    { label: 'Partner site', url: 'https://partners.example.com/ana' },
    { label: 'bad', url: 'javascript:alert(1)' },
  ],
};

describe('links block', () => {
  it('shows each link resolved against the origin, with its note', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [LINKS] }} />);
    const items = el.querySelectorAll('.link-item');
    expect(items).toHaveLength(3);
    const first = items[0].querySelector<HTMLAnchorElement>('a.link-url')!;
    expect(first.textContent).toBe(`${location.origin}/r/ana-42`);
    expect(first.getAttribute('rel')).toBe('noopener noreferrer');
    expect(items[0].querySelector('.link-note')?.textContent).toBe('Share it with prospects');
    expect(items[1].querySelector('a.link-url')?.getAttribute('href')).toBe('https://partners.example.com/ana');
    // Not a link (no javascript: urls), and no QR button without qr_url.
    expect(items[2].querySelector('a')).toBeNull();
    expect(items[1].querySelector('[aria-controls]')).toBeNull();
  });

  it('copies the full url with the Clipboard API and says "Copied"', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const el = await mount(<PanelBody kind="k" data={{ blocks: [LINKS] }} />);
    await click(el.querySelector('button[aria-label="Copy Your referral link"]'));
    await settle();
    expect(writeText).toHaveBeenCalledWith(`${location.origin}/r/ana-42`);
    expect(el.querySelector('button[aria-label="Copy Your referral link"]')?.textContent).toBe('Copied');
    expect(el.querySelector('[role="status"]')?.textContent).toBe('Your referral link copied');
  });

  it('falls back to execCommand when the Clipboard API refuses', async () => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: async () => Promise.reject(new Error('denied')) }, configurable: true });
    const exec = vi.fn(() => true);
    Object.defineProperty(document, 'execCommand', { value: exec, configurable: true });
    const el = await mount(<PanelBody kind="k" data={{ blocks: [LINKS] }} />);
    await click(el.querySelector('button[aria-label="Copy Partner site"]'));
    await settle();
    expect(exec).toHaveBeenCalledWith('copy');
    expect(el.querySelector('button[aria-label="Copy Partner site"]')?.textContent).toBe('Copied');
    expect(document.querySelector('textarea')).toBeNull();
    Reflect.deleteProperty(document, 'execCommand');
  });

  it('shows the QR code image only after pressing QR', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [LINKS] }} />);
    const qr = byText(el, 'button', 'QR')!;
    expect(qr.getAttribute('aria-expanded')).toBe('false');
    expect(el.querySelector('.link-qr img')).toBeNull();
    await click(qr);
    const img = el.querySelector<HTMLImageElement>('.link-qr img')!;
    expect(img.getAttribute('src')).toBe('/api/v1/referrals/qr/ana-42.svg');
    expect(img.getAttribute('alt')).toBe(`QR code for Your referral link: ${location.origin}/r/ana-42`);
    expect(qr.getAttribute('aria-expanded')).toBe('true');
    expect(document.getElementById(qr.getAttribute('aria-controls')!)).toBe(img.parentElement);
  });
});

describe('preview block', () => {
  // happy-dom does not load frames (it logs a NotSupportedError per frame); the attributes are what is checked here.
  it('frames a same-origin page sandboxed, without referrer, with an Open link', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [{ type: 'preview', url: '/p/acme-landing', title: 'Landing page', height: 500 }] }} />);
    const frame = el.querySelector('iframe')!;
    expect(frame.getAttribute('src')).toBe('/p/acme-landing');
    expect(frame.getAttribute('sandbox')).toBe('');
    expect(frame.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(frame.getAttribute('title')).toBe('Landing page');
    expect(frame.style.height).toBe('500px');
    expect(byText(el, 'a', 'Open')?.getAttribute('href')).toBe('/p/acme-landing');
  });

  it('uses the default height, and only links to another origin', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [{ type: 'preview', url: '/p/x' }, { type: 'preview', url: 'https://evil.example/x' }, { type: 'preview', url: '//evil.example/x' }] }} />);
    const frames = el.querySelectorAll('iframe');
    expect(frames).toHaveLength(1);
    expect(frames[0].style.height).toBe('360px');
    expect(frames[0].getAttribute('title')).toBe('Preview');
    const links = [...el.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(links).toContain('https://evil.example/x');
  });
});
