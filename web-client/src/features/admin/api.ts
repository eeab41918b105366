//! Members directory, member administration, tenant settings and invites
//! (docs/protocol.md "Members directory and administration"; invites per the
//! issue 13 contract, which answer 404 on servers without them).
import { apiRequest } from '../account/request';
import { directoryPath, type DirectoryQuery } from './query';

/** A member as the directory shows them to staff (the `?` fields are staff-only). */
export interface DirectoryMember {
  id: string;
  display_name: string;
  role: string;
  tier: string | null;
  bio: string;
  email?: string;
  deactivated?: boolean;
  /** RFC 3339: last sign-in or token refresh. */
  last_seen_at?: string;
  muted_until?: string;
  mfa_enabled?: boolean;
}

export interface DirectoryPage {
  members: DirectoryMember[];
  /** Cursor of the next page; absent on the last. */
  next?: string;
}

export interface MemberPatch {
  role?: string;
  tier?: string;
  deactivated?: boolean;
}

export interface TenantSettings {
  require_staff_mfa: boolean;
  partner_directory: boolean;
}

export interface NewInvite {
  email: string;
  role: 'partner' | 'staff' | 'admin';
  tier?: string;
}

export interface CreatedInvite {
  id: string;
  token: string;
  url: string;
  email: string;
  role: string;
  tier: string | null;
  expires_at: string;
  /** False when the server has no mailer: the link must be passed on by hand. */
  mailed: boolean;
}

export interface Invite {
  id: string;
  email: string;
  role: string;
  tier: string | null;
  status: string;
  expires_at: string;
  created_by: string;
  created_at: string;
}

export const listMembers = (q: DirectoryQuery) => apiRequest<DirectoryPage>('GET', directoryPath(q));
export const patchMember = (id: string, p: MemberPatch) => apiRequest<DirectoryMember>('PATCH', `/api/v1/members/${encodeURIComponent(id)}`, p);
export const revokeSessions = (id: string) => apiRequest<null>('POST', `/api/v1/members/${encodeURIComponent(id)}/revoke-sessions`);
/** A password reset link for a member (staff): `{url, mailed}`; show `url` when it was not mailed. */
export const memberResetLink = (id: string) => apiRequest<{ url: string; mailed: boolean }>('POST', `/api/v1/members/${encodeURIComponent(id)}/password-reset`);
export const getSettings = () => apiRequest<TenantSettings>('GET', '/api/v1/tenant/settings');
export const patchSettings = (p: Partial<TenantSettings>) => apiRequest<TenantSettings>('PATCH', '/api/v1/tenant/settings', p);
export const createInvite = (inv: NewInvite) => apiRequest<CreatedInvite>('POST', '/api/v1/invites', inv);
export const listInvites = (status = 'pending') => apiRequest<{ invites: Invite[] }>('GET', `/api/v1/invites?status=${encodeURIComponent(status)}`);
export const revokeInvite = (id: string) => apiRequest<null>('DELETE', `/api/v1/invites/${encodeURIComponent(id)}`);
