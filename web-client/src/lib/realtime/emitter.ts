//! A tiny typed event emitter: listeners are keyed by event name and receive
//! the payload type declared in the event map. A throwing listener is logged,
//! never allowed to break the connection loop.

export class Emitter<M extends object> {
  private listeners = new Map<keyof M, Set<(payload: never) => void>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof M>(event: K, fn: (payload: M[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (payload: never) => void);
    return () => set!.delete(fn as (payload: never) => void);
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (p: M[K]) => void)(payload);
      } catch (err) {
        console.error(`[arena] listener for ${String(event)} threw`, err);
      }
    }
  }
}
