import {
  COM,
  type ColumnDefinition,
  ER,
  framePacket,
  MysqlWireError,
  PacketParser,
  parseCommand,
  ResponseReader,
  type ServerMessage,
  writeErr,
} from '@hoop/mysqlwire';
import type { Verdict } from '../session/hooks';
import { blockedMessage } from '../session/refusals';
import { type HeldStatement, holdForReview, MAX_HELD_INPUT, type ReviewHold } from '../session/review-hold';
import { boundParams } from './bound-values';
import type { ReviewedStatement } from './held-statements';
import { ANSWER, answerRecord, type Current } from './commands';
import { PreparedStatements } from './prepared-statements';
import { ClientBatch } from './client-batch';
import { killedThread } from './threads';
import { InfileTransfer } from './local-infile';
import { hasPrepareStatement } from './sql-tokens';
import { type RowMasker, rowMaskerFor } from './masking';
import { prepareNotHeld, refusalRecord, reviewRefusal } from './refusals';
import type { RelayEnds } from './relay-ends';

type Execute = Extract<ReturnType<typeof parseCommand>, { type: 'StmtExecute' }>;

export type { MysqlHooks, RelayEnds } from './relay-ends';

/**
 * Relays one MySQL session after the login: the client's commands one at a time (each answered before the next goes),
 * every statement (COM_QUERY, COM_STMT_PREPARE, COM_PROCESS_KILL as `KILL <id>`) judged before it reaches the target,
 * the answer's rows masked column by column. A command the relay does not carry gets an ERR and the session goes on.
 *
 * A statement that needs approval is held (MySQL has no way to tell the client meanwhile: it simply waits) and what
 * the client sends after it waits behind it, bounded; approved, it runs once, then what waited. A prepared statement
 * that needs approval is prepared (that runs nothing) and each execute is held with its values: an approval runs that
 * execute with those values once.
 */
export class MysqlRelay {
  private readonly clientPackets: PacketParser;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private current: Current | null = null;
  private readonly reader: ResponseReader;
  /** what goes to the client, batched */
  private readonly out: ClientBatch;
  private columns: ColumnDefinition[] = [];
  /** the current result's row masker: undefined until its first row, null when no column can change */
  private masker: RowMasker | null | undefined;
  private readonly statements = new PreparedStatements();
  /** a command waiting for reviewers: nothing after it goes to the target until they decide */
  private held: { payload: Buffer; review: ReviewHold } | null = null;
  /** the file the client is sending for the statement's LOAD DATA LOCAL INFILE */
  private infile: InfileTransfer | null = null;
  /** a statement is being judged (in the guard process), this many bytes long: nothing after it goes on until its verdict */
  private judging: number | null = null;
  private disposed = false;
  /** statements judged (allowed or refused) */
  statementCount = 0;
  /** values masked over the session, by type */
  private readonly maskedTotals: Record<string, number> = {};

  constructor(private readonly o: RelayEnds) {
    this.clientPackets = new PacketParser({ maxPayload: o.maxMessage });
    this.out = new ClientBatch(o.client, o.target);
    this.reader = new ResponseReader(o.capabilities);
  }

  /** client input held, not passed on yet (a packet still arriving, a held command, commands waiting for an answer) */
  get heldBytes(): number {
    return this.clientPackets.pending + this.queued + (this.held?.payload.length ?? 0) + (this.judging ?? 0);
  }

  /** Values masked since the last call, by type, added to the session's totals. */
  private takeMasked(): Record<string, number> {
    const masked = this.o.hooks.takeMaskCounts();
    for (const [type, n] of Object.entries(masked)) this.maskedTotals[type] = (this.maskedTotals[type] ?? 0) + n;
    return masked;
  }

  /** Values masked over the whole session, by type (for its close). */
  maskedOverall(): Record<string, number> {
    this.takeMasked();
    return { ...this.maskedTotals };
  }

  /** A statement waits for reviewers; what the client sends meanwhile waits behind it. */
  get holding(): boolean {
    return this.held !== null;
  }

  /**
   * The client stopped waiting (the mysql client's Ctrl-C: KILL QUERY on a second connection): a held statement is
   * answered as interrupted and never runs; what waited behind it goes on. False when nothing is held.
   */
  interrupt(): boolean {
    const h = this.held;
    if (!h) return false;
    h.review.end();
    this.held = null;
    this.o.audit('review.abandoned', { reviewId: h.review.reviewId ?? null, reason: 'the client interrupted the statement (KILL QUERY)' });
    this.refuse(1317, '70100', 'Query execution was interrupted: the statement waited for approval and did not run', false);
    this.pump();
    return true;
  }

