//! What the store's modules (timeouts, history, people) are given: read the
//! state, replace parts of it, send a gateway request.
import type { WorkspaceState } from './state';

export interface StoreCore {
  get(): WorkspaceState;
  set(patch: Partial<WorkspaceState> | ((s: WorkspaceState) => Partial<WorkspaceState>)): void;
  /** A gateway request; rejects with `RequestError` (`disconnected` when not connected). */
  request<T>(method: string, params: object): Promise<T>;
}
