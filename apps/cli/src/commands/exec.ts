import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { BLOCKED_PREFIX, EXIT, REVIEW_PREFIX, SQLSTATE_BLOCKED } from '@hoop/protocol';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { CliError, usage } from '../errors';
import { connectGateway } from '../gateway';
import { parseExecRequest, runHttpExec } from '../http-exec';
import { runMysqlExec } from '../mysql-exec';
import { watchSessionReview } from '../review-watch';
import { pgClientFor } from '../pg-session';
import { runShellCommand } from '../shell-exec';
import { formatPsql } from '../format';
import { forgetStatement, parseWaitingNotice, recallStatement, rememberStatement, showWaiting, type Waiting } from '../waiting';

export interface ExecOptions {
  input?: string;
  file?: string;
  output: 'text' | 'json';
  /** why: shown to reviewers and recorded with the session */
  reason?: string;
  /** re-attach to an earlier review of this same statement */
  review?: string;
}

async function readSql(env: CliEnv, opts: ExecOptions): Promise<string> {
  if (opts.input !== undefined) return opts.input;
  if (opts.file) {
    try {
      return await readFile(opts.file, 'utf8');
    } catch (err) {
      throw usage(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (opts.review) {
    const stored = await recallStatement(env, opts.review);
    if (stored !== null) return stored;
  }
  if (process.stdin.isTTY)
    throw usage(
      opts.review
        ? `the statement of review ${opts.review} is not stored here; give it again with -i or -f`
        : 'give the statement with -i "SQL", a file with -f FILE, or pipe it on stdin',
    );
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

type Result = pg.QueryResult<unknown[]>;

/** The session broke while a review was pending: reconnect and re-attach until the request's deadline. */
class Reattach extends Error {}

/**
 * `hoop exec NAME -i SQL`: runs statements through the same pipeline as an interactive session. A statement held for
 * review waits (spinner, time left) and runs once approved; if the gateway goes away meanwhile, exec reconnects and
 * re-attaches to the same review.
 */
export async function execCommand(env: CliEnv, name: string, opts: ExecOptions): Promise<number> {
  const sql = await readSql(env, opts);
  if (!sql.trim()) throw usage('nothing to run: the statement is empty');
  const config = await loadConfig(env);
  let reviewId = opts.review;
  let deadline = null as Date | null;
  for (let attempt = 0; ; attempt++) {
    try {
      const code = await runOnce(env, config, name, sql, opts, reviewId, (w) => {
        reviewId = w.reviewId;
        deadline = w.expiresAt;
      });
      if (reviewId) await forgetStatement(env, reviewId);
      return code;
    } catch (err) {
      // only a session lost while a review is pending is retried (the gateway restarting, say); after such a loss,
      // failing to reach the gateway is retried too, until the request's deadline
      const retriable = err instanceof Reattach || (attempt > 0 && err instanceof CliError && err.exitCode === EXIT.unreachable);
      const late = deadline ? Date.now() > deadline.getTime() + 60_000 : attempt >= 200;
      if (!retriable || !reviewId || late) {
        if (err instanceof Reattach)
          throw new CliError(EXIT.unreachable, `${err.message}; re-attach later with \`hoop exec ${name} --review ${reviewId ?? 'ID'}\``);
        throw err;
      }
      const delay = Math.min(5000, 500 * 2 ** Math.min(attempt, 4));
      process.stderr.write(`${(err as Error).message}; re-attaching to review ${reviewId} in ${(delay / 1000).toFixed(1)} s\n`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function runOnce(
  env: CliEnv,
  config: Awaited<ReturnType<typeof loadConfig>>,
  name: string,
  sql: string,
  opts: ExecOptions,
  reviewId: string | undefined,
  onWaiting: (w: Waiting) => void,
): Promise<number> {
  const link = await connectGateway(config);
  let stopWaiting = null as (() => void) | null;
  let waiting = null as Waiting | null;
  try {
    const clientInfo: Record<string, string> = {
      client: 'hoop exec',
      ...(opts.reason ? { reason: opts.reason } : {}),
      ...(reviewId ? { review: reviewId } : {}),
    };
    const { stream, type, sessionId } = await link.open(name, 'exec', clientInfo);
    const waitFor = (w: Waiting) => {
      waiting = w;
      onWaiting(w);
      try {
        rememberStatement(env, w.reviewId, sql);
      } catch (err) {
        process.stderr.write(`hoop: could not keep the statement for --review (${(err as Error).message}); give it again with -i to re-attach\n`);
      }
      stopWaiting?.();
      stopWaiting = showWaiting(w);
    };
    if (type === 'ssh' || type === 'command') {
      // a command on a server or the agent host: stdin is passed on when something is piped in beside -i/-f
      const stdin = (opts.input !== undefined || opts.file) && !process.stdin.isTTY ? process.stdin : null;
      return await runShellCommand(stream, sql, {
        stdin,
        onWaiting: (line) => {
          const m = /(https?:\/\/\S+\/reviews\/([0-9a-f-]{36}))/.exec(line);
          if (!m) return void process.stderr.write(`${line}\n`);
          waitFor({ reviewId: m[2]!, url: m[1]!, expiresAt: null });
        },
      });
    }
    if (type === 'http' || type === 'kubernetes') {
      return await runHttpExec(stream, parseExecRequest(sql), {
        output: opts.output,
        user: link.user,
        waiting: waitFor,
        answered: () => stopWaiting?.(),
        lost: (why) =>
          waiting || reviewId
            ? new Reattach(`the session ended while waiting for approval (${why})`)
            : new CliError(EXIT.unreachable, `the session ended unexpectedly: ${why}`),
      });
    }
    if (type === 'mysql') {
      // MySQL cannot tell a waiting client why it waits: the gateway is asked for the review held in this session
      const stopWatch = sessionId ? watchSessionReview(config, sessionId, waitFor) : () => undefined;
      try {
        return await runMysqlExec(stream, name, sql, opts.output, {
          waiting: () => waiting,
          answered: () => {
            stopWatch();
            stopWaiting?.();
          },
          lost: (why) =>
            waiting || reviewId
              ? new Reattach(`the session ended while waiting for approval (${why})`)
              : new CliError(EXIT.unreachable, `the session ended unexpectedly: ${why}`),
        });
      } finally {
        stopWatch();
      }
    }
    const client = await pgClientFor(stream, name, type);
    client.on('notice', (n) => {
      const w = parseWaitingNotice(n.message ?? '', n.detail);
      if (w) return waitFor(w);
      process.stderr.write(`${n.severity ?? 'NOTICE'}:  ${n.message}\n`);
    });
    client.on('error', () => undefined);
    try {
      const res = (await client.query({ text: sql, rowMode: 'array' })) as unknown as Result | Result[];
      stopWaiting?.();
      if (waiting) process.stderr.write(`approved: review ${waiting.reviewId}\n`);
      print(Array.isArray(res) ? res : [res], opts.output);
      return EXIT.ok;
    } catch (err) {
      stopWaiting?.();
      const e = err as pg.DatabaseError;
      if (!e.code && !e.severity) {
        if (waiting || reviewId) throw new Reattach(`the session ended while waiting for approval (${e.message})`);
        throw new CliError(EXIT.unreachable, `the session ended unexpectedly: ${e.message}`);
      }
      process.stderr.write(`${e.severity ?? 'ERROR'}:  ${e.message}\n`);
      if (e.detail) process.stderr.write(`DETAIL:  ${e.detail}\n`);
      if (e.hint) process.stderr.write(`HINT:  ${e.hint}\n`);
      if (opts.output === 'json') process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint ?? null } })}\n`);
      if (e.code === SQLSTATE_BLOCKED && e.message.startsWith(REVIEW_PREFIX)) return EXIT.rejected;
      return e.code === SQLSTATE_BLOCKED && e.message.startsWith(BLOCKED_PREFIX) ? EXIT.blocked : EXIT.targetError;
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    stopWaiting?.();
    link.close();
  }
}

function print(results: Result[], output: 'text' | 'json'): void {
  if (output === 'json') {
    const json = results.map((r) => ({
      command: r.command,
      columns: (r.fields ?? []).map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
      rows: r.rows ?? [],
      rowCount: r.rowCount ?? (r.rows ?? []).length,
    }));
    process.stdout.write(`${JSON.stringify(json.length === 1 ? json[0] : json, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    if (r.fields && r.fields.length > 0) process.stdout.write(`${formatPsql(r.fields, r.rows)}\n`);
    else if (r.command) process.stdout.write(`${tag(r)}\n`);
  }
}

function tag(r: Result): string {
  if (r.command === 'INSERT') return `INSERT 0 ${r.rowCount ?? 0}`;
  if (['UPDATE', 'DELETE', 'SELECT', 'MOVE', 'FETCH', 'COPY', 'MERGE'].includes(r.command)) return `${r.command} ${r.rowCount ?? 0}`;
  return r.command;
}
