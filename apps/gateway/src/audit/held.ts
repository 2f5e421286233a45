import type { AuditEventBody } from '@hoop/protocol';
import type { Logger } from '@hoop/log';
import { canonicalJson, eventHash, GENESIS_HASH } from '@hoop/core/audit/audit-hash';

/** An audit frame on its way to storage, as the writer keeps it. */
export interface Frame {
  sessionId: string;
  seq: number;
  event: AuditEventBody;
  /** acknowledges every frame of the session up to `seq` to the agent that sent it (the agent drops them) */
  ack: (seq: number) => void;
  /** frames with the same `link` (one agent tunnel) are acknowledged together: one ack per session and batch */
  link?: object;
  /** the agent that sent it, for the bound on what is held per agent */
  agent?: string;
  /** when the writer first got it */
  since: number;
  /** canonicalJson(event.data), made once (frameData): the text its hash covers and the text stored */
  dataJson?: string;
}

/** The canonical JSON of a frame's data, made on first use and kept on the frame. */
export function frameData(f: Frame): string {
  f.dataJson ??= canonicalJson(f.event.data);
  return f.dataJson;
}

export interface HoldLimits {
  /** how long frames wait for an earlier frame of their session before they are dropped unacknowledged */
  gapMs: number;
  /** most frames held for one session */
  perSession: number;
  /** most frames held for one agent, over all its sessions */
  perAgent: number;
  /**
   * most frames waiting for their INSERT (Postgres fell behind): an agent's frame past it is not taken, and stays
   * unacknowledged for the agent to send again
   */
  queued: number;
}

export const DEFAULT_HOLD: HoldLimits = { gapMs: 30_000, perSession: 1_000, perAgent: 20_000, queued: 20_000 };

interface SessionHold {
  waitingFor: number;
  frames: Frame[];
}

/**
 * Frames that skip ahead of their session's stored chain (seq 5 while 3 is the next to store). They are not stored
 * (storing them would leave a hole no later frame can fill) and not acknowledged (the agent keeps them); they wait
 * here for the missing ones, within bounds. Past the bounds, or after `gapMs`, they are dropped without an ack and
 * logged: the agent still has them and sends them again (after its next reconnect, or when it resends what went
 * unacknowledged).
 */
export class HeldFrames {
  private readonly sessions = new Map<string, SessionHold>();
  private readonly perAgent = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: HoldLimits,
    private readonly log: Logger,
  ) {}

  /** every frame held for this session, taken out (the writer plans them again with the new ones) */
  take(sessionId: string): Frame[] {
    const s = this.sessions.get(sessionId);
    if (!s) return [];
    this.sessions.delete(sessionId);
    for (const f of s.frames) this.count(f, -1);
    return s.frames;
  }

  /** holds frames of a session whose next frame to store is `waitingFor` (frames are in seq order) */
  hold(sessionId: string, waitingFor: number, frames: Frame[]): void {
    if (frames.length === 0) return;
    // a frame the agent sent twice (a resend after a reconnect) is held once: the newest copy, since the oldest time
    const unique = new Map<string, Frame>();
    for (const f of [...this.take(sessionId), ...frames]) {
      const key = `${f.seq}:${eventHash(GENESIS_HASH, sessionId, f.seq, f.event, frameData(f))}`;
      const before = unique.get(key);
      unique.set(key, before ? { ...f, since: Math.min(before.since, f.since) } : f);
    }
    const kept: Frame[] = [];
    let dropped = 0;
    for (const f of [...unique.values()].sort((a, b) => a.seq - b.seq)) {
      if (kept.length >= this.limits.perSession || (this.perAgent.get(f.agent ?? '') ?? 0) >= this.limits.perAgent) {
        dropped++;
        continue;
      }
      kept.push(f);
      this.count(f, 1);
    }
    if (dropped > 0) {
      this.log.warn('audit frames dropped unacknowledged: too many wait for an earlier frame (the agent sends them again)', {
        session: sessionId,
        waitingFor,
        dropped,
        held: kept.length,
        agent: frames[0]!.agent,
      });
    }
    if (kept.length === 0) return;
    this.sessions.set(sessionId, { waitingFor, frames: kept });
    this.schedule();
  }

  get size(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.frames.length;
    return n;
  }

  /** held frames of one session, in seq order (for tests and logs) */
  heldSeqs(sessionId: string): number[] {
    return (this.sessions.get(sessionId)?.frames ?? []).map((f) => f.seq);
  }

  /** drops every held frame (unacknowledged) and stops the timer */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sessions.clear();
    this.perAgent.clear();
  }

  /** drops (unacknowledged) what waited `gapMs` or longer */
  sweep(now = Date.now()): void {
    for (const [id, s] of this.sessions) {
      const expired = s.frames.filter((f) => now - f.since >= this.limits.gapMs);
      if (expired.length === 0) continue;
      for (const f of expired) this.count(f, -1);
      s.frames = s.frames.filter((f) => now - f.since < this.limits.gapMs);
      if (s.frames.length === 0) this.sessions.delete(id);
      this.log.warn('audit frames dropped unacknowledged: the frame before them did not arrive in time (the agent sends them again)', {
        session: id,
        waitingFor: s.waitingFor,
        seqs: `${expired[0]!.seq}..${expired.at(-1)!.seq}`,
        frames: expired.length,
        agent: expired[0]!.agent,
      });
    }
  }

  private schedule(): void {
    if (this.timer) return;
    let first = Infinity;
    for (const s of this.sessions.values()) for (const f of s.frames) first = Math.min(first, f.since);
    if (first === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.sweep();
        this.schedule();
      },
      Math.max(10, first + this.limits.gapMs - Date.now()),
    );
    this.timer.unref();
  }

  private count(f: Frame, d: number): void {
    const key = f.agent ?? '';
    const n = (this.perAgent.get(key) ?? 0) + d;
    if (n <= 0) this.perAgent.delete(key);
    else this.perAgent.set(key, n);
  }
}
