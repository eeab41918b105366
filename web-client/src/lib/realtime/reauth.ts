//! Keeps a live session's access token fresh on the server (PROTOCOL.md §4
//! `session.reauth`): the server closes a session with 4004 once the token it
//! runs on expires. While connected, every `everyMs` this asks `getToken`
//! (which refreshes shortly before expiry) for the current token and, when it
//! is newer than the one the server holds, sends it with `session.reauth`.

export class Reauth {
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  /** The token the server holds for this session (the one IDENTIFY/RESUME sent). */
  current: string | null = null;

  constructor(
    private readonly getToken: () => Promise<string>,
    private readonly send: (token: string) => Promise<unknown>,
    private readonly warn: (error: unknown) => void,
    private readonly everyMs: number,
  ) {}

  /** Starts checking (idempotent); called once the session is live. */
  start(): void {
    if (!this.timer) this.timer = setInterval(() => void this.tick(), this.everyMs);
  }

  /** Stops checking; called when the socket goes. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check: sends a newer token, at most one `session.reauth` at a time. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // Signed out: getToken throws; the server closes the session with 4004
      // when its token expires and the reconnect reports it.
      const token = await this.getToken().catch(() => null);
      if (!token || token === this.current) return;
      await this.send(token);
      this.current = token;
    } catch (error) {
      this.warn(error);
    } finally {
      this.busy = false;
    }
  }
}
