// A fake domain panel for the fake server: #pipeline (client-exchange) uses
// every interactive block of the panel vocabulary (board, form with money,
// date and file, checklist, actions with confirm, table with row_actions and
// filter, activity) and answers `panel.action` the way docs/protocol.md says
// domains do: `{}` after the change, then PANEL_UPDATE; `conflict` naming the
// current stage for a move the stage does not allow. Shared by every viewer.

export const PIPELINE_PANEL = '2011';

const STAGES = [
  { id: 'lead', title: 'Lead', moves: ['proposal', 'lost'] },
  { id: 'proposal', title: 'Proposal', moves: ['won', 'lost'] },
  { id: 'won', title: 'Won', moves: [] },
  { id: 'lost', title: 'Lost', moves: ['lead'] },
];
const stage = (id) => STAGES.find((s) => s.id === id);

/** Like the server's money(): "1,234.56 USD" from integer minor units. */
const money = (minor, cur) => `${(BigInt(minor) / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${(BigInt(minor) % 100n).toString().padStart(2, '0')} ${cur}`;

export function createPipeline() {
  let version = 1;
  let nextDeal = 3;
  let nextEntry = 1;
  const deals = [
    { id: 'd1', client: 'Globex', owner: 'Ana Ortiz', amount_minor: 480000, currency: 'USD', stage: 'lead', close_on: '2026-12-15' },
    { id: 'd2', client: 'Initech', owner: 'Ben Carter', amount_minor: 1250000, currency: 'USD', stage: 'proposal', close_on: '2026-12-01' },
  ];
  const files = new Map(); // id -> {id, name, content_type, size}
  let kickoff = null; // done_at
  const activity = [];
  const log = (actor, summary) => activity.unshift({ id: nextEntry++, actor: actor.display_name, summary, created_at: new Date().toISOString() });

  function panel() {
    const won = deals.some((d) => d.stage === 'won');
    return {
      kind: 'client_exchange.pipeline',
      version,
      data: {
        title: 'Pipeline',
        blocks: [
          {
            type: 'board',
            action: 'deal.move',
            columns: STAGES.map((s) => ({
              id: s.id,
              title: s.title,
              cards: deals.filter((d) => d.stage === s.id).map((d) => ({ id: d.id, title: d.client, subtitle: d.owner, fields: [{ label: 'Value', value: d.amount_minor, currency: d.currency }], moves: s.moves })),
            })),
          },
          {
            type: 'form', id: 'deal-create', title: 'Log a deal', action: 'deal.create', submit: 'Log deal', params: { currency: 'USD' },
            fields: [
              { name: 'client', label: 'Client', input: 'text', required: true, max_length: 40 },
              { name: 'amount_minor', label: 'Value', input: 'money', currency: 'USD', required: true },
              { name: 'close_on', label: 'Expected close', input: 'date' },
              { name: 'contract_file_id', label: 'Contract (PDF)', input: 'file' },
            ],
          },
          {
            type: 'checklist',
            items: [
              { id: 'profile', label: 'Complete your profile', done: true, done_at: '2026-11-20T09:30:00Z', auto: true },
              { id: 'first_win', label: 'Win your first deal', done: won, auto: true, hint: 'Ticks when a deal reaches Won' },
              { id: 'kickoff', label: 'Book a kickoff call', done: kickoff !== null, ...(kickoff ? { done_at: kickoff } : {}), action: { label: kickoff ? 'Mark not done' : 'Mark done', action: 'checklist.toggle', params: { id: 'kickoff' } } },
            ],
          },
          { type: 'actions', items: [{ label: 'Archive lost deals', action: 'deal.archive_lost', style: 'danger', confirm: 'Archive every lost deal? They leave the board.' }] },
          {
            type: 'table', columns: ['Client', 'Owner', 'Status', 'Value'], filter: true,
            rows: deals.map((d) => [d.client, d.owner, d.stage, money(d.amount_minor, d.currency)]),
            row_actions: deals.map((d) => (stage(d.stage).moves.includes('lost') ? [{ label: 'Mark lost', action: 'deal.move', params: { id: d.id, to: 'lost' }, style: 'danger' }] : [])),
          },
          { type: 'activity', items: activity.slice(0, 10) },
        ],
      },
    };
  }

  /** `{result}` after a change (the caller then pushes PANEL_UPDATE), or `{error: {code, message}}`. */
  function action(user, name, params = {}) {
    const fail = (code, message) => ({ error: { code, message } });
    switch (name) {
      case 'deal.move': {
        const d = deals.find((x) => x.id === params.id);
        if (!d) return fail('not_found', `no deal ${JSON.stringify(params.id)}`);
        const to = stage(params.to);
        if (!to) return fail('bad_request', `unknown stage ${JSON.stringify(params.to)}`);
        const from = stage(d.stage);
        if (!from.moves.includes(to.id)) return fail('conflict', `${d.client} is in stage ${from.title}; it cannot move to ${to.title}`);
        d.stage = to.id;
        log(user, `Moved ${d.client} to ${to.title}`);
        break;
      }
      case 'deal.create': {
        const client = typeof params.client === 'string' ? params.client.trim() : '';
        if (!client || client.length > 40) return fail('bad_request', 'client must be 1..40 characters');
        if (!Number.isSafeInteger(params.amount_minor) || params.amount_minor <= 0) return fail('bad_request', 'amount_minor must be a positive integer');
        if (params.close_on !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(params.close_on)) return fail('bad_request', 'close_on must be YYYY-MM-DD');
        if (params.contract_file_id !== undefined && !files.has(String(params.contract_file_id))) return fail('bad_request', 'no such file');
        const d = { id: `d${nextDeal++}`, client, owner: user.display_name, amount_minor: params.amount_minor, currency: params.currency ?? 'USD', stage: 'lead', close_on: params.close_on ?? null, contract_file_id: params.contract_file_id ?? null };
        deals.push(d);
        log(user, `Logged ${client} (${money(d.amount_minor, d.currency)})`);
        break;
      }
      case 'checklist.toggle':
        if (params.id !== 'kickoff') return fail('bad_request', 'only the kickoff item is ticked by hand');
        kickoff = kickoff ? null : new Date().toISOString();
        log(user, kickoff ? 'Kickoff call booked' : 'Kickoff call unticked');
        break;
      case 'deal.archive_lost': {
        const before = deals.length;
        for (let i = deals.length - 1; i >= 0; i--) if (deals[i].stage === 'lost') deals.splice(i, 1);
        if (before === deals.length) return fail('conflict', 'there are no lost deals to archive');
        log(user, `Archived ${before - deals.length} lost deal(s)`);
        break;
      }
      default:
        return fail('bad_request', `unknown action ${JSON.stringify(name)}`);
    }
    version += 1;
    return { result: {} };
  }

  /** POST /api/v1/files?name=: `{status, body}` as the server answers it (413 / 415 with code bad_request; the
   *  real server decides the type from the bytes, this fake trusts Content-Type). */
  function upload(user, url, contentType, raw) {
    const fail = (status, code, message) => ({ status, body: { error: { code, message } } });
    if (!user) return fail(401, 'unauthorized', 'no token');
    const name = new URL(url, 'http://x').searchParams.get('name') ?? '';
    if (!name) return fail(400, 'bad_request', 'name is required');
    const type = (contentType ?? '').split(';')[0].trim();
    if (!['application/pdf', 'image/png', 'image/jpeg', 'text/plain'].includes(type)) return fail(415, 'bad_request', `files of type ${type || 'unknown'} are not allowed`);
    if (raw.length > 1024 * 1024) return fail(413, 'bad_request', 'files may be at most 1048576 bytes');
    if (raw.length === 0) return fail(400, 'bad_request', 'the file is empty');
    const f = { id: String(1000 + files.size), name, content_type: type, size: raw.length, owner_id: user.id, created_at: new Date().toISOString() };
    files.set(f.id, f);
    return { status: 201, body: f };
  }

  return { panel, action, upload, deals, files };
}
