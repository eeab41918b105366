// A fake domain panel for the fake server: #growth uses the issue 10 blocks
// of the panel vocabulary (charts: a KPI time series with a gap, an
// experiment's grouped bars and a funnel; referral links with QR codes; a
// landing-page preview; a plan wizard, a `form` with `steps`). The wizard's
// `plan.create` answers with a `download` (the plan as Markdown), as
// docs/protocol.md lets domains do. Also serves the QR code and the landing
// page the panel points to (same origin, like the real server's).

export const GROWTH_PANEL = '2012';

export function createGrowth() {
  let version = 1;
  const plans = []; // the params of every plan.create

  function panel() {
    return {
      kind: 'growth.plan',
      version,
      data: {
        title: 'Growth',
        blocks: [
          {
            type: 'chart', kind: 'line', title: 'Revenue by day', currency: 'USD',
            x: ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'],
            series: [{ name: 'Won', values: [120000, 98050, null, 143000, 160500] }, { name: 'Goal', values: [125000, 125000, 125000, 125000, 125000] }],
          },
          { type: 'chart', kind: 'bar', title: 'Headline test', unit: '%', x: ['Control', 'Variant B'], series: [{ name: 'Click rate', values: [3.1, 4.4] }, { name: 'Sign-up rate', values: [1.2, 1.9] }] },
          { type: 'chart', kind: 'funnel', title: 'Referral funnel', x: ['Clicks', 'Sign-ups', 'Qualified', 'Won'], series: [{ name: 'Referrals', values: [1200, 300, 90, 27] }] },
          { type: 'links', items: [{ label: 'Your referral link', url: '/r/ana-42', qr_url: '/qr/ana-42.svg', note: 'Counts sign-ups for 90 days' }] },
          { type: 'preview', title: 'Landing page', url: '/p/ana-landing', height: 300 },
          {
            type: 'form', id: 'plan', title: 'Plan wizard', action: 'plan.create', submit: 'Create plan', params: { quarter: '2027-Q1' },
            steps: [
              { title: 'Goal', fields: ['goal', 'audience'] },
              { title: 'Budget', fields: ['budget_minor', 'brief_file_id'] },
              { title: 'Launch', fields: ['launch_on'] },
            ],
            fields: [
              { name: 'goal', label: 'Goal', input: 'select', required: true, options: [{ value: 'leads', label: 'More leads' }, { value: 'revenue', label: 'More revenue' }] },
              { name: 'audience', label: 'Audience', input: 'text', required: true, max_length: 60 },
              { name: 'budget_minor', label: 'Budget', input: 'money', currency: 'USD', required: true },
              { name: 'brief_file_id', label: 'Brief (PDF)', input: 'file' },
              { name: 'launch_on', label: 'Launch date', input: 'date', required: true },
              { name: 'notify', label: 'Tell my team', input: 'checkbox' },
            ],
          },
        ],
      },
    };
  }

  /** `{result}` after a change, or `{error: {code, message}}`. */
  function action(_user, name, params = {}) {
    if (name !== 'plan.create') return { error: { code: 'bad_request', message: `unknown action ${JSON.stringify(name)}` } };
    plans.push(params);
    version += 1;
    const content = `# Plan ${params.quarter}\n\n- Goal: ${params.goal}\n- Audience: ${params.audience}\n- Budget: ${params.budget_minor} minor units\n- Launch: ${params.launch_on}\n`;
    return { result: { download: { filename: `plan-${params.quarter}.md`, content_type: 'text/markdown', content } } };
  }

  /** GET of a page the panel points to: `{status, type, body, headers?}`, or null when not one of them. */
  function page(url) {
    const p = new URL(url, 'http://x').pathname;
    if (/^\/qr\/[\w-]+\.svg$/.test(p)) {
      // A stand-in QR code: a few dark modules, enough to see that the image loads.
      const cells = [[0, 0], [0, 1], [1, 0], [4, 4], [6, 2], [2, 6], [5, 5]].map(([x, y]) => `<rect x="${x}" y="${y}" width="1" height="1"/>`).join('');
      return { status: 200, type: 'image/svg+xml', body: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="140" height="140">${cells}</svg>` };
    }
    if (p === '/p/ana-landing') {
      // Framed by the panel: same origin only (the real server must allow it the same way).
      return { status: 200, type: 'text/html', headers: { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'" }, body: '<!doctype html><title>Ana’s landing page</title><h1 style="font-family:sans-serif">Grow with Ana</h1><p>Book a demo.</p>' };
    }
    return null;
  }

  return { panel, action, page, plans };
}
