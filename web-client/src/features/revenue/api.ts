//! Staff calls on the commission ledger (docs/protocol.md "Revenue"), with
//! the signed-in user's bearer token. Each answers with the new ledger
//! entries; the panels follow by PANEL_UPDATE, so callers keep no copy.
import { ApiError, postJson } from '../../lib/api/http';
import { getAccessToken } from '../../workspace/session';

/** One commission ledger entry as the REST API returns it. */
export interface LedgerEntry {
  seq: number;
  deal_id: string;
  partner_id: string;
  status: 'pending' | 'approved' | 'paid' | 'reversed';
  amount_minor: number;
  currency: string;
  rate_bp: number;
  reference: string;
  created_at: string;
  hash: string;
}

/** POSTs with the access token; on 401 refreshes it once and tries again. */
async function authedPost<T>(path: string, body: unknown): Promise<T> {
  const token = await getAccessToken(false).catch(() => {
    throw new ApiError(401, 'unauthorized', 'You are signed out. Log in again.');
  });
  try {
    return await postJson<T>(path, body, token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    const fresh = await getAccessToken(true);
    return postJson<T>(path, body, fresh);
  }
}

/** pending → approved. 409 when the deal is in another status. */
export function approveCommission(dealId: string): Promise<{ entries: LedgerEntry[] }> {
  return authedPost('/api/v1/revenue/commissions/approve', { deal_ids: [dealId] });
}

/** approved → paid, under a payout `reference` (e.g. the bank transfer id). 409 when not approved. */
export function recordPayout(dealId: string, reference: string): Promise<{ entries: LedgerEntry[] }> {
  return authedPost('/api/v1/revenue/payouts', { deal_ids: [dealId], reference });
}

/** Any status but reversed → reversed (refund, chargeback), with the `reason`. 409 when already reversed. */
export function reverseDeal(dealId: string, reason: string): Promise<LedgerEntry> {
  return authedPost(`/api/v1/revenue/deals/${encodeURIComponent(dealId)}/reverse`, { reason });
}
