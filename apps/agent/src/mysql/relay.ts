import type { Duplex } from 'node:stream';
import {
  COM,
  type ColumnDefinition,
  ER,
  framePacket,
  MysqlWireError,
  PacketParser,
  parseCommand,
  ResponseReader,
  type ResponseKind,
  writeErr,
} from '@hoop/mysqlwire';
import type { Verdict } from '../session/hooks';
import { blockedMessage } from '../session/refusals';
import type { ColumnMaskerFor, RowMasker } from './masking';
import { rowMaskerFor } from './masking';

/** What the relay needs of the policy (session/policy-hooks.ts). */
export interface MysqlHooks {
  judge(sql: string): Verdict;
  columnMasker: ColumnMaskerFor;
  maskText(text: string): string;
  maskAudit(text: string): string;
  /** values masked since the last call, by type */
  takeMaskCounts(): Record<string, number>;
}

export interface RelayEnds {
  client: Duplex;
  target: Duplex;
  /** the target's packet parser, as the login left it */
  targetPackets: PacketParser;
  capabilities: number;
  maxMessage: number;
  hooks: MysqlHooks;
  /** the target session was opened read-only: COM_RESET_CONNECTION, which would undo that, is refused */
  readOnly?: boolean;
  audit(type: string, data: Record<string, unknown>): void;
  /** the session is over (the client quit, or either side closed or broke the protocol) */
  end(reason: string): void;
}

/** Commands whose text is judged, and the answer each command gets (null: none). */
const ANSWER: Record<number, ResponseKind | null> = {
  [COM.QUERY]: 'query',
  [COM.STMT_PREPARE]: 'prepare',
  [COM.STMT_EXECUTE]: 'execute',
  [COM.STMT_FETCH]: 'fetch',
  [COM.STMT_CLOSE]: null,
  [COM.STMT_SEND_LONG_DATA]: null,
  [COM.STMT_RESET]: 'ok',
  [COM.INIT_DB]: 'ok',
  [COM.PING]: 'ok',
  [COM.RESET_CONNECTION]: 'ok',
  [COM.SET_OPTION]: 'ok',
  [COM.PROCESS_KILL]: 'ok',
  [COM.STATISTICS]: 'statistics',
  [COM.FIELD_LIST]: 'fieldList',
};

/**
 * Relays one MySQL session after the login: the client's commands one at a time (each answered before the next goes),
 * every statement (COM_QUERY, COM_STMT_PREPARE, COM_PROCESS_KILL as `KILL <id>`) judged before it reaches the target,
 * the answer's rows masked column by column. A command the relay does not carry gets an ERR and the session goes on.
 */
export class MysqlRelay {
  private readonly clientPackets: PacketParser;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private current: { kind: ResponseKind; statementId: number; sql: string | null; verdict: Verdict | null; error: string | null } | null = null;
  private readonly reader: ResponseReader;
  private columns: ColumnDefinition[] = [];
  /** the current result's row masker: undefined until its first row, null when no column can change */
  private masker: RowMasker | null | undefined;
  /** the columns of each statement's last execute, for the rows COM_STMT_FETCH brings from its cursor */
  private readonly cursorColumns = new Map<number, ColumnDefinition[]>();
  /** statements judged (allowed or refused) */
  statementCount = 0;

  constructor(private readonly o: RelayEnds) {
    this.clientPackets = new PacketParser({ maxPayload: o.maxMessage });
    this.reader = new ResponseReader(o.capabilities);
  }

  /** client input held, not passed on yet (a packet still arriving, commands waiting for an answer) */
  get heldBytes(): number {
    return this.clientPackets.pending + this.queued;
  }

