import type { Logger } from '@hoop/log';

/** Whether an agent's audit frame is for a session it serves, for one the retention purge removed, or neither. */
export type Owner = 'own' | 'foreign' | 'purged' | 'unknown';

/** What the database says of a session: its row's agent, a purge record's org, or nothing. */
export type SessionRecord = { kind: 'session'; agentId: string | null } | { kind: 'purged'; orgId: string } | { kind: 'none' };

export interface FrameSender {
  id: string;
  orgId: string;
  name: string;
}

interface Waiting {
  agent: FrameSender;
  handle: (owner: Owner) => void;
}

/** frames of one session that wait behind its owner look-up; past this they are answered `unknown` (not acknowledged) */
const MAX_WAITING = 10_000;
const MAX_OWNERS = 100_000;
const MAX_PURGED = 10_000;

/**
 * Decides, frame by frame, whose session an agent's audit frame is for, and hands the answers out in the order the
 * frames arrived, per session. The first frame of a session starts one look-up; frames of that session arriving
 * meanwhile wait behind it and get the same answer, in order, so a session's frames reach the writer as the agent
 * sent them (a look-up per frame could let frame 1 overtake frame 0). Answers are cached: a session's agent never
 * changes, and a purged session stays purged.
 */
export class AuditIngest {
  private readonly owners = new Map<string, string>();
  private readonly purged = new Set<string>();
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(
    private readonly lookup: (sessionId: string) => Promise<SessionRecord>,
    private readonly log: Logger,
  ) {}

  /** calls `handle` with the frame's owner once every earlier frame of its session was handled */
  receive(agent: FrameSender, sessionId: string, handle: (owner: Owner) => void): void {
    const queue = this.waiting.get(sessionId);
    if (queue) {
      if (queue.length >= MAX_WAITING) return handle('unknown');
      queue.push({ agent, handle });
      return;
    }
    const known = this.cached(agent, sessionId);
    if (known) return handle(known);
    this.waiting.set(sessionId, [{ agent, handle }]);
    this.lookup(sessionId).then(
      (record) => this.answer(sessionId, record),
      (err: Error) => {
        this.log.warn('could not check who serves a session; its audit frames are kept by the agent', { sessionId, error: err.message });
        this.answer(sessionId, null);
      },
    );
  }

  /** sessions with frames waiting for their look-up */
  get pending(): number {
    return this.waiting.size;
  }

  private answer(sessionId: string, record: SessionRecord | null): void {
    const queue = this.waiting.get(sessionId) ?? [];
    this.waiting.delete(sessionId);
    if (record?.kind === 'session' && record.agentId) {
      if (this.owners.size >= MAX_OWNERS) this.owners.clear();
      this.owners.set(sessionId, record.agentId);
    }
    for (const w of queue) {
      const owner = record ? (this.cached(w.agent, sessionId) ?? this.decide(w.agent, sessionId, record)) : 'unknown';
      try {
        w.handle(owner);
      } catch (err) {
        this.log.error('audit frame handling failed', { sessionId, error: (err as Error).message });
      }
    }
  }

  private cached(agent: FrameSender, sessionId: string): Owner | null {
    const owner = this.owners.get(sessionId);
    if (owner) return owner === agent.id ? 'own' : 'foreign';
    return this.purged.has(sessionId) ? 'purged' : null;
  }

  private decide(agent: FrameSender, sessionId: string, record: SessionRecord): Owner {
    if (record.kind !== 'purged') return 'foreign';
    if (record.orgId !== agent.orgId) return 'foreign';
    if (!this.purged.has(sessionId)) {
      this.log.info('dropping audit frames of a purged session', { agent: agent.name, sessionId });
      if (this.purged.size >= MAX_PURGED) this.purged.clear();
      this.purged.add(sessionId);
    }
    return 'purged';
  }
}
