import { randomBytes } from 'node:crypto';
import { parse, query } from '@hoop/pgwire';

/**
 * A refusal aborts the target's transaction, as an error from Postgres would.
 *
 * Postgres aborts a transaction block on any error: what follows gets 25P02 until ROLLBACK, COMMIT rolls back, and
 * ROLLBACK TO SAVEPOINT recovers. A statement hoop refuses never reaches the target, so left alone the target's
 * transaction would go on and a later COMMIT would keep what ran before the refusal. In the refused statement's place
 * the relay sends the target a stand-in that fails for certain and runs nothing — a text cast to an integer, which
 * fails while the statement is analysed, before anything executes — and answers the client with hoop's refusal instead
 * of the stand-in's error. Postgres' own state machine does the rest, savepoints included.
 *
 * The stand-in's text carries a random marker: the target's error quotes it, which tells it apart from an earlier
 * error of the same extended-protocol round (a round reports only its first error; after it the stand-in is skipped),
 * and the server log says why the transaction failed.
 */
export interface AbortProbe {
  /** random text the stand-in's error quotes */
  readonly marker: string;
  /** nothing of its round reached the target before it, so any error of the round is the stand-in's */
  readonly first: boolean;
}

/**
 * Whether a refusal has to abort the target's transaction: it has one open (a transaction block, or the implicit
 * transaction of an extended round something was sent in), or may have — answers to earlier requests are still on
 * their way, so its status is not known yet. An aborted transaction ('E') is already where a refusal would put it.
 */
export function mustAbort(txStatus: 'I' | 'T' | 'E', inFlight: boolean): boolean {
  return inFlight || txStatus === 'T';
}

function probe(first: boolean): { probe: AbortProbe; sql: string } {
  const marker = `hoop refused a statement, aborting the transaction [${randomBytes(12).toString('hex')}]`;
  return { probe: { marker, first }, sql: `SELECT '${marker}'::pg_catalog.int4` };
}

/** The stand-in for a refused simple query or function call: a Query of its own, answered by an error and ReadyForQuery. */
export function abortQuery(): { probe: AbortProbe; raw: Buffer } {
  const p = probe(true);
  return { probe: p.probe, raw: query(p.sql) };
}

/**
 * The stand-in for a refused Parse, under the same statement name, so the target's prepared statements end up as if
 * the refused Parse itself had failed there (a failed unnamed Parse drops the unnamed statement; a named one adds none).
 * `first`: nothing of this round was sent to the target before it.
 */
export function abortParse(statement: string, first: boolean): { probe: AbortProbe; raw: Buffer } {
  const p = probe(first);
  return { probe: p.probe, raw: parse(statement, p.sql) };
}

/** Whether an error from the target answers the stand-in (and is to be replaced by hoop's refusal). */
export function answersProbe(p: AbortProbe, fields: Record<string, string>): boolean {
  return p.first || (fields.M ?? '').includes(p.marker);
}