  fromClient(chunk: Buffer): void {
    try {
      this.clientPackets.push(chunk, (payload) => {
        const copy = Buffer.from(payload);
        this.queue.push(copy);
        this.queued += copy.length;
      });
    } catch (err) {
      // an oversized or malformed packet: the client hears why, and the session cannot go on (its framing is lost)
      const e = err instanceof MysqlWireError ? err : new MysqlWireError(String(err));
      this.o.client.write(framePacket(writeErr({ code: e.code, sqlState: e.sqlState, message: e.message }), 1));
      return this.o.end(`client: ${e.message}`);
    }
    this.pump();
  }

  fromTarget(chunk: Buffer): void {
    const out: Buffer[] = [];
    try {
      this.o.targetPackets.push(chunk, (payload, seq) => {
        if (!this.current) throw new MysqlWireError('the target sent a packet while no answer was expected');
        this.reader.push(payload, seq, (m, p) => {
          let bytes = p;
          if (m.type === 'ColumnCount') {
            this.columns = [];
            this.masker = undefined;
          } else if (m.type === 'Column') this.columns.push(m.column);
          else if (m.type === 'Row') {
            if (this.masker === undefined) this.masker = rowMaskerFor(this.o.hooks.columnMasker, this.columns);
            if (this.masker) bytes = m.binary ? this.masker.binary(p) : this.masker.text(p);
          } else if (m.type === 'Error') this.current!.error = m.err.message;
          out.push(framePacket(bytes, seq));
        });
        if (this.reader.idle) this.answered();
      });
    } catch (err) {
      if (out.length) this.o.client.write(Buffer.concat(out));
      return this.o.end(`target: ${(err as Error).message}`);
    }
    if (out.length) this.o.client.write(Buffer.concat(out));
    this.pump();
  }

  private answered(): void {
    const c = this.current!;
    if (c.sql !== null && c.verdict) {
      this.o.audit('statement', {
        sql: this.o.hooks.maskAudit(c.sql),
        decision: 'allow',
        statements: c.verdict.statements ?? null,
        executed: true,
        ...(c.error ? { error: this.o.hooks.maskAudit(c.error) } : {}),
      });
    }
    if (c.kind === 'execute') this.cursorColumns.set(c.statementId, this.columns);
    this.current = null;
    this.columns = [];
    this.masker = undefined;
  }

  private pump(): void {
    while (!this.current && this.queue.length > 0) {
      const payload = this.queue.shift()!;
      this.queued -= payload.length;
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
    if (com === COM.RESET_CONNECTION && this.o.readOnly)
      return this.refuse(ER.UNKNOWN_COM, '08S01', 'COM_RESET_CONNECTION is not relayed on a read-only connection (it would end read-only): reconnect instead');
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
    const verdict = sql === null ? null : this.o.hooks.judge(sql);
    if (sql !== null) this.statementCount++;
    if (sql !== null && verdict && verdict.action !== 'allow') {
      const review = verdict.action === 'review';
      const message = review
        ? `${blockedMessage(verdict)} (this statement needs approval; review holds are not available on MySQL connections yet)`
        : blockedMessage(verdict);
      this.o.audit('statement', {
        sql: this.o.hooks.maskAudit(sql),
        decision: verdict.action,
        ruleId: verdict.ruleId ?? null,
        reason: verdict.message ?? null,
        statements: verdict.statements ?? null,
        executed: false,
      });
      return this.refuse(1227, '42000', message);
    }
    const kind = ANSWER[com]!;
    const statementId = payload.length >= 5 ? payload.readUInt32LE(1) : 0;
    if (com === COM.STMT_CLOSE) this.cursorColumns.delete(statementId);
    this.o.targetPackets.sequenceId = 1;
    this.o.target.write(framePacket(payload, 0));
    if (kind === null) return;
    this.current = { kind, statementId, sql, verdict, error: null };
    if (kind === 'fetch') this.columns = this.cursorColumns.get(statementId) ?? [];
    this.reader.expect(kind);
  }

  private refuse(code: number, sqlState: string, message: string): void {
    this.o.client.write(framePacket(writeErr({ code, sqlState, message: this.o.hooks.maskText(message) }), 1));
  }
}
