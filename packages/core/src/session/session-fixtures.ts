import type { AuditSigner, Db } from '@hoop/db';
import { chainHash, eventHash, GENESIS_HASH } from '../audit/audit-hash';

/**
 * Recorded sessions for tests: the events are hashed and chained as the gateway stores them, and a closed session is
 * sealed into the global chain, so the trail verifies until a test tampers with it.
 */
export interface FixtureEvent {
  type: string;
  data: Record<string, unknown>;
  at?: Date;
}

export interface FixtureSession {
  orgId: string;
  userId: string;
  connectionId: string;
  mode?: 'connect' | 'exec' | 'mcp' | 'claude';
  status?: 'open' | 'closed' | 'failed';
  clientInfo?: Record<string, string>;
  startedAt?: Date;
  events: FixtureEvent[];
  /** append the session's final hash to the global chain (default: when it is not open) */
  seal?: boolean;
  /** sign the chain link as a gateway with this key does (default: unsigned, as before signing was configured) */
  signer?: AuditSigner;
}

export async function recordSession(db: Db, o: FixtureSession): Promise<string> {
  const startedAt = o.startedAt ?? new Date();
  const status = o.status ?? 'closed';
  const at = (i: number, e: FixtureEvent) => e.at ?? new Date(startedAt.getTime() + i * 100);
  const session = await db.session.create({
    data: {
      orgId: o.orgId,
      userId: o.userId,
      connectionId: o.connectionId,
      mode: o.mode ?? 'exec',
      status,
      clientInfo: o.clientInfo ?? {},
      startedAt,
      endedAt: status === 'open' ? null : at(o.events.length, { type: '', data: {} }),
    },
  });
  let prev = GENESIS_HASH;
  const rows = o.events.map((e, seq) => {
    const when = at(seq, e);
    const hash = eventHash(prev, session.id, seq, { type: e.type, at: when.toISOString(), data: e.data });
    const row = { sessionId: session.id, seq, type: e.type, at: when, data: e.data as object, prevHash: prev, hash };
    prev = hash;
    return row;
  });
  if (rows.length) await db.auditEvent.createMany({ data: rows });
  if ((o.seal ?? status !== 'open') && rows.length) {
    const last = await db.auditChain.findFirst({ orderBy: { id: 'desc' } });
    const before = last?.hash ?? GENESIS_HASH;
    const final = rows[rows.length - 1]!;
    const hash = chainHash(before, session.id, final.seq, final.hash);
    const signed = o.signer ? { signature: o.signer.sign(hash), keyId: o.signer.keyId } : {};
    await db.auditChain.create({ data: { sessionId: session.id, finalSeq: final.seq, finalHash: final.hash, prevHash: before, hash, ...signed } });
  }
  return session.id;
}

/** A `hoop exec` SQL session: a masked select, a refused delete, a statement held for review then approved and run. */
export function sqlSessionEvents(o: { reviewId?: string; user?: string } = {}): FixtureEvent[] {
  const reviewId = o.reviewId ?? null;
  return [
    {
      type: 'session.open',
      data: { connection: 'pg-prod', type: 'postgres', mode: 'exec', user: o.user ?? null, readOnly: false, client: { client: 'hoop exec' } },
    },
    { type: 'session.ready', data: { targetHost: '127.0.0.1', database: 'shop', application: 'hoop exec' } },
    {
      type: 'statement',
      data: {
        sql: 'select id, email from customers',
        decision: 'allow',
        statements: [{ text: 'select id, email from customers', kind: 'read', action: 'allow' }],
        executed: true,
        tags: ['SELECT 2'],
        rows: 2,
        bytes: 96,
        durationMs: 1.25,
        error: null,
        masked: { email: 2 },
      },
    },
    {
      type: 'statement',
      data: {
        sql: 'delete from customers',
        decision: 'deny',
        ruleId: 'delete-without-where',
        reason: 'DELETE without a WHERE clause would touch every row',
        statements: [{ text: 'delete from customers', kind: 'write', action: 'deny', ruleId: 'delete-without-where' }],
        executed: false,
      },
    },
    {
      type: 'statement',
      data: {
        sql: 'alter table customers add column note text',
        decision: 'review',
        ruleId: 'schema-change',
        reason: 'schema changes need a reviewer',
        statements: null,
        executed: false,
        held: true,
      },
    },
    { type: 'review.requested', data: { reviewId, url: reviewId ? `http://web.test/reviews/${reviewId}` : null, expiresAt: null, ruleId: 'schema-change' } },
    { type: 'review.decided', data: { reviewId, status: 'approved', decidedBy: 'rita@acme.test', message: null } },
    {
      type: 'statement',
      data: {
        sql: 'alter table customers add column note text',
        decision: 'approved',
        ...(reviewId ? { reviewId } : {}),
        statements: null,
        executed: true,
        tags: ['ALTER TABLE'],
        rows: 0,
        bytes: 0,
        durationMs: 4.5,
        error: null,
        masked: {},
      },
    },
    {
      type: 'statement',
      data: {
        sql: 'select * from missing',
        decision: 'allow',
        statements: null,
        executed: true,
        tags: [],
        rows: 0,
        bytes: 0,
        durationMs: 0.5,
        error: 'relation "missing" does not exist',
        masked: {},
      },
    },
    { type: 'session.close', data: { reason: 'client disconnected', statements: 4, durationMs: 900, masked: { email: 2 } } },
  ];
}

/** An interactive terminal session: a prompt, one command and its output, a resize, a file event and the exit. */
export function terminalSessionEvents(): FixtureEvent[] {
  return [
    { type: 'session.open', data: { connection: 'box', type: 'command', mode: 'connect', user: null, client: {} } },
    { type: 'term.start', data: { cols: 80, rows: 24, term: 'xterm-256color' } },
    { type: 'term.output', data: { t: 0.1, d: '$ ' } },
    { type: 'command', data: { command: 'echo hello-$((40+2))', decision: 'allow', ruleId: null, reason: null, statements: null, executed: true } },
    { type: 'term.output', data: { t: 0.9, d: 'hello-42\r\n$ ' } },
    { type: 'term.resize', data: { t: 0.5, cols: 100, rows: 30 } },
    {
      type: 'command',
      data: { command: 'rm -rf /srv/app', decision: 'deny', ruleId: 'rm-recursive-broad', reason: 'rm -rf on a broad path', statements: null, executed: false },
    },
    { type: 'term.output', data: { t: 1.4, d: 'hoop: blocked by hoop guardrail "rm-recursive-broad"\r\n', stream: 'stderr' } },
    { type: 'file', data: { op: 'write', path: '/srv/upload.txt' } },
    { type: 'exit', data: { code: 0, signal: null } },
    { type: 'session.close', data: { reason: 'client disconnected', commands: 2, durationMs: 2000, masked: { email: 1 } } },
  ];
}
