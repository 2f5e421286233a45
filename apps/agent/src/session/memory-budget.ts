/**
 * One budget for what all sessions of the agent hold in memory of their clients' input, so that no session (and no
 * number of them) can make the agent buffer without bound. Each session reports what it holds now; a report that
 * would take the agent past its limit is refused and the session is ended by its owner.
 */
export class MemoryBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** A session's share: `hold(bytes)` says what it holds now (false: over the budget, nothing changed). */
  share(): { hold(bytes: number): boolean; release(): void; readonly bytes: number } {
    let mine = 0;
    const self = this;
    return {
      get bytes() {
        return mine;
      },
      hold(bytes: number): boolean {
        if (bytes > mine && self.used - mine + bytes > self.limit) return false;
        self.used += bytes - mine;
        mine = bytes;
        return true;
      },
      release(): void {
        self.used -= mine;
        mine = 0;
      },
    };
  }

  /**
   * What a session refused a share tells its client: what the agent holds, what the session would add (`adding`
   * bytes: `what`), and what to do (`advice`, or an admin raises the budget).
   */
  refusal(adding: number, what: string, advice: string): string {
    return (
      `the agent holds ${mib(this.used)} of client input for all its sessions, at most ${mib(this.limit)}; ` +
      `this session would add ${mib(adding)} more it cannot pass on yet (${what}): ${advice}, or ask an admin to raise HOOP_AGENT_INPUT_BUDGET_MB`
    );
  }
}

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MiB`;
