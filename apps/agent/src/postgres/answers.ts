import { type BackendMessage, copyData, dataRowColumnCount, errorResponse } from '@hoop/pgwire';
import { answersProbe } from './abort-transaction';
import { confirmStatement, current, type Cycle, endApprovedRun, type Execution, summarizeCycle, undoUnanswered } from './cycles';
import { portalColumns } from './descriptions';
import type { ColumnInfo, PgSessionHooks, RowMasker } from './hooks';
import { maskNoticeFields } from './masking';
import type { RelayOutput } from './relay-output';

/**
 * The target's side of a Postgres session: answers relayed to the client in order, rows masked after what was
 * described, each round summarized for the audit trail once its ReadyForQuery arrives, and what the answers say about
 * prepared statements (made, removed, or not, when a round fails) and approved runs (over) passed on.
 */
export class TargetAnswers {
  private masker: RowMasker | null = null;
  /** the columns of the rows now arriving are known (a RowDescription, or an Execute's portal): `masker` is theirs */
  private described = false;
  /** the execution rows are counted against; `undefined` until looked up again after anything but a row */
  private rowExecution: Execution | null | undefined = undefined;
  /** text-format COPY TO STDOUT in progress: its rows are masked as text */
  private copyOutText = false;

  constructor(
    /** the rounds sent to the target and not finished, oldest first (shared with the relay, which adds to it) */
    private readonly cycles: Cycle[],
    private readonly hooks: PgSessionHooks,
    private readonly out: RelayOutput,
    private readonly maskedTotals: Record<string, number>,
    /** a round is over: the target's transaction status */
    private readonly roundOver: (status: 'I' | 'T' | 'E') => void,
  ) {}

  /** something other than a row happened (a client message): the execution rows count against is looked up again */
  forgetRowExecution(): void {
    this.rowExecution = undefined;
  }

  /**
   * A DataRow from the target as the bytes `src[start, end)` (see `BackendParser.push`): counted for the audit trail,
   * masked and written to the client without an object per row.
   */
  dataRow(src: Buffer, start: number, end: number): void {
    if (this.rowExecution === undefined) this.rowExecution = (this.cycles[0] && current(this.cycles[0])) ?? null;
    const exec = this.rowExecution;
    if (exec !== null) {
      exec.rows++;
      exec.bytes += end - start;
    }
    if (!this.described) {
      // rows of an Execute whose round has no RowDescription: its portal says what the columns are
      const count = dataRowColumnCount(src, start);
      this.masker = this.hooks.rowMasker(portalColumns(exec?.portal ?? null, Math.max(0, count)));
      this.described = true;
    }
    if (this.masker !== null) this.masker.writeRow(src, start, end, this.out.client);
    else this.out.client.appendRange(src, start, end);
  }

  private resultOver(): void {
    this.masker = null;
    this.described = false;
  }

  /** The target failed the round: what it did not confirm did not happen, and approved runs in it are over. */
  private roundFailed(cycle: Cycle): void {
    cycle.targetErrored = true;
    undoUnanswered(cycle);
    for (const e of cycle.executions) endApprovedRun(e);
  }

  fromTarget(m: BackendMessage): void {
    if (m.type === 'DataRow') return this.dataRow(m.raw, 0, m.raw.length);
    this.rowExecution = undefined;
    const cycle = this.cycles[0];
    const client = this.out.client;
    switch (m.type) {
      case 'ParseComplete':
        cycle?.parses.shift()?.confirm();
        client.append(m.raw);
        return;
      case 'CloseComplete':
        cycle?.closes.shift()?.confirm();
        client.append(m.raw);
        return;
      case 'RowDescription': {
        // in an extended round it answers a Describe: kept for the Execute whose rows come later
        const describe = cycle?.kind === 'batch' ? cycle.describes.shift() : undefined;
        if (describe) {
          if (describe.target) describe.target.fields = m.fields;
        } else {
          this.masker = this.hooks.rowMasker(m.fields.map((f): ColumnInfo => ({ name: f.name, tableOid: f.tableOid, typeOid: f.typeOid, format: f.format })));
          this.described = true;
        }
        client.append(m.raw);
        return;
      }
      case 'NoData': {
        const describe = cycle?.kind === 'batch' ? cycle.describes.shift() : undefined;
        if (describe?.target) describe.target.fields = [];
        client.append(m.raw);
        return;
      }
      case 'CommandComplete':
      case 'EmptyQueryResponse':
      case 'PortalSuspended': {
        const exec = cycle && current(cycle);
        if (exec) {
          if (m.type === 'CommandComplete') {
            exec.tags.push(m.tag);
            confirmStatement(exec);
          }
          // a portal fetched in parts is suspended between them: its run goes on
          if (m.type !== 'PortalSuspended') endApprovedRun(exec);
          if (cycle.kind === 'batch') exec.done = true;
        }
        this.resultOver();
        client.append(m.raw);
        return;
      }
      case 'ErrorResponse': {
        if (cycle?.abort && answersProbe(cycle.abort, m.fields)) {
          // the stand-in for a refused statement failed, so the target's transaction is aborted: the client hears why
          cycle.abort = null;
          this.roundFailed(cycle);
          if (cycle.inject) client.append(errorResponse(cycle.inject));
          cycle.inject = null;
          this.resultOver();
          return;
        }
        if (cycle) {
          const exec = current(cycle);
          if (exec) {
            exec.error = this.hooks.maskAudit(m.fields.M ?? 'error');
            exec.done = true;
          }
          this.roundFailed(cycle);
        }
        this.resultOver();
        client.append(maskNoticeFields(m.fields, m.raw, 'error', (t) => this.hooks.maskText(t)));
        return;
      }
      case 'NoticeResponse':
        client.append(maskNoticeFields(m.fields, m.raw, 'notice', (t) => this.hooks.maskText(t)));
        return;
      case 'CopyOutResponse':
        this.copyOutText = m.format === 0;
        client.append(m.raw);
        return;
      case 'CopyData': {
        if (!this.copyOutText) {
          client.append(m.raw);
          return;
        }
        const text = m.data.toString('utf8');
        const masked = this.hooks.maskText(text);
        client.append(masked === text ? m.raw : copyData(Buffer.from(masked, 'utf8')));
        return;
      }
      case 'CopyDone':
        this.copyOutText = false;
        client.append(m.raw);
        return;
      case 'ReadyForQuery':
        this.resultOver();
        if (cycle) {
          this.cycles.shift();
          // every message of the round was answered; a change still unconfirmed did not happen
          undoUnanswered(cycle);
          if (cycle.inject && !cycle.targetErrored) client.append(errorResponse(cycle.inject));
          // recorded just before the answer is written (records.ts)
          this.out.auditWithAnswer(summarizeCycle(cycle, this.hooks, this.maskedTotals));
        }
        client.append(m.raw);
        // after the ReadyForQuery: what the round's end lets go on is answered behind it
        this.roundOver(m.status);
        return;
      default:
        client.append(m.raw);
    }
  }
}
