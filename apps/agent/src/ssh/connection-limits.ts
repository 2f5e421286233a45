import type { Logger } from '@hoop/log';
import { type MemoryBudget, mib } from '../session/memory-budget';
// client input a session may hold, not passed on yet (typed ahead of a command in review, or of a target that does not
// read), before it is ended, as every protocol's held input; what every session holds counts in the agent's budget too
import { MAX_HELD_INPUT } from '../session/review-hold';

/**
 * Channels (shells, commands, file transfers, forwards) one client connection may have open at once, as OpenSSH's
 * MaxSessions: each buffers up to its window on both sides, so their number bounds what a session can make the agent hold.
 */
export const MAX_CHANNELS = 10;

/**
 * What one client connection may make the agent hold: its open channels (at most `MAX_CHANNELS`) and the client input
 * its channels' gates hold, counted per channel, against the session's own limit and its share of the agent's budget.
 */
export class ConnectionLimits {
  private openChannels = 0;
  /** what each channel's gate holds of the client's input, and all of it */
  private readonly heldBy = new Map<object, number>();
  private held = 0;
  private readonly share: ReturnType<MemoryBudget['share']> | undefined;

  constructor(
    private readonly o: {
      sessionId: string;
      connection: string;
      budget?: MemoryBudget;
      audit(type: string, data: Record<string, unknown>): void;
      log: Logger;
    },
  ) {
    this.share = o.budget?.share();
  }

  /** one more channel, unless the connection has as many open as it may (refused then, on record) */
  openChannel(kind: string): boolean {
    if (this.openChannels >= MAX_CHANNELS) {
      const reason = `this connection already has ${MAX_CHANNELS} channels open, as many as hoop allows`;
      this.o.audit('channel.refused', { kind, reason });
      this.o.log.warn('ssh channel refused: too many open', { session: this.o.sessionId, kind, open: this.openChannels });
      return false;
    }
    this.openChannels++;
    return true;
  }

  closeChannel(): void {
    this.openChannels--;
  }

  /**
   * A channel's gate holds `bytes` of the client's input now. Null when the session may hold it; otherwise why not
   * (more than the session may hold, or than the agent's budget has room for), and nothing changed: the owner ends
   * the session.
   */
  hold(channel: object, bytes: number): string | null {
    const before = this.heldBy.get(channel) ?? 0;
    const total = this.held - before + bytes;
    const what = 'sent while a command waits for review or for the target to read it';
    const advice = 'what waited did not run; send it again once the command before it is done';
    let refusal: string | null = null;
    if (bytes > before && total > MAX_HELD_INPUT)
      refusal = `this session would hold more than ${mib(MAX_HELD_INPUT)} of input it cannot pass on yet (${what}): ${advice}`;
    else if (this.share && !this.share.hold(total)) refusal = this.o.budget!.refusal(total - this.share.bytes, what, advice);
    if (refusal === null) {
      this.heldBy.set(channel, bytes);
      this.held = total;
      return null;
    }
    this.o.log.warn(total > MAX_HELD_INPUT ? 'session ended: too much input held' : 'session ended: input memory budget used up', {
      session: this.o.sessionId,
      connection: this.o.connection,
      holds: total,
      agentTotal: this.o.budget?.inUse ?? null,
    });
    return refusal;
  }

  /** the session is over: its share of the agent's budget is free again */
  release(): void {
    this.share?.release();
  }
}