  /** The session is over: a held statement will never run. */
  dispose(): void {
    this.disposed = true;
    this.out.flush();
    this.held?.review.end();
    this.held = null;
  }

  fromClient(chunk: Buffer): void {
    try {
      this.clientPackets.push(chunk, (payload) => {
        const copy = Buffer.from(payload);
        // a client that quits while its statement waits for reviewers is gone now, not after the decision
        if (this.held && copy.length === 1 && copy[0] === COM.QUIT) return this.o.end('client quit');
        this.queue.push(copy);
        this.queued += copy.length;
      });
    } catch (err) {
      // an oversized or malformed packet: the client hears why, and the session cannot go on (its framing is lost)
      const e = err instanceof MysqlWireError ? err : new MysqlWireError(String(err));
      this.out.bytes(framePacket(writeErr({ code: e.code, sqlState: e.sqlState, message: e.message }), 1));
      this.out.flush();
      return this.o.end(`client: ${e.message}`);
    }
    if (this.held && this.queued > MAX_HELD_INPUT) {
      this.refuse(ER.PACKET_TOO_LARGE, '08S01', 'too much input queued behind a statement waiting for approval');
      return this.o.end('too much input queued behind a statement waiting for approval');
    }
    this.pump();
  }

  fromTarget(chunk: Buffer): void {
    try {
      this.o.targetPackets.pushRange(chunk, this.onTargetPacket);
    } catch (err) {
      this.out.flush();
      return this.o.end(`target: ${(err as Error).message}`);
    }
    // a result still streaming in goes out in batches; the end of an answer at once
    this.out.flushIfDue(this.current === null);
    this.pump();
  }

  /** Sends what waits to go to the client (before the session writes to it itself, or ends). */
  flush(): void {
    this.out.flush();
  }

  private readonly onTargetPacket = (buf: Buffer, start: number, end: number, seq: number): void => {
    const c = this.current;
    if (!c) throw new MysqlWireError('the target sent a packet while no answer was expected');
    // a row (nearly every packet of a big answer) is masked and written where it lies, with no message made of it
    if (this.reader.isRow(buf, start, end)) return this.row(c, buf, start, end, seq);
    this.reader.push(buf.subarray(start, end), seq, (m, p) => this.answerPacket(c, m, p, seq));
    if (this.reader.idle) this.answered();
  };

  private row(c: Current, buf: Buffer, start: number, end: number, seq: number): void {
    if (this.masker === undefined) this.masker = rowMaskerFor(this.o.hooks.columnMasker, this.columns);
    const size = this.masker ? this.masker.mask(buf, start, end, this.reader.binaryRows) : -1;
    c.rows++;
    c.bytes += size < 0 ? end - start : size;
    if (c.discard) return;
    if (size < 0) this.out.packet(buf, start, end, seq);
    else this.out.maskedRow(this.masker!, size, seq);
  }

  private answerPacket(c: Current, m: ServerMessage, p: Buffer, seq: number): void {
    if (m.type === 'ColumnCount') {
      this.columns = [];
      this.masker = undefined;
    } else if (m.type === 'Column') this.columns.push(m.column);
    else if (m.type === 'Row') return this.row(c, p, 0, p.length, seq);
    else if (m.type === 'OK') c.rows += Number(m.ok.affectedRows);
    else if (m.type === 'Error') c.error ??= m.err.message;
    if (m.type === 'PrepareOk') this.statements.prepared(m.prepare.statementId, m.prepare.params, c.sql, c.verdict);
    else if (m.type === 'LocalInfile') return this.localInfile(c, m.filename, p, seq);
    if (!c.discard) this.out.packet(p, 0, p.length, seq);
  }

  /**
   * The server asks the client for a file: passed on only when the statement names that very file (a target cannot
   * ask for one it did not), and the client's packets up to its empty one then go to the target as they come.
   */
  private localInfile(c: Current, file: string, p: Buffer, seq: number): void {
    const answer = InfileTransfer.start(c.sql, file, seq, this.o.hooks);
    if (answer instanceof InfileTransfer) {
      this.infile = answer;
      return this.out.packet(p, 0, p.length, seq);
    }
    // the target gets an empty file and the client hears why, not the rest of the answer
    this.o.target.write(answer.toTarget);
    this.o.targetPackets.sequenceId = (seq + 2) & 0xff;
    this.o.audit('mysql.local_infile', answer.record);
    this.out.bytes(answer.toClient);
    c.error ??= answer.reason;
    c.discard = true;
  }

  private answered(): void {
    const c = this.current!;
    // what this answer had masked (an execute of a statement prepared earlier counts in the session's totals only)
    const masked = this.takeMasked();
    // a prepare runs nothing: its executes are recorded (unless the server refused to prepare it)
    if (c.sql !== null && c.verdict && c.verdict.action === 'allow' && (c.kind !== 'prepare' || c.error))
      this.o.audit(
        'statement',
        answerRecord(c, c.sql, c.verdict, masked, (t) => this.o.hooks.maskAudit(t)),
      );
    if (c.kind === 'execute') this.statements.executed(c.statementId, this.columns);
    this.current = null;
    this.columns = [];
    this.masker = undefined;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const payload = this.queue.shift()!;
      this.queued -= payload.length;
      if (this.infile) {
        if (this.infile.send(payload, this.o.target)) continue;
        this.o.targetPackets.sequenceId = this.infile.sequenceId;
        this.o.audit('mysql.local_infile', this.infile.record());
        this.infile = null;
        continue;
      }
      if (this.current || this.held || this.judging !== null) {
        this.queue.unshift(payload);
        this.queued += payload.length;
        return;
      }
      this.command(payload);
    }
  }

  private command(payload: Buffer): void {
    const com = payload[0];
    if (com === COM.QUIT) return this.o.end('client quit');
    if (com === undefined || !(com in ANSWER)) {
      const what =
        com === COM.CHANGE_USER ? 'COM_CHANGE_USER is not relayed: reconnect as the other user' : `command 0x${(com ?? 0).toString(16)} is not relayed`;
      return this.refuse(ER.UNKNOWN_COM, '08S01', what);
    }
    if (com === COM.RESET_CONNECTION && (this.o.readOnly || this.o.timeBound)) {
      const why = this.o.readOnly
        ? 'on a read-only connection (it would end read-only)'
        : 'in a session whose statement time hoop bounds (it would end the bound)';
      return this.refuse(ER.UNKNOWN_COM, '08S01', `COM_RESET_CONNECTION is not relayed ${why}: reconnect instead`);
    }
    const reviewed = com === COM.STMT_EXECUTE ? this.statements.reviewed.get(this.statements.idOf(payload)) : undefined;
    if (reviewed) return this.executeReviewed(payload, reviewed);
    let sql: string | null = null;
    if (com === COM.QUERY || com === COM.STMT_PREPARE || com === COM.PROCESS_KILL) {
      try {
        const c = parseCommand(payload, { capabilities: this.o.capabilities });
        sql = c.type === 'ProcessKill' ? `KILL ${c.connectionId}` : 'sql' in c ? c.sql : null;
      } catch (err) {
        const e = err as MysqlWireError;
        return this.refuse(e.code ?? ER.MALFORMED_PACKET, e.sqlState ?? 'HY000', e.message);
      }
    }
    if (sql === null) return this.judged(payload, null, null);
    this.statementCount++;
    this.verdictOn(sql, (verdict) => this.judged(payload, sql, verdict));
  }

  /** The verdict on `sql`: at once when cached, else when the guard process answers (what the client sends waits, in order). */
  private verdictOn(sql: string, then: (v: Verdict) => void): void {
    const v = this.o.hooks.judgeSoon ? this.o.hooks.judgeSoon(sql) : this.o.hooks.judge(sql);
    if (!(v instanceof Promise)) return then(v);
    this.judging = sql.length;
    void v.then((verdict) => {
      this.judging = null;
      if (this.disposed) return;
      then(verdict);
      this.pump();
    });
  }

  /** A command whose statement (if it has one) is judged: refused, held, or sent on. */
  private judged(payload: Buffer, sql: string | null, verdict: Verdict | null): void {
    const com = payload[0]!;
    if (sql !== null && verdict?.action === 'review' && this.o.hooks.requestReview) {
      // a prepare runs nothing: its executes are held, each with its values
      if (com === COM.STMT_PREPARE) return this.send(payload, sql, verdict);
      if (hasPrepareStatement(sql)) return this.refuseStatement(sql, prepareNotHeld(verdict));
      return this.hold(payload, { sql, subject: { sql }, verdict });
    }
    if (sql !== null && verdict && verdict.action !== 'allow') return this.refuseStatement(sql, verdict);
    const killed = sql === null ? null : killedThread(sql);
    if (killed !== null) this.o.killed?.(killed);
    this.send(payload, sql, verdict);
  }

  /** An execute of a prepared statement that needs approval: judged again (the policy may have changed), held with its values. */
  private executeReviewed(payload: Buffer, s: ReviewedStatement): void {
    this.statementCount++;
    let params: Execute;
    try {
      const c = parseCommand(payload, { capabilities: this.o.capabilities, statement: () => this.statements.reviewed.params(s) });
      if (c.type !== 'StmtExecute') throw new MysqlWireError('not an execute');
      params = c;
    } catch (err) {
      const e = err as MysqlWireError;
      return this.refuse(e.code ?? ER.MALFORMED_PACKET, e.sqlState ?? 'HY000', e.message);
    }
    this.verdictOn(s.sql, (verdict) => this.executeJudged(payload, s, params, verdict));
  }

  private executeJudged(payload: Buffer, s: ReviewedStatement, params: Execute, verdict: Verdict): void {
    if (verdict.action === 'deny' || (verdict.action === 'review' && !this.o.hooks.requestReview)) return this.refuseStatement(s.sql, verdict);
    const ran = () => this.statements.reviewed.executed(s, params.params, params.newParamsBound);
    if (verdict.action === 'allow') {
      ran();
      return this.send(payload, s.sql, verdict);
    }
    if (s.longData.size > 0)
      return this.refuseStatement(s.sql, {
        ...verdict,
        action: 'deny',
        message: 'a statement that needs approval is reviewed with its values: bind them in the execute, not with COM_STMT_SEND_LONG_DATA',
      });
    this.hold(payload, { sql: s.sql, subject: { sql: s.sql, params: boundParams(params.params) }, verdict }, ran);
  }

  /** Holds a command for review; nothing after it goes on until reviewers decide. */
  private hold(payload: Buffer, statement: HeldStatement, ran?: () => void): void {
    const review = holdForReview(this.o.hooks, this.o.audit, statement, {
      approved: (verdict) => {
        this.held = null;
        ran?.();
        this.send(payload, statement.sql, verdict);
        this.pump();
      },
      refused: (u, reviewId) => {
        this.held = null;
        // hoop's own words and the reviewer's, as on every connection type (not masked)
        this.refuse(1227, '42000', reviewRefusal(u, reviewId, statement.verdict), false);
        this.pump();
      },
    });
    this.held = { payload, review };
  }

  /** Sends a command on to the target and waits for its answer, if it has one. */
  private send(payload: Buffer, sql: string | null, verdict: Verdict | null): void {
    const com = payload[0]!;
    const kind = ANSWER[com]!;
    const statementId = this.statements.idOf(payload);
    this.statements.sent(payload, statementId);
    const prepared = com === COM.STMT_EXECUTE && sql === null ? this.statements.allowedStatement(statementId) : undefined;
    if (prepared) ({ sql, verdict } = prepared);
    this.o.targetPackets.sequenceId = 1;
    this.o.target.write(framePacket(payload, 0));
    if (kind === null) return;
    this.current = { kind, statementId, sql, verdict, error: null, started: performance.now(), rows: 0, bytes: 0 };
    if (kind === 'fetch') this.columns = this.statements.cursor(statementId);
    this.reader.expect(kind);
    // the record's text is masked while the target runs the statement, not between its answer and the client's
    if (sql !== null && verdict?.action === 'allow' && kind !== 'prepare') this.current.auditSql = this.o.hooks.maskAudit(sql);
  }

  private refuseStatement(sql: string, verdict: Verdict): void {
    this.o.audit(
      'statement',
      refusalRecord(sql, verdict, (t) => this.o.hooks.maskAudit(t)),
    );
    const message =
      verdict.action === 'review' ? `${blockedMessage(verdict)} (this statement needs approval, and no review can be requested here)` : blockedMessage(verdict);
    this.refuse(1227, '42000', message);
  }

  private refuse(code: number, sqlState: string, message: string, masked = true): void {
    this.out.bytes(framePacket(writeErr({ code, sqlState, message: masked ? this.o.hooks.maskText(message) : message }), 1));
    this.out.flush();
  }
}
